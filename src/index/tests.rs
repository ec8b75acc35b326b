use super::*;

fn build_text(text: &str) -> Result<Index, Error> {
    let idx = build(
        vec![Source::from_bytes("t.jsonl", text.as_bytes().to_vec())],
        &Progress::default(),
    )?;
    idx.require_spans()?;
    Ok(idx)
}

const SPAN: &str = r#"{"context.span_id":"00000000000000aa","context.trace_id":"000000000000000000000000000000aa","name":"n"}"#;

#[test]
fn lines_are_numbered_across_pieces() {
    let mut text = String::new();
    for i in 0..50_000 {
        if i % 1000 == 7 {
            text.push_str("oops\n");
        } else {
            text.push_str(SPAN);
            text.push('\n');
        }
    }
    let idx = build_text(&text).unwrap();
    assert!(text.len() > PIECE_BYTES / 2);
    assert_eq!(idx.spans.len(), 50_000 - 50);
    let bad: Vec<u32> = idx.problems.iter().map(|p| p.line).collect();
    let want: Vec<u32> = (0..50_000)
        .filter(|i| i % 1000 == 7)
        .map(|i| i + 1)
        .collect();
    assert_eq!(bad, want);
    assert_eq!(idx.files[0].lines, 50_000);
    let mut lines: Vec<u32> = (0..idx.spans.len() as u32).map(|i| idx.line(i)).collect();
    lines.sort_unstable();
    let want: Vec<u32> = (0..50_000)
        .filter(|i| i % 1000 != 7)
        .map(|i| i + 1)
        .collect();
    assert_eq!(lines, want);
}

/// A worker scans many pieces with one collector: each piece's spans keep their own trace,
/// name and line, and the per-trace counts add up, whatever the worker saw before.
#[test]
fn pieces_scanned_one_after_another_keep_their_traces_apart() {
    let mut text = String::new();
    let mut want = Vec::new();
    let pad = "x".repeat(200);
    for i in 0..80_000u32 {
        // Runs of 7 spans per trace, traces reused far apart (in other pieces), names and
        // text trace ids (interned per piece) changing with them.
        let t = (i / 7) % 5_000;
        let trace = if t % 3 == 0 {
            format!("text-{t}")
        } else {
            format!("{t:032x}")
        };
        text.push_str(&format!(
            r#"{{"context.span_id":"{:016x}","context.trace_id":"{trace}","name":"n{}","parent_id":null,"attributes.input.value":"{pad}"}}"#,
            i + 1,
            t % 11
        ));
        text.push('\n');
        want.push((i + 1, trace, format!("n{}", t % 11)));
    }
    let idx = build_text(&text).unwrap();
    assert!(
        idx.files[0].bytes as usize > 2 * PIECE_BYTES,
        "several pieces"
    );
    assert_eq!(idx.spans.len(), want.len());
    let lines = idx.lines();
    let mut counts = vec![0u32; idx.traces.len()];
    for (i, s) in idx.spans.iter().enumerate() {
        let line = lines[i];
        let (id, trace, name) = &want[line as usize - 1];
        assert_eq!(idx.span_id_of(s), format!("{id:016x}"), "line {line}");
        assert_eq!(&idx.trace_id_text(s.trace), trace, "line {line}");
        assert_eq!(idx.strings.get(s.name), name, "line {line}");
        counts[s.trace as usize] += 1;
    }
    assert_eq!(idx.traces.len(), 5_000);
    assert_eq!(idx.trace_spans, counts);
    assert!(counts.iter().all(|&n| n > 7), "traces recur across pieces");
}

#[test]
fn bom_crlf_blank_and_truncated_last_line() {
    let text = format!("\u{feff}{SPAN}\r\n\r\n{SPAN}\r\n{}", &SPAN[..40]);
    let idx = build_text(&text).unwrap();
    assert_eq!(idx.spans.len(), 2);
    let got: Vec<(u32, Severity)> = idx.problems.iter().map(|p| (p.line, p.severity)).collect();
    assert_eq!(
        got,
        [
            (1, Severity::Note),
            (2, Severity::Note),
            (4, Severity::Malformed)
        ]
    );
    assert!(
        idx.problems[2].reason.contains("file ends"),
        "{:?}",
        idx.problems[2]
    );
}

