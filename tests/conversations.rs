//! Turns as the person lived them, checked against the truth the fixture generators wrote:
//! Claude Code through LiteLLM (typed prompts, tool results, a `Task` sub-agent, side requests)
//! and a multi-agent incident assistant (sub-agents in traces of their own, matched by name,
//! input or span link, and one under a tool span).

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/isolated.rs"]
mod isolated;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(args: &[&str]) -> Value {
    let out = isolated::command()
        .args(args)
        .current_dir(root())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn truth(file: &str) -> Value {
    let p = root().join(format!("{file}.truth.json"));
    serde_json::from_slice(&std::fs::read(p).expect("truth")).expect("truth json")
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// The session `sessions --json` put a trace in.
fn session_of(file: &str, trace: &str) -> String {
    let spans = isolated::command()
        .args(["spans", file])
        .current_dir(root())
        .output()
        .expect("run");
    String::from_utf8(spans.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["trace_id"] == trace)
        .and_then(|l| l["session"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{file}: trace {trace} in no session"))
}

/// The top-level calls' traces of a turn, and every trace it holds.
fn turn_traces(turn: &Value) -> (Vec<String>, BTreeSet<String>) {
    let mut top: Vec<String> = Vec::new();
    for c in turn["calls"].as_array().unwrap() {
        let t = c["trace_id"].as_str().unwrap().to_owned();
        if top.last() != Some(&t) {
            top.push(t);
        }
    }
    (top, strs(&turn["traces"]).into_iter().collect())
}

/// Every tool with a sub-agent in `calls`, sub-agents' own included: (call trace, tool).
fn subagent_tools(calls: &Value, out: &mut Vec<(String, Value)>) {
    for c in calls.as_array().unwrap() {
        for t in c["tools"].as_array().unwrap() {
            if !t["subagent"].is_null() {
                out.push((c["trace_id"].as_str().unwrap().to_owned(), t.clone()));
                subagent_tools(&t["subagent"]["calls"], out);
            }
        }
    }
}

const CLAUDE: &[&str] = &[
    "fixtures/claude_code/litellm_phoenix.jsonl",
    "fixtures/claude_code/litellm_otel.jsonl",
];

#[test]
fn claude_code_turns_are_the_prompts_typed() {
    for &file in CLAUDE {
        let t = truth(file);
        let convs = t["conversations"].as_object().unwrap();
        for (label, c) in convs {
            if !c["subagent_of"].is_null() {
                continue;
            }
            let main = strs(&c["main_trace_ids"]);
            let session = session_of(file, &main[0]);
            let doc = json(&["show", "--json", file, &session]);
            let turns = doc["turns"].as_array().unwrap();
            let want = c["turns"].as_array().unwrap();
            assert_eq!(turns.len(), want.len(), "{file} {label}: turns");
            for (got, w) in turns.iter().zip(want) {
                let what = format!("{file} {label} turn {}", w["index"]);
                assert_eq!(got["input"], w["prompt"], "{what}: the prompt typed");
                assert_eq!(got["answer"], w["answer"], "{what}: the answer");
                let (top, all) = turn_traces(got);
                assert_eq!(top, strs(&w["trace_ids"]), "{what}: its calls' traces");
                let mut expect: BTreeSet<String> = strs(&w["trace_ids"]).into_iter().collect();
                expect.extend(strs(&w["subagent_trace_ids"]));
                assert_eq!(all, expect, "{what}: every trace, sub-agents' included");
            }
            // Side requests are listed apart, never as turns.
            let side: BTreeSet<String> = doc["side_requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["trace_id"].as_str().unwrap().to_owned())
                .collect();
            let want_side: BTreeSet<String> = strs(&c["side_trace_ids"]).into_iter().collect();
            assert_eq!(side, want_side, "{file} {label}: side requests");
            // The session list counts the same turns.
            let list = json(&["sessions", "--json", file]);
            let row = list["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == session.as_str())
                .unwrap();
            assert_eq!(
                row["turns"].as_u64(),
                Some(want.len() as u64),
                "{file} {label}"
            );
        }
    }
}

#[test]
fn claude_code_sub_agents_nest_under_the_task_that_started_them() {
    for &file in CLAUDE {
        let t = truth(file);
        for (label, c) in t["conversations"].as_object().unwrap() {
            let Some(parent) = c["subagent_of"].as_object() else {
                continue;
            };
            let sub_traces = strs(&c["main_trace_ids"]);
            let session = session_of(file, &sub_traces[0]);
            let parent_conv = &t["conversations"][parent["conversation"].as_str().unwrap()];
            assert_eq!(
                session,
                session_of(file, &strs(&parent_conv["main_trace_ids"])[0]),
                "{file} {label}: in its parent's session"
            );
            let doc = json(&["show", "--json", file, &session]);
            let mut found = Vec::new();
            for turn in doc["turns"].as_array().unwrap() {
                subagent_tools(&turn["calls"], &mut found);
            }
            let (call_trace, tool) = found
                .iter()
                .find(|(_, tool)| strs(&tool["subagent"]["traces"]) == sub_traces)
                .unwrap_or_else(|| panic!("{file} {label}: no tool holds the sub-agent"));
            assert_eq!(
                call_trace,
                parent["trace_id"].as_str().unwrap(),
                "{file} {label}"
            );
            assert_eq!(tool["name"], "Task");
            assert_eq!(tool["span_id"], parent["tool_span_id"], "{file} {label}");
            assert_eq!(tool["id"], parent["tool_use_id"], "{file} {label}");
            assert_eq!(tool["subagent"]["linked_by"], "task_prompt");
        }
    }
}

#[test]
fn claude_code_tools_show_their_argument_and_result() {
    for &file in CLAUDE {
        let t = truth(file);
        let mut shown: BTreeMap<String, Value> = BTreeMap::new();
        for s in json(&["sessions", "--json", file])["sessions"]
            .as_array()
            .unwrap()
        {
            let doc = json(&["show", "--json", file, s["id"].as_str().unwrap()]);
            let mut stack: Vec<Value> = doc["turns"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|t| t["calls"].as_array().unwrap().clone())
                .collect();
            while let Some(c) = stack.pop() {
                for tool in c["tools"].as_array().unwrap() {
                    if let Some(id) = tool["id"].as_str() {
                        shown.insert(id.to_owned(), tool.clone());
                    }
                    if !tool["subagent"].is_null() {
                        stack.extend(tool["subagent"]["calls"].as_array().unwrap().clone());
                    }
                }
            }
        }
        for call in t["tool_calls"].as_array().unwrap() {
            let id = call["tool_use_id"].as_str().unwrap();
            let tool = shown
                .get(id)
                .unwrap_or_else(|| panic!("{file}: tool call {id} not shown"));
            assert_eq!(tool["name"], call["name"], "{file} {id}");
            let arg = tool["argument"].as_str().unwrap_or_default();
            let input = &call["input"];
            let key = ["file_path", "command", "pattern", "description"]
                .iter()
                .find_map(|k| input[*k].as_str())
                .unwrap();
            assert!(arg.contains(key), "{file} {id}: {arg:?} shows {key:?}");
            assert_eq!(
                tool["error"].is_null(),
                !call["is_error"].as_bool().unwrap(),
                "{file} {id}: failed or not"
            );
            if let Some(why) = call["error"].as_str() {
                assert!(
                    tool["error"].as_str().unwrap().contains(why.trim()),
                    "{file} {id}: {tool}"
                );
            }
        }
    }
}

const AGENTS: &[&str] = &[
    "fixtures/agents/agents_df.jsonl",
    "fixtures/agents/agents_otlp.jsonl",
];

#[test]
fn multi_agent_sub_agents_nest_under_their_delegation() {
    for &file in AGENTS {
        let t = truth(file);
        for (session, s) in t["sessions"].as_object().unwrap() {
            let doc = json(&["show", "--json", file, session]);
            let turns = doc["turns"].as_array().unwrap();
            let want = s["turns"].as_array().unwrap();
            assert_eq!(turns.len(), want.len(), "{file} {session}: turns");
            for (got, w) in turns.iter().zip(want) {
                let what = format!("{file} {session} turn {}", w["index"]);
                assert_eq!(got["input"], w["input"], "{what}");
                assert_eq!(got["answer"], w["answer"], "{what}");
                let (top, all) = turn_traces(got);
                assert_eq!(top, strs(&w["trace_ids"]), "{what}");
                let mut expect: BTreeSet<String> = strs(&w["trace_ids"]).into_iter().collect();
                expect.extend(strs(&w["subagent_trace_ids"]));
                assert_eq!(all, expect, "{what}");
            }
            let mut found = Vec::new();
            for turn in turns {
                subagent_tools(&turn["calls"], &mut found);
            }
            for sub in s["subagents"].as_array().unwrap() {
                let trace = sub["trace_id"].as_str().unwrap();
                let holder = found
                    .iter()
                    .find(|(_, tool)| strs(&tool["subagent"]["traces"]) == [trace]);
                match sub["delegate_span_id"].as_str() {
                    Some(span) => {
                        let (_, tool) = holder
                            .unwrap_or_else(|| panic!("{file} {session}: {trace} not nested"));
                        assert_eq!(tool["span_id"], span, "{file} {session} {trace}");
                        let how = tool["subagent"]["linked_by"].as_str().unwrap();
                        let evidence = strs(&sub["evidence"]);
                        let said = match how {
                            "named_for_tool" => "name",
                            "task_input" => "input",
                            "span_link" => "link",
                            other => other,
                        };
                        assert!(evidence.iter().any(|e| e == said), "{file} {trace}: {how}");
                    }
                    // Nothing matches: a turn of its own, never a guess.
                    None => assert!(holder.is_none(), "{file} {session}: {trace} guessed"),
                }
            }
            for inner in s["in_trace_subagents"].as_array().unwrap() {
                let tool = found
                    .iter()
                    .find(|(_, tool)| tool["span_id"] == inner["tool_span_id"])
                    .unwrap_or_else(|| panic!("{file} {session}: in-trace sub-agent"));
                assert_eq!(tool.1["subagent"]["linked_by"], "child_span");
                assert!(!tool.1["subagent"]["calls"].as_array().unwrap().is_empty());
            }
        }
    }
}

#[test]
fn mlflow_answers_are_text() {
    let file = "fixtures/mlflow/traces_get_lines.jsonl";
    for s in json(&["sessions", "--json", file])["sessions"]
        .as_array()
        .unwrap()
    {
        for key in ["first_input", "last_output"] {
            if let Some(text) = s[key].as_str() {
                assert!(!text.trim_start().starts_with('{'), "{key}: {text}");
            }
        }
        let doc = json(&["show", "--json", file, s["id"].as_str().unwrap()]);
        for turn in doc["turns"].as_array().unwrap() {
            for key in ["input", "answer"] {
                if let Some(text) = turn[key].as_str() {
                    assert!(!text.trim_start().starts_with('{'), "{key}: {text}");
                }
            }
        }
    }
}
