//! Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`, and the sub-agents'
//! `<session>/subagents/agent-<id>.jsonl`): what a transcript line spells differently.
//!
//! A line with a `uuid` and one of `parentUuid`, `isSidechain` or `message` is a Claude Code
//! line (whatever else it shares with Langfuse: `sessionId`, `type`, `timestamp`), and one span:
//! its span id `uuid` folded to 16 hex digits (its halves XORed), its parent `parentUuid`'s, its trace the
//! session (`sessionId`, also the session, key `sessionId (claude code)`), its name the line's
//! `type`, its start and end `timestamp`. What the line's `message` (an Anthropic Messages
//! object) holds:
//!
//! * an assistant line is an LLM call's line (kind LLM): `message.model` its model,
//!   `message.usage` its tokens (prompt = `input_tokens` + cache writes + cache reads), its text
//!   blocks its `output.value`; each `tool_use` block is a span of its own (kind TOOL, named as
//!   the tool, span id the `tool_use` id, `input.value` its input), a child of the line,
//!   written as the block's bytes;
//! * a user line whose content is text is what the person typed (`input.value`); one made of
//!   `tool_result` blocks gives their content as `output.value`, and `is_error` an error.
//!
//! One API response is split over several lines with the same `message.id`, and prompts open
//! turns: which line is the call, which trace each line belongs to and what hangs under what is
//! decided once every file is read (`model::claude_code`), as only the whole session shows it.
//!
//! Lines with no `uuid` that Claude Code writes (`summary`, `queue-operation`,
//! `file-history-snapshot`) are read as known lines that hold no span; a line of a `type` not
//! known here is kept, and said so (see [`KNOWN_TYPES`]).

use super::{Field, Fields, IdField, Sink, Walker};
use crate::json::{Cursor, JsonError, RawStr, Scalar, ValueKind};
use crate::kind::Kind;
use serde_json::Value;

/// A Claude Code field of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Key {
    Uuid,
    Parent,
    /// `isSidechain`: only Claude Code lines have it.
    Mark,
    Message,
    /// `leafUuid`: a `summary` line's.
    Leaf,
}

/// What a line's Claude Code fields have said so far: where each value is written (0 for
/// not given: no value starts a record), kept small, since every record carries one.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Seen {
    uuid_at: u32,
    parent_at: u32,
    message_at: u32,
    /// Where `sessionId` and `type` are written (read as Langfuse's keys too).
    session_at: u32,
    type_at: u32,
    mark: bool,
    leaf: bool,
}

/// A position as kept in [`Seen`] (a record past 4 GiB has its fields there not read as
/// Claude Code's).
fn pos(c: &Cursor<'_>) -> u32 {
    u32::try_from(c.pos()).unwrap_or(0)
}

fn given(at: u32) -> Option<usize> {
    (at != 0).then_some(at as usize)
}

impl Seen {
    /// Notes where `sessionId`'s value is (the cursor at it).
    pub(super) fn session(&mut self, c: &Cursor<'_>) {
        self.session_at = pos(c);
    }
    /// Notes where `type`'s value is (the cursor at it).
    pub(super) fn kind(&mut self, c: &Cursor<'_>) {
        self.type_at = pos(c);
    }
    pub(super) fn session_pos(&self) -> Option<usize> {
        given(self.session_at)
    }
}

/// Line types Claude Code writes (with a `uuid`: spans; without: known lines with no span).
pub const KNOWN_TYPES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "progress",
    "attachment",
    "summary",
    "queue-operation",
    "file-history-snapshot",
];

/// The session key's attribute path.
pub const SESSION_PATH: &[u8] = b"claude_code.session.id";

pub(super) fn field(c: &mut Cursor<'_>, key: Key, fields: &mut Fields) -> Result<(), JsonError> {
    c.skip_ws();
    let at = pos(c);
    let seen = &mut fields.claude_code;
    match key {
        Key::Uuid => seen.uuid_at = at,
        Key::Parent => seen.parent_at = at,
        Key::Mark => seen.mark = true,
        Key::Message => seen.message_at = at,
        Key::Leaf => seen.leaf = true,
    }
    c.skip_value()
}

/// Whether the record is a Claude Code line that is a span.
pub(super) fn is_line(fields: &Fields) -> bool {
    let s = &fields.claude_code;
    s.uuid_at != 0 && (s.parent_at != 0 || s.mark || s.message_at != 0)
}

/// Whether the record is a Claude Code line with no span (`summary`, `queue-operation`,
/// `file-history-snapshot`).
pub(super) fn is_known_other(c: &Cursor<'_>, fields: &Fields) -> bool {
    let s = &fields.claude_code;
    if s.type_at == 0 || s.uuid_at != 0 {
        return false;
    }
    let t = string_at(c, given(s.type_at));
    match t.as_deref() {
        Some("summary") => s.leaf,
        Some("queue-operation") => s.session_at != 0,
        Some("file-history-snapshot") => true,
        _ => false,
    }
}

