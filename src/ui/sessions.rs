//! The session list and the summary of the selected session.

use super::{Theme, put};
use crate::app::App;
use crate::app::sessions::{Entry, SortKey};
use crate::fmt::{thousands, tokens};
use crate::model::Model;
use crate::model::verdicts;
use crate::sanitize::{one_line, truncate};
use crate::time::human_duration;
use crate::zone::Zone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// `03-02 09:00Z` from nanoseconds (with the zone's offset outside UTC: `03-02 10:00+01:00`).
fn short_time(zone: &Zone, ns: i64) -> String {
    if ns <= 0 {
        return "-".into();
    }
    zone.minute(ns)
}

/// The START column's width: `03-02 09:00` and the zone's suffix.
fn start_width(zone: &Zone) -> usize {
    11 + zone.suffix_width()
}

fn pad(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let used = crate::app::detail::width(&t);
    format!("{t}{}", " ".repeat(w.saturating_sub(used)))
}

fn rpad(s: &str, w: usize) -> String {
    let used = crate::app::detail::width(s);
    format!("{}{s}", " ".repeat(w.saturating_sub(used)))
}

struct Cols {
    id: usize,
    user: usize,
    calls: bool,
    spans: bool,
    /// The EVAL column's width; 0 when no session has an evaluation.
    eval: usize,
}

fn cols(width: u16, evals: bool) -> Cols {
    let w = usize::from(width);
    Cols {
        id: if w >= 140 { 36 } else { 14 },
        // The first input keeps room: with an EVAL column, USER waits for 120 columns.
        user: if w >= 120 || (w >= 100 && !evals) {
            12
        } else {
            0
        },
        calls: w >= 100,
        spans: w >= 120,
        eval: match (evals, w) {
            (false, _) => 0,
            (true, 160..) => 36,
            (true, 120..) => 18,
            (true, _) => 10,
        },
    }
}

pub fn list(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let Some(model) = &app.model else { return };
    if area.height == 0 || area.width == 0 {
        return;
    }
    let c = cols(area.width, !model.evals.is_empty());
    let l = &app.sessions;
    let arrow = if l.descending { "▼" } else { "▲" };
    let sort = l.sort.unwrap_or(SortKey::Start);
    let mark = |name: &str, key: SortKey| {
        if sort == key {
            format!("{name}{arrow}")
        } else {
            name.to_owned()
        }
    };
    let mut head = format!(
        "  {} {} {} {} ",
        pad(&mark("SESSION", SortKey::Session), c.id),
        pad(&mark("START", SortKey::Start), start_width(&app.zone)),
        rpad(&mark("DUR", SortKey::Duration), 7),
        rpad(&mark("TURNS", SortKey::Turns), 6),
    );
    if c.calls {
        head.push_str(&rpad(&mark("CALLS", SortKey::Calls), 6));
        head.push(' ');
    }
    if c.spans {
        head.push_str(&rpad(&mark("SPANS", SortKey::Spans), 6));
        head.push(' ');
    }
    head.push_str(&format!(
        "{} {} ",
        rpad(&mark("TOKENS", SortKey::Tokens), 7),
        rpad(&mark("ERR", SortKey::Errors), 4)
    ));
    if c.eval > 0 {
        head.push_str(&pad(&mark("EVAL", SortKey::Eval), c.eval));
        head.push(' ');
    }
    if c.user > 0 {
        head.push_str(&pad(&mark("USER", SortKey::User), c.user));
        head.push(' ');
    }
    head.push_str("FIRST INPUT");
    let used = crate::app::detail::width(&head);
    put(buf, area, 0, &Line::from(Span::styled(head, theme.title)));
    if !l.rows.is_empty() {
        let at = format!(
            "{} of {}",
            thousands(l.selected as u64 + 1),
            thousands(l.rows.len() as u64)
        );
        super::position(buf, area, 0, used, &at, theme);
    }
    let rows = usize::from(area.height - 1);
    for (i, entry) in l.rows.iter().enumerate().skip(l.offset).take(rows) {
        let row = u16::try_from(i - l.offset + 1).unwrap_or(u16::MAX);
        let line = row_line(model, app, *entry, &c, usize::from(area.width), theme);
        let y = area.y + row;
        buf.set_line(area.x, y, &super::fit(&line, area.width), area.width);
        if i == l.selected {
            buf.set_style(
                Rect {
                    y,
                    height: 1,
                    ..area
                },
                theme.selected,
            );
        }
    }
    if l.rows.is_empty() {
        let text = match (&app.receiving, l.filter.is_some()) {
            (_, true) => format!(
                "  no session matches the filter ({} clears it)",
                app.keymap.key("back")
            ),
            (Some(r), false) => waiting(r),
            (None, false) => "  no sessions".to_owned(),
        };
        put(buf, area, 1, &Line::from(Span::styled(text, theme.dim)));
    }
}

