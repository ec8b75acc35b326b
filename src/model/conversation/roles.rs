//! Turns and sub-agents, decided for every trace while the model is built, so that the session
//! list's counts cost no second pass and no span is read for them (but the few that the scan
//! could not judge alone).
//!
//! - A trace opens a turn when a person typed it: its earliest LLM call's newest input message
//!   is a person's (the scan's [`Print::HUMAN`]); a trace without message history is a turn of
//!   its own (an orchestrator's root with `input.value`, an MLflow chat trace); the first trace
//!   of a session always opens one. Side requests and sub-agent traces never do.
//! - A trace with no parent that runs inside a delegating tool or agent span of another trace of
//!   the same session (`delegate_to_X`, `transfer_to_X`, `Task`, `Agent`), and is named for X or
//!   was given that tool's task as its input, is that tool's sub-agent. (Claude Code's `Task`
//!   sub-agents, whose conversations are linked by history, are found by session inference:
//!   `infer::subagent`.) Nothing is guessed across sessions.
//!
//! [`Print::HUMAN`]: crate::format::prints::Print::HUMAN

use super::messages::{self, Side};
use super::tools;
use crate::index::Index;
use crate::index::record::SpanRec;
use crate::kind::Kind;
use crate::model::detail::SpanDetail;
use crate::model::{Model, NONE};
use serde::Serialize;

/// What started a sub-agent trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    /// The delegating tool (or agent) span; for a Claude Code `Task` without a tool span, the
    /// LLM call that asked for it.
    pub span: u32,
    pub how: How,
}

/// How a sub-agent was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Its root is named for the agent the tool delegates to.
    Name,
    /// Its first input is the tool's task.
    Input,
    /// Its conversation opens with the prompt of a `Task` tool call (Claude Code).
    Prompt,
    /// Its root links to the tool span (an OTLP span link).
    Link,
    /// The `Task`'s result names its `agentId` (a Claude Code transcript's sub-agent file).
    AgentId,
}

impl How {
    pub fn words(self) -> &'static str {
        match self {
            How::Name => "named for the delegated agent",
            How::Input => "given the tool's task",
            How::Prompt => "opened with the Task's prompt",
            How::Link => "linked to the tool span",
            How::AgentId => "named by the Task's result",
        }
    }
}

/// Sub-agent traces may start or end this much outside their tool span (clocks of different
/// processes).
const SLACK_NS: i64 = 100_000_000;

/// Marks turns and sub-agents and counts them per session; see the module docs. `per_trace`:
/// the tallies of every trace when the build made them, else [`tallied`] makes them. The
/// traces' first calls must have been judged ([`first_turns`]).
pub fn mark(model: &mut Model, per_trace: Option<PerTrace>) {
    let per = per_trace.unwrap_or_else(|| tallied(model));
    delegations(model, &per);
    // What each trace is, in one pass in trace order (the traces are read and written where
    // they lie); the sessions then read only these bytes. A trace that opens a turn by
    // itself is marked so at once (its first call's verdict is in its `starts_turn` already:
    // see [`first_turns`]); the one a session (or the unsessioned list) opens with
    // whatever its first message is, below.
    let mut what = vec![0u8; model.traces.len()];
    let subagent_of = &model.subagent_of;
    for (t, (tr, w)) in model.traces.iter_mut().zip(&mut what).enumerate() {
        if tr.spans.is_empty() {
            continue;
        }
        let nested =
            !subagent_of.is_empty() && subagent_of.contains_key(&u32::try_from(t).unwrap_or(NONE));
        let opens = tr.starts_turn() && !nested;
        tr.set_starts_turn(opens);
        *w = (u8::from(opens) * OPENS)
            | (u8::from(!tr.side()) * NOT_SIDE)
            | (u8::from(!tr.side() && !nested) * ELIGIBLE);
    }
    let mut forced: Vec<u32> = Vec::new();
    for s in 0..model.sessions.len() {
        let mut first_turn = true;
        let (mut turns, mut n_calls) = (0u32, 0u32);
        for &t in model.session_traces(s as u32) {
            let w = what.get(t as usize).copied().unwrap_or(0);
            let mut o = w & OPENS != 0;
            if w & ELIGIBLE != 0 && first_turn {
                if !o {
                    forced.push(t);
                }
                o = true;
                first_turn = false;
            }
            turns += u32::from(o);
            if w & NOT_SIDE != 0 {
                n_calls += per.calls(t);
            }
        }
        let subagents = if model.subagent_of.is_empty() {
            0
        } else {
            let mut started: Vec<u32> = model
                .session_traces(s as u32)
                .iter()
                .filter_map(|t| model.subagent_of.get(t).map(|st| st.span))
                .collect();
            started.sort_unstable();
            started.dedup();
            started.len()
        };
        let sess = &mut model.sessions[s];
        sess.turns = turns;
        sess.calls = n_calls;
        sess.subagents = u32::try_from(subagents).unwrap_or(u32::MAX);
    }
    // The unsessioned traces open with their first that is not a side request.
    if let Some(&t) = model
        .unsessioned
        .iter()
        .find(|&&t| what.get(t as usize).is_some_and(|w| w & NOT_SIDE != 0))
    {
        forced.push(t);
    }
    for t in forced {
        model.traces[t as usize].set_starts_turn(true);
    }
}

