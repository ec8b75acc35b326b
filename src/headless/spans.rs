//! `sesstui spans`: every span as one JSON line, sessions first, in time order.

use super::json::time;
use crate::index::progress::Progress;
use crate::index::record::flag;
use crate::model::Model;
use crate::model::infer::Options;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Serialize)]
struct Line<'a> {
    span_id: String,
    trace_id: String,
    parent_id: Option<String>,
    name: &'a str,
    kind: crate::kind::Kind,
    /// The kind as the exporter wrote it (`LLM`, `CHAT_MODEL`, `SpanKind.CLIENT`, `3`).
    kind_as_written: Option<String>,
    /// Where an LLM call was seen, when Claude Code transcripts are read: `transcript`,
    /// `proxy` or `both`.
    #[serde(skip_serializing_if = "Option::is_none")]
    seen_in: Option<&'static str>,
    status: crate::kind::Status,
    status_message: Option<String>,
    start: Option<String>,
    end: Option<String>,
    /// End minus start in milliseconds (to the microsecond); negative for a span that ends
    /// before it starts, null without both times.
    duration_ms: Option<f64>,
    model: Option<&'a str>,
    tokens: Option<super::json::Tokens>,
    /// USD, rounded as `sessions --json` rounds it.
    cost: Option<f64>,
    session: Option<&'a str>,
    session_origin: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inferred_by: Option<crate::model::InferredBy>,
    /// A side request (title generation, quota probe) of its conversation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    side_request: bool,
    file: &'a str,
    line: u32,
}

/// Spans between two looks at whether a file changed while they are printed…
const CHECK_EVERY: usize = 1024;
/// …and at most this often a `stat` of each file.
const STAT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

pub fn run(
    model: &Model,
    filter: Option<&crate::model::filter::Compiled<'_>>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    run_files(model, None, filter, out)
}

/// [`run`], for the spans of `files` only (all when `None`).
fn run_files(
    model: &Model,
    files: Option<&[u16]>,
    filter: Option<&crate::model::filter::Compiled<'_>>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let lines = model.index.lines();
    let mut printed = 0usize;
    let mut looked = std::time::Instant::now();
    let traces = model
        .sessions
        .iter()
        .flat_map(|s| model.traces_of(s).iter())
        .chain(model.unsessioned.iter());
    for &t in traces {
        let trace_id = model.index.trace_id_text(t);
        for &s in model.trace_spans(t) {
            if files.is_some_and(|f| !f.contains(&model.file(s)))
                || filter.is_some_and(|f| !f.span(s))
            {
                continue;
            }
            let line = lines.get(s as usize).copied().unwrap_or(0);
            write_span(model, s, &trace_id, line, out)?;
            printed += 1;
            // The output streams: a file that lost bytes stops it as soon as it is seen.
            if printed.is_multiple_of(CHECK_EVERY)
                && (!model.index.intact() || looked.elapsed() >= STAT_EVERY)
            {
                model.index.verify()?;
                looked = std::time::Instant::now();
            }
        }
    }
    Ok(())
}

/// Span `s` (of the trace whose id is `trace_id`, on line `line`) as one JSON line.
fn write_span(
    model: &Model,
    s: u32,
    trace_id: &str,
    line: u32,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let rec = model.span(s);
    let end = model.index.end(rec);
    let trace = model.trace(rec.trace);
    let session = (trace.session != crate::model::NONE).then(|| model.session_id(trace.session));
    let written = crate::model::written::Written::load(model, s);
    let extra = model.index.extra(s);
    #[allow(clippy::cast_precision_loss)]
    let duration_ms =
        (rec.start() > 0 && end > 0).then(|| ((end - rec.start()) as f64 / 1e3).round() / 1e3);
    let line = Line {
        span_id: model.index.span_id_of(rec),
        trace_id: trace_id.to_owned(),
        parent_id: match model.parent(s) {
            crate::model::NONE => model.parent_id_text(s),
            p => Some(model.index.span_id_of(model.span(p))),
        },
        name: model.name(s),
        kind: rec.kind(),
        kind_as_written: written.kind,
        seen_in: model.index.seen_in(s),
        status: rec.status(),
        status_message: written.status_message,
        start: time(rec.start()),
        end: time(end),
        duration_ms,
        model: extra.filter(|e| e.model != 0).map(|e| model.str(e.model)),
        tokens: model.index.tokens(s).map(Into::into),
        cost: extra.and_then(|e| e.cost()).map(crate::fmt::round_cost),
        session,
        session_origin: model.span_origin(s),
        inferred_by: trace.inferred_by(),
        side_request: trace.side(),
        file: model.index.file_name(model.file(s)),
        line,
    };
    crate::sanitize::write_json(&mut *out, &line)?;
    writeln!(out)
}

