//! Compressed, framed and piped input: every such fixture reads exactly as its plain original
//! (`sessions --json`, `spans`, `doctor --json`, `show --json`, compared after the file's name
//! and size are set aside); pipes, FIFOs, `/dev/stdin` and process substitution are read to the
//! end; damaged input keeps what decoded and says what was lost, on stderr and in `doctor`.
//! (The truth files of the same fixtures are checked in tests/cli.rs.)

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/cli.rs"]
mod cli;

use assert_cmd::Command;
use cli::{anonymous, anonymous_json as json, anonymous_spans as span_lines, output as run};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sesstui() -> Command {
    let mut c = cli::isolated::assert_command();
    c.current_dir(root())
        .env("NO_COLOR", "1")
        .env("SESSTUI_PROGRESS", "never");
    c
}

/// (compressed or framed fixture, its plain original).
const PAIRS: &[(&str, &str)] = &[
    (
        "fixtures/compressed/spans_df_epoch_ms.jsonl.gz",
        "fixtures/phoenix/spans_df_epoch_ms.jsonl",
    ),
    (
        "fixtures/compressed/session_keys.jsonl.gz",
        "fixtures/otlp/session_keys.jsonl",
    ),
    (
        "fixtures/compressed/file_exporter.jsonl.zst",
        "fixtures/otlp/file_exporter.jsonl",
    ),
    (
        "fixtures/compressed/spans_df_iso.jsonl.zst",
        "fixtures/phoenix/spans_df_iso.jsonl",
    ),
    (
        "fixtures/compressed/traces_get_lines",
        "fixtures/mlflow/traces_get_lines.jsonl",
    ),
    (
        "fixtures/compressed/traces_search.json.gz",
        "fixtures/mlflow/traces_search.json",
    ),
    (
        "fixtures/collector/file_proto.bin",
        "fixtures/collector/file_json.jsonl",
    ),
    (
        "fixtures/collector/file_proto_zstd.bin",
        "fixtures/collector/file_json.jsonl",
    ),
    (
        "fixtures/collector/file_json_zstd.bin",
        "fixtures/collector/file_json.jsonl",
    ),
    (
        "fixtures/collector/file_proto_native.zst",
        "fixtures/collector/file_json.jsonl",
    ),
    (
        "fixtures/collector/file_json_native.zst",
        "fixtures/collector/file_json.jsonl",
    ),
];

/// Everything the headless commands say about `file`, its name set aside.
fn views(file: &str) -> Vec<Value> {
    let sessions = json(&["sessions", "--json", "--no-infer", file]);
    let mut all = vec![
        sessions.clone(),
        json(&["sessions", "--json", file]),
        json(&["doctor", "--json", file]),
        Value::Array(span_lines(file)),
    ];
    let first = sessions["sessions"][0]["id"].as_str().map(str::to_owned);
    if let Some(id) = first {
        all.push(json(&["show", "--json", file, &id]));
    }
    all
}

#[test]
fn every_compressed_and_framed_fixture_reads_as_its_original() {
    for (packed, plain) in PAIRS {
        let (a, b) = (views(packed), views(plain));
        let what = ["sessions --no-infer", "sessions", "doctor", "spans", "show"];
        for (k, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "{packed} vs {plain}: {}", what[k]);
        }
        assert_eq!(a.len(), b.len());
        // What it was decoded from is said.
        let d: Value =
            serde_json::from_str(&run(&["doctor", "--json", packed]).stdout).expect("json");
        let from = &d["files"][0]["decoded_from"];
        let want: &[&str] = match *packed {
            p if p.ends_with("file_proto.bin") => &["Collector records"],
            p if p.ends_with("_zstd.bin") => &["Collector records"],
            p if p.ends_with("file_proto_native.zst") => &["zstd", "Collector records"],
            p if p.contains(".gz") => &["gzip"],
            _ => &["zstd"],
        };
        assert_eq!(from, &serde_json::json!(want), "{packed}");
        // and no warning: nothing was lost
        let out = run(&["sessions", packed]);
        assert_eq!(out.stderr, run(&["sessions", plain]).stderr, "{packed}");
    }
}

