//! Bridges to strict parsers: bare `NaN` / `Infinity` become `null`.

use std::borrow::Cow;

/// Returns the bytes with bare `NaN`, `Infinity` and `-Infinity` tokens (outside strings)
/// replaced by `null`, so `serde_json` accepts what Python and pandas write.
pub fn lenient(bytes: &[u8]) -> Cow<'_, [u8]> {
    let finder = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    if !finder(b"NaN") && !finder(b"Infinity") {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() {
                    match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                        Some(k) if bytes[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => i = bytes.len(),
                    }
                }
                out.extend_from_slice(&bytes[start..i.min(bytes.len())]);
            }
            _ => {
                let rest = &bytes[i..];
                let token = [&b"-Infinity"[..], b"Infinity", b"NaN"]
                    .into_iter()
                    .find(|t| rest.starts_with(t));
                if let Some(t) = token {
                    out.extend_from_slice(b"null");
                    i += t.len();
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_bare_tokens() {
        let src = br#"{"a":NaN,"b":"NaN","c":[-Infinity,Infinity],"d":"x\"NaN"}"#;
        let out = lenient(src);
        assert_eq!(
            &*out,
            br#"{"a":null,"b":"NaN","c":[null,null],"d":"x\"NaN"}"#
        );
        assert!(matches!(lenient(b"{\"a\":1}"), Cow::Borrowed(_)));
    }
}
