//! The span detail as a reader uses it, through the app's actions: the record as a JSON tree
//! folded and unfolded, nulls hidden and shown, word wrap, long strings folded with their size
//! and expanded within bounds, copies of values and JSON paths, find with `n` / `N`, and the
//! hook a full-text search uses to highlight its query.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

mod common;

use common::{PHOENIX, app, press, typed};
use sesstui::app::action::Action::{self, *};
use sesstui::app::detail::{DetailView, Item};
use sesstui::app::{App, Effect};

/// The span detail of the first call of the first session (an LLM call asking about Lisbon).
fn llm_call() -> App {
    let mut a = app(&[PHOENIX], 80, 24);
    press(&mut a, &[Open, Down, Open]);
    assert!(a.session.as_ref().unwrap().detail_focus);
    a
}

fn detail(a: &App) -> &DetailView {
    &a.session.as_ref().unwrap().detail
}

/// Every item as it reads.
fn shown(a: &App) -> Vec<String> {
    let d = detail(a);
    (0..d.items.len()).map(|i| d.render(i).text).collect()
}

/// The item under the cursor, as it reads.
fn at_cursor(a: &App) -> String {
    let d = detail(a);
    d.render(d.line_at(d.cursor)).text
}

/// `/query` then Enter.
fn find(a: &mut App, query: &str) {
    press(a, &[Action::Find]);
    typed(a, query);
    press(a, &[Accept]);
}

/// The text of the one copy among `effects`.
fn copied(effects: &[Effect]) -> String {
    match effects {
        [Effect::Copy { text, .. }] => text.clone(),
        other => panic!("expected one copy, got {other:?}"),
    }
}

#[test]
fn the_record_is_a_tree_that_folds_and_unfolds() {
    let mut a = llm_call();
    find(&mut a, "input_messages");
    assert!(
        at_cursor(&a).ends_with("\"attributes.llm.input_messages\": ["),
        "{}",
        at_cursor(&a)
    );
    let before = detail(&a).items.len();
    press(&mut a, &[Toggle]);
    assert_eq!(
        at_cursor(&a),
        "  \"attributes.llm.input_messages\": […] 2 items"
    );
    assert!(detail(&a).items.len() < before);
    press(&mut a, &[Toggle]);
    assert_eq!(detail(&a).items.len(), before);
    // A scalar folds the object around it, and the cursor goes there.
    press(&mut a, &[Down, Down]);
    assert!(
        at_cursor(&a).contains("\"message.role\": \"system\""),
        "{}",
        at_cursor(&a)
    );
    press(&mut a, &[Chord('z'), Fold]);
    assert_eq!(at_cursor(&a), "    {…} 2 keys");
    press(&mut a, &[Chord('z'), Unfold]);
    assert_eq!(at_cursor(&a), "    {");
    // zM folds every object and array below the root; zR unfolds them.
    press(&mut a, &[Chord('z'), CollapseAll]);
    let folded = shown(&a);
    assert!(folded.contains(&"  \"attributes.llm.input_messages\": […] 2 items".to_owned()));
    assert!(folded.contains(&"  \"attributes.llm.output_messages\": […] 1 item".to_owned()));
    assert!(!folded.iter().any(|l| l.contains("message.role")));
    // The cursor stays on what shows what it was on.
    assert_eq!(
        at_cursor(&a),
        "  \"attributes.llm.input_messages\": […] 2 items"
    );
    press(&mut a, &[Chord('z'), ExpandAll]);
    assert_eq!(shown(&a).len(), before);
    // `-` and `+` do the same, as in the tree.
    press(&mut a, &[CollapseAll]);
    assert_eq!(shown(&a), folded);
    // A section folds on its title line.
    press(&mut a, &[Top]);
    find(&mut a, "messages out");
    press(&mut a, &[Back, Toggle]);
    assert_eq!(
        at_cursor(&a),
        "── messages out (1) ── ▸ folded, Space unfolds"
    );
    assert!(!shown(&a).iter().any(|l| l.contains("get_weather({")));
    press(&mut a, &[Toggle]);
    assert!(shown(&a).iter().any(|l| l.contains("get_weather({")));
    // A key that ends no two-key command cancels the first, and the detail keeps the keys.
    press(&mut a, &[Chord('z'), Cancel]);
    assert_eq!(a.mode(), sesstui::app::keymap::Mode::Detail);
}

