//! The tree view: the session's traces and their span trees, collapsible.
//!
//! A flat tree with no recursion anywhere, so hostile exports (a parent chain a million spans
//! deep) open, expand and scroll like any other:
//! - each trace's spans are flattened once, when the trace is first opened, and cached;
//! - what is open is two sets of ids, traces and spans (span indices are unique in the model,
//!   so no id paths are kept; the span set is a bit per span), so "expand all" costs a bit per
//!   span and a row per visible node;
//! - the visible rows are rebuilt only when something opens or closes (a generation counter),
//!   in time linear in the rows shown: a closed node's subtree is skipped in one step;
//! - the selection is a node plus its row index, and the drawing shows only the window of rows
//!   starting at `offset`.

mod open;

use super::action::Action;
use super::jump::{self, Jump};
use super::sessions::{follow, moved};
use crate::hash::{Map, Set};
use crate::model::{Model, NONE, tree};
use open::Opened;

/// A row of the tree: a trace heading, or a span of an opened trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// The trace's position in the view's trace list.
    pub trace: u32,
    /// The span's row in its trace's flattened tree; `NONE` for the trace's heading.
    pub node: u32,
}

impl Row {
    fn heading(trace: u32) -> Row {
        Row { trace, node: NONE }
    }

    /// Orders rows as they are shown: by trace, the heading before the trace's spans.
    fn key(self) -> u64 {
        (u64::from(self.trace) << 32) | u64::from(self.node.wrapping_add(1))
    }
}

/// What a row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Trace(u32),
    Span(u32),
}

/// A row's fold state, shown as its symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    Open,
    Closed,
    Leaf,
}

/// What the drawing needs for one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub item: Item,
    /// Trace headings are at depth 0, root spans at 1.
    pub depth: u32,
    pub fold: Fold,
}

pub struct TreeView {
    pub traces: Vec<u32>,
    /// First visible row on screen.
    pub offset: usize,
    open_traces: Set<u32>,
    open_spans: Opened,
    /// Flattened trees of the traces opened so far, by trace.
    flat: Map<u32, Vec<tree::Node>>,
    rows: Vec<Row>,
    /// Bumped whenever something opens or closes; `rows` were built for `built`.
    generation: u64,
    built: u64,
    /// The selected node, and its index in `rows`.
    current: Row,
    selected: usize,
}

impl TreeView {
    /// The tree of `traces`, the first trace and its root opened. Nothing is flattened yet: that
    /// waits for the first [`TreeView::refresh`].
    pub fn new(model: &Model, traces: &[u32]) -> TreeView {
        let mut v = TreeView {
            traces: traces.to_vec(),
            offset: 0,
            open_traces: Set::default(),
            open_spans: Opened::default(),
            flat: Map::default(),
            rows: Vec::new(),
            generation: 1,
            built: 0,
            current: Row::heading(0),
            selected: 0,
        };
        if let Some(&t) = traces.first() {
            v.open_traces.insert(t);
            // Show the first turn's calls.
            let root = model.trace_root(t);
            if root != NONE {
                v.open_spans.insert(root);
            }
        }
        v
    }

    /// The visible rows, as of the last [`TreeView::refresh`].
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The selected row's index in [`TreeView::rows`].
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// What row `row` shows.
    pub fn shown(&self, row: Row) -> Option<Shown> {
        let t = *self.traces.get(row.trace as usize)?;
        if row.node == NONE {
            let fold = if self.open_traces.contains(&t) {
                Fold::Open
            } else {
                Fold::Closed
            };
            return Some(Shown {
                item: Item::Trace(t),
                depth: 0,
                fold,
            });
        }
        let n = self.node(row)?;
        Some(Shown {
            item: Item::Span(n.span),
            depth: n.depth.saturating_add(1),
            fold: self.fold(n),
        })
    }

    pub fn selected_span(&self) -> Option<u32> {
        self.node(self.current).map(|n| n.span)
    }

    fn node(&self, row: Row) -> Option<&tree::Node> {
        let t = self.traces.get(row.trace as usize)?;
        self.flat.get(t)?.get(row.node as usize)
    }

    fn fold(&self, n: &tree::Node) -> Fold {
        match (n.has_children, self.open_spans.contains(n.span)) {
            (false, _) => Fold::Leaf,
            (true, true) => Fold::Open,
            (true, false) => Fold::Closed,
        }
    }

