//! A set of positions (span indices, entries) inserted in ascending order, each answering its
//! rank (how many were inserted before it) in constant time: a bit per position and a count
//! per 64, about 0.19 bytes a position. What lets a table beside the records keep no span
//! index per entry.

/// A set of positions inserted in ascending order, each answering its rank (how many were
/// inserted before it) in constant time: a bit per position and a count per 64.
#[derive(Clone, Debug, Default)]
pub struct Bits {
    words: Vec<u64>,
    /// Bits set in the words before each word.
    before: Vec<u32>,
    /// Bits set in all.
    count: u32,
    /// One past the highest bit set (0 for none): where the next may be.
    end: u64,
}

impl Bits {
    /// Sets bit `pos`, which must be past every bit set so far (else nothing is set: false).
    pub fn insert(&mut self, pos: u32) -> bool {
        let w = (pos / 64) as usize;
        if u64::from(pos) < self.end {
            return false;
        }
        self.end = u64::from(pos) + 1;
        while self.words.len() <= w {
            self.words.push(0);
            self.before.push(self.count);
        }
        self.words[w] |= 1 << (pos % 64);
        self.count += 1;
        true
    }

    /// The highest bit set.
    fn last(&self) -> Option<u32> {
        let (w, &word) = self
            .words
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)?;
        Some(w as u32 * 64 + 63 - word.leading_zeros())
    }

    /// The rank of `pos` if its bit is set.
    pub fn rank(&self, pos: u32) -> Option<u32> {
        let w = (pos / 64) as usize;
        let word = *self.words.get(w)?;
        let bit = 1u64 << (pos % 64);
        (word & bit != 0).then(|| self.before[w] + (word & (bit - 1)).count_ones())
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// The position of the bit of rank `k` (the `k`th set, from 0).
    pub fn select(&self, k: u32) -> Option<u32> {
        if k >= self.count {
            return None;
        }
        // The last word with fewer bits before it than `k + 1`.
        let w = self.before.partition_point(|&b| b <= k).checked_sub(1)?;
        let mut word = *self.words.get(w)?;
        for _ in 0..k - self.before[w] {
            word &= word.wrapping_sub(1);
        }
        (word != 0).then(|| w as u32 * 64 + word.trailing_zeros())
    }

    /// Keeps the first `n` bits set, clears the others.
    pub fn keep(&mut self, n: u32) {
        if let Some(pos) = self.select(n) {
            self.truncate(pos);
        }
    }

    /// Clears every bit from `pos` on.
    pub fn truncate(&mut self, pos: u32) {
        let w = pos.div_ceil(64) as usize;
        self.words.truncate(w);
        self.before.truncate(w);
        if !pos.is_multiple_of(64)
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << (pos % 64)) - 1;
        }
        self.count = match (self.words.last(), self.before.last()) {
            (Some(word), Some(&b)) => b + word.count_ones(),
            _ => 0,
        };
        self.end = self.last().map_or(0, |l| u64::from(l) + 1);
    }

    /// The positions set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let b = rest.trailing_zeros();
                rest &= rest - 1;
                Some(w as u32 * 64 + b)
            })
        })
    }

    /// Bytes its entries take.
    pub fn bytes(&self) -> usize {
        self.words.len() * 8 + self.before.len() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bits truncated at any place keep the ranks before it, and take insertions after it.
    #[test]
    fn bits_truncate_and_rank() {
        let mut rng = crate::testing::XorShift(11);
        for cut in [0u32, 1, 63, 64, 65, 127, 128, 500, 1000] {
            let mut bits = Bits::default();
            let mut set = Vec::new();
            let mut p = 0;
            while p < 1000 {
                if rng.below(3) == 0 {
                    bits.insert(p);
                    set.push(p);
                }
                p += 1;
            }
            bits.truncate(cut);
            set.retain(|&s| s < cut);
            assert_eq!(bits.count() as usize, set.len());
            assert_eq!(bits.iter().collect::<Vec<_>>(), set);
            for (r, &s) in set.iter().enumerate() {
                assert_eq!(bits.rank(s), Some(r as u32));
            }
            for (r, &s) in set.iter().enumerate() {
                assert_eq!(bits.select(r as u32), Some(s));
            }
            assert_eq!(bits.select(set.len() as u32), None);
            let mut kept = bits.clone();
            kept.keep(set.len() as u32 / 2);
            assert_eq!(
                kept.iter().collect::<Vec<_>>(),
                set[..set.len() / 2].to_vec()
            );
            assert!(bits.insert(cut + 2));
            assert_eq!(bits.rank(cut + 2), Some(set.len() as u32));
            assert_eq!(bits.rank(cut + 1), None);
        }
    }
}
