//! Structured exports for the fuzzer: JSON Lines records in the shapes sesstui reads (Phoenix
//! dataframe rows, Phoenix span objects, OTLP envelopes), with random ids, parents, sessions,
//! strings and nesting, so that random input reaches the model and the views and not only the
//! scanner's error paths.

use arbitrary::Arbitrary;
use serde_json::{Map, Value, json};

/// An export: raw bytes, or generated records (one per line).
#[derive(Arbitrary, Debug)]
pub enum Export {
    Raw(Raw),
    Records(Vec<Record>),
}

/// Bytes taken as they are: last in an input, the rest of it (`Vec<u8>` would read a
/// continue-byte before each byte).
#[derive(Debug)]
pub struct Raw(pub Vec<u8>);

impl<'a> Arbitrary<'a> for Raw {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.arbitrary_len::<u8>()?;
        Ok(Raw(u.bytes(n)?.to_vec()))
    }

    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Raw(u.take_rest().to_vec()))
    }
}

impl Export {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Export::Raw(b) => b.0.clone(),
            Export::Records(rs) => {
                let mut out = Vec::new();
                for r in rs {
                    out.extend_from_slice(r.line().as_bytes());
                    out.push(b'\n');
                }
                out
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Shape {
    PhoenixRow,
    PhoenixObject,
    Otlp,
}

/// Text: a word from a small pool (so ids and sessions repeat), or any string at all.
#[derive(Arbitrary, Debug)]
pub enum Text {
    Word(u8),
    Any(String),
}

const WORDS: &[&str] = &[
    "",
    "s1",
    "s2",
    "user_x_account__session_y",
    "{\"device_id\":\"d\",\"account_uuid\":\"\",\"session_id\":\"s3\"}",
    "\"AGENT\"",
    "LLM",
    "CHAIN",
    "TOOL",
    "user",
    "assistant",
    "system",
    "hello",
    "\u{1b}[31mred\u{1b}[0m",
    "a\tb\r\nc",
    "\u{9b}2J",
    "[1, 2]",
    "{'a': [1, {'b': None}]}",
];

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Word(i) => WORDS[usize::from(*i) % WORDS.len()].to_owned(),
            Text::Any(s) => s.clone(),
        }
    }
}

/// Where a value nests: brackets, braces, or both in turn.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Bracket {
    Array,
    Object,
    Mixed,
}

/// An attribute value: a leaf, or a list or object of leaves (deeper nesting is `Deep`'s:
/// recursion here would let `arbitrary` itself overflow the stack).
#[derive(Arbitrary, Debug)]
pub enum Val {
    Leaf(Leaf),
    List(Vec<Leaf>),
    Obj(Vec<(Key, Leaf)>),
}

#[derive(Arbitrary, Debug)]
pub enum Leaf {
    Text(Text),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// `depth` levels of nesting around a leaf; `in_string` writes it as JSON inside a string.
    Deep {
        depth: u16,
        bracket: Bracket,
        in_string: bool,
        leaf: Text,
    },
}

/// Nesting deeper than this is generated only with the `deep` feature: the walker overflows
/// its stack on JSON nested in strings some thousands of levels deep (a known bug, being fixed).
pub const MAX_DEPTH: u16 = if cfg!(feature = "deep") {
    u16::MAX
} else {
    600
};

/// Marks a stand-in for raw nesting (see `Leaf::Deep`).
const RAW: char = '\u{1}';

