//! The explorer's behaviour without a terminal: actions in, state and effects out.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

mod common;

use common::{PHOENIX, app, press, typed};
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
            Row::Header { trace, .. } => Some(*trace),
            _ => None,
        })
        .collect();
    assert_eq!(headers.len(), model.session(0).traces.len());
    let starts: Vec<i64> = headers.iter().map(|&t| model.trace(t).start).collect();
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
