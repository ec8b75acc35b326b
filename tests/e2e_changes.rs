//! The real binary in a real terminal (tmux) while its file changes on disk: for each change
//! (truncated, shortened, replaced by a rename, deleted, rewritten with `>`, appended to,
//! rotated) sesstui keeps running, says what happened, `r` reads the file again, and after `q`
//! the terminal is restored. A span whose bytes are gone shows a note; a file truncated while
//! it is indexed is caught by the guard; and a fatal signal sent from outside (SIGSEGV,
//! SIGBUS) still restores the terminal, with the exit status a shell expects.
//!
//! Every test works on a copy of a fixture in a temporary directory.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/tmux.rs"]
mod tmux;

mod disk_changes;

use disk_changes::{BASE, Kind, fixture};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tmux::{Setup, Tmux};

/// tmux's own clipboard setting (nothing is copied here), 80 ms between keys.
const TMUX: Setup = Setup {
    clipboard: false,
    key_pause: Duration::from_millis(80),
};

/// A copy of `BASE` as `export.jsonl` in a directory of its own.
fn copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, fixture(BASE)).unwrap();
    (dir, path)
}

/// Starts the explorer on `export.jsonl` in `dir` (core dumps off, `env` before it, its pid
/// in `dir/pid`); after it ends, the shell prints `rc=STATUS` and whether the terminal's mode
/// is the one it had before (`tty=same`, spelled apart on the command line so that only the
/// output has it). One non-interactive shell runs it all, so no line editor puts its own mode
/// back in between.
fn launch(t: &Tmux, dir: &Path, env: &str, args: &str) {
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let d = dir.display();
    t.line(&format!(
        "cd {d} && sh -c 'S=$(stty -g); sh -c \"ulimit -c 0; echo \\$\\$ > pid; exec env {env} {bin} {args} 2>stderr.log\"; \
         echo rc=$?; if [ \"$(stty -g)\" = \"$S\" ]; then echo tty=sa\"\"me; else echo tty=chan\"\"ged; fi'"
    ));
}

/// The shell said how the explorer ended.
fn ended(s: &str) -> bool {
    s.contains("tty=same") || s.contains("tty=changed")
}

fn session_list(s: &str) -> bool {
    s.contains("FIRST INPUT") && s.contains("sess-travel-01")
}

/// Quits with `q` and checks the shell got a restored terminal back and status 0.
fn quit(t: &Tmux) {
    t.keys(&["q"]);
    let screen = t.until("the shell again", ended);
    assert!(screen.contains("rc=0"), "{screen}");
    assert!(screen.contains("tty=same"), "{screen}");
    assert_eq!(t.flags(), "0 1 0", "terminal restored:\n{screen}");
}

/// Opens the explorer, makes `kind`'s change, waits for the status line to say `said`, presses
/// `r`, and waits for `after_r` to hold on screen; then quits.
fn change_while_open(name: &str, kind: Kind, said: &str, after_r: impl Fn(&str) -> bool) {
    let (dir, path) = copy();
    let t = Tmux::require_with(TMUX, name, 110, 30);
    launch(&t, dir.path(), "", "export.jsonl");
    t.until("the session list", session_list);
    kind.apply(&path);
    let screen = t.until(&format!("the status line to say {said:?}"), |s| {
        s.contains(said)
    });
    // What was read is still listed.
    assert!(session_list(&screen), "{screen}");
    t.keys(&["r"]);
    t.until("the files read again", |s| after_r(s) && !s.contains(said));
    quit(&t);
}

#[test]
fn truncated_while_open() {
    change_while_open(
        "truncate",
        Kind::Truncate,
        "export.jsonl changed on disk (truncated): r reloads",
        // Nothing to show in an empty file: what was read stays, and the status says why.
        |s| s.contains("could not reload:") && s.contains("the file is empty") && session_list(s),
    );
}

#[test]
fn shortened_while_open() {
    change_while_open(
        "shrink",
        Kind::Shrink,
        "export.jsonl changed on disk (truncated): r reloads",
        // Ten lines and a half: ten spans, one bad line.
        |s| s.contains("reloaded:") && s.contains("· 10 spans · ⚠ 1 bad line (!)"),
    );
}

#[test]
fn replaced_while_open() {
    change_while_open(
        "replace",
        Kind::Replace,
        "export.jsonl changed on disk (replaced): r reloads",
        |s| s.contains("multi-sess-A") && !s.contains("sess-travel-01"),
    );
}

