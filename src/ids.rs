//! Span and trace ids in every spelling the exporters use, normalised to one form.
//!
//! OTLP writes hex (any case), generic protobuf JSON and MLflow 3 write base64 of the raw bytes,
//! the OTel Python console exporter writes `0x…`, MLflow names traces `tr-<hex>` or
//! `trace:/<location>/<hex>`. The same span gets the same id whichever file it came from.

use base64::Engine;
use std::borrow::Cow;

/// A normalised id: 64- or 128-bit values for hex and base64 forms, text for anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Id<'a> {
    Hex64(u64),
    Hex128(u128),
    Text(Cow<'a, str>),
}

fn all_hex(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Eight hex digits (any case), read as a little-endian word, as a number (the first digit the
/// most significant): word-wide range checks and nibble packing instead of eight dependent
/// table lookups.
fn hex8(w: u64) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if w & HIGH != 0 {
        return None;
    }
    // For bytes below 0x80: the high bit of `x + (0x80 - lo)` says `x >= lo`, and of
    // `x + (0x7f - hi)` says `x > hi` (no carry reaches the next byte).
    let in_range = |x: u64, lo: u8, hi: u8| {
        (x + ONES * u64::from(0x80 - lo)) & !(x + ONES * u64::from(0x7f - hi)) & HIGH
    };
    let digit = in_range(w, b'0', b'9');
    let letter = in_range(w | (ONES * 0x20), b'a', b'f');
    if digit | letter != HIGH {
        return None;
    }
    // A letter's low nibble plus 9 is its value (bit 0x40 marks letters).
    let nib = (w & (ONES * 0x0f)) + 9 * ((w >> 6) & ONES);
    let pairs = (nib << 4 | nib >> 8) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs << 8 | pairs >> 16) & 0x0000_ffff_0000_ffff;
    u32::try_from((quads << 16 | quads >> 32) & 0xffff_ffff).ok()
}

/// Sixteen hex digits (any case) as a number, the first digit the most significant; `None`
/// if any byte is not a hex digit.
#[inline(always)]
pub fn hex16(b: &[u8; 16]) -> Option<u64> {
    parse_hex64(b)
}

/// Sixteen hex digits as a number: on x86-64, all sixteen at once with SSE2 (its baseline).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn parse_hex64(b: &[u8; 16]) -> Option<u64> {
    use safe_arch::{
        add_i8_m128i, bitand_m128i, bitor_m128i, cmp_gt_mask_i8_m128i, cmp_lt_mask_i8_m128i,
        get_i64_from_m128i_s, load_unaligned_m128i, move_mask_i8_m128i, pack_i16_to_u8_m128i,
        set_splat_i8_m128i, set_splat_i16_m128i, shl_imm_u16_m128i, shr_imm_u16_m128i,
        sub_i8_m128i, zeroed_m128i,
    };
    let splat = |c: u8| set_splat_i8_m128i(i8::from_ne_bytes([c]));
    let v = load_unaligned_m128i(b);
    // Bytes of 0x80 and above are negative as `i8`: outside both ranges.
    let within = |x, lo: u8, hi: u8| {
        bitand_m128i(
            cmp_gt_mask_i8_m128i(x, splat(lo - 1)),
            cmp_lt_mask_i8_m128i(x, splat(hi + 1)),
        )
    };
    let lower = bitor_m128i(v, splat(0x20));
    let digit = within(v, b'0', b'9');
    let letter = within(lower, b'a', b'f');
    if move_mask_i8_m128i(bitor_m128i(digit, letter)) != 0xffff {
        return None;
    }
    // Each byte's value: a letter's (lowercased) minus 'a' - 10, a digit's minus '0'.
    let nib = add_i8_m128i(
        sub_i8_m128i(lower, splat(b'a' - 10)),
        bitand_m128i(digit, splat(b'a' - 10 - b'0')),
    );
    // Pairs of digits (little-endian 16-bit lanes: the first digit low) into bytes.
    let pairs = bitor_m128i(
        bitand_m128i(shl_imm_u16_m128i::<4>(nib), set_splat_i16_m128i(0xf0)),
        shr_imm_u16_m128i::<8>(nib),
    );
    let bytes = pack_i16_to_u8_m128i(pairs, zeroed_m128i());
    // The first pair is the most significant byte.
    Some(get_i64_from_m128i_s(bytes).cast_unsigned().swap_bytes())
}

/// Sixteen hex digits as a number.
#[cfg(not(target_arch = "x86_64"))]
fn parse_hex64(b: &[u8; 16]) -> Option<u64> {
    parse_hex64_words(b)
}

/// [`parse_hex64`] in 64-bit words, for any CPU (tested against the SSE2 one on x86-64).
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
fn parse_hex64_words(b: &[u8; 16]) -> Option<u64> {
    // Two little-endian words: the first digit in the low byte, as `hex8` wants.
    let (first, second) = b.split_at(8);
    let word = |h: &[u8]| <[u8; 8]>::try_from(h).ok().map(u64::from_le_bytes);
    let hi = hex8(word(first)?)?;
    let lo = hex8(word(second)?)?;
    Some(u64::from(hi) << 32 | u64::from(lo))
}

/// The common case without allocation: 16 or 32 hex digits.
pub fn normalize_bytes(raw: &[u8]) -> Option<Option<Id<'static>>> {
    let half = |b: &[u8]| <&[u8; 16]>::try_from(b).ok().and_then(parse_hex64);
    let v = match raw.len() {
        16 => Id::Hex64(half(raw)?),
        32 => Id::Hex128(u128::from(half(&raw[..16])?) << 64 | u128::from(half(&raw[16..])?)),
        _ => return None,
    };
    Some(match v {
        Id::Hex64(0) | Id::Hex128(0) => None,
        id => Some(id),
    })
}

