//! Claude Code's sub-agents. A `Task` (or `Agent`) tool call starts a new conversation whose
//! first user message is the task's prompt; its calls go through the same proxy while the
//! parent waits, and its final text comes back as the tool's result. Linked by history, such a
//! conversation would stand as a session of its own; it belongs inside the call that asked for
//! it.
//!
//! A conversation is a candidate when it runs entirely inside a pause of another conversation:
//! after one of its calls ended and before its next call, which sends tool results back
//! ([`Print::HUMAN`] off). It nests when that next call's history holds a `Task` tool use
//! whose prompt is the candidate's first user message, word for word. Only the candidates'
//! spans are read, and only their history's last messages. Two different explicit sessions
//! are never joined this way.
//!
//! [`Print::HUMAN`]: crate::format::prints::Print::HUMAN

use super::history::{Call, Links};
use super::{Model, NONE, Refusal, Report};
use crate::kind::Kind;
use crate::model::conversation::messages::{self, Side};
use crate::model::conversation::{How, Started, tools};

/// A sub-agent starts this soon after the call that asked for it ends, and the parent's next
/// call comes this soon after the sub-agent's last call ends.
const PROMPTNESS_NS: i64 = 120_000_000_000;

/// A pause of a conversation that the next call ends by sending tool results back: 24 bytes
/// (its end is the start of the call after it, read from that call's record).
struct Pause {
    from: i64,
    chain: u32,
    /// The call before the pause (it asked for the tools) and the call after it.
    before: u32,
    after: u32,
}

/// Nests sub-agent conversations under the calls that started them; see the module docs.
pub(super) fn attach(model: &mut Model, calls: &[Call], links: &mut Links, report: &mut Report) {
    let end_of = |c: &Call| {
        let (start, end) = model.times(c.span);
        end.max(start)
    };
    // One pass over the calls, earliest first: per conversation (by its root trace) its
    // latest call so far, so that each call meets the one before it in its chain, and finds
    // its chain there. No list of calls is kept per chain: most conversations never pause (and
    // a dense export has a conversation per call).
    let mut last_of_root: Vec<u32> = vec![NONE; links.side.len()];
    // Per chain (a conversation: linked calls, side requests left out), its earliest call
    // (an index into `calls`); per call, its chain.
    let mut heads: Vec<u32> = Vec::new();
    let mut chain_of_call: Vec<u32> = vec![NONE; calls.len()];
    let mut pauses: Vec<Pause> = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        let trace = c.trace(model);
        if links.side[trace as usize] {
            continue;
        }
        let root = links.find(trace) as usize;
        let previous = last_of_root[root];
        last_of_root[root] = u32::try_from(i).unwrap_or(NONE);
        let k = match chain_of_call.get(previous as usize) {
            Some(&k) => k as usize,
            None => {
                heads.push(u32::try_from(i).unwrap_or(NONE));
                heads.len() - 1
            }
        };
        chain_of_call[i] = u32::try_from(k).unwrap_or(NONE);
        if previous != NONE {
            let before = previous as usize;
            let a = &calls[before];
            if a.trace(model) != trace && !c.print(model).human() {
                pauses.push(Pause {
                    from: end_of(a),
                    chain: u32::try_from(k).unwrap_or(NONE),
                    before: previous,
                    after: u32::try_from(i).unwrap_or(NONE),
                });
            }
        }
    }
    drop(last_of_root);
    if pauses.is_empty() {
        return;
    }
    // By start; equal starts in chain order, each chain's in call order.
    pauses.sort_unstable_by_key(|p| (p.from, p.chain, p.before));
    // Only a chain whose first call a person typed may be a sub-agent: their ends.
    let candidate: Vec<bool> = heads
        .iter()
        .map(|&h| calls[h as usize].print(model).human())
        .collect();
    let mut ends: Vec<i64> = vec![0; heads.len()];
    for (c, &k) in calls.iter().zip(&chain_of_call) {
        if k != NONE && candidate[k as usize] {
            ends[k as usize] = ends[k as usize].max(end_of(c));
        }
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (g, &head) in heads.iter().enumerate() {
        if !candidate[g] {
            continue;
        }
        let c = &calls[head as usize];
        let (start, end) = (c.start(model), ends[g]);
        let hi = pauses.partition_point(|p| p.from <= start);
        let mut prompt: Option<Option<String>> = None;
        for (pi, p) in pauses[..hi].iter().enumerate().rev() {
            if start - p.from > PROMPTNESS_NS {
                break;
            }
            let to = calls.get(p.after as usize).map_or(0, |a| a.start(model));
            if p.chain as usize == g || end > to || to - end > PROMPTNESS_NS {
                continue;
            }
            let prompt = prompt.get_or_insert_with(|| opening(model, c));
            let Some(prompt) = prompt.as_deref() else {
                break;
            };
            if asked_for(model, &calls[p.after as usize], prompt) {
                found.push((g, pi));
                break;
            }
        }
    }
    let mut nested: crate::hash::Map<u32, u32> = crate::hash::Map::default();
    for (g, p) in found {
        let pause = &pauses[p];
        let parent = &calls[pause.before as usize];
        let sub = &calls[heads[g] as usize];
        let trace = sub.trace(model);
        if let Err((a, b)) = links.union(model, parent.trace(model), trace) {
            report.refused.push(Refusal {
                reason: "explicit_sessions",
                trace_id: model.index.trace_id_text(trace),
                candidates: vec![model.str(b).to_owned(), model.str(a).to_owned()],
                trace,
            });
            continue;
        }
        let span = task_span(model, parent);
        nested.insert(u32::try_from(g).unwrap_or(NONE), span);
        report.subagents += 1;
    }
    if nested.is_empty() {
        return;
    }
    // Every call of a nested chain marks its trace.
    for (c, &k) in calls.iter().zip(&chain_of_call) {
        if let Some(&span) = nested.get(&k) {
            let trace = c.trace(model);
            model.subagent_of.insert(
                trace,
                Started {
                    span,
                    how: How::Prompt,
                },
            );
        }
    }
}