#[test]
fn nulls_are_hidden_until_asked_for() {
    let mut a = llm_call();
    let nulls = |a: &App| shown(a).iter().filter(|l| l.ends_with(": null")).count();
    assert_eq!(nulls(&a), 0);
    assert!(shown(&a).contains(&"17 null values hidden · zh shows them".to_owned()));
    press(&mut a, &[Chord('z'), ToggleNulls]);
    assert_eq!(nulls(&a), 17);
    assert!(!shown(&a).iter().any(|l| l.contains("hidden · zh")));
    assert_eq!(
        a.status.as_deref(),
        Some("17 null values shown (zh hides them)")
    );
    press(&mut a, &[Chord('z'), ToggleNulls]);
    assert_eq!(nulls(&a), 0);
}

#[test]
fn space_on_the_history_line_shows_the_repeated_messages() {
    let claude = "fixtures/claude_code/litellm_phoenix.jsonl";
    let mut a = app(&[claude], 80, 24);
    press(&mut a, &[Open, ShowTree, ExpandAll]);
    // A later call of the conversation: its history repeats an earlier call's.
    let mut seen = false;
    for _ in 0..40 {
        press(&mut a, &[Down]);
        let s = a.session.as_ref().unwrap();
        if s.tree.selected_span().is_some() {
            press(&mut a, &[Open]);
            if shown(&a)
                .iter()
                .any(|l| l.contains("earlier messages, as in call"))
            {
                seen = true;
                break;
            }
            press(&mut a, &[Back]);
        }
    }
    assert!(seen, "a call with a folded history");
    find(&mut a, "earlier messages, as in call");
    let before = shown(&a).len();
    press(&mut a, &[Back, Toggle]);
    assert!(at_cursor(&a).contains("the earlier messages are shown"));
    assert!(shown(&a).len() > before);
    press(&mut a, &[Toggle]);
    assert!(at_cursor(&a).contains("earlier messages, as in call"));
    assert_eq!(shown(&a).len(), before);
}

#[test]
fn paths_and_values_are_copied_as_jq_and_json() {
    let mut a = llm_call();
    find(&mut a, "weather in Lisbon");
    // The first match is in the messages; the record's is the second.
    press(&mut a, &[FindNext]);
    assert!(at_cursor(&a).contains("\"message.content\": \"What's the weather"));
    let path = copied(&press(&mut a, &[Chord('y'), YankPath]));
    assert_eq!(
        path,
        r#".["attributes.llm.input_messages"][1]["message.content"]"#
    );
    assert!(a.status.is_none());
    // The value as written in the file: Python escaped the sun.
    let value = copied(&press(&mut a, &[Chord('y'), YankValue]));
    assert_eq!(
        value,
        r#""What's the weather in Lisbon tomorrow? \u2600\ufe0f""#
    );
    let text = copied(&press(&mut a, &[Chord('y'), YankString]));
    assert_eq!(text, "What's the weather in Lisbon tomorrow? ☀");
    assert_eq!(
        copied(&press(&mut a, &[Chord('y'), YankKey])),
        "message.content"
    );
    // An object: pretty JSON.
    press(&mut a, &[Up, Up]);
    let obj = copied(&press(&mut a, &[Chord('y'), YankValue]));
    let v: serde_json::Value = serde_json::from_str(&obj).unwrap();
    assert_eq!(v["message.role"], "user");
    // On a message: its text; no JSON path there.
    press(&mut a, &[Top]);
    find(&mut a, "helpful assistant");
    let msg = copied(&press(&mut a, &[Chord('y'), YankValue]));
    assert!(msg.starts_with("You are Sesstui Test Agent"), "{msg}");
    assert!(press(&mut a, &[Chord('y'), YankPath]).is_empty());
    assert!(
        a.status
            .as_deref()
            .unwrap()
            .starts_with("no JSON path here")
    );
    // yj: the whole span, as y copies it in the lists.
    let span = copied(&press(&mut a, &[Chord('y'), Yank]));
    assert!(span.starts_with("{\n  \"name\": \"ChatCompletion\""));
}

