//! The explorer's behaviour without a terminal: actions in, state and effects out.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

mod common;

use common::{PHOENIX, app, press, render, screen, typed};
use sesstui::app::action::Action::*;
use sesstui::app::sessions::{Entry, SortKey};
use sesstui::app::turns::Row;
use sesstui::app::{Effect, Overlay, Pane};

#[test]
fn opening_a_session_shows_its_turns_in_time_order() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    assert_eq!(a.sessions.selected_entry(), Some(Entry::Session(0)));
    press(&mut a, &[Open]);
    let s = a.session.as_ref().expect("session open");
    assert_eq!(s.focus(), Pane::Turns);
    let headers: Vec<u32> = s
        .turns
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Turn(k) => Some(*k),
            _ => None,
        })
        .collect();
    // sess-travel-01: four questions typed, four turns.
    assert_eq!(headers.len(), model.session(0).turns as usize);
    assert_eq!(headers.len(), 4);
    let starts: Vec<i64> = headers
        .iter()
        .map(|&k| s.turns.conversation.turns[k as usize].start)
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    // sess-travel-01 has a 38-minute pause: an idle separator is shown.
    assert!(
        s.turns
            .rows
            .iter()
            .any(|r| matches!(r, Row::Gap(ns) if *ns > 30 * 60 * 1_000_000_000))
    );
    press(&mut a, &[Back]);
    assert!(a.session.is_none());
}

#[test]
fn yank_copies_exactly_the_selected_spans_json() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, ShowTree, Down, Down]);
    let model = a.model.clone().expect("model");
    let span = a.current_span().expect("a span is selected");
    let effects = press(&mut a, &[Yank]);
    let raw = model.index.span_bytes(model.span(span));
    let want = sesstui::json::pretty(raw).expect("valid");
    match effects.as_slice() {
        [Effect::Copy { text, what }] => {
            assert_eq!(text, &want);
            assert!(what.contains(&model.index.span_id_of(model.span(span))));
            let back: serde_json::Value = serde_json::from_str(text).expect("copied JSON parses");
            assert_eq!(
                back,
                serde_json::from_slice::<serde_json::Value>(raw).expect("raw parses")
            );
        }
        other => panic!("expected one copy, got {other:?}"),
    }
}

#[test]
fn yank_menu_copies_ids_and_markdown() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, Down]);
    let model = a.model.clone().expect("model");
    let span = a.current_span().expect("span");
    let e = press(&mut a, &[YankMenu, Choose('s')]);
    assert_eq!(
        e,
        [Effect::Copy {
            text: model.index.span_id_of(model.span(span)),
            what: "span id".into()
        }]
    );
    let e = press(&mut a, &[YankMenu, Choose('i')]);
    assert_eq!(
        e,
        [Effect::Copy {
            text: "sess-travel-01".into(),
            what: "session id".into()
        }]
    );
    let e = press(&mut a, &[YankMenu, Choose('m')]);
    let [Effect::Copy { text, .. }] = e.as_slice() else {
        panic!("{e:?}")
    };
    assert!(text.starts_with("# Session `sess-travel-01`") && text.contains("## Turn 4"));
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn a_span_over_the_clipboard_cap_offers_a_file_instead() {
    // A record with a 150 KB input (no shipped fixture has one that large).
    let big = format!(
        "{{\"context.span_id\":\"00000000000000aa\",\"context.trace_id\":\"000000000000000000000000000000aa\",\"name\":\"big\",\"attributes.session.id\":\"s\",\"attributes.input.value\":\"{}\"}}\n",
        "x".repeat(150_000)
    );
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("big.jsonl");
    std::fs::write(&p, big).expect("write");
    let mut a = app(&[p.to_str().expect("path")], 80, 24);
    press(&mut a, &[Open, ShowTree, Down]);
    assert!(press(&mut a, &[Yank]).is_empty(), "nothing copied yet");
    assert!(matches!(&a.overlay, Overlay::TooBig { bytes, name, .. }
        if *bytes > 150_000 && name == "sesstui-span-00000000000000aa.json"));
    let e = press(&mut a, &[Choose('y')]);
    assert!(matches!(e.as_slice(), [Effect::WriteFile { name, text }]
        if name.ends_with(".json") && text.len() > 150_000));
    // Declining copies nothing and says so.
    press(&mut a, &[Yank]);
    assert!(press(&mut a, &[Choose('n')]).is_empty());
    assert_eq!(a.status.as_deref(), Some("not copied"));
}

