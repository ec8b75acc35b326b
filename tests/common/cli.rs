//! The headless commands as the format tests run them: the binary from the repository root
//! (fixture paths relative to it), `NO_COLOR`, success required; `spans` output keyed by span
//! id without where each line was, so two files holding the same spans compare equal.
//!
//! Included by the format test files as `#[path = "common/cli.rs"] mod cli;`.

#![allow(dead_code)] // each test binary uses its own part
#![allow(clippy::unwrap_used)] // tests fail loudly

#[allow(clippy::duplicate_mod)] // also included beside it by some test files
#[path = "isolated.rs"]
pub mod isolated;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary from the repository root, without colour, a progress line or the user's config.
fn sesstui() -> Command {
    let mut c = isolated::assert_command();
    c.current_dir(root())
        .env("NO_COLOR", "1")
        .env("SESSTUI_PROGRESS", "never");
    c
}

/// `sesstui ARGS` with these environment variables; its stdout (it must succeed).
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let mut c = sesstui();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn run(args: &[&str]) -> Vec<u8> {
    run_env(args, &[])
}

pub fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&run(args)).unwrap()
}

/// The truth file a generator wrote beside `file`.
pub fn truth(file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(root().join(format!("{file}.truth.json"))).unwrap())
        .unwrap()
}

/// `sesstui spans --no-infer FILES` with these environment variables, by span id, without
/// where each line was.
pub fn spans_env(files: &[&str], env: &[(&str, &str)]) -> BTreeMap<String, Value> {
    let mut args = vec!["spans", "--no-infer"];
    args.extend(files);
    String::from_utf8(run_env(&args, env))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("file");
            o.remove("line");
            (o["span_id"].as_str().unwrap().to_owned(), v)
        })
        .collect()
}

/// [`spans_env`] of one file, in the environment as it is.
pub fn spans(file: &str) -> BTreeMap<String, Value> {
    spans_env(&[file], &[])
}

/// What a run printed, and how it ended.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Every span of `file` has the parent, kind and status its generator sent (the truth's
/// `parents`, `span_kinds`, `span_status`), and there are as many as it sent: the truth and
/// the spans, for a test's own checks.
pub fn check_spans(file: &str) -> (Value, BTreeMap<String, Value>) {
    let t = truth(file);
    let got = spans(file);
    assert_eq!(got.len(), t["spans"].as_u64().unwrap() as usize, "{file}");
    for (id, parent) in t["parents"].as_object().unwrap() {
        let s = &got[id];
        assert_eq!(&s["parent_id"], parent, "{file} {id} parent");
        assert_eq!(s["kind"], t["span_kinds"][id], "{file} {id} kind");
        assert_eq!(s["status"], t["span_status"][id], "{file} {id} status");
    }
    (t, got)
}

/// `sesstui ARGS`, however it ends.
pub fn output(args: &[&str]) -> Out {
    let out = sesstui().args(args).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Drops what names the file, counts its bytes or says what it was decoded from, everywhere in
/// a JSON value: so two encodings of the same spans compare equal.
pub fn anonymous(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["path", "file", "bytes", "decoded_from"] {
                    m.remove(k);
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// `sesstui ARGS` (it must succeed) as JSON, [`anonymous`].
pub fn anonymous_json(args: &[&str]) -> Value {
    let out = output(args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    anonymous(serde_json::from_str(&out.stdout).unwrap())
}

/// `sesstui spans FILE` (it must succeed), each line [`anonymous`], in order.
pub fn anonymous_spans(file: &str) -> Vec<Value> {
    let out = output(&["spans", file]);
    assert_eq!(out.code, 0, "{file}: {}", out.stderr);
    out.stdout
        .lines()
        .map(|l| anonymous(serde_json::from_str(l).unwrap()))
        .collect()
}
