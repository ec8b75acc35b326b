//! OTLP/JSON typed attributes: `[{key, value: {stringValue | intValue | … | kvlistValue}}]`.
//!
//! Also reads the snake_case spelling Phoenix's `/spans/otlpv1` writes (`string_value`, with
//! every other variant present as `null`). Int64 values arrive as strings or numbers.

use super::{Sink, Walker, Want, push_key};
use crate::json::{Cursor, JsonError, ValueKind};

/// Walks a key/value list, each key appended to the current path.
pub(super) fn key_values<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &mut Cursor<'_>,
) -> Result<(), JsonError> {
    let base = w.path.len();
    c.array_start()?;
    let mut first = true;
    while c.next_item(&mut first)? {
        if c.peek_kind()? != ValueKind::Object {
            c.skip_value()?;
            continue;
        }
        c.object_start()?;
        let mut have_key = false;
        let mut pending_value = None;
        let mut first_key = true;
        while c.next_key(&mut first_key)? {
            let k = c.key();
            match k.raw {
                b"key" => {
                    let Some(crate::json::Scalar::Str(name)) = c.scalar_or_skip()? else {
                        continue;
                    };
                    w.path.truncate(base);
                    if base > 0 {
                        w.path.push(b'.');
                    }
                    push_key(&mut w.path, name);
                    have_key = true;
                    if let Some(at) = pending_value.take() {
                        let mut again = c.clone();
                        again.set_pos(at);
                        any_value(w, &mut again)?;
                    }
                }
                b"value" if have_key => any_value(w, c)?,
                b"value" => {
                    c.skip_ws();
                    pending_value = Some(c.pos());
                    c.skip_value()?;
                }
                _ => c.skip_value()?,
            }
        }
    }
    w.path.truncate(base);
    Ok(())
}

/// One `AnyValue` at the current path.
fn any_value<S: Sink>(w: &mut Walker<'_, S>, c: &mut Cursor<'_>) -> Result<(), JsonError> {
    let want = w.sink.want(&w.path);
    if matches!(want, Want::Skip) || c.peek_kind()? != ValueKind::Object {
        return c.skip_value();
    }
    let (tag, descend) = match want {
        Want::Value(t) => (Some(t), false),
        _ => (None, true),
    };
    let messages = matches!(want, Want::Messages);
    c.object_start()?;
    let mut first = true;
    while c.next_key(&mut first)? {
        let k = c.key();
        match k.raw {
            b"stringValue" | b"string_value" | b"intValue" | b"int_value" | b"doubleValue"
            | b"double_value"
                if messages =>
            {
                w.sink.messages(&w.path, c)?;
            }
            b"stringValue" | b"string_value" => match c.peek_kind()? {
                ValueKind::String => {
                    let s = c.string()?;
                    w.attr_string(s, want, super::NO_NODE);
                }
                _ => c.skip_value()?,
            },
            b"intValue" | b"int_value" | b"doubleValue" | b"double_value" | b"boolValue"
            | b"bool_value" => match c.scalar_or_skip()? {
                Some(crate::json::Scalar::Null) | None => {}
                Some(v) => w.sink.attr(&w.path, tag, v),
            },
            b"arrayValue" | b"array_value" | b"kvlistValue" | b"kvlist_value"
                if descend && w.enter(c)? =>
            {
                let keyed = matches!(k.raw, b"kvlistValue" | b"kvlist_value");
                let listed = list(w, c, keyed);
                w.depth -= 1;
                listed?;
            }
            _ => c.skip_value()?,
        }
    }
    Ok(())
}

/// `{values: [...]}` of an array (items indexed) or a kvlist (items keyed).
fn list<S: Sink>(w: &mut Walker<'_, S>, c: &mut Cursor<'_>, keyed: bool) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Object {
        return c.skip_value();
    }
    c.object_start()?;
    let mut first = true;
    while c.next_key(&mut first)? {
        let k = c.key();
        if k.raw != b"values" || c.peek_kind()? != ValueKind::Array {
            c.skip_value()?;
            continue;
        }
        if keyed {
            key_values(w, c)?;
            continue;
        }
        let base = w.path.len();
        c.array_start()?;
        let mut first_item = true;
        let mut i = 0usize;
        while c.next_item(&mut first_item)? {
            w.path.truncate(base);
            w.path.push(b'.');
            super::push_index(&mut w.path, i);
            any_value(w, c)?;
            i += 1;
        }
        w.path.truncate(base);
    }
    Ok(())
}

/// Whether the value under the cursor is an object whose first key is `resourceSpans`: OTLP in
/// an envelope (`{"result": {"resourceSpans": …}}`, as Jaeger's API v3 answers).
pub(super) fn is_envelope(c: &Cursor<'_>) -> bool {
    let mut probe = c.clone();
    let mut first = true;
    probe.peek_kind().ok() == Some(ValueKind::Object)
        && probe.object_start().is_ok()
        && probe.next_key(&mut first).unwrap_or(false)
        && matches!(probe.key().raw, b"resourceSpans" | b"resource_spans")
}
