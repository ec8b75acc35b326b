//! Index speed and memory on a deterministic ~1 GB Phoenix-style export, next to `wc -l` on
//! the same warm file, measured in the same run (this machine is shared and noisy).
//!
//! `cargo bench --bench index` (set `SESSTUI_BENCH_MB` for another size). Prints a table.
//! `SESSTUI_BENCH_DENSE=1`: calls carry only their newest message, so a gigabyte holds more,
//! smaller spans (about a million). `SESSTUI_BENCH_NO_INFER=1`: the index alone, without
//! message hashing or session inference.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "support/datagen.rs"]
mod datagen;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-index") {
        child_index(Path::new(&args[i + 1]));
        return;
    }
    let mb: u64 = std::env::var("SESSTUI_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench dir");
    // v2: full message histories (see datagen); the name changes with the data.
    let dense = std::env::var_os("SESSTUI_BENCH_DENSE").is_some();
    let path = dir.join(if dense {
        format!("phoenix_dense_{mb}mb.jsonl")
    } else {
        format!("phoenix_v2_{mb}mb.jsonl")
    });
    if !path.exists() {
        let t = Instant::now();
        let tmp = path.with_extension("tmp");
        let (spans, traces, sessions) =
            datagen::generate(&tmp, mb << 20, !dense).expect("generate");
        std::fs::rename(&tmp, &path).expect("rename");
        eprintln!(
            "generated {} ({spans} spans, {traces} traces, {sessions} sessions) in {:.1}s",
            path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    // Warm the page cache.
    let _ = Command::new("cat")
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .status();
    // Interleaved, so both see the same machine; whole processes both ways.
    let runs = 7;
    let exe = std::env::current_exe().expect("exe");
    let (mut wcs, mut idx, mut walls) = (Vec::new(), Vec::new(), Vec::new());
    let mut infer = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        wcs.push(time_cmd(Command::new("wc").arg("-l").arg(&path)));
        let t = Instant::now();
        let out = Command::new(&exe)
            .arg("--child-index")
            .arg(&path)
            .output()
            .expect("child");
        walls.push(t.elapsed().as_secs_f64());
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        idx.push(field(&last, "index_s"));
        infer.push(field(&last, "infer_s"));
    }
    let infer_s = median(infer);
    let wc = median(wcs);
    let index_s = median(idx);
    let wall = median(walls);
    let spans = field(&last, "spans");
    let rss = field(&last, "max_rss_kb") * 1024.0;
    let anon = field(&last, "anon_peak_kb") * 1024.0;
    println!(
        "file            {} ({:.0} MB, {spans:.0} spans)",
        path.display(),
        size as f64 / 1e6
    );
    println!("wc -l           {:>8.3} s   (median of {runs})", wc);
    println!(
        "sesstui index   {index_s:>8.3} s   (median of {runs}, in-process: open, scan{}, sessions) = {:.2}x wc -l",
        if std::env::var_os("SESSTUI_BENCH_NO_INFER").is_some() {
            ""
        } else {
            " incl. message hashing"
        },
        index_s / wc
    );
    println!(
        "session inference {infer_s:>6.3} s   (median of {runs}, linking the fingerprints the scan hashed) = {:.2}x wc -l, {:.0}% of the index time",
        infer_s / wc,
        100.0 * infer_s / index_s
    );
    println!(
        "  as a process  {wall:>8.3} s   (median of {runs}, exec to exit: index + inference) = {:.2}x wc -l",
        wall / wc
    );
    println!("  throughput    {:>8.0} MB/s", size as f64 / 1e6 / index_s);
    println!(
        "peak RSS        {:>8.0} MB   (includes the mapped file's pages)",
        rss / 1e6
    );
    println!(
        "peak beyond map {:>8.0} MB   = {:.0} bytes/span (RSS - file-backed pages)",
        anon / 1e6,
        anon / spans
    );
    println!("{last}");
}

fn time_cmd(cmd: &mut Command) -> f64 {
    let t = Instant::now();
    let _ = cmd.stdout(std::process::Stdio::null()).status();
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn field(text: &str, name: &str) -> f64 {
    text.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// A field of /proc/self/status in kB. Peak memory beyond the map is estimated as the RSS
/// high-water mark minus the file-backed pages still resident at the end (the mapped export).
fn proc_status(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

fn child_index(path: &Path) {
    let t = Instant::now();
    let src = sesstui::source::Source::open(path).expect("open");
    let progress = sesstui::index::progress::Progress::default();
    // SESSTUI_BENCH_NO_INFER: the index and sessions alone (no message hashing, no inference).
    let history = std::env::var_os("SESSTUI_BENCH_NO_INFER").is_none();
    let index = sesstui::index::build_with(vec![src], &progress, history).expect("index");
    let scan_s = t.elapsed().as_secs_f64();
    let anon_index = proc_status("RssAnon:");
    if std::env::var_os("SESSTUI_BENCH_SIZES").is_some() {
        let mb = |n: usize, sz: usize| (n * sz) as f64 / 1e6;
        eprintln!(
            "spans {:.1}MB (cap {:.1}) extras {:.1}MB (+{:.1}MB span table) line marks {:.1}MB traces {:.1}MB prints {:.1}MB (+{:.1}MB message hashes) strings {} own {} problems {}",
            mb(index.spans.len(), std::mem::size_of_val(&index.spans[0])),
            mb(
                index.spans.capacity(),
                std::mem::size_of_val(&index.spans[0])
            ),
            mb(index.extras.capacity(), 24),
            mb(index.extra_spans.capacity(), 4),
            mb(index.line_marks.capacity(), 8),
            mb(
                index.traces.capacity(),
                std::mem::size_of_val(&index.traces[0])
            ),
            mb(index.prints.calls.capacity(), 24),
            mb(index.prints.messages.capacity(), 8),
            index.strings.len(),
            index.own_sessions.len(),
            index.problems.len()
        );
    }
    let options = sesstui::model::infer::Options {
        history,
        ..Default::default()
    };
    let model = sesstui::model::build_with(index, options);
    let anon_model = proc_status("RssAnon:");
    let total_s = t.elapsed().as_secs_f64();
    let infer_s = model.inference.elapsed.as_secs_f64();
    let fingerprint_s = model.inference.fingerprinting.as_secs_f64();
    let index_s = total_s - infer_s;
    let inferred = model
        .sessions
        .iter()
        .filter(|s| s.origin == sesstui::model::SessionOrigin::Inferred)
        .count();
    println!(
        "index_s={index_s:.4} infer_s={infer_s:.4} fingerprint_s={fingerprint_s:.4} total_s={total_s:.4} scan_s={scan_s:.4} spans={} traces={} sessions={} inferred_sessions={inferred} joined_explicit={} llm_calls={} unsessioned={} bad={} max_rss_kb={} anon_peak_kb={} anon_after_index_kb={anon_index} anon_after_model_kb={anon_model}",
        model.index.spans.len(),
        model.traces.len(),
        model.sessions.len(),
        model.inference.joined_explicit,
        model.inference.calls,
        model.unsessioned.len(),
        model.index.problems.len(),
        proc_status("VmHWM:"),
        proc_status("VmHWM:") - proc_status("RssFile:"),
    );
}
