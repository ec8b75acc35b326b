//! Re-indents a JSON value exactly as it appears in the file: key order and string escapes kept.

use super::{Cursor, JsonError};

/// Pretty-prints one JSON value with two-space indentation.
///
/// The value is validated first, so the output is JSON whenever the input is (`NaN` stays `NaN`,
/// as in the file). Invalid UTF-8 inside strings is replaced with U+FFFD.
pub fn pretty(bytes: &[u8]) -> Result<String, JsonError> {
    let mut check = Cursor::new(bytes);
    check.skip_value()?;
    let end = check.pos();
    let mut out = Vec::with_capacity(end + end / 4);
    let mut c = Cursor::new(&bytes[..end]);
    let mut depth = 0usize;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.resize(out.len() + depth * 2, b' ');
    };
    loop {
        c.skip_ws();
        let Some(&b) = bytes[..end].get(c.pos()) else {
            break;
        };
        match b {
            b'"' => {
                let s = c.string()?;
                out.push(b'"');
                out.extend_from_slice(s.raw);
                out.push(b'"');
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
    Ok(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
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
    fn rejects_invalid() {
        assert!(pretty(b"{\"a\":").is_err());
    }
}
