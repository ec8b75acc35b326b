//! The explorer's state when its files change on disk, without a terminal: what it says, what
//! it no longer shows, and `r`, which reads the files again and keeps the user's place.
//! (The real binary in a real terminal: `e2e_changes.rs`.)

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

mod common;

use common::{press, render, screen};
use sesstui::app::action::Action::*;
use sesstui::app::detail::Line;
use sesstui::app::sessions::Entry;
use sesstui::app::{App, Effect, Pane};
use sesstui::index::progress::Progress;
use sesstui::load::Reuse;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BASE: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";
const OTHER: &str = "fixtures/multi/part1.jsonl";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// An app over a copy of `BASE`.
fn app_on_copy(w: u16, h: u16) -> (tempfile::TempDir, PathBuf, App) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, fixture(BASE)).unwrap();
    let model = sesstui::load::load(
        std::slice::from_ref(&path),
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    let mut a = App::new(vec![path.display().to_string()]);
    a.resize(w, h);
    a.loaded(Arc::new(model));
    (dir, path, a)
}

/// What the runner does with a rebuild effect.
fn run_effect(a: &mut App, path: &Path, effects: &[Effect]) {
    let (options, reuse) = match effects {
        [Effect::Reopen(o)] => (*o, Reuse::Unchanged),
        [Effect::Reload(o)] => (*o, Reuse::Intact),
        other => panic!("{other:?}"),
    };
    let old = a.model.clone().unwrap();
    match sesstui::load::reload(
        &[path.to_owned()],
        &old.index,
        reuse,
        options,
        &Progress::default(),
    ) {
        Ok(m) => a.loaded(Arc::new(m)),
        Err(e) => a.failed(e.to_string()),
    }
}

fn session_id(a: &App, e: Option<Entry>) -> String {
    let model = a.model.clone().unwrap();
    match e {
        Some(Entry::Session(s)) => model.session_id(s).to_owned(),
        other => panic!("{other:?}"),
    }
}

/// The open session's selected span, by its ids.
fn span_ids(a: &App) -> (String, String) {
    let model = a.model.clone().unwrap();
    let span = a.current_span().unwrap();
    let rec = model.span(span);
    (
        model.index.trace_id_text(rec.trace),
        model.index.span_id_of(rec),
    )
}

#[test]
fn an_append_is_said_and_r_reads_it_keeping_the_place() {
    let (_dir, path, mut a) = app_on_copy(140, 40);
    // The second session, its tree, the third row.
    press(&mut a, &[Down, Open, ShowTree, Down, Down]);
    let session = session_id(&a, a.session.as_ref().map(|s| s.entry));
    let span = span_ids(&a);
    assert!(!a.watch(), "nothing changed yet");

    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&fixture(OTHER))
        .unwrap();
    assert!(a.watch());
    let shown = screen(&render(&mut a, 140, 40));
    assert!(
        shown.contains("export.jsonl grew on disk: f follows, r reloads"),
        "{shown}"
    );
    // What was read is still shown: the bytes are intact.
    assert!(a.disk.iter().all(|c| c.intact));

    let effects = press(&mut a, &[Reload]);
    run_effect(&mut a, &path, &effects);
    assert!(a.disk.is_empty(), "{:?}", a.disk);
    let model = a.model.clone().unwrap();
    assert!(
        model.find_session("multi-sess-A").is_some(),
        "the new spans"
    );
    assert!(
        a.status
            .clone()
            .unwrap()
            .starts_with("reloaded: 9 sessions")
    );
    // The same session, pane and span.
    let s = a.session.as_ref().expect("the session is still open");
    assert_eq!(s.main, Pane::Tree);
    assert_eq!(session_id(&a, Some(s.entry)), session);
    assert_eq!(span_ids(&a), span);
    assert_eq!(
        session_id(&a, a.sessions.selected_entry()),
        session,
        "and selected in the list"
    );
}

