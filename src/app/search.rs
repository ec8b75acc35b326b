//! Search from the explorer: fuzzy over sessions (in the session list) or over the open
//! session's spans, and full text over the span records; `n`/`N` step through the matches.

use super::action::Action;
use super::line::Edit;
use super::sessions::{Entry, SessionScreen};
use super::{App, Effect, Overlay, Pane};
use crate::model::Model;
use crate::search::{Engine, Injector, push};
use std::sync::Arc;

/// What a search looks through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Sessions,
    Spans(Entry),
}

/// A match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Session(Entry),
    Span(u32),
}

/// The search prompt being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub line: super::line::Line,
    pub full_text: bool,
    /// Selected row in the results popup.
    pub selected: usize,
}

impl Prompt {
    pub fn new(full_text: bool) -> Prompt {
        Prompt {
            line: super::line::Line::default(),
            full_text,
            selected: 0,
        }
    }

    pub fn query(&self) -> &str {
        self.line.text()
    }
}

/// Search engines and the last accepted matches.
#[derive(Default)]
pub struct Matches {
    pub sessions: Option<Engine<Hit>>,
    pub spans: Option<(Entry, Engine<Hit>)>,
    /// Matches of the last accepted search, for `n` / `N`.
    pub results: Vec<Hit>,
    pub at: usize,
    pub last_query: String,
    /// The matches come from a full-text search (`F`): opening one highlights the query in
    /// the span's detail.
    pub full_text: bool,
    /// Wakes the runner when the matcher has news (set by the runner).
    pub notify: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Matches {
    /// Forgets engines and matches (they index a model that was replaced).
    pub fn reset(&mut self) {
        *self = Matches {
            notify: self.notify.take(),
            ..Matches::default()
        };
    }

    /// The engine for a scope, if it exists.
    pub fn engine(&self, scope: Scope) -> Option<&Engine<Hit>> {
        match scope {
            Scope::Sessions => self.sessions.as_ref(),
            Scope::Spans(e) => self
                .spans
                .as_ref()
                .filter(|(s, _)| *s == e)
                .map(|(_, en)| en),
        }
    }

    fn engine_mut(&mut self, scope: Scope) -> Option<&mut Engine<Hit>> {
        match scope {
            Scope::Sessions => self.sessions.as_mut(),
            Scope::Spans(e) => self
                .spans
                .as_mut()
                .filter(|(s, _)| *s == e)
                .map(|(_, en)| en),
        }
    }

    /// The injector of a scope's engine, to fill it from another thread.
    pub fn injector(&self, scope: Scope) -> Option<Injector<Hit>> {
        self.engine(scope).map(Engine::injector)
    }

    /// Waits for the engines to finish matching (tests, scripted use).
    pub fn settle(&mut self) {
        if let Some(e) = self.sessions.as_mut() {
            e.settle();
        }
        if let Some((_, e)) = self.spans.as_mut() {
            e.settle();
        }
    }

    /// Lets the engines publish new results; true if the screen should change.
    pub fn tick(&mut self) -> bool {
        let a = self.sessions.as_mut().is_some_and(|e| e.tick(5));
        let b = self.spans.as_mut().is_some_and(|(_, e)| e.tick(5));
        a || b
    }
}

/// The haystack of a session: id, user, first input, span names.
pub fn session_haystack(model: &Model, entry: Entry) -> String {
    let traces: &[u32] = match entry {
        Entry::Session(s) => model.session_traces(s),
        Entry::Unsessioned => &model.unsessioned,
    };
    let mut h = match entry {
        Entry::Session(s) => {
            let sess = model.session(s);
            let input = crate::model::conversation::read::Reader::new(model, true)
                .first_input(s)
                .unwrap_or_default();
            format!(
                "{} {} {}",
                model.session_id(s),
                model.str(sess.user).chars().take(16).collect::<String>(),
                input.chars().take(80).collect::<String>()
            )
        }
        Entry::Unsessioned => "unsessioned".to_owned(),
    };
    let mut names: Vec<u32> = traces
        .iter()
        .flat_map(|&t| model.trace_spans(t).iter().map(|&s| model.span(s).name))
        .collect();
    names.sort_unstable();
    names.dedup();
    for n in names.into_iter().take(3) {
        h.push(' ');
        h.push_str(model.str(n));
    }
    h
}

/// The haystack of a span: name, kind, ids, model.
pub fn span_haystack(model: &Model, span: u32) -> String {
    let rec = model.span(span);
    let m = model
        .index
        .extra(span)
        .filter(|e| e.model != 0)
        .map_or("", |e| model.str(e.model));
    format!(
        "{} {} {} {} {m}",
        model.name(span),
        rec.kind().label(),
        model.index.span_id_of(rec),
        model.index.trace_id_text(rec.trace)
    )
}

/// Fills a scope's engine (the runner calls this on a background thread).
pub fn fill(model: &Model, scope: Scope, injector: &Injector<Hit>) {
    match scope {
        Scope::Sessions => {
            for s in 0..u32::try_from(model.sessions.len()).unwrap_or(0) {
                let e = Entry::Session(s);
                push(injector, Hit::Session(e), &session_haystack(model, e));
            }
            if !model.unsessioned.is_empty() {
                push(
                    injector,
                    Hit::Session(Entry::Unsessioned),
                    &session_haystack(model, Entry::Unsessioned),
                );
            }
        }
        Scope::Spans(entry) => {
            let traces: &[u32] = match entry {
                Entry::Session(s) => model.session_traces(s),
                Entry::Unsessioned => &model.unsessioned,
            };
            for &t in traces {
                for &s in model.trace_spans(t) {
                    push(injector, Hit::Span(s), &span_haystack(model, s));
                }
            }
        }
    }
}

/// The scope `/` searches now.
pub fn scope(app: &App) -> Scope {
    match &app.session {
        Some(s) => Scope::Spans(s.entry),
        None => Scope::Sessions,
    }
}

/// Opens the fuzzy search: creates the scope's engine if needed and asks for it to be filled.
pub fn start(app: &mut App) -> Vec<Effect> {
    let scope = scope(app);
    if app.search.engine(scope).is_some() {
        if let Some(e) = app.search.engine_mut(scope) {
            e.set_query("");
        }
        return Vec::new();
    }
    let notify = app.search.notify.clone().unwrap_or_else(|| Arc::new(|| {}));
    let engine = Engine::new(notify);
    match scope {
        Scope::Sessions => app.search.sessions = Some(engine),
        Scope::Spans(e) => app.search.spans = Some((e, engine)),
    }
    vec![Effect::FillSearch(scope)]
}

/// Handles a key while the prompt is open.
pub fn update(
    app: &mut App,
    model: &Arc<Model>,
    mut prompt: Prompt,
    action: Action,
) -> Vec<Effect> {
    let scope = scope(app);
    let shown = app.page.max(3);
    let history = usize::from(prompt.full_text);
    let edit = match action {
        Action::Input(c) => Some(Edit::Insert(c)),
        Action::Backspace => Some(Edit::Backspace),
        Action::Edit(e) => Some(e),
        _ => None,
    };
    if let Some(e) = edit
        && prompt.line.edit(e, &app.histories[history])
    {
        prompt.selected = 0;
    }
    match action {
        Action::Down => prompt.selected = (prompt.selected + 1).min(shown.saturating_sub(1)),
        Action::Up => prompt.selected = prompt.selected.saturating_sub(1),
        Action::Cancel => {
            app.overlay = Overlay::None;
            return Vec::new();
        }
        Action::Accept if prompt.full_text => {
            app.overlay = Overlay::None;
            let query = prompt.query().to_owned();
            if query.is_empty() {
                return Vec::new();
            }
            app.histories[history].push(&query);
            app.status = Some(format!("searching the records for {query:?}…"));
            app.search.last_query = query.clone();
            return vec![Effect::FullText(query)];
        }
        Action::Accept => {
            app.overlay = Overlay::None;
            let (results, matched) = app
                .search
                .engine(scope)
                .map(|e| (e.results(0, KEPT_MATCHES), e.matched()))
                .unwrap_or_default();
            app.search.last_query = prompt.query().to_owned();
            app.search.full_text = false;
            app.histories[history].push(prompt.query());
            if results.is_empty() {
                app.status = Some(format!("no match for {:?}", prompt.query()));
                app.search.results.clear();
                return Vec::new();
            }
            app.search.at = prompt.selected.min(results.len() - 1);
            app.search.results = results;
            goto(app, model);
            // n/N move among the best matches kept: a count past them says so.
            if matched > KEPT_MATCHES {
                app.status = Some(format!(
                    "the best {} of {} matches for {:?}: {}/{} move among them",
                    crate::fmt::thousands(u64::from(KEPT_MATCHES)),
                    crate::fmt::thousands(u64::from(matched)),
                    prompt.query(),
                    app.keymap.key("next-match"),
                    app.keymap.key("prev-match")
                ));
            }
            return Vec::new();
        }
        _ => {}
    }
    if !prompt.full_text
        && let Some(e) = app.search.engine_mut(scope)
    {
        e.set_query(prompt.query());
        // Take results that are ready now; the matcher's notify wakes the runner for the rest.
        e.tick(0);
    }
    app.overlay = Overlay::Search(prompt);
    Vec::new()
}

/// The most fuzzy matches kept for n/N after the search prompt closes.
const KEPT_MATCHES: u32 = 100_000;

/// Full-text results arrived: spans whose record contains the query (all of them: see
/// [`full_text_hits`] for a search that may have stopped at its limit).
pub fn full_text_done(app: &mut App, model: &Arc<Model>, query: &str, spans: Vec<u32>) {
    let hits = crate::model::fulltext::Hits {
        spans,
        truncated: false,
    };
    full_text_hits(app, model, query, hits);
}

/// Full-text results arrived; a search that stopped at its limit says so ("100,000+").
pub fn full_text_hits(
    app: &mut App,
    model: &Arc<Model>,
    query: &str,
    hits: crate::model::fulltext::Hits,
) {
    let (spans, capped) = (hits.spans, hits.truncated);
    // Matched in bytes that may no longer be the file's: not shown as matches.
    if !model.index.fresh() {
        let note = super::disk::status(&super::disk::look(model), &app.keymap).unwrap_or_default();
        app.status = Some(format!("full-text search stopped: {note}"));
        return;
    }
    if spans.is_empty() {
        app.status = Some(format!("no record contains {query:?}"));
        return;
    }
    let n = spans.len();
    app.search.last_query = query.to_owned();
    app.search.full_text = true;
    let spans = screen_order(app, model, spans);
    app.search.results = spans.into_iter().map(Hit::Span).collect();
    app.search.at = 0;
    goto(app, model);
    app.status = Some(format!(
        "{} {query:?} · {}/{}: next/previous · {}: list them",
        match (capped, n) {
            (true, _) => format!("{} records contain", crate::fmt::at_least(n as u64, true)),
            (false, 1) => "1 record contains".to_owned(),
            (false, _) => format!("{} records contain", crate::fmt::thousands(n as u64)),
        },
        app.keymap.key("next-match"),
        app.keymap.key("prev-match"),
        app.keymap.key("list-matches")
    ));
}

/// Spans in the order the screen shows them: sessions as the list has them (sorted, then
/// those a filter hides, then the unsessioned traces), inside a session in time order.
pub fn screen_order(app: &App, model: &Model, mut spans: Vec<u32>) -> Vec<u32> {
    let rank: std::collections::HashMap<Entry, usize> = app
        .sessions
        .rows
        .iter()
        .enumerate()
        .map(|(i, e)| (*e, i))
        .collect();
    let hidden = rank.len();
    spans.sort_by_cached_key(|&s| {
        let rec = model.span(s);
        let session = model.trace(rec.trace).session;
        let entry = if session == crate::model::NONE {
            Entry::Unsessioned
        } else {
            Entry::Session(session)
        };
        let r = rank.get(&entry).copied().unwrap_or(match entry {
            Entry::Unsessioned => usize::MAX,
            Entry::Session(s) => hidden + s as usize,
        });
        (r, rec.start(), s)
    });
    spans
}

/// `n` / `N`.
pub fn step(app: &mut App, model: &Arc<Model>, forward: bool) {
    let n = app.search.results.len();
    if n == 0 {
        app.status = Some("no search yet: press / to search".into());
        return;
    }
    let j = super::jump::find(n, app.search.at, forward, |_| true);
    app.search.at = j.index().unwrap_or(0);
    goto(app, model);
    if let Some(note) = j.say("match", forward, "no matches")
        && let Some(status) = app.status.as_mut()
    {
        status.push_str(" · ");
        status.push_str(&note);
    }
}

/// Shows the current match.
pub(super) fn goto(app: &mut App, model: &Arc<Model>) {
    let Some(&hit) = app.search.results.get(app.search.at) else {
        return;
    };
    let n = app.search.results.len();
    let page = app.page;
    match hit {
        Hit::Session(entry) => {
            app.session = None;
            app.sessions.select(entry, page);
        }
        Hit::Span(span) => {
            let t = model.span(span).trace;
            let session = model.trace(t).session;
            let entry = if session == crate::model::NONE {
                Entry::Unsessioned
            } else {
                Entry::Session(session)
            };
            if app.session.as_ref().is_none_or(|s| s.entry != entry) {
                app.sessions.select(entry, page);
                app.session = Some(SessionScreen::open(model, entry, &app.zone, &app.keymap));
            }
            if let Some(screen) = app.session.as_mut() {
                match screen.main {
                    Pane::Tree => screen.tree.reveal(model, span),
                    _ => screen.turns.reveal(model, span, page),
                }
                screen.last_selected = Some(span);
                let wide = app.width >= super::layout::WIDE;
                screen.sync(model, wide);
                if !wide
                    && !screen
                        .turns
                        .rows
                        .iter()
                        .any(|r| screen.turns.shows(model, r, span))
                    && screen.main == Pane::Turns
                {
                    screen.main = Pane::Tree;
                    screen.tree.reveal(model, span);
                }
                // A full-text match opens in the detail, scrolled to the query's first
                // occurrence, every occurrence marked; `n` goes through them, then on.
                if app.search.full_text {
                    screen.detail_focus = true;
                    screen.sync(model, wide);
                    screen.detail.highlight(&app.search.last_query);
                    screen.detail.status = None;
                }
            }
        }
    }
    app.status = Some(format!(
        "match {}/{n} for {:?}",
        app.search.at + 1,
        app.search.last_query
    ));
}
