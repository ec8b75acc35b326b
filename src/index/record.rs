//! The compact per-span record the scan produces: ids, times and a byte range, nothing parsed.

use crate::format::keys::SessionKey;
use crate::kind::{Kind, Status};

/// Flags on a [`SpanRec`].
pub mod flag {
    /// `span_id` holds an interned string index, not a 64-bit hex id.
    pub const SPAN_ID_TEXT: u8 = 1;
    /// The parent id (`Index::parent_id`) holds an interned string index.
    pub const PARENT_TEXT: u8 = 1 << 1;
    /// The span names a parent.
    pub const HAS_PARENT: u8 = 1 << 2;
    /// The parent is not in the files: shown as a root (set by the model).
    pub const ORPHAN: u8 = 1 << 3;
    /// An exact re-export of an earlier span: counted once (set by the model).
    pub const DUPLICATE: u8 = 1 << 4;
    /// Its parent link closed a cycle and was cut (set by the model).
    pub const CYCLE_CUT: u8 = 1 << 5;
    /// Some of its bytes are not UTF-8.
    pub const BAD_UTF8: u8 = 1 << 6;
    /// It has an entry in `Index::extras` (so most spans are answered without a search).
    pub const EXTRA: u8 = 1 << 7;
}

/// Bits of a location ([`loc`]) that hold the byte offset; the rest hold the file number.
const LOC_OFFSET_BITS: u32 = 48;

/// A file number and a byte offset in one number, ordered as (file, offset): where the scan
/// found something (a span's place is [`crate::index::Index::loc`]).
pub fn loc(file: u16, offset: u64) -> u64 {
    (u64::from(file) << LOC_OFFSET_BITS) | (offset & ((1 << LOC_OFFSET_BITS) - 1))
}

/// The file and offset of a [`loc`].
pub fn loc_parts(loc: u64) -> (u16, u64) {
    (
        u16::try_from(loc >> LOC_OFFSET_BITS).unwrap_or(u16::MAX),
        loc & ((1 << LOC_OFFSET_BITS) - 1),
    )
}

/// Bits of [`SpanRec`]'s `at` that hold the byte offset in the file (files up to 1 TiB).
const OFFSET_BITS: u32 = 40;
/// The largest byte offset a record holds: a span past it is not indexed (and reported).
pub const MAX_OFFSET: u64 = (1 << OFFSET_BITS) - 1;
/// The rest of `at`: the length, below [`LEN_OUT`]; with that bit set, the low bits are an
/// index into [`Overflow::lens`] (a span of 8 MiB or more).
const LEN_OUT: u64 = 1 << 23;

/// Bits of [`SpanRec`]'s `bits` that hold the end: `end - start` below [`END_OUT`]; with that
/// bit set, the low bits are an index into [`Overflow::ends`] (an end before its start,
/// unknown beside a known start or the other way round, or 6.5 days or more after it).
const END_BITS: u32 = 50;
const END_OUT: u64 = 1 << (END_BITS - 1);
const END_MASK: u64 = (1 << END_BITS) - 1;
const STATUS_SHIFT: u32 = END_BITS;
const KIND_SHIFT: u32 = END_BITS + 2;
const FLAGS_SHIFT: u32 = 56;

/// One span as indexed: 40 bytes. Its span id, start, trace and name as they are; its byte
/// offset with its length in one word, and its end (as a duration) with its kind, status and
/// flags in another. An end or a length that does not fit is kept in the index's [`Overflow`],
/// which reads them ([`Overflow::end`], [`Overflow::len`]; `Index::end`, `Index::len`). Kept
/// beside the records, by span index: the file a span is in (`Index::file_of`: spans land in
/// runs of one file), its parent id (`Index::parent_id`: the model turns it into a link to the
/// parent, and keeps only the ids that link does not give back), a session id found on the
/// span itself (`Index::own_sessions`) and token counts, cost, model and user
/// (`Index::extra`). The line a span starts on is counted from the nearest of the lines the
/// scan noted (`Index::line`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanRec {
    pub span_id: u64,
    /// Nanoseconds since the epoch; 0 when unknown.
    start: i64,
    /// Byte offset of the span's JSON in its file (low 40 bits) and length (the rest).
    at: u64,
    /// End (see [`END_BITS`]), status (2 bits), kind (4 bits) and flags (8 bits).
    bits: u64,
    pub trace: u32,
    /// Interned name.
    pub name: u32,
}

/// A session id found on a span itself (rather than via its trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnSession {
    pub span: u32,
    /// Interned session id.
    pub session: u32,
    pub key: SessionKey,
}

