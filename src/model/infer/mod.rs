//! Sessions the ids left out, reconstructed.
//!
//! Runs after every trace has its explicit session (if any) and before traces are grouped into
//! sessions. In order:
//! 1. [`history`]: an LLM call whose input messages extend an earlier call's messages continues
//!    that conversation; linked traces join the explicit session their chain touches, or form an
//!    inferred session of their own. Two explicit sessions are never merged.
//! 2. [`side`]: side requests (title generation, quota probes) are recognised; a title request
//!    that quotes a conversation's first message joins it. Side requests never give a session
//!    its first input.
//! 3. [`subagent`]: a conversation opened by a `Task` tool call's prompt, run while its parent
//!    waited, joins the parent's conversation as a sub-agent.
//! 4. [`time`] (opt-in): what is still unsessioned is grouped per user, split at idle gaps.
//! 5. [`time::split_idle`] (opt-in view): sessions are cut into working sessions at idle gaps.
//!
//! A trace's `session` holds an interned session id throughout (grouping turns it into an index).

mod history;
mod side;
pub use side::kind_of as side_kind;
mod subagent;
mod time;

use super::{Model, NONE, SessionOrigin};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Thirty minutes, in nanoseconds: the default idle gap.
pub const DEFAULT_IDLE_GAP_NS: i64 = 30 * 60 * 1_000_000_000;

/// What to infer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Link traces by message history (on by default).
    pub history: bool,
    /// Group the traces still unsessioned per user, split at idle gaps (off by default).
    pub by_time: bool,
    /// Split every session into working sessions at idle gaps (a view; off by default).
    pub split_idle: bool,
    /// The idle gap for `by_time` and `split_idle`.
    pub idle_gap_ns: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            history: true,
            by_time: false,
            split_idle: false,
            idle_gap_ns: DEFAULT_IDLE_GAP_NS,
        }
    }
}

/// Why inference left two things apart.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// `explicit_sessions`: the history links two different explicit sessions (a resumed
    /// conversation gets a new id); `ambiguous_history`: the history continues calls of more
    /// than one conversation; `ambiguous_quote`: a side request quotes more than one.
    pub reason: &'static str,
    /// The trace whose link was refused.
    pub trace_id: String,
    /// The sessions (or trace ids, for conversations without one) it would have joined.
    pub candidates: Vec<String>,
    #[serde(skip)]
    pub trace: u32,
}

/// What inference did, for `doctor` and the status line.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub options: Options,
    /// LLM calls whose input messages the scan fingerprinted.
    pub calls: usize,
    /// Traces that joined an explicit session through their history.
    pub joined_explicit: usize,
    /// Inferred sessions (and their traces) from history.
    pub history_sessions: usize,
    pub history_traces: usize,
    /// Traces recognised as side requests (title generation, quota probes).
    pub side_requests: usize,
    /// Conversations nested as sub-agents under the `Task` call that started them.
    pub subagents: usize,
    /// Inferred sessions (and their traces) from idle-gap grouping.
    pub time_sessions: usize,
    pub time_traces: usize,
    /// Sessions cut into working sessions by `split_idle`.
    pub split_sessions: usize,
    pub refused: Vec<Refusal>,
    /// Time spent gathering the scan's fingerprints (the hashing itself is in the index
    /// time), and in all.
    pub fingerprinting: Duration,
    pub elapsed: Duration,
}

/// What [`run`] found on the way that the steps after it need too.
#[derive(Default)]
pub struct Found {
    /// Per trace, its earliest fingerprinted LLM call (an index into the index's prints, or
    /// `NONE`), which the turns need (`conversation::roles`).
    pub first_calls: Option<Vec<u32>>,
    /// Every trace, earliest first (`model::build::traces_by_start`), which the grouping into
    /// sessions needs.
    pub by_start: Option<Vec<u32>>,
}

/// Runs the inference the options ask for; see the module docs. With inference by history,
/// also gives what it [`Found`] on the way.
pub fn run(model: &mut Model, options: Options) -> (Report, Found) {
    let t0 = Instant::now();
    let mut report = Report {
        options,
        ..Report::default()
    };
    let mut found = Found::default();
    if options.history {
        let calls = history::calls(model);
        report.fingerprinting = t0.elapsed();
        report.calls = calls.len();
        let mut links = history::link(model, &calls, &mut report);
        side::attach(model, &calls, &mut links, options.idle_gap_ns, &mut report);
        for (trace, started) in subagent::attach(model, &calls, &mut links, &mut report) {
            model.subagent_of.insert(trace, started);
        }
        let (links, by_start) = history::assign(model, &calls, links, &mut report);
        found.by_start = Some(by_start);
        found.first_calls = Some(links.into_first_prints(model, &calls));
    }
    if options.by_time {
        time::group(model, options.idle_gap_ns, &mut report);
    }
    if options.split_idle {
        time::split_idle(model, options.idle_gap_ns, &mut report);
    }
    report.elapsed = t0.elapsed();
    (report, found)
}

/// The first calls [`run`] gives (inference by history), found again on a built model.
#[cfg(test)]
pub(crate) fn first_calls_of(model: &Model) -> Vec<u32> {
    let calls = history::calls(model);
    let mut report = Report::default();
    history::link(model, &calls, &mut report).into_first_prints(model, &calls)
}

/// The fixtures whose calls inference links, loaded with inference on: two Claude Code
/// exports through LiteLLM (with side requests) and an Agents SDK export (without).
#[cfg(test)]
pub(crate) fn linked_fixtures() -> Vec<(&'static str, Model)> {
    [
        "fixtures/claude_code/litellm_phoenix.jsonl",
        "fixtures/claude_code/litellm_otel.jsonl",
        "fixtures/agents/agents_df.jsonl",
    ]
    .into_iter()
    .map(|file| {
        let model = crate::load::load(
            &[std::path::PathBuf::from(file)],
            Options::default(),
            &crate::index::progress::Progress::default(),
        )
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        (file, model)
    })
    .collect()
}

#[cfg(test)]
mod tests;
