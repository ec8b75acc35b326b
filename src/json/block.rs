//! Sixteen bytes of a JSON string at once: where its quotes, backslashes and newlines are, and
//! which bytes a backslash escapes, as bit masks (bit `i` for byte `i`), so that a string full
//! of escapes (a JSON document written into a string: `{\"model\":\"…\"}`) is read a block at
//! a time rather than an escape at a time.

/// The bytes that matter in a string among 16 (bit `i` for byte `i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub quote: u32,
    pub backslash: u32,
    pub newline: u32,
    /// Any byte of 0x80 or above.
    pub high: bool,
}

/// The `"`, `\\` and newlines among 16 bytes (bit `i` for byte `i`), and the bytes of 0x80 and
/// above (the same way): one SSE2 comparison a kind (x86-64's baseline) instead of a loop. What
/// most strings need (the first hit is the closing quote; [`classify`] tells them apart); a
/// caller may gather the high bytes over several blocks and test them once.
#[inline(always)]
pub fn specials_and_high_mask(chunk: &[u8; 16]) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
            set_splat_i8_m128i,
        };
        let splat = |c: u8| set_splat_i8_m128i(i8::from_ne_bytes([c]));
        let v = load_unaligned_m128i(chunk);
        let hits = bitor_m128i(
            bitor_m128i(
                cmp_eq_mask_i8_m128i(v, splat(b'"')),
                cmp_eq_mask_i8_m128i(v, splat(b'\\')),
            ),
            cmp_eq_mask_i8_m128i(v, splat(b'\n')),
        );
        (
            move_mask_i8_m128i(hits).cast_unsigned(),
            move_mask_i8_m128i(v).cast_unsigned(),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let b = classify(chunk);
        let mut high = 0;
        for (i, &c) in chunk.iter().enumerate() {
            high |= u32::from(c >= 0x80) << i;
        }
        (b.quote | b.backslash | b.newline, high)
    }
}

/// Classifies 16 bytes with one SSE2 comparison a kind (x86-64's baseline).
#[inline(always)]
pub fn classify(chunk: &[u8; 16]) -> Block {
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        };
        let v = load_unaligned_m128i(chunk);
        let mask = |c: u8| {
            let eq = cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(i8::from_ne_bytes([c])));
            move_mask_i8_m128i(eq).cast_unsigned()
        };
        Block {
            quote: mask(b'"'),
            backslash: mask(b'\\'),
            newline: mask(b'\n'),
            high: move_mask_i8_m128i(v) != 0,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut b = Block {
            quote: 0,
            backslash: 0,
            newline: 0,
            high: false,
        };
        for (i, &c) in chunk.iter().enumerate() {
            b.quote |= u32::from(c == b'"') << i;
            b.backslash |= u32::from(c == b'\\') << i;
            b.newline |= u32::from(c == b'\n') << i;
            b.high |= c >= 0x80;
        }
        b
    }
}

/// The bytes that matter in a string among 64 (bit `i` for byte `i`), as [`Block`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block64 {
    pub quote: u64,
    pub backslash: u64,
    pub newline: u64,
    pub high: bool,
}

/// Classifies 64 bytes, 16 at a time.
#[inline(always)]
pub fn classify64(chunk: &[u8; 64]) -> Block64 {
    let mut b = Block64 {
        quote: 0,
        backslash: 0,
        newline: 0,
        high: false,
    };
    for (n, part) in chunk.chunks_exact(16).enumerate() {
        if let Ok(part) = <&[u8; 16]>::try_from(part) {
            let p = classify(part);
            b.quote |= u64::from(p.quote) << (16 * n);
            b.backslash |= u64::from(p.backslash) << (16 * n);
            b.newline |= u64::from(p.newline) << (16 * n);
            b.high |= p.high;
        }
    }
    b
}

/// Which bytes are escaped, block after block: a byte is escaped when an odd run of
/// backslashes ends just before it (the run may begin in an earlier block).
#[derive(Clone, Copy, Debug, Default)]
pub struct Escapes {
    /// 1 when the next block's first byte is escaped.
    carry: u32,
}

/// Bits at odd positions: with the subtraction below, where a run of backslashes that starts
/// at an even or an odd position ends (simdjson's escape scanner, on 16 bits).
const ODD_BITS: u64 = 0xaaaa_aaaa_aaaa_aaaa;

impl Escapes {
    /// Whether the first byte of the next block is escaped.
    #[inline(always)]
    pub fn pending(&self) -> bool {
        self.carry != 0
    }

