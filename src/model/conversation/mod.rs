//! A session as the person lived it: the turns they typed, each with the LLM calls, tools and
//! sub-agents it caused, in time order.
//!
//! The one definition of a turn, read by the explorer and the headless commands alike:
//! - [`roles`] decides, when the model is built, which traces open a turn and which run as a
//!   sub-agent (counts for the session list, no span read);
//! - [`build`] lays out a session's turns from the index alone (spans, kinds, parents, times):
//!   each turn's steps (an LLM call and the tools it ran) and its sub-agents, nested under the
//!   tool that started them;
//! - [`read`] fills in what needs the spans' bytes (the person's text, each step's text, tool
//!   arguments and results, the answer), for the turns a screen shows, or for all of them.

pub mod earlier;
pub mod messages;
pub mod read;
pub mod roles;
pub mod text;
pub mod tools;

use super::tree;
use super::{Model, NONE};
use crate::hash::Map;
use crate::kind::Kind;
pub use roles::{How, Started};

/// A session's turns, and its side requests apart.
#[derive(Clone, Debug, Default)]
pub struct Conversation {
    pub turns: Vec<Turn>,
    /// Title generation, quota probes: their traces, in time order.
    pub side: Vec<u32>,
}

/// What a person typed and everything it caused.
#[derive(Clone, Debug, Default)]
pub struct Turn {
    /// Its own traces in time order (sub-agents' traces sit under their tools).
    pub traces: Vec<u32>,
    pub steps: Vec<Step>,
    pub start: i64,
    pub end: i64,
}

/// An LLM call and the tools it ran; or tools that ran before any call of their scope.
#[derive(Clone, Debug, Default)]
pub struct Step {
    pub trace: u32,
    pub llm: Option<u32>,
    pub tools: Vec<Tool>,
}

/// A tool call: its span when the export has one; its name (the span's, or the model's
/// request's); a sub-agent when it started one.
#[derive(Clone, Debug, Default)]
pub struct Tool {
    pub span: Option<u32>,
    pub name: String,
    pub subagent: Option<Box<SubAgent>>,
}

/// A sub-agent: traces of its own started by the tool, or an agent span under the tool.
#[derive(Clone, Debug)]
pub struct SubAgent {
    /// Why it is taken to be this tool's: `None` for an agent span under the tool itself.
    pub how: Option<How>,
    pub traces: Vec<u32>,
    /// The agent span, for one in the tool's own trace.
    pub agent: Option<u32>,
    pub steps: Vec<Step>,
}

/// Sub-agents of sub-agents are laid out this deep; deeper ones are left as their tool.
const MAX_NESTING: usize = 8;

impl Conversation {
    /// The conversation of session `s`, or of the unsessioned traces when `None`.
    pub fn build(model: &Model, s: Option<u32>) -> Conversation {
        let traces: &[u32] = match s {
            Some(s) => model.session_traces(s),
            None => &model.unsessioned,
        };
        let mut started: Map<u32, Vec<u32>> = Map::default();
        for &t in traces {
            if let Some(st) = model.subagent_of.get(&t) {
                started.entry(st.span).or_default().push(t);
            }
        }
        let mut c = Conversation::default();
        for &t in traces {
            let tr = model.trace(t);
            if tr.side() {
                c.side.push(t);
                continue;
            }
            if model.subagent_of.contains_key(&t) {
                continue;
            }
            if tr.starts_turn() || c.turns.is_empty() {
                c.turns.push(Turn {
                    start: tr.start,
                    ..Turn::default()
                });
            }
            let Some(turn) = c.turns.last_mut() else {
                continue;
            };
            turn.traces.push(t);
            turn.end = turn.end.max(tr.end);
            if turn.start <= 0 {
                turn.start = tr.start;
            }
            turn.steps.extend(steps_of(model, t, None, &started, 0));
        }
        c
    }

    /// Every tool of every turn, sub-agents' included.
    pub fn tool_count(&self) -> usize {
        self.turns.iter().map(|t| count_tools(&t.steps)).sum()
    }

    /// Sub-agents, in other traces and under tools.
    pub fn subagent_count(&self) -> usize {
        self.turns.iter().map(|t| count_subagents(&t.steps)).sum()
    }

    /// LLM calls of the turns (side requests left out), sub-agents' included.
    pub fn call_count(&self) -> usize {
        self.turns.iter().map(|t| count_calls(&t.steps)).sum()
    }
}

fn nested(steps: &[Step]) -> impl Iterator<Item = &SubAgent> {
    steps
        .iter()
        .flat_map(|s| &s.tools)
        .filter_map(|t| t.subagent.as_deref())
}

fn count_tools(steps: &[Step]) -> usize {
    steps.iter().map(|s| s.tools.len()).sum::<usize>()
        + nested(steps).map(|a| count_tools(&a.steps)).sum::<usize>()
}

