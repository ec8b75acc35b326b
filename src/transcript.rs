//! A session as a transcript: its turns as the person lived them (what they typed, each LLM
//! call with its text and the tools it ran, sub-agents nested under the tool that started
//! them, the answer), its side requests apart, and its evaluations. Printed by `sesstui show`
//! (text, Markdown, JSON) and copied as Markdown from the explorer.

use crate::fmt::{cost, thousands};
use crate::format::Evaluation;
use crate::model::conversation::read::{Reader, StepText, SubAgentText, TurnText};
use crate::model::conversation::{Conversation, Step, SubAgent};
use crate::model::{Model, NONE};
use crate::sanitize::{clean, one_line};
use crate::time::{human_duration, iso_ms};
use crate::zone::Zone;
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

impl From<[u64; 3]> for Tokens {
    fn from(t: [u64; 3]) -> Self {
        Tokens {
            prompt: t[0],
            completion: t[1],
            total: t[2],
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EvalOut {
    #[serde(flatten)]
    pub eval: Evaluation,
    pub span_id: Option<String>,
}

/// A tool call.
#[derive(Clone, Debug, Serialize)]
pub struct ToolOut {
    pub span_id: Option<String>,
    pub name: String,
    /// The tool-call id the model gave it, when the history has it.
    pub id: Option<String>,
    pub argument: Option<String>,
    /// The result in one line.
    pub result: Option<String>,
    pub duration_ms: Option<f64>,
    pub error: Option<String>,
    pub subagent: Option<SubAgentOut>,
}

/// A sub-agent under the tool that started it.
#[derive(Clone, Debug, Serialize)]
pub struct SubAgentOut {
    /// Why it is that tool's: `named_for_tool`, `task_input`, `task_prompt`, or `child_span`
    /// for an agent span under the tool itself.
    pub linked_by: &'static str,
    pub traces: Vec<String>,
    pub input: Option<String>,
    pub answer: Option<String>,
    pub calls: Vec<CallOut>,
}

/// An LLM call and the tools it ran (`span_id` null: tools run before any LLM call).
#[derive(Clone, Debug, Serialize)]
pub struct CallOut {
    pub trace_id: String,
    pub span_id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub start: Option<String>,
    pub duration_ms: Option<f64>,
    pub tokens: Option<Tokens>,
    /// Where the call was seen, when Claude Code transcripts are read: `transcript`, `proxy`
    /// or `both`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_in: Option<&'static str>,
    /// The same, as the text says it (only when a proxy's export was read with transcripts).
    #[serde(skip)]
    pub seen_words: Option<&'static str>,
    pub error: Option<String>,
    /// The assistant's text at this step.
    pub text: Option<String>,
    pub tools: Vec<ToolOut>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TurnOut {
    /// 1-based.
    pub index: usize,
    /// What the person typed.
    pub input: Option<String>,
    pub answer: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: i64,
    /// Milliseconds since the previous turn ended (`None` for the first).
    pub idle_before_ms: Option<i64>,
    /// How its traces came into the session, when that was inferred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    /// Every trace of the turn, sub-agents' included.
    pub traces: Vec<String>,
    pub spans: u32,
    pub errors: u32,
    pub calls: Vec<CallOut>,
    pub evaluations: Vec<EvalOut>,
}

/// A side request (title generation, quota probe), apart from the turns.
#[derive(Clone, Debug, Serialize)]
pub struct SideOut {
    pub trace_id: String,
    /// `title`, `quota`, `topic`, or `other`.
    pub kind: &'static str,
    pub input: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Header {
    pub id: String,
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    pub key: Option<&'static str>,
    /// The title its export gives it (a Claude Code `summary` line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub user: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: i64,
    pub turns: usize,
    pub calls: usize,
    pub tools: usize,
    pub subagents: usize,
    pub traces: usize,
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
    pub side_requests: Vec<SideOut>,
}

/// A timestamp as ISO 8601 UTC with milliseconds; `None` when unknown.
pub fn time(ns: i64) -> Option<String> {
    (ns > 0).then(|| iso_ms(ns))
}

fn eval_out(model: &Model, e: &crate::model::Eval) -> EvalOut {
    let span_id = (e.span != NONE).then(|| model.index.span_id_of(model.span(e.span)));
    EvalOut {
        eval: e.eval.clone(),
        span_id,
    }
}

/// The transcript of session `s`, or of the unsessioned traces when `s` is `None`, every text
/// read whole.
pub fn build(model: &Model, s: Option<u32>) -> Transcript {
    build_with(model, s, false)
}

/// [`build`] with texts read as the screen reads them (a string past a megabyte in part): what
/// a copy checks its size with before building the whole.
pub fn build_shown(model: &Model, s: Option<u32>) -> Transcript {
    build_with(model, s, true)
}

fn ms(ns: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let v = ns as f64 / 1e6;
    v
}

fn calls_out(model: &Model, steps: &[Step], texts: &[StepText]) -> Vec<CallOut> {
    steps
        .iter()
        .zip(texts)
        .map(|(step, t)| {
            let llm = step.llm.map(|s| (s, model.span(s)));
            CallOut {
                trace_id: model.index.trace_id_text(step.trace),
                span_id: llm.map(|(_, r)| model.index.span_id_of(r)),
                name: step.llm.map(|s| model.name(s).to_owned()),
                model: step
                    .llm
                    .and_then(|s| model.index.extra(s))
                    .filter(|e| e.model != 0)
                    .map(|e| model.str(e.model).to_owned()),
                start: llm.and_then(|(_, r)| time(r.start())),
                seen_in: step.llm.and_then(|s| model.index.seen_in(s)),
                seen_words: step.llm.and_then(|s| model.index.seen_words(s)),
                duration_ms: llm.map(|(_, r)| ms(model.index.duration_ns(r))),
                tokens: step
                    .llm
                    .and_then(|s| model.index.tokens(s))
                    .map(Tokens::from),
                error: t.error.clone(),
                text: t.text.clone(),
                tools: tools_out(model, step, t),
            }
        })
        .collect()
}

fn tools_out(model: &Model, step: &Step, t: &StepText) -> Vec<ToolOut> {
    t.tools
        .iter()
        .map(|tt| {
            let tool = tt.skeleton.and_then(|k| step.tools.get(k));
            let span = tool.and_then(|x| x.span);
            let subagent = tool
                .and_then(|x| x.subagent.as_deref())
                .zip(
                    tt.skeleton
                        .and_then(|k| t.subagents.iter().find(|(i, _)| *i == k).map(|(_, s)| s)),
                )
                .map(|(sub, st)| subagent_out(model, sub, st));
            ToolOut {
                span_id: span.map(|s| model.index.span_id_of(model.span(s))),
                name: tt.name.clone(),
                id: tt.id.clone(),
                argument: tt.argument.clone(),
                result: tt.result.clone(),
                duration_ms: span.map(|s| ms(model.index.duration_ns(model.span(s)))),
                error: tt.error.clone(),
                subagent,
            }
        })
        .collect()
}

fn subagent_out(model: &Model, sub: &SubAgent, t: &SubAgentText) -> SubAgentOut {
    use crate::model::conversation::How;
    SubAgentOut {
        linked_by: match sub.how {
            Some(How::Name) => "named_for_tool",
            Some(How::Input) => "task_input",
            Some(How::Prompt) => "task_prompt",
            Some(How::Link) => "span_link",
            Some(How::AgentId) => "agent_id",
            None => "child_span",
        },
        traces: sub
            .traces
            .iter()
            .map(|&t| model.index.trace_id_text(t))
            .collect(),
        input: t.input.clone(),
        answer: t.answer.clone(),
        calls: calls_out(model, &sub.steps, &t.steps),
    }
}

/// Every trace of a turn's steps' sub-agents.
fn nested_traces(steps: &[Step], out: &mut Vec<u32>) {
    for s in steps {
        for t in &s.tools {
            if let Some(sub) = &t.subagent {
                if sub.agent.is_none() {
                    out.extend(&sub.traces);
                }
                nested_traces(&sub.steps, out);
            }
        }
    }
}

fn header(model: &Model, s: Option<u32>, c: &Conversation, traces: &[u32]) -> Header {
    let counts = (
        c.turns.len(),
        c.call_count(),
        c.tool_count(),
        c.subagent_count(),
    );
    match s {
        Some(s) => {
            let sess = model.session(s);
            Header {
                id: model.session_id(s).to_owned(),
                origin: sess.origin.label(),
                inferred_by: sess.inferred_by,
                key: sess.key.map(crate::format::keys::SessionKey::name),
                title: model.title(s).map(str::to_owned),
                user: (sess.user != 0).then(|| model.str(sess.user).to_owned()),
                start: time(sess.start),
                end: time(sess.end),
                duration_ms: sess.duration_ns() / 1_000_000,
                turns: counts.0,
                calls: counts.1,
                tools: counts.2,
                subagents: counts.3,
                traces: sess.trace_count(),
                spans: sess.spans,
                errors: sess.errors,
                tokens: Tokens::from(model.tokens_of(sess)),
                cost: sess.cost(),
            }
        }
        None => {
            let ts = traces.iter().map(|&t| model.trace(t));
            let start = ts.clone().map(|t| t.start).filter(|&v| v > 0).min();
            let end = ts.clone().map(|t| t.end).max();
            Header {
                id: "unsessioned".to_owned(),
                origin: "none",
                inferred_by: None,
                key: None,
                title: None,
                user: None,
                start: start.and_then(time),
                end: end.and_then(time),
                duration_ms: match (start, end) {
                    (Some(a), Some(b)) => (b - a).max(0) / 1_000_000,
                    _ => 0,
                },
                turns: counts.0,
                calls: counts.1,
                tools: counts.2,
                subagents: counts.3,
                traces: traces.len(),
                spans: ts.clone().map(crate::model::Trace::span_count).sum(),
                errors: traces.iter().map(|&t| model.trace_errors(t)).sum(),
                tokens: Tokens::from(traces.iter().fold([0u64; 3], |a, &t| {
                    let t = model.trace_tokens(t);
                    [
                        a[0].saturating_add(t[0]),
                        a[1].saturating_add(t[1]),
                        a[2].saturating_add(t[2]),
                    ]
                })),
                cost: ts
                    .filter_map(crate::model::Trace::cost)
                    .reduce(|a, b| a + b),
            }
        }
    }
}

fn build_with(model: &Model, s: Option<u32>, shown: bool) -> Transcript {
    let traces: &[u32] = match s {
        Some(s) => model.session_traces(s),
        None => &model.unsessioned,
    };
    let c = Conversation::build(model, s);
    let reader = Reader::new(model, shown);
    let evaluations = s
        .map(|s| {
            model
                .evals_of(model.session(s))
                .iter()
                .map(|&i| eval_out(model, &model.evals[i as usize]))
                .collect()
        })
        .unwrap_or_default();
    let mut prev_end: Option<i64> = None;
    let mut turns = Vec::with_capacity(c.turns.len());
    for (k, turn) in c.turns.iter().enumerate() {
        let text: TurnText = reader.turn(&c, k);
        let mut all = turn.traces.clone();
        nested_traces(&turn.steps, &mut all);
        let idle = prev_end.map(|e: i64| (turn.start - e).max(0) / 1_000_000);
        prev_end = Some(turn.end.max(prev_end.unwrap_or(0)));
        let ts = || all.iter().map(|&t| model.trace(t));
        turns.push(TurnOut {
            index: k + 1,
            input: text.input.clone(),
            answer: text.answer.clone(),
            start: time(turn.start),
            end: time(turn.end),
            duration_ms: (turn.end - turn.start).max(0) / 1_000_000,
            idle_before_ms: idle,
            inferred_by: turn.traces.iter().find_map(|&t| model.trace(t).inferred()),
            traces: all.iter().map(|&t| model.index.trace_id_text(t)).collect(),
            spans: ts().map(crate::model::Trace::span_count).sum(),
            errors: all.iter().map(|&t| model.trace_errors(t)).sum(),
            calls: calls_out(model, &turn.steps, &text.steps),
            // Session-level ones are shown with the session.
            evaluations: all
                .iter()
                .flat_map(|&t| model.trace_evals(t))
                .filter(|e| e.eval.session.is_none())
                .map(|e| eval_out(model, e))
                .collect(),
        });
    }
    let side_requests = c
        .side
        .iter()
        .map(|&t| {
            let input = reader.side_input(t);
            SideOut {
                trace_id: model.index.trace_id_text(t),
                kind: input
                    .as_deref()
                    .and_then(crate::model::infer::side_kind)
                    .unwrap_or("other"),
                input,
            }
        })
        .collect();
    Transcript {
        session: header(model, s, &c, traces),
        evaluations,
        turns,
        side_requests,
    }
}

fn eval_line(e: &EvalOut) -> String {
    let ev = &e.eval;
    let mut s = one_line(&ev.shown_name());
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

use crate::fmt::count as plural;

/// `3 turns · 27 calls · 41 tools · 2 sub-agents`.
pub fn counts(turns: usize, calls: usize, tools: usize, subagents: usize) -> String {
    let mut s = format!(
        "{} · {}",
        plural(turns, "turn", "turns"),
        plural(calls, "call", "calls")
    );
    if tools > 0 {
        let _ = write!(s, " · {}", plural(tools, "tool", "tools"));
    }
    if subagents > 0 {
        let _ = write!(s, " · {}", plural(subagents, "sub-agent", "sub-agents"));
    }
    s
}

fn header_lines(h: &Header, zone: &Zone) -> Vec<String> {
    let mut lines = vec![format!(
        "{} · {} · {}",
        h.user
            .as_deref()
            .map_or_else(|| "no user".to_owned(), |u| format!("user {}", one_line(u))),
        match (&h.start, &h.end) {
            (Some(a), Some(b)) => format!(
                "{} → {} ({})",
                zone.reshow(a),
                zone.reshow(b),
                human_duration(h.duration_ms * 1_000_000)
            ),
            _ => "no times".to_owned(),
        },
        counts(h.turns, h.calls, h.tools, h.subagents),
    )];
    let mut tok = format!(
        "{} · {} · {} · tokens {} prompt / {} completion / {} total",
        plural(h.traces, "trace", "traces"),
        plural(h.spans as usize, "span", "spans"),
        plural(h.errors as usize, "error", "errors"),
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

/// `LLM claude-sonnet-4-5 · 4.2s · 1,024 → 56 tok · ✗ error`.
fn call_line(c: &CallOut) -> String {
    let mut s = match (&c.model, &c.name) {
        (Some(m), _) => format!("LLM {}", one_line(m)),
        (None, Some(n)) => format!("LLM {}", one_line(n)),
        (None, None) => "(tools)".to_owned(),
    };
    if let Some(d) = c.duration_ms {
        #[allow(clippy::cast_possible_truncation)]
        let _ = write!(s, " · {}", human_duration((d * 1e6) as i64));
    }
    if let Some(t) = &c.tokens {
        let _ = write!(
            s,
            " · {} → {} tok",
            thousands(t.prompt),
            thousands(t.completion)
        );
    }
    if let Some(w) = c.seen_words {
        let _ = write!(s, " · seen: {w}");
    }
    if let Some(e) = &c.error {
        let _ = write!(s, " · ✗ {}", one_line(e));
    }
    s
}

/// `Read src/parser.rs → 8 lines`, `Bash cargo build ✗ error: …`.
fn tool_line(t: &ToolOut) -> String {
    let mut s = one_line(&t.name);
    if let Some(a) = &t.argument {
        let _ = write!(s, " {}", one_line(a));
    }
    match (&t.error, &t.result) {
        (Some(e), _) => {
            let _ = write!(s, " ✗ {}", one_line(e));
        }
        (None, Some(r)) => {
            let _ = write!(s, " → {}", one_line(r));
        }
        (None, None) => {}
    }
    if let Some(d) = t.duration_ms {
        #[allow(clippy::cast_possible_truncation)]
        let _ = write!(s, " · {}", human_duration((d * 1e6) as i64));
    }
    s
}

/// Lines of `text` under an indent, the first after `lead`.
fn indented(out: &mut String, pad: &str, lead: &str, text: &str) {
    for (i, l) in clean(text).lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{pad}{lead}{l}");
        } else {
            let _ = writeln!(out, "{pad}{}{l}", " ".repeat(lead.chars().count()));
        }
    }
}

/// The text of call `i` of `calls`, unless it is the last and says what `answer` says (printed
/// once, as the answer).
fn step_text<'c>(calls: &'c [CallOut], i: usize, answer: Option<&str>) -> Option<&'c str> {
    let t = calls.get(i)?.text.as_deref()?;
    let last = calls[i + 1..].iter().all(|c| c.text.is_none());
    (!(last && answer.is_some_and(|a| a.trim() == t.trim()))).then_some(t)
}

fn calls_text(out: &mut String, calls: &[CallOut], pad: &str, answer: Option<&str>) {
    for (i, c) in calls.iter().enumerate() {
        let _ = writeln!(out, "{pad}{}", call_line(c));
        if let Some(t) = step_text(calls, i, answer) {
            indented(out, &format!("{pad}  "), "", t);
        }
        for t in &c.tools {
            let _ = writeln!(out, "{pad}  ⚙ {}", tool_line(t));
            if let Some(sub) = &t.subagent {
                let _ = writeln!(
                    out,
                    "{pad}    ↳ sub-agent ({}, {})",
                    sub.linked_by.replace('_', " "),
                    plural(
                        sub.calls.iter().filter(|c| c.span_id.is_some()).count(),
                        "call",
                        "calls"
                    )
                );
                if let Some(i) = &sub.input {
                    indented(out, &format!("{pad}      "), "› ", i);
                }
                calls_text(
                    out,
                    &sub.calls,
                    &format!("{pad}      "),
                    sub.answer.as_deref(),
                );
                if let Some(a) = &sub.answer {
                    indented(out, &format!("{pad}      "), "‹ ", a);
                }
            }
        }
    }
}

/// Plain text, for the terminal.
/// The turns as text, times shown in `zone`.
pub fn text(t: &Transcript, zone: &Zone) -> String {
    let mut out = String::new();
    let h = &t.session;
    let key = h.key.map(|k| format!(", key {k}")).unwrap_or_default();
    let by = h
        .inferred_by
        .map(|b| format!(" from {}", b.label()))
        .unwrap_or_default();
    let _ = writeln!(out, "Session {} ({}{by}{key})", one_line(&h.id), h.origin);
    if let Some(title) = &h.title {
        let _ = writeln!(out, "  title: {}", one_line(title));
    }
    for l in header_lines(h, zone) {
        let _ = writeln!(out, "  {l}");
    }
    for e in &t.evaluations {
        let _ = writeln!(out, "evaluation: {}", eval_line(e));
    }
    for turn in &t.turns {
        if let Some(idle) = turn
            .idle_before_ms
            .filter(|&ms| ms * 1_000_000 >= IDLE_GAP_NS)
        {
            let _ = writeln!(out, "\n  ··· {} idle ···", human_duration(idle * 1_000_000));
        }
        let mut marks = String::new();
        if let Some(by) = turn.inferred_by {
            let _ = write!(marks, " · {}", by.link_words());
        }
        let _ = writeln!(
            out,
            "\nTurn {} · {} · {} · {} · trace {}{marks}",
            turn.index,
            turn.start
                .as_deref()
                .map_or_else(|| "?".to_owned(), |t| zone.reshow(t)),
            human_duration(turn.duration_ms * 1_000_000),
            plural(
                turn.calls.iter().filter(|c| c.span_id.is_some()).count(),
                "call",
                "calls"
            ),
            turn.traces.first().map(|t| one_line(t)).unwrap_or_default(),
        );
        indented(
            &mut out,
            "  ",
            "user: ",
            turn.input.as_deref().unwrap_or("(none)"),
        );
        calls_text(&mut out, &turn.calls, "    ", turn.answer.as_deref());
        indented(
            &mut out,
            "  ",
            "answer: ",
            turn.answer.as_deref().unwrap_or("(none)"),
        );
        for e in &turn.evaluations {
            let _ = writeln!(out, "  evaluation: {}", eval_line(e));
        }
    }
    if !t.side_requests.is_empty() {
        let _ = writeln!(out, "\nSide requests");
        for s in &t.side_requests {
            let _ = writeln!(
                out,
                "  {:<6} trace {} · {}",
                s.kind,
                one_line(&s.trace_id),
                crate::sanitize::truncate(&one_line(s.input.as_deref().unwrap_or("")), 60)
            );
        }
    }
    out
}

fn calls_markdown(out: &mut String, calls: &[CallOut], pad: &str, answer: Option<&str>) {
    for (i, c) in calls.iter().enumerate() {
        let _ = writeln!(out, "{pad}- {}", call_line(c));
        if let Some(t) = step_text(calls, i, answer) {
            let quoted: Vec<String> = clean(t).lines().map(|l| format!("{pad}  > {l}")).collect();
            let _ = writeln!(out, "{}", quoted.join("\n"));
        }
        for t in &c.tools {
            let _ = writeln!(out, "{pad}  - `{}`", tool_line(t).replace('`', "'"));
            if let Some(sub) = &t.subagent {
                let _ = writeln!(
                    out,
                    "{pad}    - sub-agent ({})",
                    sub.linked_by.replace('_', " ")
                );
                if let Some(i) = &sub.input {
                    let _ = writeln!(out, "{pad}      - task: {}", one_line(i));
                }
                calls_markdown(
                    out,
                    &sub.calls,
                    &format!("{pad}      "),
                    sub.answer.as_deref(),
                );
                if let Some(a) = &sub.answer {
                    let _ = writeln!(out, "{pad}      - answer: {}", one_line(a));
                }
            }
        }
    }
}

/// Markdown, for pasting into an issue or a document.
/// The turns as Markdown, times shown in `zone`.
pub fn markdown(t: &Transcript, zone: &Zone) -> String {
    let mut out = String::new();
    let h = &t.session;
    let _ = writeln!(out, "# Session `{}`\n", one_line(&h.id));
    if let Some(title) = &h.title {
        let _ = writeln!(out, "- title: {}", one_line(title));
    }
    let _ = writeln!(
        out,
        "- origin: {}{}",
        h.origin,
        h.key.map(|k| format!(" (`{k}`)")).unwrap_or_default()
    );
    for l in header_lines(h, zone) {
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
    for turn in &t.turns {
        if let Some(idle) = turn
            .idle_before_ms
            .filter(|&ms| ms * 1_000_000 >= IDLE_GAP_NS)
        {
            let _ = writeln!(out, "\n*… {} idle …*", human_duration(idle * 1_000_000));
        }
        let _ = writeln!(
            out,
            "\n## Turn {} — {} ({})\n\ntrace `{}`\n",
            turn.index,
            turn.start
                .as_deref()
                .map_or_else(|| "?".to_owned(), |t| zone.reshow(t)),
            human_duration(turn.duration_ms * 1_000_000),
            turn.traces.first().map(|t| one_line(t)).unwrap_or_default()
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
            calls_markdown(&mut out, &turn.calls, "", turn.answer.as_deref());
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "**Answer**\n\n{}",
            turn.answer
                .as_deref()
                .map_or_else(|| "> (none)".into(), quote)
        );
        for e in &turn.evaluations {
            let _ = writeln!(out, "\n- evaluation: {}", eval_line(e));
        }
    }
    if !t.side_requests.is_empty() {
        let _ = writeln!(out, "\n## Side requests\n");
        for s in &t.side_requests {
            let _ = writeln!(
                out,
                "- {} (`{}`): {}",
                s.kind,
                one_line(&s.trace_id),
                one_line(s.input.as_deref().unwrap_or(""))
            );
        }
    }
    out
}
