use super::*;
use crate::index::record::flag;

fn scan(text: &str) -> ChunkOut {
    let src = text.as_bytes();
    let mut col = Collector::new(src, 0);
    lines(&mut col, src);
    col.out
}

/// Indexes every line of `src` as the scan of a piece does; returns how many lines it read.
fn lines(col: &mut Collector<'_>, src: &[u8]) -> u32 {
    let (mut at, mut line) = (0, 0);
    while at < src.len() {
        line += 1;
        at = col.line(at, src.len(), line).0.end + 1;
    }
    line
}

/// The extra numbers of span `s` of the piece.
fn extra<'a>(out: &'a ChunkOut, s: &SpanRec) -> &'a Extra {
    let i = out.spans.iter().position(|r| std::ptr::eq(r, s)).unwrap();
    let at = out.extra_spans.binary_search(&(i as u32)).unwrap();
    assert!(s.has(flag::EXTRA));
    &out.extras[at]
}

/// Span `s`'s parent id, as the piece holds it.
fn parent_id(out: &ChunkOut, s: &SpanRec) -> u64 {
    let i = out.spans.iter().position(|r| std::ptr::eq(r, s)).unwrap();
    out.parent_ids[i]
}

fn only(out: &ChunkOut) -> &SpanRec {
    assert_eq!(out.spans.len(), 1, "problems: {:?}", out.problems);
    &out.spans[0]
}

fn session(out: &ChunkOut, s: &SpanRec) -> (String, Option<SessionKey>) {
    let i = out
        .spans
        .iter()
        .position(|x| std::ptr::eq(x, s))
        .and_then(|i| u32::try_from(i).ok());
    match out.own_sessions.iter().find(|o| Some(o.span) == i) {
        Some(o) => (out.strings.get(o.session).to_owned(), Some(o.key)),
        None => (String::new(), None),
    }
}

fn style(out: &ChunkOut, s: &SpanRec) -> Style {
    let i = out
        .spans
        .iter()
        .position(|x| std::ptr::eq(x, s))
        .unwrap_or(usize::MAX);
    Style::from_u8(out.styles.get(i).copied().unwrap_or(0))
}

#[test]
fn phoenix_flat_record() {
    let out = scan(
        r#"{"name":"agent_turn","span_kind":"AGENT","parent_id":null,"start_time":1795313493744,"end_time":1795313493762,"status_code":"UNSET","context.span_id":"68bf1a98f1f49275","context.trace_id":"f782f908e784a0d0a34e22ce0b0efffd","attributes.session.id":"sess-42","attributes.user.id":"u-7","attributes.llm.token_count.prompt":12.0,"attributes.metadata":{"user_api_key_end_user_id":"user_abc_account_123_session_456"}}"#,
    );
    let s = only(&out);
    assert_eq!(s.span_id, 0x68bf_1a98_f1f4_9275);
    assert_eq!(
        out.traces[0].key,
        TraceKey::hex(0xf782_f908_e784_a0d0_a34e_22ce_0b0e_fffd)
    );
    assert!(!s.has(flag::HAS_PARENT));
    assert_eq!(s.start(), 1_795_313_493_744_000_000);
    assert_eq!(out.overflow.end(s) - s.start(), 18_000_000);
    assert_eq!(s.kind(), Kind::Agent);
    assert_eq!(
        session(&out, s),
        ("sess-42".into(), Some(SessionKey::SessionId))
    );
    let e = *extra(&out, s);
    assert_eq!(e.prompt, 12);
    assert_eq!(out.strings.get(e.user), "u-7");
    assert_eq!(style(&out, s), Style::Flat);
}

#[test]
fn nested_first_segment_and_python_repr_metadata() {
    // FORMATS.md §1.1 example 3: gen_ai nested, llm.<provider>.metadata as str(dict).
    let out = scan(
        r#"{"name":"raw_gen_ai_request","span_kind":"UNKNOWN","parent_id":"de15e3b6d3082bf2","start_time":"2026-11-22T02:24:54.372Z","end_time":"2026-11-22T02:24:54.372Z","context.span_id":"5f6c74dbe4f7fc88","context.trace_id":"7bc7263d3c93758b4f737f6cf9ddeb72","attributes.llm":{"anthropic":{"model":"claude-sonnet-4-5","metadata":"{'user_id': 'user_c7b2c60f_account_044546ee-9e43-480c-a055-b862ea4b6641_session_3dabe418-63d9-4f8c-8198-6e76035342db'}"}},"attributes.gen_ai":{"usage":{"input_tokens":20},"conversation":{"id":"conv-9"}}}"#,
    );
    let s = only(&out);
    assert!(s.has(flag::HAS_PARENT));
    assert_eq!(parent_id(&out, s), 0xde15_e3b6_d308_2bf2);
    // gen_ai.conversation.id outranks the LiteLLM user id.
    assert_eq!(
        session(&out, s),
        ("conv-9".into(), Some(SessionKey::GenAiConversation))
    );
    assert_eq!(extra(&out, s).prompt, 20);
    assert_eq!(out.strings.get(extra(&out, s).user), "c7b2c60f");
}

#[test]
fn litellm_metadata_as_json_string_and_flattened() {
    let out = scan(concat!(
        r#"{"context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001","attributes.metadata":"{\"requester_metadata\": {\"user_id\": \"{\\\"device_id\\\":\\\"dev1\\\",\\\"account_uuid\\\":\\\"\\\",\\\"session_id\\\":\\\"s-json\\\"}\"}}"}"#,
        "\n",
        r#"{"context.span_id":"0000000000000002","context.trace_id":"00000000000000000000000000000001","attributes.metadata.user_api_key_end_user_id":"user_h_account__session_s-legacy"}"#,
    ));
    assert_eq!(out.spans.len(), 2, "{:?}", out.problems);
    assert_eq!(
        session(&out, &out.spans[0]),
        ("s-json".into(), Some(SessionKey::LiteLlmRequester))
    );
    assert_eq!(out.strings.get(extra(&out, &out.spans[0]).user), "dev1");
    assert_eq!(
        session(&out, &out.spans[1]),
        ("s-legacy".into(), Some(SessionKey::LiteLlmEndUser))
    );
}

#[test]
fn otlp_line_with_typed_values() {
    let out = scan(
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"demo"}}]},"scopeSpans":[{"scope":{"name":"x"},"spans":[{"traceId":"3FB2DBA1C1D0FDA275CE1D3B495D398B","spanId":"88a9b9fa0dd7dd7c","parentSpanId":"","name":"ChatCompletion","kind":3,"startTimeUnixNano":"1795313451364400957","endTimeUnixNano":1795313451364453245,"attributes":[{"key":"openinference.span.kind","value":{"stringValue":"LLM"}},{"key":"llm.token_count.prompt","value":{"intValue":"12"}},{"key":"llm.cost.total","value":{"doubleValue":0.5}},{"key":"gen_ai.conversation.id","value":{"stringValue":"c1"}},{"value":{"stringValue":"u9"},"key":"user.id"},{"key":"metadata","value":{"kvlistValue":{"values":[{"key":"session_id","value":{"stringValue":"ignored-lower-priority"}}]}}}],"status":{"code":2,"message":"boom"}},{"traceId":"3fb2dba1c1d0fda275ce1d3b495d398b","spanId":"5c121899dc2312ee","name":"agent","attributes":[],"status":{}}]}]}]}"#,
    );
    assert_eq!(out.spans.len(), 2, "{:?}", out.problems);
    let s = &out.spans[0];
    assert_eq!(s.span_id, 0x88a9_b9fa_0dd7_dd7c);
    assert!(!s.has(flag::HAS_PARENT));
    assert_eq!(s.start(), 1_795_313_451_364_400_957);
    assert_eq!(s.status(), Status::Error);
    assert_eq!(s.kind(), Kind::Llm);
    assert_eq!(
        session(&out, s),
        ("c1".into(), Some(SessionKey::GenAiConversation))
    );
    let e = *extra(&out, s);
    assert_eq!((e.prompt, e.cost), (12, 0.5));
    assert_eq!(out.strings.get(e.user), "u9");
    assert_eq!(style(&out, s), Style::Otlp);
    // Both spans share the trace despite the case difference.
    assert_eq!(out.traces.len(), 1);
    assert_eq!(out.records, 1);
}