fn count_subagents(steps: &[Step]) -> usize {
    nested(steps).map(|a| 1 + count_subagents(&a.steps)).sum()
}

fn count_calls(steps: &[Step]) -> usize {
    steps.iter().filter(|s| s.llm.is_some()).count()
        + nested(steps).map(|a| count_calls(&a.steps)).sum::<usize>()
}

/// A span found while walking a scope.
enum Found {
    Call(u32),
    Tool(Tool),
}

/// The steps of trace `t` (or of the subtree of `scope` in it), time-ordered: each LLM call
/// (not inside another: LiteLLM's `raw_gen_ai_request` is part of its request) with the tools
/// that ran after it, before the next call. A tool's subtree is the tool's; an agent span
/// under a tool is that tool's sub-agent, and traces started by a span are its sub-agent.
fn steps_of(
    model: &Model,
    t: u32,
    scope: Option<u32>,
    started: &Map<u32, Vec<u32>>,
    depth: usize,
) -> Vec<Step> {
    let rows = tree::flatten(model, t);
    let (lo, hi) = match scope {
        None => (0, rows.len()),
        Some(span) => match rows.iter().position(|r| r.span == span) {
            Some(i) => (i + 1, rows[i].end as usize),
            None => (0, 0),
        },
    };
    let mut found: Vec<(i64, Found)> = Vec::new();
    let mut i = lo;
    while i < hi.min(rows.len()) {
        let row = rows[i];
        let s = row.span;
        let rec = model.span(s);
        match rec.kind() {
            Kind::Tool => {
                let agent = rows
                    .get(i + 1..row.end as usize)
                    .unwrap_or_default()
                    .iter()
                    .find(|r| {
                        r.parent_row as usize == i && model.span(r.span).kind() == Kind::Agent
                    })
                    .map(|r| r.span);
                let mut tool = Tool {
                    span: Some(s),
                    name: tools::short_name(model.name(s)).to_owned(),
                    subagent: None,
                };
                if depth < MAX_NESTING {
                    tool.subagent = match (started.get(&s), agent) {
                        (Some(traces), _) => Some(subagent(model, traces, started, depth)),
                        (None, Some(a)) => Some(Box::new(SubAgent {
                            how: None,
                            traces: vec![t],
                            agent: Some(a),
                            steps: steps_of(model, t, Some(a), started, depth + 1),
                        })),
                        (None, None) => None,
                    };
                }
                found.push((rec.start(), Found::Tool(tool)));
                i = (row.end as usize).max(i + 1);
                continue;
            }
            Kind::Llm if roles::is_call(model, s) => {
                found.push((rec.start(), Found::Call(s)));
                // A Task whose sub-agent no tool span holds: the call that asked for it.
                if let Some(traces) = started.get(&s).filter(|_| depth < MAX_NESTING) {
                    let end = model.index.end(rec).max(rec.start());
                    found.push((
                        end,
                        Found::Tool(Tool {
                            span: None,
                            name: "Task".to_owned(),
                            subagent: Some(subagent(model, traces, started, depth)),
                        }),
                    ));
                }
            }
            _ => {}
        }
        i += 1;
    }
    found.sort_by_key(|(at, _)| *at);
    let mut steps: Vec<Step> = Vec::new();
    for (_, f) in found {
        match f {
            Found::Call(s) => steps.push(Step {
                trace: t,
                llm: Some(s),
                tools: Vec::new(),
            }),
            Found::Tool(tool) => {
                if steps.is_empty() {
                    steps.push(Step {
                        trace: t,
                        llm: None,
                        tools: Vec::new(),
                    });
                }
                if let Some(last) = steps.last_mut() {
                    last.tools.push(tool);
                }
            }
        }
    }
    steps
}

/// The sub-agent run in `traces` (earliest first).
fn subagent(
    model: &Model,
    traces: &[u32],
    started: &Map<u32, Vec<u32>>,
    depth: usize,
) -> Box<SubAgent> {
    let mut traces = traces.to_vec();
    traces.sort_by_key(|&t| (model.trace(t).start, t));
    let how = traces
        .first()
        .and_then(|t| model.subagent_of.get(t))
        .map(|s| s.how);
    let steps = traces
        .iter()
        .flat_map(|&t| steps_of(model, t, None, started, depth + 1))
        .collect();
    Box::new(SubAgent {
        how,
        traces,
        agent: None,
        steps,
    })
}

/// The span a step stands for on screen: its call, else its first tool's.
pub fn step_span(step: &Step) -> Option<u32> {
    step.llm
        .or_else(|| step.tools.first().and_then(|t| t.span))
        .filter(|&s| s != NONE)
}
