//! MLflow trace documents: the `info` object (trace id, session and user in `trace_metadata`,
//! `request_metadata` or tags, assessments). The spans under `data.spans` are ordinary span
//! objects and go through the shared walker.

use super::{Sink, eval};
use crate::json::{Cursor, JsonError, Scalar, ValueKind};

/// Reads an `info` object.
pub(super) fn info<S: Sink>(c: &mut Cursor<'_>, sink: &mut S) -> Result<(), JsonError> {
    c.skip_ws();
    let start = c.pos();
    c.object_start()?;
    let mut first = true;
    while c.next_key(&mut first)? {
        let key = c.key();
        match key.raw {
            b"trace_id" | b"request_id" => {
                if let Some(v) = c.scalar_or_skip()? {
                    sink.trace_meta(b"trace_id", v);
                }
            }
            b"trace_metadata" | b"request_metadata" | b"tags" => metadata(c, sink)?,
            b"assessments" if c.peek_kind()? == ValueKind::Array => {
                c.array_start()?;
                let mut first_item = true;
                while c.next_item(&mut first_item)? {
                    let r = c.value_range()?;
                    if let Some(e) = eval::mlflow_assessment(&c.buf()[r]) {
                        sink.evaluation(e);
                    }
                }
            }
            _ => c.skip_value()?,
        }
    }
    sink.trace_info(start..c.pos());
    Ok(())
}

/// String-valued metadata: the session and user keys are passed on, the rest skipped.
fn metadata<S: Sink>(c: &mut Cursor<'_>, sink: &mut S) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Object {
        return c.skip_value();
    }
    c.object_start()?;
    let mut first = true;
    while c.next_key(&mut first)? {
        let key = c.key();
        match key.raw {
            b"mlflow.trace.session" | b"mlflow.trace.user" | b"session_id" | b"session.id" => {
                if let Some(v @ Scalar::Str(_)) = c.scalar_or_skip()? {
                    sink.trace_meta(key.raw, v)
                }
            }
            _ => c.skip_value()?,
        }
    }
    Ok(())
}
