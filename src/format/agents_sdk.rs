//! OpenAI Agents SDK traces and spans as `Trace.export()` and `Span.export()` write them (the
//! records the SDK's own exporter posts, and what a `TracingProcessor` writing them as JSON
//! Lines gives): what they spell differently from the others.
//!
//! A record with `"object": "trace.span"` is a span: `id` its span id, `trace_id` and
//! `parent_id` as usual, `started_at` / `ended_at` ISO-8601 times, `error` (`{message, data}`)
//! a failure with its message. Its `span_data` says what it did: `type` gives the kind (agent →
//! AGENT; generation, response, transcription, speech → LLM; function, mcp_tools and handoff →
//! TOOL; guardrail → GUARDRAIL; custom and the rest → CHAIN), `name` the name (a handoff is
//! named as the SDK names the tool the model calls for it, `transfer_to_<agent>`; others
//! without one by their type), and every other field is
//! an attribute under `span_data.` (a generation's `span_data.input` / `output` are its message
//! history and answer, `span_data.model` and `span_data.usage` its model and tokens); a
//! function's `input` / `output` are also its `input.value` / `output.value`, as turns read
//! tools. A handoff is a tool whose sub-agent is the agent it hands to: the model hangs that
//! agent's span under the handoff span (see `model::build`), the SDK writing it beside the
//! agent that handed off.
//!
//! A record with `"object": "trace"` is no span: its `id` names the trace and its `group_id`
//! is the conversation (the session, key `agents.group_id`) of every span of that trace,
//! wherever in the files they are.
//!
//! Ids: the SDK writes `trace_<32 hex digits>` and `span_<24 hex digits>`; sesstui shows a
//! trace by its 32 digits and a span by the first 16 of its 24.

use super::{Field, Fields, IdField, Sink, Walker};
use crate::json::{Cursor, JsonError, RawStr, Scalar, ValueKind};
use crate::kind::{Kind, Status};

/// What an `object` field says a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Object {
    Trace,
    Span,
}

/// A handoff span is named as the SDK names the tool the model calls to hand off: this, then
/// the agent's name with what a function name cannot hold made `_`, lower-cased.
const HANDOFF_PREFIX: &str = "transfer_to_";

/// The name of the handoff tool to agent `to` (the SDK's default `Handoff.tool_name`, as
/// `transform_string_function_style` makes it).
fn handoff_name(to: &str) -> String {
    let mut name = String::with_capacity(HANDOFF_PREFIX.len() + to.len());
    name.push_str(HANDOFF_PREFIX);
    name.extend(to.chars().map(|ch| match ch {
        'a'..='z' | '0'..='9' | '_' => ch,
        'A'..='Z' => ch.to_ascii_lowercase(),
        _ => '_',
    }));
    name
}

/// For a tool span named `name`: the agent name part of a handoff's name, if it is one.
pub fn handoff_target(name: &str) -> Option<&str> {
    name.strip_prefix(HANDOFF_PREFIX).filter(|t| !t.is_empty())
}

/// Whether the agent `agent` is the one a handoff named `transfer_to_<target>` hands to.
pub fn hands_to(target: &str, agent: &str) -> bool {
    handoff_name(agent).get(HANDOFF_PREFIX.len()..) == Some(target)
}

/// Reads an `object` value.
pub(super) fn object(c: &mut Cursor<'_>) -> Result<Option<Object>, JsonError> {
    Ok(match c.scalar_or_skip()? {
        Some(Scalar::Str(s)) => match s.raw {
            b"trace.span" => Some(Object::Span),
            b"trace" => Some(Object::Trace),
            _ => None,
        },
        _ => None,
    })
}

/// An id as the SDK writes it (`trace_<hex>`, `span_<hex>`) as sesstui names it: the trace's
/// 32 hex digits, the span's first 16. Any other id is returned as written.
pub(super) fn id<'a>(u: RawStr<'a>, which: IdField) -> RawStr<'a> {
    let hex = |r: &[u8]| r.iter().all(u8::is_ascii_hexdigit);
    match which {
        IdField::Trace => match u.raw.strip_prefix(b"trace_") {
            Some(rest) if rest.len() == 32 && hex(rest) => RawStr::plain(rest),
            _ => u,
        },
        IdField::Span | IdField::Parent => match u.raw.strip_prefix(b"span_") {
            Some(rest) if rest.len() >= 16 && hex(rest) => RawStr::plain(&rest[..16]),
            _ => u,
        },
    }
}

/// The kind a `span_data.type` names.
fn kind(t: &[u8]) -> Kind {
    match t {
        b"agent" => Kind::Agent,
        b"generation" | b"response" | b"transcription" | b"speech" => Kind::Llm,
        b"function" | b"mcp_tools" | b"handoff" => Kind::Tool,
        b"guardrail" => Kind::Guardrail,
        _ => Kind::Chain,
    }
}

/// A cursor at `pos` of the record `c` reads.
fn at<'a>(c: &Cursor<'a>, pos: usize) -> Cursor<'a> {
    let mut k = c.clone();
    k.set_pos(pos);
    k
}