#[test]
fn protobuf_json_base64_ids() {
    let out = scan(
        r#"{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "OY/31k67iPykaOKaEbj4/Q==", "spanId": "xotAmGUZfzI=", "parentSpanId": "Nc37PAVTw1c=", "name": "ChatCompletion", "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1795313435491441370", "status": {"code": "STATUS_CODE_OK"}}]}]}]}"#,
    );
    let s = only(&out);
    assert_eq!(s.span_id, 0xc68b_4098_6519_7f32);
    assert_eq!(parent_id(&out, s), 0x35cd_fb3c_0553_c357);
    assert_eq!(
        out.traces[0].key,
        TraceKey::hex(0x398f_f7d6_4ebb_88fc_a468_e29a_11b8_f8fd)
    );
    assert_eq!(s.status(), Status::Ok);
    assert_eq!(s.kind(), Kind::Unknown);
}

#[test]
fn console_exporter_span_object() {
    let out = scan(
        r#"{"name": "ChatCompletion", "context": {"trace_id": "0x398ff7d64ebb88fca468e29a11b8f8fd", "span_id": "0xc68b409865197f32", "trace_state": "[]"}, "kind": "SpanKind.CLIENT", "parent_id": "0x35cdfb3c0553c357", "start_time": "2026-11-22T02:10:35.491441Z", "end_time": "2026-11-22T02:10:35.491553Z", "status": {"status_code": "ERROR"}, "attributes": {"openinference.span.kind": "LLM", "gen_ai.conversation.id": "sess-42"}, "resource": {"attributes": {"session.id": "not-this"}}}"#,
    );
    let s = only(&out);
    assert_eq!(s.span_id, 0xc68b_4098_6519_7f32);
    assert_eq!(s.status(), Status::Error);
    assert_eq!(s.kind(), Kind::Llm);
    assert_eq!(session(&out, s).0, "sess-42");
    assert_eq!(out.overflow.end(s) - s.start(), 112_000);
}

#[test]
fn nested_legacy_attributes() {
    let out = scan(
        r#"{"name": "ChatCompletion", "context": {"trace_id": "7390f97308f7e69d2630e3e8fbccbe57", "span_id": "9af3bea337e303ab"}, "span_kind": "LLM", "parent_id": null, "attributes": {"llm": {"token_count": {"prompt": 12}, "model_name": "gpt-4o-mini"}, "session": {"id": "sess-42"}}}"#,
    );
    let s = only(&out);
    assert_eq!(session(&out, s).0, "sess-42");
    let e = *extra(&out, s);
    assert_eq!(e.prompt, 12);
    assert_eq!(out.strings.get(e.model), "gpt-4o-mini");
}

#[test]
fn mlflow_document_session_and_assessments() {
    let out = scan(
        r#"{"info": {"trace_id": "tr-15a2b63d7e114a2908d38d8d942f7e05", "trace_metadata": {"mlflow.trace.session": "sess-42", "mlflow.trace.user": "u-7"}, "assessments": [{"assessment_name": "correctness", "feedback": {"value": true}, "rationale": "ok"}]}, "data": {"spans": [{"trace_id": "FaK2PX4RSikI042NlC9+BQ==", "span_id": "UCBWeHixLWI=", "parent_span_id": null, "name": "agent_turn", "start_time_unix_nano": 1795313848505732720, "end_time_unix_nano": 1795313848728557793, "status": {"code": "STATUS_CODE_OK", "message": ""}, "attributes": {"mlflow.spanType": "\"AGENT\"", "mlflow.chat.tokenUsage": "{\"input_tokens\": 12, \"output_tokens\": 1, \"total_tokens\": 13}"}}]}}"#,
    );
    let s = only(&out);
    assert_eq!(s.kind(), Kind::Agent);
    assert_eq!(style(&out, s), Style::Mlflow);
    let t = out.traces[s.trace as usize];
    assert!(t.mlflow_id);
    assert_eq!(out.strings.get(t.meta_session), "sess-42");
    assert_eq!(out.strings.get(t.meta_user), "u-7");
    assert!(t.info.is_some());
    let e = *extra(&out, s);
    assert_eq!((e.prompt, e.completion, e.total), (12, 1, 13));
    assert_eq!(out.evals.len(), 1);
    assert_eq!(out.evals[0].trace, s.trace);
}

#[test]
fn every_bad_line_is_reported() {
    let out = scan(concat!(
        "garbage\n",
        "{\"context.span_id\":\"0000000000000001\"\n",
        "{\"context.span_id\":\"0000000000000001\"}\n",
        "{\"a\":1}\n",
        "42\n",
        "{\"context.span_id\":\"0000000000000001\",\"context.trace_id\":\"00000000000000000000000000000001\"} extra\n",
    ));
    assert!(out.spans.is_empty());
    let lines: Vec<u32> = out.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6]);
    assert!(
        out.problems
            .iter()
            .all(|p| p.severity == Severity::Malformed)
    );
    assert!(
        out.problems[2].reason.contains("without a trace id"),
        "{:?}",
        out.problems[2]
    );
}

#[test]
fn numbers_as_strings_and_nan() {
    let out = scan(
        r#"{"context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001","start_time":"1795313493744","attributes.llm.token_count.prompt":"7","attributes.llm.token_count.completion":NaN}"#,
    );
    let s = only(&out);
    assert_eq!(s.start(), 1_795_313_493_744_000_000);
    let e = *extra(&out, s);
    assert_eq!(
        (e.prompt, e.completion),
        (7, crate::index::record::NO_TOKENS)
    );
}

#[test]
fn invalid_utf8_is_indexed_with_a_warning() {
    let mut line = br#"{"context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001","name":"x"#.to_vec();
    line.extend_from_slice(b"\xff\"}");
    let mut col = Collector::new(&line, 0);
    assert_eq!(col.record(0..line.len(), 1, true), 1);
    assert!(col.out.spans[0].has(flag::BAD_UTF8));
    assert_eq!(col.out.problems[0].severity, Severity::Warning);
}

/// A record with a byte that is not UTF-8 anywhere (in a key met before, a value, after a
/// backslash, at any distance from a string's start) is flagged; a record of plain ASCII or of
/// valid UTF-8 never.
#[test]
fn every_record_with_bad_utf8_is_flagged_whatever_came_before() {
    let head = br#"{"context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001","#;
    let mut rows: Vec<(Vec<u8>, bool)> = Vec::new();
    for pad in 0..40 {
        let fill = "a".repeat(pad).into_bytes();
        let parts: [(&[&[u8]], bool); 6] = [
            // The same key twice: the second time it is not read as a string if remembered.
            (&[b"\"attributes.k", &fill, b"\xff\":1"], true),
            (&[b"\"attributes.k", &fill, b"\xff\":1"], true),
            (&[b"\"name\":\"", &fill, b"\xc3\x28\""], true),
            (&[b"\"name\":\"", &fill, b"\\\xff\""], true),
            (
                &[
                    b"\"name\":\"",
                    &fill,
                    b"\\u00e9\",\"attributes.k",
                    &fill,
                    b"\":1",
                ],
                false,
            ),
            (&[b"\"name\":\"", &fill, "é\"".as_bytes()], false),
        ];
        for (middle, bad) in parts {
            let mut r = head.to_vec();
            for m in middle {
                r.extend_from_slice(m);
            }
            r.push(b'}');
            rows.push((r, bad));
        }
    }
    let mut text = Vec::new();
    for (r, _) in &rows {
        text.extend_from_slice(r);
        text.push(b'\n');
    }
    let mut col = Collector::new(&text, 0);
    lines(&mut col, &text);
    assert_eq!(col.out.spans.len(), rows.len(), "{:?}", col.out.problems);
    for (s, (r, bad)) in col.out.spans.iter().zip(&rows) {
        assert_eq!(
            s.has(flag::BAD_UTF8),
            *bad,
            "{}",
            String::from_utf8_lossy(r)
        );
    }
}

