//! The span detail, to read as in jless or less: the span's facts, its messages as a chat, its
//! input and output, and its record as a JSON tree, under a cursor.
//!
//! What is shown ([`build`]) is made of prose lines and JSON trees ([`record`]); folding
//! (sections, long texts, objects and arrays, nulls) picks the [`Item`]s on screen; word wrap
//! ([`wrap`]) counts the rows each takes. The cursor is a row: what it is on is what `Space`
//! folds and `yy` / `yp` copy ([`copy`]); `/` finds text in it all ([`find`]).

pub mod build;
pub mod copy;
pub mod find;
pub mod record;
pub mod wrap;

use super::action::Action;
use crate::highlight::Role;
use crate::model::Model;
use record::{Part, Rendered, Row, WHOLE};
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

pub use build::TEXT_CAP;

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
    /// Where JSON tree `i` (of [`DetailView::trees`]) is shown.
    Tree(usize),
    Blank,
}

impl Line {
    /// The line's own text (none for a tree or a blank).
    pub fn text(&self) -> &str {
        match self {
            Line::Title(s)
            | Line::Meta(s)
            | Line::Error(s)
            | Line::Section(s)
            | Line::Role(s)
            | Line::Body(s) => s,
            Line::Tree(_) | Line::Blank => "",
        }
    }
}

/// A text of the detail (a message, the input, a stack trace): a run of lines folded as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub lines: Range<usize>,
    /// Its size as read, before any cap.
    pub bytes: usize,
    /// Long: it starts folded to its first lines.
    pub long: bool,
    /// Unfolded.
    pub open: bool,
    /// Characters a terminal must not get were made visible in it.
    pub cleaned: bool,
}

/// How a piece of a row is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    Title,
    Meta,
    Error,
    Section,
    /// A chat message's role (styled by which role it is).
    Role,
    Body,
    /// What sesstui says about the text (sizes, what is folded, what a key does).
    Note,
    Json(Role),
}

/// One thing on screen, taking one row or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    /// Line `i`, cut to its first `cut` bytes ([`WHOLE`]: all of it).
    Line { i: u32, cut: u32 },
    /// Under folded block `b`: its size, and the key that unfolds it.
    More(u32),
    /// A row of tree `t`.
    Json { t: u32, row: Row },
    /// How many nulls tree `t` hides.
    Nulls(u32),
}

/// What the cursor is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Nothing,
    Line(usize),
    Section(usize),
    /// The line that folds a call's repeated history.
    History,
    Block(usize),
    Node {
        tree: usize,
        node: u32,
    },
    Nulls,
}

/// A place in the document, ordered as shown.
type Key = (u32, u32, u32, u32);

pub struct DetailView {
    pub span: Option<u32>,
    pub lines: Vec<Line>,
    pub blocks: Vec<Block>,
    pub trees: Vec<record::View>,
    /// The block each line belongs to (`u32::MAX`: none).
    block_of: Vec<u32>,
    /// The line each tree is shown at.
    tree_lines: Vec<u32>,
    section_folded: Vec<bool>,
    history_line: Option<usize>,
    /// The messages a call's history repeats from an earlier call are shown (`Space`).
    pub history_open: bool,
    /// Nulls in objects are shown (`zh`); hidden at first.
    pub show_nulls: bool,
    /// Word wrap (`w`); on at first, as in less.
    pub wrap: bool,
    /// What is on screen, in order.
    pub items: Vec<Item>,
    /// Visual row where each item starts (one more entry than items).
    pub starts: Vec<usize>,
    /// First visual row shown.
    pub scroll: usize,
    /// The cursor's visual row.
    pub cursor: usize,
    /// Wrap width the rows were counted for.
    pub width: u16,
    /// Rows on screen at the last draw.
    pub height: usize,
    /// The text found with `/`, or given by a full-text search.
    pub find: Option<find::Find>,
    /// The first key of a two-key command (`z`, `y`) waiting for its second.
    pub chord: Option<char>,
    /// What the last action has to say, for the status line.
    pub status: Option<String>,
    /// Items must be made again (folds changed).
    dirty: bool,
    /// The zone the span's start is shown in.
    pub zone: crate::zone::Zone,
    /// The keys its notes name, as bound.
    pub words: Words,
}

/// The keys the detail's notes name ("Space shows them"), as the keymap binds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    /// `fold`: shows or folds a call's repeated history.
    pub fold: String,
    /// `expand-text`: reads more of a long text.
    pub expand: String,
    /// `reload`: reads the files again.
    pub reload: String,
}

