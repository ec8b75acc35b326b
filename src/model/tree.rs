//! A trace's span tree, flattened in display order.
//!
//! Nothing here recurses: a parent chain a million spans deep flattens with a loop and an
//! explicit stack, in time and memory linear in the trace's span count.

use super::{Model, NONE};

/// One row of a flattened tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub span: u32,
    /// Roots are at depth 0.
    pub depth: u32,
    /// Index in the flattened list of this node's parent (`NONE` for roots).
    pub parent_row: u32,
    /// Index in the flattened list of the first row after this node's subtree: skipping to it
    /// hides the subtree without walking it.
    pub end: u32,
    pub has_children: bool,
}

/// The spans of trace `t` depth-first, children in time order; orphans (and spans whose parent
/// is not in the trace) are roots.
pub fn flatten(model: &Model, t: u32) -> Vec<Node> {
    let members = model.trace_spans(t);
    let kids = Children::build(model, members);
    let mut out: Vec<Node> = Vec::with_capacity(members.len());
    let mut stack: Vec<(u32, u32, u32)> = kids.roots.iter().rev().map(|&r| (r, 0, NONE)).collect();
    while let Some((local, depth, parent_row)) = stack.pop() {
        let children = kids.of(local);
        let row = u32::try_from(out.len()).unwrap_or(NONE);
        out.push(Node {
            span: members[local as usize],
            depth,
            parent_row,
            end: NONE,
            has_children: !children.is_empty(),
        });
        stack.extend(children.iter().rev().map(|&k| (k, depth + 1, row)));
    }
    set_ends(&mut out);
    out
}

/// Fills each node's `end`: a node's subtree ends where its next row at the same depth or
/// shallower starts. Rows are visited last to first, so each row's end is known from the
/// rows after it.
fn set_ends(nodes: &mut [Node]) {
    let n = u32::try_from(nodes.len()).unwrap_or(NONE);
    // size[i]: rows in node i's subtree, itself included; children come after their parent.
    let mut size = vec![1u32; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let p = nodes[i].parent_row;
        if let Some(ps) = size.get(p as usize).copied() {
            size[p as usize] = ps.saturating_add(size[i]);
        }
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        let i = u32::try_from(i).unwrap_or(NONE);
        node.end = i.saturating_add(size[i as usize]).min(n);
    }
}

/// Each member's children in time order, by position in the member list (a compressed sparse
/// row layout: one allocation for all the lists, not one per parent).
struct Children {
    /// `starts[i]..starts[i + 1]` are member `i`'s children in `kids`.
    starts: Vec<u32>,
    kids: Vec<u32>,
    roots: Vec<u32>,
}