/// Lines walked to their own end read exactly as lines cut at their newline first: the same
/// spans, lines and problems, whatever tempts the walk across a newline (a value left open, a
/// string holding a raw newline or an escaped one, garbage after the value, CRLF, blank lines,
/// a last line with no newline).
#[test]
fn lines_walked_to_their_end_read_as_lines_cut_first() {
    let span = |id: u32| {
        format!(
            r#"{{"context.span_id":"{id:016x}","context.trace_id":"000000000000000000000000000000{:02x}","name":"n{id}"}}"#,
            id % 7
        )
    };
    let pieces: Vec<String> = vec![
        span(1),
        r#"{"context.span_id":"0000000000000002","#.to_owned(),
        r#""context.trace_id":"00000000000000000000000000000001"}"#.to_owned(),
        r#"{"context.span_id":"0000000000000003","name":"a"#.to_owned(),
        r#"b","context.trace_id":"00000000000000000000000000000001"}"#.to_owned(),
        r#"{"context.span_id":"0000000000000004","name":"a\"#.to_owned(),
        r#"","context.trace_id":"00000000000000000000000000000001"}"#.to_owned(),
        format!("{} trailing", span(5)),
        format!("{}  \t\r", span(6)),
        String::new(),
        "   ".to_owned(),
        format!("{}{}", span(7), span(8)),
        "{".to_owned(),
        "0}".to_owned(),
        format!(
            r#"{{"context.span_id":"{:016x}","context.trace_id":"00000000000000000000000000000001","attributes.input.value":"{}"}}"#,
            9,
            "x".repeat(40)
        ),
        span(10),
    ];
    for last_newline in [true, false] {
        let mut text = pieces.join("\n");
        if last_newline {
            text.push('\n');
        }
        let src = text.as_bytes();
        // Walked to each line's end.
        let mut walked = Collector::new(src, 0);
        let read = lines(&mut walked, src);
        // Cut at each newline first.
        let mut cut = Collector::new(src, 0);
        for (i, r) in crate::index::lines::LineIter::new(src, 0..src.len()).enumerate() {
            let line = i as u32 + 1;
            if src[r.clone()].iter().all(u8::is_ascii_whitespace) {
                cut.problem(line, Severity::Note, "blank line");
            } else {
                let last = r.end == src.len();
                cut.record(r, line, last);
            }
        }
        assert_eq!(read as usize, pieces.len());
        assert_eq!(described(&walked.out, &text), described(&cut.out, &text));
        // Lines 1, 9, 15 and 16 hold a span each (9 with trailing whitespace and a CR); line 12
        // two records back to back, of which the second has a trace id (the first's is zero).
        assert_eq!(walked.out.spans.len(), 5, "{:?}", walked.out.problems);
    }
}

/// A span as text, with its strings resolved (interned ids differ between collectors).
fn described(out: &ChunkOut, src: &str) -> Vec<String> {
    let text = |id: u32| out.strings.get(id).to_owned();
    let mut lines: Vec<String> = out
        .spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let trace = match out.traces[s.trace as usize].key {
                TraceKey::Text(t) => text(t),
                TraceKey::Hex(hi, lo) => format!("{hi:x}{lo:x}"),
            };
            let id = |v: u64, f: u8| {
                if s.has(f) {
                    text(v as u32)
                } else {
                    format!("{v:x}")
                }
            };
            let own = out
                .own_sessions
                .iter()
                .find(|o| o.span as usize == i)
                .map(|o| (text(o.session), o.key));
            let at = out.extra_spans.binary_search(&(i as u32)).ok();
            let extra = at.and_then(|at| out.extras.get(at)).map(|e| {
                let e = Extra {
                    model: 0,
                    user: 0,
                    ..*e
                };
                format!("{e:?}")
            });
            let (model, user) = at
                .and_then(|at| out.extras.get(at))
                .map_or((String::new(), String::new()), |e| {
                    (text(e.model), text(e.user))
                });
            // The call's fingerprint: its message hashes and what it says of them.
            let print = out
                .prints
                .of_span(i as u32)
                .map(|(k, p)| (out.prints.messages(p).to_vec(), p.first_turn(), out.prints.conversational(k), p.flags()));
            format!(
                "{} {} {} {trace} {} {} {} {} {} {} {own:?} {extra:?} {model} {user} {print:?} style {}",
                1 + src[..s.offset() as usize].matches('\n').count(),
                id(s.span_id, flag::SPAN_ID_TEXT),
                id(out.parent_ids[i], flag::PARENT_TEXT),
                text(s.name),
                s.start(),
                out.overflow.end(s),
                s.kind() as u8,
                s.status() as u8,
                s.flags(),
                out.styles[i],
            )
        })
        .collect();
    lines.extend(
        out.problems
            .iter()
            .map(|p| format!("{} {:?} {}", p.line, p.severity, p.reason)),
    );
    lines
}

