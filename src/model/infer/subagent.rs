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

/// The conversations the calls make ([`chains`]).
struct Chains {
    /// Per chain (a conversation: linked calls, side requests left out), its earliest call
    /// (an index into the calls), in the order of those calls.
    heads: Vec<u32>,
    /// Every pause of a chain that the next call ends by sending tool results back, in the
    /// order of those calls; their chains are numbered after ([`chain_of_calls`]).
    pauses: Vec<Pause>,
}

/// One pass over the calls, earliest first (`call_trace`: each one's trace; `side`: per trace,
/// whether it is a side request, whose calls are left out; `root`: a trace's conversation, by
/// its root trace; `human`: whether call `i`'s newest message is a person's; `end`: when call
/// `i` ended): per conversation its latest call so far, so that each call meets the one before
/// it in its chain, whose trace is read in `call_trace` (4 bytes a call, not the call's record
/// far in the spans). No list of calls is kept per chain (most conversations never pause, and
/// a dense export has a conversation per call), nor the chain of each call, which is made
/// when some pause is found (4 bytes a trace and a call, as this pass takes: the peak stays).
fn chains(
    call_trace: &[u32],
    side: &[bool],
    root: &mut dyn FnMut(u32) -> u32,
    human: &dyn Fn(usize) -> bool,
    end: &dyn Fn(usize) -> i64,
) -> Chains {
    let mut last_of_root: Vec<u32> = vec![NONE; side.len()];
    let mut heads: Vec<u32> = Vec::new();
    let mut pauses: Vec<Pause> = Vec::new();
    for (i, &trace) in call_trace.iter().enumerate() {
        if side[trace as usize] {
            continue;
        }
        let r = root(trace) as usize;
        let i32 = u32::try_from(i).unwrap_or(NONE);
        let previous = std::mem::replace(&mut last_of_root[r], i32);
        if previous == NONE {
            heads.push(i32);
        } else if call_trace[previous as usize] != trace && !human(i) {
            pauses.push(Pause {
                from: end(previous as usize),
                chain: NONE,
                before: previous,
                after: i32,
            });
        }
    }
    Chains { heads, pauses }
}

/// Per call, its chain ([`chains`]' numbers: the order of their heads), `NONE` for side
/// requests' calls.
fn chain_of_calls(
    call_trace: &[u32],
    side: &[bool],
    root: &mut dyn FnMut(u32) -> u32,
    heads: &[u32],
) -> Vec<u32> {
    let mut chain_of_root = vec![NONE; side.len()];
    for (k, &h) in heads.iter().enumerate() {
        if let Some(&t) = call_trace.get(h as usize) {
            chain_of_root[root(t) as usize] = u32::try_from(k).unwrap_or(NONE);
        }
    }
    call_trace
        .iter()
        .map(|&t| {
            if side[t as usize] {
                NONE
            } else {
                chain_of_root[root(t) as usize]
            }
        })
        .collect()
}