impl Words {
    pub fn new(keys: &crate::app::keymap::Keymap) -> Words {
        // The return key's label is a symbol; notes spell it.
        let spelt = |k: String| if k == "⏎" { "Enter".to_owned() } else { k };
        Words {
            fold: spelt(keys.key("fold")),
            expand: spelt(keys.key("expand-text")),
            reload: spelt(keys.key("reload")),
        }
    }
}

impl Default for Words {
    fn default() -> Self {
        Words::new(&crate::app::keymap::Keymap::default())
    }
}

impl Default for DetailView {
    fn default() -> Self {
        DetailView {
            span: None,
            lines: Vec::new(),
            blocks: Vec::new(),
            trees: Vec::new(),
            block_of: Vec::new(),
            tree_lines: Vec::new(),
            section_folded: Vec::new(),
            history_line: None,
            history_open: false,
            show_nulls: false,
            wrap: true,
            items: Vec::new(),
            starts: vec![0],
            scroll: 0,
            cursor: 0,
            width: 0,
            height: 0,
            find: None,
            chord: None,
            status: None,
            dirty: false,
            zone: crate::zone::Zone::utc(),
            words: Words::default(),
        }
    }
}

/// Display width of `s`.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

impl DetailView {
    /// Text of line `i`.
    pub fn text(&self, i: usize) -> &str {
        self.lines.get(i).map_or("", Line::text)
    }

    /// Shows span `span` (does nothing if it already does).
    pub fn show(&mut self, model: &Model, span: u32) {
        if self.span == Some(span) {
            return;
        }
        self.span = Some(span);
        self.history_open = false;
        self.find = None;
        self.set_doc(build::build(model, span, false, &self.zone, &self.words));
        self.scroll = 0;
        self.cursor = 0;
    }

    /// Reads the span shown again (its file was found changed: a note may replace it).
    pub fn reload(&mut self, model: &Model) {
        let Some(span) = self.span else { return };
        let anchor = self.anchor();
        self.set_doc(build::build(
            model,
            span,
            self.history_open,
            &self.zone,
            &self.words,
        ));
        self.restore(anchor);
    }

    /// Shows or folds the messages a call's history repeats from an earlier call.
    pub fn toggle_history(&mut self, model: &Model) {
        let Some(span) = self.span else { return };
        self.history_open = !self.history_open;
        let anchor = self.anchor();
        self.set_doc(build::build(
            model,
            span,
            self.history_open,
            &self.zone,
            &self.words,
        ));
        self.restore(anchor);
    }

    fn set_doc(&mut self, doc: build::Doc) {
        self.block_of = vec![u32::MAX; doc.lines.len()];
        for (b, block) in doc.blocks.iter().enumerate() {
            for i in block.lines.clone() {
                self.block_of[i] = u32::try_from(b).unwrap_or(u32::MAX);
            }
        }
        self.tree_lines = vec![0; doc.trees.len()];
        for (i, l) in doc.lines.iter().enumerate() {
            if let Line::Tree(t) = l
                && let Some(at) = self.tree_lines.get_mut(*t)
            {
                *at = u32::try_from(i).unwrap_or(u32::MAX);
            }
        }
        self.section_folded = vec![false; doc.lines.len()];
        self.history_line = doc.history_line;
        self.lines = doc.lines;
        self.blocks = doc.blocks;
        self.trees = doc.trees;
        self.flatten();
        self.relayout();
        if self.find.is_some() {
            self.run_find();
        }
    }

