//! An open session: its header, and the turns or tree pane.

use super::{Theme, put};
use crate::app::sessions::Entry;
use crate::app::turns::Row;
use crate::app::{App, Pane};
use crate::fmt::{cost, thousands};
use crate::model::Model;
use crate::sanitize::{one_line, truncate};
use crate::time::{human_duration, iso_ms};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The time of day of a timestamp, `--:--:--` when unknown.
pub(super) fn clock(ns: i64) -> String {
    if ns <= 0 {
        "--:--:--".into()
    } else {
        iso_ms(ns)[11..19].to_owned()
    }
}

pub fn header(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let (Some(model), Some(screen)) = (&app.model, &app.session) else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let (title, facts, evals): (Line<'_>, String, Vec<Line<'_>>) = match screen.entry {
        Entry::Session(s) => {
            let sess = model.session(s);
            let origin = Span::styled(
                format!(" {} {}", sess.marker(), sess.origin_text()),
                theme.origin(sess.marker()),
            );
            let user = if sess.user == 0 {
                String::new()
            } else {
                format!(" · user {}", one_line(model.str(sess.user)))
            };
            let facts = format!(
                "{} → {} ({}) · {} turns · {} spans · {} errors · tokens {}/{}{}",
                iso_ms(sess.start.max(0)).replace('T', " ")[..19].to_owned(),
                clock(sess.end),
                human_duration(sess.duration_ns()),
                sess.traces.len(),
                thousands(u64::from(sess.spans)),
                sess.errors,
                thousands(sess.tokens[0]),
                thousands(sess.tokens[1]),
                sess.cost
                    .map(|c| format!(" · {}", cost(c)))
                    .unwrap_or_default()
            );
            let evals = sess
                .evals
                .iter()
                .take(3)
                .filter_map(|&i| model.evals.get(i as usize))
                .map(|e| eval_line(&e.eval, theme, "session "))
                .collect();
            (
                Line::from(vec![
                    Span::styled(
                        format!("Session {}", one_line(model.session_id(s))),
                        theme.title,
                    ),
                    origin,
                    Span::styled(user, theme.dim),
                ]),
                facts,
                evals,
            )
        }
        Entry::Unsessioned => (
            Line::from(Span::styled("Unsessioned traces", theme.title)),
            format!("{} traces with no session id", model.unsessioned.len()),
            Vec::new(),
        ),
    };
    put(buf, area, 0, &title);
    put(buf, area, 1, &Line::from(Span::styled(facts, theme.dim)));
    let tab = |n: &str, label: &str, on: bool| {
        Span::styled(
            format!(" {n} {label} "),
            if on { theme.selected } else { theme.dim },
        )
    };
    let focus = screen.focus();
    put(
        buf,
        area,
        2,
        &Line::from(vec![
            tab("1", "Turns", focus == Pane::Turns),
            tab("2", "Tree", focus == Pane::Tree),
            tab("3", "Detail", focus == Pane::Detail),
        ]),
    );
    for (i, l) in evals.iter().enumerate() {
        put(buf, area, 3 + u16::try_from(i).unwrap_or(0), l);
    }
}

fn eval_line<'a>(e: &crate::format::Evaluation, theme: &Theme, prefix: &str) -> Line<'a> {
    match (&e.scorer_error, &e.value) {
        (Some(err), _) => Line::from(vec![
            Span::styled(format!("◇ {prefix}{}: ", one_line(&e.name)), theme.warn),
            Span::styled(format!("scorer error ({})", one_line(err)), theme.dim),
        ]),
        (None, v) => {
            let mut spans = vec![Span::styled(
                format!(
                    "◆ {prefix}{} = {}",
                    one_line(&e.name),
                    one_line(v.as_deref().unwrap_or("?"))
                ),
                theme.literal,
            )];
            if let Some(r) = &e.rationale {
                spans.push(Span::styled(format!(" — {}", one_line(r)), theme.dim));
            }
            Line::from(spans)
        }
    }
}

pub fn main(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let main = app.session.as_ref().map(|s| s.main);
    match main {
        Some(Pane::Tree) => super::tree::draw(buf, area, app, theme),
        Some(_) => turns(buf, area, app, theme),
        None => {}
    }
}

fn call_text(model: &Model, span: u32) -> (String, bool) {
    let rec = model.span(span);
    let mut s = format!("{:<5} {}", rec.kind().label(), one_line(model.name(span)));
    if let Some(e) = model.index.extra(span) {
        if e.model != 0 {
            s.push_str(&format!(" · {}", one_line(model.str(e.model))));
        }
        s.push_str(&format!(" · {}", human_duration(rec.duration_ns())));
        if let Some(t) = model.index.tokens(span) {
            s.push_str(&format!(" · {}→{} tok", t[0], t[1]));
        }
    } else {
        s.push_str(&format!(" · {}", human_duration(rec.duration_ns())));
    }
    let err = rec.status() == crate::kind::Status::Error;
    if err {
        s.push_str(" ✗");
    }
    (s, err)
}

