//! Linking traces whose LLM calls continue one conversation.
//!
//! Every LLM call's input messages are hashed once ([`Fingerprint`], in parallel). A call's
//! whole history is registered under the hash of its message sequence; a later call looks up
//! the hashes of its own prefixes, longest first, and links to the call whose whole history is
//! its longest proper prefix. That is one hash lookup per message, no pairwise comparison.
//! A prefix must hold a message that is not a system prompt, so a shared system prompt never
//! links anything. When the prefix is the history of calls in different conversations (two
//! conversations that began with the same words), the earlier call's answer must be the next
//! message; if that does not single one out, the link is refused and reported.

use super::{Model, NONE, Refusal, Report, SessionOrigin};
use crate::format::history::{Fingerprint, Reader, mentions_messages, mix, prefixes};
use crate::hash::Map;
use crate::kind::Kind;
use std::hash::Hasher;

/// One fingerprinted LLM call.
pub(super) struct Call {
    pub span: u32,
    pub trace: u32,
    pub start: i64,
    pub fp: Fingerprint,
}

/// Fingerprints every LLM call with input messages, on all cores; earliest first.
pub(super) fn fingerprint(model: &Model) -> Vec<Call> {
    let spans: Vec<(u32, u32)> = (0..model.traces.len())
        .filter_map(|t| u32::try_from(t).ok())
        .flat_map(|t| model.trace_spans(t).iter().map(move |&s| (s, t)))
        .collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 16);
    let chunk = spans.len().div_ceil(workers).max(1);
    let mut calls: Vec<Call> = std::thread::scope(|scope| {
        let handles: Vec<_> = spans
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut reader = Reader::default();
                    part.iter()
                        .filter_map(|&(span, trace)| {
                            let rec = model.span(span);
                            let bytes = model.index.span_bytes(rec);
                            // LLM calls, and spans of no known kind that mention messages
                            // (an exporter that does not say what the span is).
                            let wanted = match rec.kind() {
                                Kind::Llm => true,
                                Kind::Unknown => mentions_messages(bytes),
                                _ => false,
                            };
                            if !wanted {
                                return None;
                            }
                            Some(Call {
                                span,
                                trace,
                                start: rec.start,
                                fp: reader.fingerprint(bytes)?,
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    calls.sort_unstable_by_key(|c| (c.start, c.span));
    calls
}

/// Traces joined into conversations: a union-find whose roots carry the explicit session
/// (interned id) of their group, if any.
pub(super) struct Links {
    parent: Vec<u32>,
    label: Vec<u32>,
    /// Per trace, whether it is a side request.
    pub side: Vec<bool>,
    /// Per trace, its earliest fingerprinted call (index into the calls), or `NONE`.
    pub first_call: Vec<u32>,
}

impl Links {
    fn new(model: &Model, calls: &[Call]) -> Links {
        let n = model.traces.len();
        let label = model
            .traces
            .iter()
            .map(|t| {
                if t.origin == SessionOrigin::Explicit {
                    t.session
                } else {
                    NONE
                }
            })
            .collect();
        let mut first_call = vec![NONE; n];
        for (i, c) in calls.iter().enumerate() {
            let slot = &mut first_call[c.trace as usize];
            if *slot == NONE {
                *slot = u32::try_from(i).unwrap_or(NONE);
            }
        }
        Links {
            parent: (0..n).map(|t| u32::try_from(t).unwrap_or(NONE)).collect(),
            label,
            side: vec![false; n],
            first_call,
        }
    }

    pub fn find(&mut self, mut t: u32) -> u32 {
        while self.parent[t as usize] != t {
            let p = self.parent[t as usize];
            self.parent[t as usize] = self.parent[p as usize];
            t = p;
        }
        t
    }

    /// What identifies a group: its explicit session, else its root.
    pub fn group(&mut self, t: u32) -> (u32, u32) {
        let r = self.find(t);
        match self.label[r as usize] {
            NONE => (NONE, r),
            l => (l, NONE),
        }
    }

    /// Joins two groups, unless they hold different explicit sessions (returned then).
    pub fn union(&mut self, a: u32, b: u32) -> Result<(), (u32, u32)> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        let (la, lb) = (self.label[ra as usize], self.label[rb as usize]);
        if la != NONE && lb != NONE && la != lb {
            return Err((la, lb));
        }
        self.parent[rb as usize] = ra;
        if la == NONE {
            self.label[ra as usize] = lb;
        }
        Ok(())
    }
}

/// How a refused link names a group: its session id, or one of its trace ids.
pub(super) fn group_name(model: &Model, links: &mut Links, t: u32) -> String {
    match links.group(t) {
        (NONE, root) => model.index.trace_id_text(root),
        (label, _) => model.str(label).to_owned(),
    }
}

/// Links each call to the call whose history its own extends; see the module docs.
pub(super) fn link(model: &Model, calls: &[Call], report: &mut Report) -> Links {
    let mut links = Links::new(model, calls);
    let mut registry: Map<u64, Vec<u32>> = Map::default();
    let mut pre = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        if c.fp.conversational() == 0 {
            continue;
        }
        prefixes(&c.fp.messages, &mut pre);
        if let Some(&full) = pre.last() {
            registry
                .entry(full)
                .or_default()
                .push(u32::try_from(i).unwrap_or(NONE));
        }
    }
    for (j, c) in calls.iter().enumerate() {
        let Some(first) = c.fp.first_turn() else {
            continue;
        };
        prefixes(&c.fp.messages, &mut pre);
        let n = c.fp.messages.len();
        for k in (first + 1..n).rev() {
            let Some(found) = registry.get(&pre[k]) else {
                continue;
            };
            let earlier: Vec<u32> = found
                .iter()
                .copied()
                .filter(|&i| {
                    let e = &calls[i as usize];
                    i as usize != j && e.start <= c.start && e.fp.messages.len() == k
                })
                .collect();
            if earlier.is_empty() {
                continue;
            }
            let next = c.fp.messages[k];
            let bytes = model.index.span_bytes(model.span(c.span));
            match choose(&mut links, calls, &earlier, next, || {
                Reader::default().message_leaves(bytes, k)
            }) {
                Some(i) => {
                    if let Err((a, b)) = links.union(calls[i as usize].trace, c.trace) {
                        report.refused.push(Refusal {
                            reason: "explicit_sessions",
                            trace_id: model.index.trace_id_text(c.trace),
                            candidates: vec![model.str(b).to_owned(), model.str(a).to_owned()],
                            trace: c.trace,
                        });
                    }
                }
                None => {
                    let mut candidates: Vec<String> = earlier
                        .iter()
                        .map(|&i| group_name(model, &mut links, calls[i as usize].trace))
                        .collect();
                    candidates.sort();
                    candidates.dedup();
                    report.refused.push(Refusal {
                        reason: "ambiguous_history",
                        trace_id: model.index.trace_id_text(c.trace),
                        candidates,
                        trace: c.trace,
                    });
                }
            }
            break;
        }
    }
    links
}

/// The one conversation among `earlier` (calls with the same history): all in one group, or
/// singled out by their answer being the `next` message (exactly, or, where an exporter left
/// the tool calls out of the answer, by all its text being in that message).
fn choose(
    links: &mut Links,
    calls: &[Call],
    earlier: &[u32],
    next: u64,
    next_leaves: impl FnOnce() -> Vec<u64>,
) -> Option<u32> {
    let mut one_group = |set: &mut dyn Iterator<Item = u32>| -> Option<u32> {
        let mut chosen: Option<(u32, (u32, u32))> = None;
        for i in set {
            let g = links.group(calls[i as usize].trace);
            match chosen {
                None => chosen = Some((i, g)),
                Some((_, cg)) if cg == g => {}
                Some(_) => return None,
            }
        }
        chosen.map(|(i, _)| i)
    };
    one_group(&mut earlier.iter().copied())
        .or_else(|| {
            one_group(
                &mut earlier
                    .iter()
                    .copied()
                    .filter(|&i| calls[i as usize].fp.answer == next),
            )
        })
        .or_else(|| {
            let leaves = next_leaves();
            one_group(
                &mut earlier
                    .iter()
                    .copied()
                    .filter(|&i| calls[i as usize].fp.answered_with(&leaves)),
            )
        })
}

/// Gives every linked trace its session: the explicit one its group holds, or a new inferred
/// one for groups of two or more traces.
pub(super) fn assign(model: &mut Model, calls: &[Call], mut links: Links, report: &mut Report) {
    let n = model.traces.len();
    // Unlabelled groups: their traces, earliest first.
    let mut by_start: Vec<u32> = (0..n).filter_map(|t| u32::try_from(t).ok()).collect();
    by_start.sort_unstable_by_key(|&t| (model.traces[t as usize].start, t));
    let mut members: Map<u32, Vec<u32>> = Map::default();
    for &t in &by_start {
        if model.traces[t as usize].spans.is_empty() {
            continue;
        }
        model.traces[t as usize].side = links.side[t as usize];
        let origin = model.traces[t as usize].origin;
        match links.group(t) {
            (NONE, root) => members.entry(root).or_default().push(t),
            (label, _) if origin == SessionOrigin::None => {
                let tr = &mut model.traces[t as usize];
                tr.session = label;
                tr.origin = SessionOrigin::Inferred;
                tr.inferred_by = Some(super::super::InferredBy::History);
                report.joined_explicit += 1;
            }
            _ => {}
        }
    }
    let mut groups: Vec<Vec<u32>> = members.into_values().filter(|m| m.len() > 1).collect();
    groups.sort_unstable_by_key(|m| m.first().copied());
    for group in groups {
        let head = group
            .iter()
            .copied()
            .find(|&t| !links.side[t as usize])
            .unwrap_or(group[0]);
        let id = inferred_id(model, calls, &links, head);
        let id = model.index.strings.intern(&id);
        for &t in &group {
            let tr = &mut model.traces[t as usize];
            tr.session = id;
            tr.origin = SessionOrigin::Inferred;
            tr.inferred_by = Some(super::super::InferredBy::History);
        }
        report.history_sessions += 1;
        report.history_traces += group.len();
    }
    report.side_requests = model.traces.iter().filter(|t| t.side).count();
}

/// A stable id from the conversation's content: its first call's opening messages and the
/// trace they are in (the same on every run and in any file order).
fn inferred_id(model: &Model, calls: &[Call], links: &Links, head: u32) -> String {
    let mut h = rustc_hash::FxHasher::default();
    h.write(model.index.trace_id_text(head).as_bytes());
    let first = links.first_call[head as usize];
    if let Some(c) = calls.get(first as usize) {
        let upto = c.fp.first_turn().map_or(0, |f| f + 1);
        let mut pre = Vec::new();
        prefixes(&c.fp.messages[..upto.min(c.fp.messages.len())], &mut pre);
        h.write_u64(pre.last().copied().unwrap_or(0));
    }
    format!("inferred-{:012x}", mix(h.finish()) >> 16)
}
