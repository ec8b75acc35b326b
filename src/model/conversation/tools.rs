//! A tool call in one line: its key argument (`Read docs/guides/auth.md`, `Bash npm run build`,
//! `Grep "TODO" src/`) and its result (`→ 42 lines`, `→ [SUCCESS] Generated static files`).
//!
//! Claude Code's tools by name (CONVERSATIONS.md); any other tool shows its first string
//! argument and the first line of its result.

use serde_json::Value;

/// Claude Code's `Task` (named `Agent` in some versions) and the delegations of multi-agent
/// frameworks start a sub-agent.
pub fn starts_subagent(name: &str) -> bool {
    matches!(name, "Task" | "Agent") || delegate_target(name).is_some()
}

/// `delegate_to_sre` → `sre`, `transfer_to_billing_agent` → `billing_agent`.
pub fn delegate_target(name: &str) -> Option<&str> {
    let lower = name.rsplit('.').next().unwrap_or(name);
    ["delegate_to_", "transfer_to_", "handoff_to_"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .filter(|t| !t.is_empty())
}

/// The tool's name as a person reads it: Claude Code's tool spans are `Claude_Code_Tool_Read`.
pub fn short_name(name: &str) -> &str {
    name.strip_prefix("Claude_Code_Tool_").unwrap_or(name)
}

fn string_at<'v>(input: &'v Value, keys: &[&str]) -> Option<&'v str> {
    keys.iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
}

/// The argument that says what the call did.
pub fn key_argument(name: &str, input: &Value) -> Option<String> {
    if let Value::String(s) = input {
        return (!s.trim().is_empty()).then(|| s.clone());
    }
    let name = short_name(name);
    let arg = match name {
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" | "NotebookRead" => {
            string_at(input, &["file_path", "notebook_path", "path"]).map(str::to_owned)
        }
        "Bash" => string_at(input, &["command"]).map(str::to_owned),
        "Grep" => string_at(input, &["pattern"]).map(|p| match string_at(input, &["path"]) {
            Some(path) => format!("\"{p}\" {path}"),
            None => format!("\"{p}\""),
        }),
        "Glob" => string_at(input, &["pattern"]).map(str::to_owned),
        "WebFetch" => string_at(input, &["url"]).map(str::to_owned),
        "WebSearch" => string_at(input, &["query"]).map(str::to_owned),
        "TodoWrite" => input
            .get("todos")
            .and_then(Value::as_array)
            .map(|t| format!("{} item{}", t.len(), if t.len() == 1 { "" } else { "s" })),
        "Task" | "Agent" => string_at(input, &["description", "prompt"]).map(str::to_owned),
        _ if delegate_target(name).is_some() => string_at(
            input,
            &["task", "request", "query", "input", "message", "prompt"],
        )
        .map(str::to_owned),
        _ => None,
    };
    arg.or_else(|| first_string(input))
}

/// The first string among a call's arguments (in the order they were written).
fn first_string(input: &Value) -> Option<String> {
    match input {
        Value::Object(map) => map.values().find_map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        }),
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The task text a sub-agent was given (`prompt`, `task`…), to recognise it as its first input.
pub fn task_text(input: &Value) -> Option<&str> {
    match input {
        Value::String(s) => Some(s.as_str()),
        _ => string_at(
            input,
            &["prompt", "task", "request", "query", "input", "message"],
        ),
    }
}

fn lines(text: &str) -> impl DoubleEndedIterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// The result in one line, `None` where it says nothing a person needs (an edit that went
/// through). A failure shows its first line.
pub fn one_line_result(name: &str, text: &str, error: bool) -> Option<String> {
    let n = lines(text).count();
    if error {
        return Some(lines(text).next().unwrap_or("failed").to_owned());
    }
    if n == 0 {
        return None;
    }
    let plural = |n: usize, what: &str| {
        let s = if what.ends_with('h') { "es" } else { "s" };
        format!("{n} {what}{}", if n == 1 { "" } else { s })
    };
    match short_name(name) {
        "Read" | "NotebookRead" => Some(plural(text.lines().count(), "line")),
        "Edit" | "Write" | "MultiEdit" | "NotebookEdit" | "TodoWrite" => None,
        "Grep" => Some(plural(n, "match")),
        "Glob" => Some(plural(n, "file")),
        "Bash" => {
            let last = lines(text).next_back().unwrap_or_default().to_owned();
            Some(if n > 1 {
                format!("{last} ({})", crate::fmt::count(n, "line", "lines"))
            } else {
                last
            })
        }
        _ => lines(text).next().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_arguments_by_tool() {
        assert_eq!(
            key_argument("Read", &json!({"file_path": "docs/guides/auth.md"})).as_deref(),
            Some("docs/guides/auth.md")
        );
        assert_eq!(
            key_argument(
                "Claude_Code_Tool_Bash",
                &json!({"command": "npm run build", "description": "x"})
            )
            .as_deref(),
            Some("npm run build")
        );
        assert_eq!(
            key_argument("Grep", &json!({"pattern": "TODO", "path": "src/"})).as_deref(),
            Some("\"TODO\" src/")
        );
        assert_eq!(
            key_argument("TodoWrite", &json!({"todos": [1, 2, 3]})).as_deref(),
            Some("3 items")
        );
        assert_eq!(
            key_argument(
                "delegate_to_sre",
                &json!({"priority": 1, "task": "check p99"})
            )
            .as_deref(),
            Some("check p99")
        );
        assert_eq!(
            key_argument("lookup", &json!({"n": 2, "city": "Porto", "day": "Sun"})).as_deref(),
            Some("Porto")
        );
        assert_eq!(delegate_target("transfer_to_billing"), Some("billing"));
        assert!(starts_subagent("Task") && !starts_subagent("Read"));
    }

    #[test]
    fn results_in_one_line() {
        assert_eq!(
            one_line_result("Read", "a\nb\nc\n", false).as_deref(),
            Some("3 lines")
        );
        assert_eq!(
            one_line_result(
                "Bash",
                "Compiling\n\n[SUCCESS] Generated static files (2.1s)\n",
                false
            )
            .as_deref(),
            Some("[SUCCESS] Generated static files (2.1s) (2 lines)")
        );
        assert_eq!(
            one_line_result("Edit", "The file x has been updated.", false),
            None
        );
        assert_eq!(
            one_line_result("Bash", "error: could not compile\nmore", true).as_deref(),
            Some("error: could not compile")
        );
        assert_eq!(
            one_line_result("Grep", "a:1\nb:2", false).as_deref(),
            Some("2 matches")
        );
    }
}
