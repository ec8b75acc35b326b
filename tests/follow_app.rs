//! Following and the files' watcher in the explorer's state, without a terminal: while
//! following, what is appended is the follower's (the watcher does not say it), a truncation
//! is said until the follower has read the file again; paused, an append is said and offers
//! `f`. And `-f` on what cannot be followed says so. (The real binary: `e2e_follow.rs`.)

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

mod common;

use common::{press, render, screen};
use sesstui::app::action::Action::*;
use sesstui::app::follow::Following;
use sesstui::app::{App, Effect};
use sesstui::follow::{self, Follower};
use sesstui::index::progress::Progress;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BASE: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";
const OTHER: &str = "fixtures/multi/part1.jsonl";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn append(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

/// An app following a copy of `BASE`, as `sesstui -f` starts.
fn following(w: u16, h: u16) -> (tempfile::TempDir, PathBuf, Follower, App) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, fixture(BASE)).unwrap();
    let (f, model) = follow::open(
        std::slice::from_ref(&path),
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    let mut a = App::new(vec![path.display().to_string()]);
    a.resize(w, h);
    a.follow = Some(Following { on: true, added: 0 });
    a.loaded(Arc::new(model));
    (dir, path, f, a)
}

/// One round of the follower, applied as the runner applies it; true when it changed the model.
fn round(f: &mut Follower, a: &mut App) -> bool {
    let r = f.poll(a.infer);
    if let Some(note) = r.notes.last() {
        a.status = Some(note.clone());
    }
    let Some(u) = r.update else { return false };
    let place = a.place();
    let mut model = Arc::try_unwrap(a.model.take().unwrap())
        .ok()
        .expect("the app holds the model alone");
    let before = model.index.spans.len();
    follow::apply(&mut model, u, a.infer);
    let added = model.index.spans.len().saturating_sub(before) as u64;
    a.grown(Arc::new(model), place, added);
    true
}

#[test]
fn while_following_appends_are_the_followers_and_truncations_are_said_until_read_again() {
    let (_dir, path, mut f, mut a) = following(140, 40);
    let spans = a.model.as_ref().unwrap().index.spans.len();

    // Appended: taken in by the follower; the watcher has nothing to say about it.
    append(&path, &fixture(OTHER));
    assert!(!a.watch(), "the watcher leaves an append to the follower");
    assert!(a.disk.is_empty(), "{:?}", a.disk);
    assert!(round(&mut f, &mut a));
    let model = a.model.clone().unwrap();
    assert!(model.index.spans.len() > spans);
    assert!(model.find_session("multi-sess-A").is_some());
    let shown = screen(&render(&mut a, 140, 40));
    assert!(shown.contains("following · +"), "{shown}");
    assert!(!shown.contains("grew on disk"), "{shown}");
    drop(model);

    // Truncated: bytes read are gone, which the watcher says at once (nothing stale is shown
    // meanwhile); the follower reads the file again, and the note goes.
    let keep = fixture(BASE).len() / 2;
    let body = fixture(BASE);
    let cut = keep - body[..keep].iter().rev().position(|&b| b == b'\n').unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(cut as u64)
        .unwrap();
    assert!(a.watch());
    assert!(a.disk.iter().any(|c| !c.intact), "{:?}", a.disk);
    let shown = screen(&render(&mut a, 140, 40));
    assert!(
        shown.contains("export.jsonl changed on disk (truncated)"),
        "{shown}"
    );
    assert!(round(&mut f, &mut a), "the follower reads it again");
    assert!(a.disk.is_empty(), "read again: {:?}", a.disk);
    assert!(
        a.status
            .as_deref()
            .unwrap()
            .contains("was truncated on disk: read again from its start"),
        "{:?}",
        a.status
    );
    let model = a.model.clone().unwrap();
    assert!(model.index.intact());
    assert!(
        model.find_session("multi-sess-A").is_none(),
        "no longer in it"
    );
}

#[test]
fn paused_an_append_is_said_and_offers_f() {
    let (_dir, path, mut f, mut a) = following(140, 40);
    let effects = press(&mut a, &[ToggleFollow]);
    assert!(matches!(effects.as_slice(), [Effect::Follow(false)]));
    a.status = None;
    append(&path, &fixture(OTHER));
    assert!(a.watch());
    let shown = screen(&render(&mut a, 140, 40));
    assert!(shown.contains("paused (f follows)"), "{shown}");
    assert!(
        shown.contains("export.jsonl grew on disk: f follows, r reloads"),
        "{shown}"
    );
    // Resumed: the follower takes the append in, and the note goes with it.
    press(&mut a, &[ToggleFollow]);
    assert!(round(&mut f, &mut a));
    assert!(a.disk.is_empty(), "{:?}", a.disk);
    assert!(
        a.model
            .as_ref()
            .unwrap()
            .find_session("multi-sess-A")
            .is_some()
    );
}

#[test]
fn what_cannot_be_followed_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let gz =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compressed/session_keys.jsonl.gz");
    let (mut f, model) = follow::open(&[gz], Default::default(), &Progress::default()).unwrap();
    assert!(!model.index.spans.is_empty(), "read whole, as without -f");
    assert!(!f.following());
    let notes = f.take_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]
            .contains("session_keys.jsonl.gz: gzip input is read whole, and cannot be followed"),
        "{notes:?}"
    );
    // A file that grows compressed (a Collector writing zstd into a file empty when opened).
    let path = dir.path().join("traces.zst");
    std::fs::write(&path, b"").unwrap();
    let (mut f, _model) = follow::open(
        std::slice::from_ref(&path),
        Default::default(),
        &Progress::default(),
    )
    .unwrap();
    assert!(f.following());
    std::fs::write(&path, fixture("fixtures/compressed/spans_df_iso.jsonl.zst")).unwrap();
    let r = f.poll(Default::default());
    assert!(r.update.is_none());
    assert!(r.ended, "nothing is followed any more");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("zstd input is read whole")),
        "{:?}",
        r.notes
    );
}
