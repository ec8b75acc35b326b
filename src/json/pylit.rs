//! Python literals (`str(dict)`) as JSON text.
//!
//! LiteLLM's generic OTel callback writes non-primitive metadata with `str(value)`, so session
//! ids arrive inside strings such as `{'user_id': 'user_..._session_...', 'x': True}`. This turns
//! such a literal into JSON text so the ordinary cursor can read it.

/// Converts a Python dict/list literal to JSON text, or `None` if it is not one.
pub fn to_json(src: &str) -> Option<String> {
    let s = src.trim();
    if !(s.starts_with('{') || s.starts_with('[') || s.starts_with('(')) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push('"');
                let mut closed = false;
                while let Some(d) = chars.next() {
                    match d {
                        _ if d == c => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next()? {
                            '\'' => out.push('\''),
                            '"' => out.push_str("\\\""),
                            e @ ('\\' | 'n' | 't' | 'r' | 'b' | 'f' | 'u' | '/') => {
                                out.push('\\');
                                out.push(e);
                            }
                            'x' => {
                                let h: String = [chars.next()?, chars.next()?].iter().collect();
                                out.push_str(&format!("\\u00{h}"));
                            }
                            other => {
                                out.push_str("\\\\");
                                out.push(other);
                            }
                        },
                        '"' => out.push_str("\\\""),
                        '\n' => out.push_str("\\n"),
                        d if (d as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", d as u32)),
                        d => out.push(d),
                    }
                }
                if !closed {
                    return None;
                }
                out.push('"');
            }
            '(' => out.push('['),
            ')' => out.push(']'),
            'T' | 'F' | 'N' => {
                let word: String = std::iter::once(c)
                    .chain(std::iter::from_fn(|| chars.next_if(char::is_ascii_alphabetic)))
                    .collect();
                match word.as_str() {
                    "True" => out.push_str("true"),
                    "False" => out.push_str("false"),
                    "None" => out.push_str("null"),
                    "NaN" => out.push_str("NaN"),
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_litellm_repr() {
        let j = to_json("{'user_id': 'user_ab_account__session_1f', 'ok': True, 'n': None, 't': (1, 2)}")
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
