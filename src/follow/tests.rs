//! Following a file appended in chunks (half lines included) gives exactly what reading the
//! final file at once gives: the same sessions, spans (with their lines) and doctor report.

use super::*;
use std::io::Write;

/// What the headless commands print for a model: `sessions --json`, `spans`, `doctor --json`.
fn printed(model: &Model) -> String {
    let mut out = Vec::new();
    crate::headless::sessions::run(model, true, None, &crate::zone::Zone::utc(), 80, &mut out)
        .unwrap();
    crate::headless::spans::run(model, None, &mut out).unwrap();
    crate::headless::doctor::run(model, true, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .unwrap()
}

fn append(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

/// Cut points in `text`: after `first` bytes, then chunks of varying size, several of them
/// inside a line.
fn cuts(text: &[u8], seed: u64) -> Vec<usize> {
    let mut rng = crate::testing::XorShift(seed);
    let mut at = text.len() / 3;
    let mut out = vec![at];
    while at < text.len() {
        let most = (text.len() as u64 / 12).clamp(2, 900);
        at = (at + 1 + rng.below(most) as usize).min(text.len());
        out.push(at);
    }
    out
}

/// Writes the first part, follows, appends the rest chunk by chunk (a poll after each), and
/// compares with the final file read at once.
fn follow_in_chunks(rel: &str, seed: u64) {
    let text = fixture(rel);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    let cuts = cuts(&text, seed);
    std::fs::write(&path, &text[..cuts[0]]).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    let mut half_lines = 0;
    for w in cuts.windows(2) {
        append(&path, &text[w[0]..w[1]]);
        if text[w[1] - 1] != b'\n' {
            half_lines += 1;
        }
        let round = f.poll(options);
        assert!(round.notes.is_empty(), "{:?}", round.notes);
        if let Some(u) = round.update {
            assert!(matches!(u, Update::Grew(_)), "an append is never a reset");
            apply(&mut model, u, options);
        }
    }
    assert!(half_lines > 3, "{rel}: the chunks cut lines");
    if !text.ends_with(b"\n") {
        // A last line cut off waits for its end: it ends, as a bad line.
        append(&path, b"\n");
        if let Some(u) = f.poll(options).update {
            apply(&mut model, u, options);
        }
    }
    let whole = crate::load::load_any(&[path], options, &Progress::default()).unwrap();
    assert!(!whole.index.spans.is_empty());
    assert_eq!(printed(&model), printed(&whole), "{rel}");
}

#[test]
fn appends_in_chunks_index_like_the_whole_file() {
    for (k, rel) in [
        "claude_code/litellm_phoenix.jsonl",
        "claude_code/litellm_otel.jsonl",
        "agents/agents_df.jsonl",
        "agents/agents_otlp.jsonl",
        "otlp/file_exporter.jsonl",
        "otlp/session_keys.jsonl",
        "otlp/invalid_span_ids.jsonl",
        "otlp/shared_pipelines.jsonl",
        "mlflow/traces_get_lines.jsonl",
        "malformed/mixed.jsonl",
        "malformed/cycle.jsonl",
        // Token sums past 32 bits (the model's big token table, its entries replaced as the
        // trace grows).
        "hostile/numbers.jsonl",
        "claude_code/projects/-home-dev-proj/5d4762e6-f404-5147-a676-1a0fa93f318f.jsonl",
    ]
    .iter()
    .enumerate()
    {
        follow_in_chunks(rel, 7 + k as u64);
    }
}

/// One line at a time, and one byte at a time across a line: a half line is never read.
#[test]
fn a_half_line_waits_for_its_end() {
    let text = fixture("claude_code/litellm_phoenix.jsonl");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[0]).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    assert_eq!(model.index.spans.len(), 1);
    let line = lines[1];
    let half = line.len() / 2;
    append(&path, &line[..half]);
    let round = f.poll(options);
    assert!(round.update.is_none(), "half a line is not read");
    append(&path, &line[half..line.len() - 1]);
    assert!(f.poll(options).update.is_none(), "no newline yet");
    append(&path, b"\n");
    let u = f.poll(options).update.expect("the line is whole");
    assert_eq!(apply(&mut model, u, options), 1..2);
    assert!(
        model.index.problems.is_empty(),
        "{:?}",
        model.index.problems
    );
    assert_eq!(model.index.line(1), 2);
}

/// A file whose last record has no newline yet is read whole; the newline, when it comes, is
/// not a blank line.
#[test]
fn a_last_record_without_newline_is_read_and_its_newline_skipped() {
    let text = fixture("claude_code/litellm_phoenix.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    let cut = text[..text.len() / 2]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap();
    std::fs::write(&path, &text[..cut]).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    append(&path, &text[cut..]);
    let u = f.poll(options).update.unwrap();
    apply(&mut model, u, options);
    let whole = crate::load::load_any(&[path], options, &Progress::default()).unwrap();
    assert_eq!(printed(&model), printed(&whole));
}

#[test]
fn rotation_keeps_both_files_and_follows_the_new_one() {
    let text = fixture("claude_code/litellm_phoenix.jsonl");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[..40].concat()).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    // Written after the last poll, then rotated: read through the handle.
    append(&path, &lines[40..50].concat());
    let rotated = dir.path().join("export-1.jsonl");
    std::fs::rename(&path, &rotated).unwrap();
    std::fs::write(&path, lines[50..].concat()).unwrap();
    let round = f.poll(options);
    assert_eq!(round.notes.len(), 1, "{:?}", round.notes);
    assert!(
        round.notes[0].contains("was rotated (now "),
        "{:?}",
        round.notes
    );
    apply(&mut model, round.update.unwrap(), options);
    assert_eq!(model.index.spans.len(), lines.len());
    let names: Vec<&str> = model.index.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [rotated.display().to_string(), path.display().to_string()]
    );
    // The new file keeps being followed.
    append(&path, lines[0]);
    let u = f.poll(options).update.unwrap();
    apply(&mut model, u, options);
    assert_eq!(model.index.spans.len(), lines.len() + 1);
    let both = crate::load::load_any(&[rotated, path], options, &Progress::default()).unwrap();
    assert_eq!(model.sessions.len(), both.sessions.len());
}

