//! The session list, and the screen of one open session (turns, tree, detail).

use super::Pane;
use super::action::Action;
use super::detail::DetailView;
use super::jump;
use super::tree::TreeView;
use super::turns::TurnsView;
use crate::model::{Model, verdicts};
use std::collections::HashMap;

/// A row of the session list: a session, or the traces no session claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    Session(u32),
    Unsessioned,
}

/// Columns the session list sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Start,
    Duration,
    Turns,
    Calls,
    Spans,
    Tokens,
    Errors,
    Eval,
    User,
    Session,
}

impl SortKey {
    /// Every key, in the sort menu's order, with the letter that picks it there.
    pub const MENU: &'static [(char, SortKey)] = &[
        ('s', SortKey::Start),
        ('d', SortKey::Duration),
        ('t', SortKey::Turns),
        ('c', SortKey::Calls),
        ('p', SortKey::Spans),
        ('k', SortKey::Tokens),
        ('e', SortKey::Errors),
        ('v', SortKey::Eval),
        ('u', SortKey::User),
        ('i', SortKey::Session),
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Start => "start",
            SortKey::Duration => "duration",
            SortKey::Turns => "turns",
            SortKey::Calls => "calls",
            SortKey::Spans => "spans",
            SortKey::Tokens => "tokens",
            SortKey::Errors => "errors",
            SortKey::Eval => "evaluations",
            SortKey::User => "user",
            SortKey::Session => "session id",
        }
    }

    /// The direction a column is sorted in when first picked: counts biggest first (and the
    /// sessions judged negatively first), times earliest first, text A to Z.
    pub fn descending_first(self) -> bool {
        !matches!(self, SortKey::Start | SortKey::User | SortKey::Session)
    }
}

/// How much of a first input the list keeps: more than a row shows, and what free text in a
/// filter is matched against.
const FIRST_INPUT_KEPT: usize = 1024;

/// A session's first input, its first [`FIRST_INPUT_KEPT`] bytes.
fn first_input(reader: &crate::model::conversation::read::Reader<'_>, s: u32) -> Option<String> {
    reader.headline(s).map(|mut t| {
        if t.len() > FIRST_INPUT_KEPT {
            let mut cut = FIRST_INPUT_KEPT;
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            t.truncate(cut);
        }
        t
    })
}

