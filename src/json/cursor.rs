//! The cursor: reads one JSON token at a time and skips whole values, validating as it goes.

use super::{RawStr, block};
use std::fmt;
use std::ops::Range;

/// Why a record is not valid JSON, with the byte offset (relative to the cursor's buffer).
///
/// Eight bytes, so `Result`s carrying it stay in registers on the scan's hot path; offsets past
/// 4 GiB within one record are clamped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    Eof,
    Unexpected { at: u32, byte: u8 },
}

impl JsonError {
    pub fn unexpected(at: usize, byte: u8) -> Self {
        JsonError::Unexpected {
            at: u32::try_from(at).unwrap_or(u32::MAX),
            byte,
        }
    }

    /// Where the problem is, if not at the end.
    pub fn position(&self) -> Option<usize> {
        match self {
            JsonError::Eof => None,
            JsonError::Unexpected { at, .. } => Some(*at as usize),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Eof => write!(f, "JSON ends early (truncated record?)"),
            JsonError::Unexpected { at, byte } => {
                if byte.is_ascii_graphic() {
                    write!(f, "unexpected '{}' at byte {at}", char::from(*byte))
                } else {
                    write!(f, "unexpected byte 0x{byte:02x} at byte {at}")
                }
            }
        }
    }
}

impl std::error::Error for JsonError {}

/// What the next value is, judged from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl ValueKind {
    /// The kind of a value beginning with `first`; `None` when no value begins so.
    #[inline(always)]
    pub fn of(first: u8) -> Option<Self> {
        Some(match first {
            b'{' => Self::Object,
            b'[' => Self::Array,
            b'"' => Self::String,
            b't' | b'f' => Self::Bool,
            b'n' => Self::Null,
            b'-' | b'0'..=b'9' | b'N' | b'I' => Self::Number,
            _ => return None,
        })
    }
}

/// A non-container value. Numbers stay as their text (`NaN` and `Infinity` included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar<'a> {
    Str(RawStr<'a>),
    Num(&'a [u8]),
    Bool(bool),
    Null,
}

impl Scalar<'_> {
    /// The value as an integer: JSON integers, integral floats (`12.0`) and numeric strings.
    pub fn as_i128(&self) -> Option<i128> {
        let text = match self {
            Scalar::Num(n) => *n,
            Scalar::Str(s) => s.raw.trim_ascii(),
            _ => return None,
        };
        parse_int(text)
    }

    /// The value as a float: JSON numbers and numeric strings; `NaN` is treated as absent.
    pub fn as_f64(&self) -> Option<f64> {
        let text = match self {
            Scalar::Num(n) => *n,
            Scalar::Str(s) => s.raw.trim_ascii(),
            _ => return None,
        };
        let v: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
        v.is_finite().then_some(v)
    }
}

/// Parses an integer, accepting an integral decimal fraction (`12.0`, `1.7e12`).
fn parse_int(text: &[u8]) -> Option<i128> {
    // Pandas writes integer columns with gaps as floats: `12.0`.
    let text = text.strip_suffix(b".0").unwrap_or(text);
    // Up to 19 plain digits (token counts, epoch times) in one pass.
    if (1..=19).contains(&text.len()) {
        let mut v = 0u64;
        let all = text.iter().all(|&c| {
            let d = c.wrapping_sub(b'0');
            v = v.wrapping_mul(10).wrapping_add(u64::from(d));
            d <= 9
        });
        if all {
            return Some(i128::from(v));
        }
    }
    let s = std::str::from_utf8(text).ok()?;
    if let Ok(v) = s.parse::<i128>() {
        return Some(v);
    }
    let f: f64 = s.parse().ok()?;
    #[allow(clippy::cast_possible_truncation)]
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30).then_some(f as i128)
}

/// Open containers kept in the skip stack itself; deeper ones spill into a vector (a bit each,
/// so even a line that is nothing but brackets costs an eighth of its length).
const INLINE_DEPTH: usize = 512;

/// Up to [`Pattern::MAX`] bytes to be recognised at a position in a buffer, compared a word at a
/// time (the last word overlapping the one before it) instead of through a `memcmp` call.
#[derive(Clone, Debug)]
pub struct Pattern {
    bytes: [u8; Pattern::MAX],
    len: usize,
    /// Bit `i` set for each of the first `len` bytes: the bytes [`Pattern::is_at`] compares
    /// (kept, not made from `len` at each comparison).
    mask: u64,
}

impl Default for Pattern {
    fn default() -> Self {
        Pattern {
            bytes: [0; Pattern::MAX],
            len: 0,
            mask: 0,
        }
    }
}

/// Whether `a` and `b` hold the same 16 bytes from `i` (false past the end of either).
#[inline(always)]
fn eq16(a: &[u8], b: &[u8], i: usize) -> bool {
    let (Some(a), Some(b)) = (a.get(i..i + 16), b.get(i..i + 16)) else {
        return false;
    };
    let (Ok(a), Ok(b)) = (<&[u8; 16]>::try_from(a), <&[u8; 16]>::try_from(b)) else {
        return false;
    };
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i};
        move_mask_i8_m128i(cmp_eq_mask_i8_m128i(
            load_unaligned_m128i(a),
            load_unaligned_m128i(b),
        )) == 0xffff
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        a == b
    }
}

/// The 8 bytes of `b` from `i` as one word (`None` past the end).
#[inline(always)]
fn word8(b: &[u8], i: usize) -> Option<u64> {
    let w: [u8; 8] = b.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_ne_bytes(w))
}

/// The 4 bytes of `b` from `i` as one word (`None` past the end).
#[inline(always)]
fn word4(b: &[u8], i: usize) -> Option<u32> {
    let w: [u8; 4] = b.get(i..i + 4)?.try_into().ok()?;
    Some(u32::from_ne_bytes(w))
}

impl Pattern {
    pub const MAX: usize = 64;

    /// A pattern of `bytes`; `None` when they are longer than [`Pattern::MAX`].
    pub fn new(bytes: &[u8]) -> Option<Pattern> {
        let mut p = Pattern::default();
        p.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        p.len = bytes.len();
        p.mask = prefix_mask(p.len);
        Some(p)
    }

    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when `buf` holds the pattern at `pos`.
    #[inline(always)]
    fn is_at(&self, buf: &[u8], pos: usize) -> bool {
        // With a whole pattern's room after `pos` (all but a buffer's last bytes), one bounds
        // check and a comparison 16 bytes at a time, for as many blocks as the pattern has.
        #[cfg(target_arch = "x86_64")]
        if let Some(window) = buf
            .get(pos..)
            .and_then(<[u8]>::first_chunk::<{ Pattern::MAX }>)
        {
            return prefix_eq(window, &self.bytes, self.len, self.mask);
        }
        self.is_at_near_end(buf, pos)
    }

    /// [`Pattern::is_at`] with fewer than [`Pattern::MAX`] bytes from `pos` to the buffer's end
    /// (or on a CPU without SSE2).
    #[inline(always)]
    fn is_at_near_end(&self, buf: &[u8], pos: usize) -> bool {
        let n = self.len;
        let Some(window) = buf.get(pos..pos.saturating_add(n)) else {
            return false;
        };
        let me = self.as_bytes();
        if n >= 16 {
            // Whole words, then the last 16 bytes (overlapping when `n` is not a multiple).
            let mut i = 0;
            while i + 16 < n {
                if !eq16(window, me, i) {
                    return false;
                }
                i += 16;
            }
            eq16(window, me, n - 16)
        } else if n >= 8 {
            word8(window, 0) == word8(me, 0) && word8(window, n - 8) == word8(me, n - 8)
        } else if n >= 4 {
            // Short keys (`"name":` is seven bytes): two words as well, not a `memcmp` call.
            word4(window, 0) == word4(me, 0) && word4(window, n - 4) == word4(me, n - 4)
        } else {
            window == me
        }
    }
}

/// Bit `i` set for each `i` below `n` (all 64 from 64 on).
fn prefix_mask(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1 << n) - 1 }
}

