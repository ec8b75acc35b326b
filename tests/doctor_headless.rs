//! Issue 17: the doctor names what it counts and weighs it; the headless JSON carries what
//! scripts need. Expectations come from the generators' truth files, or are read from the
//! fixture files here with serde_json (never from sesstui's own code).

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{json as run_json, root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// `sesstui ARGS`' standard output as text (it must succeed).
fn run(args: &[&str]) -> String {
    String::from_utf8(cli::run(args)).expect("utf-8")
}

/// Every `(files, truth)` pair whose truth gives sessions (as tests/cli.rs walks them).
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
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let Some(stem) = name.strip_suffix(".truth.json") else {
                continue;
            };
            let truth: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            if truth.get("sessions").is_none() {
                continue;
            }
            let rel = |f: &str| {
                dir.join(f)
                    .strip_prefix(root())
                    .unwrap()
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
    assert!(out.len() >= 10);
    out
}

fn doctor(files: &[&str]) -> Value {
    let mut args = vec!["doctor", "--json"];
    args.extend(files);
    run_json(&args)
}

#[test]
fn coverage_rows_are_cumulative_and_named_lists_match_the_counts() {
    for (files, truth) in cases() {
        let f: Vec<&str> = files.iter().map(String::as_str).collect();
        let doc = doctor(&f);
        let steps: Vec<(&str, u64)> = doc["coverage"]["cumulative"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["step"].as_str().unwrap(), s["spans"].as_u64().unwrap()))
            .collect();
        let names: Vec<&str> = steps.iter().map(|s| s.0).collect();
        assert_eq!(
            names,
            [
                "as_exported",
                "after_trace_propagation",
                "after_history_inference",
                "after_time_inference"
            ]
        );
        for w in steps.windows(2) {
            assert!(w[1].1 >= w[0].1, "{files:?}: {steps:?}");
        }
        let last = steps[3].1;
        assert_eq!(
            last + doc["coverage"]["none"]["spans"].as_u64().unwrap(),
            doc["spans"].as_u64().unwrap(),
            "{files:?}"
        );
        // Each count is named in full, and matches what the generator wrote.
        let named = &doc["named"];
        let st = &doc["structure"];
        for k in [
            "orphans",
            "cycles",
            "duplicates",
            "id_clashes",
            "bad_times",
            "unrepresentable",
        ] {
            assert_eq!(
                named[k].as_array().unwrap().len() as u64,
                st[k].as_u64().unwrap(),
                "{files:?} {k}"
            );
        }
        assert_eq!(
            named["orphans"].as_array().unwrap().len() as u64,
            truth["orphans"].as_u64().unwrap(),
            "{files:?}"
        );
        for o in named["orphans"].as_array().unwrap() {
            assert!(
                o["missing_parent_id"]
                    .as_str()
                    .is_some_and(|p| !p.is_empty()),
                "{o}"
            );
        }
        assert_eq!(
            named["duplicates"].as_array().unwrap().len() as u64,
            truth["duplicates"].as_u64().unwrap(),
            "{files:?}"
        );
    }
}

fn write(dir: &Path, name: &str, lines: &[String]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p.to_string_lossy().into_owned()
}

/// A flat (Phoenix-style) span line: hand-written, for input no exporter writes on purpose.
fn span(id: &str, parent: Option<&str>, start: &str, end: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"name":"s{id}","span_kind":"CHAIN","context.span_id":"{id}","context.trace_id":"0000000000000000000000000000000a","parent_id":{parent},"start_time":{start},"end_time":{end},"attributes.session.id":"sess-1"}}"#
    )
}

