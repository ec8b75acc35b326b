//! A ~1 GB export read compressed: `sesstui sessions --json FILE.zst` against
//! `zstdcat FILE.zst | wc -l`, and the `.gz` against `zcat FILE.gz | wc -l`, on the same files
//! in the same run, paired (A, B, A, B, …: each pair sees the same machine; the ratio is taken
//! pair by pair and its median reported). Also the plain file, and sesstui's peak memory: the
//! RSS high-water mark, which counts the mapped file's pages, and the anonymous memory (the
//! decoded gigabyte goes to a temporary file past 256 MiB, so that peak stays far below it).
//!
//! `cargo bench --bench compressed` (`SESSTUI_BENCH_MB` for another size, `SESSTUI_BENCH_RUNS`
//! for another number of pairs, default 5). The export is the one `benches/index.rs` makes
//! (generated if missing); the compressed copies are made once with the `zstd` (level 3, the
//! default) and `gzip` (level 6, the default) command-line tools and kept beside it.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "support/datagen.rs"]
mod datagen;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let mb: u64 = env_or("SESSTUI_BENCH_MB", 1024);
    let runs: usize = env_or("SESSTUI_BENCH_RUNS", 5);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join(format!("phoenix_v2_{mb}mb.jsonl"));
    if !plain.exists() {
        let tmp = plain.with_extension("tmp");
        let (spans, ..) = datagen::generate(&tmp, mb << 20, true).unwrap();
        std::fs::rename(&tmp, &plain).unwrap();
        eprintln!("generated {} ({spans} spans)", plain.display());
    }
    let zst = compressed(&plain, "zst", "zstd -q -3 -c");
    let gz = compressed(&plain, "gz", "gzip -6 -c");
    let exe = env!("CARGO_BIN_EXE_sesstui");
    let size = |p: &Path| std::fs::metadata(p).unwrap().len() as f64 / 1e6;
    println!(
        "file {} ({:.0} MB; .zst {:.0} MB, .gz {:.0} MB), {runs} pairs each",
        plain.display(),
        size(&plain),
        size(&zst),
        size(&gz)
    );
    // Warm the page cache for all three.
    for p in [&plain, &zst, &gz] {
        let _ = Command::new("cat").arg(p).stdout(Stdio::null()).status();
    }
    for (file, baseline) in [
        (&zst, format!("zstdcat {} | wc -l", zst.display())),
        (&gz, format!("zcat {} | wc -l", gz.display())),
        (&plain, format!("wc -l {}", plain.display())),
    ] {
        let (mut a, mut b, mut ratio) = (vec![], vec![], vec![]);
        let (mut peak, mut anon) = (vec![], vec![]);
        for _ in 0..runs {
            let (t, rss, heap) = sesstui(exe, file);
            let u = shell(&baseline);
            a.push(t);
            b.push(u);
            ratio.push(t / u);
            peak.push(rss);
            anon.push(heap);
        }
        println!(
            "{:<44} {:>7.2} s   peak RSS {:>5.0} MB, of it anonymous {:>4.0} MB",
            format!(
                "sesstui sessions --json {}",
                file.file_name().unwrap().to_string_lossy()
            ),
            median(a),
            median(peak) / 1e3,
            median(anon) / 1e3
        );
        println!(
            "{:<44} {:>7.2} s   sesstui / this = {:.2}x (median of the pairs' ratios)",
            baseline.replace(&format!("{}/", dir.display()), ""),
            median(b),
            median(ratio)
        );
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `plain` compressed by `tool` into `plain.ext`, made once.
fn compressed(plain: &Path, ext: &str, tool: &str) -> PathBuf {
    let out = PathBuf::from(format!("{}.{ext}", plain.display()));
    if !out.exists() {
        let t = Instant::now();
        let tmp = PathBuf::from(format!("{}.tmp", out.display()));
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{tool} '{}' > '{}'",
                plain.display(),
                tmp.display()
            ))
            .status()
            .unwrap();
        assert!(ok.success(), "{tool} failed (is it installed?)");
        std::fs::rename(&tmp, &out).unwrap();
        eprintln!(
            "compressed {} in {:.0} s",
            out.display(),
            t.elapsed().as_secs_f64()
        );
    }
    out
}

/// Seconds, peak RSS and peak anonymous memory (kB) of `sesstui sessions --json FILE >
/// /dev/null`. The RSS counts the pages of the mapped file (the input, or the temporary file
/// the decoded bytes went to); the anonymous peak is what sesstui itself holds: polled from
/// `/proc/PID/status` every 5 ms.
fn sesstui(exe: &str, file: &Path) -> (f64, f64, f64) {
    let t = Instant::now();
    let mut child = Command::new(exe)
        .args(["sessions", "--json"])
        .arg(file)
        .env("SESSTUI_PROGRESS", "never")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let (mut hwm, mut anon) = (0f64, 0f64);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success(), "sesstui failed on {}", file.display());
            break;
        }
        if let Ok(text) = std::fs::read_to_string(&status) {
            hwm = hwm.max(kb(&text, "VmHWM:"));
            anon = anon.max(kb(&text, "RssAnon:"));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (t.elapsed().as_secs_f64(), hwm, anon)
}

fn kb(status: &str, key: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn shell(script: &str) -> f64 {
    let t = Instant::now();
    let ok = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "{script}");
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
