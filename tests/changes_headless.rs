//! Files that change while a headless command reads them: never a crash, never output that
//! looks complete and is not.
//!
//! Each command runs on a copy of a fixture (tests never touch `fixtures/`) with
//! `SESSTUI_TEST_PAUSE`, which holds it still once the file is open and mapped (`open`), or
//! once the model is built and checked and before the output starts (`output`); the change
//! lands there. A file that lost bytes (truncated, shortened, rewritten in place) ends the
//! command with one line on stderr and exit 2; one that was appended to, replaced by a rename,
//! rotated or deleted leaves the bytes read intact, and the output is exactly that of the file
//! as it was opened. A last test truncates a large file at a moment nobody chose.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod disk_changes;
#[path = "common/isolated.rs"]
mod isolated;

use disk_changes::{ALL, BASE, Kind, fixture};

fn bin() -> Command {
    isolated::command()
}

/// The command's arguments for `file`.
fn args(cmd: &str, file: &Path) -> Vec<String> {
    let f = file.display().to_string();
    match cmd {
        "show" => vec!["show".into(), f, "sess-travel-01".into()],
        "sessions --json" => vec!["sessions".into(), "--json".into(), f],
        other => vec![other.into(), f],
    }
}

/// A fresh copy of `BASE` in a directory of its own.
fn copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, fixture(BASE)).unwrap();
    (dir, path)
}

/// Runs `cmd` on `file`, applying `kind` while it is held at `point`.
fn run_changed(cmd: &str, file: &Path, point: &str, kind: Kind) -> Output {
    let mut child = bin()
        .args(args(cmd, file))
        .env("SESSTUI_TEST_PAUSE", format!("{point}:400"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        stdout.read_to_end(&mut v).unwrap();
        v
    });
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert_eq!(
        first.trim(),
        format!("sesstui: test pause at {point}"),
        "{cmd}: the command did not reach the pause"
    );
    kind.apply(file);
    let mut rest = Vec::new();
    err.read_to_end(&mut rest).unwrap();
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: rest,
    }
}

/// Every change at `point`, for `cmd`.
fn each_change(cmd: &str, point: &str) {
    let kinds: Vec<Kind> = if point == "open" {
        ALL.to_vec()
    } else {
        ALL.iter()
            .copied()
            .filter(|k| k.loses().is_some())
            .collect()
    };
    let runs: Vec<_> = kinds
        .into_iter()
        .map(|kind| {
            let cmd = cmd.to_owned();
            let point = point.to_owned();
            std::thread::spawn(move || {
                let (_dir, file) = copy();
                let before = bin().args(args(&cmd, &file)).output().unwrap();
                assert!(before.status.success(), "{cmd}: {before:?}");
                let after = run_changed(&cmd, &file, &point, kind);
                (kind, before, after, file.display().to_string())
            })
        })
        .collect();
    for r in runs {
        let (kind, before, after, path) = r.join().unwrap();
        let stderr = String::from_utf8_lossy(&after.stderr);
        let what = format!("{cmd}, {kind:?} at {point}: {stderr}");
        // Never killed by a signal (SIGBUS was what a truncation did).
        assert!(after.status.code().is_some(), "{what}: {:?}", after.status);
        match kind.loses() {
            Some(word) => {
                assert_eq!(after.status.code(), Some(2), "{what}");
                assert_eq!(
                    stderr.trim_end(),
                    format!(
                        "sesstui: {path} changed on disk while it was read ({word}): the \
                         output is incomplete; run again"
                    ),
                    "{what}"
                );
                if point == "open" {
                    assert!(after.stdout.is_empty(), "{what}: printed before it knew");
                }
            }
            None => {
                assert_eq!(after.status.code(), Some(0), "{what}");
                assert!(stderr.is_empty(), "{what}");
                assert!(!after.stdout.is_empty(), "{what}");
                assert!(
                    after.stdout == before.stdout,
                    "{what}: not the output of the file as it was opened"
                );
            }
        }
    }
}

#[test]
fn sessions_while_the_file_changes() {
    each_change("sessions", "open");
    each_change("sessions --json", "output");
}

#[test]
fn spans_while_the_file_changes() {
    each_change("spans", "open");
    each_change("spans", "output");
}

#[test]
fn show_while_the_file_changes() {
    each_change("show", "open");
    each_change("show", "output");
}

#[test]
fn doctor_while_the_file_changes() {
    each_change("doctor", "open");
    each_change("doctor", "output");
}

/// A large export truncated while it is scanned, at a moment nobody chose: the command ends
/// with the error, or (when the truncation came before the file was opened or after it was
/// read) with the complete output of the file as it was then. Never a crash.
#[test]
fn a_large_file_truncated_at_any_moment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let base = fixture(BASE);
    let body = base.repeat((24 << 20) / base.len());
    for (cmd, delay_ms) in [("sessions", 150), ("spans", 400)] {
        std::fs::write(&path, &body).unwrap();
        let child = bin()
            .args(args(cmd, &path))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(body.len() as u64 / 3 + 17)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code().is_some(), "{cmd}: {:?}", out.status);
        if out.status.code() == Some(2) {
            assert!(
                stderr.contains("changed on disk while it was read (truncated)"),
                "{cmd}: {stderr}"
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{cmd}: {stderr}");
            // Truncated before it was opened: the output of the file as it is now; done
            // before it was truncated: the output of the whole file.
            let now = bin().args(args(cmd, &path)).output().unwrap();
            if out.stdout != now.stdout {
                std::fs::write(&path, &body).unwrap();
                let whole = bin().args(args(cmd, &path)).output().unwrap();
                assert!(
                    out.stdout == whole.stdout,
                    "{cmd}: exit 0, but the output of neither the whole file nor its start"
                );
            }
        }
    }
}
