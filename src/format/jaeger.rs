//! Jaeger query / UI JSON (`jaegertracing/jaeger` `model/json/model.go`): what its spans spell
//! differently from the others, read into the same fields and attributes.
//!
//! * `references: [{refType, traceID, spanID}]`: the parent is the first `CHILD_OF` reference
//!   to a span of the same trace, else the first `FOLLOWS_FROM` one (as Jaeger's own
//!   `Span.ParentSpanID` decides); references to other traces are links, not parents.
//! * `duration` in microseconds: the end is the start plus the duration.
//! * `tags: [{key, type, value}]` with native JSON values: the attributes. The OpenTelemetry →
//!   Jaeger mapping writes the status as tags: `otel.status_code`, `otel.status_description`,
//!   and `error: true` (OpenTracing's error flag) is an error too.
//! * `logs: [{timestamp, fields: [{key, type, value}]}]`: the events, `event` naming them.

use super::{Field, Fields, NO_NODE, Sink, Walker, push_index, push_key};
use crate::json::{Cursor, JsonError, RawStr, Scalar, ValueKind};
use crate::kind::Status;

/// `duration`: microseconds (an unsigned integer), in nanoseconds.
pub(super) fn duration(c: &mut Cursor<'_>) -> Result<Option<i64>, JsonError> {
    if let Some(us) = c.plain_integer() {
        return Ok(i64::try_from(us).ok().and_then(|us| us.checked_mul(1000)));
    }
    c.skip_value().map(|()| None)
}

/// At the span's close: its end, from its start and duration.
pub(super) fn end<S: Sink>(sink: &mut S, fields: &Fields) {
    if let (Some(start), Some(d)) = (fields.start, fields.duration) {
        sink.field(Field::End(start.saturating_add(d)));
    }
}

/// Whether two ids as written name the same id (leading zeros and case aside: Jaeger writes a
/// 64-bit trace id in 16 digits, and once wrote ids without their leading zeros).
fn same_id(a: &[u8], b: &[u8]) -> bool {
    fn trim(s: &[u8]) -> &[u8] {
        let zeros = s.iter().take_while(|&&c| c == b'0').count();
        &s[zeros..]
    }
    trim(a).eq_ignore_ascii_case(trim(b))
}

/// `references`: reports the span's parent, if one of them is.
pub(super) fn references<'a, S: Sink>(
    w: &mut Walker<'_, S>,
    c: &mut Cursor<'a>,
    fields: &Fields,
) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Array {
        return c.skip_value();
    }
    // The span's own trace id, where the span gave it before its references (as Jaeger does).
    let own = fields.trace_at.and_then(|at| {
        let mut k = c.clone();
        k.set_pos(at);
        k.string().ok()
    });
    let (mut child, mut follows): (Option<RawStr<'a>>, Option<RawStr<'a>>) = (None, None);
    c.array_start()?;
    let mut first = true;
    while c.next_item(&mut first)? {
        if c.peek_kind()? != ValueKind::Object {
            c.skip_value()?;
            continue;
        }
        c.object_start()?;
        let (mut kind, mut trace, mut span) = (None, None, None);
        let mut first_key = true;
        while c.next_key(&mut first_key)? {
            let slot = match c.key().raw {
                b"refType" => &mut kind,
                b"traceID" => &mut trace,
                b"spanID" => &mut span,
                _ => {
                    c.skip_value()?;
                    continue;
                }
            };
            if let Some(Scalar::Str(s)) = c.scalar_or_skip()? {
                *slot = Some(s);
            }
        }
        let same_trace = match (own, trace) {
            (Some(a), Some(b)) => same_id(a.raw, b.raw),
            _ => true,
        };
        let Some(span) = span.filter(|s| !s.raw.is_empty() && same_trace) else {
            continue;
        };
        match kind.map(|k| k.raw) {
            Some(b"CHILD_OF") => {
                child.get_or_insert(span);
            }
            Some(b"FOLLOWS_FROM") => {
                follows.get_or_insert(span);
            }
            _ => {}
        }
    }
    if let Some(parent) = child.or(follows) {
        w.sink.field(Field::ParentId(Some(parent)));
    }
    Ok(())
}

