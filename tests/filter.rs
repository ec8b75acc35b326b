//! `--filter` on the headless commands, against the fixtures' truth files.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/isolated.rs"]
mod isolated;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = isolated::assert_command()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn ids(doc: &Value) -> BTreeSet<String> {
    doc["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

fn spans(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const FIXTURES: &[&str] = &[
    "fixtures/phoenix/spans_df_epoch_ms.jsonl",
    "fixtures/mlflow/traces_get_lines.jsonl",
    "fixtures/otlp/file_exporter.jsonl",
];

fn truth(f: &str) -> Value {
    serde_json::from_slice(&std::fs::read(root().join(format!("{f}.truth.json"))).unwrap()).unwrap()
}

#[test]
fn error_and_user_filters_pick_the_true_sessions() {
    for f in FIXTURES {
        let t = truth(f);
        let sessions = t["sessions"].as_object().unwrap();
        let with_errors: BTreeSet<String> = sessions
            .iter()
            .filter(|(_, s)| s["errors"].as_u64().unwrap() > 0)
            .map(|(id, _)| id.clone())
            .collect();
        let doc = json(&["sessions", "--json", "--no-infer", "--filter", "error", f]);
        assert_eq!(ids(&doc), with_errors, "{f}");
        assert_eq!(doc["filter"]["matched"], with_errors.len());
        assert_eq!(doc["filter"]["of"], sessions.len());
        // Negated: the others.
        let without = json(&["sessions", "--json", "--no-infer", "--filter", "-error", f]);
        let all: BTreeSet<String> = sessions.keys().cloned().collect();
        assert_eq!(
            ids(&without),
            all.difference(&with_errors).cloned().collect(),
            "{f}"
        );
        // A user, in another case.
        for (id, s) in sessions {
            let Some(user) = s["user"].as_str() else {
                continue;
            };
            let want: BTreeSet<String> = sessions
                .iter()
                .filter(|(_, o)| o["user"].as_str() == Some(user))
                .map(|(i, _)| i.clone())
                .collect();
            // The rule: `user_<hash>` is shown (and matched) as `<hash>`.
            let shown = user.strip_prefix("user_").unwrap_or(user);
            let term = format!("user:{}", shown.to_uppercase());
            let doc = json(&["sessions", "--json", "--no-infer", "--filter", &term, f]);
            assert_eq!(ids(&doc), want, "{f} {id} {term}");
        }
        // Spans: as many errors as were sent.
        let errs = spans(&["spans", "--filter", "error", f]);
        assert_eq!(Some(errs.len() as u64), t["errors"].as_u64(), "{f}");
        assert!(errs.iter().all(|s| s["status"] == "ERROR"));
    }
}

#[test]
fn span_terms_combine() {
    let f = FIXTURES[0];
    let all = spans(&["spans", f]);
    let tools_failed = spans(&["spans", "--filter", "kind:tool error", f]);
    let want: Vec<&Value> = all
        .iter()
        .filter(|s| s["kind"] == "TOOL" && s["status"] == "ERROR")
        .collect();
    assert!(!want.is_empty());
    assert_eq!(tools_failed.len(), want.len());
    let named = spans(&["spans", "--filter", "name:FLIGHT", f]);
    assert!(!named.is_empty());
    assert!(named.iter().all(|s| {
        s["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("flight")
    }));
    assert_eq!(
        named.len(),
        all.iter()
            .filter(|s| s["name"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("flight"))
            .count()
    );
    // A window by start time: the spans that started in it.
    let first = all
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .min()
        .unwrap();
    let since = &first[..16];
    let windowed = spans(&["spans", "--filter", &format!("until:{since}"), f]);
    assert!(
        windowed
            .iter()
            .all(|s| &s["start"].as_str().unwrap()[..16] <= since),
        "{windowed:?}"
    );
}

#[test]
fn evaluation_filters_match_what_show_reports() {
    let f = "fixtures/mlflow/traces_get_lines.jsonl";
    let all = json(&["sessions", "--json", f]);
    for s in all["sessions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let shown = json(&["show", "--json", f, id]);
        for e in shown["evaluations"].as_array().unwrap() {
            let (Some(name), Some(value)) = (e["name"].as_str(), e["value"].as_str()) else {
                continue;
            };
            if name.contains(' ') || value.contains(' ') {
                continue;
            }
            let term = format!("eval:{name}={value}");
            let doc = json(&["sessions", "--json", "--filter", &term, f]);
            assert!(ids(&doc).contains(id), "{term} misses {id}");
        }
    }
    let errors = json(&["sessions", "--json", "--filter", "eval:scorer-error", f]);
    assert!(!ids(&errors).is_empty());
}

#[test]
fn a_filter_that_does_not_parse_says_why_and_exits_2() {
    let (code, out, err) = run(&["sessions", "--filter", "kind:bogus", FIXTURES[0]]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("--filter: `kind:bogus`: `bogus` is not a span kind"),
        "{err}"
    );
    let (code, _, err) = run(&["spans", "--filter", "dur>soon", FIXTURES[0]]);
    assert_eq!(code, 2);
    assert!(err.contains("not a duration"), "{err}");
}
