//! Issue 17 in the explorer: a span that ends before it starts shows as such in the tree, the
//! full-text search says when it stopped counting, and counts read in the singular at one.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

mod common;

use common::{PHOENIX, app, press, render, screen};
use sesstui::app::action::Action::{ExpandAll, Open, ShowTree};

/// A flat (Phoenix-style) span line: hand-written, for input no exporter writes on purpose.
fn span(id: &str, parent: Option<&str>, start: &str, end: &str) -> String {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p}\""));
    format!(
        r#"{{"name":"s{id}","span_kind":"CHAIN","context.span_id":"{id}","context.trace_id":"0000000000000000000000000000000a","parent_id":{parent},"start_time":{start},"end_time":{end},"attributes.session.id":"sess-1"}}"#
    )
}

#[test]
fn the_tree_shows_a_span_that_ends_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.jsonl");
    let lines = [
        span(
            "00000000000000a1",
            None,
            "\"2026-01-01T00:00:00Z\"",
            "\"2026-01-01T00:00:01Z\"",
        ),
        span(
            "00000000000000a3",
            Some("00000000000000a1"),
            "\"2026-01-01T00:00:00.300Z\"",
            "\"2026-01-01T00:00:00.288Z\"",
        ),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let file = path.to_string_lossy().into_owned();
    let mut a = app(&[&file], 100, 24);
    press(&mut a, &[Open, ShowTree, ExpandAll]);
    let text = screen(&render(&mut a, 100, 24));
    assert!(text.contains("−12ms ⚠"), "{text}");
    assert!(!text.contains(" 0ms "), "{text}");
    assert!(text.contains("· 2 spans ·"), "{text}");
    assert!(text.contains("1 session · 2 spans"), "{text}");
}

#[test]
fn full_text_search_says_when_it_stopped_at_its_limit() {
    let mut a = app(&[PHOENIX], 100, 24);
    let model = a.model.clone().unwrap();
    let all = sesstui::model::fulltext::search_hits(&model, "weather", 100_000);
    assert!(!all.truncated && all.spans.len() > 2);
    let n = all.spans.len();
    sesstui::app::search::full_text_hits(&mut a, &model, "weather", all);
    let status = a.status.clone().unwrap();
    assert!(
        status.starts_with(&format!("{n} records contain \"weather\"")),
        "{status}"
    );
    // Stopped after two: the count says it is a floor.
    let capped = sesstui::model::fulltext::search_hits(&model, "weather", 2);
    assert!(capped.truncated);
    sesstui::app::search::full_text_hits(&mut a, &model, "weather", capped);
    let status = a.status.clone().unwrap();
    assert!(
        status.starts_with("2+ records contain \"weather\""),
        "{status}"
    );
}