/// What a key/value list is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    /// A span's `tags`: its attributes, and its status.
    Tags,
    /// A log's `fields`: an event's attributes, `event` its name.
    Log,
}

/// `tags`: the span's attributes.
pub(super) fn tags<S: Sink>(w: &mut Walker<'_, S>, c: &mut Cursor<'_>) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Array {
        return c.skip_value();
    }
    w.path.clear();
    c.array_start()?;
    let mut first = true;
    while c.next_item(&mut first)? {
        key_value(w, c, 0, List::Tags)?;
    }
    w.path.clear();
    Ok(())
}

/// `logs`: the span's events, reported as attributes under `events.<n>.` (as OTLP events are).
pub(super) fn logs<S: Sink>(w: &mut Walker<'_, S>, c: &mut Cursor<'_>) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Array {
        return c.skip_value();
    }
    c.array_start()?;
    let mut first = true;
    let mut n = 0usize;
    while c.next_item(&mut first)? {
        if c.peek_kind()? != ValueKind::Object {
            c.skip_value()?;
            continue;
        }
        c.object_start()?;
        let mut first_key = true;
        while c.next_key(&mut first_key)? {
            if c.key().raw != b"fields" || c.peek_kind()? != ValueKind::Array {
                c.skip_value()?;
                continue;
            }
            w.path.clear();
            w.path.extend_from_slice(b"events.");
            push_index(&mut w.path, n);
            let base = w.path.len();
            c.array_start()?;
            let mut first_field = true;
            while c.next_item(&mut first_field)? {
                key_value(w, c, base, List::Log)?;
            }
        }
        n += 1;
    }
    w.path.clear();
    Ok(())
}

/// One `{key, type, value}` (in any order), its value reported at the path `base` and the key.
fn key_value<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &mut Cursor<'_>,
    base: usize,
    list: List,
) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Object {
        return c.skip_value();
    }
    c.object_start()?;
    let (mut key, mut value) = (None, None);
    let mut first = true;
    while c.next_key(&mut first)? {
        match c.key().raw {
            b"key" => {
                if let Some(Scalar::Str(k)) = c.scalar_or_skip()? {
                    key = Some(k);
                }
            }
            b"value" => {
                c.skip_ws();
                value = Some(c.pos());
                c.skip_value()?;
            }
            _ => c.skip_value()?,
        }
    }
    let (Some(key), Some(at)) = (key, value) else {
        return Ok(());
    };
    let mut v = c.clone();
    v.set_pos(at);
    if list == List::Tags {
        status(w, key, &v);
    }
    w.path.truncate(base);
    if base > 0 {
        w.path.push(b'.');
    }
    if list == List::Log && key.raw == b"event" {
        w.path.extend_from_slice(b"name");
    } else {
        push_key(&mut w.path, key);
    }
    let want = w.want();
    w.attr_value_as(&mut v, want, NO_NODE)
}

/// The status a span's tag gives, if it is one of the tags that carry it.
fn status<S: Sink>(w: &mut Walker<'_, S>, key: RawStr<'_>, v: &Cursor<'_>) {
    if !matches!(
        key.raw,
        b"error" | b"otel.status_code" | b"otel.status_description"
    ) {
        return;
    }
    let Ok(Some(value)) = v.clone().scalar_or_skip() else {
        return;
    };
    match (key.raw, value) {
        (b"error", Scalar::Bool(true)) => w.sink.field(Field::Status(Status::Error)),
        (b"error", Scalar::Str(s)) if s.raw.eq_ignore_ascii_case(b"true") => {
            w.sink.field(Field::Status(Status::Error));
        }
        (b"otel.status_code", Scalar::Str(s)) => {
            if let Some(st) = Status::from_upper(s.raw).or_else(|| Status::parse(&s.decode())) {
                w.sink.field(Field::Status(st));
            }
        }
        (b"otel.status_description", Scalar::Str(s)) if !s.raw.is_empty() => {
            w.sink.field(Field::StatusMessage(s));
        }
        _ => {}
    }
}
