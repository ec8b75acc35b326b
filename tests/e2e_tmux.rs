//! The real binary in a real terminal (tmux): open a session, move to a span, copy it with `y`,
//! and check that tmux's clipboard (OSC 52, `set-clipboard on`) holds exactly that span's JSON;
//! then quit and check the terminal is restored (alternate screen off, cursor visible).

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16) -> Option<Tmux> {
        let socket = format!("sesstui-{}-{name}", std::process::id());
        let t = Tmux { socket };
        let ok = t
            .cmd(&[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "s",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                "sh",
            ])
            .is_some();
        if !ok {
            return None;
        }
        t.cmd(&["set", "-g", "set-clipboard", "on"]);
        t.cmd(&["set", "-g", "status", "off"]);
        Some(t)
    }

    fn cmd(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "s", k]);
            // Give the app a moment, so Esc is not read as Alt with the next key.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-J", "-t", "s"])
            .unwrap_or_default()
    }

    /// Waits up to 10 s for the screen to satisfy `pred`; panics with the last screen.
    fn until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn flags(&self) -> String {
        self.cmd(&["display", "-p", "-t", "s", "#{alternate_on} #{cursor_flag}"])
            .unwrap_or_default()
            .trim()
            .to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Runs the binary on `fixture` in the pane's shell, with `env` (e.g. `NO_COLOR=1 `) before it.
fn launch(t: &Tmux, env: &str, fixture: &str) {
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let root = env!("CARGO_MANIFEST_DIR");
    t.cmd(&[
        "send-keys",
        "-t",
        "s",
        &format!("cd {root} && {env}{bin} {fixture}; echo EXITED-$?"),
        "Enter",
    ]);
}

#[test]
fn copy_a_span_over_osc52_then_quit_cleanly() {
    let Some(t) = Tmux::start("copy", 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", "fixtures/phoenix/spans_df_epoch_ms.jsonl");
    t.until("the session list", |s| {
        s.contains("FIRST INPUT") && s.contains("sess-travel-01")
    });
    assert_eq!(
        t.flags(),
        "1 0",
        "alternate screen on, cursor hidden while running"
    );
    t.keys(&["Enter"]);
    t.until("the turns", |s| s.contains("Turn 1"));
    t.keys(&["2", "j", "j"]);
    t.until("the tree", |s| s.contains("▾ turn 1"));
    t.keys(&["y"]);
    let screen = t.until("the copy confirmation", |s| s.contains("copied span"));
    let id = screen
        .split("copied span ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("span id in the status")
        .to_owned();
    // The expected text: that span's record, pretty-printed, computed by the library.
    let model = sesstui::load::load(
        &[std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/phoenix/spans_df_epoch_ms.jsonl")],
        Default::default(),
        &sesstui::index::progress::Progress::default(),
    )
    .expect("fixture");
    let span = (0..model.index.spans.len() as u32)
        .find(|&s| model.index.span_id_of(model.span(s)) == id)
        .expect("the copied span exists");
    let want = sesstui::json::pretty(model.index.span_bytes(model.span(span))).expect("json");
    let start = Instant::now();
    let got = loop {
        let b = t.cmd(&["show-buffer"]).unwrap_or_default();
        if !b.is_empty() || start.elapsed() > Duration::from_secs(5) {
            break b;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(got, want, "tmux's clipboard holds exactly the span's JSON");
    t.keys(&["q"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
    assert_eq!(
        t.flags(),
        "0 1",
        "alternate screen off and cursor visible after quitting"
    );
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let Some(t) = Tmux::start("ctrlc", 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", "fixtures/otlp/file_exporter.jsonl");
    t.until("the session list", |s| s.contains("FIRST INPUT"));
    t.keys(&["Enter", "/"]);
    t.until("the search prompt", |s| s.contains("search this session"));
    t.keys(&["C-c"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
    assert_eq!(t.flags(), "0 1");
    let screen = t.screen();
    assert!(
        !screen.contains("FIRST INPUT"),
        "the explorer's screen is gone:\n{screen}"
    );
}

#[test]
fn no_color_and_narrow_terminals_still_work() {
    let Some(t) = Tmux::start("nocolor", 40, 12) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "NO_COLOR=1 ", "fixtures/mlflow/traces_get_lines.jsonl");
    t.until("the session list", |s| s.contains("sess-"));
    let colored = t
        .cmd(&["capture-pane", "-p", "-e", "-t", "s"])
        .unwrap_or_default();
    // tmux re-encodes attributes as SGR sequences; 39/49 mean "default colour".
    let colour_set = colored.split('\u{1b}').any(|seq| {
        let params = seq
            .strip_prefix('[')
            .and_then(|p| p.split('m').next())
            .unwrap_or("");
        params.split(';').any(|p| {
            matches!(p.len(), 2..=3)
                && (p.starts_with('3')
                    || p.starts_with('4')
                    || p.starts_with('9')
                    || p.starts_with("10"))
                && !matches!(p, "39" | "49")
        })
    });
    assert!(!colour_set, "no colour codes with NO_COLOR:\n{colored}");
    assert!(
        colored.contains("\u{1b}[7m") || colored.contains(";7m"),
        "selection still shown (reverse video)"
    );
    t.cmd(&["resize-window", "-t", "s", "-x", "100", "-y", "30"]);
    t.until("a redraw at the new size", |s| s.contains("FIRST INPUT"));
    t.keys(&["q"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
}
