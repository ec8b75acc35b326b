//! A tmux server of our own for the end-to-end tests that drive the real binary in a real
//! terminal: start a detached session of a given size, send keys, read the screen
//! (`capture-pane`), wait for what a user would see, read the terminal's modes.
//!
//! Included by the `e2e_*` test files as `#[path = "common/tmux.rs"] mod tmux;`, so the other
//! test binaries neither build it nor warn about what they don't use.

#![allow(dead_code)] // each test binary uses its own part
#![allow(clippy::panic)] // tests fail loudly

#[allow(clippy::duplicate_mod)] // also included beside it by some test files
#[path = "isolated.rs"]
pub mod isolated;

use std::process::Command;
use std::time::{Duration, Instant};

/// How a session is set up.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// `set-clipboard on`: an OSC 52 copy from the app lands in tmux's paste buffer.
    pub clipboard: bool,
    /// The pause after each key sent with [`Tmux::keys`], so Esc is not read as Alt with the
    /// next key.
    pub key_pause: Duration,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            clipboard: true,
            key_pause: Duration::from_millis(60),
        }
    }
}

/// A tmux server of our own (its own socket), killed on drop. Its one session is `s`.
pub struct Tmux {
    socket: String,
    key_pause: Duration,
}

impl Tmux {
    /// Whether tmux cannot be run at all (tests that may be skipped without it ask this).
    pub fn missing() -> bool {
        Command::new("tmux").arg("-V").output().is_err()
    }

    /// A `w`×`h` session running `sh`, set up as [`Setup::default`]; `None` when tmux cannot
    /// start one.
    pub fn start(name: &str, w: u16, h: u16) -> Option<Tmux> {
        Tmux::start_with(Setup::default(), name, w, h)
    }

    /// As [`Tmux::start`], but panics when tmux cannot start a session.
    pub fn require(name: &str, w: u16, h: u16) -> Tmux {
        Tmux::require_with(Setup::default(), name, w, h)
    }

    /// A `w`×`h` session running `sh`, set up as `setup`; `None` when tmux cannot start one.
    pub fn start_with(setup: Setup, name: &str, w: u16, h: u16) -> Option<Tmux> {
        let socket = format!(
            "sesstui-{}-{}-{name}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        );
        let t = Tmux {
            socket,
            key_pause: setup.key_pause,
        };
        let size = (w.to_string(), h.to_string());
        t.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "s",
            "-x",
            &size.0,
            "-y",
            &size.1,
            "sh",
        ])?;
        if setup.clipboard {
            t.cmd(&["set", "-g", "set-clipboard", "on"]);
        }
        t.cmd(&["set", "-g", "status", "off"]);
        Some(t)
    }

    /// As [`Tmux::start_with`], but panics when tmux cannot start a session.
    pub fn require_with(setup: Setup, name: &str, w: u16, h: u16) -> Tmux {
        let t = Tmux::start_with(setup, name, w, h);
        match t {
            Some(t) => t,
            None => panic!("tmux is required for this test (.ci/run installs it)"),
        }
    }

    /// Runs `tmux ARGS` on our server; its output if it succeeded. The server starts with
    /// `SESSTUI_CONFIG` naming an empty config (see `isolated.rs`), and every pane inherits it.
    pub fn cmd(&self, args: &[&str]) -> Option<String> {
        let out = isolated::isolate(&mut Command::new("tmux"))
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Sends each of `keys` (tmux key names or text), pausing after each.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "s", k]);
            std::thread::sleep(self.key_pause);
        }
    }

    /// Types `line` and Enter, with no pause.
    pub fn line(&self, line: &str) {
        self.cmd(&["send-keys", "-t", "s", line, "Enter"]);
    }

    /// Types `text` literally (no key names), then pauses 60 ms.
    pub fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "s", "-l", text]);
        std::thread::sleep(Duration::from_millis(60));
    }

    /// The visible screen, wrapped lines joined.
    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-J", "-t", "s"])
            .unwrap_or_default()
    }

    /// Waits up to 10 s for the screen to satisfy `pred`; panics with the last screen.
    pub fn until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

    /// The screen once two captures 100 ms apart agree (background work has been drawn).
    pub fn settled(&self) -> String {
        let start = Instant::now();
        let mut last = self.screen();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let s = self.screen();
            if s == last {
                return s;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("the screen kept changing; last:\n{s}");
            }
            last = s;
        }
    }

    /// tmux's `display -p FORMAT` for the session, trimmed.
    pub fn display(&self, format: &str) -> String {
        self.cmd(&["display", "-p", "-t", "s", format])
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// Alternate screen, cursor shown, mouse reported: `0 1 0` is a restored terminal.
    pub fn flags(&self) -> String {
        self.display("#{alternate_on} #{cursor_flag} #{mouse_any_flag}")
    }

    /// Alternate screen and cursor shown only: `0 1` is a restored screen and cursor.
    pub fn screen_flags(&self) -> String {
        self.display("#{alternate_on} #{cursor_flag}")
    }

    /// Waits up to 10 s for [`Tmux::flags`] to read `want`; panics with the last screen.
    pub fn until_flags(&self, want: &str) {
        let start = Instant::now();
        loop {
            let f = self.flags();
            if f == want {
                return;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("flags read {f:?}, not {want:?}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// tmux's newest paste buffer, once it holds something other than `old` (or after 5 s).
    pub fn buffer_after(&self, old: &str) -> String {
        let start = Instant::now();
        loop {
            let b = self.cmd(&["show-buffer"]).unwrap_or_default();
            if b != old || start.elapsed() > Duration::from_secs(5) {
                return b;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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

/// The open session's id, from its header (`Session <id> …`), when a session is open.
pub fn open_session(screen: &str) -> Option<String> {
    screen
        .lines()
        .find_map(|l| l.strip_prefix("Session "))
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_owned)
}
