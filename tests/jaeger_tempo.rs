//! Jaeger (v1 query / UI JSON, the v3 API envelope) and Grafana Tempo JSON: what is particular
//! to them, on the fixtures their generators wrote (fixtures/jaeger, fixtures/tempo). The
//! sessions, spans and errors of every fixture are checked against its truth in tests/cli.rs.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{check_spans, root, run, spans, truth};

use serde_json::Value;

const JAEGER: [&str; 2] = [
    "fixtures/jaeger/api_traces.json",
    "fixtures/jaeger/ui_traces.jsonl",
];
const JAEGER_V3: [&str; 2] = [
    "fixtures/jaeger/api_v3.json",
    "fixtures/jaeger/api_v3_base64.json",
];

const TEMPO: [&str; 2] = [
    "fixtures/tempo/tempo_v1.json",
    "fixtures/tempo/tempo_v2.jsonl",
];

/// Every session's turns, as `show --json` gives them, are the same from each of `files`.
fn same_turns(files: &[&str]) {
    let t = truth(files[0]);
    let mut sessions: Vec<&str> = t["sessions"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    sessions.push("unsessioned");
    for s in sessions {
        let want = run(&["show", "--json", files[0], s]);
        for file in &files[1..] {
            assert_eq!(
                String::from_utf8_lossy(&run(&["show", "--json", file, s])),
                String::from_utf8_lossy(&want),
                "{file} {s}"
            );
        }
    }
}

#[test]
fn jaeger_spans_have_the_parents_kinds_and_status_the_generator_sent() {
    for file in JAEGER.iter().chain(&JAEGER_V3) {
        let (t, got) = check_spans(file);
        // A FOLLOWS_FROM to another trace (an OTel link) is no parent; one beside a CHILD_OF
        // does not displace it.
        let linked = t["follows_from_other_trace"].as_str().unwrap();
        assert_eq!(got[linked]["parent_id"], Value::Null, "{file}");
        let child = t["child_with_follows_from"].as_str().unwrap();
        assert_eq!(got[child]["parent_id"], linked, "{file}");
    }
}

#[test]
fn jaeger_reads_as_the_otlp_of_the_same_spans() {
    // Every span field, and every session's turns (tags as attributes: kinds, tokens, model,
    // messages; logs as events: the exceptions), as sesstui reads the same spans in OTLP.
    let otlp = spans(JAEGER_V3[0]);
    for file in JAEGER.iter().chain(&JAEGER_V3[1..]) {
        assert_eq!(spans(file), otlp, "{file}");
    }
    same_turns(&[JAEGER_V3[0], JAEGER[0], JAEGER[1], JAEGER_V3[1]]);
    // The failed tool's exception came from a log (event name `exception`), its type from a field.
    let shown = String::from_utf8(run(&["show", JAEGER[0], "sess-travel-01"])).unwrap();
    assert!(shown.contains("TimeoutError"), "{shown}");
}

#[test]
fn each_file_is_recognised_from_its_content() {
    let dir = tempfile::tempdir().unwrap();
    for (file, format) in [
        (JAEGER[0], "jaeger"),
        (JAEGER[1], "jaeger"),
        (JAEGER_V3[0], "otlp/json"),
        (JAEGER_V3[1], "otlp/json"),
        (TEMPO[0], "otlp/json"),
        (TEMPO[1], "otlp/json"),
    ] {
        // Under a name that says nothing.
        let copy = dir.path().join("export.txt");
        std::fs::copy(root().join(file), &copy).unwrap();
        let doc: Value =
            serde_json::from_slice(&run(&["sessions", "--json", copy.to_str().unwrap()])).unwrap();
        let f = &doc["files"][0];
        assert_eq!(f["format"], format, "{file}");
        assert_eq!(f["malformed"], 0, "{file}");
        assert_eq!(f["spans"], truth(file)["spans"], "{file}");
        for s in doc["sessions"].as_array().unwrap() {
            assert_eq!(s["key"], "session.id", "{file}");
        }
    }
}

#[test]
fn tempo_reads_with_the_older_otlp_names_as_with_the_newer() {
    // tempo_v1.json: `instrumentationLibrarySpans`, base64 ids, enum names, one document;
    // tempo_v2.jsonl: `scopeSpans`, one trace per line. The same spans.
    let (_, v1) = check_spans(TEMPO[0]);
    let (_, v2) = check_spans(TEMPO[1]);
    assert_eq!(v1, v2);
    same_turns(&TEMPO);
    let shown = String::from_utf8(run(&["show", TEMPO[0], "sess-travel-01"])).unwrap();
    assert!(shown.contains("TimeoutError"), "{shown}");
}
