//! The numbers only some spans carry (LLM calls mostly): token counts, cost, model and user
//! ([`Extra`]), kept beside the records in about 15 bytes a span that has them (an [`Extra`]
//! is 24, and its span's index 4 more), every value given back exactly as it was stored.
//!
//! - Which spans have one: a bit per span, with a count per 64 spans ([`Bits`]); a span's
//!   entry is the number of bits set before its own.
//! - Per entry, 12 bytes: prompt and completion tokens, and its *tail*: an index into a table
//!   of the distinct (model, user, how the total is kept) the entries have (a few per user).
//! - The total is not kept when it is absent or the sum of the two counts (as exporters write
//!   it); any other total is kept in a side table, by entry.
//! - The cost only for the entries that have one: a bit per entry, the costs in a column.

use super::bits::Bits;
use super::record::{BIG_TOKENS, Extra, NO_TOKENS};
use crate::hash::Map;

/// How an entry's total is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Total {
    /// Not given ([`NO_TOKENS`]).
    Absent,
    /// The sum of prompt and completion, both given and small.
    Sum,
    /// In [`Extras::totals`].
    Kept,
}

/// What entries share: model, user and how the total is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Tail {
    model: u32,
    user: u32,
    total: Total,
}

/// One entry: 12 bytes.
#[derive(Clone, Copy, Debug)]
struct Row {
    prompt: u32,
    completion: u32,
    tail: u32,
}

/// The [`Extra`]s of an index's spans; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// The spans that have an entry.
    spans: Bits,
    rows: Vec<Row>,
    tails: Vec<Tail>,
    /// Tails to their index, while entries are added; empty once [`Extras::seal`]ed (made
    /// again from `tails` when more come).
    tail_ids: Map<Tail, u32>,
    /// (entry, total) of the totals neither absent nor the sum, ascending by entry.
    totals: Vec<(u32, u32)>,
    /// The entries that have a cost, and their costs in that order.
    costed: Bits,
    costs: Vec<f32>,
}

/// The two counts, both given and small, and their sum: what [`Total::Sum`] gives back.
fn sum(prompt: u32, completion: u32) -> Option<u32> {
    let plain = |v: u32| v != NO_TOKENS && v != BIG_TOKENS;
    (plain(prompt) && plain(completion))
        .then(|| prompt.checked_add(completion))
        .flatten()
}

impl Extras {
    /// How many spans have an entry.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Span `span`'s numbers, if it has any.
    pub fn get(&self, span: u32) -> Option<Extra> {
        let at = self.spans.rank(span)?;
        self.entry(at)
    }

    /// Entry `at`.
    fn entry(&self, at: u32) -> Option<Extra> {
        let r = self.rows.get(at as usize)?;
        let t = self.tails.get(r.tail as usize)?;
        let total = match t.total {
            Total::Absent => NO_TOKENS,
            Total::Sum => r.prompt.wrapping_add(r.completion),
            Total::Kept => {
                let k = self.totals.partition_point(|&(e, _)| e < at);
                self.totals.get(k).map_or(NO_TOKENS, |&(_, v)| v)
            }
        };
        let cost = self
            .costed
            .rank(at)
            .and_then(|k| self.costs.get(k as usize))
            .copied()
            .unwrap_or(f32::NAN);
        Some(Extra {
            prompt: r.prompt,
            completion: r.completion,
            total,
            cost,
            model: t.model,
            user: t.user,
        })
    }