/// The lines a turns row shows at width `w`.
fn row_lines<'a>(app: &App, model: &Model, row: &Row, w: usize, theme: &Theme) -> Vec<Line<'a>> {
    let Some(screen) = &app.session else {
        return Vec::new();
    };
    let tv = &screen.turns;
    let text = |t: u32, input: bool| {
        tv.texts.get(&t).and_then(|x| {
            if input {
                x.input.clone()
            } else {
                x.output.clone()
            }
        })
    };
    let folded = |marker: &str, body: Option<String>, style, unfolded: bool| -> Vec<Line<'a>> {
        let body = body.unwrap_or_else(|| "(none)".into());
        if !unfolded {
            let one = one_line(&body);
            return vec![Line::from(vec![
                Span::styled(format!("  {marker} "), style),
                Span::styled(truncate(&one, w.saturating_sub(4)).into_owned(), style),
            ])];
        }
        let clean = crate::sanitize::clean(&body);
        let width = w.saturating_sub(4).max(1);
        let mut out = Vec::new();
        for (i, l) in clean.split('\n').enumerate() {
            let chars: Vec<char> = l.replace('\t', "    ").chars().collect();
            let mut start = 0;
            loop {
                let mut used = 0;
                let mut end = start;
                while end < chars.len() {
                    let cw = unicode_width::UnicodeWidthChar::width(chars[end]).unwrap_or(0);
                    if used + cw > width {
                        break;
                    }
                    used += cw;
                    end += 1;
                }
                let lead = if i == 0 && start == 0 {
                    format!("  {marker} ")
                } else {
                    "    ".into()
                };
                out.push(Line::from(vec![
                    Span::styled(lead, style),
                    Span::styled(chars[start..end].iter().collect::<String>(), style),
                ]));
                if end >= chars.len() || end == start {
                    break;
                }
                start = end;
            }
        }
        out
    };
    match *row {
        Row::Gap(ns) => vec![Line::from(Span::styled(
            format!("   ··· {} idle ···", human_duration(ns)),
            theme.dim,
        ))],
        Row::Header { turn, trace } => {
            let t = model.trace(trace);
            let mut spans = vec![Span::styled(
                format!(
                    "Turn {turn} · {} · {} · {} spans",
                    clock(t.start),
                    human_duration(t.duration_ns()),
                    t.span_count()
                ),
                theme.title,
            )];
            if t.errors > 0 {
                spans.push(Span::styled(format!(" · ✗{}", t.errors), theme.error));
            }
            if let Some(by) = t.inferred() {
                spans.push(Span::styled(
                    format!(" · {}", by.link_words()),
                    theme.origin(by.marker()),
                ));
            }
            if t.side {
                spans.push(Span::styled(" · side request", theme.dim));
            }
            vec![Line::from(spans)]
        }
        Row::Input(t) => folded("›", text(t, true), theme.user, tv.unfolded.contains(row)),
        Row::Output(t) => folded(
            "‹",
            text(t, false),
            theme.assistant,
            tv.unfolded.contains(row),
        ),
        Row::Call { span, .. } => {
            let (s, err) = call_text(model, span);
            let style = if err {
                theme.error
            } else if model.span(span).kind() == crate::kind::Kind::Tool {
                theme.tool
            } else {
                theme.base
            };
            vec![Line::from(Span::styled(format!("     {s}"), style))]
        }
        Row::Eval { eval, .. } => match model.evals.get(eval as usize) {
            Some(e) => {
                let mut l = eval_line(&e.eval, theme, "");
                l.spans.insert(0, Span::raw("     "));
                vec![l]
            }
            None => Vec::new(),
        },
    }
}

fn turns(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let (Some(model), Some(screen)) = (&app.model, &app.session) else {
        return;
    };
    let tv = &screen.turns;
    let w = usize::from(area.width);
    let height = usize::from(area.height);
    // Start at the stored offset, moved down if unfolded text pushes the selection off screen.
    let mut offset = tv.offset.min(tv.selected);
    loop {
        let used: usize = tv.rows[offset..=tv.selected.min(tv.rows.len().saturating_sub(1))]
            .iter()
            .map(|r| row_lines(app, model, r, w, theme).len())
            .sum();
        if used <= height || offset >= tv.selected {
            break;
        }
        offset += 1;
    }
    let mut y = 0usize;
    let focused = !screen.detail_focus;
    for (i, row) in tv.rows.iter().enumerate().skip(offset) {
        if y >= height {
            break;
        }
        for line in row_lines(app, model, row, w, theme) {
            if y >= height {
                break;
            }
            let ry = area.y + u16::try_from(y).unwrap_or(u16::MAX);
            buf.set_line(area.x, ry, &super::fit(&line, area.width), area.width);
            if i == tv.selected {
                let style = if focused {
                    theme.selected
                } else {
                    theme.dim.add_modifier(ratatui::style::Modifier::REVERSED)
                };
                buf.set_style(
                    Rect {
                        y: ry,
                        height: 1,
                        ..area
                    },
                    style,
                );
            }
            y += 1;
        }
    }
    if tv.rows.is_empty() {
        put(
            buf,
            area,
            0,
            &Line::from(Span::styled("no turns", theme.dim)),
        );
    }
}
