//! Langfuse traces, sessions, observations and scores (its public API's JSON, the UI's trace
//! download, and the blob-storage export's rows): what they spell differently from the others.
//!
//! * An **observation** is a record whose `type` is one of Langfuse's observation types
//!   (`GENERATION` is an LLM call, `SPAN` a step, `EVENT` a point in time, and `AGENT`, `TOOL`,
//!   `CHAIN`, `RETRIEVER`, `EVALUATOR`, `EMBEDDING`, `GUARDRAIL` as their names say). Its `id`
//!   is the span id, `traceId` / `trace_id` the trace, `parentObservationId` /
//!   `parent_observation_id` the parent, `level: ERROR` an error (`statusMessage` its message).
//! * A **trace** record (`id`, `timestamp`, and one of `sessionId`, `userId`, `observations`,
//!   `htmlPath`, `public`) is itself a node: its span id is the trace id as written, its end its
//!   start plus `latency` (seconds). Observations given with it (inside it, as the API's
//!   `TraceWithFullDetails` has them, or beside it, as the UI's `{"trace", "observations"}`
//!   download has them) without a parent hang under it; observation rows alone keep no parent.
//! * `sessionId` (a trace's; `session_id` on an exported observation row) is the session, read
//!   as `langfuse.session.id` (Langfuse's own name for it over OpenTelemetry); `userId` /
//!   `user_id` the user, as `langfuse.user.id`. `input` / `output` are `input.value` /
//!   `output.value` (JSON values as their JSON text). `model` / `provided_model_name`,
//!   `usageDetails` / `usage_details` and `costDetails` / `cost_details` are read under the
//!   names the Langfuse SDKs give them over OpenTelemetry (`langfuse.observation.model.name`,
//!   `langfuse.observation.usage_details`, `langfuse.observation.cost_details`).
//! * **Scores** become evaluations of what they name (`observationId`, else `traceId`, else
//!   `sessionId`): those in a trace's `scores`, and stand-alone score records (`dataType` /
//!   `data_type`, as the scores API and the export write them).

use super::{Field, Fields, IdField, Sink, Style, Walker};
use crate::json::{Cursor, JsonError, RawStr, Scalar, ValueKind};
use crate::kind::{Kind, Status};
use serde_json::Value;

/// A Langfuse field of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Key {
    /// `type`: the observation type (it makes the record an observation).
    Type,
    /// `parentObservationId` / `parent_observation_id`.
    Parent,
    /// `level` (`ERROR` is an error).
    Level,
    /// A trace's `sessionId`.
    SessionId,
    /// A trace's `userId`.
    UserId,
    /// An exported row's `session_id`: the session only in an observation row (a LangSmith
    /// run's top-level `session_id` is its project).
    RowSession,
    /// An exported row's `user_id`.
    RowUser,
    /// A key only trace records have (`htmlPath`, `public`).
    TraceMark,
    /// `input` / `output`.
    Io,
    /// Read as an attribute under Langfuse's OpenTelemetry name for it.
    Renamed,
    /// `observations`: the trace's observations.
    Observations,
    /// `scores`: the trace's scores.
    Scores,
    /// A trace's `latency`, in seconds.
    Latency,
    /// `dataType` / `data_type`: a stand-alone score record.
    ScoreMark,
}

/// What a record's Langfuse fields have said so far.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Seen {
    /// It has a key only trace records have.
    trace: bool,
    /// It named its parent observation.
    parent: bool,
    /// It is a stand-alone score.
    score: bool,
    /// It is a generation (its `input` / `output` are the call's messages).
    generation: bool,
    /// A trace's latency, in nanoseconds.
    latency: Option<i64>,
    /// Where an exported row's `session_id` / `user_id` values are written.
    session_at: Option<usize>,
    user_at: Option<usize>,
    /// Where a trace's `scores` are written: read once the trace is closed, so that each names
    /// what it is about (the trace, one of its observations, its session) instead of being
    /// taken as the trace node's.
    scores_at: Option<usize>,
}

