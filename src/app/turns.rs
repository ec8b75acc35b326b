//! The turns view: the session as the person lived it. Each turn is what they typed, then
//! every LLM call it caused (with the assistant's text for that step) and the tools each call
//! ran (key argument and result), sub-agents indented under the tool that started them, then
//! the answer; idle gaps between turns; side requests apart at the end.
//!
//! The layout comes from [`Conversation`] (index only); texts are read for the turns on screen
//! ([`Reader`]), and a turn's rows are laid out again once its texts are in, since tools known
//! only from the history appear then.

use super::action::Action;
use super::jump::{self, Jump};
use super::sessions::{follow, moved};
use crate::model::conversation::read::{Reader, StepText, SubAgentText, TurnText};
use crate::model::conversation::{Conversation, Step, SubAgent, step_span};
use crate::model::{Model, NONE};
use std::collections::{HashMap, HashSet};

/// Turns further apart than this get a separator.
pub const IDLE_GAP_NS: i64 = crate::transcript::IDLE_GAP_NS;

/// One row of the turns view. Steps are numbered in [`TurnsView::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Row {
    /// An idle gap before a turn, in nanoseconds.
    Gap(i64),
    /// Turn `k`'s heading (0-based).
    Turn(u32),
    /// What the person typed.
    Input(u32),
    /// A step: an LLM call (and its text).
    Call(u32),
    /// Tool `k` of a step.
    Tool(u32, u16),
    /// The sub-agent tool `k` of a step started: its heading, and its answer.
    SubAgent(u32, u16),
    SubAnswer(u32, u16),
    /// The turn's answer.
    Answer(u32),
    /// An evaluation of a turn: index into `Model::evals`.
    Eval {
        turn: u32,
        eval: u32,
    },
    SideHeading,
    /// A side request's trace.
    Side(u32),
}

/// Where a step is: its turn, and the path to it through sub-agents (step, tool) from the
/// turn's steps, then its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub turn: u32,
    pub path: Vec<(u16, u16)>,
    pub step: u16,
}

impl Node {
    pub fn depth(&self) -> usize {
        self.path.len()
    }
}

#[derive(Default)]
pub struct TurnsView {
    pub conversation: Conversation,
    pub nodes: Vec<Node>,
    pub rows: Vec<Row>,
    pub selected: usize,
    pub offset: usize,
    /// Rows shown in full (inputs, answers, a step's text, a tool's output).
    pub unfolded: HashSet<Row>,
    /// Texts of the turns read so far.
    pub texts: HashMap<u32, TurnText>,
    /// What the side requests on screen asked, by trace.
    pub side_texts: HashMap<u32, Option<String>>,
    /// The turns and side requests a filter keeps (`None`: all).
    pub kept: Option<Kept>,
}

/// What a filter keeps of a session's turns view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    pub turns: HashSet<u32>,
    pub side: HashSet<u32>,
}

/// The traces of steps and their sub-agents, at most [`MAX_DEPTH`] sub-agents deep.
fn step_traces(steps: &[Step], depth: usize, out: &mut Vec<u32>) {
    const MAX_DEPTH: usize = 16;
    for step in steps {
        out.push(step.trace);
        for tool in &step.tools {
            if let Some(sub) = tool.subagent.as_deref()
                && depth < MAX_DEPTH
            {
                out.extend(&sub.traces);
                step_traces(&sub.steps, depth + 1, out);
            }
        }
    }
}

/// Steps at `path` from a turn's steps.
fn steps_at<'c>(turn_steps: &'c [Step], path: &[(u16, u16)]) -> Option<&'c [Step]> {
    let mut steps = turn_steps;
    for &(s, t) in path {
        let sub: &SubAgent = steps
            .get(usize::from(s))?
            .tools
            .get(usize::from(t))?
            .subagent
            .as_deref()?;
        steps = &sub.steps;
    }
    Some(steps)
}

