//! The tree view: the session's traces and their span trees, collapsible.
//!
//! Node ids: a trace is `TRACE_BIT | trace`, a span is its index. The items handed to the tree
//! widget are rebuilt only when a node opens or closes, and for large sessions only opened
//! traces get their spans (the widget flattens its items on every frame).

use super::action::Action;
use super::sessions::moved;
use crate::model::{Model, tree};
use std::collections::HashSet;
use tui_tree_widget::TreeState;

pub const TRACE_BIT: u64 = 1 << 40;

/// Sessions with more spans than this build span nodes for opened traces only.
const EAGER_SPANS: u32 = 20_000;

/// What a tree node shows; the UI turns these into styled lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: u64,
    pub depth: u16,
    pub has_children: bool,
}

pub struct TreeView {
    pub traces: Vec<u32>,
    pub state: TreeState<u64>,
    /// Traces whose span nodes are built.
    built: HashSet<u32>,
    eager: bool,
    /// Bumped whenever the node structure changes (the UI rebuilds its items then).
    pub generation: u64,
    /// The widget items drawn last, and the generation they were built for.
    pub cache: Option<(u64, Vec<tui_tree_widget::TreeItem<'static, u64>>)>,
}

impl TreeView {
    pub fn new(model: &Model, traces: &[u32]) -> TreeView {
        let spans: u32 = traces.iter().map(|&t| model.trace(t).span_count()).sum();
        let mut v = TreeView {
            traces: traces.to_vec(),
            state: TreeState::default(),
            built: HashSet::new(),
            eager: spans <= EAGER_SPANS,
            generation: 0,
            cache: None,
        };
        if let Some(&t) = traces.first() {
            let id = TRACE_BIT | u64::from(t);
            v.state.open(vec![id]);
            v.built.insert(t);
            v.state.select(vec![id]);
            // Show the first turn's calls.
            let root = model.trace(t).root;
            if root != crate::model::NONE {
                v.state.open(vec![id, u64::from(root)]);
            }
        }
        v
    }

    /// True when the spans of trace `t` are part of the items.
    pub fn has_spans(&self, t: u32) -> bool {
        self.eager || self.built.contains(&t)
    }

    /// The tree as nested items for the widget.
    pub fn items(
        &self,
        model: &Model,
        line: &dyn Fn(u64) -> ratatui::text::Line<'static>,
    ) -> Vec<tui_tree_widget::TreeItem<'static, u64>> {
        use tui_tree_widget::TreeItem;
        self.traces
            .iter()
            .map(|&t| {
                let id = TRACE_BIT | u64::from(t);
                let children = if self.has_spans(t) {
                    nest(&tree::flatten(model, t), line)
                } else {
                    // A placeholder so the trace shows as openable.
                    vec![TreeItem::new_leaf(TRACE_BIT - 1, "…")]
                };
                TreeItem::new(id, line(id), children)
                    .unwrap_or_else(|_| TreeItem::new_leaf(id, line(id)))
            })
            .collect()
    }

    /// The visible rows, in order, as id paths.
    pub fn visible(&self, model: &Model) -> Vec<Vec<u64>> {
        let mut out = Vec::new();
        for &t in &self.traces {
            let tid = TRACE_BIT | u64::from(t);
            out.push(vec![tid]);
            if !self.state.opened().contains(&vec![tid]) || !self.has_spans(t) {
                continue;
            }
            let nodes = tree::flatten(model, t);
            let mut path: Vec<u64> = vec![tid];
            let mut hidden_below: Option<u16> = None;
            for n in &nodes {
                path.truncate(usize::from(n.depth) + 1);
                path.push(u64::from(n.span));
                if let Some(d) = hidden_below {
                    if n.depth > d {
                        continue;
                    }
                    hidden_below = None;
                }
                out.push(path.clone());
                if n.has_children && !self.state.opened().contains(&path) {
                    hidden_below = Some(n.depth);
                }
            }
        }
        out
    }

    pub fn selected_span(&self) -> Option<u32> {
        let last = *self.state.selected().last()?;
        (last & TRACE_BIT == 0)
            .then(|| u32::try_from(last).ok())
            .flatten()
    }

    fn selected_trace(&self) -> Option<u32> {
        let first = *self.state.selected().first()?;
        u32::try_from(first & !TRACE_BIT).ok()
    }

    fn open_trace(&mut self, t: u32) {
        if self.built.insert(t) {
            self.generation += 1;
        }
    }

    /// Selects `span`, opening its trace and ancestors.
    pub fn reveal(&mut self, model: &Model, span: u32) {
        let t = model.span(span).trace;
        if !self.traces.contains(&t) {
            return;
        }
        self.open_trace(t);
        let mut chain = vec![u64::from(span)];
        let mut p = model.parent[span as usize];
        while p != crate::model::NONE && chain.len() < 4096 {
            chain.push(u64::from(p));
            p = model.parent[p as usize];
        }
        chain.push(TRACE_BIT | u64::from(t));
        chain.reverse();
        for k in 1..chain.len() {
            self.state.open(chain[..k].to_vec());
        }
        self.state.select(chain);
        self.generation += 1;
    }

