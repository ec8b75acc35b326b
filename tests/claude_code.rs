//! Claude Code transcripts (`~/.claude/projects`): a projects tree, a project directory, one
//! session file, against the truth fixtures/claude_code/transcripts.py wrote from the same
//! scenario as the LiteLLM export; and the transcripts opened with that export (each call once,
//! seen in both). The turns view of a transcript session as a snapshot.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::{json, output, root};
use serde_json::Value;
use std::collections::BTreeMap;

const PROJECTS: &str = "fixtures/claude_code/projects";
const PROJECT: &str = "fixtures/claude_code/projects/-home-dev-proj";
const PROXY: &str = "fixtures/claude_code/litellm_otel.jsonl";

fn truth() -> Value {
    serde_json::from_slice(
        &std::fs::read(root().join("fixtures/claude_code/transcripts_truth.json")).unwrap(),
    )
    .unwrap()
}

fn sessions(args: &[&str]) -> BTreeMap<String, Value> {
    let mut a = vec!["sessions", "--json"];
    a.extend(args);
    json(&a)["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s.clone()))
        .collect()
}

fn show(files: &[&str], session: &str) -> Value {
    let mut a = vec!["show", "--json"];
    a.extend(files);
    a.push(session);
    json(&a)
}

/// The tool names of a turn's calls, sub-agents' left out, in order.
fn tools_of(turn: &Value) -> Vec<String> {
    turn["calls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["tools"].as_array().unwrap())
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A projects tree, or the one project directory: every session, keyed by its `sessionId`, with
/// its title, turns, calls (sub-agents' included), tokens counted once per response, errors.
#[test]
fn every_session_of_a_projects_tree_as_the_truth_has_it() {
    let t = truth();
    for dir in [PROJECTS, PROJECT] {
        let got = sessions(&[dir]);
        let want = t["sessions"].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "{dir}");
        for (id, w) in want {
            let s = &got[id];
            assert_eq!(s["key"], "sessionId (claude code)", "{id}");
            assert_eq!(s["title"], w["title"], "{id} title");
            assert_eq!(
                s["turns"].as_u64(),
                Some(w["turns"].as_array().unwrap().len() as u64)
            );
            assert_eq!(s["calls"], w["calls"], "{id} calls");
            assert_eq!(s["tokens"]["prompt"], w["tokens"]["prompt"], "{id} prompt");
            assert_eq!(
                s["tokens"]["completion"], w["tokens"]["completion"],
                "{id} completion"
            );
            assert_eq!(s["errors"], w["errors"], "{id} errors");
            assert_eq!(
                s["subagents"].as_u64(),
                Some(w["subagents"].as_array().unwrap().len() as u64),
                "{id} sub-agents"
            );
            assert_eq!(
                s["first_input"], w["turns"][0]["prompt"],
                "{id}: the first prompt, not a meta or command-output line"
            );
        }
    }
}

/// Each turn: the prompt typed, one call per API response (however many lines it was split
/// over), its tools in order, the answer; the Task's sub-agent under the Task, with its prompt
/// and its calls; the failed tool failed.
#[test]
fn turns_calls_tools_and_the_subagent_under_its_task() {
    let t = truth();
    for (id, w) in t["sessions"].as_object().unwrap() {
        let got = show(&[PROJECTS], id);
        let turns = got["turns"].as_array().unwrap();
        let want = w["turns"].as_array().unwrap();
        assert_eq!(turns.len(), want.len(), "{id}");
        for (g, w) in turns.iter().zip(want) {
            assert_eq!(g["input"], w["prompt"], "{id}");
            assert_eq!(
                g["calls"].as_array().unwrap().len() as u64,
                w["calls"],
                "{id}"
            );
            let names: Vec<Value> = tools_of(g).into_iter().map(Value::from).collect();
            assert_eq!(&Value::from(names), &w["tools"], "{id}");
            assert_eq!(g["answer"], w["answer"], "{id}");
            for c in g["calls"].as_array().unwrap() {
                assert_eq!(c["seen_in"], "transcript", "{id}: no proxy export given");
            }
        }
        for sub in w["subagents"].as_array().unwrap() {
            let task = turns
                .iter()
                .flat_map(|t| t["calls"].as_array().unwrap())
                .flat_map(|c| c["tools"].as_array().unwrap())
                .find(|tool| tool["id"] == sub["task_tool_use_id"] || tool["name"] == "Task")
                .unwrap();
            assert_eq!(task["name"], "Task");
            let agent = &task["subagent"];
            assert_eq!(
                agent["linked_by"], "agent_id",
                "{id}: by the Task result's agentId"
            );
            assert_eq!(
                agent["input"], sub["prompt"],
                "{id}: the sub-agent's prompt"
            );
            assert_eq!(
                agent["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["span_id"].is_string())
                    .count() as u64,
                sub["calls"],
                "{id}: the sub-agent's calls"
            );
        }
    }
    // The failed build: the tool span fails, with the result as written.
    let c1 = show(&[PROJECTS], "5d4762e6");
    let failed: Vec<&Value> = c1["turns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["calls"].as_array().unwrap())
        .flat_map(|c| c["tools"].as_array().unwrap())
        .filter(|t| !t["error"].is_null())
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "the build (the sub-agent's failed Read is its own)"
    );
    assert_eq!(failed[0]["argument"], "cargo build");
}

/// The spans as written: one LLM call per response id, its tokens once; each tool_use block a
/// tool span under its call, its result line under it; every line's own span in its file.
#[test]
fn one_llm_call_per_response_and_tokens_once() {
    let t = truth();
    let spans = cli::spans(PROJECTS);
    let llm: Vec<&Value> = spans.values().filter(|s| s["kind"] == "LLM").collect();
    let ids = t["message_ids"].as_object().unwrap();
    assert_eq!(llm.len(), ids.len());
    let with_tokens = spans.values().filter(|s| !s["tokens"].is_null()).count();
    assert_eq!(
        with_tokens,
        ids.len(),
        "usage counted on one line per response"
    );
    let prompt: u64 = llm
        .iter()
        .map(|s| s["tokens"]["prompt"].as_u64().unwrap())
        .sum();
    let want: u64 = t["sessions"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["tokens"]["prompt"].as_u64().unwrap())
        .sum();
    assert_eq!(prompt, want);
    for s in spans.values().filter(|s| s["kind"] == "TOOL") {
        let parent = &spans[s["parent_id"].as_str().unwrap()];
        assert_eq!(parent["kind"], "LLM", "a tool hangs under its call");
        assert!(s["span_id"].as_str().unwrap().starts_with("toolu_"));
    }
    for s in llm {
        let parent = &spans[s["parent_id"].as_str().unwrap()];
        assert_eq!(parent["name"], "prompt", "a call hangs under its prompt");
        assert_eq!(s["trace_id"], parent["trace_id"]);
    }
}

/// One session file opened alone: its turns, without the sub-agent (in another file); the file
/// recognised from its content whatever its name.
#[test]
fn one_session_file_alone_and_under_any_name() {
    let t = truth();
    let (id, w) = t["sessions"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, s)| s["conversation"] == "C2")
        .unwrap();
    let file = w["file"].as_str().unwrap();
    let path = format!("fixtures/claude_code/{file}");
    let got = sessions(&[&path]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[id]["calls"], w["calls"]);
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("notes.txt");
    std::fs::copy(root().join(&path), &renamed).unwrap();
    let again = sessions(&[renamed.to_str().unwrap()]);
    assert_eq!(again[id]["calls"], w["calls"]);
    assert_eq!(again[id]["turns"], got[id]["turns"]);
}

/// Lines of types sesstui does not know are reported with their line, the file is still read;
/// the known lines with no span are not reported; files beside the transcripts that are not
/// JSON Lines (tool-results/*.txt) are not opened.
#[test]
fn doctor_reports_unknown_lines_and_reads_the_rest() {
    let t = truth();
    let out = output(&["doctor", PROJECTS]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for u in t["unknown_lines"].as_array().unwrap() {
        let at = format!(
            "fixtures/claude_code/{}:{}",
            u["file"].as_str().unwrap(),
            u["line"]
        );
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains(&at))
            .unwrap_or_else(|| panic!("{at} not reported:\n{}", out.stdout));
        assert!(
            line.contains(&format!("{:?}", u["type"].as_str().unwrap())),
            "{line}"
        );
    }
    assert!(!out.stdout.contains("skipped"), "{}", out.stdout);
    assert!(!out.stdout.contains("tool-results"), "{}", out.stdout);
    for kind in ["summary", "queue-operation", "file-history-snapshot"] {
        assert!(
            !out.stdout.contains(kind),
            "{kind} reported:\n{}",
            out.stdout
        );
    }
    let files: usize = t["files"].as_object().unwrap().len();
    let d = json(&["doctor", "--json", PROJECTS]);
    assert_eq!(d["files"].as_array().unwrap().len(), files);
}

/// The transcripts with the proxy's export of the same sessions: one session each, every call
/// once and seen in both, tokens counted once (the proxy's side requests, which no transcript
/// has, on top).
#[test]
fn with_the_proxy_export_every_call_once_seen_in_both() {
    let t = truth();
    let both = sessions(&[PROXY, PROJECTS]);
    assert_eq!(both.len(), t["sessions"].as_object().unwrap().len());
    // With session inference, as `sessions` ran (the proxy's title requests carry no session id).
    let spans: BTreeMap<String, Value> = String::from_utf8(cli::run(&["spans", PROXY, PROJECTS]))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["span_id"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    for (id, w) in t["sessions"].as_object().unwrap() {
        let s = &both[id];
        assert_eq!(s["calls"], w["calls"], "{id}");
        assert_eq!(
            s["errors"], w["errors"],
            "{id}: a failed tool seen twice counts once"
        );
        assert_eq!(
            s["turns"].as_u64(),
            Some(w["turns"].as_array().unwrap().len() as u64),
            "{id}"
        );
        // The proxy's calls no transcript has: side requests (title, quota).
        let side: u64 = spans
            .values()
            .filter(|x| x["session"] == *id && x["seen_in"] == "proxy")
            .filter(|x| x["parent_id"].is_null())
            .map(|x| x["tokens"]["prompt"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(
            s["tokens"]["prompt"].as_u64().unwrap(),
            w["tokens"]["prompt"].as_u64().unwrap() + side,
            "{id}: tokens once"
        );
        let got = show(&[PROXY, PROJECTS], id);
        let calls: Vec<&Value> = got["turns"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["calls"].as_array().unwrap())
            .collect();
        assert!(!calls.is_empty());
        for c in calls {
            assert_eq!(c["seen_in"], "both", "{id}: {c}");
        }
    }
    let seen: usize = spans.values().filter(|x| x["seen_in"] == "both").count();
    // Each response: its transcript call and the proxy's request.
    assert_eq!(seen, 2 * t["message_ids"].as_object().unwrap().len());
}

/// The turns view of a transcript session: prompts, calls, tools, the sub-agent under the Task.
#[test]
fn turns_view_of_a_transcript_session() {
    use common::{app, press, render, screen};
    use sesstui::app::action::Action::{Down, Open};
    let mut a = app(&[PROJECTS], 120, 40);
    press(&mut a, &[Open]);
    let text = screen(&render(&mut a, 120, 40));
    assert!(
        text.contains("fix the failing test in src/parser.rs"),
        "{text}"
    );
    insta::assert_snapshot!("claude_code_turns_120x40", text);
    let rows = &a.session.as_ref().unwrap().turns.rows;
    let third = rows
        .iter()
        .position(|r| *r == sesstui::app::turns::Row::Turn(2))
        .unwrap();
    for _ in 0..third {
        press(&mut a, &[Down]);
    }
    let text = screen(&render(&mut a, 120, 40));
    assert!(text.contains("Task"), "{text}");
    insta::assert_snapshot!("claude_code_turns_task_120x40", text);
}

/// A transcript line, as Claude Code writes its envelope.
fn line(
    kind: &str,
    uuid: &str,
    parent: Option<&str>,
    side: bool,
    ts: u64,
    message: Value,
) -> String {
    serde_json::json!({
        "parentUuid": parent,
        "isSidechain": side,
        "userType": "external",
        "cwd": "/tmp/p",
        "sessionId": "0f0f0f0f-0000-4000-8000-000000000001",
        "version": "1.0.30",
        "type": kind,
        "message": message,
        "uuid": uuid,
        "timestamp": format!("2026-01-01T00:{:02}:{:02}.000Z", ts / 60 % 60, ts % 60),
    })
    .to_string()
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// An older version's inline sidechain (the Task's sub-agent in the session's own file,
/// `isSidechain: true`, no `agentId`): nested under its Task by its prompt.
#[test]
fn an_inline_sidechain_nests_under_its_task() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = "find the config loader";
    let lines = [
        line(
            "user",
            &uuid(1),
            None,
            false,
            1,
            serde_json::json!({"role": "user", "content": "where is the config read?"}),
        ),
        line(
            "assistant",
            &uuid(2),
            Some(&uuid(1)),
            false,
            2,
            serde_json::json!({"id": "msg_a", "role": "assistant", "model": "m", "content": [{"type": "tool_use", "id": "toolu_t", "name": "Task", "input": {"description": "search", "prompt": prompt}}], "usage": {"input_tokens": 10, "output_tokens": 5}}),
        ),
        line(
            "user",
            &uuid(3),
            None,
            true,
            3,
            serde_json::json!({"role": "user", "content": prompt}),
        ),
        line(
            "assistant",
            &uuid(4),
            Some(&uuid(3)),
            true,
            4,
            serde_json::json!({"id": "msg_b", "role": "assistant", "model": "m", "content": [{"type": "text", "text": "src/config.rs"}], "usage": {"input_tokens": 7, "output_tokens": 3}}),
        ),
        line(
            "user",
            &uuid(5),
            Some(&uuid(2)),
            false,
            5,
            serde_json::json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_t", "content": [{"type": "text", "text": "src/config.rs"}]}]}),
        ),
        line(
            "assistant",
            &uuid(6),
            Some(&uuid(5)),
            false,
            6,
            serde_json::json!({"id": "msg_c", "role": "assistant", "model": "m", "content": [{"type": "text", "text": "In src/config.rs."}], "usage": {"input_tokens": 20, "output_tokens": 4}}),
        ),
    ];
    let file = dir.path().join("s.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let f = file.to_str().unwrap();
    let got = show(&[f], "0f0f0f0f");
    let turns = got["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1, "{got}");
    assert_eq!(turns[0]["input"], "where is the config read?");
    assert_eq!(turns[0]["answer"], "In src/config.rs.");
    let task = &turns[0]["calls"][0]["tools"][0];
    assert_eq!(task["name"], "Task");
    assert_eq!(task["subagent"]["linked_by"], "task_input");
    assert_eq!(task["subagent"]["input"], prompt);
    assert_eq!(got["session"]["calls"], 3);
    assert_eq!(got["session"]["tokens"]["prompt"], 37);
    // These UUIDs share their first half: the lines are still six spans apart.
    let doctor = json(&["doctor", "--json", f]);
    assert_eq!(doctor["structure"]["id_clashes"], 0, "{doctor}");
    assert_eq!(doctor["structure"]["orphans"], 0, "{doctor}");
}

/// Claude Code chains every line to the one before (`parentUuid`): a session of 20,000 lines
/// is a chain that deep. It is read without recursion, its calls under their prompt.
#[test]
fn a_chain_of_twenty_thousand_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![line(
        "user",
        &uuid(1),
        None,
        false,
        0,
        serde_json::json!({"role": "user", "content": "loop"}),
    )];
    let n = 10_000u64;
    for k in 0..n {
        let (a, r) = (2 + 2 * k, 3 + 2 * k);
        lines.push(line("assistant", &uuid(a), Some(&uuid(a - 1)), false, k, serde_json::json!({"id": format!("msg_{k}"), "role": "assistant", "model": "m", "content": [{"type": "tool_use", "id": format!("toolu_{k}"), "name": "Bash", "input": {"command": "true"}}], "usage": {"input_tokens": 1, "output_tokens": 1}})));
        lines.push(line("user", &uuid(r), Some(&uuid(a)), false, k, serde_json::json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": format!("toolu_{k}"), "content": "ok"}]})));
    }
    let file = dir.path().join("deep.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let s = sessions(&[file.to_str().unwrap()]);
    let s = &s["0f0f0f0f-0000-4000-8000-000000000001"];
    assert_eq!(s["turns"], 1);
    assert_eq!(s["calls"], n);
    assert_eq!(s["tokens"]["prompt"], n);
}

/// Usage counts that are no whole number of tokens are reported with their line, never read as
/// 0, and counts that overflow when summed do not wrap (or panic).
#[test]
fn bad_usage_counts_are_reported_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        line(
            "user",
            &uuid(1),
            None,
            false,
            1,
            serde_json::json!({"role": "user", "content": "count"}),
        ),
        line(
            "assistant",
            &uuid(2),
            Some(&uuid(1)),
            false,
            2,
            serde_json::json!({"id": "msg_a", "role": "assistant", "model": "m", "content": [{"type": "text", "text": "a"}], "usage": {"input_tokens": -5, "output_tokens": 3}}),
        ),
        line(
            "assistant",
            &uuid(3),
            Some(&uuid(2)),
            false,
            3,
            serde_json::json!({"id": "msg_b", "role": "assistant", "model": "m", "content": [{"type": "text", "text": "b"}], "usage": {"input_tokens": u64::MAX, "cache_read_input_tokens": 1, "output_tokens": 4}}),
        ),
    ];
    let file = dir.path().join("s.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let f = file.to_str().unwrap();
    let doctor = json(&["doctor", "--json", f]);
    assert_eq!(doctor["structure"]["unrepresentable"], 2, "{doctor}");
    let text = output(&["doctor", f]).stdout;
    assert!(text.contains(&format!("{f}:2: token count -5")), "{text}");
    let got = show(&[f], "0f0f0f0f");
    // The completions are counted; the prompts that could not be read are not made 0 + 0.
    assert_eq!(got["session"]["tokens"]["completion"], 7, "{got}");
}
