//! An open session: its header, and the turns or tree pane.

use super::{Theme, put};
use crate::app::sessions::Entry;
use crate::app::{App, Pane};
use crate::fmt::{cost, thousands};
use crate::sanitize::one_line;
use crate::time::human_duration;
use crate::zone::Zone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The time of day of a timestamp with its zone (`09:00:00Z`), `--:--:--` when unknown.
pub(super) fn clock(zone: &Zone, ns: i64) -> String {
    if ns <= 0 {
        "--:--:--".into()
    } else {
        zone.clock(ns)
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
            let c = &screen.turns.conversation;
            let facts = format!(
                "{} → {} ({}) · {} · {} · {} · tokens {}/{}{}",
                app.zone.seconds(sess.start.max(0)),
                clock(&app.zone, sess.end),
                human_duration(sess.duration_ns()),
                crate::transcript::counts(
                    c.turns.len(),
                    c.call_count(),
                    c.tool_count(),
                    c.subagent_count()
                ),
                crate::fmt::count(sess.spans as usize, "span", "spans"),
                crate::fmt::count(sess.errors as usize, "error", "errors"),
                thousands(model.tokens_of(sess)[0]),
                thousands(model.tokens_of(sess)[1]),
                sess.cost()
                    .map(|c| format!(" · {}", cost(c)))
                    .unwrap_or_default()
            );
            let evals = model
                .evals_of(sess)
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
            format!(
                "{} with no session id",
                crate::fmt::count(model.unsessioned.len(), "trace", "traces")
            ),
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
    let mut tabs = vec![
        tab("1", "Turns", focus == Pane::Turns),
        tab("2", "Tree", focus == Pane::Tree),
        tab("3", "Detail", focus == Pane::Detail),
    ];
    if let Some(f) = &screen.filter {
        let (kept, all) = screen.kept;
        tabs.push(Span::styled(
            format!(
                " {} of {} · filter: {}",
                kept,
                crate::fmt::count(all, "turn", "turns"),
                crate::sanitize::one_line(&f.text)
            ),
            theme.error,
        ));
    }
    let tabs = Line::from(tabs);
    let used = tabs.width();
    put(buf, area, 2, &tabs);
    // Where the selection is: its turn (trace, in the tree) of how many.
    let at = match screen.main {
        Pane::Tree => screen
            .tree
            .rows()
            .get(screen.tree.selected())
            .map(|r| (r.trace as usize, screen.tree.traces.len(), "trace")),
        _ => screen
            .turns
            .rows
            .get(screen.turns.selected)
            .and_then(|r| screen.turns.turn_of(r))
            .map(|k| (k as usize, screen.turns.conversation.turns.len(), "turn")),
    };
    if let Some((i, n, what)) = at {
        let text = format!(
            "{what} {} of {}",
            crate::fmt::thousands(i as u64 + 1),
            crate::fmt::thousands(n as u64)
        );
        super::position(buf, area, 2, used, &text, theme);
    }
    for (i, l) in evals.iter().enumerate() {
        put(buf, area, 3 + u16::try_from(i).unwrap_or(0), l);
    }
}

pub(super) fn eval_line<'a>(
    e: &crate::format::Evaluation,
    theme: &Theme,
    prefix: &str,
) -> Line<'a> {
    match (&e.scorer_error, &e.value) {
        (Some(err), _) => Line::from(vec![
            Span::styled(
                format!("◇ {prefix}{}: ", one_line(&e.shown_name())),
                theme.warn,
            ),
            Span::styled(format!("scorer error ({})", one_line(err)), theme.dim),
        ]),
        (None, v) => {
            let mut spans = vec![Span::styled(
                format!(
                    "◆ {prefix}{} = {}",
                    one_line(&e.shown_name()),
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
        Some(_) => super::turns::draw(buf, area, app, theme),
        None => {}
    }
}