#[test]
fn pretty_document_with_line_numbers() {
    let text = "{\n  \"data\": [\n    {\"context\": {\"trace_id\": \"000000000000000000000000000000aa\", \"span_id\": \"00000000000000aa\"}, \"name\": \"a\"},\n    {\"context\": {\"trace_id\": \"000000000000000000000000000000aa\", \"span_id\": \"00000000000000bb\"}, \"name\": \"b\"}\n  ]\n}\n";
    let idx = build_text(text).unwrap();
    assert_eq!(idx.files[0].mode, Mode::Document);
    let lines: Vec<u32> = (0..idx.spans.len() as u32).map(|i| idx.line(i)).collect();
    assert_eq!(lines, [3, 4]);
    assert_eq!(idx.files[0].lines, 6);
    let bytes = idx.span_bytes(1);
    assert!(bytes.starts_with(b"{\"context\"") && bytes.ends_with(b"\"b\"}"));
}

#[test]
fn broken_document_is_reported_and_the_next_one_read() {
    let text = "{\n  \"data\": [\n    {\"x\": \n  ]\n}\n{\n \"data\": [{\"context\": {\"trace_id\": \"000000000000000000000000000000aa\", \"span_id\": \"00000000000000aa\"}}]\n}\n";
    let idx = build_text(text).unwrap();
    assert_eq!(idx.spans.len(), 1);
    assert_eq!(idx.problems.len(), 1);
    assert_eq!(idx.problems[0].line, 1);
}

#[test]
fn no_spans_is_an_error_naming_the_file() {
    let e = build_text("{\"a\":1}\nnope\n").err().unwrap();
    assert_eq!(
        e.to_string(),
        "t.jsonl: no spans found (2 malformed records)"
    );
    let e = build_text("").err().unwrap();
    assert!(e.to_string().contains("empty"));
}

#[test]
fn cancel_stops_the_scan() {
    let p = Progress::default();
    p.cancel();
    let r = build(
        vec![Source::from_bytes("t", format!("{SPAN}\n").into_bytes())],
        &p,
    );
    assert!(matches!(r, Err(Error::Cancelled)));
}

/// The message hashes the scan kept for each LLM call, in span order.
fn printed(idx: &Index) -> Vec<Vec<u64>> {
    idx.prints
        .calls
        .iter()
        .map(|p| idx.prints.messages(p).to_vec())
        .collect()
}

#[test]
fn fingerprints_extend_across_calls_whatever_the_cache_marker() {
    // Claude Code through LiteLLM: the second call resends the first's messages, with the
    // `cache_control` marker moved from the first user message to the newest one.
    let one = r#"{"context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001","span_kind":"LLM","attributes.llm.input_messages":[{"message.role":"system","message.content":"Be terse."},{"message.role":"user","message.content":"[{'type': 'text', 'text': 'fix it', 'cache_control': {'type': 'ephemeral'}}]"}]}"#;
    let two = r#"{"context.span_id":"0000000000000002","context.trace_id":"00000000000000000000000000000002","span_kind":"LLM","attributes.llm.input_messages":[{"message.role":"system","message.content":"Be terse."},{"message.role":"user","message.content":"[{'type': 'text', 'text': 'fix it'}]"},{"message.role":"assistant","message.content":"done"},{"message.role":"USER","message.content":"[{'type': 'text', 'text': 'thanks', 'cache_control': {'type': 'ephemeral'}}]"}]}"#;
    // Not a call: a chain span with the same messages is not fingerprinted.
    let chain = two
        .replace("\"LLM\"", "\"CHAIN\"")
        .replace("0000000000000002\"", "0000000000000003\"");
    let idx = build_text(&format!("{one}\n{two}\n{chain}\n")).unwrap();
    let p = printed(&idx);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0], p[1][..2]);
    assert_ne!(p[1][1], p[1][3]);
    let calls = &idx.prints.calls;
    assert_eq!((idx.prints.span(0), idx.prints.span(1)), (0, 1));
    assert_eq!(calls[0].first_turn(), Some(1));
    assert_eq!(
        (idx.prints.conversational(0), idx.prints.conversational(1)),
        (1, 3)
    );
}