#[test]
fn a_truncated_file_is_said_and_its_bytes_are_never_shown() {
    let (_dir, path, mut a) = app_on_copy(80, 24);
    press(&mut a, &[Open, ShowTree, Down]);
    let span = a.current_span().unwrap();
    let model = a.model.clone().unwrap();
    assert!(!model.index.span_bytes(span).is_empty());

    std::fs::File::create(&path).unwrap();
    assert!(a.watch());
    let shown = screen(&render(&mut a, 80, 24));
    assert!(
        shown.contains("export.jsonl changed on disk (truncated): r reloads"),
        "{shown}"
    );
    // Nothing is read from it any more.
    assert!(model.index.span_bytes(span).is_empty());
    // The span opened: what the index holds, and a note where the record was.
    press(&mut a, &[Open]);
    let d = &a.session.as_ref().unwrap().detail;
    assert_eq!(d.span, Some(span));
    assert!(d.trees.is_empty());
    let notes: Vec<&String> = d
        .lines
        .iter()
        .filter_map(|l| match l {
            Line::Error(t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(
        notes.iter().any(|n| n.contains(
            "export.jsonl changed on disk (truncated) after it was read: this record is no \
             longer in it"
        )),
        "{notes:?}"
    );
    assert!(matches!(&d.lines[0], Line::Title(t) if t.contains(model.name(span))));
    // Not copied either.
    assert!(press(&mut a, &[Yank]).is_empty());
    let status = a.status.clone().unwrap();
    assert!(status.starts_with("not copied: export.jsonl changed on disk (truncated)"));
    // `!` lists it.
    press(&mut a, &[Back, Diagnostics]);
    let shown = screen(&render(&mut a, 80, 24));
    assert!(shown.contains("1 file changed on disk"), "{shown}");
    assert!(
        shown.contains("export.jsonl was truncated on disk"),
        "{shown}"
    );

    // `r` on an empty file: nothing to show, so what was read stays, and the status says why.
    let effects = press(&mut a, &[Reload]);
    run_effect(&mut a, &path, &effects);
    assert!(Arc::ptr_eq(a.model.as_ref().unwrap(), &model));
    let status = a.status.clone().unwrap();
    assert!(status.starts_with("could not reload:"), "{status}");
    assert!(status.contains("the file is empty"), "{status}");

    // Written again: `r` shows it.
    std::fs::write(&path, fixture(OTHER)).unwrap();
    let effects = press(&mut a, &[Reload]);
    run_effect(&mut a, &path, &effects);
    let model = a.model.clone().unwrap();
    assert_eq!(model.sessions.len(), 2);
    assert!(a.disk.is_empty());
}

#[test]
fn a_rewrite_in_place_drops_the_shown_record_at_the_next_look() {
    let (_dir, path, mut a) = app_on_copy(140, 40);
    press(&mut a, &[Open]);
    let d = &a.session.as_ref().unwrap().detail;
    assert!(!d.trees.is_empty(), "the record is shown beside the turns");
    // `>` again, with longer content: the same file, other bytes.
    let longer = fixture("fixtures/claude_code/litellm_otel.jsonl");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&longer)
        .unwrap();
    assert!(a.watch());
    let d = &a.session.as_ref().unwrap().detail;
    assert!(
        d.trees.is_empty(),
        "the record read before is replaced by a note"
    );
    let shown = screen(&render(&mut a, 140, 40));
    assert!(
        shown.contains("export.jsonl changed on disk (rewritten): r reloads"),
        "{shown}"
    );
}

#[test]
fn an_inference_switch_reuses_the_bytes_and_r_only_the_unchanged_files() {
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&p1, fixture(BASE)).unwrap();
    std::fs::write(&p2, fixture(OTHER)).unwrap();
    let paths = vec![p1.clone(), p2.clone()];
    let model = sesstui::load::load(&paths, Default::default(), &Progress::default()).unwrap();
    let ptr = |m: &sesstui::model::Model, i: usize| m.index.sources[i].bytes().as_ptr();
    let switched = sesstui::load::reload(
        &paths,
        &model.index,
        Reuse::Intact,
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(ptr(&switched, 0), ptr(&model, 0), "no new read");
    assert_eq!(ptr(&switched, 1), ptr(&model, 1));
    // One file replaced: `r` reads it again, and only it.
    let next = dir.path().join(".next");
    std::fs::write(&next, fixture("fixtures/multi/part2.jsonl")).unwrap();
    std::fs::rename(&next, &p2).unwrap();
    let reloaded = sesstui::load::reload(
        &paths,
        &model.index,
        Reuse::Unchanged,
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(ptr(&reloaded, 0), ptr(&model, 0));
    assert_ne!(ptr(&reloaded, 1), ptr(&model, 1));
    assert!(reloaded.find_session("multi-sess-C").is_some());
    // A deleted file is gone after `r` (reported as not read), the other stays.
    std::fs::remove_file(&p2).unwrap();
    let reloaded = sesstui::load::reload(
        &paths,
        &reloaded.index,
        Reuse::Unchanged,
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(reloaded.index.sources.len(), 1);
    assert_eq!(reloaded.index.unread.len(), 1);
}
