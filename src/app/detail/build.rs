//! What the span detail shows, read from the model when a span is opened: the span's facts,
//! its failure, its messages as a chat, its input and output, its evaluations, and its record
//! as a JSON tree. Text is sanitised here, once.

use super::record::{self, Source, View};
use super::{Block, Line};
use crate::json::tree::Tree;
use crate::model::conversation::earlier::earlier;
use crate::model::conversation::messages::{self, Side};
use crate::model::detail::SpanDetail;
use crate::model::{Model, NONE};
use crate::sanitize::clean;
use std::borrow::Cow;

/// At most this much of one text (a message, the input, the output) is shown; the rest is
/// named by a marker line. (Memory and time to open a span stay bounded by what a screen can
/// hold, whatever a value's size: `o` and `yj` have it all.)
pub const TEXT_CAP: usize = 256 * 1024;

/// The lines of a span's detail, before folding.
#[derive(Default)]
pub struct Doc {
    pub lines: Vec<Line>,
    /// The texts (messages, input, output, failure), each a run of lines.
    pub blocks: Vec<Block>,
    pub trees: Vec<View>,
    /// The line that says an earlier call's messages are folded away (the `fold` key shows them).
    pub history_line: Option<usize>,
}

impl Doc {
    /// Adds sanitised text, a line per line, tabs expanded, as one block; past [`TEXT_CAP`]
    /// bytes a marker line says how much is not shown.
    fn text(&mut self, text: &str, make: fn(String) -> Line) {
        let mut cut = text.len().min(TEXT_CAP);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let shown = clean(&text[..cut]);
        let cleaned = matches!(shown, Cow::Owned(_));
        let start = self.lines.len();
        self.lines
            .extend(shown.split('\n').map(|l| make(l.replace('\t', "    "))));
        let end = self.lines.len();
        self.blocks.push(Block {
            lines: start..end,
            bytes: text.len(),
            long: record::is_long(end - start, shown.len()),
            open: false,
            cleaned,
        });
        if cut < text.len() {
            self.lines.push(Line::Error(format!(
                "… {} more not shown (o opens the whole record)",
                crate::fmt::bytes((text.len() - cut) as u64)
            )));
        }
    }

    fn tree(&mut self, tree: Tree, source: Source, name: &str) {
        let rest = tree.rest;
        self.lines.push(Line::Tree(self.trees.len()));
        self.trees.push(View::new(tree, source, name));
        if rest > 0 {
            self.lines.push(Line::Error(format!(
                "… the last {} of the {name} are not shown (o opens the whole record)",
                crate::fmt::bytes(rest as u64)
            )));
        }
    }
}

/// Builds the lines of span `span`. Its file is looked at before its bytes are read and after
/// (see `Index::fresh_file`): bytes the file no longer holds are never shown; what the index
/// holds in memory (name, ids, times, session, tokens) still is, with a note.
pub fn build(
    model: &Model,
    span: u32,
    history_open: bool,
    zone: &crate::zone::Zone,
    words: &super::Words,
) -> Doc {
    let file = model.file(span);
    if !model.index.fresh_file(file) {
        return build_from(model, span, false, history_open, zone, words);
    }
    let doc = build_from(model, span, true, history_open, zone, words);
    if !model.index.fresh_file(file) {
        return build_from(model, span, false, history_open, zone, words);
    }
    doc
}