/// Normalises a raw id; `None` for empty or all-zero ids (OTLP's "no parent").
pub fn normalize(raw: &str) -> Option<Id<'_>> {
    if let Some(fast) = normalize_bytes(raw.as_bytes()) {
        return fast;
    }
    let s = raw.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    let s = s.strip_prefix("tr-").unwrap_or(s);
    let s = match s.strip_prefix("trace:/") {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest),
        None => s,
    };
    if s.is_empty() {
        return None;
    }
    let id = match s.len() {
        16 if all_hex(s) => Id::Hex64(u64::from_str_radix(s, 16).ok()?),
        32 if all_hex(s) => Id::Hex128(u128::from_str_radix(s, 16).ok()?),
        12 | 24 => match decode_base64(s) {
            Some(id) => id,
            None => Id::Text(Cow::Borrowed(s)),
        },
        _ => Id::Text(Cow::Borrowed(s)),
    };
    match id {
        Id::Hex64(0) | Id::Hex128(0) => None,
        id => Some(id),
    }
}

fn decode_base64(s: &str) -> Option<Id<'static>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    match bytes.len() {
        8 => Some(Id::Hex64(u64::from_be_bytes(bytes.try_into().ok()?))),
        16 => Some(Id::Hex128(u128::from_be_bytes(bytes.try_into().ok()?))),
        _ => None,
    }
}

/// True when an MLflow-style `tr-` prefix marks the raw trace id.
pub fn is_mlflow_trace_id(raw: &str) -> bool {
    raw.trim().starts_with("tr-")
}

pub fn hex64(v: u64) -> String {
    format!("{v:016x}")
}

pub fn hex128(v: u128) -> String {
    format!("{v:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn hex_digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }

    /// Hex digit values; 0xff marks bytes that are not hex digits.
    const HEX: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut i = 0;
        while i < 256 {
            #[allow(clippy::cast_possible_truncation)]
            if let Some(v) = hex_digit(i as u8) {
                t[i] = v;
            }
            i += 1;
        }
        t
    };

    /// Sixteen hex digits, one table lookup at a time: the oracle for the word-wide parse.
    fn parse_hex64_bytewise(b: &[u8]) -> Option<u64> {
        let mut v = 0u64;
        let mut bad = 0u8;
        for &c in b {
            let d = HEX[usize::from(c)];
            bad |= d;
            v = v << 4 | u64::from(d & 0xf);
        }
        (bad & 0xf0 == 0).then_some(v)
    }

    #[test]
    fn word_wide_hex_agrees_with_the_table() {
        let mut rng = crate::testing::XorShift(0x2545_f491_4f6c_dd1d);
        let alphabet = b"0123456789abcdefABCDEF/:@G`gxyz \x80\xff\x00\x10\x19\x41\x61\xc6";
        for round in 0..200_000 {
            let mut b = [0u8; 16];
            for c in &mut b {
                // Mostly valid digits, so that whole valid ids come up often.
                let pick = if round % 2 == 0 {
                    22
                } else {
                    alphabet.len() as u64
                };
                *c = alphabet[rng.below(pick) as usize];
            }
            assert_eq!(parse_hex64(&b), parse_hex64_bytewise(&b), "{b:?}");
            assert_eq!(parse_hex64_words(&b), parse_hex64_bytewise(&b), "{b:?}");
        }
        assert_eq!(parse_hex64(b"00000000000000aF"), Some(0xaf));
        assert_eq!(parse_hex64(b"FFFFFFFFFFFFFFFF"), Some(u64::MAX));
        assert_eq!(
            parse_hex64(b"0123456789abcdef"),
            Some(0x0123_4567_89ab_cdef)
        );
        assert_eq!(parse_hex64(b"0123456789abcdeg"), None);
    }

    #[test]
    fn hex_any_case_and_prefix() {
        assert_eq!(
            normalize("5B8EFFF798038103"),
            Some(Id::Hex64(0x5b8e_fff7_9803_8103))
        );
        assert_eq!(
            normalize("0x35cdfb3c0553c357"),
            Some(Id::Hex64(0x35cd_fb3c_0553_c357))
        );
        assert_eq!(
            normalize("5B8EFFF798038103D269B633813FC60C"),
            Some(Id::Hex128(0x5b8e_fff7_9803_8103_d269_b633_813f_c60c))
        );
    }

    #[test]
    fn base64_forms_match_hex() {
        // From FORMATS.md: MLflow's span trace_id and its tr- id name the same bytes.
        assert_eq!(
            normalize("FaK2PX4RSikI042NlC9+BQ=="),
            normalize("15a2b63d7e114a2908d38d8d942f7e05")
        );
        assert_eq!(
            normalize("tr-15a2b63d7e114a2908d38d8d942f7e05"),
            normalize("FaK2PX4RSikI042NlC9+BQ==")
        );
        assert_eq!(
            normalize("xotAmGUZfzI="),
            Some(Id::Hex64(0xc68b_4098_6519_7f32))
        );
    }

    #[test]
    fn empty_zero_and_other() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("  "), None);
        assert_eq!(normalize("0000000000000000"), None);
        assert_eq!(normalize("run-7"), Some(Id::Text(Cow::Borrowed("run-7"))));
        assert_eq!(
            normalize("trace:/uc.schema/15a2b63d7e114a2908d38d8d942f7e05"),
            normalize("15a2b63d7e114a2908d38d8d942f7e05")
        );
    }
}
