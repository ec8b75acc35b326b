//! The real binary in a real terminal (tmux): open a session, move to a span, copy it with `y`,
//! and check that tmux's clipboard (OSC 52, `set-clipboard on`) holds exactly that span's JSON;
//! then quit and check the terminal is restored (alternate screen off, cursor visible, mouse
//! released). Signals sent from outside (`kill`) restore it too, with the exit status a shell
//! expects; Ctrl-L repaints over what another program wrote on the screen.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/tmux.rs"]
mod tmux;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tmux::Tmux;

/// Runs the binary on `fixture` in the pane's shell, with `env` (e.g. `NO_COLOR=1 `) before it.
fn launch(t: &Tmux, env: &str, fixture: &str) {
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let root = env!("CARGO_MANIFEST_DIR");
    t.line(&format!(
        "cd {root} && {env}{bin} {fixture}; echo EXITED-$?"
    ));
}

/// The explorer, started in the pane's shell with its pid written to a file.
struct Explorer {
    _dir: tempfile::TempDir,
    pid_file: PathBuf,
}

impl Explorer {
    /// Runs `sesstui ARGS` (core dumps off) as the shell's job itself, not as a child of a
    /// subshell, so job control sees it stop; `then` follows it on the command line.
    fn launch(t: &Tmux, args: &str, then: &str) -> Explorer {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let bin = env!("CARGO_BIN_EXE_sesstui");
        let root = env!("CARGO_MANIFEST_DIR");
        let line = format!(
            "cd {root} && sh -c 'ulimit -c 0; echo $$ > {}; exec \"$0\" \"$@\"' {bin} {args}{then}",
            pid_file.display()
        );
        t.line(&line);
        Explorer {
            _dir: dir,
            pid_file,
        }
    }