#[test]
fn fingerprints_read_otlp_keys_and_genai_json() {
    // One message history four ways: OTLP flattened keys, a GenAI JSON string, a nested
    // `{"message": {...}}` list, MLflow chat inputs. Each is read, system prompt recognised.
    let otlp = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000001","spanId":"0000000000000001","name":"chat","attributes":[{"key":"openinference.span.kind","value":{"stringValue":"LLM"}},{"key":"llm.input_messages.0.message.role","value":{"stringValue":"system"}},{"key":"llm.input_messages.0.message.content","value":{"stringValue":"Be terse."}},{"key":"llm.input_messages.1.message.role","value":{"stringValue":"user"}},{"key":"llm.input_messages.1.message.content","value":{"stringValue":"fix it"}}]}]}]}]}"#;
    let genai = r#"{"context":{"span_id":"0000000000000002","trace_id":"00000000000000000000000000000002"},"span_kind":"LLM","attributes":{"gen_ai.input.messages":"[{\"role\": \"system\", \"content\": \"Be terse.\"}, {\"role\": \"user\", \"content\": \"fix it\"}, {\"role\": \"user\", \"content\": \"now\"}]"}}"#;
    let nested = r#"{"context.span_id":"0000000000000003","context.trace_id":"00000000000000000000000000000003","span_kind":"LLM","attributes":{"llm":{"input_messages":[{"message":{"role":"system","content":"Be terse."}},{"message":{"role":"user","content":"fix it"}}]}}}"#;
    let mlflow = r#"{"span_id":"AAAAAAAAAAQ=","trace_id":"tr-00000000000000000000000000000004","name":"chat","span_type":"CHAT_MODEL","attributes":{"mlflow.spanType":"\"CHAT_MODEL\"","mlflow.spanInputs":"{\"messages\": [{\"role\": \"system\", \"content\": \"Be terse.\"}, {\"role\": \"user\", \"content\": \"fix it\"}]}"}}"#;
    let idx = build_text(&format!("{otlp}\n{genai}\n{nested}\n{mlflow}\n")).unwrap();
    let calls = &idx.prints.calls;
    assert_eq!(calls.len(), 4);
    for c in calls {
        assert_eq!(c.first_turn(), Some(1), "{c:?}");
    }
    assert_eq!(
        calls.iter().map(|c| c.len()).collect::<Vec<_>>(),
        [2, 3, 2, 2]
    );
    // The flattened keys and the nested objects name the same parts.
    let p = printed(&idx);
    assert_eq!(p[0], p[2]);
}

#[test]
fn a_malformed_record_leaves_no_fingerprint() {
    let good = r#"{"context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001","span_kind":"LLM","attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"}]}"#;
    let cut = r#"{"context.span_id":"0000000000000002","context.trace_id":"00000000000000000000000000000001","span_kind":"LLM","attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"}],"x":"#;
    let idx = build_text(&format!("{cut}\n{good}\n")).unwrap();
    assert_eq!(idx.spans.len(), 1);
    assert_eq!(idx.problems.len(), 1);
    assert_eq!(idx.prints.calls.len(), 1);
    assert_eq!(idx.prints.span(0), 0);
    assert_eq!(idx.prints.messages.len(), 1);
}

#[test]
fn single_message_calls_with_side_prompt_words_are_flagged() {
    let call = |id: u8, messages: &str, output: &str| {
        format!(
            r#"{{"context.span_id":"00000000000000{id:02x}","context.trace_id":"000000000000000000000000000000{id:02x}","span_kind":"LLM","attributes.llm.input_messages":[{messages}],"attributes.output.value":"{output}"}}"#
        )
    };
    let quota = call(
        1,
        r#"{"message.role":"user","message.content":"quota"}"#,
        "",
    );
    // The words only in the answer, not in the messages.
    let elsewhere = call(
        2,
        r#"{"message.role":"user","message.content":"hi"}"#,
        "your quota is fine",
    );
    // More than one message that is not a system prompt: a conversation, not a side request.
    let longer = call(
        3,
        r#"{"message.role":"user","message.content":"quota"},{"message.role":"assistant","message.content":"ok"},{"message.role":"user","message.content":"and now?"}"#,
        "",
    );
    let title = call(
        4,
        r#"{"message.role":"system","message.content":"Summarize."},{"message.role":"user","message.content":"Please write a 5-10 word title for the following conversation: fix it"}"#,
        "",
    );
    let idx = build_text(&format!("{quota}\n{elsewhere}\n{longer}\n{title}\n")).unwrap();
    let flags: Vec<bool> = idx.prints.calls.iter().map(|p| p.maybe_side()).collect();
    assert_eq!(flags, [true, false, false, true]);
}