/// `spans -f`: the spans there now, as [`run`] prints them, then the spans appended as they
/// come (in file order, each with what is known of its session when it arrives), a batch per
/// round of [`crate::follow::INTERVAL`], flushed. What happens to the files (rotated,
/// truncated, deleted) is said on stderr, and so is each file that cannot be followed (a
/// stream, a compressed or framed file, a JSON document: read once). Ends on SIGINT or
/// SIGTERM, with 128 + the signal once the output is flushed, on a closed pipe (an error the
/// caller reads as success), or, with status 0, at once when no file given can be followed.
pub fn follow(
    files: &[PathBuf],
    infer: Options,
    filter: Option<&crate::model::filter::Filter>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let signal = Arc::new(AtomicUsize::new(0));
    for sig in [SIGINT, SIGTERM] {
        let code = usize::try_from(sig).unwrap_or(0);
        signal_hook::flag::register_usize(sig, Arc::clone(&signal), code)?;
    }
    let (mut follower, mut model) = crate::follow::open(files, infer, &Progress::default())?;
    super::warn_unread(&model);
    super::warn_malformed(&model);
    for note in follower.take_notes() {
        crate::sanitize::eprint_line(&format!("sesstui: {note}"));
    }
    {
        let compiled = filter.map(|f| f.compile(&model));
        run(&model, compiled.as_ref(), out)?;
    }
    out.flush()?;
    if !follower.following() {
        crate::sanitize::eprint_line(
            "sesstui: no file given can be followed: nothing more to wait for",
        );
        return Ok(());
    }
    loop {
        let mut waited = Duration::ZERO;
        while waited < crate::follow::INTERVAL && signal.load(Ordering::Relaxed) == 0 {
            if reader_gone(TICK) {
                return Ok(());
            }
            waited += TICK;
        }
        let sig = signal.load(Ordering::Relaxed);
        if sig != 0 {
            out.flush()?;
            std::process::exit(128 + i32::try_from(sig).unwrap_or(0));
        }
        let round = follower.poll(infer);
        for note in &round.notes {
            crate::sanitize::eprint_line(&format!("sesstui: {note}"));
        }
        match round.update {
            Some(crate::follow::Update::Reset { model: m, read }) => {
                // The files read anew; the others' spans were printed already.
                model = *m;
                let compiled = filter.map(|f| f.compile(&model));
                run_files(&model, Some(&read), compiled.as_ref(), out)?;
            }
            Some(u) => {
                let added = crate::follow::apply(&mut model, u, infer);
                let compiled = filter.map(|f| f.compile(&model));
                for s in added {
                    if model.span(s).has(flag::DUPLICATE)
                        || compiled.as_ref().is_some_and(|f| !f.span(s))
                    {
                        continue;
                    }
                    let trace_id = model.index.trace_id_text(model.span(s).trace);
                    write_span(&model, s, &trace_id, model.index.line(s), out)?;
                }
            }
            None => {}
        }
        out.flush()?;
    }
}

/// How often `spans -f` looks for a signal while it waits.
const TICK: Duration = Duration::from_millis(50);

/// Waits up to `d`; true when standard output is a pipe whose reader went away (`| head`),
/// which otherwise shows only at the next write, maybe long after.
#[cfg(unix)]
fn reader_gone(d: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let out = std::io::stdout();
    let mut fds = [PollFd::new(&out, PollFlags::empty())];
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: i64::try_from(d.as_nanos()).unwrap_or(0),
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(n) if n > 0 => fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP),
        _ => false,
    }
}

#[cfg(not(unix))]
fn reader_gone(d: Duration) -> bool {
    std::thread::sleep(d);
    false
}