/// Nests sub-agent conversations under the calls that started them (see the module docs):
/// joins them in `links`, and gives the traces of their calls with the span that started
/// each, for `Model::subagent_of` (in the order they are to go in).
pub(super) fn attach(
    model: &Model,
    calls: &[Call],
    links: &mut Links,
    report: &mut Report,
) -> Vec<(u32, Started)> {
    let end_of = |c: &Call| {
        let (start, end) = model.times(c.span);
        end.max(start)
    };
    // Each call's trace, read once (on all cores), when the links made it.
    let mut call_trace = std::mem::take(&mut links.call_trace);
    if call_trace.len() != calls.len() {
        call_trace =
            super::history::traces_of_calls(model, calls, super::history::workers_for(calls.len()));
    }
    let side = std::mem::take(&mut links.side);
    let Chains { heads, mut pauses } = chains(
        &call_trace,
        &side,
        &mut |t| links.find(t),
        &|i| calls[i].print(model).human(),
        &|i| end_of(&calls[i]),
    );
    if pauses.is_empty() {
        links.side = side;
        return Vec::new();
    }
    // Only a chain whose first call a person typed may be a sub-agent.
    let candidate: Vec<bool> = heads
        .iter()
        .map(|&h| calls[h as usize].print(model).human())
        .collect();
    if !candidate.contains(&true) {
        links.side = side;
        return Vec::new();
    }
    let chain_of_call = chain_of_calls(&call_trace, &side, &mut |t| links.find(t), &heads);
    links.side = side;
    drop(call_trace);
    for p in &mut pauses {
        p.chain = chain_of_call
            .get(p.before as usize)
            .copied()
            .unwrap_or(NONE);
    }
    // By start; equal starts in chain order, each chain's in call order.
    pauses.sort_unstable_by_key(|p| (p.from, p.chain, p.before));
    // The candidates' ends.
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
        return Vec::new();
    }
    // Every call of a nested chain marks its trace.
    let mut marks = Vec::new();
    for (c, &k) in calls.iter().zip(&chain_of_call) {
        if let Some(&span) = nested.get(&k) {
            marks.push((
                c.trace(model),
                Started {
                    span,
                    how: How::Prompt,
                },
            ));
        }
    }
    marks
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The chains, their heads and pauses, and each call's chain are what the pass that looked
    /// the call before up in the records found: on random conversations of random traces,
    /// side requests among them.
    #[test]
    fn chains_are_the_record_reading_ones() {
        let mut rng = crate::testing::XorShift(29);
        for case in 0..300 {
            let nt = 1 + rng.below(if case % 10 == 0 { 3_000 } else { 40 }) as usize;
            let calls = rng.below(if case % 10 == 0 { 20_000 } else { 200 }) as usize;
            // A root per trace (a root is its own), some traces side requests.
            let roots: Vec<u32> = (0..nt)
                .map(|t| {
                    if rng.below(3) == 0 {
                        t as u32
                    } else {
                        rng.below(1 + nt as u64 / 4) as u32
                    }
                })
                .map(|r| r.min(nt as u32 - 1))
                .collect();
            let roots: Vec<u32> = (0..nt)
                .map(|t| {
                    if roots[roots[t] as usize] == roots[t] {
                        roots[t]
                    } else {
                        t as u32
                    }
                })
                .collect();
            let side: Vec<bool> = (0..nt).map(|_| rng.below(10) == 0).collect();
            let call_trace: Vec<u32> = (0..calls).map(|_| rng.below(nt as u64) as u32).collect();
            let human: Vec<bool> = (0..calls).map(|_| rng.below(3) == 0).collect();
            let ends: Vec<i64> = (0..calls).map(|_| rng.below(1000) as i64).collect();

            // The pass as it was: the call before read back by its index.
            let mut last = vec![NONE; nt];
            let mut want_heads = Vec::new();
            let mut want_chain = vec![NONE; calls];
            let mut want_pauses = Vec::new();
            for (i, &trace) in call_trace.iter().enumerate() {
                if side[trace as usize] {
                    continue;
                }
                let root = roots[trace as usize] as usize;
                let previous = last[root];
                last[root] = i as u32;
                let k = match want_chain.get(previous as usize) {
                    Some(&k) => k,
                    None => {
                        want_heads.push(i as u32);
                        want_heads.len() as u32 - 1
                    }
                };
                want_chain[i] = k;
                if previous != NONE && call_trace[previous as usize] != trace && !human[i] {
                    want_pauses.push((ends[previous as usize], k, previous, i as u32));
                }
            }

            let got = chains(
                &call_trace,
                &side,
                &mut |t| roots[t as usize],
                &|i| human[i],
                &|i| ends[i],
            );
            let got_chain =
                chain_of_calls(&call_trace, &side, &mut |t| roots[t as usize], &got.heads);
            let got_pauses: Vec<(i64, u32, u32, u32)> = got
                .pauses
                .iter()
                .map(|p| (p.from, got_chain[p.before as usize], p.before, p.after))
                .collect();
            assert_eq!(got.heads, want_heads, "case {case}");
            assert_eq!(got_chain, want_chain, "case {case}");
            assert_eq!(got_pauses, want_pauses, "case {case}");
        }
    }
}
