//! The explorer's runtime: terminal set-up, the event loop, and the effects the app asks for.
//!
//! Threads and one channel, no async runtime: an input thread (crossterm, polling so it can
//! notice signals), an index thread, the matcher's own pool, and short-lived workers for search
//! filling and full-text search. The loop blocks on the channel, drains everything queued,
//! updates the app, and draws only if something changed.

mod terminal;

use crate::app::keymap;
use crate::app::{App, Effect, action::Action, search};
use crate::index::progress::Progress;
use crate::model::Model;
use anyhow::Result;
use crossterm::event::{self as ct, Event as CtEvent, KeyEventKind, MouseButton, MouseEventKind};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// What happened.
pub enum Event {
    Input(CtEvent),
    Loaded(Result<Arc<Model>, String>),
    SearchChanged,
    FullText {
        query: String,
        spans: Vec<u32>,
    },
    /// SIGINT, SIGTERM or SIGHUP arrived.
    Signal,
}

/// Opens the files in the explorer and runs until the user quits.
pub fn run(files: &[PathBuf], mouse: bool, infer: crate::model::infer::Options) -> Result<()> {
    terminal::install_panic_hook();
    let (tx, rx) = mpsc::channel();
    let progress = Arc::new(Progress::default());
    spawn_index(files.to_vec(), infer, Arc::clone(&progress), tx.clone());
    std::thread::spawn(crate::highlight::warm);
    let mut guard = terminal::Guard::enter(mouse)?;
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), Arc::clone(&stop))?;
    let names = files.iter().map(|f| f.display().to_string()).collect();
    let mut app = App::new(names);
    app.mouse = mouse;
    app.infer = infer;
    let pending = Arc::new(AtomicBool::new(false));
    {
        let tx = tx.clone();
        let pending = Arc::clone(&pending);
        app.search.notify = Some(Arc::new(move || {
            if !pending.swap(true, Ordering::AcqRel) {
                let _ = tx.send(Event::SearchChanged);
            }
        }));
    }
    let result = event_loop(&mut guard, &mut app, files, &rx, &tx, &progress, &pending);
    stop.store(true, Ordering::Relaxed);
    progress.cancel();
    drop(guard);
    result
}

fn spawn_index(
    files: Vec<PathBuf>,
    infer: crate::model::infer::Options,
    progress: Arc<Progress>,
    tx: Sender<Event>,
) {
    std::thread::spawn(move || {
        let r = crate::load::load(&files, infer, &progress)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        let _ = tx.send(Event::Loaded(r));
    });
}

fn spawn_input(tx: Sender<Event>, stop: Arc<AtomicBool>) -> Result<()> {
    // Signals get their own thread: when the terminal goes away (SIGHUP), reads from it can
    // spin inside crossterm, so the input thread may never look at a flag.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ])?;
    let sig_tx = tx.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = sig_tx.send(Event::Signal);
        }
    });
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match ct::poll(Duration::from_millis(50)) {
                Ok(true) => match ct::read() {
                    Ok(ev) => {
                        if tx.send(Event::Input(ev)).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {}
                Err(_) => return,
            }
        }
    });
    Ok(())
}

/// Frames are drawn at most this often.
const FRAME: Duration = Duration::from_millis(16);

fn event_loop(
    guard: &mut terminal::Guard,
    app: &mut App,
    files: &[PathBuf],
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    progress: &Progress,
    pending: &AtomicBool,
) -> Result<()> {
    let theme = crate::ui::Theme::from_env();
    let size = guard.terminal.size()?;
    app.resize(size.width, size.height);
    guard.terminal.draw(|f| crate::ui::draw(f, app, &theme))?;
    let mut last_draw = Instant::now();
    loop {
        let first = if app.model.is_none() && app.load_error.is_none() {
            // Indexing: wake ten times a second to show progress.
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => Some(ev),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        } else {
            match rx.recv() {
                Ok(ev) => Some(ev),
                Err(_) => return Ok(()),
            }
        };
        let mut dirty = app.model.is_none();
        app.progress = progress.snapshot();
        let mut events: Vec<Event> = first.into_iter().collect();
        events.extend(rx.try_iter());
        for ev in events {
            match handle(guard, app, files, ev, tx, pending) {
                Flow::Quit => return Ok(()),
                Flow::Redraw => dirty = true,
                Flow::Nothing => {}
            }
        }
        if dirty {
            let wait = FRAME.saturating_sub(last_draw.elapsed());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            guard.terminal.draw(|f| crate::ui::draw(f, app, &theme))?;
            last_draw = Instant::now();
        }
    }
}

