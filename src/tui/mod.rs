//! The explorer's runtime: terminal set-up, the event loop, and the effects the app asks for.
//!
//! Threads and one channel, no async runtime: an input thread (crossterm, polling so it can
//! notice when to stop), a signal thread, an index thread, the matcher's own pool, and
//! short-lived workers for search filling and full-text search. The loop blocks on the channel,
//! drains everything queued, updates the app, and draws only if something changed.

mod child;
mod follow;
mod signals;
mod terminal;

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
    /// A model was built, by build number `u64` (see [`Following::build`]): the first, a
    /// rebuild, or the first of a follower.
    Loaded(u64, Result<Arc<Model>, String>),
    SearchChanged,
    FullText {
        query: String,
        spans: crate::model::fulltext::Hits,
        /// The model searched (the one on screen may have been rebuilt since).
        model: Arc<Model>,
    },
    /// A signal from outside (see [`signals`]).
    Signal(i32),
    /// What a round of following the files found (see [`follow`]), for the follower of build
    /// number `u64`.
    Followed(u64, crate::follow::Round),
}

/// How the explorer ended, for the process's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The user quit (`q`, the Ctrl-C key): status 0.
    Quit,
    /// SIGINT, SIGTERM or SIGHUP (or SIGQUIT, if dying by it failed): status 128 + signal.
    Signal(i32),
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Quit => 0,
            Outcome::Signal(s) => u8::try_from(128 + s).unwrap_or(u8::MAX),
        }
    }
}

/// Opens the files in the explorer and runs until the user quits or a signal ends it.
///
/// The terminal is restored before this returns. When the files could not be loaded, the error
/// is shown until the user quits and then returned, so the caller prints it and exits 2.
///
/// `settings` are the config file's with the command line's over them: the inference options,
/// the mouse at start, the keys, the theme (`NO_COLOR` still wins) and the time zone.
pub fn run(files: &[PathBuf], settings: crate::config::Config, follow: bool) -> Result<Outcome> {
    run_with(files, settings, follow, None)
}

/// The receiver's counts, asked for once a second for the header (see [`crate::listen`]).
pub type Live<'a> = &'a dyn Fn() -> crate::listen::stats::Status;

/// [`run`], with a receiver's counts in the header when `live` is given.
pub fn run_with(
    files: &[PathBuf],
    settings: crate::config::Config,
    follow: bool,
    live: Option<Live<'_>>,
) -> Result<Outcome> {
    let crate::config::Config {
        infer,
        mouse,
        keymap,
        theme,
        zone,
    } = settings;
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the explorer needs a terminal, and standard output is not one; for scripts use \
             `sesstui sessions`, `spans`, `show` or `doctor` (see --help)"
        );
    }
    // Opened before the screen is taken: a file that cannot be opened is said on the terminal
    // as it was, and when none can, nothing is drawn. Streams (standard input, pipes) are read
    // here, once, also when following: the follower is handed what was opened.
    let opened = if follow {
        // The follower keeps a handle on each file (and reads whole lines only); a file that
        // holds no span yet is waited on, not refused.
        let f = crate::follow::open_files(files, None);
        if f.opened() == 0 {
            return Err(match f.unread().first() {
                Some(u) => anyhow::anyhow!("{}: {}", u.path, u.reason),
                None => anyhow::anyhow!("no file to open"),
            });
        }
        Opened::Follower(f)
    } else {
        let (sources, unread) = crate::load::open(files);
        if sources.is_empty() {
            return Err(match unread.into_iter().next() {
                Some(u) => anyhow::anyhow!("{}: {}", u.path, u.reason),
                None => anyhow::anyhow!("no file to open"),
            });
        }
        Opened::Sources(sources, unread)
    };
    let (tx, rx) = mpsc::channel();
    signals::forward(tx.clone())?;
    terminal::install_panic_hook();
    let progress = Arc::new(Progress::default());
    let mut following = Following::default();
    match opened {
        Opened::Follower(f) => {
            following.handle = Some(follow::Handle::spawn(
                follow::Start::Opened(f),
                infer,
                Arc::clone(&progress),
                tx.clone(),
                following.build,
            ));
        }
        Opened::Sources(sources, unread) => {
            let (tx, progress) = (tx.clone(), Arc::clone(&progress));
            std::thread::spawn(move || {
                let r = crate::load::from_sources(sources, unread, infer, &progress)
                    .and_then(|m| crate::load::require_spans(&m).map(|()| m))
                    .map(Arc::new)
                    .map_err(|e| e.to_string());
                let _ = tx.send(Event::Loaded(0, r));
            });
        }
    }
    let mut guard = terminal::Guard::enter(mouse)?;
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), Arc::clone(&stop));
    let names = files.iter().map(|f| f.display().to_string()).collect();
    let mut app = App::new(names);
    app.mouse = mouse;
    app.infer = infer;
    app.keymap = keymap;
    app.zone = zone;
    let theme = crate::ui::Theme::with_env(theme);
    if follow {
        app.follow = Some(crate::app::follow::Following { on: true, added: 0 });
    }
    app.receiving = live.map(|f| f());
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
    let result = event_loop(
        &mut guard,
        &mut app,
        files,
        &rx,
        &tx,
        &progress,
        &pending,
        &mut following,
        &theme,
        live,
    );
    stop.store(true, Ordering::Relaxed);
    progress.cancel();
    drop(guard);
    match result? {
        Outcome::Signal(s) => {
            signals::finish(s);
            Ok(Outcome::Signal(s))
        }
        Outcome::Quit => match (&app.model, app.load_error.take()) {
            (None, Some(e)) => Err(anyhow::anyhow!(e)),
            _ => Ok(Outcome::Quit),
        },
    }
}