impl Seen {
    fn any(&self) -> bool {
        self.trace || self.score
    }
}

/// What the walker keeps while inside a Langfuse trace document.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Doc {
    /// Where the id of the trace whose observations are being read is written.
    parent: Option<usize>,
    /// Where the id of the last trace record read is written (the UI download gives the
    /// observations after the trace, beside it).
    last_trace: Option<usize>,
}

/// The observation types; the kind each is, where it has one.
fn observation_type(t: &[u8]) -> Option<Option<Kind>> {
    Some(match t {
        b"GENERATION" => Some(Kind::Llm),
        b"SPAN" | b"CHAIN" => Some(Kind::Chain),
        b"EVENT" => None,
        b"AGENT" => Some(Kind::Agent),
        b"TOOL" => Some(Kind::Tool),
        b"RETRIEVER" => Some(Kind::Retriever),
        b"EVALUATOR" => Some(Kind::Evaluator),
        b"EMBEDDING" => Some(Kind::Embedding),
        b"GUARDRAIL" => Some(Kind::Guardrail),
        _ => return None,
    })
}

/// One of a record's Langfuse fields, the cursor at its value.
pub(super) fn field<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &mut Cursor<'_>,
    key: Key,
    depth: usize,
    fields: &mut Fields,
) -> Result<(), JsonError> {
    match key {
        Key::Type => {
            c.skip_ws();
            fields.claude_code.kind(c);
            let Some(Scalar::Str(s)) = c.scalar_or_skip()? else {
                return Ok(());
            };
            let Some(kind) = observation_type(s.raw) else {
                return Ok(());
            };
            fields.style = Style::Langfuse;
            fields.langfuse.generation = s.raw == b"GENERATION";
            if S::KIND_AS_WRITTEN {
                w.sink.field(Field::KindAsWritten(s.raw, 1));
            }
            if let Some(k) = kind {
                w.sink.field(Field::Kind(k, 1));
            }
        }
        Key::Parent => {
            fields.langfuse.parent = true;
            w.id(c, IdField::Parent)?;
        }
        Key::Level => {
            if let Some(Scalar::Str(s)) = c.scalar_or_skip()?
                && s.raw == b"ERROR"
            {
                w.sink.field(Field::Status(Status::Error));
            }
        }
        Key::SessionId => {
            // Read at the close: a Claude Code line spells its session so too.
            fields.langfuse.trace = true;
            c.skip_ws();
            fields.claude_code.session(c);
            c.skip_value()?;
        }
        Key::UserId => {
            fields.langfuse.trace = true;
            attr_at(w, c, b"langfuse.user.id")?;
        }
        Key::RowSession | Key::RowUser => {
            c.skip_ws();
            let at = Some(c.pos());
            if key == Key::RowSession {
                fields.langfuse.session_at = at;
            } else {
                fields.langfuse.user_at = at;
            }
            c.skip_value()?;
        }
        Key::TraceMark => {
            fields.langfuse.trace = true;
            c.skip_value()?;
        }
        Key::Io => {
            let input = c.key().raw == b"input";
            if fields.langfuse.generation {
                // The call's messages, as Langfuse's SDKs name them over OpenTelemetry.
                let path: &[u8] = if input {
                    b"langfuse.observation.input"
                } else {
                    b"langfuse.observation.output"
                };
                return attr_at(w, c, path);
            }
            io(
                w,
                c,
                if input {
                    b"input.value"
                } else {
                    b"output.value"
                },
            )?;
        }
        Key::Renamed => {
            let path: &[u8] = match c.key().raw {
                b"model" | b"provided_model_name" | b"providedModelName" => {
                    b"langfuse.observation.model.name"
                }
                b"usageDetails" | b"usage_details" => b"langfuse.observation.usage_details",
                _ => b"langfuse.observation.cost_details",
            };
            attr_at(w, c, path)?;
        }
        Key::Observations => {
            fields.langfuse.trace = true;
            let outer = w.langfuse;
            w.langfuse.parent = fields.id_at.or(outer.last_trace);
            let r = w.value(c, depth + 1);
            w.langfuse = Doc {
                last_trace: w.langfuse.last_trace,
                ..outer
            };
            r?;
        }
        Key::Scores => {
            c.skip_ws();
            fields.langfuse.scores_at = Some(c.pos());
            c.skip_value()?;
        }
        Key::Latency => {
            if let Some(v @ Scalar::Num(_)) = c.scalar_or_skip()?
                && let Some(s) = v.as_f64()
                && s.is_finite()
                && s >= 0.0
            {
                #[allow(clippy::cast_possible_truncation)]
                let ns = (s * 1e9).round() as i64;
                fields.langfuse.latency = Some(ns);
            }
        }
        Key::ScoreMark => {
            fields.langfuse.score = true;
            c.skip_value()?;
        }
    }
    Ok(())
}

