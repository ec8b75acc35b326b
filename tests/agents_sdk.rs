//! OpenAI Agents SDK traces and spans (`Trace.export()` / `Span.export()` as JSON Lines): what
//! is particular to them, on the fixture fixtures/agents_sdk/generate.py wrote with the real
//! `openai-agents` package. Sessions, spans and errors against the truth are checked for every
//! fixture in tests/cli.rs.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{json, root, run};

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const FILE: &str = "fixtures/agents_sdk/traces.jsonl";

fn truth() -> Value {
    cli::truth(FILE)
}

/// `sesstui spans` of files, by span id, without where each line was.
fn spans(files: &[&str]) -> BTreeMap<String, Value> {
    cli::spans_env(files, &[])
}

/// The fixture's records, each parsed.
fn records() -> Vec<Value> {
    std::fs::read_to_string(root().join(FILE))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn spans_have_the_kinds_parents_errors_and_tokens_the_sdk_wrote() {
    let t = truth();
    let got = spans(&[FILE]);
    assert_eq!(got.len(), t["spans"].as_u64().unwrap() as usize);
    for (id, parent) in t["parents"].as_object().unwrap() {
        let s = &got[id];
        assert_eq!(&s["parent_id"], parent, "{id} parent");
        assert_eq!(s["kind"], t["span_kinds"][id], "{id} kind");
        assert_eq!(s["status"], t["span_status"][id], "{id} status");
        match t["errors_message"].get(id) {
            Some(m) => assert_eq!(&s["status_message"], m, "{id} message"),
            None => assert!(s["status_message"].is_null(), "{id}"),
        }
        match t["tokens"].get(id) {
            Some(tok) => {
                assert_eq!(s["tokens"]["prompt"], tok[0], "{id} prompt tokens");
                assert_eq!(s["tokens"]["completion"], tok[1], "{id} completion tokens");
                // A generation names its model; a response span only its response id.
                let model = t["models"].get(id).cloned().unwrap_or(Value::Null);
                assert_eq!(s["model"], model, "{id}");
            }
            // Turn and task spans repeat their calls' usage under `data`: not counted again.
            None => assert!(s["tokens"].is_null(), "{id}: {}", s["tokens"]),
        }
    }
    // Times as the SDK wrote them (ISO-8601 with +00:00, microseconds), ids as sesstui names them.
    for r in records().iter().filter(|r| r["object"] == "trace.span") {
        let short = &r["id"].as_str().unwrap()["span_".len().."span_".len() + 16];
        let s = &got[short];
        let trace = r["trace_id"]
            .as_str()
            .unwrap()
            .strip_prefix("trace_")
            .unwrap();
        assert_eq!(s["trace_id"], trace);
        let started = r["started_at"].as_str().unwrap();
        let shown = s["start"].as_str().unwrap();
        assert_eq!(&shown[..23], &started[..23], "{short} start");
        let ended = r["ended_at"].as_str().unwrap();
        assert_eq!(
            &s["end"].as_str().unwrap()[..23],
            &ended[..23],
            "{short} end"
        );
    }
}

#[test]
fn a_handoff_is_a_tool_call_whose_sub_agent_is_the_agent_it_hands_to() {
    let got = spans(&[FILE]);
    let handoff = got
        .values()
        .find(|s| s["name"] == "transfer_to_billing_agent")
        .expect("the handoff span, named as the tool the model called");
    assert_eq!(handoff["kind"], "TOOL");
    let billing: Vec<&Value> = got
        .values()
        .filter(|s| s["name"] == "Billing agent" && s["trace_id"] == handoff["trace_id"])
        .collect();
    assert_eq!(billing.len(), 1);
    assert_eq!(billing[0]["parent_id"], handoff["span_id"]);
    // In the file it is a child of the run's task span, beside the agent that handed off.
    let rec = records()
        .into_iter()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("span_{}", billing[0]["span_id"].as_str().unwrap()))
        })
        .unwrap();
    assert_ne!(
        rec["parent_id"].as_str().unwrap()[5..21],
        *handoff["span_id"].as_str().unwrap()
    );

    let shown = String::from_utf8(run(&["show", "--no-infer", FILE, "conv-billing-7f3a"])).unwrap();
    let tool = shown.find("⚙ transfer_to_billing_agent").expect(&shown);
    let sub = shown.find("↳ sub-agent").expect(&shown);
    let invoice = shown.find("⚙ get_invoice INV-1001").expect(&shown);
    assert!(tool < sub && sub < invoice, "{shown}");
    assert!(
        shown.contains("user: Can you check invoice INV-1001 for me?"),
        "{shown}"
    );
    // The turn's answer is the one of the agent it was handed to.
    assert!(
        shown.contains("  answer: Invoice INV-1001 is paid: 42.00 EUR."),
        "{shown}"
    );
    assert!(
        shown.contains("⚙ refund_invoice INV-1001 ✗ Error running tool (non-fatal)"),
        "{shown}"
    );
    assert!(shown.contains(" · 1 sub-agent\n"), "{shown}");
}

