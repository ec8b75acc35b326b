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
    let raw = model.index.span_bytes(span);
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

/// Every column of the sort menu sorts the list its way; picking it again reverses; the arrow
/// says which way (▲ smallest / earliest / A first, ▼ the other way); ties stay in time order.
#[test]
fn every_column_sorts_and_the_arrow_says_which_way() {
    let mut a = app(&[PHOENIX], 160, 40);
    let model = a.model.clone().expect("model");
    let sessions = |a: &sesstui::app::App| -> Vec<u32> {
        a.sessions
            .rows
            .iter()
            .filter_map(|e| match e {
                Entry::Session(s) => Some(*s),
                Entry::Unsessioned => None,
            })
            .collect()
    };
    for &(c, key) in SortKey::MENU {
        if key == SortKey::Eval {
            // Nothing is evaluated in this file: the menu leaves it out and says why.
            press(&mut a, &[SortMenu, Choose(c)]);
            assert_eq!(
                a.status.as_deref(),
                Some("nothing to sort by: no evaluations in these files")
            );
            continue;
        }
        press(&mut a, &[SortMenu]);
        assert!(matches!(a.overlay, Overlay::SortMenu));
        press(&mut a, &[Choose(c)]);
        assert_eq!(a.sessions.sort, Some(key));
        for round in 0..2 {
            let desc = a.sessions.descending;
            let rows = sessions(&a);
            assert_eq!(rows.len(), model.sessions.len(), "{key:?}: no row lost");
            let value = |s: u32| -> (i128, String) {
                let x = model.session(s);
                match key {
                    SortKey::Start => (i128::from(x.start), String::new()),
                    SortKey::Duration => (i128::from(x.duration_ns()), String::new()),
                    SortKey::Turns => (i128::from(x.turns), String::new()),
                    SortKey::Calls => (i128::from(x.calls), String::new()),
                    SortKey::Spans => (i128::from(x.spans), String::new()),
                    SortKey::Tokens => (i128::from(model.tokens_of(x)[2]), String::new()),
                    SortKey::Errors => (i128::from(x.errors), String::new()),
                    SortKey::Eval => (0, String::new()),
                    SortKey::User => (i128::from(x.user == 0), model.str(x.user).to_lowercase()),
                    SortKey::Session => (0, model.session_id(s).to_lowercase()),
                }
            };
            for w in rows.windows(2) {
                let (x, y) = (value(w[0]), value(w[1]));
                let ok = match key {
                    // Sessions without a user stay last either way.
                    SortKey::User if x.0 != y.0 => x.0 < y.0,
                    SortKey::User | SortKey::Session if desc => x.1 >= y.1,
                    SortKey::User | SortKey::Session => x.1 <= y.1,
                    _ if desc => x.0 >= y.0,
                    _ => x.0 <= y.0,
                };
                assert!(ok, "{key:?} desc={desc} round {round}: {x:?} then {y:?}");
                if x == y {
                    let (s0, s1) = (model.session(w[0]).start, model.session(w[1]).start);
                    assert!(s0 <= s1, "{key:?}: ties stay earliest first");
                }
            }
            assert_eq!(a.sessions.rows.last(), Some(&Entry::Unsessioned));
            let text = screen(&render(&mut a, 160, 40));
            let head = text.lines().nth(1).unwrap_or_default();
            let arrow = if desc { '▼' } else { '▲' };
            assert_eq!(
                head.matches(['▲', '▼']).count(),
                1,
                "{key:?}: one arrow in the titles"
            );
            assert!(head.contains(arrow), "{key:?}: {arrow} expected");
            // The same column again reverses.
            press(&mut a, &[SortMenu, Choose(c)]);
            assert_eq!(a.sessions.descending, !desc);
        }
    }
    press(&mut a, &[SortMenu, Choose('d')]);
    assert!(a.sessions.descending, "durations start longest first");
    press(&mut a, &[ReverseSort]);
    assert!(!a.sessions.descending, "S reverses");
    press(&mut a, &[SortMenu, Choose('Z')]);
    assert_eq!(a.status.as_deref(), Some("no column for that key"));
}

