//! Hostile nesting: values nested 0 to 200,000 levels deep wherever a record can nest them.
//!
//! Each case is a three-line file (a plain span, the deep record, a plain span) taken through
//! the index, the model, every session's transcript and every span's detail, on a thread with a
//! 2 MiB stack: the smallest sesstui's code runs on (std's default for spawned threads, which the
//! index workers and the explorer's index and search threads are; the main thread has 8 MiB). A stack overflow aborts the whole process, so every case runs in a child
//! process (this test binary again, running only [`child`]): an abort is then one failed case,
//! named, and not a dead test binary.
//!
//! Checked: the child exits cleanly; every line is indexed or reported; the deep record is
//! either indexed (its span is there) or reported with a reason that speaks of depth.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

use proptest::prelude::*;
use sesstui::index::lines::Mode;
use sesstui::index::progress::Progress;
use sesstui::index::report::Severity;
use sesstui::source::Source;
use std::process::Command;

/// The environment variable that hands a case to the child.
const CASE: &str = "SESSTUI_DEPTH_CASE";
/// What the child prints when its case passed (so a child that ran no test is no pass).
const PASSED: &str = "depth case passed";
const STACK: usize = 2 * 1024 * 1024;

/// Where the nesting is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// `"attributes.metadata": [[[…]]]`, a Phoenix dataframe column.
    RawAttr,
    /// `"attributes.metadata": "[[[…]]]"`, the same as JSON inside a string.
    StringAttr,
    /// `"attributes.llm.input_messages": [{"message.content": [[[…]]]}]`.
    InputMessages,
    /// `"attributes.gen_ai.input.messages": "[{…, \"content\": [[[…]]]}]"` (a string).
    GenAiMessages,
    /// `"attributes.input.value": "[[[…]]]"` (a string).
    InputValue,
    /// An OTLP attribute `{"kvlistValue":{"values":[{"key":"k","value":{"kvlistValue":…}}]}}`.
    OtlpKvlist,
    /// An OTLP attribute `{"arrayValue":{"values":[{"arrayValue":…}]}}`.
    OtlpArray,
    /// `{"resourceSpans":[{"scopeSpans":[{"spans":[…]}]}]}` around itself, the span innermost.
    Envelope,
}

const PLACES: [Place; 8] = [
    Place::RawAttr,
    Place::StringAttr,
    Place::InputMessages,
    Place::GenAiMessages,
    Place::InputValue,
    Place::OtlpKvlist,
    Place::OtlpArray,
    Place::Envelope,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Case {
    place: Place,
    depth: usize,
    /// Objects (`{"a":…}`) instead of arrays where the place nests plain JSON.
    objects: bool,
}

impl Case {
    fn to_env(self) -> String {
        let p = PLACES.iter().position(|&p| p == self.place).unwrap();
        format!("{p}:{}:{}", self.depth, u8::from(self.objects))
    }

    fn from_env(s: &str) -> Case {
        let mut it = s.split(':').map(|n| n.parse::<usize>().unwrap());
        let (p, depth, objects) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        Case {
            place: PLACES[p],
            depth,
            objects: objects == 1,
        }
    }
}

/// The deep record's span id; the plain spans around it are …d1 and …d3.
const DEEP_ID: &str = "00000000000000d2";
const TRACE: &str = "000000000000000000000000000000d0";

fn plain(id: &str) -> String {
    format!(
        r#"{{"context.span_id":"{id}","context.trace_id":"{TRACE}","name":"plain","span_kind":"LLM","start_time":1795318546218,"end_time":1795318546223,"attributes.session.id":"s","attributes.input.value":"hi"}}"#
    )
}

/// `depth` levels of arrays or objects around `leaf`.
fn nest(depth: usize, objects: bool, leaf: &str) -> String {
    if objects {
        wrap(depth, r#"{"a":"#, "}", leaf)
    } else {
        wrap(depth, "[", "]", leaf)
    }
}

/// `depth` levels of `wrap` (an opening and a closing part) around `leaf`.
fn wrap(depth: usize, open: &str, close: &str, leaf: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + leaf.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(leaf);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

/// A JSON string literal holding `text`.
fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn phoenix(attrs: &str) -> String {
    format!(
        r#"{{"context.span_id":"{DEEP_ID}","context.trace_id":"{TRACE}","name":"deep","span_kind":"LLM","start_time":1795318546300,"end_time":1795318546400,"attributes.session.id":"s",{attrs}}}"#
    )
}

fn otlp_span(attributes: &str) -> String {
    format!(
        r#"{{"traceId":"{TRACE}","spanId":"{DEEP_ID}","name":"deep","startTimeUnixNano":"1795318546300000000","endTimeUnixNano":"1795318546400000000","attributes":[{{"key":"session.id","value":{{"stringValue":"s"}}}}{attributes}]}}"#
    )
}

fn envelope(span: &str) -> String {
    format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{span}]}}]}}]}}"#)
}

