//! Phoenix `TraceDataset.save()` parquet (fixtures/phoenix_parquet, written by Phoenix's own
//! `save()`): it reads exactly as the JSONL of the very same dataframe (`sessions --json`,
//! `spans`, `doctor --json`, `show --json`, the file's name and size set aside), is recognised
//! by its content under any name, and a cut or damaged parquet file is refused with its reason
//! (exit 2 when nothing is read), never a panic. (Its truth file is checked in tests/cli.rs.)

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/cli.rs"]
mod cli;

use cli::{anonymous, anonymous_json as json, anonymous_spans as spans, output as run};
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The JSONL of the same dataframe, written by the generator beside the parquet.
const SAME: &str = "fixtures/phoenix_parquet/same_spans.jsonl";

fn parquet() -> String {
    let dir = root().join("fixtures/phoenix_parquet");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with("trace_dataset-") && n.ends_with(".parquet"))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one trace_dataset-<uuid>.parquet: {found:?}"
    );
    format!("fixtures/phoenix_parquet/{}", found.remove(0))
}

fn views(file: &str) -> Vec<Value> {
    let sessions = json(&["sessions", "--json", file]);
    let mut all = vec![
        sessions.clone(),
        json(&["sessions", "--json", "--no-infer", file]),
        json(&["doctor", "--json", file]),
        Value::Array(spans(file)),
    ];
    for s in sessions["sessions"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        all.push(json(&["show", "--json", file, id]));
    }
    all
}

#[test]
fn the_parquet_reads_as_the_jsonl_of_the_same_dataframe() {
    let pq = parquet();
    let got = views(&pq);
    assert_eq!(got, views(SAME));
    // Not vacuous: the scenario's sessions, spans and errors are all there.
    let sessions = &got[0]["sessions"];
    assert!(sessions.as_array().unwrap().len() >= 5, "{sessions}");
    assert_eq!(got[3].as_array().unwrap().len(), 57);
    let raw: Value = serde_json::from_str(&run(&["sessions", "--json", &pq]).stdout).unwrap();
    assert_eq!(
        raw["files"][0]["decoded_from"],
        serde_json::json!(["parquet"])
    );
    assert_eq!(raw["files"][0]["format"], "phoenix/arize dataframe");
    assert_eq!(raw["files"][0]["malformed"], 0);
}

#[test]
fn times_come_out_as_written() {
    // pyarrow wrote pandas' datetimes as timestamp[us, UTC]; the first span of the JSONL
    // starts at epoch ms 1795318546218 (Python: datetime.fromtimestamp(…, utc) = 2026-11-22T03:35:46.218).
    let pq = spans(&parquet());
    let first = pq
        .iter()
        .find(|s| s["span_id"] == "9ce26b09a7e0b4cd")
        .expect("span");
    assert_eq!(first["start"], "2026-11-22T03:35:46.218Z", "{first}");
}

#[test]
fn recognised_by_content_under_a_neutral_name() {
    let dir = tempfile::tempdir().unwrap();
    let neutral = dir.path().join("export");
    std::fs::copy(root().join(parquet()), &neutral).unwrap();
    let neutral = neutral.to_str().unwrap();
    assert_eq!(
        json(&["sessions", "--json", neutral]),
        json(&["sessions", "--json", SAME])
    );
    // And from standard input.
    let out = cli::isolated::assert_command()
        .env("SESSTUI_PROGRESS", "never")
        .args(["sessions", "--json", "-"])
        .pipe_stdin(neutral)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let piped = anonymous(serde_json::from_slice(&out.stdout).unwrap());
    assert_eq!(
        piped["sessions"],
        json(&["sessions", "--json", SAME])["sessions"]
    );
}

/// Damaged copies of the fixture: (name, bytes, what stderr must say).
fn damaged() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let good = std::fs::read(root().join(parquet())).unwrap();
    let cut = good[..good.len() / 2].to_vec();
    let mut garbled = good.clone();
    for i in (2000..good.len() - 2000).step_by(97) {
        garbled[i] ^= 0x5a;
    }
    let mut footer = good.clone();
    let n = footer.len();
    footer[n - 8..n - 4].copy_from_slice(&[0xff, 0xff, 0, 0]);
    let mut meta = good.clone();
    let len = u32::from_le_bytes(good[n - 8..n - 4].try_into().unwrap()) as usize;
    for b in &mut meta[n - 8 - len..n - 8] {
        *b = 0xee;
    }
    vec![
        ("cut", cut, "cut short"),
        ("garbled", garbled, "parquet"),
        ("footer length", footer, "unreadable parquet file"),
        ("footer", meta, "unreadable parquet file"),
        ("magic only", b"PAR1".to_vec(), "cut short"),
        ("two magics", b"PAR1PAR1".to_vec(), "parquet"),
    ]
}

#[test]
fn a_damaged_parquet_file_is_refused_with_its_reason_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for (what, bytes, says) in damaged() {
        let p = dir.path().join("data");
        std::fs::write(&p, &bytes).unwrap();
        let p = p.to_str().unwrap();
        for args in [vec!["sessions", p], vec!["spans", p], vec!["doctor", p]] {
            let out = run(&args);
            assert_eq!(out.code, 2, "{what} {args:?}: {}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains(says), "{what}: {}", out.stderr);
            assert!(!out.stderr.contains("panicked"), "{what}: {}", out.stderr);
            // One line naming the file once: `sesstui: PATH: reason`.
            assert_eq!(out.stderr.matches(p).count(), 1, "{what}: {}", out.stderr);
        }
    }
}

#[test]
fn a_damaged_parquet_file_beside_a_good_one_does_not_stop_the_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cut, _) = damaged().remove(0);
    let p = dir.path().join("cut.parquet");
    std::fs::write(&p, cut).unwrap();
    let out = run(&["sessions", "--json", p.to_str().unwrap(), SAME]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("cut short"), "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(!v["sessions"].as_array().unwrap().is_empty());
}

#[test]
fn uncompressed_reads_the_same_and_zstd_is_refused_by_name() {
    // The same table rewritten by pyarrow's write_table with compression="none" / "zstd".
    let none = "fixtures/phoenix_parquet/codec_none.parquet";
    assert_eq!(views(none), views(SAME));
    let out = run(&["sessions", "fixtures/phoenix_parquet/codec_zstd.parquet"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("a parquet file compressed with zstd, which sesstui does not read"),
        "{}",
        out.stderr
    );
}