    /// Every span that has numbers, with them, ascending by span.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Extra)> + '_ {
        self.spans
            .iter()
            .zip(0u32..)
            .filter_map(|(span, at)| Some((span, self.entry(at)?)))
    }

    /// The tail of `model`, `user` and `total`, added if new.
    fn tail(&mut self, tail: Tail) -> u32 {
        // Consecutive calls (of one trace, one session) often share theirs.
        if let Some(r) = self.rows.last()
            && self.tails.get(r.tail as usize) == Some(&tail)
        {
            return r.tail;
        }
        if self.tail_ids.is_empty() && !self.tails.is_empty() {
            self.tail_ids = self.tails.iter().copied().zip(0u32..).collect();
        }
        let next = u32::try_from(self.tails.len()).unwrap_or(u32::MAX);
        let id = *self.tail_ids.entry(tail).or_insert(next);
        if id == next {
            self.tails.push(tail);
        }
        id
    }

    /// Gives span `span` the numbers `e`; spans come in ascending order (a span at or before
    /// the last one given is not taken: false).
    pub fn push(&mut self, span: u32, e: &Extra) -> bool {
        let at = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        if !self.spans.insert(span) {
            return false;
        }
        let total = if e.total == NO_TOKENS {
            Total::Absent
        } else if sum(e.prompt, e.completion) == Some(e.total) {
            Total::Sum
        } else {
            self.totals.push((at, e.total));
            Total::Kept
        };
        let tail = self.tail(Tail {
            model: e.model,
            user: e.user,
            total,
        });
        self.rows.push(Row {
            prompt: e.prompt,
            completion: e.completion,
            tail,
        });
        // A cost is NaN when absent: its bits tell one from any other.
        if !e.cost.is_nan() || e.cost.to_bits() != f32::NAN.to_bits() {
            self.costed.insert(at);
            self.costs.push(e.cost);
        }
        true
    }

    /// Drops the token counts of span `span` (its cost, model and user stay).
    pub fn clear_tokens(&mut self, span: u32) {
        let Some(at) = self.spans.rank(span) else {
            return;
        };
        let Some(&r) = self.rows.get(at as usize) else {
            return;
        };
        let Some(&t) = self.tails.get(r.tail as usize) else {
            return;
        };
        if t.total == Total::Kept {
            self.totals.retain(|&(e, _)| e != at);
        }
        let tail = self.tail(Tail {
            total: Total::Absent,
            ..t
        });
        self.rows[at as usize] = Row {
            prompt: NO_TOKENS,
            completion: NO_TOKENS,
            tail,
        };
    }

    /// Appends a piece's numbers (`extras`, of its spans `spans`, ascending), its spans now
    /// `base` on, its strings renamed by `name`.
    pub fn append(
        &mut self,
        extras: &[Extra],
        spans: &[u32],
        base: u32,
        name: impl Fn(u32) -> u32,
    ) {
        for (&s, e) in spans.iter().zip(extras) {
            let e = Extra {
                model: name(e.model),
                user: name(e.user),
                ..*e
            };
            let taken = self.push(s.saturating_add(base), &e);
            // Pieces land in file order, their spans past every span before them.
            debug_assert!(taken, "an extra out of span order");
        }
    }

    /// Done adding for now: the tails' look-up table is let go.
    pub fn seal(&mut self) {
        self.tail_ids = Map::default();
    }

    /// Bytes its entries take (lengths, not capacities).
    pub fn bytes(&self) -> usize {
        self.spans.bytes()
            + self.rows.len() * std::mem::size_of::<Row>()
            + self.tails.len() * std::mem::size_of::<Tail>()
            + self.totals.len() * 8
            + self.costed.bytes()
            + self.costs.len() * 4
    }

    /// How many distinct (model, user, total kept) its entries have.
    pub fn tails(&self) -> usize {
        self.tails.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_stay_small() {
        assert_eq!(std::mem::size_of::<Row>(), 12);
        assert_eq!(std::mem::size_of::<Tail>(), 12);
    }

    /// Compares every field, the cost by its bits.
    fn same(a: &Extra, b: &Extra) -> bool {
        (
            a.prompt,
            a.completion,
            a.total,
            a.cost.to_bits(),
            a.model,
            a.user,
        ) == (
            b.prompt,
            b.completion,
            b.total,
            b.cost.to_bits(),
            b.model,
            b.user,
        )
    }

    fn samples() -> Vec<Extra> {
        let counts = [
            NO_TOKENS,
            BIG_TOKENS,
            0,
            1,
            7,
            u32::MAX - 2,
            u32::MAX / 2,
            u32::MAX / 2 + 1,
        ];
        let costs = [
            f32::NAN,
            -f32::NAN,
            f32::from_bits(f32::NAN.to_bits() | 1),
            0.0,
            -0.0,
            1.5e-7,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN_POSITIVE,
        ];
        let mut out = Vec::new();
        let mut rng = crate::testing::XorShift(0x5eed);
        for &prompt in &counts {
            for &completion in &counts {
                let s = prompt.wrapping_add(completion);
                for total in [NO_TOKENS, BIG_TOKENS, 0, s, s.wrapping_add(1), 12_345] {
                    let cost = costs[rng.below(costs.len() as u64) as usize];
                    // Models and users 0 (none), small, and past any small table.
                    let ids = [0, 1, 2, 70_000, u32::MAX];
                    let model = ids[rng.below(5) as usize];
                    let user = ids[rng.below(5) as usize];
                    out.push(Extra {
                        prompt,
                        completion,
                        total,
                        cost,
                        model,
                        user,
                    });
                }
            }
        }
        out
    }

    /// Every combination of absent, zero, small, big and sentinel counts, every kind of cost
    /// (absent, NaN with other bits, infinities, zero of both signs) and models and users from
    /// none to the largest id reads back as stored, at spans sparse and dense.
    #[test]
    fn every_extra_reads_back_as_stored() {
        let want = samples();
        let mut extras = Extras::default();
        let mut spans = Vec::new();
        let mut rng = crate::testing::XorShift(3);
        let mut span = 0u32;
        for e in &want {
            span += 1 + rng.below(130) as u32;
            assert!(extras.push(span, e));
            spans.push(span);
        }
        extras.seal();
        for (e, &s) in want.iter().zip(&spans) {
            let got = extras.get(s).unwrap();
            assert!(same(&got, e), "{s}: {got:?} != {e:?}");
            assert!(extras.get(s - 1).is_none() || spans.contains(&(s - 1)));
        }
        assert!(extras.get(0).is_none());
        assert!(extras.get(span + 1).is_none());
        assert!(extras.get(u32::MAX).is_none());
        let all: Vec<(u32, Extra)> = extras.iter().collect();
        assert_eq!(all.len(), want.len());
        for ((s, got), (e, &ws)) in all.iter().zip(want.iter().zip(&spans)) {
            assert_eq!(*s, ws);
            assert!(same(got, e));
        }
        // Not ascending: refused, nothing changed.
        assert!(!extras.push(span, &want[0]));
        assert!(!extras.push(1, &want[0]));
        assert_eq!(extras.len(), want.len());
        // Sealed, then more: the tails are found again.
        let tails = extras.tails.len();
        assert!(extras.push(span + 1, &want[0]));
        assert_eq!(extras.tails.len(), tails);
        assert!(same(&extras.get(span + 1).unwrap(), &want[0]));
    }

    /// A piece appended after others lands at its base, its strings renamed.
    #[test]
    fn pieces_append_at_their_base() {
        let want = samples();
        let (a, b) = want.split_at(want.len() / 2);
        let mut extras = Extras::default();
        let spans_a: Vec<u32> = (0..a.len() as u32).map(|i| i * 3).collect();
        extras.append(a, &spans_a, 0, |s| s);
        let base = a.len() as u32 * 3 + 5;
        let spans_b: Vec<u32> = (0..b.len() as u32).map(|i| i * 2 + 1).collect();
        extras.append(b, &spans_b, base, |s| s ^ 1);
        for (e, &s) in a.iter().zip(&spans_a) {
            assert!(same(&extras.get(s).unwrap(), e));
        }
        for (e, &s) in b.iter().zip(&spans_b) {
            let want = Extra {
                model: e.model ^ 1,
                user: e.user ^ 1,
                ..*e
            };
            assert!(same(&extras.get(s + base).unwrap(), &want));
        }
    }

    #[test]
    fn tokens_cleared_leave_the_rest() {
        let want = samples();
        let mut extras = Extras::default();
        for (s, e) in want.iter().enumerate() {
            extras.push(s as u32, e);
        }
        extras.seal();
        for s in (0..want.len()).step_by(3) {
            extras.clear_tokens(s as u32);
        }
        for (s, e) in want.iter().enumerate() {
            let want = if s % 3 == 0 {
                Extra {
                    prompt: NO_TOKENS,
                    completion: NO_TOKENS,
                    total: NO_TOKENS,
                    ..*e
                }
            } else {
                *e
            };
            assert!(same(&extras.get(s as u32).unwrap(), &want), "{s}");
        }
    }
}
