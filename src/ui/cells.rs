//! One glyph per cell, as a terminal places them.
//!
//! ratatui puts a whole grapheme cluster in one cell. Terminals place characters one at a time:
//! a conjunct (`क्ष`), a flag or any cluster of two visible characters lands in two cells there,
//! while the screen model holds it in one cell and a blank. Drawn once, the two look alike;
//! drawn over, the model thinks the blank is still blank and the terminal keeps the second
//! character: a stale cell. So, after a frame is drawn, every cluster of more than one visible
//! character is spread over the cells it takes, a visible character (with the marks that
//! follow it) per cell: what the terminal would do.

use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthChar;

/// Spreads every multi-glyph cell of `buf` over its cells (see the module).
pub fn one_glyph_per_cell(buf: &mut Buffer) {
    let area = buf.area;
    let mut pieces: Vec<(String, usize)> = Vec::new();
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let symbol = buf[(x, y)].symbol();
            if symbol.len() == 1 || !split(symbol, &mut pieces) {
                x += 1;
                continue;
            }
            let width = usize::from(ratatui::buffer::CellWidth::cell_width(symbol)).max(1);
            let style = buf[(x, y)].style();
            let end = (usize::from(x) + width).min(usize::from(area.right()));
            let mut at = usize::from(x);
            for (piece, w) in pieces.drain(..) {
                if at + w > end {
                    break;
                }
                if let Ok(px) = u16::try_from(at) {
                    buf[(px, y)].set_symbol(&piece).set_style(style);
                }
                at += w;
                // A wide piece hides the cell after it, as ratatui leaves it: blank.
                for blank in at - w + 1..at {
                    if let Ok(bx) = u16::try_from(blank) {
                        buf[(bx, y)].set_symbol(" ").set_style(style);
                    }
                }
            }
            for rest in at..end {
                if let Ok(rx) = u16::try_from(rest) {
                    buf[(rx, y)].set_symbol(" ").set_style(style);
                }
            }
            x = u16::try_from(end).unwrap_or(area.right());
        }
    }
}

/// Cuts `symbol` into pieces of one visible character and the zero-width ones that follow
/// it, with their widths; false (and `pieces` empty) when it has at most one visible character.
fn split(symbol: &str, pieces: &mut Vec<(String, usize)>) -> bool {
    pieces.clear();
    let visible = symbol
        .chars()
        .filter(|c| c.width().unwrap_or(0) > 0)
        .count();
    if visible < 2 {
        return false;
    }
    for c in symbol.chars() {
        let w = c.width().unwrap_or(0);
        match pieces.last_mut() {
            Some((p, _)) if w == 0 => p.push(c),
            _ => pieces.push((c.to_string(), w)),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn row(buf: &Buffer, y: u16) -> Vec<String> {
        (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_owned())
            .collect()
    }

    #[test]
    fn clusters_are_spread_as_terminals_place_them() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 2));
        buf.set_string(0, 0, "aक्षb e\u{301}🇫🇷", ratatui::style::Style::default());
        // ratatui holds the conjunct (and the flag) in one cell, a blank after it.
        assert_eq!(row(&buf, 0)[1], "क्ष");
        one_glyph_per_cell(&mut buf);
        assert_eq!(
            row(&buf, 0),
            [
                "a",
                "क\u{94d}",
                "ष",
                "b",
                " ",
                "e\u{301}",
                "🇫",
                "🇷",
                " ",
                " ",
                " ",
                " "
            ]
        );
        // Plain and wide characters are left as they are.
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        buf.set_string(0, 0, "日本ab", ratatui::style::Style::default());
        let before = row(&buf, 0);
        one_glyph_per_cell(&mut buf);
        assert_eq!(row(&buf, 0), before);
    }
}
