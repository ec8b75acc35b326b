//! LangSmith runs (`langsmith.schemas.Run` as the API and SDK serialise it): what a run spells
//! differently from the others.
//!
//! A record with `run_type` is a run: its `id` is the span id (other records' `id`s are not, so
//! it is taken only then), `parent_run_id` the parent, `trace_id` the trace (UUIDs, read as
//! LangSmith's OpenTelemetry exporter maps them: the trace id's 32 hex digits, a span id's first
//! 16), `error` a failure with its message. `extra`, `inputs`, `outputs`, the token counts and
//! cost are read as attributes under their own names, so the conversation is
//! `extra.metadata.session_id`, `thread_id` or `conversation_id` (LangSmith's thread keys);
//! the run's top-level `session_id` is its tracing project and is never read. A run's `inputs`
//! and `outputs` are also given whole, as JSON text, as its `input.value` and `output.value`
//! (what a turn shows as asked and answered, as for MLflow's JSON inputs).

use super::{Field, Fields, IdField, Sink, Walker};
use crate::json::{Cursor, JsonError, RawStr, Scalar};
use crate::kind::Status;

/// At a run's close: its span id and its error, from where they were written.
pub(super) fn end<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &Cursor<'_>,
    fields: &Fields,
) -> Result<(), JsonError> {
    let at = |pos: usize| {
        let mut k = c.clone();
        k.set_pos(pos);
        k
    };
    if let Some(pos) = fields.id_at {
        let id = match at(pos).scalar_or_skip()? {
            Some(Scalar::Str(s)) => Some(s),
            _ => None,
        };
        w.id_value(id, IdField::Span);
    }
    if let Some(pos) = fields.error_at {
        match at(pos).scalar_or_skip()? {
            Some(Scalar::Str(s)) if !s.raw.trim_ascii().is_empty() => {
                w.sink.field(Field::Status(Status::Error));
                w.sink.field(Field::StatusMessage(s));
            }
            _ => {}
        }
    }
    Ok(())
}

/// After a record's `inputs` or `outputs` (`value`: as written): the object whole, as JSON
/// text, at `input.value` / `output.value`.
pub(super) fn io_text<S: Sink>(w: &mut Walker<'_, S>, key: RawStr<'_>, value: &[u8]) {
    let path: &[u8] = match key.raw {
        b"inputs" => b"input.value",
        b"outputs" => b"output.value",
        _ => return,
    };
    if value.first() != Some(&b'{') {
        return;
    }
    let tag = match w.sink.want(path) {
        super::Want::Skip => return,
        super::Want::Value(t) => Some(t),
        _ => None,
    };
    // The text as the body of a JSON string, so that decoding it gives the JSON back.
    let mut body = Vec::with_capacity(value.len() + value.len() / 8);
    for &b in value {
        if matches!(b, b'"' | b'\\') {
            body.push(b'\\');
        }
        body.push(b);
    }
    w.sink.attr(path, tag, Scalar::Str(RawStr::plain(&body)));
}