fn build_from(
    model: &Model,
    span: u32,
    read: bool,
    history_open: bool,
    zone: &crate::zone::Zone,
    words: &super::Words,
) -> Doc {
    let idx = &model.index;
    let rec = model.span(span);
    let d = if read {
        SpanDetail::load_for_detail(model, span)
    } else {
        SpanDetail::default()
    };
    let mut out = Doc::default();
    let status = match rec.status() {
        crate::kind::Status::Error => "  ✗ ERROR",
        crate::kind::Status::Ok => "  ok",
        crate::kind::Status::Unset => "",
    };
    out.lines.push(Line::Title(format!(
        "{} {}{status}",
        rec.kind().label(),
        crate::sanitize::one_line(model.name(span))
    )));
    // A failure first: what went wrong, then where.
    if model.is_error(span) || !d.failure().is_empty() {
        let f = d.failure();
        if let Some(m) = &f.message {
            out.text(&format!("✗ {m}"), Line::Error);
        }
        match (&f.kind, &f.exception) {
            (Some(k), Some(m)) => out.text(&format!("  {k}: {m}"), Line::Error),
            (Some(x), None) | (None, Some(x)) => out.text(&format!("  {x}"), Line::Error),
            (None, None) => {}
        }
        if let Some(stack) = &f.stack {
            out.text(stack, Line::Error);
        }
    }
    // Ids not in hex are kept as written: cleaned to one line like any text from a file.
    let id = |s: String| crate::sanitize::one_line(&s);
    let parent = match model.parent(span) {
        NONE if model.is_orphan(span) => format!(
            "parent {} (not in the file: orphan)",
            id(model.parent_id_text(span).unwrap_or_default())
        ),
        NONE => "root".to_owned(),
        p => format!("parent {}", id(idx.span_id_of(model.span(p)))),
    };
    out.lines.push(Line::Meta(format!(
        "span {} · {parent}",
        id(idx.span_id_of(rec))
    )));
    out.lines.push(Line::Meta(format!(
        "trace {}",
        id(idx.trace_id_text(rec.trace))
    )));
    let start = if rec.start() > 0 {
        zone.iso_ms(rec.start())
    } else {
        "no start time".into()
    };
    let file = crate::sanitize::one_line(idx.file_name(model.file(span)));
    let at = match idx.line(span) {
        // Not counted over bytes the file no longer holds.
        0 => file,
        line => format!("{file}:{line}"),
    };
    out.lines.push(Line::Meta(format!(
        "{start} · {} · {at}",
        match crate::fmt::span_duration(model.times(span)) {
            d if rec.start() > 0 && idx.end(rec) > 0 && idx.end(rec) < rec.start() => {
                format!("{d} (ends before it starts)")
            }
            d => d,
        },
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
    out.lines.push(Line::Meta(facts.join(" · ")));
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
            out.lines.push(Line::Error(format!("! {what}")));
        }
    }
    for note in d.error.iter().chain(&d.notes) {
        out.text(&format!("! {note}"), Line::Error);
    }
    if !read {
        let note =
            super::super::disk::gone(model, model.file(span), &words.reload).unwrap_or_else(|| {
                format!(
                    "its file changed on disk after it was read: {} reloads it",
                    words.reload
                )
            });
        out.lines.push(Line::Blank);
        out.text(&format!("! {note}"), Line::Error);
        return out;
    }
    let bytes = idx.span_bytes(span);
    for (side, title) in [(Side::Input, "messages in"), (Side::Output, "messages out")] {
        // What an earlier call of the conversation already sent is folded away.
        let fold = (side == Side::Input)
            .then(|| earlier(model, span))
            .flatten()
            .filter(|_| !history_open);
        let (skipped, msgs) = messages::read(bytes, side, fold.map_or(0, |e| e.messages));
        if msgs.is_empty() && skipped == 0 {
            continue;
        }
        out.lines.push(Line::Blank);
        out.lines
            .push(Line::Section(format!("{title} ({})", skipped + msgs.len())));
        if let Some(e) = fold.filter(|_| skipped > 0) {
            out.history_line = Some(out.lines.len());
            out.lines.push(Line::Meta(format!(
                "▸ {skipped} earlier message{}, as in call {} ({} shows them)",
                if skipped == 1 { "" } else { "s" },
                e.number,
                words.fold
            )));
        } else if side == Side::Input && history_open && earlier(model, span).is_some() {
            out.history_line = Some(out.lines.len());
            out.lines.push(Line::Meta(format!(
                "▾ the earlier messages are shown ({} folds them)",
                words.fold
            )));
        }
        for m in msgs {
            out.lines.push(Line::Role(if m.role_text.is_empty() {
                "?".into()
            } else {
                crate::sanitize::one_line(&m.role_text)
            }));
            if !m.text.is_empty() {
                out.text(&m.text, Line::Body);
            }
            for u in &m.uses {
                out.text(&format!("→ {}({})", u.name, u.input), Line::Body);
            }
            for r in &m.results {
                let mark = if r.error { "✗" } else { "←" };
                let id = if r.id.is_empty() {
                    String::new()
                } else {
                    format!("{} ", r.id)
                };
                out.text(&format!("{mark} {id}{}", r.text), Line::Body);
            }
        }
    }
    for (keys, title) in [
        (["input.value", "mlflow.spanInputs"], "input"),
        (["output.value", "mlflow.spanOutputs"], "output"),
    ] {
        let Some((key, v)) = keys.iter().find_map(|k| d.text(k).map(|v| (*k, v))) else {
            continue;
        };
        out.lines.push(Line::Blank);
        out.lines.push(Line::Section(title.to_owned()));
        // A value that holds JSON reads as a tree of its own.
        let t = v.trim();
        let tree = (t.starts_with('{') || t.starts_with('['))
            .then(|| Tree::parse(t.as_bytes(), record::BUDGET).ok())
            .flatten();
        match tree {
            Some(tree) => out.tree(tree, Source::Owned(t.as_bytes().to_vec()), key),
            None => out.text(v, Line::Body),
        }
    }
    let evals: Vec<_> = model
        .trace_evals(rec.trace)
        .iter()
        .filter(|e| e.span == span || (e.span == NONE && model.trace_root(rec.trace) == span))
        .collect();
    if !evals.is_empty() {
        out.lines.push(Line::Blank);
        out.lines.push(Line::Section("evaluations".into()));
        for e in evals {
            let ev = &e.eval;
            let verdict = match (&ev.scorer_error, &ev.value) {
                (Some(err), _) => format!("scorer error: {err}"),
                (None, Some(v)) => format!("= {v}"),
                (None, None) => "(no value)".into(),
            };
            out.text(&format!("{} {verdict}", ev.shown_name()), Line::Role);
            if let Some(r) = &ev.rationale {
                out.text(r, Line::Body);
            }
        }
    }
    out.lines.push(Line::Blank);
    let raw = idx.span_bytes(span);
    out.lines.push(Line::Section(format!(
        "record ({} bytes, strings decoded)",
        crate::fmt::thousands(raw.len() as u64)
    )));
    match Tree::parse(raw, record::BUDGET) {
        Ok(tree) => out.tree(tree, Source::Span, "record"),
        Err(e) => {
            let cut = raw.len().min(TEXT_CAP);
            let text = String::from_utf8_lossy(&raw[..cut]);
            out.text(&format!("(not valid JSON: {e})\n{text}"), Line::Body);
            if cut < raw.len() {
                out.lines.push(Line::Error(format!(
                    "… the last {} of the record are not shown (o opens the whole record)",
                    crate::fmt::bytes((raw.len() - cut) as u64)
                )));
            }
        }
    }
    out
}
