//! What a turn says, read from its spans' bytes: the person's text, each step's text and
//! failure, each tool's key argument and result, and the answer.
//!
//! A tool's argument and result come from its span when the export has one; else from the
//! history the next LLM call sends: the assistant message that asked for the tools (ids, names,
//! arguments) and the tool results after it (matched by tool-call id). Each span is read once
//! per turn, and of a history only its last messages are parsed.

use super::messages::{self, Msg, Role, Side};
use super::text::readable;
use super::tools;
use super::{Conversation, Step, SubAgent, Turn};
use crate::model::detail::SpanDetail;
use crate::model::{Model, NONE};
use serde_json::Value;

/// A turn's texts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TurnText {
    /// What the person typed (client reminders left out).
    pub input: Option<String>,
    /// The turn's last assistant text.
    pub answer: Option<String>,
    /// Parallel to the turn's steps.
    pub steps: Vec<StepText>,
}

/// A step's texts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepText {
    /// The assistant's text at this step.
    pub text: Option<String>,
    /// Why the call failed, if it did.
    pub error: Option<String>,
    pub tools: Vec<ToolText>,
    /// Sub-agents' texts, by the index of their tool in `tools`.
    pub subagents: Vec<(usize, SubAgentText)>,
}

/// A tool call's texts. `skeleton` is its index among the step's tools when the conversation
/// has it (a span, a sub-agent); tools known only from the history have none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolText {
    pub skeleton: Option<usize>,
    pub name: String,
    pub id: Option<String>,
    pub argument: Option<String>,
    /// The result in one line, and whole.
    pub result: Option<String>,
    pub output: Option<String>,
    pub error: Option<String>,
}

/// A sub-agent's texts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubAgentText {
    pub input: Option<String>,
    pub answer: Option<String>,
    pub steps: Vec<StepText>,
}

/// Reads spans whole (headless) or as a screen shows them (strings past a megabyte in part).
#[derive(Clone, Copy)]
pub struct Reader<'m> {
    pub model: &'m Model,
    pub shown: bool,
}

/// Sub-agents' texts are read this deep.
const MAX_DEPTH: usize = 8;

/// Messages of a history's end read to find a step's tool calls and their results.
const HISTORY_TAIL: usize = 24;

impl<'m> Reader<'m> {
    pub fn new(model: &'m Model, shown: bool) -> Self {
        Reader { model, shown }
    }

    fn detail(&self, span: u32) -> SpanDetail {
        if self.shown {
            SpanDetail::load_shown(self.model, span)
        } else {
            SpanDetail::load(self.model, span)
        }
    }

    /// The texts of turn `k` of `c`.
    pub fn turn(&self, c: &Conversation, k: usize) -> TurnText {
        let Some(turn) = c.turns.get(k) else {
            return TurnText::default();
        };
        // The call after the turn's last one: its history holds the turn's last tool results.
        let after = c
            .turns
            .get(k + 1)
            .and_then(|n| n.steps.iter().find_map(|s| s.llm));
        let steps = self.steps(&turn.steps, after, 0);
        let input = self.input(turn);
        let answer = self
            .root_text(turn.traces.last().copied(), Side::Output)
            .or_else(|| steps.iter().rev().find_map(|s| s.text.clone()))
            .or_else(|| {
                let last = *turn.traces.last()?;
                self.mlflow_trace_text(last, Side::Output)
            })
            // A turn handed on (an Agents SDK handoff) is answered by the agent it went to.
            .or_else(|| {
                steps
                    .iter()
                    .rev()
                    .flat_map(|s| s.subagents.iter().rev())
                    .find_map(|(_, a)| a.answer.clone())
            });
        TurnText {
            input,
            answer,
            steps,
        }
    }