#[test]
fn deleted_while_open() {
    change_while_open(
        "delete",
        Kind::Delete,
        "export.jsonl changed on disk (deleted): r reloads",
        |s| {
            s.contains("could not reload:")
                && s.contains("No such file or directory")
                && session_list(s)
        },
    );
}

#[test]
fn rewritten_with_redirection_while_open() {
    change_while_open(
        "rewrite",
        Kind::Rewrite,
        "export.jsonl changed on disk (rewritten): r reloads",
        |s| s.contains("reloaded: 6 sessions") && s.contains("5d4762e6"),
    );
}

#[test]
fn appended_to_while_open() {
    change_while_open(
        "append",
        Kind::Append,
        "export.jsonl grew on disk: f follows, r reloads",
        |s| s.contains("reloaded: 9 sessions") && s.contains("multi-sess-A") && session_list(s),
    );
}

#[test]
fn rotated_while_open() {
    change_while_open(
        "rotate",
        Kind::Rotate,
        "export.jsonl changed on disk (replaced): r reloads",
        |s| s.contains("multi-sess-A") && !s.contains("sess-travel-01"),
    );
}

/// Truncated after the session was opened: the span opened next shows what the index holds
/// and a note, not bytes of the file; `!` lists the change.
#[test]
fn a_span_whose_bytes_are_gone_shows_a_note() {
    let (dir, path) = copy();
    let t = Tmux::require_with(TMUX, "gone", 80, 24);
    launch(&t, dir.path(), "", "export.jsonl");
    t.until("the session list", session_list);
    t.keys(&["Enter"]);
    t.until("the turns", |s| s.contains("Turn 1"));
    Kind::Truncate.apply(&path);
    t.until("the status line", |s| {
        s.contains("export.jsonl changed on disk (truncated)")
    });
    // Below the first input, the first call: open it.
    t.keys(&["j", "Enter"]);
    let screen = t.until("the detail", |s| {
        s.contains("after it was read: this record is no")
    });
    assert!(
        screen.contains("LLM"),
        "the span's kind and name:\n{screen}"
    );
    assert!(!screen.contains("record ("), "no record section:\n{screen}");
    t.keys(&["!"]);
    t.until("the change in the diagnostics", |s| {
        s.contains("1 file changed on disk") && s.contains("was truncated on disk")
    });
    t.keys(&["Escape", "Escape", "Escape"]);
    t.until("the session list", session_list);
    quit(&t);
}

/// Truncated while it is indexed: the scan reads past the new end, the guard maps zeros there
/// instead of the process dying by SIGBUS, and the explorer says the file changed.
#[test]
fn truncated_while_indexed() {
    let (dir, path) = copy();
    let t = Tmux::require_with(TMUX, "indexing", 110, 30);
    launch(
        &t,
        dir.path(),
        "SESSTUI_TEST_PAUSE=open:1500",
        "export.jsonl",
    );
    let log = dir.path().join("stderr.log");
    let start = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("test pause at open")
    {
        assert!(start.elapsed() < Duration::from_secs(10), "never paused");
        std::thread::sleep(Duration::from_millis(20));
    }
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 3)
        .unwrap();
    t.until("the list and the note", |s| {
        s.contains("export.jsonl changed on disk (truncated): r reloads")
            && s.contains("FIRST INPUT")
    });
    t.keys(&["r"]);
    t.until("the file read again", |s| {
        s.contains("reloaded:") && !s.contains("changed on disk")
    });
    quit(&t);
}

/// A fatal signal from outside while the explorer owns the terminal: the terminal is restored
/// (screen, cursor, mouse, mode) and the shell sees the signal's status.
fn fatal(signal: &str, rc: u8) {
    let (dir, _path) = copy();
    let t = Tmux::require_with(TMUX, &signal.to_lowercase(), 80, 24);
    launch(&t, dir.path(), "", "--mouse export.jsonl");
    t.until("the session list", session_list);
    let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
    let ok = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.trim())
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let screen = t.until("the shell again", ended);
    assert!(screen.contains(&format!("rc={rc}")), "{screen}");
    assert!(
        screen.contains("tty=same"),
        "terminal mode restored:\n{screen}"
    );
    assert_eq!(t.flags(), "0 1 0", "terminal restored:\n{screen}");
    assert!(!screen.contains("FIRST INPUT"), "{screen}");
}

#[test]
fn sigsegv_restores_the_terminal_and_dies_by_it_139() {
    fatal("SEGV", 139);
}

#[test]
fn sigbus_from_outside_restores_the_terminal_and_dies_by_it_135() {
    fatal("BUS", 135);
}