#[test]
fn group_id_is_the_session_and_trace_records_are_records() {
    let t = truth();
    let doc = json(&["sessions", "--json", "--no-infer", FILE]);
    let f = &doc["files"][0];
    assert_eq!(f["format"], "openai agents sdk");
    assert_eq!(f["malformed"], 0);
    assert_eq!(f["records"], records().len());
    for s in doc["sessions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        assert_eq!(s["key"], "agents.group_id", "{id}");
        assert_eq!(s["key"], t["session_key_used"][id], "{id}");
    }
    assert_eq!(doc["unsessioned"]["traces"], 1);
}

#[test]
fn the_trace_record_may_come_anywhere_and_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let all = records();
    let line = |r: &Value| serde_json::to_string(r).unwrap() + "\n";
    let (traces, spans_only): (Vec<&Value>, Vec<&Value>) =
        all.iter().partition(|r| r["object"] == "trace");
    // Spans first, traces after them (a processor writing traces at on_trace_end).
    let after: String = spans_only.iter().chain(&traces).map(|r| line(r)).collect();
    let after = write(dir.path(), "after.jsonl", &after);
    // Traces in one file, spans in another.
    let t_file = write(
        dir.path(),
        "traces.jsonl",
        &traces.iter().map(|r| line(r)).collect::<String>(),
    );
    let s_file = write(
        dir.path(),
        "spans.jsonl",
        &spans_only.iter().map(|r| line(r)).collect::<String>(),
    );
    // One JSON list of every record, keys sorted (`json.dumps(..., sort_keys=True)`).
    let list = write(
        dir.path(),
        "all.json",
        &serde_json::to_string_pretty(&all).unwrap(),
    );
    let sessions = |files: &[&str]| -> Vec<(String, Value, Value)> {
        let mut args = vec!["sessions", "--json", "--no-infer"];
        args.extend(files);
        json(&args)["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().to_owned(),
                    s["spans"].clone(),
                    s["key"].clone(),
                )
            })
            .collect()
    };
    let want = sessions(&[FILE]);
    assert_eq!(want.len(), 2);
    assert_eq!(sessions(&[after.as_str()]), want);
    assert_eq!(sessions(&[t_file.as_str(), s_file.as_str()]), want);
    assert_eq!(sessions(&[s_file.as_str(), t_file.as_str()]), want);
    assert_eq!(sessions(&[list.as_str()]), want);
    assert_eq!(spans(&[list.as_str()]), spans(&[FILE]));
    // Without the trace records the spans are still read, with no session.
    assert!(sessions(&[s_file.as_str()]).is_empty());
}

#[test]
fn an_error_written_as_a_string_and_ids_of_other_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "odd.jsonl",
        concat!(
            r#"{"object": "trace", "id": "trace_custom-id", "workflow_name": "w", "group_id": "g-1", "metadata": null}"#,
            "\n",
            r#"{"object": "trace.span", "id": "span_0123456789abcdef01234567", "trace_id": "trace_custom-id", "parent_id": null, "started_at": "2026-03-04T10:00:00.000001+00:00", "ended_at": "2026-03-04T10:00:01+00:00", "span_data": {"type": "function", "name": "boom", "input": "{}", "output": null, "mcp_data": null}, "error": "it broke"}"#,
            "\n",
        ),
    );
    let got = spans(&[f.as_str()]);
    let s = &got["0123456789abcdef"];
    assert_eq!(s["status"], "ERROR");
    assert_eq!(s["status_message"], "it broke");
    assert_eq!(s["kind"], "TOOL");
    assert_eq!(s["session"], "g-1");
}
