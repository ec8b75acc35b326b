//! Drawing the turns pane: each turn as the person lived it (what they typed, every call with
//! its text and the tools it ran, sub-agents indented under their tool, the answer), from the
//! view's rows and the texts read for them.

use super::Theme;
use super::session::{clock, eval_line};
use crate::app::App;
use crate::app::turns::{Row, TurnsView};
use crate::fmt::thousands;
use crate::model::Model;
use crate::sanitize::{one_line, truncate};
use crate::time::human_duration;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Lines of `body` after `lead`: one, cut with `…`, when folded; wrapped to `w` when not.
fn folded<'a>(lead: String, body: &str, style: Style, unfolded: bool, w: usize) -> Vec<Line<'a>> {
    let pad = " ".repeat(crate::app::detail::width(&lead));
    if !unfolded {
        let one = one_line(body);
        let room = w.saturating_sub(pad.len());
        return vec![Line::from(vec![
            Span::styled(lead, style),
            Span::styled(truncate(&one, room).into_owned(), style),
        ])];
    }
    let clean = crate::sanitize::clean(body);
    let width = w.saturating_sub(pad.len()).max(1);
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
            let first = if i == 0 && start == 0 {
                lead.clone()
            } else {
                pad.clone()
            };
            out.push(Line::from(vec![
                Span::styled(first, style),
                Span::styled(chars[start..end].iter().collect::<String>(), style),
            ]));
            if end >= chars.len() || end == start {
                break;
            }
            start = end;
        }
    }
    out
}

/// `claude-sonnet-4-5 · 4.2s · 46→47 tok`: a call's model (else its name), duration, tokens.
fn call_meta(model: &Model, span: u32) -> String {
    let who = model
        .index
        .extra(span)
        .filter(|e| e.model != 0)
        .map_or_else(
            || model.name(span).to_owned(),
            |e| model.str(e.model).to_owned(),
        );
    let mut s = format!(
        "{} · {}",
        one_line(&who),
        crate::fmt::span_duration(model.times(span))
    );
    if let Some(t) = model.index.tokens(span) {
        s.push_str(&format!(" · {}→{} tok", thousands(t[0]), thousands(t[1])));
    }
    if let Some(w) = model.index.seen_words(span) {
        s.push_str(&format!(" · seen: {w}"));
    }
    s
}

/// What stands for a text not read yet: `…`, or why it will not be (its file changed on disk;
/// see `TurnsView::fill`).
fn not_read(model: &Model, keys: &crate::app::keymap::Keymap) -> String {
    if model.index.intact() {
        "…".to_owned()
    } else {
        format!(
            "(not read: the file changed on disk; {} reloads)",
            keys.key("reload")
        )
    }
}

/// The indent of a step `depth` sub-agents down: each level sits under its tool's `↳`.
fn indent(depth: usize) -> String {
    " ".repeat(6 * depth.min(8))
}

