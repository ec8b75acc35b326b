//! An LLM call's messages as a conversation needs them: who spoke, the text, the tool calls an
//! assistant asked for (ids, names, arguments), and the tool results sent back (the ids they
//! answer, their text, whether they failed).
//!
//! Every convention is read: OpenInference (`llm.input_messages`, as a list of dicts with dotted
//! keys or as flattened attributes), Anthropic content blocks (JSON, or LiteLLM's Python repr in
//! a string), OpenAI `tool_calls` and `role: tool`, GenAI `parts`, MLflow chat inputs and
//! outputs. The span is walked once by a sink that keeps only the message sources' raw values
//! (the walker skips the rest); a list is cut into items by the cursor and only the items
//! asked for are parsed, so the tail of a long history costs the tail.

use crate::format::{self, Evaluation, Field, Sink, Style, Want};
use crate::json::{Cursor, JsonError, Scalar, ValueKind};
use serde_json::{Map, Value};
use std::ops::Range;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's return (`role: tool` / `function`).
    Tool,
    #[default]
    Other,
}

impl Role {
    fn parse(s: &str) -> Role {
        match s.trim().to_ascii_lowercase().as_str() {
            "system" | "developer" => Role::System,
            "user" | "human" => Role::User,
            "assistant" | "ai" | "model" => Role::Assistant,
            "tool" | "function" | "ipython" => Role::Tool,
            _ => Role::Other,
        }
    }
}

/// A tool call an assistant asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolUse {
    pub id: String,
    pub name: String,
    /// The arguments: an object as a rule (a string when they were not JSON).
    pub input: Value,
}

/// A tool's return, as sent back to the model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolResult {
    /// The tool call it answers.
    pub id: String,
    pub text: String,
    pub error: bool,
}

/// One message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Msg {
    pub role: Role,
    /// The role as written (`user`, `assistant`, `tool`, …).
    pub role_text: String,
    /// Its text blocks, joined by newlines.
    pub text: String,
    pub uses: Vec<ToolUse>,
    pub results: Vec<ToolResult>,
}

impl Msg {
    /// A person's message: role user, with text, and no tool result in it.
    pub fn is_human(&self) -> bool {
        self.role == Role::User && self.results.is_empty() && !self.text.trim().is_empty()
    }

    /// Its text without the `<system-reminder>` blocks a client injects.
    pub fn typed_text(&self) -> String {
        without_reminders(&self.text)
    }
}

