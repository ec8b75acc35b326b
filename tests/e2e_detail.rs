//! The span detail in the real binary, in a real terminal (tmux): open a span of a real
//! fixture, fold a node of its record, find a word and step to the next match, copy a JSON
//! path (checked in tmux's buffer, where the copy lands), and open the record in `$PAGER` (a
//! script that keeps what it was given and reads a line from the terminal): the keys typed
//! there reach the pager and not sesstui, Ctrl-C there does not end sesstui, the temporary
//! file is gone afterwards, and the terminal is full-screen again, then restored on quit.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;
use std::time::{Duration, Instant};
use tmux::Tmux;

const FIXTURE: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";

/// Runs the binary on the fixture in the pane's shell, `env` (e.g. `PAGER=… `) before it.
fn launch(t: &Tmux, env: &str) {
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let root = env!("CARGO_MANIFEST_DIR");
    t.line(&format!(
        "cd {root} && {env}{bin} {FIXTURE}; echo EXITED-$?"
    ));
}

/// Opens the first session and its first call's detail.
fn open_detail(t: &Tmux) {
    t.until("the session list", |s| {
        s.contains("FIRST INPUT") && s.contains("sess-travel-01")
    });
    t.keys(&["Enter"]);
    t.until("the turns", |s| s.contains("Turn 1"));
    t.keys(&["j", "Enter"]);
    t.until("the detail", |s| s.contains("LLM ChatCompletion"));
}

/// A pager that keeps the file it is given and the path it had, says it is open, and reads a
/// line from the terminal into `typed`.
fn pager_script(dir: &Path) -> String {
    let script = dir.join("pager.sh");
    let d = dir.display();
    std::fs::write(
        &script,
        format!(
            "cp \"$1\" {d}/seen.json\nprintf '%s' \"$1\" > {d}/path\n\
             ls -l \"$1\" > {d}/mode\necho PAGER-OPEN\nread line\n\
             printf '%s' \"$line\" > {d}/typed\n"
        ),
    )
    .unwrap();
    format!("sh {}", script.display())
}

fn wait_file(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && !s.is_empty()
        {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn fold_find_copy_a_path_and_page_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let pager = pager_script(dir.path());
    let t = Tmux::require("read", 100, 30);
    launch(&t, &format!("EDITOR= PAGER='{pager}' "));
    open_detail(&t);
    // Fold: find the node, Space on it.
    t.keys(&["/"]);
    t.type_text("input_messages");
    t.keys(&["Enter", "Space"]);
    t.until("the folded node", |s| {
        s.contains("\"attributes.llm.input_messages\": […] 2 items")
    });
    t.keys(&["Space"]);
    t.until("the node unfolded", |s| {
        s.contains("\"message.role\": \"system\"")
    });
    // Find a word, from the cursor on (as in less and vim); n to the next match, and on
    // past the last, wrapping.
    t.keys(&["/"]);
    t.type_text("lisbon");
    t.until("the count as typed", |s| {
        s.contains("/lisbon") && s.contains("3 of 4")
    });
    t.keys(&["Enter"]);
    t.until("the match after the cursor", |s| {
        s.contains("match 3 of 4 for \"lisbon\"")
    });
    t.keys(&["n"]);
    t.until("the next match", |s| {
        s.contains("match 4 of 4 for \"lisbon\"")
    });
    t.keys(&["n"]);
    t.until("the wrap", |s| {
        s.contains("match 1 of 4 for \"lisbon\" · past the last match: wrapped to the first")
    });
    // Copy the JSON path of the record's message that says it.
    t.keys(&["g", "/"]);
    t.type_text("weather in Lisbon");
    t.keys(&["Enter", "n"]);
    t.until("the record's match", |s| s.contains("match 2 of 2"));
    let old = t.cmd(&["show-buffer"]).unwrap_or_default();
    t.keys(&["y"]);
    t.until("the copy keys", |s| s.contains("yp path"));
    t.keys(&["p"]);
    t.until("the copy confirmation", |s| s.contains("copied the path"));
    assert_eq!(
        t.buffer_after(&old),
        r#".["attributes.llm.input_messages"][1]["message.content"]"#
    );
    // `o`: the record in the pager, which has the terminal and its keys.
    t.keys(&["o"]);
    t.until("the pager", |s| s.contains("PAGER-OPEN"));
    t.until_flags("0 1 0");
    t.type_text("hello q");
    t.keys(&["Enter"]);
    t.until("the detail again", |s| s.contains("back from $PAGER"));
    t.until_flags("1 0 0");
    assert_eq!(wait_file(&dir.path().join("typed")), "hello q");
    let path = wait_file(&dir.path().join("path"));
    assert!(!Path::new(&path).exists(), "the temporary file is removed");
    assert!(
        wait_file(&dir.path().join("mode")).starts_with("-rw-------"),
        "the temporary file is private"
    );
    // The file held the span's whole record, pretty-printed.
    let seen = wait_file(&dir.path().join("seen.json"));
    let v: serde_json::Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(v["attributes.llm.model_name"], "gpt-4o-mini");
    assert!(seen.starts_with("{\n  \"name\": \"ChatCompletion\",\n"));
    // The screen is whole again: the header, the detail, the hints.
    let s = t.screen();
    assert!(
        s.contains(" sesstui  fixtures/")
            && s.contains("3 Detail")
            && s.contains("\"message.role\""),
        "{s}"
    );
    assert!(
        !s.contains("PAGER-OPEN"),
        "nothing of the pager is left on screen:\n{s}"
    );
    // Ctrl-C in the pager ends the pager, not sesstui.
    t.keys(&["o"]);
    t.until("the pager again", |s| s.contains("PAGER-OPEN"));
    t.keys(&["C-c"]);
    t.until("the detail after Ctrl-C", |s| s.contains("ended with"));
    t.until_flags("1 0 0");
    t.keys(&["q"]);
    t.until("the shell", |s| s.contains("EXITED-0"));
    assert_eq!(t.flags(), "0 1 0");
}

#[test]
fn o_says_when_there_is_no_pager_or_editor() {
    let t = Tmux::require("nopager", 100, 30);
    launch(&t, "env -u PAGER -u EDITOR ");
    open_detail(&t);
    t.keys(&["o"]);
    t.until("the message", |s| s.contains("neither is set"));
    assert_eq!(t.flags(), "1 0 0");
    t.keys(&["q"]);
    t.until("the shell", |s| s.contains("EXITED-0"));
}
