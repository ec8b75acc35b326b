//! Drawing: reads the app state and paints frames. No parsing, no I/O.

mod bars;
mod cells;
mod detail;
mod overlay;
mod session;
mod sessions;
pub mod theme;
mod tree;
mod turns;

use crate::app::App;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
pub use theme::Theme;

/// Draws one frame.
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let a = app.areas(area);
    let buf = frame.buffer_mut();
    bars::header(buf, a.header, app, theme);
    match (&app.model, &app.session) {
        (None, _) => bars::loading(buf, a.list, app, theme),
        (Some(_), None) => {
            sessions::list(buf, a.list, app, theme);
            sessions::summary(buf, a.summary, app, theme);
        }
        (Some(_), Some(_)) => {
            session::header(buf, a.summary, app, theme);
            session::main(buf, a.list, app, theme);
            if a.detail.width > 0 && a.list.width > 0 {
                let sep = Rect {
                    x: a.detail.x - 1,
                    width: 1,
                    ..a.detail
                };
                for y in sep.top()..sep.bottom() {
                    buf.set_string(sep.x, y, "│", theme.border);
                }
            }
            detail::draw(buf, a.detail, app, theme);
        }
    }
    bars::hints(buf, a.hints, app, theme);
    overlay::draw(buf, area, app, theme);
    cells::one_glyph_per_cell(frame.buffer_mut());
}

/// Writes where the selection is (`42 of 1,456`) at the right end of row `row` of `area`,
/// when the row has room for it after the `used` columns it holds.
fn position(buf: &mut Buffer, area: Rect, row: u16, used: usize, text: &str, theme: &Theme) {
    let w = u16::try_from(crate::app::detail::width(text)).unwrap_or(u16::MAX);
    let used = u16::try_from(used).unwrap_or(u16::MAX);
    if row >= area.height || area.width < w.saturating_add(used).saturating_add(3) {
        return;
    }
    let x = area.x + area.width - w - 1;
    buf.set_string(x - 1, area.y + row, " ", theme.dim);
    buf.set_string(x, area.y + row, text, theme.dim);
    buf.set_string(x + w, area.y + row, " ", theme.dim);
}

/// Writes a line at row `row` of `area`, ending it with `…` if it does not fit.
fn put(buf: &mut Buffer, area: Rect, row: u16, line: &Line<'_>) {
    if row < area.height {
        buf.set_line(area.x, area.y + row, &fit(line, area.width), area.width);
    }
}

/// The line cut to `width` columns with a `…` marker, so nothing is cut silently.
fn fit<'a>(line: &Line<'a>, width: u16) -> Line<'a> {
    let width = usize::from(width);
    if line.width() <= width {
        return line.clone();
    }
    let mut out = Vec::new();
    let mut used = 0;
    for span in &line.spans {
        let w = crate::app::detail::width(&span.content);
        if used + w < width {
            out.push(span.clone());
            used += w;
            continue;
        }
        let room = width.saturating_sub(used);
        let cut = crate::sanitize::truncate(&span.content, room).into_owned();
        out.push(ratatui::text::Span::styled(cut, span.style));
        break;
    }
    Line::from(out).style(line.style)
}
