//! Index speed and memory on three deterministic ~1 GB Phoenix-style exports, next to `wc -l`
//! on the same warm file, measured in the same rounds (this machine is shared and noisy).
//!
//! `cargo bench --bench index` prints a table, a row per shape: dense (every column on every
//! row, epoch times, calls carrying only their newest message: about a million spans), v2
//! (the same conversations, every call carrying its whole history) and sparse (columns only
//! when set, ISO times with offsets, events with stack traces, JSON inside strings, 48
//! sessions interleaved; see `support/sparse.rs`). Each round runs `wc -l`, the index
//! in-process (`--child-index`), `sesstui sessions --json` as a whole process on all cores and
//! under `taskset -c 0`, and DuckDB (a venv with `pip install duckdb` beside the data, made
//! once; skipped with a note when it cannot be made) on all cores and on one.
//!
//! `SESSTUI_BENCH_SHAPE=dense|v2|sparse` (one shape; `SESSTUI_BENCH_DENSE=1` is the old
//! spelling of dense), `SESSTUI_BENCH_MB` (size, default 1024), `SESSTUI_BENCH_RUNS` (rounds,
//! default 5), `SESSTUI_BENCH_DIR` (where the data goes, default `target/bench-data`),
//! `SESSTUI_BENCH_NO_DUCKDB=1`, `SESSTUI_BENCH_NO_INFER=1` (the in-process index without message
//! hashing or session inference), `SESSTUI_BENCH_SIZES=1` (the in-process run prints its tables'
//! sizes after the index and, after the model, where the peak anonymous memory goes, table by
//! table in bytes per span).

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "support/datagen.rs"]
mod datagen;
#[path = "../tests/common/isolated.rs"]
mod isolated;
#[path = "support/sparse.rs"]
mod sparse;

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
    let runs: usize = std::env::var("SESSTUI_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let dir = std::env::var_os("SESSTUI_BENCH_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("bench dir");
    let shapes: Vec<Shape> = match std::env::var("SESSTUI_BENCH_SHAPE").ok().as_deref() {
        Some("dense") => vec![Shape::Dense],
        Some("v2") => vec![Shape::V2],
        Some("sparse") => vec![Shape::Sparse],
        Some(other) if !other.is_empty() && other != "all" => {
            panic!("SESSTUI_BENCH_SHAPE: dense, v2, sparse or all, not {other}")
        }
        // The older switch: the dense shape alone.
        _ if std::env::var_os("SESSTUI_BENCH_DENSE").is_some() => vec![Shape::Dense],
        _ => vec![Shape::Dense, Shape::V2, Shape::Sparse],
    };
    let duck = duckdb(&dir);
    let mut rows = Vec::new();
    for shape in shapes {
        let path = dir.join(shape.file_name(mb));
        if !path.exists() {
            let t = Instant::now();
            let tmp = path.with_extension("tmp");
            let (spans, traces, sessions) = match shape {
                Shape::Dense => datagen::generate(&tmp, mb << 20, false),
                Shape::V2 => datagen::generate(&tmp, mb << 20, true),
                Shape::Sparse => sparse::generate_sparse(&tmp, mb << 20),
            }
            .expect("generate");
            std::fs::rename(&tmp, &path).expect("rename");
            eprintln!(
                "generated {} ({spans} spans, {traces} traces, {sessions} sessions) in {:.1}s",
                path.display(),
                t.elapsed().as_secs_f64()
            );
        }
        rows.push(measure(shape, &path, runs, duck.as_deref()));
    }
    println!();
    println!(
        "Whole process = `sesstui sessions --json FILE > /dev/null` (inference on); 1 core = the same under `taskset -c 0`"
    );
    println!(
        "(the index then runs one worker). Ratios are medians of the per-round ratios to `wc -l` run in the same round;"
    );
    println!("DuckDB: read_json_auto + the session group-by, from Python, whole process.");
    println!();
    println!(
        "| shape | size, spans | `wc -l` | index in-process | whole process | whole process, 1 core | peak anonymous | DuckDB | DuckDB, 1 core | DuckDB / sesstui |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!("{r}");
    }
    if duck.is_none() {
        println!(
            "DuckDB skipped (why is on stderr above: SESSTUI_BENCH_NO_DUCKDB, or no venv with duckdb could be made)."
        );
    }
}