impl SpanRec {
    /// A record of span `span_id` of trace `trace`, at no place yet, times 0 (see
    /// [`Overflow::place`], [`Overflow::set_times`]).
    pub fn new(span_id: u64, trace: u32, name: u32, kind: Kind, status: Status, flags: u8) -> Self {
        let mut s = SpanRec {
            span_id,
            trace,
            name,
            ..SpanRec::default()
        };
        s.set_kind(kind);
        s.set_status(status);
        s.set_flags(flags);
        s
    }

    /// Nanoseconds since the epoch; 0 when unknown. (Set with the end: [`Overflow::set_times`].)
    pub fn start(&self) -> i64 {
        self.start
    }

    /// The span's parent id was written as all zeros (see `Collector`'s parent id); `parent_id`
    /// as `Index::parent_id` gives it.
    pub fn zero_parent(&self, parent_id: u64) -> bool {
        self.has(flag::HAS_PARENT) && parent_id == 0 && !self.has(flag::PARENT_TEXT)
    }

    /// The span's own id was empty or all zeros, kept as 0.
    pub fn zero_id(&self) -> bool {
        self.span_id == 0 && !self.has(flag::SPAN_ID_TEXT)
    }

    /// Byte offset of the span's JSON in its file.
    pub fn offset(&self) -> u64 {
        self.at & MAX_OFFSET
    }
    pub fn kind(&self) -> Kind {
        Kind::from_u8(((self.bits >> KIND_SHIFT) & 0xf) as u8)
    }
    pub fn set_kind(&mut self, kind: Kind) {
        self.bits =
            (self.bits & !(0xf << KIND_SHIFT)) | (u64::from(kind as u8 & 0xf) << KIND_SHIFT);
    }
    pub fn status(&self) -> Status {
        Status::from_u8(((self.bits >> STATUS_SHIFT) & 3) as u8)
    }
    pub fn set_status(&mut self, status: Status) {
        self.bits =
            (self.bits & !(3 << STATUS_SHIFT)) | (u64::from(status as u8 & 3) << STATUS_SHIFT);
    }
    pub fn flags(&self) -> u8 {
        (self.bits >> FLAGS_SHIFT) as u8
    }
    pub fn has(&self, f: u8) -> bool {
        self.flags() & f != 0
    }
    /// Sets flags `f` (the others stay).
    pub fn set_flags(&mut self, f: u8) {
        self.bits |= u64::from(f) << FLAGS_SHIFT;
    }
    /// Clears flags `f` (the others stay).
    pub fn clear_flags(&mut self, f: u8) {
        self.bits &= !(u64::from(f) << FLAGS_SHIFT);
    }

    /// Moves its overflow entries by `ends` and `lens` (its piece's tables appended to the
    /// index's, see [`Overflow::append`]).
    pub fn shift_overflow(&mut self, ends: u64, lens: u64) {
        if self.bits & END_OUT != 0 {
            let k = (self.bits & END_MASK & !END_OUT).saturating_add(ends);
            self.bits = (self.bits & !END_MASK) | END_OUT | (k & (END_OUT - 1));
        }
        let len = self.at >> OFFSET_BITS;
        if len & LEN_OUT != 0 {
            let k = (len & !LEN_OUT).saturating_add(lens);
            self.at = self.offset() | ((LEN_OUT | (k & (LEN_OUT - 1))) << OFFSET_BITS);
        }
    }
}

/// What does not fit in a [`SpanRec`], beside the records: ends far from their starts (or
/// before them, or only one of the two known), and lengths of 8 MiB or more. A record holds
/// the index of its entry; the records of one index share one `Overflow`.
#[derive(Clone, Debug, Default)]
pub struct Overflow {
    pub ends: Vec<i64>,
    pub lens: Vec<u32>,
}

impl Overflow {
    /// Span `s`'s end: nanoseconds since the epoch, 0 when unknown (may be before its start).
    pub fn end(&self, s: &SpanRec) -> i64 {
        let code = s.bits & END_MASK;
        if code & END_OUT == 0 {
            // Below 2^49: the sum was the end when it was set.
            #[allow(clippy::cast_possible_wrap)]
            s.start.wrapping_add(code as i64)
        } else {
            usize::try_from(code & !END_OUT)
                .ok()
                .and_then(|k| self.ends.get(k))
                .copied()
                .unwrap_or(0)
        }
    }

    /// Sets span `s`'s end, its start staying.
    pub fn set_end(&mut self, s: &mut SpanRec, end: i64) {
        #[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
        let code = match end.checked_sub(s.start) {
            Some(d) if (0..END_OUT as i64).contains(&d) => d as u64,
            _ => {
                // Its own entry again, if it has one; else a new one.
                let old = s.bits & END_MASK;
                let own = usize::try_from(old & !END_OUT)
                    .ok()
                    .filter(|&k| old & END_OUT != 0 && k < self.ends.len());
                let k = match own {
                    Some(k) => {
                        self.ends[k] = end;
                        k
                    }
                    None => {
                        self.ends.push(end);
                        self.ends.len() - 1
                    }
                };
                END_OUT | (k as u64 & (END_OUT - 1))
            }
        };
        s.bits = (s.bits & !END_MASK) | code;
    }

