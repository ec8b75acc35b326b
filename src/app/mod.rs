//! The explorer's state and its one entry point, [`App::update`]: actions in, effects out.
//!
//! Nothing here draws or writes. Reading span bytes from the (memory-mapped) model and parsing
//! them is done here, for what is on screen only, after a look at the files they come from (a
//! `stat`: see [`disk`]); writing to the terminal or the clipboard, and building a new model,
//! is asked of the runner as an [`Effect`].

pub mod action;
pub mod detail;
pub mod disk;
pub mod filter;
pub mod follow;
pub mod jump;
pub mod keymap;
pub mod keyspec;
pub mod layout;
pub mod line;
pub mod place;
pub mod search;
pub mod sessions;
pub mod tree;
pub mod turns;

use crate::index::progress::Snapshot;
use crate::model::Model;
use crate::zone::Zone;
use action::Action;
use keymap::Mode;
use std::sync::Arc;

/// What the runner must do for the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Clear the terminal and draw the whole screen again, not only what changed.
    Redraw,
    /// Copy text to the clipboard (OSC 52, and a local tool if there is one).
    Copy {
        text: String,
        what: String,
    },
    /// Write text to a file in the working directory (never an input file).
    WriteFile {
        name: String,
        text: String,
    },
    /// Turn mouse capture on or off.
    Mouse(bool),
    /// Run a full-text search over the span records.
    FullText(String),
    /// Fill a search engine (from a background thread).
    FillSearch(search::Scope),
    /// Build the model again with other inference options, from the same files (those whose
    /// bytes were lost since are read again).
    Reload(crate::model::infer::Options),
    /// Follow the files as they grow (start, or resume), or pause (see [`follow`]).
    Follow(bool),
    /// Read the files again as they are on disk now (the unchanged ones are reused), and build
    /// the model.
    Reopen(crate::model::infer::Options),
    /// Open span `.0`'s whole record in `$PAGER` (or `$EDITOR`), the terminal handed over
    /// until it exits (see `detail::copy::write_record`).
    Pager(u32),
}

/// Which part of a session the main pane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Turns,
    Tree,
    Detail,
}

/// A modal layer over the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    Diagnostics {
        selected: usize,
    },
    YankMenu,
    /// Which column to sort the session list by.
    SortMenu,
    /// The last search's matches, to pick one (`M`).
    Matches {
        selected: usize,
    },
    /// A copy is over the clipboard cap: offer to write it to a file.
    TooBig {
        /// What it is (`span JSON`, `session as Markdown`), for the prompt.
        what: String,
        bytes: usize,
        name: String,
        pending: Pending,
    },
    Search(search::Prompt),
    /// The filter line (`:`).
    Filter(filter::Prompt),
    /// Finding in the span detail (`/` there).
    Find(detail::find::Prompt),
}

/// What the inference switches are now and what they found, for the status line.
pub fn inference_status(model: &Model) -> String {
    let r = &model.inference;
    let on = |b: bool| if b { "on" } else { "off" };
    let mut s = format!(
        "history {} ({}, {} joined) · idle-time {}",
        on(r.options.history),
        crate::fmt::count(r.history_sessions, "session", "sessions"),
        r.joined_explicit,
        on(r.options.by_time)
    );
    if r.options.by_time {
        s.push_str(&format!(
            " ({})",
            crate::fmt::count(r.time_sessions, "session", "sessions")
        ));
    }
    s.push_str(&format!(" · split {}", on(r.options.split_idle)));
    if r.options.split_idle {
        s.push_str(&format!(" ({} split)", r.split_sessions));
    }
    s
}

/// Bytes above which a copy goes to a file instead (terminals drop huge OSC 52 payloads, and
/// a paste of megabytes helps nobody).
pub const CLIPBOARD_CAP: usize = 100 * 1024;

