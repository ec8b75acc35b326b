//! Hostile input (fixtures/hostile, written by its make.py): every headless command, every
//! stderr message and every screen of the explorer stays free of what a terminal would act on,
//! nothing aborts, and what could not be represented is reported.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

mod common;

use serde_json::Value;
use sesstui::app::action::Action::{self, *};
use sesstui::app::{Effect, Overlay};
use std::path::PathBuf;

const FILES: &[&str] = &[
    "fixtures/hostile/escapes.jsonl",
    "fixtures/hostile/pastejack.jsonl",
    "fixtures/hostile/deep.jsonl",
    "fixtures/hostile/numbers.jsonl",
    "fixtures/hostile/layout.jsonl",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first character a terminal must not receive raw: C0 controls but newline and tab, DEL,
/// C1 controls, the Unicode line / paragraph separators and the bidi controls.
fn unsafe_char(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| {
        matches!(c,
            '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}'
            | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_clean(bytes: &[u8], what: &str) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some((at, c)) = unsafe_char(text) {
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        panic!(
            "{what}: U+{:04X} at byte {at}, after {:?}",
            c as u32,
            &text[from..at]
        );
    }
}

struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn run(args: &[&str]) -> Out {
    let out = common::isolated::command()
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let what = format!("sesstui {args:?}");
    assert_clean(&out.stdout, &format!("{what} stdout"));
    assert_clean(&out.stderr, &format!("{what} stderr"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(
        out.code,
        0,
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

#[test]
fn every_headless_output_is_clean_and_json_stays_json() {
    for &file in FILES {
        let doc = json(&["sessions", "--json", file]);
        let mut ids: Vec<String> = doc["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        ids.push("unsessioned".into());
        for args in [
            vec!["sessions", file],
            vec!["spans", file],
            vec!["doctor", file],
            vec!["doctor", "--json", file],
        ] {
            assert_eq!(run(&args).code, 0, "{args:?}");
        }
        for line in String::from_utf8(run(&["spans", file]).stdout)
            .unwrap()
            .lines()
        {
            serde_json::from_str::<Value>(line).expect("each spans line is JSON");
        }
        for id in &ids {
            for format in [None, Some("--markdown"), Some("--json")] {
                let mut args = vec!["show"];
                args.extend(format);
                args.extend([file, id.as_str()]);
                let out = run(&args);
                // The unsessioned traces may be none at all.
                assert!(out.code == 0 || id == "unsessioned", "{args:?}");
            }
        }
    }
}

#[test]
fn json_escapes_what_a_terminal_must_not_see_and_keeps_the_value() {
    let out = run(&["sessions", "--json", "fixtures/hostile/escapes.jsonl"]);
    let text = String::from_utf8(out.stdout).unwrap();
    // The escape is written as JSON escapes, never raw; the value is the one in the file.
    assert!(text.contains("s-\\u001b]0;PWNED\\u0007"), "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["sessions"][0]["id"],
        "s-\u{1b}]0;PWNED\u{7}\u{1b}]52;c;UFdORUQ=\u{7}\u{1b}[2J"
    );
    let spans =
        String::from_utf8(run(&["spans", "fixtures/hostile/escapes.jsonl"]).stdout).unwrap();
    assert!(
        spans.contains("\\u009b31m") && spans.contains("\\u202e"),
        "{spans}"
    );
}

#[test]
fn text_output_shows_escapes_as_visible_stand_ins() {
    let out = run(&["show", "fixtures/hostile/escapes.jsonl", "s-"]);
    let text = String::from_utf8(out.stdout).unwrap();
    // The trace id (kept as text) and the question, with their escapes made visible.
    assert!(
        text.contains("trace ␛]0;PWNED␇␛]52;c;UFdORUQ=␇␛[2J"),
        "{text}"
    );
    assert!(text.contains("question ␛]0;PWNED"), "{text}");
    let doctor =
        String::from_utf8(run(&["doctor", "fixtures/hostile/escapes.jsonl"]).stdout).unwrap();
    assert!(doctor.contains("escapes.jsonl:6"), "{doctor}");
}

#[test]
fn a_session_id_is_found_as_the_screen_shows_it() {
    // What `Y` copies and a person pastes: the id with visible stand-ins.
    let shown = "s-␛]0;PWNED␇␛]52;c;UFdORUQ=␇␛[2J";
    let out = run(&["show", "--json", "fixtures/hostile/escapes.jsonl", shown]);
    assert_eq!(out.code, 0, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn stderr_never_echoes_a_file_name_raw() {
    let dir = tempfile::tempdir().unwrap();
    let evil = format!("x\u{1b}]0;PWNED\u{7}\u{9b}2J{}", "\u{2028}");
    // A file that does not exist, one with no span, and one with a malformed line.
    let missing = dir.path().join(format!("{evil}-missing.jsonl"));
    let empty = dir.path().join(format!("{evil}-empty.jsonl"));
    std::fs::write(&empty, "not json\n").unwrap();
    let mixed = dir.path().join(format!("{evil}.jsonl"));
    std::fs::copy(root().join("fixtures/malformed/mixed.jsonl"), &mixed).unwrap();
    for f in [&missing, &empty] {
        let out = run(&["sessions", f.to_str().unwrap()]);
        assert_eq!(out.code, 2);
        assert!(String::from_utf8_lossy(&out.stderr).contains("␛]0;PWNED␇"));
    }
    let out = run(&["sessions", mixed.to_str().unwrap()]);
    assert_eq!(out.code, 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed line"));
    run(&["doctor", mixed.to_str().unwrap()]);
    // Usage errors quote the arguments too.
    let out = run(&["--idle-gap", &evil, mixed.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    // A session that is not there is named in the error, cleaned.
    let out = run(&["show", mixed.to_str().unwrap(), &evil]);
    assert_eq!(out.code, 2);
}

#[test]
fn what_cannot_be_represented_is_reported_with_its_line() {
    let doc = json(&["doctor", "--json", "fixtures/hostile/numbers.jsonl"]);
    let problems: Vec<(u64, String)> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |line: u64, words: &str| {
        assert!(
            problems
                .iter()
                .any(|(l, r)| *l == line && r.contains(words)),
            "line {line}: {words:?} not in {problems:#?}"
        );
    };
    has(1, "start time \"99999999999999999999\" is not a time");
    has(3, "start time 1e400");
    has(4, "start time NaN");
    has(2, "token count 18446744073709551615");
    has(5, "token count -5");
    has(5, "token count twelve");
    has(6, "ends before it starts");
    has(7, "gives its name twice");
    has(7, "session id (session.id) twice");
    has(8, "\"10000-01-01T00:00:00Z\" is not a time");
    // The counts that fit in 64 bits are kept exactly, not clamped at 32.
    let spans =
        String::from_utf8(run(&["spans", "fixtures/hostile/numbers.jsonl"]).stdout).unwrap();
    let huge = spans.lines().find(|l| l.contains("huge tokens")).unwrap();
    assert!(
        huge.contains("\"start\":\"2024-05-01T00:00:00.002Z\""),
        "{huge}"
    );
    let show = json(&["show", "--json", "fixtures/hostile/numbers.jsonl", "n"]);
    assert_eq!(show["session"]["tokens"]["prompt"], 4_294_967_296u64);
    assert_eq!(show["session"]["tokens"]["completion"], 4_294_967_295u64);
}

#[test]
fn deep_values_neither_abort_nor_vanish() {
    let doc = json(&["doctor", "--json", "fixtures/hostile/deep.jsonl"]);
    // Every span line is indexed; the envelope nest and the unclosed brackets are reported.
    assert_eq!(doc["spans"], 8);
    let reasons: Vec<String> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}: {}", p["line"], p["reason"]))
        .collect();
    assert!(reasons.iter().any(|r| r.starts_with("9: ")), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("10: ") && r.contains("truncated")),
        "{reasons:?}"
    );
    // The detail reads each span and says what it could not read in full.
    let model = common::model(&["fixtures/hostile/deep.jsonl"]);
    let mut noted = 0;
    for s in 0..u32::try_from(model.index.spans.len()).unwrap() {
        let d = sesstui::model::detail::SpanDetail::load(&model, s);
        noted += usize::from(d.notes.iter().any(|n| n.contains("levels deep")));
    }
    assert!(noted >= 5, "{noted} spans noted a value too deep");
}

/// Every cell of the screen, and every text an action hands to the clipboard.
fn check_screen(app: &mut sesstui::app::App, what: &str) {
    for (w, h) in [(80, 24), (160, 48)] {
        let t = common::render(app, w, h);
        let buf = t.backend().buffer();
        for y in 0..h {
            for x in 0..w {
                let sym = buf[(x, y)].symbol();
                if let Some((_, c)) = unsafe_char(sym) {
                    panic!(
                        "{what} at {w}x{h}: U+{:04X} in cell ({x},{y}):\n{}",
                        c as u32,
                        common::screen(&t)
                    );
                }
                if sym.contains(['\n', '\t']) {
                    panic!("{what}: a newline or tab in cell ({x},{y})");
                }
            }
        }
    }
}

fn check_effects(effects: &[Effect], what: &str) {
    for e in effects {
        if let Effect::Copy { text, what: w } | Effect::WriteFile { name: w, text } = e {
            assert_clean(text.as_bytes(), &format!("{what}: copy of {w}"));
            assert_clean(w.as_bytes(), what);
        }
    }
}

#[test]
fn no_screen_cell_and_no_copy_holds_a_control_character() {
    for &file in FILES {
        let mut a = common::app(&[file], 80, 24);
        check_screen(&mut a, file);
        let sessions = a.sessions.rows.len();
        for s in 0..sessions {
            let mut a = common::app(&[file], 80, 24);
            for _ in 0..s {
                common::press(&mut a, &[Down]);
            }
            let steps: &[&[Action]] = &[
                &[Open],
                &[Down],
                &[Down, Open],
                &[ShowTree],
                &[ExpandAll],
                &[Down],
                &[Down],
                &[Open],
                &[PageDown],
                &[Bottom],
                &[Back, Down, Open],
                &[Yank],
                &[YankMenu, Choose('i')],
                &[YankMenu, Choose('s')],
                &[YankMenu, Choose('t')],
                &[YankMenu, Choose('m')],
                &[ShowTurns, Toggle],
                &[Diagnostics],
                &[Bottom],
                &[Back, Help],
                &[Back],
                // Search the session's spans (the search haystacks read every span).
                &[Search, Input('e'), Input('x')],
                &[Accept],
                &[Back, Back, Search, Input('s')],
                &[Accept],
            ];
            for (k, step) in steps.iter().enumerate() {
                let effects = common::press(&mut a, step);
                if matches!(a.overlay, Overlay::TooBig { .. }) {
                    let more = common::press(&mut a, &[Choose('y')]);
                    check_effects(&more, file);
                }
                let what = format!("{file} session {s} step {k} {step:?}");
                check_effects(&effects, &what);
                check_screen(&mut a, &what);
            }
        }
    }
}

#[test]
fn ids_are_copied_as_the_screen_shows_them() {
    let mut a = common::app(&["fixtures/hostile/pastejack.jsonl"], 80, 24);
    common::press(&mut a, &[Open, ShowTree, Down]);
    for (key, want) in [
        ('i', "sess␛[201~ touch /tmp/sesstui-pwned"),
        ('t', "trace␛[201~"),
    ] {
        let e = common::press(&mut a, &[YankMenu, Choose(key)]);
        match e.as_slice() {
            [Effect::Copy { text, .. }] => {
                assert!(text.starts_with(want), "{text:?}");
                assert!(!text.contains(['\u{1b}', '\r', '\n']), "{text:?}");
            }
            other => panic!("{key}: {other:?}"),
        }
    }
}