/// Whether the first `n` bytes (at most [`Pattern::MAX`]) of `window` and `me` are the same,
/// 16 bytes at a time with SSE2 (x86-64's baseline). Up to 16 bytes: one block, the bytes past
/// `n` masked off (`want`: [`prefix_mask`] of `n`). Longer: the whole blocks before the last 16
/// bytes and those last 16 bytes (overlapping the block before them unless `n` is a multiple of
/// 16), their equal bytes ANDed and tested once, with no mask to apply.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefix_eq(window: &[u8; Pattern::MAX], me: &[u8; Pattern::MAX], n: usize, want: u64) -> bool {
    use safe_arch::{bitand_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i};
    let (w, _) = window.as_chunks::<16>();
    let (m, _) = me.as_chunks::<16>();
    let eq = |a: &[u8; 16], b: &[u8; 16]| {
        cmp_eq_mask_i8_m128i(load_unaligned_m128i(a), load_unaligned_m128i(b))
    };
    let (Some(w0), Some(m0)) = (w.first(), m.first()) else {
        return false;
    };
    if n <= 16 {
        let differ = !move_mask_i8_m128i(eq(w0, m0)).cast_unsigned() & 0xffff;
        return u64::from(differ) & want == 0;
    }
    // The last 16 bytes, from `n - 16` (between 1 and 48).
    let tail = n - 16;
    let (Some(wt), Some(mt)) = (
        window.get(tail..).and_then(<[u8]>::first_chunk::<16>),
        me.get(tail..).and_then(<[u8]>::first_chunk::<16>),
    ) else {
        return false;
    };
    let mut same = bitand_m128i(eq(w0, m0), eq(wt, mt));
    if n > 32 {
        let (Some(w1), Some(m1)) = (w.get(1), m.get(1)) else {
            return false;
        };
        same = bitand_m128i(same, eq(w1, m1));
        if n > 48 {
            let (Some(w2), Some(m2)) = (w.get(2), m.get(2)) else {
                return false;
            };
            same = bitand_m128i(same, eq(w2, m2));
        }
    }
    move_mask_i8_m128i(same) == 0xffff
}

// `prefix_eq` takes a pattern in four blocks of 16 bytes, its masks in one word.
#[cfg(target_arch = "x86_64")]
const _: () = assert!(Pattern::MAX == 64);