    /// Picks the items on screen from the lines and the folds.
    fn flatten(&mut self) {
        let n = self.lines.len();
        let mut items = Vec::with_capacity(n);
        let mut rows = Vec::new();
        let mut i = 0;
        let id = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        while i < n {
            match &self.lines[i] {
                Line::Section(_) if self.section_folded[i] => {
                    items.push(Item::Line {
                        i: id(i),
                        cut: WHOLE,
                    });
                    let next = (i + 1..n)
                        .find(|&j| matches!(self.lines[j], Line::Section(_)))
                        .unwrap_or(n);
                    // The blank line before the next section stays.
                    i = if next > i + 1 && self.lines[next - 1] == Line::Blank {
                        next - 1
                    } else {
                        next
                    };
                    continue;
                }
                Line::Tree(t) => {
                    if let Some(v) = self.trees.get(*t) {
                        if !self.show_nulls && v.nulls > 0 {
                            items.push(Item::Nulls(id(*t)));
                        }
                        rows.clear();
                        v.rows(self.show_nulls, &mut rows);
                        items.extend(rows.iter().map(|&row| Item::Json { t: id(*t), row }));
                    }
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if let Some(b) = self.blocks.get(self.block_of[i] as usize)
                && b.long
                && !b.open
                && i == b.lines.start
            {
                let cuts = record::preview(self.lines[b.lines.clone()].iter().map(Line::text));
                for (k, cut) in cuts.into_iter().enumerate() {
                    items.push(Item::Line { i: id(i + k), cut });
                }
                items.push(Item::More(self.block_of[i]));
                i = b.lines.end;
                continue;
            }
            items.push(Item::Line {
                i: id(i),
                cut: WHOLE,
            });
            i += 1;
        }
        self.items = items;
        self.dirty = false;
    }

    /// How item `idx` reads.
    pub fn render(&self, idx: usize) -> Rendered {
        let mut out = Rendered::default();
        match self.items.get(idx) {
            Some(&Item::Line { i, cut }) => self.render_line(i as usize, cut, &mut out),
            Some(&Item::More(b)) => {
                if let Some(b) = self.blocks.get(b as usize) {
                    out.text.push_str("  ");
                    out.push(
                        &format!(
                            "… {}, {} to expand",
                            crate::fmt::bytes(b.bytes as u64),
                            self.words.expand
                        ),
                        Paint::Note,
                    );
                    out.hang = 2;
                }
            }
            Some(&Item::Json { t, row }) => {
                if let Some(v) = self.trees.get(t as usize) {
                    v.render(row, &mut out, &self.words.expand);
                }
            }
            Some(&Item::Nulls(t)) => {
                let n = self.trees.get(t as usize).map_or(0, |v| v.nulls);
                out.push(
                    &format!(
                        "{} hidden · zh shows them",
                        crate::fmt::count(n, "null value", "null values")
                    ),
                    Paint::Note,
                );
            }
            None => {}
        }
        out
    }

    fn render_line(&self, i: usize, cut: u32, out: &mut Rendered) {
        let Some(line) = self.lines.get(i) else {
            return;
        };
        let (pre, paint, hang) = match line {
            Line::Title(_) => ("", Paint::Title, 0),
            Line::Meta(_) => ("", Paint::Meta, 0),
            Line::Error(_) => ("", Paint::Error, 2),
            Line::Section(_) => ("── ", Paint::Section, 3),
            Line::Role(_) => ("", Paint::Role, 0),
            Line::Body(_) => ("  ", Paint::Body, 2),
            Line::Tree(_) | Line::Blank => ("", Paint::Body, 0),
        };
        let text = line.text();
        let shown = if cut == WHOLE {
            text
        } else {
            let mut c = (cut as usize).min(text.len());
            while !text.is_char_boundary(c) {
                c -= 1;
            }
            &text[..c]
        };
        out.hang = hang;
        out.push(pre, paint);
        out.spot(0, shown.len());
        out.push(shown, paint);
        if let Line::Section(_) = line {
            out.push(" ──", paint);
            if self.section_folded.get(i).copied().unwrap_or(false) {
                out.push(" ▸ folded, Space unfolds", Paint::Note);
            }
        }
    }

    /// Rows item `idx` takes.
    fn count_rows(&self, idx: usize) -> usize {
        if !self.wrap || self.width == 0 {
            return 1;
        }
        let r = self.render(idx);
        wrap::count(&r.text, usize::from(self.width), r.hang)
    }

    /// The rows of item `idx` as drawn: byte ranges of its text.
    pub fn item_rows(&self, r: &Rendered) -> Vec<Range<usize>> {
        if !self.wrap || self.width == 0 {
            return std::iter::once(0..r.text.len()).collect();
        }
        wrap::rows(&r.text, usize::from(self.width), r.hang).collect()
    }

    /// Counts the rows of every item.
    fn recount(&mut self) {
        self.starts.clear();
        let mut at = 0;
        for idx in 0..self.items.len() {
            self.starts.push(at);
            at += self.count_rows(idx).max(1);
        }
        self.starts.push(at);
    }

    /// Counts rows again (after folds or a new width), keeping the cursor on what it was on.
    fn relayout(&mut self) {
        let anchor = self.anchor_from_starts();
        self.recount();
        self.restore(anchor);
    }

    /// Counts visual rows for wrap width `w`.
    pub fn layout(&mut self, w: u16) {
        if self.dirty {
            self.flatten();
        } else if self.width == w && self.starts.len() == self.items.len() + 1 {
            return;
        }
        self.width = w;
        self.relayout();
    }

    pub fn rows(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    fn max_scroll(&self) -> usize {
        self.rows().saturating_sub(self.height.max(1))
    }

    /// The item holding visual row `row`.
    pub fn line_at(&self, row: usize) -> usize {
        self.starts.partition_point(|&s| s <= row).saturating_sub(1)
    }

    /// Keeps the cursor on a row, and on screen.
    pub fn prepare(&mut self) {
        let last = self.rows().saturating_sub(1);
        self.cursor = self.cursor.min(last);
        self.scroll = self.scroll.min(self.max_scroll());
        let h = self.height.max(1);
        if self.cursor < self.scroll {
            self.cursor = self.scroll;
        } else if self.cursor >= self.scroll + h {
            self.cursor = self.scroll + h - 1;
        }
        self.cursor = self.cursor.min(last);
    }

    /// Scrolls so the cursor is on screen (from where it was, as little as needed).
    fn follow(&mut self) {
        let h = self.height.max(1);
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if self.cursor >= self.scroll + h {
            self.scroll = self.cursor + 1 - h;
        }
        self.scroll = self.scroll.min(self.max_scroll());
    }

    /// Puts the cursor on visual row `row`, a third down the screen if it was off it.
    fn jump(&mut self, row: usize) {
        self.cursor = row.min(self.rows().saturating_sub(1));
        let h = self.height.max(1);
        if self.cursor < self.scroll || self.cursor >= self.scroll + h {
            self.scroll = self.cursor.saturating_sub(h / 3).min(self.max_scroll());
        }
    }

    /// Where item `item` lies in the document.
    fn key(&self, item: Item) -> Key {
        const M: u32 = u32::MAX;
        match item {
            Item::Line { i, .. } => (i, 0, 0, 0),
            Item::More(b) => {
                let last = self
                    .blocks
                    .get(b as usize)
                    .map_or(0, |b| b.lines.end.saturating_sub(1));
                (u32::try_from(last).unwrap_or(M), M, 0, 0)
            }
            Item::Nulls(t) => (
                self.tree_lines.get(t as usize).copied().unwrap_or(M),
                0,
                0,
                0,
            ),
            Item::Json { t, row } => {
                let line = self.tree_lines.get(t as usize).copied().unwrap_or(M);
                let Some(node) = self
                    .trees
                    .get(t as usize)
                    .and_then(|v| v.tree.nodes.get(row.node as usize))
                else {
                    return (line, M, M, M);
                };
                let n = row.node.saturating_add(1);
                match row.part {
                    Part::Open { .. } => (line, n, 0, 0),
                    Part::Text { k, .. } => (line, n, k, 0),
                    Part::More => (line, n, M - 1, 0),
                    // After the last node of its subtree, the innermost first.
                    Part::Close => (line, node.end, M, M - node.depth),
                }
            }
        }
    }

    /// What the cursor is on, as a place that outlives folds: the item's key and the row
    /// within it.
    fn anchor(&self) -> Option<(Key, usize)> {
        let idx = self.line_at(self.cursor);
        let item = *self.items.get(idx)?;
        let sub = self.cursor.saturating_sub(self.starts.get(idx).copied()?);
        Some((self.key(item), sub))
    }

    /// [`DetailView::anchor`], when the rows may not match the items any more.
    fn anchor_from_starts(&self) -> Option<(Key, usize)> {
        if self.starts.len() == self.items.len() + 1 {
            self.anchor()
        } else {
            self.items
                .get(
                    self.line_at(self.cursor)
                        .min(self.items.len().saturating_sub(1)),
                )
                .map(|&it| (self.key(it), 0))
        }
    }

    /// Puts the cursor back on an anchor (or on what now shows it: a folded node's nearest
    /// shown ancestor, a folded text's preview), where it was on screen.
    fn restore(&mut self, anchor: Option<(Key, usize)>) {
        let on_screen = self.cursor.saturating_sub(self.scroll);
        let Some((key, sub)) = anchor else {
            self.prepare();
            return;
        };
        let idx = self
            .items
            .partition_point(|&it| self.key(it) <= key)
            .saturating_sub(1);
        let Some(&item) = self.items.get(idx) else {
            self.prepare();
            return;
        };
        let sub = if self.key(item) == key {
            let rows = self.starts.get(idx + 1).copied().unwrap_or(0)
                - self.starts.get(idx).copied().unwrap_or(0);
            sub.min(rows.saturating_sub(1))
        } else {
            0
        };
        self.cursor = self.starts.get(idx).copied().unwrap_or(0) + sub;
        self.scroll = self.cursor.saturating_sub(on_screen).min(self.max_scroll());
        self.follow();
    }

    /// After folds changed: the items again, the cursor kept on what it was on (or `to`).
    fn refold(&mut self, to: Option<Item>) {
        let anchor = match to {
            Some(item) => Some((self.key(item), 0)),
            None => self.anchor(),
        };
        self.flatten();
        self.recount();
        self.restore(anchor);
    }

    /// What the cursor is on.
    pub fn target(&self) -> Target {
        let Some(&item) = self.items.get(self.line_at(self.cursor)) else {
            return Target::Nothing;
        };
        match item {
            Item::Line { i, .. } => {
                let i = i as usize;
                if self.history_line == Some(i) {
                    return Target::History;
                }
                if let Some(Line::Section(_)) = self.lines.get(i) {
                    return Target::Section(i);
                }
                match self.block_of.get(i) {
                    Some(&b) if b != u32::MAX => Target::Block(b as usize),
                    _ => Target::Line(i),
                }
            }
            Item::More(b) => Target::Block(b as usize),
            Item::Json { t, row } => Target::Node {
                tree: t as usize,
                node: row.node,
            },
            Item::Nulls(_) => Target::Nulls,
        }
    }

    /// The bytes of tree `t`'s source, if they can be read now (the record's file unchanged).
    fn source_bytes<'a>(&self, model: &'a Model) -> Option<&'a [u8]> {
        let span = self.span?;
        model
            .index
            .fresh_file(model.file(span))
            .then(|| model.index.span_bytes(span))
    }

    fn node_item(t: usize, node: u32) -> Item {
        Item::Json {
            t: u32::try_from(t).unwrap_or(u32::MAX),
            row: Row {
                node,
                part: Part::Open { cut: WHOLE },
            },
        }
    }

    /// `Space` / `Enter`: folds or unfolds what the cursor is on.
    pub fn toggle(&mut self, model: &Model) {
        match self.target() {
            Target::History => self.toggle_history(model),
            Target::Section(i) => {
                self.section_folded[i] = !self.section_folded[i];
                self.refold(Some(Item::Line {
                    i: u32::try_from(i).unwrap_or(u32::MAX),
                    cut: WHOLE,
                }));
            }
            Target::Block(b) if self.blocks[b].long => {
                let block = &mut self.blocks[b];
                block.open = !block.open;
                let first = block.lines.start;
                self.refold(Some(Item::Line {
                    i: u32::try_from(first).unwrap_or(u32::MAX),
                    cut: WHOLE,
                }));
            }
            Target::Node { tree, node } => {
                let bytes = self.source_bytes(model);
                let to = self.trees[tree].toggle(node, bytes);
                self.expanded_status(tree, node, bytes.is_none());
                self.refold(to.map(|n| Self::node_item(tree, n)));
                self.rerun_find();
            }
            Target::Nulls => self.toggle_nulls(),
            _ => {
                self.status = Some(
                    "nothing to fold on this line: Space folds a section, a long text, an \
                     object or array (zM folds all)"
                        .to_owned(),
                );
            }
        }
    }

    /// After a string was opened: says when it could not be read further.
    fn expanded_status(&mut self, tree: usize, node: u32, unread: bool) {
        let v = &self.trees[tree];
        if unread
            && matches!(v.source, record::Source::Span)
            && v.tree.nodes.get(node as usize).is_some_and(|n| n.text_cut)
        {
            self.status = Some(format!(
                "its file changed on disk: the rest of the text is not read ({} reloads)",
                self.words.reload
            ));
        }
    }

    /// `zc`.
    pub fn fold(&mut self) {
        match self.target() {
            Target::Node { tree, node } => {
                let to = self.trees[tree].fold(node);
                self.refold(to.map(|n| Self::node_item(tree, n)));
            }
            Target::Block(b) if self.blocks[b].long && self.blocks[b].open => {
                self.blocks[b].open = false;
                self.refold(None);
            }
            Target::Section(i) if !self.section_folded[i] => {
                self.section_folded[i] = true;
                self.refold(None);
            }
            _ => {}
        }
    }

    /// `zo`.
    pub fn unfold(&mut self, model: &Model) {
        match self.target() {
            Target::Node { tree, node } => {
                let bytes = self.source_bytes(model);
                if self.trees[tree].unfold(node, bytes) {
                    self.expanded_status(tree, node, bytes.is_none());
                    self.refold(None);
                    self.rerun_find();
                }
            }
            Target::Block(b) if self.blocks[b].long && !self.blocks[b].open => {
                self.blocks[b].open = true;
                self.refold(None);
            }
            Target::Section(i) if self.section_folded[i] => {
                self.section_folded[i] = false;
                self.refold(None);
            }
            _ => {}
        }
    }

    /// `zM`: every object and array folded (each tree's root stays open), every long text.
    pub fn fold_all(&mut self) {
        for v in &mut self.trees {
            v.fold_all();
        }
        for b in &mut self.blocks {
            b.open = false;
        }
        self.refold(None);
        self.status = Some("folded every object, array and long text (zR unfolds)".into());
    }

    /// `zR`: every object, array and section unfolded.
    pub fn unfold_all(&mut self) {
        for v in &mut self.trees {
            v.unfold_all();
        }
        self.section_folded.iter_mut().for_each(|f| *f = false);
        self.refold(None);
        self.status = Some("unfolded every object and array (Enter opens a long text)".into());
    }

    /// `zh`: nulls in objects shown or hidden.
    pub fn toggle_nulls(&mut self) {
        self.show_nulls = !self.show_nulls;
        let n: usize = self.trees.iter().map(|v| v.nulls).sum();
        self.refold(None);
        self.rerun_find();
        self.status = Some(format!(
            "{} {} (zh {})",
            crate::fmt::count(n, "null value", "null values"),
            if self.show_nulls { "shown" } else { "hidden" },
            if self.show_nulls {
                "hides them"
            } else {
                "shows them"
            },
        ));
    }

    /// `w`: word wrap on or off.
    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        let anchor = self.anchor();
        self.recount();
        self.restore(anchor);
        self.status = Some(if self.wrap {
            "word wrap on (w: off)".to_owned()
        } else {
            "word wrap off: long lines are cut at the edge (w: on)".to_owned()
        });
    }

