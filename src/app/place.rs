//! The user's place, kept across a rebuild of the model (`r`, an inference switch): the
//! session selected in the list, and the open session with its pane, its selected span and
//! the detail's scroll, where they still exist.
//!
//! Indices do not survive a rebuild (sessions, traces and spans are numbered anew), so a place
//! is held by ids: a session's id, a span's trace and span ids.

use super::Pane;
use super::sessions::{Entry, SessionScreen};
use crate::model::Model;

/// A session by id (`None`: the unsessioned traces).
#[derive(Clone, Debug, PartialEq, Eq)]
struct SessionKey(Option<String>);

/// A span by its trace id and span id.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SpanKey {
    trace: String,
    span: String,
}

#[derive(Clone, Debug)]
struct Open {
    session: SessionKey,
    main: Pane,
    detail_focus: bool,
    span: Option<SpanKey>,
    detail_scroll: usize,
}

/// Where the user was.
#[derive(Clone, Debug, Default)]
pub struct Place {
    selected: Option<SessionKey>,
    open: Option<Open>,
}

fn session_key(model: &Model, e: Entry) -> SessionKey {
    match e {
        Entry::Session(s) => SessionKey(Some(model.session_id(s).to_owned())),
        Entry::Unsessioned => SessionKey(None),
    }
}

fn span_key(model: &Model, span: u32) -> SpanKey {
    let rec = model.span(span);
    SpanKey {
        trace: model.index.trace_id_text(rec.trace),
        span: model.index.span_id_of(rec),
    }
}

/// The session `key` names in `model`: the same id, or (after splitting at idle gaps was
/// switched) its first part `id#1`, or the id it was split from.
fn find_session(model: &Model, key: &SessionKey) -> Option<Entry> {
    let Some(id) = &key.0 else {
        return (!model.unsessioned.is_empty()).then_some(Entry::Unsessioned);
    };
    let base = id.rsplit_once('#').map_or(id.as_str(), |(b, _)| b);
    [id.clone(), format!("{base}#1"), base.to_owned()]
        .iter()
        .find_map(|c| model.find_session(c))
        .map(Entry::Session)
}

/// The span `key` names among `traces` of `model`.
fn find_span(model: &Model, traces: &[u32], key: &SpanKey) -> Option<u32> {
    traces
        .iter()
        .filter(|&&t| model.index.trace_id_text(t) == key.trace)
        .flat_map(|&t| model.trace_spans(t).iter().copied())
        .find(|&s| model.index.span_id_of(model.span(s)) == key.span)
}

impl Place {
    /// Where the user is in `app` (nothing before a model is loaded).
    pub fn take(app: &super::App) -> Place {
        let Some(model) = app.model.as_deref() else {
            return Place::default();
        };
        let selected = app.sessions.selected_entry().map(|e| session_key(model, e));
        let open = app.session.as_ref().map(|s| Open {
            session: session_key(model, s.entry),
            main: s.main,
            detail_focus: s.detail_focus,
            span: s
                .selected_span(model)
                .or(s.last_selected)
                .map(|sp| span_key(model, sp)),
            detail_scroll: s.detail.scroll,
        });
        Place { selected, open }
    }

    /// Puts the user back at this place in `app`, whose lists were just made from `model`:
    /// as much of it as `model` still has.
    pub fn restore(&self, app: &mut super::App, model: &Model) {
        let page = app.page;
        if let Some(e) = self.selected.as_ref().and_then(|k| find_session(model, k)) {
            app.sessions.select(e, page);
        }
        let Some(open) = &self.open else { return };
        let Some(entry) = find_session(model, &open.session) else {
            return;
        };
        app.sessions.select(entry, page);
        let mut screen = SessionScreen::open(model, entry, &app.zone, &app.keymap);
        screen.main = open.main;
        if let Some(span) = open
            .span
            .as_ref()
            .and_then(|k| find_span(model, &screen.traces, k))
        {
            match open.main {
                Pane::Tree => screen.tree.reveal(model, span),
                _ => screen.turns.reveal(model, span, page),
            }
            screen.last_selected = Some(span);
        }
        if open.main == Pane::Tree {
            screen.tree.refresh(model);
            screen.tree.follow(page);
        }
        screen.detail_focus = open.detail_focus;
        screen.sync(model, app.wide());
        screen.detail.scroll = open.detail_scroll;
        app.session = Some(screen);
    }
}