/// Step texts at `path` from a turn's step texts.
fn texts_at<'t>(turn_texts: &'t [StepText], path: &[(u16, u16)]) -> Option<&'t [StepText]> {
    let mut texts = turn_texts;
    for &(s, t) in path {
        let sub: &SubAgentText = texts
            .get(usize::from(s))?
            .subagents
            .iter()
            .find(|(k, _)| *k == usize::from(t))
            .map(|(_, x)| x)?;
        texts = &sub.steps;
    }
    Some(texts)
}

fn small(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl TurnsView {
    pub fn new(model: &Model, session: Option<u32>) -> TurnsView {
        let conversation = Conversation::build(model, session);
        let mut v = TurnsView {
            conversation,
            ..TurnsView::default()
        };
        v.layout(model);
        v.selected = v
            .rows
            .iter()
            .position(|r| matches!(r, Row::Input(_)))
            .unwrap_or(0);
        v
    }

    /// The step a node stands for.
    pub fn step(&self, node: u32) -> Option<&Step> {
        let n = self.nodes.get(node as usize)?;
        let turn = self.conversation.turns.get(n.turn as usize)?;
        steps_at(&turn.steps, &n.path)?.get(usize::from(n.step))
    }

    /// A node's texts, once its turn's are read.
    pub fn step_text(&self, node: u32) -> Option<&StepText> {
        let n = self.nodes.get(node as usize)?;
        let t = self.texts.get(&n.turn)?;
        texts_at(&t.steps, &n.path)?.get(usize::from(n.step))
    }

    /// The sub-agent texts of tool `k` of a node.
    pub fn subagent_text(&self, node: u32, k: u16) -> Option<&SubAgentText> {
        self.step_text(node)?
            .subagents
            .iter()
            .find(|(i, _)| *i == usize::from(k))
            .map(|(_, s)| s)
    }

    /// Lays the rows out again from the conversation and the texts read so far, keeping the
    /// selection on the same row.
    fn layout(&mut self, model: &Model) {
        let keep = self.rows.get(self.selected).copied();
        self.nodes.clear();
        let mut rows = Vec::new();
        let mut prev_end: Option<i64> = None;
        let turns = std::mem::take(&mut self.conversation.turns);
        let all_texts = std::mem::take(&mut self.texts);
        for (k, turn) in turns.iter().enumerate() {
            if self
                .kept
                .as_ref()
                .is_some_and(|kept| !kept.turns.contains(&index(k)))
            {
                continue;
            }
            if let Some(end) = prev_end {
                let gap = turn.start - end;
                if gap >= IDLE_GAP_NS {
                    rows.push(Row::Gap(gap));
                }
            }
            prev_end = Some(prev_end.unwrap_or(0).max(turn.end));
            let kk = index(k);
            rows.push(Row::Turn(kk));
            rows.push(Row::Input(kk));
            let texts = all_texts.get(&kk).map(|t| t.steps.as_slice());
            self.lay_steps(&mut rows, kk, &turn.steps, texts, &mut Vec::new());
            rows.push(Row::Answer(kk));
            for &t in &turn.traces {
                let first = model.first_eval(t);
                for (i, e) in model.trace_evals(t).iter().enumerate() {
                    if e.eval.session.is_none() {
                        rows.push(Row::Eval {
                            turn: kk,
                            eval: first + index(i),
                        });
                    }
                }
            }
        }
        self.conversation.turns = turns;
        self.texts = all_texts;
        let kept = self.kept.as_ref();
        let side: Vec<u32> = self
            .conversation
            .side
            .iter()
            .copied()
            .filter(|t| kept.is_none_or(|k| k.side.contains(t)))
            .collect();
        if !side.is_empty() {
            rows.push(Row::SideHeading);
            rows.extend(side.into_iter().map(Row::Side));
        }
        self.rows = rows;
        if let Some(row) = keep
            && let Some(i) = self.rows.iter().position(|r| *r == row)
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    fn lay_steps(
        &mut self,
        rows: &mut Vec<Row>,
        turn: u32,
        steps: &[Step],
        texts: Option<&[StepText]>,
        path: &mut Vec<(u16, u16)>,
    ) {
        for (j, step) in steps.iter().enumerate() {
            let node = index(self.nodes.len());
            self.nodes.push(Node {
                turn,
                path: path.clone(),
                step: small(j),
            });
            let text = texts.and_then(|t| t.get(j));
            if step.llm.is_some() {
                rows.push(Row::Call(node));
            }
            // Tools: as read (history included), else as the layout knows them.
            let n = text.map_or(step.tools.len(), |t| t.tools.len().max(step.tools.len()));
            for k in 0..n {
                rows.push(Row::Tool(node, small(k)));
                let skeleton = text
                    .and_then(|t| t.tools.get(k))
                    .map_or(Some(k), |t| t.skeleton);
                let sub = skeleton
                    .and_then(|s| step.tools.get(s))
                    .and_then(|t| t.subagent.as_deref());
                if let Some(sub) = sub {
                    rows.push(Row::SubAgent(node, small(k)));
                    let sub_texts = skeleton.and_then(|s| {
                        text?
                            .subagents
                            .iter()
                            .find(|(i, _)| *i == s)
                            .map(|(_, x)| x.steps.as_slice())
                    });
                    path.push((small(j), small(skeleton.unwrap_or(k))));
                    self.lay_steps(rows, turn, &sub.steps, sub_texts, path);
                    path.pop();
                    rows.push(Row::SubAnswer(node, small(k)));
                }
            }
        }
    }

    /// Reads the texts of the turns in `offset..offset + height` (as the screen reads them),
    /// and lays the rows out again when that brought new ones.
    ///
    /// The files are looked at before texts are read and after (`Index::fresh`): texts read
    /// from a file that changed meanwhile are dropped, and rows without their text say why.
    pub fn fill(&mut self, model: &Model, offset: usize, height: usize) {
        let end = (offset + height + 1).min(self.rows.len());
        let reader = Reader::new(model, true);
        let sides: Vec<u32> = self.rows[offset.min(end)..end]
            .iter()
            .filter_map(|r| match *r {
                Row::Side(t) if !self.side_texts.contains_key(&t) => Some(t),
                _ => None,
            })
            .collect();
        if !sides.is_empty() && model.index.fresh() {
            let read: Vec<(u32, Option<String>)> = sides
                .into_iter()
                .map(|t| (t, reader.side_input(t)))
                .collect();
            if model.index.fresh() {
                self.side_texts.extend(read);
            }
        }
        for _ in 0..4 {
            let end = (offset + height + 1).min(self.rows.len());
            let mut want: Vec<u32> = self.rows[offset.min(end)..end]
                .iter()
                .filter_map(|r| self.turn_of(r))
                .filter(|k| !self.texts.contains_key(k))
                .collect();
            want.sort_unstable();
            want.dedup();
            if want.is_empty() || !model.index.fresh() {
                return;
            }
            let reader = Reader::new(model, true);
            let read: Vec<(u32, TurnText)> = want
                .into_iter()
                .map(|k| (k, reader.turn(&self.conversation, k as usize)))
                .collect();
            if !model.index.fresh() {
                return;
            }
            self.texts.extend(read);
            self.layout(model);
        }
    }

    /// The turn a row belongs to.
    pub fn turn_of(&self, row: &Row) -> Option<u32> {
        match *row {
            Row::Turn(k) | Row::Input(k) | Row::Answer(k) | Row::Eval { turn: k, .. } => Some(k),
            Row::Call(n) | Row::Tool(n, _) | Row::SubAgent(n, _) | Row::SubAnswer(n, _) => {
                self.nodes.get(n as usize).map(|x| x.turn)
            }
            Row::Gap(_) | Row::SideHeading | Row::Side(_) => None,
        }
    }

    /// The skeleton tool of row `Tool(node, k)` (with its span and sub-agent), if it has one.
    pub fn tool(&self, node: u32, k: u16) -> Option<&crate::model::conversation::Tool> {
        let step = self.step(node)?;
        let skeleton = match self
            .step_text(node)
            .and_then(|t| t.tools.get(usize::from(k)))
        {
            Some(t) => t.skeleton?,
            None => usize::from(k),
        };
        step.tools.get(skeleton)
    }

    /// The span a row stands for: a call, a tool, an evaluated span, or a trace's root.
    pub fn span_of(&self, model: &Model, row: &Row) -> Option<u32> {
        let root = |t: u32| Some(model.trace_root(t)).filter(|&r| r != NONE);
        let turn_root = |k: u32| {
            self.conversation
                .turns
                .get(k as usize)
                .and_then(|t| t.traces.first())
                .and_then(|&t| root(t))
        };
        match *row {
            Row::Gap(_) | Row::SideHeading => None,
            Row::Call(n) => self.step(n).and_then(step_span),
            Row::Tool(n, k) => self
                .tool(n, k)
                .and_then(|t| t.span)
                .or_else(|| self.step(n).and_then(step_span)),
            Row::SubAgent(n, k) | Row::SubAnswer(n, k) => {
                let sub = self.tool(n, k).and_then(|t| t.subagent.as_deref())?;
                sub.agent
                    .or_else(|| sub.traces.first().and_then(|&t| root(t)))
            }
            Row::Eval { turn, eval } => match model.evals.get(eval as usize) {
                Some(e) if e.span != NONE => Some(e.span),
                Some(e) => root(e.trace).or_else(|| turn_root(turn)),
                None => turn_root(turn),
            },
            Row::Turn(k) | Row::Input(k) | Row::Answer(k) => turn_root(k),
            Row::Side(t) => root(t),
        }
    }

    pub fn selected_span(&self, model: &Model) -> Option<u32> {
        self.rows
            .get(self.selected)
            .and_then(|r| self.span_of(model, r))
    }

    /// Whether a row shows a failure.
    pub fn is_error(&self, model: &Model, row: &Row) -> bool {
        match *row {
            Row::Call(n) => self
                .step(n)
                .and_then(|s| s.llm)
                .is_some_and(|s| model.is_error(s)),
            Row::Tool(n, k) => {
                self.tool(n, k)
                    .and_then(|t| t.span)
                    .is_some_and(|s| model.is_error(s))
                    || self
                        .step_text(n)
                        .and_then(|t| t.tools.get(usize::from(k)))
                        .is_some_and(|t| t.error.is_some())
            }
            Row::Turn(k) => self.conversation.turns.get(k as usize).is_some_and(|t| {
                t.traces.iter().any(|&tr| {
                    let r = model.trace_root(tr);
                    r != NONE && model.is_error(r)
                })
            }),
            Row::Eval { eval, .. } => model
                .evals
                .get(eval as usize)
                .is_some_and(|e| e.eval.scorer_error.is_some()),
            _ => false,
        }
    }

    /// Moves to `i`, skipping gap and heading rows in the direction of travel.
    fn select(&mut self, i: usize, down: bool) {
        let mut i = i.min(self.rows.len().saturating_sub(1));
        while matches!(self.rows.get(i), Some(Row::Gap(_) | Row::SideHeading)) {
            match (down, i) {
                (true, _) if i + 1 < self.rows.len() => i += 1,
                (false, 1..) => i -= 1,
                _ => break,
            }
        }
        self.selected = i;
    }

    /// Applies an action; returns (opened a span, asked to leave).
    pub fn update(&mut self, model: &Model, action: Action, page: usize) -> (bool, bool) {
        if let Some(i) = moved(self.selected, self.rows.len(), action, page) {
            let down = i >= self.selected;
            self.select(i, down);
        } else {
            match action {
                Action::Back | Action::Cancel => return (false, true),
                Action::Open | Action::Accept => {
                    return (self.selected_span(model).is_some(), false);
                }
                Action::Toggle => {
                    if let Some(
                        row @ (Row::Input(_)
                        | Row::Answer(_)
                        | Row::Call(_)
                        | Row::Tool(..)
                        | Row::SubAgent(..)
                        | Row::SubAnswer(..)
                        | Row::Side(_)),
                    ) = self.rows.get(self.selected).copied()
                        && !self.unfolded.remove(&row)
                    {
                        self.unfolded.insert(row);
                    }
                }
                Action::Click(_, row) => {
                    let i = self.offset + usize::from(row);
                    if i < self.rows.len() {
                        if i == self.selected {
                            return (self.selected_span(model).is_some(), false);
                        }
                        self.select(i, true);
                    }
                }
                _ => {}
            }
        }
        self.offset = follow(self.offset, self.selected, page);
        self.fill(model, self.offset, page);
        self.offset = follow(self.offset, self.selected, page);
        (false, false)
    }

    /// Keeps only the turns (and side requests) one of whose spans `keep` holds for — their
    /// own traces and their sub-agents' — or all of them for `None`. Returns how many turns
    /// are kept.
    pub fn set_kept(&mut self, model: &Model, keep: Option<&dyn Fn(u32) -> bool>) -> usize {
        self.kept = keep.map(|keep| {
            let trace_holds = |t: u32| model.trace_spans(t).iter().any(|&s| keep(s));
            let mut kept = Kept::default();
            for (k, turn) in self.conversation.turns.iter().enumerate() {
                let mut traces = turn.traces.clone();
                step_traces(&turn.steps, 0, &mut traces);
                traces.sort_unstable();
                traces.dedup();
                if traces.into_iter().any(trace_holds) {
                    kept.turns.insert(index(k));
                }
            }
            kept.side = self
                .conversation
                .side
                .iter()
                .copied()
                .filter(|&t| trace_holds(t))
                .collect();
            kept
        });
        self.layout(model);
        self.select(self.selected, true);
        self.kept
            .as_ref()
            .map_or(self.conversation.turns.len(), |k| k.turns.len())
    }

    /// Selects the next (or previous) error row, or turn heading, wrapping round.
    pub fn jump(&mut self, model: &Model, errors: bool, forward: bool, page: usize) -> Jump {
        let rows = &self.rows;
        let j = jump::find(rows.len(), self.selected, forward, |i| {
            if errors {
                self.is_error(model, &rows[i])
            } else {
                matches!(rows[i], Row::Turn(_))
            }
        });
        if let Some(i) = j.index() {
            self.selected = i;
            self.offset = follow(self.offset, self.selected, page);
            self.fill(model, self.offset, page);
            self.offset = follow(self.offset, self.selected, page);
        }
        j
    }

    /// Whether a row stands for `span` itself (a call or a tool).
    pub fn shows(&self, model: &Model, row: &Row, span: u32) -> bool {
        matches!(row, Row::Call(_) | Row::Tool(..)) && self.span_of(model, row) == Some(span)
    }

    /// Selects the row of `span` (its call or tool row, else its turn's input row).
    pub fn reveal(&mut self, model: &Model, span: u32, page: usize) {
        let trace = model.span(span).trace;
        // The turn is read first: its tools may come from the history.
        if let Some(k) = self
            .conversation
            .turns
            .iter()
            .position(|t| t.traces.contains(&trace))
            && let Some(i) = self.rows.iter().position(|r| *r == Row::Turn(index(k)))
        {
            self.fill(model, i, page);
        }
        let found = self
            .rows
            .iter()
            .position(|r| self.shows(model, r, span))
            .or_else(|| {
                let k = self
                    .conversation
                    .turns
                    .iter()
                    .position(|t| t.traces.contains(&trace))?;
                self.rows.iter().position(|r| *r == Row::Input(index(k)))
            });
        if let Some(i) = found {
            self.selected = i;
            self.offset = follow(self.offset, i, page);
            self.fill(model, self.offset, page);
        }
    }
}