#[test]
fn sort_cycles_and_reverses() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    press(&mut a, &[CycleSort]);
    assert_eq!(a.sessions.sort, Some(SortKey::Duration));
    let durations = |a: &sesstui::app::App| -> Vec<i64> {
        a.sessions
            .rows
            .iter()
            .filter_map(|e| match e {
                Entry::Session(s) => Some(model.session(*s).duration_ns()),
                Entry::Unsessioned => None,
            })
            .collect()
    };
    let durs = durations(&a);
    assert!(
        durs.windows(2).all(|w| w[0] >= w[1]),
        "longest first: {durs:?}"
    );
    press(&mut a, &[ReverseSort]);
    let durs2 = durations(&a);
    assert!(durs2.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        a.sessions.rows.last(),
        Some(&Entry::Unsessioned),
        "unsessioned stays reachable at the end"
    );
}

#[test]
fn error_navigation_lands_on_failing_calls() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, NextError]);
    let model = a.model.clone().expect("model");
    let span = a.current_span().expect("span");
    assert!(model.is_error(span), "{}", model.name(span));
    // In the session list, e goes to the next session with errors.
    press(&mut a, &[Back, Top, NextError]);
    let Some(Entry::Session(s)) = a.sessions.selected_entry() else {
        panic!()
    };
    assert!(model.session(s).errors > 0);
}

#[test]
fn fuzzy_search_finds_sessions_and_spans() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Search]);
    typed(&mut a, "東京");
    let eng = a
        .search
        .engine(sesstui::app::search::Scope::Sessions)
        .expect("engine");
    assert!(eng.matched() >= 1);
    press(&mut a, &[Accept]);
    let model = a.model.clone().expect("model");
    let Some(Entry::Session(s)) = a.sessions.selected_entry() else {
        panic!()
    };
    assert_eq!(
        model.session_id(s),
        "sess-cjk-03",
        "the question about Tokyo, in Japanese"
    );
    // Inside a session, / searches its spans; Enter jumps to the span.
    press(&mut a, &[Open, Search]);
    typed(&mut a, "weather");
    press(&mut a, &[Accept]);
    let span = a.current_span().expect("span");
    assert!(model.name(span).contains("weather"), "{}", model.name(span));
    let first = span;
    press(&mut a, &[NextMatch]);
    assert!(a.status.as_deref().is_some_and(|s| s.starts_with("match")));
    let _ = first;
}

#[test]
fn full_text_search_maps_bytes_back_to_spans() {
    let a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    let hits = sesstui::model::fulltext::search(&model, "test_parse_dates", 100);
    assert!(!hits.is_empty());
    for h in &hits {
        let raw = model.index.span_bytes(model.span(*h));
        assert!(memchr::memmem::find(raw, b"test_parse_dates").is_some());
    }
}

#[test]
fn detail_follows_the_selection_and_scrolls() {
    let mut a = app(&[PHOENIX], 160, 48);
    press(&mut a, &[Open, Down]);
    let s = a.session.as_ref().expect("session");
    // Wide: the detail shows the selected call without opening it.
    assert_eq!(s.detail.span, a.current_span());
    press(&mut a, &[ShowDetail, PageDown]);
    let d = &a.session.as_ref().expect("session").detail;
    assert!(d.scroll > 0);
    assert!(
        d.lines.iter().any(
            |l| matches!(l, sesstui::app::detail::Line::Section(s) if s.starts_with("record"))
        )
    );
}

#[test]
fn diagnostics_list_every_reported_line() {
    let mut a = app(&["fixtures/malformed/mixed.jsonl"], 80, 24);
    press(&mut a, &[Diagnostics, Bottom]);
    assert!(matches!(a.overlay, Overlay::Diagnostics { selected } if selected == 8));
    press(&mut a, &[Back]);
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn ctrl_c_and_q_quit_from_anywhere() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, Search]);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let action = sesstui::app::keymap::action(a.mode(), &ctrl_c).expect("bound");
    assert_eq!(a.update(action), [Effect::Quit]);
}

#[test]
fn ctrl_l_redraws_in_every_mode_and_changes_nothing() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use sesstui::app::keymap::{EVERY_MODE, action};
    let ctrl_l = KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
    let setups: &[&[sesstui::app::action::Action]] = &[
        &[],
        &[Open],
        &[Open, ShowTree],
        &[Open, ShowDetail],
        &[Open, ShowDetail, Chord('z')],
        &[Open, ShowDetail, Chord('y')],
        &[Diagnostics],
        &[Search],
        &[Open, Search],
        &[YankMenu],
        &[Help],
    ];
    let mut seen = Vec::new();
    for setup in setups {
        let mut a = app(&[PHOENIX], 80, 24);
        press(&mut a, setup);
        let (mode, overlay, status) = (a.mode(), a.overlay.clone(), a.status.clone());
        assert_eq!(action(mode, &ctrl_l), Some(Redraw), "{mode:?}");
        assert_eq!(a.update(Redraw), [Effect::Redraw], "{mode:?}");
        assert_eq!((a.mode(), &a.overlay, &a.status), (mode, &overlay, &status));
        seen.push(mode);
    }
    for mode in EVERY_MODE {
        assert!(seen.contains(mode), "{mode:?} not tried");
    }
    // The error screen, before any model: a redraw, not a quit.
    let mut a = sesstui::app::App::new(vec!["x.jsonl".into()]);
    a.failed("no spans".into());
    assert_eq!(a.update(Redraw), [Effect::Redraw]);
}