/// Rows that share columns, in shifting orders and spellings: what the walker remembers from
/// one row must never change what it reads from the next.
#[test]
fn remembered_keys_read_the_same_as_fresh_ones() {
    let mut rows = vec![
        r#"{"name":"a","context.span_id":"00000000000000a1","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":null,"attributes.llm.model_name":"m1","attributes.user.id":"u1"}"#,
        r#"{"name":"b","context.span_id":"00000000000000a2","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s1","attributes.llm.model_name":null,"attributes.user.id":"u2"}"#,
        r#"{"name":"c","context.trace_id":"000000000000000000000000000000a1","context.span_id":"00000000000000a3","attributes.session.id":"s2","attributes.llm.model_name":"m2"}"#,
        r#"{"name":"d","context.span_id":"00000000000000a4","context.trace_id":"000000000000000000000000000000a1","attributes.session.i\u0064":"s3","attributes.llm.model_name" : "m3","attributes.user.id":"u3"}"#,
        r#"{"name":"e","context.span_id":"00000000000000a5","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s4","attributes.llm.model_name":"m4","attributes.user.id":"u4"}"#,
        r#"{"name":"f","context.span_id":"00000000000000a6","context.trace_id":"000000000000000000000000000000a1","attributes.session.idx":"s5","attributes.llm.model_name":"m5","attributes.user.id":"u5"}"#,
        r#"{"name":"g","context.span_id":"00000000000000a7","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s6","attributes.llm.model_name":"m6","attributes.user.id":"u6","extra":1}"#,
        r#"{"name":"h","context.span_id":"00000000000000a8","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s7""attributes.llm.model_name":"m7"}"#,
        r#"{"name":"i","context.span_id":"00000000000000a9","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s8","attributes.llm.model_name":"m8","attributes.user.id"}"#,
        r#"{"name":"j","context.span_id":"00000000000000aa","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s9","attributes.llm.model_name":"m9","attributes.user.id":"u9"}"#,
        // Broken where the fast path for rows like the last one reads: after a null, a comma
        // with no key, whitespace, a doubled comma, a cut-off null, a word that starts as null.
        r#"{"name":"k","context.span_id":"00000000000000ab","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":null,"attributes.llm.model_name":"mk","attributes.user.id":null,}"#,
        r#"{"name":"l","context.span_id":"00000000000000ac","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":null, "attributes.llm.model_name":"ml","attributes.user.id":"ul"}"#,
        r#"{"name":"m","context.span_id":"00000000000000ad","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":null,,"attributes.llm.model_name":"mm","attributes.user.id":"um"}"#,
        r#"{"name":"n","context.span_id":"00000000000000ae","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":nul"#,
        r#"{"name":"o","context.span_id":"00000000000000af","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":nullx,"attributes.llm.model_name":"mo","attributes.user.id":"uo"}"#,
        r#"{"name":"p","context.span_id":"00000000000000b0","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":null,"attributes.llm.model_name":"mp","attributes.user.id":"up"} "#,
        r#"{"name":"q","context.span_id":"00000000000000b1","context.trace_id":"000000000000000000000000000000a1","attributes.session.id":"s10","attributes.llm.model_name":"mq","attributes.user.id":"uq"}"#,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    // Objects in columns, their keys remembered below the column: shapes that alternate from
    // row to row, keys that move, escaped keys, the same key under another parent, the same
    // column as a JSON string and as a Python literal, a column that changes at its position.
    let claude = |s: &str| {
        format!(
            "user_{}_account_11111111-2222-3333-4444-555555555555_session_{s}",
            "ab".repeat(32)
        )
    };
    let nested = [
        format!(r#""attributes.metadata":{{"user_api_key_end_user_id":"{}","requester_metadata":{{"user_id":"x"}}}},"attributes.llm":null"#, claude("aaaaaaaa-0000-0000-0000-000000000001")),
        format!(r#""attributes.metadata":{{"requester_metadata":{{"user_id":"{}"}},"user_api_key_hash":"h"}},"attributes.llm":{{"request":{{"type":"t"}}}}"#, claude("aaaaaaaa-0000-0000-0000-000000000002")),
        format!(r#""attributes.metadata":{{"user_api_key_end_user_id":null,"requester_metadata":{{"user_i\u0064":"{}"}}}},"attributes.llm":null"#, claude("aaaaaaaa-0000-0000-0000-000000000003")),
        format!(r#""attributes.metadata":{{"requester_metadata":{{"other":"y","user_id":"{}"}}}},"attributes.llm":{{"anthropic":{{"metadata":"{{'user_id': '{}'}}"}}}}"#, claude("aaaaaaaa-0000-0000-0000-000000000004"), claude("aaaaaaaa-0000-0000-0000-000000000005")),
        format!(r#""attributes.metadata":"{{\"user_api_key_end_user_id\": \"{}\"}}","attributes.llm":{{"anthropic":{{"model":"m","metadata":"{{'user_id': '{}'}}"}}}}"#, claude("aaaaaaaa-0000-0000-0000-000000000006"), claude("aaaaaaaa-0000-0000-0000-000000000007")),
        format!(r#""attributes.metadata":"{{'user_api_key_end_user_id': '{}', 'session_id': 'py'}}","attributes.llm":{{"anthropic":{{"metadata":{{"user_id":"{}"}}}}}}"#, claude("aaaaaaaa-0000-0000-0000-000000000008"), claude("aaaaaaaa-0000-0000-0000-000000000009")),
        format!(r#""attributes.metadata":{{"session_id":"s-meta","user_api_key_end_user_id":"{}"}},"attributes.llm":null"#, claude("aaaaaaaa-0000-0000-0000-00000000000a")),
        r#""attributes.metadata":{"user_api_key_end_user_id":{"session_id":"not-a-string"}},"attributes.llm":{"request":{"type":{"deep":{"session_id":"deeper"}}}}"#.to_owned(),
        r#""attributes.other":{"user_api_key_end_user_id":"u","session_id":"s-other"},"attributes.llm":{"anthropic":{"model":"m"}}"#.to_owned(),
        // The two columns swapped, each holding the other's keys.
        format!(r#""attributes.llm":{{"user_api_key_end_user_id":"{}","requester_metadata":{{"user_id":"x"}}}},"attributes.metadata":{{"anthropic":{{"metadata":"{{'user_id': '{}'}}"}}}}"#, claude("aaaaaaaa-0000-0000-0000-00000000000c"), claude("aaaaaaaa-0000-0000-0000-00000000000d")),
        format!(r#""attributes.metadata":{{"user_api_key_end_user_id":"{}","requester_metadata":{{"user_id":"x"}}}},"attributes.llm":{{"request":null}}"#, claude("aaaaaaaa-0000-0000-0000-00000000000b")),
    ];
    // Message lists whose keys are remembered from message to message: keys that move, are
    // escaped, nest the role, or name a structural part.
    let messages = [
        r#""attributes.llm.input_messages":[{"message.role":"system","message.content":"be brief"},{"message.role":"user","message.content":"hi"}]"#,
        r#""attributes.llm.input_messages":[{"message.content":"be brief","message.role":"system"},{"message.role":"user","message.content":"hi"},{"message.role":"assistant","message.content":"hello"}]"#,
        r#""attributes.llm.input_messages":[{"message.role":"system","message.content":"be brief"},{"message.rol\u0065":"user","message.content":"hi"}]"#,
        r#""attributes.llm.input_messages":[{"message":{"role":"system","content":"be brief"}},{"message":{"role":"user","content":"hi"}}]"#,
        r#""attributes.llm.input_messages":[{"message.role":"user","message.contents":[{"message_content.type":"text","message_content.text":"hi"}],"message.tool_calls":[{"tool_call.id":"x"}]}]"#,
        r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"hi","message.name":"n"},{"message.name":"n","message.role":"user","message.content":"again"}]"#,
    ];
    for (k, cols) in messages.iter().cycle().take(3 * messages.len()).enumerate() {
        rows.push(format!(
            r#"{{"name":"llm{k}","span_kind":"LLM","context.span_id":"{:016x}","context.trace_id":"000000000000000000000000000a{k:04x}",{cols}}}"#,
            0x900 + k
        ));
    }
    for round in 0..3 {
        for (k, cols) in nested.iter().enumerate() {
            let k = round * nested.len() + k;
            rows.push(format!(
                r#"{{"name":"n{k}","context.span_id":"{:016x}","context.trace_id":"0000000000000000000000000000{k:04x}",{cols}}}"#,
                0x100 + k
            ));
        }
    }
    // Every line of the JSON Lines fixtures, too.
    for dir in ["phoenix", "otlp", "mlflow", "multi", "malformed"] {
        let Ok(entries) = std::fs::read_dir(format!("fixtures/{dir}")) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "jsonl")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                rows.extend(text.lines().map(str::to_owned));
            }
        }
    }
    assert!(rows.len() > 50, "fixtures not found");
    assert_warm_reads_as_cold(&rows);
}

/// Scans `rows` as one file (the walker remembering keys from row to row) and each row alone
/// (nothing remembered): both must read the same.
fn assert_warm_reads_as_cold(rows: &[String]) {
    let joined = rows.join("\n");
    let warm = scan(&joined);
    let mut cold = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut text = "\n".repeat(i);
        text.push_str(row);
        // Ended as in the file: a record cut short is read to the end of its line there.
        if i + 1 < rows.len() {
            text.push('\n');
        }
        // The blank lines before it only give it its line number.
        let own = format!("{} ", i + 1);
        cold.extend(
            described(&scan(&text), &text)
                .into_iter()
                .filter(|l| l.starts_with(&own)),
        );
    }
    let mut warm = described(&warm, &joined);
    warm.sort();
    cold.sort();
    let only_warm: Vec<_> = warm.iter().filter(|l| !cold.contains(l)).collect();
    let only_cold: Vec<_> = cold.iter().filter(|l| !warm.contains(l)).collect();
    assert!(
        only_warm.is_empty() && only_cold.is_empty() && warm.len() == cold.len(),
        "read differently with remembered keys: {only_warm:#?}\nfresh: {only_cold:#?}"
    );
}

/// Rows of more kinds than the walker keeps templates of (see `format::TEMPLATES`), each kind
/// with its own columns in its own order, the kinds interleaved at random, and rows spoiled
/// at random (a column left out, one added, two swapped, nulls, whitespace, an escaped key, a
/// row cut short): what the walker remembers from one row, whole or by position, must never
/// change what it reads from the next.
#[test]
fn rows_of_many_kinds_read_the_same_as_fresh_ones() {
    let mut rng = crate::testing::XorShift(0x7e3a_91c4_d2b8_5f01);
    let pool = [
        r#""span_kind":"LLM""#,
        r#""span_kind":"TOOL""#,
        r#""parent_id":"00000000000000f1""#,
        r#""parent_id":null"#,
        r#""start_time":"2026-11-18T11:07:14.146844+00:00""#,
        r#""end_time":"2026-11-18T11:07:18.164881+00:00""#,
        r#""status_code":"ERROR""#,
        r#""events":[]"#,
        r#""attributes.openinference.span.kind":"CHAIN""#,
        r#""attributes.tool.name":"Read""#,
        r#""attributes.input.value":"{\"a\": 1}""#,
        r#""attributes.output.value":"done""#,
        r#""attributes.llm.model_name":"gpt-4o""#,
        r#""attributes.llm.token_count.prompt":12.0"#,
        r#""attributes.llm.token_count.completion":3"#,
        r#""attributes.session.id":"s-1""#,
        r#""attributes.session.id":null"#,
        r#""attributes.user.id":"u-1""#,
        r#""attributes.metadata":{"user_api_key_end_user_id":"e-1","user_api_key_hash":"h"}"#,
        r#""attributes.metadata":{"requester_metadata":{"user_id":"x"},"session_id":"m-1"}"#,
        r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"}]"#,
        r#""attributes.llm.output_messages":[{"message.role":"assistant","message.content":"yo"}]"#,
        r#""attributes.other":{"k":[1,{"x":null}]}"#,
        r#""extra":{"metadata":{"session_id":"ls-1"}}"#,
    ];
    // Nine kinds of rows: the span id, trace id and name first, then a few columns of the pool
    // in an order of the kind's own.
    let kinds: Vec<Vec<&str>> = (0..9)
        .map(|_| {
            let mut cols: Vec<&str> = pool.iter().copied().filter(|_| rng.below(3) == 0).collect();
            for i in (1..cols.len()).rev() {
                cols.swap(i, rng.below(i as u64 + 1) as usize);
            }
            cols
        })
        .collect();
    let mut rows = Vec::new();
    for n in 0..2_000u64 {
        // Runs of a kind, kinds coming back.
        let kind = &kinds[(n / (1 + rng.below(3)) + rng.below(2)) as usize % kinds.len()];
        let mut cols: Vec<String> = vec![
            r#""name":"n""#.to_owned(),
            format!(r#""context.span_id":"{:016x}""#, 0x1000 + n),
            format!(r#""context.trace_id":"{:032x}""#, 0x77 + n / 5),
        ];
        cols.extend(kind.iter().map(|c| (*c).to_owned()));
        match rng.below(24) {
            0 if cols.len() > 4 => {
                cols.remove(3 + rng.below(cols.len() as u64 - 3) as usize);
            }
            1 => {
                let extra = pool[rng.below(pool.len() as u64) as usize];
                cols.insert(rng.below(cols.len() as u64) as usize, extra.to_owned());
            }
            2 if cols.len() > 4 => {
                let i = 3 + rng.below(cols.len() as u64 - 4) as usize;
                cols.swap(i, i + 1);
            }
            3 => {
                let i = rng.below(cols.len() as u64) as usize;
                let key_end = cols[i].find("\":").map_or(0, |e| e + 2);
                cols[i] = format!("{}null", &cols[i][..key_end]);
            }
            4 => {
                let i = rng.below(cols.len() as u64) as usize;
                cols[i] = format!(" {}", cols[i]);
            }
            5 => {
                let i = rng.below(cols.len() as u64) as usize;
                cols[i] = cols[i].replacen('e', "\\u0065", 1);
            }
            _ => {}
        }
        let mut row = format!("{{{}}}", cols.join(","));
        if rng.below(40) == 0 {
            row.truncate(rng.below(row.len() as u64) as usize);
        }
        rows.push(row);
    }
    assert_warm_reads_as_cold(&rows);
}

/// A collector reused for another piece starts that piece afresh: its first span's trace is
/// the piece's first trace even when the last piece ended on the same trace id, and nothing of
/// the last piece is left in the output.
#[test]
fn a_collector_begun_again_starts_the_piece_afresh() {
    let a = r#"{"context.span_id":"00000000000000a1","context.trace_id":"000000000000000000000000000000aa","name":"x"}
{"context.span_id":"00000000000000b1","context.trace_id":"000000000000000000000000000000bb","name":"y"}
"#;
    let b = r#"{"context.span_id":"00000000000000b2","context.trace_id":"000000000000000000000000000000bb","name":"z"}
"#;
    let mut col = Collector::new(&[], 0);
    for (file, text) in [(3, a), (4, b)] {
        col.begin(text.as_bytes(), file);
        lines(&mut col, text.as_bytes());
        let out = &col.out;
        assert_eq!(out.file, file);
        assert_eq!(out.spans.len(), text.lines().count());
        assert_eq!(out.traces.len(), out.spans.len());
        for (s, line) in out.spans.iter().zip(text.lines()) {
            let key = out.traces[s.trace as usize].key;
            let id = &line[line.find("trace_id\":\"").unwrap() + 11..][..32];
            assert_eq!(key, TraceKey::hex(u128::from_str_radix(id, 16).unwrap()));
        }
        assert_eq!(
            out.strings.len(),
            1 + out.spans.len(),
            "the piece's names only"
        );
    }
}

/// Whether each call's newest input message is a person's, in every encoding the recorder
/// reads: flattened and listed OpenInference, Anthropic content blocks (as JSON and as
/// LiteLLM's Python repr), GenAI parts, OpenAI tool roles, MLflow chat inputs.
#[test]
fn the_newest_message_says_whether_a_person_spoke() {
    let span = |attrs: &str| {
        format!(
            r#"{{"name":"llm","span_kind":"LLM","context.span_id":"0000000000000001","context.trace_id":"00000000000000000000000000000001",{attrs}}}"#
        )
    };
    let cases: &[(&str, bool, bool)] = &[
        // (attributes, human, reminder)
        (
            r#""attributes.llm.input_messages":[{"message.role":"system","message.content":"be brief"},{"message.role":"user","message.content":"fix the test"}]"#,
            true,
            false,
        ),
        (
            r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"fix it"},{"message.role":"assistant","message.content":"ok"},{"message.role":"user","message.content":"[{'type': 'tool_result', 'tool_use_id': 'toolu_1', 'content': 'done'}]"}]"#,
            false,
            false,
        ),
        (
            r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"[{'type': 'text', 'text': 'add a test'}]"}]"#,
            true,
            false,
        ),
        (
            r#""attributes.llm.input_messages.0.message.role":"user","attributes.llm.input_messages.0.message.content":"hi","attributes.llm.input_messages.1.message.role":"tool","attributes.llm.input_messages.1.message.content":"42","attributes.llm.input_messages.1.message.tool_call_id":"call_1""#,
            false,
            false,
        ),
        (
            r#""attributes.gen_ai.input.messages":"[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"why?\"}]}]""#,
            true,
            false,
        ),
        (
            r#""attributes.gen_ai.input.messages":"[{\"role\": \"user\", \"parts\": [{\"type\": \"tool_call_response\", \"id\": \"c1\", \"response\": \"ok\"}]}]""#,
            false,
            false,
        ),
        (
            r#""attributes.mlflow.spanInputs":"{\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}, {\"role\": \"assistant\", \"content\": null, \"tool_calls\": []}, {\"role\": \"tool\", \"content\": \"sunny\", \"tool_call_id\": \"c9\"}]}""#,
            false,
            false,
        ),
        (
            r#""attributes.llm.input_messages":[{"message.role":"assistant","message.content":"prefill"}]"#,
            false,
            false,
        ),
        (
            r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"[{'type': 'text', 'text': '<system-reminder>the user opened a.rs</system-reminder>'}, {'type': 'text', 'text': 'fix it'}]"}]"#,
            true,
            true,
        ),
    ];
    for (attrs, human, reminder) in cases {
        let out = scan(&span(attrs));
        assert_eq!(out.prints.calls.len(), 1, "{attrs}: {:?}", out.problems);
        let p = out.prints.calls[0];
        assert_eq!((p.human(), p.reminder()), (*human, *reminder), "{attrs}");
    }
}

