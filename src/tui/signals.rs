//! Signals from outside (`kill`, a closing terminal, job control) become events for the loop.
//!
//! Nothing is done in a signal handler: signal-hook's handler only wakes a thread of ours, which
//! sends [`Event::Signal`]. The loop is the only writer to the terminal, so it restores the
//! terminal between two frames, never in the middle of one, and then acts: suspends, exits with
//! `128 + signal`, or dies by the signal's default action (SIGQUIT, for its core dump).
//! The keys that would send these signals in cooked mode (Ctrl-C, Ctrl-Z, Ctrl-\) arrive as keys
//! in raw mode; only a `kill` or the terminal's hang-up sends them.

use super::Event;
use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
use std::os::raw::c_int;
use std::sync::mpsc::Sender;

/// The signals the explorer handles; every other one keeps its default action.
const HANDLED: [c_int; 6] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGCONT];

/// What the loop does about a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// SIGTSTP: restore the terminal, stop, and take the terminal back when continued.
    Suspend,
    /// SIGCONT: take the terminal back and draw everything again. After our own stop this
    /// repeats what [`Act::Suspend`] did; after an uncatchable SIGSTOP the terminal was left
    /// full-screen, and the shell has since written on it and may have changed its mode.
    Resume,
    /// SIGINT, SIGTERM, SIGHUP, SIGQUIT: restore the terminal and end.
    End(c_int),
}

pub fn act(signal: c_int) -> Act {
    match signal {
        SIGTSTP => Act::Suspend,
        SIGCONT => Act::Resume,
        other => Act::End(other),
    }
}

/// Starts catching the signals and sending them to the loop.
///
/// Called before the terminal enters full-screen mode, so there is no moment where a signal's
/// default action could leave it broken, and before the other threads start, as signal-hook
/// advises for the first registration of a signal.
pub fn forward(tx: Sender<Event>) -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new(HANDLED)?;
    // Its own thread: when the terminal goes away (SIGHUP), reads from it can spin inside
    // crossterm, so the input thread may never get to look at anything else.
    std::thread::spawn(move || {
        for signal in signals.forever() {
            // While another program has the terminal (`o`), the keys' signals are its own:
            // Ctrl-C and Ctrl-\ do not end sesstui, Ctrl-Z stops it with the program.
            if super::child::owns_key_signals() {
                match signal {
                    SIGINT | SIGQUIT | SIGCONT => continue,
                    SIGTSTP if super::child::running() => {
                        let _ = signal_hook::low_level::emulate_default_handler(SIGTSTP);
                        continue;
                    }
                    _ => {}
                }
            }
            if tx.send(Event::Signal(signal)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// After the terminal is restored, SIGQUIT dies by its default action, with a core dump where
/// those are enabled (the shell sees 131). The others return: the explorer exits with
/// `128 + signal`, running its destructors.
pub fn finish(signal: c_int) {
    if signal == SIGQUIT {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_has_its_act() {
        assert_eq!(act(SIGTSTP), Act::Suspend);
        assert_eq!(act(SIGCONT), Act::Resume);
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            assert_eq!(act(s), Act::End(s));
        }
    }
}
