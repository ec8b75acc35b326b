//! A model that grows with its index (a followed file): the same model a build of the whole
//! index would give, without building the unchanged traces again.
//!
//! After [`crate::index::Index::absorb`] added spans at the end of the index (every span and
//! trace keeping its index), [`grow`] rebuilds the trees of the traces that got spans (their
//! old spans with the new: order, parents, re-exports, cycles, roots, totals and explicit
//! sessions, as the build does), copies the others' order as it was, and then groups sessions
//! again: inference, grouping, evaluations and turns run over every trace, since a new call
//! may continue any earlier conversation (a pass over the traces and LLM calls, not over the
//! bytes; the figures are in the README).

use super::build::{self, Rebuilt};
use super::{Model, NONE, SessionOrigin, infer};
use crate::index::record::flag;
use std::ops::Range;

/// What the model's tree flags mean (set by the build, so cleared before building again).
const MODEL_FLAGS: u8 = flag::ORPHAN | flag::DUPLICATE | flag::CYCLE_CUT;

/// Brings the model up to date with spans `added` (just absorbed into its index).
pub fn grow(model: &mut Model, added: Range<u32>, options: infer::Options) {
    // `Index::absorb` counted the new spans' traces: a model needs no counts (see `build`).
    model.index.trace_spans = Vec::new();
    let nt_old = model.traces.len();
    let nt = model.index.traces.len();
    let n = model.index.spans.len();
    // The traces that got spans, and traces new to the model.
    let mut touched = vec![false; nt];
    for i in added.clone() {
        if let Some(s) = model.index.spans.get(i as usize)
            && let Some(t) = touched.get_mut(s.trace as usize)
        {
            *t = true;
        }
    }
    for t in touched.iter_mut().skip(nt_old) {
        *t = true;
    }
    let affected: Vec<u32> = (0..nt)
        .filter(|&t| touched[t])
        .map(|t| u32::try_from(t).unwrap_or(NONE))
        .collect();
    let (members, starts) = members(model, &affected, &touched, added);
    for &i in &members {
        if let Some(s) = model.index.spans.get_mut(i as usize) {
            s.clear_flags(MODEL_FLAGS);
        }
    }
    // Their parent ids, as written (read before their links change).
    let mut ids: Vec<(u32, u64)> = members.iter().map(|&i| (i, model.parent_id(i))).collect();
    ids.sort_unstable_by_key(|&(i, _)| i);
    let rebuilt = build::trees_of(&model.index, &affected, members.clone(), &starts, &ids);
    model.parents.resize(n);
    for &i in &members {
        let p = i
            .checked_sub(rebuilt.parent_base)
            .and_then(|k| rebuilt.parent.get(k as usize))
            .copied()
            .unwrap_or(NONE);
        model.parents.set(i, p);
    }
    let index = &mut model.index;
    let parents = &model.parents;
    index
        .parents
        .relink_with(&ids, &index.spans, |i| parents.get(i));
    splice_order(model, &affected, &touched, &rebuilt);
    let Rebuilt { issues, rare, .. } = rebuilt;
    model
        .rare
        .retain(|t| !touched.get(t as usize).copied().unwrap_or(false));
    model.rare.merge(rare);
    build::flag_spans(model, &issues);
    merge_issues(model, &touched, issues);
    // Sessions from scratch over the traces: each back to the session its spans name, found
    // again as the build finds it (a trace does not keep it through inference).
    let Model {
        index,
        traces,
        order,
        rare,
        ..
    } = model;
    let (mut own, mut found) = (Vec::new(), Vec::new());
    for (k, t) in (0u32..).zip(traces.iter_mut()) {
        let root = rare.root_of(k, t, order);
        let members = order
            .get(t.spans.start as usize..t.spans.end as usize)
            .unwrap_or(&[]);
        own.clear();
        own.extend(members.iter().filter_map(|&i| index.own_session(i)));
        own.sort_unstable_by_key(|o: &crate::index::record::OwnSession| o.span);
        let origin;
        (t.session, t.key, origin) = match build::named_session(index, k, root, &own, &mut found) {
            Some((id, key)) => (id, Some(key), SessionOrigin::Explicit),
            None => (NONE, None, SessionOrigin::None),
        };
        t.set_origin(origin);
        t.set_inferred_by(None);
        t.set_side(false);
        t.set_starts_turn(false);
    }
    model.sessions.clear();
    model.sessions_traces.clear();
    model.sessions_evals.clear();
    model.sessions_big_tokens.clear();
    model.unsessioned.clear();
    model.evals.clear();
    model.subagent_of.clear();
    build::conversations(model, options, None);
}