#[test]
fn a_self_parent_is_a_cycle_of_one_and_bad_times_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "odd.jsonl",
        &[
            span(
                "00000000000000a1",
                None,
                "\"2026-01-01T00:00:00Z\"",
                "\"2026-01-01T00:00:01Z\"",
            ),
            // Its own parent.
            span(
                "00000000000000a2",
                Some("00000000000000a2"),
                "\"2026-01-01T00:00:00.100Z\"",
                "\"2026-01-01T00:00:00.200Z\"",
            ),
            // Ends 12 ms before it starts.
            span(
                "00000000000000a3",
                Some("00000000000000a1"),
                "\"2026-01-01T00:00:00.300Z\"",
                "\"2026-01-01T00:00:00.288Z\"",
            ),
            // No start.
            span(
                "00000000000000a4",
                Some("00000000000000a1"),
                "null",
                "\"2026-01-01T00:00:00.500Z\"",
            ),
        ],
    );
    let doc = doctor(&[&file]);
    assert_eq!(
        doc["structure"]["orphans"], 0,
        "a self-parent is not an orphan"
    );
    let cycles = doc["named"]["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0]["span_id"], "00000000000000a2");
    assert_eq!(
        cycles[0]["members"],
        serde_json::json!(["00000000000000a2"])
    );
    let bad: BTreeMap<&str, (&str, Value)> = doc["named"]["bad_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["span_id"].as_str().unwrap(),
                (b["problem"].as_str().unwrap(), b["duration_ms"].clone()),
            )
        })
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(
        bad["00000000000000a3"],
        ("ends_before_start", serde_json::json!(-12.0))
    );
    assert_eq!(bad["00000000000000a4"].0, "no_start");
    assert!(!doc["verdict"].as_str().unwrap().starts_with("good"));
    let text = run(&["doctor", &file]);
    assert!(text.contains("its own parent"), "{text}");
    assert!(text.contains("ends before it starts (-12 ms)"), "{text}");
    // The span's own line in `spans`: a negative duration, not 0.
    let spans = run(&["spans", &file]);
    let a3: Value = spans
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|s| s["span_id"] == "00000000000000a3")
        .unwrap();
    assert_eq!(a3["duration_ms"], -12.0);
}

#[test]
fn values_that_cannot_be_represented_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad_time = span(
        "00000000000000b1",
        None,
        "\"2026-01-01T00:00:00Z\"",
        "\"2026-01-01T00:00:01Z\"",
    );
    bad_time = bad_time.replace(
        "\"end_time\":\"2026-01-01T00:00:01Z\"",
        "\"end_time\":\"the day after\"",
    );
    let tokens = span(
        "00000000000000b2",
        Some("00000000000000b1"),
        "\"2026-01-01T00:00:00Z\"",
        "\"2026-01-01T00:00:01Z\"",
    )
    .replace("}", ",\"attributes.llm.token_count.prompt\":1.5}");
    let file = write(dir.path(), "values.jsonl", &[bad_time, tokens]);
    let doc = doctor(&[&file]);
    let named: Vec<(u64, String)> = doc["named"]["unrepresentable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["line"].as_u64().unwrap(),
                u["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert_eq!(named[0].0, 1);
    assert!(named[0].1.contains("the day after"), "{named:?}");
    assert_eq!(named[1].0, 2);
    assert!(named[1].1.contains("1.5"), "{named:?}");
    assert_eq!(doc["structure"]["unrepresentable"], 2);
    let text = run(&["doctor", &file]);
    assert!(text.contains("values not represented: 2"), "{text}");
}

#[test]
fn two_copies_of_one_export_are_named_and_not_good() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    let src = root().join("fixtures/phoenix/spans_df_iso.jsonl");
    std::fs::copy(&src, &a).unwrap();
    std::fs::copy(&src, &b).unwrap();
    let spans = std::fs::read_to_string(&src).unwrap().lines().count() as u64;
    let (a, b) = (
        a.to_string_lossy().into_owned(),
        b.to_string_lossy().into_owned(),
    );
    let doc = doctor(&[&a, &b]);
    let pairs = doc["named"]["files_with_the_same_spans"]
        .as_array()
        .unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    let names = [
        pairs[0]["file"].as_str().unwrap(),
        pairs[0]["other"].as_str().unwrap(),
    ];
    assert!(names.contains(&a.as_str()) && names.contains(&b.as_str()));
    assert_eq!(pairs[0]["shared_spans"], spans);
    assert_eq!(pairs[0]["contained"], true);
    let verdict = doc["verdict"].as_str().unwrap();
    assert!(!verdict.starts_with("good"), "{verdict}");
    let advice = doc["advice"].as_str().unwrap();
    assert!(
        advice.starts_with("open only one of")
            && advice.contains("a.jsonl")
            && advice.contains("b.jsonl"),
        "{advice}"
    );
    // The same export in two formats (Phoenix REST JSON and a DataFrame's JSON lines): every
    // span kept twice, so the counts double. Unreliable, and said so.
    let doc = doctor(&[
        "fixtures/phoenix/spans_rest.json",
        "fixtures/phoenix/spans_df_iso.jsonl",
    ]);
    let pairs = doc["named"]["files_with_the_same_spans"]
        .as_array()
        .unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["clashing"], spans);
    assert!(doc["verdict"].as_str().unwrap().starts_with("unreliable"));
    assert!(doc["advice"].as_str().unwrap().contains("counted twice"));
    let text = run(&[
        "doctor",
        "fixtures/phoenix/spans_rest.json",
        "fixtures/phoenix/spans_df_iso.jsonl",
    ]);
    assert!(
        text.contains("and 37 more (doctor --json lists all)"),
        "{text}"
    );
    assert!(text.contains("\nadvice: open only one of"), "{text}");
}

