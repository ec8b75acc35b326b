//! Handing the terminal to another program and taking it back: `o` in the span detail opens
//! the record in `$PAGER` (or `$EDITOR`).
//!
//! While the program runs it owns the terminal: sesstui leaves the alternate screen and raw
//! mode (as for Ctrl-Z), its input thread stops reading keys (they are the program's), and the
//! signals the terminal's keys send to the whole foreground job (Ctrl-C, Ctrl-\) are left to
//! the program instead of ending sesstui; Ctrl-Z stops sesstui with it, and `fg` continues
//! both. Afterwards the terminal is taken back and drawn whole. The record is written to a
//! private temporary file (mode 0600, removed afterwards), never next to an input.

use super::terminal::Guard;
use crate::app::App;
use std::io::Write;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Another program has the terminal.
static RUNNING: AtomicBool = AtomicBool::new(false);
/// The input thread is not reading the terminal.
static PARKED: AtomicBool = AtomicBool::new(false);

/// When the last program ended, in milliseconds after [`since`] (0: none has run).
static ENDED: AtomicU64 = AtomicU64::new(0);

/// A signal the keys sent while a program had the terminal may be read after it ended (the
/// program dies of the same Ctrl-C at once; the thread that reads signals may run later on a
/// busy machine): for this long after, such signals are still the program's.
const GRACE: Duration = Duration::from_millis(500);

fn since() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// True while another program has the terminal.
pub fn running() -> bool {
    RUNNING.load(Ordering::Acquire)
}

/// True while the keys' signals (Ctrl-C, Ctrl-\) belong to another program: while it runs,
/// and for [`GRACE`] after it ended.
pub fn owns_key_signals() -> bool {
    if running() {
        return true;
    }
    match ENDED.load(Ordering::Acquire) {
        0 => false,
        ended => {
            let now = u64::try_from(since().elapsed().as_millis()).unwrap_or(u64::MAX);
            now.saturating_sub(ended) < GRACE.as_millis() as u64
        }
    }
}

/// Called by the input thread: whether it is keeping off the terminal now.
pub fn set_parked(parked: bool) {
    PARKED.store(parked, Ordering::Release);
}

/// The program to open a file with, from the environment: `$PAGER`, else `$EDITOR`.
pub fn program() -> Result<(&'static str, String), String> {
    for var in ["PAGER", "EDITOR"] {
        if let Some(v) = std::env::var_os(var) {
            let v = v.to_string_lossy().trim().to_owned();
            if !v.is_empty() {
                return Ok((var, v));
            }
        }
    }
    Err(
        "o opens the record in $PAGER or $EDITOR, and neither is set (for instance \
         `export PAGER=less`); yj copies the record instead"
            .to_owned(),
    )
}

/// `o`: writes span `span`'s record to a private temporary file and runs the pager (or
/// editor) on it with the terminal; the status line says how it went.
pub fn view_record(guard: &mut Guard, app: &mut App, span: u32) {
    let Some(model) = app.model.clone() else {
        return;
    };
    let (var, prog) = match program() {
        Ok(p) => p,
        Err(why) => {
            app.status = Some(why);
            return;
        }
    };
    let file = tempfile::Builder::new()
        .prefix("sesstui-record-")
        .suffix(".json")
        .tempfile();
    let mut file = match file {
        Ok(f) => f,
        Err(e) => {
            app.status = Some(format!("could not make a temporary file: {e}"));
            return;
        }
    };
    let written = {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        let r = crate::app::detail::copy::write_record(&model, span, &mut out, &app.keymap);
        match (r, out.flush()) {
            (Ok(n), Ok(())) => Ok(n),
            (Err(e), _) => Err(e),
            (_, Err(e)) => Err(e.to_string()),
        }
    };
    let bytes = match written {
        Ok(n) => n,
        Err(why) => {
            app.status = Some(format!("not opened: {why}"));
            return;
        }
    };
    let shown = crate::sanitize::one_line(&prog);
    let status = hand_over(guard, app.mouse, || {
        Command::new("sh")
            .arg("-c")
            .arg(format!("exec {prog} \"$1\""))
            .arg("sesstui")
            .arg(file.path())
            .status()
    });
    drop(file);
    app.status = Some(match status {
        Ok(s) if s.success() => format!(
            "back from ${var} ({shown}): the record ({} bytes) was given to it in a private \
             temporary file, now removed",
            crate::fmt::thousands(bytes as u64)
        ),
        Ok(s) => format!(
            "${var} ({shown}) ended with {}",
            s.code()
                .map_or_else(|| "a signal".to_owned(), |c| format!("status {c}"))
        ),
        Err(e) => format!("could not run ${var} ({shown}): {e}"),
    });
}

/// Runs `run` with the terminal given over: full-screen mode left, keys left to it; then
/// takes the terminal back.
fn hand_over<T>(guard: &mut Guard, mouse: bool, run: impl FnOnce() -> T) -> T {
    since();
    RUNNING.store(true, Ordering::Release);
    // The input thread checks between polls (50 ms): wait until it is off the terminal.
    let start = Instant::now();
    while !PARKED.load(Ordering::Acquire) && start.elapsed() < Duration::from_millis(500) {
        std::thread::sleep(Duration::from_millis(5));
    }
    super::terminal::restore();
    let out = run();
    guard.resume(mouse);
    let ended = u64::try_from(since().elapsed().as_millis()).unwrap_or(u64::MAX);
    ENDED.store(ended.max(1), Ordering::Release);
    RUNNING.store(false, Ordering::Release);
    out
}