/// Marks as opening a turn every trace (with spans) that is not a side request and whose
/// earliest fingerprinted LLM call's newest input is a person's, or that has none; [`mark`]
/// then unmarks the sub-agents. `first`: per trace, that call when session inference has found
/// them already (it leaves re-exported copies out, which changes nothing: a copy has the
/// bytes, and so the start, of the span it copies, which comes first), else [`first_calls`]
/// finds them. Run before the traces are grouped into sessions, so that the calls (4 bytes a
/// trace) are not held while the sessions are made.
pub fn first_turns(model: &mut Model, first: Option<Vec<u32>>) {
    let first = first.unwrap_or_else(|| first_calls(model));
    let index = &model.index;
    for (t, tr) in model.traces.iter_mut().enumerate() {
        if tr.spans.is_empty() {
            continue;
        }
        let opens = !tr.side()
            && match first.get(t).copied().unwrap_or(NONE) {
                NONE => true,
                p => human(index, p),
            };
        tr.set_starts_turn(opens);
    }
}

/// What [`mark`] notes of a trace: it opens a turn by itself…
const OPENS: u8 = 1;
/// …it is not a side request…
const NOT_SIDE: u8 = 1 << 1;
/// …and neither a side request nor a sub-agent (it may open its session's first turn).
const ELIGIBLE: u8 = 1 << 2;

/// Per trace, its earliest fingerprinted LLM call (an index into the index's prints), or
/// `NONE`.
fn first_calls(model: &Model) -> Vec<u32> {
    let mut first = vec![NONE; model.traces.len()];
    let mut at = vec![i64::MAX; model.traces.len()];
    for (i, (span, _)) in model.index.prints.iter().enumerate() {
        let Some(rec) = model.index.spans.get(span as usize) else {
            continue;
        };
        let t = rec.trace as usize;
        if t < first.len() && (rec.start(), i) < (at[t], first[t] as usize) {
            at[t] = rec.start();
            first[t] = u32::try_from(i).unwrap_or(NONE);
        }
    }
    first
}

/// Whether call `p`'s newest input message is a person's. The scan says so, but for a message
/// that begins with a client's `<system-reminder>`: then its text is read, and only what is not
/// a reminder counts.
fn human(index: &Index, p: u32) -> bool {
    let Some(print) = index.prints.calls.get(p as usize) else {
        return false;
    };
    if !print.human() || !print.reminder() {
        return print.human();
    }
    let newest = print.len().saturating_sub(1);
    let (_, msgs) = messages::read(index.span_bytes(index.prints.span(p)), Side::Input, newest);
    msgs.last()
        .is_some_and(|m| m.is_human() && !m.typed_text().is_empty())
}

/// What [`mark`] needs of every trace, tallied while the traces are built (`model::build`
/// passes over each trace's spans on every core: no pass of its own over the records).
///
/// Held from the trees to the turns, through session inference and the grouping: in one byte
/// a trace (not 5), its calls in the low bits up to [`MANY_CALLS`], which means "in `many`",
/// whether it delegates in the top bit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PerTrace {
    per: Vec<u8>,
    /// (trace, calls) of the traces with [`MANY_CALLS`] or more, ascending by trace.
    many: Vec<(u32, u32)>,
}

/// [`PerTrace`]'s byte's calls meaning "this many or more: see `many`".
const MANY_CALLS: u8 = 0x7f;
/// [`PerTrace`]'s byte's bit for a trace that delegates.
const DELEGATING: u8 = 0x80;

impl PerTrace {
    /// Room for `n` traces.
    pub fn with_capacity(n: usize) -> PerTrace {
        PerTrace {
            per: Vec::with_capacity(n),
            many: Vec::new(),
        }
    }

