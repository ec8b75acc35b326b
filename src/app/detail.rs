//! The span detail: the span's facts, its messages as a chat, its input and output, and its
//! full record as highlighted JSON. Built from the file when a span is opened; text is
//! sanitised here, once.

use super::action::Action;
use crate::highlight;
use crate::model::conversation::earlier::earlier;
use crate::model::conversation::messages::{self, Side};
use crate::model::detail::SpanDetail;
use crate::model::{Model, NONE};
use crate::sanitize::clean;
use unicode_width::UnicodeWidthChar;

/// Records larger than this are shown without highlighting.
pub const HIGHLIGHT_CUTOFF: usize = 512 * 1024;

/// At most this much of one text (a message, the input, the output) is shown; the rest is
/// named by a marker line. (Memory and time to open a span stay bounded by what a screen can
/// hold, whatever a value's size: a copy or a file has it all.)
pub const TEXT_CAP: usize = 256 * 1024;

/// How much of the record's JSON is shown: strings cut past 16 KB, the whole past 2 MB.
pub const RECORD_WINDOW: crate::json::Window = crate::json::Window {
    string_bytes: 16 * 1024,
    total_bytes: 2 * 1024 * 1024,
};

/// What a line of the detail is, for styling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Title(String),
    Meta(String),
    Error(String),
    Section(String),
    /// A chat message's role.
    Role(String),
    Body(String),
    /// Line `i` of the pretty-printed record.
    Json(usize),
    Blank,
}

#[derive(Default)]
pub struct DetailView {
    pub span: Option<u32>,
    pub lines: Vec<Line>,
    pub json: Vec<String>,
    pub highlight: Option<highlight::Cache>,
    /// First visual row shown.
    pub scroll: usize,
    /// Wrap width the visual rows were counted for.
    pub width: u16,
    /// Visual row where each line starts (one more entry than lines).
    pub starts: Vec<usize>,
    /// Rows on screen at the last draw.
    pub height: usize,
    /// The messages a call's history repeats from an earlier call are shown (`Space`).
    pub history_open: bool,
}

/// Display width of `s`.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Adds sanitised text, a line per line, tabs expanded; past [`TEXT_CAP`] bytes a marker
/// line says how much is not shown.
fn push_text(lines: &mut Vec<Line>, text: &str, make: fn(String) -> Line) {
    let mut cut = text.len().min(TEXT_CAP);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let shown = clean(&text[..cut]);
    lines.extend(shown.split('\n').map(|l| make(l.replace('\t', "    "))));
    if cut < text.len() {
        lines.push(Line::Error(format!(
            "… {} more not shown (y writes the whole record to a file)",
            crate::fmt::bytes((text.len() - cut) as u64)
        )));
    }
}

/// A marker line for the end of a value not shown (`rest` bytes of it).
fn push_rest(lines: &mut Vec<Line>, rest: usize) {
    if rest > 0 {
        lines.push(Line::Error(format!(
            "… the last {} of the value are not shown (y writes the whole record to a file)",
            crate::fmt::bytes(rest as u64)
        )));
    }
}

impl DetailView {
    /// Text of line `i` (the JSON line for `Line::Json`).
    pub fn text(&self, i: usize) -> &str {
        match self.lines.get(i) {
            Some(Line::Json(j)) => self.json.get(*j).map_or("", String::as_str),
            Some(
                Line::Title(s)
                | Line::Meta(s)
                | Line::Error(s)
                | Line::Section(s)
                | Line::Role(s)
                | Line::Body(s),
            ) => s,
            _ => "",
        }
    }

    /// Shows span `span` (does nothing if it already does).
    pub fn show(&mut self, model: &Model, span: u32) {
        if self.span == Some(span) {
            return;
        }
        self.span = Some(span);
        self.scroll = 0;
        self.history_open = false;
        self.build(model, span);
        let w = self.width;
        self.width = 0;
        self.layout(w);
        self.prepare();
    }

    /// Reads the span shown again (its file was found changed: a note may replace it).
    pub fn reload(&mut self, model: &Model) {
        let Some(span) = self.span else { return };
        let scroll = self.scroll;
        self.build(model, span);
        let w = self.width;
        self.width = 0;
        self.layout(w);
        self.scroll = scroll.min(self.max_scroll());
        self.prepare();
    }