    /// Rebuilds the visible rows if something opened or closed since they were built, and finds
    /// the selected node again (or, when it was hidden, its nearest visible ancestor).
    pub fn refresh(&mut self, model: &Model) {
        if self.built == self.generation {
            return;
        }
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        for (ti, &t) in self.traces.iter().enumerate() {
            let ti = u32::try_from(ti).unwrap_or(NONE);
            rows.push(Row::heading(ti));
            if !self.open_traces.contains(&t) {
                continue;
            }
            let nodes = self
                .flat
                .entry(t)
                .or_insert_with(|| tree::flatten(model, t));
            let mut i = 0;
            while let Some(n) = nodes.get(i) {
                rows.push(Row {
                    trace: ti,
                    node: u32::try_from(i).unwrap_or(NONE),
                });
                i = if n.has_children && !self.open_spans.contains(n.span) {
                    (n.end as usize).max(i + 1)
                } else {
                    i + 1
                };
            }
        }
        self.rows = rows;
        self.built = self.generation;
        self.select_node(self.current);
    }

    /// Selects `row`, or the last visible row before it (its nearest visible ancestor: rows are
    /// in display order, and everything between a hidden node and its closed ancestor is hidden).
    fn select_node(&mut self, row: Row) {
        let key = row.key();
        let at = self.rows.partition_point(|r| r.key() < key);
        let at = if self.rows.get(at) == Some(&row) {
            at
        } else {
            at.saturating_sub(1)
        };
        self.select(at);
    }

    fn select(&mut self, i: usize) {
        if let Some(&row) = self.rows.get(i) {
            self.selected = i;
            self.current = row;
        }
    }

    /// Keeps the selection inside a window of `page` rows.
    pub fn follow(&mut self, page: usize) {
        self.offset = follow(self.offset, self.selected, page);
    }

    fn changed(&mut self) {
        self.generation += 1;
    }

    /// Selects `span`, opening its trace and its ancestors.
    pub fn reveal(&mut self, model: &Model, span: u32) {
        let Some(t) = model.index.spans.get(span as usize).map(|s| s.trace) else {
            return;
        };
        let Some(ti) = self.traces.iter().position(|&x| x == t) else {
            return;
        };
        self.open_traces.insert(t);
        // The parents hold no cycle (the model cuts them); the bound makes sure of it.
        let mut p = model.parent(span);
        for _ in 0..model.trace(t).span_count() {
            if p == NONE {
                break;
            }
            self.open_spans.insert(p);
            p = model.parent(p);
        }
        let nodes = self
            .flat
            .entry(t)
            .or_insert_with(|| tree::flatten(model, t));
        let node = nodes.iter().position(|n| n.span == span);
        self.current = Row {
            trace: u32::try_from(ti).unwrap_or(NONE),
            node: node.map_or(NONE, |i| u32::try_from(i).unwrap_or(NONE)),
        };
        self.changed();
        self.refresh(model);
    }

    /// Applies an action; returns (opened a span, asked to leave).
    pub fn update(&mut self, model: &Model, action: Action, page: usize) -> (bool, bool) {
        self.refresh(model);
        let out = match moved(self.selected, self.rows.len(), action, page) {
            Some(i) => {
                self.select(i);
                (false, false)
            }
            None => self.apply(model, action),
        };
        self.refresh(model);
        self.follow(page);
        out
    }

    fn apply(&mut self, model: &Model, action: Action) -> (bool, bool) {
        match action {
            Action::Open | Action::Accept => return (self.open(), false),
            Action::Toggle => self.toggle(),
            Action::Back | Action::Cancel => return (false, self.back()),
            Action::ExpandAll => self.expand_all(model),
            Action::CollapseAll => self.collapse_all(),
            Action::Click(_, row) => self.click(row),
            _ => {}
        }
        (false, false)
    }

    /// Opens the selected node; true when it is an open or childless span (show its detail).
    fn open(&mut self) -> bool {
        match self.shown(self.current) {
            Some(Shown {
                item: Item::Trace(t),
                fold: Fold::Closed,
                ..
            }) => {
                self.open_traces.insert(t);
            }
            Some(Shown {
                item: Item::Span(s),
                fold: Fold::Closed,
                ..
            }) => {
                self.open_spans.insert(s);
            }
            Some(Shown {
                item: Item::Span(_),
                ..
            }) => return true,
            _ => return false,
        }
        self.changed();
        false
    }

