//! The headless commands on every fixture, checked against the truth each generator wrote
//! beside its output (`*.truth.json`: what it sent, not what it read back).

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/isolated.rs"]
mod isolated;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sesstui() -> Command {
    let mut c = isolated::assert_command();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

fn run_json(args: &[&str]) -> Value {
    let out = sesstui().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Every `(files, truth)` pair under fixtures/.
fn cases() -> Vec<(Vec<String>, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let Some(stem) = name.strip_suffix(".truth.json") else {
                continue;
            };
            let truth: Value =
                serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("truth");
            if truth.get("sessions").is_none() {
                continue;
            }
            let rel = |f: &str| {
                dir.join(f)
                    .strip_prefix(root())
                    .expect("rel")
                    .to_string_lossy()
                    .into_owned()
            };
            let files = match truth.get("files").and_then(Value::as_array) {
                Some(fs) => fs.iter().filter_map(Value::as_str).map(rel).collect(),
                None => vec![rel(stem)],
            };
            out.push((files, truth));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 10, "fixtures missing: {}", out.len());
    out
}

/// Truth files give the sessions a reader gets from the ids alone (after trace propagation);
/// inference is checked against the true conversations in tests/infer.rs.
const IDS_ONLY: &str = "--no-infer";

/// The rule: `user_<hash>_account_…` gives user `<hash>`.
fn user_of(truth_user: &str) -> String {
    truth_user
        .strip_prefix("user_")
        .filter(|h| h.len() == 64)
        .unwrap_or(truth_user)
        .to_owned()
}

#[test]
fn sessions_match_what_each_exporter_sent() {
    for (files, truth) in cases() {
        let mut args = vec!["sessions", "--json", IDS_ONLY];
        args.extend(files.iter().map(String::as_str));
        let doc = run_json(&args);
        let got: BTreeMap<&str, &Value> = doc["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| (s["id"].as_str().unwrap_or(""), s))
            .collect();
        let want = truth["sessions"].as_object().expect("truth sessions");
        assert_eq!(
            got.keys().copied().collect::<BTreeSet<_>>(),
            want.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            "{files:?}"
        );
        for (id, w) in want {
            let g = got[id.as_str()];
            for k in ["traces", "spans", "errors"] {
                assert_eq!(g[k], w[k], "{files:?} session {id} {k}");
            }
            if let Some(u) = w["user"].as_str() {
                assert_eq!(
                    g["user"].as_str(),
                    Some(user_of(u).as_str()),
                    "{files:?} session {id} user"
                );
            }
            assert_eq!(g["origin"], "explicit");
            for t in ["start", "end"] {
                let ts = g[t].as_str().unwrap_or("");
                assert!(
                    ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[19] == b'.',
                    "{t}: {ts}"
                );
            }
        }
        assert_eq!(
            doc["unsessioned"]["traces"], truth["unsessioned_traces"],
            "{files:?}"
        );
        assert_eq!(doc["files"].as_array().map(Vec::len), Some(files.len()));
    }
}

#[test]
fn every_span_has_its_true_session_and_normalised_ids() {
    for (files, truth) in cases() {
        let mut args = vec!["spans", IDS_ONLY];
        args.extend(files.iter().map(String::as_str));
        let out = sesstui().args(&args).output().expect("run");
        assert!(out.status.success());
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("jsonl"))
            .collect();
        assert_eq!(
            Some(lines.len() as u64),
            truth["spans"].as_u64(),
            "{files:?}"
        );
        let want = truth["span_sessions"].as_object().expect("span_sessions");
        for l in &lines {
            let id = l["span_id"].as_str().expect("id");
            assert!(
                id.len() == 16 && id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
                "{id}"
            );
            let trace = l["trace_id"].as_str().expect("trace");
            let hex = trace.strip_prefix("tr-").unwrap_or(trace);
            assert!(
                hex.len() == 32 && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
                "{trace}"
            );
            // A span written with an empty or all-zero id is shown with the id 0: the truth
            // names it by the id the generator gave it before blanking it.
            let truth_id = match truth["invalid_span_ids"].as_array() {
                Some(blanked) if id == "0000000000000000" => blanked
                    .iter()
                    .find(|b| b["trace_id"] == l["trace_id"])
                    .and_then(|b| b["root_span_id"].as_str())
                    .expect("a blanked span in the truth"),
                _ => id,
            };
            assert_eq!(
                &l["session"],
                want.get(truth_id).expect("span in truth"),
                "{files:?} span {id}"
            );
            let origin = l["session_origin"].as_str();
            assert_eq!(origin.is_some(), !l["session"].is_null());
            assert!(files.iter().any(|f| Some(f.as_str()) == l["file"].as_str()));
            // The line named is where the span is: in JSON Lines, the span's id is on it (hex,
            // as printed, or base64 as protobuf JSON writes it).
            let file = l["file"].as_str().expect("file");
            let n = l["line"].as_u64().unwrap_or(0);
            assert!(n >= 1, "{file} span {id}");
            if file.ends_with(".jsonl") && truth_id == id {
                let text = std::fs::read_to_string(file).expect("fixture");
                let on_line = text.lines().nth(n as usize - 1).expect("line in file");
                let bytes: Vec<u8> = (0..8)
                    .map(|k| u8::from_str_radix(&id[2 * k..2 * k + 2], 16).expect("hex"))
                    .collect();
                let b64 =
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes);
                // LangSmith writes a run's id as a UUID, whose first 16 digits are the span id.
                let uuid = format!("{}-{}-{}", &id[..8], &id[8..12], &id[12..]);
                let lower = on_line.to_ascii_lowercase();
                assert!(
                    lower.contains(id) || on_line.contains(&b64) || lower.contains(&uuid),
                    "{file}:{n} does not hold span {id}"
                );
            }
        }
    }
}

