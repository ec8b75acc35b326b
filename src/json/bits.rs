//! Structural bitmaps of a record, one bit per byte, computed 32 bytes at a time with AVX2 where
//! the CPU has it (checked at run time), else 16 at a time with SSE2.
//!
//! With unescaped quotes and out-of-string brackets as bitmaps, finding the end of a string or
//! of a nested value is a bit scan instead of a byte loop: this is what lets the index keep up
//! with the disk (the idea is simdjson's "stage 1", reduced to what the walker needs).

/// Bitmaps over a buffer: bit `i % 64` of word `i / 64` stands for byte `i`.
#[derive(Debug, Default)]
pub struct Bits {
    /// Quotes that are not escaped.
    quotes: Vec<u64>,
    /// `{`, `}`, `[`, `]` outside strings.
    brackets: Vec<u64>,
    /// Some byte is ≥ 0x80 (so UTF-8 must be checked).
    pub non_ascii: bool,
}

/// One 64-byte block classified: a bit per byte for quotes, backslashes and brackets, and the
/// bytes OR-ed together (bit 7 set when any is ≥ 0x80).
#[derive(Default)]
struct Block {
    quotes: u64,
    backslashes: u64,
    brackets: u64,
    high: u8,
}

fn classify_block(block: &[u8; 64]) -> Block {
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
            set_splat_i8_m128i, zeroed_m128i,
        };
        let splat = |c: u8| set_splat_i8_m128i(i8::from_ne_bytes([c]));
        let (quote, slash, open, close, case) = (
            splat(b'"'),
            splat(b'\\'),
            splat(b'{'),
            splat(b'}'),
            splat(0x20),
        );
        let mut out = Block::default();
        let mut any = zeroed_m128i();
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let Ok(chunk) = <&[u8; 16]>::try_from(chunk) else {
                continue;
            };
            let v = load_unaligned_m128i(chunk);
            let bits = |m| u64::from(move_mask_i8_m128i(m).cast_unsigned()) << (16 * k);
            // `[` and `]` are `{` and `}` without bit 0x20.
            let folded = bitor_m128i(v, case);
            out.quotes |= bits(cmp_eq_mask_i8_m128i(v, quote));
            out.backslashes |= bits(cmp_eq_mask_i8_m128i(v, slash));
            out.brackets |= bits(bitor_m128i(
                cmp_eq_mask_i8_m128i(folded, open),
                cmp_eq_mask_i8_m128i(folded, close),
            ));
            any = bitor_m128i(any, v);
        }
        // One mask for the whole block: only whether some byte is high matters.
        out.high = u8::from(move_mask_i8_m128i(any) != 0) << 7;
        out
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut out = Block::default();
        for (i, &c) in block.iter().enumerate() {
            let bit = 1u64 << i;
            match c {
                b'"' => out.quotes |= bit,
                b'\\' => out.backslashes |= bit,
                b'{' | b'}' | b'[' | b']' => out.brackets |= bit,
                _ => {}
            }
            out.high |= c & 0x80;
        }
        out
    }
}