/// The session of an MLflow trace, as its metadata says.
fn mlflow_session(t: &Value) -> Option<&str> {
    t["info"]["trace_metadata"]["mlflow.trace.session"].as_str()
}

#[test]
fn sessions_json_carries_evaluations_counts_and_rounded_cost() {
    let file = "fixtures/mlflow/traces_search.json";
    let raw: Value = serde_json::from_slice(&std::fs::read(root().join(file)).unwrap()).unwrap();
    // (session → assessment names and rationales) from the file itself.
    let mut want: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
    for t in raw["traces"].as_array().unwrap() {
        let Some(s) = mlflow_session(t) else { continue };
        for a in t["info"]["assessments"].as_array().into_iter().flatten() {
            want.entry(s.to_owned()).or_default().push((
                a["assessment_name"].as_str().unwrap().to_owned(),
                a["rationale"].as_str().map(str::to_owned),
            ));
        }
    }
    assert!(!want.is_empty(), "the fixture has assessments");
    let doc = run_json(&["sessions", "--json", "--no-infer", file]);
    for s in doc["sessions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let mut got: Vec<(String, Option<String>)> = s["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                for k in ["value", "source", "scorer_error", "level", "trace_id"] {
                    assert!(e.get(k).is_some(), "{id}: {k} missing in {e}");
                }
                (
                    e["name"].as_str().unwrap().to_owned(),
                    e["rationale"].as_str().map(str::to_owned),
                )
            })
            .collect();
        let mut w = want.get(id).cloned().unwrap_or_default();
        got.sort();
        w.sort();
        assert_eq!(got, w, "session {id}");
        for k in ["turns", "calls", "tools"] {
            assert!(s[k].is_u64(), "{id} {k}");
        }
        // Cost: at most 6 significant digits, as the README says.
        if let Some(c) = s["cost"].as_f64() {
            let text = format!("{:e}", c);
            let digits = text.split('e').next().unwrap().replace(['.', '-'], "");
            assert!(digits.len() <= 6, "{id}: cost {c}");
        }
    }
    // Tools: the spans whose MLflow span type is TOOL, per session, from the file.
    let mut tools: BTreeMap<String, u64> = BTreeMap::new();
    for t in raw["traces"].as_array().unwrap() {
        let Some(s) = mlflow_session(t) else { continue };
        let n = t["data"]["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|sp| sp["attributes"]["mlflow.spanType"].as_str() == Some("\"TOOL\""))
            .count() as u64;
        *tools.entry(s.to_owned()).or_default() += n;
    }
    for s in doc["sessions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        assert_eq!(s["tools"].as_u64(), Some(tools[id]), "{id}");
    }
}

