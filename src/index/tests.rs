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
    let mut lines: Vec<u32> = idx.spans.iter().map(|s| s.line).collect();
    lines.sort_unstable();
    let want: Vec<u32> = (0..50_000)
        .filter(|i| i % 1000 != 7)
        .map(|i| i + 1)
        .collect();
    assert_eq!(lines, want);
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
    let lines: Vec<u32> = idx.spans.iter().map(|s| s.line).collect();
    assert_eq!(lines, [3, 4]);
    assert_eq!(idx.files[0].lines, 6);
    let bytes = idx.span_bytes(&idx.spans[1]);
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
        "t.jsonl: no spans found (2 malformed records, no span)"
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
