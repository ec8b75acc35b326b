//! Fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT): the one handler for them.
//!
//! It does, in order, only what is safe in a signal handler:
//! 1. a SIGBUS raised by a read past the end of a mapped input file that another process
//!    shortened is *rescued*: zero pages are mapped in its place and the read runs again
//!    (see [`crate::source::guard`]); nothing else happens, the program goes on;
//! 2. any other fatal signal, while the explorer owns the terminal, first puts the terminal
//!    back: main screen, cursor shown, mouse released (escape sequences written with
//!    `write`), and the terminal mode saved before raw mode restored with `tcsetattr`;
//! 3. then the handler that was there before ours runs (Rust's own, which reports a stack
//!    overflow), and the signal is raised again with its default action, so the process dies
//!    by it and the shell sees `128 + signal`, as it would have without us.
//!
//! Written with `libc` rather than `signal-hook`: signal-hook refuses these signals (rightly,
//! for its flag-and-thread handlers), and its registry would chain Rust's stack-overflow
//! handler *after* ours even for a rescued SIGBUS, which resets the signal to its default.
//! The signals that end the program normally (INT, TERM, HUP, QUIT, TSTP, CONT) stay with
//! signal-hook and the event loop (`tui::signals`).

#![allow(unsafe_code)]

use std::sync::Once;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

#[cfg(unix)]
const FATAL: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGABRT,
];

/// What each of [`FATAL`] did before ours was installed (read-only once set).
#[cfg(unix)]
static PREVIOUS: OnceLock<[libc::sigaction; 5]> = OnceLock::new();
static INSTALLED: Once = Once::new();

/// The terminal is full-screen: restore it before dying.
static ARMED: AtomicBool = AtomicBool::new(false);
/// The terminal's file descriptor (standard input, or `/dev/tty` as crossterm picks it).
static TTY: AtomicI32 = AtomicI32::new(-1);
/// The terminal's mode before raw mode.
#[cfg(unix)]
static SAVED: OnceLock<libc::termios> = OnceLock::new();

/// What leaves every mode `tui::terminal` enters: mouse reporting (each of crossterm's modes),
/// the alternate screen, the hidden cursor.
const RESTORE: &[u8] =
    b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?1049l\x1b[?25h";

/// Installs the handler for the fatal signals, once; the handlers found are kept to run after.
pub fn install() {
    #[cfg(unix)]
    INSTALLED.call_once(|| {
        // SAFETY: plain sigaction calls with valid pointers; the previous actions are stored
        // before ours is installed, so the handler always finds them.
        unsafe {
            let mut previous: [libc::sigaction; 5] = std::mem::zeroed();
            for (i, &sig) in FATAL.iter().enumerate() {
                libc::sigaction(sig, std::ptr::null(), &raw mut previous[i]);
            }
            let _ = PREVIOUS.set(previous);
            let mut ours: libc::sigaction = std::mem::zeroed();
            ours.sa_sigaction = on_fatal as *const () as libc::sighandler_t;
            // On the alternate stack Rust sets up, so a stack overflow can still be handled.
            ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&raw mut ours.sa_mask);
            for &sig in &FATAL {
                libc::sigaction(sig, &raw const ours, std::ptr::null_mut());
            }
        }
    });
}

/// The explorer is about to take the terminal: saves its mode (the first time) and restores
/// it from the handler until [`disarm`].
pub fn arm() {
    install();
    #[cfg(unix)]
    if SAVED.get().is_none() {
        // The terminal crossterm puts in raw mode: standard input if it is one, else /dev/tty.
        // SAFETY: isatty, open and tcgetattr with valid arguments.
        unsafe {
            let fd = if libc::isatty(libc::STDIN_FILENO) == 1 {
                libc::STDIN_FILENO
            } else {
                libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC)
            };
            let mut t: libc::termios = std::mem::zeroed();
            if fd >= 0 && libc::tcgetattr(fd, &raw mut t) == 0 {
                TTY.store(fd, Ordering::Release);
                let _ = SAVED.set(t);
            }
        }
    }
    ARMED.store(true, Ordering::Release);
}

/// The terminal was given back: nothing to restore any more.
pub fn disarm() {
    ARMED.store(false, Ordering::Release);
}

/// Puts the terminal back from inside a signal handler: `write` and `tcsetattr` only.
#[cfg(unix)]
fn restore_terminal() {
    if !ARMED.swap(false, Ordering::AcqRel) {
        return;
    }
    // SAFETY: write and tcsetattr are async-signal-safe; the buffer and the termios are
    // statics that live forever.
    unsafe {
        let mut left = RESTORE;
        while !left.is_empty() {
            let n = libc::write(libc::STDOUT_FILENO, left.as_ptr().cast(), left.len());
            let Ok(n) = usize::try_from(n) else { break };
            left = left.get(n..).unwrap_or_default();
        }
        let fd = TTY.load(Ordering::Acquire);
        if let Some(t) = SAVED.get()
            && fd >= 0
        {
            libc::tcsetattr(fd, libc::TCSANOW, t);
        }
    }
}

#[cfg(unix)]
extern "C" fn on_fatal(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers; `si_addr` is
    // meaningful for SIGBUS with a kernel code (BUS_ADRERR: a page past the end of a file).
    #[cfg(target_os = "linux")]
    if sig == libc::SIGBUS && !info.is_null() && unsafe { (*info).si_code } == libc::BUS_ADRERR {
        let addr = unsafe { (*info).si_addr() } as usize;
        if crate::source::guard::rescue(addr) {
            return;
        }
    }
    restore_terminal();
    // SAFETY: the previous action is called as the kernel would have called it (with the
    // siginfo when it asked for one); then the default action is put back and the signal
    // raised again: it is blocked while this handler runs, and delivered when it returns.
    unsafe {
        let at = FATAL.iter().position(|&s| s == sig);
        if let (Some(prev), Some(at)) = (PREVIOUS.get(), at) {
            let p = &prev[at];
            let h = p.sa_sigaction;
            if h != libc::SIG_DFL && h != libc::SIG_IGN {
                if p.sa_flags & libc::SA_SIGINFO != 0 {
                    let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        std::mem::transmute(h);
                    f(sig, info, ctx);
                } else {
                    let f: extern "C" fn(libc::c_int) = std::mem::transmute(h);
                    f(sig);
                }
            }
        }
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &raw const dfl, std::ptr::null_mut());
        libc::raise(sig);
    }
}