#[derive(Clone, Copy)]
enum Shape {
    /// Every column on every row, epoch times, only the newest message per call.
    Dense,
    /// The same conversations, every call carrying its whole history.
    V2,
    /// Columns only when set, ISO times with offsets, events, JSON inside strings.
    Sparse,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Dense => "dense",
            Shape::V2 => "v2",
            Shape::Sparse => "sparse",
        }
    }
    // The names the other benches share; they change with the data.
    fn file_name(self, mb: u64) -> String {
        match self {
            Shape::Dense => format!("phoenix_dense_{mb}mb.jsonl"),
            Shape::V2 => format!("phoenix_v2_{mb}mb.jsonl"),
            Shape::Sparse => format!("phoenix_sparse_{mb}mb.jsonl"),
        }
    }
}

/// A venv with DuckDB beside the bench data (made once); its Python, or None with the reason
/// on stderr.
fn duckdb(dir: &Path) -> Option<PathBuf> {
    if std::env::var_os("SESSTUI_BENCH_NO_DUCKDB").is_some() {
        eprintln!("DuckDB skipped: SESSTUI_BENCH_NO_DUCKDB is set");
        return None;
    }
    let venv = dir.join("duckdb-venv");
    let python = venv.join("bin/python");
    let have = |py: &Path| {
        Command::new(py)
            .args(["-c", "import duckdb"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if have(&python) {
        return Some(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "duckdb"])
            .status()
            .is_ok_and(|s| s.success());
    if made && have(&python) {
        Some(python)
    } else {
        eprintln!(
            "DuckDB skipped: could not make {} with duckdb",
            venv.display()
        );
        None
    }
}

fn measure(shape: Shape, path: &Path, runs: usize, duck: Option<&Path>) -> String {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // Warm the page cache.
    let _ = Command::new("cat")
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status();
    let exe = std::env::current_exe().expect("exe");
    let sesstui = env!("CARGO_BIN_EXE_sesstui");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/duckdb_sessions.py");
    // Rounds of one run each, so every ratio pairs runs that saw the same machine.
    let mut r = Runs::default();
    let mut last = String::new();
    for _ in 0..runs {
        let wc = time_cmd(Command::new("wc").arg("-l").arg(path));
        r.wc.push(wc);
        let out = Command::new(&exe)
            .arg("--child-index")
            .arg(path)
            .output()
            .expect("child");
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        let index = field(&last, "index_s") + field(&last, "infer_s");
        r.index.push(index / wc);
        r.anon
            .push(field(&last, "anon_peak_kb") * 1024.0 / field(&last, "spans"));
        let whole = time_cmd(isolated::command().args(["sessions", "--json"]).arg(path));
        r.whole.push(whole / wc);
        let one = time_cmd(
            isolated::isolate(&mut Command::new("taskset"))
                .args(["-c", "0", sesstui, "sessions", "--json"])
                .arg(path),
        );
        r.one.push(one / wc);
        let mut duck_s = (f64::NAN, f64::NAN);
        if let Some(py) = duck {
            let d = time_cmd(Command::new(py).arg(&script).arg(path));
            r.duck.push(d / wc);
            r.duck_vs.push(d / whole);
            let d1 = time_cmd(
                Command::new("taskset")
                    .args(["-c", "0"])
                    .arg(py)
                    .arg(&script)
                    .arg(path)
                    .arg("1"),
            );
            r.duck_one.push(d1 / wc);
            r.duck_vs_one.push(d1 / one);
            duck_s = (d, d1);
        }
        eprintln!(
            "{} round: wc {wc:.3}s index {index:.3}s whole {whole:.3}s one core {one:.3}s duckdb {:.3}s one core {:.3}s",
            shape.name(),
            duck_s.0,
            duck_s.1
        );
    }
    let wc = median(r.wc.clone());
    let spans = field(&last, "spans");
    let x = |v: &[f64]| {
        if v.is_empty() {
            "skipped".to_owned()
        } else {
            let m = median(v.to_vec());
            format!("{:.2}× ({:.3} s)", m, m * wc)
        }
    };
    format!(
        "| {} | {:.0} MB, {spans:.0} | {wc:.3} s | {} | {} | {} | {:.0} B/span | {} | {} | {} (1 core: {}) |",
        shape.name(),
        size as f64 / 1e6,
        x(&r.index),
        x(&r.whole),
        x(&r.one),
        median(r.anon.clone()),
        x(&r.duck),
        x(&r.duck_one),
        if r.duck_vs.is_empty() {
            "skipped".to_owned()
        } else {
            format!("{:.2}×", median(r.duck_vs.clone()))
        },
        if r.duck_vs_one.is_empty() {
            "skipped".to_owned()
        } else {
            format!("{:.2}×", median(r.duck_vs_one.clone()))
        },
    )
}

/// Per-round figures of one shape: `wc -l` in seconds, the rest as ratios to it (or, for
/// DuckDB / sesstui, to sesstui's run in the same round), memory in bytes per span.
#[derive(Default)]
struct Runs {
    wc: Vec<f64>,
    index: Vec<f64>,
    whole: Vec<f64>,
    one: Vec<f64>,
    anon: Vec<f64>,
    duck: Vec<f64>,
    duck_one: Vec<f64>,
    duck_vs: Vec<f64>,
    duck_vs_one: Vec<f64>,
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
    // The allocator's settings, as `main` makes them.
    sesstui::malloc::tune();
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
            "spans {:.1}MB (cap {:.1}) parent ids {:.1}MB overflow {} ends {} lengths extras {:.1}MB ({} tails) line marks {:.1}MB traces {:.1}MB prints {:.1}MB (+{:.1}MB message hashes) strings {} own {} problems {}",
            mb(index.spans.len(), std::mem::size_of_val(&index.spans[0])),
            mb(
                index.spans.capacity(),
                std::mem::size_of_val(&index.spans[0])
            ),
            mb(index.parents.bytes(), 1),
            index.overflow.ends.len(),
            index.overflow.lens.len(),
            mb(index.extras.bytes(), 1),
            index.extras.tails(),
            mb(index.line_marks.capacity(), 8),
            mb(index.traces.bytes(), 1),
            mb(
                index.prints.calls.capacity(),
                std::mem::size_of::<sesstui::format::prints::Print>()
            ),
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
    if std::env::var_os("SESSTUI_BENCH_SIZES").is_some() {
        live_tables(
            &model,
            anon_model,
            proc_status("VmHWM:") - proc_status("RssFile:"),
        );
    }
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

/// What the model holds at the end of the build, in bytes per span, lengths times element
/// sizes (capacity never touched costs no memory; the interned strings as their tables hold
/// them): where the anonymous memory goes, next to `RssAnon` (the rest: hash maps, the
/// allocator's own overhead and the free memory it keeps). Then the peak (`VmHWM` −
/// `RssFile`, as `anon_peak_kb`): what it has above the end was held and freed before the end
/// (session inference's tables, at most).
fn live_tables(model: &sesstui::model::Model, anon_kb: f64, peak_kb: f64) {
    use std::mem::size_of;
    let ix = &model.index;
    let n = ix.spans.len().max(1) as f64;
    let per = |bytes: usize| bytes as f64 / n;
    let rows = [
        (
            "span records",
            per(ix.spans.len() * size_of::<sesstui::index::record::SpanRec>()),
        ),
        (
            "kept parent ids + overflow",
            per(ix.parents.bytes() + ix.overflow.ends.len() * 8 + ix.overflow.lens.len() * 4),
        ),
        (
            "model parent + order",
            per((model.parent.len() + model.order.len()) * 4),
        ),
        (
            "model traces",
            per(model.traces.len() * size_of::<sesstui::model::Trace>()),
        ),
        (
            "index traces",
            per(ix.traces.bytes() + ix.trace_spans.len() * 4),
        ),
        ("extras", per(ix.extras.bytes())),
        ("print calls", per(ix.prints.bytes())),
        ("message hashes", per(ix.prints.messages.len() * 8)),
        ("own sessions", per(ix.own_sessions.bytes())),
        ("line marks", per(ix.line_marks.len() * 8)),
        ("unsessioned", per(model.unsessioned.len() * 4)),
        ("strings", per(ix.strings.heap_bytes())),
        (
            "sessions",
            per(model.sessions.len() * size_of::<sesstui::model::Session>()
                + (model.sessions_traces.len() + model.sessions_evals.len()) * 4),
        ),
    ];
    let sum: f64 = rows.iter().map(|r| r.1).sum();
    let anon = anon_kb * 1024.0 / n;
    let mut line = format!("live after the model, bytes/span: RssAnon {anon:.1} =");
    for (name, b) in rows {
        line.push_str(&format!(" {name} {b:.1} +"));
    }
    line.push_str(&format!(
        " the rest {:.1} ({} strings, {} sessions); peak {:.1} (+{:.1} freed before the end)",
        anon - sum,
        ix.strings.len(),
        model.sessions.len(),
        peak_kb * 1024.0 / n,
        (peak_kb - anon_kb) * 1024.0 / n,
    ));
    eprintln!("{line}");
}