#[test]
fn inference_switches_rebuild_the_model_and_keep_the_selection() {
    use sesstui::app::Effect;
    let file = "fixtures/claude_code/litellm_phoenix.jsonl";
    let mut a = common::app(&[file], 100, 30);
    press(&mut a, &[Down, Down]);
    let before = a.sessions.selected_entry();
    let model = a.model.clone().unwrap();
    let id = match before {
        Some(sesstui::app::sessions::Entry::Session(s)) => model.session_id(s).to_owned(),
        other => panic!("{other:?}"),
    };
    let effects = a.update(sesstui::app::action::Action::ToggleSplitIdle);
    let Some(Effect::Reload(options)) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    assert!(options.split_idle && options.history && !options.by_time);
    // What the runner does with the effect: build again with those options.
    let rebuilt = sesstui::load::load(
        &[std::path::PathBuf::from(file)],
        options,
        &sesstui::index::progress::Progress::default(),
    )
    .unwrap();
    a.loaded(std::sync::Arc::new(rebuilt));
    let status = a.status.clone().unwrap_or_default();
    assert!(status.contains("split on"), "{status}");
    let model = a.model.clone().unwrap();
    let now = match a.sessions.selected_entry() {
        Some(sesstui::app::sessions::Entry::Session(s)) => model.session_id(s).to_owned(),
        other => panic!("{other:?}"),
    };
    // The session is still selected (under its new id if the split renamed it).
    assert!(
        now == id || now.starts_with(&format!("{id}#")),
        "{id} → {now}"
    );
    // History inference off: the linked traces fall back to unsessioned.
    a.infer = options;
    let effects = a.update(sesstui::app::action::Action::ToggleHistoryInference);
    assert!(matches!(effects.first(), Some(Effect::Reload(o)) if !o.history));
}

/// The tree's visible rows: fold symbol and name, indented two columns a level (trace headings
/// named by their turn), with `*` marking the selection.
fn tree_rows(a: &sesstui::app::App) -> Vec<String> {
    use sesstui::app::tree::{Fold, Item};
    let model = a.model.clone().expect("model");
    let tv = &a.session.as_ref().expect("session").tree;
    tv.rows()
        .iter()
        .enumerate()
        .map(|(i, &row)| {
            let shown = tv.shown(row).expect("a row shows something");
            let name = match shown.item {
                Item::Trace(t) => {
                    let turn = tv.traces.iter().position(|&x| x == t).expect("its trace");
                    format!("turn {}", turn + 1)
                }
                Item::Span(s) => model.name(s).to_owned(),
            };
            let fold = match shown.fold {
                Fold::Open => "▾",
                Fold::Closed => "▸",
                Fold::Leaf => " ",
            };
            let mark = if i == tv.selected() { "*" } else { "" };
            format!("{}{fold} {name}{mark}", "  ".repeat(shown.depth as usize))
        })
        .collect()
}

#[test]
fn tree_keys_open_close_and_leave() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, ShowTree, Top, Down, Down, Down]);
    assert_eq!(
        tree_rows(&a),
        [
            "▾ turn 1",
            "  ▾ agent_turn",
            "      ChatCompletion",
            "      get_weather*",
            "      ChatCompletion",
            "▸ turn 2",
            "▸ turn 3",
            "▸ turn 4",
        ]
    );
    press(&mut a, &[Back]);
    assert_eq!(
        tree_rows(&a)[1],
        "  ▾ agent_turn*",
        "Back on a leaf: its parent"
    );
    press(&mut a, &[Back]);
    assert_eq!(
        tree_rows(&a)[1..3],
        ["  ▸ agent_turn*", "▸ turn 2"],
        "Back: closed"
    );
    press(&mut a, &[Open]);
    assert_eq!(tree_rows(&a).len(), 8, "Open: open again");
    assert!(!a.session.as_ref().expect("session").detail_focus);
    press(&mut a, &[Open]);
    assert!(
        a.session.as_ref().expect("session").detail_focus,
        "Open on an open span: its detail"
    );
    press(&mut a, &[Back, Down, Down]);
    press(&mut a, &[Accept]);
    assert!(
        a.session.as_ref().expect("session").detail_focus,
        "Accept on a childless span: its detail"
    );
    // Out of the detail, to the parent, closing it, to the trace.
    press(&mut a, &[Back, Back, Back, Back]);
    assert_eq!(
        tree_rows(&a),
        [
            "▾ turn 1*",
            "  ▸ agent_turn",
            "▸ turn 2",
            "▸ turn 3",
            "▸ turn 4"
        ]
    );
    press(&mut a, &[Back]);
    assert_eq!(
        tree_rows(&a),
        ["▸ turn 1*", "▸ turn 2", "▸ turn 3", "▸ turn 4"]
    );
    press(&mut a, &[Back]);
    assert!(
        a.session.is_none(),
        "Back on a closed trace leaves the session"
    );
}