/// The deep record, as one line.
fn record(c: Case) -> String {
    let leaf = r#""leaf""#;
    let json = || nest(c.depth, c.objects, leaf);
    match c.place {
        Place::RawAttr => phoenix(&format!(r#""attributes.metadata":{}"#, json())),
        Place::StringAttr => phoenix(&format!(r#""attributes.metadata":{}"#, string(&json()))),
        Place::InputMessages => phoenix(&format!(
            r#""attributes.llm.input_messages":[{{"message.role":"user","message.content":{}}}]"#,
            json()
        )),
        Place::GenAiMessages => {
            let msgs = format!(
                r#"[{{"role":"user","parts":[{{"type":"text","content":{}}}]}}]"#,
                json()
            );
            phoenix(&format!(
                r#""attributes.gen_ai.input.messages":{}"#,
                string(&msgs)
            ))
        }
        Place::InputValue => phoenix(&format!(r#""attributes.input.value":{}"#, string(&json()))),
        Place::OtlpKvlist => {
            let v = wrap(
                c.depth,
                r#"{"kvlistValue":{"values":[{"key":"k","value":"#,
                "}]}}",
                r#"{"stringValue":"leaf"}"#,
            );
            envelope(&otlp_span(&format!(r#",{{"key":"metadata","value":{v}}}"#)))
        }
        Place::OtlpArray => {
            let v = wrap(
                c.depth,
                r#"{"arrayValue":{"values":["#,
                "]}}",
                r#"{"stringValue":"leaf"}"#,
            );
            envelope(&otlp_span(&format!(r#",{{"key":"metadata","value":{v}}}"#)))
        }
        Place::Envelope => wrap(
            c.depth,
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":["#,
            "]}]}]}",
            &otlp_span(""),
        ),
    }
}

/// The whole pipeline over one case; panics on a broken invariant. Runs in the child.
fn run_case(c: Case) {
    let bytes = format!(
        "{}\n{}\n{}\n",
        plain("00000000000000d1"),
        record(c),
        plain("00000000000000d3")
    )
    .into_bytes();
    let idx = sesstui::index::build(
        vec![Source::from_bytes("deep.jsonl", bytes.clone())],
        &Progress::default(),
    )
    .expect("not cancelled");
    lines_accounted(&bytes, &idx);
    let has = |id: &str| idx.spans.iter().any(|s| idx.span_id_of(s) == id);
    assert!(
        has("00000000000000d1") && has("00000000000000d3"),
        "the plain spans are indexed"
    );
    let reported: Vec<_> = idx.problems.iter().filter(|p| p.line == 2).collect();
    let deep_reason = reported.iter().any(|p| {
        let r = p.reason.to_lowercase();
        r.contains("deep") || r.contains("depth")
    });
    assert!(
        has(DEEP_ID) || deep_reason,
        "the deep record is neither indexed nor reported as too deep; line 2's problems: {reported:?}"
    );
    let model = sesstui::model::build(idx);
    for s in 0..model.sessions.len() as u32 {
        let t = sesstui::transcript::build(&model, Some(s));
        let _ = sesstui::transcript::text(&t, &sesstui::zone::Zone::utc());
        let _ = sesstui::transcript::markdown(&t, &sesstui::zone::Zone::utc());
    }
    let t = sesstui::transcript::build(&model, None);
    let _ = sesstui::transcript::text(&t, &sesstui::zone::Zone::utc());
    for span in 0..model.index.spans.len() as u32 {
        let _ = sesstui::model::detail::SpanDetail::load(&model, span);
        let mut view = sesstui::app::detail::DetailView::default();
        view.show(&model, span);
    }
}

/// Every line is indexed or reported (as `tests/property.rs` states it).
fn lines_accounted(bytes: &[u8], idx: &sesstui::index::Index) {
    let f = &idx.files[0];
    assert_eq!(f.mode, Mode::Lines);
    let malformed = idx
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Malformed)
        .count() as u64;
    let blank = idx
        .problems
        .iter()
        .filter(|p| p.reason == "blank line")
        .count() as u64;
    assert_eq!(
        f.records + malformed + blank,
        f.lines,
        "a line is neither indexed nor reported: {:?}",
        idx.problems
    );
    let newlines = bytes.iter().filter(|&&c| c == b'\n').count() as u64;
    assert_eq!(f.lines, newlines);
}

/// The child's side: runs the case named in the environment (nothing without one).
#[test]
fn child() {
    let Ok(spec) = std::env::var(CASE) else {
        return;
    };
    let case = Case::from_env(&spec);
    let worker = std::thread::Builder::new()
        .name(format!("{case:?}"))
        .stack_size(STACK)
        .spawn(move || run_case(case))
        .unwrap();
    if worker.join().is_err() {
        panic!("{case:?} panicked");
    }
    println!("{PASSED}");
}

/// Runs `case` in a child process; the error says how it failed.
fn in_child(case: Case) -> Result<(), String> {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE, case.to_env())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains(PASSED) {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: String = {
        let lines: Vec<&str> = stderr.lines().collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    };
    Err(format!(
        "{case:?} (nesting {} levels deep, {} bytes): the child {}\n{tail}",
        case.depth,
        record(case).len(),
        match out.status.code() {
            Some(code) => format!("exited with {code}"),
            None => format!("was killed ({:?}): a stack overflow aborts", out.status),
        },
    ))
}

/// Depths: anything up to 100,000, biased to both ends and to the limits the code has had
/// (48 and 64 levels walked, 128 in serde_json, 512 in the cursor, 1024).
fn depth() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0, 1, 2, 47, 48, 49, 63, 64, 65, 127, 128, 129, 511, 512, 513, 1023, 1024, 1025,
            4096, 100_000,
        ]),
        2 => 0usize..=2000,
        1 => 0usize..=100_000,
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(PLACES.to_vec()),
        depth(),
        any::<bool>(),
    )
        .prop_map(|(place, depth, objects)| Case {
            place,
            depth,
            objects,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn nesting_anywhere_is_indexed_or_reported(c in case()) {
        if let Err(e) = in_child(c) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// The deepest cases, once each: 150,000 and 200,000 levels in every place.
#[test]
fn nesting_200_000_deep() {
    let mut failed = Vec::new();
    for (i, &place) in PLACES.iter().enumerate() {
        for depth in [150_000, 200_000] {
            let case = Case {
                place,
                depth,
                objects: i % 2 == 1,
            };
            if let Err(e) = in_child(case) {
                failed.push(e);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} cases failed:\n\n{}",
        failed.len(),
        failed.join("\n\n")
    );
}

/// The harness itself: a shallow case passes in a child, so failures above are the code's.
#[test]
fn a_shallow_case_passes_in_a_child() {
    for &place in &PLACES {
        let case = Case {
            place,
            depth: 3,
            objects: false,
        };
        assert_eq!(in_child(case), Ok(()));
    }
}