/// The lines a row shows at width `w`.
fn row_lines<'a>(
    model: &Model,
    zone: &crate::zone::Zone,
    keys: &crate::app::keymap::Keymap,
    tv: &TurnsView,
    row: &Row,
    w: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let open = tv.unfolded.contains(row);
    let depth = |n: u32| {
        tv.nodes
            .get(n as usize)
            .map_or(0, crate::app::turns::Node::depth)
    };
    match *row {
        Row::Gap(ns) => vec![Line::from(Span::styled(
            format!("   ··· {} idle ···", human_duration(ns)),
            theme.dim,
        ))],
        Row::Turn(k) => {
            let Some(turn) = tv.conversation.turns.get(k as usize) else {
                return Vec::new();
            };
            let calls = turn.steps.iter().filter(|s| s.llm.is_some()).count();
            let mut text = format!(
                "Turn {} · {} · {} · {} call{}",
                k + 1,
                clock(zone, turn.start),
                human_duration((turn.end - turn.start).max(0)),
                calls,
                if calls == 1 { "" } else { "s" }
            );
            let tools: usize = match tv.texts.get(&k) {
                Some(t) => t.steps.iter().map(|s| s.tools.len()).sum(),
                None => turn.steps.iter().map(|s| s.tools.len()).sum(),
            };
            if tools > 0 {
                text.push_str(&format!(
                    " · {tools} tool{}",
                    if tools == 1 { "" } else { "s" }
                ));
            }
            let mut spans = vec![Span::styled(text, theme.title)];
            let errors: u32 = turn.traces.iter().map(|&t| model.trace_errors(t)).sum();
            if errors > 0 {
                spans.push(Span::styled(format!(" · ✗{errors}"), theme.error));
            }
            if let Some(by) = turn.traces.iter().find_map(|&t| model.trace(t).inferred()) {
                spans.push(Span::styled(
                    format!(" · {}", by.link_words()),
                    theme.origin(by.marker()),
                ));
            }
            vec![Line::from(spans)]
        }
        Row::Input(k) => {
            let text = tv.texts.get(&k).map(|t| t.input.clone());
            let body = match text {
                Some(Some(t)) => t,
                Some(None) => "(no input)".to_owned(),
                None => not_read(model, keys),
            };
            folded("  › ".into(), &body, theme.user, open, w)
        }
        Row::Answer(k) => {
            let body = match tv.texts.get(&k).map(|t| t.answer.clone()) {
                Some(Some(t)) => t,
                Some(None) => "(no answer)".to_owned(),
                None => not_read(model, keys),
            };
            folded("  ‹ ".into(), &body, theme.assistant, open, w)
        }
        Row::Call(n) => {
            let Some(span) = tv.step(n).and_then(|s| s.llm) else {
                return Vec::new();
            };
            let lead = format!("{}    ◆ {} ", indent(depth(n)), call_meta(model, span));
            let err = model.is_error(span);
            let text = tv.step_text(n);
            let mut lines = match text.and_then(|t| t.text.as_deref()) {
                Some(body) if !open => {
                    let mut l = folded(
                        String::new(),
                        body,
                        theme.assistant,
                        false,
                        w.saturating_sub(lead.len()),
                    );
                    let mut spans = vec![Span::styled(
                        lead,
                        if err { theme.error } else { theme.base },
                    )];
                    if let Some(first) = l.pop() {
                        spans.extend(first.spans);
                    }
                    vec![Line::from(spans)]
                }
                Some(body) => {
                    let mut v = vec![Line::from(Span::styled(
                        lead.clone(),
                        if err { theme.error } else { theme.base },
                    ))];
                    v.extend(folded(
                        format!("{}      ", indent(depth(n))),
                        body,
                        theme.assistant,
                        true,
                        w,
                    ));
                    v
                }
                None => vec![Line::from(Span::styled(
                    lead,
                    if err { theme.error } else { theme.base },
                ))],
            };
            if let Some(e) = text.and_then(|t| t.error.as_deref()) {
                lines.push(Line::from(Span::styled(
                    format!("{}      ✗ {}", indent(depth(n)), one_line(e)),
                    theme.error,
                )));
            }
            lines
        }
        Row::Tool(n, k) => {
            let pad = format!("{}      ⚙ ", indent(depth(n)));
            let text = tv.step_text(n).and_then(|t| t.tools.get(usize::from(k)));
            let name = text
                .map(|t| t.name.clone())
                .or_else(|| tv.tool(n, k).map(|t| t.name.clone()))
                .unwrap_or_default();
            let mut s = one_line(&name);
            if let Some(a) = text.and_then(|t| t.argument.as_deref()) {
                s.push(' ');
                s.push_str(&one_line(a));
            }
            let span = tv.tool(n, k).and_then(|t| t.span);
            let failed = text.is_some_and(|t| t.error.is_some())
                || span.is_some_and(|sp| model.is_error(sp));
            let result = text.and_then(|t| t.result.as_deref());
            let tail = match (failed, result) {
                (true, r) => format!(" ✗ {}", one_line(r.unwrap_or("failed"))),
                (false, Some(r)) => format!(" → {}", one_line(r)),
                (false, None) => String::new(),
            };
            let dur = span
                .map(|sp| format!(" · {}", crate::fmt::span_duration(model.times(sp))))
                .unwrap_or_default();
            let style = if failed { theme.error } else { theme.tool };
            let mut lines = folded(pad, &format!("{s}{tail}{dur}"), style, false, w);
            if open && let Some(out) = text.and_then(|t| t.output.as_deref()) {
                lines.extend(folded(
                    format!("{}        ", indent(depth(n))),
                    out,
                    theme.dim,
                    true,
                    w,
                ));
            }
            lines
        }
        Row::SubAgent(n, k) => {
            let sub = tv.tool(n, k).and_then(|t| t.subagent.as_deref());
            let how = match sub.map(|s| s.how) {
                Some(Some(h)) => h.words(),
                Some(None) | None => "agent span under the tool",
            };
            let calls = sub.map_or(0, |s| s.steps.iter().filter(|x| x.llm.is_some()).count());
            let lead = format!(
                "{}        ↳ sub-agent · {how} · {calls} call{}: ",
                indent(depth(n)),
                if calls == 1 { "" } else { "s" }
            );
            let body = tv
                .subagent_text(n, k)
                .and_then(|s| s.input.clone())
                .unwrap_or_default();
            folded(lead, &body, theme.inferred, open, w)
        }
        Row::SubAnswer(n, k) => {
            let body = tv
                .subagent_text(n, k)
                .and_then(|s| s.answer.clone())
                .unwrap_or_else(|| "(no answer)".into());
            folded(
                format!("{}          ‹ ", indent(depth(n))),
                &body,
                theme.assistant,
                open,
                w,
            )
        }
        Row::Eval { eval, .. } => match model.evals.get(eval as usize) {
            Some(e) => {
                let mut l = eval_line(&e.eval, theme, "");
                l.spans.insert(0, Span::raw("     "));
                vec![l]
            }
            None => Vec::new(),
        },
        Row::SideHeading => vec![Line::from(Span::styled(
            format!("Side requests ({})", tv.conversation.side.len()),
            theme.dim,
        ))],
        Row::Side(t) => {
            let tr = model.trace(t);
            let text = tv.side_texts.get(&t).cloned().flatten();
            let kind = text
                .as_deref()
                .and_then(crate::model::infer::side_kind)
                .unwrap_or("side request");
            folded(
                format!(
                    "  · {} · {kind} · {} · ",
                    clock(zone, tr.start),
                    human_duration(tr.duration_ns())
                ),
                text.as_deref().unwrap_or(""),
                theme.dim,
                open,
                w,
            )
        }
    }
}

/// The turns pane.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
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
            .map(|r| row_lines(model, &app.zone, &app.keymap, tv, r, w, theme).len())
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
        for line in row_lines(model, &app.zone, &app.keymap, tv, row, w, theme) {
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
        super::put(
            buf,
            area,
            0,
            &Line::from(Span::styled(
                if screen_filtered(app) {
                    format!(
                        "no turn matches the filter ({} clears it)",
                        app.keymap.key("back")
                    )
                } else {
                    "no turns".to_owned()
                },
                theme.dim,
            )),
        );
    }
}

fn screen_filtered(app: &App) -> bool {
    app.session.as_ref().is_some_and(|s| s.filter.is_some())
}
