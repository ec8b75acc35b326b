//! Arbitrary bytes in: no panic, and every line is either indexed or reported.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

use proptest::prelude::*;
use sesstui::index::lines::Mode;
use sesstui::index::progress::Progress;
use sesstui::index::report::Severity;
use sesstui::source::Source;

const SPAN: &str = r#"{"context.span_id":"00000000000000aa","context.trace_id":"000000000000000000000000000000aa","parent_id":"00000000000000bb","name":"n","attributes.session.id":"s","attributes.metadata":"{'user_id': 'user_x_account__session_y'}"}"#;
const OTLP: &str = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","attributes":[{"key":"session.id","value":{"stringValue":"x"}}]}]}]}]}"#;

/// Lines made of real records, their fragments, and noise.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(SPAN.as_bytes().to_vec()),
        Just(OTLP.as_bytes().to_vec()),
        (0..SPAN.len()).prop_map(|n| SPAN.as_bytes()[..n].to_vec()),
        (0..OTLP.len(), any::<u8>()).prop_map(|(n, b)| {
            let mut v = OTLP.as_bytes().to_vec();
            v[n] = b;
            v
        }),
        proptest::collection::vec(any::<u8>(), 0..200),
        proptest::collection::vec(
            prop::sample::select(b"{}[]\":,\\ antrue0-9.".to_vec()),
            0..80
        ),
    ]
}

fn check(bytes: Vec<u8>) {
    let idx = sesstui::index::build(
        vec![Source::from_bytes("p", bytes.clone())],
        &Progress::default(),
    )
    .expect("not cancelled");
    let f = &idx.files[0];
    // Every line is counted once, by what it held, in either mode.
    assert_eq!(f.kinds.total(), f.lines, "{:?} {:?}", f.kinds, idx.problems);
    let blank = idx
        .problems
        .iter()
        .filter(|p| p.reason == "blank line")
        .count() as u64;
    if f.mode == Mode::Lines {
        assert_eq!(f.kinds.blank, blank, "{:?}", idx.problems);
        // A line not counted as a record's is reported.
        let reported: std::collections::BTreeSet<u32> = idx
            .problems
            .iter()
            .filter(|p| p.severity != Severity::Warning)
            .flat_map(|p| p.line..p.line.saturating_add(p.lines.max(1)))
            .collect();
        assert!(
            reported.len() as u64 >= f.lines - f.kinds.records,
            "{:?} {:?}",
            f.kinds,
            idx.problems
        );
        let content = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let newlines = content.iter().filter(|&&c| c == b'\n').count() as u64;
        let lines = newlines + u64::from(!content.is_empty() && !content.ends_with(b"\n"));
        assert_eq!(f.lines, lines);
    }
    for p in &idx.problems {
        assert!(
            p.line >= 1 && u64::from(p.line) <= f.lines.max(1),
            "{p:?} of {}",
            f.lines
        );
    }
    for i in 0..idx.spans.len() as u32 {
        assert!(idx.span_bytes(i).first() == Some(&b'{'));
    }
    let model = sesstui::model::build(idx);
    for t in 0..model.traces.len() as u32 {
        let _ = sesstui::model::tree::flatten(&model, t);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        check(bytes);
    }

    #[test]
    fn mixtures_of_records_and_noise(lines in proptest::collection::vec(line(), 0..40), crlf in any::<bool>()) {
        let sep: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        check(lines.join(sep));
    }
}

/// A record written over several lines that holds no span (found by the fuzzer: an MLflow
/// assessment pretty-printed among OTLP lines) is reported over every one of its lines.
#[test]
fn a_spanless_record_over_several_lines_is_reported_over_all_of_them() {
    let first = std::fs::read("fixtures/otlp/file_exporter.jsonl").expect("fixture");
    let first = first
        .split(|&b| b == b'\n')
        .next()
        .expect("a line")
        .to_vec();
    let mut bytes = first.clone();
    bytes.extend_from_slice(
        b"\n{\n  \"assessment_name\": \"resolved\",\n  \"trace_id\": \"tr-1\",\n  \"valid\": true\n}\n",
    );
    bytes.extend_from_slice(&first);
    bytes.push(b'\n');
    check(bytes.clone());
    let idx = sesstui::index::build(vec![Source::from_bytes("p", bytes)], &Progress::default())
        .expect("not cancelled");
    let p = idx
        .problems
        .iter()
        .find(|p| p.severity == Severity::Malformed)
        .expect("reported");
    assert_eq!((p.line, p.lines), (2, 5), "{:?}", idx.problems);
}

