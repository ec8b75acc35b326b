//! The session list, and the screen of one open session (turns, tree, detail).

use super::Pane;
use super::action::Action;
use super::detail::DetailView;
use super::tree::TreeView;
use super::turns::TurnsView;
use crate::model::Model;
use std::collections::HashMap;

/// A row of the session list: a session, or the traces no session claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    Session(u32),
    Unsessioned,
}

/// Orders for the session list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Start,
    Duration,
    Turns,
    Tokens,
    Errors,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Start => "start",
            SortKey::Duration => "duration",
            SortKey::Turns => "turns",
            SortKey::Tokens => "tokens",
            SortKey::Errors => "errors",
        }
    }

    fn next(self) -> SortKey {
        match self {
            SortKey::Start => SortKey::Duration,
            SortKey::Duration => SortKey::Turns,
            SortKey::Turns => SortKey::Tokens,
            SortKey::Tokens => SortKey::Errors,
            SortKey::Errors => SortKey::Start,
        }
    }
}

/// Moves a selection within `len` rows for a navigation action; `None` if not a move.
pub fn moved(selected: usize, len: usize, action: Action, page: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    let page = page.max(1);
    Some(match action {
        Action::Down | Action::ScrollDown => (selected + 1).min(last),
        Action::Up | Action::ScrollUp => selected.saturating_sub(1),
        Action::PageDown => (selected + page).min(last),
        Action::PageUp => selected.saturating_sub(page),
        Action::HalfPageDown => (selected + page / 2).min(last),
        Action::HalfPageUp => selected.saturating_sub(page / 2),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}

/// Keeps `selected` inside a window of `height` rows starting at `offset`.
pub fn follow(offset: usize, selected: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

#[derive(Default)]
pub struct SessionList {
    pub rows: Vec<Entry>,
    pub selected: usize,
    pub offset: usize,
    pub sort: Option<SortKey>,
    pub reverse: bool,
    /// First user inputs read so far (only rows that have been on screen, and every row when
    /// a filter's free text needed them).
    pub first_inputs: HashMap<u32, Option<String>>,
    /// The filter that narrows the rows, if any.
    pub filter: Option<super::filter::Active>,
    /// Sessions in all (the rows are fewer when a filter narrows them).
    pub total: usize,
}

impl SessionList {
    pub fn new(model: &Model) -> SessionList {
        let mut list = SessionList {
            sort: Some(SortKey::Start),
            ..SessionList::default()
        };
        list.sort(model);
        list
    }

    pub fn selected_entry(&self) -> Option<Entry> {
        self.rows.get(self.selected).copied()
    }

    pub(super) fn sort(&mut self, model: &Model) {
        let keep = self.selected_entry();
        let n = u32::try_from(model.sessions.len()).unwrap_or(u32::MAX);
        let mut ids: Vec<u32> = (0..n).collect();
        let key = self.sort.unwrap_or(SortKey::Start);
        ids.sort_by_key(|&s| {
            let sess = model.session(s);
            let k: i128 = match key {
                SortKey::Start => i128::from(sess.start),
                SortKey::Duration => i128::from(sess.duration_ns()),
                SortKey::Turns => i128::from(sess.turns),
                SortKey::Tokens => i128::from(sess.tokens[2]),
                SortKey::Errors => i128::from(sess.errors),
            };
            // Biggest first for sizes, earliest first for time.
            if key == SortKey::Start { k } else { -k }
        });
        if self.reverse {
            ids.reverse();
        }
        self.total = ids.len();
        if let Some(active) = &self.filter {
            let compiled = active.filter.compile(model);
            let inputs = &mut self.first_inputs;
            let reader = crate::model::conversation::read::Reader::new(model, true);
            ids.retain(|&s| {
                compiled.session(s, &mut |s| {
                    inputs
                        .entry(s)
                        .or_insert_with(|| reader.first_input(s))
                        .clone()
                })
            });
        }
        self.rows = ids.into_iter().map(Entry::Session).collect();
        // A filter narrows to sessions: the traces no session claims are left out.
        if !model.unsessioned.is_empty() && self.filter.is_none() {
            self.rows.push(Entry::Unsessioned);
        }
        self.selected = keep
            .and_then(|e| self.rows.iter().position(|r| *r == e))
            .unwrap_or(0);
    }

    /// Reads the first inputs of the rows in view (parsing only those spans); not when a file
    /// changed on disk (looked at before and after, see `Index::fresh`).
    pub fn fill(&mut self, model: &Model, height: usize) {
        let want: Vec<u32> = self
            .rows
            .iter()
            .skip(self.offset)
            .take(height + 1)
            .filter_map(|e| match *e {
                Entry::Session(s) if !self.first_inputs.contains_key(&s) => Some(s),
                _ => None,
            })
            .collect();
        if want.is_empty() || !model.index.fresh() {
            return;
        }
        let reader = crate::model::conversation::read::Reader::new(model, true);
        let read: Vec<(u32, Option<String>)> = want
            .into_iter()
            .map(|s| (s, reader.first_input(s)))
            .collect();
        if model.index.fresh() {
            self.first_inputs.extend(read);
        }
    }

    /// Applies a filter (or none), keeping the selection when it still shows.
    pub fn set_filter(
        &mut self,
        model: &Model,
        filter: Option<super::filter::Active>,
        page: usize,
    ) {
        if self.filter == filter {
            return;
        }
        self.filter = filter;
        self.sort(model);
        self.offset = follow(0, self.selected, page);
    }

    pub fn select(&mut self, entry: Entry, page: usize) {
        if let Some(i) = self.rows.iter().position(|r| *r == entry) {
            self.selected = i;
            self.offset = follow(self.offset, i, page);
        }
    }

    /// Applies an action; returns the entry to open, if any.
    pub fn update(&mut self, model: &Model, action: Action, page: usize) -> Option<Entry> {
        if let Some(i) = moved(self.selected, self.rows.len(), action, page) {
            self.selected = i;
        } else {
            match action {
                Action::Open | Action::Accept => return self.selected_entry(),
                Action::CycleSort => {
                    self.sort = Some(self.sort.unwrap_or(SortKey::Start).next());
                    self.sort(model);
                }
                Action::ReverseSort => {
                    self.reverse = !self.reverse;
                    self.sort(model);
                }
                Action::NextError | Action::PrevError => {
                    let errs = |e: &Entry| match e {
                        Entry::Session(s) => model.session(*s).errors > 0,
                        Entry::Unsessioned => {
                            model.unsessioned.iter().any(|&t| model.trace(t).errors > 0)
                        }
                    };
                    let found = if action == Action::NextError {
                        (self.selected + 1..self.rows.len()).find(|&i| errs(&self.rows[i]))
                    } else {
                        (0..self.selected).rev().find(|&i| errs(&self.rows[i]))
                    };
                    if let Some(i) = found {
                        self.selected = i;
                    }
                }
                Action::Click(_, row) => {
                    let i = self.offset + usize::from(row);
                    if i < self.rows.len() {
                        if i == self.selected {
                            return self.selected_entry();
                        }
                        self.selected = i;
                    }
                }
                _ => {}
            }
        }
        self.offset = follow(self.offset, self.selected, page);
        self.fill(model, page);
        None
    }
}

/// What an update did to the session screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Close,
}

/// One open session.
pub struct SessionScreen {
    pub entry: Entry,
    pub traces: Vec<u32>,
    /// The list shown in the main pane: turns or tree.
    pub main: Pane,
    /// Keys go to the detail pane.
    pub detail_focus: bool,
    pub turns: TurnsView,
    pub tree: TreeView,
    pub detail: DetailView,
    /// The last span selected in the main pane.
    pub last_selected: Option<u32>,
}

impl SessionScreen {
    pub fn open(model: &Model, entry: Entry) -> SessionScreen {
        let traces = match entry {
            Entry::Session(s) => model.session(s).traces.clone(),
            Entry::Unsessioned => model.unsessioned.clone(),
        };
        let session = match entry {
            Entry::Session(s) => Some(s),
            Entry::Unsessioned => None,
        };
        let turns = TurnsView::new(model, session);
        let tree = TreeView::new(model, &traces);
        let mut screen = SessionScreen {
            entry,
            traces,
            main: Pane::Turns,
            detail_focus: false,
            turns,
            tree,
            detail: DetailView::default(),
            last_selected: None,
        };
        screen.turns.fill(model, 0, 60);
        screen.last_selected = screen.selected_span(model);
        screen
    }

    pub fn focus(&self) -> Pane {
        if self.detail_focus {
            Pane::Detail
        } else {
            self.main
        }
    }

    /// The span selected in the main pane.
    pub fn selected_span(&self, model: &Model) -> Option<u32> {
        match self.main {
            Pane::Tree => self.tree.selected_span(),
            _ => self.turns.selected_span(model),
        }
    }

    /// Applies an action. `wide` says the detail is on screen beside the list.
    pub fn update(&mut self, model: &Model, action: Action, page: usize, wide: bool) -> Outcome {
        match action {
            Action::ShowTurns => {
                self.main = Pane::Turns;
                self.detail_focus = false;
            }
            Action::ShowTree => {
                self.main = Pane::Tree;
                self.detail_focus = false;
                if let Some(span) = self.last_selected {
                    self.tree.reveal(model, span);
                }
            }
            Action::ShowDetail => self.detail_focus = true,
            Action::NextPane | Action::PrevPane => {
                let order = [Pane::Turns, Pane::Tree, Pane::Detail];
                let at = order.iter().position(|p| *p == self.focus()).unwrap_or(0);
                let next = if action == Action::NextPane {
                    (at + 1) % 3
                } else {
                    (at + 2) % 3
                };
                match order[next] {
                    Pane::Detail => self.detail_focus = true,
                    p => {
                        self.main = p;
                        self.detail_focus = false;
                    }
                }
            }
            Action::Back | Action::Cancel if self.detail_focus => self.detail_focus = false,
            Action::Toggle if self.detail_focus => self.detail.toggle_history(model),
            _ if self.detail_focus => self.detail.update(action, page),
            _ => {
                let (opened, back) = match self.main {
                    Pane::Tree => self.tree.update(model, action, page),
                    _ => self.turns.update(model, action, page),
                };
                if back {
                    return Outcome::Close;
                }
                if opened {
                    self.detail_focus = true;
                }
            }
        }
        if self.main == Pane::Tree {
            self.tree.refresh(model);
            self.tree.follow(page);
        }
        self.sync(model, wide);
        Outcome::Stay
    }

    /// Loads the detail of the selected span when the detail is (or is about to be) on screen.
    pub fn sync(&mut self, model: &Model, wide: bool) {
        let span = self.selected_span(model);
        if span.is_some() {
            self.last_selected = span;
        }
        if (wide || self.detail_focus)
            && let Some(span) = self.last_selected
        {
            self.detail.show(model, span);
        }
    }
}