/// The sessions of `ids` that `filter` keeps, in their order; first inputs are read (into
/// `inputs`) only when a free-text term needs them.
fn narrowed(
    model: &Model,
    filter: &crate::model::filter::Filter,
    inputs: &mut HashMap<u32, Option<String>>,
    mut ids: Vec<u32>,
) -> Vec<u32> {
    let compiled = filter.compile(model);
    let reader = crate::model::conversation::read::Reader::new(model, true);
    ids.retain(|&s| {
        compiled.session(s, &mut |s| {
            inputs
                .entry(s)
                .or_insert_with(|| first_input(&reader, s))
                .clone()
        })
    });
    ids
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
    /// Biggest / latest / Z first (`▼`), else smallest / earliest / A first (`▲`).
    pub descending: bool,
    /// First user inputs read so far (only rows that have been on screen, and every row when
    /// a filter's free text needed them).
    pub first_inputs: HashMap<u32, Option<String>>,
    /// The filter that narrows the rows, if any.
    pub filter: Option<super::filter::Active>,
    /// Sessions in all (the rows are fewer when a filter narrows them).
    pub total: usize,
    /// What the last action has to say on the status line (a jump that wrapped).
    pub note: Option<String>,
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
        let number = |s: u32| -> i128 {
            let sess = model.session(s);
            match key {
                SortKey::Start => i128::from(sess.start),
                SortKey::Duration => i128::from(sess.duration_ns()),
                SortKey::Turns => i128::from(sess.turns),
                SortKey::Calls => i128::from(sess.calls),
                SortKey::Spans => i128::from(sess.spans),
                SortKey::Tokens => i128::from(model.tokens_of(sess)[2]),
                SortKey::Errors => i128::from(sess.errors),
                SortKey::Eval => i128::from(verdicts::of_session(model, s).weight()),
                SortKey::User | SortKey::Session => 0,
            }
        };
        // Stable sorts from the start-time order: ties stay earliest first either way.
        ids.sort_by_key(|&s| model.session(s).start);
        let desc = self.descending;
        match key {
            SortKey::User | SortKey::Session => {
                let text = |s: u32| -> Option<String> {
                    if key == SortKey::Session {
                        return Some(model.session_id(s).to_lowercase());
                    }
                    let u = model.session(s).user;
                    (u != 0).then(|| model.str(u).to_lowercase())
                };
                let mut keyed: Vec<(Option<String>, u32)> =
                    ids.iter().map(|&s| (text(s), s)).collect();
                // Sessions with no user stay last, whichever way the column goes.
                keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (Some(a), Some(b)) if desc => b.cmp(a),
                    (Some(a), Some(b)) => a.cmp(b),
                });
                ids = keyed.into_iter().map(|(_, s)| s).collect();
            }
            _ => {
                let mut keyed: Vec<(i128, u32)> = ids.iter().map(|&s| (number(s), s)).collect();
                if desc {
                    keyed.sort_by_key(|k| std::cmp::Reverse(k.0));
                } else {
                    keyed.sort_by_key(|k| k.0);
                }
                ids = keyed.into_iter().map(|(_, s)| s).collect();
            }
        }
        self.total = ids.len();
        if let Some(active) = &self.filter {
            ids = narrowed(model, &active.filter, &mut self.first_inputs, ids);
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
            .map(|s| (s, first_input(&reader, s)))
            .collect();
        if model.index.fresh() {
            self.first_inputs.extend(read);
        }
    }

    /// Sorts by `key`: in its first direction, or the other way when it is the key already.
    pub fn sort_by(&mut self, model: &Model, key: SortKey) {
        if key == SortKey::Eval && model.evals.is_empty() {
            self.note = Some("nothing to sort by: no evaluations in these files".into());
            return;
        }
        if self.sort == Some(key) {
            self.descending = !self.descending;
        } else {
            self.sort = Some(key);
            self.descending = key.descending_first();
        }
        self.sort(model);
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
        let narrows = match (&self.filter, &filter) {
            (Some(old), Some(new)) => new.filter.narrows(&old.filter),
            _ => false,
        };
        self.filter = filter;
        match &self.filter {
            // Typed further: narrowed from the rows kept, in their order.
            Some(active) if narrows => {
                let keep = self.selected_entry();
                let ids = self
                    .rows
                    .iter()
                    .filter_map(|e| match *e {
                        Entry::Session(s) => Some(s),
                        Entry::Unsessioned => None,
                    })
                    .collect();
                let ids = narrowed(model, &active.filter, &mut self.first_inputs, ids);
                self.rows = ids.into_iter().map(Entry::Session).collect();
                self.selected = keep
                    .and_then(|e| self.rows.iter().position(|r| *r == e))
                    .unwrap_or(0);
            }
            _ => self.sort(model),
        }
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
                Action::ReverseSort => {
                    self.descending = !self.descending;
                    self.sort(model);
                }
                Action::NextError | Action::PrevError => {
                    let errs = |e: &Entry| match e {
                        Entry::Session(s) => model.session(*s).errors > 0,
                        Entry::Unsessioned => {
                            model.unsessioned.iter().any(|&t| model.trace_failed(t))
                        }
                    };
                    let forward = action == Action::NextError;
                    let rows = &self.rows;
                    let j = jump::find(rows.len(), self.selected, forward, |i| errs(&rows[i]));
                    if let Some(i) = j.index() {
                        self.selected = i;
                    }
                    self.note = j.say("session with errors", forward, "no session has errors");
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
    /// What the last action has to say on the status line (a jump that wrapped, or found
    /// nothing).
    pub note: Option<String>,
    /// The filter that narrows the turns and the tree, if any.
    pub filter: Option<super::filter::Active>,
    /// Turns (and traces) the filter keeps, of how many.
    pub kept: (usize, usize),
}

impl SessionScreen {
    /// Opens a session; its span detail shows times in `zone`.
    pub fn open(
        model: &Model,
        entry: Entry,
        zone: &crate::zone::Zone,
        keys: &super::keymap::Keymap,
    ) -> SessionScreen {
        let traces = match entry {
            Entry::Session(s) => model.session_traces(s).to_vec(),
            Entry::Unsessioned => model.unsessioned.clone(),
        };
        let session = match entry {
            Entry::Session(s) => Some(s),
            Entry::Unsessioned => None,
        };
        let turns = TurnsView::new(model, session);
        let tree = TreeView::new(model, &traces);
        let mut detail = DetailView::default();
        detail.zone = zone.clone();
        detail.words = super::detail::Words::new(keys);
        let mut screen = SessionScreen {
            entry,
            traces,
            main: Pane::Turns,
            detail_focus: false,
            turns,
            tree,
            detail,
            last_selected: None,
            note: None,
            filter: None,
            kept: (0, 0),
        };
        screen.turns.fill(model, 0, 60);
        screen.last_selected = screen.selected_span(model);
        screen
    }

    /// Narrows the turns and the tree to what `filter` matches (all for `None`): the turns one
    /// of whose spans matches, the traces holding a matching span.
    pub fn set_filter(&mut self, model: &Model, filter: Option<super::filter::Active>, wide: bool) {
        if self.filter == filter {
            return;
        }
        self.filter = filter;
        let compiled = self.filter.as_ref().map(|f| f.filter.compile(model));
        let keep = compiled.as_ref().map(|c| move |s: u32| c.span(s));
        let kept = self
            .turns
            .set_kept(model, keep.as_ref().map(|k| k as &dyn Fn(u32) -> bool));
        let traces: Vec<u32> = match &compiled {
            Some(c) => self
                .traces
                .iter()
                .copied()
                .filter(|&t| model.trace_spans(t).iter().any(|&s| c.span(s)))
                .collect(),
            None => self.traces.clone(),
        };
        self.tree = TreeView::new(model, &traces);
        self.tree.refresh(model);
        self.kept = (kept, self.turns.conversation.turns.len());
        self.sync(model, wide);
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
            Action::NextError | Action::PrevError | Action::NextTurn | Action::PrevTurn => {
                // From the detail too: the main pane moves and the detail follows it.
                let forward = matches!(action, Action::NextError | Action::NextTurn);
                let errors = matches!(action, Action::NextError | Action::PrevError);
                let j = match self.main {
                    Pane::Tree => self.tree.jump(model, errors, forward),
                    _ => self.turns.jump(model, errors, forward, page),
                };
                self.note = if errors {
                    j.say("error", forward, "no errors in this session")
                } else {
                    j.say("turn", forward, "no turns in this session")
                };
            }
            // Esc clears a find first, then leaves the detail.
            Action::Back | Action::Cancel if self.detail_focus && self.detail.clear_find() => {}
            Action::Back | Action::Cancel if self.detail_focus => self.detail_focus = false,
            _ if self.detail_focus => self.detail.update(model, action, page),
            _ => {
                let (opened, back) = match self.main {
                    Pane::Tree => self.tree.update(model, action, page),
                    _ => self.turns.update(model, action, page),
                };
                // Esc goes back one level: out of a filter before out of the session.
                if back && self.filter.is_some() {
                    self.set_filter(model, None, wide);
                    self.note =
                        Some("filter cleared (: to filter again, ↑ for the last one)".into());
                } else if back {
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