    /// Sets span `s`'s start and end.
    pub fn set_times(&mut self, s: &mut SpanRec, start: i64, end: i64) {
        s.start = start;
        self.set_end(s, end);
    }

    /// Whether span `s`'s end is kept here (not in the record).
    #[cfg(test)]
    fn end_is_out(s: &SpanRec) -> bool {
        s.bits & END_OUT != 0
    }

    /// The length of span `s`'s JSON in bytes.
    pub fn len(&self, s: &SpanRec) -> u32 {
        let code = s.at >> OFFSET_BITS;
        if code & LEN_OUT == 0 {
            u32::try_from(code).unwrap_or(u32::MAX)
        } else {
            usize::try_from(code & !LEN_OUT)
                .ok()
                .and_then(|k| self.lens.get(k))
                .copied()
                .unwrap_or(0)
        }
    }

    /// Places span `s` at byte `offset` of its file, `len` bytes long; false (and nothing
    /// set) when the offset is past [`MAX_OFFSET`].
    pub fn place(&mut self, s: &mut SpanRec, offset: u64, len: u32) -> bool {
        if offset > MAX_OFFSET {
            return false;
        }
        let code = if u64::from(len) < LEN_OUT {
            u64::from(len)
        } else {
            self.lens.push(len);
            LEN_OUT | ((self.lens.len() - 1) as u64 & (LEN_OUT - 1))
        };
        s.at = offset | code << OFFSET_BITS;
        true
    }

    /// Appends `other`'s entries (a piece's) to these; returns where they start, for the
    /// piece's records ([`SpanRec::shift_overflow`]).
    pub fn append(&mut self, other: &mut Overflow) -> (u64, u64) {
        let base = (self.ends.len() as u64, self.lens.len() as u64);
        self.ends.append(&mut other.ends);
        self.lens.append(&mut other.lens);
        base
    }

    /// How many entries there are (to drop those of a record dropped: [`Overflow::truncate`]).
    pub fn mark(&self) -> (usize, usize) {
        (self.ends.len(), self.lens.len())
    }

    pub fn truncate(&mut self, (ends, lens): (usize, usize)) {
        self.ends.truncate(ends);
        self.lens.truncate(lens);
    }