/// A Jaeger span (one line) with the given references and tags.
fn jaeger_span(span: &str, refs: &str, tags: &str) -> String {
    format!(
        r#"{{"traceID":"00000000000000000000000000000001","spanID":"{span}","operationName":"op","references":[{refs}],"startTime":1772442000000000,"duration":1500,"tags":[{tags}],"processID":"p1"}}"#
    )
}

#[test]
fn jaeger_parent_is_the_first_child_of_in_the_same_trace() {
    // As Jaeger's own fixture has it: a CHILD_OF to another trace first (a link), then the parent.
    let refs = r#"{"refType":"CHILD_OF","traceID":"00000000000000ff","spanID":"00000000000000ff"},{"refType":"FOLLOWS_FROM","traceID":"1","spanID":"0000000000000003"},{"refType":"CHILD_OF","traceID":"1","spanID":"0000000000000002"}"#;
    let out = scan(&jaeger_span("0000000000000004", refs, ""));
    let s = only(&out);
    assert_eq!(style(&out, s), Style::Jaeger);
    assert!(s.has(flag::HAS_PARENT));
    assert_eq!(
        parent_id(&out, s),
        2,
        "leading zeros aside, trace 1 is the span's own"
    );
    assert_eq!(
        (s.start(), out.overflow.end(s)),
        (1_772_442_000_000_000_000, 1_772_442_000_001_500_000)
    );
}