#[test]
fn truncation_reads_again_from_the_start() {
    let text = fixture("claude_code/litellm_phoenix.jsonl");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[..60].concat()).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    // A restart truncates, then writes anew.
    std::fs::write(&path, lines[60..70].concat()).unwrap();
    let round = f.poll(options);
    assert!(
        round
            .notes
            .iter()
            .any(|n| n.contains("read again from its start")),
        "{:?}",
        round.notes
    );
    assert!(matches!(round.update, Some(Update::Reset { .. })));
    apply(&mut model, round.update.unwrap(), options);
    assert_eq!(model.index.spans.len(), 10);
    append(&path, &lines[70..].concat());
    let u = f.poll(options).update.unwrap();
    apply(&mut model, u, options);
    let whole = crate::load::load_any(&[path], options, &Progress::default()).unwrap();
    assert_eq!(printed(&model), printed(&whole));
}

#[test]
fn deletion_keeps_what_was_read_and_waits_for_the_file() {
    let text = fixture("claude_code/litellm_phoenix.jsonl");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[..30].concat()).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    std::fs::remove_file(&path).unwrap();
    let round = f.poll(options);
    assert!(round.notes[0].contains("was deleted"), "{:?}", round.notes);
    assert!(round.update.is_none());
    assert!(f.poll(options).notes.is_empty(), "said once");
    assert_eq!(model.index.spans.len(), 30);
    std::fs::write(&path, lines[30..].concat()).unwrap();
    let u = f.poll(options).update.unwrap();
    apply(&mut model, u, options);
    assert_eq!(model.index.spans.len(), lines.len());
}

#[test]
fn truncation_after_a_rotation_reads_the_new_lines() {
    let text = fixture("claude_code/litellm_phoenix.jsonl");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, lines[..30].concat()).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    append(&path, &lines[30][..100]);
    assert!(f.poll(options).update.is_none());
    std::fs::rename(&path, dir.path().join("export-1.jsonl")).unwrap();
    std::fs::write(&path, lines[30..60].concat()).unwrap();
    let u = f.poll(options).update.unwrap();
    apply(&mut model, u, options);
    assert_eq!(model.index.spans.len(), 60);
    std::fs::write(&path, b"").unwrap();
    let u = f.poll(options).update.unwrap();
    apply(&mut model, u, options);
    assert_eq!(model.index.spans.len(), 30);
    append(&path, &lines[60..65].concat());
    let u = f.poll(options).update.expect("the new lines");
    apply(&mut model, u, options);
    assert_eq!(model.index.spans.len(), 35);
}

/// A span read before its parent is an orphan until the parent is appended: meanwhile its
/// parent id is kept beside the links (`index::parents`); once linked, it is read from the
/// parent's own record, and the model prints what a build of the whole file prints.
#[test]
fn an_orphan_finds_its_parent_in_a_later_append() {
    let line = |id: &str, parent: &str, start: u64| {
        format!(
            r#"{{"name":"n{id}","context.span_id":"{id}","context.trace_id":"000000000000000000000000000000a1","parent_id":{parent},"start_time":{start},"end_time":{}}}"#,
            start + 5
        ) + "\n"
    };
    let child = line(
        "00000000000000b2",
        r#""00000000000000b1""#,
        1_700_000_000_002,
    );
    let parent = line("00000000000000b1", "null", 1_700_000_000_001);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, &child).unwrap();
    let options = infer::Options::default();
    let (mut f, mut model) =
        open(std::slice::from_ref(&path), options, &Progress::default()).unwrap();
    assert_eq!(model.issues.orphans, [0]);
    assert_eq!(
        model.index.parents.kept(),
        1,
        "the orphan's parent id, kept"
    );
    assert_eq!(model.parent_id_text(0).as_deref(), Some("00000000000000b1"));
    append(&path, parent.as_bytes());
    let u = f.poll(options).update.expect("the appended line");
    apply(&mut model, u, options);
    assert!(model.issues.orphans.is_empty());
    assert_eq!(model.parent(0), 1);
    assert_eq!(model.index.parents.kept(), 0, "the link gives the id back");
    assert_eq!(model.parent_id(0), 0xb1);
    let whole = crate::load::load_any(&[path], options, &Progress::default()).unwrap();
    assert_eq!(printed(&model), printed(&whole));
}
