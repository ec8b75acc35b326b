//! Files as people hand them over: several at once, a directory, a glob, one bad among good
//! ones, other OpenTelemetry signals in a trace file, spans with invalid ids, records that are
//! not on one line each, and the exits scripts rely on.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/isolated.rs"]
mod isolated;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sesstui() -> Command {
    let mut c = isolated::assert_command();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let out = sesstui().args(args).output().expect("run");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).expect("json")
}

fn truth(fixture: &str) -> Value {
    let p = root().join(format!("{fixture}.truth.json"));
    serde_json::from_slice(&std::fs::read(p).expect("truth")).expect("json")
}

fn session_ids(doc: &Value) -> Vec<String> {
    let mut ids: Vec<String> = doc["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

const GOOD: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";
const SHARED: &str = "fixtures/otlp/shared_pipelines.jsonl";
const INVALID: &str = "fixtures/otlp/invalid_span_ids.jsonl";

#[test]
fn a_bad_file_among_good_ones_is_named_and_the_others_load() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("missing.jsonl");
    let (empty, missing) = (empty.to_str().unwrap(), missing.to_str().unwrap());
    let alone = json(&["sessions", "--json", GOOD]);
    let out = run(&["sessions", "--json", empty, GOOD, missing]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(session_ids(&doc), session_ids(&alone));
    assert!(
        out.stderr
            .contains(&format!("{missing}: not read: No such file")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("{empty}: the file is empty")),
        "{}",
        out.stderr
    );
    // Nothing but bad files: exit 2, one line naming the first.
    let out = run(&["sessions", missing, empty]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains(missing), "{}", out.stderr);
}

#[test]
fn doctor_reports_files_it_could_not_read_and_lines_of_a_file_without_spans() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let missing = missing.to_str().unwrap();
    let doc = json(&[
        "doctor",
        "--json",
        "fixtures/malformed/garbage.jsonl",
        missing,
    ]);
    let notes = doc["files_without_spans"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["path"] == missing
            && n["reason"].as_str().unwrap().starts_with("not read:")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n["path"] == "fixtures/malformed/garbage.jsonl"),
        "{notes:?}"
    );
    // Its bad lines are still listed, each with its line number.
    let problems = doc["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert!(problems.iter().all(|p| p["line"].as_u64().unwrap() >= 1));
    let out = run(&["doctor", "fixtures/malformed/garbage.jsonl", missing]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("not read:"), "{}", out.stdout);
}

#[test]
fn a_directory_and_a_quoted_glob_open_every_file_they_name() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "fixtures/otlp/session_keys.jsonl",
        "fixtures/otlp/session_keys_cont.jsonl",
    ] {
        let name = Path::new(f).file_name().unwrap();
        std::fs::copy(root().join(f), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join(".hidden.jsonl"), "not json\n").unwrap();
    let together = json(&[
        "sessions",
        "--json",
        "fixtures/otlp/session_keys.jsonl",
        "fixtures/otlp/session_keys_cont.jsonl",
    ]);
    let d = dir.path().to_str().unwrap();
    let by_dir = json(&["sessions", "--json", d]);
    assert_eq!(session_ids(&by_dir), session_ids(&together));
    assert_eq!(
        by_dir["files"].as_array().unwrap().len(),
        2,
        "hidden left out"
    );
    let pattern = format!("{d}/session_keys*.jsonl");
    let by_glob = json(&["sessions", "--json", &pattern]);
    assert_eq!(session_ids(&by_glob), session_ids(&together));
    let none = run(&["sessions", &format!("{d}/nothing*.jsonl")]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("no file matches this pattern"),
        "{}",
        none.stderr
    );
}