#[test]
fn converted_protobuf_spans_are_the_sdk_json_spans() {
    // The detail the explorer shows is the span's JSON: the same fields and values whether the
    // SDK wrote the JSON or sesstui converted the protobuf (OTLP/JSON allows leaving out fields
    // at their default; the converter writes them, so compare the SDK's fields).
    let converted = span_lines("fixtures/collector/file_proto.bin");
    assert_eq!(converted.len(), 47);
    let from = |file: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        text.lines()
            .flat_map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let mut spans = Vec::new();
                for rs in v["resourceSpans"].as_array().unwrap() {
                    for ss in rs["scopeSpans"].as_array().unwrap() {
                        spans.extend(ss["spans"].as_array().unwrap().iter().cloned());
                    }
                }
                spans
            })
            .collect()
    };
    let sdk = from("fixtures/collector/file_json.jsonl");
    // The converted lines, decoded the same way, via `show --json` would be indirect: read the
    // converted text straight from the library.
    let src = sesstui::source::Source::open(&root().join("fixtures/collector/file_proto.bin"))
        .expect("open");
    let text = std::str::from_utf8(src.bytes()).expect("utf-8");
    let mine: Vec<Value> = text
        .lines()
        .flat_map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["resourceSpans"][0]["scopeSpans"][0]["spans"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    assert_eq!(sdk.len(), mine.len());
    for (s, m) in sdk.iter().zip(&mine) {
        covers(m, s, &format!("span {}", s["spanId"]));
    }
}

