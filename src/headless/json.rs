//! The JSON shapes the commands print.

use crate::index::report::Severity;
use crate::model::Model;
use crate::model::conversation::read::Reader;
pub use crate::transcript::{Tokens, time};
use serde::Serialize;

#[derive(Serialize)]
pub struct Session {
    pub id: String,
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    pub key: Option<&'static str>,
    /// Traces of an explicit session that joined it through their message history.
    pub inferred_traces: u32,
    /// Side requests (title generation, quota probes) among its traces.
    pub side_requests: usize,
    pub user: Option<String>,
    pub traces: usize,
    /// What the person typed, the LLM calls made, the sub-agents run in other traces.
    pub turns: u32,
    pub calls: u32,
    /// Tool spans (kind `tool`) in its traces.
    pub tools: u32,
    pub subagents: u32,
    pub spans: u32,
    pub errors: u32,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: i64,
    /// The title its export gives it (a Claude Code `summary` line), if any.
    pub title: Option<String>,
    pub first_input: Option<String>,
    pub last_output: Option<String>,
    pub tokens: Tokens,
    /// USD, the sum of the costs its spans carry, rounded to
    /// [`crate::fmt::COST_DIGITS`] significant digits; null when no span carries one.
    pub cost: Option<f64>,
    /// Its evaluations: session-level ones first, then those of its traces and spans, in
    /// trace order.
    pub evaluations: Vec<SessionEval>,
}

/// An evaluation of a session, one of its traces or one of their spans.
#[derive(Serialize)]
pub struct SessionEval {
    /// name, kind, value, rationale, scorer_error, source, session.
    #[serde(flatten)]
    pub eval: crate::format::eval::Evaluation,
    /// `session`, `trace` or `span`: what it judges.
    pub level: &'static str,
    pub trace_id: String,
    pub span_id: Option<String>,
}

/// Session `s`'s evaluations, each once.
fn evaluations(model: &Model, s: u32) -> Vec<SessionEval> {
    let sess = model.session(s);
    let out = |i: u32, level| {
        let e = model.evals.get(i as usize)?;
        let span =
            (e.span != crate::model::NONE).then(|| model.index.span_id_of(model.span(e.span)));
        Some(SessionEval {
            eval: e.eval.clone(),
            level: match (level, &span) {
                (true, _) => "session",
                (false, Some(_)) => "span",
                (false, None) => "trace",
            },
            trace_id: model.index.trace_id_text(e.trace),
            span_id: span,
        })
    };
    let mut evals: Vec<SessionEval> = model
        .evals_of(sess)
        .iter()
        .filter_map(|&i| out(i, true))
        .collect();
    for &t in model.traces_of(sess) {
        let first = model.first_eval(t);
        for k in 0..model.trace_evals(t).len() {
            let i = first.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
            if !model.evals_of(sess).contains(&i) {
                evals.extend(out(i, false));
            }
        }
    }
    evals
}

pub fn session(model: &Model, s: u32) -> Session {
    let sess = model.session(s);
    Session {
        id: model.session_id(s).to_owned(),
        origin: sess.origin.label(),
        inferred_by: sess.inferred_by,
        key: sess.key.map(crate::format::keys::SessionKey::name),
        inferred_traces: sess.inferred_traces,
        side_requests: model
            .traces_of(sess)
            .iter()
            .filter(|&&t| model.trace(t).side())
            .count(),
        user: (sess.user != 0).then(|| model.str(sess.user).to_owned()),
        traces: sess.trace_count(),
        turns: sess.turns,
        calls: sess.calls,
        tools: model
            .traces_of(sess)
            .iter()
            .flat_map(|&t| model.trace_spans(t))
            .filter(|&&sp| model.span(sp).kind() == crate::kind::Kind::Tool)
            .count()
            .try_into()
            .unwrap_or(u32::MAX),
        subagents: sess.subagents,
        spans: sess.spans,
        errors: sess.errors,
        start: time(sess.start),
        end: time(sess.end),
        duration_ms: sess.duration_ns() / 1_000_000,
        title: model.title(s).map(str::to_owned),
        first_input: Reader::new(model, false).first_input(s),
        last_output: Reader::new(model, false).last_answer(s),
        tokens: sess.tokens.into(),
        cost: sess.cost.map(crate::fmt::round_cost),
        evaluations: evaluations(model, s),
    }
}

#[derive(Serialize)]
pub struct File {
    pub path: String,
    pub format: &'static str,
    pub mode: &'static str,
    /// What the bytes were decoded from, outermost first ("zstd", "Collector records"); absent
    /// for a plain file.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub decoded_from: Vec<&'static str>,
    /// Bytes indexed (after decoding).
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub spans: u64,
    pub malformed: usize,
    /// Records of other OpenTelemetry signals (logs, metrics), counted, not malformed.
    pub other_signals: usize,
    /// Every line by what it held: these add up to `lines`.
    pub lines_by_kind: crate::index::LineKinds,
}

pub fn files(model: &Model) -> Vec<File> {
    let idx = &model.index;
    idx.files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let counts = f.styles;
            let top = (0..crate::index::STYLES as u8)
                .max_by_key(|&k| counts[usize::from(k)])
                .unwrap_or(0);
            let count = |sev| {
                idx.problems
                    .iter()
                    .filter(|p| usize::from(p.file) == i && p.severity == sev)
                    .count()
            };
            File {
                path: f.path.clone(),
                format: if f.spans == 0 {
                    "no spans"
                } else {
                    crate::format::Style::from_u8(top).label()
                },
                mode: match f.mode {
                    crate::index::lines::Mode::Lines => "json lines",
                    crate::index::lines::Mode::Document => "json document",
                },
                decoded_from: idx
                    .sources
                    .get(i)
                    .map(|s| s.decoded().to_vec())
                    .unwrap_or_default(),
                bytes: f.bytes,
                lines: f.lines,
                records: f.records,
                spans: f.spans,
                malformed: count(Severity::Malformed),
                other_signals: count(Severity::Signal),
                lines_by_kind: f.kinds,
            }
        })
        .collect()
}
