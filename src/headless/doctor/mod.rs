//! `sesstui doctor`: the data-quality report a person would otherwise write by hand.

mod named;
mod verdict;

use super::json;
use crate::fmt::{count, thousands};
use crate::index::record::flag;
use crate::index::report::Severity;
use crate::model::{InferredBy, Model, SessionOrigin};
use crate::sanitize::one_line;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Share {
    spans: u64,
    percent: f64,
}

/// One step of the coverage chain: the spans with a session once this step has run
/// (cumulative: each step's count includes the ones before).
#[derive(Serialize)]
struct Step {
    step: &'static str,
    /// Whether the step ran (inference can be switched off).
    ran: bool,
    spans: u64,
    percent: f64,
}

#[derive(Serialize)]
struct Coverage {
    /// Cumulative, in order: as exported, after trace propagation, after history inference,
    /// after time inference. The fields below are per origin.
    cumulative: Vec<Step>,
    on_span: Share,
    after_trace_propagation: Share,
    inferred: Share,
    inferred_by_history: Share,
    inferred_by_time: Share,
    none: Share,
}

/// What session inference did.
#[derive(Serialize)]
struct Inference {
    history: bool,
    by_time: bool,
    split_idle: bool,
    idle_gap_minutes: i64,
    llm_calls_fingerprinted: usize,
    traces_joined_to_explicit_sessions: usize,
    history_sessions: usize,
    history_traces: usize,
    side_requests: usize,
    time_sessions: usize,
    time_traces: usize,
    split_sessions: usize,
    refused: Vec<crate::model::infer::Refusal>,
}

fn inference(model: &Model) -> Inference {
    let r = &model.inference;
    Inference {
        history: r.options.history,
        by_time: r.options.by_time,
        split_idle: r.options.split_idle,
        idle_gap_minutes: r.options.idle_gap_ns / 60_000_000_000,
        llm_calls_fingerprinted: r.calls,
        traces_joined_to_explicit_sessions: r.joined_explicit,
        history_sessions: r.history_sessions,
        history_traces: r.history_traces,
        side_requests: r.side_requests,
        time_sessions: r.time_sessions,
        time_traces: r.time_traces,
        split_sessions: r.split_sessions,
        refused: r.refused.clone(),
    }
}

#[derive(Serialize)]
struct Conflict {
    trace_id: String,
    chosen: String,
    others: Vec<String>,
}

#[derive(Serialize)]
struct Structure {
    /// Counts; `named` lists each.
    orphans: usize,
    /// Spans whose own id was empty or all zeros, kept under the id 0.
    invalid_span_ids: usize,
    cycles: usize,
    duplicates: usize,
    id_clashes: usize,
    bad_times: usize,
    unrepresentable: usize,
    files_with_the_same_spans: usize,
    session_conflicts: Vec<Conflict>,
}

#[derive(Serialize)]
struct ProblemOut {
    file: String,
    line: u32,
    /// The last line it covers, when it covers several (a record written over many lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    last_line: Option<u32>,
    severity: Severity,
    reason: String,
}

/// Reports of one kind that are many (the lines of other signals): counted, not listed.
#[derive(Serialize)]
struct Group {
    file: String,
    reason: String,
    lines: usize,
    first_line: u32,
}

#[derive(Serialize)]
struct Report {
    files: Vec<json::File>,
    /// Files given that yield nothing: not read, empty, or holding no span.
    files_without_spans: Vec<crate::index::FileNote>,
    lines: u64,
    /// Every line by what it held (these add up to `lines`).
    lines_by_kind: crate::index::LineKinds,
    records: u64,
    blank_lines: usize,
    malformed_lines: usize,
    warnings: usize,
    spans: u64,
    traces: usize,
    sessions: usize,
    inferred_sessions: usize,
    unsessioned_traces: usize,
    coverage: Coverage,
    inference: Inference,
    structure: Structure,
    /// Every problem span (and file pair) `structure` counts, named.
    named: named::Named,
    problems: Vec<ProblemOut>,
    other_signals: Vec<Group>,
    verdict: String,
    /// What to do about the worst finding, in one line; absent when there is nothing to do.
    advice: Option<String>,
}

