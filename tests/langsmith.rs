//! LangSmith runs (`langsmith.schemas.Run` as the SDK serialises it): what is particular to
//! them, on the fixtures fixtures/langsmith/generate.py wrote with the real `langsmith` SDK.
//! Sessions, spans and errors against the truth are checked for every fixture in tests/cli.rs.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{check_spans, json, root, run, spans, truth};

use serde_json::Value;

const RUNS: [&str; 2] = [
    "fixtures/langsmith/runs.jsonl",
    "fixtures/langsmith/runs.json",
];

#[test]
fn runs_have_the_parents_kinds_and_errors_the_sdk_wrote() {
    for file in RUNS {
        check_spans(file);
    }
    assert_eq!(spans(RUNS[0]), spans(RUNS[1]));
}

#[test]
fn the_thread_keys_are_the_sessions_and_the_project_is_not() {
    for file in RUNS {
        let t = truth(file);
        let doc = json(&["sessions", "--json", "--no-infer", file]);
        assert_eq!(doc["files"][0]["format"], "langsmith runs", "{file}");
        let project = t["project_id"].as_str().unwrap();
        assert!(
            std::fs::read_to_string(root().join(file))
                .unwrap()
                .contains(project)
        );
        let sessions = doc["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), t["sessions"].as_object().unwrap().len());
        for s in sessions {
            let id = s["id"].as_str().unwrap();
            assert_ne!(id, project, "{file}: the project id is no session");
            assert_eq!(s["key"], t["session_key_used"][id], "{file} {id}");
        }
    }
}

#[test]
fn calls_tokens_cost_and_models_are_those_of_the_same_turns_in_otlp() {
    // fixtures/otlp/file_exporter.jsonl holds the same scenario, sent through the OTel SDK.
    let pick = |file: &str| -> Vec<Value> {
        json(&["sessions", "--json", "--no-infer", file])["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let keep = [
                    "id", "traces", "turns", "calls", "spans", "errors", "tokens", "cost",
                ];
                Value::Object(
                    keep.iter()
                        .map(|k| ((*k).to_owned(), s[*k].clone()))
                        .collect(),
                )
            })
            .collect()
    };
    let otlp = pick("fixtures/otlp/file_exporter.jsonl");
    for file in RUNS {
        assert_eq!(pick(file), otlp, "{file}");
    }
    let shown = String::from_utf8(run(&["show", RUNS[0], "sess-code-02"])).unwrap();
    assert!(shown.contains("LLM claude-sonnet-4-5"), "{shown}");
    assert!(shown.contains("✗ RuntimeError('sandbox crashed"), "{shown}");
}