/// What was opened before the screen was taken.
enum Opened {
    Sources(Vec<crate::source::Source>, Vec<crate::load::Unread>),
    Follower(crate::follow::Follower),
}

/// Builds the model again in the background from `old`'s files (see `load::reload`); the old
/// model stays on screen until the new one is built.
fn spawn_rebuild(
    files: Vec<PathBuf>,
    old: Arc<Model>,
    reuse: crate::load::Reuse,
    infer: crate::model::infer::Options,
    tx: Sender<Event>,
    build: u64,
) {
    std::thread::spawn(move || {
        let progress = Progress::default();
        let r = crate::load::reload(&files, &old.index, reuse, infer, &progress)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        drop(old);
        let _ = tx.send(Event::Loaded(build, r));
    });
}

fn spawn_input(tx: Sender<Event>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            // Another program has the terminal (`o`): its keys are its own.
            if child::running() {
                child::set_parked(true);
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            child::set_parked(false);
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
}

/// Frames are drawn at most this often.
const FRAME: Duration = Duration::from_millis(16);
/// The files are looked at this often, to say when one changed on disk (a `stat` each).
const WATCH: Duration = Duration::from_secs(1);

/// The follower thread, once started, and the changes to the model waiting their turn.
#[derive(Default)]
struct Following {
    handle: Option<follow::Handle>,
    queue: follow::Queue,
    /// The number of the last build of a model that was started (the first load is 0; every
    /// rebuild, and every follower started, counts one more). Only its model, and only its
    /// follower's rounds, are taken: a model or round from an earlier one (a rebuild still
    /// running when `f` started following, a follower `r` started again) is dropped.
    build: u64,
}

impl Following {
    /// Starts the next build: what earlier ones still send is dropped, and nothing they sent
    /// waits in the queue.
    fn next_build(&mut self) -> u64 {
        self.build += 1;
        self.queue.clear();
        self.build
    }
}

#[allow(clippy::too_many_arguments)]
fn event_loop(
    guard: &mut terminal::Guard,
    app: &mut App,
    files: &[PathBuf],
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    progress: &Progress,
    pending: &AtomicBool,
    following: &mut Following,
    theme: &crate::ui::Theme,
    live: Option<Live<'_>>,
) -> Result<Outcome> {
    let theme = *theme;
    let size = guard.terminal.size()?;
    app.resize(size.width, size.height);
    guard.terminal.draw(|f| crate::ui::draw(f, app, &theme))?;
    let mut last_draw = Instant::now();
    let mut next_watch = Instant::now() + WATCH;
    loop {
        // Indexing: wake ten times a second to show progress; a change to the model that
        // waits for the workers reading it: try again soon; else once a second, to look at the
        // files.
        let to_watch = next_watch.saturating_duration_since(Instant::now());
        let wait = if app.model.is_none() && app.load_error.is_none() {
            Duration::from_millis(100)
        } else if !following.queue.is_empty() {
            follow::RETRY.min(to_watch)
        } else {
            to_watch
        };
        let first = match rx.recv_timeout(wait) {
            Ok(ev) => Some(ev),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return Ok(Outcome::Quit),
        };
        let mut dirty = app.model.is_none();
        if Instant::now() >= next_watch {
            next_watch = Instant::now() + WATCH;
            dirty |= app.watch();
            if let Some(live) = live {
                let now = live();
                dirty |= app.receiving.as_ref() != Some(&now);
                app.receiving = Some(now);
            }
        }
        app.progress = progress.snapshot();
        let mut events: Vec<Event> = first.into_iter().collect();
        events.extend(rx.try_iter());
        for ev in events {
            match handle(guard, app, files, ev, tx, pending, following) {
                Flow::Quit(outcome) => return Ok(outcome),
                Flow::Redraw => dirty = true,
                Flow::Nothing => {}
            }
        }
        if following.queue.apply(app) {
            dirty = true;
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
    Quit(Outcome),
}

fn handle(
    guard: &mut terminal::Guard,
    app: &mut App,
    files: &[PathBuf],
    ev: Event,
    tx: &Sender<Event>,
    pending: &AtomicBool,
    following: &mut Following,
) -> Flow {
    let action = match ev {
        Event::Signal(s) => {
            return match signals::act(s) {
                signals::Act::Suspend => {
                    guard.suspend(app.mouse);
                    resized(guard, app)
                }
                signals::Act::Resume => {
                    guard.resume(app.mouse);
                    resized(guard, app)
                }
                signals::Act::End(s) => Flow::Quit(Outcome::Signal(s)),
            };
        }
        // From a build that a later one superseded.
        Event::Loaded(build, _) | Event::Followed(build, _) if build != following.build => {
            return Flow::Nothing;
        }
        Event::Loaded(_, Ok(model)) if app.follow.is_some() && !app.reloading => {
            // Following started with `f`: the files read again, the place kept.
            let place = app.place();
            app.grown(model, place, 0);
            return Flow::Redraw;
        }
        Event::Loaded(_, Ok(model)) => {
            app.loaded(model);
            return Flow::Redraw;
        }
        Event::Followed(_, round) => {
            if !round.notes.is_empty() {
                app.status = Some(round.notes.join(" · "));
            }
            if let Some(u) = round.update {
                following.queue.push(follow::Job::Update(u));
            }
            if round.ended {
                // Nothing given can be followed (streams, compressed files): what was read
                // stays, as without `-f`.
                following.handle = None;
                app.follow = None;
            }
            return Flow::Redraw;
        }
        Event::Loaded(_, Err(e)) => {
            if following.handle.take().is_some() && app.model.is_some() {
                // The follower could not start again: what is shown stays, not followed.
                app.follow = None;
                app.failed(format!("{e}; following stopped (f starts it again)"));
            } else {
                app.failed(e);
            }
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
        Event::FullText {
            query,
            spans,
            model: searched,
        } => {
            match app.model.clone() {
                Some(model) if Arc::ptr_eq(&model, &searched) => {
                    search::full_text_hits(app, &model, &query, spans);
                    app.resize(app.width, app.height);
                }
                Some(_) => {
                    app.status = Some(format!(
                        "the files were reloaded during the search: {} searches again",
                        app.keymap.key("full-text-search")
                    ));
                }
                None => {}
            }
            return Flow::Redraw;
        }
        Event::Input(CtEvent::Resize(w, h)) => {
            app.resize(w, h);
            return Flow::Redraw;
        }
        Event::Input(CtEvent::Key(k)) if k.kind != KeyEventKind::Release => {
            if k.code == ct::KeyCode::Char('z') && k.modifiers.contains(ct::KeyModifiers::CONTROL) {
                guard.suspend(app.mouse);
                return resized(guard, app);
            }
            app.keymap.action(app.mode(), &k)
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
            Effect::Quit => return Flow::Quit(Outcome::Quit),
            // The draw after this call writes every cell, since the cleared terminal's buffer
            // no longer matches what was drawn.
            Effect::Redraw => {
                let _ = guard.terminal.clear();
            }
            Effect::Copy { text, what } => copy(app, &text, &what),
            Effect::WriteFile { name, text } => write_file(app, &name, &text),
            Effect::Mouse(on) => guard.mouse(on),
            Effect::FullText(query) => {
                if let Some(model) = app.model.clone() {
                    let tx = tx.clone();
                    std::thread::spawn(move || {
                        let spans = crate::model::fulltext::search_hits(
                            &model,
                            &query,
                            crate::model::fulltext::LIMIT,
                        );
                        let _ = tx.send(Event::FullText {
                            query,
                            spans,
                            model,
                        });
                    });
                }
            }
            Effect::Reload(options) if following.handle.is_some() => {
                // The model is rebuilt from its index, in turn with what the follower adds.
                if let Some(h) = &following.handle {
                    h.set_options(options);
                }
                following.queue.push(follow::Job::Rebuild(options));
            }
            Effect::Reopen(options) if following.handle.is_some() => {
                // `r` while following: the follower starts again and reads the files as they
                // are now (streams are kept, as a reload keeps them); paused stays paused.
                let on = app.follow.as_ref().is_some_and(|f| f.on);
                if let Some(f) = app.follow.as_mut() {
                    f.added = 0;
                }
                if let Some(old) = app.model.clone() {
                    let build = following.next_build();
                    let h = follow::Handle::spawn(
                        follow::Start::Again {
                            files: files.to_vec(),
                            old,
                        },
                        options,
                        Arc::new(Progress::default()),
                        tx.clone(),
                        build,
                    );
                    h.set_on(on);
                    following.handle = Some(h);
                }
            }
            Effect::Follow(on) => match &following.handle {
                Some(h) => h.set_on(on),
                None => match app.model.clone() {
                    Some(old) => {
                        app.reloading = false;
                        let build = following.next_build();
                        following.handle = Some(follow::Handle::spawn(
                            follow::Start::Again {
                                files: files.to_vec(),
                                old,
                            },
                            app.infer,
                            Arc::new(Progress::default()),
                            tx.clone(),
                            build,
                        ));
                    }
                    None => {
                        app.follow = None;
                        app.status = Some(format!(
                            "{} follows once the files are read",
                            app.keymap.key("follow")
                        ));
                    }
                },
            },
            Effect::Reload(options) | Effect::Reopen(options) => {
                let reuse = if matches!(effect, Effect::Reopen(_)) {
                    crate::load::Reuse::Unchanged
                } else {
                    crate::load::Reuse::Intact
                };
                if let Some(old) = app.model.clone() {
                    let build = following.next_build();
                    spawn_rebuild(files.to_vec(), old, reuse, options, tx.clone(), build);
                }
            }
            Effect::Pager(span) => {
                child::view_record(guard, app, span);
                if let Ok(size) = guard.terminal.size() {
                    app.resize(size.width, size.height);
                }
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

/// After a stop: the terminal may have changed size meanwhile.
fn resized(guard: &mut terminal::Guard, app: &mut App) -> Flow {
    if let Ok(size) = guard.terminal.size() {
        app.resize(size.width, size.height);
    }
    Flow::Redraw
}

/// Copies as the clipboard plan for this terminal says, and says what was used.
fn copy(app: &mut App, text: &str, what: &str) {
    use crate::clipboard;
    let tmux = clipboard::tmux();
    let plan = clipboard::plan(tmux.as_ref());
    let tmux_took = plan.tmux_buffer && clipboard::tmux_load_buffer(text, plan.tmux_w);
    // If tmux would not take it, OSC 52 is the one way left.
    let osc52 = plan.osc52 || (plan.tmux_buffer && !tmux_took);
    let mut osc_written = false;
    if osc52 {
        let mut seq = clipboard::osc52(text);
        if plan.wrap_for_tmux || (plan.tmux_buffer && !tmux_took) {
            seq = format!("{seq}{}", clipboard::tmux_passthrough(&seq));
        }
        let mut out = std::io::stdout();
        osc_written = out
            .write_all(seq.as_bytes())
            .and_then(|()| out.flush())
            .is_ok();
    }
    let local = clipboard::copy_local(text);
    app.status = Some(clipboard::status(
        what,
        text.len(),
        tmux.as_ref(),
        osc_written,
        tmux_took,
        local,
    ));
}

/// Writes `text` to a new file named `name` in the working directory (`name-1.ext`, … when
/// taken): never over an existing file, so never over an input.
fn write_file(app: &mut App, name: &str, text: &str) {
    use std::io::ErrorKind;
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let mut path = PathBuf::from(name);
    let mut n = 1;
    let written = loop {
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        match created {
            Ok(mut f) => break f.write_all(text.as_bytes()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && n < 1000 => {
                path = PathBuf::from(format!("{stem}-{n}.{ext}"));
                n += 1;
            }
            Err(e) => break Err(e),
        }
    };
    app.status = Some(match written {
        Ok(()) => format!(
            "wrote {} ({} bytes)",
            path.display(),
            crate::fmt::thousands(text.len() as u64)
        ),
        Err(e) => format!("could not write {}: {e}", path.display()),
    });
}
