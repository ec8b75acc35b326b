//! `sesstui doctor`: the data-quality report a person would otherwise write by hand.

use super::json;
use crate::fmt::{percent, thousands};
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

#[derive(Serialize)]
struct Coverage {
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
    orphans: usize,
    /// Spans whose own id was empty or all zeros, kept under the id 0.
    invalid_span_ids: usize,
    cycles: usize,
    duplicates: usize,
    id_clashes: usize,
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
    problems: Vec<ProblemOut>,
    other_signals: Vec<Group>,
    verdict: String,
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
        match (t.origin, t.inferred_by) {
            (SessionOrigin::Explicit, _) => explicit += n,
            (SessionOrigin::Inferred, Some(InferredBy::Time)) => by_time += n,
            (SessionOrigin::Inferred, _) => by_history += n,
            (SessionOrigin::None, _) => {}
        }
    }
    let inferred = by_history + by_time;
    for o in &idx.own_sessions {
        if !idx.spans[o.span as usize].has(flag::DUPLICATE) {
            on_span += 1;
        }
    }
    let count = |sev| idx.problems.iter().filter(|p| p.severity == sev).count();
    let blank_lines = idx
        .problems
        .iter()
        .filter(|p| p.reason == "blank line")
        .count();
    let malformed_lines = count(Severity::Malformed);
    let issues = &model.issues;
    let coverage = Coverage {
        on_span: share(on_span, total),
        after_trace_propagation: share(explicit, total),
        inferred: share(inferred, total),
        inferred_by_history: share(by_history, total),
        inferred_by_time: share(by_time, total),
        none: share(total - explicit - inferred, total),
    };
    let covered = explicit + inferred;
    let verdict = verdict(
        malformed_lines,
        covered,
        total,
        issues.orphans.len() + issues.cycles.len(),
    );
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
        verdict,
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

fn verdict(malformed: usize, covered: u64, total: u64, broken_links: usize) -> String {
    #[allow(clippy::cast_precision_loss)]
    let cover = if total == 0 {
        0.0
    } else {
        covered as f64 / total as f64
    };
    let grade = if malformed == 0 && cover >= 0.9 && broken_links == 0 {
        "good"
    } else if cover >= 0.5 {
        "usable"
    } else {
        "mostly unsessioned"
    };
    let mut v = format!(
        "{grade}: {} of spans belong to a session",
        percent(covered, total)
    );
    if malformed > 0 {
        v.push_str(&format!(
            "; {malformed} malformed line{} skipped",
            if malformed == 1 { "" } else { "s" }
        ));
    }
    if broken_links > 0 {
        v.push_str(&format!(
            "; {broken_links} broken parent link{}",
            if broken_links == 1 { "" } else { "s" }
        ));
    }
    v
}

/// "session on 0.8% of spans as exported → 31% after trace propagation → 97% after history
/// inference", each step only when it ran.
fn coverage_chain(r: &Report) -> String {
    let c = &r.coverage;
    let pct = |v: f64| format!("{v:.1}%");
    let mut chain = format!(
        "session on {} of spans as exported → {} after trace propagation",
        pct(c.on_span.percent),
        pct(c.after_trace_propagation.percent)
    );
    let mut acc = c.after_trace_propagation.spans;
    if r.inference.history {
        acc += c.inferred_by_history.spans;
        let p = share(acc, r.spans).percent;
        chain.push_str(&format!(" → {} after history inference", pct(p)));
    }
    if r.inference.by_time {
        acc += c.inferred_by_time.spans;
        let p = share(acc, r.spans).percent;
        chain.push_str(&format!(" → {} after idle-time grouping", pct(p)));
    }
    chain
}

fn write_inference(out: &mut impl Write, model: &Model, i: &Inference) -> io::Result<()> {
    if !i.history && !i.by_time {
        return writeln!(out, "inference  off (--no-infer)");
    }
    writeln!(
        out,
        "inference  {} LLM calls fingerprinted · {} traces joined explicit sessions · {} sessions inferred from history ({} traces) · {} side requests",
        thousands(i.llm_calls_fingerprinted as u64),
        thousands(i.traces_joined_to_explicit_sessions as u64),
        i.history_sessions,
        thousands(i.history_traces as u64),
        i.side_requests
    )?;
    if i.by_time {
        writeln!(
            out,
            "           {} sessions grouped by idle time ({} traces, gap {} min)",
            i.time_sessions, i.time_traces, i.idle_gap_minutes
        )?;
    }
    if i.split_idle {
        writeln!(
            out,
            "           {} sessions split at idle gaps over {} min",
            i.split_sessions, i.idle_gap_minutes
        )?;
    }
    writeln!(out, "           {} links refused", i.refused.len())?;
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
            "  {}  {} ({}{decoded})  {} bytes  {} spans  {} lines: {kinds}",
            one_line(&f.path),
            f.format,
            f.mode,
            thousands(f.bytes),
            thousands(f.spans),
            thousands(f.lines),
        )?;
    }
    for n in &r.files_without_spans {
        writeln!(out, "  {}  {}", one_line(&n.path), one_line(&n.reason))?;
    }
    let k = &r.lines_by_kind;
    writeln!(
        out,
        "lines      {} ({} with spans, {} other signals, {} malformed, {} blank; {} reports of spans indexed with a caveat)",
        thousands(r.lines),
        thousands(k.records),
        thousands(k.signals),
        thousands(k.malformed),
        thousands(k.blank),
        thousands(r.warnings as u64)
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
    writeln!(out, "session coverage (spans)")?;
    let c = &r.coverage;
    for (label, s) in [
        ("on the span itself", &c.on_span),
        ("via its trace's id", &c.after_trace_propagation),
        ("inferred from history", &c.inferred_by_history),
        ("inferred by idle time", &c.inferred_by_time),
        ("none", &c.none),
    ] {
        writeln!(
            out,
            "  {label:<26}{:>12}  {:>5.1}%",
            thousands(s.spans),
            s.percent
        )?;
    }
    writeln!(out, "  {}", coverage_chain(&r))?;
    write_inference(out, model, &r.inference)?;
    let st = &r.structure;
    writeln!(
        out,
        "structure  {} orphans · {} empty or zero span ids kept · {} cycles cut · {} duplicates · {} id clashes · {} conflicting session ids",
        st.orphans,
        st.invalid_span_ids,
        st.cycles,
        st.duplicates,
        st.id_clashes,
        st.session_conflicts.len()
    )?;
    for conflict in &st.session_conflicts {
        writeln!(
            out,
            "  trace {}: kept {:?}, also saw {:?}",
            conflict.trace_id,
            one_line(&conflict.chosen),
            conflict
                .others
                .iter()
                .map(|o| one_line(o))
                .collect::<Vec<_>>()
        )?;
    }
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
    writeln!(out, "verdict: {}", r.verdict)
}