#[test]
fn jaeger_follows_from_is_the_parent_only_without_child_of() {
    let same = r#"{"refType":"FOLLOWS_FROM","traceID":"00000000000000000000000000000001","spanID":"0000000000000007"}"#;
    let out = scan(&jaeger_span("0000000000000004", same, ""));
    let s = only(&out);
    assert_eq!((s.has(flag::HAS_PARENT), parent_id(&out, s)), (true, 7));
    // A link to another trace is not a parent: the span is a root.
    let other = r#"{"refType":"FOLLOWS_FROM","traceID":"00000000000000000000000000000009","spanID":"0000000000000007"}"#;
    let s = *only(&scan(&jaeger_span("0000000000000004", other, "")));
    assert!(!s.has(flag::HAS_PARENT));
}

#[test]
fn jaeger_tags_give_status_kind_session_and_tokens() {
    let tags = r#"{"key":"openinference.span.kind","type":"string","value":"LLM"},{"key":"session.id","type":"string","value":"s-9"},{"key":"llm.token_count.prompt","type":"int64","value":12},{"key":"llm.token_count.completion","type":"int64","value":"9007199254740993"},{"key":"llm.model_name","type":"string","value":"gpt-4o-mini"},{"key":"span.kind","type":"string","value":"client"},{"key":"error","type":"bool","value":true}"#;
    let out = scan(&jaeger_span("0000000000000001", "", tags));
    let s = only(&out);
    assert_eq!(s.kind(), Kind::Llm);
    assert_eq!(s.status(), Status::Error, "OpenTracing's error tag");
    assert_eq!(session(&out, s).0, "s-9");
    let e = extra(&out, s);
    assert_eq!(e.prompt, 12);
    assert_eq!(out.strings.get(e.model), "gpt-4o-mini");
    assert_eq!(
        out.big_tokens[0].1[1], 9_007_199_254_740_993,
        "int64 past 2^53, as a string"
    );
    // otel.status_code says OK, and no error tag: OK.
    let ok = r#"{"key":"otel.status_code","type":"string","value":"OK"}"#;
    assert_eq!(
        only(&scan(&jaeger_span("0000000000000001", "", ok))).status(),
        Status::Ok
    );
}

#[test]
fn result_is_an_envelope_only_around_otlp() {
    let v3 = r#"{"result":{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[{"traceId":"00000000000000000000000000000001","spanId":"0000000000000001","name":"a"}]}]}]}}"#;
    assert_eq!(only(&scan(v3)).span_id, 1);
    // A Phoenix annotation's result is not an envelope: the record stays an annotation.
    let ann = r#"{"span_id":"0000000000000001","name":"correct","annotator_kind":"LLM","result":{"label":"yes","score":1.0}}"#;
    let out = scan(ann);
    assert!(out.spans.is_empty());
    assert_eq!(out.evals.len(), 1);
}

#[test]
fn langsmith_run_ids_thread_and_error() {
    let run = r#"{"id":"7893EE9B-9e7d-5ee9-942b-6ed5f27e6e8a","name":"tool","run_type":"tool","start_time":"2026-03-02T09:00:00Z","end_time":"2026-03-02T09:00:01.5Z","extra":{"metadata":{"thread_id":"th-1","conversation_id":"lower-priority"}},"error":"TimeoutError('slow')","parent_run_id":"5d10f5e9-2293-557c-9098-80fc3ad7a0b2","session_id":"1d03d17f-c9db-552c-b176-31674f48c21e","status":"error","prompt_tokens":7,"trace_id":"5d10f5e9-2293-557c-9098-80fc3ad7a0b2"}"#;
    let out = scan(run);
    let s = only(&out);
    assert_eq!(style(&out, s), Style::LangSmith);
    // As LangSmith's OpenTelemetry exporter maps run UUIDs: span id = the first 8 bytes.
    assert_eq!(s.span_id, 0x7893_ee9b_9e7d_5ee9);
    assert_eq!(parent_id(&out, s), 0x5d10_f5e9_2293_557c);
    let key = out.traces[s.trace as usize].key;
    assert_eq!(
        key,
        TraceKey::hex(0x5d10_f5e9_2293_557c_9098_80fc_3ad7_a0b2)
    );
    assert_eq!(s.kind(), Kind::Tool);
    assert_eq!(s.status(), Status::Error);
    // The thread, not the project (`session_id` at the top is LangSmith's project id).
    assert_eq!(
        session(&out, s),
        ("th-1".to_owned(), Some(SessionKey::LangsmithThread))
    );
    assert_eq!(extra(&out, s).prompt, 7);
}

#[test]
fn an_id_is_a_span_id_only_in_a_run() {
    // Phoenix REST: `id` is the row's global id; the span id is in `context`.
    let rest = r#"{"id":"U3BhbjoxMjM=","name":"x","context":{"trace_id":"0000000000000000000000000000000a","span_id":"0000000000000001"},"error":"not a run's"}"#;
    let out = scan(rest);
    let s = only(&out);
    assert_eq!(s.span_id, 1);
    assert_eq!(s.status(), Status::Unset);
}

#[test]
fn langfuse_event_warning_and_uuid_ids() {
    // An EVENT is a span of no kind; WARNING is no error; UUID ids as LangSmith's are read.
    let row = r#"{"id":"7893ee9b-9e7d-5ee9-942b-6ed5f27e6e8a","traceId":"5d10f5e9-2293-557c-9098-80fc3ad7a0b2","type":"EVENT","name":"retry","startTime":"2026-03-02 09:00:00.5","level":"WARNING","statusMessage":"slow","parentObservationId":"1d03d17f-c9db-552c-b176-31674f48c21e"}"#;
    let out = scan(row);
    let s = only(&out);
    assert_eq!(style(&out, s), Style::Langfuse);
    assert_eq!(s.span_id, 0x7893_ee9b_9e7d_5ee9);
    assert_eq!(parent_id(&out, s), 0x1d03_d17f_c9db_552c);
    assert_eq!(s.kind(), Kind::Unknown);
    assert_eq!(s.status(), Status::Unset);
    let error = row.replace("WARNING", "ERROR");
    assert_eq!(only(&scan(&error)).status(), Status::Error);
}

#[test]
fn langfuse_row_session_is_read_only_on_observations() {
    let row = r#"{"id":"aad6f82a9ba8ad8e","trace_id":"b02b2728ce24f39bcf8d89c28c484156","type":"GENERATION","start_time":"2026-03-02 09:00:00.000000","session_id":"s-1","user_id":"u-1","usage_details":{"input":7,"output":3,"total":10},"cost_details":{"total":0.5},"provided_model_name":"m"}"#;
    let out = scan(row);
    let s = only(&out);
    assert_eq!(s.kind(), Kind::Llm);
    assert_eq!(
        session(&out, s),
        ("s-1".to_owned(), Some(SessionKey::Langfuse))
    );
    assert_eq!((extra(&out, s).prompt, extra(&out, s).cost), (7, 0.5));
    // Not an observation: its `session_id` is nobody's session (a LangSmith run's is its project).
    let other = r#"{"span_id":"aad6f82a9ba8ad8e","trace_id":"b02b2728ce24f39bcf8d89c28c484156","session_id":"project"}"#;
    let out = scan(other);
    assert_eq!(session(&out, only(&out)).1, None);
}

