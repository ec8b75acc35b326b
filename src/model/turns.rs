//! A trace read as a conversation turn: what the user asked, what came back, and the LLM and
//! tool calls in between.

use super::detail::SpanDetail;
use super::{Model, NONE};
use crate::kind::Kind;
use serde_json::Value;

/// A chat message from an LLM call's input or output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    pub role: String,
    pub content: String,
    /// Tool calls the message makes: (name, arguments).
    pub tool_calls: Vec<(String, String)>,
}

/// An LLM, tool or retriever call inside a turn.
#[derive(Clone, Debug)]
pub struct Call {
    pub span: u32,
    pub kind: Kind,
    pub name: String,
    pub model: Option<String>,
    pub duration_ns: i64,
    /// Prompt, completion, total.
    pub tokens: Option<[u64; 3]>,
    pub error: bool,
}

/// One trace as a turn.
#[derive(Clone, Debug)]
pub struct Turn {
    pub trace: u32,
    pub input: Option<String>,
    pub output: Option<String>,
    pub calls: Vec<Call>,
}

/// Which side of an LLM call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Input,
    Output,
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let texts: Vec<String> = parts
                .iter()
                .filter_map(|p| p.get("text").or_else(|| p.get("content")).and_then(str_of))
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn json_message(v: &Value) -> Option<Message> {
    let role = v
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let content = v
        .get("content")
        .and_then(str_of)
        .or_else(|| v.get("parts").and_then(str_of))
        .unwrap_or_default();
    let tool_calls = v
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|c| {
                    let f = c.get("function").unwrap_or(c);
                    let name = f
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    let args = f
                        .get("arguments")
                        .map(|a| str_of(a).unwrap_or_default())
                        .unwrap_or_default();
                    (name, args)
                })
                .collect()
        })
        .unwrap_or_default();
    (!role.is_empty() || !content.is_empty()).then_some(Message {
        role,
        content,
        tool_calls,
    })
}

/// A message content written as a list of content blocks (Anthropic's `text`, `tool_use`,
/// `tool_result`), as JSON or as a Python repr (LiteLLM): the text, and the tool calls.
fn content_blocks(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let t = text.trim();
    if !t.starts_with('[') || !t.contains("type") {
        return None;
    }
    let v: Value = serde_json::from_str(t)
        .ok()
        .or_else(|| serde_json::from_str(&crate::json::pylit::to_json(t)?).ok())?;
    let blocks = v.as_array()?;
    let mut body: Vec<String> = Vec::new();
    let mut calls = Vec::new();
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("tool_use") => calls.push((
                b.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                b.get("input").map(Value::to_string).unwrap_or_default(),
            )),
            _ => {
                if let Some(s) = b.get("text").or_else(|| b.get("content")).and_then(str_of) {
                    body.push(s);
                }
            }
        }
    }
    Some((body.join("\n"), calls))
}

