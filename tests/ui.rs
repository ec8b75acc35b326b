//! View snapshots on a test backend (insta), at 80×24 and a wide size, plus renders at tiny
//! sizes that must not panic. Review changes with `cargo insta review`.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

mod common;

use common::{PHOENIX, app, press, render, screen, typed};
use sesstui::app::App;
use sesstui::app::action::Action::*;

fn snap(name: &str, a: &mut App, w: u16, h: u16) {
    let t = render(a, w, h);
    let text = screen(&t);
    assert!(
        !text.contains('\u{1b}'),
        "escape sequence reached the screen"
    );
    insta::assert_snapshot!(name, text);
}

#[test]
fn session_list() {
    let mut a = app(&[PHOENIX], 80, 24);
    snap("sessions_80x24", &mut a, 80, 24);
    snap("sessions_160x40", &mut a, 160, 40);
    press(&mut a, &[SortMenu]);
    snap("sort_menu_80x24", &mut a, 80, 24);
    press(&mut a, &[Choose('k')]);
    snap("sessions_sorted_by_tokens_80x24", &mut a, 80, 24);
}

/// A filter typed at `:` narrows the list as it is typed; the title says how many of how many.
#[test]
fn filtered_session_list() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Filter]);
    for c in "error -user:bob".chars() {
        press(&mut a, &[Input(c)]);
    }
    snap("sessions_filtered_80x24", &mut a, 80, 24);
    press(
        &mut a,
        &[
            Input(' '),
            Input('k'),
            Input('i'),
            Input('n'),
            Input('d'),
            Input(':'),
        ],
    );
    snap("sessions_filter_not_parsed_80x24", &mut a, 80, 24);
}

#[test]
fn turns() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open]);
    snap("turns_80x24", &mut a, 80, 24);
    press(&mut a, &[Toggle]);
    snap("turns_unfolded_input_80x24", &mut a, 80, 24);
    let mut wide = app(&[PHOENIX], 160, 40);
    press(&mut wide, &[Down, Open, Down, Down]);
    snap("turns_with_detail_160x40", &mut wide, 160, 40);
}

/// A Claude Code conversation: typed prompts with their calls and tools, a `Task` sub-agent
/// indented under its tool, a failing tool, side requests apart; and a multi-agent turn whose
/// sub-agents (traces of their own) sit under the delegating tools.
#[test]
fn turns_as_the_person_lived_them() {
    let claude = "fixtures/claude_code/litellm_phoenix.jsonl";
    let mut a = app(&[claude], 80, 24);
    press(&mut a, &[Open]);
    snap("conversation_80x24", &mut a, 80, 24);
    // The third turn: the Task, its sub-agent, the failed build.
    let rows = &a.session.as_ref().unwrap().turns.rows;
    let third = rows
        .iter()
        .position(|r| *r == sesstui::app::turns::Row::Turn(2))
        .unwrap();
    let mut wide = app(&[claude], 160, 48);
    press(&mut wide, &[Open]);
    for _ in 0..third {
        press(&mut wide, &[Down]);
    }
    snap("conversation_subagent_160x48", &mut wide, 160, 48);
    let mut agents = app(&["fixtures/agents/agents_df.jsonl"], 120, 40);
    press(&mut agents, &[Open]);
    snap("conversation_multi_agent_120x40", &mut agents, 120, 40);
}

#[test]
fn tree() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, ShowTree, ExpandAll]);
    snap("tree_80x24", &mut a, 80, 24);
    let mut wide = app(&["fixtures/otlp/session_keys.jsonl"], 160, 40);
    press(&mut wide, &[Bottom, Open, ShowTree, ExpandAll]);
    snap("tree_unsessioned_160x40", &mut wide, 160, 40);
}

#[test]
fn detail() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, Down, Open]);
    snap("detail_llm_call_80x24", &mut a, 80, 24);
    press(&mut a, &[PageDown]);
    snap("detail_llm_call_page2_80x24", &mut a, 80, 24);
    let mut ml = app(&["fixtures/mlflow/traces_get.json"], 160, 40);
    press(&mut ml, &[Open, ShowDetail]);
    snap("detail_mlflow_root_160x40", &mut ml, 160, 40);
}

#[test]
fn search_and_help() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Search]);
    typed(&mut a, "sess");
    snap("search_sessions_80x24", &mut a, 80, 24);
    press(&mut a, &[Cancel, Help]);
    snap("help_80x24", &mut a, 80, 24);
    snap("help_160x48", &mut a, 160, 48);
}

#[test]
fn diagnostics() {
    let mut a = app(&["fixtures/malformed/mixed.jsonl"], 80, 24);
    press(&mut a, &[Diagnostics]);
    snap("diagnostics_80x24", &mut a, 80, 24);
}

#[test]
fn text_from_traces_is_sanitised_on_screen() {
    let mut a = app(&[PHOENIX], 100, 30);
    press(&mut a, &[Down, Open]);
    let text = screen(&render(&mut a, 100, 30));
    assert!(text.contains("␛[31mred"), "{text}");
}