/// What a copy too big for the clipboard writes to a file, if asked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// A span's JSON.
    Span(u32),
    /// A session's turns as Markdown (`None`: the unsessioned traces).
    Markdown(Option<u32>),
}

/// The text a copy of `pending` holds (see [`copy_text`]), or why there is none: a file it
/// would be read from changed on disk (looked at before reading, and after).
fn checked_copy_text(
    model: &Model,
    pending: Pending,
    zone: &Zone,
    keys: &keymap::Keymap,
) -> Result<String, String> {
    let refused = || {
        let note = disk::status(&disk::look(model), keys).unwrap_or_default();
        format!("not copied: {note}")
    };
    if !model.index.fresh() {
        return Err(refused());
    }
    let text = copy_text(model, pending, zone);
    if !model.index.fresh() {
        return Err(refused());
    }
    Ok(text)
}

/// The text a copy of `pending` holds: JSON with what a terminal must not see escaped (the
/// same JSON), Markdown cleaned as the screen shows it.
fn copy_text(model: &Model, pending: Pending, zone: &Zone) -> String {
    match pending {
        Pending::Span(span) => {
            let raw = model.index.span_bytes(span);
            match crate::json::pretty(raw) {
                Ok(json) => crate::sanitize::json_text(&json).into_owned(),
                Err(_) => crate::sanitize::clean(&String::from_utf8_lossy(raw)).into_owned(),
            }
        }
        Pending::Markdown(session) => {
            let t = crate::transcript::build(model, session);
            crate::sanitize::clean(&crate::transcript::markdown(&t, zone)).into_owned()
        }
    }
}

/// The explorer's whole state.
pub struct App {
    pub files: Vec<String>,
    pub model: Option<Arc<Model>>,
    pub load_error: Option<String>,
    pub progress: Snapshot,
    pub sessions: sessions::SessionList,
    pub session: Option<sessions::SessionScreen>,
    pub overlay: Overlay,
    pub status: Option<String>,
    pub mouse: bool,
    pub search: search::Matches,
    /// Rows of the focused list at the last draw, for paging.
    pub page: usize,
    /// Terminal size at the last draw (the layout switches to two panes when wide).
    pub width: u16,
    pub height: u16,
    /// How sessions are inferred (toggled with `i`, `t`, `w`).
    pub infer: crate::model::infer::Options,
    /// Following the files as they grow (`-f`, `f`), once started.
    pub follow: Option<follow::Following>,
    /// The OTLP receiver whose saved file is shown (`sesstui listen`), as last counted.
    pub receiving: Option<crate::listen::stats::Status>,
    /// Files that changed on disk since they were read, as last looked at (while following,
    /// only those that lost bytes: the follower takes in the others, see [`App::watch`]).
    pub disk: Vec<disk::Changed>,
    /// `r` was pressed: the model being built comes from the files as they are now.
    pub reloading: bool,
    /// What was entered in the prompts, for ↑/↓: fuzzy searches, full-text searches, filters,
    /// finds in the detail.
    pub histories: [line::History; 4],
    /// The keys in use: the defaults, with those the config file changed.
    pub keymap: keymap::Keymap,
    /// The zone times are shown in (`--tz`, the config's `time-zone`).
    pub zone: crate::zone::Zone,
}

impl App {
    pub fn new(files: Vec<String>) -> App {
        App {
            files,
            model: None,
            load_error: None,
            progress: Snapshot::default(),
            sessions: sessions::SessionList::default(),
            session: None,
            overlay: Overlay::None,
            status: None,
            mouse: false,
            search: search::Matches::default(),
            page: 20,
            width: 80,
            height: 24,
            infer: crate::model::infer::Options::default(),
            follow: None,
            receiving: None,
            disk: Vec::new(),
            reloading: false,
            histories: Default::default(),
            keymap: keymap::Keymap::default(),
            zone: crate::zone::Zone::utc(),
        }
    }