/// The EVAL column sums up each session's verdicts; sorting by it puts negative ones first.
#[test]
fn the_eval_column_shows_verdicts_and_sorts_by_them() {
    let mut a = app(&["fixtures/mlflow/traces_search.json"], 160, 30);
    let text = screen(&render(&mut a, 160, 30));
    assert!(text.contains("EVAL"), "{text}");
    // conversation_resolved=false (session-level), correctness=true, one scorer error.
    let row = text.lines().nth(2).unwrap_or_default();
    assert!(
        row.contains("◆ conversation_resolved=false +1 ◇1"),
        "{text}"
    );
    // Narrower, the column is cut; the summary below the list says it whole.
    let text = screen(&render(&mut a, 100, 30));
    assert!(
        text.contains(
            "evaluations ◆ conversation_resolved=false +1 ◇1 · 2 verdicts, 1 negative, 1 scorer error"
        ),
        "{text}"
    );
    let plain = app(&[PHOENIX], 120, 30);
    let mut plain = plain;
    assert!(
        !screen(&render(&mut plain, 120, 30)).contains("EVAL"),
        "no column when nothing is evaluated"
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
        let raw = model.index.span_bytes(*h);
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

/// `e`/`E` wrap at the ends and say so; a session without errors says that; `]`/`[` step
/// through the turns the same way.
#[test]
fn jumps_wrap_at_the_ends_and_say_so() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    let with_errors: Vec<usize> = a
        .sessions
        .rows
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Entry::Session(s) if model.session(*s).errors > 0))
        .map(|(i, _)| i)
        .collect();
    assert!(
        with_errors.len() >= 2,
        "the fixture has two sessions with errors"
    );
    press(&mut a, &[Bottom]);
    press(&mut a, &[NextError]);
    assert_eq!(a.sessions.selected, with_errors[0]);
    assert_eq!(
        a.status.as_deref(),
        Some("last session with errors; wrapped to the first")
    );
    press(&mut a, &[PrevError]);
    assert_eq!(a.sessions.selected, *with_errors.last().unwrap());
    assert_eq!(
        a.status.as_deref(),
        Some("first session with errors; wrapped to the last")
    );

    // sess-travel-01 has one failing span: e finds it, then says it is the only one.
    press(&mut a, &[Top, Open, NextError]);
    let span = a.current_span().expect("span");
    assert!(model.is_error(span));
    press(&mut a, &[NextError]);
    assert_eq!(a.current_span(), Some(span));
    assert_eq!(a.status.as_deref(), Some("the only error"));

    // ] and [ go from turn to turn, and round.
    press(&mut a, &[Top]);
    let turns = model.session(0).turns as usize;
    let mut seen = Vec::new();
    for _ in 0..turns {
        press(&mut a, &[NextTurn]);
        let s = a.session.as_ref().expect("open");
        match s.turns.rows[s.turns.selected] {
            Row::Turn(k) => seen.push(k),
            r => panic!("] landed on {r:?}"),
        }
    }
    assert_eq!(seen, (1..turns as u32).chain([0]).collect::<Vec<_>>());
    assert_eq!(a.status.as_deref(), Some("last turn; wrapped to the first"));
    press(&mut a, &[PrevTurn]);
    let s = a.session.as_ref().expect("open");
    assert_eq!(s.turns.rows[s.turns.selected], Row::Turn(turns as u32 - 1));
    // In the tree, ] goes from trace to trace.
    press(&mut a, &[ShowTree, Top, NextTurn]);
    assert_eq!(tree_rows(&a)[..1], ["▾ turn 1"]);
    assert!(
        tree_rows(&a)
            .iter()
            .any(|r| r == "▸ turn 2*" || r == "▾ turn 2*"),
        "{:?}",
        tree_rows(&a)
    );

    // A session without errors says so.
    press(&mut a, &[Back, Back]);
    let calm = a
        .sessions
        .rows
        .iter()
        .position(|e| matches!(e, Entry::Session(s) if model.session(*s).errors == 0))
        .expect("a session without errors");
    a.sessions.selected = calm;
    press(&mut a, &[Open, NextError]);
    assert_eq!(a.status.as_deref(), Some("no errors in this session"));
}

