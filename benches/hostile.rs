//! The hostile giants (`fixtures/hostile/make.py --large`): how long, and how much memory, the
//! explorer takes to open them, each case in a child process of its own so its peak memory is
//! its own. Beside each, `wc -l` on the same file in the same run.
//!
//! `cargo bench --bench hostile` (writes the files under target/bench-data/hostile first; needs
//! python3).

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

use sesstui::app::action::Action;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-data/hostile");
    if !dir.join("cycle_100k.jsonl").exists() {
        eprintln!("writing {} …", dir.display());
        let ok = Command::new("python3")
            .arg(root.join("fixtures/hostile/make.py"))
            .arg("--large")
            .arg(&dir)
            .current_dir(root.join("fixtures/hostile"))
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "fixtures/hostile/make.py --large failed");
    }
    let me = std::env::current_exe().unwrap();
    for (case, file) in [
        ("detail", "value_200mb.jsonl"),
        ("markdown", "value_200mb.jsonl"),
        ("tree", "chain_1m.jsonl"),
        ("tree", "cycle_100k.jsonl"),
    ] {
        let path = dir.join(file);
        let bytes = std::fs::metadata(&path).unwrap().len();
        let t = Instant::now();
        let wc = Command::new("wc").arg("-l").arg(&path).output().unwrap();
        let wc_s = t.elapsed().as_secs_f64();
        assert!(wc.status.success());
        let out = Command::new(&me)
            .args(["--child", case])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{case} {file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "{case:<9} {file:<18} {:>6.0} MB  wc -l {wc_s:.3} s  {}",
            bytes as f64 / 1e6,
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
}

/// A `/proc/self/status` field in kB.
fn status_kb(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn child(case: &str, path: &Path) {
    let t = Instant::now();
    let model = sesstui::load::load(&[path.to_owned()], Default::default(), &Default::default())
        .expect("loads");
    let load_s = t.elapsed().as_secs_f64();
    let anon_before = status_kb("RssAnon:");
    let model = std::sync::Arc::new(model);
    let mut app = sesstui::app::App::new(vec![path.display().to_string()]);
    app.resize(160, 48);
    app.loaded(model.clone());
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).expect("terminal");
    let theme = sesstui::ui::Theme::color();
    let t = Instant::now();
    let what = match case {
        "detail" => {
            // Open the session, then the span's detail, and draw it.
            for a in [Action::Open, Action::ShowTree, Action::Down, Action::Open] {
                app.update(a);
            }
            term.draw(|f| sesstui::ui::draw(f, &app, &theme)).unwrap();
            format!(
                "{} detail lines",
                app.session.as_ref().map_or(0, |s| s.detail.lines.len())
            )
        }
        "markdown" => {
            // Copy the session as Markdown: over the cap, it offers a file instead.
            app.update(Action::YankMenu);
            let effects = app.update(Action::Choose('m'));
            assert!(
                effects.is_empty(),
                "a 200 MB copy must not reach the clipboard"
            );
            format!(
                "offered a file: {}",
                matches!(app.overlay, sesstui::app::Overlay::TooBig { .. })
            )
        }
        _ => {
            for a in [
                Action::Open,
                Action::ShowTree,
                Action::ExpandAll,
                Action::Bottom,
            ] {
                app.update(a);
            }
            term.draw(|f| sesstui::ui::draw(f, &app, &theme)).unwrap();
            app.update(Action::CollapseAll);
            format!("{} rows expanded", model.index.spans.len())
        }
    };
    let open_s = t.elapsed().as_secs_f64();
    let anon_after = status_kb("RssAnon:");
    println!(
        "load {load_s:.3} s  open {open_s:.3} s  anon +{:.0} MB (peak RSS {:.0} MB, of it file {:.0} MB)  {what}",
        (anon_after - anon_before) / 1024.0,
        status_kb("VmHWM:") / 1024.0,
        status_kb("RssFile:") / 1024.0,
    );
}