#[test]
fn other_signals_are_counted_not_malformed_and_do_not_darken_the_verdict() {
    let t = truth(SHARED);
    let doc = json(&["doctor", "--json", SHARED]);
    let f = &doc["files"][0];
    let kinds = &f["lines_by_kind"];
    let signals = t["log_lines"].as_u64().unwrap() + t["metric_lines"].as_u64().unwrap();
    assert_eq!(kinds["signals"], signals);
    assert_eq!(kinds["records"], t["span_lines"]);
    assert_eq!(kinds["malformed"], 0);
    assert_eq!(f["malformed"], 0);
    assert_eq!(f["lines"], t["lines"]);
    assert_eq!(f["spans"], t["spans"]);
    assert!(
        doc["verdict"].as_str().unwrap().starts_with("good"),
        "{}",
        doc["verdict"]
    );
    let groups = doc["other_signals"].as_array().unwrap();
    let logs = groups
        .iter()
        .find(|g| g["reason"].as_str().unwrap().starts_with("OTLP logs"))
        .unwrap();
    assert_eq!(logs["lines"], t["log_lines"]);
    // Headless commands do not warn about them.
    let out = run(&["sessions", SHARED]);
    assert_eq!(out.code, 0);
    assert!(!out.stderr.contains("malformed"), "{}", out.stderr);
    assert_eq!(session_ids(&json(&["sessions", "--json", SHARED])), {
        let mut ids: Vec<String> = t["sessions"].as_object().unwrap().keys().cloned().collect();
        ids.sort();
        ids
    });
}

#[test]
fn spans_with_empty_or_zero_ids_are_kept_with_their_children_and_reported() {
    let t = truth(INVALID);
    let out = run(&["spans", INVALID]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let spans: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(Some(spans.len() as u64), t["spans"].as_u64());
    for blanked in t["invalid_span_ids"].as_array().unwrap() {
        let trace = blanked["trace_id"].as_str().unwrap();
        let in_trace: Vec<&Value> = spans.iter().filter(|s| s["trace_id"] == trace).collect();
        let roots: Vec<&&Value> = in_trace
            .iter()
            .filter(|s| s["parent_id"].is_null())
            .collect();
        assert_eq!(roots.len(), 1, "one root in {trace}: {in_trace:?}");
        assert_eq!(roots[0]["span_id"], "0000000000000000");
        for child in blanked["children"].as_array().unwrap() {
            let c = in_trace.iter().find(|s| s["span_id"] == *child).unwrap();
            assert_eq!(c["parent_id"], "0000000000000000", "{c}");
        }
    }
    let doc = json(&["doctor", "--json", INVALID]);
    assert_eq!(doc["structure"]["orphans"], 0);
    assert_eq!(
        doc["structure"]["invalid_span_ids"].as_u64(),
        Some(t["invalid_span_ids"].as_array().unwrap().len() as u64)
    );
    // Each session starts when its (blanked) root started.
    let sessions = json(&["sessions", "--json", INVALID]);
    for s in sessions["sessions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let want_ns = t["session_starts_ns"][id].as_i64().unwrap();
        let start = s["start"].as_str().unwrap();
        let want = jiff_free_iso(want_ns);
        assert_eq!(start, want, "{id}");
    }
}

/// Nanoseconds since the epoch as the JSON prints them (ISO-8601 UTC, milliseconds, `Z`).
fn jiff_free_iso(ns: i64) -> String {
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", ns / 1_000_000_000),
            "+%Y-%m-%dT%H:%M:%S",
        ])
        .output()
        .expect("date");
    format!(
        "{}.{:03}Z",
        String::from_utf8_lossy(&out.stdout).trim(),
        (ns / 1_000_000) % 1000
    )
}

#[test]
fn records_that_are_not_one_per_line_are_read_where_they_are() {
    // Real lines of a fixture, rearranged: the first line holds two records back to back, and a
    // record pretty-printed over many lines sits among the others.
    let lines: Vec<String> = std::fs::read_to_string(root().join(GOOD))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&lines[3]).unwrap()).unwrap();
    let mut text = format!("{}{}\n", lines[0], lines[1]);
    text.push_str(&lines[2]);
    text.push('\n');
    text.push_str(&pretty);
    text.push('\n');
    for l in &lines[4..] {
        text.push_str(l);
        text.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rearranged.jsonl");
    std::fs::write(&p, &text).unwrap();
    let p = p.to_str().unwrap();
    let doc = json(&["doctor", "--json", p]);
    let orig = json(&["doctor", "--json", GOOD]);
    let f = &doc["files"][0];
    assert_eq!(f["mode"], "json lines");
    assert_eq!(f["spans"], orig["files"][0]["spans"]);
    assert_eq!(f["malformed"], 0, "{}", doc["problems"]);
    let k = &f["lines_by_kind"];
    let total = k["records"].as_u64().unwrap()
        + k["signals"].as_u64().unwrap()
        + k["malformed"].as_u64().unwrap()
        + k["blank"].as_u64().unwrap();
    assert_eq!(Some(total), f["lines"].as_u64());
    assert_eq!(
        session_ids(&json(&["sessions", "--json", p])),
        session_ids(&json(&["sessions", "--json", GOOD]))
    );
}