fn row_line<'a>(
    model: &Model,
    app: &App,
    entry: Entry,
    c: &Cols,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let (marker, id, start, dur, (turns, calls), spans, tok, errs, user, input, origin_style) =
        match entry {
            Entry::Session(s) => {
                let sess = model.session(s);
                (
                    sess.marker(),
                    one_line(model.session_id(s)),
                    short_time(&app.zone, sess.start),
                    human_duration(sess.duration_ns()),
                    (sess.turns, sess.calls),
                    u64::from(sess.spans),
                    model.tokens_of(sess)[2],
                    sess.errors,
                    if sess.user == 0 {
                        "-".to_owned()
                    } else {
                        one_line(model.str(sess.user))
                    },
                    app.sessions
                        .first_inputs
                        .get(&s)
                        .cloned()
                        .flatten()
                        .map(|t| one_line(&t))
                        .unwrap_or_default(),
                    theme.origin(sess.marker()),
                )
            }
            Entry::Unsessioned => {
                let ts = model.unsessioned.iter().map(|&t| model.trace(t));
                (
                    "○",
                    "(unsessioned)".to_owned(),
                    short_time(
                        &app.zone,
                        ts.clone()
                            .map(|t| t.start)
                            .filter(|&v| v > 0)
                            .min()
                            .unwrap_or(0),
                    ),
                    "-".to_owned(),
                    (
                        u32::try_from(ts.clone().filter(|t| t.starts_turn()).count())
                            .unwrap_or(u32::MAX),
                        0,
                    ),
                    ts.clone().map(|t| u64::from(t.span_count())).sum(),
                    model
                        .unsessioned
                        .iter()
                        .map(|&t| model.trace_tokens(t)[2])
                        .sum(),
                    model
                        .unsessioned
                        .iter()
                        .map(|&t| model.trace_errors(t))
                        .sum(),
                    "-".to_owned(),
                    "traces with no session id".to_owned(),
                    theme.dim,
                )
            }
        };
    let mut spans_out = vec![
        Span::styled(format!(" {marker}"), origin_style),
        Span::raw(format!(
            " {} {} {} {} ",
            pad(&id, c.id),
            pad(&start, start_width(&app.zone)),
            rpad(&dur, 7),
            rpad(&turns.to_string(), 6)
        )),
    ];
    if c.calls {
        let calls = if matches!(entry, Entry::Session(_)) {
            thousands(u64::from(calls))
        } else {
            "-".to_owned()
        };
        spans_out.push(Span::raw(format!("{} ", rpad(&calls, 6))));
    }
    if c.spans {
        spans_out.push(Span::raw(format!("{} ", rpad(&thousands(spans), 6))));
    }
    spans_out.push(Span::raw(format!("{} ", rpad(&tokens(tok), 7))));
    spans_out.push(Span::styled(
        format!(
            "{} ",
            rpad(
                &if errs > 0 {
                    format!("✗{errs}")
                } else {
                    "·".into()
                },
                4
            )
        ),
        if errs > 0 { theme.error } else { theme.dim },
    ));
    if c.eval > 0 {
        let (text, style) = match entry {
            Entry::Session(s) => {
                let v = verdicts::of_session(model, s);
                let style = if v.negative > 0 {
                    theme.error
                } else if v.verdicts == 0 {
                    theme.dim
                } else {
                    ratatui::style::Style::default()
                };
                (one_line(&v.text()), style)
            }
            Entry::Unsessioned => ("·".to_owned(), theme.dim),
        };
        spans_out.push(Span::styled(format!("{} ", pad(&text, c.eval)), style));
    }
    if c.user > 0 {
        spans_out.push(Span::styled(format!("{} ", pad(&user, c.user)), theme.dim));
    }
    let used: usize = spans_out
        .iter()
        .map(|s| crate::app::detail::width(&s.content))
        .sum();
    spans_out.push(Span::raw(
        truncate(&input, width.saturating_sub(used)).into_owned(),
    ));
    Line::from(spans_out)
}

