//! Popups: help, search, copy menu, the too-big prompt, diagnostics.

use super::{Theme, put};
use crate::app::keymap::{self, Mode};
use crate::app::search::{Hit, Scope};
use crate::app::sessions::Entry;
use crate::app::{App, Overlay};
use crate::index::report::Severity;
use crate::sanitize::{one_line, truncate};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn boxed(buf: &mut Buffer, r: Rect, title: &str, theme: &Theme) -> Rect {
    Clear.render(r, buf);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title));
    let inner = b.inner(r);
    b.render(r, buf);
    inner
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => help(buf, area, &app.keymap, *scroll, theme),
        Overlay::Diagnostics { selected } => diagnostics(buf, area, app, *selected, theme),
        Overlay::Matches { selected } => matches(buf, area, app, *selected, theme),
        Overlay::YankMenu => menu(
            buf,
            area,
            "copy",
            &[
                ("y", "the span's JSON"),
                ("s", "the span id"),
                ("t", "the trace id"),
                ("i", "the session id"),
                ("m", "the whole session as Markdown"),
            ],
            theme,
        ),
        Overlay::SortMenu => {
            let l = &app.sessions;
            let evals = app.model.as_ref().is_some_and(|m| !m.evals.is_empty());
            let items: Vec<(String, String)> = crate::app::sessions::SortKey::MENU
                .iter()
                .filter(|&&(_, key)| evals || key != crate::app::sessions::SortKey::Eval)
                .map(|&(c, key)| {
                    let now = if l.sort == Some(key) {
                        if l.descending {
                            "  ▼ (again: ▲)"
                        } else {
                            "  ▲ (again: ▼)"
                        }
                    } else if key.descending_first() {
                        "  ▼"
                    } else {
                        "  ▲"
                    };
                    (c.to_string(), format!("{}{now}", key.label()))
                })
                .collect();
            let items: Vec<(&str, &str)> = items
                .iter()
                .map(|(k, d)| (k.as_str(), d.as_str()))
                .collect();
            menu(buf, area, "sort sessions by", &items, theme);
        }
        Overlay::TooBig {
            what, bytes, name, ..
        } => {
            let msg = format!(
                "The {} is {} — over the {} KB clipboard limit.",
                crate::sanitize::one_line(what),
                crate::fmt::thousands(*bytes as u64) + " bytes",
                crate::app::CLIPBOARD_CAP / 1024
            );
            let write = format!("write it to ./{name}");
            let r = centered(area, 64, 6);
            let inner = boxed(buf, r, "too big to copy", theme);
            put(buf, inner, 0, &Line::from(msg));
            put(
                buf,
                inner,
                2,
                &Line::from(vec![Span::styled(" y ", theme.hint_key), Span::raw(write)]),
            );
            put(
                buf,
                inner,
                3,
                &Line::from(vec![
                    Span::styled(" n ", theme.hint_key),
                    Span::raw("cancel"),
                ]),
            );
        }
        Overlay::Search(p) => search(buf, area, app, p, theme),
        Overlay::Filter(p) => filter(buf, area, p, theme),
        // Drawn on the detail's last row (see `detail::draw`).
        Overlay::Find(_) => {}
    }
}

fn menu(buf: &mut Buffer, area: Rect, title: &str, items: &[(&str, &str)], theme: &Theme) {
    let h = u16::try_from(items.len()).unwrap_or(0) + 2;
    let r = centered(area, 44, h);
    let inner = boxed(buf, r, title, theme);
    for (i, (k, d)) in items.iter().enumerate() {
        put(
            buf,
            inner,
            u16::try_from(i).unwrap_or(0),
            &Line::from(vec![
                Span::styled(format!(" {k} "), theme.hint_key),
                Span::raw(*d),
            ]),
        );
    }
}