/// Every movement key scrolls the help; other keys close it.
#[test]
fn the_help_scrolls_with_every_movement_key() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use sesstui::app::keymap::{Mode, action, help_scroll_max};
    let mut a = app(&[PHOENIX], 80, 24);
    let max = help_scroll_max(24) as u16;
    assert!(max > 0, "the help is longer than 24 rows");
    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let scroll = |a: &sesstui::app::App| match a.overlay {
        Overlay::Help { scroll } => Some(scroll),
        _ => None,
    };
    press(&mut a, &[Help]);
    for (k, want) in [
        (key(KeyCode::Char('G')), max),
        (key(KeyCode::Char('g')), 0),
        (key(KeyCode::PageDown), max.min(20)),
        (key(KeyCode::PageUp), 0),
        (key(KeyCode::End), max),
        (key(KeyCode::Char('k')), max - 1),
        (key(KeyCode::Home), 0),
        (
            KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL),
            max.min(10),
        ),
    ] {
        let act = action(Mode::Help, &k).expect("bound");
        press(&mut a, &[act]);
        assert_eq!(scroll(&a), Some(want), "{k:?}");
    }
    let text = screen(&render(&mut a, 80, 24));
    assert!(text.contains("keys ("), "{text}");
    press(
        &mut a,
        &[action(Mode::Help, &key(KeyCode::Char('x'))).expect("bound")],
    );
    assert_eq!(scroll(&a), None, "another key closes the help");
}

/// Esc goes back one level: out of the detail, out of the session, then out of the filter.
#[test]
fn esc_goes_back_one_level() {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Filter]);
    typed(&mut a, "error");
    press(&mut a, &[Accept]);
    let narrowed = a.sessions.rows.len();
    assert!(narrowed < a.sessions.total);
    press(&mut a, &[Open, Open]);
    assert_eq!(a.session.as_ref().map(|s| s.focus()), Some(Pane::Detail));
    press(&mut a, &[Back]);
    assert_eq!(a.session.as_ref().map(|s| s.focus()), Some(Pane::Turns));
    press(&mut a, &[Back]);
    assert!(a.session.is_none());
    assert_eq!(a.sessions.rows.len(), narrowed, "still filtered");
    press(&mut a, &[Back]);
    assert!(a.sessions.filter.is_none());
    assert!(a.sessions.rows.len() > narrowed);
    assert!(
        a.status
            .as_deref()
            .is_some_and(|s| s.starts_with("filter cleared"))
    );
}

/// Full-text matches are stepped through as the screen lists them: sessions in list order
/// (whatever the sort), inside a session in time order.
#[test]
fn full_text_matches_follow_the_screen_order() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    let order = |a: &sesstui::app::App, spans: Vec<u32>| -> Vec<(usize, i64)> {
        sesstui::app::search::screen_order(a, &model, spans)
            .into_iter()
            .map(|s| {
                let t = model.span(s).trace;
                let sess = model.trace(t).session;
                let row = a
                    .sessions
                    .rows
                    .iter()
                    .position(|e| match e {
                        Entry::Session(x) => *x == sess,
                        Entry::Unsessioned => sess == sesstui::model::NONE,
                    })
                    .expect("listed");
                (row, model.span(s).start())
            })
            .collect()
    };
    let hits = sesstui::model::fulltext::search(&model, "gpt", 10_000);
    assert!(hits.len() > 10);
    let sorted = |v: &[(usize, i64)]| v.windows(2).all(|w| w[0] <= w[1]);
    let by_start = order(&a, hits.clone());
    assert!(sorted(&by_start), "{by_start:?}");
    press(&mut a, &[SortMenu, Choose('k')]);
    let by_tokens = order(&a, hits);
    assert!(sorted(&by_tokens), "{by_tokens:?}");
    assert_ne!(
        by_start.iter().map(|x| x.1).collect::<Vec<_>>(),
        by_tokens.iter().map(|x| x.1).collect::<Vec<_>>(),
        "the order follows the list's sort"
    );
}

/// Full-text search finds what an evaluation says (its rationale, its scorer's error) and
/// the trace's metadata outside the span records.
#[test]
fn full_text_finds_evaluations_and_trace_metadata() {
    let a = app(&["fixtures/mlflow/traces_search.json"], 80, 24);
    let model = a.model.clone().expect("model");
    for q in [
        "judge call timed out",
        "SCORER_ERROR",
        "1 failing spans",
        "LLM_JUDGE",
    ] {
        let hits = sesstui::model::fulltext::search(&model, q, 100);
        assert!(!hits.is_empty(), "{q:?} is in an assessment");
        for h in hits {
            let raw = model.index.span_bytes(h);
            let in_record = sesstui::model::fulltext::Query::new(q)
                .expect("query")
                .is_match(raw);
            // Found outside the span's record: it stands for its trace's root.
            assert!(
                in_record || model.trace_root(model.span(h).trace) == h,
                "{q:?}"
            );
        }
    }
}

