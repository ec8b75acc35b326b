//! `sesstui sessions`: one row per session.

use super::json;
use crate::fmt::{thousands, tokens};
use crate::model::Model;
use crate::model::filter::Compiled;
use crate::sanitize::{one_line, truncate};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Unsessioned {
    traces: usize,
    spans: u64,
}

#[derive(Serialize)]
struct Doc {
    files: Vec<json::File>,
    /// With `--filter`: the filter, and how many sessions there are in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<Filtered>,
    sessions: Vec<json::Session>,
    unsessioned: Unsessioned,
}

#[derive(Serialize)]
struct Filtered {
    matched: usize,
    of: usize,
}

fn unsessioned(model: &Model) -> Unsessioned {
    let spans = model
        .unsessioned
        .iter()
        .map(|&t| u64::from(model.trace(t).span_count()))
        .sum();
    Unsessioned {
        traces: model.unsessioned.len(),
        spans,
    }
}

/// Explains the markers that appear in the table.
fn legend(model: &Model) -> String {
    let mut seen: Vec<&str> = model
        .sessions
        .iter()
        .map(crate::model::Session::marker)
        .filter(|m| *m != "●")
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let words: Vec<String> = seen
        .iter()
        .map(|m| {
            let what = match *m {
                "+" => "id in the file, more traces linked by message history",
                "~" => "inferred from message history",
                _ => "inferred by idle time",
            };
            format!("{m} {what}")
        })
        .collect();
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join("; "))
    }
}

pub fn run(
    model: &Model,
    as_json: bool,
    filter: Option<&Compiled<'_>>,
    out: &mut impl Write,
) -> io::Result<()> {
    let all = 0..u32::try_from(model.sessions.len()).unwrap_or(u32::MAX);
    let reader = crate::model::conversation::read::Reader::new(model, false);
    let ids: Vec<u32> = match filter {
        Some(f) => all
            .filter(|&s| f.session(s, &mut |s| reader.first_input(s)))
            .collect(),
        None => all.collect(),
    };
    if as_json {
        let doc = Doc {
            files: json::files(model),
            filter: filter.map(|_| Filtered {
                matched: ids.len(),
                of: model.sessions.len(),
            }),
            sessions: ids.iter().map(|&s| json::session(model, s)).collect(),
            unsessioned: unsessioned(model),
        };
        crate::sanitize::write_json_pretty(&mut *out, &doc)?;
        return writeln!(out);
    }
    writeln!(
        out,
        "{:<38} {:<3} {:<20} {:>9} {:>6} {:>6} {:>6} {:>7} {:>4}  {:<12} FIRST INPUT",
        "SESSION", "", "START", "DURATION", "TURNS", "CALLS", "SPANS", "TOKENS", "ERR", "USER"
    )?;
    for &s in &ids {
        let sess = model.session(s);
        let marker = match sess.marker() {
            "●" => "",
            m => m,
        };
        let user = if sess.user == 0 {
            "-".to_owned()
        } else {
            one_line(model.str(sess.user))
        };
        let input = crate::model::conversation::read::Reader::new(model, false)
            .first_input(s)
            .map(|i| one_line(&i))
            .unwrap_or_default();
        writeln!(
            out,
            "{:<38} {:<3} {:<20} {:>9} {:>6} {:>6} {:>6} {:>7} {:>4}  {:<12} {}",
            truncate(&one_line(model.session_id(s)), 38),
            marker,
            json::time(sess.start)
                .map(|t| t[..19].replace('T', " "))
                .unwrap_or_default(),
            crate::time::human_duration(sess.duration_ns()),
            sess.turns,
            sess.calls,
            thousands(u64::from(sess.spans)),
            tokens(sess.tokens[2]),
            sess.errors,
            truncate(&user, 12),
            truncate(&input, 60),
        )?;
    }
    let u = unsessioned(model);
    let count = match filter {
        Some(_) => format!(
            "{} of {} match the filter",
            thousands(ids.len() as u64),
            crate::fmt::count(model.sessions.len(), "session", "sessions")
        ),
        None => crate::fmt::count(model.sessions.len(), "session", "sessions"),
    };
    writeln!(
        out,
        "\n{count}; unsessioned: {}, {}{}",
        crate::fmt::count(u.traces, "trace", "traces"),
        crate::fmt::count_u64(u.spans, "span", "spans"),
        legend(model)
    )
}