#[test]
fn a_stand_alone_langfuse_score_is_a_loose_evaluation() {
    let score = r#"{"id":"s1","traceId":"b02b2728ce24f39bcf8d89c28c484156","observationId":"aad6f82a9ba8ad8e","name":"fluent","value":1,"dataType":"BOOLEAN","stringValue":"True","timestamp":"2026-03-02T09:00:00Z","source":"EVAL"}"#;
    let out = scan(score);
    assert!(out.spans.is_empty());
    assert_eq!(out.evals.len(), 1);
    assert_eq!(out.evals[0].eval.value.as_deref(), Some("True"));
    assert_eq!(
        out.evals[0].eval.span_ref.as_deref(),
        Some("aad6f82a9ba8ad8e")
    );
}

/// Status and kind names read in place (`"OK"`, `"CHAIN"`) give what the general reading gives
/// the same names spelled with an escape, in the other case, with spaces, or not known.
#[test]
fn status_and_kind_in_place_as_read_in_full() {
    // As written, its first letter escaped (`"\u004fK"`), after a space.
    let spellings = |v: &str| {
        let escaped = match v.as_bytes() {
            [b'"', first, _, ..] => format!("\"\\u{first:04x}{}", &v[2..]),
            _ => v.to_owned(),
        };
        [v.to_owned(), escaped, format!(" {v}")]
    };
    for status in [
        r#""OK""#,
        r#""ERROR""#,
        r#""UNSET""#,
        r#""""#,
        r#""ok""#,
        r#""STATUS_CODE_ERROR""#,
        r#""OK_""#,
        r#""NOPE""#,
        "2",
        r#""ERROR ""#,
    ] {
        for kind in [
            r#""LLM""#,
            r#""CHAIN""#,
            r#""TOOL""#,
            r#""CHAT_MODEL""#,
            r#""llm""#,
            r#""X""#,
            r#""""#,
            r#""RETRIEVERS""#,
            r#""SpanKind.CLIENT""#,
            "3",
        ] {
            let read = |status: &str, kind: &str| {
                let line = format!(
                    r#"{{"context.span_id":"01","context.trace_id":"0a","span_kind":{kind},"status_code":{status}}}"#
                );
                let out = scan(&line);
                assert_eq!(out.spans.len(), 1, "{line}");
                (out.spans[0].status(), out.spans[0].kind())
            };
            let want = read(status, kind);
            for (s, k) in spellings(status).iter().zip(spellings(kind).iter()) {
                assert_eq!(read(s, k), want, "{s} {k}");
            }
        }
    }
}

/// The index's sink with ids read as any other string ([`Sink::HEX_IDS`] off): the reading
/// before ids of 16 and 32 hex digits were read in place.
struct StringIds<'c, 'b>(&'c mut Collector<'b>);

impl Sink for StringIds<'_, '_> {
    type Tag = Attr;
    const WANT_BY_PATH: bool = <Collector<'_> as Sink>::WANT_BY_PATH;
    const EVENTS: bool = <Collector<'_> as Sink>::EVENTS;
    const KIND_AS_WRITTEN: bool = <Collector<'_> as Sink>::KIND_AS_WRITTEN;
    const HEX_IDS: bool = false;
    fn open(&mut self, at: usize) {
        self.0.open(at);
    }
    fn close(&mut self, range: Range<usize>, style: Style) {
        self.0.close(range, style);
    }
    fn field(&mut self, f: Field<'_>) {
        self.0.field(f);
    }
    fn want(&mut self, path: &[u8]) -> Want<Attr> {
        self.0.want(path)
    }
    fn attr(&mut self, path: &[u8], tag: Option<Attr>, v: Scalar<'_>) {
        self.0.attr(path, tag, v);
    }
    fn trace_meta(&mut self, key: &[u8], v: Scalar<'_>) {
        self.0.trace_meta(key, v);
    }
    fn trace_info(&mut self, range: Range<usize>) {
        self.0.trace_info(range);
    }
    fn evaluation(&mut self, e: Evaluation) {
        self.0.evaluation(e);
    }
    fn messages(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        self.0.messages(path, c)
    }
    fn too_deep(&mut self, path: &[u8], depth: usize) {
        self.0.too_deep(path, depth);
    }
    fn known_line(&mut self) {
        self.0.known_line();
    }
    fn not_understood(&mut self, why: String) {
        self.0.not_understood(why);
    }
}

/// What a walk of `src` gave: how it ended, where, and the spans, traces and reports it made;
/// and whether it met a high byte.
fn walk_ids(src: &[u8], in_line: bool, string_ids: bool) -> (String, bool, usize) {
    let mut col = Collector::new(src, 0);
    let mut c = if in_line {
        Cursor::in_line(src)
    } else {
        Cursor::new(src)
    };
    let walked = if string_ids {
        format::walk(&mut c, &mut StringIds(&mut col))
    } else {
        format::walk(&mut c, &mut col)
    };
    let out = &col.out;
    let spans: Vec<_> = out
        .spans
        .iter()
        .zip(&out.parent_ids)
        .map(|(s, p)| (s.span_id, s.flags(), s.trace, *p))
        .collect();
    let traces: Vec<_> = out.traces.iter().map(|t| (t.key, t.mlflow_id)).collect();
    let strings: Vec<_> = (0..out.strings.len() as u32)
        .map(|i| out.strings.get(i))
        .collect();
    let problems: Vec<_> = out.problems.iter().map(|p| &p.reason).collect();
    let read = format!(
        "{walked:?} {} {spans:?} {traces:?} {strings:?} {problems:?}",
        c.pos()
    );
    (read, c.non_ascii(), c.pos())
}

/// An id value for a random record: mostly 16 or 32 hex digits in any case (all zeros among
/// them), else other lengths, UUIDs, prefixed ids, nulls and numbers; spoiled at random (a
/// byte changed to a quote, a backslash, a newline, a high byte, a neighbour of the hex
/// ranges), with whitespace before it at times.
fn random_id(rng: &mut crate::testing::XorShift, digits: usize) -> Vec<u8> {
    let hex = |rng: &mut crate::testing::XorShift, n: usize, zeros: bool| -> Vec<u8> {
        (0..n)
            .map(|_| {
                let d = if zeros { 0 } else { rng.below(16) as usize };
                let b = b"0123456789abcdef"[d];
                if rng.below(4) == 0 {
                    b.to_ascii_uppercase()
                } else {
                    b
                }
            })
            .collect()
    };
    let quoted = |inner: Vec<u8>| [&b"\""[..], &inner, b"\""].concat();
    let mut v = match rng.below(14) {
        0 => b"null".to_vec(),
        1 => b"1234".to_vec(),
        2 => quoted(hex(rng, digits, true)),
        3 => quoted(hex(rng, 48 - digits, false)),
        4 => {
            let n = (digits + rng.below(5) as usize).saturating_sub(2);
            quoted(hex(rng, n, false))
        }
        5 => quoted(b"0ff1ce00-1111-2222-3333-444455556666".to_vec()),
        6 => quoted([&b"0x"[..], &hex(rng, digits, false)].concat()),
        7 => quoted(Vec::new()),
        _ => quoted(hex(rng, digits, false)),
    };
    if rng.below(4) == 0 {
        let spoils = [
            b'"', b'\\', b'\n', 0xc3, 0x80, b' ', b'/', b':', b'@', b'G', b'`', b'g', b'F', b'f',
            b'0', b'9', b'a', b'A',
        ];
        let at = rng.below(v.len() as u64) as usize;
        v[at] = spoils[rng.below(spoils.len() as u64) as usize];
    }
    if rng.below(8) == 0 {
        v.insert(0, b' ');
    }
    v
}