#[test]
fn nested_attributes_give_dotted_paths() {
    let mut a = app(&["fixtures/phoenix/spans_rest.json"], 80, 24);
    press(&mut a, &[Open, Open]);
    find(&mut a, "\"output.value\"");
    find(&mut a, "output.value");
    let path = copied(&press(&mut a, &[Chord('y'), YankPath]));
    assert_eq!(path, r#".attributes["output.value"]"#);
}

#[test]
fn find_steps_through_matches_and_wraps_saying_so() {
    let mut a = llm_call();
    find(&mut a, "lisbon");
    let d = detail(&a);
    let f = d.find.as_ref().unwrap();
    // Smart case: "lisbon" finds "Lisbon", in the messages and in the record.
    assert_eq!(f.hits.len(), 4);
    assert_eq!(a.status.as_deref(), Some("match 1 of 4 for \"lisbon\""));
    assert!(at_cursor(&a).contains("Lisbon"));
    press(&mut a, &[FindNext, FindNext, FindNext]);
    assert_eq!(a.status.as_deref(), Some("match 4 of 4 for \"lisbon\""));
    assert!(at_cursor(&a).contains("Lisbon"), "{}", at_cursor(&a));
    press(&mut a, &[FindNext]);
    assert_eq!(
        a.status.as_deref(),
        Some("match 1 of 4 for \"lisbon\" · past the last match: wrapped to the first")
    );
    press(&mut a, &[FindPrev]);
    assert_eq!(
        a.status.as_deref(),
        Some("match 4 of 4 for \"lisbon\" · before the first match: wrapped to the last")
    );
    // Upper case matches that case only.
    find(&mut a, "LISBON");
    assert_eq!(
        a.status.as_deref(),
        Some("no match for \"LISBON\" in this span")
    );
    assert!(detail(&a).find.is_none());
    // Enter alone finds the last query again.
    find(&mut a, "Lisbon");
    press(&mut a, &[Top]);
    find(&mut a, "");
    assert_eq!(a.status.as_deref(), Some("match 1 of 4 for \"Lisbon\""));
    // Every match on screen is marked; Esc clears them, then leaves the detail.
    let d = detail(&a);
    let idx = d.line_at(d.cursor);
    let marks = d.marks(idx, &d.render(idx));
    assert_eq!(marks.len(), 1);
    assert!(marks[0].1, "the current match");
    press(&mut a, &[Back]);
    assert!(detail(&a).find.is_none());
    assert!(a.session.as_ref().unwrap().detail_focus);
    press(&mut a, &[Back]);
    assert!(!a.session.as_ref().unwrap().detail_focus);
}

#[test]
fn find_opens_what_hides_a_match_and_esc_puts_the_cursor_back() {
    let mut a = llm_call();
    press(&mut a, &[CollapseAll, Down, Down]);
    let cursor = detail(&a).cursor;
    press(&mut a, &[Action::Find]);
    typed(&mut a, "get_weath");
    // Found as typed, in the folded output messages: unfolded to show it.
    assert!(at_cursor(&a).contains("get_weather"), "{}", at_cursor(&a));
    press(&mut a, &[Cancel]);
    assert_eq!(detail(&a).cursor, cursor);
    assert!(detail(&a).find.is_none());
}

#[test]
fn a_full_text_query_is_highlighted_and_n_goes_on_to_the_next_span() {
    let mut a = app(&[PHOENIX], 80, 24);
    let model = a.model.clone().unwrap();
    let spans = sesstui::model::fulltext::search(&model, "Lisbon", 100);
    assert!(spans.len() >= 2, "{spans:?}");
    // As the full-text search does it: open the first match, then highlight the query there.
    sesstui::app::search::full_text_done(&mut a, &model, "Lisbon", spans);
    // In the order the screen shows them.
    let spans: Vec<u32> = a
        .search
        .results
        .iter()
        .map(|h| match h {
            sesstui::app::search::Hit::Span(s) => *s,
            other => panic!("{other:?}"),
        })
        .collect();
    let s = a.session.as_mut().unwrap();
    s.detail_focus = true;
    s.sync(&model, false);
    assert_eq!(s.detail.span, Some(spans[0]));
    let n = s.detail.highlight("Lisbon");
    assert!(n >= 1);
    assert!(at_cursor(&a).contains("Lisbon"), "{}", at_cursor(&a));
    // `n` through this span's occurrences: no wrap; then the next span, at its first.
    for _ in 1..n {
        press(&mut a, &[FindNext]);
        assert_eq!(detail(&a).span, Some(spans[0]));
        assert!(at_cursor(&a).contains("Lisbon"), "{}", at_cursor(&a));
    }
    press(&mut a, &[FindNext]);
    let d = detail(&a);
    assert_eq!(d.span, Some(spans[1]));
    let f = d.find.as_ref().unwrap();
    assert!(f.from_search && f.current == Some(0), "{f:?}");
    assert!(at_cursor(&a).contains("Lisbon"), "{}", at_cursor(&a));
    // And back: the previous span, at its last occurrence.
    press(&mut a, &[FindPrev]);
    let d = detail(&a);
    assert_eq!(d.span, Some(spans[0]));
    let f = d.find.as_ref().unwrap();
    assert_eq!(f.current, Some(f.hits.len() - 1));
    // The hook alone: the step says when the span has no more.
    let d = &mut a.session.as_mut().unwrap().detail;
    assert_eq!(
        d.find_step(true),
        sesstui::app::detail::find::Step::Exhausted
    );
}

#[test]
fn word_wrap_toggles_and_keeps_the_cursor_on_its_line() {
    let mut a = llm_call();
    find(&mut a, "helpful assistant");
    let line = at_cursor(&a);
    let rows = detail(&a).rows();
    press(&mut a, &[ToggleWrap]);
    let d = detail(&a);
    assert!(!d.wrap);
    assert_eq!(d.rows(), d.items.len(), "a row per item");
    assert!(rows > d.rows());
    assert_eq!(at_cursor(&a), line);
    press(&mut a, &[ToggleWrap]);
    assert_eq!(detail(&a).rows(), rows);
}

/// A copy of the Phoenix fixture whose first record holds a `size`-byte output value.
fn with_big_value(size: usize) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let text = std::fs::read_to_string(PHOENIX).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut rec: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let long: String = "0123456789abcdef ".repeat(size / 17 + 1)[..size].to_owned();
    rec["attributes.output.value"] = serde_json::Value::String(long);
    lines[0] = serde_json::to_string(&rec).unwrap();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (dir, path.display().to_string())
}