    fn toggle(&mut self) {
        let Some(shown) = self.shown(self.current) else {
            return;
        };
        match shown.item {
            Item::Trace(t) => {
                if !self.open_traces.remove(&t) {
                    self.open_traces.insert(t);
                }
            }
            Item::Span(_) if shown.fold == Fold::Leaf => return,
            Item::Span(s) => {
                self.open_spans.toggle(s);
            }
        }
        self.changed();
    }

    /// Closes the selected node, else selects its parent; true when at a closed trace heading.
    fn back(&mut self) -> bool {
        let Some(shown) = self.shown(self.current) else {
            return true;
        };
        match (shown.fold, shown.item) {
            (Fold::Open, Item::Trace(t)) => {
                self.open_traces.remove(&t);
            }
            (Fold::Open, Item::Span(s)) => {
                self.open_spans.remove(s);
            }
            (_, Item::Span(_)) => {
                let parent = self.node(self.current).map_or(NONE, |n| n.parent_row);
                self.select_node(Row {
                    node: parent,
                    ..self.current
                });
                return false;
            }
            (_, Item::Trace(_)) => return true,
        }
        self.changed();
        false
    }

    /// Opens every trace, and every span with children: a bit per span.
    fn expand_all(&mut self, model: &Model) {
        self.open_spans.reserve(model.parents.len());
        for &t in &self.traces {
            self.open_traces.insert(t);
            let nodes = self
                .flat
                .entry(t)
                .or_insert_with(|| tree::flatten(model, t));
            for n in nodes.iter().filter(|n| n.has_children) {
                self.open_spans.insert(n.span);
            }
        }
        self.changed();
    }

    fn collapse_all(&mut self) {
        self.open_traces.clear();
        self.open_spans.clear();
        self.current = Row::heading(self.current.trace);
        self.changed();
    }

    /// About the heap memory the view holds: flattened trees, rows and open sets (hash table
    /// control bytes left out).
    pub fn heap_bytes(&self) -> usize {
        let flat: usize = self.flat.values().map(Vec::capacity).sum();
        flat * std::mem::size_of::<tree::Node>()
            + self.flat.capacity() * std::mem::size_of::<(u32, Vec<tree::Node>)>()
            + self.rows.capacity() * std::mem::size_of::<Row>()
            + self.open_traces.capacity() * std::mem::size_of::<u32>()
            + self.open_spans.heap_bytes()
    }

    /// The next (or previous) error span after the selection, in trace order then time order.
    /// Selects the next (or previous) failed span of the view's traces, in tree order, or
    /// the next trace heading, wrapping round.
    pub fn jump(&mut self, model: &Model, errors: bool, forward: bool) -> Jump {
        if !errors {
            let rows = &self.rows;
            let j = jump::find(rows.len(), self.selected, forward, |i| rows[i].node == NONE);
            if let Some(i) = j.index() {
                self.select(i);
            }
            return j;
        }
        let errors: Vec<(usize, u32)> = self
            .traces
            .iter()
            .enumerate()
            .flat_map(|(ti, &t)| model.trace_spans(t).iter().map(move |&s| (ti, s)))
            .filter(|&(_, s)| model.is_error(s))
            .collect();
        let trace = self.current.trace as usize;
        let at = self
            .selected_span()
            .and_then(|c| errors.iter().position(|&(_, s)| s == c));
        let j = match at {
            Some(p) => jump::find(errors.len(), p, forward, |_| true),
            // Not on an error: the first one from this trace on (or before it, going back).
            None => {
                let from = if forward {
                    errors.iter().position(|&(t, _)| t >= trace)
                } else {
                    errors.iter().rposition(|&(t, _)| t < trace)
                };
                match from {
                    Some(i) => Jump::To(i),
                    None if errors.is_empty() => Jump::Nothing,
                    None if forward => Jump::Wrapped(0),
                    None => Jump::Wrapped(errors.len() - 1),
                }
            }
        };
        if let Some(&(_, s)) = j.index().and_then(|i| errors.get(i)) {
            self.reveal(model, s);
        }
        j
    }

    /// A click on row `row` of the pane (0 is its first row): selects that row, or toggles it
    /// when it is already selected.
    fn click(&mut self, row: u16) {
        let i = self.offset + usize::from(row);
        if i == self.selected {
            self.toggle();
        } else if i < self.rows.len() {
            self.select(i);
        }
    }
}
