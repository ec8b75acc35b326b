//! Langfuse traces, sessions, observations and scores: what is particular to them, on the
//! fixtures fixtures/langfuse/generate.py wrote with the real `langfuse` SDK's API models.
//! Sessions, spans and errors against the truth are checked for every fixture in tests/cli.rs.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{check_spans, json, run, spans, spans_env, truth};

use serde_json::Value;
use std::collections::BTreeMap;

const API: &str = "fixtures/langfuse/trace_api.jsonl";
const DOWNLOAD: &str = "fixtures/langfuse/trace_download.json";
const SESSIONS: &str = "fixtures/langfuse/sessions.json";
const ROWS: &str = "fixtures/langfuse/observations.jsonl";
const BLOB: &str = "fixtures/langfuse/observations_blob.jsonl";

#[test]
fn observations_have_the_parents_kinds_and_errors_written() {
    for file in [API, DOWNLOAD, ROWS, BLOB] {
        let (_, got) = check_spans(file);
        for (id, s) in &got {
            if s["status"] == "ERROR" {
                let m = s["status_message"].as_str().unwrap_or_default();
                assert!(m.contains("Error: "), "{file} {id}: {m}");
            }
        }
    }
}

#[test]
fn the_trace_is_a_node_above_its_parentless_observations_only_where_it_is_given() {
    // With the trace (API, download): the root observation hangs under the trace's node,
    // whose span id is the first 16 digits of the trace id. Rows alone: it is a root.
    let with = spans(API);
    let rows = spans(ROWS);
    let mut nodes = 0;
    for (id, s) in &with {
        let trace = s["trace_id"].as_str().unwrap();
        if id == &trace[..16] {
            nodes += 1;
            assert_eq!(s["parent_id"], Value::Null);
            assert_eq!(s["kind"], "UNKNOWN");
            assert!(!rows.contains_key(id), "{id}: no node in the rows");
        } else if rows[id]["parent_id"].is_null() {
            assert_eq!(s["parent_id"].as_str(), Some(&trace[..16]), "{id}");
        }
    }
    assert_eq!(nodes, truth(API)["traces"].as_u64().unwrap());
    // The session download: the traces alone, each a node, ended by its latency.
    let sessions = spans(SESSIONS);
    assert_eq!(
        sessions.len() as u64,
        truth(SESSIONS)["traces"].as_u64().unwrap()
    );
    for (id, s) in &sessions {
        assert_eq!(s["start"], with[id]["start"], "{id}");
        assert!(s["end"].is_null() || s["end"] == with[id]["end"], "{id}");
    }
}

#[test]
fn zone_less_export_times_are_utc_whatever_the_local_zone() {
    // The blob export writes `2026-03-02 09:00:00.040000` (UTC, no zone); the API `…Z`.
    let iso = spans(ROWS);
    for tz in ["UTC", "Asia/Tokyo", "America/Los_Angeles"] {
        let blob = spans_env(&[BLOB], &[("TZ", tz)]);
        assert_eq!(blob.len(), iso.len());
        for (id, s) in &blob {
            for k in ["start", "end", "duration_ms"] {
                assert_eq!(s[k], iso[id][k], "{tz} {id} {k}");
            }
        }
    }
    let first = spans(BLOB)
        .into_values()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .min()
        .unwrap();
    assert_eq!(first, "2026-03-02T09:00:00.000Z");
}