    /// From each trace's count of LLM calls (LLM spans that are not inside another LLM span:
    /// LiteLLM's `raw_gen_ai_request` is part of its `litellm_request`) and whether it has a
    /// tool or agent span whose name starts a sub-agent.
    pub fn from_counts(calls: &[u32], delegating: &[bool]) -> PerTrace {
        let mut per = PerTrace::with_capacity(calls.len());
        for (t, (&c, &d)) in calls.iter().zip(delegating).enumerate() {
            per.push(u32::try_from(t).unwrap_or(NONE), c, d);
        }
        per
    }

    /// Adds trace `t`'s, which comes after every trace here (and is the next one).
    pub fn push(&mut self, t: u32, calls: u32, delegating: bool) {
        let c = match u8::try_from(calls) {
            Ok(c) if c < MANY_CALLS => c,
            _ => {
                self.many.push((t, calls));
                MANY_CALLS
            }
        };
        self.per.push(c | (u8::from(delegating) * DELEGATING));
    }

    /// Appends `other`'s, whose traces all come after these.
    pub fn append(&mut self, other: PerTrace) {
        if self.per.is_empty() {
            *self = other;
        } else {
            self.per.extend_from_slice(&other.per);
            self.many.extend_from_slice(&other.many);
        }
    }

    /// Trace `t`'s LLM calls.
    pub fn calls(&self, t: u32) -> u32 {
        match self.per.get(t as usize).map(|&b| b & !DELEGATING) {
            None => 0,
            Some(MANY_CALLS) => self
                .many
                .binary_search_by_key(&t, |&(k, _)| k)
                .map_or(0, |at| self.many[at].1),
            Some(c) => u32::from(c),
        }
    }

    /// Whether trace `t` has a tool or agent span whose name starts a sub-agent.
    pub fn delegating(&self, t: u32) -> bool {
        self.per
            .get(t as usize)
            .is_some_and(|&b| b & DELEGATING != 0)
    }
}

/// [`PerTrace`] in one pass over the records in file order (a trace's spans in `Model::order`
/// are its records but the re-exported copies, which are flagged): for a model whose traces
/// were not all built at once (one that grows).
pub fn tallied(model: &Model) -> PerTrace {
    let nt = model.traces.len();
    let (mut calls, mut delegating) = (vec![0u32; nt], vec![false; nt]);
    let mut tally = Tally::default();
    for (i, rec) in model.index.spans.iter().enumerate() {
        let t = rec.trace as usize;
        if t >= nt || rec.has(crate::index::record::flag::DUPLICATE) {
            continue;
        }
        let parent = || model.parent(u32::try_from(i).unwrap_or(NONE));
        tally.span(&model.index, rec, parent, &mut calls[t], &mut delegating[t]);
    }
    PerTrace::from_counts(&calls, &delegating)
}

/// Tallies [`PerTrace`] span by span (a trace's spans, re-exported copies left out), keeping
/// what it judged of each name.
#[derive(Default)]
pub struct Tally {
    /// Per interned name: 0 not judged yet, 1 no, 2 starts a sub-agent.
    verdict: Vec<u8>,
}

impl Tally {
    /// Adds span `rec`, whose parent `parent` gives (`NONE` for none), to its trace's `calls`
    /// and `delegating`. (Called for every span while the traces are built: a name is judged
    /// once.)
    #[inline(always)]
    pub fn span(
        &mut self,
        index: &Index,
        rec: &SpanRec,
        parent: impl FnOnce() -> u32,
        calls: &mut u32,
        delegating: &mut bool,
    ) {
        match rec.kind() {
            Kind::Llm => {
                let parent = parent();
                if parent == NONE
                    || index
                        .spans
                        .get(parent as usize)
                        .is_none_or(|p| p.kind() != Kind::Llm)
                {
                    *calls = calls.saturating_add(1);
                }
            }
            Kind::Tool | Kind::Agent if !*delegating => {
                *delegating = match self.verdict.get(rec.name as usize) {
                    Some(&v) if v != 0 => v == 2,
                    _ => self.judge(index, rec.name),
                };
            }
            _ => {}
        }
    }

    /// Judges name `name` (whether it starts a sub-agent) and keeps the verdict.
    #[inline(never)]
    fn judge(&mut self, index: &Index, name: u32) -> bool {
        let n = name as usize;
        if self.verdict.len() <= n {
            self.verdict.resize(n + 1, 0);
        }
        let starts = tools::starts_subagent(tools::short_name(index.strings.get(name)));
        self.verdict[n] = if starts { 2 } else { 1 };
        starts
    }
}

/// An LLM span that is not part of another LLM span.
pub fn is_call(model: &Model, s: u32) -> bool {
    if model.span(s).kind() != Kind::Llm {
        return false;
    }
    let p = model.parent(s);
    p == NONE || model.span(p).kind() != Kind::Llm
}