/// A Claude Code transcript line from small pools of ids (so parents, split responses, tool
/// results, sub-agents and clashes meet), with odd usage counts and unknown types.
fn transcript_line() -> impl Strategy<Value = Vec<u8>> {
    let uuid = (0u8..6, 0u8..3).prop_map(|(a, b)| {
        // Some share their first half, some their second.
        format!("0000000{a}-0000-4000-8000-00000000000{b}")
    });
    let count = prop_oneof![
        (0u64..500).prop_map(|n| serde_json::json!(n)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(-3)),
        Just(serde_json::json!("NaN")),
        Just(serde_json::json!(1.5)),
        Just(serde_json::Value::Null),
    ];
    let block = prop_oneof![
        "[a-z <>\u{1b}]{0,12}".prop_map(|t| serde_json::json!({"type": "text", "text": t})),
        (0u8..3, prop::sample::select(vec!["Task", "Bash", "Agent"])).prop_map(|(i, n)| {
            serde_json::json!({"type": "tool_use", "id": format!("toolu_{i}"), "name": n,
                "input": {"prompt": "p", "description": "d"}})
        }),
        (0u8..3, any::<bool>()).prop_map(|(i, e)| {
            serde_json::json!({"type": "tool_result", "tool_use_id": format!("toolu_{i}"),
                "is_error": e, "content": [{"type": "text", "text": format!("agentId: a{i}")}]})
        }),
        Just(serde_json::json!({"type": "thinking", "thinking": "hm"})),
    ];
    let kind = prop::sample::select(vec![
        "user",
        "assistant",
        "system",
        "summary",
        "queue-operation",
        "progress",
    ]);
    (
        kind,
        uuid.clone(),
        proptest::option::of(uuid),
        any::<bool>(),
        proptest::option::of(0u8..2),
        0u8..3,
        proptest::collection::vec(block, 0..3),
        (count.clone(), count.clone(), count),
        any::<bool>(),
    )
        .prop_map(
            |(kind, uuid, parent, side, agent, msg, content, (i, c, o), string_content)| {
                let role = if kind == "assistant" {
                    "assistant"
                } else {
                    "user"
                };
                let content = if string_content {
                    serde_json::json!("typed text")
                } else {
                    serde_json::Value::Array(content)
                };
                let mut v = serde_json::json!({
                    "type": kind, "uuid": uuid, "parentUuid": parent, "isSidechain": side,
                    "sessionId": "0f0f0f0f-0000-4000-8000-000000000001",
                    "timestamp": format!("2026-01-01T00:00:0{msg}.000Z"),
                    "message": {"id": format!("msg_{msg}"), "role": role, "model": "m",
                        "content": content,
                        "usage": {"input_tokens": i, "cache_read_input_tokens": c,
                            "output_tokens": o}},
                });
                if let Some(a) = agent {
                    v["agentId"] = serde_json::json!(format!("a{a}"));
                }
                if kind == "summary" {
                    v = serde_json::json!({"type": "summary", "summary": "t\u{1b}[2J",
                        "leafUuid": v["uuid"].clone()});
                }
                v.to_string().into_bytes()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Transcripts: every line indexed or reported, no panic building the model, and every
    /// session's turns laid out and read.
    #[test]
    fn claude_code_transcripts(lines in proptest::collection::vec(transcript_line(), 0..30)) {
        let bytes = lines.join(&b"\n"[..]);
        check(bytes.clone());
        let idx = sesstui::index::build(
            vec![Source::from_bytes("p", bytes)],
            &Progress::default(),
        )
        .expect("not cancelled");
        let model = sesstui::model::build(idx);
        let reader = sesstui::model::conversation::read::Reader::new(&model, false);
        for s in (0..model.sessions.len() as u32).map(Some).chain([None]) {
            let c = sesstui::model::conversation::Conversation::build(&model, s);
            for k in 0..c.turns.len() {
                let _ = reader.turn(&c, k);
            }
        }
    }
}
