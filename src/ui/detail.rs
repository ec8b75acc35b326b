//! The span detail pane: the lines the app built, wrapped to the pane, JSON highlighted.

use super::{Theme, put};
use crate::app::App;
use crate::app::detail::{DetailView, Line as DLine};
use crate::highlight::Role;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
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
    let height = usize::from(area.height);
    let w = usize::from(area.width);
    let mut row = 0usize;
    let mut visual = d.scroll;
    let mut i = d.line_at(d.scroll);
    let mut skip = d
        .scroll
        .saturating_sub(d.starts.get(i).copied().unwrap_or(0));
    while row < height && i < d.lines.len() {
        let styled = styled(d, i, theme);
        for piece in wrap(&styled, w).into_iter().skip(skip) {
            if row >= height {
                break;
            }
            buf.set_line(
                area.x,
                area.y + u16::try_from(row).unwrap_or(u16::MAX),
                &piece,
                area.width,
            );
            row += 1;
            visual += 1;
        }
        skip = 0;
        i += 1;
    }
    let total = d.rows();
    if total > height && area.width > 2 {
        let pos = if total <= 1 {
            0
        } else {
            d.scroll * (height - 1) / total.saturating_sub(height).max(1)
        };
        let pos = pos.min(height - 1);
        let style = if focused { theme.hint_key } else { theme.dim };
        buf.set_string(
            area.right() - 1,
            area.y + u16::try_from(pos).unwrap_or(0),
            "▐",
            style,
        );
    }
    let _ = visual;
}

/// Line `i` as styled pieces.
fn styled(d: &DetailView, i: usize, theme: &Theme) -> Vec<(String, Style)> {
    match &d.lines[i] {
        DLine::Title(s) => vec![(s.clone(), theme.title)],
        DLine::Meta(s) => vec![(s.clone(), theme.dim)],
        DLine::Error(s) => vec![(s.clone(), theme.error)],
        DLine::Section(s) => vec![(format!("── {s} ──"), theme.section)],
        DLine::Role(s) => vec![(s.clone(), theme.chat_role(s))],
        DLine::Body(s) => vec![(format!("  {s}"), theme.base)],
        DLine::Blank => vec![(String::new(), theme.base)],
        DLine::Json(j) => {
            let text = d.json.get(*j).map_or("", String::as_str);
            match d.highlight.as_ref().and_then(|h| h.get(*j)) {
                Some(roles) if !roles.is_empty() => {
                    let mut out = Vec::new();
                    let mut at = 0;
                    for (r, role) in roles {
                        if r.start > at && r.start <= text.len() {
                            out.push((text.get(at..r.start).unwrap_or("").to_owned(), theme.base));
                        }
                        if let Some(piece) =
                            text.get(r.start.min(text.len())..r.end.min(text.len()))
                        {
                            out.push((piece.to_owned(), theme.role(*role)));
                        }
                        at = r.end;
                    }
                    if at < text.len() {
                        out.push((text[at..].to_owned(), theme.role(Role::Plain)));
                    }
                    out
                }
                _ => vec![(text.to_owned(), theme.base)],
            }
        }
    }
}

/// Hard-wraps styled pieces into lines of at most `w` columns.
fn wrap(pieces: &[(String, Style)], w: usize) -> Vec<Line<'static>> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (text, style) in pieces {
        let mut chunk = String::new();
        for c in text.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > w {
                if !chunk.is_empty() {
                    cur.push(Span::styled(std::mem::take(&mut chunk), *style));
                }
                lines.push(Line::from(std::mem::take(&mut cur)));
                used = 0;
            }
            chunk.push(c);
            used += cw;
        }
        if !chunk.is_empty() {
            cur.push(Span::styled(chunk, *style));
        }
    }
    lines.push(Line::from(cur));
    lines
}
