//! The header line, the key-hint bar and the indexing screen.

use super::{Theme, put};
use crate::app::App;
use crate::app::keymap;
use crate::fmt::{count, count_u64, thousands};
use crate::index::report::Severity;
use crate::sanitize::{one_line, truncate};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn header(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    buf.set_style(area, theme.header);
    let files = match app.files.as_slice() {
        [] => String::new(),
        [one] => one_line(one),
        [one, rest @ ..] => format!("{} (+{} more)", one_line(one), rest.len()),
    };
    let state = match &app.model {
        None => {
            let p = &app.progress;
            format!(
                "indexing {}% · {} · {}",
                p.percent(),
                count_u64(p.spans, "span", "spans"),
                count_u64(p.bad_lines, "bad line", "bad lines")
            )
        }
        Some(m) => {
            let bad = m
                .index
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Malformed)
                .count();
            let l = &app.sessions;
            let mut s = match &l.filter {
                Some(f) => format!(
                    "{} of {} · filter: {}",
                    thousands(l.rows.len() as u64),
                    count(l.total, "session", "sessions"),
                    one_line(&f.text)
                ),
                None => format!(
                    "{} · {}",
                    count(m.sessions.len(), "session", "sessions"),
                    count(m.index.spans.len(), "span", "spans")
                ),
            };
            if bad > 0 {
                s.push_str(&format!(" · ⚠ {} (!)", count(bad, "bad line", "bad lines")));
            }
            if let Some(f) = &app.follow {
                s.push_str(" · ");
                s.push_str(&f.label(&app.keymap.key("follow")));
            }
            s
        }
    };
    // A filter leads, so that it shows on a narrow screen.
    let text = match (&app.model, &app.sessions.filter) {
        (Some(_), Some(_)) => format!(" sesstui  {state} · {files}"),
        _ => format!(" sesstui  {files} · {state}"),
    };
    put(
        buf,
        area,
        0,
        &Line::from(Span::styled(
            truncate(&text, usize::from(area.width)).into_owned(),
            theme.header,
        )),
    );
    receiving(buf, area, app, theme);
}

/// The receiver's line under the header (`sesstui listen`): what came in, how fast, where it
/// listens.
fn receiving(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let Some(r) = &app.receiving else { return };
    if area.height < 2 {
        return;
    }
    let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    let mut parts = vec![
        crate::fmt::count(n(r.spans), "span", "spans"),
        crate::fmt::count(n(r.requests), "request", "requests"),
        if r.rate < 10.0 {
            format!("{:.1} spans/s", r.rate)
        } else {
            format!("{} spans/s", thousands(r.rate.round() as u64))
        },
    ];
    // Loopback (the default) as `:4318`, to leave room on a narrow screen; any other address
    // in full, since it is what others can reach.
    let addr = |a: std::net::SocketAddr| {
        if a.ip() == std::net::Ipv4Addr::LOCALHOST {
            format!(":{}", a.port())
        } else {
            a.to_string()
        }
    };
    if let Some(a) = r.http {
        parts.push(format!("http {}", addr(a)));
    }
    if let Some(a) = r.grpc {
        parts.push(format!("grpc {}", addr(a)));
    }
    if r.rejected > 0 {
        parts.push(format!("{} rejected", thousands(r.rejected)));
    }
    if r.refused > 0 {
        parts.push(crate::fmt::count(
            n(r.refused),
            "request refused",
            "requests refused",
        ));
    }
    let text = format!(" receiving  {}", parts.join(" · "));
    let row = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    put(
        buf,
        row,
        0,
        &Line::from(Span::styled(
            truncate(&text, usize::from(area.width)).into_owned(),
            theme.header,
        )),
    );
}