    /// What the person typed first in session `s` (sub-agents left out; side requests only
    /// when there is nothing else).
    pub fn first_input(&self, s: u32) -> Option<String> {
        let traces = self.model.session_traces(s);
        let side = |t: &u32| self.model.trace(*t).side();
        let nested = |t: &u32| self.model.subagent_of.contains_key(t);
        traces
            .iter()
            .filter(|t| !side(t) && !nested(t))
            .chain(traces.iter().filter(|t| side(t)))
            .find_map(|&t| self.trace_text(t, Side::Input))
    }

    /// What a session list shows of session `s`: its title and its first input (`title ·
    /// first input`), or whichever it has.
    pub fn headline(&self, s: u32) -> Option<String> {
        let input = self.first_input(s);
        match (self.model.title(s), input) {
            (Some(t), Some(i)) => Some(format!("{t} · {i}")),
            (Some(t), None) => Some(t.to_owned()),
            (None, i) => i,
        }
    }

    /// The last answer of session `s` (side requests and sub-agents left out).
    pub fn last_answer(&self, s: u32) -> Option<String> {
        self.model
            .session_traces(s)
            .iter()
            .rev()
            .filter(|&&t| !self.model.trace(t).side() && !self.model.subagent_of.contains_key(&t))
            .find_map(|&t| self.trace_text(t, Side::Output))
    }

    /// One side of a trace: its root's input / output, else what its first LLM call was sent
    /// by a person / its last call answered, else MLflow's trace inputs / outputs.
    pub fn trace_text(&self, t: u32, side: Side) -> Option<String> {
        if let Some(x) = self.root_text(Some(t), side) {
            return Some(x);
        }
        let calls = self
            .model
            .trace_spans(t)
            .iter()
            .copied()
            .filter(|&s| super::roles::is_call(self.model, s));
        let found = match side {
            Side::Input => calls.clone().next().and_then(|c| self.newest_human(c)),
            Side::Output => calls.clone().next_back().and_then(|c| {
                let bytes = self.model.index.span_bytes(c);
                messages::read(bytes, Side::Output, 0)
                    .1
                    .into_iter()
                    .find(|m| !m.text.trim().is_empty())
                    .map(|m| m.text)
            }),
        };
        found.or_else(|| self.mlflow_trace_text(t, side))
    }

    /// MLflow's `mlflow.traceInputs` / `mlflow.traceOutputs` of a trace, if its info was kept.
    fn mlflow_trace_text(&self, t: u32, side: Side) -> Option<String> {
        let (loc, len) = self.model.index.meta(t).info?;
        let bytes = self.model.index.bytes_at(loc, len);
        let v: Value = serde_json::from_slice(&crate::json::lenient(bytes)).ok()?;
        let key = match side {
            Side::Input => "mlflow.traceInputs",
            Side::Output => "mlflow.traceOutputs",
        };
        let meta = v
            .get("trace_metadata")
            .or_else(|| v.get("request_metadata"))?;
        let text = readable(meta.get(key)?.as_str()?, side == Side::Input);
        (!text.trim().is_empty()).then_some(text)
    }

    /// The input of a side request's trace.
    pub fn side_input(&self, t: u32) -> Option<String> {
        self.root_text(Some(t), Side::Input).or_else(|| {
            let llm = self
                .model
                .trace_spans(t)
                .iter()
                .copied()
                .find(|&s| super::roles::is_call(self.model, s))?;
            let (_, msgs) = self.history_tail(llm, 1);
            msgs.last().map(Msg::typed_text).filter(|t| !t.is_empty())
        })
    }

    /// What the person typed: the first trace's root input, else the first call's newest
    /// person's message, else MLflow's trace inputs.
    fn input(&self, turn: &Turn) -> Option<String> {
        let first = *turn.traces.first()?;
        if let Some(t) = self.root_text(Some(first), Side::Input) {
            return Some(t);
        }
        turn.steps
            .iter()
            .find_map(|s| s.llm)
            .and_then(|llm| self.newest_human(llm))
            .or_else(|| self.mlflow_trace_text(first, Side::Input))
    }