/// Every span's line is the line its bytes start on, whatever the shape: JSON Lines pieces,
/// several files at once, pretty documents with spans nested in spans (recorded before their
/// parents), and records cut off after some of their spans were read.
#[test]
fn every_span_is_on_the_line_its_bytes_start() {
    let check = |idx: &Index| {
        let all = idx.lines();
        assert_eq!(all.len(), idx.spans.len());
        // The spans in file order, their lines counted from the start of their file.
        let mut order: Vec<usize> = (0..idx.spans.len()).collect();
        order.sort_by_key(|&i| (idx.file_of(i as u32), idx.spans[i].offset()));
        let (mut file, mut at, mut line) = (u16::MAX, 0usize, 1usize);
        for i in order {
            let s = &idx.spans[i];
            if idx.file_of(i as u32) != file {
                (file, at, line) = (idx.file_of(i as u32), 0, 1);
            }
            let bytes = idx.sources[usize::from(file)].bytes();
            line += memchr::memchr_iter(b'\n', &bytes[at..s.offset() as usize]).count();
            at = s.offset() as usize;
            assert_eq!(idx.line(i as u32) as usize, line, "span {i}");
            assert_eq!(all[i] as usize, line, "span {i} (all lines)");
        }
    };
    // The fixtures, all in one index.
    let sources: Vec<Source> = crate::testing::fixture_exports(&[
        "phoenix",
        "otlp",
        "mlflow",
        "multi",
        "malformed",
        "claude_code",
    ])
    .iter()
    .map(|p| Source::open(p).unwrap())
    .collect();
    assert!(sources.len() > 5);
    check(&build(sources, &Progress::default()).unwrap());
    // OTLP lines of two spans each, every tenth cut off after its first span, over many pieces.
    let otlp = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000000000000000000000000000000aa","spanId":"00000000000000a1","name":"a"},{"traceId":"000000000000000000000000000000aa","spanId":"00000000000000a2","name":"b"}]}]}]}"#;
    let mut text = String::new();
    for i in 0..60_000 {
        if i % 10 == 3 {
            text.push_str(&otlp[..otlp.len() - 60]);
        } else {
            text.push_str(otlp);
        }
        text.push_str(if i % 7 == 0 { "\n\n" } else { "\n" });
    }
    let idx = build_text(&text).unwrap();
    assert!(
        idx.files[0].bytes as usize > PIECE_BYTES,
        "more than one piece"
    );
    check(&idx);
    // A pretty document with spans nested three deep.
    let nested = "{\n \"spans\": [\n  {\"traceId\": \"000000000000000000000000000000bb\", \"spanId\": \"00000000000000b1\",\n   \"spans\": [\n    {\"traceId\": \"000000000000000000000000000000bb\", \"spanId\": \"00000000000000b2\",\n     \"spans\": [\n      {\"traceId\": \"000000000000000000000000000000bb\", \"spanId\": \"00000000000000b3\"}\n     ]}\n   ]}\n ]\n}\n";
    let idx = build_text(nested).unwrap();
    assert_eq!(idx.spans.len(), 3);
    check(&idx);
}