    /// Builds the lines of span `span`. Its file is looked at before its bytes are read and
    /// after (see `Index::fresh_file`): bytes the file no longer holds are never shown; what
    /// the index holds in memory (name, ids, times, session, tokens) still is, with a note.
    fn build(&mut self, model: &Model, span: u32) {
        let file = model.span(span).file();
        if !model.index.fresh_file(file) {
            return self.build_from(model, span, false);
        }
        self.build_from(model, span, true);
        if !model.index.fresh_file(file) {
            self.build_from(model, span, false);
        }
    }

    fn build_from(&mut self, model: &Model, span: u32, read: bool) {
        let idx = &model.index;
        let rec = model.span(span);
        let d = if read {
            SpanDetail::load_shown(model, span)
        } else {
            SpanDetail::default()
        };
        let mut out = Vec::new();
        let status = match rec.status() {
            crate::kind::Status::Error => "  ✗ ERROR",
            crate::kind::Status::Ok => "  ok",
            crate::kind::Status::Unset => "",
        };
        out.push(Line::Title(format!(
            "{} {}{status}",
            rec.kind().label(),
            crate::sanitize::one_line(model.name(span))
        )));
        // A failure first: what went wrong, then where.
        if model.is_error(span) || !d.failure().is_empty() {
            let f = d.failure();
            if let Some(m) = &f.message {
                push_text(&mut out, &format!("✗ {m}"), Line::Error);
            }
            match (&f.kind, &f.exception) {
                (Some(k), Some(m)) => push_text(&mut out, &format!("  {k}: {m}"), Line::Error),
                (Some(x), None) | (None, Some(x)) => {
                    push_text(&mut out, &format!("  {x}"), Line::Error)
                }
                (None, None) => {}
            }
            if let Some(stack) = &f.stack {
                push_text(&mut out, stack, Line::Error);
            }
        }
        // Ids not in hex are kept as written: cleaned to one line like any text from a file.
        let id = |s: String| crate::sanitize::one_line(&s);
        let parent = match model.parent[span as usize] {
            NONE if model.is_orphan(span) => format!(
                "parent {} (not in the file: orphan)",
                id(idx.parent_id_of(rec).unwrap_or_default())
            ),
            NONE => "root".to_owned(),
            p => format!("parent {}", id(idx.span_id_of(model.span(p)))),
        };
        out.push(Line::Meta(format!(
            "span {} · {parent}",
            id(idx.span_id_of(rec))
        )));
        out.push(Line::Meta(format!(
            "trace {}",
            id(idx.trace_id_text(rec.trace))
        )));
        let start = if rec.start > 0 {
            crate::time::iso_ms(rec.start)
        } else {
            "no start time".into()
        };
        let file = crate::sanitize::one_line(idx.file_name(rec.file()));
        let at = match idx.line(span) {
            // Not counted over bytes the file no longer holds.
            0 => file,
            line => format!("{file}:{line}"),
        };
        out.push(Line::Meta(format!(
            "{start} · {} · {at}",
            crate::time::human_duration(rec.duration_ns()),
        )));
        let trace = model.trace(rec.trace);
        let session = match (model.span_origin(span), trace.session) {
            (Some(origin), s) if s != NONE => {
                let how = match (origin, trace.inferred()) {
                    ("inferred", Some(by)) => format!("inferred by {}", by.label()),
                    ("inferred", None) => "inferred".to_owned(),
                    (o, _) => format!("from the {o}"),
                };
                format!(
                    "session {} ({how})",
                    crate::sanitize::one_line(model.session_id(s))
                )
            }
            _ => "no session".to_owned(),
        };
        let mut facts = vec![session];
        if let Some(e) = idx.extra(span) {
            if e.model != 0 {
                facts.push(format!(
                    "model {}",
                    crate::sanitize::one_line(model.str(e.model))
                ));
            }
            if let Some(t) = idx.tokens(span) {
                facts.push(format!("tokens {} → {} ({} total)", t[0], t[1], t[2]));
            }
            if let Some(c) = e.cost() {
                facts.push(format!("cost {}", crate::fmt::cost(c)));
            }
            if e.user != 0 {
                facts.push(format!(
                    "user {}",
                    crate::sanitize::one_line(model.str(e.user))
                ));
            }
        }
        out.push(Line::Meta(facts.join(" · ")));
        use crate::index::record::flag;
        for (f, what) in [
            (flag::DUPLICATE, "exported twice: counted once"),
            (
                flag::CYCLE_CUT,
                "its parent link closed a cycle and was cut",
            ),
            (flag::BAD_UTF8, "holds invalid UTF-8 (shown as \u{FFFD})"),
        ] {
            if rec.has(f) {
                out.push(Line::Error(format!("! {what}")));
            }
        }
        for note in d.error.iter().chain(&d.notes) {
            push_text(&mut out, &format!("! {note}"), Line::Error);
        }
        if !read {
            let note = super::disk::gone(model, rec.file()).unwrap_or_else(|| {
                "its file changed on disk after it was read: r reloads it".to_owned()
            });
            out.push(Line::Blank);
            push_text(&mut out, &format!("! {note}"), Line::Error);
            self.json.clear();
            self.highlight = None;
            self.lines = out;
            return;
        }
        let bytes = idx.span_bytes(rec);
        for (side, title) in [(Side::Input, "messages in"), (Side::Output, "messages out")] {
            // What an earlier call of the conversation already sent is folded away.
            let fold = (side == Side::Input)
                .then(|| earlier(model, span))
                .flatten()
                .filter(|_| !self.history_open);
            let (skipped, msgs) = messages::read(bytes, side, fold.map_or(0, |e| e.messages));
            if msgs.is_empty() && skipped == 0 {
                continue;
            }
            out.push(Line::Blank);
            out.push(Line::Section(format!("{title} ({})", skipped + msgs.len())));
            if let Some(e) = fold.filter(|_| skipped > 0) {
                out.push(Line::Meta(format!(
                    "▸ {skipped} earlier message{}, as in call {} (Space shows them)",
                    if skipped == 1 { "" } else { "s" },
                    e.number
                )));
            }
            for m in msgs {
                out.push(Line::Role(if m.role_text.is_empty() {
                    "?".into()
                } else {
                    crate::sanitize::one_line(&m.role_text)
                }));
                if !m.text.is_empty() {
                    push_text(&mut out, &m.text, Line::Body);
                }
                for u in &m.uses {
                    push_text(&mut out, &format!("→ {}({})", u.name, u.input), Line::Body);
                }
                for r in &m.results {
                    let mark = if r.error { "✗" } else { "←" };
                    let id = if r.id.is_empty() {
                        String::new()
                    } else {
                        format!("{} ", r.id)
                    };
                    push_text(&mut out, &format!("{mark} {id}{}", r.text), Line::Body);
                }
            }
        }
        for (keys, title) in [
            (["input.value", "mlflow.spanInputs"], "input"),
            (["output.value", "mlflow.spanOutputs"], "output"),
        ] {
            let Some(v) = keys.iter().find_map(|k| d.text(k)) else {
                continue;
            };
            out.push(Line::Blank);
            out.push(Line::Section(title.to_owned()));
            let t = v.trim();
            let json = (t.starts_with('{') || t.starts_with('['))
                .then(|| crate::json::pretty_window(t.as_bytes(), RECORD_WINDOW).ok())
                .flatten();
            match json {
                Some((body, rest)) => {
                    push_text(&mut out, &body, Line::Body);
                    push_rest(&mut out, rest);
                }
                None => push_text(&mut out, v, Line::Body),
            }
        }
        let evals: Vec<_> = model
            .trace_evals(rec.trace)
            .iter()
            .filter(|e| e.span == span || (e.span == NONE && trace.root == span))
            .collect();
        if !evals.is_empty() {
            out.push(Line::Blank);
            out.push(Line::Section("evaluations".into()));
            for e in evals {
                let ev = &e.eval;
                let verdict = match (&ev.scorer_error, &ev.value) {
                    (Some(err), _) => format!("scorer error: {err}"),
                    (None, Some(v)) => format!("= {v}"),
                    (None, None) => "(no value)".into(),
                };
                push_text(&mut out, &format!("{} {verdict}", ev.name), Line::Role);
                if let Some(r) = &ev.rationale {
                    push_text(&mut out, r, Line::Body);
                }
            }
        }
        out.push(Line::Blank);
        let raw = idx.span_bytes(rec);
        out.push(Line::Section(format!(
            "record ({} bytes, as in the file)",
            raw.len()
        )));
        let (pretty, rest) = match crate::json::pretty_window(raw, RECORD_WINDOW) {
            Ok(shown) => shown,
            Err(e) => {
                let cut = raw.len().min(RECORD_WINDOW.total_bytes);
                let text = String::from_utf8_lossy(&raw[..cut]);
                (format!("(not valid JSON: {e})\n{text}"), raw.len() - cut)
            }
        };
        self.json = clean(&pretty)
            .split('\n')
            .map(|l| l.replace('\t', "    "))
            .collect();
        out.extend((0..self.json.len()).map(Line::Json));
        push_rest(&mut out, rest);
        self.highlight =
            (raw.len() <= HIGHLIGHT_CUTOFF).then(|| highlight::Cache::new(self.json.len()));
        self.lines = out;
    }

