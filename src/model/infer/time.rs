//! Idle gaps: grouping what history could not place, and cutting long conversations into
//! working sessions.

use super::{Model, Report, SessionOrigin};
use crate::format::history::mix;
use crate::hash::Map;
use crate::model::InferredBy;
use crate::model::Trace;
use std::hash::Hasher;

/// Runs of traces, in time order, cut wherever nothing happened for more than `gap`.
fn runs(model: &Model, traces: &mut [u32], gap: i64) -> Vec<std::ops::Range<usize>> {
    traces.sort_unstable_by_key(|&t| (model.traces[t as usize].start, t));
    let mut out = Vec::new();
    let mut begin = 0;
    let mut end = i64::MIN;
    for (i, &t) in traces.iter().enumerate() {
        let tr = &model.traces[t as usize];
        if i > begin && tr.start.saturating_sub(end) > gap {
            out.push(begin..i);
            begin = i;
        }
        end = if i == begin { tr.end } else { end.max(tr.end) };
    }
    if begin < traces.len() {
        out.push(begin..traces.len());
    }
    out
}

/// The traces with spans that `key` gives a key, grouped by it (keys ascending, traces in
/// index order).
fn traces_by(model: &Model, key: impl Fn(&Trace) -> Option<u32>) -> Vec<(u32, Vec<u32>)> {
    let mut groups: Map<u32, Vec<u32>> = Map::default();
    for (t, tr) in model.traces.iter().enumerate() {
        if let Some(k) = key(tr).filter(|_| !tr.spans.is_empty()) {
            groups
                .entry(k)
                .or_default()
                .push(u32::try_from(t).unwrap_or(u32::MAX));
        }
    }
    let mut groups: Vec<(u32, Vec<u32>)> = groups.into_iter().collect();
    groups.sort_unstable_by_key(|(k, _)| *k);
    groups
}

/// Groups the traces still without a session per user (all user-less traces together), split
/// at idle gaps; each run becomes a time-inferred session.
pub(super) fn group(model: &mut Model, gap: i64, report: &mut Report) {
    let users = traces_by(model, |tr| {
        (tr.origin() == SessionOrigin::None).then_some(tr.user)
    });
    for (user, mut traces) in users {
        for run in runs(model, &mut traces, gap) {
            let first = traces[run.start];
            let mut h = rustc_hash::FxHasher::default();
            h.write(model.str(user).as_bytes());
            h.write(model.index.trace_id_text(first).as_bytes());
            let id = format!("time-{:012x}", mix(h.finish()) >> 16);
            let id = model.index.strings.intern(&id);
            for &t in &traces[run.clone()] {
                let tr = &mut model.traces[t as usize];
                tr.session = id;
                tr.set_origin(SessionOrigin::Inferred);
                tr.set_inferred_by(Some(InferredBy::Time));
            }
            report.time_sessions += 1;
            report.time_traces += run.len();
        }
    }
}

/// Cuts every session at idle gaps: the parts of session `s` become `s#1`, `s#2`, ….
pub(super) fn split_idle(model: &mut Model, gap: i64, report: &mut Report) {
    let sessions = traces_by(model, |tr| {
        (tr.origin() != SessionOrigin::None).then_some(tr.session)
    });
    for (session, mut traces) in sessions {
        let parts = runs(model, &mut traces, gap);
        if parts.len() < 2 {
            continue;
        }
        report.split_sessions += 1;
        let name = model.str(session).to_owned();
        for (k, run) in parts.into_iter().enumerate() {
            let id = model.index.strings.intern(&format!("{name}#{}", k + 1));
            for &t in &traces[run] {
                model.traces[t as usize].session = id;
            }
        }
    }
}