fn share(n: u64, total: u64) -> Share {
    #[allow(clippy::cast_precision_loss)]
    let p = if total == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / total as f64).round() / 10.0
    };
    Share {
        spans: n,
        percent: p,
    }
}

fn report(model: &Model) -> Report {
    let idx = &model.index;
    let (mut on_span, mut explicit, mut total) = (0u64, 0u64, 0u64);
    let (mut by_history, mut by_time) = (0u64, 0u64);
    for t in &model.traces {
        let n = u64::from(t.span_count());
        total += n;
        match (t.origin(), t.inferred_by()) {
            (SessionOrigin::Explicit, _) => explicit += n,
            (SessionOrigin::Inferred, Some(InferredBy::Time)) => by_time += n,
            (SessionOrigin::Inferred, _) => by_history += n,
            (SessionOrigin::None, _) => {}
        }
    }
    let inferred = by_history + by_time;
    // A span may carry its session id under more than one key: counted once.
    let mut own: Vec<u32> = idx
        .own_sessions
        .iter()
        .map(|o| o.span)
        .filter(|&s| !idx.spans[s as usize].has(flag::DUPLICATE))
        .collect();
    own.sort_unstable();
    own.dedup();
    on_span += own.len() as u64;
    let count = |sev| idx.problems.iter().filter(|p| p.severity == sev).count();
    let blank_lines = idx
        .problems
        .iter()
        .filter(|p| p.reason == "blank line")
        .count();
    let malformed_lines = count(Severity::Malformed);
    let issues = &model.issues;
    let options = &model.inference.options;
    let step = |step, ran, n| {
        let s = share(n, total);
        Step {
            step,
            ran,
            spans: s.spans,
            percent: s.percent,
        }
    };
    let coverage = Coverage {
        cumulative: vec![
            step("as_exported", true, on_span),
            step("after_trace_propagation", true, explicit),
            step(
                "after_history_inference",
                options.history,
                explicit + by_history,
            ),
            step(
                "after_time_inference",
                options.by_time,
                explicit + by_history + by_time,
            ),
        ],
        on_span: share(on_span, total),
        after_trace_propagation: share(explicit, total),
        inferred: share(inferred, total),
        inferred_by_history: share(by_history, total),
        inferred_by_time: share(by_time, total),
        none: share(total - explicit - inferred, total),
    };
    let covered = explicit + inferred;
    let named = named::named(model);
    let (verdict, advice) = verdict::verdict(&verdict::Facts {
        malformed: idx
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Malformed)
            .map(|p| (idx.file_name(p.file), p.line))
            .collect(),
        covered,
        total,
        named: &named,
        conflicts: issues.session_conflicts.len(),
        inference: options.history || options.by_time,
    });
    Report {
        files: json::files(model),
        files_without_spans: idx.file_notes(),
        other_signals: signal_groups(model),
        lines: idx.files.iter().map(|f| f.lines).sum(),
        lines_by_kind: idx.files.iter().fold(Default::default(), |mut k, f| {
            k.absorb(&f.kinds);
            k
        }),
        records: idx.files.iter().map(|f| f.records).sum(),
        blank_lines,
        malformed_lines,
        warnings: count(Severity::Warning),
        spans: total,
        traces: model.traces.iter().filter(|t| !t.spans.is_empty()).count(),
        sessions: model.sessions.len(),
        inferred_sessions: model
            .sessions
            .iter()
            .filter(|s| s.origin == SessionOrigin::Inferred)
            .count(),
        unsessioned_traces: model.unsessioned.len(),
        coverage,
        inference: inference(model),
        structure: Structure {
            orphans: issues.orphans.len(),
            invalid_span_ids: idx.spans.iter().filter(|s| s.zero_id()).count(),
            cycles: issues.cycles.len(),
            duplicates: issues.duplicates.len(),
            id_clashes: issues.id_clashes.len(),
            bad_times: named.bad_times.len(),
            unrepresentable: named.unrepresentable.len(),
            files_with_the_same_spans: named.files_with_the_same_spans.len(),
            session_conflicts: issues
                .session_conflicts
                .iter()
                .map(|c| Conflict {
                    trace_id: idx.trace_id_text(c.trace),
                    chosen: c.chosen.clone(),
                    others: c.others.clone(),
                })
                .collect(),
        },
        problems: idx
            .problems
            .iter()
            .filter(|p| p.reason != "blank line" && p.severity != Severity::Signal)
            .map(|p| ProblemOut {
                file: idx.file_name(p.file).to_owned(),
                line: p.line,
                last_line: (p.lines > 1).then(|| p.line.saturating_add(p.lines - 1)),
                severity: p.severity,
                reason: p.reason.to_string(),
            })
            .collect(),
        named,
        verdict,
        advice,
    }
}