#[test]
fn tiny_sizes_do_not_panic() {
    for (w, h) in [(0, 0), (1, 1), (10, 3), (20, 5), (40, 12)] {
        let mut a = app(&[PHOENIX], 80, 24);
        render(&mut a, w, h);
        press(&mut a, &[Open]);
        render(&mut a, w, h);
        press(&mut a, &[ShowTree, ExpandAll]);
        render(&mut a, w, h);
        press(&mut a, &[ShowDetail, PageDown]);
        render(&mut a, w, h);
        press(&mut a, &[Search]);
        typed(&mut a, "x");
        render(&mut a, w, h);
        press(&mut a, &[Cancel, Help]);
        render(&mut a, w, h);
        press(&mut a, &[Cancel, Diagnostics]);
        render(&mut a, w, h);
    }
}

#[test]
fn selection_is_marked_without_colour() {
    let mut a = app(&[PHOENIX], 80, 24);
    let t = render(&mut a, 80, 24);
    let buf = t.backend().buffer();
    // Row 2 is the first session (row 0 header, row 1 column titles): reversed in mono.
    let style = buf[(5, 2)].style();
    assert!(
        style
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "{style:?}"
    );
    assert!(
        !buf[(5, 3)]
            .style()
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

/// The tree's selected row is reversed across the pane, and dimmed when the detail has the keys.
#[test]
fn the_tree_marks_its_selection_across_the_row() {
    use ratatui::style::Modifier;
    let mut a = app(&[PHOENIX], 160, 40);
    press(&mut a, &[Open, ShowTree, Top, Down]);
    let t = render(&mut a, 160, 40);
    let y = screen(&t)
        .lines()
        .position(|l| l.contains("▾ AGENT agent_turn"))
        .unwrap() as u16;
    let buf = t.backend().buffer();
    let reversed = |x: u16, y: u16| {
        buf[(x, y)]
            .style()
            .add_modifier
            .contains(Modifier::REVERSED)
    };
    assert!(reversed(0, y) && reversed(60, y) && reversed(87, y));
    assert!(
        !reversed(88, y),
        "the detail pane's separator is not part of the row"
    );
    assert!(!reversed(0, y - 1) && !reversed(0, y + 1));
    let t = common::render_color(&mut a, 160, 40);
    let style = t.backend().buffer()[(30, y)].style();
    assert_eq!(
        style.bg,
        Some(ratatui::style::Color::Rgb(40, 60, 90)),
        "{style:?}"
    );
    press(&mut a, &[ShowDetail]);
    let t = common::render_color(&mut a, 160, 40);
    let style = t.backend().buffer()[(30, y)].style();
    assert_eq!(style.fg, Some(ratatui::style::Color::DarkGray), "{style:?}");
    assert!(style.add_modifier.contains(Modifier::REVERSED), "{style:?}");
}

const CLAUDE: &str = "fixtures/claude_code/litellm_phoenix.jsonl";

#[test]
fn inferred_sessions_have_their_own_marker_and_colour() {
    use ratatui::style::Color;
    let mut a = app(&[CLAUDE], 100, 30);
    snap("sessions_inferred_100x30", &mut a, 100, 30);
    let t = common::render_color(&mut a, 100, 30);
    let buf = t.backend().buffer();
    let marker_colours = |sym: &str| -> Vec<Color> {
        (0..buf.area.height)
            .filter_map(|y| {
                let c = &buf[(1, y)];
                (c.symbol() == sym).then_some(c.fg)
            })
            .collect()
    };
    // Explicit sessions whose traces were partly linked by history: "+", green; sessions
    // inferred from history alone: "~", magenta.
    let plus = marker_colours("+");
    let tilde = marker_colours("~");
    assert_eq!(tilde.len(), 3, "{}", screen(&t));
    assert!(tilde.iter().all(|c| *c == Color::Magenta));
    assert!(!plus.is_empty() && plus.iter().all(|c| *c == Color::Green));
    // Open the first inferred session: the header says how it was found, turns say which
    // traces were linked and which are side requests.
    let row = (0..buf.area.height)
        .position(|y| buf[(1, y)].symbol() == "~")
        .unwrap();
    let first = (0..buf.area.height)
        .position(|y| matches!(buf[(1, y)].symbol(), "●" | "+" | "~"))
        .unwrap();
    for _ in first..row {
        press(&mut a, &[Down]);
    }
    press(&mut a, &[Open]);
    snap("turns_inferred_100x30", &mut a, 100, 30);
    let text = screen(&render(&mut a, 100, 30));
    assert!(text.contains("~ inferred from message history"), "{text}");
    assert!(text.contains("~ linked by history"), "{text}");
}

/// `sesstui listen`: the receiver's line under the header (counts, rate, addresses), on the
/// session list and inside a session, at 80 columns.
#[test]
fn receiving_header() {
    let mut a = app(&[PHOENIX], 80, 24);
    a.follow = Some(sesstui::app::follow::Following {
        on: true,
        added: 12,
    });
    a.receiving = Some(sesstui::listen::stats::Status {
        http: Some(([127, 0, 0, 1], 4318).into()),
        grpc: Some(([127, 0, 0, 1], 4317).into()),
        saving: "received.jsonl".into(),
        requests: 3,
        spans: 1234,
        rejected: 2,
        refused: 1,
        rate: 41.6,
    });
    a.resize(80, 24);
    snap("receiving_sessions_80x24", &mut a, 80, 24);
    snap("receiving_sessions_160x40", &mut a, 160, 40);
    press(&mut a, &[Open]);
    snap("receiving_turns_80x24", &mut a, 80, 24);
}