/// The spans of the affected traces, grouped by trace (with where each group starts, and
/// one more entry for the end): the spans they had (re-exports included) and the new ones.
fn members(
    model: &Model,
    affected: &[u32],
    touched: &[bool],
    added: Range<u32>,
) -> (Vec<u32>, Vec<u32>) {
    let spans = &model.index.spans;
    let trace_of = |i: u32| spans.get(i as usize).map_or(NONE, |s| s.trace);
    let is_touched = |t: u32| touched.get(t as usize).copied().unwrap_or(false);
    // Everything to gather, as (trace, span), then grouped by a sort.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for &t in affected {
        if let Some(tr) = model.traces.get(t as usize) {
            let r = tr.spans.start as usize..tr.spans.end as usize;
            pairs.extend(model.order.get(r).unwrap_or(&[]).iter().map(|&i| (t, i)));
        }
    }
    for &(_, dup) in &model.issues.duplicates {
        let t = trace_of(dup);
        if is_touched(t) {
            pairs.push((t, dup));
        }
    }
    pairs.extend(added.map(|i| (trace_of(i), i)));
    pairs.sort_unstable();
    let mut starts = Vec::with_capacity(affected.len() + 1);
    let mut members = Vec::with_capacity(pairs.len());
    let mut at = 0;
    for &t in affected {
        starts.push(u32::try_from(members.len()).unwrap_or(NONE));
        while let Some(&(pt, i)) = pairs.get(at) {
            if pt > t {
                break;
            }
            if pt == t {
                members.push(i);
            }
            at += 1;
        }
    }
    starts.push(u32::try_from(members.len()).unwrap_or(NONE));
    (members, starts)
}

/// The model's order and traces with the affected traces' new trees in place. The order holds
/// the traces one after the other, by index: what comes before the first affected trace stays
/// where it is, the rest is laid again (new traces are the last, so usually only a few).
fn splice_order(model: &mut Model, affected: &[u32], touched: &[bool], rebuilt: &Rebuilt) {
    let nt = touched.len();
    let first = affected.first().map_or(nt, |&t| t as usize);
    let keep = model
        .traces
        .get(first)
        .map_or(model.order.len(), |t| t.spans.start as usize);
    let old = model.order.split_off(keep.min(model.order.len()));
    let mut order = std::mem::take(&mut model.order);
    order.reserve(old.len() + rebuilt.order.len());
    let shift = u32::try_from(keep).unwrap_or(NONE);
    let mut traces = std::mem::take(&mut model.traces);
    traces.resize(nt, build::empty_trace());
    let mut k = 0usize;
    for (t, trace) in traces.iter_mut().enumerate().skip(first) {
        let start = u32::try_from(order.len()).unwrap_or(NONE);
        if touched[t] {
            let Some(new) = rebuilt.traces.get(k) else {
                continue;
            };
            debug_assert_eq!(affected.get(k).copied(), u32::try_from(t).ok());
            k += 1;
            let r = new.spans.start as usize..new.spans.end as usize;
            order.extend_from_slice(rebuilt.order.get(r).unwrap_or(&[]));
            *trace = new.clone();
        } else {
            let r = trace.spans.start.saturating_sub(shift) as usize
                ..trace.spans.end.saturating_sub(shift) as usize;
            order.extend_from_slice(old.get(r).unwrap_or(&[]));
        }
        trace.spans = start..u32::try_from(order.len()).unwrap_or(NONE);
    }
    model.order = order;
    model.traces = traces;
}

/// The issues of the unaffected traces as they were, with the affected traces' new ones, in
/// the order a build gives them (by trace).
fn merge_issues(model: &mut Model, touched: &[bool], new: super::Issues) {
    let spans = &model.index.spans;
    let trace_of = |i: u32| spans.get(i as usize).map_or(NONE, |s| s.trace);
    let kept = |i: u32| !touched.get(trace_of(i) as usize).copied().unwrap_or(false);
    let issues = &mut model.issues;
    issues.orphans.retain(|&i| kept(i));
    issues.cycles.retain(|&i| kept(i));
    issues.duplicates.retain(|&(a, _)| kept(a));
    issues.id_clashes.retain(|&(a, _)| kept(a));
    issues
        .session_conflicts
        .retain(|c| !touched.get(c.trace as usize).copied().unwrap_or(false));
    issues.append(new);
    issues.orphans.sort_by_key(|&i| trace_of(i));
    issues.cycles.sort_by_key(|&i| trace_of(i));
    issues.duplicates.sort_by_key(|&(a, _)| trace_of(a));
    issues.id_clashes.sort_by_key(|&(a, _)| trace_of(a));
    issues.session_conflicts.sort_by_key(|c| c.trace);
}
