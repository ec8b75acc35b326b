//! `sesstui listen` in a real terminal (tmux) while the real OTel Python SDK exporters send
//! (`fixtures/listen/send.py`, a pause between traces): the receiver's line counts up, the
//! sessions appear as their spans arrive, a session opened meanwhile stays open and grows,
//! and on `q` the terminal is restored and the summary names the saved file.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/listen.rs"]
mod listen;
#[path = "common/tmux.rs"]
mod tmux;

use std::time::Duration;
use tmux::{Setup, Tmux, open_session};

/// The receiver's line: spans received.
fn received(screen: &str) -> Option<u64> {
    let line = screen.lines().find(|l| l.starts_with(" receiving"))?;
    line.trim_start_matches(" receiving")
        .split(" spans")
        .next()?
        .trim()
        .replace(',', "")
        .parse()
        .ok()
}

#[test]
fn sessions_appear_while_the_agent_sends() {
    if Tmux::missing() {
        eprintln!("tmux not found: skipped");
        return;
    }
    let python = listen::python(); // before the clock starts: the first run installs it
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.jsonl");
    let (http, grpc) = (listen::free_port(), listen::free_port());
    let t = Tmux::start_with(
        Setup {
            clipboard: false,
            key_pause: Duration::from_millis(80),
        },
        "listen",
        80,
        24,
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_sesstui");
    t.keys(&[
        &format!(
            "{bin} listen --http 127.0.0.1:{http} --grpc 127.0.0.1:{grpc} --save {}",
            file.display()
        ),
        "Enter",
    ]);
    let s = t.until("the explorer, waiting", |s| {
        s.contains(" receiving  0 spans · 0 requests")
    });
    assert!(s.contains(&format!("http :{http} · grpc :{grpc}")), "{s}");
    // Nothing yet: the list says where to send (the empty file is not reported as a fault).
    assert!(
        s.contains(&format!(
            "waiting for spans: send OTLP traces to http://127.0.0.1:{http}/v1/traces"
        )),
        "{s}"
    );
    assert!(!s.contains("the file is empty"), "{s}");

    let truth_path = dir.path().join("truth.json");
    let mut sender = std::process::Command::new(python)
        .arg(listen::root().join("fixtures/listen/send.py"))
        .args(["--http", &format!("http://127.0.0.1:{http}")])
        .args(["--grpc", &format!("127.0.0.1:{grpc}")])
        .args(["--truth", truth_path.to_str().unwrap(), "--pause", "0.5"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();

    // The first session shows up while the others are still being sent; open it.
    t.until("the first session", |s| s.contains("sess-travel-01"));
    t.keys(&["Enter"]);
    let s = t.until("the session", |s| open_session(s).is_some());
    let opened = open_session(&s).unwrap();
    let first = received(&s).unwrap();

    // It stays open while the rest arrives; the receiver's line counts every span.
    let status = sender.wait().unwrap();
    assert!(status.success());
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&truth_path).unwrap()).unwrap();
    let spans = truth["spans"].as_u64().unwrap();
    assert!(
        first < spans,
        "everything arrived before the session was opened"
    );
    let s = t.until("every span", |s| received(s) == Some(spans));
    assert_eq!(open_session(&s).as_deref(), Some(opened.as_str()), "{s}");
    let requests = truth["requests"].as_u64().unwrap();
    assert!(s.contains(&format!("{requests} requests")), "{s}");

    // Back in the list: every session sent, with the spans of the file in the header.
    t.keys(&["Escape"]);
    let s = t.until("the list, complete", |s| {
        s.contains("SESSION") && s.contains(&format!("· {spans} spans"))
    });
    for id in truth["sessions"].as_object().unwrap().keys() {
        assert!(s.contains(id.as_str()), "{id}: {s}");
    }

    // q: the terminal is restored and the summary says where everything is.
    t.keys(&["q"]);
    let s = t.until("the summary", |s| s.contains("; saved to"));
    assert!(
        s.contains(&format!("received {requests} requests, {spans} spans")),
        "{s}"
    );
    let saved = std::fs::read_to_string(&file).unwrap();
    assert_eq!(saved.lines().count() as u64, requests);
}
