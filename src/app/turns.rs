//! The turns view: each trace as a turn (user input, the LLM and tool calls, the answer, its
//! evaluations), chronologically, with idle gaps marked.

use super::action::Action;
use super::sessions::{follow, moved};
use crate::model::{Model, NONE, turns};
use std::collections::{HashMap, HashSet};

/// Turns further apart than this get a separator.
pub const IDLE_GAP_NS: i64 = crate::transcript::IDLE_GAP_NS;

/// One row of the turns view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Row {
    /// An idle gap before a turn, in nanoseconds.
    Gap(i64),
    /// A turn's heading: its number (1-based) and trace.
    Header {
        turn: u32,
        trace: u32,
    },
    Input(u32),
    Call {
        trace: u32,
        span: u32,
    },
    Output(u32),
    /// An evaluation: index into `Model::evals`.
    Eval {
        trace: u32,
        eval: u32,
    },
}

impl Row {
    pub fn trace(&self) -> Option<u32> {
        match *self {
            Row::Gap(_) => None,
            Row::Header { trace, .. } | Row::Input(trace) | Row::Output(trace) => Some(trace),
            Row::Call { trace, .. } | Row::Eval { trace, .. } => Some(trace),
        }
    }
}

/// A turn's texts, read from its spans when first on screen.
#[derive(Clone, Debug, Default)]
pub struct TurnText {
    pub input: Option<String>,
    pub output: Option<String>,
}

#[derive(Default)]
pub struct TurnsView {
    pub rows: Vec<Row>,
    pub selected: usize,
    pub offset: usize,
    /// Input / output rows shown in full.
    pub unfolded: HashSet<Row>,
    pub texts: HashMap<u32, TurnText>,
}

impl TurnsView {
    pub fn new(model: &Model, traces: &[u32]) -> TurnsView {
        let mut rows = Vec::new();
        let mut prev_end: Option<i64> = None;
        for (n, &t) in traces.iter().enumerate() {
            let trace = model.trace(t);
            if let Some(end) = prev_end {
                let gap = trace.start - end;
                if gap >= IDLE_GAP_NS {
                    rows.push(Row::Gap(gap));
                }
            }
            prev_end = Some(prev_end.unwrap_or(0).max(trace.end));
            rows.push(Row::Header {
                turn: u32::try_from(n + 1).unwrap_or(u32::MAX),
                trace: t,
            });
            rows.push(Row::Input(t));
            for c in turns::calls(model, t) {
                rows.push(Row::Call {
                    trace: t,
                    span: c.span,
                });
            }
            rows.push(Row::Output(t));
            let first_eval = model.first_eval(t);
            for (i, e) in model.trace_evals(t).iter().enumerate() {
                if e.eval.session.is_none() {
                    rows.push(Row::Eval {
                        trace: t,
                        eval: first_eval + u32::try_from(i).unwrap_or(0),
                    });
                }
            }
        }
        let selected = rows
            .iter()
            .position(|r| matches!(r, Row::Input(_)))
            .unwrap_or(0);
        TurnsView {
            rows,
            selected,
            ..TurnsView::default()
        }
    }

    /// Reads the texts of the turns in `offset..offset + height`.
    pub fn fill(&mut self, model: &Model, offset: usize, height: usize) {
        let end = (offset + height + 1).min(self.rows.len());
        for row in &self.rows[offset.min(end)..end] {
            if let Some(t) = row.trace() {
                self.texts.entry(t).or_insert_with(|| TurnText {
                    input: turns::input_shown(model, t),
                    output: turns::output_shown(model, t),
                });
            }
        }
    }

    /// The span a row stands for: a call, an evaluated span, or the turn's root.
    pub fn span_of(&self, model: &Model, row: &Row) -> Option<u32> {
        let root = |t: u32| Some(model.trace(t).root).filter(|&r| r != NONE);
        match *row {
            Row::Gap(_) => None,
            Row::Call { span, .. } => Some(span),
            Row::Eval { trace, eval } => match model.evals.get(eval as usize) {
                Some(e) if e.span != NONE => Some(e.span),
                _ => root(trace),
            },
            Row::Header { trace, .. } | Row::Input(trace) | Row::Output(trace) => root(trace),
        }
    }

    pub fn selected_span(&self, model: &Model) -> Option<u32> {
        self.rows
            .get(self.selected)
            .and_then(|r| self.span_of(model, r))
    }

    fn is_error(model: &Model, row: &Row) -> bool {
        match *row {
            Row::Call { span, .. } => model.is_error(span),
            Row::Header { trace, .. } => {
                let root = model.trace(trace).root;
                root != NONE && model.is_error(root)
            }
            Row::Eval { eval, .. } => model
                .evals
                .get(eval as usize)
                .is_some_and(|e| e.eval.scorer_error.is_some()),
            _ => false,
        }
    }

    /// Moves to `i`, skipping gap rows in the direction of travel.
    fn select(&mut self, i: usize, down: bool) {
        let mut i = i.min(self.rows.len().saturating_sub(1));
        while matches!(self.rows.get(i), Some(Row::Gap(_))) {
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
                    if let Some(row @ (Row::Input(_) | Row::Output(_))) =
                        self.rows.get(self.selected).copied()
                        && !self.unfolded.remove(&row)
                    {
                        self.unfolded.insert(row);
                    }
                }
                Action::NextError => {
                    if let Some(i) = (self.selected + 1..self.rows.len())
                        .find(|&i| Self::is_error(model, &self.rows[i]))
                    {
                        self.selected = i;
                    }
                }
                Action::PrevError => {
                    if let Some(i) = (0..self.selected)
                        .rev()
                        .find(|&i| Self::is_error(model, &self.rows[i]))
                    {
                        self.selected = i;
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
        (false, false)
    }

    /// Selects the row of `span` (its call row, else its turn's input row).
    pub fn reveal(&mut self, model: &Model, span: u32, page: usize) {
        let trace = model.span(span).trace;
        let found = self
            .rows
            .iter()
            .position(|r| matches!(r, Row::Call { span: s, .. } if *s == span))
            .or_else(|| self.rows.iter().position(|r| *r == Row::Input(trace)));
        if let Some(i) = found {
            self.selected = i;
            self.offset = follow(self.offset, i, page);
            self.fill(model, self.offset, page);
        }
    }
}