/// The help, generated from the keymap in use (its labels are the keys as bound now).
pub fn help_lines(keys: &keymap::Keymap) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (b, label) in keys.all() {
        let every = [Mode::Sessions, Mode::Turns, Mode::Tree, Mode::Detail];
        let wher = if b.modes.is_empty() || every.iter().all(|m| b.modes.contains(m)) {
            "everywhere".to_owned()
        } else {
            b.modes
                .iter()
                .map(|m| match m {
                    Mode::Sessions => "sessions",
                    Mode::Turns => "turns",
                    Mode::Tree => "tree",
                    Mode::Detail => "detail",
                    Mode::Diagnostics => "the ! and M lists",
                    Mode::Chord(_) => "detail",
                    _ => "",
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push((label, b.desc.to_owned(), wher));
    }
    out
}

fn help(buf: &mut Buffer, area: Rect, keys: &keymap::Keymap, scroll: u16, theme: &Theme) {
    let lines = help_lines(keys);
    let key = |name: &str| keymap::Keymap::find(name).map_or_else(String::new, |i| keys.label(i));
    // Border, the three legend lines, a blank, the Ctrl-C line and a blank.
    const CHROME: usize = 8;
    let want = lines.len() + CHROME;
    debug_assert_eq!(want, keymap::HELP_TEXT_ROWS + 3);
    let scroll = usize::from(scroll).min(keymap::help_scroll_max(area.height));
    let h = u16::try_from(want).unwrap_or(u16::MAX).min(area.height);
    let r = centered(area, 96, h);
    let more = usize::from(h) < want;
    let title = if more {
        // The first key of each, as `j/k g/G PgUp/PgDn`.
        let first = |name: &str| keys.key(name);
        format!(
            "keys ({}/{} {}/{} {}/{} scroll · any other key closes)",
            first("down"),
            first("up"),
            first("top"),
            first("bottom"),
            first("page-up"),
            first("page-down")
        )
    } else {
        "keys (any key closes)".to_owned()
    };
    let inner = boxed(buf, r, &title, theme);
    let mut text: Vec<Line<'_>> = vec![
        Line::from(vec![
            Span::styled("●", theme.ok),
            Span::styled(" session id in the file · ", theme.dim),
            Span::styled("+", theme.ok),
            Span::styled(" id, and traces linked by history", theme.dim),
        ]),
        Line::from(vec![
            Span::styled("~", theme.inferred),
            Span::styled(" inferred from message history · ", theme.dim),
            Span::styled("≈", theme.inferred_time),
            Span::styled(
                format!(" inferred by idle time ({})", key("infer-time")),
                theme.dim,
            ),
        ]),
        Line::from(Span::styled(
            "✗ error · ⊘ orphan (parent not in file) · ◆ evaluation · ◇ scorer error",
            theme.dim,
        )),
        Line::from(""),
    ];
    for (k, d, w) in lines {
        text.push(Line::from(vec![
            Span::styled(format!(" {k:<7}"), theme.hint_key),
            Span::raw(format!("{d} ")),
            Span::styled(format!("({w})"), theme.dim),
        ]));
    }
    text.push(Line::from(Span::styled(
        " Ctrl-C   quit, always",
        theme.dim,
    )));
    for (i, l) in text.iter().skip(scroll).enumerate() {
        put(buf, inner, u16::try_from(i).unwrap_or(u16::MAX), l);
    }
}

/// The last search's matches, in the order `n` steps through them.
fn matches(buf: &mut Buffer, area: Rect, app: &App, selected: usize, theme: &Theme) {
    use crate::app::search::Hit;
    use crate::app::sessions::Entry;
    let Some(model) = &app.model else { return };
    let r = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let hits = &app.search.results;
    let title = format!(
        "{} for {} (⏎ goes to one, Esc closes)",
        crate::fmt::count(hits.len(), "match", "matches"),
        one_line(&format!("{:?}", app.search.last_query))
    );
    let inner = boxed(buf, r, &title, theme);
    let session_name = |e: Entry| match e {
        Entry::Session(s) => one_line(model.session_id(s)),
        Entry::Unsessioned => "(unsessioned)".to_owned(),
    };
    let rows = hits.iter().map(|hit| match *hit {
        Hit::Session(e) => Line::from(session_name(e)),
        Hit::Span(span) => {
            let rec = model.span(span);
            let sess = model.trace(rec.trace).session;
            let entry = if sess == crate::model::NONE {
                Entry::Unsessioned
            } else {
                Entry::Session(sess)
            };
            let at = if rec.start() > 0 {
                app.zone.clock(rec.start())
            } else {
                "--:--:--".to_owned()
            };
            Line::from(vec![
                Span::styled(
                    format!("{}  ", truncate(&session_name(entry), 24)),
                    theme.dim,
                ),
                Span::styled(format!("{at}  "), theme.dim),
                Span::raw(format!("{:<5} ", rec.kind().label())),
                Span::raw(one_line(model.name(span))),
            ])
        }
    });
    selectable(buf, inner, rows, selected, theme);
}

fn diagnostics(buf: &mut Buffer, area: Rect, app: &App, selected: usize, theme: &Theme) {
    let Some(model) = &app.model else { return };
    let r = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let problems = &model.index.problems;
    // Files that changed on disk first, then files that yield nothing (not read, empty, no
    // span), then the lines reported.
    let changed = crate::app::disk::lines(&app.disk, &app.keymap);
    let notes = model.index.file_notes();
    let mut parts = Vec::new();
    if !changed.is_empty() {
        parts.push(format!(
            "{} changed on disk",
            crate::fmt::count(changed.len(), "file", "files")
        ));
    }
    if !notes.is_empty() {
        parts.push(format!(
            "{} yielding nothing",
            crate::fmt::count(notes.len(), "file", "files")
        ));
    }
    parts.push(crate::fmt::count(
        problems.len(),
        "line reported",
        "lines reported",
    ));
    let title = format!("diagnostics: {} (Esc closes)", parts.join(", "));
    let mut inner = boxed(buf, r, &title, theme);
    for line in changed
        .iter()
        .take(usize::from(inner.height.saturating_sub(1)))
    {
        put(
            buf,
            inner,
            0,
            &Line::from(vec![
                Span::styled("changed ", theme.warn),
                Span::raw(line.clone()),
            ]),
        );
        inner.y += 1;
        inner.height -= 1;
    }
    if problems.is_empty() && notes.is_empty() {
        put(buf, inner, 0, &Line::from("Every line was indexed."));
        return;
    }
    let rows = notes
        .iter()
        .map(|n| {
            Line::from(vec![
                Span::styled("file    ", theme.error),
                Span::raw(format!("{}  ", truncate(&one_line(&n.path), 40))),
                Span::raw(one_line(&n.reason)),
            ])
        })
        .chain(problems.iter().map(|p| {
            let (label, style) = match p.severity {
                Severity::Malformed => ("skipped", theme.error),
                Severity::Warning => ("warning", theme.warn),
                Severity::Note => ("note   ", theme.dim),
                Severity::Signal => ("signal ", theme.dim),
            };
            let file = one_line(model.index.file_name(p.file));
            Line::from(vec![
                Span::styled(format!("{label} "), style),
                Span::raw(match p.lines {
                    0 | 1 => format!("{}:{}  ", truncate(&file, 40), p.line),
                    n => format!(
                        "{}:{}-{}  ",
                        truncate(&file, 40),
                        p.line,
                        p.line.saturating_add(n - 1)
                    ),
                }),
                Span::raw(one_line(&p.reason)),
            ])
        }));
    selectable(buf, inner, rows, selected, theme);
}

/// Rows of a list in a box, scrolled so that row `selected` shows, and marked.
fn selectable<'a>(
    buf: &mut Buffer,
    inner: Rect,
    rows: impl Iterator<Item = Line<'a>>,
    selected: usize,
    theme: &Theme,
) {
    let h = usize::from(inner.height);
    let offset = selected.saturating_sub(h.saturating_sub(1));
    for (i, line) in rows.enumerate().skip(offset).take(h) {
        let line = if i == selected {
            line.style(theme.selected)
        } else {
            line
        };
        put(
            buf,
            inner,
            u16::try_from(i - offset).unwrap_or(u16::MAX),
            &line,
        );
    }
}