/// Whether the record's Langfuse fields need [`end`].
pub(super) fn pending(fields: &Fields) -> bool {
    fields.style == Style::Langfuse || fields.langfuse.any()
}

/// At a record's close: an observation's span id, parent and row session; a trace's ids and
/// end; a stand-alone score's evaluation. Returns the record's style.
pub(super) fn end<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &Cursor<'_>,
    start: usize,
    fields: &Fields,
) -> Result<Style, JsonError> {
    let at = |pos: usize| {
        let mut k = c.clone();
        k.set_pos(pos);
        k
    };
    let string_at = |pos: Option<usize>| -> Result<Option<RawStr<'_>>, JsonError> {
        match pos {
            Some(p) => Ok(match at(p).scalar_or_skip()? {
                Some(Scalar::Str(s)) if !s.raw.is_empty() => Some(s),
                _ => None,
            }),
            None => Ok(None),
        }
    };
    let seen = fields.langfuse;
    if let Some(p) = fields.claude_code.session_pos() {
        attr_at(w, &mut at(p), b"langfuse.session.id")?;
    }
    if fields.style == Style::Langfuse {
        w.id_value(string_at(fields.id_at)?, IdField::Span);
        if !seen.parent
            && let Some(trace) = string_at(w.langfuse.parent)?
        {
            node_id(w, trace, IdField::Parent);
        }
        for (pos, path) in [
            (seen.session_at, &b"langfuse.session.id"[..]),
            (seen.user_at, &b"langfuse.user.id"[..]),
        ] {
            if let Some(p) = pos {
                attr_at(w, &mut at(p), path)?;
            }
        }
        return Ok(Style::Langfuse);
    }
    if seen.trace
        && let Some(start) = fields.start
        && let Some(id) = string_at(fields.id_at)?
    {
        w.id_value(Some(id), IdField::Trace);
        node_id(w, id, IdField::Span);
        if let Some(d) = seen.latency {
            w.sink.field(Field::End(start.saturating_add(d)));
        }
        w.langfuse.last_trace = fields.id_at;
        return Ok(Style::Langfuse);
    }
    if seen.score
        && let Some(e) = score(c.buf().get(start..c.pos()).unwrap_or_default())
    {
        w.sink.evaluation(e);
        return Ok(Style::Annotation);
    }
    Ok(fields.style)
}

/// Reports the span id of a trace's own node, from the trace id (as its span or as its
/// observations' parent): the first 16 of its 32 hex digits (a UUID's too), else the id as
/// written.
fn node_id<S: Sink>(w: &mut Walker<'_, S>, trace: RawStr<'_>, which: IdField) {
    match trace.raw.get(..16) {
        Some(head) if trace.raw.len() == 32 && trace.raw.iter().all(u8::is_ascii_hexdigit) => {
            w.report_id(Some(RawStr::plain(head)), which);
        }
        _ => w.id_value(Some(trace), which),
    }
}

/// The value under the cursor, as an attribute at `path`.
fn attr_at<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &mut Cursor<'_>,
    path: &[u8],
) -> Result<(), JsonError> {
    w.path.clear();
    w.path.extend_from_slice(path);
    let r = w.attr_value(c);
    w.path.clear();
    r
}

