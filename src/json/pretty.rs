//! Re-indents a JSON value exactly as it appears in the file: key order and string escapes kept.
//!
//! [`pretty`] prints all of it (for copies and files); [`pretty_window`] prints what a screen
//! can hold, cutting long strings and the end of huge values with visible markers, so that a
//! record of hundreds of megabytes opens at once and in little memory.

use super::{Cursor, JsonError};

/// Levels of nesting indented; deeper ones are printed at this indentation.
const MAX_INDENT: usize = 32;

/// How much of a value [`pretty_window`] prints.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Strings longer than this (as written, escapes included) are cut.
    pub string_bytes: usize,
    /// Printing stops after about this many bytes of output.
    pub total_bytes: usize,
}

/// Pretty-prints one JSON value with two-space indentation.
///
/// The value is validated first, so the output is JSON whenever the input is (`NaN` stays `NaN`,
/// as in the file). Invalid UTF-8 inside strings is replaced with U+FFFD.
pub fn pretty(bytes: &[u8]) -> Result<String, JsonError> {
    print(bytes, None).map(|(s, _)| s)
}

/// [`pretty`], cut to `window`: a string longer than `window.string_bytes` ends in `…` inside
/// its quotes and is followed by `⟨N MB more⟩`; past `window.total_bytes` of output the
/// printing stops. Returns the text and the number of input bytes not printed at the end (0
/// when the whole value was printed). Display text, not JSON, once anything was cut.
pub fn pretty_window(bytes: &[u8], window: Window) -> Result<(String, usize), JsonError> {
    print(bytes, Some(window))
}

fn print(bytes: &[u8], window: Option<Window>) -> Result<(String, usize), JsonError> {
    let mut check = Cursor::new(bytes);
    check.skip_value()?;
    let end = check.pos();
    let cap = window.map_or(end + end / 4, |w| (end + end / 4).min(w.total_bytes + 1024));
    let mut out = Vec::with_capacity(cap);
    let mut rest = 0;
    let mut c = Cursor::new(&bytes[..end]);
    let mut depth = 0usize;
    loop {
        c.skip_ws();
        let Some(&b) = bytes[..end].get(c.pos()) else {
            break;
        };
        if let Some(w) = window
            && out.len() > w.total_bytes
        {
            rest = end - c.pos();
            break;
        }
        match b {
            b'"' => {
                let s = c.string()?;
                out.push(b'"');
                match window {
                    Some(w) if s.raw.len() > w.string_bytes => {
                        let cut = s.prefix(w.string_bytes).raw.len();
                        out.extend_from_slice(&s.raw[..cut]);
                        out.extend_from_slice(
                            format!(
                                "…\" ⟨{} more⟩",
                                crate::fmt::bytes((s.raw.len() - cut) as u64)
                            )
                            .as_bytes(),
                        );
                    }
                    _ => {
                        out.extend_from_slice(s.raw);
                        out.push(b'"');
                    }
                }
            }
            _ => layout(b, &mut c, bytes, &mut out, &mut depth)?,
        }
    }
    let text = match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((text, rest))
}

/// A new line indented for `depth`. Indentation stops growing past `MAX_INDENT` levels: a value
/// nested a hundred thousand deep would otherwise take the square of its depth in spaces.
fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + depth.min(MAX_INDENT) * 2, b' ');
}

/// Lays out what is not a string at the cursor (byte `b`): brackets open a new indented line
/// (an empty pair stays `{}` / `[]`), closing ones go back one level, commas end a line, colons
/// get a space, and a scalar is copied as written.
fn layout(
    b: u8,
    c: &mut Cursor<'_>,
    bytes: &[u8],
    out: &mut Vec<u8>,
    depth: &mut usize,
) -> Result<(), JsonError> {
    match b {
        b'{' | b'[' => {
            let close = if b == b'{' { b'}' } else { b']' };
            c.set_pos(c.pos() + 1);
            c.skip_ws();
            if bytes.get(c.pos()) == Some(&close) {
                c.set_pos(c.pos() + 1);
                out.extend_from_slice(&[b, close]);
            } else {
                out.push(b);
                *depth += 1;
                newline(out, *depth);
            }
        }
        b'}' | b']' => {
            c.set_pos(c.pos() + 1);
            *depth = depth.saturating_sub(1);
            newline(out, *depth);
            out.push(b);
        }
        b',' => {
            c.set_pos(c.pos() + 1);
            out.push(b',');
            newline(out, *depth);
        }
        b':' => {
            c.set_pos(c.pos() + 1);
            out.extend_from_slice(b": ");
        }
        _ => {
            let start = c.pos();
            c.skip_value()?;
            out.extend_from_slice(&bytes[start..c.pos()]);
        }
    }
    Ok(())
}