#[test]
fn tree_toggles_expands_collapses_and_finds_errors() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    press(&mut a, &[Open, ShowTree, ExpandAll]);
    assert_eq!(tree_rows(&a).len(), 4 + 16, "four traces, sixteen spans");
    assert!(tree_rows(&a).iter().all(|r| !r.contains('▸')), "all open");
    press(&mut a, &[Bottom, CollapseAll]);
    assert_eq!(
        tree_rows(&a),
        ["▸ turn 1", "▸ turn 2", "▸ turn 3", "▸ turn 4*"],
        "the selection moves to its trace"
    );
    press(&mut a, &[Toggle]);
    assert_eq!(tree_rows(&a)[3..], ["▾ turn 4*", "  ▸ agent_turn"]);
    press(&mut a, &[Down, Toggle]);
    assert_eq!(tree_rows(&a).len(), 8, "Space opens a span");
    press(&mut a, &[Toggle]);
    assert_eq!(tree_rows(&a).len(), 5, "and closes it");
    press(&mut a, &[Top, NextError]);
    let span = a.current_span().expect("span");
    assert!(model.is_error(span), "{}", model.name(span));
    assert_eq!(
        tree_rows(&a)[1..5],
        [
            "▾ turn 2",
            "  ▾ agent_turn",
            "      ChatCompletion",
            "      search_flights*"
        ],
        "its trace and parent are opened"
    );
    press(&mut a, &[PrevError]);
    assert_eq!(a.current_span(), Some(span), "no error before it");
    press(&mut a, &[NextError]);
    assert_eq!(a.current_span(), Some(span), "nor after it in this session");
}

#[test]
fn the_tree_scrolls_to_keep_the_selection_on_screen() {
    let mut a = app(&[PHOENIX], 80, 16);
    press(&mut a, &[Open, ShowTree, ExpandAll, Bottom]);
    let page = a.page;
    let tv = &a.session.as_ref().expect("session").tree;
    assert_eq!(tv.selected(), tv.rows().len() - 1);
    assert_eq!(
        tv.offset,
        tv.selected() + 1 - page,
        "the last row at the bottom"
    );
    let text = screen(&render(&mut a, 80, 16));
    assert!(text.contains("book_flight"), "{text}");
    assert!(!text.contains("turn 1 ·"), "the top scrolled away: {text}");
    press(&mut a, &[Top, ScrollDown, ScrollDown]);
    let tv = &a.session.as_ref().expect("session").tree;
    assert_eq!((tv.offset, tv.selected()), (0, 2));
    press(&mut a, &[PageDown]);
    let tv = &a.session.as_ref().expect("session").tree;
    assert_eq!(tv.selected(), 2 + page);
    assert!(tv.offset <= tv.selected() && tv.selected() < tv.offset + page);
}

/// A click lands on the row drawn under it, scrolled or not; a second click folds it.
#[test]
fn a_click_selects_the_tree_row_drawn_under_it() {
    let mut a = app(&[PHOENIX], 80, 16);
    let model = a.model.clone().expect("model");
    press(&mut a, &[Open, ShowTree, ExpandAll]);
    for (name, then) in [("get_weather", Bottom), ("book_flight", Top)] {
        let text = screen(&render(&mut a, 80, 16));
        let y = text.lines().position(|l| l.contains(name));
        let y = u16::try_from(y.unwrap_or_else(|| panic!("{name} on screen:\n{text}"))).unwrap();
        let click = a.click(30, y).expect("a click on the list");
        press(&mut a, &[click]);
        assert_eq!(model.name(a.current_span().expect("span")), name);
        press(&mut a, &[then]);
    }
    press(&mut a, &[Down]);
    let text = screen(&render(&mut a, 80, 16));
    let y = text.lines().position(|l| l.contains("▾ turn 1")).unwrap();
    let click = a.click(2, u16::try_from(y).unwrap()).expect("on the list");
    press(&mut a, &[click, click]);
    assert_eq!(tree_rows(&a)[0], "▸ turn 1*", "clicked twice: folded");
    assert_eq!(a.click(2, 0), None, "the title bar is not the list");
}