#[test]
fn doctor_counts_tree_problems_like_the_generator() {
    for (files, truth) in cases() {
        let mut args = vec!["doctor", "--json"];
        args.extend(files.iter().map(String::as_str));
        let doc = run_json(&args);
        let st = &doc["structure"];
        assert_eq!(st["orphans"], truth["orphans"], "{files:?}");
        assert_eq!(st["duplicates"], truth["duplicates"], "{files:?}");
        assert_eq!(
            st["session_conflicts"].as_array().map(Vec::len) as Option<usize>,
            truth["conflicts"].as_u64().map(|c| c as usize),
            "{files:?}"
        );
        assert_eq!(doc["spans"], truth["spans"], "{files:?}");
        assert_eq!(doc["traces"], truth["traces"], "{files:?}");
        let cov = &doc["coverage"];
        let sum: u64 = ["after_trace_propagation", "inferred", "none"]
            .iter()
            .map(|k| cov[k]["spans"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(Some(sum), doc["spans"].as_u64());
        assert!(doc["verdict"].as_str().is_some_and(|v| !v.is_empty()));
    }
}

#[test]
fn show_prints_the_first_turn_of_each_session() {
    for (files, truth) in cases() {
        for (id, w) in truth["sessions"].as_object().expect("sessions") {
            let mut args = vec!["show", IDS_ONLY];
            args.extend(files.iter().map(String::as_str));
            args.extend([id.as_str(), "--json"]);
            let doc = run_json(&args);
            let turns = doc["turns"].as_array().expect("turns");
            // Every trace is in a turn or among the side requests, once.
            let mut seen: Vec<&str> = turns
                .iter()
                .flat_map(|t| t["traces"].as_array().expect("traces"))
                .chain(
                    doc["side_requests"]
                        .as_array()
                        .expect("side requests")
                        .iter()
                        .map(|s| &s["trace_id"]),
                )
                .filter_map(Value::as_str)
                .collect();
            let n = seen.len();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), n, "{files:?} {id}: a trace shown twice");
            assert_eq!(Some(n as u64), w["traces"].as_u64(), "{files:?} {id}");
            if let Some(first) = w["first_input"].as_str() {
                // JSON inputs (MLflow's `{"question": …}`) are shown by the field asked.
                let want = sesstui::model::conversation::text::readable(first, true);
                assert_eq!(
                    turns[0]["input"].as_str(),
                    Some(want.as_str()),
                    "{files:?} {id}"
                );
            }
            let starts: Vec<&str> = turns.iter().filter_map(|t| t["start"].as_str()).collect();
            assert!(
                starts.windows(2).all(|p| p[0] <= p[1]),
                "turns in time order"
            );
        }
    }
}

