//! Phoenix `TraceDataset.save()` with evaluations attached (fixtures/phoenix_parquet/evals,
//! written by Phoenix's own `save()` with real `SpanEvaluations` / `TraceEvaluations`): the
//! evaluations show on the spans and traces they judge, as the truth (what the generator
//! attached) says, whether the directory is opened, the trace dataset alone (its metadata
//! lists the evaluations it was saved with) or the files by name, and under any file names; a
//! listed evaluations file that is missing is reported and the spans load without it.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{anonymous_spans, output, root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DIR: &str = "fixtures/phoenix_parquet/evals";

fn truth() -> Value {
    let p = root().join("fixtures/phoenix_parquet/evals.truth.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The directory's files (relative to the repository), sorted: what `save()` wrote.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    all.sort();
    all
}

fn dataset(dir: &Path) -> PathBuf {
    let found: Vec<PathBuf> = files(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("trace_dataset-"))
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// One evaluation as a user sees it: session, level, what it judges, name, value, rationale.
type Seen = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// The value shown for a Phoenix label / score: both, one, or none (never a made-up one).
fn shown(label: &Value, score: &Value) -> Option<String> {
    let score = score.as_f64().map(|s| format!("{s:?}"));
    match (label.as_str(), score) {
        (Some(l), Some(s)) => Some(format!("{l} ({s})")),
        (Some(l), None) => Some(l.to_owned()),
        (None, s) => s,
    }
}

/// What the truth says is shown in the sessions (rows judging something in a session), except
/// the evaluations named in `without`.
fn want(without: &[&str]) -> BTreeSet<Seen> {
    truth()["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !without.contains(&r["name"].as_str().unwrap()))
        .filter_map(|r| {
            Some((
                r["session"].as_str()?.to_owned(),
                r["level"].as_str().unwrap().to_owned(),
                r["target"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap().to_owned(),
                shown(&r["label"], &r["score"]),
                r["explanation"].as_str().map(str::to_owned),
            ))
        })
        .collect()
}

/// `sessions --json ARGS`: its evaluations, and what it said on standard error.
fn got(args: &[&str]) -> (BTreeSet<Seen>, usize, String) {
    let mut all = vec!["sessions", "--json"];
    all.extend(args);
    let out = output(&all);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut seen = BTreeSet::new();
    let mut n = 0;
    for s in v["sessions"].as_array().unwrap() {
        for e in s["evaluations"].as_array().unwrap() {
            n += 1;
            let level = e["level"].as_str().unwrap();
            let target = match level {
                "span" => &e["span_id"],
                _ => &e["trace_id"],
            };
            seen.insert((
                s["id"].as_str().unwrap().to_owned(),
                level.to_owned(),
                target.as_str().unwrap().to_owned(),
                e["name"].as_str().unwrap().to_owned(),
                e["value"].as_str().map(str::to_owned),
                e["rationale"].as_str().map(str::to_owned),
            ));
        }
    }
    (seen, n, out.stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_directory_shows_every_evaluation_on_what_it_judges() {
    let want = want(&[]);
    let (seen, n, stderr) = got(&[DIR]);
    assert_eq!(seen, want);
    assert_eq!(n, want.len(), "each evaluation once");
    assert!(stderr.is_empty(), "{stderr}");
    // Not vacuous: span and trace evaluations, in several sessions, a missing label and a
    // missing score among them, shown without a made-up value.
    assert!(want.len() >= 10, "{want:?}");
    assert!(want.iter().any(|e| e.1 == "trace"));
    assert!(want.iter().any(|e| e.4.as_deref() == Some("0.5")));
    assert!(want.iter().any(|e| e.4.as_deref() == Some("correct")));
    for e in &seen {
        let v = e.4.as_deref().unwrap_or_default();
        assert!(
            !["nan", "null", "none"]
                .iter()
                .any(|w| v.to_lowercase().contains(w)),
            "{e:?}"
        );
    }
}

#[test]
fn the_spans_read_as_the_jsonl_of_the_same_dataframe() {
    let ds = dataset(&root().join(DIR));
    let mut spans = anonymous_spans(s(&ds));
    let mut same = anonymous_spans("fixtures/phoenix_parquet/same_spans.jsonl");
    let key = |v: &Value| v["span_id"].as_str().unwrap().to_owned();
    spans.sort_by_key(key);
    same.sort_by_key(key);
    assert_eq!(spans.len(), 57);
    assert_eq!(spans, same);
}

#[test]
fn the_trace_dataset_alone_brings_the_evaluations_its_metadata_lists() {
    let ds = dataset(&root().join(DIR));
    let (seen, n, stderr) = got(&[s(&ds)]);
    assert_eq!(seen, want(&[]));
    assert_eq!(n, seen.len());
    assert!(stderr.is_empty(), "{stderr}");
    // Both files named: the one named is not read again as a listed one.
    let first_eval = files(&root().join(DIR))
        .into_iter()
        .find(|p| *p != ds)
        .unwrap();
    let (both, n, stderr) = got(&[s(&ds), s(&first_eval)]);
    assert_eq!(both, seen);
    assert_eq!(n, seen.len());
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_file_given_twice_is_read_once_and_said_so() {
    let want = want(&[]);
    let dir = root().join(DIR);
    let ds = dataset(&dir);
    // The directory twice; the dataset named and in the directory; through a link.
    let tmp = tempfile::tempdir().unwrap();
    let link = tmp.path().join("link.parquet");
    std::os::unix::fs::symlink(&ds, &link).unwrap();
    for (args, twice) in [
        (vec![DIR, DIR], 4),
        (vec![s(&ds), DIR], 1),
        (vec![s(&ds), s(&link)], 1),
    ] {
        let (seen, n, stderr) = got(&args);
        assert_eq!(seen, want, "{args:?}");
        assert_eq!(n, want.len(), "{args:?}: each evaluation once");
        let said: Vec<&str> = stderr
            .lines()
            .filter(|l| l.ends_with(": it is read once"))
            .collect();
        assert_eq!(said.len(), twice, "{args:?}: {stderr}");
    }
    let (_, _, stderr) = got(&[s(&ds), s(&link)]);
    assert!(
        stderr.contains(&format!(
            "{}: not read: the same file as {}: it is read once",
            s(&link),
            s(&ds)
        )),
        "{stderr}"
    );
    let (_, _, stderr) = got(&[DIR, DIR]);
    assert!(
        stderr.contains(&format!(
            "{}: not read: given more than once: it is read once",
            s(&ds).strip_prefix(&format!("{}/", s(&root()))).unwrap()
        )),
        "{stderr}"
    );
}

#[test]
fn recognised_by_content_under_any_names() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, f) in files(&root().join(DIR)).iter().enumerate() {
        std::fs::copy(f, tmp.path().join(format!("part{i}"))).unwrap();
    }
    let (seen, n, stderr) = got(&[s(tmp.path())]);
    assert_eq!(seen, want(&[]));
    assert_eq!(n, seen.len());
    // The evaluations were read (known by their own metadata's ids): none is missing.
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_missing_evaluations_file_is_reported_and_the_rest_is_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let mut gone = None;
    for f in files(&root().join(DIR)) {
        let bytes = std::fs::read(&f).unwrap();
        // The evaluations file of `correctness` is left out.
        if gone.is_none() && bytes.windows(11).any(|w| w == b"correctness") {
            gone = f.file_name().map(|n| n.to_string_lossy().into_owned());
            continue;
        }
        std::fs::write(tmp.path().join(f.file_name().unwrap()), bytes).unwrap();
    }
    let gone = gone.expect("the correctness evaluations file");
    let id = gone
        .strip_prefix("evaluations-")
        .and_then(|n| n.strip_suffix(".parquet"))
        .unwrap();
    assert!(truth()["eval_ids"].as_array().unwrap().contains(&id.into()));
    let ds = dataset(tmp.path());
    for args in [vec![s(&ds)], vec![s(tmp.path())]] {
        let (seen, n, stderr) = got(&args);
        assert_eq!(seen, want(&["correctness"]), "{args:?}");
        assert_eq!(n, seen.len());
        assert!(
            stderr.contains(&format!(
                "{gone}: not read: evaluations {id}, listed in the metadata of {}",
                s(&ds)
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("the spans are shown without them"),
            "{stderr}"
        );
    }
}

#[test]
fn show_prints_each_evaluation_of_the_session() {
    let rows = want(&[]);
    let sessions: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    for sid in sessions {
        let out = output(&["show", DIR, sid]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        for (_, _, _, name, value, why) in rows.iter().filter(|r| r.0 == sid) {
            let mut line = format!("evaluation: {name} = {}", value.as_deref().unwrap());
            if let Some(w) = why {
                line.push_str(&format!(" — {w}"));
            }
            assert!(out.stdout.contains(&line), "{sid}: {line}\n{}", out.stdout);
        }
    }
}

#[test]
fn the_eval_filter_finds_what_each_evaluation_judges() {
    let truth = truth();
    let rows = truth["evaluations"].as_array().unwrap();
    let names: BTreeSet<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    for name in names {
        let of_name: Vec<&Value> = rows.iter().filter(|r| r["name"] == name).collect();
        let level = of_name[0]["level"].as_str().unwrap();
        let want: BTreeSet<&str> = of_name
            .iter()
            .map(|r| r["target"].as_str().unwrap())
            .collect();
        let out = output(&["spans", "--filter", &format!("eval:{name}"), DIR]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lines: Vec<Value> = out
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let key = if level == "span" {
            "span_id"
        } else {
            "trace_id"
        };
        let got: BTreeSet<&str> = lines.iter().map(|l| l[key].as_str().unwrap()).collect();
        assert_eq!(got, want, "eval:{name}");
    }
}

#[test]
fn evaluations_of_spans_not_in_the_files_are_reported() {
    // The evaluations files with another export's spans: nothing they judge is there.
    let truth = truth();
    let mut args: Vec<String> = vec!["sessions".into()];
    for f in truth["files"].as_array().unwrap().iter().skip(1) {
        args.push(format!("fixtures/phoenix_parquet/{}", f.as_str().unwrap()));
    }
    args.push("fixtures/otlp/session_keys_cont.jsonl".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = output(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let n = truth["evaluations"].as_array().unwrap().len();
    assert!(
        out.stderr.contains(&format!(
            "{n} evaluations judge a span, trace or session not in these files: not shown"
        )),
        "{}",
        out.stderr
    );
    // With the spans they judge, no such warning.
    let (_, _, stderr) = got(&[DIR]);
    assert!(!stderr.contains("not in these files"), "{stderr}");
}

#[test]
fn a_trace_dataset_on_standard_input_says_its_evaluations_are_not_looked_for() {
    let ds = dataset(&root().join(DIR));
    let out = cli::isolated::assert_command()
        .env("SESSTUI_PROGRESS", "never")
        .args(["sessions", "--json", "-"])
        .pipe_stdin(&ds)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "the 3 evaluations files the trace dataset on standard input lists: not read: \
             standard input has no directory to find them in"
        ),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["evaluations"].as_array().unwrap().is_empty())
    );
}