/// Text with `<system-reminder>…</system-reminder>` parts cut out, trimmed.
pub fn without_reminders(text: &str) -> String {
    const OPEN: &str = "<system-reminder>";
    const CLOSE: &str = "</system-reminder>";
    // Most texts hold no tag at all: one byte search, not a substring search set up per text.
    if memchr::memchr(b'<', text.as_bytes()).is_none() {
        return text.trim().to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        rest = match rest[at..].find(CLOSE) {
            Some(end) => &rest[at + end + CLOSE.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out.trim().to_owned()
}

/// Input or output messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Input,
    Output,
}

/// A message list larger than this (as written) is not parsed: a screen could not show it, and
/// a serde tree of it would take many times its size.
pub const MAX_LIST_BYTES: usize = 64 << 20;

/// The messages of one side of a span, from message `from` on (earlier ones are left out and
/// not parsed; their number is returned first). Outputs read every message.
pub fn read(bytes: &[u8], side: Side, from: usize) -> (usize, Vec<Msg>) {
    let mut sink = Capture {
        side,
        depth: 0,
        found: Vec::new(),
    };
    let mut c = Cursor::new(bytes);
    // A record cut short still yields what was read before the cut.
    let _ = format::walk(&mut c, &mut sink);
    assemble(&sink.found, from)
}

/// Messages from a list written as JSON (or a Python literal) text.
pub fn read_list(text: &str) -> (usize, Vec<Msg>) {
    let raw = Raw::Text(text.to_owned());
    match list_items(&raw, None, 0) {
        Some((skipped, values)) => (skipped, values.iter().filter_map(message).collect()),
        None => (0, Vec::new()),
    }
}

/// A message source's value as the sink found it.
struct Found {
    /// The attribute path, from the source's prefix on (`llm.input_messages`,
    /// `llm.input_messages.3.message.role`).
    path: Vec<u8>,
    /// Which source, by its position in [`SOURCES`].
    source: usize,
    raw: Raw,
}

/// A value kept by the sink (copied: the cursor may be over JSON decoded from a string).
enum Raw {
    /// JSON as written (a list, an object, a number).
    Json(String),
    /// A string's contents, decoded.
    Text(String),
}

/// Where messages are: the attribute prefix, its side, and the key that holds the list inside
/// the value (MLflow: `{"messages": [...]}` in, `{"choices": [...]}` out).
const SOURCES: &[(&str, Side, Option<&str>)] = &[
    ("llm.input_messages", Side::Input, None),
    ("gen_ai.input.messages", Side::Input, None),
    ("mlflow.spanInputs", Side::Input, Some("messages")),
    ("llm.output_messages", Side::Output, None),
    ("gen_ai.output.messages", Side::Output, None),
    ("mlflow.spanOutputs", Side::Output, Some("choices")),
    ("langfuse.observation.input", Side::Input, Some("messages")),
    ("langfuse.observation.output", Side::Output, Some("choices")),
    ("span_data.input", Side::Input, None),
    ("span_data.output", Side::Output, None),
];

fn source_of(path: &[u8], side: Side) -> Option<usize> {
    SOURCES.iter().position(|&(p, s, _)| {
        s == side
            && path.starts_with(p.as_bytes())
            && matches!(path.get(p.len()), None | Some(b'.'))
    })
}

struct Capture {
    side: Side,
    depth: usize,
    found: Vec<Found>,
}

impl Sink for Capture {
    type Tag = ();
    fn open(&mut self, _at: usize) {
        self.depth += 1;
    }
    fn close(&mut self, _range: Range<usize>, _style: Style) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn field(&mut self, _f: Field<'_>) {}
    fn want(&mut self, path: &[u8]) -> Want<()> {
        if self.depth > 1 {
            return Want::Skip;
        }
        crate::format::history::want(path)
    }
    fn attr(&mut self, _path: &[u8], _tag: Option<()>, _v: Scalar<'_>) {}
    fn trace_meta(&mut self, _key: &[u8], _v: Scalar<'_>) {}
    fn trace_info(&mut self, _range: Range<usize>) {}
    fn evaluation(&mut self, _e: Evaluation) {}
    fn messages(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        let Some(source) = source_of(path, self.side) else {
            return c.skip_value();
        };
        let raw = match c.peek_kind()? {
            ValueKind::String => Raw::Text(c.string()?.decode().into_owned()),
            _ => {
                let r = c.value_range()?;
                Raw::Json(String::from_utf8_lossy(&c.buf()[r]).into_owned())
            }
        };
        self.found.push(Found {
            path: path.to_vec(),
            source,
            raw,
        });
        Ok(())
    }
}

/// Messages from what the sink kept: one source (the first that yields any), from `from` on.
fn assemble(found: &[Found], from: usize) -> (usize, Vec<Msg>) {
    let mut sources: Vec<usize> = found.iter().map(|f| f.source).collect();
    sources.dedup();
    for source in sources {
        let (prefix, _, list_key) = SOURCES[source];
        let mine = found.iter().filter(|f| f.source == source);
        let mut whole: Option<(usize, Vec<Value>)> = None;
        // Flattened keys (`llm.input_messages.3.message.role`): message 3, key `message.role`.
        let mut flat: Vec<(usize, Map<String, Value>)> = Vec::new();
        for f in mine {
            let rest = &f.path[prefix.len()..];
            if rest.is_empty() {
                whole = list_items(&f.raw, list_key, from);
                continue;
            }
            let rest = String::from_utf8_lossy(rest.strip_prefix(b".").unwrap_or(rest));
            let rest = match list_key {
                Some(k) => rest
                    .strip_prefix(k)
                    .and_then(|r| r.strip_prefix('.'))
                    .unwrap_or(&rest),
                None => &rest,
            };
            let Some((n, key)) = rest.split_once('.') else {
                continue;
            };
            let Ok(n) = n.parse::<usize>() else { continue };
            if n < from {
                continue;
            }
            let value = match &f.raw {
                Raw::Text(t) => Value::String(t.clone()),
                Raw::Json(j) => parse(j.as_bytes()).unwrap_or(Value::Null),
            };
            let slot = match flat.iter_mut().find(|(m, _)| *m == n) {
                Some(s) => s,
                None => {
                    flat.push((n, Map::new()));
                    flat.last_mut().unwrap_or_else(|| unreachable!())
                }
            };
            insert(&mut slot.1, key, value);
        }
        let (skipped, values) = match whole {
            Some(w) => w,
            None => {
                flat.sort_by_key(|(n, _)| *n);
                (
                    from,
                    flat.into_iter().map(|(_, m)| Value::Object(m)).collect(),
                )
            }
        };
        let msgs: Vec<Msg> = values.iter().filter_map(message).collect();
        if !msgs.is_empty() {
            return (skipped, msgs);
        }
    }
    (0, Vec::new())
}

/// Inserts `value` at a flattened key inside a message: dotted keys as they are, numbers as
/// list positions (`message.tool_calls.0.tool_call.id` → `"message.tool_calls"[0]
/// ["tool_call.id"]`), as the list-of-dicts form writes them.
fn insert(map: &mut Map<String, Value>, key: &str, value: Value) {
    let segs: Vec<&str> = key.split('.').collect();
    let Some(i) = segs.iter().position(|s| s.parse::<usize>().is_ok()) else {
        map.insert(key.to_owned(), value);
        return;
    };
    let head = segs[..i].join(".");
    let n: usize = segs[i].parse().unwrap_or(0);
    let rest = segs[i + 1..].join(".");
    let list = map.entry(head).or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(items) = list else { return };
    if n >= 4096 {
        return;
    }
    if items.len() <= n {
        items.resize(n + 1, Value::Object(Map::new()));
    }
    match (&mut items[n], rest.is_empty()) {
        (slot, true) => *slot = value,
        (Value::Object(inner), false) => insert(inner, &rest, value),
        _ => {}
    }
}

/// JSON (lenient about `NaN`), or a Python literal.
fn parse(bytes: &[u8]) -> Option<Value> {
    if bytes.len() > MAX_LIST_BYTES {
        return None;
    }
    serde_json::from_slice(&crate::json::lenient(bytes))
        .ok()
        .or_else(|| {
            let text = std::str::from_utf8(bytes).ok()?;
            serde_json::from_str(&crate::json::pylit::to_json(text)?).ok()
        })
}

/// The items of a list value from `from` on (and how many came before), with only those parsed.
fn list_items(raw: &Raw, list_key: Option<&str>, from: usize) -> Option<(usize, Vec<Value>)> {
    let owned;
    let bytes: &[u8] = match raw {
        Raw::Json(j) => j.as_bytes(),
        Raw::Text(t) => {
            let t = t.trim();
            if !(t.starts_with('[') || t.starts_with('{')) {
                return None;
            }
            if serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok() {
                t.as_bytes()
            } else {
                owned = crate::json::pylit::to_json(t)?;
                owned.as_bytes()
            }
        }
    };
    if bytes.len() > MAX_LIST_BYTES {
        return None;
    }
    let mut c = Cursor::new(bytes);
    // MLflow: the list is under a key of the object.
    if c.peek_kind().ok()? == ValueKind::Object {
        let key = list_key?;
        c.object_start().ok()?;
        let mut first = true;
        loop {
            if !c.next_key(&mut first).ok()? {
                // No list: the object is one message (an MLflow output `{"role", "content"}`).
                return (from == 0)
                    .then(|| parse(bytes).map(|v| (0, vec![v])))
                    .flatten();
            }
            if c.key().raw == key.as_bytes() && c.peek_kind().ok()? == ValueKind::Array {
                break;
            }
            c.skip_value().ok()?;
        }
    }
    c.array_start().ok()?;
    let mut first = true;
    let mut out = Vec::new();
    let mut n = 0usize;
    while c.next_item(&mut first).ok()? {
        let r = c.value_range().ok()?;
        if n >= from {
            out.push(parse(&bytes[r]).unwrap_or(Value::Null));
        }
        n += 1;
    }
    Some((from.min(n), out))
}

/// A value under any of `keys`: dotted keys as written (`message.role`), or nested objects
/// (`{"message": {"role": …}}`).
fn get<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    for k in keys {
        if let Some(x) = v.get(*k) {
            return Some(x);
        }
        let mut at = v;
        let mut ok = true;
        for seg in k.split('.') {
            match at.get(seg) {
                Some(x) => at = x,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return Some(at);
        }
    }
    None
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(block_text).collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
        other => Some(other.to_string()),
    }
}

/// The text of a content block (`{"type":"text","text":…}`, GenAI `content`), if it is text.
fn block_text(b: &Value) -> Option<String> {
    if let Value::String(s) = b {
        return Some(s.clone());
    }
    let kind = get(b, &["type", "message_content.type"]).and_then(Value::as_str);
    if !matches!(kind, None | Some("text" | "input_text" | "output_text")) {
        return None;
    }
    get(b, &["text", "message_content.text", "content"]).and_then(text_of)
}

/// The arguments of a tool call: an object when they are JSON (they often arrive as a JSON
/// string), else as they are.
fn arguments(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => parse(s.as_bytes())
            .filter(Value::is_object)
            .unwrap_or_else(|| Value::String(s.clone())),
        Some(v) => v.clone(),
        None => Value::Null,
    }
}

fn str_at(v: &Value, keys: &[&str]) -> String {
    get(v, keys)
        .map(|x| match x {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// Reads content blocks into `m`: text, tool uses, tool results.
fn blocks(m: &mut Msg, items: &[Value]) {
    let mut text: Vec<String> = Vec::new();
    for b in items {
        let kind = get(b, &["type", "message_content.type"])
            .and_then(Value::as_str)
            .unwrap_or("text");
        match kind {
            "tool_use" | "tool_call" | "function_call" | "server_tool_use" => {
                m.uses.push(ToolUse {
                    id: str_at(b, &["id", "call_id"]),
                    name: str_at(b, &["name", "function.name"]),
                    input: arguments(get(b, &["input", "arguments", "function.arguments"])),
                })
            }
            "tool_result" | "tool_call_response" | "function_call_output" => {
                m.results.push(ToolResult {
                    id: str_at(b, &["tool_use_id", "id", "call_id"]),
                    text: get(b, &["content", "response", "result", "output"])
                        .and_then(text_of)
                        .unwrap_or_default(),
                    error: get(b, &["is_error"]).and_then(Value::as_bool) == Some(true),
                });
            }
            "thinking" | "redacted_thinking" | "reasoning" => {}
            _ => text.extend(block_text(b)),
        }
    }
    if !text.is_empty() {
        if !m.text.is_empty() {
            m.text.push('\n');
        }
        m.text.push_str(&text.join("\n"));
    }
}

/// Content that is a list of blocks, possibly written into a string (JSON, or LiteLLM's Python
/// repr of Anthropic's blocks).
fn content_blocks(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(items) if items.iter().any(Value::is_object) => Some(items.clone()),
        Value::String(s) => {
            let t = s.trim();
            if !t.starts_with('[') || !t.contains("type") {
                return None;
            }
            match parse(t.as_bytes())? {
                Value::Array(items) if items.iter().all(Value::is_object) => Some(items),
                _ => None,
            }
        }
        _ => None,
    }
}

/// One message from its JSON, in any convention; `None` when it says nothing.
fn message(v: &Value) -> Option<Msg> {
    // OpenAI chat completions wrap the message: `{"message": {...}}` (MLflow outputs).
    let v = match v.get("message") {
        Some(inner) if inner.is_object() => inner,
        _ => v,
    };
    let role_text = get(v, &["message.role", "role"])
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut m = Msg {
        role: Role::parse(&role_text),
        role_text,
        ..Msg::default()
    };
    if let Some(c) = get(v, &["message.content", "content"]) {
        match content_blocks(c) {
            Some(items) => blocks(&mut m, &items),
            None => m.text = text_of(c).unwrap_or_default(),
        }
    }
    if m.text.is_empty()
        && let Some(Value::Array(items)) = get(v, &["message.contents"])
    {
        blocks(&mut m, items);
    }
    if let Some(Value::Array(parts)) = get(v, &["parts"]) {
        blocks(&mut m, parts);
    }
    if let Some(Value::Array(calls)) = get(v, &["message.tool_calls", "tool_calls"]) {
        for c in calls {
            m.uses.push(ToolUse {
                id: str_at(c, &["tool_call.id", "id"]),
                name: str_at(c, &["tool_call.function.name", "function.name", "name"]),
                input: arguments(get(
                    c,
                    &[
                        "tool_call.function.arguments",
                        "function.arguments",
                        "arguments",
                    ],
                )),
            });
        }
    }
    let answers = str_at(v, &["message.tool_call_id", "tool_call_id"]);
    if m.role == Role::Tool || !answers.is_empty() {
        m.role = Role::Tool;
        m.results.push(ToolResult {
            id: answers,
            text: std::mem::take(&mut m.text),
            error: false,
        });
    }
    let said =
        m.role != Role::Other || !m.text.is_empty() || !m.uses.is_empty() || !m.results.is_empty();
    said.then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(attrs: &str) -> Vec<u8> {
        format!(r#"{{"name":"llm","context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001",{attrs}}}"#).into_bytes()
    }

    #[test]
    fn litellm_repr_blocks_give_uses_and_results() {
        let s = span(
            r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"[{'type': 'text', 'text': 'fix the test'}]"},{"message.role":"assistant","message.content":"[{'type': 'text', 'text': \"I'll read it.\"}, {'type': 'tool_use', 'id': 'toolu_1', 'name': 'Read', 'input': {'file_path': '/a/b.rs'}}]"},{"message.role":"user","message.content":"[{'type': 'tool_result', 'tool_use_id': 'toolu_1', 'content': 'fn main() {}', 'is_error': True, 'cache_control': {'type': 'ephemeral'}}]"}]"#,
        );
        let (skipped, msgs) = read(&s, Side::Input, 0);
        assert_eq!(skipped, 0);
        assert_eq!(msgs.len(), 3);
        assert!(msgs[0].is_human() && msgs[0].text == "fix the test");
        assert_eq!(msgs[1].text, "I'll read it.");
        assert_eq!(msgs[1].uses[0].name, "Read");
        assert_eq!(msgs[1].uses[0].input["file_path"], "/a/b.rs");
        assert!(!msgs[2].is_human());
        assert_eq!(
            msgs[2].results[0],
            ToolResult {
                id: "toolu_1".into(),
                text: "fn main() {}".into(),
                error: true
            }
        );
        // Only the tail asked for is read.
        let (skipped, tail) = read(&s, Side::Input, 2);
        assert_eq!((skipped, tail.len()), (2, 1));
    }

    #[test]
    fn flattened_openai_and_genai_and_mlflow() {
        let s = span(
            r#""attributes.llm.input_messages.0.message.role":"user","attributes.llm.input_messages.0.message.content":"weather?","attributes.llm.input_messages.1.message.role":"assistant","attributes.llm.input_messages.1.message.tool_calls.0.tool_call.id":"c1","attributes.llm.input_messages.1.message.tool_calls.0.tool_call.function.name":"get_weather","attributes.llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments":"{\"city\": \"Porto\"}","attributes.llm.input_messages.2.message.role":"tool","attributes.llm.input_messages.2.message.tool_call_id":"c1","attributes.llm.input_messages.2.message.content":"sunny""#,
        );
        let (_, msgs) = read(&s, Side::Input, 0);
        assert_eq!(msgs[1].uses[0].input["city"], "Porto");
        assert_eq!(msgs[1].uses[0].id, "c1");
        assert_eq!(msgs[2].role, Role::Tool);
        assert_eq!(msgs[2].results[0].text, "sunny");
        let g = span(
            r#""attributes.gen_ai.input.messages":"[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"hi\"}]}, {\"role\": \"assistant\", \"parts\": [{\"type\": \"tool_call\", \"id\": \"t\", \"name\": \"Bash\", \"arguments\": {\"command\": \"ls\"}}]}, {\"role\": \"user\", \"parts\": [{\"type\": \"tool_call_response\", \"id\": \"t\", \"response\": \"a\\nb\"}]}]""#,
        );
        let (_, msgs) = read(&g, Side::Input, 0);
        assert_eq!(msgs[0].text, "hi");
        assert_eq!(msgs[1].uses[0].input["command"], "ls");
        assert_eq!(msgs[2].results[0].text, "a\nb");
        let m = span(
            r#""attributes.mlflow.spanOutputs":"{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"Sorry about that!\"}}]}""#,
        );
        let (_, msgs) = read(&m, Side::Output, 0);
        assert_eq!(msgs[0].text, "Sorry about that!");
        let r = span(
            r#""attributes.mlflow.spanOutputs":"{\"role\": \"assistant\", \"content\": \"Done.\"}""#,
        );
        assert_eq!(read(&r, Side::Output, 0).1[0].text, "Done.");
    }

    #[test]
    fn reminders_are_not_typed_text() {
        assert_eq!(
            without_reminders("<system-reminder>opened a.rs</system-reminder>\nfix it"),
            "fix it"
        );
        assert_eq!(
            without_reminders("<system-reminder>x</system-reminder>"),
            ""
        );
        assert_eq!(without_reminders(" \n a < b \t"), "a < b");
        assert_eq!(without_reminders("\u{3000}plain\n"), "plain");
    }
}