pub fn hints(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    if let Some(status) = &app.status {
        let text = truncate(&one_line(status), usize::from(area.width)).into_owned();
        put(buf, area, 0, &Line::from(Span::styled(text, theme.status)));
        return;
    }
    let mut spans = Vec::new();
    let mut used = 0usize;
    // A file changed on disk: said first, until it is reloaded; the hints fill what is left.
    if let Some(note) = crate::app::disk::status(&app.disk, &app.keymap) {
        let text = truncate(&format!(" {note} "), usize::from(area.width)).into_owned();
        used += unicode_width::UnicodeWidthStr::width(text.as_str());
        spans.push(Span::styled(text, theme.warn));
    }
    let mode = app.mode();
    let fixed = |v: Vec<(&'static str, &'static str)>| -> Vec<(std::borrow::Cow<'_, str>, &str)> {
        v.into_iter().map(|(k, d)| (k.into(), d)).collect()
    };
    let pairs: Vec<(std::borrow::Cow<'_, str>, &str)> = match mode {
        keymap::Mode::Search if matches!(app.overlay, crate::app::Overlay::Filter(_)) => {
            fixed(vec![
                ("⏎", "keep"),
                ("Esc", "as before"),
                ("↑/↓", "history"),
                ("Ctrl-U", "clear"),
            ])
        }
        keymap::Mode::Search if matches!(app.overlay, crate::app::Overlay::Find(_)) => fixed(vec![
            ("⏎", "find"),
            ("Esc", "cancel"),
            ("↑/↓", "history"),
            ("Ctrl-U", "clear"),
        ]),
        keymap::Mode::Search => fixed(vec![
            ("⏎", "go"),
            ("Tab", "choose"),
            ("↑/↓", "history"),
            ("Esc", "cancel"),
        ]),
        keymap::Mode::Menu => fixed(vec![("letter", "choose"), ("Esc", "cancel")]),
        keymap::Mode::Help => fixed(vec![("any key", "close")]),
        _ => app
            .keymap
            .bindings(mode)
            .filter_map(|(b, label)| {
                b.hint
                    .map(|h| (label.into(), detail_hint(app, b.action, h)))
            })
            .collect(),
    };
    let help_label = keymap::Keymap::find("help").map(|i| app.keymap.label(i));
    let is_help = |k: &str| help_label.as_deref() == Some(k);
    // `? help` is kept whatever else does not fit: every other key is found from it.
    let width = |k: &str, d: &str| k.chars().count() + d.chars().count() + 3;
    let help = pairs
        .iter()
        .find(|p| is_help(&p.0))
        .map_or(0, |(k, d)| width(k, d));
    let last = pairs.len().saturating_sub(1);
    for (i, (k, d)) in pairs.iter().enumerate() {
        let w = width(k, d);
        let room = if is_help(k) || i == last {
            usize::from(area.width)
        } else {
            usize::from(area.width).saturating_sub(help)
        };
        if used + w > room {
            if is_help(k) {
                break;
            }
            continue;
        }
        spans.push(Span::styled(format!(" {k}"), theme.hint_key));
        spans.push(Span::styled(format!(" {d} "), theme.dim));
        used += w;
    }
    put(buf, area, 0, &Line::from(spans));
}

/// A hint that says what the key will do now: `w` turns wrap off while it is on.
fn detail_hint(app: &App, action: crate::app::action::Action, hint: &'static str) -> &'static str {
    let wrapped = app.session.as_ref().is_none_or(|s| s.detail.wrap);
    match action {
        crate::app::action::Action::ToggleWrap if wrapped => "nowrap",
        _ => hint,
    }
}

pub fn loading(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let lines: Vec<Line<'_>> = match &app.load_error {
        Some(e) => vec![
            Line::from(Span::styled("Could not open the files:", theme.error)),
            Line::from(one_line(e)),
            Line::from(Span::styled(
                format!("press {} to quit", app.keymap.key("quit")),
                theme.dim,
            )),
        ],
        None => {
            let p = &app.progress;
            let w = usize::from(area.width.saturating_sub(4)).min(60);
            let done = w * usize::try_from(p.percent()).unwrap_or(0) / 100;
            vec![
                Line::from(Span::styled("Indexing…", theme.title)),
                Line::from(Span::styled(
                    format!("[{}{}]", "█".repeat(done), "·".repeat(w - done)),
                    theme.bar,
                )),
                Line::from(format!(
                    "{}% · {} of {} bytes · {} · {}",
                    p.percent(),
                    thousands(p.bytes),
                    thousands(p.total_bytes),
                    count_u64(p.spans, "span", "spans"),
                    count_u64(p.bad_lines, "bad line", "bad lines")
                )),
                Line::from(Span::styled(
                    format!("{} quits", app.keymap.key("quit")),
                    theme.dim,
                )),
            ]
        }
    };
    for (i, l) in lines.iter().enumerate() {
        let row = u16::try_from(i + 1).unwrap_or(u16::MAX);
        put(
            buf,
            Rect {
                x: area.x + 2,
                width: area.width.saturating_sub(2),
                ..area
            },
            row,
            l,
        );
    }
}
