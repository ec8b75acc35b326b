//! Full-text search (`F`) over the ~1 GB benchmark export, side by side with `rg -c` on the
//! same warm file in the same run (this machine is shared and noisy: read the ratios).
//!
//! `cargo bench --bench fulltext` (after `cargo bench --bench index` made the file; set
//! `SESSTUI_BENCH_DENSE=1` for the dense one). The index is built once; each query is then
//! searched in turn with ripgrep (A B A B …), 7 rounds, medians printed.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// (what it shows, the query as typed, ripgrep's fixed-string equivalent with smart case)
const QUERIES: &[(&str, &str)] = &[
    ("a file name", "fail_fix.rs"),
    ("a path with slashes", "/src/fail_fix.rs"),
    ("a phrase", "please fail trace"),
    ("smart case, any case", "claude_code_tool_read"),
    ("non-ASCII, not in the file", "Café au lait"),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let dense = std::env::var_os("SESSTUI_BENCH_DENSE").is_some();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(if dense {
            "phoenix_dense_1024mb.jsonl"
        } else {
            "phoenix_v2_1024mb.jsonl"
        });
    assert!(
        path.exists(),
        "{} is missing: run `cargo bench --bench index` first",
        path.display()
    );
    let src = sesstui::source::Source::open(&path).expect("open");
    let index = sesstui::index::build(vec![src], &sesstui::index::progress::Progress::default())
        .expect("index");
    let model = sesstui::model::build(index);
    let rg = Command::new("rg").arg("--version").output().is_ok();
    println!(
        "full-text search, {} ({} spans), 7 rounds, medians",
        path.display(),
        model.index.spans.len()
    );
    println!(
        "| query | sesstui F | spans | rg -c -S -F | lines | ratio |\n|---|---|---|---|---|---|"
    );
    for (what, q) in QUERIES {
        let query = sesstui::model::fulltext::Query::new(q).expect("query");
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let (mut hits, mut lines) = (0, String::new());
        for _ in 0..7 {
            let t = Instant::now();
            hits = sesstui::model::fulltext::search_query(&model, &query, usize::MAX)
                .spans
                .len();
            ours.push(t.elapsed().as_secs_f64());
            if rg {
                let t = Instant::now();
                let out = Command::new("rg")
                    .args(["-c", "-S", "-F", "--", q])
                    .arg(&path)
                    .output()
                    .expect("rg");
                theirs.push(t.elapsed().as_secs_f64());
                lines = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            }
        }
        let (a, b) = (median(ours), if rg { median(theirs) } else { f64::NAN });
        println!(
            "| {what} (`{q}`) | {:.3} s | {hits} | {:.3} s | {} | {:.2}× |",
            a,
            b,
            if lines.is_empty() { "0" } else { &lines },
            a / b
        );
    }
}
