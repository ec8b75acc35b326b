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

/// The width of the table when `--width` is not given: the terminal's, or 80 when standard
/// output is not a terminal (a pipe, a file).
pub fn output_width() -> usize {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Ok((w, _)) = crossterm::terminal::size()
        && w > 0
    {
        return usize::from(w);
    }
    80
}

/// `s` padded with spaces to `width` columns as a terminal shows them (wide characters count
/// two), cut with `…` if it is wider (never inside a character).
fn pad(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let cut = truncate(s, width);
    let w = cut.width();
    format!("{cut}{}", " ".repeat(width.saturating_sub(w)))
}

/// [`pad`], right-aligned.
fn rpad(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let cut = truncate(s, width);
    format!("{}{cut}", " ".repeat(width.saturating_sub(cut.width())))
}

/// The id column is as wide as the longest id, up to this.
const MAX_ID: usize = 40;
/// The user column likewise.
const MAX_USER: usize = 16;
/// The first input gets what is left, at least this.
const MIN_INPUT: usize = 16;
/// When the width is too small, the id column gives way down to this.
const MIN_ID: usize = 16;

/// One row of the table, every field cleaned for a terminal.
struct Row {
    id: String,
    marker: &'static str,
    start: String,
    duration: String,
    turns: String,
    calls: String,
    spans: String,
    tokens: String,
    errors: String,
    user: String,
    input: String,
}

pub fn run(
    model: &Model,
    as_json: bool,
    filter: Option<&Compiled<'_>>,
    width: usize,
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
    // Below 100 columns (80 when piped) the table is the TUI list's: the start to the minute,
    // `DUR`, and no span or user column.
    let narrow = width < 100;
    let rows: Vec<Row> = ids
        .iter()
        .map(|&s| {
            let sess = model.session(s);
            Row {
                id: one_line(model.session_id(s)),
                marker: match sess.marker() {
                    "●" => "",
                    m => m,
                },
                start: json::time(sess.start)
                    .and_then(|t| {
                        t.get(if narrow { 5..16 } else { 0..19 })
                            .map(|t| t.replace('T', " "))
                    })
                    .unwrap_or_default(),
                duration: crate::time::human_duration(sess.duration_ns()),
                turns: sess.turns.to_string(),
                calls: sess.calls.to_string(),
                spans: thousands(u64::from(sess.spans)),
                tokens: tokens(sess.tokens[2]),
                errors: sess.errors.to_string(),
                user: if sess.user == 0 {
                    "-".to_owned()
                } else {
                    one_line(model.str(sess.user))
                },
                input: reader
                    .first_input(s)
                    .map(|i| one_line(&i))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let widest = |head: &str, f: &dyn Fn(&Row) -> &str, cap: usize| {
        use unicode_width::UnicodeWidthStr;
        rows.iter()
            .map(|r| f(r).width())
            .chain([head.width()])
            .max()
            .unwrap_or(0)
            .min(cap)
    };
    let mut w_id = widest("SESSION", &|r| &r.id, MAX_ID);
    let w_mark = usize::from(rows.iter().any(|r| !r.marker.is_empty()));
    let w_start = widest("START", &|r| &r.start, 19);
    let dur = if narrow { "DUR" } else { "DURATION" };
    let w_dur = widest(dur, &|r| &r.duration, 9);
    let w_turns = widest("TURNS", &|r| &r.turns, 9);
    let w_calls = widest("CALLS", &|r| &r.calls, 9);
    let w_spans = if narrow {
        0
    } else {
        widest("SPANS", &|r| &r.spans, 11)
    };
    let w_tok = widest("TOKENS", &|r| &r.tokens, 7);
    let w_err = widest("ERR", &|r| &r.errors, 9);
    // Below this width the user column is left out (as in the TUI's list).
    let mut w_user = if !narrow {
        widest("USER", &|r| &r.user, MAX_USER)
    } else {
        0
    };
    // Every column and the single spaces between them (two before the input).
    let fixed = w_id
        + w_mark
        + w_start
        + w_dur
        + w_turns
        + w_calls
        + w_spans
        + w_tok
        + w_err
        + w_user
        + 6
        + usize::from(w_spans > 0)
        + usize::from(w_user > 0)
        + usize::from(w_mark > 0)
        + 2;
    // Too narrow for the first input: the user column gives up to half, then the ids down to
    // [`MIN_ID`] (cut with `…`; `--json` has them whole).
    let others = fixed - w_id - w_user;
    let mut over = (fixed + MIN_INPUT).saturating_sub(width);
    let give = over.min(w_user - w_user.div_ceil(2).max(4).min(w_user));
    w_user -= give;
    over -= give;
    w_id -= over.min(w_id.saturating_sub(MIN_ID));
    let w_input = width.saturating_sub(others + w_id + w_user).max(MIN_INPUT);
    let line = |r: [&str; 11]| {
        let mut s = pad(r[0], w_id);
        if w_mark > 0 {
            s.push(' ');
            s.push_str(&pad(r[1], w_mark));
        }
        for (v, w, right) in [
            (r[2], w_start, false),
            (r[3], w_dur, true),
            (r[4], w_turns, true),
            (r[5], w_calls, true),
            (r[6], w_spans, true),
            (r[7], w_tok, true),
            (r[8], w_err, true),
        ] {
            if w == 0 {
                continue;
            }
            s.push(' ');
            s.push_str(&if right { rpad(v, w) } else { pad(v, w) });
        }
        s.push_str("  ");
        if w_user > 0 {
            s.push_str(&pad(r[9], w_user));
            s.push(' ');
        }
        s.push_str(&truncate(r[10], w_input));
        s.trim_end().to_owned()
    };
    writeln!(
        out,
        "{}",
        line([
            "SESSION",
            "",
            "START",
            dur,
            "TURNS",
            "CALLS",
            "SPANS",
            "TOKENS",
            "ERR",
            "USER",
            "FIRST INPUT"
        ])
    )?;
    for r in &rows {
        writeln!(
            out,
            "{}",
            line([
                &r.id,
                r.marker,
                &r.start,
                &r.duration,
                &r.turns,
                &r.calls,
                &r.spans,
                &r.tokens,
                &r.errors,
                &r.user,
                &r.input,
            ])
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
