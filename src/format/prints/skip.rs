//! The recorder's pass over output messages: they are not read (only the input messages are
//! fingerprinted), but the cursor must end after them, the value checked as
//! [`Cursor::skip_value`] checks it. A list of message objects is walked as one, each key that
//! was met before in a message taken as written ([`Cursor::known_key_among`]) instead of being
//! scanned as a string, each value skipped whole; anything else, and any error, is left to
//! `skip_value` from where the value began, so the end, the error and the bytes of 0x80 and
//! above seen are `skip_value`'s own.

use crate::json::{Cursor, JsonError, Pattern};

/// Skips the value at the cursor exactly as [`Cursor::skip_value`] does (the same end, error
/// and [`Cursor::non_ascii`]; the cursor's key untouched), for a list of objects faster, their
/// keys looked for among `keys` (as written, see [`Cursor::known_key_among`]).
#[inline]
pub(super) fn skip_messages<T>(
    c: &mut Cursor<'_>,
    keys: &[T],
    raw: impl Fn(&T) -> &Pattern + Copy,
) -> Result<(), JsonError> {
    if let Some(end) = plain(c, keys, raw) {
        let (len, high) = (end.0 - c.pos(), end.1);
        c.step_over_read(len, high);
        return Ok(());
    }
    let mut d = c.clone();
    if messages(&mut d, keys, raw).is_some() {
        let (start, end) = (c.pos(), d.pos());
        // Only the position and what was seen of bytes of 0x80 and above are taken: the key
        // `d` read last is not (`skip_value` reads none).
        c.step_over_read(end - start, d.non_ascii());
        return Ok(());
    }
    c.skip_value()
}