#[test]
fn a_long_string_folds_to_its_start_and_expands_within_bounds() {
    let (_dir, path) = with_big_value(3_000_000);
    let mut a = app(&[&path], 80, 24);
    let model = a.model.clone().unwrap();
    let span = (0..model.index.spans.len() as u32)
        .find(|&s| model.index.span_bytes(s).len() > 3_000_000)
        .unwrap();
    // Open its session and the span (the first record of the file).
    let sessions = a.sessions.rows.clone();
    for (i, e) in sessions.iter().enumerate() {
        if let sesstui::app::sessions::Entry::Session(s) = e
            && model.session_traces(*s).contains(&model.span(span).trace)
        {
            a.sessions.selected = i;
        }
    }
    press(&mut a, &[Open, ShowTree, ExpandAll]);
    while a.session.as_ref().unwrap().tree.selected_span() != Some(span) {
        press(&mut a, &[Down]);
    }
    press(&mut a, &[Open]);
    assert_eq!(detail(&a).span, Some(span));
    // The output section and the record each show the start, and the size.
    let lines = shown(&a);
    let more: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("Enter to expand"))
        .collect();
    assert!(
        more.iter().any(|l| l.trim() == "… 3.0 MB, Enter to expand"),
        "{more:?}"
    );
    let total: usize = lines.iter().map(String::len).sum();
    assert!(total < 64 * 1024, "{total} bytes shown folded");
    // Enter on the record's string: read further, up to 1 MB, and said so.
    find(&mut a, "output.value");
    press(&mut a, &[FindNext]);
    assert!(at_cursor(&a).contains("\"attributes.output.value\": \"0123"));
    press(&mut a, &[Toggle]);
    let lines = shown(&a);
    assert!(
        lines.iter().any(|l| l
            .trim()
            .starts_with("… the first 1.0 MB of 3.0 MB shown · o opens the whole record")),
        "{:?}",
        lines.iter().filter(|l| l.contains('…')).collect::<Vec<_>>()
    );
    let d = detail(&a);
    let t = d.trees.iter().find(|v| v.name == "record").unwrap();
    let longest = t.tree.nodes.iter().map(|n| n.text.len()).max().unwrap();
    assert!(longest <= 1024 * 1024, "{longest}");
    // Too big for the clipboard: said, not copied.
    assert!(press(&mut a, &[Chord('y'), YankValue]).is_empty());
    assert!(a.status.as_deref().unwrap().starts_with("not copied:"));
}

#[test]
fn o_asks_for_the_record_in_a_pager_written_whole_and_pretty() {
    let mut a = llm_call();
    let span = detail(&a).span.unwrap();
    assert_eq!(press(&mut a, &[OpenExternal]), [Effect::Pager(span)]);
    let model = a.model.clone().unwrap();
    let mut out = Vec::new();
    let n = sesstui::app::detail::copy::write_record(&model, span, &mut out, &Default::default())
        .unwrap();
    assert_eq!(n, model.index.span_bytes(span).len());
    let want = sesstui::json::pretty(model.index.span_bytes(span)).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), want + "\n");
}

#[test]
fn the_cursor_moves_by_rows_and_the_view_follows() {
    let mut a = llm_call();
    let d = detail(&a);
    assert_eq!((d.cursor, d.scroll), (0, 0));
    let h = d.height;
    for _ in 0..h {
        press(&mut a, &[Down]);
    }
    let d = detail(&a);
    assert_eq!(d.cursor, h);
    assert_eq!(d.scroll, 1, "scrolled by one to keep the cursor on screen");
    press(&mut a, &[Bottom]);
    let d = detail(&a);
    assert_eq!(d.cursor, d.rows() - 1);
    assert!(matches!(d.items[d.line_at(d.cursor)], Item::Json { .. }));
    press(&mut a, &[Top]);
    assert_eq!(detail(&a).cursor, 0);
    assert_eq!(detail(&a).scroll, 0);
}