    /// The index is ready: the lists fill in. After a rebuild (`r`, other inference options)
    /// the user keeps their place: the selected session, the open session, its pane and
    /// selected span, where they still exist (see [`place`]).
    pub fn loaded(&mut self, model: Arc<Model>) {
        let place = place::Place::take(self);
        let rebuilt = self.model.is_some();
        let reloaded = std::mem::take(&mut self.reloading);
        // The list's sort and filter stay.
        let filter = self.sessions.filter.take();
        let (sort, descending) = (self.sessions.sort, self.sessions.descending);
        self.sessions = sessions::SessionList::new(&model);
        if rebuilt {
            self.sessions.sort = sort;
            self.sessions.descending = descending;
            self.sessions.sort(&model);
        }
        self.sessions.set_filter(&model, filter, self.page);
        let screen_filter = self.session.as_ref().and_then(|s| s.filter.clone());
        self.session = None;
        self.search.reset();
        self.load_error = None;
        // Changed while it was read: said at once, not a second later.
        self.disk = self.look(&model);
        place.restore(self, &model);
        let wide = self.wide();
        if let Some(screen) = self.session.as_mut() {
            screen.set_filter(&model, screen_filter, wide);
        }
        let notes = model.index.file_notes();
        let yield_nothing = |n: usize| format!("{n} of the files given yield nothing: ! says why");
        self.status = match (reloaded, rebuilt, notes.as_slice()) {
            (true, _, _) => {
                let mut s = format!(
                    "reloaded: {} · {}",
                    crate::fmt::count(model.sessions.len(), "session", "sessions"),
                    crate::fmt::count(model.index.spans.len(), "span", "spans")
                );
                if !notes.is_empty() {
                    s.push_str(&format!(" · {}", yield_nothing(notes.len())));
                }
                Some(s)
            }
            (false, true, _) => Some(inference_status(&model)),
            (false, false, []) => None,
            // A receiver's new file is empty until the first request: the list says what to do.
            (false, false, [_]) if self.receiving.is_some() && model.index.spans.is_empty() => None,
            (false, false, [one]) => Some(format!("{}: {} (! for details)", one.path, one.reason)),
            (false, false, many) => Some(yield_nothing(many.len())),
        };
        self.model = Some(model);
        self.relayout();
    }

    /// Looks at the files again (the runner asks every second): returns whether what is known
    /// about them changed. When a file is newly found to have lost the bytes read from it, the
    /// detail on screen is read again, and shows a note instead of them.
    pub fn watch(&mut self) -> bool {
        let Some(model) = self.model.clone() else {
            return false;
        };
        let now = self.look(&model);
        if now == self.disk {
            return false;
        }
        let lost = |d: &[disk::Changed]| d.iter().filter(|c| !c.intact).count();
        let newly_lost = lost(&now) > lost(&self.disk);
        self.disk = now;
        if newly_lost && let Some(screen) = self.session.as_mut() {
            screen.detail.reload(&model);
        }
        true
    }

    /// The files of `model` that changed on disk, as the status line and `!` tell them.
    /// While following, a file that grew, was replaced (rotated) or deleted is the follower's
    /// to take in and to say (within a round, see [`crate::follow`]): only the files whose
    /// bytes were lost are kept, until the follower has read them again. Paused, every change
    /// is told, and a file that grew offers `f`.
    pub(crate) fn look(&self, model: &Model) -> Vec<disk::Changed> {
        let mut now = disk::look(model);
        if self.follow.as_ref().is_some_and(|f| f.on) {
            now.retain(|c| !c.intact || c.change.loses_bytes());
        }
        now
    }

    /// Reads the files again as they are on disk now.
    fn reload(&mut self) -> Vec<Effect> {
        self.reloading = true;
        self.status = Some("reloading…".to_owned());
        vec![Effect::Reopen(self.infer)]
    }

