//! `sesstui spans -f` on a real fixture that grows while it runs: the spans there first, then
//! the appended ones as they come (a writer thread appends in chunks that cut lines in half),
//! every span once, as `sesstui spans` prints the final file; rotation and truncation said on
//! stderr and followed; SIGTERM and a closed pipe end it.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/isolated.rs"]
mod isolated;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const FIXTURE: &str = "fixtures/claude_code/litellm_phoenix.jsonl";

fn fixture_lines() -> Vec<Vec<u8>> {
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)).unwrap();
    text.split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// `sesstui spans -f FILE`, run in `dir`, its stdout lines sent as they come.
struct Follow {
    child: Child,
    lines: Receiver<String>,
    stderr: Receiver<String>,
}

impl Follow {
    fn start(dir: &Path, file: &str) -> Follow {
        let mut child = isolated::command()
            .args(["spans", "-f", file])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { return };
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        let (etx, stderr) = channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines() {
                let Ok(l) = l else { return };
                if etx.send(l).is_err() {
                    return;
                }
            }
        });
        Follow {
            child,
            lines,
            stderr,
        }
    }

    /// The next `n` span lines, waiting up to 10 s in all.
    fn take(&self, n: usize) -> Vec<Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => out.push(serde_json::from_str(&l).unwrap()),
                Err(_) => panic!("got {} span lines of {n}", out.len()),
            }
        }
        out
    }

    /// Nothing more comes within a moment (a few polls).
    fn quiet(&self) {
        if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(800)) {
            panic!("unexpected line: {l}");
        }
    }

    /// A line on stderr containing `what`, waiting up to 10 s.
    fn said(&self, what: &str) -> String {
        loop {
            match self.stderr.recv_timeout(Duration::from_secs(10)) {
                Ok(l) if l.contains(what) => return l,
                Ok(_) => {}
                Err(_) => panic!("stderr never said {what:?}"),
            }
        }
    }

    fn term(mut self) -> i32 {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        status.code().unwrap_or(-1)
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ids(spans: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = spans
        .iter()
        .map(|s| s["span_id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// What `sesstui spans` prints for `files` (in `dir`).
fn spans_of(dir: &Path, files: &[&str]) -> Vec<Value> {
    let out = isolated::command()
        .arg("spans")
        .args(files)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn appended_spans_arrive_as_they_are_written_half_lines_included() {
    let lines = fixture_lines();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[..20].concat()).unwrap();
    let f = Follow::start(dir.path(), "export.jsonl");
    let first = f.take(20);
    assert_eq!(ids(&first), ids(&spans_of(dir.path(), &["export.jsonl"])));
    f.quiet();

    // Half a line: nothing until its end is written.
    let line = &lines[20];
    append(&path, &line[..line.len() / 2]);
    f.quiet();
    append(&path, &line[line.len() / 2..]);
    let one = f.take(1);
    assert_eq!(one[0]["line"], 21);

    // The rest, from another thread, in chunks that cut lines.
    let rest: Vec<u8> = lines[21..].concat();
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            for chunk in rest.chunks(3001) {
                append(&path, chunk);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let more = f.take(lines.len() - 21);
    writer.join().unwrap();
    f.quiet();
    let mut got = first;
    got.extend(one);
    got.extend(more);
    let whole = spans_of(dir.path(), &["export.jsonl"]);
    assert_eq!(ids(&got), ids(&whole), "every span once");
    // The same lines, as `spans` prints them (file and line included).
    let by_id = |v: &[Value]| -> BTreeSet<(String, String, u64)> {
        v.iter()
            .map(|s| {
                (
                    s["span_id"].as_str().unwrap().to_owned(),
                    s["file"].as_str().unwrap().to_owned(),
                    s["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(by_id(&got), by_id(&whole));
    assert_eq!(f.term(), 143, "SIGTERM: 128 + 15");
}

#[test]
fn rotation_and_truncation_are_followed_and_said() {
    let lines = fixture_lines();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[..30].concat()).unwrap();
    let f = Follow::start(dir.path(), "export.jsonl");
    let first = ids(&f.take(30));
    // The Collector's rotation: rename, then a new file at the path. A line written just
    // before is read through the old file's handle.
    append(&path, &lines[30]);
    std::fs::rename(&path, dir.path().join("export-1.jsonl")).unwrap();
    std::fs::write(&path, lines[31..50].concat()).unwrap();
    let said = f.said("was rotated");
    assert!(said.contains("export-1.jsonl"), "{said}");
    let rotated = f.take(20);
    let both = ids(&spans_of(dir.path(), &["export-1.jsonl", "export.jsonl"]));
    let new: Vec<String> = both.into_iter().filter(|i| !first.contains(i)).collect();
    assert_eq!(ids(&rotated), new);
    f.quiet();
    // A restart truncates: the new content is read from its start, and said.
    std::fs::write(&path, lines[60..70].concat()).unwrap();
    f.said("was truncated on disk: read again from its start");
    let again = f.take(10);
    assert_eq!(ids(&again), ids(&spans_of(dir.path(), &["export.jsonl"])));
    f.quiet();
    assert_eq!(f.term(), 143);
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let lines = fixture_lines();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines.concat()).unwrap();
    let mut child = isolated::command()
        .args(["spans", "-f", "export.jsonl"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running after its reader went away"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}

/// `spans -f` on what cannot be followed (a compressed file, standard input from a pipe):
/// every span, as `spans` prints them, one line on stderr saying why it is not followed, and
/// the end (status 0) instead of waiting for growth that cannot come.
#[test]
fn what_cannot_be_followed_is_printed_once_and_said() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gz = "fixtures/compressed/session_keys.jsonl.gz";
    let plain = isolated::command()
        .args(["spans", gz])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(plain.status.success());
    let run = |args: &[&str], stdin: Option<Vec<u8>>| {
        let mut child = isolated::command()
            .args(args)
            .current_dir(root)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(bytes) = stdin {
            let mut w = child.stdin.take().unwrap();
            std::thread::spawn(move || w.write_all(&bytes));
        }
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("it ends by itself")
            .unwrap()
    };
    let out = run(&["spans", "-f", gz], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(out.stdout, plain.stdout, "the same spans as without -f");
    assert!(
        err.contains("session_keys.jsonl.gz: gzip input is read whole, and cannot be followed"),
        "{err}"
    );
    assert!(err.contains("no file given can be followed"), "{err}");

    let piped = std::fs::read(root.join("fixtures/claude_code/litellm_phoenix.jsonl")).unwrap();
    let out = run(&["spans", "-f", "-"], Some(piped));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!out.stdout.is_empty(), "{err}");
    assert!(
        err.contains("standard input is read once: it cannot be followed"),
        "{err}"
    );
}