/// Eight ASCII digits as a number (the first is the most significant); `None` if any byte is
/// not a digit. Word-wide arithmetic instead of eight dependent multiply-adds.
#[inline]
pub(crate) fn eight_digits(bytes: [u8; 8]) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let x = u64::from_le_bytes(bytes);
    // Every byte 0x30..=0x39: its high nibble is 3 and adding 6 keeps the low nibble below 16.
    let is_digits = x & 0xf0f0_f0f0_f0f0_f0f0 == ZEROS
        && (x.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0) == ZEROS;
    if !is_digits {
        return None;
    }
    // Pairs, then fours, then all eight (the byte order is little-endian: first digit lowest).
    let d = x - ZEROS;
    let pairs = (d * 10 + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let fours = (pairs * 100 + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    Some((fours * 10_000 + (fours >> 32)) & 0xffff_ffff)
}

/// Eight ASCII zeros as a word.
const ZERO_DIGITS: u64 = 0x3030_3030_3030_3030;

/// 10 to the power of each index up to 8.
const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the eight bytes of `x` (the first in its low byte) are ASCII digits before the
/// first that is not (8 when all are).
#[inline(always)]
fn leading_digits(x: u64) -> usize {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    // A byte is a digit when its high nibble is 3 and adding 6 leaves it so: the bytes where
    // either fails are not zero here. (A carry out of a byte of 0xfa or above, not a digit,
    // may spoil only the bytes after it.)
    let other =
        (x & HIGH ^ ZERO_DIGITS) | (x.wrapping_add(0x0606_0606_0606_0606) & HIGH ^ ZERO_DIGITS);
    (other.trailing_zeros() / 8) as usize
}

/// The number eight ASCII digits spell (the first, in the low byte, the most significant).
#[inline(always)]
fn digits_value(x: u64) -> u64 {
    let d = x - ZERO_DIGITS;
    let pairs = (d * 10 + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let fours = (pairs * 100 + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    (fours * 10_000 + (fours >> 32)) & 0xffff_ffff
}

/// A stack of open containers, one bit each (1 = object), and the most open at once.
struct Stack {
    bits: [u64; INLINE_DEPTH / 64],
    more: Vec<u64>,
    len: usize,
    deepest: usize,
}

impl Stack {
    fn new() -> Self {
        Stack {
            bits: [0; INLINE_DEPTH / 64],
            more: Vec::new(),
            len: 0,
            deepest: 0,
        }
    }
    fn word(&mut self, i: usize) -> &mut u64 {
        if i < INLINE_DEPTH {
            return &mut self.bits[i / 64];
        }
        let w = (i - INLINE_DEPTH) / 64;
        if w >= self.more.len() {
            self.more.resize(w + 1, 0);
        }
        &mut self.more[w]
    }
    fn push(&mut self, obj: bool) {
        let b = self.len % 64;
        let word = self.word(self.len);
        if obj {
            *word |= 1 << b;
        } else {
            *word &= !(1 << b);
        }
        self.len += 1;
        self.deepest = self.deepest.max(self.len);
    }
    fn top_is_obj(&self) -> bool {
        let i = self.len.saturating_sub(1);
        let word = if i < INLINE_DEPTH {
            self.bits[i / 64]
        } else {
            self.more.get((i - INLINE_DEPTH) / 64).copied().unwrap_or(0)
        };
        word >> (i % 64) & 1 == 1
    }
}

/// What [`Cursor::known_key_or_null`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownKey {
    /// The key is not next: the cursor has not moved.
    Absent,
    /// The key, `null` and a comma: all consumed.
    NullComma,
    /// The key and `null`, with no comma after it: consumed, the cursor after the null.
    Null,
    /// The key and something else: the key consumed, the cursor at its value.
    Value,
}

/// A position in a JSON buffer.
///
/// Strings are found 16 bytes at a time (the bytes that matter inside them are `"` and `\`);
/// everything else is read a byte or a word at a time, as it comes.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The key `next_key` read last.
    key: (usize, usize),
    /// A string read held a byte of 0x80 or above (see [`Cursor::non_ascii`]).
    non_ascii: bool,
    /// The buffer runs past the record's line: a newline ends the record (see
    /// [`Cursor::in_line`]).
    in_line: bool,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor {
            buf,
            pos: 0,
            key: (0, 0),
            non_ascii: false,
            in_line: false,
        }
    }

    /// A cursor for a record at the start of `buf` that ends at its line's end, the line's end
    /// not yet known: a newline is not whitespace to it, nor a byte a string may hold, so no
    /// value it reads runs into the next line. After a value, [`Cursor::line_end`] says where
    /// the line ends.
    pub fn in_line(buf: &'a [u8]) -> Self {
        Cursor {
            in_line: true,
            ..Cursor::new(buf)
        }
    }

    /// After a value read [`Cursor::in_line`]: the position of the newline that ends the line
    /// (or of the buffer's end) when only spaces, tabs and carriage returns lie before it.
    pub fn line_end(&mut self) -> Option<usize> {
        while let Some(&c) = self.buf.get(self.pos) {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => return Some(self.pos),
                _ => return None,
            }
        }
        Some(self.buf.len())
    }

    /// Whether a byte of 0x80 or above was met in a string read so far. Outside strings valid
    /// JSON is ASCII, and keys are only taken as written ([`Cursor::known_key`]) when printable
    /// ASCII: so after a whole value has been read, `false` means all of it is ASCII (and so
    /// valid UTF-8).
    pub fn non_ascii(&self) -> bool {
        self.non_ascii
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Whether it reads a record in a line ([`Cursor::in_line`]): then every value it read
    /// whole held no newline.
    pub fn reads_line(&self) -> bool {
        self.in_line
    }

    /// Steps over the next `len` bytes, which the caller knows to be the same bytes, in the
    /// same place of the same kind of value, as bytes a cursor has read and found well formed
    /// before (so reading them again would find the same); `non_ascii`: whether that reading
    /// met a byte of 0x80 or above (see [`Cursor::non_ascii`]).
    pub fn step_over_read(&mut self, len: usize, non_ascii: bool) {
        self.pos = self.pos.saturating_add(len).min(self.buf.len());
        self.non_ascii |= non_ascii;
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    pub fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline(always)]
    pub fn skip_ws(&mut self) {
        if self.buf.get(self.pos).is_some_and(|&c| c > b' ') {
            return;
        }
        while let Some(&c) = self.buf.get(self.pos) {
            match c {
                b' ' | b'\r' | b'\t' => {}
                b'\n' if !self.in_line => {}
                _ => break,
            }
            self.pos += 1;
        }
    }

    /// Consumes the next byte if it is `b` (no whitespace is skipped before it); true if it
    /// did.
    #[inline(always)]
    pub fn eat(&mut self, b: u8) -> bool {
        if self.buf.get(self.pos) == Some(&b) {
            self.pos += 1;
            return true;
        }
        false
    }

    /// True when only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.buf.len()
    }

    #[inline(always)]
    fn byte(&self) -> Result<u8, JsonError> {
        self.buf.get(self.pos).copied().ok_or(JsonError::Eof)
    }

    fn unexpected(&self) -> JsonError {
        match self.buf.get(self.pos) {
            Some(&byte) => JsonError::unexpected(self.pos, byte),
            None => JsonError::Eof,
        }
    }

    #[inline(always)]
    fn expect(&mut self, c: u8) -> Result<(), JsonError> {
        self.skip_ws();
        if self.byte()? == c {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The next byte after any whitespace, without consuming it.
    #[inline(always)]
    pub fn peek_byte(&mut self) -> Option<u8> {
        self.skip_ws();
        self.buf.get(self.pos).copied()
    }

    /// The kind of the next value (skipping whitespace), without consuming it.
    #[inline]
    pub fn peek_kind(&mut self) -> Result<ValueKind, JsonError> {
        self.skip_ws();
        let first = self.byte()?;
        ValueKind::of(first).ok_or_else(|| self.unexpected())
    }

    /// Consumes `{`.
    pub fn object_start(&mut self) -> Result<(), JsonError> {
        self.expect(b'{')
    }

    /// Consumes `[`.
    pub fn array_start(&mut self) -> Result<(), JsonError> {
        self.expect(b'[')
    }

    /// Steps to the next key of an object (consuming the `:`); `false` at the closing `}`.
    /// The key is then [`Cursor::key`].
    ///
    /// `first` must start `true` for each object; the cursor uses it to expect the comma.
    #[inline(always)]
    pub fn next_key(&mut self, first: &mut bool) -> Result<bool, JsonError> {
        if !self.key_start(first)? {
            return Ok(false);
        }
        self.read_key()?;
        Ok(true)
    }

    /// The first half of [`Cursor::next_key`]: steps over the comma before a key (none when
    /// `first`); false at the closing `}`. Then [`Cursor::read_key`] or [`Cursor::known_key`]
    /// takes the cursor on.
    #[inline(always)]
    pub fn key_start(&mut self, first: &mut bool) -> Result<bool, JsonError> {
        self.skip_ws();
        match self.byte()? {
            b'}' => {
                self.pos += 1;
                return Ok(false);
            }
            b',' if !*first => {
                self.pos += 1;
                self.skip_ws();
            }
            _ if *first => {}
            _ => return Err(self.unexpected()),
        }
        *first = false;
        Ok(true)
    }

    /// Reads a key and its colon.
    #[inline(always)]
    pub fn read_key(&mut self) -> Result<(), JsonError> {
        let key = self.string()?;
        let start = key.raw.as_ptr() as usize - self.buf.as_ptr() as usize;
        self.key = (start, start + key.raw.len());
        self.expect(b':')
    }

    /// Consumes the key `known` if it is next, exactly as written before, quotes and colon
    /// included (`"name":`, see [`Cursor::key_as_written`]): the same bytes that were a valid
    /// key then are one now, so the string is not scanned again.
    #[inline(always)]
    pub fn known_key(&mut self, known: &Pattern) -> bool {
        if self.key_is_next(known) {
            self.key = (self.pos + 1, self.pos + known.len - 2);
            self.pos += known.len;
            return true;
        }
        false
    }

    /// [`Cursor::known_key`] for a record's column, whose value is often `null` (dataframe
    /// exports write every column on every row): the key and, when it is `null`, the null too
    /// (and the comma after it), compared in the bytes already loaded for the key. A key
    /// followed by `null` is not noted as [`Cursor::key`] (no one reads it: the null says
    /// nothing); any other is, as [`Cursor::known_key`] notes it.
    #[inline(always)]
    pub fn known_key_or_null(&mut self, known: &Pattern) -> KnownKey {
        let n = known.len;
        let pos = self.pos;
        // With a whole pattern's room (see `Pattern::is_at`), the null is looked for in the
        // same window, when it fits there: one range check on the length (a key's two quotes
        // and a byte, the window's end) covers the comparisons' and the null's.
        #[cfg(target_arch = "x86_64")]
        if (3..=Pattern::MAX - 5).contains(&n)
            && let Some(window) = self
                .buf
                .get(pos..)
                .and_then(<[u8]>::first_chunk::<{ Pattern::MAX }>)
        {
            if !prefix_eq(window, &known.bytes, n, known.mask) {
                return KnownKey::Absent;
            }
            let Some(after) = window.get(n..n + 5) else {
                return self.after_known_key_in_buf(pos, n);
            };
            return self.after_known_key(
                pos,
                n,
                after.first_chunk::<4>() == Some(b"null"),
                after.get(4) == Some(&b','),
            );
        }
        if n < 3 || !known.is_at(self.buf, pos) {
            return KnownKey::Absent;
        }
        self.after_known_key_in_buf(pos, n)
    }

    /// [`Cursor::known_key_or_null`] after the key (`n` bytes from `pos`) matched, the bytes
    /// after it read from the buffer.
    #[inline(always)]
    fn after_known_key_in_buf(&mut self, pos: usize, n: usize) -> KnownKey {
        let value = pos + n;
        let null = self.buf.get(value..value + 4) == Some(b"null");
        let comma = self.buf.get(value + 4) == Some(&b',');
        self.after_known_key(pos, n, null, comma)
    }

    /// [`Cursor::known_key_or_null`] after the key (`n` bytes from `pos`) matched: `null`,
    /// whether `null` follows it, and `comma`, whether a comma follows that.
    #[inline(always)]
    fn after_known_key(&mut self, pos: usize, n: usize, null: bool, comma: bool) -> KnownKey {
        if null {
            if comma {
                self.pos = pos + n + 5;
                return KnownKey::NullComma;
            }
            self.pos = pos + n + 4;
            return KnownKey::Null;
        }
        self.key = (pos + 1, pos + n - 2);
        self.pos = pos + n;
        KnownKey::Value
    }

    /// Whether [`Cursor::known_key`] would consume `known` (the cursor is not moved).
    #[inline(always)]
    pub fn key_is_next(&self, known: &Pattern) -> bool {
        known.len >= 3 && known.is_at(self.buf, self.pos)
    }

    /// Consumes the key of one of `items` (each with its key as written, see
    /// [`Cursor::known_key`]) if it is next; tries the item at `from` first, then the ones after
    /// it, then the ones before (keys tend to come in the order they came last time). Returns
    /// the item's position.
    #[inline]
    pub fn known_key_among<T>(
        &mut self,
        items: &[T],
        from: usize,
        raw: impl Fn(&T) -> &Pattern,
    ) -> Option<usize> {
        let start = if from < items.len() { from } else { 0 };
        let (before, after) = items.split_at(start);
        let found = after.iter().position(|item| self.known_key(raw(item)));
        match found {
            Some(i) => Some(start + i),
            None => before.iter().position(|item| self.known_key(raw(item))),
        }
    }

    /// The key `next_key` read last exactly as written, quotes and colon included, when the
    /// colon follows the closing quote at once and the key is printable ASCII without escapes;
    /// else `None`. (Printable ASCII, so that taking it as written later skips no byte that
    /// [`Cursor::non_ascii`] must see, and no newline.)
    pub fn key_as_written(&self) -> Option<&'a [u8]> {
        let (start, end) = self.key;
        let plain = start > 0 && self.pos == end + 2 && !self.key_escaped();
        plain
            .then(|| &self.buf[start - 1..self.pos])
            .filter(|raw| raw.iter().all(|&c| (b' '..0x80).contains(&c)))
    }

    /// Skips a `null` value and returns true; otherwise leaves the cursor where it was.
    #[inline(always)]
    pub fn skip_null(&mut self) -> bool {
        self.skip_ws();
        if self.buf[self.pos.min(self.buf.len())..].starts_with(b"null") {
            self.pos += 4;
            return true;
        }
        false
    }

    /// True when the key `next_key` stepped to holds an escape.
    #[inline(always)]
    pub fn key_escaped(&self) -> bool {
        self.key().escaped()
    }

    /// The key `next_key` stepped to.
    #[inline(always)]
    pub fn key(&self) -> RawStr<'a> {
        RawStr {
            raw: &self.buf[self.key.0..self.key.1],
        }
    }

    /// Steps to the next array item; `false` at the closing `]`.
    #[inline(always)]
    pub fn next_item(&mut self, first: &mut bool) -> Result<bool, JsonError> {
        self.skip_ws();
        match self.byte()? {
            b']' => {
                self.pos += 1;
                return Ok(false);
            }
            b',' if !*first => {
                self.pos += 1;
            }
            _ if *first => {}
            _ => return Err(self.unexpected()),
        }
        *first = false;
        Ok(true)
    }

    /// Reads a string, returning its raw contents.
    #[inline(always)]
    pub fn string(&mut self) -> Result<RawStr<'a>, JsonError> {
        self.skip_ws();
        if self.buf.get(self.pos) != Some(&b'"') {
            return Err(self.unexpected());
        }
        self.string_from(self.pos + 1)
    }

    /// Finds the end of the string whose contents start at `start`, 16 bytes at a time, noting
    /// any byte of 0x80 or above on the way. From its first escape on, the string is read by
    /// [`Cursor::string_escaped`]; from a raw newline on (when that does not end it), by
    /// [`Cursor::string_from_at`].
    #[inline(always)]
    fn string_from(&mut self, start: usize) -> Result<RawStr<'a>, JsonError> {
        let buf = self.buf;
        let rest = buf.get(start..).unwrap_or_default();
        let (blocks, _) = rest.as_chunks::<16>();
        // The bytes of 0x80 and above of every block read, tested once at the end.
        let mut high = 0;
        let mut i = 0;
        for chunk in blocks {
            let (hits, h) = block::specials_and_high_mask(chunk);
            high |= h;
            if hits == 0 {
                i += 16;
                continue;
            }
            self.non_ascii |= high != 0;
            let at = hits.trailing_zeros() as usize;
            let k = start + i + at;
            return match chunk[at & 15] {
                b'"' => {
                    self.pos = k + 1;
                    Ok(RawStr {
                        raw: rest.get(..i + at).unwrap_or_default(),
                    })
                }
                b'\\' => self.string_escaped(start, k),
                _ => {
                    let from = self.newline_in_string(k)?;
                    self.string_from_at(start, from)
                }
            };
        }
        self.non_ascii |= high != 0;
        self.string_tail(start, start + i, false)
    }

    /// [`Cursor::string_from`] going on from `i` (after a raw newline in a string that may
    /// hold one), 16 bytes at a time. Out of line: such strings are rare.
    #[inline(never)]
    fn string_from_at(&mut self, start: usize, mut i: usize) -> Result<RawStr<'a>, JsonError> {
        let buf = self.buf;
        while let Some(chunk) = buf
            .get(i..i + 16)
            .and_then(|c| <&[u8; 16]>::try_from(c).ok())
        {
            let (hits, high) = block::specials_and_high_mask(chunk);
            self.non_ascii |= high != 0;
            if hits == 0 {
                i += 16;
                continue;
            }
            let k = i + hits.trailing_zeros() as usize;
            match buf[k] {
                b'"' => {
                    self.pos = k + 1;
                    return Ok(RawStr {
                        raw: &buf[start..k],
                    });
                }
                b'\\' => return self.string_escaped(start, k),
                _ => i = self.newline_in_string(k)?,
            }
        }
        self.string_tail(start, i, false)
    }

    /// The end a block scan found at `k` in the string whose contents start at `start`: its
    /// closing quote, or a newline that ends the record on a line.
    #[inline]
    fn string_end(&mut self, start: usize, k: usize) -> Result<RawStr<'a>, JsonError> {
        if self.buf[k] == b'"' {
            self.pos = k + 1;
            return Ok(RawStr {
                raw: &self.buf[start..k],
            });
        }
        self.pos = k;
        Err(JsonError::unexpected(k, b'\n'))
    }

    /// [`Cursor::string_from`] from the string's first backslash, at `from`: a string with
    /// escapes often has many (a JSON document written into a string: `{\"model\":\"…\"}`),
    /// so each block's escaped bytes are found at once (see [`block::Escapes`]) rather than
    /// one escape a turn of the loop. Out of line: most strings have none.
    #[inline(never)]
    fn string_escaped(&mut self, start: usize, from: usize) -> Result<RawStr<'a>, JsonError> {
        let buf = self.buf;
        let mut i = from;
        let mut escapes = block::Escapes::default();
        // On a line, a newline ends the record, escaped or not (see `newline_in_string`).
        let newlines = if self.in_line { u64::MAX } else { 0 };
        while let Some(chunk) = buf
            .get(i..i + 64)
            .and_then(|c| <&[u8; 64]>::try_from(c).ok())
        {
            let b = block::classify64(chunk);
            self.non_ascii |= b.high;
            let ends = b.quote & !escapes.next64(b.backslash) | b.newline & newlines;
            if ends == 0 {
                i += 64;
                continue;
            }
            return self.string_end(start, i + ends.trailing_zeros() as usize);
        }
        // Fewer than 64 bytes left in the buffer.
        #[allow(clippy::cast_possible_truncation)]
        let newlines = newlines as u32;
        while let Some(chunk) = buf
            .get(i..i + 16)
            .and_then(|c| <&[u8; 16]>::try_from(c).ok())
        {
            let b = block::classify(chunk);
            self.non_ascii |= b.high;
            let ends = b.quote & !escapes.next(b.backslash) | b.newline & newlines;
            if ends == 0 {
                i += 16;
                continue;
            }
            return self.string_end(start, i + ends.trailing_zeros() as usize);
        }
        self.string_tail(start, i, escapes.pending())
    }

    /// The end of a string in the buffer's last few bytes (fewer than 16), from `i`, the byte
    /// there escaped when `escaped`.
    fn string_tail(
        &mut self,
        start: usize,
        mut i: usize,
        escaped: bool,
    ) -> Result<RawStr<'a>, JsonError> {
        let buf = self.buf;
        if escaped && let Some(&c) = buf.get(i) {
            self.non_ascii |= c >= 0x80;
            i = if c == b'\n' {
                self.newline_in_string(i)?
            } else {
                i + 1
            };
        }
        while let Some(&c) = buf.get(i) {
            self.non_ascii |= c >= 0x80;
            match c {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(RawStr {
                        raw: &buf[start..i],
                    });
                }
                b'\\' => i = self.escape(i)?,
                b'\n' => i = self.newline_in_string(i)?,
                _ => i += 1,
            }
        }
        self.pos = buf.len();
        Err(JsonError::Eof)
    }

    /// A backslash at `k` in a string and the byte it escapes (which may lie past the chunk
    /// scanned): where the string goes on.
    #[inline(always)]
    fn escape(&mut self, k: usize) -> Result<usize, JsonError> {
        match self.buf.get(k + 1) {
            Some(b'\n') => self.newline_in_string(k + 1).map(|_| k + 2),
            Some(&c) => {
                self.non_ascii |= c >= 0x80;
                Ok(k + 2)
            }
            None => Ok(k + 2),
        }
    }

    /// A raw newline at `k` in a string: the end of the record on a line (it cannot hold one),
    /// else a byte like any other (leniently: JSON wants control characters escaped).
    fn newline_in_string(&mut self, k: usize) -> Result<usize, JsonError> {
        if self.in_line {
            self.pos = k;
            return Err(JsonError::unexpected(k, b'\n'));
        }
        Ok(k + 1)
    }

    /// Reads a number or literal (not a string or container).
    #[inline]
    fn atom(&mut self) -> Result<Scalar<'a>, JsonError> {
        let rest = &self.buf[self.pos..];
        let lit = |word: &[u8], v: Scalar<'a>| rest.starts_with(word).then_some((word.len(), v));
        let found = match rest.first() {
            Some(b'n') => lit(b"null", Scalar::Null),
            Some(b't') => lit(b"true", Scalar::Bool(true)),
            Some(b'f') => lit(b"false", Scalar::Bool(false)),
            Some(b'N') => lit(b"NaN", Scalar::Num(b"NaN")),
            Some(b'I') => lit(b"Infinity", Scalar::Num(b"Infinity")),
            Some(b'-') if rest.starts_with(b"-Infinity") => Some((9, Scalar::Num(b"-Infinity"))),
            _ => None,
        };
        if let Some((len, v)) = found {
            self.pos += len;
            return Ok(v);
        }
        let len = rest
            .iter()
            .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(rest.len());
        let text = &rest[..len];
        let valid = !text.is_empty()
            && text.iter().any(u8::is_ascii_digit)
            && matches!(text[0], b'-' | b'0'..=b'9');
        if !valid {
            return Err(self.unexpected());
        }
        self.pos += len;
        Ok(Scalar::Num(text))
    }

    /// Reads a number written as at most 19 plain digits (no sign, fraction or exponent; any
    /// such number fits in a `u64`), as epoch timestamps are, in one pass; `None`, with nothing
    /// consumed, for anything else.
    #[inline(always)]
    pub fn plain_integer(&mut self) -> Option<u64> {
        self.skip_ws();
        let rest = &self.buf[self.pos.min(self.buf.len())..];
        // Most values tried are no numbers at all (ISO times): they end here.
        if !rest.first().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let mut v = 0u64;
        let mut n = 0;
        // Eight bytes at a time while they fit (16 of the 19 digits allowed): all digits, or
        // the digits they begin with, and then the number's end.
        while n + 8 <= 16
            && let Some(Ok(word)) = rest.get(n..n + 8).map(<[u8; 8]>::try_from)
        {
            let x = u64::from_le_bytes(word);
            let k = leading_digits(x);
            if k == 8 {
                v = v * 100_000_000 + digits_value(x);
                n += 8;
                continue;
            }
            if k > 0 {
                // The `k` digits moved to the word's end (its last bytes, little-endian),
                // zeros before them.
                let shift = 8 * (8 - k as u32);
                let padded = x << shift | ZERO_DIGITS >> (64 - shift);
                v = v * POWERS_OF_TEN[k] + digits_value(padded);
                n += k;
            }
            break;
        }
        // …then one at a time.
        while let Some(&c) = rest.get(n)
            && c.is_ascii_digit()
        {
            if n == 19 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
            n += 1;
        }
        // A byte `atom` would take as part of the number means it is not a plain integer.
        if n == 0 || matches!(rest.get(n), Some(b'.' | b'e' | b'E' | b'-' | b'+')) {
            return None;
        }
        self.pos += n;
        Some(v)
    }

    /// Reads a scalar value; errors on `{` or `[`.
    #[inline]
    pub fn scalar(&mut self) -> Result<Scalar<'a>, JsonError> {
        self.skip_ws();
        match self.byte()? {
            b'"' => Ok(Scalar::Str(self.string()?)),
            b'{' | b'[' => Err(self.unexpected()),
            _ => self.atom(),
        }
    }

    /// Skips one value of any kind, checking that it is well formed.
    #[inline]
    pub fn skip_value(&mut self) -> Result<(), JsonError> {
        self.skip_ws();
        match self.byte()? {
            b'{' | b'[' => self.skip_container(),
            b'"' => self.string().map(drop),
            _ => self.atom().map(drop),
        }
    }

    /// Skips one value, as [`Cursor::skip_value`], and returns how deeply it nests (0 for a
    /// scalar, 1 for `[]` or `[1]`, 2 for `[[1]]`): for reporting values too deep to read.
    pub fn skip_value_depth(&mut self) -> Result<usize, JsonError> {
        self.skip_ws();
        match self.byte()? {
            b'{' | b'[' => self.skip_nested(),
            b'"' => self.string().map(|_| 0),
            _ => self.atom().map(|_| 0),
        }
    }

    /// Skips one value and returns its byte range.
    pub fn value_range(&mut self) -> Result<Range<usize>, JsonError> {
        self.skip_ws();
        let start = self.pos;
        self.skip_value()?;
        Ok(start..self.pos)
    }

    /// Opens the container under the cursor; returns true when it closed at once (empty).
    fn open(&mut self, st: &mut Stack) -> Result<bool, JsonError> {
        let obj = self.byte()? == b'{';
        st.push(obj);
        self.pos += 1;
        self.skip_ws();
        let close = if obj { b'}' } else { b']' };
        if self.byte()? == close {
            self.pos += 1;
            st.len -= 1;
            return Ok(true);
        }
        Ok(false)
    }

    fn skip_container(&mut self) -> Result<(), JsonError> {
        // `[]` and `{}` (dataframe exports write `"events":[]`) need no bracket walk.
        if matches!(self.buf.get(self.pos..self.pos + 2), Some(b"[]" | b"{}")) {
            self.pos += 2;
            return Ok(());
        }
        self.skip_nested().map(drop)
    }

    /// Skips the container under the cursor without recursing, however deep it nests; returns
    /// the most containers open at once.
    ///
    /// The same steps, checks and errors as a token-by-token walk with one stack of open
    /// containers (the test module's `skip_nested_reference`, which tests hold it to), laid
    /// out for speed: whether the innermost container is an object is kept at hand (read from
    /// the stack only when one closes), a container is opened in place, and a string value is
    /// read from its quote, already seen.
    fn skip_nested(&mut self) -> Result<usize, JsonError> {
        let mut st = Stack::new();
        if self.open(&mut st)? {
            return Ok(st.deepest);
        }
        // Whether the innermost open container is an object.
        let mut obj = st.top_is_obj();
        loop {
            // At the start of an element of the innermost container.
            if obj {
                self.string()?;
                self.expect(b':')?;
            }
            self.skip_ws();
            match self.byte()? {
                c @ (b'{' | b'[') => {
                    let is_obj = c == b'{';
                    st.push(is_obj);
                    self.pos += 1;
                    self.skip_ws();
                    let close = if is_obj { b'}' } else { b']' };
                    if self.byte()? != close {
                        obj = is_obj;
                        continue;
                    }
                    // Empty: closed at once, and the element is done.
                    self.pos += 1;
                    st.len -= 1;
                }
                b'"' => drop(self.string_from(self.pos + 1)?),
                _ => drop(self.atom()?),
            }
            // After an element: a comma, or the container's end (and then after the element
            // that container was, until a comma).
            loop {
                if st.len == 0 {
                    return Ok(st.deepest);
                }
                self.skip_ws();
                match (self.byte()?, obj) {
                    (b',', _) => {
                        self.pos += 1;
                        self.skip_ws();
                        break;
                    }
                    (b'}', true) | (b']', false) => {
                        self.pos += 1;
                        st.len -= 1;
                        obj = st.top_is_obj();
                    }
                    _ => return Err(self.unexpected()),
                }
            }
        }
    }

    /// [`Cursor::skip_nested`] as it was first written, a token at a time: the reference the
    /// tests hold it to.
    #[cfg(test)]
    fn skip_nested_reference(&mut self) -> Result<usize, JsonError> {
        let mut st = Stack::new();
        let mut just_closed = self.open(&mut st)?;
        loop {
            if !just_closed {
                // At the start of an element of the innermost container.
                if st.top_is_obj() {
                    self.string()?;
                    self.expect(b':')?;
                }
                self.skip_ws();
                match self.byte()? {
                    b'{' | b'[' => {
                        if !self.open(&mut st)? {
                            continue;
                        }
                    }
                    b'"' => drop(self.string()?),
                    _ => drop(self.atom()?),
                }
            }
            if st.len == 0 {
                return Ok(st.deepest);
            }
            // After an element: a comma or the container's end.
            self.skip_ws();
            match (self.byte()?, st.top_is_obj()) {
                (b',', _) => {
                    self.pos += 1;
                    self.skip_ws();
                    just_closed = false;
                }
                (b'}', true) | (b']', false) => {
                    self.pos += 1;
                    st.len -= 1;
                    just_closed = true;
                }
                _ => return Err(self.unexpected()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(s: &str) -> Result<usize, JsonError> {
        let mut c = Cursor::new(s.as_bytes());
        c.skip_value()?;
        if !c.at_end() {
            return Err(c.unexpected());
        }
        Ok(c.pos())
    }

    #[test]
    fn skips_valid_values() {
        for s in [
            "{}",
            "[]",
            r#"{"a":1,"b":[1,2,{"c":null}],"d":"x\"y","e":{}}"#,
            r#"[ {"a" : [ ] } , "s" , -1.5e3 , true , false , null , NaN, -Infinity ]"#,
            "  \"str\"  ",
            "12",
        ] {
            assert!(skip_all(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn rejects_malformed_values() {
        for s in [
            "{",
            r#"{"a":}"#,
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            "[1,,2]",
            "[1 2]",
            r#"{"a":1]"#,
            r#""unterminated"#,
            "garbage",
            "{1:2}",
            "[1}",
        ] {
            assert!(skip_all(s).is_err(), "{s}");
        }
    }

    #[test]
    fn any_depth_is_skipped_without_recursion() {
        // Run on a small stack: skipping must not recurse per level.
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                for n in [1, 63, 64, 65, 511, 512, 513, 4096, 100_000] {
                    let arr = format!("{}{}", "[".repeat(n), "]".repeat(n));
                    assert_eq!(skip_all(&arr), Ok(2 * n), "{n}");
                    let mut c = Cursor::new(arr.as_bytes());
                    assert_eq!(c.skip_value_depth(), Ok(n));
                    let obj = format!("{}1{}", "{\"k\":[".repeat(n), "]}".repeat(n));
                    let mut c = Cursor::new(obj.as_bytes());
                    assert_eq!(c.skip_value_depth(), Ok(2 * n));
                    // Brackets that do not match deep down are still caught.
                    let bad = format!("{}{}}}", "[".repeat(n), "]".repeat(n - 1));
                    assert!(skip_all(&bad).is_err(), "{n}");
                    assert_eq!(skip_all(&"[".repeat(n)), Err(JsonError::Eof));
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }

    /// A random JSON value up to `depth` containers deep: objects and arrays (empty ones too),
    /// strings with escapes, newlines and high bytes, numbers and literals, with whitespace
    /// (newlines among it) here and there.
    fn random_value(rng: &mut crate::testing::XorShift, depth: u32, out: &mut Vec<u8>) {
        let ws = |rng: &mut crate::testing::XorShift, out: &mut Vec<u8>| {
            if rng.below(4) == 0 {
                let n = rng.below(3) as usize;
                out.extend((0..n).map(|_| [b' ', b'\t', b'\n', b'\r'][rng.below(4) as usize]));
            }
        };
        let string = |rng: &mut crate::testing::XorShift, out: &mut Vec<u8>| {
            out.push(b'"');
            let len = [0, 3, 15, 16, 17, 40, 100][rng.below(7) as usize] + rng.below(3);
            for _ in 0..len {
                out.push(match rng.below(40) {
                    0 => b'\\',
                    1 => 0xc3,
                    2 => 0xa9,
                    3 if rng.below(4) == 0 => b'\n',
                    _ => b'a' + rng.below(26) as u8,
                });
                // A backslash escapes the next byte: a quote now and then.
                if out.last() == Some(&b'\\') {
                    out.push([b'"', b'\\', b'n', b'u'][rng.below(4) as usize]);
                }
            }
            out.push(b'"');
        };
        ws(rng, out);
        let kind = if depth == 0 {
            2 + rng.below(3)
        } else {
            rng.below(6)
        };
        match kind {
            0 | 5 => {
                let n = rng.below(5);
                out.push(b'{');
                for i in 0..n {
                    if i > 0 {
                        out.push(b',');
                    }
                    ws(rng, out);
                    string(rng, out);
                    ws(rng, out);
                    out.push(b':');
                    random_value(rng, depth - 1, out);
                }
                ws(rng, out);
                out.push(b'}');
            }
            1 => {
                let n = rng.below(5);
                out.push(b'[');
                for i in 0..n {
                    if i > 0 {
                        out.push(b',');
                    }
                    random_value(rng, depth - 1, out);
                }
                ws(rng, out);
                out.push(b']');
            }
            2 => string(rng, out),
            3 => {
                let atoms = if rng.below(8) == 0 { 10 } else { 8 };
                out.extend_from_slice(
                    [
                        &b"0"[..],
                        b"-12.5e3",
                        b"1700000000000",
                        b"NaN",
                        b"-Infinity",
                        b"true",
                        b"false",
                        b"null",
                        b"nul",
                        b"-",
                    ][rng.below(atoms) as usize],
                );
            }
            _ => out.extend_from_slice(b"[]"),
        }
        ws(rng, out);
    }

    /// The container skip reads as the token-by-token reference does: the same answer or the
    /// same error, the cursor left at the same place, the same bytes seen as non-ASCII, on
    /// random values of every shape, spoiled (a byte changed to one that matters, or the text
    /// cut short), read on a line and not.
    #[test]
    fn containers_skipped_as_the_reference_does() {
        let mut rng = crate::testing::XorShift(0x5eed_5c1f_0b7e_c7ed);
        let (mut ok, mut failed) = (0, 0);
        for _ in 0..60_000 {
            let mut text = Vec::new();
            let depth = 1 + rng.below(5) as u32;
            random_value(&mut rng, depth, &mut text);
            rng.spoil(&mut text, b"{}[],:\"\\ \n\xe90an", 3);
            let Some(at) = text.iter().position(|&c| c == b'{' || c == b'[') else {
                continue;
            };
            for in_line in [false, true] {
                let mut fast = if in_line {
                    Cursor::in_line(&text)
                } else {
                    Cursor::new(&text)
                };
                fast.set_pos(at);
                let mut slow = fast.clone();
                let got = fast.skip_nested();
                let want = slow.skip_nested_reference();
                let shown = String::from_utf8_lossy(&text);
                assert_eq!(got, want, "{shown} {in_line}");
                assert_eq!(fast.pos(), slow.pos(), "{shown} {in_line}");
                assert_eq!(fast.non_ascii(), slow.non_ascii(), "{shown} {in_line}");
                if got.is_ok() { ok += 1 } else { failed += 1 }
            }
        }
        assert!(ok > 20_000 && failed > 20_000, "{ok} {failed}");
    }

    #[test]
    fn walks_objects() {
        let mut c = Cursor::new(br#"{"a": 1, "b": "x", "c": [true]}"#);
        c.object_start().unwrap();
        let mut first = true;
        let mut keys = vec![];
        while c.next_key(&mut first).unwrap() {
            keys.push(c.key().decode().into_owned());
            c.skip_value().unwrap();
        }
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(c.at_end());
    }

    /// Strings read 16 bytes at a time end where a byte-at-a-time reading ends them, and any
    /// byte of 0x80 or above in them is noticed, wherever it falls.
    #[test]
    fn strings_scanned_like_byte_by_byte() {
        let mut rng = crate::testing::XorShift(0x1234_5678_9abc_def1);
        let alphabet = [b'"', b'\\', b'a', b'b', b' ', 0xc3, b'{', b'1'];
        for _ in 0..20_000 {
            let len = rng.below(60) as usize;
            let mut text = vec![b'"'];
            text.extend((0..len).map(|_| alphabet[rng.below(8) as usize]));
            // The naive reading: the first unescaped quote after the opening one.
            let (mut i, mut end, mut high) = (1, None, false);
            while i < text.len() {
                high |= text[i] >= 0x80;
                match text[i] {
                    b'"' => {
                        end = Some(i);
                        break;
                    }
                    b'\\' => {
                        high |= text.get(i + 1).is_some_and(|&c| c >= 0x80);
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
            let mut c = Cursor::new(&text);
            match (c.string(), end) {
                (Ok(s), Some(end)) => {
                    assert_eq!(s.raw, &text[1..end], "{text:?}");
                    assert_eq!(c.pos(), end + 1);
                    // The scan may look past the string's end, never miss a high byte in it.
                    assert!(c.non_ascii() || !high, "{text:?}");
                }
                (Err(JsonError::Eof), None) => {}
                (got, want) => panic!("{text:?}: {got:?} vs {want:?}"),
            }
        }
    }

    /// The byte-by-byte definition of a string's end, in a record read on a line or not: the
    /// first unescaped quote, or an error at a newline (escaped or not) on a line, or the end.
    fn string_naively(text: &[u8], in_line: bool) -> (Result<usize, JsonError>, bool) {
        let (mut i, mut high) = (1, false);
        while let Some(&c) = text.get(i) {
            high |= c >= 0x80;
            match c {
                b'"' => return (Ok(i), high),
                b'\n' if in_line => return (Err(JsonError::unexpected(i, b'\n')), high),
                b'\\' => {
                    match text.get(i + 1) {
                        Some(b'\n') if in_line => {
                            return (Err(JsonError::unexpected(i + 1, b'\n')), high);
                        }
                        Some(&e) => high |= e >= 0x80,
                        None => {}
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        }
        (Err(JsonError::Eof), high)
    }

    /// Strings read a block at a time (escapes found for the whole block) end, or fail, where
    /// the byte-by-byte definition says, on lines and off them, with escapes, quotes, newlines
    /// and high bytes at every position and across every block boundary; runs of backslashes
    /// are likely, so that they cross blocks with odd and even lengths.
    #[test]
    fn strings_with_escapes_like_byte_by_byte() {
        let mut rng = crate::testing::XorShift(0x0dd_ba55_1a5e_c0de);
        let alphabet = [
            b'"', b'\\', b'\\', b'\\', b'a', b'\n', 0xc3, b'{', b' ', b'x',
        ];
        for _ in 0..100_000 {
            let len = rng.below(200) as usize;
            // Plain text with a few special bytes (1 in 8 or 1 in 64: long runs without any), or
            // mostly special bytes.
            let plain = [0, 8, 64][rng.below(3) as usize];
            let mut text = vec![b'"'];
            text.extend((0..len).map(|_| {
                if plain > 0 && rng.below(plain) != 0 {
                    b'a'
                } else {
                    alphabet[rng.below(alphabet.len() as u64) as usize]
                }
            }));
            for in_line in [false, true] {
                let (want, high) = string_naively(&text, in_line);
                let mut c = if in_line {
                    Cursor::in_line(&text)
                } else {
                    Cursor::new(&text)
                };
                match (c.string(), want) {
                    (Ok(s), Ok(end)) => {
                        assert_eq!(s.raw, &text[1..end], "{text:?}");
                        assert_eq!(c.pos(), end + 1);
                    }
                    (Err(got), Err(want)) => {
                        assert_eq!(got, want, "{text:?} {in_line}");
                        let at = want.position().unwrap_or(text.len());
                        assert_eq!(c.pos(), at, "{text:?} {in_line}");
                    }
                    (got, want) => panic!("{text:?} {in_line}: {got:?} vs {want:?}"),
                }
                // The scan may look past the string's end, never miss a high byte in it.
                assert!(c.non_ascii() || !high, "{text:?}");
            }
        }
    }

    /// Strings read from block-sized windows of the rest of the buffer (`string_from`) end,
    /// fail and note high bytes exactly as the loop over the buffer's own 16-byte ranges that
    /// came before it (`string_from_at`, from the string's start): on lines and off them, with
    /// quotes, escapes, newlines and high bytes anywhere, and strings cut short.
    #[test]
    fn strings_from_blocks_as_from_ranges() {
        let mut rng = crate::testing::XorShift(0x5a17_0b10_c4c5_0f1e);
        let alphabet = [b'"', b'\\', b'a', b'\n', 0xc3, 0x80, b' ', b'x'];
        for _ in 0..60_000 {
            let len = rng.below(90) as usize;
            let plain = [0, 6, 40][rng.below(3) as usize];
            let mut text = vec![b'"'];
            text.extend((0..len).map(|_| {
                if plain > 0 && rng.below(plain) != 0 {
                    b'a'
                } else {
                    alphabet[rng.below(alphabet.len() as u64) as usize]
                }
            }));
            for in_line in [false, true] {
                let fresh = || {
                    if in_line {
                        Cursor::in_line(&text)
                    } else {
                        Cursor::new(&text)
                    }
                };
                let (mut fast, mut slow) = (fresh(), fresh());
                let got = fast.string_from(1).map(|s| s.raw);
                let want = slow.string_from_at(1, 1).map(|s| s.raw);
                assert_eq!(got, want, "{text:?} {in_line}");
                assert_eq!(fast.pos(), slow.pos(), "{text:?} {in_line}");
                assert_eq!(fast.non_ascii(), slow.non_ascii(), "{text:?} {in_line}");
            }
        }
    }

    /// A remembered key with its null taken at once (`known_key_or_null`) is what the key
    /// taken as written (`known_key`) and the bytes after it say: the same key found or not,
    /// `null` and a comma, or `null` alone, or another value, the cursor and the key where they
    /// would be; for keys of every length (on both sides of the window's length range), with
    /// and without a whole pattern's room after them, with the bytes after the key spoiled.
    #[test]
    fn known_keys_with_their_nulls_as_taken_one_by_one() {
        let mut rng = crate::testing::XorShift(0x0b5e_55ed_1234_fedc);
        let afters: [&[u8]; 9] = [
            b"null,\"", b"null}", b"null", b"nul", b"null ,", b"\"x\",", b"12,", b"nullx", b"",
        ];
        for _ in 0..60_000 {
            let n = 1 + rng.below(70) as usize;
            let mut key: Vec<u8> = vec![b'"'];
            key.extend((0..n.saturating_sub(3)).map(|_| b'a' + rng.below(3) as u8));
            key.extend_from_slice(b"\":");
            key.truncate(n);
            let Some(pattern) = Pattern::new(&key) else {
                continue;
            };
            let mut text: Vec<u8> = (0..rng.below(4)).map(|_| b',').collect();
            let at = text.len();
            text.extend_from_slice(&key);
            text.extend_from_slice(afters[rng.below(afters.len() as u64) as usize]);
            // Room after, or not: a whole pattern's or less.
            let more = [0, 3, 70][rng.below(3) as usize];
            text.extend((0..more).map(|_| b'a'));
            rng.spoil(&mut text, b"nul,\"a:}", 3);
            let mut fast = Cursor::new(&text);
            fast.set_pos(at);
            let mut slow = fast.clone();
            let got = fast.known_key_or_null(&pattern);
            let want = if !slow.known_key(&pattern) {
                KnownKey::Absent
            } else if text.get(slow.pos()..slow.pos() + 4) == Some(b"null") {
                slow.set_pos(slow.pos() + 4);
                if slow.eat(b',') {
                    KnownKey::NullComma
                } else {
                    KnownKey::Null
                }
            } else {
                KnownKey::Value
            };
            let shown = String::from_utf8_lossy(&text);
            assert_eq!(got, want, "{shown} {n}");
            assert_eq!(fast.pos(), slow.pos(), "{shown} {n}");
            if got == KnownKey::Value {
                assert_eq!(fast.key(), slow.key(), "{shown} {n}");
            }
        }
    }

    #[test]
    fn known_keys_are_taken_as_written_only() {
        let text = br#"{"ab":1,"ab" :2,"a\u0062":3,"abc":4}"#;
        let known = Pattern::new(br#""ab":"#).unwrap();
        let mut c = Cursor::new(text);
        c.object_start().unwrap();
        let mut first = true;
        let mut keys = vec![];
        while c.key_start(&mut first).unwrap() {
            let hit = c.known_key(&known);
            if !hit {
                c.read_key().unwrap();
            }
            keys.push((
                hit,
                c.key().decode().into_owned(),
                c.key_as_written().is_some(),
            ));
            c.skip_value().unwrap();
        }
        assert!(c.at_end());
        let read = |k: &str, plain| (false, k.to_owned(), plain);
        assert_eq!(
            keys,
            [
                (true, "ab".to_owned(), true),
                read("ab", false),
                read("ab", false),
                read("abc", true),
            ]
        );
    }

    /// A key among several remembered ones is found wherever the search starts, and only a
    /// key written exactly as remembered is taken.
    #[test]
    fn known_keys_among_many() {
        let keys: Vec<Pattern> = [r#""a":"#, r#""bb":"#, r#""c":"#]
            .iter()
            .map(|k| Pattern::new(k.as_bytes()).unwrap())
            .collect();
        for (text, want) in [
            (r#"{"a":1}"#, Some(0)),
            (r#"{"bb":1}"#, Some(1)),
            (r#"{"c":1}"#, Some(2)),
            (r#"{"b\u0062":1}"#, None),
            (r#"{"d":1}"#, None),
        ] {
            for from in 0..5 {
                let mut c = Cursor::new(text.as_bytes());
                c.object_start().unwrap();
                let got = c.known_key_among(&keys, from, |k| k);
                assert_eq!(got, want, "{text} from {from}");
                if got.is_none() {
                    c.read_key().unwrap();
                }
                assert_eq!(c.skip_value().map(|()| c.byte()), Ok(Ok(b'}')), "{text}");
            }
        }
    }

    #[test]
    fn patterns_match_like_prefixes() {
        let hay: Vec<u8> = (0..90u8).map(|i| b'a' + i % 7).collect();
        for n in 1..=Pattern::MAX {
            for at in [0, 10, 30, 89] {
                let mut needle = hay[at..(at + n).min(hay.len())].to_vec();
                needle.resize(n, b'a');
                let p = Pattern::new(&needle).unwrap();
                assert_eq!(
                    p.is_at(&hay, at),
                    hay[at..].starts_with(&needle),
                    "{n} {at}"
                );
                // Every byte counts: the first, the middle, the last.
                for flip in [0, n / 2, n - 1] {
                    let mut other = needle.clone();
                    other[flip] ^= 1;
                    let p = Pattern::new(&other).unwrap();
                    assert!(!p.is_at(&hay, at), "{n} {at} {flip}");
                }
            }
        }
        assert!(Pattern::new(&[0; Pattern::MAX + 1]).is_none());
    }

    /// The comparison with a whole pattern's room after the position (blocks, masked) and the
    /// one near a buffer's end (words) agree, for every length and every byte that differs.
    #[test]
    fn patterns_match_the_same_with_room_and_near_the_end() {
        let mut rng = crate::testing::XorShift(0x61c8_8646_80b5_83eb);
        let hay: Vec<u8> = (0..200).map(|_| b"ab\"c:"[rng.below(5) as usize]).collect();
        for n in 0..=Pattern::MAX {
            for at in (0..hay.len() - Pattern::MAX).step_by(7) {
                let needle = &hay[at..at + n];
                let mut p = Pattern::new(needle).unwrap();
                assert!(p.is_at(&hay, at), "{n} {at}");
                assert!(p.is_at_near_end(&hay, at), "{n} {at}");
                for flip in 0..n {
                    let byte = p.bytes[flip];
                    p.bytes[flip] ^= 1 << rng.below(8);
                    assert!(!p.is_at(&hay, at), "{n} {at} {flip}");
                    assert!(!p.is_at_near_end(&hay, at), "{n} {at} {flip}");
                    p.bytes[flip] = byte;
                }
            }
        }
    }

    #[test]
    fn eight_digits_at_once() {
        let mut rng = crate::testing::XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let x = rng.next();
            let mut word: [u8; 8] = x.to_le_bytes().map(|b| b'0' + b % 10);
            let naive = word.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'));
            assert_eq!(eight_digits(word), Some(naive), "{word:?}");
            let at = (x >> 40) as usize % 8;
            for bad in [b'/', b':', b' ', b'a', 0x80 | b'5', b'0' + 16] {
                word[at] = bad;
                assert_eq!(eight_digits(word), None, "{word:?}");
            }
        }
    }

    #[test]
    fn plain_integers_in_one_pass() {
        let read = |s: &str| {
            let mut c = Cursor::new(s.as_bytes());
            (c.plain_integer(), c.pos())
        };
        assert_eq!(read("1795004009674,"), (Some(1_795_004_009_674), 13));
        assert_eq!(read(" 7}"), (Some(7), 2));
        assert_eq!(
            read("1795318546218887000"),
            (Some(1_795_318_546_218_887_000), 19)
        );
        for s in ["12.5", "-5", "1e3", "12345678901234567890", "x", "", "0+1"] {
            assert_eq!(read(s).0, None, "{s}");
        }
        let mut c = Cursor::new(b"12.5");
        assert_eq!(c.plain_integer(), None);
        assert_eq!(c.scalar(), Ok(Scalar::Num(b"12.5")));
    }

    /// [`Cursor::plain_integer`] as first written: eight digits at a time while all eight are
    /// digits, then one at a time.
    fn plain_integer_reference(c: &mut Cursor<'_>) -> Option<u64> {
        c.skip_ws();
        let rest = &c.buf[c.pos.min(c.buf.len())..];
        let mut v = 0u64;
        let mut n = 0;
        while n + 8 <= 16
            && let Some(Ok(word)) = rest.get(n..n + 8).map(<[u8; 8]>::try_from)
            && let Some(eight) = eight_digits(word)
        {
            v = v * 100_000_000 + eight;
            n += 8;
        }
        while let Some(&b) = rest.get(n)
            && b.is_ascii_digit()
        {
            if n == 19 {
                return None;
            }
            v = v * 10 + u64::from(b - b'0');
            n += 1;
        }
        if n == 0 || matches!(rest.get(n), Some(b'.' | b'e' | b'E' | b'-' | b'+')) {
            return None;
        }
        c.pos += n;
        Some(v)
    }

    /// Plain integers read with the digits a word begins with taken at once are read as the
    /// first reading did: the same number or none, the cursor at the same place, for runs of
    /// every length up to 22 digits, ended by every kind of byte (those just outside the
    /// digits' range, high bytes, the bytes that make a number not plain) or by the buffer.
    #[test]
    fn plain_integers_as_first_read() {
        let mut rng = crate::testing::XorShift(0x0ddc_0ffe_e15b_ad00);
        let enders = [
            b',', b'}', b'/', b':', b'.', b'e', b'-', b'+', b' ', 0xfa, 0xff, 0x2f, 0x3a, b'\n',
        ];
        for _ in 0..100_000 {
            let mut text: Vec<u8> = (0..rng.below(3)).map(|_| b' ').collect();
            let digits = rng.below(23) as usize;
            text.extend((0..digits).map(|_| b'0' + rng.below(10) as u8));
            let more = rng.below(12) as usize;
            text.extend((0..more).map(|_| {
                if rng.below(3) == 0 {
                    b'0' + rng.below(10) as u8
                } else {
                    enders[rng.below(enders.len() as u64) as usize]
                }
            }));
            let mut fast = Cursor::new(&text);
            let mut slow = fast.clone();
            assert_eq!(
                fast.plain_integer(),
                plain_integer_reference(&mut slow),
                "{text:?}"
            );
            assert_eq!(fast.pos(), slow.pos(), "{text:?}");
        }
    }

    #[test]
    fn strings_of_every_length() {
        for n in 0..200 {
            for esc in [None, Some(n / 2)] {
                let mut body: String = "x".repeat(n);
                if let Some(at) = esc.filter(|_| n > 0) {
                    body.replace_range(at..=at, "\\");
                    body.insert(at + 1, '"');
                }
                let src = format!("\"{body}\" ");
                let mut c = Cursor::new(src.as_bytes());
                let s = c.string().unwrap();
                assert_eq!(s.raw, body.as_bytes());
                assert_eq!(c.pos(), body.len() + 2);
            }
        }
    }

    #[test]
    fn numbers_from_text() {
        assert_eq!(Scalar::Num(b"12.0").as_i128(), Some(12));
        assert_eq!(
            Scalar::Str(RawStr::plain(b"1795313451364400957")).as_i128(),
            Some(1_795_313_451_364_400_957)
        );
        assert_eq!(Scalar::Num(b"NaN").as_i128(), None);
        assert_eq!(Scalar::Num(b"NaN").as_f64(), None);
        assert_eq!(Scalar::Num(b"0.5").as_f64(), Some(0.5));
        assert_eq!(Scalar::Num(b"1.5").as_i128(), None);
    }

    /// Integers as the reading before its one-pass loop read them: Rust's own parse of the
    /// text (a `.0` cut), else an integral float.
    #[test]
    fn integers_as_parsed_by_the_standard_library() {
        let alphabet = b"0123456789/:.-+e ";
        let mut rng = crate::testing::XorShift(0x5851_f42d_4c95_7f2d);
        for _ in 0..100_000 {
            let text: Vec<u8> = (0..1 + rng.below(22))
                .map(|_| {
                    let n = if rng.below(4) == 0 { 17 } else { 10 };
                    alphabet[rng.below(n) as usize]
                })
                .collect();
            let t = text.strip_suffix(b".0").unwrap_or(&text);
            let s = std::str::from_utf8(t).unwrap();
            let want = s.parse::<i128>().ok().or_else(|| {
                let f: f64 = s.parse().ok()?;
                #[allow(clippy::cast_possible_truncation)]
                (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30).then_some(f as i128)
            });
            assert_eq!(parse_int(&text), want, "{s}");
        }
    }
}