/// The AVX2 classification, used when the CPU has it (checked at run time).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Block;
    use core::arch::x86_64::{
        __m256i, _mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x, _mm256_cmpeq_epi8,
        _mm256_movemask_epi8, _mm256_or_si256, _mm256_set_m128i, _mm256_set1_epi8,
    };
    use safe_arch::load_unaligned_m128i;

    /// Bit `i` set when an odd number of bits at or below `i` are set: a carry-less multiply
    /// by all ones, one instruction for the portable version's six shifts and xors.
    #[target_feature(enable = "pclmulqdq")]
    #[inline]
    pub(super) fn prefix_xor(x: u64) -> u64 {
        let product =
            _mm_clmulepi64_si128(_mm_set_epi64x(0, x.cast_signed()), _mm_set_epi64x(0, -1), 0);
        _mm_cvtsi128_si64(product).cast_unsigned()
    }

    #[target_feature(enable = "avx2")]
    fn load(b: &[u8; 64], at: usize) -> Option<__m256i> {
        let lo: &[u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
        let hi: &[u8; 16] = b.get(at + 16..at + 32)?.try_into().ok()?;
        Some(_mm256_set_m128i(
            load_unaligned_m128i(hi).0,
            load_unaligned_m128i(lo).0,
        ))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn classify_block(block: &[u8; 64]) -> Block {
        let splat = |c: u8| _mm256_set1_epi8(i8::from_ne_bytes([c]));
        let (quote, slash, open, close, case) = (
            splat(b'"'),
            splat(b'\\'),
            splat(b'{'),
            splat(b'}'),
            splat(0x20),
        );
        let mut out = Block::default();
        let mut high = 0u32;
        for k in 0..2 {
            let Some(v) = load(block, 32 * k) else {
                continue;
            };
            let bits = |m| u64::from(_mm256_movemask_epi8(m).cast_unsigned()) << (32 * k);
            // `[` and `]` are `{` and `}` without bit 0x20.
            let folded = _mm256_or_si256(v, case);
            out.quotes |= bits(_mm256_cmpeq_epi8(v, quote));
            out.backslashes |= bits(_mm256_cmpeq_epi8(v, slash));
            out.brackets |= bits(_mm256_or_si256(
                _mm256_cmpeq_epi8(folded, open),
                _mm256_cmpeq_epi8(folded, close),
            ));
            high |= _mm256_movemask_epi8(v).cast_unsigned();
        }
        out.high = u8::from(high != 0) << 7;
        out
    }
}

/// Bit `i` set when an odd number of bits at or below `i` are set.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The bytes escaped by a backslash in a block, from its backslashes; `carry` (0 or 1) says
/// the previous block ended with an escaping backslash, and is set for the next block.
///
/// Without a loop over the backslashes (simdjson's method): in a run of backslashes those at
/// even distances from its start escape the byte after them, so a run's parity is found by
/// adding its start bit to the run, with odd- and even-position starts told apart by masks.
#[inline(always)]
fn escaped_by(backslashes: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    // A backslash escaped by the previous block's last byte escapes nothing.
    let bs = backslashes & !*carry;
    let follows = bs << 1 | *carry;
    let odd_starts = bs & !EVEN & !follows;
    let (even_carries, over) = odd_starts.overflowing_add(bs);
    *carry = u64::from(over);
    (EVEN ^ (even_carries << 1)) & follows
}

impl Bits {
    /// Computes the bitmaps of `buf`, reusing this value's storage.
    pub fn compute(&mut self, buf: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
        {
            // SAFETY: `compute_avx2` only needs the CPU to have AVX2 and PCLMULQDQ, checked just
            // above.
            #[allow(unsafe_code)]
            unsafe {
                self.compute_avx2(buf);
            }
            return;
        }
        self.compute_with(buf, classify_block, prefix_xor);
    }

    /// [`Bits::compute`] with 32-byte vectors: half the instructions of SSE2 for the
    /// classification, which is most of the work.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,pclmulqdq")]
    fn compute_avx2(&mut self, buf: &[u8]) {
        self.compute_with(buf, |b| avx2::classify_block(b), |x| avx2::prefix_xor(x));
    }

    #[inline(always)]
    fn compute_with(
        &mut self,
        buf: &[u8],
        classify_block: impl Fn(&[u8; 64]) -> Block,
        prefix_xor: impl Fn(u64) -> u64,
    ) {
        let words = buf.len().div_ceil(64);
        // Every word is written below: resized, not cleared. (`truncate` changes nothing after
        // `resize`, but with it the compiler drops checks in the loop: 1.35M fewer instructions
        // on 20,000 records, measured with callgrind.)
        for v in [&mut self.quotes, &mut self.brackets] {
            v.resize(words, 0);
            v.truncate(words);
        }
        let mut high = 0u8;
        let mut in_string = 0u64; // all ones when the previous block ended inside a string
        let mut escape_next = 0u64; // 1 when the previous block ended with an escaping backslash
        let mut tail = [b' '; 64];
        for w in 0..words {
            let start = w * 64;
            let block: &[u8; 64] = match buf.get(start..start + 64).map(<&[u8; 64]>::try_from) {
                Some(Ok(b)) => b,
                _ => {
                    let rest = &buf[start..];
                    tail[..rest.len()].copy_from_slice(rest);
                    &tail
                }
            };
            let Block {
                quotes: q,
                backslashes: bs,
                brackets: br,
                high: hi,
            } = classify_block(block);
            high |= hi;
            // Most blocks hold no backslash.
            let escaped = if bs | escape_next == 0 {
                0
            } else {
                escaped_by(bs, &mut escape_next)
            };
            let q = q & !escaped;
            let inside = prefix_xor(q) ^ in_string;
            in_string = if inside >> 63 == 1 { !0 } else { 0 };
            self.quotes[w] = q;
            self.brackets[w] = br & !inside & !escaped;
        }
        self.non_ascii = high != 0;
    }

    fn next(words: &[u64], from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut word = *words.get(w)? & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
            w += 1;
            word = *words.get(w)?;
        }
    }

    /// The first unescaped quote at or after `from`.
    #[inline]
    pub fn next_quote(&self, from: usize) -> Option<usize> {
        // Most strings end in the word they start in.
        if let Some(&w) = self.quotes.get(from / 64) {
            let word = w & (!0u64 << (from % 64));
            if word != 0 {
                return Some(from / 64 * 64 + word.trailing_zeros() as usize);
            }
        }
        Self::next(&self.quotes, from)
    }

    /// The first bracket outside a string at or after `from`.
    pub fn next_bracket(&self, from: usize) -> Option<usize> {
        Self::next(&self.brackets, from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(buf: &[u8]) -> (Vec<usize>, Vec<usize>) {
        let mut b = Bits::default();
        b.compute(buf);
        // The portable classification gives the same bitmaps as the one `compute` chose.
        let mut portable = Bits::default();
        portable.compute_with(buf, classify_block, prefix_xor);
        assert_eq!(
            (&b.quotes, &b.brackets),
            (&portable.quotes, &portable.brackets)
        );
        assert_eq!(b.non_ascii, portable.non_ascii);
        let mut q = vec![];
        let mut at = 0;
        while let Some(i) = b.next_quote(at) {
            q.push(i);
            at = i + 1;
        }
        let mut br = vec![];
        at = 0;
        while let Some(i) = b.next_bracket(at) {
            br.push(i);
            at = i + 1;
        }
        (q, br)
    }

    /// The same bitmaps, computed one byte at a time.
    fn naive(buf: &[u8]) -> (Vec<usize>, Vec<usize>) {
        let (mut q, mut br) = (vec![], vec![]);
        let (mut inside, mut esc) = (false, false);
        for (i, &c) in buf.iter().enumerate() {
            if esc {
                esc = false;
                continue;
            }
            match c {
                b'\\' => esc = true,
                b'"' => {
                    q.push(i);
                    inside = !inside;
                }
                b'{' | b'}' | b'[' | b']' if !inside => br.push(i),
                _ => {}
            }
        }
        (q, br)
    }

    #[test]
    fn matches_a_byte_at_a_time_scan() {
        let mut rng = crate::testing::XorShift(0x2545_f491_4f6c_dd1d);
        let alphabet = b"\"\\{}[]ab :,\xc3";
        for len in [0, 1, 15, 16, 63, 64, 65, 127, 128, 200, 1000] {
            for _ in 0..300 {
                let buf: Vec<u8> = (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                    .collect();
                assert_eq!(
                    positions(&buf),
                    naive(&buf),
                    "{:?}",
                    String::from_utf8_lossy(&buf)
                );
            }
        }
    }

    #[test]
    fn notes_high_bytes_anywhere() {
        let mut b = Bits::default();
        for len in [1, 15, 64, 100, 130] {
            for at in 0..len {
                let mut s = vec![b'a'; len];
                b.compute(&s);
                assert!(!b.non_ascii);
                s[at] = 0xc3;
                b.compute(&s);
                assert!(b.non_ascii, "{len} {at}");
            }
        }
    }

    #[test]
    fn escapes_across_block_edges() {
        let mut s = vec![b'"'];
        s.extend(std::iter::repeat_n(b'a', 62));
        s.extend_from_slice(b"\\\"{\"}");
        // Byte 63 is a backslash escaping the quote at 64; the string closes at 66.
        assert_eq!(positions(&s), (vec![0, 66], vec![67]));
    }
}