/// The typed text of a conversation's first user message.
fn opening(model: &Model, c: &Call) -> Option<String> {
    let print = c.print(model);
    let first = print.first_turn()?;
    let bytes = model.index.span_bytes(c.span);
    let (_, msgs) = messages::read(bytes, Side::Input, first);
    msgs.into_iter()
        .find(messages::Msg::is_human)
        .map(|m| m.typed_text())
        .filter(|t| !t.is_empty())
}

/// Whether call `after` sends back the result of a `Task` whose prompt is `prompt`: its history
/// ends with the assistant message that asked for it and the tool results.
fn asked_for(model: &Model, after: &Call, prompt: &str) -> bool {
    let print = after.print(model);
    let bytes = model.index.span_bytes(after.span);
    let from = print.len().saturating_sub(3);
    let (_, msgs) = messages::read(bytes, Side::Input, from);
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let want = norm(prompt);
    msgs.iter().flat_map(|m| &m.uses).any(|u| {
        matches!(tools::short_name(&u.name), "Task" | "Agent")
            && tools::task_text(&u.input).is_some_and(|t| norm(t) == want)
    })
}

/// The span a `Task` started from: its tool span in the asking call's trace, if the export has
/// one; else the asking LLM call itself.
fn task_span(model: &Model, parent: &Call) -> u32 {
    let llm = parent.span;
    let after = model.span(llm).start();
    model
        .trace_spans(parent.trace(model))
        .iter()
        .copied()
        .find(|&s| {
            let rec = model.span(s);
            rec.kind() == Kind::Tool
                && rec.start() >= after
                && matches!(tools::short_name(model.name(s)), "Task" | "Agent")
        })
        .filter(|&s| s != NONE)
        .unwrap_or(llm)
}
