//! What a person reads of an input or an answer: the text, not the JSON it was sent in.
//!
//! Exporters write answers as `{"role","content"}` objects, OpenAI `ChatCompletion`s
//! (`choices[0].message.content`), Anthropic messages (`content[]` text blocks), MLflow
//! `mlflow.spanOutputs` wrappers, JSON-encoded strings, or the function's own arguments. The
//! raw JSON stays in the span detail; everywhere else shows this.

use super::messages;
use serde_json::Value;

/// The readable text of an input or output value; `prefer_user`: for a request holding a
/// message list, the last user message (an input), else the last message.
pub fn readable(raw: &str, prefer_user: bool) -> String {
    let t = raw.trim();
    if !(t.starts_with('{') || t.starts_with('[') || t.starts_with('"')) {
        return t.to_owned();
    }
    let parsed: Option<Value> = serde_json::from_str(t).ok().or_else(|| {
        // LiteLLM writes Anthropic content blocks as a Python repr.
        serde_json::from_str(&crate::json::pylit::to_json(t)?).ok()
    });
    match parsed {
        Some(v) => of_value(&v, prefer_user).unwrap_or_else(|| t.to_owned()),
        None => t.to_owned(),
    }
}

/// Fields that hold what was asked, and what was answered, among a function's arguments or
/// results.
const ASKED: [&str; 8] = [
    "question", "query", "input", "prompt", "message", "text", "task", "request",
];
const ANSWERED: [&str; 7] = [
    "answer", "output", "response", "result", "text", "content", "message",
];

fn of_value(v: &Value, prefer_user: bool) -> Option<String> {
    match v {
        Value::String(s) => Some(readable(s, prefer_user)),
        Value::Array(items) => {
            // Content blocks, or a message list.
            if items
                .iter()
                .any(|i| i.get("role").is_some() || i.get("message.role").is_some())
            {
                return last_message(items, prefer_user);
            }
            let texts: Vec<String> = items
                .iter()
                .filter_map(|b| match b {
                    Value::String(s) => Some(s.clone()),
                    b if matches!(b.get("type").and_then(Value::as_str), Some("text") | None) => {
                        b.get("text").and_then(Value::as_str).map(str::to_owned)
                    }
                    _ => None,
                })
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        Value::Object(map) => {
            if let Some(Value::Array(msgs)) = map.get("messages") {
                return last_message(msgs, prefer_user);
            }
            if let Some(m) = v.pointer("/choices/0/message") {
                return of_value(m, prefer_user);
            }
            if map.contains_key("role") || map.contains_key("content") {
                let items = [v.clone()];
                if let Some(t) = last_message(&items, false) {
                    return Some(t);
                }
            }
            // A wrapper of one string (`{"output": "…"}`, `{"question": "…"}`), or a function's
            // arguments of which one names what was asked or answered.
            let strings: Vec<&Value> = map.values().filter(|x| !x.is_null()).collect();
            match strings.as_slice() {
                [one] if one.is_string() || one.is_object() => of_value(one, prefer_user),
                _ => {
                    let keys: &[&str] = if prefer_user { &ASKED } else { &ANSWERED };
                    keys.iter()
                        .find_map(|k| map.get(*k).and_then(Value::as_str))
                        .map(str::to_owned)
                }
            }
        }
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The text of the last message (the last user message, when `prefer_user`).
fn last_message(items: &[Value], prefer_user: bool) -> Option<String> {
    let json = serde_json::to_string(items).ok()?;
    let (_, msgs) = messages::read_list(&json);
    let pick = if prefer_user {
        msgs.iter().rev().find(|m| m.is_human())
    } else {
        msgs.iter().rev().find(|m| !m.text.trim().is_empty())
    };
    pick.map(messages::Msg::typed_text)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn answers_are_unwrapped_to_text() {
        assert_eq!(readable("plain", false), "plain");
        assert_eq!(
            readable(
                r#"{"role": "assistant", "content": "Sorry about that!"}"#,
                false
            ),
            "Sorry about that!"
        );
        assert_eq!(
            readable(
                r#"{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"}}]}"#,
                false
            ),
            "4"
        );
        assert_eq!(
            readable(
                r#"{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "tool_use", "id": "t", "name": "Read", "input": {}}]}"#,
                false
            ),
            "a"
        );
        assert_eq!(readable(r#""\"AGENT\"""#, false), "AGENT");
        assert_eq!(readable(r#"{"answer": "42"}"#, false), "42");
        assert_eq!(
            readable("[{'type': 'text', 'text': 'fix the test'}]", true),
            "fix the test"
        );
        assert_eq!(
            readable(
                r#"{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q1"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "q2"}]}"#,
                true
            ),
            "q2"
        );
        // Several fields: the one that says what was asked, else as written.
        assert_eq!(
            readable(
                r#"{"question": "Where is A-1001?", "order_id": "A-1001"}"#,
                true
            ),
            "Where is A-1001?"
        );
        assert_eq!(
            readable(r#"{"a": "1", "b": "2"}"#, false),
            r#"{"a": "1", "b": "2"}"#
        );
    }
}
