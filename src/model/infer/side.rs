//! Side requests: calls an agent makes beside the conversation (Claude Code asks a small model
//! for a title, probes its quota with `quota`). They belong to their conversation but are never
//! its first user input. A title request quotes the conversation's first message, which is how
//! one without a session id finds its conversation.

use super::history::{Call, Links, group_name};
use super::{Model, NONE, Refusal, Report};
use crate::format::prints::Print;
use crate::hash::Map;
use crate::model::conversation::messages::{self, Role, Side};

/// Known side prompts (matched on the lower-cased single user message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Title,
    Quota,
    Topic,
}

/// The kind of side request a call's single message asks for (`title`, `quota`, `topic`), if
/// it is one.
pub fn kind_of(text: &str) -> Option<&'static str> {
    classify(text).map(|k| match k {
        Kind::Title => "title",
        Kind::Quota => "quota",
        Kind::Topic => "topic",
    })
}

fn classify(text: &str) -> Option<Kind> {
    let t = text.trim().to_lowercase();
    if t == "quota" {
        return Some(Kind::Quota);
    }
    if t.contains("word title for the following conversation")
        || t.starts_with("please write a 5-10 word title")
    {
        return Some(Kind::Title);
    }
    if t.contains("analyze if this message indicates a new conversation topic") {
        return Some(Kind::Topic);
    }
    None
}

/// The first message of a call that is not a system prompt.
fn opening_text(model: &Model, span: u32) -> Option<String> {
    messages::read(model.index.span_bytes(span), Side::Input, 0)
        .1
        .into_iter()
        .find(|m| m.role != Role::System && !m.text.trim().is_empty())
        .map(|m| m.text.trim().to_owned())
}

/// Whether a side prompt's `text` quotes `needle` (a conversation's first message): anywhere
/// for a needle of four characters or more, else as a line of its own (after an optional
/// `User:` label), so that "hi" does not match every prompt that contains "this".
fn quotes(text: &str, needle: &str) -> bool {
    if needle.is_empty() || text == needle {
        return false;
    }
    if needle.chars().count() >= 4 {
        return text.contains(needle);
    }
    text.lines().any(|l| {
        let l = l.trim();
        let l = ["User:", "Human:", "user:"]
            .iter()
            .find_map(|p| l.strip_prefix(p))
            .unwrap_or(l)
            .trim();
        l == needle
    })
}

/// A recognised side request that no history link placed.
struct Candidate {
    trace: u32,
    start: i64,
    text: String,
}

/// Flags side requests and joins the ones that quote a conversation to it.
pub(super) fn attach(
    model: &Model,
    calls: &[Call],
    links: &mut Links,
    gap: i64,
    report: &mut Report,
) {
    // A candidate's first call has a print the scan found may be a side request's: when no
    // print at all has, there is none (one read of the prints, in order, in place of a look
    // at every trace's group and first call).
    if !model.index.prints.calls.iter().any(Print::maybe_side) {
        return;
    }
    attach_looked_for(model, calls, links, gap, report);
}