/// `:` inside a session narrows its turns and its tree to what matches; Esc clears it first.
#[test]
fn a_filter_inside_a_session_narrows_its_turns_and_tree() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    press(&mut a, &[Open, Filter]);
    typed(&mut a, "error");
    press(&mut a, &[Accept]);
    let s = a.session.as_ref().expect("open");
    let turns: Vec<u32> = s
        .turns
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Turn(k) => Some(*k),
            _ => None,
        })
        .collect();
    // sess-travel-01: the flight search failed in turn 2, and only there.
    assert_eq!(turns, [1]);
    assert_eq!(s.kept, (1, 4));
    assert_eq!(s.tree.traces.len(), 1);
    assert!(
        model
            .trace_spans(s.tree.traces[0])
            .iter()
            .any(|&x| model.is_error(x))
    );
    let text = screen(&render(&mut a, 80, 24));
    assert!(text.contains("1 of 4 turns · filter: error"), "{text}");
    // A tool's name: the turns that ran it.
    press(
        &mut a,
        &[Filter, Edit(sesstui::app::line::Edit::KillBefore)],
    );
    typed(&mut a, "tool:search_flights");
    press(&mut a, &[Accept]);
    let s = a.session.as_ref().expect("open");
    assert!(s.kept.0 >= 1 && s.kept.0 < 4, "{:?}", s.kept);
    // Esc clears the filter, then leaves the session.
    press(&mut a, &[Back]);
    let s = a.session.as_ref().expect("still open");
    assert!(s.filter.is_none());
    assert_eq!(
        s.turns
            .rows
            .iter()
            .filter(|r| matches!(r, Row::Turn(_)))
            .count(),
        4
    );
    press(&mut a, &[Back]);
    assert!(a.session.is_none());
}

/// `M` lists the last search's matches in the order `n` steps through them; ⏎ goes to one.
#[test]
fn the_matches_are_listed_and_one_can_be_picked() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    press(&mut a, &[ListMatches]);
    assert_eq!(
        a.status.as_deref(),
        Some("no matches to list: search with / or F first")
    );
    let spans = sesstui::model::fulltext::search(&model, "weather", 1000);
    assert!(spans.len() >= 3);
    sesstui::app::search::full_text_done(&mut a, &model, "weather", spans);
    assert!(
        a.status
            .as_deref()
            .is_some_and(|s| s.contains("M: list them"))
    );
    press(&mut a, &[ListMatches]);
    assert!(matches!(a.overlay, Overlay::Matches { selected: 0 }));
    let text = screen(&render(&mut a, 80, 24));
    assert!(text.contains("matches for \"weather\""), "{text}");
    press(&mut a, &[Down, Down, Open]);
    assert!(matches!(a.overlay, Overlay::None));
    assert_eq!(a.search.at, 2);
    let sesstui::app::search::Hit::Span(want) = a.search.results[2] else {
        panic!("a span")
    };
    assert_eq!(a.current_span(), Some(want));
    press(&mut a, &[ListMatches, Back]);
    assert!(matches!(a.overlay, Overlay::None), "Esc closes the list");
}

/// Opening a full-text match shows its span's detail with every occurrence of the query
/// marked, the cursor on the first; `n` goes through them, then on to the next span.
#[test]
fn a_full_text_match_opens_highlighted_and_n_walks_on() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().expect("model");
    let spans = sesstui::model::fulltext::search(&model, "lisbon", 1000);
    assert!(spans.len() >= 2);
    sesstui::app::search::full_text_done(&mut a, &model, "lisbon", spans);
    let first = a.current_span().expect("a span");
    let s = a.session.as_ref().expect("open");
    assert!(s.detail_focus, "the match opens in the detail");
    let f = s.detail.find.as_ref().expect("highlighted");
    assert!(f.from_search && f.query == "lisbon" && !f.hits.is_empty());
    let occurrences = f.hits.len();
    let text = screen(&render(&mut a, 80, 24));
    assert!(text.to_lowercase().contains("lisbon"), "{text}");
    // n: the other occurrences in this span, then the next span.
    for _ in 1..occurrences {
        press(&mut a, &[FindNext]);
        assert_eq!(a.current_span(), Some(first));
    }
    press(&mut a, &[FindNext]);
    let second = a.current_span().expect("a span");
    assert_ne!(second, first, "past the last occurrence, the next span");
    let f = a
        .session
        .as_ref()
        .and_then(|s| s.detail.find.as_ref())
        .expect("find");
    assert_eq!(f.query, "lisbon");
    assert!(!f.hits.is_empty(), "its occurrences marked too");
}