/// Pieces finish in an order that varies from run to run; they land in piece order all the
/// same, so span, trace and string numbers (which later sorts break ties by) and the order of
/// evaluations are the same on every run (two traces of one start swapped places in `spans`
/// output one run in ten, evaluations of one span one run in a hundred).
#[test]
fn pieces_land_in_piece_order_whatever_order_they_finish_in() {
    const TEXTS: [&[u8]; 3] = [
        br#"{"name":"a0","context.span_id":"00000000000000a0","context.trace_id":"000000000000000000000000000000aa","start_time":1,"attributes.session.id":"s-a"}
{"name":"b0","context.span_id":"00000000000000b0","context.trace_id":"000000000000000000000000000000bb","start_time":1}
"#,
        br#"{"name":"c1","context.span_id":"00000000000000c1","context.trace_id":"000000000000000000000000000000cc","start_time":1,"attributes.session.id":"s-c"}
"#,
        br#"{"name":"a2","context.span_id":"00000000000000a2","context.trace_id":"000000000000000000000000000000aa","start_time":1}
{"name":"d2","context.span_id":"00000000000000d2","context.trace_id":"000000000000000000000000000000dd","start_time":1,"attributes.session.id":"s-d"}
"#,
    ];
    let pieces: Vec<Piece> = (0..3u16)
        .map(|f| Piece {
            file: f,
            range: 0..TEXTS[usize::from(f)].len(),
            mode: Mode::Lines,
            first: true,
        })
        .collect();
    let scanned = |f: usize| {
        let text = TEXTS[f];
        let mut col = scan::Collector::new(text, u16::try_from(f).unwrap());
        let (mut at, mut line) = (0, 1);
        for l in text.split(|&b| b == b'\n') {
            if !l.is_empty() {
                col.record(at..at + l.len(), line, false);
            }
            at += l.len() + 1;
            line += 1;
        }
        col.out.evals.push(EvalRec {
            trace: u32::MAX,
            span: None,
            eval: crate::format::Evaluation {
                name: format!("e{f}"),
                ..crate::format::Evaluation::default()
            },
        });
        std::mem::take(&mut col.out)
    };
    let built = |order: [usize; 3]| {
        let mut m = Merger::new(pieces.len(), 3);
        for i in order {
            let mut out = scanned(i);
            m.land(i, TEXTS[i].len(), &mut out);
        }
        let sources = (0..3)
            .map(|f| Source::from_bytes(&format!("f{f}"), TEXTS[f].to_vec()))
            .collect();
        let idx = m.finish(sources, &[Mode::Lines; 3], &pieces);
        let spans: Vec<(u64, u32, u32, u16)> = (0..idx.spans.len())
            .map(|i| {
                let s = &idx.spans[i];
                (
                    s.span_id,
                    s.trace,
                    s.name,
                    idx.file_of(u32::try_from(i).unwrap()),
                )
            })
            .collect();
        let sessions: Vec<(u32, u32)> = idx
            .own_sessions
            .iter()
            .map(|o| (o.span, o.session))
            .collect();
        let evals: Vec<String> = idx.evals.iter().map(|e| e.eval.name.clone()).collect();
        (spans, idx.traces.clone(), sessions, evals)
    };
    let in_order = built([0, 1, 2]);
    assert_eq!(in_order.0.len(), 5);
    assert_eq!(in_order.3, ["e0", "e1", "e2"]);
    for order in [[2, 0, 1], [1, 2, 0], [2, 1, 0]] {
        assert_eq!(built(order), in_order, "landed as they finished: {order:?}");
    }
}

/// A bracket opened on one line and closed on the next, then a form feed (whitespace to ASCII,
/// not to JSON): each line is reported, the first too (it was left out, the record reported
/// on its last line only; found by the fuzz harness).
#[test]
fn a_record_across_lines_ended_by_a_form_feed_reports_every_line() {
    let text = format!("{SPAN}\n[\n]\x0c\x0c\n{SPAN}\n");
    let idx = build_text(&text).unwrap();
    let f = &idx.files[0];
    assert_eq!((f.lines, f.kinds.records), (4, 2));
    let reported: std::collections::BTreeSet<u32> = idx
        .problems
        .iter()
        .flat_map(|p| p.line..p.line + p.lines.max(1))
        .collect();
    assert_eq!(
        reported.into_iter().collect::<Vec<_>>(),
        [2, 3],
        "{:?}",
        idx.problems
    );
}