/// The type of a record that looks like a Claude Code line of a type not known here, with no
/// `uuid` (a `type` and a `sessionId`, and no Langfuse `id`): nothing in it is read.
pub(super) fn unknown_other(c: &Cursor<'_>, fields: &Fields) -> Option<String> {
    let s = &fields.claude_code;
    if s.type_at == 0 || s.uuid_at != 0 || s.session_at == 0 || fields.id_at.is_some() {
        return None;
    }
    string_at(c, given(s.type_at)).filter(|t| !KNOWN_TYPES.contains(&t.as_str()))
}

fn at<'a>(c: &Cursor<'a>, pos: usize) -> Cursor<'a> {
    let mut k = c.clone();
    k.set_pos(pos);
    k
}

fn raw_at<'a>(c: &Cursor<'a>, pos: Option<usize>) -> Option<RawStr<'a>> {
    match at(c, pos?).scalar_or_skip() {
        Ok(Some(Scalar::Str(s))) if !s.raw.is_empty() => Some(s),
        _ => None,
    }
}

fn string_at(c: &Cursor<'_>, pos: Option<usize>) -> Option<String> {
    raw_at(c, pos).map(|s| s.decode().into_owned())
}

/// At a line's close: its ids, session, name, end, and what its message holds.
pub(super) fn end<S: Sink>(
    w: &mut Walker<'_, S>,
    c: &Cursor<'_>,
    fields: &Fields,
) -> Result<(), JsonError> {
    let seen = fields.claude_code;
    let uuid = raw_at(c, given(seen.uuid_at));
    w.line_id(uuid, IdField::Span);
    let session = raw_at(c, given(seen.session_at));
    w.id_value(session, IdField::Trace);
    w.line_id(raw_at(c, given(seen.parent_at)), IdField::Parent);
    let kind = raw_at(c, given(seen.type_at));
    if let Some(t) = kind {
        w.sink.field(Field::Name(t));
        let name = t.decode();
        if !KNOWN_TYPES.contains(&name.as_ref()) {
            w.sink.not_understood(format!(
                "a Claude Code line of type {name:?}, unknown to sesstui: kept as a span of no \
                 kind, its fields as written"
            ));
        }
    }
    if let Some(start) = fields.start {
        w.sink.field(Field::End(start));
    }
    if let Some(s) = session {
        emit(w, SESSION_PATH, Scalar::Str(s));
    }
    if let Some(pos) = given(seen.message_at) {
        let line = Message {
            c,
            pos,
            session,
            uuid,
            start: fields.start,
        };
        message(w, &line)?;
    }
    Ok(())
}

/// The attribute `path` with value `v`, if the sink wants it.
fn emit<S: Sink>(w: &mut Walker<'_, S>, path: &[u8], v: Scalar<'_>) {
    let tag = match w.sink.want(path) {
        super::Want::Skip => return,
        super::Want::Value(t) => Some(t),
        _ => None,
    };
    w.sink.attr(path, tag, v);
}

/// A text as the attribute `path` (escaped as the body of a JSON string).
fn emit_text<S: Sink>(w: &mut Walker<'_, S>, path: &[u8], text: &str) {
    let json = serde_json::to_string(text).unwrap_or_default();
    let body = json
        .get(1..json.len().saturating_sub(1))
        .unwrap_or_default();
    emit(w, path, Scalar::Str(RawStr::plain(body.as_bytes())));
}

fn emit_number<S: Sink>(w: &mut Walker<'_, S>, path: &[u8], n: u64) {
    let digits = n.to_string();
    emit(w, path, Scalar::Num(digits.as_bytes()));
}

/// The text of a message content: a string, or its text blocks joined.
pub fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => {
            let mut out = String::new();
            for b in blocks {
                let text = match b.get("type").and_then(Value::as_str) {
                    Some("text") => b.get("text").and_then(Value::as_str),
                    _ => None,
                };
                if let Some(t) = text {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(t);
                }
            }
            out
        }
        _ => String::new(),
    }
}

/// The tokens `usage` counts under `keys`, summed (saturating): `None` when none is given; a
/// count that is not a whole number of tokens is handed on as written (`Err`), for the sink
/// to report as it does any format's.
fn count(usage: &Value, keys: &[&str]) -> Option<Result<u64, String>> {
    let mut sum: Option<u64> = None;
    for key in keys {
        match usage.get(*key) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) => sum = Some(sum.unwrap_or(0).saturating_add(n)),
                None => return Some(Err(v.to_string())),
            },
        }
    }
    sum.map(Ok)
}

/// A usage count as the attribute `path` (see [`count`]).
fn emit_count<S: Sink>(w: &mut Walker<'_, S>, path: &[u8], n: Option<Result<u64, String>>) {
    match n {
        None => {}
        Some(Ok(n)) => emit_number(w, path, n),
        Some(Err(raw)) => match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(body) => emit(w, path, Scalar::Str(RawStr::plain(body.as_bytes()))),
            None => emit(w, path, Scalar::Num(raw.as_bytes())),
        },
    }
}