/// Messages of an LLM call in any convention: OpenInference `llm.*_messages`, GenAI
/// `gen_ai.*.messages`, or MLflow chat inputs (`{"messages": [...]}`) and outputs
/// (`{"choices": [{"message": ...}]}`).
pub fn messages(d: &SpanDetail, side: Side) -> Vec<Message> {
    let (oi, genai, mlflow) = match side {
        Side::Input => (
            "llm.input_messages",
            "gen_ai.input.messages",
            "mlflow.spanInputs",
        ),
        Side::Output => (
            "llm.output_messages",
            "gen_ai.output.messages",
            "mlflow.spanOutputs",
        ),
    };
    let mut out: Vec<Message> = Vec::new();
    // `message.contents` texts, used when `message.content` is absent (LiteLLM writes both).
    let mut contents: Vec<String> = Vec::new();
    for (rest, v) in d.under(oi) {
        let mut parts = rest.splitn(2, '.');
        let Some(i) = parts.next().and_then(|i| i.parse::<usize>().ok()) else {
            continue;
        };
        let field = parts.next().unwrap_or("");
        if out.len() <= i {
            out.resize(i + 1, Message::default());
            contents.resize(i + 1, String::new());
        }
        let m = &mut out[i];
        let text = v.text();
        match field {
            "message.role" => m.role = text,
            "message.content" => match content_blocks(&text) {
                Some((body, calls)) => {
                    m.content = body;
                    m.tool_calls.extend(calls);
                }
                None => m.content = text,
            },
            f if f.starts_with("message.contents.") && f.ends_with("message_content.text") => {
                let c = &mut contents[i];
                if !c.is_empty() {
                    c.push('\n');
                }
                c.push_str(&text);
            }
            f if f.starts_with("message.tool_calls.") => {
                let Some((k, leaf)) = f["message.tool_calls.".len()..].split_once('.') else {
                    continue;
                };
                let Ok(k) = k.parse::<usize>() else { continue };
                if m.tool_calls.len() <= k {
                    m.tool_calls.resize(k + 1, (String::new(), String::new()));
                }
                match leaf {
                    "tool_call.function.name" => m.tool_calls[k].0 = text,
                    "tool_call.function.arguments" => m.tool_calls[k].1 = text,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for (m, c) in out.iter_mut().zip(contents) {
        if m.content.is_empty() {
            m.content = c;
        }
    }
    out.retain(|m| !m.role.is_empty() || !m.content.is_empty() || !m.tool_calls.is_empty());
    if !out.is_empty() {
        return out;
    }
    // GenAI: parsed from its JSON string into `gen_ai.input.messages.{i}.role/.parts.{j}...`.
    let mut genai_msgs: Vec<Message> = Vec::new();
    for (rest, v) in d.under(genai) {
        let mut parts = rest.splitn(2, '.');
        let Some(i) = parts.next().and_then(|i| i.parse::<usize>().ok()) else {
            continue;
        };
        if genai_msgs.len() <= i {
            genai_msgs.resize(i + 1, Message::default());
        }
        let m = &mut genai_msgs[i];
        match parts.next().unwrap_or("") {
            "role" => m.role = v.text(),
            f if [".content", ".text", ".response", ".result"]
                .iter()
                .any(|e| f.ends_with(e)) =>
            {
                if !m.content.is_empty() {
                    m.content.push('\n');
                }
                m.content.push_str(&v.text());
            }
            _ => {}
        }
    }
    genai_msgs.retain(|m| !m.role.is_empty() || !m.content.is_empty());
    if !genai_msgs.is_empty() {
        return genai_msgs;
    }
    let Some(text) = d.text(mlflow) else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let list = match side {
        Side::Input => v
            .get("messages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Side::Output => v
            .get("choices")
            .and_then(Value::as_array)
            .map(|c| c.iter().filter_map(|c| c.get("message").cloned()).collect())
            .unwrap_or_else(|| {
                if v.get("role").is_some() {
                    vec![v.clone()]
                } else {
                    Vec::new()
                }
            }),
    };
    list.iter().filter_map(json_message).collect()
}

/// Readable text from an `input.value` / `output.value`: the text itself, or for JSON, the last
/// user message, the answer of a chat completion, or the single text field of an object.
pub fn summarize(raw: &str) -> String {
    let t = raw.trim();
    if !(t.starts_with('{') || t.starts_with('[') || t.starts_with('"')) {
        return t.to_owned();
    }
    // Content blocks (LiteLLM writes Anthropic's as a Python repr): their text.
    if let Some((body, _)) = content_blocks(t)
        && !body.is_empty()
    {
        return body;
    }
    let Ok(v) = serde_json::from_str::<Value>(t) else {
        return t.to_owned();
    };
    if let Some(msgs) = v.get("messages").and_then(Value::as_array)
        && let Some(m) = msgs
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        && let Some(c) = m.get("content").and_then(str_of)
    {
        return c;
    }
    if let Some(c) = v.pointer("/choices/0/message/content").and_then(str_of) {
        return c;
    }
    match &v {
        Value::String(s) => s.clone(),
        Value::Object(map) => {
            let strings: Vec<&str> = map.values().filter_map(Value::as_str).collect();
            if map.len() == 1 && strings.len() == 1 {
                strings[0].to_owned()
            } else {
                t.to_owned()
            }
        }
        _ => t.to_owned(),
    }
}

fn root_io(d: &SpanDetail, side: Side) -> Option<String> {
    let keys = match side {
        Side::Input => ["input.value", "mlflow.spanInputs"],
        Side::Output => ["output.value", "mlflow.spanOutputs"],
    };
    keys.iter()
        .find_map(|k| d.text(k))
        .map(summarize)
        .filter(|s| !s.trim().is_empty())
}

/// The MLflow `mlflow.traceInputs` / `mlflow.traceOutputs` of a trace, if its info was kept.
fn mlflow_trace_io(model: &Model, t: u32, side: Side) -> Option<String> {
    let (loc, len) = model.index.meta(t).info?;
    let v: Value =
        serde_json::from_slice(&crate::json::lenient(model.index.bytes_at(loc, len))).ok()?;
    let key = match side {
        Side::Input => "mlflow.traceInputs",
        Side::Output => "mlflow.traceOutputs",
    };
    let meta = v
        .get("trace_metadata")
        .or_else(|| v.get("request_metadata"))?;
    meta.get(key)
        .and_then(Value::as_str)
        .map(summarize)
        .filter(|s| !s.trim().is_empty())
}

/// True for spans that are calls worth listing in a turn: LLM calls (not nested inside another
/// LLM span: the same call seen by two instrumentors), tools and retrievers.
fn is_call(model: &Model, span: u32) -> bool {
    match model.span(span).kind() {
        Kind::Tool | Kind::Retriever | Kind::Embedding | Kind::Reranker => true,
        Kind::Llm => {
            let mut p = model.parent[span as usize];
            for _ in 0..64 {
                if p == NONE {
                    return true;
                }
                if model.span(p).kind() == Kind::Llm {
                    return false;
                }
                p = model.parent[p as usize];
            }
            true
        }
        _ => false,
    }
}

/// The LLM, tool and retriever calls of a trace, in time order.
pub fn calls(model: &Model, t: u32) -> Vec<Call> {
    model
        .trace_spans(t)
        .iter()
        .filter(|&&s| is_call(model, s))
        .map(|&s| {
            let rec = model.span(s);
            let extra = model.index.extra(s);
            Call {
                span: s,
                kind: rec.kind(),
                name: model.name(s).to_owned(),
                model: extra
                    .filter(|e| e.model != 0)
                    .map(|e| model.str(e.model).to_owned()),
                duration_ns: rec.duration_ns(),
                tokens: model.index.tokens(s),
                error: model.is_error(s),
            }
        })
        .collect()
}

/// One side of a trace. Input: the root's `input.value`, else the last user message of its
/// first LLM call, else MLflow's `mlflow.traceInputs`. Output: the root's `output.value`, else
/// the last LLM call's reply, else `mlflow.traceOutputs`.
///
/// `load` reads a span: [`SpanDetail::load`] for the whole text, [`SpanDetail::load_shown`]
/// for the screen.
fn io(model: &Model, t: u32, side: Side, load: Load) -> Option<String> {
    let root = model.trace(t).root;
    if root != NONE
        && let Some(s) = root_io(&load(model, root), side)
    {
        return Some(s);
    }
    let is_llm = |&s: &u32| model.span(s).kind() == Kind::Llm;
    let spans = model.trace_spans(t).iter().copied();
    let llm = match side {
        Side::Input => spans.clone().find(is_llm),
        Side::Output => spans.rev().find(is_llm),
    };
    if let Some(llm) = llm {
        let msgs = messages(&load(model, llm), side);
        let wanted = |m: &&Message| {
            !m.content.trim().is_empty() && (side == Side::Output || m.role == "user")
        };
        if let Some(m) = msgs.iter().rev().find(wanted) {
            return Some(m.content.clone());
        }
    }
    mlflow_trace_io(model, t, side)
}

/// How a span is read: whole, or as much as a screen shows.
type Load = fn(&Model, u32) -> SpanDetail;

/// The user's input of a trace (see [`io`]).
pub fn input(model: &Model, t: u32) -> Option<String> {
    io(model, t, Side::Input, SpanDetail::load)
}

/// The answer of a trace (see [`io`]).
pub fn output(model: &Model, t: u32) -> Option<String> {
    io(model, t, Side::Output, SpanDetail::load)
}

/// [`input`] for the screen: a long text read in part.
pub fn input_shown(model: &Model, t: u32) -> Option<String> {
    io(model, t, Side::Input, SpanDetail::load_shown)
}

/// [`output`] for the screen: a long text read in part.
pub fn output_shown(model: &Model, t: u32) -> Option<String> {
    io(model, t, Side::Output, SpanDetail::load_shown)
}

pub fn turn(model: &Model, t: u32) -> Turn {
    Turn {
        trace: t,
        input: input(model, t),
        output: output(model, t),
        calls: calls(model, t),
    }
}

/// A session's first user input: from its chronologically first turn that has one, side
/// requests (title generation, quota probes) left out unless there is nothing else.
pub fn first_input(model: &Model, s: u32) -> Option<String> {
    first_input_with(model, s, input)
}

/// [`first_input`] for the screen: a long text read in part.
pub fn first_input_shown(model: &Model, s: u32) -> Option<String> {
    first_input_with(model, s, input_shown)
}

fn first_input_with(
    model: &Model,
    s: u32,
    input: fn(&Model, u32) -> Option<String>,
) -> Option<String> {
    let traces = &model.session(s).traces;
    let side = |&&t: &&u32| model.trace(t).side;
    traces
        .iter()
        .filter(|t| !side(t))
        .chain(traces.iter().filter(side))
        .find_map(|&t| input(model, t))
}

/// A session's last output.
pub fn last_output(model: &Model, s: u32) -> Option<String> {
    model
        .session(s)
        .traces
        .iter()
        .rev()
        .find_map(|&t| output(model, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(summarize("plain"), "plain");
        assert_eq!(summarize(r#"{"question": "What is 2+2?"}"#), "What is 2+2?");
        assert_eq!(
            summarize(r#"{"answer": "4", "n": 1}"#),
            r#"{"answer": "4", "n": 1}"#
        );
        assert_eq!(
            summarize(
                r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}"#
            ),
            "c"
        );
        assert_eq!(
            summarize(r#"{"choices":[{"message":{"role":"assistant","content":"4"}}]}"#),
            "4"
        );
        assert_eq!(
            summarize(
                "[{'type': 'text', 'text': 'fix it', 'cache_control': {'type': 'ephemeral'}}]"
            ),
            "fix it"
        );
    }

    #[test]
    fn openinference_messages_with_tool_calls() {
        let d = SpanDetail::from_bytes(
            br#"{"context.span_id":"0000000000000001","attributes.llm.output_messages":[{"message.tool_calls":[{"tool_call.function.arguments":"{\"expr\": \"2+2\"}","tool_call.function.name":"calc","tool_call.id":"call_1"}],"message.role":"assistant"}],"attributes.llm.input_messages":[{"message.role":"system","message.content":"Be terse."},{"message.role":"user","message.content":"What is 2+2?"}]}"#,
        );
        let input = messages(&d, Side::Input);
        assert_eq!(input.len(), 2);
        assert_eq!(
            (input[1].role.as_str(), input[1].content.as_str()),
            ("user", "What is 2+2?")
        );
        let out = messages(&d, Side::Output);
        assert_eq!(
            out[0].tool_calls,
            [("calc".to_owned(), "{\"expr\": \"2+2\"}".to_owned())]
        );
    }

    #[test]
    fn litellm_content_blocks_read_as_text_and_tool_calls() {
        let d = SpanDetail::from_bytes(
            br#"{"context.span_id":"0000000000000001","attributes.llm.input_messages":[{"message.role":"assistant","message.content":"[{'type': 'text', 'text': 'Running.'}, {'type': 'tool_use', 'id': 'toolu_9', 'name': 'Bash', 'input': {'command': 'cargo test'}}]","message.contents":[{"message_content.type":"text","message_content.text":"Running."}]},{"message.role":"user","message.content":"[{'type': 'tool_result', 'tool_use_id': 'toolu_9', 'content': 'ok', 'cache_control': {'type': 'ephemeral'}}]"}]}"#,
        );
        let m = messages(&d, Side::Input);
        assert_eq!(m[0].content, "Running.");
        assert_eq!(
            m[0].tool_calls,
            [("Bash".to_owned(), r#"{"command":"cargo test"}"#.to_owned())]
        );
        assert_eq!(m[1].content, "ok");
    }

    #[test]
    fn genai_and_mlflow_messages() {
        let d = SpanDetail::from_bytes(
            br#"{"context":{"span_id":"0000000000000001"},"attributes":{"gen_ai.input.messages":"[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"hi\"}]}]"}}"#,
        );
        assert_eq!(messages(&d, Side::Input)[0].content, "hi");
        let d = SpanDetail::from_bytes(
            br#"{"span_id":"AAAAAAAAAAE=","attributes":{"mlflow.spanInputs":"{\"messages\": [{\"role\": \"user\", \"content\": \"What is 2+2?\"}]}","mlflow.spanOutputs":"{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"4\"}}]}"}}"#,
        );
        assert_eq!(messages(&d, Side::Input)[0].content, "What is 2+2?");
        assert_eq!(messages(&d, Side::Output)[0].content, "4");
    }
}