    pub fn clear(&mut self) {
        self.ends.clear();
        self.lens.clear();
    }
}
/// Numbers only some spans carry (LLM calls mostly), kept out of the hot record.
/// (prompt, completion, total) tokens, the total derived when not given; `counts` as
/// [`Extra::token_counts`] gives them. Sums saturate.
pub fn tokens_with_total(counts: [u64; 3]) -> [u64; 3] {
    let g = |v: u64| if v == u64::MAX { 0 } else { v };
    let total = if counts[2] == u64::MAX {
        g(counts[0]).saturating_add(g(counts[1]))
    } else {
        counts[2]
    };
    [g(counts[0]), g(counts[1]), total]
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extra {
    pub prompt: u32,
    pub completion: u32,
    pub total: u32,
    /// USD; NaN when absent.
    pub cost: f32,
    /// Interned model name; 0 for none.
    pub model: u32,
    /// Interned user id; 0 for none.
    pub user: u32,
}

/// Token count meaning "not given".
pub const NO_TOKENS: u32 = u32::MAX;

/// Token count meaning "too large for 32 bits": the exact counts are in `Index::big_tokens`
/// (see `Index::tokens`).
pub const BIG_TOKENS: u32 = u32::MAX - 1;

impl Default for Extra {
    fn default() -> Self {
        Extra {
            prompt: NO_TOKENS,
            completion: NO_TOKENS,
            total: NO_TOKENS,
            cost: f32::NAN,
            model: 0,
            user: 0,
        }
    }
}

impl Extra {
    /// A count is in `Index::big_tokens`.
    pub fn has_big_tokens(&self) -> bool {
        self.prompt == BIG_TOKENS || self.completion == BIG_TOKENS || self.total == BIG_TOKENS
    }
    pub fn has_tokens(&self) -> bool {
        self.prompt != NO_TOKENS || self.completion != NO_TOKENS || self.total != NO_TOKENS
    }
    /// (prompt, completion, total) as written, `u64::MAX` for "not given"; `big` holds the
    /// counts when one is [`BIG_TOKENS`] (from `Index::big_tokens`).
    pub fn token_counts(&self, big: Option<[u64; 3]>) -> [u64; 3] {
        let mut out = [u64::MAX; 3];
        for (k, v) in [self.prompt, self.completion, self.total]
            .into_iter()
            .enumerate()
        {
            out[k] = match v {
                NO_TOKENS => u64::MAX,
                BIG_TOKENS => big.map_or(u64::MAX, |b| b[k]),
                v => u64::from(v),
            };
        }
        out
    }
    pub fn cost(&self) -> Option<f64> {
        (!self.cost.is_nan()).then_some(f64::from(self.cost))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_stays_small() {
        assert_eq!(std::mem::size_of::<SpanRec>(), 40);
        assert_eq!(std::mem::size_of::<Extra>(), 24);
    }

    #[test]
    fn loc_round_trip() {
        assert_eq!(loc_parts(loc(3, 123_456_789_012)), (3, 123_456_789_012));
        assert!(loc(0, u64::from(u32::MAX)) < loc(1, 0));
    }

    /// Every end is given back as set, whatever its start: inline or in the overflow.
    #[test]
    fn times_round_trip() {
        let day = 86_400_000_000_000i64;
        let epoch = 1_700_000_000_123_456_789i64;
        let mut ov = Overflow::default();
        let cases = [
            (0, 0, false),
            (epoch, epoch, false),
            (epoch, epoch + 1, false),
            // Minutes at nanosecond precision (OpenTelemetry SDKs).
            (epoch, epoch + 754_123_456_789, false),
            (epoch, epoch + 6 * day, false),
            (epoch, epoch + (1 << 49) - 1, false),
            (epoch, epoch + (1 << 49), true),
            (epoch, 0, true),
            (0, epoch, true),
            (epoch, epoch - 1, true),
            (i64::MIN, i64::MAX, true),
            (i64::MAX, i64::MIN, true),
            (-5, 3, false),
        ];
        for (start, end, out) in cases {
            let mut s = SpanRec::new(7, 1, 2, Kind::Tool, Status::Error, flag::EXTRA);
            ov.set_times(&mut s, start, end);
            assert_eq!((s.start(), ov.end(&s)), (start, end), "{start} {end}");
            assert_eq!(Overflow::end_is_out(&s), out, "{start} {end}");
            assert_eq!(
                (s.kind(), s.status(), s.flags()),
                (Kind::Tool, Status::Error, flag::EXTRA)
            );
            // Another start with the same end, and a new end with the same start.
            ov.set_times(&mut s, epoch, end);
            assert_eq!((s.start(), ov.end(&s)), (epoch, end));
            ov.set_end(&mut s, epoch + 5);
            assert_eq!((s.start(), ov.end(&s)), (epoch, epoch + 5));
            assert!(!Overflow::end_is_out(&s));
        }
        // An end set again reuses the span's own entry.
        let mut s = SpanRec::default();
        ov.set_times(&mut s, epoch, 1);
        let n = ov.ends.len();
        ov.set_end(&mut s, 2);
        assert_eq!((ov.end(&s), ov.ends.len()), (2, n));
    }

    #[test]
    fn places_round_trip() {
        let mut ov = Overflow::default();
        for (offset, len) in [
            (0, 0),
            (MAX_OFFSET, (1 << 23) - 1),
            (123_456_789_012, 1 << 23),
            (5, u32::MAX),
        ] {
            let mut s = SpanRec::new(1, 2, 3, Kind::Llm, Status::Ok, 0xff);
            assert!(ov.place(&mut s, offset, len));
            assert_eq!((s.offset(), ov.len(&s)), (offset, len));
            assert_eq!((s.kind(), s.flags()), (Kind::Llm, 0xff));
        }
        let mut s = SpanRec::default();
        assert!(!ov.place(&mut s, MAX_OFFSET + 1, 1));
    }

    /// A piece's records point into its own overflow; appended to the index's, they are moved
    /// with it.
    #[test]
    fn overflow_entries_move_with_their_piece() {
        let mut index = Overflow::default();
        let mut first = SpanRec::default();
        index.set_times(&mut first, 10, 1);
        assert!(index.place(&mut first, 0, 9 << 20));
        let mut piece = Overflow::default();
        let mut s = SpanRec::default();
        piece.set_times(&mut s, 10, 2);
        assert!(piece.place(&mut s, 4, 10 << 20));
        let (ends, lens) = index.append(&mut piece);
        s.shift_overflow(ends, lens);
        assert_eq!((index.end(&first), index.len(&first)), (1, 9 << 20));
        assert_eq!((index.end(&s), index.len(&s), s.offset()), (2, 10 << 20, 4));
    }
}