/// At a span's close: its span id and its error, from where they were written.
pub(super) fn end<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &Cursor<'_>,
    fields: &Fields,
) -> Result<(), JsonError> {
    if let Some(pos) = fields.id_at {
        let id = match at(c, pos).scalar_or_skip()? {
            Some(Scalar::Str(s)) => Some(s),
            _ => None,
        };
        w.id_value(id, IdField::Span);
    }
    let Some(pos) = fields.error_at else {
        return Ok(());
    };
    let mut e = at(c, pos);
    match e.peek_kind()? {
        ValueKind::Object => {
            w.sink.field(Field::Status(Status::Error));
            e.object_start()?;
            let mut first = true;
            while e.next_key(&mut first)? {
                match e.key().raw {
                    b"message" => {
                        if let Some(Scalar::Str(s)) = e.scalar_or_skip()? {
                            w.sink.field(Field::StatusMessage(s));
                        }
                    }
                    _ => e.skip_value()?,
                }
            }
            // The whole error (its `data` says which tool or guardrail), for the detail view.
            w.path.clear();
            w.path.extend_from_slice(b"error");
            w.attr_value(&mut at(c, pos))?;
            w.path.clear();
        }
        ValueKind::String => {
            if let Some(Scalar::Str(s)) = e.scalar_or_skip()?
                && !s.raw.trim_ascii().is_empty()
            {
                w.sink.field(Field::Status(Status::Error));
                w.sink.field(Field::StatusMessage(s));
            }
        }
        _ => {}
    }
    Ok(())
}

/// At a trace record's close: its trace id and conversation, for the spans of that trace.
pub(super) fn trace_end<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &Cursor<'_>,
    fields: &Fields,
) -> Result<(), JsonError> {
    let Some(pos) = fields.id_at else {
        return Ok(());
    };
    let Some(Scalar::Str(trace)) = at(c, pos).scalar_or_skip()? else {
        return Ok(());
    };
    w.sink
        .trace_meta(b"trace_id", Scalar::Str(id(trace, IdField::Trace)));
    if let Some(pos) = fields.group_at
        && let Some(v @ Scalar::Str(_)) = at(c, pos).scalar_or_skip()?
    {
        w.sink.trace_meta(b"agents.group_id", v);
    }
    Ok(())
}

/// `span_data`: the kind and name, and the rest as attributes under `span_data.`.
pub(super) fn span_data<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &mut Cursor<'_>,
) -> Result<(), JsonError> {
    if c.peek_kind()? != ValueKind::Object {
        return c.skip_value();
    }
    c.object_start()?;
    let mut first = true;
    let (mut ty, mut named, mut to_agent) = (None, false, None);
    let (mut input_at, mut output_at) = (None, None);
    while c.next_key(&mut first)? {
        let key = c.key();
        match key.raw {
            b"type" => {
                c.skip_ws();
                if let Some(Scalar::Str(s)) = at(c, c.pos()).scalar_or_skip()? {
                    w.sink.field(Field::Kind(kind(s.raw), 1));
                    ty = Some(s);
                }
            }
            b"name" => {
                if let Some(Scalar::Str(s)) = c.scalar_or_skip()? {
                    w.sink.field(Field::Name(s));
                    named = true;
                }
                continue;
            }
            b"to_agent" => {
                c.skip_ws();
                if let Some(Scalar::Str(s)) = at(c, c.pos()).scalar_or_skip()? {
                    to_agent = Some(s);
                }
            }
            b"input" => {
                c.skip_ws();
                input_at = Some(c.pos());
            }
            b"output" => {
                c.skip_ws();
                output_at = Some(c.pos());
            }
            _ => {}
        }
        w.path.clear();
        w.path.extend_from_slice(b"span_data.");
        super::push_key(&mut w.path, key);
        w.attr_value(c)?;
    }
    w.path.clear();
    let ty = ty.map_or(&b""[..], |t| t.raw);
    if !named {
        match (ty, to_agent) {
            (b"handoff", Some(to)) => {
                let name = handoff_name(&to.decode());
                w.sink.field(Field::Name(RawStr::plain(name.as_bytes())));
            }
            (b"", _) => {}
            (t, _) => w.sink.field(Field::Name(RawStr::plain(t))),
        }
    }
    // A function's arguments and result, where turns look for a tool's.
    if ty == b"function" {
        for (pos, path) in [
            (input_at, &b"input.value"[..]),
            (output_at, b"output.value"),
        ] {
            if let Some(pos) = pos {
                w.path.extend_from_slice(path);
                w.attr_value(&mut at(c, pos))?;
                w.path.clear();
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handoff_names_are_the_sdks_tool_names() {
        // As `transform_string_function_style` makes them: one `_` per character a function
        // name cannot hold (a multi-byte one included), lower-cased.
        assert_eq!(handoff_name("Billing agent"), "transfer_to_billing_agent");
        assert_eq!(handoff_name("Café-Bot 2"), "transfer_to_caf__bot_2");
        assert_eq!(
            handoff_target("transfer_to_billing_agent"),
            Some("billing_agent")
        );
        assert_eq!(handoff_target("transfer_to_"), None);
        assert_eq!(handoff_target("get_invoice"), None);
        assert!(hands_to("billing_agent", "Billing agent"));
        assert!(!hands_to("billing_agent", "Billing"));
    }

    #[test]
    fn ids_as_the_sdk_writes_them_and_others_as_written() {
        let raw = |s: &'static str| RawStr::plain(s.as_bytes());
        let trace = "trace_2f16bc3cb91f69caa32b799aa0a62dcd";
        assert_eq!(id(raw(trace), IdField::Trace).raw, &trace.as_bytes()[6..]);
        let span = "span_cecdb09d95fc104f07f677fc";
        assert_eq!(id(raw(span), IdField::Span).raw, b"cecdb09d95fc104f");
        assert_eq!(id(raw(span), IdField::Parent).raw, b"cecdb09d95fc104f");
        for other in [
            "tr-15a2b63d7e114a2908d38d8d942f7e05",
            "trace_custom",
            "span_xyz",
            "s",
        ] {
            assert_eq!(id(raw(other), IdField::Trace).raw, other.as_bytes());
            assert_eq!(id(raw(other), IdField::Span).raw, other.as_bytes());
        }
    }
}
