//! `sesstui spans`: every span as one JSON line, sessions first, in time order.

use super::json::time;
use crate::model::Model;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Line<'a> {
    span_id: String,
    trace_id: String,
    parent_id: Option<String>,
    name: &'a str,
    kind: crate::kind::Kind,
    status: crate::kind::Status,
    start: Option<String>,
    end: Option<String>,
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

pub fn run(
    model: &Model,
    filter: Option<&crate::model::filter::Compiled<'_>>,
    out: &mut impl Write,
) -> io::Result<()> {
    let lines = model.index.lines();
    let traces = model
        .sessions
        .iter()
        .flat_map(|s| s.traces.iter())
        .chain(model.unsessioned.iter());
    for &t in traces {
        let trace = model.trace(t);
        let trace_id = model.index.trace_id_text(t);
        let session =
            (trace.session != crate::model::NONE).then(|| model.session_id(trace.session));
        for &s in model.trace_spans(t) {
            if filter.is_some_and(|f| !f.span(s)) {
                continue;
            }
            let rec = model.span(s);
            let line = Line {
                span_id: model.index.span_id_of(rec),
                trace_id: trace_id.clone(),
                parent_id: match model.parent[s as usize] {
                    crate::model::NONE => model.index.parent_id_of(rec),
                    p => Some(model.index.span_id_of(model.span(p))),
                },
                name: model.name(s),
                kind: rec.kind(),
                status: rec.status(),
                start: time(rec.start),
                end: time(rec.end),
                session,
                session_origin: model.span_origin(s),
                inferred_by: trace.inferred_by,
                side_request: trace.side,
                file: model.index.file_name(rec.file()),
                line: lines.get(s as usize).copied().unwrap_or(0),
            };
            crate::sanitize::write_json(&mut *out, &line)?;
            writeln!(out)?;
        }
    }
    Ok(())
}
