//! Following a growing file in the real explorer, in tmux: `sesstui -f copy.jsonl` on a copy
//! of a real fixture; lines of other traces and sessions appended while a session is open; the
//! new sessions appear and the counts grow while the open session and the selection stay.
//! Then a rotation (rename, new file) is followed, a truncation is said and read again, and
//! the `f` key starts following an explorer opened without `-f`. The terminal is restored on
//! `q`.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/tmux.rs"]
mod tmux;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tmux::{Setup, Tmux, open_session};

/// tmux's own clipboard setting (nothing is copied here), 80 ms between keys.
const TMUX: Setup = Setup {
    clipboard: false,
    key_pause: Duration::from_millis(80),
};

fn fixture_lines() -> Vec<Vec<u8>> {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/claude_code/litellm_phoenix.jsonl");
    std::fs::read(p)
        .unwrap()
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// The header's counts: (sessions, spans).
fn counts(screen: &str) -> (u64, u64) {
    let head = screen.lines().next().unwrap_or("");
    let num = |word: &str| -> u64 {
        let before = head.split(word).next().unwrap_or("");
        before
            .rsplit(' ')
            .find(|w| !w.is_empty())
            .and_then(|w| w.replace(',', "").parse().ok())
            .unwrap_or(0)
    };
    (num(" sessions"), num(" spans"))
}

fn explorer(t: &Tmux, dir: &Path, args: &str) {
    let bin = env!("CARGO_BIN_EXE_sesstui");
    t.keys(&[&format!("cd {} && {bin} {args}", dir.display()), "Enter"]);
}

#[test]
fn a_growing_file_updates_the_explorer_and_keeps_the_place() {
    if Tmux::missing() {
        eprintln!("tmux not found: skipped");
        return;
    }
    let lines = fixture_lines();
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("copy.jsonl");
    std::fs::write(&path, lines[..20].concat()).unwrap();
    let t = Tmux::start_with(TMUX, "grow", 120, 30).unwrap();
    explorer(&t, dir.path(), "-f copy.jsonl");
    let s = t.until("the first sessions", |s| s.contains("20 spans · following"));
    assert_eq!(counts(&s), (2, 20), "{s}");
    // Open the second session.
    t.keys(&["j", "Enter"]);
    let s = t.until("the session", |s| open_session(s).is_some());
    let id = open_session(&s).unwrap();

    // Other traces and sessions are appended: the counts grow under the open session.
    append(&path, &lines[20..60].concat());
    let s = t.until("the new spans", |s| {
        s.contains("60 spans · following · +40 spans")
    });
    assert_eq!(counts(&s), (4, 60), "{s}");
    assert_eq!(open_session(&s).as_deref(), Some(id.as_str()), "{s}");
    // Back in the list, the selection is the same session, in its new row.
    t.keys(&["Escape"]);
    t.until("the list", |s| s.contains("SESSION"));
    t.keys(&["Enter"]);
    let s = t.until("the session again", |s| open_session(s).is_some());
    assert_eq!(open_session(&s).as_deref(), Some(id.as_str()), "{s}");
    t.keys(&["Escape"]);

    // The Collector rotates: rename, and a new file at the path.
    std::fs::rename(&path, dir.path().join("copy-1.jsonl")).unwrap();
    std::fs::write(&path, lines[60..].concat()).unwrap();
    let s = t.until("the rotation", |s| {
        s.contains("copy.jsonl was rotated (now ./copy-1.jsonl)")
    });
    let s = if counts(&s).1 == 100 {
        s
    } else {
        t.until("every span", |s| counts(s).1 == 100)
    };
    assert!(counts(&s).0 >= 4, "{s}");

    // A restart truncates: said, and what the file holds now is read from its start.
    std::fs::write(&path, lines[..5].concat()).unwrap();
    let s = t.until("the truncation", |s| {
        s.contains("copy.jsonl was truncated on disk: read again from its start")
    });
    // The rotated file's 60 spans stay; the 40 of the truncated file are gone; its 5 new
    // lines re-export spans the rotated file has (counted once).
    let s = if counts(&s).1 == 65 {
        s
    } else {
        t.until("the spans left", |s| counts(s).1 == 65)
    };
    assert!(s.contains("following"), "{s}");

    t.keys(&["q"]);
    t.until("the shell", |s| !s.contains("following"));
    assert_eq!(t.screen_flags(), "0 1", "terminal restored");
}

#[test]
fn the_f_key_starts_following() {
    if Tmux::missing() {
        eprintln!("tmux not found: skipped");
        return;
    }
    let lines = fixture_lines();
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("copy.jsonl");
    std::fs::write(&path, lines[..20].concat()).unwrap();
    let t = Tmux::start_with(TMUX, "key", 120, 30).unwrap();
    explorer(&t, dir.path(), "copy.jsonl");
    let s = t.until("the sessions", |s| s.contains("20 spans"));
    assert!(!s.contains("following"), "{s}");
    // Not followed: an append changes nothing.
    append(&path, &lines[20..40].concat());
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(counts(&t.screen()).1, 20);
    t.keys(&["f"]);
    let s = t.until("following", |s| s.contains("40 spans · following"));
    assert!(s.contains("following the files as they grow"), "{s}");
    append(&path, &lines[40..60].concat());
    t.until("the appended spans", |s| {
        s.contains("60 spans · following · +20 spans")
    });
    // Paused: appends wait.
    t.keys(&["f"]);
    t.until("paused", |s| s.contains("paused (f follows)"));
    append(&path, &lines[60..70].concat());
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(counts(&t.screen()).1, 60);
    t.keys(&["f"]);
    t.until("resumed", |s| s.contains("70 spans · following"));
    t.keys(&["q"]);
    t.until("the shell", |s| !s.contains("following"));
    assert_eq!(t.screen_flags(), "0 1", "terminal restored");
}

/// While following, an append is the follower's: the watcher of changed files does not say
/// it; `r` reads the files again and following goes on from there.
#[test]
fn r_while_following_reads_again_and_following_goes_on() {
    if Tmux::missing() {
        eprintln!("tmux not found: skipped");
        return;
    }
    let lines = fixture_lines();
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("copy.jsonl");
    std::fs::write(&path, lines[..20].concat()).unwrap();
    let t = Tmux::start_with(TMUX, "reload", 120, 30).unwrap();
    explorer(&t, dir.path(), "-f copy.jsonl");
    t.until("following", |s| s.contains("20 spans · following"));
    append(&path, &lines[20..40].concat());
    t.until("the appended spans", |s| {
        s.contains("40 spans · following · +20 spans")
    });
    // Past a look of the watcher (every second): nothing to say about the append.
    std::thread::sleep(Duration::from_millis(1500));
    let s = t.screen();
    assert!(!s.contains("grew on disk"), "{s}");
    t.keys(&["r"]);
    let s = t.until("reloaded", |s| s.contains("reloaded: "));
    assert!(s.contains("40 spans · following"), "{s}");
    append(&path, &lines[40..50].concat());
    t.until("following after r", |s| {
        s.contains("50 spans · following · +10 spans")
    });
    t.keys(&["q"]);
    t.until("the shell", |s| !s.contains("following"));
    assert_eq!(t.screen_flags(), "0 1", "terminal restored");
}

/// `-f` on a compressed file: read whole, as without `-f`, and one line says it cannot be
/// followed; the header does not claim it is.
#[test]
fn a_compressed_file_is_said_not_to_be_followed() {
    if Tmux::missing() {
        eprintln!("tmux not found: skipped");
        return;
    }
    let t = Tmux::start_with(TMUX, "gz", 160, 30).unwrap();
    explorer(
        &t,
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "-f fixtures/compressed/session_keys.jsonl.gz",
    );
    let s = t.until("the note", |s| s.contains("cannot be followed"));
    assert!(
        s.contains("session_keys.jsonl.gz: gzip input is read whole, and cannot be followed"),
        "{s}"
    );
    let head = s.lines().next().unwrap_or("");
    assert!(head.contains(" sessions"), "{s}");
    assert!(!head.contains("following"), "{s}");
    t.keys(&["q"]);
    t.until("the shell", |s| !s.contains("cannot be followed"));
    assert_eq!(t.screen_flags(), "0 1", "terminal restored");
}
