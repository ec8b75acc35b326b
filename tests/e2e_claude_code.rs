//! A Claude Code project directory opened in the real binary, in a real terminal (tmux): the
//! sessions listed with their titles, a session's turns with the typed prompts, and the Task's
//! sub-agent under it; quit restores the shell.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/tmux.rs"]
mod tmux;

use tmux::Tmux;

const PROJECT: &str = "fixtures/claude_code/projects/-home-dev-proj";

#[test]
fn a_project_directory_opens_every_session_with_its_turns() {
    let t = Tmux::require("claude", 140, 40);
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let root = env!("CARGO_MANIFEST_DIR");
    t.line(&format!("cd {root} && {bin} {PROJECT}; echo EXITED-$?"));
    t.until("the session list with titles", |s| {
        s.contains("6 sessions") && s.contains("Fix failing parser test")
    });
    // The list is in time order: the first session is C1's.
    t.keys(&["Enter"]);
    t.until("the turns", |s| {
        s.contains("Turn 1") && s.contains("fix the failing test in src/parser.rs")
    });
    t.keys(&["G"]);
    let s = t.until("the Task's sub-agent", |s| {
        s.contains("Task Find similar number parsing") && s.contains("sub-agent")
    });
    assert!(s.contains("Grep"), "{s}");
    t.keys(&["q"]);
    t.until("the shell", |s| s.contains("EXITED-0"));
}