pub fn summary(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let Some(model) = &app.model else { return };
    if area.height == 0 {
        return;
    }
    for x in area.left()..area.right() {
        buf.set_string(x, area.y, "─", theme.border);
    }
    let inner = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let Some(entry) = app.sessions.selected_entry() else {
        return;
    };
    let lines: Vec<Line<'_>> = match entry {
        Entry::Session(s) => {
            let sess = model.session(s);
            let origin = sess.origin_text();
            let user = if sess.user == 0 {
                String::new()
            } else {
                format!(" · user {}", one_line(model.str(sess.user)))
            };
            let cost = sess
                .cost()
                .map(|c| format!(" · cost {}", crate::fmt::cost(c)))
                .unwrap_or_default();
            let mut lines = vec![
                Line::from(vec![
                    Span::styled(one_line(model.session_id(s)), theme.title),
                    Span::styled(format!(" ({origin}){user}"), theme.dim),
                ]),
                Line::from(format!(
                    "{} → {} ({}) · {} · {} · {}",
                    short_time(&app.zone, sess.start),
                    short_time(&app.zone, sess.end),
                    human_duration(sess.duration_ns()),
                    crate::transcript::counts(
                        sess.turns as usize,
                        sess.calls as usize,
                        0,
                        sess.subagents as usize
                    ),
                    crate::fmt::count(sess.spans as usize, "span", "spans"),
                    crate::fmt::count(sess.errors as usize, "error", "errors"),
                )),
                Line::from(format!(
                    "tokens {} prompt / {} completion / {} total{cost}",
                    thousands(model.tokens_of(sess)[0]),
                    thousands(model.tokens_of(sess)[1]),
                    thousands(model.tokens_of(sess)[2])
                )),
            ];
            let v = verdicts::of_session(model, s);
            if v.verdicts + v.scorer_errors > 0 {
                lines.push(Line::from(format!(
                    "evaluations {} · {}, {} negative, {}",
                    one_line(&v.text()),
                    crate::fmt::count(v.verdicts as usize, "verdict", "verdicts"),
                    v.negative,
                    crate::fmt::count(v.scorer_errors as usize, "scorer error", "scorer errors"),
                )));
            }
            lines
        }
        Entry::Unsessioned => vec![
            Line::from(Span::styled("Unsessioned traces", theme.title)),
            Line::from(format!(
                "{} no session id claims; every span stays reachable here.",
                crate::fmt::count(model.unsessioned.len(), "trace", "traces")
            )),
        ],
    };
    for (i, l) in lines.iter().enumerate() {
        put(buf, inner, u16::try_from(i).unwrap_or(u16::MAX), l);
    }
}

/// What the list says while a receiver has nothing yet: where to send.
fn waiting(r: &crate::listen::stats::Status) -> String {
    let mut to = Vec::new();
    if let Some(a) = r.http {
        to.push(format!("http://{a}/v1/traces"));
    }
    if let Some(a) = r.grpc {
        to.push(format!("gRPC {a}"));
    }
    format!(
        "  waiting for spans: send OTLP traces to {}",
        to.join(" or ")
    )
}
