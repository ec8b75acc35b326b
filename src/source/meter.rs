//! The one progress line on standard error while input is read from a pipe or decoded, before
//! anything else is shown: `sesstui: export.jsonl.zst: decompressing… 412.0 MB`.
//!
//! Only when standard error is a terminal, only once the work has taken a moment (a small file
//! shows nothing), redrawn in place with `\r` a few times a
//! second, and erased when the work is done. The file name goes through
//! [`crate::sanitize::one_line`]: a name can hold escape sequences. `SESSTUI_PROGRESS=never`
//! turns it off; `SESSTUI_PROGRESS=always` draws it on any standard error, from the first
//! bytes (what the tests read).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Nothing is drawn before the work has taken this long…
const QUIET_FOR: Duration = Duration::from_millis(300);
/// …and then at most this often.
const EVERY: Duration = Duration::from_millis(100);

/// A progress line for one input.
pub(crate) struct Meter {
    name: String,
    verb: &'static str,
    on: bool,
    /// Nothing drawn before this long.
    quiet: Duration,
    start: Instant,
    last: Option<Instant>,
}

impl Meter {
    /// A meter for `name` doing `verb` ("decompressing", "reading", "converting").
    pub fn new(name: &str, verb: &'static str) -> Meter {
        let (on, quiet) = match std::env::var("SESSTUI_PROGRESS").as_deref() {
            Ok("always") => (true, Duration::ZERO),
            Ok("never") => (false, QUIET_FOR),
            _ => (std::io::stderr().is_terminal(), QUIET_FOR),
        };
        Meter {
            name: crate::sanitize::one_line(name),
            verb,
            on,
            quiet,
            start: Instant::now(),
            last: None,
        }
    }

    /// A meter that never draws.
    #[cfg(test)]
    pub fn off() -> Meter {
        Meter {
            name: String::new(),
            verb: "",
            on: false,
            quiet: QUIET_FOR,
            start: Instant::now(),
            last: None,
        }
    }

    /// `bytes` done so far.
    pub fn tick(&mut self, bytes: u64) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.start) < self.quiet
            || self.last.is_some_and(|t| now.duration_since(t) < EVERY)
        {
            return;
        }
        self.last = Some(now);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Ksesstui: {}: {}… {}",
            self.name,
            self.verb,
            crate::fmt::bytes(bytes)
        );
        let _ = err.flush();
    }

    /// Erases the line, if one was drawn.
    pub fn done(&mut self) {
        if self.last.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.done();
    }
}
