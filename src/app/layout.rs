//! Screen geometry, shared by the state (paging, wrapping) and the drawing.

use ratatui::layout::Rect;

/// Terminals at least this wide show a session's list and the span detail side by side.
pub const WIDE: u16 = 120;

/// The parts of the screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// Session summary (session list) or session header (session screen).
    pub summary: Rect,
    /// The list: sessions, turns or tree.
    pub list: Rect,
    /// The span detail (empty when not shown).
    pub detail: Rect,
    pub hints: Rect,
}

fn rows(r: Rect, top: u16, bottom: u16) -> (Rect, Rect, Rect) {
    let top = top.min(r.height);
    let bottom = bottom.min(r.height - top);
    let mid = r.height - top - bottom;
    (
        Rect { height: top, ..r },
        Rect {
            y: r.y + top,
            height: mid,
            ..r
        },
        Rect {
            y: r.y + top + mid,
            height: bottom,
            ..r
        },
    )
}

/// Splits the screen. `in_session`: a session is open; `detail_focus`: the detail has the keys;
/// `header_lines`: lines the session header (or the session list's summary) needs.
pub fn areas(
    screen: Rect,
    top: u16,
    in_session: bool,
    detail_focus: bool,
    header_lines: u16,
) -> Areas {
    let (header, body, hints) = rows(screen, top, 1);
    if !in_session {
        let summary_h = if body.height >= 16 {
            header_lines + 1
        } else {
            0
        };
        let (list, _, summary) = rows(body, body.height.saturating_sub(summary_h), summary_h);
        return Areas {
            header,
            summary,
            list,
            detail: Rect::default(),
            hints,
        };
    }
    let header_h = if body.height >= 12 {
        header_lines.min(body.height / 3)
    } else {
        0
    };
    let (summary, main, _) = rows(body, header_h, 0);
    if screen.width >= WIDE {
        let left = main.width * 11 / 20;
        let list = Rect {
            width: left,
            ..main
        };
        let detail = Rect {
            x: main.x + left + 1,
            width: main.width.saturating_sub(left + 1),
            ..main
        };
        Areas {
            header,
            summary,
            list,
            detail,
            hints,
        }
    } else if detail_focus {
        Areas {
            header,
            summary,
            list: Rect::default(),
            detail: main,
            hints,
        }
    } else {
        Areas {
            header,
            summary,
            list: main,
            detail: Rect::default(),
            hints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_fit_any_size() {
        for (w, h) in [(0, 0), (1, 1), (10, 3), (40, 12), (80, 24), (200, 60)] {
            let screen = Rect::new(0, 0, w, h);
            for (s, d) in [(false, false), (true, false), (true, true)] {
                let a = areas(screen, 1, s, d, 3);
                for r in [a.header, a.summary, a.list, a.detail, a.hints] {
                    assert!(
                        r.right() <= screen.right().max(r.x)
                            && r.bottom() <= screen.bottom().max(r.y),
                        "{w}x{h} {r:?}"
                    );
                }
            }
        }
        let a = areas(Rect::new(0, 0, 160, 40), 1, true, false, 3);
        assert!(a.list.width > 0 && a.detail.width > 0);
        let a = areas(Rect::new(0, 0, 80, 24), 1, true, false, 3);
        assert!(a.list.width == 80 && a.detail.width == 0);
    }
}