    fn pid(&self) -> String {
        let start = Instant::now();
        loop {
            let pid = std::fs::read_to_string(&self.pid_file).unwrap_or_default();
            if pid.ends_with('\n') {
                return pid.trim().to_owned();
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no pid file");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&self, signal: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{signal}");
    }
}

/// Whether the shell printed `what` followed by a status (the command line shows it with `$?`,
/// and a prompt may come first on the line when the keys were typed before it).
fn printed(screen: &str, what: &str) -> bool {
    screen
        .split(what)
        .skip(1)
        .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

const FIXTURE: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";

fn session_list(s: &str) -> bool {
    s.contains("FIRST INPUT") && s.contains("sess-travel-01")
}

/// A terminating signal from outside: the terminal is restored and the shell sees `rc`.
fn ended_by(signal: &str, rc: u8) {
    let Some(t) = Tmux::start(&signal.to_lowercase(), 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    let e = Explorer::launch(&t, &format!("--mouse {FIXTURE}"), "; echo \"rc=$?\"");
    t.until("the session list", session_list);
    t.until_flags("1 0 1");
    e.kill(signal);
    let screen = t.until("the shell again", |s| printed(s, "rc="));
    assert!(
        screen.contains(&format!("rc={rc}")),
        "SIG{signal} ends with status {rc}:\n{screen}"
    );
    assert_eq!(t.flags(), "0 1 0", "terminal restored after SIG{signal}");
    assert!(
        !screen.contains("FIRST INPUT"),
        "the explorer's screen is gone:\n{screen}"
    );
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    ended_by("TERM", 143);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    ended_by("HUP", 129);
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    ended_by("INT", 130);
}

#[test]
fn sigquit_restores_the_terminal_then_dies_by_it_131() {
    ended_by("QUIT", 131);
}

/// Suspends the explorer with `stop`, checks the shell has a restored terminal, brings the
/// explorer back with `fg`, and quits it.
fn suspend_and_resume(name: &str, stop: impl Fn(&Tmux, &Explorer)) {
    let Some(t) = Tmux::start(name, 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    // Nothing after it on the line: the shell would run that as soon as the job stops.
    let e = Explorer::launch(&t, &format!("--mouse {FIXTURE}"), "");
    t.until("the session list", session_list);
    t.until_flags("1 0 1");
    stop(&t, &e);
    t.until("the shell's job report", |s| s.contains("Stopped"));
    t.until_flags("0 1 0");
    t.cmd(&["send-keys", "-t", "s", "fg; echo \"rc=$?\"", "Enter"]);
    t.until_flags("1 0 1");
    t.until("the session list drawn again", session_list);
    t.keys(&["j", "q"]);
    t.until("the shell again", |s| s.contains("rc=0"));
    assert_eq!(t.flags(), "0 1 0");
}

#[test]
fn sigtstp_suspends_like_ctrl_z_and_fg_brings_it_back() {
    suspend_and_resume("tstp", |_, e| e.kill("TSTP"));
}

#[test]
fn ctrl_z_suspends_and_fg_brings_it_back() {
    suspend_and_resume("ctrlz", |t, _| t.keys(&["C-z"]));
}

#[test]
fn after_an_uncatchable_sigstop_fg_takes_the_terminal_back() {
    let Some(t) = Tmux::start("stop", 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    let e = Explorer::launch(&t, &format!("--mouse {FIXTURE}"), "");
    t.until("the session list", session_list);
    e.kill("STOP");
    // Stopped full-screen: the shell writes over the explorer, in the explorer's raw mode (so
    // the line ends with C-j), and puts a sane mode back as bash would.
    t.until("the shell's job report", |s| s.contains("Stopped"));
    t.cmd(&[
        "send-keys",
        "-t",
        "s",
        "stty sane; fg; echo \"rc=$?\"",
        "C-j",
    ]);
    t.until("the explorer drawn again", |s| {
        session_list(s) && !s.contains("Stopped")
    });
    t.until_flags("1 0 1");
    // Keys arrive one by one again: raw mode is back.
    t.keys(&["j", "q"]);
    t.until("the shell again", |s| s.contains("rc=0"));
    assert_eq!(t.flags(), "0 1 0");
}

/// Writes `text` on the pane's terminal, as another program would.
fn scribble(t: &Tmux, text: &str) {
    let tty = t
        .cmd(&["display", "-p", "-t", "s", "#{pane_tty}"])
        .unwrap_or_default();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(Path::new(tty.trim()))
        .unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
}

#[test]
fn ctrl_l_repaints_over_what_another_program_wrote() {
    let Some(t) = Tmux::start("ctrll", 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", FIXTURE);
    t.until("the session list", session_list);
    // Blanks written and blanks cleared differ only as trailing spaces in a capture.
    let trim = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
    for (before_keys, what) in [(&[][..], "the session list"), (&["/"][..], "search prompt")] {
        t.keys(before_keys);
        let clean = trim(&t.settled());
        // Row 20 of the list is blank, so drawing what changed would not cover it.
        scribble(&t, "\x1b[20;30HGARBAGE");
        t.until("the garbage", |s| s.contains("GARBAGE"));
        t.keys(&["C-l"]);
        // Only what was there: in the prompt, C-l is not typed as `l`.
        t.until(&format!("{what} drawn again, garbage gone"), |s| {
            trim(s) == clean
        });
    }
    t.keys(&["Escape", "q"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
}

#[test]
fn a_load_error_is_shown_then_exits_2() {
    let Some(t) = Tmux::start("loaderr", 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", "fixtures/malformed/garbage.jsonl");
    t.until("the error in the explorer", |s| {
        s.contains("Could not open the files") && s.contains("press q to quit")
    });
    t.until_flags("1 0 0");
    t.keys(&["q"]);
    let screen = t.until("the shell again", |s| printed(s, "EXITED-"));
    assert!(screen.contains("EXITED-2"), "exit status 2:\n{screen}");
    assert!(
        screen.contains("sesstui: "),
        "the error is printed on the main screen too:\n{screen}"
    );
    assert_eq!(t.flags(), "0 1 0");
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
        "1 0 0",
        "alternate screen on, cursor hidden, no mouse while running"
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
    let want = sesstui::json::pretty(model.index.span_bytes(span)).expect("json");
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
        "0 1 0",
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
    assert_eq!(t.flags(), "0 1 0");
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

/// The pane's title and tmux's paste buffers: what escapes hidden in a trace would change.
fn title_and_buffers(t: &Tmux) -> (String, String) {
    let title = t
        .cmd(&["display", "-p", "-t", "s", "#{pane_title}"])
        .unwrap_or_default();
    let buffers = t
        .cmd(&["list-buffers", "-F", "#{buffer_name}"])
        .unwrap_or_default();
    (title.trim().to_owned(), buffers.trim().to_owned())
}

/// Runs a shell command line in the pane and waits for it to finish.
fn shell(t: &Tmux, line: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    // Each command's marker is its own, so a screen still showing the last one's (the `clear`
    // not yet run) is not taken for this one's end.
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    t.cmd(&["send-keys", "-t", "s", "clear", "Enter"]);
    t.cmd(&[
        "send-keys",
        "-t",
        "s",
        &format!("cd {root} && {line}; echo DONE{n}-$?"),
        "Enter",
    ]);
    t.until("the command to finish", |s| {
        printed(s, &format!("DONE{n}-"))
    })
}

#[test]
fn escapes_in_a_trace_change_nothing_on_the_terminal() {
    let Some(t) = Tmux::start("hostile", 160, 48) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    // With set-clipboard on, an OSC 52 that got through would land in tmux's buffers; an
    // OSC 0 sets the pane title whatever the settings.
    t.cmd(&["select-pane", "-t", "s", "-T", "sesstui-test-title"]);
    let before = title_and_buffers(&t);
    assert_eq!(before, ("sesstui-test-title".to_owned(), String::new()));
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let file = "fixtures/hostile/escapes.jsonl";
    for cmd in [
        format!("{bin} show {file} s-"),
        format!("{bin} show --markdown {file} s-"),
        format!("{bin} doctor {file}"),
        format!("{bin} sessions {file}"),
        format!("{bin} spans {file}"),
        format!("{bin} show {file} 'no such session'"),
    ] {
        let screen = shell(&t, &cmd);
        assert_eq!(title_and_buffers(&t), before, "{cmd} changed the terminal");
        assert!(
            screen.contains("DONE"),
            "{cmd}: the screen was not cleared:\n{screen}"
        );
    }
    let screen = shell(&t, &format!("{bin} show {file} s-"));
    assert!(screen.contains("␛]0;PWNED␇"), "shown, visibly:\n{screen}");
    // The explorer, through every pane of the session.
    launch(&t, "", file);
    t.until("the session list", |s| s.contains("FIRST INPUT"));
    t.keys(&[
        "Enter", "j", "j", "2", "+", "j", "j", "j", "Enter", "3", "G", "Escape", "!",
    ]);
    t.settled();
    assert_eq!(
        title_and_buffers(&t),
        before,
        "the explorer changed the terminal"
    );
    // A copy under tmux's defaults (OSC 52 from programs dropped, no passthrough) lands in
    // tmux's own buffer, and the status says so.
    t.cmd(&["set", "-g", "set-clipboard", "external"]);
    t.keys(&["Escape", "Escape", "Escape", "Y", "i"]);
    let screen = t.until("the copy status", |s| s.contains("copied session id"));
    assert!(screen.contains("tmux's paste buffer"), "{screen}");
    let copied = t.cmd(&["show-buffer"]).unwrap_or_default();
    assert_eq!(copied, "s-␛]0;PWNED␇␛]52;c;UFdORUQ=␇␛[2J");
    t.keys(&["q"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
    assert_eq!(title_and_buffers(&t).0, before.0);
}

#[test]
fn a_pasted_id_runs_nothing() {
    let Some(t) = Tmux::start("pastejack", 100, 30) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    let marker = Path::new("/tmp/sesstui-pwned");
    let _ = std::fs::remove_file(marker);
    launch(&t, "", "fixtures/hostile/pastejack.jsonl");
    t.until("the session list", |s| s.contains("FIRST INPUT"));
    t.keys(&["Enter", "Y", "i"]);
    t.until("the copy status", |s| s.contains("copied session id"));
    t.keys(&["q"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
    // Paste it at the shell prompt as a person would, bracketed and not.
    t.cmd(&["send-keys", "-t", "s", "clear", "Enter"]);
    // Pasted while `clear` still runs, the text may be echoed and then wiped, or flushed
    // by the shell as it takes the terminal back: paste at the fresh prompt.
    t.until("the cleared prompt", |s| {
        !s.contains("EXITED") && s.lines().filter(|l| !l.trim().is_empty()).count() == 1
    });
    t.cmd(&["paste-buffer", "-p", "-t", "s"]);
    t.cmd(&["paste-buffer", "-t", "s"]);
    t.until("the pasted id on the command line", |s| {
        s.contains("sess␛[201~")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(!marker.exists(), "pasting the copied id ran a command");
    t.keys(&["C-c"]);
}

#[test]
fn moving_between_spans_leaves_no_stale_cells() {
    let Some(t) = Tmux::start("stale", 160, 40) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", "fixtures/hostile/layout.jsonl");
    t.until("the session list", |s| s.contains("FIRST INPUT"));
    t.keys(&["Enter", "2"]);
    t.until("the tree", |s| s.contains("turn 1"));
    let trim = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
    for step in 0..8 {
        t.keys(&["j"]);
        let moved = trim(&t.settled());
        // A full repaint draws every cell afresh: anything left over from the last span
        // (the terminal and the screen model disagreeing on a width) would differ.
        t.keys(&["C-l"]);
        let repainted = trim(&t.settled());
        assert_eq!(moved, repainted, "step {step}: stale cells after moving");
    }
    t.keys(&["q"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
}

#[test]
fn a_file_that_cannot_be_opened_is_named_before_the_screen_is_taken() {
    let Some(t) = Tmux::start("unopened", 80, 24) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", "no-such-export.jsonl");
    let screen = t.until("the exit", |s| printed(s, "EXITED-"));
    assert!(screen.contains("EXITED-2"), "{screen}");
    assert!(
        screen.contains("sesstui: no-such-export.jsonl: No such file or directory"),
        "{screen}"
    );
    // Never full-screen: the shell's lines are all still there.
    assert!(
        screen.contains("no-such-export.jsonl; echo EXITED"),
        "{screen}"
    );
    t.until_flags("0 1 0");
}

#[test]
fn a_bad_file_among_good_ones_is_listed_while_the_others_load() {
    let Some(t) = Tmux::start("badamong", 120, 30) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", &format!("no-such-export.jsonl {FIXTURE}"));
    let screen = t.until("the session list", session_list);
    assert!(
        screen.contains("no-such-export.jsonl: not read: No such file"),
        "the status line names it:\n{screen}"
    );
    t.keys(&["!"]);
    let screen = t.until("the diagnostics", |s| s.contains("diagnostics: 1 file"));
    assert!(screen.contains("file    no-such-export.jsonl"), "{screen}");
    t.keys(&["Escape", "q"]);
    let screen = t.until("the exit", |s| printed(s, "EXITED-"));
    assert!(screen.contains("EXITED-0"), "{screen}");
    t.until_flags("0 1 0");
}

/// A filter typed at `:` narrows the list as it is typed; `Esc` puts the list back; a
/// full-text search finds a path pandas wrote as `docs\/…`.
#[test]
fn typing_a_filter_and_a_full_text_search() {
    let Some(t) = Tmux::start("filter", 120, 30) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    launch(&t, "", FIXTURE);
    t.until("the session list", session_list);
    t.keys(&[":"]);
    for c in [
        "e", "r", "r", "o", "r", "Space", "-", "u", "s", "e", "r", ":", "b", "o", "b",
    ] {
        t.keys(&[c]);
    }
    let screen = t.until("the filtered list", |s| {
        s.contains("1 of 7 sessions · filter: error -user:bob")
    });
    assert!(screen.contains("sess-travel-01"), "{screen}");
    assert!(!screen.contains("sess-code-02"), "{screen}");
    // Enter keeps it; Esc in a new line puts back what was there.
    t.keys(&["Enter", ":", "C-u", "k", "i", "n", "d", ":", "x"]);
    t.until("the parse error", |s| s.contains("not applied: `kind:x`"));
    t.keys(&["Escape"]);
    t.until("the kept filter", |s| s.contains("filter: error -user:bob"));
    t.keys(&[":", "C-u", "Enter"]);
    t.until("the whole list", |s| {
        s.contains("7 sessions ·") && s.contains("sess-code-02")
    });
    // Full text: pandas wrote this answer as `19 \u00b0C high \/ 11`.
    t.keys(&["F", "°C high / 11", "Enter"]);
    t.until("the full-text matches", |s| {
        s.contains("records contain \"°C high / 11\"") && s.contains("Session sess-travel-01")
    });
    t.keys(&["q"]);
    t.until("the exit", |s| printed(s, "EXITED-"));
}