enum Flow {
    Nothing,
    Redraw,
    Quit,
}

fn handle(
    guard: &mut terminal::Guard,
    app: &mut App,
    files: &[PathBuf],
    ev: Event,
    tx: &Sender<Event>,
    pending: &AtomicBool,
) -> Flow {
    let action = match ev {
        Event::Signal => return Flow::Quit,
        Event::Loaded(Ok(model)) => {
            app.loaded(model);
            return Flow::Redraw;
        }
        Event::Loaded(Err(e)) => {
            app.failed(e);
            return Flow::Redraw;
        }
        Event::SearchChanged => {
            pending.store(false, Ordering::Release);
            return if app.search.tick() {
                Flow::Redraw
            } else {
                Flow::Nothing
            };
        }
        Event::FullText { query, spans } => {
            if let Some(model) = app.model.clone() {
                search::full_text_done(app, &model, &query, spans);
                app.resize(app.width, app.height);
            }
            return Flow::Redraw;
        }
        Event::Input(CtEvent::Resize(w, h)) => {
            app.resize(w, h);
            return Flow::Redraw;
        }
        Event::Input(CtEvent::Key(k)) if k.kind != KeyEventKind::Release => {
            #[cfg(unix)]
            if k.code == ct::KeyCode::Char('z') && k.modifiers.contains(ct::KeyModifiers::CONTROL) {
                guard.suspend(app.mouse);
                return Flow::Redraw;
            }
            keymap::action(app.mode(), &k)
        }
        Event::Input(CtEvent::Mouse(m)) if app.mouse => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            MouseEventKind::Down(MouseButton::Left) => app.click(m.column, m.row),
            _ => None,
        },
        Event::Input(_) => None,
    };
    let Some(action) = action else {
        return Flow::Nothing;
    };
    for effect in app.update(action) {
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::Copy { text, what } => copy(app, &text, &what),
            Effect::WriteFile { name, text } => write_file(app, &name, &text),
            Effect::Mouse(on) => guard.mouse(on),
            Effect::FullText(query) => {
                if let Some(model) = app.model.clone() {
                    let tx = tx.clone();
                    std::thread::spawn(move || {
                        let spans = crate::model::fulltext::search(&model, &query, 100_000);
                        let _ = tx.send(Event::FullText { query, spans });
                    });
                }
            }
            Effect::Reload(options) => {
                // The old model stays on screen until the new one is built.
                let progress = Arc::new(Progress::default());
                spawn_index(files.to_vec(), options, progress, tx.clone());
            }
            Effect::FillSearch(scope) => {
                if let (Some(model), Some(injector)) =
                    (app.model.clone(), app.search.injector(scope))
                {
                    std::thread::spawn(move || search::fill(&model, scope, &injector));
                }
            }
        }
    }
    Flow::Redraw
}

fn copy(app: &mut App, text: &str, what: &str) {
    let in_tmux = std::env::var_os("TMUX").is_some();
    let mut out = std::io::stdout();
    let osc_ok = out
        .write_all(crate::clipboard::sequences(text, in_tmux).as_bytes())
        .and_then(|()| out.flush())
        .is_ok();
    let local = crate::clipboard::copy_local(text);
    let how = match (osc_ok, local) {
        (true, Some(tool)) => format!("OSC 52 and {tool}"),
        (true, None) => "OSC 52".to_owned(),
        (false, Some(tool)) => tool.to_owned(),
        (false, None) => {
            app.status = Some("could not write to the terminal to copy".into());
            return;
        }
    };
    app.status = Some(format!(
        "copied {what} ({} bytes) via {how}",
        crate::fmt::thousands(text.len() as u64)
    ));
}

fn write_file(app: &mut App, name: &str, text: &str) {
    let mut path = PathBuf::from(name);
    let mut n = 1;
    while path.exists() {
        let stem = name.trim_end_matches(".json");
        path = PathBuf::from(format!("{stem}-{n}.json"));
        n += 1;
    }
    app.status = Some(match std::fs::write(&path, text) {
        Ok(()) => format!(
            "wrote {} ({} bytes)",
            path.display(),
            crate::fmt::thousands(text.len() as u64)
        ),
        Err(e) => format!("could not write {}: {e}", path.display()),
    });
}