#[test]
fn sessions_are_keyed_by_the_langfuse_session_and_carry_calls_tokens_cost() {
    // fixtures/otlp/file_exporter.jsonl holds the same scenario, sent through the OTel SDK.
    let pick = |file: &str, keep: &[&str]| -> Vec<Value> {
        json(&["sessions", "--json", "--no-infer", file])["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                Value::Object(
                    keep.iter()
                        .map(|k| ((*k).to_owned(), s[*k].clone()))
                        .collect(),
                )
            })
            .collect()
    };
    let keep = [
        "id",
        "traces",
        "turns",
        "calls",
        "errors",
        "tokens",
        "cost",
        "user",
        "first_input",
    ];
    let otlp = pick("fixtures/otlp/file_exporter.jsonl", &keep);
    for file in [API, BLOB] {
        assert_eq!(pick(file, &keep), otlp, "{file}");
        let doc = json(&["sessions", "--json", "--no-infer", file]);
        assert_eq!(doc["files"][0]["format"], "langfuse", "{file}");
        for s in doc["sessions"].as_array().unwrap() {
            assert_eq!(s["key"], "langfuse.session.id", "{file}");
        }
        let t = truth(file);
        let (mut prompt, mut cost) = (0, 0.0);
        for s in doc["sessions"].as_array().unwrap() {
            prompt += s["tokens"]["prompt"].as_u64().unwrap_or(0);
            cost += s["cost"].as_f64().unwrap_or(0.0);
        }
        assert!(prompt > 0 && prompt <= t["tokens"]["prompt"].as_u64().unwrap());
        assert!(cost > 0.0 && cost <= t["cost"].as_f64().unwrap() + 1e-9);
    }
    // Models, per call, from `model` (API) and `provided_model_name` (export).
    for file in [API, BLOB] {
        let mut models: Vec<String> = spans(file)
            .into_values()
            .filter_map(|s| s["model"].as_str().map(str::to_owned))
            .collect();
        models.sort();
        models.dedup();
        assert_eq!(serde_json::json!(models), truth(file)["models"], "{file}");
    }
    // The session download: the same sessions, traces and questions, no calls.
    let sessions = pick(SESSIONS, &["id", "traces", "turns", "user", "first_input"]);
    let api = pick(API, &["id", "traces", "turns", "user", "first_input"]);
    assert_eq!(sessions, api);
}

#[test]
fn scores_are_evaluations_of_what_they_name() {
    for file in [API, DOWNLOAD] {
        let t = truth(file);
        let doc = json(&["sessions", "--json", "--no-infer", file]);
        let got: Vec<&Value> = doc["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["evaluations"].as_array().unwrap())
            .collect();
        let want: Vec<(&String, &Value)> = t["scores"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(trace, ss)| ss.as_array().unwrap().iter().map(move |s| (trace, s)))
            .collect();
        assert_eq!(got.len(), want.len(), "{file}");
        for (trace, w) in want {
            let e = got
                .iter()
                .find(|e| e["trace_id"] == trace.as_str() && e["name"] == w["name"])
                .unwrap_or_else(|| panic!("{file}: no {} on {trace}", w["name"]));
            let value = match &w["value"] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            assert_eq!(e["value"].as_str(), Some(value.as_str()), "{file}");
            assert_eq!(e["rationale"], w["comment"], "{file}");
            assert_eq!(e["source"], w["source"], "{file}");
            match w["span_id"].as_str() {
                Some(span) => assert_eq!(
                    (&e["level"], e["span_id"].as_str()),
                    (&"span".into(), Some(span))
                ),
                None => assert_eq!(e["level"], "trace", "{file}"),
            }
        }
    }
    let shown = String::from_utf8(run(&["show", DOWNLOAD, "sess-code-02"])).unwrap();
    assert!(
        shown.contains("outcome = failed — the agent gave up"),
        "{shown}"
    );
    assert!(shown.contains("LLM claude-sonnet-4-5"), "{shown}");
    assert!(
        shown.contains("✗ RuntimeError: sandbox crashed: exit code 137"),
        "{shown}"
    );
}

#[test]
fn generations_messages_are_the_calls_history_so_sessionless_rows_are_inferred() {
    // The API's observation rows carry no session; their generations' messages (read as
    // `langfuse.observation.input` / `output`) group the traces into the scenario's sessions.
    let t = truth(API);
    let mut want: Vec<Vec<String>> = t["sessions"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| {
            let mut ids: Vec<String> = s["trace_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        })
        .collect();
    want.sort();
    let out = String::from_utf8(run(&["spans", ROWS])).unwrap();
    let mut by_session: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for l in out.lines() {
        let s: Value = serde_json::from_str(l).unwrap();
        if let Some(id) = s["session"].as_str() {
            assert_eq!(s["session_origin"], "inferred", "{l}");
            by_session
                .entry(id.to_owned())
                .or_default()
                .insert(s["trace_id"].as_str().unwrap().to_owned());
        }
    }
    let mut got: Vec<Vec<String>> = by_session
        .into_values()
        .map(|s| s.into_iter().collect())
        .collect();
    got.sort();
    assert_eq!(got, want);
    // The failed turn has no answer (its last call only asked for a tool), as in OTLP.
    let shown = String::from_utf8(run(&["show", "--no-infer", DOWNLOAD, "sess-code-02"])).unwrap();
    assert!(shown.contains("answer: (none)"), "{shown}");
}