    /// Flips one inference switch and asks for the model to be rebuilt.
    fn toggle_inference(&mut self, action: Action) -> Vec<Effect> {
        let o = &mut self.infer;
        match action {
            Action::ToggleHistoryInference => o.history = !o.history,
            Action::ToggleTimeInference => o.by_time = !o.by_time,
            _ => o.split_idle = !o.split_idle,
        }
        self.status = Some("rebuilding sessions…".to_owned());
        vec![Effect::Reload(self.infer)]
    }

    /// Loading failed. After a rebuild, what was shown stays, and the status line says why.
    pub fn failed(&mut self, err: String) {
        if self.model.is_some() {
            self.reloading = false;
            self.status = Some(format!(
                "could not reload: {err} (still showing what was read)"
            ));
        } else {
            self.load_error = Some(err);
        }
    }

    /// Which keymap applies now.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Overlay::Help { .. } => return Mode::Help,
            Overlay::Search(_) | Overlay::Filter(_) | Overlay::Find(_) => return Mode::Search,
            Overlay::YankMenu | Overlay::SortMenu | Overlay::TooBig { .. } => return Mode::Menu,
            Overlay::Diagnostics { .. } | Overlay::Matches { .. } => return Mode::Diagnostics,
            Overlay::None => {}
        }
        match &self.session {
            None => Mode::Sessions,
            Some(s) => match s.focus() {
                Pane::Turns => Mode::Turns,
                Pane::Tree => Mode::Tree,
                Pane::Detail => s.detail.chord.map_or(Mode::Detail, Mode::Chord),
            },
        }
    }

    /// True when the layout shows a list and the detail side by side.
    pub fn wide(&self) -> bool {
        self.width >= layout::WIDE
    }

    /// Lines the session header takes (facts, then session-level evaluations), or the session
    /// list's summary (facts, then a line of evaluations when the files have any).
    pub fn header_lines(&self) -> u16 {
        let evals = match (&self.model, &self.session) {
            (Some(m), Some(s)) => match s.entry {
                sessions::Entry::Session(id) => m.session(id).eval_count().min(3),
                sessions::Entry::Unsessioned => 0,
            },
            (Some(m), None) => usize::from(!m.evals.is_empty()),
            _ => 0,
        };
        3 + u16::try_from(evals).unwrap_or(3)
    }

    /// The screen's geometry now.
    pub fn areas(&self, screen: ratatui::layout::Rect) -> layout::Areas {
        let focus = self.session.as_ref().is_some_and(|s| s.detail_focus);
        let top = 1 + u16::from(self.receiving.is_some());
        layout::areas(
            screen,
            top,
            self.session.is_some(),
            focus,
            self.header_lines(),
        )
    }

    /// The action for a left click at screen cell (`x`, `y`): a row of the list on screen,
    /// counted from the list's first row as drawn (the session list has a line of column
    /// titles above its rows).
    pub fn click(&self, x: u16, y: u16) -> Option<Action> {
        let list = self
            .areas(ratatui::layout::Rect::new(0, 0, self.width, self.height))
            .list;
        let inside = x >= list.x && x < list.right() && y >= list.y && y < list.bottom();
        if !inside {
            return None;
        }
        let titles = u16::from(self.session.is_none());
        y.checked_sub(list.y + titles)
            .map(|row| Action::Click(x, row))
    }

    /// The terminal changed size (or was drawn for the first time).
    pub fn resize(&mut self, width: u16, height: u16) {
        self.width = width;
        self.height = height;
        self.relayout();
    }

    /// Recomputes what depends on the geometry: paging, wrapping, what is on screen.
    fn relayout(&mut self) {
        let a = self.areas(ratatui::layout::Rect::new(0, 0, self.width, self.height));
        let list_rows = usize::from(a.list.height.saturating_sub(1)).max(1);
        self.page = list_rows;
        if let Some(model) = self.model.clone() {
            match self.session.as_mut() {
                None => {
                    self.sessions.offset =
                        sessions::follow(self.sessions.offset, self.sessions.selected, list_rows);
                    self.sessions.fill(&model, list_rows);
                }
                Some(s) => {
                    let detail = if a.detail.width > 0 { a.detail } else { a.list };
                    s.detail.height = usize::from(detail.height.saturating_sub(1)).max(1);
                    s.detail.layout(detail.width.max(1));
                    s.detail.prepare();
                    s.turns.offset = sessions::follow(s.turns.offset, s.turns.selected, list_rows);
                    s.turns.fill(&model, s.turns.offset, list_rows);
                    s.tree.follow(list_rows);
                }
            }
        }
    }

    /// Applies one action; returns what the runner must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let effects = self.apply(action);
        self.relayout();
        effects
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => return vec![Effect::Quit],
            // Nothing changes: overlays, prompts and the status line stay as they are.
            Action::Redraw => return vec![Effect::Redraw],
            _ => {}
        }
        let Some(model) = self.model.clone() else {
            return match action {
                Action::Back | Action::Cancel => vec![Effect::Quit],
                _ => Vec::new(),
            };
        };
        self.status = None;
        // A two-key command's first key applies to this key only.
        if let Some(screen) = self.session.as_mut()
            && screen.detail.chord.take().is_some()
            && action == Action::Cancel
        {
            return Vec::new();
        }
        match self.overlay.clone() {
            Overlay::Help { scroll } => {
                let max = keymap::help_scroll_max(self.height);
                let at = usize::from(scroll).min(max);
                let page = usize::from(self.height).saturating_sub(4).max(1);
                let to = match action {
                    Action::Down => Some((at + 1).min(max)),
                    Action::Up => Some(at.saturating_sub(1)),
                    Action::PageDown => Some((at + page).min(max)),
                    Action::PageUp => Some(at.saturating_sub(page)),
                    Action::HalfPageDown => Some((at + page / 2).min(max)),
                    Action::HalfPageUp => Some(at.saturating_sub(page / 2)),
                    Action::Top => Some(0),
                    Action::Bottom => Some(max),
                    _ => None,
                };
                self.overlay = match to {
                    Some(to) => Overlay::Help {
                        scroll: u16::try_from(to).unwrap_or(u16::MAX),
                    },
                    None => Overlay::None,
                };
                return Vec::new();
            }
            Overlay::Diagnostics { selected } => return self.diagnostics(&model, selected, action),
            Overlay::YankMenu => return self.yank_menu(&model, action),
            Overlay::Matches { selected } => {
                let last = self.search.results.len().saturating_sub(1);
                let page = self.page.max(1);
                self.overlay = match action {
                    Action::Open | Action::Accept => {
                        self.search.at = selected.min(last);
                        search::goto(self, &model);
                        Overlay::None
                    }
                    _ => match sessions::moved(selected, last + 1, action, page) {
                        Some(i) => Overlay::Matches { selected: i },
                        None => Overlay::None,
                    },
                };
                return Vec::new();
            }
            Overlay::SortMenu => {
                self.overlay = Overlay::None;
                if let Action::Choose(c) = action {
                    match sessions::SortKey::MENU.iter().find(|(k, _)| *k == c) {
                        Some(&(_, key)) => {
                            self.sessions.sort_by(&model, key);
                            let page = self.page;
                            self.sessions.offset =
                                sessions::follow(0, self.sessions.selected, page);
                            // The list says why it did not sort, if it did not.
                            self.status = self.sessions.note.take().or_else(|| {
                                let arrow = if self.sessions.descending {
                                    "▼"
                                } else {
                                    "▲"
                                };
                                Some(format!("sorted by {} {arrow}", key.label()))
                            });
                        }
                        None => self.status = Some("no column for that key".into()),
                    }
                }
                return Vec::new();
            }
            Overlay::TooBig { name, pending, .. } => {
                return self.write_instead(&model, &name, pending, action);
            }
            Overlay::Search(prompt) => return search::update(self, &model, prompt, action),
            Overlay::Filter(prompt) => return filter::update(self, &model, prompt, action),
            Overlay::Find(prompt) => return detail::find::update(self, prompt, action),
            Overlay::None => {}
        }
        match action {
            Action::Help => {
                self.overlay = Overlay::Help { scroll: 0 };
                Vec::new()
            }
            Action::Diagnostics => {
                self.overlay = Overlay::Diagnostics { selected: 0 };
                Vec::new()
            }
            Action::ToggleMouse => {
                self.mouse = !self.mouse;
                self.status = Some(if self.mouse {
                    format!("mouse on ({}: off)", self.keymap.key("mouse"))
                } else {
                    "mouse off".to_owned()
                });
                vec![Effect::Mouse(self.mouse)]
            }
            Action::Search | Action::FullTextSearch => {
                let full = action == Action::FullTextSearch;
                self.overlay = Overlay::Search(search::Prompt::new(full));
                if full {
                    Vec::new()
                } else {
                    search::start(self)
                }
            }
            Action::Filter => {
                filter::open(self);
                Vec::new()
            }
            Action::NextMatch | Action::PrevMatch => {
                search::step(self, &model, action == Action::NextMatch);
                Vec::new()
            }
            Action::YankMenu => {
                self.overlay = Overlay::YankMenu;
                Vec::new()
            }
            Action::ListMatches => {
                if self.search.results.is_empty() {
                    self.status = Some("no matches to list: search with / or F first".into());
                } else {
                    self.overlay = Overlay::Matches {
                        selected: self.search.at,
                    };
                }
                Vec::new()
            }
            // Esc goes back one level: in the session list, out of a filter first.
            Action::Back if self.session.is_none() && self.sessions.filter.is_some() => {
                let page = self.page;
                self.sessions.set_filter(&model, None, page);
                self.status = Some("filter cleared (: to filter again, ↑ for the last one)".into());
                Vec::new()
            }
            Action::SortMenu if self.session.is_none() => {
                self.overlay = Overlay::SortMenu;
                Vec::new()
            }
            Action::Yank => self.yank_span(&model),
            Action::YankValue | Action::YankString | Action::YankKey | Action::YankPath => {
                detail::copy::yank(self, &model, action)
            }
            Action::Find => {
                detail::find::open(self);
                Vec::new()
            }
            Action::FindNext | Action::FindPrev => {
                self.find_step(&model, action == Action::FindNext);
                Vec::new()
            }
            Action::OpenExternal => match self.session.as_ref().and_then(|s| s.detail.span) {
                Some(span) => vec![Effect::Pager(span)],
                None => Vec::new(),
            },
            Action::Chord(c) => {
                if let Some(screen) = self.session.as_mut() {
                    screen.detail.chord = Some(c);
                }
                Vec::new()
            }
            Action::Reload => self.reload(),
            Action::ToggleHistoryInference
            | Action::ToggleTimeInference
            | Action::ToggleSplitIdle => self.toggle_inference(action),
            Action::ToggleFollow => self.toggle_follow(),
            _ => match self.session.as_mut() {
                None => {
                    let page = self.page;
                    let opened = self.sessions.update(&model, action, page);
                    if let Some(note) = self.sessions.note.take() {
                        self.status = Some(note);
                    }
                    match opened {
                        Some(entry) => {
                            let mut screen = sessions::SessionScreen::open(
                                &model,
                                entry,
                                &self.zone,
                                &self.keymap,
                            );
                            screen.sync(&model, self.wide());
                            self.session = Some(screen);
                            Vec::new()
                        }
                        None => Vec::new(),
                    }
                }
                Some(screen) => {
                    let wide = self.width >= 120;
                    let outcome = screen.update(&model, action, self.page, wide);
                    if let Some(note) = screen.note.take() {
                        self.status = Some(note);
                    }
                    if let Some(said) = screen.detail.status.take() {
                        self.status = Some(said);
                    }
                    if outcome == sessions::Outcome::Close {
                        self.session = None;
                    }
                    Vec::new()
                }
            },
        }
    }

    fn diagnostics(&mut self, model: &Model, selected: usize, action: Action) -> Vec<Effect> {
        let n = model.index.problems.len() + model.index.file_notes().len();
        let last = n.saturating_sub(1);
        let selected = match action {
            Action::Down => (selected + 1).min(last),
            Action::Up => selected.saturating_sub(1),
            Action::PageDown | Action::HalfPageDown => (selected + self.page).min(last),
            Action::PageUp | Action::HalfPageUp => selected.saturating_sub(self.page),
            Action::Top => 0,
            Action::Bottom => last,
            Action::Back | Action::Cancel | Action::Diagnostics | Action::Quit => {
                self.overlay = Overlay::None;
                return Vec::new();
            }
            Action::Reload => {
                self.overlay = Overlay::None;
                return self.reload();
            }
            _ => selected,
        };
        self.overlay = Overlay::Diagnostics { selected };
        Vec::new()
    }

    /// `n` / `N` in the detail: the next match of the text found there; past the last match
    /// of a full-text search's query, the next span it matched (and its first match).
    fn find_step(&mut self, model: &Arc<Model>, forward: bool) {
        let Some(screen) = self.session.as_mut() else {
            return;
        };
        let searched = screen
            .detail
            .find
            .as_ref()
            .filter(|f| f.from_search)
            .map(|f| f.query.clone());
        let step = screen.detail.find_step(forward);
        if let Some(said) = screen.detail.status.take() {
            self.status = Some(said);
        }
        match step {
            detail::find::Step::Moved | detail::find::Step::Wrapped => {}
            detail::find::Step::Exhausted | detail::find::Step::Nothing
                if !self.search.results.is_empty() =>
            {
                search::step(self, model, forward);
                // The next span's occurrences of a full-text query, from its first (its last,
                // going back).
                if let (Some(q), Some(screen)) = (searched, self.session.as_mut()) {
                    let status = self.status.take();
                    screen.detail.highlight(&q);
                    if !forward {
                        screen.detail.find_last();
                    }
                    screen.detail_focus = true;
                    self.status = status;
                }
            }
            detail::find::Step::Exhausted | detail::find::Step::Nothing => {
                if self.status.is_none() {
                    self.status = Some("no find yet: / finds text in the span".into());
                }
            }
        }
    }

    /// The span the user is looking at: the detail's when it has the keys, else the selection.
    pub fn current_span(&self) -> Option<u32> {
        let (model, screen) = (self.model.as_ref()?, self.session.as_ref()?);
        if screen.detail_focus {
            screen.detail.span
        } else {
            screen.selected_span(model).or(screen.last_selected)
        }
    }

    fn yank_span(&mut self, model: &Model) -> Vec<Effect> {
        let Some(span) = self.current_span() else {
            self.status = Some("no span selected: open a session and pick a span".into());
            return Vec::new();
        };
        let id = crate::sanitize::one_line(&model.index.span_id_of(model.span(span)));
        let name = format!("sesstui-span-{}.json", file_safe(&id));
        let what = format!("span {id} JSON");
        // A record many times the cap is not pretty-printed just to find it is too big.
        let raw = model.index.span_bytes(span).len();
        if raw > 4 * CLIPBOARD_CAP {
            return self.too_big(what, raw, name, Pending::Span(span));
        }
        match checked_copy_text(model, Pending::Span(span), &self.zone, &self.keymap) {
            Ok(text) => self.copy(what, text, name, Pending::Span(span)),
            Err(why) => {
                self.status = Some(why);
                Vec::new()
            }
        }
    }

    /// A copy of `text`, or the offer to write it to file `name` when it is over the cap.
    fn copy(&mut self, what: String, text: String, name: String, pending: Pending) -> Vec<Effect> {
        if text.len() > CLIPBOARD_CAP {
            return self.too_big(what, text.len(), name, pending);
        }
        vec![Effect::Copy { text, what }]
    }

    fn too_big(
        &mut self,
        what: String,
        bytes: usize,
        name: String,
        pending: Pending,
    ) -> Vec<Effect> {
        self.overlay = Overlay::TooBig {
            what,
            bytes,
            name,
            pending,
        };
        Vec::new()
    }

    fn write_instead(
        &mut self,
        model: &Model,
        name: &str,
        pending: Pending,
        action: Action,
    ) -> Vec<Effect> {
        self.overlay = Overlay::None;
        match action {
            Action::Choose('y' | 'w') | Action::Accept => {
                match checked_copy_text(model, pending, &self.zone, &self.keymap) {
                    Ok(text) => vec![Effect::WriteFile {
                        name: name.to_owned(),
                        text,
                    }],
                    Err(why) => {
                        self.status = Some(why);
                        Vec::new()
                    }
                }
            }
            _ => {
                self.status = Some("not copied".into());
                Vec::new()
            }
        }
    }

    fn yank_menu(&mut self, model: &Model, action: Action) -> Vec<Effect> {
        self.overlay = Overlay::None;
        let span = self.current_span();
        let entry = match &self.session {
            Some(s) => Some(s.entry),
            None => self.sessions.selected_entry(),
        };
        let Action::Choose(c) = action else {
            return Vec::new();
        };
        // Ids are copied as the screen shows them: never with a control byte in them (one
        // ending bracketed paste and running a command when pasted into a shell).
        let id = |what: &str, text: &str| {
            vec![Effect::Copy {
                what: what.to_owned(),
                text: crate::sanitize::one_line(text),
            }]
        };
        match (c, span, entry) {
            ('y' | 'j', Some(_), _) => self.yank_span(model),
            ('s', Some(s), _) => id("span id", &model.index.span_id_of(model.span(s))),
            ('t', Some(s), _) => id("trace id", &model.index.trace_id_text(model.span(s).trace)),
            ('i', _, Some(sessions::Entry::Session(s))) => id("session id", model.session_id(s)),
            ('m', _, Some(e)) => {
                let sid = match e {
                    sessions::Entry::Session(s) => Some(s),
                    sessions::Entry::Unsessioned => None,
                };
                let name = match sid {
                    Some(s) => format!("sesstui-session-{}.md", file_safe(model.session_id(s))),
                    None => "sesstui-unsessioned.md".to_owned(),
                };
                // Read as the screen reads it first: a text cut there is a megabyte, over the
                // cap anyway, so what fits is the whole Markdown, and what does not is built
                // whole only if a file is asked for.
                if !model.index.fresh() {
                    self.status =
                        checked_copy_text(model, Pending::Markdown(sid), &self.zone, &self.keymap)
                            .err();
                    return Vec::new();
                }
                let t = crate::transcript::build_shown(model, sid);
                let text = crate::sanitize::clean(&crate::transcript::markdown(&t, &self.zone))
                    .into_owned();
                if !model.index.fresh() {
                    self.status =
                        checked_copy_text(model, Pending::Markdown(sid), &self.zone, &self.keymap)
                            .err();
                    return Vec::new();
                }
                let what = "session as Markdown".to_owned();
                self.copy(what, text, name, Pending::Markdown(sid))
            }
            _ => {
                self.status = Some("nothing to copy for that choice here".into());
                Vec::new()
            }
        }
    }
}

/// An id made fit for a file name: letters, digits, `-`, `_` and `.` kept, the rest `_`, at
/// most 64 characters.
fn file_safe(id: &str) -> String {
    id.chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}
