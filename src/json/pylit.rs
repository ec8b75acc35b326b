//! Python literals (`str(dict)`) as JSON text.
//!
//! LiteLLM's generic OTel callback writes non-primitive metadata with `str(value)`, so session
//! ids arrive inside strings such as `{'user_id': 'user_..._session_...', 'x': True}`. This turns
//! such a literal into JSON text so the ordinary cursor can read it.

/// Converts a Python dict/list literal to JSON text, or `None` if it is not one.
///
/// Works on bytes: only ASCII is syntax, so multi-byte UTF-8 passes through untouched. Runs
/// of bytes that stay as they are (between quotes, brackets and the words `True`, `False`,
/// `None`, `NaN`; inside a string, up to its quote, a backslash, a `"` or a control byte) are
/// copied whole.
pub fn to_json(src: &str) -> Option<String> {
    let s = src.trim().as_bytes();
    if !matches!(s.first(), Some(b'{' | b'[' | b'(')) {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < s.len() {
        let rest = s.get(i..)?;
        let run = rest
            .iter()
            .position(|&b| matches!(b, b'\'' | b'"' | b'(' | b')' | b'T' | b'F' | b'N'))
            .unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..run)?);
        i += run;
        let Some(&c) = s.get(i) else { break };
        i += 1;
        match c {
            b'\'' | b'"' => {
                out.push(b'"');
                loop {
                    let rest = s.get(i..)?;
                    let run = rest
                        .iter()
                        .position(|&d| d == c || d == b'\\' || d == b'"' || d < 0x20)
                        .unwrap_or(rest.len());
                    out.extend_from_slice(rest.get(..run)?);
                    i += run;
                    let d = *s.get(i)?;
                    i += 1;
                    match d {
                        _ if d == c => break,
                        b'\\' => {
                            let e = *s.get(i)?;
                            i += 1;
                            match e {
                                b'\'' => out.push(b'\''),
                                b'"' => out.extend_from_slice(b"\\\""),
                                b'\\' | b'n' | b't' | b'r' | b'b' | b'f' | b'u' | b'/' => {
                                    out.extend_from_slice(&[b'\\', e]);
                                }
                                b'x' => {
                                    let hex = s.get(i..i + 2)?;
                                    i += 2;
                                    out.extend_from_slice(b"\\u00");
                                    out.extend_from_slice(hex);
                                }
                                other => out.extend_from_slice(&[b'\\', b'\\', other]),
                            }
                        }
                        b'"' => out.extend_from_slice(b"\\\""),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        d if d < 0x20 => out.extend_from_slice(format!("\\u{d:04x}").as_bytes()),
                        d => out.push(d),
                    }
                }
                out.push(b'"');
            }
            b'(' => out.push(b'['),
            b')' => out.push(b']'),
            b'T' | b'F' | b'N' => {
                let rest = &s[i - 1..];
                let (word, json): (&[u8], &[u8]) = if rest.starts_with(b"True") {
                    (b"True", b"true")
                } else if rest.starts_with(b"False") {
                    (b"False", b"false")
                } else if rest.starts_with(b"None") {
                    (b"None", b"null")
                } else if rest.starts_with(b"NaN") {
                    (b"NaN", b"NaN")
                } else {
                    return None;
                };
                out.extend_from_slice(json);
                i += word.len() - 1;
            }
            c => out.push(c),
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversion a byte at a time, as it was written first: the definition that
    /// [`to_json`]'s runs are held to.
    fn to_json_bytewise(src: &str) -> Option<String> {
        let s = src.trim().as_bytes();
        if !matches!(s.first(), Some(b'{' | b'[' | b'(')) {
            return None;
        }
        let mut out: Vec<u8> = Vec::with_capacity(s.len() + 8);
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            i += 1;
            match c {
                b'\'' | b'"' => {
                    out.push(b'"');
                    loop {
                        let d = *s.get(i)?;
                        i += 1;
                        match d {
                            _ if d == c => break,
                            b'\\' => {
                                let e = *s.get(i)?;
                                i += 1;
                                match e {
                                    b'\'' => out.push(b'\''),
                                    b'"' => out.extend_from_slice(b"\\\""),
                                    b'\\' | b'n' | b't' | b'r' | b'b' | b'f' | b'u' | b'/' => {
                                        out.extend_from_slice(&[b'\\', e]);
                                    }
                                    b'x' => {
                                        let hex = s.get(i..i + 2)?;
                                        i += 2;
                                        out.extend_from_slice(b"\\u00");
                                        out.extend_from_slice(hex);
                                    }
                                    other => out.extend_from_slice(&[b'\\', b'\\', other]),
                                }
                            }
                            b'"' => out.extend_from_slice(b"\\\""),
                            b'\n' => out.extend_from_slice(b"\\n"),
                            d if d < 0x20 => {
                                out.extend_from_slice(format!("\\u{d:04x}").as_bytes())
                            }
                            d => out.push(d),
                        }
                    }
                    out.push(b'"');
                }
                b'(' => out.push(b'['),
                b')' => out.push(b']'),
                b'T' | b'F' | b'N' => {
                    let rest = &s[i - 1..];
                    let (word, json): (&[u8], &[u8]) = if rest.starts_with(b"True") {
                        (b"True", b"true")
                    } else if rest.starts_with(b"False") {
                        (b"False", b"false")
                    } else if rest.starts_with(b"None") {
                        (b"None", b"null")
                    } else if rest.starts_with(b"NaN") {
                        (b"NaN", b"NaN")
                    } else {
                        return None;
                    };
                    out.extend_from_slice(json);
                    i += word.len() - 1;
                }
                c => out.push(c),
            }
        }
        String::from_utf8(out).ok()
    }

    /// Runs copied whole convert as the byte-at-a-time definition does: 60,000 random texts of
    /// literal syntax, quotes of both kinds, escapes (`\\x` among them, cut short too), the
    /// words and their beginnings, control bytes, newlines and multi-byte characters.
    #[test]
    fn runs_convert_as_bytes_one_at_a_time() {
        let mut rng = crate::testing::XorShift(0x2b7e_1516_28ae_d2a6);
        let pieces = [
            "{", "}", "[", "]", "(", ")", "'", "\"", "\\", "\\x", "\\x4", "\\x41", "\\u00e9",
            "\\n", "\\'", "\\\"", ":", ",", " ", "\n", "\t", "\u{1}", "\u{1f}", "True", "False",
            "None", "NaN", "T", "Fa", "No", "Na", "a", "user_id", "0", "12", "é", "Ж", "漢", "😀",
            "x", "u",
        ];
        for round in 0..60_000 {
            let n = rng.below(24) as usize;
            let mut text = String::new();
            if rng.below(4) != 0 {
                text.push_str(["{", "[", "(", " {"][rng.below(4) as usize]);
            }
            for _ in 0..n {
                text.push_str(pieces[rng.below(pieces.len() as u64) as usize]);
            }
            assert_eq!(
                to_json(&text),
                to_json_bytewise(&text),
                "round {round}: {text:?}"
            );
        }
    }

    #[test]
    fn converts_litellm_repr() {
        let j = to_json(
            "{'user_id': 'user_ab_account__session_1f', 'ok': True, 'n': None, 't': (1, 2)}",
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["user_id"], "user_ab_account__session_1f");
        assert_eq!(v["ok"], true);
        assert!(v["n"].is_null());
        assert_eq!(v["t"][1], 2);
    }

    #[test]
    fn quotes_and_escapes() {
        let j = to_json(r#"{'a': "it's", 'b': 'say "hi"\n', 'c': '\x41'}"#).unwrap();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["a"], "it's");
        assert_eq!(v["b"], "say \"hi\"\n");
        assert_eq!(v["c"], "A");
    }

    #[test]
    fn not_a_literal() {
        assert!(to_json("user_abc").is_none());
        assert!(to_json("{'a': Frob}").is_none());
    }
}
