//! Following the files as they grow: what the header shows (following or paused, spans added,
//! what happened to the files), and the user's place kept while the model changes under them.
//!
//! The model grows in place (see [`crate::follow`]): spans and traces keep their indices, but
//! sessions are grouped again, so a session can move in the list. Before a change the app
//! notes its place by session id ([`App::place`]); after it, it finds it again
//! ([`App::grown`]): the selected row, the list's scroll, the open session with its pane, its
//! selected row and scroll, the span in the detail.

use super::sessions::{Entry, SessionList, SessionScreen};
use super::{App, Effect, Overlay, Pane};
use crate::model::{Model, NONE};
use std::sync::Arc;

/// Following, as the header shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Following {
    /// Polling (`f` pauses and resumes).
    pub on: bool,
    /// Spans added since following started.
    pub added: u64,
}

impl Following {
    /// `following · +123 spans`, `paused (f follows)` (`follow_key` as bound).
    pub fn label(&self, follow_key: &str) -> String {
        if !self.on {
            return format!("paused ({follow_key} follows)");
        }
        match self.added {
            0 => "following".to_owned(),
            n => format!("following · +{}", crate::fmt::count_u64(n, "span", "spans")),
        }
    }
}

/// A row of the session list, by what it is rather than where it is: a session by its id,
/// and by its first trace (found in whatever session holds it when inference regrouped it).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Session(String, u32),
    Unsessioned,
}

/// Where the user is, in terms that survive the model growing.
pub struct Place {
    selected: Option<Key>,
    offset: usize,
    screen: Option<ScreenPlace>,
}

struct ScreenPlace {
    key: Key,
    main: Pane,
    detail_focus: bool,
    turns: (usize, usize),
    tree_offset: usize,
    last_selected: Option<u32>,
    detail: super::detail::DetailView,
    screen: SessionScreen,
}

fn key(model: &Model, e: Entry) -> Key {
    match e {
        Entry::Session(s) => Key::Session(
            model.session_id(s).to_owned(),
            model.session_traces(s).first().copied().unwrap_or(NONE),
        ),
        Entry::Unsessioned => Key::Unsessioned,
    }
}

fn entry(model: &Model, k: &Key) -> Option<Entry> {
    match k {
        Key::Session(id, trace) => model
            .sessions
            .iter()
            .position(|s| model.str(s.id) == id)
            .and_then(|i| u32::try_from(i).ok())
            .or_else(|| {
                let t = model.traces.get(*trace as usize)?;
                (t.session != NONE).then_some(t.session)
            })
            .map(Entry::Session),
        Key::Unsessioned => (!model.unsessioned.is_empty()).then_some(Entry::Unsessioned),
    }
}

impl App {
    /// The `f` key: pause or resume following; the first time (when the explorer was not
    /// started with `-f`), the runner starts following (reading the files again).
    pub(super) fn toggle_follow(&mut self) -> Vec<Effect> {
        let on = !self.follow.as_ref().is_some_and(|f| f.on);
        let f = self.follow.get_or_insert_with(Following::default);
        f.on = on;
        self.status = Some(if on {
            "following the files as they grow (f pauses)".to_owned()
        } else {
            "following paused (f resumes)".to_owned()
        });
        vec![Effect::Follow(on)]
    }

    /// Whether the model may change now: not while a prompt or menu holds a choice made on
    /// the model as it is (it changes once that closes).
    pub fn can_grow(&self) -> bool {
        !matches!(
            self.overlay,
            Overlay::Search(_) | Overlay::YankMenu | Overlay::TooBig { .. }
        )
    }

    /// Notes where the user is (see the module docs); `None` before the first model.
    pub fn place(&mut self) -> Option<Place> {
        let model = self.model.clone()?;
        let selected = self.sessions.selected_entry().map(|e| key(&model, e));
        let screen = self.session.take().map(|s| ScreenPlace {
            key: key(&model, s.entry),
            main: s.main,
            detail_focus: s.detail_focus,
            turns: (s.turns.selected, s.turns.offset),
            tree_offset: s.tree.offset,
            last_selected: s.last_selected,
            detail: super::detail::DetailView::default(),
            screen: s,
        });
        let mut place = Place {
            selected,
            offset: self.sessions.offset,
            screen,
        };
        if let Some(s) = place.screen.as_mut() {
            s.detail = std::mem::take(&mut s.screen.detail);
        }
        Some(place)
    }

    /// The model changed (grew, or was read again): back to `place`; `added` spans are new.
    pub fn grown(&mut self, model: Arc<Model>, place: Option<Place>, added: u64) {
        if let Some(f) = self.follow.as_mut() {
            f.added = f.added.saturating_add(added);
        }
        let Some(place) = place else {
            self.loaded(model);
            return;
        };
        let (sort, descending) = (self.sessions.sort, self.sessions.descending);
        let screen_filter = self.session.as_ref().and_then(|s| s.filter.clone());
        let wide = self.wide();
        let mut list = SessionList {
            sort,
            descending,
            filter: self.sessions.filter.take(),
            ..SessionList::default()
        };
        list.sort(&model);
        if let Some(e) = place.selected.as_ref().and_then(|k| entry(&model, k)) {
            list.selected = list.rows.iter().position(|r| *r == e).unwrap_or(0);
        }
        list.offset = place.offset;
        self.sessions = list;
        self.search.reset();
        self.session = place.screen.and_then(|p| {
            let e = entry(&model, &p.key)?;
            let mut s = SessionScreen::open(&model, e, &self.zone, &self.keymap);
            s.main = p.main;
            s.detail_focus = p.detail_focus;
            let last = s.turns.rows.len().saturating_sub(1);
            s.turns.selected = p.turns.0.min(last);
            s.turns.offset = p.turns.1.min(last);
            s.turns.unfolded = p.screen.turns.unfolded;
            s.tree.offset = p.tree_offset;
            // A filter inside the session stays, over what the session has now.
            s.set_filter(&model, screen_filter.clone(), wide);
            if let Some(span) = p.last_selected {
                s.tree.reveal(&model, span);
                s.last_selected = Some(span);
            }
            // The span's bytes do not change as the file grows: its detail stays as it was
            // (scroll, folds).
            if p.detail.span == p.last_selected {
                s.detail = p.detail;
            }
            Some(s)
        });
        // What the follower took in is no longer a change on disk (a file read again after a
        // truncation is whole again).
        self.disk = self.look(&model);
        self.model = Some(model);
        if let (Some(m), Some(s)) = (self.model.clone(), self.session.as_mut()) {
            s.sync(&m, self.width >= super::layout::WIDE);
        }
        self.relayout();
    }
}
