//! A ~1 GB export read compressed: `sesstui sessions --json FILE.zst` against
//! `zstdcat FILE.zst | wc -l`, and the `.gz` against `zcat FILE.gz | wc -l`, on the same files
//! in the same run, paired (A, B, A, B, …: each pair sees the same machine; the ratio is taken
//! pair by pair and its median reported), wall and CPU time (user + system, from
//! `/usr/bin/time`, which also counts a pipeline's processes). Also the plain file against
//! `wc -l`, and sesstui's peak memory: the RSS high-water mark, which counts the mapped file's
//! pages, and the anonymous memory (the decoded gigabyte goes to a temporary file past 256 MiB,
//! so that peak stays far below it).
//!
//! `cargo bench --bench compressed` (`SESSTUI_BENCH_MB` for another size, `SESSTUI_BENCH_RUNS`
//! for another number of pairs, default 5). The export is the one `benches/index.rs` makes
//! (generated if missing); the compressed copies are made once with the `zstd` (level 3, the
//! default) and `gzip` (level 6, the default) command-line tools and kept beside it.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "support/datagen.rs"]
mod datagen;
#[path = "../tests/common/isolated.rs"]
mod isolated;

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
        let mut pairs = Vec::new();
        for _ in 0..runs {
            let a = timed(&[exe, "sessions", "--json"], Some(file));
            let b = timed(&["sh", "-c", &baseline], None);
            pairs.push((a, b));
        }
        let med = |f: &dyn Fn(&(Run, Run)) -> f64| median(pairs.iter().map(f).collect());
        println!(
            "{:<44} {:>6.2} s wall {:>6.2} s cpu   peak RSS {:>5.0} MB, anonymous {:>4.0} MB",
            format!(
                "sesstui sessions --json {}",
                file.file_name().unwrap().to_string_lossy()
            ),
            med(&|p| p.0.wall),
            med(&|p| p.0.cpu),
            med(&|p| p.0.rss) / 1e3,
            med(&|p| p.0.anon) / 1e3
        );
        println!(
            "{:<44} {:>6.2} s wall {:>6.2} s cpu   sesstui / this: {:.2}x wall, {:.2}x cpu (medians of the pairs' ratios)",
            baseline.replace(&format!("{}/", dir.display()), ""),
            med(&|p| p.1.wall),
            med(&|p| p.1.cpu),
            med(&|p| p.0.wall / p.1.wall),
            med(&|p| p.0.cpu / p.1.cpu)
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

/// One run's figures.
struct Run {
    wall: f64,
    /// User + system seconds, as `/usr/bin/time` reports them (children included).
    cpu: f64,
    /// Peak RSS (kB): counts the pages of the mapped file (the input, or the temporary file the
    /// decoded bytes went to).
    rss: f64,
    /// Peak anonymous memory (kB): what sesstui itself holds, polled from `/proc` every 5 ms.
    anon: f64,
}

/// Runs `cmd` (with its arguments) under `/usr/bin/time`, stdout to /dev/null.
fn timed(cmd: &[&str], file: Option<&Path>) -> Run {
    let t = Instant::now();
    // The user's config cannot change what is timed.
    let mut c = Command::new("/usr/bin/time");
    isolated::isolate(&mut c);
    c.args(["-f", "@@ %U %S %M"]).args(cmd);
    if let Some(f) = file {
        c.arg(f);
    }
    let mut child = c
        .env("SESSTUI_PROGRESS", "never")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/time (apt-get install time)");
    let children = format!("/proc/{0}/task/{0}/children", child.id());
    let mut anon = 0f64;
    while child.try_wait().unwrap().is_none() {
        let kids = std::fs::read_to_string(&children).unwrap_or_default();
        for pid in kids.split_whitespace() {
            if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                anon = anon.max(kb(&text, "RssAnon:"));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let wall = t.elapsed().as_secs_f64();
    assert!(out.status.success(), "{cmd:?} failed");
    let err = String::from_utf8_lossy(&out.stderr);
    let f: Vec<f64> = err
        .lines()
        .find_map(|l| l.strip_prefix("@@ "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    Run {
        wall,
        cpu: f.first().copied().unwrap_or(f64::NAN) + f.get(1).copied().unwrap_or(f64::NAN),
        rss: f.get(2).copied().unwrap_or(f64::NAN),
        anon,
    }
}

fn kb(status: &str, key: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
