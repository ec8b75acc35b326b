//! A trace's span tree, flattened in display order.

use super::{Model, NONE};

/// One row of a flattened tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub span: u32,
    pub depth: u16,
    /// Index in the flattened list of this node's parent (`NONE` for roots).
    pub parent_row: u32,
    pub has_children: bool,
}

/// The spans of trace `t` depth-first, children in time order; orphans are roots.
pub fn flatten(model: &Model, t: u32) -> Vec<Node> {
    let members = model.trace_spans(t);
    let mut children: crate::hash::Map<u32, Vec<u32>> = crate::hash::Map::default();
    let mut roots = Vec::new();
    for &s in members {
        match model.parent[s as usize] {
            NONE => roots.push(s),
            p => children.entry(p).or_default().push(s),
        }
    }
    let mut out = Vec::with_capacity(members.len());
    let mut stack: Vec<(u32, u16, u32)> = roots.iter().rev().map(|&r| (r, 0, NONE)).collect();
    while let Some((span, depth, parent_row)) = stack.pop() {
        let row = u32::try_from(out.len()).unwrap_or(NONE);
        let kids = children.get(&span);
        out.push(Node {
            span,
            depth,
            parent_row,
            has_children: kids.is_some_and(|k| !k.is_empty()),
        });
        if let Some(kids) = kids {
            for &k in kids.iter().rev() {
                stack.push((k, depth.saturating_add(1), row));
            }
        }
    }
    out
}