/// A line's `message` (at `pos` in the line's cursor `c`) and what the spans made of it take
/// from the line: its session, its uuid (their parent) and its time.
#[derive(Clone, Copy)]
struct Message<'c, 'a> {
    c: &'c Cursor<'a>,
    pos: usize,
    session: Option<RawStr<'a>>,
    uuid: Option<RawStr<'a>>,
    start: Option<i64>,
}

/// The line's `message`: model, tokens and text; the person's text or the tools' results;
/// each `tool_use` block a span.
fn message<S: Sink>(w: &mut Walker<'_, S>, line: &Message<'_, '_>) -> Result<(), JsonError> {
    let c = line.c;
    let mut m = at(c, line.pos);
    if m.peek_kind()? != ValueKind::Object {
        return Ok(());
    }
    let range = m.clone().value_range()?;
    let bytes = c.buf().get(range).unwrap_or_default();
    let Ok(v) = serde_json::from_slice::<Value>(&crate::json::lenient(bytes)) else {
        return Ok(());
    };
    let role = v.get("role").and_then(Value::as_str).unwrap_or_default();
    let content = v.get("content").unwrap_or(&Value::Null);
    if role == "assistant" {
        w.sink.field(Field::Kind(Kind::Llm, 1));
        if let Some(model) = v.get("model").and_then(Value::as_str) {
            emit_text(w, b"gen_ai.response.model", model);
        }
        if let Some(id) = v.get("id").and_then(Value::as_str) {
            emit_text(w, b"gen_ai.response.id", id);
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let prompt = count(
                u,
                &[
                    "input_tokens",
                    "cache_creation_input_tokens",
                    "cache_read_input_tokens",
                ],
            );
            emit_count(w, b"gen_ai.usage.input_tokens", prompt);
            emit_count(
                w,
                b"gen_ai.usage.output_tokens",
                count(u, &["output_tokens"]),
            );
        }
        let text = content_text(content);
        if !text.is_empty() {
            emit_text(w, b"output.value", &text);
        }
    } else if role == "user" {
        let results: Vec<&Value> = content
            .as_array()
            .map(|b| {
                b.iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
                    .collect()
            })
            .unwrap_or_default();
        if results.is_empty() {
            let text = content_text(content);
            if !text.is_empty() {
                emit_text(w, b"input.value", &text);
            }
        } else {
            let text: Vec<String> = results
                .iter()
                .map(|r| content_text(r.get("content").unwrap_or(&Value::Null)))
                .collect();
            // A failure is the tool's (its span fails: `model::claude_code`), not this line's.
            emit_text(w, b"output.value", &text.join("\n"));
        }
    }
    if role == "assistant" {
        tool_uses(w, line)?;
    }
    Ok(())
}

/// Each `tool_use` block of an assistant message at `pos`: a tool span of its own.
fn tool_uses<S: Sink>(w: &mut Walker<'_, S>, line: &Message<'_, '_>) -> Result<(), JsonError> {
    let Message {
        c,
        pos,
        session,
        uuid,
        start,
    } = *line;
    let mut m = at(c, pos);
    m.object_start()?;
    let mut first = true;
    while m.next_key(&mut first)? {
        if m.key().raw != b"content" || m.peek_kind()? != ValueKind::Array {
            m.skip_value()?;
            continue;
        }
        m.array_start()?;
        let mut first_item = true;
        while m.next_item(&mut first_item)? {
            let r = m.value_range()?;
            let block = c.buf().get(r.clone()).unwrap_or_default();
            if memchr::memmem::find(block, b"\"tool_use\"").is_none() {
                continue;
            }
            let Ok(b) = serde_json::from_slice::<Value>(&crate::json::lenient(block)) else {
                continue;
            };
            if b.get("type").and_then(Value::as_str) != Some("tool_use") {
                continue;
            }
            let id = b.get("id").and_then(Value::as_str).unwrap_or_default();
            let name = b.get("name").and_then(Value::as_str).unwrap_or("tool");
            w.sink.open(r.start);
            w.report_id(Some(RawStr::plain(id.as_bytes())), IdField::Span);
            w.id_value(session, IdField::Trace);
            w.line_id(uuid, IdField::Parent);
            let name_json = serde_json::to_string(name).unwrap_or_default();
            let name_body = name_json
                .get(1..name_json.len().saturating_sub(1))
                .unwrap_or_default();
            w.sink
                .field(Field::Name(RawStr::plain(name_body.as_bytes())));
            w.sink.field(Field::Kind(Kind::Tool, 1));
            if let Some(t) = start {
                w.sink.field(Field::Start(t));
                w.sink.field(Field::End(t));
            }
            if let Some(input) = b.get("input") {
                emit_text(w, b"input.value", &input.to_string());
            }
            if let Some(s) = session {
                emit(w, SESSION_PATH, Scalar::Str(s));
            }
            w.sink.close(r, super::Style::ClaudeCode);
        }
        return Ok(());
    }
    Ok(())
}