/// A span that may start a sub-agent, and the agent it names (lowercase) if it names one.
struct Delegate {
    span: u32,
    trace: u32,
    start: i64,
    end: i64,
    target: Option<String>,
}

/// Finds the sub-agent traces of delegating spans, session by session (reading the spans of
/// the traces [`per_trace`] found `delegating` only).
fn delegations(model: &mut Model, per: &PerTrace) {
    let mut names: crate::hash::Map<u32, Option<Option<String>>> = crate::hash::Map::default();
    let mut found: Vec<(u32, Started)> = Vec::new();
    for s in 0..model.sessions.len() {
        let traces = model.session_traces(s as u32);
        let mut delegates: Vec<Delegate> = Vec::new();
        for &t in traces.iter().filter(|&&t| per.delegating(t)) {
            for &sp in model.trace_spans(t) {
                let rec = model.span(sp);
                if !matches!(rec.kind(), Kind::Tool | Kind::Agent) {
                    continue;
                }
                // The same tool call seen again under itself (a proxy's tool span under a
                // transcript's: `model::claude_code`) delegates nothing of its own.
                let p = model.parent(sp);
                if p != NONE && model.span(p).kind() == Kind::Tool && model.span(p).name == rec.name
                    || p != NONE
                        && model.span(p).kind() == Kind::Tool
                        && tools::short_name(model.name(p)) == tools::short_name(model.name(sp))
                {
                    continue;
                }
                let verdict = names.entry(rec.name).or_insert_with(|| {
                    let name = tools::short_name(model.index.strings.get(rec.name));
                    tools::starts_subagent(name)
                        .then(|| tools::delegate_target(name).map(str::to_ascii_lowercase))
                });
                if let Some(target) = verdict {
                    delegates.push(Delegate {
                        span: sp,
                        trace: t,
                        start: rec.start(),
                        end: model.index.end(rec).max(rec.start()),
                        target: target.clone(),
                    });
                }
            }
        }
        if delegates.is_empty() {
            continue;
        }
        for &t in traces {
            if model.subagent_of.contains_key(&t) {
                continue;
            }
            let tr = model.trace(t);
            let root = model.trace_root(t);
            if root == NONE || tr.start <= 0 {
                continue;
            }
            // A Claude Code sub-agent whose Task's result names it (`agentId`): that Task's,
            // however long after the tool returned it ran.
            if let Some(&task) = model.index.agent_links.get(&root)
                && model.trace(model.span(task).trace).session == model.trace(t).session
            {
                found.push((
                    t,
                    Started {
                        span: task,
                        how: How::AgentId,
                    },
                ));
                continue;
            }
            // The innermost delegation that holds the trace's run.
            let mut inside: Vec<&Delegate> = delegates
                .iter()
                .filter(|d| {
                    d.trace != t && d.start - SLACK_NS <= tr.start && tr.end <= d.end + SLACK_NS
                })
                .collect();
            inside.sort_by_key(|d| std::cmp::Reverse(d.start));
            let root_name = model.name(root).to_ascii_lowercase();
            let by_name = inside.iter().find(|d| {
                d.target
                    .as_deref()
                    .is_some_and(|x| names_agent(&root_name, x))
            });
            let hit = match by_name {
                Some(d) => Some((d.span, How::Name)),
                None => inside
                    .iter()
                    .find(|d| same_task(model, d.span, root))
                    .map(|d| (d.span, How::Input))
                    .or_else(|| {
                        let links = links_of(model.index.span_bytes(root));
                        inside
                            .iter()
                            .find(|d| links.contains(&model.index.span_id_of(model.span(d.span))))
                            .map(|d| (d.span, How::Link))
                    }),
            };
            if let Some((span, how)) = hit {
                found.push((t, Started { span, how }));
            }
        }
    }
    model.subagent_of.extend(found);
}

/// The span ids an OTLP span's `links` point at (lowercase hex).
fn links_of(bytes: &[u8]) -> Vec<String> {
    use crate::json::{Cursor, Scalar, ValueKind};
    let mut out = Vec::new();
    let mut c = Cursor::new(bytes);
    let read = |c: &mut Cursor<'_>, out: &mut Vec<String>| -> Result<(), crate::json::JsonError> {
        c.object_start()?;
        let mut first = true;
        while c.next_key(&mut first)? {
            if c.key().raw != b"links" || c.peek_kind()? != ValueKind::Array {
                c.skip_value()?;
                continue;
            }
            c.array_start()?;
            let mut first_link = true;
            while c.next_item(&mut first_link)? {
                if c.peek_kind()? != ValueKind::Object {
                    c.skip_value()?;
                    continue;
                }
                c.object_start()?;
                let mut first_key = true;
                while c.next_key(&mut first_key)? {
                    if let (b"spanId" | b"span_id", Some(Scalar::Str(s))) =
                        (c.key().raw, c.scalar_or_skip()?)
                        && let Some(crate::ids::Id::Hex64(v)) = crate::ids::normalize(&s.decode())
                    {
                        out.push(crate::ids::hex64(v));
                    }
                }
            }
        }
        Ok(())
    };
    if c.peek_kind().ok() == Some(ValueKind::Object) {
        let _ = read(&mut c, &mut out);
    }
    out
}