/// A list of message objects written as nearly every export writes them: no space anywhere,
/// every key one of `keys` as written, every value a string without an escape or a newline
/// (`[{"message.role":"assistant","message.content":"…"}]`): where it ends, and whether a byte
/// of 0x80 or above was among the blocks of its strings read to find their ends (as
/// [`messages`] reads them, each string with [`Cursor::string`]). `None` for anything else.
#[inline]
fn plain<T>(
    c: &Cursor<'_>,
    keys: &[T],
    raw: impl Fn(&T) -> &Pattern + Copy,
) -> Option<(usize, bool)> {
    let buf = c.buf();
    let mut p = c.pos();
    if buf.get(p) != Some(&b'[') {
        return None;
    }
    p += 1;
    if buf.get(p) == Some(&b']') {
        return Some((p + 1, false));
    }
    let mut d = c.clone();
    let (mut next, mut high) = (0, false);
    loop {
        if buf.get(p) != Some(&b'{') {
            return None;
        }
        p += 1;
        loop {
            d.set_pos(p);
            next = super::key_among(&mut d, keys, next, raw)? + 1;
            p = d.pos();
            if buf.get(p) != Some(&b'"') {
                return None;
            }
            let (end, hi) = super::plain_string_end(buf, p + 1)?;
            high |= hi;
            p = end + 2;
            match buf.get(end + 1)? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
        p += 1;
        match buf.get(p - 1)? {
            b',' => {}
            b']' => return Some((p, high)),
            _ => return None,
        }
    }
}

/// A list of message objects, `None` on anything else or on an error (the cursor then
/// anywhere).
#[inline]
fn messages<T>(d: &mut Cursor<'_>, keys: &[T], raw: impl Fn(&T) -> &Pattern + Copy) -> Option<()> {
    if d.peek_byte()? != b'[' {
        return None;
    }
    d.array_start().ok()?;
    let mut first = true;
    let mut next = 0;
    while d.next_item(&mut first).ok()? {
        if d.peek_byte()? != b'{' {
            d.skip_value().ok()?;
            continue;
        }
        d.object_start().ok()?;
        let mut first_key = true;
        while d.key_start(&mut first_key).ok()? {
            match super::key_among(d, keys, next, raw) {
                Some(i) => next = i + 1,
                None => d.read_key().ok()?,
            }
            // A message's values are mostly strings: read in place, as `skip_value` would.
            if d.peek_byte()? == b'"' {
                d.string().ok()?;
            } else {
                d.skip_value().ok()?;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `skip_value` and `skip_messages` leave: the result, the cursor's position, its
    /// bytes of 0x80 and above, and its key.
    fn after(line: &[u8], at: usize, fast: bool, keys: &[Pattern]) -> (bool, usize, bool, Vec<u8>) {
        let mut c = Cursor::in_line(line);
        // A key read before (the walker's, of the value's attribute).
        let mut first = true;
        let keyed = c.next_key(&mut first).is_ok();
        if !keyed {
            c = Cursor::in_line(line);
        }
        c.set_pos(at.max(c.pos()));
        let ok = if fast {
            skip_messages(&mut c, keys, |k| k).is_ok()
        } else {
            c.skip_value().is_ok()
        };
        (ok, c.pos(), c.non_ascii(), c.key().raw.to_vec())
    }

    /// Lists of messages as exporters write them or spoiled (cut short, a byte changed or
    /// added, keys known or not, values of every kind, nested, spaced, with bytes of 0x80 and
    /// above), and other values: skipped as `skip_value` skips them.
    #[test]
    fn output_messages_skip_as_skip_value() {
        let mut rng = crate::testing::XorShift(0x05ee_d0f0_u64);
        let keys: Vec<Pattern> = [
            &b"\"message.role\":"[..],
            b"\"message.content\":",
            b"\"type\":",
        ]
        .iter()
        .filter_map(|k| Pattern::new(k))
        .collect();
        let (mut fast_ok, mut errors, mut taken, mut plain_taken) = (0, 0, 0, 0);
        for round in 0..20000 {
            let n = rng.below(4);
            let written: Vec<String> = (0..n)
                .map(|_| {
                    let long = rng.below(8) == 0;
                    super::super::tests::spoiled_message(&mut rng, long)
                })
                .collect();
            let space = |rng: &mut crate::testing::XorShift| -> &'static str {
                [" ", "", "", "", "  ", "\t", "\r", "\n"][rng.below(8) as usize]
            };
            let sep = format!("{},{}", space(&mut rng), space(&mut rng));
            let value = match rng.below(12) {
                4..=6 => {
                    let compact: Vec<String> = (0..n)
                        .map(|_| {
                            let long = rng.below(8) == 0;
                            super::super::tests::compact_message(&mut rng, long)
                        })
                        .collect();
                    format!("[{}]", compact.join(","))
                }
                0 => "\"text\"".to_string(),
                1 => "null".to_string(),
                2 => format!("{{\"message.role\":\"assistant\",\"x\":{}}}", rng.below(9)),
                3 => format!("[{}]", rng.below(100)),
                _ => format!(
                    "{}[{}{}{}]",
                    space(&mut rng),
                    space(&mut rng),
                    written.join(&sep),
                    space(&mut rng)
                ),
            };
            let mut v = format!("{{\"attributes.llm.output_messages\":{value},\"next\":1}}\nafter")
                .into_bytes();
            if round % 3 == 0 {
                rng.spoil(&mut v, b"\"{}[],:x \\\n\xc3", 6);
            }
            let at = v.iter().position(|&b| b == b':').map_or(0, |p| p + 1);
            let want = after(&v, at, false, &keys);
            let got = after(&v, at, true, &keys);
            assert_eq!(got, want, "{}", String::from_utf8_lossy(&v));
            // Without known keys too.
            assert_eq!(
                after(&v, at, true, &[]),
                want,
                "{}",
                String::from_utf8_lossy(&v)
            );
            // The pass itself, not `skip_value` after it, took most of the lists.
            let mut d = Cursor::in_line(&v);
            d.set_pos(at);
            if messages(&mut d, &keys, |k| k).is_some() {
                taken += 1;
            }
            if plain(&Cursor::in_line(&v[at..]), &keys, |k| k).is_some() {
                plain_taken += 1;
            }
            if want.0 {
                fast_ok += 1;
            } else {
                errors += 1;
            }
        }
        assert!(
            fast_ok > 8000 && errors > 1000 && taken > 4000 && plain_taken > 2000,
            "{fast_ok} {errors} {taken} {plain_taken}"
        );
    }
}