thread_local! {
    /// The raw nestings of the line being written: depth, bracket, leaf as JSON.
    static RAWS: std::cell::RefCell<Vec<(usize, Bracket, String)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes `v`, with the raw nestings in place of their stand-ins (as OTLP `AnyValue`s if
/// `otlp`).
fn write(v: &Value, otlp: bool) -> String {
    let mut line = v.to_string();
    let raws = RAWS.take();
    for (i, (depth, bracket, leaf)) in raws.iter().enumerate().rev() {
        let text = if otlp {
            otlp_nest_text(*depth, *bracket, &format!("{{\"stringValue\":{leaf}}}"))
        } else {
            nest_text(*depth, *bracket, leaf)
        };
        let stand_in = Value::String(format!("{RAW}{i}{RAW}")).to_string();
        let stand_in = if otlp {
            format!("{{\"stringValue\":{stand_in}}}")
        } else {
            stand_in
        };
        line = line.replacen(&stand_in, &text, 1);
    }
    line
}

/// `depth` levels of OTLP `arrayValue` / `kvlistValue` around `leaf` (an `AnyValue`).
pub fn otlp_nest_text(depth: usize, bracket: Bracket, leaf: &str) -> String {
    let mut open = String::new();
    let mut close = Vec::with_capacity(depth);
    for i in 0..depth {
        let array = match bracket {
            Bracket::Array => true,
            Bracket::Object => false,
            Bracket::Mixed => i % 2 == 0,
        };
        if array {
            open.push_str("{\"arrayValue\":{\"values\":[");
            close.push("]}}");
        } else {
            open.push_str("{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":");
            close.push("}]}}");
        }
    }
    close.reverse();
    format!("{open}{leaf}{}", close.concat())
}

/// `depth` levels of nesting as text, without building (or dropping) a deep `Value`.
pub fn nest_text(depth: usize, bracket: Bracket, leaf: &str) -> String {
    let mut open = String::with_capacity(depth * 5 + leaf.len());
    let mut close = String::with_capacity(depth);
    for i in 0..depth {
        let array = match bracket {
            Bracket::Array => true,
            Bracket::Object => false,
            Bracket::Mixed => i % 2 == 0,
        };
        open.push_str(if array { "[" } else { "{\"a\":" });
        close.push(if array { ']' } else { '}' });
    }
    let close: String = close.chars().rev().collect();
    format!("{open}{leaf}{close}")
}

impl Val {
    fn get(&self) -> Value {
        match self {
            Val::Leaf(l) => l.get(),
            Val::List(vs) => Value::Array(vs.iter().map(Leaf::get).collect()),
            Val::Obj(kvs) => Value::Object(kvs.iter().map(|(k, v)| (k.get(), v.get())).collect()),
        }
    }
}

impl Leaf {
    fn get(&self) -> Value {
        match self {
            Leaf::Text(t) => Value::String(t.get()),
            Leaf::Int(i) => json!(i),
            Leaf::Float(f) => json!(f),
            Leaf::Bool(b) => json!(b),
            Leaf::Null => Value::Null,
            Leaf::Deep {
                depth: d,
                bracket,
                in_string,
                leaf,
            } => {
                let d = usize::from(*d % MAX_DEPTH.saturating_add(1));
                let leaf = Value::String(leaf.get()).to_string();
                if *in_string {
                    Value::String(nest_text(d, *bracket, &leaf))
                } else {
                    // A stand-in, replaced by the nesting once the line is written (a `Value`
                    // that deep would overflow the stack when dropped).
                    RAWS.with_borrow_mut(|r| {
                        r.push((d, *bracket, leaf));
                        Value::String(format!("{RAW}{}{RAW}", r.len() - 1))
                    })
                }
            }
        }
    }
}

/// An attribute key: one sesstui gives meaning to, or any string.
#[derive(Arbitrary, Debug)]
pub enum Key {
    Known(u8),
    Any(String),
}

const KEYS: &[&str] = &[
    "session.id",
    "gen_ai.conversation.id",
    "langfuse.session.id",
    "mlflow.trace.session",
    "session_id",
    "openinference.session.id",
    "langsmith.metadata.session_id",
    "ai.telemetry.metadata.sessionId",
    "metadata.user_api_key_end_user_id",
    "metadata.user_id",
    "metadata.session_id",
    "metadata",
    "user.id",
    "openinference.span.kind",
    "gen_ai.operation.name",
    "mlflow.spanType",
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "llm.token_count.total",
    "gen_ai.usage.input_tokens",
    "llm.cost.total",
    "llm.model_name",
    "gen_ai.request.model",
    "input.value",
    "output.value",
    "mlflow.spanInputs",
    "mlflow.spanOutputs",
    "llm.input_messages",
    "llm.output_messages",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "llm.invocation_parameters",
    "llm.anthropic.metadata.user_id",
    "llm.tools",
    "tag.tags",
];

impl Key {
    fn get(&self) -> String {
        match self {
            Key::Known(i) => KEYS[usize::from(*i) % KEYS.len()].to_owned(),
            Key::Any(s) => s.clone(),
        }
    }
}

/// A chat message.
#[derive(Arbitrary, Debug)]
pub struct Msg {
    role: Text,
    content: Text,
    tool: Option<(Text, Text)>,
}

/// One span.
#[derive(Arbitrary, Debug)]
pub struct Record {
    shape: Shape,
    span: u8,
    trace: u8,
    parent: Option<u8>,
    session: Option<(Key, Text)>,
    name: Text,
    kind: u8,
    start_ms: u32,
    duration_ms: u16,
    error: Option<Text>,
    input: Option<Val>,
    output: Option<Val>,
    messages: Vec<Msg>,
    /// Messages as `gen_ai.input.messages` (a JSON string) rather than `llm.input_messages`.
    gen_ai: bool,
    attributes: Vec<(Key, Val)>,
}

const KINDS: &[&str] = &[
    "LLM",
    "CHAIN",
    "TOOL",
    "AGENT",
    "RETRIEVER",
    "EMBEDDING",
    "x",
];

impl Record {
    /// The record as one JSON line.
    pub fn line(&self) -> String {
        RAWS.with_borrow_mut(Vec::clear);
        let span = format!("{:016x}", u64::from(self.span) + 1);
        let trace = format!("{:032x}", u128::from(self.trace) + 1);
        let parent = self.parent.map(|p| format!("{:016x}", u64::from(p) + 1));
        let start = 1_772_000_000_000u64 + u64::from(self.start_ms);
        let end = start + u64::from(self.duration_ms);
        let mut attrs: Vec<(String, Value)> = Vec::new();
        attrs.push((
            "openinference.span.kind".into(),
            json!(KINDS[usize::from(self.kind) % KINDS.len()]),
        ));
        if let Some((k, v)) = &self.session {
            attrs.push((k.get(), json!(v.get())));
        }
        if let Some(v) = &self.input {
            attrs.push(("input.value".into(), v.get()));
        }
        if let Some(v) = &self.output {
            attrs.push(("output.value".into(), v.get()));
        }
        if !self.messages.is_empty() {
            attrs.push(self.messages());
        }
        attrs.extend(self.attributes.iter().map(|(k, v)| (k.get(), v.get())));
        let status = if self.error.is_some() { "ERROR" } else { "OK" };
        let message = self.error.as_ref().map(Text::get).unwrap_or_default();
        let name = self.name.get();
        let v = match self.shape {
            Shape::PhoenixRow => {
                let mut m = Map::new();
                m.insert("name".into(), json!(name));
                m.insert(
                    "span_kind".into(),
                    json!(KINDS[usize::from(self.kind) % KINDS.len()]),
                );
                m.insert("parent_id".into(), json!(parent));
                m.insert("start_time".into(), json!(start));
                m.insert("end_time".into(), json!(end));
                m.insert("status_code".into(), json!(status));
                m.insert("status_message".into(), json!(message));
                m.insert("context.span_id".into(), json!(span));
                m.insert("context.trace_id".into(), json!(trace));
                for (k, v) in attrs {
                    m.insert(format!("attributes.{k}"), v);
                }
                Value::Object(m)
            }
            Shape::PhoenixObject => json!({
                "name": name,
                "context": {"span_id": span, "trace_id": trace},
                "parent_id": parent,
                "start_time": crate_iso(start),
                "end_time": crate_iso(end),
                "status_code": status,
                "status_message": message,
                "attributes": Value::Object(attrs.into_iter().collect()),
            }),
            Shape::Otlp => {
                let attributes: Vec<Value> = attrs
                    .into_iter()
                    .map(|(k, v)| json!({"key": k, "value": any_value(v)}))
                    .collect();
                let mut s = json!({
                    "traceId": trace,
                    "spanId": span,
                    "name": name,
                    "kind": self.kind % 6,
                    "startTimeUnixNano": (start * 1_000_000).to_string(),
                    "endTimeUnixNano": (end * 1_000_000).to_string(),
                    "status": {"code": if self.error.is_some() { 2 } else { 1 }, "message": message},
                    "attributes": attributes,
                });
                if let (Some(p), Some(o)) = (parent, s.as_object_mut()) {
                    o.insert("parentSpanId".into(), json!(p));
                }
                json!({"resourceSpans": [{"scopeSpans": [{"spans": [s]}]}]})
            }
        };
        write(&v, matches!(self.shape, Shape::Otlp))
    }

    fn messages(&self) -> (String, Value) {
        if self.gen_ai {
            let msgs: Vec<Value> = self
                .messages
                .iter()
                .map(|m| {
                    let mut parts = vec![json!({"type": "text", "content": m.content.get()})];
                    if let Some((name, args)) = &m.tool {
                        parts.push(json!({"type": "tool_call", "name": name.get(), "arguments": args.get()}));
                    }
                    json!({"role": m.role.get(), "parts": parts})
                })
                .collect();
            return (
                "gen_ai.input.messages".into(),
                json!(Value::Array(msgs).to_string()),
            );
        }
        let msgs: Vec<Value> = self
            .messages
            .iter()
            .map(|m| {
                let mut o = json!({"message.role": m.role.get(), "message.content": m.content.get()});
                if let (Some((name, args)), Some(map)) = (&m.tool, o.as_object_mut()) {
                    map.insert(
                        "message.tool_calls".into(),
                        json!([{"tool_call.function.name": name.get(), "tool_call.function.arguments": args.get()}]),
                    );
                }
                o
            })
            .collect();
        ("llm.input_messages".into(), Value::Array(msgs))
    }
}

/// Milliseconds since the epoch as ISO 8601.
fn crate_iso(ms: u64) -> String {
    sesstui::time::iso_ms(i64::try_from(ms).unwrap_or(0) * 1_000_000)
}

/// A JSON value as an OTLP `AnyValue`.
pub fn any_value(v: Value) -> Value {
    match v {
        Value::String(s) => json!({"stringValue": s}),
        Value::Bool(b) => json!({"boolValue": b}),
        Value::Number(n) if n.is_i64() => json!({"intValue": n.to_string()}),
        Value::Number(n) => json!({"doubleValue": n}),
        Value::Null => json!({}),
        Value::Array(vs) => {
            json!({"arrayValue": {"values": vs.into_iter().map(any_value).collect::<Vec<_>>()}})
        }
        Value::Object(m) => {
            json!({"kvlistValue": {"values": m.into_iter().map(|(k, v)| json!({"key": k, "value": any_value(v)})).collect::<Vec<_>>()}})
        }
    }
}