#[test]
fn show_text_and_markdown_are_sanitised() {
    let out = sesstui()
        .args([
            "show",
            "fixtures/phoenix/spans_df_epoch_ms.jsonl",
            "sess-code-02",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("Why is my test output"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "escape sequence reached the output"
    );
    assert!(
        text.contains("\u{241b}[31mred"),
        "escape shown as a visible stand-in"
    );
    let md = sesstui()
        .args([
            "show",
            "fixtures/phoenix/spans_df_epoch_ms.jsonl",
            "sess-code-02",
            "--markdown",
        ])
        .output()
        .expect("run");
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.starts_with("# Session `sess-code-02`"), "{md}");
    assert!(md.contains("## Turn 2") && !md.contains('\u{1b}'));
}

#[test]
fn a_session_split_across_files_is_one_session() {
    let both = run_json(&[
        "sessions",
        "--json",
        "fixtures/multi/part1.jsonl",
        "fixtures/multi/part2.jsonl",
    ]);
    let one = run_json(&["sessions", "--json", "fixtures/multi/part1.jsonl"]);
    let traces = |d: &Value| -> u64 {
        d["sessions"]
            .as_array()
            .expect("s")
            .iter()
            .map(|s| s["traces"].as_u64().unwrap_or(0))
            .sum()
    };
    assert!(traces(&both) > traces(&one));
    assert!(
        both["sessions"].as_array().expect("s").len()
            <= one["sessions"].as_array().expect("s").len() + 2
    );
}

#[test]
fn malformed_lines_warn_and_exit_zero() {
    let out = sesstui()
        .args(["sessions", "fixtures/malformed/mixed.jsonl"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("5 malformed lines skipped") && err.contains("mixed.jsonl:4"),
        "{err}"
    );
    let doc = run_json(&["doctor", "--json", "fixtures/malformed/mixed.jsonl"]);
    let problems: Vec<(u64, &str)> = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap_or(0),
                p["severity"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (1, "note"),
            (4, "malformed"),
            (5, "malformed"),
            (6, "malformed"),
            (10, "malformed"),
            (12, "warning"),
            (13, "malformed")
        ]
    );
    // Every line accounted for: records + malformed + blank = lines.
    assert_eq!(doc["lines"], 13);
    assert_eq!(
        doc["records"].as_u64().unwrap_or(0)
            + doc["malformed_lines"].as_u64().unwrap_or(0)
            + doc["blank_lines"].as_u64().unwrap_or(0),
        13
    );
    assert_eq!(doc["structure"]["orphans"], 1);
}

#[test]
fn cycles_are_cut_and_reported() {
    let doc = run_json(&["doctor", "--json", "fixtures/malformed/cycle.jsonl"]);
    assert_eq!(doc["structure"]["cycles"], 1);
    assert_eq!(doc["spans"], 2);
}

#[test]
fn unreadable_or_spanless_files_exit_2_naming_the_file() {
    let out = sesstui()
        .args(["sessions", "fixtures/malformed/garbage.jsonl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("garbage.jsonl") && err.contains("no spans"),
        "{err}"
    );
    let out = sesstui()
        .args(["doctor", "does/not/exist.jsonl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("does/not/exist.jsonl"), "{err}");
}

#[test]
fn the_input_file_is_never_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let copy = dir.path().join("x.jsonl");
    std::fs::copy(root().join("fixtures/malformed/mixed.jsonl"), &copy).expect("copy");
    let before = std::fs::read(&copy).expect("read");
    let modified = std::fs::metadata(&copy)
        .and_then(|m| m.modified())
        .expect("mtime");
    for cmd in ["sessions", "spans", "doctor"] {
        sesstui()
            .args([cmd, copy.to_str().expect("path")])
            .output()
            .expect("run");
    }
    assert_eq!(std::fs::read(&copy).expect("read"), before);
    assert_eq!(
        std::fs::metadata(&copy)
            .and_then(|m| m.modified())
            .expect("mtime"),
        modified
    );
}

#[test]
fn mlflow_assessments_with_scorer_errors_and_session_level_ones() {
    let doc = run_json(&[
        "show",
        "fixtures/mlflow/traces_get_lines.jsonl",
        "sess-travel-01",
        "--json",
    ]);
    let session_evals = doc["evaluations"].as_array().expect("evals");
    assert!(
        session_evals
            .iter()
            .any(|e| e["name"] == "conversation_resolved" && e["session"] == "sess-travel-01")
    );
    let turn_evals: Vec<&Value> = doc["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .flat_map(|t| t["evaluations"].as_array().expect("e"))
        .collect();
    let failed = turn_evals
        .iter()
        .find(|e| !e["scorer_error"].is_null())
        .expect("a scorer error");
    assert!(
        failed["value"].is_null(),
        "a scorer error is not a verdict: {failed}"
    );
    assert!(
        turn_evals.iter().any(|e| e["name"] == "correctness"
            && e["rationale"].as_str().is_some_and(|r| !r.is_empty()))
    );
    assert!(
        turn_evals.iter().all(|e| e["session"].is_null()),
        "session-level ones are not repeated per turn"
    );
    let text = sesstui()
        .args([
            "show",
            "fixtures/mlflow/traces_get_lines.jsonl",
            "sess-travel-01",
        ])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&text.stdout).contains("scorer error ("));
}

#[test]
fn phoenix_annotations_attach_to_spans_traces_and_sessions() {
    let doc = run_json(&[
        "show",
        "fixtures/phoenix/spans_df_epoch_ms.jsonl",
        "fixtures/phoenix/annotations.jsonl",
        "fixtures/phoenix/trace_annotations_rest.json",
        "fixtures/phoenix/session_annotations_rest.json",
        "sess-travel-01",
        "--json",
    ]);
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("evals")
            .iter()
            .filter_map(|e| e["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(names(&doc["evaluations"]), ["user_frustration"]);
    let per_turn: Vec<String> = doc["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .flat_map(|t| names(&t["evaluations"]))
        .collect();
    assert!(
        per_turn.contains(&"resolved".to_owned()) && per_turn.contains(&"correctness".to_owned()),
        "{per_turn:?}"
    );
    let span_eval = doc["turns"]
        .as_array()
        .expect("t")
        .iter()
        .flat_map(|t| t["evaluations"].as_array().expect("e").iter())
        .find(|e| e["name"] == "correctness")
        .expect("span annotation");
    assert_eq!(span_eval["span_id"], "0ed932aac92db259");
}
