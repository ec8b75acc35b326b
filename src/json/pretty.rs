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
    // Indentation stops growing past `MAX_INDENT` levels: a value nested a hundred thousand
    // deep would otherwise take the square of its depth in spaces.
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.resize(out.len() + depth.min(MAX_INDENT) * 2, b' ');
    };
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
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                c.set_pos(c.pos() + 1);
                c.skip_ws();
                if bytes.get(c.pos()) == Some(&close) {
                    c.set_pos(c.pos() + 1);
                    out.extend_from_slice(&[b, close]);
                } else {
                    out.push(b);
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                c.set_pos(c.pos() + 1);
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(b);
            }
            b',' => {
                c.set_pos(c.pos() + 1);
                out.push(b',');
                newline(&mut out, depth);
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
    }
    let text = match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((text, rest))
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
    fn rejects_invalid() {
        assert!(pretty(b"{\"a\":").is_err());
    }
}
