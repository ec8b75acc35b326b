//! A session as a transcript: its turns with input, answer, calls and evaluations. Printed by
//! `sesstui show` (text, Markdown, JSON) and copied as Markdown from the TUI.

use crate::fmt::{cost, thousands};
use crate::format::Evaluation;
use crate::model::detail::SpanDetail;
use crate::model::{Model, NONE, turns};
use crate::sanitize::{clean, one_line};
use crate::time::{human_duration, iso_ms};
use serde::Serialize;
use std::fmt::Write;

/// Turns further apart than this get an idle marker between them.
pub const IDLE_GAP_NS: i64 = 5 * 60 * 1_000_000_000;

#[derive(Clone, Debug, Serialize)]
pub struct Tokens {
    pub prompt: u64,
    pub completion: u64,
    pub total: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CallOut {
    pub span_id: String,
    pub kind: crate::kind::Kind,
    pub name: String,
    pub model: Option<String>,
    pub start: Option<String>,
    pub duration_ms: f64,
    pub tokens: Option<Tokens>,
    pub error: bool,
    pub status_message: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EvalOut {
    #[serde(flatten)]
    pub eval: Evaluation,
    pub span_id: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TurnOut {
    pub trace_id: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: i64,
    /// Milliseconds since the previous turn ended (`None` for the first).
    pub idle_before_ms: Option<i64>,
    /// How the trace's session was inferred, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    /// A side request (title generation, quota probe) of the conversation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub side_request: bool,
    pub input: Option<String>,
    pub output: Option<String>,
    pub spans: u32,
    pub errors: u32,
    pub calls: Vec<CallOut>,
    pub evaluations: Vec<EvalOut>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Header {
    pub id: String,
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    pub key: Option<&'static str>,
    pub user: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: i64,
    pub turns: usize,
    pub spans: u32,
    pub errors: u32,
    pub tokens: Tokens,
    pub cost: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Transcript {
    pub session: Header,
    pub evaluations: Vec<EvalOut>,
    pub turns: Vec<TurnOut>,
}

/// A timestamp as ISO 8601 UTC with milliseconds; `None` when unknown.
pub fn time(ns: i64) -> Option<String> {
    (ns > 0).then(|| iso_ms(ns))
}

impl From<[u64; 3]> for Tokens {
    fn from(t: [u64; 3]) -> Self {
        Tokens {
            prompt: t[0],
            completion: t[1],
            total: t[2],
        }
    }
}

fn eval_out(model: &Model, e: &crate::model::Eval) -> EvalOut {
    let span_id = (e.span != NONE).then(|| model.index.span_id_of(model.span(e.span)));
    EvalOut {
        eval: e.eval.clone(),
        span_id,
    }
}

/// The transcript of session `s`, or of the unsessioned traces when `s` is `None`.
pub fn build(model: &Model, s: Option<u32>) -> Transcript {
    build_with(model, s, false)
}

/// [`build`] with inputs and outputs read as the screen reads them (a text past
/// `SpanDetail::SHOWN_BYTES` in part): what a copy checks its size with before building
/// the whole.
pub fn build_shown(model: &Model, s: Option<u32>) -> Transcript {
    build_with(model, s, true)
}

/// A trace's input or output text.
type TextOf = fn(&Model, u32) -> Option<String>;

fn build_with(model: &Model, s: Option<u32>, shown: bool) -> Transcript {
    let (input, output): (TextOf, TextOf) = if shown {
        (turns::input_shown, turns::output_shown)
    } else {
        (turns::input, turns::output)
    };
    let traces: &[u32] = match s {
        Some(s) => &model.session(s).traces,
        None => &model.unsessioned,
    };
    let header = match s {
        Some(s) => {
            let sess = model.session(s);
            Header {
                id: model.session_id(s).to_owned(),
                origin: sess.origin.label(),
                inferred_by: sess.inferred_by,
                key: sess.key.map(crate::format::keys::SessionKey::name),
                user: (sess.user != 0).then(|| model.str(sess.user).to_owned()),
                start: time(sess.start),
                end: time(sess.end),
                duration_ms: sess.duration_ns() / 1_000_000,
                turns: sess.traces.len(),
                spans: sess.spans,
                errors: sess.errors,
                tokens: Tokens::from(sess.tokens),
                cost: sess.cost,
            }
        }
        None => {
            let ts = traces.iter().map(|&t| model.trace(t));
            Header {
                id: "unsessioned".to_owned(),
                origin: "none",
                inferred_by: None,
                key: None,
                user: None,
                start: ts
                    .clone()
                    .map(|t| t.start)
                    .filter(|&v| v > 0)
                    .min()
                    .and_then(time),
                end: ts.clone().map(|t| t.end).max().and_then(time),
                duration_ms: 0,
                turns: traces.len(),
                spans: ts.clone().map(crate::model::Trace::span_count).sum(),
                errors: ts.clone().map(|t| t.errors).sum(),
                tokens: Tokens::from(ts.clone().fold([0; 3], |a, t| {
                    let t = t.tokens();
                    [a[0] + t[0], a[1] + t[1], a[2] + t[2]]
                })),
                cost: ts
                    .filter_map(crate::model::Trace::cost)
                    .reduce(|a, b| a + b),
            }
        }
    };
    let evaluations = s
        .map(|s| {
            model
                .session(s)
                .evals
                .iter()
                .map(|&i| eval_out(model, &model.evals[i as usize]))
                .collect()
        })
        .unwrap_or_default();
    let mut prev_end = None;
    let turns = traces
        .iter()
        .map(|&t| {
            let trace = model.trace(t);
            let calls = turns::calls(model, t)
                .into_iter()
                .map(|c| CallOut {
                    span_id: model.index.span_id_of(model.span(c.span)),
                    kind: c.kind,
                    name: c.name,
                    model: c.model,
                    start: time(model.span(c.span).start),
                    #[allow(clippy::cast_precision_loss)]
                    duration_ms: c.duration_ns as f64 / 1e6,
                    tokens: c.tokens.map(Tokens::from),
                    error: c.error,
                    status_message: c
                        .error
                        .then(|| SpanDetail::load(model, c.span).status_message)
                        .flatten(),
                })
                .collect();
            let idle = prev_end.map(|e: i64| (trace.start - e).max(0) / 1_000_000);
            prev_end = Some(trace.end.max(prev_end.unwrap_or(0)));
            TurnOut {
                inferred_by: trace.inferred_by,
                side_request: trace.side,
                trace_id: model.index.trace_id_text(t),
                start: time(trace.start),
                end: time(trace.end),
                duration_ms: trace.duration_ns() / 1_000_000,
                idle_before_ms: idle,
                input: input(model, t),
                output: output(model, t),
                spans: trace.span_count(),
                errors: trace.errors,
                calls,
                // Session-level ones are shown with the session.
                evaluations: model
                    .trace_evals(t)
                    .iter()
                    .filter(|e| e.eval.session.is_none())
                    .map(|e| eval_out(model, e))
                    .collect(),
            }
        })
        .collect();
    Transcript {
        session: header,
        evaluations,
        turns,
    }
}

fn eval_line(e: &EvalOut) -> String {
    let ev = &e.eval;
    let mut s = one_line(&ev.name);
    match (&ev.scorer_error, &ev.value) {
        (Some(err), _) => {
            let _ = write!(s, ": scorer error ({})", one_line(err));
        }
        (None, Some(v)) => {
            let _ = write!(s, " = {}", one_line(v));
        }
        (None, None) => s.push_str(" (no value)"),
    }
    if let Some(r) = &ev.rationale {
        let _ = write!(s, " — {}", one_line(r));
    }
    if let Some(src) = &ev.source {
        let _ = write!(s, " [{}]", one_line(src));
    }
    s
}

fn call_line(c: &CallOut) -> String {
    let mut s = format!("{:<5} {}", c.kind.label(), one_line(&c.name));
    if let Some(m) = &c.model {
        let _ = write!(s, " · {}", one_line(m));
    }
    #[allow(clippy::cast_possible_truncation)]
    let _ = write!(s, " · {}", human_duration((c.duration_ms * 1e6) as i64));
    if let Some(t) = &c.tokens {
        let _ = write!(
            s,
            " · {} → {} tok",
            thousands(t.prompt),
            thousands(t.completion)
        );
    }
    if c.error {
        s.push_str(" · ✗ ERROR");
        if let Some(m) = &c.status_message {
            let _ = write!(s, ": {}", one_line(m));
        }
    }
    s
}

fn header_lines(h: &Header) -> Vec<String> {
    let mut lines = vec![format!(
        "{} · {} · {} turns · {} spans · {} errors",
        h.user
            .as_deref()
            .map_or_else(|| "no user".to_owned(), |u| format!("user {}", one_line(u))),
        match (&h.start, &h.end) {
            (Some(a), Some(b)) =>
                format!("{a} → {b} ({})", human_duration(h.duration_ms * 1_000_000)),
            _ => "no times".to_owned(),
        },
        h.turns,
        thousands(u64::from(h.spans)),
        h.errors
    )];
    let mut tok = format!(
        "tokens {} prompt / {} completion / {} total",
        thousands(h.tokens.prompt),
        thousands(h.tokens.completion),
        thousands(h.tokens.total)
    );
    if let Some(c) = h.cost {
        let _ = write!(tok, " · cost {}", cost(c));
    }
    lines.push(tok);
    lines
}

/// " · linked by history", " · side request": how a turn came to be in its session.
fn turn_marks(turn: &TurnOut) -> String {
    let mut s = String::new();
    if let Some(by) = turn.inferred_by {
        s.push_str(" · ");
        s.push_str(by.link_words());
    }
    if turn.side_request {
        s.push_str(" · side request");
    }
    s
}

/// Plain text, for the terminal.
pub fn text(t: &Transcript) -> String {
    let mut out = String::new();
    let h = &t.session;
    let key = h.key.map(|k| format!(", key {k}")).unwrap_or_default();
    let by = h
        .inferred_by
        .map(|b| format!(" from {}", b.label()))
        .unwrap_or_default();
    let _ = writeln!(out, "Session {} ({}{by}{key})", one_line(&h.id), h.origin);
    for l in header_lines(h) {
        let _ = writeln!(out, "{l}");
    }
    for e in &t.evaluations {
        let _ = writeln!(out, "evaluation: {}", eval_line(e));
    }
    for (i, turn) in t.turns.iter().enumerate() {
        if let Some(idle) = turn
            .idle_before_ms
            .filter(|&ms| ms * 1_000_000 >= IDLE_GAP_NS)
        {
            let _ = writeln!(out, "\n  ··· {} idle ···", human_duration(idle * 1_000_000));
        }
        let _ = writeln!(
            out,
            "\nTurn {} · {} · {} · trace {}{}",
            i + 1,
            turn.start.as_deref().unwrap_or("?"),
            human_duration(turn.duration_ms * 1_000_000),
            one_line(&turn.trace_id),
            turn_marks(turn)
        );
        let indent = |s: &str| clean(s).replace('\n', "\n        ");
        let _ = writeln!(
            out,
            "  user: {}",
            turn.input
                .as_deref()
                .map_or_else(|| "(none)".into(), indent)
        );
        for c in &turn.calls {
            let _ = writeln!(out, "    {}", call_line(c));
        }
        let _ = writeln!(
            out,
            "  answer: {}",
            turn.output
                .as_deref()
                .map_or_else(|| "(none)".into(), indent)
        );
        for e in &turn.evaluations {
            let _ = writeln!(out, "  evaluation: {}", eval_line(e));
        }
    }
    out
}

/// Markdown, for pasting into an issue or a document.
pub fn markdown(t: &Transcript) -> String {
    let mut out = String::new();
    let h = &t.session;
    let _ = writeln!(out, "# Session `{}`\n", one_line(&h.id));
    let _ = writeln!(
        out,
        "- origin: {}{}",
        h.origin,
        h.key.map(|k| format!(" (`{k}`)")).unwrap_or_default()
    );
    for l in header_lines(h) {
        let _ = writeln!(out, "- {l}");
    }
    for e in &t.evaluations {
        let _ = writeln!(out, "- evaluation: {}", eval_line(e));
    }
    let quote = |s: &str| {
        clean(s)
            .lines()
            .map(|l| format!("> {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (i, turn) in t.turns.iter().enumerate() {
        if let Some(idle) = turn
            .idle_before_ms
            .filter(|&ms| ms * 1_000_000 >= IDLE_GAP_NS)
        {
            let _ = writeln!(out, "\n*… {} idle …*", human_duration(idle * 1_000_000));
        }
        let _ = writeln!(
            out,
            "\n## Turn {} — {} ({})\n\ntrace `{}`\n",
            i + 1,
            turn.start.as_deref().unwrap_or("?"),
            human_duration(turn.duration_ms * 1_000_000),
            one_line(&turn.trace_id)
        );
        let _ = writeln!(
            out,
            "**User**\n\n{}\n",
            turn.input
                .as_deref()
                .map_or_else(|| "> (none)".into(), quote)
        );
        if !turn.calls.is_empty() {
            let _ = writeln!(out, "**Calls**\n");
            for c in &turn.calls {
                let _ = writeln!(out, "- {}", call_line(c));
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "**Answer**\n\n{}",
            turn.output
                .as_deref()
                .map_or_else(|| "> (none)".into(), quote)
        );
        for e in &turn.evaluations {
            let _ = writeln!(out, "\n- evaluation: {}", eval_line(e));
        }
    }
    out
}