    /// Applies an action; returns (opened a span, asked to leave).
    pub fn update(&mut self, model: &Model, action: Action, page: usize) -> (bool, bool) {
        let visible = self.visible(model);
        let at = visible
            .iter()
            .position(|p| p.as_slice() == self.state.selected())
            .unwrap_or(0);
        if let Some(i) = moved(at, visible.len(), action, page) {
            if let Some(p) = visible.get(i) {
                self.state.select(p.clone());
            }
            return (false, false);
        }
        let selected = self.state.selected().to_vec();
        let is_open = self.state.opened().contains(&selected);
        match action {
            Action::Open | Action::Accept => {
                if self.selected_span().is_some()
                    && (is_open || !Self::has_children(model, &selected))
                {
                    return (true, false);
                }
                if let Some(t) = self.selected_trace() {
                    self.open_trace(t);
                }
                self.state.open(selected);
                self.generation += 1;
            }
            Action::Toggle => {
                if let Some(t) = self.selected_trace() {
                    self.open_trace(t);
                }
                self.state.toggle(selected);
                self.generation += 1;
            }
            Action::Back | Action::Cancel => {
                if is_open {
                    self.state.close(&selected);
                } else if selected.len() > 1 {
                    self.state.select(selected[..selected.len() - 1].to_vec());
                } else {
                    return (false, true);
                }
                self.generation += 1;
            }
            Action::ExpandAll => {
                for &t in &self.traces.clone() {
                    self.open_trace(t);
                    let tid = TRACE_BIT | u64::from(t);
                    self.state.open(vec![tid]);
                    for path in span_paths(model, t) {
                        self.state.open(path);
                    }
                }
                self.generation += 1;
            }
            Action::CollapseAll => {
                self.state.close_all();
                if let Some(&first) = selected.first() {
                    self.state.select(vec![first]);
                }
                self.generation += 1;
            }
            Action::NextError | Action::PrevError => {
                let errors: Vec<(u32, u32)> = self
                    .traces
                    .iter()
                    .flat_map(|&t| model.trace_spans(t).iter().map(move |&s| (t, s)))
                    .filter(|&(_, s)| model.is_error(s))
                    .collect();
                let cur = self.selected_span();
                let pos = cur.and_then(|c| errors.iter().position(|&(_, s)| s == c));
                let next = match (action == Action::NextError, pos) {
                    (true, Some(p)) => errors.get(p + 1),
                    (true, None) => errors
                        .iter()
                        .find(|(t, _)| Some(*t) >= self.selected_trace()),
                    (false, Some(p)) => p.checked_sub(1).and_then(|p| errors.get(p)),
                    (false, None) => errors
                        .iter()
                        .rev()
                        .find(|(t, _)| Some(*t) < self.selected_trace()),
                };
                if let Some(&(_, s)) = next {
                    self.reveal(model, s);
                }
            }
            Action::Click(x, y) => {
                self.state.click_at(ratatui::layout::Position { x, y });
            }
            _ => {}
        }
        (false, false)
    }

    fn has_children(model: &Model, path: &[u64]) -> bool {
        match path {
            [_] => true,
            [.., last] => u32::try_from(*last).is_ok_and(|s| has_kids(model, s)),
            [] => false,
        }
    }
}

fn has_kids(model: &Model, span: u32) -> bool {
    let t = model.span(span).trace;
    model
        .trace_spans(t)
        .iter()
        .any(|&s| model.parent[s as usize] == span)
}

/// Id paths of every span with children in trace `t`.
fn span_paths(model: &Model, t: u32) -> Vec<Vec<u64>> {
    let nodes = tree::flatten(model, t);
    let mut out = Vec::new();
    let mut path: Vec<u64> = vec![TRACE_BIT | u64::from(t)];
    for n in &nodes {
        path.truncate(usize::from(n.depth) + 1);
        path.push(u64::from(n.span));
        if n.has_children {
            out.push(path.clone());
        }
    }
    out
}

/// Turns a flattened tree back into nested widget items.
fn nest(
    nodes: &[tree::Node],
    line: &dyn Fn(u64) -> ratatui::text::Line<'static>,
) -> Vec<tui_tree_widget::TreeItem<'static, u64>> {
    use tui_tree_widget::TreeItem;
    fn build(
        nodes: &[tree::Node],
        at: &mut usize,
        depth: u16,
        line: &dyn Fn(u64) -> ratatui::text::Line<'static>,
    ) -> Vec<TreeItem<'static, u64>> {
        let mut out = Vec::new();
        while let Some(n) = nodes.get(*at) {
            if n.depth < depth {
                break;
            }
            *at += 1;
            let id = u64::from(n.span);
            let kids = if n.has_children {
                build(nodes, at, n.depth + 1, line)
            } else {
                Vec::new()
            };
            let item = if kids.is_empty() {
                TreeItem::new_leaf(id, line(id))
            } else {
                TreeItem::new(id, line(id), kids)
                    .unwrap_or_else(|_| TreeItem::new_leaf(id, line(id)))
            };
            out.push(item);
        }
        out
    }
    let mut at = 0;
    build(nodes, &mut at, 0, line)
}