impl Children {
    fn build(model: &Model, members: &[u32]) -> Children {
        let at = Positions::of(members);
        // Each member's parent as a member position (NONE for a root).
        let up: Vec<u32> = members
            .iter()
            .map(|&s| match model.parent(s) {
                NONE => NONE,
                p => at.get(p),
            })
            .collect();
        drop(at);
        let mut starts = vec![0u32; members.len() + 1];
        for &p in &up {
            if p != NONE {
                starts[p as usize + 1] += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut fill = starts.clone();
        let mut kids = vec![0u32; starts.last().map_or(0, |&n| n as usize)];
        let mut roots = Vec::new();
        for (i, &p) in up.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(NONE);
            if p == NONE {
                roots.push(i);
            } else {
                kids[fill[p as usize] as usize] = i;
                fill[p as usize] += 1;
            }
        }
        Children {
            starts,
            kids,
            roots,
        }
    }

    /// Member `i`'s children, as member positions.
    fn of(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.kids.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Positions in a trace's member list, by span index: an array over the members' index range
/// when it is dense (a trace written in one block), a map otherwise.
enum Positions {
    Dense { low: u32, at: Vec<u32> },
    Sparse(crate::hash::Map<u32, u32>),
}

impl Positions {
    fn of(members: &[u32]) -> Positions {
        let low = members.iter().copied().min().unwrap_or(0);
        let high = members.iter().copied().max().unwrap_or(0);
        let span = (high - low) as usize + 1;
        let position = |i: usize| u32::try_from(i).unwrap_or(NONE);
        if span <= members.len().saturating_mul(4).max(64) {
            let mut at = vec![NONE; span];
            for (i, &s) in members.iter().enumerate() {
                at[(s - low) as usize] = position(i);
            }
            return Positions::Dense { low, at };
        }
        let mut at = crate::hash::Map::default();
        at.reserve(members.len());
        at.extend(members.iter().enumerate().map(|(i, &s)| (s, position(i))));
        Positions::Sparse(at)
    }

    fn get(&self, span: u32) -> u32 {
        match self {
            Positions::Dense { low, at } => span
                .checked_sub(*low)
                .and_then(|i| at.get(i as usize))
                .copied()
                .unwrap_or(NONE),
            Positions::Sparse(at) => at.get(&span).copied().unwrap_or(NONE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::progress::Progress;
    use crate::source::Source;

    /// Traces of up to 40 spans whose parents are anything: earlier or later spans, themselves,
    /// ids not in the file, none; written out of time order.
    fn model(traces: u64, seed: u64) -> Model {
        let mut rng = crate::testing::XorShift(seed);
        let mut text = String::new();
        for t in 1..=traces {
            let n = 1 + rng.below(40);
            for k in 0..n {
                let parent = match rng.below(8) {
                    0 => "null".to_owned(),
                    1 => format!("\"{:016x}\"", t << 8 | 0xff),
                    _ => format!("\"{:016x}\"", t << 8 | rng.below(n)),
                };
                text.push_str(&format!(
                    r#"{{"name":"n","context.span_id":"{:016x}","context.trace_id":"{t:032x}","parent_id":{parent},"start_time":{}}}"#,
                    t << 8 | k,
                    1_700_000_000_000 + rng.below(50)
                ));
                text.push('\n');
            }
        }
        let src = Source::from_bytes("t.jsonl", text.into_bytes());
        let index = crate::index::build(vec![src], &Progress::default()).expect("index");
        crate::model::build(index)
    }

    /// Every span once, under its parent, children in time order, depths and subtree ends as a
    /// recursive walk would give them.
    #[test]
    fn flattened_rows_agree_with_the_parents() {
        for seed in [1, 2, 3] {
            let m = model(300, seed);
            for t in 0..u32::try_from(m.traces.len()).expect("traces") {
                let rows = flatten(&m, t);
                let mut spans: Vec<u32> = rows.iter().map(|n| n.span).collect();
                spans.sort_unstable();
                let mut members = m.trace_spans(t).to_vec();
                members.sort_unstable();
                assert_eq!(spans, members, "trace {t}: every span once");
                for (i, n) in rows.iter().enumerate() {
                    check_row(&m, &rows, i, n);
                }
            }
        }
    }

    fn check_row(m: &Model, rows: &[Node], i: usize, n: &Node) {
        let parent = m.parent(n.span);
        match rows.get(n.parent_row as usize) {
            Some(p) => {
                assert_eq!(p.span, parent);
                assert_eq!(n.depth, p.depth + 1);
                assert!((n.parent_row as usize) < i);
            }
            None => assert_eq!((parent, n.depth), (NONE, 0)),
        }
        // The subtree: the rows after this one that are deeper, up to `end`.
        let end = rows[i + 1..]
            .iter()
            .position(|r| r.depth <= n.depth)
            .map_or(rows.len(), |k| i + 1 + k);
        assert_eq!(n.end as usize, end);
        assert_eq!(n.has_children, end > i + 1);
        let kids: Vec<i64> = rows[i + 1..end]
            .iter()
            .filter(|r| r.parent_row as usize == i)
            .map(|r| m.span(r.span).start())
            .collect();
        assert!(kids.is_sorted(), "children in time order: {kids:?}");
    }

    /// A trace whose spans are far apart in the file takes the map, not the dense array.
    #[test]
    fn positions_dense_and_sparse_agree() {
        for members in [vec![5, 3, 9, 4], vec![7, 1_000_000, 70_000, 2]] {
            let at = Positions::of(&members);
            let dense = matches!(at, Positions::Dense { .. });
            assert_eq!(dense, members.len() == 4 && members[1] == 3);
            for (i, &s) in members.iter().enumerate() {
                assert_eq!(at.get(s) as usize, i);
            }
            assert_eq!(at.get(6), NONE);
            assert_eq!(at.get(0), NONE);
            assert_eq!(at.get(u32::MAX - 1), NONE);
        }
    }
}