/// [`pretty`], written to `out` as it goes rather than built in memory: for a record of any
/// size (`o` opens a 200 MB one). Text is handed to `out` through `text` (to make it safe for
/// a terminal), a piece at a time, each piece valid UTF-8 (invalid bytes as U+FFFD), long
/// strings in pieces of about a megabyte.
pub fn pretty_write(
    bytes: &[u8],
    out: &mut dyn std::io::Write,
    text: &dyn Fn(&str) -> std::borrow::Cow<'_, str>,
) -> Result<(), PrettyError> {
    const PIECE: usize = 1 << 20;
    let mut check = Cursor::new(bytes);
    check.skip_value()?;
    let end = check.pos();
    let mut buf: Vec<u8> = Vec::with_capacity(PIECE + 1024);
    let flush = |buf: &mut Vec<u8>, out: &mut dyn std::io::Write| -> std::io::Result<()> {
        let s = String::from_utf8_lossy(buf);
        out.write_all(text(&s).as_bytes())?;
        buf.clear();
        Ok(())
    };
    let mut c = Cursor::new(&bytes[..end]);
    let mut depth = 0usize;
    loop {
        if buf.len() >= PIECE {
            flush(&mut buf, out)?;
        }
        c.skip_ws();
        let Some(&b) = bytes[..end].get(c.pos()) else {
            break;
        };
        match b {
            b'"' => {
                let s = c.string()?;
                buf.push(b'"');
                let mut raw = s.raw;
                // A long string goes out in pieces cut between characters.
                while raw.len() > PIECE {
                    let mut cut = PIECE;
                    while cut > 0 && raw[cut] & 0xc0 == 0x80 {
                        cut -= 1;
                    }
                    buf.extend_from_slice(&raw[..cut]);
                    flush(&mut buf, out)?;
                    raw = &raw[cut..];
                }
                buf.extend_from_slice(raw);
                buf.push(b'"');
            }
            _ => layout(b, &mut c, bytes, &mut buf, &mut depth)?,
        }
    }
    buf.push(b'\n');
    flush(&mut buf, out)?;
    Ok(())
}

/// Why [`pretty_write`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum PrettyError {
    #[error("{0}")]
    Json(#[from] JsonError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_and_keeps_order() {
        let s = pretty(br#"{"b":1,"a":[1,{"x":"y\n"}],"e":{},"f":[],"n":NaN}"#).unwrap();
        assert_eq!(
            s,
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    {\n      \"x\": \"y\\n\"\n    }\n  ],\n  \"e\": {},\n  \"f\": [],\n  \"n\": NaN\n}"
        );
    }

    #[test]
    fn round_trips_through_serde() {
        let src = br#"{"k":"v","arr":[1,2.5,true,null,"\u00e9"],"o":{"z":{}}}"#;
        let a: serde_json::Value = serde_json::from_slice(src).unwrap();
        let b: serde_json::Value = serde_json::from_str(&pretty(src).unwrap()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn windows_cut_long_strings_and_stop_with_markers() {
        let long = format!(
            "{{\"a\":\"{}\\u00e9\\n{}\",\"b\":[1,2,3]}}",
            "x".repeat(30),
            "é".repeat(10)
        );
        let w = Window {
            string_bytes: 37,
            total_bytes: 1 << 20,
        };
        let (text, rest) = pretty_window(long.as_bytes(), w).unwrap();
        assert_eq!(rest, 0);
        // Cut after the escape that fits, never inside it.
        assert!(
            text.contains(&format!("\"{}\\u00e9…\" ⟨", "x".repeat(30))),
            "{text}"
        );
        assert!(text.contains("more⟩,\n  \"b\": ["), "{text}");
        // A cut in the middle of a two-byte character backs off to its start.
        let cut = |raw: &[u8], n| super::super::RawStr::plain(raw).prefix(n).raw.len();
        assert_eq!(cut("ééé".as_bytes(), 3), 2);
        assert_eq!(cut(b"ab\\u00e9", 5), 2);
        assert_eq!(cut(b"ab\\n", 3), 2);
        let many = format!("[{}1]", "1,".repeat(10_000));
        let (text, rest) = pretty_window(
            many.as_bytes(),
            Window {
                string_bytes: 10,
                total_bytes: 100,
            },
        )
        .unwrap();
        assert!(text.len() < 200 && rest > 19_000, "{} {rest}", text.len());
        // Nothing cut: the same as pretty.
        let small = br#"{"k":"v","n":[1,{"x":null}]}"#;
        let (text, rest) = pretty_window(small, w).unwrap();
        assert_eq!((text, rest), (pretty(small).unwrap(), 0));
    }

    #[test]
    fn deep_values_indent_no_deeper_than_a_bound() {
        let n = 100_000;
        let deep = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let text = pretty(deep.as_bytes()).unwrap();
        // Linear in the depth: each level costs its bracket, a newline and the capped indent.
        assert!(text.len() < n * (2 * MAX_INDENT + 4) * 2, "{}", text.len());
        let back: serde_json::Value = serde_json::from_str(&pretty(b"[[[1]]]").unwrap()).unwrap();
        assert_eq!(back, serde_json::json!([[[1]]]));
    }

    #[test]
    fn writing_as_it_goes_is_pretty_with_a_newline() {
        let src = br#"{"b":1,"a":[1,{"x":"y\n"}],"e":{},"f":[],"n":NaN}"#;
        let mut out = Vec::new();
        pretty_write(src, &mut out, &|s| std::borrow::Cow::Borrowed(s)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), pretty(src).unwrap() + "\n");
        // A string longer than a piece comes out whole, cut between characters.
        let long = format!("[\"{}\"]", "é".repeat(700_000));
        let mut out = Vec::new();
        let pieces = std::cell::Cell::new(0);
        pretty_write(long.as_bytes(), &mut out, &|s| {
            pieces.set(pieces.get() + 1);
            assert!(!s.contains('\u{fffd}'));
            std::borrow::Cow::Borrowed(s)
        })
        .unwrap();
        assert!(pieces.get() > 1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            pretty(long.as_bytes()).unwrap() + "\n"
        );
    }

    #[test]
    fn rejects_invalid() {
        assert!(pretty(b"{\"a\":").is_err());
    }
}