fn hit_line(app: &App, hit: Hit, theme: &Theme) -> Line<'static> {
    let Some(model) = &app.model else {
        return Line::from("");
    };
    match hit {
        Hit::Session(Entry::Session(s)) => {
            let sess = model.session(s);
            let input = app
                .sessions
                .first_inputs
                .get(&s)
                .cloned()
                .flatten()
                .unwrap_or_default();
            Line::from(vec![
                Span::styled(one_line(model.session_id(s)), theme.title),
                Span::styled(format!("  {}  ", one_line(model.str(sess.user))), theme.dim),
                Span::raw(one_line(&input)),
            ])
        }
        Hit::Session(Entry::Unsessioned) => {
            Line::from(Span::styled("(unsessioned traces)", theme.dim))
        }
        Hit::Span(span) => {
            let rec = model.span(span);
            Line::from(vec![
                Span::styled(format!("{:<5} ", rec.kind().label()), theme.dim),
                Span::raw(one_line(model.name(span))),
                Span::styled(format!("  {}", model.index.span_id_of(rec)), theme.dim),
            ])
        }
    }
}

/// A prompt's label and line, the cursor drawn as a reversed cell over the character under it
/// (a block after the end).
pub fn prompt_line(label: &str, line: &crate::app::line::Line, theme: &Theme) -> Line<'static> {
    let (before, after) = line.split();
    let mut rest = after.chars();
    let under = rest.next();
    Line::from(vec![
        Span::styled(label.to_owned(), theme.hint_key),
        Span::raw(one_line(before)),
        match under {
            Some(c) => Span::styled(one_line(&c.to_string()), theme.selected),
            None => Span::styled("█", theme.hint_key),
        },
        Span::raw(one_line(rest.as_str())),
    ])
}