/// `input` / `output`: a scalar as it is, an object or a list as its JSON text.
fn io<S: Sink>(w: &mut Walker<'_, S>, c: &mut Cursor<'_>, path: &[u8]) -> Result<(), JsonError> {
    if !matches!(c.peek_kind()?, ValueKind::Object | ValueKind::Array) {
        return attr_at(w, c, path);
    }
    let r = c.value_range()?;
    let value = c.buf().get(r).unwrap_or_default();
    let tag = match w.sink.want(path) {
        super::Want::Skip => return Ok(()),
        super::Want::Value(t) => Some(t),
        _ => None,
    };
    // The text as the body of a JSON string, so that decoding it gives the JSON back.
    let mut body = Vec::with_capacity(value.len() + value.len() / 8);
    for &b in value {
        match b {
            b'"' | b'\\' => body.extend_from_slice(&[b'\\', b]),
            b'\n' => body.extend_from_slice(b"\\n"),
            b'\r' => body.extend_from_slice(b"\\r"),
            b'\t' => body.extend_from_slice(b"\\t"),
            _ => body.push(b),
        }
    }
    w.sink.attr(path, tag, Scalar::Str(RawStr::plain(&body)));
    Ok(())
}

/// After a record's close: its `scores`, each an evaluation of what it names.
pub(super) fn after_close<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &Cursor<'_>,
    fields: &Fields,
) -> Result<(), JsonError> {
    let Some(at) = fields.langfuse.scores_at else {
        return Ok(());
    };
    let mut c = c.clone();
    c.set_pos(at);
    if c.peek_kind()? != ValueKind::Array {
        return c.skip_value();
    }
    c.array_start()?;
    let mut first = true;
    while c.next_item(&mut first)? {
        let r = c.value_range()?;
        if let Some(e) = score(c.buf().get(r).unwrap_or_default()) {
            w.sink.evaluation(e);
        }
    }
    Ok(())
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// One Langfuse score (the API's camelCase or the export's snake_case): its name, its value
/// (the category or boolean as written, else the number), comment and source, and the
/// observation, trace or session it is about.
pub fn score(bytes: &[u8]) -> Option<crate::format::Evaluation> {
    let v: Value = serde_json::from_slice(&crate::json::lenient(bytes)).ok()?;
    let get = |camel: &str, snake: &str| v.get(camel).or_else(|| v.get(snake)).and_then(text);
    let name = v.get("name").and_then(text)?;
    Some(crate::format::Evaluation {
        name,
        kind: "feedback",
        value: get("stringValue", "string_value").or_else(|| v.get("value").and_then(text)),
        rationale: v.get("comment").and_then(text),
        scorer_error: None,
        source: v.get("source").and_then(text),
        span_ref: get("observationId", "observation_id"),
        trace_ref: get("traceId", "trace_id"),
        session: get("sessionId", "session_id"),
        document: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_in_either_spelling() {
        let api = score(
            br#"{"id":"s1","traceId":"t1","name":"fluent","source":"EVAL","observationId":"o1","dataType":"BOOLEAN","value":1.0,"stringValue":"True","comment":null}"#,
        )
        .unwrap();
        assert_eq!(
            (
                api.name.as_str(),
                api.value.as_deref(),
                api.source.as_deref()
            ),
            ("fluent", Some("True"), Some("EVAL"))
        );
        assert_eq!(api.span_ref.as_deref(), Some("o1"));
        assert_eq!(api.trace_ref.as_deref(), Some("t1"));
        let row = score(
            br#"{"id":"s2","trace_id":"t2","session_id":"sess","name":"helpfulness","value":0.9,"data_type":"NUMERIC","comment":"good","string_value":null}"#,
        )
        .unwrap();
        assert_eq!(row.value.as_deref(), Some("0.9"));
        assert_eq!(row.rationale.as_deref(), Some("good"));
        assert_eq!(row.session.as_deref(), Some("sess"));
        assert_eq!(row.trace_ref.as_deref(), Some("t2"));
    }
}
