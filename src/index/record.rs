//! The compact per-span record the scan produces: ids, times and a byte range, nothing parsed.

use crate::format::keys::SessionKey;
use crate::kind::{Kind, Status};

/// Flags on a [`SpanRec`].
pub mod flag {
    /// `span_id` holds an interned string index, not a 64-bit hex id.
    pub const SPAN_ID_TEXT: u8 = 1;
    /// `parent_id` holds an interned string index.
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

/// Bits of `SpanRec::loc` that hold the byte offset; the rest hold the file number.
const OFFSET_BITS: u32 = 48;

/// One span as indexed: 56 bytes. What only some spans have is kept beside the records, by
/// span index: a session id found on the span itself (`Index::own_sessions`) and token counts,
/// cost, model and user (`Index::extra`). The line a span starts on is counted from the
/// nearest of the lines the scan noted (`Index::line`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanRec {
    /// File number (high 16 bits) and byte offset of the span's JSON (low 48 bits).
    pub loc: u64,
    pub len: u32,
    pub span_id: u64,
    pub parent_id: u64,
    /// Nanoseconds since the epoch; 0 when unknown.
    pub start: i64,
    pub end: i64,
    pub trace: u32,
    /// Interned name.
    pub name: u32,
    pub kind: u8,
    pub status: u8,
    pub flags: u8,
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
    /// The span's parent id was written as all zeros (see `Collector`'s parent id).
    pub fn zero_parent(&self) -> bool {
        self.has(flag::HAS_PARENT) && self.parent_id == 0 && !self.has(flag::PARENT_TEXT)
    }

    /// The span's own id was empty or all zeros, kept as 0.
    pub fn zero_id(&self) -> bool {
        self.span_id == 0 && !self.has(flag::SPAN_ID_TEXT)
    }

    pub fn new_loc(file: u16, offset: u64) -> u64 {
        (u64::from(file) << OFFSET_BITS) | (offset & ((1 << OFFSET_BITS) - 1))
    }
    pub fn file(&self) -> u16 {
        u16::try_from(self.loc >> OFFSET_BITS).unwrap_or(u16::MAX)
    }
    pub fn offset(&self) -> u64 {
        self.loc & ((1 << OFFSET_BITS) - 1)
    }
    pub fn kind(&self) -> Kind {
        Kind::from_u8(self.kind)
    }
    pub fn status(&self) -> Status {
        Status::from_u8(self.status)
    }
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    pub fn duration_ns(&self) -> i64 {
        if self.start > 0 && self.end >= self.start {
            self.end - self.start
        } else {
            0
        }
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
        assert_eq!(std::mem::size_of::<SpanRec>(), 56);
        assert_eq!(std::mem::size_of::<Extra>(), 24);
    }

    #[test]
    fn loc_round_trip() {
        let r = SpanRec {
            loc: SpanRec::new_loc(3, 123_456_789_012),
            ..SpanRec::default()
        };
        assert_eq!((r.file(), r.offset()), (3, 123_456_789_012));
    }
}
