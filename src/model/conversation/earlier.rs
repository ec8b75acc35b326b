//! Which earlier call a call's history repeats: every call of a conversation resends the
//! conversation so far, so a call's detail shows only what is new, with "76 earlier messages,
//! as in call 26". Found from the scan's message hashes, no span read.

use super::roles::is_call;
use crate::model::{Model, NONE};

/// An earlier call whose whole history begins this call's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Earlier {
    /// How many of this call's input messages it holds.
    pub messages: usize,
    /// Its LLM span.
    pub span: u32,
    /// Its number among the session's LLM calls (1-based, in time order).
    pub number: usize,
}

/// The latest earlier call of `span`'s session (or trace, when it has none) whose input history
/// is the start of `span`'s: the one that repeats the most.
pub fn earlier(model: &Model, span: u32) -> Option<Earlier> {
    let prints = &model.index.prints;
    let print_of = |s: u32| prints.of_span(s).map(|(_, p)| p);
    let mine = prints.messages(print_of(span)?);
    if mine.len() < 2 {
        return None;
    }
    let trace = model.span(span).trace;
    let session = model.trace(trace).session;
    let own = [trace];
    let traces: &[u32] = if session == NONE {
        &own
    } else {
        model.session_traces(session)
    };
    let start = model.span(span).start();
    let mut calls: Vec<(i64, u32)> = traces
        .iter()
        .flat_map(|&t| model.trace_spans(t).iter().copied())
        .filter(|&s| is_call(model, s))
        .map(|s| (model.span(s).start(), s))
        .collect();
    calls.sort_unstable();
    let mut best: Option<Earlier> = None;
    for (n, &(at, s)) in calls.iter().enumerate() {
        if at > start || s == span {
            continue;
        }
        let Some(p) = print_of(s) else { continue };
        let theirs = prints.messages(p);
        if theirs.is_empty() || theirs.len() >= mine.len() || !mine.starts_with(theirs) {
            continue;
        }
        if best.is_none_or(|b| theirs.len() >= b.messages) {
            best = Some(Earlier {
                messages: theirs.len(),
                span: s,
                number: n + 1,
            });
        }
    }
    best
}