    /// Counts visual rows for wrap width `w`.
    pub fn layout(&mut self, w: u16) {
        if self.width == w && self.starts.len() == self.lines.len() + 1 {
            return;
        }
        self.width = w;
        let w = usize::from(w.max(1));
        let mut at = 0;
        self.starts.clear();
        for i in 0..self.lines.len() {
            self.starts.push(at);
            at += width(self.text(i)).div_ceil(w).max(1);
        }
        self.starts.push(at);
        self.scroll = self.scroll.min(self.max_scroll());
    }

    pub fn rows(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    fn max_scroll(&self) -> usize {
        self.rows().saturating_sub(self.height.max(1))
    }

    /// The line holding visual row `row`.
    pub fn line_at(&self, row: usize) -> usize {
        self.starts.partition_point(|&s| s <= row).saturating_sub(1)
    }

    /// Highlights the JSON lines in view.
    pub fn prepare(&mut self) {
        let first = self.line_at(self.scroll);
        let last = self.line_at(self.scroll + self.height.max(1)) + 1;
        let json: Vec<usize> = self.lines[first.min(self.lines.len())..last.min(self.lines.len())]
            .iter()
            .filter_map(|l| {
                if let Line::Json(j) = l {
                    Some(*j)
                } else {
                    None
                }
            })
            .collect();
        if let (Some(cache), Some(&a), Some(&b)) =
            (self.highlight.as_mut(), json.first(), json.last())
        {
            cache.ensure(&self.json, a..b + 1);
        }
    }

    /// Shows or folds the messages a call's history repeats from an earlier call.
    pub fn toggle_history(&mut self, model: &Model) {
        let Some(span) = self.span else { return };
        self.history_open = !self.history_open;
        let scroll = self.scroll;
        self.build(model, span);
        let w = self.width;
        self.width = 0;
        self.layout(w);
        self.scroll = scroll.min(self.max_scroll());
        self.prepare();
    }

    pub fn update(&mut self, action: Action, page: usize) {
        let page = page.max(1);
        let max = self.max_scroll();
        self.scroll = match action {
            Action::Down | Action::ScrollDown => self.scroll + 1,
            Action::Up | Action::ScrollUp => self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll + page,
            Action::PageUp => self.scroll.saturating_sub(page),
            Action::HalfPageDown => self.scroll + page / 2,
            Action::HalfPageUp => self.scroll.saturating_sub(page / 2),
            Action::Top => 0,
            Action::Bottom => max,
            Action::NextError => self
                .find(|l| matches!(l, Line::Error(_)), true)
                .unwrap_or(self.scroll),
            Action::PrevError => self
                .find(|l| matches!(l, Line::Error(_)), false)
                .unwrap_or(self.scroll),
            _ => self.scroll,
        }
        .min(max);
        self.prepare();
    }

    fn find(&self, pred: impl Fn(&Line) -> bool, down: bool) -> Option<usize> {
        let cur = self.line_at(self.scroll);
        let hit = if down {
            (cur + 1..self.lines.len()).find(|&i| pred(&self.lines[i]))
        } else {
            (0..cur).rev().find(|&i| pred(&self.lines[i]))
        };
        hit.map(|i| self.starts[i])
    }
}