#[test]
fn lines_add_up_in_every_fixture() {
    let mut stack = vec![root().join("fixtures")];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("node_modules") {
                    stack.push(p);
                }
                continue;
            }
            let name = p.to_string_lossy().into_owned();
            if !(name.ends_with(".jsonl") || name.ends_with(".json"))
                || name.ends_with("truth.json")
            {
                continue;
            }
            let out = run(&["doctor", "--json", &name]);
            let Ok(doc) = serde_json::from_str::<Value>(&out.stdout) else {
                continue;
            };
            for f in doc["files"].as_array().unwrap() {
                let k = &f["lines_by_kind"];
                let total: u64 = ["records", "signals", "malformed", "blank"]
                    .iter()
                    .map(|x| k[x].as_u64().unwrap())
                    .sum();
                assert_eq!(Some(total), f["lines"].as_u64(), "{name}: {k}");
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked}");
}

#[test]
fn rejected_records_say_what_they_looked_like() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("shapes.jsonl");
    // Hand-written: these are the malformed inputs the reasons are about.
    std::fs::write(
        &p,
        concat!(
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","spanId":"","name":"x"}]}]}]}"#,
            "\n",
            r#"{"result":{"resourceSpans":[]}}"#,
            "\n",
            r#"{"data":[{"traceID":"a1","spans":[],"processes":{}}]}"#,
            "\n",
            r#"{"trace":{"id":"t","sessionId":"s"},"observations":[]}"#,
            "\n",
            r#"[{"foo":1},{"foo":2}]"#,
            "\n",
        ),
    )
    .unwrap();
    let doc = json(&["doctor", "--json", p.to_str().unwrap()]);
    let reasons: Vec<&str> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].contains("OTLP traces with 1 span, none with a trace id"));
    assert!(reasons[1].contains("envelope"));
    assert!(reasons[2].contains("Jaeger"));
    assert!(reasons[3].contains("Langfuse"));
    assert!(reasons[4].contains("a list of 2 items"));
    assert!(
        reasons
            .iter()
            .all(|r| !r.contains("not a known trace export shape)"))
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let out = isolated::isolate(&mut std::process::Command::new("bash"))
        .current_dir(root())
        .args([
            "-c",
            &format!(
                "set -o pipefail; for i in 1 2 3 4 5 6 7 8; do echo {GOOD}; done | xargs {bin} spans | head -1"
            ),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("Broken pipe"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_explorer_without_a_terminal_says_so_and_exits_2() {
    let out = run(&[GOOD]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("needs a terminal"), "{}", out.stderr);
    assert!(out.stderr.contains("sesstui sessions"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_completions_and_man_page() {
    let out = run(&["show", "--help"]);
    assert!(
        out.stdout.contains("show [OPTIONS] <FILE>... <SESSION>"),
        "{}",
        out.stdout
    );
    let bash = run(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("complete -F") && bash.stdout.contains("doctor"));
    let zsh = run(&["completions", "zsh"]);
    assert!(zsh.stdout.starts_with("#compdef sesstui"), "{}", zsh.stdout);
    let man = run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH sesstui"), "{}", &man.stdout[..200]);
    assert!(man.stdout.contains("doctor"));
    // spans has no --json: it always prints JSON Lines.
    assert_eq!(run(&["spans", "--json", GOOD]).code, 2);
}

#[test]
fn an_ambiguous_prefix_lists_the_candidates() {
    let out = run(&["show", "fixtures/otlp/session_keys.jsonl", "sk-"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("sk-session-id"), "{}", out.stderr);
    assert!(out.stderr.contains("sk-langfuse"), "{}", out.stderr);
}
