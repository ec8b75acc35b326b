//! The span detail pane: the items the app picked, in the rows the app counted (wrapped or
//! cut at the edge), painted by what each piece is, matches of a find marked, the cursor's row
//! shown while the pane has the keys, and the find prompt on its last row.

use super::{Theme, put};
use crate::app::detail::{DetailView, Paint, find, wrap};
use crate::app::{App, Overlay};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let Some(screen) = &app.session else { return };
    if area.width == 0 || area.height == 0 {
        return;
    }
    let d = &screen.detail;
    if d.span.is_none() {
        put(
            buf,
            area,
            0,
            &Line::from(Span::styled(
                "select a turn, call or span to see it here",
                theme.dim,
            )),
        );
        return;
    }
    let focused = screen.detail_focus;
    let prompt = match &app.overlay {
        Overlay::Find(p) => Some(p),
        _ => None,
    };
    let height = usize::from(area.height) - usize::from(prompt.is_some());
    let w = usize::from(area.width);
    let mut row = 0usize;
    let mut visual = d.scroll;
    let mut idx = d.line_at(d.scroll);
    let mut skip = d
        .scroll
        .saturating_sub(d.starts.get(idx).copied().unwrap_or(0));
    while row < height && idx < d.items.len() {
        let r = d.render(idx);
        let marks = d.marks(idx, &r);
        let hang = wrap::indent(w, r.hang);
        for (k, range) in d.item_rows(&r).into_iter().enumerate().skip(skip) {
            if row >= height {
                break;
            }
            let y = area.y + u16::try_from(row).unwrap_or(u16::MAX);
            let cursor = focused && visual == d.cursor;
            if cursor {
                buf.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..area
                    },
                    theme.cursor,
                );
            }
            let indent = if k > 0 { hang } else { 0 };
            let line = styled(d, &r.text, &r.paint, range, indent, &marks, w, theme);
            buf.set_line(area.x, y, &line, area.width);
            row += 1;
            visual += 1;
        }
        skip = 0;
        idx += 1;
    }
    let total = d.rows();
    if total > height && area.width > 2 && height > 0 {
        let pos = d.scroll * (height - 1) / total.saturating_sub(height).max(1);
        let pos = pos.min(height - 1);
        let style = if focused { theme.hint_key } else { theme.dim };
        buf.set_string(
            area.right() - 1,
            area.y + u16::try_from(pos).unwrap_or(0),
            "▐",
            style,
        );
    }
    if let Some(p) = prompt {
        prompt_row(buf, area, p, d, theme);
    }
}

/// The style of a piece.
fn paint_style(p: Paint, text: &str, theme: &Theme) -> Style {
    match p {
        Paint::Title => theme.title,
        Paint::Meta | Paint::Note => theme.dim,
        Paint::Error => theme.error,
        Paint::Section => theme.section,
        Paint::Role => theme.chat_role(text.trim()),
        Paint::Body => theme.base,
        Paint::Json(role) => theme.role(role),
    }
}

/// Row `range` of a rendered item as styled spans, `indent` columns in; cut with `…` at
/// `width` columns (with wrap off, a row is the whole item).
#[allow(clippy::too_many_arguments)]
fn styled(
    d: &DetailView,
    text: &str,
    paint: &[(Range<usize>, Paint)],
    range: Range<usize>,
    indent: usize,
    marks: &[(Range<usize>, bool)],
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut points = vec![range.start, range.end];
    for (r, _) in paint {
        points.extend([r.start, r.end]);
    }
    for (r, _) in marks {
        points.extend([r.start, r.end]);
    }
    points.retain(|&p| p >= range.start && p <= range.end && text.is_char_boundary(p));
    points.sort_unstable();
    points.dedup();
    let mut spans = Vec::new();
    if indent > 0 {
        spans.push(Span::raw(" ".repeat(indent)));
    }
    let mut room = width.saturating_sub(indent);
    let cut = !d.wrap && crate::app::detail::width(&text[range.clone()]) > room;
    if cut {
        room = room.saturating_sub(1);
    }
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a >= b || room == 0 {
            continue;
        }
        let piece = &text[a..b];
        let mut style = paint
            .iter()
            .find(|(r, _)| r.start <= a && a < r.end)
            .map_or(theme.base, |(_, p)| paint_style(*p, text, theme));
        if let Some((_, current)) = marks.iter().find(|(r, _)| r.start <= a && a < r.end) {
            style = style.patch(if *current {
                theme.found_current
            } else {
                theme.found
            });
        }
        let mut shown = String::new();
        for c in piece.chars() {
            let cw = c.width().unwrap_or(0);
            if cw > room {
                room = 0;
                break;
            }
            room -= cw;
            shown.push(c);
        }
        spans.push(Span::styled(shown, style));
    }
    if cut {
        spans.push(Span::styled("…", theme.dim));
    }
    Line::from(spans)
}

/// `/query` and what it finds, on the pane's last row.
fn prompt_row(buf: &mut Buffer, area: Rect, p: &find::Prompt, d: &DetailView, theme: &Theme) {
    let y = area.bottom() - 1;
    let row = Rect {
        y,
        height: 1,
        ..area
    };
    buf.set_style(row, theme.base);
    for x in row.left()..row.right() {
        buf[(x, y)].set_symbol(" ");
    }
    let (text, count) = find::prompt_text(p, d);
    let at = p.line.cursor_chars();
    let before: String = text.chars().take(at).collect();
    let under: String = text.chars().nth(at).map_or(" ".into(), String::from);
    let after: String = text.chars().skip(at + 1).collect();
    let line = Line::from(vec![
        Span::styled("/", theme.hint_key),
        Span::raw(before),
        Span::styled(under, theme.selected),
        Span::raw(after),
        Span::styled(format!("   {count}"), theme.dim),
    ]);
    put(buf, row, 0, &line);
}
