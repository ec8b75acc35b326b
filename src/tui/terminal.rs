//! Entering and leaving the terminal's full-screen mode, safely: an RAII guard restores the
//! terminal on return and on error; a panic hook, installed before raw mode and chaining the
//! previous hook, restores it before the panic message prints; and while the terminal is
//! full-screen, a fatal signal (SIGSEGV, SIGBUS, …) restores it before the process dies
//! ([`crate::fatal`], armed here).

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal back: cooked mode, main screen, cursor shown, mouse released.
pub fn restore() {
    crate::fatal::disarm();
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before any panic message is printed.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Owns the full-screen terminal; dropping it restores the terminal.
pub struct Guard {
    pub terminal: Term,
}

impl Guard {
    pub fn enter(mouse: bool) -> io::Result<Guard> {
        // Before raw mode: the mode saved for a fatal signal is the one to go back to.
        crate::fatal::arm();
        Self::take(mouse).inspect_err(|_| crate::fatal::disarm())
    }

    fn take(mouse: bool) -> io::Result<Guard> {
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, cursor::Hide)?;
        if mouse {
            execute!(out, EnableMouseCapture)?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(Guard { terminal })
    }

    pub fn mouse(&mut self, on: bool) {
        let _ = if on {
            execute!(io::stdout(), EnableMouseCapture)
        } else {
            execute!(io::stdout(), DisableMouseCapture)
        };
    }

    /// Leaves full-screen mode and stops (Ctrl-Z, SIGTSTP); when continued, comes back.
    ///
    /// SIGTSTP is caught (see `signals`), so raising it would only come back to us. As
    /// signal-hook documents for SIGTSTP, its default action is emulated instead: SIGSTOP, which
    /// cannot be caught. The shell then reports "Stopped (signal)" rather than "Stopped".
    pub fn suspend(&mut self, mouse: bool) {
        restore();
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP);
        // Continued (`fg`).
        self.resume(mouse);
    }

    /// Takes the terminal back after a stop (SIGCONT): raw mode, alternate screen, hidden cursor,
    /// mouse if it was on; then clears it, so the next draw writes every cell.
    ///
    /// After an uncatchable SIGSTOP the shell may have put its own mode back while crossterm
    /// still believes raw mode is on (its enable is then a no-op), so raw mode is set anew.
    pub fn resume(&mut self, mouse: bool) {
        crate::fatal::arm();
        let _ = terminal::disable_raw_mode();
        let _ = terminal::enable_raw_mode();
        let _ = execute!(io::stdout(), EnterAlternateScreen, cursor::Hide);
        if mouse {
            let _ = execute!(io::stdout(), EnableMouseCapture);
        }
        let _ = self.terminal.clear();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // During a panic the hook has restored the terminal already.
        if !std::thread::panicking() {
            restore();
        }
    }
}
