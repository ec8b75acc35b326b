//! Snapshots of the span detail (insta, at 80×24, as `tests/ui.rs`): the record folded, text
//! found (each match marked on a line of its own under the row: `^` a match, `#` the current
//! one, from the monochrome theme's underline and bold), and the same span wrapped and not.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

mod common;

use common::{PHOENIX, app, press, render, screen, typed};
use ratatui::style::{Modifier, Style};
use sesstui::app::App;
use sesstui::app::action::Action::*;

fn snap(name: &str, a: &mut App) {
    let t = render(a, 80, 24);
    let text = screen(&t);
    assert!(
        !text.contains('\u{1b}'),
        "escape sequence reached the screen"
    );
    insta::assert_snapshot!(name, text);
}

/// The screen, with a line under each row that holds found text marking where (drawn with
/// the monochrome theme, its marks for found text swapped for attributes nothing else uses).
fn marked(a: &mut App) -> String {
    let mut theme = sesstui::ui::Theme::mono();
    theme.found = Style::new().add_modifier(Modifier::SLOW_BLINK);
    theme.found_current = Style::new().add_modifier(Modifier::RAPID_BLINK);
    a.resize(80, 24);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    t.draw(|f| sesstui::ui::draw(f, a, &theme)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for (y, line) in screen(&t).lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        let mut marks = String::new();
        for x in 0..buf.area.width {
            let cell = &buf[(x, u16::try_from(y).unwrap())];
            let m = cell.modifier;
            marks.push(if m.contains(Modifier::RAPID_BLINK) {
                '#'
            } else if m.contains(Modifier::SLOW_BLINK) {
                '^'
            } else {
                ' '
            });
        }
        if marks.trim().is_empty() {
            continue;
        }
        out.push_str(marks.trim_end());
        out.push('\n');
    }
    out
}

fn llm_call() -> App {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, Down, Open]);
    a
}

#[test]
fn a_folded_record() {
    let mut a = llm_call();
    press(&mut a, &[Chord('z'), CollapseAll, Bottom]);
    snap("detail_record_folded_80x24", &mut a);
}

#[test]
fn found_text_is_marked() {
    let mut a = llm_call();
    press(&mut a, &[Find]);
    typed(&mut a, "lisbon");
    // As typed: the prompt on the detail's last row says how many.
    snap("detail_find_prompt_80x24", &mut a);
    press(&mut a, &[Accept, FindNext]);
    let text = marked(&mut a);
    assert!(text.contains('#') && text.contains('^'), "{text}");
    insta::assert_snapshot!("detail_find_marked_80x24", text);
}

#[test]
fn wrapped_and_not() {
    let mut a = app(&["fixtures/claude_code/litellm_phoenix.jsonl"], 80, 24);
    press(&mut a, &[Open, Down, Open]);
    press(&mut a, &[Find]);
    typed(&mut a, "output.value");
    press(&mut a, &[Accept]);
    snap("detail_wrapped_80x24", &mut a);
    press(&mut a, &[ToggleWrap]);
    snap("detail_unwrapped_80x24", &mut a);
}
