//! The tests' own isolation from the developer's config file (`tests/common/isolated.rs`): with
//! a hostile `config.toml` where the binary would look for it (`$XDG_CONFIG_HOME/sesstui/`),
//! the binary as the helpers start it, headless and in a tmux pane, sees the same as with none.
//! The same config read without the helpers changes the output, so the checks can fail.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;
use tmux::{Tmux, isolated};

const FIXTURE: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";

/// Everything a config can change: inference, zone, keys, theme.
const HOSTILE: &str = r#"
[defaults]
idle-gap = "1m"
infer = false
split-idle = true
time-zone = "Asia/Tokyo"

[keys]
quit = "x"
help = "f1"

[theme]
base = "light"
"#;

/// A temporary `XDG_CONFIG_HOME` holding `sesstui/config.toml` with `text`.
fn config_home(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sesstui")).unwrap();
    std::fs::write(dir.path().join("sesstui/config.toml"), text).unwrap();
    dir
}

/// `sesstui ARGS` from the repository root with `XDG_CONFIG_HOME=xdg`, started by the helper
/// (`isolated`) or not; its stdout (it must succeed).
fn run(isolated: bool, xdg: &Path, args: &[&str]) -> String {
    let mut c = if isolated {
        isolated::command()
    } else {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sesstui"));
        c.env_remove(isolated::VAR);
        c
    };
    let out = c
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CONFIG_HOME", xdg)
        .env("SESSTUI_PROGRESS", "never")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_helpers_binary_reads_the_empty_config_not_the_users() {
    let hostile = config_home(HOSTILE);
    let none = tempfile::tempdir().unwrap();
    assert_eq!(
        run(true, hostile.path(), &["--print-config-path"]).trim(),
        isolated::EMPTY
    );
    for args in [&["sessions", FIXTURE][..], &["sessions", "--json", FIXTURE]] {
        let plain = run(true, none.path(), args);
        assert_eq!(run(true, hostile.path(), args), plain, "{args:?}");
        // Without the helper the hostile config is read, and changes what is printed.
        assert_ne!(run(false, hostile.path(), args), plain, "{args:?}");
    }
}

#[test]
fn a_tmux_pane_from_the_helper_reads_the_empty_config_not_the_users() {
    let t = Tmux::require("isolation", 120, 30);
    let hostile = config_home(HOSTILE);
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let root = env!("CARGO_MANIFEST_DIR");
    t.line(&format!(
        "cd {root} && XDG_CONFIG_HOME={} {bin} {FIXTURE}; echo EXITED-$?",
        hostile.path().display()
    ));
    let screen = t.until("the session list", |s| s.contains("1 of 8"));
    // The built-in zone and keys, not Tokyo's and `x`.
    assert!(screen.contains("03-02 09:00Z"), "{screen}");
    assert!(
        screen.contains("q quit") && !screen.contains("x quit"),
        "{screen}"
    );
    t.keys(&["q"]);
    t.until("the explorer to quit on q", |s| s.contains("EXITED-0"));
}

/// A developer's shell may export `NO_COLOR`, `TZ` or sesstui's own variables; the helper
/// removes them, so a test sees what a clean environment shows. Set before the helper runs
/// (as the inherited environment is), a small stream limit and the progress meter on every
/// standard error change the run; through the helper they change nothing.
#[test]
fn the_helpers_binary_drops_the_developers_environment() {
    let root = env!("CARGO_MANIFEST_DIR");
    let fixture = std::fs::read(Path::new(root).join(FIXTURE)).unwrap();
    let run = |isolate: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sesstui"));
        c.env("SESSTUI_STDIN_LIMIT", "1K")
            .env("SESSTUI_PROGRESS", "always")
            .env("NO_COLOR", "1")
            .env("TZ", "Asia/Tokyo");
        if isolate {
            isolated::isolate(&mut c);
        }
        let mut child = c
            .current_dir(root)
            .args(["sessions", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let bytes = fixture.clone();
        // The binary may stop reading at its limit: a closed pipe is expected then.
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&bytes);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run(true);
    assert!(ok, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let none = tempfile::tempdir().unwrap();
    assert_eq!(stdout, run_stdin(none.path(), &fixture));
    // Without the helper the inherited limit stops the read.
    let (ok, _, stderr) = run(false);
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("SESSTUI_STDIN_LIMIT"), "{stderr}");
}

/// `sesstui sessions -` through the helper with `bytes` on standard input.
fn run_stdin(xdg: &Path, bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = isolated::command()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CONFIG_HOME", xdg)
        .args(["sessions", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}