    /// Moves and folds; the actions that copy, find or open are the app's.
    pub fn update(&mut self, model: &Model, action: Action, page: usize) {
        let page = page.max(1);
        let last = self.rows().saturating_sub(1);
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(last),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::ScrollDown | Action::ScrollUp => {
                self.scroll = if action == Action::ScrollDown {
                    (self.scroll + 3).min(self.max_scroll())
                } else {
                    self.scroll.saturating_sub(3)
                };
                self.prepare();
                return;
            }
            Action::PageDown | Action::HalfPageDown | Action::PageUp | Action::HalfPageUp => {
                let n = if matches!(action, Action::PageDown | Action::PageUp) {
                    page
                } else {
                    page / 2
                };
                if matches!(action, Action::PageDown | Action::HalfPageDown) {
                    self.scroll = (self.scroll + n).min(self.max_scroll());
                    self.cursor = (self.cursor + n).min(last);
                } else {
                    self.scroll = self.scroll.saturating_sub(n);
                    self.cursor = self.cursor.saturating_sub(n);
                }
            }
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = last,
            Action::Toggle => return self.toggle(model),
            Action::Fold => return self.fold(),
            Action::Unfold => return self.unfold(model),
            Action::CollapseAll => return self.fold_all(),
            Action::ExpandAll => return self.unfold_all(),
            Action::ToggleNulls => return self.toggle_nulls(),
            Action::ToggleWrap => return self.toggle_wrap(),
            _ => return,
        }
        self.follow();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_items_as_shown() {
        let src = br#"{"a": {"b": 1}, "c": 2}"#;
        let t = crate::json::tree::Tree::parse(src, record::BUDGET).unwrap();
        let mut d = DetailView {
            lines: vec![Line::Title("x".into()), Line::Tree(0), Line::Blank],
            trees: vec![record::View::new(
                t,
                record::Source::Owned(src.to_vec()),
                "r",
            )],
            ..DetailView::default()
        };
        d.block_of = vec![u32::MAX; 3];
        d.tree_lines = vec![1];
        d.section_folded = vec![false; 3];
        d.flatten();
        let keys: Vec<Key> = d.items.iter().map(|&i| d.key(i)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(d.items.len(), 1 + 6 + 1);
    }
}