    /// A trace's root `input.value` / `output.value` (MLflow's span inputs / outputs), as text.
    fn root_text(&self, trace: Option<u32>, side: Side) -> Option<String> {
        let root = self.model.trace_root(trace?);
        if root == NONE {
            return None;
        }
        let keys = match side {
            Side::Input => ["input.value", "mlflow.spanInputs"],
            Side::Output => ["output.value", "mlflow.spanOutputs"],
        };
        // Only those keys are read: a root that is an LLM call carries its whole history.
        let raw = crate::model::detail::first_text(self.model, root, &keys, self.shown)?;
        let raw = raw.as_str();
        let t = messages::without_reminders(&readable(raw, side == Side::Input));
        (!t.trim().is_empty()).then_some(t)
    }

    /// The typed text of call `llm`'s newest input message, if a person wrote it.
    fn newest_human(&self, llm: u32) -> Option<String> {
        let (_, msgs) = self.history_tail(llm, 1);
        msgs.last()
            .filter(|m| m.is_human())
            .map(Msg::typed_text)
            .filter(|t| !t.is_empty())
    }

    /// The last `n` input messages of call `llm`.
    fn history_tail(&self, llm: u32, n: usize) -> (usize, Vec<Msg>) {
        let len = self
            .model
            .index
            .prints
            .of_span(llm)
            .map_or(usize::MAX, |(_, p)| p.len());
        let from = if len == usize::MAX {
            0
        } else {
            len.saturating_sub(n)
        };
        let bytes = self.model.index.span_bytes(llm);
        let (skipped, mut msgs) = messages::read(bytes, Side::Input, from);
        // Without a fingerprint the whole list was read: keep its end.
        if msgs.len() > n {
            msgs.drain(..msgs.len() - n);
        }
        (skipped, msgs)
    }

