//! Session inference on the Claude-Code-through-LiteLLM fixtures (fixtures/claude_code/), checked
//! against the true conversation of every span that their generator wrote.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/isolated.rs"]
mod isolated;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const FILES: &[&str] = &[
    "fixtures/claude_code/litellm_phoenix.jsonl",
    "fixtures/claude_code/litellm_otel.jsonl",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> String {
    let out = isolated::assert_command()
        .current_dir(root())
        .args(args)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn truth(file: &str) -> Value {
    let p = root().join(format!("{file}.truth.json"));
    serde_json::from_slice(&std::fs::read(p).expect("truth")).expect("json")
}

fn spans(file: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["spans", file];
    args.extend(extra);
    run(&args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect()
}

fn sessions(file: &str, extra: &[&str]) -> Value {
    let mut args = vec!["sessions", "--json", file];
    args.extend(extra);
    serde_json::from_str(&run(&args)).expect("json")
}

/// Which conversation each trace is in, per the truth file, with its label.
fn conversations(t: &Value) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for (label, c) in t["conversations"].as_object().expect("conversations") {
        for id in c["trace_ids"].as_array().expect("trace_ids") {
            out.insert(
                id.as_str().expect("id").to_owned(),
                (label.clone(), c.clone()),
            );
        }
    }
    out
}

#[test]
fn every_span_lands_in_its_true_conversation_and_none_are_merged() {
    for file in FILES {
        let t = truth(file);
        let truth_spans = t["true_span_sessions"].as_object().expect("true spans");
        let lines = spans(file, &[]);
        assert_eq!(lines.len(), truth_spans.len(), "{file}");
        // true conversation → sessions sesstui put its spans in, and the reverse.
        let mut found: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut holds: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for l in &lines {
            let id = l["span_id"].as_str().expect("id");
            let want = truth_spans[id]
                .as_str()
                .expect("every span has a true conversation");
            let got = l["session"].as_str().unwrap_or("(none)").to_owned();
            found.entry(want).or_default().insert(got.clone());
            holds.entry(got).or_default().insert(want);
        }
        for (conv, got) in &found {
            assert_eq!(
                got.len(),
                1,
                "{file}: conversation {conv} split into {got:?}"
            );
            let got = got.iter().next().unwrap();
            if conv.starts_with("conv-") {
                assert!(got.starts_with("inferred-"), "{file}: {conv} → {got}");
            } else {
                assert_eq!(got, conv, "{file}: explicit session kept its id");
            }
        }
        for (session, convs) in &holds {
            assert_eq!(convs.len(), 1, "{file}: {session} merges {convs:?}");
        }
        // A sub-agent's conversation is no session of its own: it is in its parent's.
        let sessions = t["conversations"]
            .as_object()
            .unwrap()
            .values()
            .filter(|c| c["subagent_of"].is_null())
            .count();
        assert_eq!(found.len(), sessions, "{file}");
    }
}

#[test]
fn every_span_says_how_its_session_was_found() {
    for file in FILES {
        let t = truth(file);
        let convs = conversations(&t);
        for l in spans(file, &[]) {
            let trace = l["trace_id"].as_str().unwrap();
            let (label, c) = &convs[trace];
            let explicit = c["explicit_trace_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == trace);
            let origin = l["session_origin"].as_str();
            if explicit {
                assert!(
                    matches!(origin, Some("span" | "trace")),
                    "{file} {label} {l}"
                );
                assert!(l.get("inferred_by").is_none());
            } else {
                assert_eq!(origin, Some("inferred"), "{file} {label} {l}");
                assert_eq!(l["inferred_by"], "history");
            }
        }
    }
}

#[test]
fn side_requests_belong_to_their_conversation_but_never_open_it() {
    for file in FILES {
        let t = truth(file);
        let side: BTreeSet<&str> = t["side_requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["trace_id"].as_str())
            .collect();
        assert!(side.len() >= 3);
        for l in spans(file, &[]) {
            let trace = l["trace_id"].as_str().unwrap();
            assert_eq!(
                l["side_request"].as_bool().unwrap_or(false),
                side.contains(trace),
                "{file} {l}"
            );
        }
        let doc = sessions(file, &[]);
        let by_trace = conversations(&t);
        for s in doc["sessions"].as_array().unwrap() {
            // Find the conversation through any of its traces' spans.
            let id = s["id"].as_str().unwrap();
            let conv = spans(file, &[])
                .into_iter()
                .find(|l| l["session"] == id)
                .map(|l| by_trace[l["trace_id"].as_str().unwrap()].1.clone())
                .unwrap();
            assert_eq!(s["first_input"], conv["first_input"], "{file} {id}");
            assert_eq!(
                s["side_requests"].as_u64(),
                conv["side_trace_ids"].as_array().map(|a| a.len() as u64),
                "{file} {id}"
            );
        }
    }
}

#[test]
fn doctor_shows_coverage_before_and_after_and_the_refused_merge() {
    for file in FILES {
        let t = truth(file);
        let doc: Value = serde_json::from_str(&run(&["doctor", "--json", file])).unwrap();
        let cov = &doc["coverage"];
        assert_eq!(cov["none"]["spans"], 0, "{file}");
        assert!(cov["after_trace_propagation"]["percent"].as_f64().unwrap() < 50.0);
        assert!(cov["inferred_by_history"]["spans"].as_u64().unwrap() > 0);
        // The resumed conversation carries its own id: the history link to the old one is refused.
        let c1 = t["conversations"]["C1"]["session_id"].as_str().unwrap();
        let c4 = t["conversations"]["C4"]["session_id"].as_str().unwrap();
        let refused = doc["inference"]["refused"].as_array().unwrap();
        assert!(
            refused.iter().any(|r| r["reason"] == "explicit_sessions"
                && r["candidates"].as_array().unwrap().iter().any(|c| c == c1)
                && r["candidates"].as_array().unwrap().iter().any(|c| c == c4)),
            "{file}: {refused:?}"
        );
        assert_eq!(doc["inferred_sessions"], 3, "{file}");
        let text = run(&["doctor", file]);
        // The cumulative rows: every span has its session once history inference ran.
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with("after history inference")
                    && l.trim_end().ends_with("100.0%")),
            "{file}: {text}"
        );
    }
}

#[test]
fn without_inference_the_same_traces_stay_unsessioned() {
    for file in FILES {
        let t = truth(file);
        let doc = sessions(file, &["--no-infer"]);
        assert!(
            doc["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["origin"] == "explicit")
        );
        assert_eq!(
            doc["unsessioned"]["traces"], t["unsessioned_traces"],
            "{file}"
        );
        // Grouping by idle time instead: everything gets a session, marked as time-inferred,
        // and no session mixes two users.
        let doc = sessions(file, &["--no-infer", "--infer-time"]);
        assert_eq!(doc["unsessioned"]["traces"], 0);
        let timed: Vec<&Value> = doc["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["origin"] == "inferred")
            .collect();
        assert!(!timed.is_empty());
        assert!(timed.iter().all(|s| s["inferred_by"] == "time"));
    }
}

#[test]
fn split_idle_cuts_a_conversation_at_its_long_pause() {
    for file in FILES {
        let t = truth(file);
        let c3 = &t["conversations"]["C3"];
        assert!(
            c3["idle_gaps_s"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g.as_f64().unwrap() > 1800.0)
        );
        let first = c3["trace_ids"][0].as_str().unwrap();
        let last = c3["trace_ids"].as_array().unwrap().last().unwrap();
        let lines = spans(file, &["--split-idle"]);
        let session_of = |trace: &str| {
            lines
                .iter()
                .find(|l| l["trace_id"] == trace)
                .and_then(|l| l["session"].as_str())
                .unwrap()
                .to_owned()
        };
        let (a, b) = (session_of(first), session_of(last.as_str().unwrap()));
        assert!(a.ends_with("#1") && b.ends_with("#2"), "{file}: {a} {b}");
        assert_eq!(a.trim_end_matches("#1"), b.trim_end_matches("#2"));
    }
}