/// The other signals' reports, one group per file and kind.
fn signal_groups(model: &Model) -> Vec<Group> {
    let idx = &model.index;
    let mut groups: Vec<Group> = Vec::new();
    for p in idx
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Signal)
    {
        let file = idx.file_name(p.file);
        match groups
            .iter_mut()
            .find(|g| g.file == file && g.reason == p.reason)
        {
            Some(g) => g.lines += 1,
            None => groups.push(Group {
                file: file.to_owned(),
                reason: p.reason.to_string(),
                lines: 1,
                first_line: p.line,
            }),
        }
    }
    groups
}

fn write_inference(out: &mut impl Write, model: &Model, i: &Inference) -> io::Result<()> {
    if !i.history && !i.by_time {
        return writeln!(out, "inference  off (--no-infer)");
    }
    writeln!(
        out,
        "inference  {} fingerprinted · {} explicit sessions · {} inferred from history ({}) · {}",
        count(i.llm_calls_fingerprinted, "LLM call", "LLM calls"),
        count(
            i.traces_joined_to_explicit_sessions,
            "trace joined",
            "traces joined"
        ),
        count(i.history_sessions, "session", "sessions"),
        count(i.history_traces, "trace", "traces"),
        count(i.side_requests, "side request", "side requests")
    )?;
    if i.by_time {
        writeln!(
            out,
            "           {} grouped by idle time ({}, gap {} min)",
            count(i.time_sessions, "session", "sessions"),
            count(i.time_traces, "trace", "traces"),
            i.idle_gap_minutes
        )?;
    }
    if i.split_idle {
        writeln!(
            out,
            "           {} split at idle gaps over {} min",
            count(i.split_sessions, "session", "sessions"),
            i.idle_gap_minutes
        )?;
    }
    writeln!(
        out,
        "           {} refused",
        count(i.refused.len(), "link", "links")
    )?;
    for r in model.inference.refused.iter().take(20) {
        let why = match r.reason {
            "explicit_sessions" => "would merge two explicit sessions",
            "ambiguous_history" => "history continues more than one conversation",
            _ => "quotes more than one conversation",
        };
        writeln!(
            out,
            "  trace {}: {why}: {}",
            r.trace_id,
            r.candidates
                .iter()
                .map(|c| one_line(c))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if i.refused.len() > 20 {
        writeln!(
            out,
            "  … {} more (doctor --json lists all)",
            i.refused.len() - 20
        )?;
    }
    Ok(())
}

pub fn run(model: &Model, as_json: bool, out: &mut impl Write) -> io::Result<()> {
    let r = report(model);
    if as_json {
        crate::sanitize::write_json_pretty(&mut *out, &r)?;
        return writeln!(out);
    }
    writeln!(out, "files")?;
    for f in &r.files {
        let k = &f.lines_by_kind;
        let mut kinds = format!("{} with spans", thousands(k.records));
        if k.signals > 0 {
            kinds.push_str(&format!(", {} other signals", thousands(k.signals)));
        }
        kinds.push_str(&format!(
            ", {} malformed, {} blank",
            thousands(k.malformed),
            thousands(k.blank)
        ));
        let decoded = if f.decoded_from.is_empty() {
            String::new()
        } else {
            format!(" decoded from {}", f.decoded_from.join(", "))
        };
        writeln!(
            out,
            "  {}  {} ({}{decoded})  {}  {}  {}: {kinds}",
            one_line(&f.path),
            f.format,
            f.mode,
            crate::fmt::count_u64(f.bytes, "byte", "bytes"),
            crate::fmt::count_u64(f.spans, "span", "spans"),
            crate::fmt::count_u64(f.lines, "line", "lines"),
        )?;
    }
    for n in &r.files_without_spans {
        writeln!(out, "  {}  {}", one_line(&n.path), one_line(&n.reason))?;
    }
    let k = &r.lines_by_kind;
    writeln!(
        out,
        "lines      {} ({} with spans, {} other signals, {} malformed, {} blank; {} of spans indexed with a caveat)",
        thousands(r.lines),
        thousands(k.records),
        thousands(k.signals),
        thousands(k.malformed),
        thousands(k.blank),
        count(r.warnings, "report", "reports")
    )?;
    writeln!(
        out,
        "spans      {}   traces {}   sessions {} ({} inferred)   unsessioned traces {}",
        thousands(r.spans),
        thousands(r.traces as u64),
        thousands(r.sessions as u64),
        r.inferred_sessions,
        thousands(r.unsessioned_traces as u64)
    )?;
    writeln!(out, "session coverage (spans with a session, cumulative)")?;
    let c = &r.coverage;
    for st in &c.cumulative {
        let label = match st.step {
            "as_exported" => "as exported (on the span)",
            "after_trace_propagation" => "after trace propagation",
            "after_history_inference" => "after history inference",
            _ => "after time inference",
        };
        writeln!(
            out,
            "  {label:<27}{:>11}  {:>5.1}%{}",
            thousands(st.spans),
            st.percent,
            if st.ran { "" } else { "  (off)" }
        )?;
    }
    writeln!(
        out,
        "  {:<27}{:>11}  {:>5.1}%",
        "without a session",
        thousands(c.none.spans),
        c.none.percent
    )?;
    write_inference(out, model, &r.inference)?;
    let st = &r.structure;
    writeln!(
        out,
        "structure  {} · {} · {} · {} · {} · {} · {} · {} · {}",
        count(st.orphans, "orphan", "orphans"),
        count(
            st.invalid_span_ids,
            "empty or zero span id kept",
            "empty or zero span ids kept"
        ),
        count(st.cycles, "cycle cut", "cycles cut"),
        count(st.duplicates, "duplicate", "duplicates"),
        count(st.id_clashes, "id clash", "id clashes"),
        count(
            st.session_conflicts.len(),
            "conflicting session id",
            "conflicting session ids"
        ),
        count(st.bad_times, "bad time", "bad times"),
        count(
            st.unrepresentable,
            "value not represented",
            "values not represented"
        ),
        count(
            st.files_with_the_same_spans,
            "pair of files with the same spans",
            "pairs of files with the same spans"
        ),
    )?;
    write_named(out, &r)?;
    if !r.problems.is_empty() {
        writeln!(out, "lines not indexed or indexed with a caveat")?;
        for p in &r.problems {
            let sev = p.severity.label();
            writeln!(
                out,
                "  {}:{}  {sev}: {}",
                one_line(&p.file),
                match p.last_line {
                    Some(last) => format!("{}-{last}", p.line),
                    None => p.line.to_string(),
                },
                one_line(&p.reason)
            )?;
        }
    }
    if !r.other_signals.is_empty() {
        writeln!(out, "other signals (counted, not traces)")?;
        for g in &r.other_signals {
            writeln!(
                out,
                "  {}:{}  {} ({})",
                one_line(&g.file),
                g.first_line,
                one_line(&g.reason),
                crate::fmt::count(g.lines, "line", "lines")
            )?;
        }
    }
    writeln!(out, "verdict: {}", r.verdict)?;
    if let Some(a) = &r.advice {
        writeln!(out, "advice: {a}")?;
    }
    Ok(())
}

/// In text, each list stops after this many, saying how many more (`--json` lists all).
const SHOWN: usize = 20;

/// A titled list of the first [`SHOWN`] items, and how many more.
fn list<T>(
    out: &mut impl Write,
    title: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "{title}: {}", thousands(items.len() as u64))?;
    for item in items.iter().take(SHOWN) {
        writeln!(out, "  {}", line(item))?;
    }
    if items.len() > SHOWN {
        writeln!(
            out,
            "  … and {} more (doctor --json lists all)",
            thousands((items.len() - SHOWN) as u64)
        )?;
    }
    Ok(())
}

/// Every finding `structure` counts, named.
fn write_named(out: &mut impl Write, r: &Report) -> io::Result<()> {
    let n = &r.named;
    let at = |a: &named::At| format!("{}:{}", one_line(&a.file), a.line);
    let span = |s: &named::SpanRef| {
        format!(
            "span {} {:?} (trace {}) at {}",
            one_line(&s.span_id),
            one_line(&s.name),
            one_line(&s.trace_id),
            at(&s.at)
        )
    };
    list(
        out,
        "files with the same spans",
        &n.files_with_the_same_spans,
        |p| {
            let shared = usize::try_from(p.shared_spans).unwrap_or(usize::MAX);
            if p.contained {
                format!(
                    "{}: all its {} are in {} too",
                    one_line(&p.file),
                    count(shared, "span", "spans"),
                    one_line(&p.other)
                )
            } else {
                format!(
                    "{} and {} share {} of {}'s {}",
                    one_line(&p.file),
                    one_line(&p.other),
                    thousands(p.shared_spans),
                    one_line(&p.file),
                    thousands(p.file_spans)
                )
            }
        },
    )?;
    // A span id seen twice: where first, and where again (`between` joins the two places).
    let twice = |p: &named::Pair, between: &str| {
        format!(
            "span {} {:?} (trace {}) at {}{between}{}",
            one_line(&p.span_id),
            one_line(&p.name),
            one_line(&p.trace_id),
            at(&p.first),
            at(&p.second)
        )
    };
    list(
        out,
        "id clashes (one id, different spans)",
        &n.id_clashes,
        |p| twice(p, " and "),
    )?;
    list(
        out,
        "duplicates (exact copies, counted once)",
        &n.duplicates,
        |p| twice(p, ", again at "),
    )?;
    list(out, "orphans (parent not in the files)", &n.orphans, |o| {
        format!(
            "{}: parent {} missing",
            span(&o.span),
            one_line(&o.missing_parent_id)
        )
    })?;
    list(out, "cycles cut", &n.cycles, |c| {
        let members: Vec<String> = c.members.iter().map(|m| one_line(m)).collect();
        if members.len() == 1 {
            format!("{}: its own parent", span(&c.cut))
        } else {
            format!("{}: cycle {} → back", span(&c.cut), members.join(" → "))
        }
    })?;
    list(
        out,
        "conflicting session ids",
        &r.structure.session_conflicts,
        |c| {
            format!(
                "trace {}: kept {:?}, also saw {}",
                one_line(&c.trace_id),
                one_line(&c.chosen),
                c.others
                    .iter()
                    .map(|o| format!("{:?}", one_line(o)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    )?;
    list(out, "bad times", &n.bad_times, |b| {
        let d = b
            .duration_ms
            .map(|d| format!(" ({d} ms)"))
            .unwrap_or_default();
        format!("{}: {}{d}", span(&b.span), b.problem.words())
    })?;
    list(out, "values not represented", &n.unrepresentable, |u| {
        format!("{}: {}", at(&u.at), one_line(&u.reason))
    })
}