    /// The texts of `steps`; `after`: the LLM call that follows the last of them.
    fn steps(&self, steps: &[Step], after: Option<u32>, depth: usize) -> Vec<StepText> {
        let calls: Vec<Option<u32>> = steps.iter().map(|s| s.llm).collect();
        steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let next = calls[i + 1..].iter().find_map(|c| *c).or(after);
                self.step(step, next, depth)
            })
            .collect()
    }

    fn step(&self, step: &Step, next: Option<u32>, depth: usize) -> StepText {
        let mut out = StepText::default();
        if let Some(llm) = step.llm {
            let d = self.detail(llm);
            let (_, said) = messages::read(self.model.index.span_bytes(llm), Side::Output, 0);
            out.text = said
                .iter()
                .find(|m| !m.text.trim().is_empty())
                .map(|m| m.text.clone())
                .or_else(|| d.text("output.value").map(|v| readable(v, false)))
                .filter(|t| !t.trim().is_empty());
            if self.model.is_error(llm) {
                out.error = Some(d.failure().summary().unwrap_or_else(|| "failed".into()));
            }
        }
        // What the model asked for and what came back, from the next call's history.
        let (uses, results) = match (step.llm, next) {
            (Some(_), Some(n)) => self.asked_and_answered(n),
            _ => (Vec::new(), Vec::new()),
        };
        let mut used = vec![false; uses.len()];
        for (k, tool) in step.tools.iter().enumerate() {
            let mut t = ToolText {
                skeleton: Some(k),
                name: tool.name.clone(),
                ..ToolText::default()
            };
            // The history's call of the same name, in order.
            if let Some(u) = uses
                .iter()
                .enumerate()
                .find(|(j, u)| !used[*j] && tools::short_name(&u.name) == tool.name)
                .map(|(j, _)| j)
            {
                used[u] = true;
                self.fill_from_history(&mut t, &uses[u], &results);
            }
            if let Some(span) = tool.span {
                self.fill_from_span(&mut t, span);
            }
            if let Some(sub) = &tool.subagent
                && depth < MAX_DEPTH
            {
                out.subagents.push((k, self.subagent(sub, depth + 1)));
            }
            out.tools.push(t);
        }
        for (j, u) in uses.iter().enumerate() {
            if !used[j] {
                let mut t = ToolText {
                    name: tools::short_name(&u.name).to_owned(),
                    ..ToolText::default()
                };
                self.fill_from_history(&mut t, u, &results);
                out.tools.push(t);
            }
        }
        out
    }

    /// The tool calls of the assistant message that call `next` resends last, and the results
    /// it sends back.
    fn asked_and_answered(&self, next: u32) -> (Vec<messages::ToolUse>, Vec<messages::ToolResult>) {
        let (_, msgs) = self.history_tail(next, HISTORY_TAIL);
        let Some(at) = msgs.iter().rposition(|m| m.role == Role::Assistant) else {
            return (Vec::new(), Vec::new());
        };
        let results = msgs[at + 1..]
            .iter()
            .flat_map(|m| m.results.iter().cloned())
            .collect();
        (msgs[at].uses.clone(), results)
    }

    fn fill_from_history(
        &self,
        t: &mut ToolText,
        u: &messages::ToolUse,
        results: &[messages::ToolResult],
    ) {
        t.id = (!u.id.is_empty()).then(|| u.id.clone());
        t.argument = tools::key_argument(&u.name, &u.input);
        if let Some(r) = results.iter().find(|r| !u.id.is_empty() && r.id == u.id) {
            t.output = Some(r.text.clone());
            t.result = tools::one_line_result(&t.name, &r.text, r.error);
            if r.error {
                t.error = t.result.clone().or_else(|| Some("failed".into()));
            }
        }
    }

    fn fill_from_span(&self, t: &mut ToolText, span: u32) {
        let d = self.detail(span);
        if t.argument.is_none() {
            let args = ["input.value", "tool.parameters", "mlflow.spanInputs"]
                .iter()
                .find_map(|k| d.text(k))
                .map(|a| serde_json::from_str(a).unwrap_or_else(|_| Value::String(a.to_owned())));
            t.argument = args.and_then(|a| tools::key_argument(&t.name, &a));
        }
        let failed = self.model.is_error(span);
        // A tool whose result is a span of its own under it (a Claude Code transcript's
        // tool_result line): that span's output.
        let result = self.result_child(span);
        if let Some(out) = ["output.value", "mlflow.spanOutputs"]
            .iter()
            .find_map(|k| d.text(k))
            .or_else(|| result.as_ref().and_then(|r| r.text("output.value")))
        {
            let text = readable(out, false);
            t.result = tools::one_line_result(&t.name, &text, failed);
            t.output = Some(text);
        }
        if failed {
            let why = d.failure().summary().unwrap_or_else(|| "failed".into());
            t.result = Some(why.lines().next().unwrap_or_default().to_owned());
            t.error = Some(why);
        }
    }

    /// The detail of the first child of tool span `span` that has an output, when the tool has
    /// none of its own.
    fn result_child(&self, span: u32) -> Option<SpanDetail> {
        let model = self.model;
        let t = model.span(span).trace;
        if t as usize >= model.traces.len() {
            return None;
        }
        model
            .trace_spans(t)
            .iter()
            .copied()
            .filter(|&c| model.parent(c) == span)
            .map(|c| self.detail(c))
            .find(|d| d.text("output.value").is_some())
    }

    fn subagent(&self, sub: &SubAgent, depth: usize) -> SubAgentText {
        let steps = self.steps(&sub.steps, None, depth);
        let first = sub.traces.first().copied();
        let input = match sub.agent {
            Some(agent) => {
                let d = self.detail(agent);
                d.text("input.value").map(|v| readable(v, true))
            }
            None => self.root_text(first, Side::Input).or_else(|| {
                let llm = sub.steps.iter().find_map(|s| s.llm)?;
                self.newest_human(llm)
            }),
        };
        let answer = match sub.agent {
            Some(agent) => self
                .detail(agent)
                .text("output.value")
                .map(|v| readable(v, false)),
            None => self.root_text(sub.traces.last().copied(), Side::Output),
        }
        .or_else(|| steps.iter().rev().find_map(|s| s.text.clone()));
        SubAgentText {
            input,
            answer,
            steps,
        }
    }
}
