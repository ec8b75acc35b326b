//! The tree pane: the window of visible rows of the session's span tree, each indented by its
//! depth (bounded: very deep rows show their depth as a number), with a fold symbol and the
//! trace's heading or the span's kind, name, duration and timing bar.

use super::session::clock;
use super::{Theme, put};
use crate::app::App;
use crate::app::sessions::{Entry, follow};
use crate::app::tree::{Fold, Item};
use crate::model::Model;
use crate::sanitize::{one_line, truncate};
use crate::time::human_duration;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// A span's line: kind, name, duration, timing bar against `axis`, and marks.
fn span_line(model: &Model, span: u32, axis: (i64, i64), theme: &Theme) -> Line<'static> {
    let rec = model.span(span);
    let end = model.index.end(rec);
    let (s0, s1) = axis;
    let width = 16usize;
    let bar = if s1 > s0 && rec.start() > 0 {
        let pos = |t: i64| {
            usize::try_from((t.clamp(s0, s1) - s0) as i128 * width as i128 / i128::from(s1 - s0))
                .unwrap_or(0)
                .min(width - 1)
        };
        let (a, b) = (pos(rec.start()), pos(end.max(rec.start())));
        (0..width)
            .map(|i| if i >= a && i <= b { '█' } else { '·' })
            .collect::<String>()
    } else {
        " ".repeat(width)
    };
    let mut spans = vec![
        Span::styled(format!("{:<5} ", rec.kind().label()), theme.dim),
        Span::raw(truncate(&one_line(model.name(span)), 40).into_owned()),
        Span::styled(
            format!(" {} ", crate::fmt::span_duration((rec.start(), end))),
            if rec.start() > 0 && end >= rec.start() {
                theme.dim
            } else {
                theme.warn
            },
        ),
        Span::styled(format!("▕{bar}▏"), theme.bar),
    ];
    if rec.status() == crate::kind::Status::Error {
        spans.push(Span::styled(" ✗", theme.error));
    }
    if model.is_orphan(span) {
        spans.push(Span::styled(" ⊘ orphan", theme.warn));
    }
    if rec.has(crate::index::record::flag::CYCLE_CUT) {
        spans.push(Span::styled(" ⟲ cycle cut", theme.warn));
    }
    if let Some(w) = model.index.seen_words(span) {
        spans.push(Span::styled(format!(" seen: {w}"), theme.dim));
    }
    Line::from(spans)
}

/// A trace's heading in the tree: turn number, start, duration, size, id, errors, marker.
fn trace_line(
    model: &Model,
    zone: &crate::zone::Zone,
    t: u32,
    turn: usize,
    theme: &Theme,
) -> Line<'static> {
    let tr = model.trace(t);
    let mut spans = vec![Span::styled(
        format!(
            "turn {turn} · {} · {} · {} · trace {}",
            clock(zone, tr.start),
            human_duration(tr.duration_ns()),
            crate::fmt::count(tr.span_count() as usize, "span", "spans"),
            &model
                .index
                .trace_id_text(t)
                .chars()
                .take(11)
                .collect::<String>()
        ),
        theme.title,
    )];
    let errors = model.trace_errors(t);
    if errors > 0 {
        spans.push(Span::styled(format!(" ✗{errors}"), theme.error));
    }
    if let Some(m) = tr.marker() {
        spans.push(Span::styled(format!(" {m}"), theme.origin(m)));
    }
    Line::from(spans)
}

/// The start of a tree row: two columns of indent per level, then the fold symbol. Past a
/// third of the row's width, the indent stops growing and ends with the depth as a number
/// (`·1234 `), so that rows a million levels deep still show their names.
fn indent(depth: u32, fold: Fold, width: u16) -> String {
    let symbol = match fold {
        Fold::Open => "▾ ",
        Fold::Closed => "▸ ",
        Fold::Leaf => "  ",
    };
    let cap = usize::from(width / 3);
    let cols = usize::try_from(depth).map_or(usize::MAX, |d| d.saturating_mul(2));
    if cols <= cap {
        format!("{}{symbol}", " ".repeat(cols))
    } else {
        format!("{:>cap$}{symbol}", format!("·{depth} "))
    }
}

/// The tree pane: the window of visible rows starting at the view's offset.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let (Some(model), Some(screen)) = (&app.model, &app.session) else {
        return;
    };
    let axis = match screen.entry {
        Entry::Session(s) => (model.session(s).start, model.session(s).end),
        Entry::Unsessioned => (0, 0),
    };
    let tv = &screen.tree;
    let height = usize::from(area.height);
    let offset = follow(tv.offset, tv.selected(), height);
    let focused = !screen.detail_focus;
    let rows = tv.rows().iter().enumerate().skip(offset).take(height);
    for (y, (i, &row)) in (area.y..).zip(rows) {
        let Some(shown) = tv.shown(row) else { continue };
        let mut line = match shown.item {
            Item::Trace(t) => trace_line(model, &app.zone, t, row.trace as usize + 1, theme),
            Item::Span(s) if axis.1 > axis.0 => span_line(model, s, axis, theme),
            Item::Span(s) => {
                let t = model.trace(model.span(s).trace);
                span_line(model, s, (t.start, t.end), theme)
            }
        };
        line.spans
            .insert(0, Span::raw(indent(shown.depth, shown.fold, area.width)));
        let r = Rect {
            y,
            height: 1,
            ..area
        };
        put(buf, r, 0, &line);
        if i == tv.selected() {
            let style = if focused {
                theme.selected
            } else {
                theme.dim.add_modifier(ratatui::style::Modifier::REVERSED)
            };
            buf.set_style(r, style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Fold, indent};

    #[test]
    fn indent_grows_to_a_third_of_the_width_then_shows_the_depth() {
        assert_eq!(indent(0, Fold::Open, 80), "▾ ");
        assert_eq!(indent(1, Fold::Closed, 80), "  ▸ ");
        assert_eq!(indent(13, Fold::Leaf, 80), format!("{}  ", " ".repeat(26)));
        // Past 26 columns (80 / 3), the depth as a number, right-aligned in those columns.
        assert_eq!(
            indent(14, Fold::Leaf, 80),
            format!("{}·14   ", " ".repeat(22))
        );
        let deep = indent(1_000_000, Fold::Open, 80);
        assert_eq!(deep, format!("{}·1000000 ▾ ", " ".repeat(17)));
        // Narrow panes keep the marker whole; the line is cut to the width when drawn.
        assert_eq!(indent(4_000_000_000, Fold::Leaf, 9), "·4000000000   ");
    }
}