/// Ids of 16 and 32 hex digits read in place by the walker and taken by their value
/// (`Collector::hex_id`) read as they were as strings (`Collector::field`): 30,000 random
/// records of span, trace and parent ids in every spelling the walker reads them under
/// (flat, OTLP, snake case, a `context` object), given twice at times, spoiled and cut short
/// at random, on a line and off it; the walk must end the same, at the same byte, with the
/// same spans, traces, interned strings and reports.
#[test]
fn hex_ids_read_in_place_as_strings() {
    let mut rng = crate::testing::XorShift(0x51d3_0a97_c2e4_6b15);
    let span_keys = ["context.span_id", "spanId", "span_id"];
    let trace_keys = ["context.trace_id", "traceId", "trace_id"];
    let parent_keys = ["parent_id", "parentSpanId", "parent_span_id"];
    for round in 0..30_000 {
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let pick = |rng: &mut crate::testing::XorShift, keys: &[&str]| {
            keys[rng.below(keys.len() as u64) as usize].to_owned()
        };
        let field = |key: &str, v: &[u8]| [format!("\"{key}\":").as_bytes(), v].concat();
        if rng.below(5) == 0 {
            let inner = [
                field("span_id", &random_id(&mut rng, 16)),
                field("trace_id", &random_id(&mut rng, 32)),
            ]
            .join(&b","[..]);
            fields.push([&b"\"context\":{"[..], &inner, b"}"].concat());
        } else {
            let k = pick(&mut rng, &span_keys);
            fields.push(field(&k, &random_id(&mut rng, 16)));
            let k = pick(&mut rng, &trace_keys);
            fields.push(field(&k, &random_id(&mut rng, 32)));
        }
        if rng.below(4) != 0 {
            let k = pick(&mut rng, &parent_keys);
            fields.push(field(&k, &random_id(&mut rng, 16)));
        }
        // Given twice, with the same or another value.
        if rng.below(6) == 0 {
            let (k, digits) = match rng.below(3) {
                0 => (pick(&mut rng, &span_keys), 16),
                1 => (pick(&mut rng, &trace_keys), 32),
                _ => (pick(&mut rng, &parent_keys), 16),
            };
            let again = fields[0].clone();
            fields.push(if rng.below(2) == 0 {
                again
            } else {
                field(&k, &random_id(&mut rng, digits))
            });
        }
        fields.push(br#""name":"n""#.to_vec());
        // Shuffled.
        for i in (1..fields.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            fields.swap(i, j);
        }
        let mut src = [&b"{"[..], &fields.join(&b","[..]), b"}"].concat();
        if rng.below(8) == 0 {
            src.truncate(rng.below(src.len() as u64) as usize);
        }
        if rng.below(3) == 0 {
            src.extend_from_slice(b"\n{\"spanId\":\"00000000000000aa\"}");
        }
        for in_line in [true, false] {
            let (fast, fast_high, end) = walk_ids(&src, in_line, false);
            let (slow, slow_high, _) = walk_ids(&src, in_line, true);
            let what = || format!("round {round}: {:?}", String::from_utf8_lossy(&src));
            assert_eq!(fast, slow, "{}", what());
            // A string read 16 bytes at a time notes high bytes just past its end too; the
            // digits read in place are only the digits. What the flag promises holds either
            // way: not set, no byte of the value read is 0x80 or above.
            assert!(slow_high || !fast_high, "{}", what());
            if fast.starts_with("Ok") && !fast_high {
                assert!(src[..end].is_ascii(), "{}", what());
            }
        }
    }
}

/// Dataframe rows, every column on every row and most of them null, a null and the next key
/// stepped over at once by the walker's remembered columns: read as each row alone reads,
/// with the nulls spoiled at random (spaces around them and the comma, a misspelled or cut
/// null, a null closing the row, the row cut short just after one).
#[test]
fn null_columns_stepped_over_at_once_read_as_fresh_ones() {
    let mut rng = crate::testing::XorShift(0x9e37_79b9_7f4a_7c15);
    let columns = [
        "name",
        "span_kind",
        "parent_id",
        "status_message",
        "context.span_id",
        "context.trace_id",
        "attributes.llm.model_name",
        "attributes.llm.token_count.prompt",
        "attributes.session.id",
        "attributes.input.value",
        "attributes.tool.name",
        "attributes.metadata",
        "attributes.llm.input_messages",
    ];
    let set = [
        r#""n""#,
        r#""TOOL""#,
        r#""00000000000000f1""#,
        r#""""#,
        "",
        "",
        r#""gpt-4o""#,
        "12.0",
        r#""s-1""#,
        r#""{\"a\": 1}""#,
        r#""Read""#,
        r#"{"user_api_key_end_user_id":"e-1"}"#,
        r#"[{"message.role":"user","message.content":"hi"}]"#,
    ];
    let spoils = [
        "null ", " null", "nul", "nulls", "NULL", "null\t", "nullnull", "n", "null}", "null,",
    ];
    let mut rows = Vec::new();
    for n in 0..2_000u64 {
        let cols: Vec<String> = columns
            .iter()
            .zip(set)
            .map(|(key, value)| {
                let value = match *key {
                    "context.span_id" => format!(r#""{:016x}""#, 0x1000 + n),
                    "context.trace_id" => format!(r#""{:032x}""#, 0x77 + n / 5),
                    _ if rng.below(3) != 0 => "null".to_owned(),
                    _ if rng.below(30) == 0 => {
                        spoils[rng.below(spoils.len() as u64) as usize].to_owned()
                    }
                    _ => value.to_owned(),
                };
                format!(r#""{key}":{value}"#)
            })
            .collect();
        let sep = if rng.below(40) == 0 { ", " } else { "," };
        let mut row = format!("{{{}}}", cols.join(sep));
        match rng.below(40) {
            0 => row.truncate(rng.below(row.len() as u64) as usize),
            1 => {
                // Just after a null, or inside one.
                if let Some(at) = row.rfind("null") {
                    row.truncate(at + rng.below(7) as usize);
                }
            }
            _ => {}
        }
        rows.push(row);
    }
    assert_warm_reads_as_cold(&rows);
}

/// Spans of many traces interleaved, their ids colliding in the bits the collector's memory
/// of recent traces goes by (hex ids that differ only above them, text ids): each span is
/// numbered to its own trace, and the traces are numbered in the order they first come,
/// once each.
#[test]
fn interleaved_traces_numbered_as_they_first_come() {
    let mut rng = crate::testing::XorShift(0x3c6e_f372_a54f_f53a);
    let pool: Vec<String> = (0..300u64)
        .map(|i| match i % 3 {
            0 => format!("{:032x}", (u128::from(i) << 70) | 0x2a),
            1 => format!("{:032x}", (i << 6) | 0x15),
            _ => format!("trace-{i}"),
        })
        .collect();
    let mut text = String::new();
    let mut expected = Vec::new();
    for n in 0..4_000u64 {
        let t = &pool[(rng.below(40) + n / 20) as usize % pool.len()];
        text.push_str(&format!(
            "{{\"context.span_id\":\"{:016x}\",\"context.trace_id\":\"{t}\",\"name\":\"x\"}}\n",
            n + 1
        ));
        expected.push(t.clone());
    }
    let out = scan(&text);
    assert_eq!(out.spans.len(), expected.len());
    let key_text = |k: TraceKey| match k {
        TraceKey::Hex(hi, lo) => format!("{hi:016x}{lo:016x}"),
        TraceKey::Text(t) => out.strings.get(t).to_owned(),
    };
    let mut first_seen: Vec<String> = Vec::new();
    for (s, want) in out.spans.iter().zip(&expected) {
        assert_eq!(&key_text(out.traces[s.trace as usize].key), want);
        if !first_seen.contains(want) {
            first_seen.push(want.clone());
        }
    }
    let numbered: Vec<String> = out.traces.iter().map(|t| key_text(t.key)).collect();
    assert_eq!(numbered, first_seen);
}
