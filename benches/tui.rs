//! Explorer latency on the ~1 GB benchmark export: time to the first frame, and keypress to
//! finished frame (p50/p99) for moving in the session list, opening a session, opening the
//! biggest sessions (most spans, most traces), opening a span's detail, typing a search
//! query, and typing a filter. Frames are drawn to a 160×48 test backend, so this measures the
//! app's update and drawing, not the terminal emulator.
//!
//! `cargo bench --bench tui` (run `cargo bench --bench index` first: it writes the export);
//! `SESSTUI_BENCH_DENSE=1` for the dense export.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sesstui::app::action::Action;
use sesstui::app::sessions::Entry;
use sesstui::app::{App, Effect, search};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e3
}

/// This thread's CPU time: on a shared machine, what a step cost without the time it waited
/// for a core.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given, which lives for the call.
    #[allow(unsafe_code)]
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

fn report(name: &str, v: Vec<Duration>) {
    println!(
        "{name:<28} p50 {:>7.2} ms   p99 {:>7.2} ms   ({} samples)",
        pct(v.clone(), 0.5),
        pct(v.clone(), 0.99),
        v.len()
    );
}

fn main() {
    let mb: u64 = std::env::var("SESSTUI_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    // SESSTUI_BENCH_DENSE: the dense export (`cargo bench --bench index` with it writes it).
    let name = if std::env::var_os("SESSTUI_BENCH_DENSE").is_some() {
        format!("phoenix_dense_{mb}mb.jsonl")
    } else {
        format!("phoenix_v2_{mb}mb.jsonl")
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(name);
    if !path.exists() {
        eprintln!(
            "{} is missing: run `cargo bench --bench index` first",
            path.display()
        );
        return;
    }
    let theme = sesstui::ui::Theme::color();
    let (w, h) = (160, 48);
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");

    // First frame: what the runner does before its first draw (the index builds behind it).
    let t = Instant::now();
    let progress = Arc::new(sesstui::index::progress::Progress::default());
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let (p, progress) = (vec![path.clone()], Arc::clone(&progress));
        std::thread::spawn(move || {
            let _ = tx.send(sesstui::load::load(&p, Default::default(), &progress).map(Arc::new));
        });
    }
    let mut app = App::new(vec![path.display().to_string()]);
    app.resize(w, h);
    app.progress = progress.snapshot();
    term.draw(|f| sesstui::ui::draw(f, &app, &theme))
        .expect("draw");
    let first_frame = t.elapsed();
    let model = rx.recv().expect("index thread").expect("index");
    let ready = t.elapsed();
    app.loaded(model.clone());
    println!(
        "file                         {} ({} spans, {} sessions)",
        path.display(),
        model.index.spans.len(),
        model.sessions.len()
    );
    println!(
        "first frame                  {:>7.2} ms (index ready after {:.2} s)",
        first_frame.as_secs_f64() * 1e3,
        ready.as_secs_f64()
    );

    let cpu_spent = std::cell::Cell::new(Duration::ZERO);
    let mut step = |app: &mut App, actions: &[Action]| -> Duration {
        let t = Instant::now();
        let c = thread_cpu();
        for &a in actions {
            for e in app.update(a) {
                if let Effect::FillSearch(scope) = e {
                    // The runner fills engines on a thread; done here up front, not timed below.
                    let inj = app.search.injector(scope).expect("engine");
                    search::fill(&model, scope, &inj);
                    app.search.settle();
                }
            }
        }
        term.draw(|f| sesstui::ui::draw(f, app, &theme))
            .expect("draw");
        cpu_spent.set(thread_cpu().saturating_sub(c));
        t.elapsed()
    };

    let moves: Vec<Duration> = (0..500).map(|_| step(&mut app, &[Action::Down])).collect();
    report("move in session list", moves);

    let mut opens = Vec::new();
    for i in 0..100 {
        step(
            &mut app,
            &[if i % 2 == 0 { Action::Down } else { Action::Up }],
        );
        opens.push(step(&mut app, &[Action::Open]));
        step(&mut app, &[Action::Back]);
    }
    report("open a session", opens);

    // The biggest sessions: the one with the most spans, and the one with the most traces,
    // opened from the session list with it selected (then Back), each open timed with its
    // first frame.
    let most = |key: &dyn Fn(&sesstui::model::Session) -> usize| -> u32 {
        let best = (0..model.sessions.len())
            .max_by_key(|&i| (key(&model.sessions[i]), std::cmp::Reverse(i)))
            .expect("sessions");
        u32::try_from(best).expect("index")
    };
    let mut biggest = vec![
        (
            "open the most spans",
            Entry::Session(most(&|s| s.spans as usize)),
        ),
        (
            "open the most traces",
            Entry::Session(most(&|s| s.trace_count())),
        ),
    ];
    if !model.unsessioned.is_empty() {
        biggest.push(("open the unsessioned", Entry::Unsessioned));
    }
    for (what, entry) in biggest {
        let mut opens = Vec::new();
        for _ in 0..60 {
            app.sessions.select(entry, app.page);
            step(&mut app, &[]);
            opens.push(step(&mut app, &[Action::Open]));
            step(&mut app, &[Action::Back]);
        }
        report(what, opens);
        match entry {
            Entry::Session(s) => {
                let sess = &model.sessions[s as usize];
                println!(
                    "  (session {}: {} spans, {} traces, {} turns)",
                    sesstui::sanitize::one_line(model.str(sess.id)),
                    sess.spans,
                    sess.trace_count(),
                    sess.turns
                );
            }
            Entry::Unsessioned => {
                let spans: u32 = model
                    .unsessioned
                    .iter()
                    .map(|&t| model.trace(t).span_count())
                    .sum();
                println!(
                    "  (traces without a session: {} spans, {} traces)",
                    spans,
                    model.unsessioned.len()
                );
            }
        }
    }

    step(&mut app, &[Action::Top, Action::Open]);
    let mut details = Vec::new();
    let mut biggest = 0usize;
    for _ in 0..100 {
        step(&mut app, &[Action::Down]);
        let d = step(&mut app, &[Action::ShowDetail]);
        if let Some(s) = app.current_span() {
            biggest = biggest.max(model.index.span_len(model.span(s)) as usize);
        }
        details.push(d);
        step(&mut app, &[Action::Back]);
    }
    report("open a span's detail", details);
    println!("  (largest record opened: {} bytes)", biggest);

    step(&mut app, &[Action::Back, Action::Top, Action::Search]);
    let mut typing = Vec::new();
    let mut results = Vec::new();
    for _ in 0..20 {
        for c in "session".chars() {
            typing.push(step(&mut app, &[Action::Input(c)]));
            // The frame with the ranked results: when the matcher is done (the runner is woken
            // by nucleo's notify and redraws).
            let t = Instant::now();
            app.search.settle();
            let redraw = step(&mut app, &[]);
            let _ = redraw;
            results.push(*typing.last().expect("one") + t.elapsed());
        }
        for _ in 0..7 {
            step(&mut app, &[Action::Backspace]);
        }
    }
    report("type a search query", typing);
    report("  ... until results shown", results);
    // How long matching itself takes, query by query.
    let mut matching = Vec::new();
    let engine = app.search.sessions.as_mut().expect("engine");
    for q in [
        "s",
        "se",
        "ses",
        "sess",
        "sessi",
        "sessio",
        "session",
        "x",
        "fix the",
        "Claude_Code_Tool_Read",
    ] {
        let t = Instant::now();
        engine.set_query(q);
        engine.settle();
        matching.push(t.elapsed());
    }
    report("  matching alone", matching);

    // The filter line: each key re-parses the line and narrows the list at once. Typed a
    // character at a time (then erased), for filters on the sessions' tables (`error`,
    // `tokens>10k`), on every span (`kind:tool`, `model:gpt`), on time, and fuzzy free text
    // (which reads the first inputs of the sessions it has not shown yet: the first time only).
    step(&mut app, &[Action::Cancel, Action::Top]);
    let mut filtering = Vec::new();
    let mut filtering_cpu = Vec::new();
    let mut per_filter = Vec::new();
    let mut first_free_text = None;
    for f in [
        "fix the",
        "error",
        "tokens>10k",
        "kind:tool error",
        "model:gpt -error",
        "since:2026-03-02 dur>1s",
        "eval:scorer-error",
    ] {
        let before = filtering.len();
        for round in 0..3 {
            step(&mut app, &[Action::Filter]);
            for c in f.chars() {
                let d = step(&mut app, &[Action::Input(c)]);
                if f == "fix the" && round == 0 && first_free_text.is_none() {
                    first_free_text = Some(d);
                } else {
                    filtering.push(d);
                    filtering_cpu.push(cpu_spent.get());
                }
            }
            for _ in f.chars() {
                filtering.push(step(&mut app, &[Action::Backspace]));
                filtering_cpu.push(cpu_spent.get());
            }
            step(&mut app, &[Action::Accept]);
        }
        per_filter.push((f, filtering_cpu[before..].to_vec()));
    }
    report("type a filter (each key)", filtering);
    report("  CPU time (each key)", filtering_cpu);
    for (f, v) in per_filter {
        report(&format!("  CPU {f:?}"), v);
    }
    if let Some(d) = first_free_text {
        println!(
            "  (first free-text key, reading {} first inputs: {:.2} ms)",
            model.sessions.len(),
            d.as_secs_f64() * 1e3
        );
    }
}
