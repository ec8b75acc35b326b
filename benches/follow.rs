//! Following a growing file: what 10,000 spans appended to a file of about a million cost,
//! next to indexing the whole file, in the same run (this machine is shared and noisy).
//!
//! `cargo bench --bench follow`. The file is the dense export `cargo bench --bench index`
//! writes with `SESSTUI_BENCH_DENSE=1` (written here if missing): its last
//! `SESSTUI_BENCH_APPEND` lines (10,000 by default; one span each) are held back as what is
//! appended. Each round: the rest is opened and followed (the full index and model, timed),
//! the held-back lines are appended, and one poll (stat, map, scan of the new bytes) and the
//! merge (index, then model) are timed; then the file is cut back. `wc -l` of the appended
//! bytes and of the whole file, interleaved, give the byte ratio to read the times against.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "support/datagen.rs"]
mod datagen;

use sesstui::follow::{self, Update};
use sesstui::index::progress::Progress;
use sesstui::model::infer::Options;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("phoenix_dense_1024mb.jsonl");
    if !source.exists() {
        let tmp = source.with_extension("tmp");
        datagen::generate(&tmp, 1024 << 20, false).unwrap();
        std::fs::rename(&tmp, &source).unwrap();
    }
    let n: usize = std::env::var("SESSTUI_BENCH_APPEND")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let text = std::fs::read(&source).unwrap();
    // Where the last `n` lines start.
    let mut cut = text.len();
    for _ in 0..=n {
        cut = text[..cut.saturating_sub(1)]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |k| k + 1);
    }
    let (before, appended) = text.split_at(cut);
    let path = dir.join("follow_before.jsonl");
    let tail = dir.join("follow_appended.jsonl");
    std::fs::write(&tail, appended).unwrap();

    let options = Options::default();
    let runs = 5;
    let mut rows: Vec<[f64; 7]> = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        std::fs::write(&path, before).unwrap();
        let wc_all = time(Command::new("wc").arg("-l").arg(&source));
        let wc_new = time(Command::new("wc").arg("-l").arg(&tail));
        let t = Instant::now();
        let (mut f, mut model) =
            follow::open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
        let full = t.elapsed().as_secs_f64();
        let spans_before = model.index.spans.len();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(appended)
            .unwrap();
        let t = Instant::now();
        let round = f.poll(options);
        let scan = t.elapsed().as_secs_f64();
        let Some(Update::Grew(scanned)) = round.update else {
            panic!("no growth seen: {:?}", round.notes);
        };
        let t = Instant::now();
        let added = model.index.absorb(scanned);
        let merge = t.elapsed().as_secs_f64();
        let t = Instant::now();
        sesstui::model::grow::grow(&mut model, added.clone(), options);
        let grow = t.elapsed().as_secs_f64();
        let infer = model.inference.elapsed.as_secs_f64();
        // The same final file indexed whole, for the record (and to check the counts).
        last = format!(
            "spans before {spans_before}, appended {}, after {} in {} traces, {} sessions",
            added.end - added.start,
            model.index.spans.len(),
            model.traces.len(),
            model.sessions.len()
        );
        rows.push([wc_all, wc_new, full, scan, merge, grow, infer]);
    }
    let med = |k: usize| {
        let mut v: Vec<f64> = rows.iter().map(|r| r[k]).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (wc_all, wc_new, full, scan, merge, grow, infer) =
        (med(0), med(1), med(2), med(3), med(4), med(5), med(6));
    let bytes_all = before.len() + appended.len();
    println!("{last}");
    println!(
        "bytes           {:.1} MB appended of {:.1} MB = {:.2}%",
        appended.len() as f64 / 1e6,
        bytes_all as f64 / 1e6,
        100.0 * appended.len() as f64 / bytes_all as f64
    );
    println!(
        "wc -l           {:.4} s appended, {:.4} s whole file = {:.2}%   (medians of {runs})",
        wc_new,
        wc_all,
        100.0 * wc_new / wc_all
    );
    println!("full open       {full:.4} s   (index + model of the file before the append)");
    println!(
        "poll + scan     {scan:.4} s = {:.2}% of the full open   (stat, map, scan of the new lines)",
        100.0 * scan / full
    );
    println!(
        "index merge     {merge:.4} s = {:.2}%",
        100.0 * merge / full
    );
    println!(
        "model update    {grow:.4} s = {:.2}%   (of it, session inference {infer:.4} s)",
        100.0 * grow / full
    );
    println!(
        "append, in all  {:.4} s = {:.2}% of the full open",
        scan + merge + grow,
        100.0 * (scan + merge + grow) / full
    );
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&tail);
}

fn time(cmd: &mut Command) -> f64 {
    let t = Instant::now();
    let _ = cmd.stdout(std::process::Stdio::null()).status();
    t.elapsed().as_secs_f64()
}