/// `mine` holds everything `sdk` holds, and beyond that only fields at their default value
/// (which OTLP/JSON lets a writer leave out).
fn covers(mine: &Value, sdk: &Value, at: &str) {
    match (mine, sdk) {
        (Value::Object(m), Value::Object(s)) => {
            for (k, v) in m {
                match s.get(k) {
                    Some(w) => covers(v, w, &format!("{at}.{k}")),
                    None => assert!(
                        matches!(v, Value::Null)
                            || v == &Value::from(0)
                            || v == &Value::from("")
                            || v == &Value::Array(vec![]),
                        "{at}.{k}: {v} where the SDK wrote nothing"
                    ),
                }
            }
            for k in s.keys() {
                assert!(m.contains_key(k), "{at}.{k} missing");
            }
        }
        (Value::Array(m), Value::Array(s)) => {
            assert_eq!(m.len(), s.len(), "{at}");
            for (i, (x, y)) in m.iter().zip(s).enumerate() {
                covers(x, y, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(mine, sdk, "{at}"),
    }
}

#[test]
fn logs_and_metrics_records_beside_the_spans_are_kept_as_what_they_are() {
    // One exporter shared by a traces, a logs and a metrics pipeline (format: proto): a logs
    // record first, a metrics record after the third trace record.
    let mixed = "fixtures/collector/file_proto_mixed.bin";
    let plain = "fixtures/collector/file_json.jsonl";
    let (a, b) = (
        json(&["sessions", "--json", mixed]),
        json(&["sessions", "--json", plain]),
    );
    assert_eq!(a["sessions"], b["sessions"]);
    assert_eq!(a["unsessioned"], b["unsessioned"]);
    let strip_line = |v: Vec<Value>| -> Vec<Value> {
        v.into_iter()
            .map(|mut s| {
                s.as_object_mut().unwrap().remove("line");
                s
            })
            .collect()
    };
    assert_eq!(strip_line(span_lines(mixed)), strip_line(span_lines(plain)));
    // Converted as what they are (the index then says what they hold), not reported as
    // records that failed to decode.
    let src = sesstui::source::Source::open(&root().join(mixed)).expect("open");
    let text = std::str::from_utf8(src.bytes()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(
        lines[0].starts_with(r#"{"resourceLogs":[{"resource":"#),
        "{}",
        lines[0]
    );
    assert!(
        lines[4].starts_with(r#"{"resourceMetrics":[{"resource":"#),
        "{}",
        lines[4]
    );
    assert!(src.notes().is_empty(), "{:?}", src.notes());
    // …and counted as other signals, not as malformed lines.
    assert!(problems(mixed).is_empty(), "{:?}", problems(mixed));
    let d = json(&["doctor", "--json", mixed]);
    let groups: Vec<(u64, &str)> = d["other_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["first_line"].as_u64().unwrap(),
                g["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[0].0, 1);
    assert!(groups[0].1.contains("resourceLogs"), "{groups:?}");
    assert_eq!(groups[1].0, 5);
    assert!(groups[1].1.contains("resourceMetrics"), "{groups:?}");
    assert_eq!(d["lines_by_kind"]["signals"], 2);
    assert!(
        !d["verdict"].as_str().unwrap().contains("malformed"),
        "{}",
        d["verdict"]
    );
}

/// doctor's lines by kind add up to its lines, and the malformed ones to the malformed reports.
fn lines_add_up(d: &Value) {
    let k = &d["lines_by_kind"];
    let sum: u64 = ["records", "signals", "malformed", "blank"]
        .iter()
        .map(|n| k[n].as_u64().unwrap())
        .sum();
    assert_eq!(d["lines"].as_u64().unwrap(), sum, "{d}");
    assert_eq!(k["malformed"], d["malformed_lines"], "{d}");
}

fn copy_to_temp(file: &str, dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(root().join(file), &p).unwrap();
    p
}

#[test]
fn pipes_process_substitution_and_dev_stdin_are_read_to_the_end() {
    let plain = "fixtures/phoenix/spans_df_epoch_ms.jsonl";
    let gz = "fixtures/compressed/spans_df_epoch_ms.jsonl.gz";
    let want = json(&["sessions", "--json", plain]);
    let exe = assert_cmd::cargo::cargo_bin("sesstui");
    let shell = |script: &str| -> Value {
        let out = cli::isolated::isolate(&mut std::process::Command::new("bash"))
            .arg("-c")
            .arg(script)
            .current_dir(root())
            .env("SESSTUI_PROGRESS", "never")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        anonymous(serde_json::from_slice(&out.stdout).expect("json"))
    };
    let exe = exe.display();
    for script in [
        format!("{exe} sessions --json <(zcat {gz})"),
        format!("{exe} sessions --json <(cat {gz})"),
        format!("cat {gz} | {exe} sessions --json -"),
        format!("cat {plain} | {exe} sessions --json -"),
        format!("cat {gz} | {exe} sessions --json /dev/stdin"),
        format!("zcat {gz} | {exe} sessions --json /proc/self/fd/0"),
        format!("{exe} sessions --json /dev/stdin < {gz}"),
    ] {
        assert_eq!(shell(&script), want, "{script}");
    }
    // Framed records through a pipe too.
    let framed = "fixtures/collector/file_proto_zstd.bin";
    assert_eq!(
        shell(&format!("cat {framed} | {exe} sessions --json -")),
        json(&["sessions", "--json", "fixtures/collector/file_json.jsonl"])
    );
}

#[test]
fn a_fifo_is_waited_for_and_read_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("export.fifo");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let data = std::fs::read(root().join("fixtures/compressed/file_exporter.jsonl.zst")).unwrap();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(800));
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            // In two pieces, with a pause: the reader must read to the end, not to the first
            // empty read.
            let (a, b) = data.split_at(data.len() / 2);
            f.write_all(a).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(200));
            f.write_all(b).unwrap();
        })
    };
    let out = run(&["sessions", "--json", fifo.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "sesstui: waiting for a writer on {}…",
            fifo.display()
        )),
        "{}",
        out.stderr
    );
    assert_eq!(
        anonymous(serde_json::from_str(&out.stdout).unwrap()),
        json(&["sessions", "--json", "fixtures/otlp/file_exporter.jsonl"])
    );
}

fn spans_of(file: &str) -> usize {
    span_lines(file).len()
}

fn problems(file: &str) -> Vec<(u64, String, String)> {
    let d = json(&["doctor", "--json", file]);
    d["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["severity"].as_str().unwrap().to_owned(),
                p["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn cut_gzip_and_zstd_keep_what_decoded_and_say_what_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, codec, full) in [
        ("fixtures/compressed/spans_df_epoch_ms.jsonl.gz", "gzip", 57),
        // Two frames: the cut falls in the second; the first decodes whole.
        ("fixtures/compressed/spans_df_iso.jsonl.zst", "zstd", 57),
    ] {
        let data = std::fs::read(root().join(fixture)).unwrap();
        let cut = dir.path().join(format!("cut-{codec}"));
        std::fs::write(&cut, &data[..data.len() * 3 / 4]).unwrap();
        let cut = cut.to_str().unwrap();
        let n = spans_of(cut);
        assert!(n > 10 && n < full, "{fixture}: {n} spans");
        let out = run(&["sessions", cut]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lost = format!("sesstui: warning: {cut}: {codec} data ends early after ");
        assert!(out.stderr.contains(&lost), "{}", out.stderr);
        assert!(
            out.stderr.contains("decoded bytes: the rest is lost"),
            "{}",
            out.stderr
        );
        let p = problems(cut);
        let last = p.last().unwrap();
        assert_eq!(last.1, "malformed");
        assert!(
            last.2
                .starts_with(&format!("{codec} data ends early after "))
        );
        let d = json(&["doctor", "--json", cut]);
        assert!(
            d["verdict"].as_str().unwrap().contains("malformed"),
            "{}",
            d["verdict"]
        );
        // Every line is accounted for, the lost rest as a malformed one.
        lines_add_up(&d);
    }
}

#[test]
fn corrupt_gzip_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut data =
        std::fs::read(root().join("fixtures/compressed/spans_df_epoch_ms.jsonl.gz")).unwrap();
    let mid = data.len() / 2;
    for b in &mut data[mid..mid + 64] {
        *b = !*b;
    }
    let bad = dir.path().join("bad.gz");
    std::fs::write(&bad, &data).unwrap();
    let bad = bad.to_str().unwrap();
    let out = run(&["sessions", bad]);
    assert!(
        out.stderr
            .contains(&format!("sesstui: warning: {bad}: gzip ")),
        "{}",
        out.stderr
    );
    assert!(
        problems(bad).iter().any(|p| p.2.starts_with("gzip ")),
        "{:?}",
        problems(bad)
    );
}

/// The byte offset of record `n` (1-based) of a framed file.
fn record_offset(data: &[u8], n: usize) -> usize {
    let mut at = 0;
    for _ in 1..n {
        let len = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + len;
    }
    at
}

#[test]
fn a_bad_record_is_reported_and_the_others_indexed() {
    let dir = tempfile::tempdir().unwrap();
    for fixture in [
        "fixtures/collector/file_proto.bin",
        "fixtures/collector/file_proto_zstd.bin",
    ] {
        let mut data = std::fs::read(root().join(fixture)).unwrap();
        let at = record_offset(&data, 2);
        let len = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        for b in &mut data[at + 4..at + 4 + len.min(40)] {
            *b = 0xff;
        }
        let bad = copy_to_temp(fixture, dir.path(), "bad.bin");
        std::fs::write(&bad, &data).unwrap();
        let bad = bad.to_str().unwrap();
        // Record 2 holds 8 spans (batches of 8).
        assert_eq!(spans_of(bad), 47 - 8, "{fixture}");
        let p = problems(bad);
        assert_eq!(p.len(), 1, "{fixture}: {p:?}");
        assert_eq!(p[0].0, 2);
        let want = format!(
            "record 2 (at byte {}, {} bytes): ",
            thousands(at),
            thousands(len)
        );
        assert!(p[0].2.starts_with(&want), "{fixture}: {}", p[0].2);
        assert!(p[0].2.ends_with(": skipped"), "{}", p[0].2);
        lines_add_up(&json(&["doctor", "--json", bad]));
        let out = run(&["spans", bad]);
        assert_eq!(out.code, 0);
        assert!(
            out.stderr
                .contains(&format!("sesstui: warning: {bad}: record 2 (at byte")),
            "{}",
            out.stderr
        );
        // Spans keep their record's number as their line.
        let lines: Vec<u64> = span_lines(bad)
            .iter()
            .map(|s| s["line"].as_u64().unwrap())
            .collect();
        assert!(!lines.contains(&2) && lines.contains(&3), "{lines:?}");

        // Cut in the middle of record 4: records 1-3 are kept.
        let at4 = record_offset(&data, 4);
        std::fs::write(dir.path().join("cut.bin"), &data[..at4 + 10]).unwrap();
        let cut = dir.path().join("cut.bin");
        let cut = cut.to_str().unwrap();
        let p = problems(cut);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[1].0, 4);
        assert!(
            p[1].2
                .starts_with(&format!("record 4 (at byte {}) says ", thousands(at4))),
            "{}",
            p[1].2
        );
        assert!(p[1].2.ends_with("the file ends early, the rest is lost"));
        lines_add_up(&json(&["doctor", "--json", cut]));
    }
}

fn thousands(n: usize) -> String {
    sesstui::fmt::thousands(n as u64)
}

#[test]
fn decoded_input_over_the_limit_is_refused_with_a_clear_message() {
    let out = sesstui()
        .env("SESSTUI_STDIN_LIMIT", "64K")
        .args(["sessions", "fixtures/compressed/spans_df_epoch_ms.jsonl.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gzip decode to more than 65,536 bytes: stopped"),
        "{err}"
    );
    assert!(err.contains("SESSTUI_STDIN_LIMIT"), "{err}");
}

#[test]
fn a_progress_line_is_drawn_and_erased() {
    let out = sesstui()
        .env("SESSTUI_PROGRESS", "always")
        .args([
            "sessions",
            "--json",
            "fixtures/compressed/file_exporter.jsonl.zst",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "\r\x1b[2Ksesstui: fixtures/compressed/file_exporter.jsonl.zst: decompressing… "
        ),
        "{err:?}"
    );
    assert!(err.ends_with("\r\x1b[2K"), "{err:?}");
}