/// [`attach`], every trace looked at.
fn attach_looked_for(
    model: &Model,
    calls: &[Call],
    links: &mut Links,
    gap: i64,
    report: &mut Report,
) {
    let n = model.traces.len();
    // Traces no history link touches, whose first call is a single message.
    let mut linked = vec![0u32; n];
    for t in 0..n {
        let r = links.find(u32::try_from(t).unwrap_or(NONE));
        linked[r as usize] += 1;
    }
    let mut candidates = Vec::new();
    for t in 0..n {
        let t32 = u32::try_from(t).unwrap_or(NONE);
        let first = links.first_call[t];
        let Some(call) = calls.get(first as usize) else {
            continue;
        };
        let root = links.find(t32);
        let print = call.print(model);
        if call.conversational(model) != 1 || linked[root as usize] != 1 || !print.maybe_side() {
            continue;
        }
        let Some(text) = opening_text(model, call.span) else {
            continue;
        };
        if classify(&text).is_none() {
            continue;
        }
        links.side[t] = true;
        candidates.push(Candidate {
            trace: t32,
            start: model.traces[t].start,
            text,
        });
    }
    // Not held with what follows (4 bytes a trace).
    drop(linked);
    if candidates.is_empty() {
        return;
    }
    // Conversation heads: each group's earliest trace that is not a side request.
    let mut heads: Map<(u32, u32), u32> = Map::default();
    let mut by_start: Vec<u32> = (0..n)
        .filter(|&t| links.first_call[t] != NONE && !links.side[t])
        .filter_map(|t| u32::try_from(t).ok())
        .collect();
    by_start.sort_unstable_by_key(|&t| (model.traces[t as usize].start, t));
    for &t in &by_start {
        let g = links.group(model, t);
        heads.entry(g).or_insert(t);
    }
    let mut heads: Vec<(i64, u32)> = heads
        .into_values()
        .map(|t| (model.traces[t as usize].start, t))
        .collect();
    heads.sort_unstable();
    let mut texts: Map<u32, Option<String>> = Map::default();
    for cand in &candidates {
        let lo = heads.partition_point(|&(s, _)| s < cand.start.saturating_sub(gap));
        let hi = heads.partition_point(|&(s, _)| s <= cand.start.saturating_add(gap));
        let own = links.group(model, cand.trace);
        // (needle length, time distance, head)
        let mut best: Vec<(usize, i64, u32)> = Vec::new();
        for &(start, head) in &heads[lo..hi] {
            if links.group(model, head) == own {
                continue;
            }
            let text = texts.entry(head).or_insert_with(|| {
                let first = links.first_call[head as usize];
                calls
                    .get(first as usize)
                    .and_then(|c| opening_text(model, c.span))
            });
            let Some(needle) = text.as_deref() else {
                continue;
            };
            if quotes(&cand.text, needle) {
                best.push((needle.len(), (start - cand.start).abs(), head));
            }
        }
        best.sort_unstable_by_key(|&(len, dist, _)| (std::cmp::Reverse(len), dist));
        let Some(&(len, dist, head)) = best.first() else {
            continue;
        };
        let rival = best.iter().skip(1).find(|&&(l, d, h)| {
            (l, d) == (len, dist) && links.group(model, h) != links.group(model, head)
        });
        if let Some(&(_, _, other)) = rival {
            let mut names = vec![
                group_name(model, links, head),
                group_name(model, links, other),
            ];
            names.sort();
            report.refused.push(Refusal {
                reason: "ambiguous_quote",
                trace_id: model.index.trace_id_text(cand.trace),
                candidates: names,
                trace: cand.trace,
            });
            continue;
        }
        if links.union(model, head, cand.trace).is_ok() {
            links.side[cand.trace as usize] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_side_prompts() {
        assert_eq!(classify(" quota "), Some(Kind::Quota));
        assert_eq!(
            classify("Please write a 5-10 word title for the following conversation:\n\nUser: hi"),
            Some(Kind::Title)
        );
        assert_eq!(classify("quota for the team, please"), None);
        assert_eq!(classify("fix the failing test"), None);
    }

    /// Side requests are found as when every trace is looked at, on exports with and without
    /// prints that may be side requests'.
    #[test]
    fn the_skip_finds_what_looking_finds() {
        for (file, model) in crate::model::infer::linked_fixtures() {
            let calls = super::super::history::calls(&model);
            let run = |skip: bool| {
                let mut report = Report::default();
                let mut links = super::super::history::link(&model, &calls, &mut report);
                let gap = crate::model::infer::DEFAULT_IDLE_GAP_NS;
                if skip {
                    attach(&model, &calls, &mut links, gap, &mut report);
                } else {
                    attach_looked_for(&model, &calls, &mut links, gap, &mut report);
                }
                let roots: Vec<u32> = (0..model.traces.len() as u32)
                    .map(|t| links.find(t))
                    .collect();
                (links.side.clone(), roots, format!("{:?}", report.refused))
            };
            let looked = run(false);
            assert_eq!(run(true), looked, "{file}");
            let sides = looked.0.iter().filter(|&&s| s).count();
            let maybe = model.index.prints.calls.iter().any(Print::maybe_side);
            assert_eq!(sides > 0, file.contains("claude_code"), "{file}: {sides}");
            assert_eq!(maybe, file.contains("claude_code"), "{file}");
        }
    }

    #[test]
    fn quoting() {
        let title = "Please write a 5-10 word title for the following conversation:\n\nUser: run the tests\n\nRespond with the title.";
        assert!(quotes(title, "run the tests"));
        assert!(!quotes(title, "run the linter"));
        // A short opening must be a line of its own.
        assert!(quotes(
            "Please write a title for the following conversation:\nUser: hi",
            "hi"
        ));
        assert!(!quotes(title, "hi"));
        // The same text is not a quote of itself.
        assert!(!quotes("run the tests", "run the tests"));
    }
}