/// A root named for agent `x`: `sre_agent` for `sre`, `billing` for `billing_agent`.
fn names_agent(root: &str, x: &str) -> bool {
    let stem = |s: &str| {
        s.trim_end_matches("_agent")
            .trim_end_matches("agent")
            .trim_end_matches(['_', '-', ' '])
            .to_owned()
    };
    let (r, x) = (stem(root), stem(x));
    !x.is_empty() && !r.is_empty() && (r.contains(&x) || x.contains(&r))
}

/// Whether trace root `root` was given the task of tool span `tool` as its input.
fn same_task(model: &Model, tool: u32, root: u32) -> bool {
    let t = SpanDetail::load_shown(model, tool);
    let args = ["input.value", "tool.parameters", "mlflow.spanInputs"]
        .iter()
        .find_map(|k| t.text(k))
        .map(|a| {
            serde_json::from_str(a).unwrap_or_else(|_| serde_json::Value::String(a.to_owned()))
        });
    let Some(task) = args.as_ref().and_then(tools::task_text) else {
        return false;
    };
    let r = SpanDetail::load_shown(model, root);
    let Some(input) = ["input.value", "mlflow.spanInputs"]
        .iter()
        .find_map(|k| r.text(k))
    else {
        return false;
    };
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let input = super::text::readable(input, true);
    !task.trim().is_empty() && norm(&input) == norm(task)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{PerTrace, first_calls, names_agent};

    /// The tallies read back as counted, past what a trace's byte holds too.
    #[test]
    fn per_trace_tallies_read_back() {
        let calls = [0, 1, 126, 127, 128, 255, 256, 70_000, u32::MAX, 3];
        let delegating = [
            false, true, false, true, true, false, true, false, true, false,
        ];
        let all = PerTrace::from_counts(&calls, &delegating);
        let mut parts = PerTrace::default();
        for (lo, hi) in [(0, 4), (4, 7), (7, 10)] {
            let mut part = PerTrace::with_capacity(hi - lo);
            for t in lo..hi {
                part.push(t as u32, calls[t], delegating[t]);
            }
            parts.append(part);
        }
        assert_eq!(parts, all);
        for t in 0..calls.len() {
            assert_eq!(all.calls(t as u32), calls[t], "trace {t}");
            assert_eq!(all.delegating(t as u32), delegating[t], "trace {t}");
        }
        assert_eq!(
            (all.calls(10), all.delegating(10)),
            (0, false),
            "past the end"
        );
    }

    #[test]
    fn inference_finds_the_first_calls_the_turns_would() {
        let files = crate::testing::fixture_exports(&[
            "claude_code",
            "agents",
            "phoenix",
            "otlp",
            "mlflow",
            "multi",
        ]);
        let (mut with_calls, mut copies) = (0, 0);
        for (k, p) in files.iter().enumerate() {
            let bytes = std::fs::read(p).unwrap();
            // As read, and with every line given twice after the file (re-exported copies).
            let mut twice = bytes.clone();
            if k % 2 == 0 && !bytes.starts_with(b"{\n") && !bytes.starts_with(b"[") {
                twice.push(b'\n');
                twice.extend_from_slice(&bytes);
            }
            for text in [bytes, twice] {
                let model = crate::testing::model_of(text).expect("a fixture with spans");
                let found = crate::model::infer::first_calls_of(&model);
                assert_eq!(found, first_calls(&model), "{}", p.display());
                with_calls += usize::from(found.iter().any(|&f| f != crate::model::NONE));
                copies += model.issues.duplicates.len();
            }
        }
        assert!(with_calls > 5 && copies > 100, "{with_calls} {copies}");
    }

    #[test]
    fn roots_named_for_their_agent() {
        assert!(names_agent("sre_agent", "sre"));
        assert!(names_agent("investigator", "investigator_agent"));
        assert!(!names_agent("agent_run", "sre"));
        assert!(!names_agent("agent", "agent"));
    }
}