/// The filter line at the bottom; what does not parse, just above it.
fn filter(buf: &mut Buffer, area: Rect, p: &crate::app::filter::Prompt, theme: &Theme) {
    if area.height < 3 {
        return;
    }
    let row = Rect {
        y: area.bottom() - 2,
        height: 1,
        ..area
    };
    Clear.render(row, buf);
    let label = if p.in_session {
        "filter turns: "
    } else {
        "filter sessions: "
    };
    put(buf, row, 0, &prompt_line(label, &p.line, theme));
    if let Some(e) = &p.error {
        let above = Rect {
            y: row.y - 1,
            ..row
        };
        Clear.render(above, buf);
        put(
            buf,
            above,
            0,
            &Line::from(Span::styled(
                format!("not applied: {}", one_line(e)),
                theme.error,
            )),
        );
    }
}

fn search(buf: &mut Buffer, area: Rect, app: &App, p: &crate::app::search::Prompt, theme: &Theme) {
    if area.height < 3 {
        return;
    }
    let prompt_row = Rect {
        y: area.bottom() - 2,
        height: 1,
        ..area
    };
    Clear.render(prompt_row, buf);
    let label = if p.full_text { "full text" } else { "search" };
    let scope = crate::app::search::scope(app);
    let where_ = match scope {
        Scope::Sessions => "sessions",
        Scope::Spans(_) => "this session's spans",
    };
    put(
        buf,
        prompt_row,
        0,
        &prompt_line(&format!("{label} {where_}: "), &p.line, theme),
    );
    if p.full_text {
        return;
    }
    let Some(engine) = app.search.engine(scope) else {
        return;
    };
    let rows = usize::from(area.height.saturating_sub(4))
        .min(12)
        .min(app.page.max(3));
    let results = engine.results(0, u32::try_from(rows).unwrap_or(0));
    let h = u16::try_from(results.len()).unwrap_or(0) + 2;
    let r = Rect {
        y: prompt_row.y.saturating_sub(h),
        height: h,
        ..area
    };
    let title = format!("{} of {} match", engine.matched(), engine.items());
    let inner = boxed(buf, r, &title, theme);
    for (i, hit) in results.iter().enumerate() {
        let mut line = hit_line(app, *hit, theme);
        if i == p.selected {
            line = line.style(theme.selected);
        }
        put(buf, inner, u16::try_from(i).unwrap_or(u16::MAX), &line);
    }
}