#[test]
fn spans_carry_duration_model_tokens_status_message_and_kind_as_written() {
    let file = "fixtures/phoenix/spans_df_iso.jsonl";
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let ms = |v: &Value| -> Option<i64> {
        let t = v.as_str()?;
        let t = t.strip_suffix('Z')?;
        let (_, clock) = t.split_once('T')?;
        let mut parts = clock.split(':');
        let (h, m, s): (i64, i64, f64) = (
            parts.next()?.parse().ok()?,
            parts.next()?.parse().ok()?,
            parts.next()?.parse().ok()?,
        );
        Some((h * 3600 + m * 60) * 1000 + (s * 1000.0).round() as i64)
    };
    let mut want: BTreeMap<String, Value> = BTreeMap::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        want.insert(v["context.span_id"].as_str().unwrap().to_owned(), v);
    }
    let out = run(&["spans", file]);
    let mut seen = 0;
    for l in out.lines() {
        let g: Value = serde_json::from_str(l).unwrap();
        let w = &want[g["span_id"].as_str().unwrap()];
        seen += 1;
        // The attribute ranks above the top-level field (as the index ranks them).
        let kind = w
            .get("attributes.openinference.span.kind")
            .filter(|k| !k.is_null())
            .unwrap_or(&w["span_kind"]);
        assert_eq!(&g["kind_as_written"], kind, "{l}");
        let msg = w["status_message"].as_str().filter(|m| !m.is_empty());
        assert_eq!(g["status_message"].as_str(), msg, "{l}");
        assert_eq!(
            g["model"].as_str(),
            w["attributes.llm.model_name"].as_str(),
            "{l}"
        );
        let tok = |k: &str| {
            w[format!("attributes.llm.token_count.{k}")]
                .as_f64()
                .map(|f| f as u64)
        };
        match tok("total") {
            Some(total) => {
                assert_eq!(g["tokens"]["total"].as_u64(), Some(total), "{l}");
                assert_eq!(g["tokens"]["prompt"].as_u64(), tok("prompt"), "{l}");
                assert_eq!(g["tokens"]["completion"].as_u64(), tok("completion"), "{l}");
            }
            None => assert!(g["tokens"].is_null() || tok("prompt").is_some(), "{l}"),
        }
        let d = ms(&w["end_time"]).unwrap() - ms(&w["start_time"]).unwrap();
        assert_eq!(g["duration_ms"].as_f64(), Some(d as f64), "{l}");
    }
    assert_eq!(seen, want.len());
    // A status message where the exporter wrote one (MLflow's failing tool).
    let out = run(&["spans", "fixtures/mlflow/traces_get_lines.jsonl"]);
    assert!(out.lines().any(|l| {
        let v: Value = serde_json::from_str(l).unwrap();
        v["status"] == "ERROR" && v["status_message"].as_str().is_some_and(|m| !m.is_empty())
    }));
}

#[test]
fn the_sessions_table_fits_the_width_and_sizes_the_id_column() {
    let file = "fixtures/otlp/session_keys.jsonl";
    let doc = run_json(&["sessions", "--json", file]);
    let longest = doc["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().chars().count())
        .max()
        .unwrap();
    let wide = run(&["sessions", "--width", "160", file]);
    let header = wide.lines().next().unwrap();
    // The id column is as wide as the longest id, plus one space.
    assert_eq!(header.find("START"), Some(longest + 1), "{header}");
    for l in wide.lines().take_while(|l| !l.is_empty()) {
        assert!(l.chars().count() <= 160, "{l}");
    }
    // Piped (not a terminal): 80 columns as a terminal counts them (a wide character two),
    // the first input cut with … where it does not fit.
    for f in [
        "fixtures/phoenix/spans_df_iso.jsonl",
        "fixtures/claude_code/litellm_otel.jsonl",
        file,
    ] {
        let piped = run(&["sessions", f]);
        assert!(piped.lines().next().unwrap().contains("FIRST INPUT"));
        assert!(piped.contains('…'));
        for l in piped.lines().take_while(|l| !l.is_empty()) {
            assert!(
                unicode_width::UnicodeWidthStr::width(l) <= 80,
                "{f}: {} columns: {l}",
                unicode_width::UnicodeWidthStr::width(l)
            );
        }
    }
    // Wide characters count two: the line with Japanese text is cut to the width asked.
    let narrow = run(&[
        "sessions",
        "--width",
        "100",
        "fixtures/phoenix/spans_df_iso.jsonl",
    ]);
    assert!(narrow.contains("東京"), "{narrow}");
    for l in narrow.lines().take_while(|l| !l.is_empty()) {
        assert!(unicode_width::UnicodeWidthStr::width(l) <= 100, "{l}");
    }
    assert!(narrow.contains("1 trace") || narrow.contains("2 traces"));
}

#[test]
fn plurals_are_right() {
    let text = run(&["doctor", "fixtures/malformed/cycle.jsonl"]);
    assert!(text.contains("1 cycle cut"), "{text}");
    assert!(!text.contains("1 cycles"), "{text}");
    let s = run(&["sessions", "fixtures/malformed/cycle.jsonl"]);
    assert!(!s.contains(" 1 traces") && !s.contains(" 1 spans"), "{s}");
}