    /// The escaped bytes of the next block of 16, given its backslashes (bits 0 to 15).
    #[inline(always)]
    pub fn next(&mut self, backslash: u32) -> u32 {
        let escaped = self.next_bits(u64::from(backslash), 16);
        // Bits 0 to 15 only: the cast drops none of them.
        #[allow(clippy::cast_possible_truncation)]
        let escaped = escaped as u32;
        escaped
    }

    /// The escaped bytes of the next block of 64, given its backslashes.
    #[inline(always)]
    pub fn next64(&mut self, backslash: u64) -> u64 {
        self.next_bits(backslash, 64)
    }

    /// The escaped bytes of a block of `width` bytes (16 or 64).
    #[inline(always)]
    fn next_bits(&mut self, backslash: u64, width: u32) -> u64 {
        let carry = u64::from(self.carry);
        if backslash == 0 {
            self.carry = 0;
            return carry;
        }
        // A backslash escaped by the last block's run starts no escape of its own.
        let potential = backslash & !carry;
        // Subtracting each run from the odd bits above it leaves, at the byte after the run,
        // a bit that says whether the run's length is odd (counting from its start's parity).
        let maybe_escaped = potential << 1;
        let code = ((maybe_escaped | ODD_BITS).wrapping_sub(potential)) ^ ODD_BITS;
        let escaped = (code ^ (backslash | carry)) & (u64::MAX >> (64 - width));
        let escape = code & backslash;
        self.carry = u32::from(escape >> (width - 1) & 1 == 1);
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaped bytes of `text` one byte at a time: the definition.
    fn escaped_naively(text: &[u8]) -> Vec<bool> {
        let mut out = vec![false; text.len()];
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\\' {
                if let Some(e) = out.get_mut(i + 1) {
                    *e = true;
                }
                i += 2;
            } else {
                i += 1;
            }
        }
        out
    }

    /// Block after block, every byte's escape is the byte-by-byte reading's, on texts of
    /// backslashes and other bytes with runs crossing the blocks' boundaries.
    #[test]
    fn escapes_like_byte_by_byte() {
        let mut rng = crate::testing::XorShift(0x05ee_d0fe_5ca9_e500);
        for _ in 0..20_000 {
            let len = 16 * (1 + rng.below(10) as usize);
            let dense = rng.below(4);
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(4) <= dense {
                        b'\\'
                    } else {
                        [b'a', b'"', b'\n', 0xc3][rng.below(4) as usize]
                    }
                })
                .collect();
            // One byte more: whether the last block leaves the next block's first byte escaped.
            let want = escaped_naively(&[&text[..], b"x"].concat());
            let mut esc = Escapes::default();
            for (n, chunk) in text.chunks_exact(16).enumerate() {
                let Ok(chunk) = <&[u8; 16]>::try_from(chunk) else {
                    unreachable!()
                };
                let b = classify(chunk);
                let got = esc.next(b.backslash);
                for i in 0..16 {
                    let at = n * 16 + i;
                    assert_eq!(got >> i & 1 == 1, want[at], "{text:?} at {at}");
                }
                assert_eq!(
                    esc.pending(),
                    want.get(n * 16 + 16) == Some(&true),
                    "{text:?}"
                );
            }
            // The same in blocks of 64 (then of 16 for the rest), the carry passed between them.
            let mut esc = Escapes::default();
            let mut at = 0;
            while let Some(Ok(chunk)) = text.get(at..at + 64).map(<&[u8; 64]>::try_from) {
                let got = esc.next64(classify64(chunk).backslash);
                for i in 0..64 {
                    assert_eq!(got >> i & 1 == 1, want[at + i], "{text:?} at {}", at + i);
                }
                at += 64;
                assert_eq!(esc.pending(), want.get(at) == Some(&true), "{text:?}");
            }
            while let Some(Ok(chunk)) = text.get(at..at + 16).map(<&[u8; 16]>::try_from) {
                let got = esc.next(classify(chunk).backslash);
                for i in 0..16 {
                    assert_eq!(got >> i & 1 == 1, want[at + i], "{text:?} at {}", at + i);
                }
                at += 16;
            }
        }
    }

    #[test]
    fn classifies_every_position() {
        for i in 0..16 {
            for (c, which) in [(b'"', 0), (b'\\', 1), (b'\n', 2), (0xe9, 3)] {
                let mut chunk = [b'x'; 16];
                chunk[i] = c;
                let b = classify(&chunk);
                let bit = 1 << i;
                assert_eq!(
                    [b.quote, b.backslash, b.newline],
                    [0, 1, 2].map(|k| if k == which { bit } else { 0 })
                );
                assert_eq!(b.high, which == 3);
            }
        }
    }
}
