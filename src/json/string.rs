//! JSON string contents as they sit in the file, decoded only on demand.

use std::borrow::Cow;

/// The bytes between a JSON string's quotes, escapes still in place.
///
/// Two words, so that results holding one travel in registers (this is the scan's hottest
/// value); whether it holds escapes is asked only when it is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawStr<'a> {
    pub raw: &'a [u8],
}

impl<'a> RawStr<'a> {
    pub fn plain(raw: &'a [u8]) -> Self {
        RawStr { raw }
    }

    /// The first bytes of the string, at most `limit`, cut where a reader can stop: not inside
    /// an escape or a UTF-8 sequence.
    pub fn prefix(&self, limit: usize) -> RawStr<'a> {
        let raw = self.raw;
        let mut i = 0;
        while i < limit.min(raw.len()) {
            let step = match raw[i] {
                b'\\' if raw.get(i + 1) == Some(&b'u') => 6,
                b'\\' => 2,
                _ => 1,
            };
            if i + step > limit {
                break;
            }
            i += step;
        }
        while i > 0 && i < raw.len() && raw[i] & 0xc0 == 0x80 {
            i -= 1;
        }
        RawStr { raw: &raw[..i] }
    }

    /// True when the string holds a backslash escape.
    #[inline]
    pub fn escaped(&self) -> bool {
        // Most strings asked are short (ids, names, kinds): a branch-free pass over them beats
        // a call into memchr.
        if self.raw.len() <= 32 {
            return self.raw.iter().fold(false, |any, &c| any | (c == b'\\'));
        }
        memchr::memchr(b'\\', self.raw).is_some()
    }

    /// The string's bytes with escapes decoded: borrowed, exactly as written, when it holds no
    /// escape (invalid UTF-8 is kept, not replaced: keys are matched as written).
    pub fn bytes(&self) -> Cow<'a, [u8]> {
        if self.escaped() {
            Cow::Owned(unescape(self.raw).into_bytes())
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// Decodes escapes and invalid UTF-8 (replaced by U+FFFD); borrows when nothing changes.
    pub fn decode(&self) -> Cow<'a, str> {
        if !self.escaped() {
            return match std::str::from_utf8(self.raw) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(self.raw),
            };
        }
        Cow::Owned(unescape(self.raw))
    }

    /// True when the decoded string equals `s` (cheap when there are no escapes).
    pub fn eq_str(&self, s: &str) -> bool {
        if self.escaped() {
            self.decode() == s
        } else {
            self.raw == s.as_bytes()
        }
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..4] {
        v = v * 16 + char::from(c).to_digit(16)?;
    }
    Some(v)
}

/// Decodes JSON escapes; malformed escapes and lone surrogates become U+FFFD.
fn unescape(raw: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let Some(k) = memchr::memchr(b'\\', &raw[i..]) else {
            out.extend_from_slice(&raw[i..]);
            break;
        };
        out.extend_from_slice(&raw[i..i + k]);
        i += k + 1;
        let Some(&e) = raw.get(i) else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            break;
        };
        i += 1;
        let simple = match e {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        if e != b'u' {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            continue;
        }
        let Some(hi) = hex4(&raw[i..]) else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            continue;
        };
        i += 4;
        let mut code = hi;
        if (0xD800..0xDC00).contains(&hi)
            && raw[i..].starts_with(b"\\u")
            && let Some(lo) = hex4(&raw[i + 2..])
            && (0xDC00..0xE000).contains(&lo)
        {
            code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        }
        let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        RawStr { raw: s.as_bytes() }.decode().into_owned()
    }

    #[test]
    fn decodes_escapes() {
        assert_eq!(esc(r#"a\"b\\c\/d\n"#), "a\"b\\c/d\n");
        assert_eq!(esc(r"\u00e9\u2026"), "é…");
        assert_eq!(esc(r"\ud83d\ude00"), "😀");
        assert_eq!(esc(r"\ud83d x"), "\u{FFFD} x");
        assert_eq!(esc(r"\x"), "\u{FFFD}");
        assert_eq!(esc("tail\\"), "tail\u{FFFD}");
    }

    #[test]
    fn plain_borrows() {
        let r = RawStr::plain(b"abc");
        assert!(matches!(r.decode(), Cow::Borrowed("abc")));
        assert!(r.eq_str("abc"));
    }

    #[test]
    fn bytes_borrow_as_written_and_decode_escapes() {
        let r = RawStr::plain(b"ab\xff");
        assert!(matches!(r.bytes(), Cow::Borrowed(b) if b == b"ab\xff"));
        let r = RawStr::plain(br"session.i\u0064");
        assert_eq!(&*r.bytes(), b"session.id");
    }
}
