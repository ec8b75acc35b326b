//! `sesstui sessions`: one row per session.

use super::json;
use crate::fmt::{thousands, tokens};
use crate::model::Model;
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
    sessions: Vec<json::Session>,
    unsessioned: Unsessioned,
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

pub fn run(model: &Model, as_json: bool, out: &mut impl Write) -> io::Result<()> {
    let ids = 0..u32::try_from(model.sessions.len()).unwrap_or(u32::MAX);
    if as_json {
        let doc = Doc {
            files: json::files(model),
            sessions: ids.map(|s| json::session(model, s)).collect(),
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
    for s in ids {
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
    writeln!(
        out,
        "\n{} sessions; unsessioned: {} traces, {} spans{}",
        model.sessions.len(),
        thousands(u.traces as u64),
        thousands(u.spans),
        legend(model)
    )
}
