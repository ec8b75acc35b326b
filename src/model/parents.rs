//! Every span's parent span in 2 bytes: the parent's index less the span's own, which fits 16
//! bits for nearly every span (a trace's spans lie close together in its file), the few that do
//! not in a side table. Read exactly as the 4-byte links were ([`Parents::get`]).

use super::NONE;

/// A span's entry meaning "its parent is in [`Parents`]' side table".
const FAR: i16 = i16::MIN;

/// Per span: its parent's index, `NONE` for roots and orphans (see the module).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parents {
    /// Per span: its parent's index less its own; 0 for none (no span is its own parent: a
    /// link to itself goes to `far`), [`FAR`] when the difference does not fit.
    near: Vec<i16>,
    /// (span, parent) of the spans whose entry is [`FAR`], ascending by span.
    far: Vec<(u32, u32)>,
}

/// Span `i`'s entry for parent `p`, if it fits.
fn near(i: u32, p: u32) -> Option<i16> {
    if p == NONE {
        return Some(0);
    }
    let d = i64::from(p) - i64::from(i);
    i16::try_from(d).ok().filter(|&d| d != 0 && d != FAR)
}

impl Parents {
    /// The parents `links` gives, span by span, in one pass: the definition the tests hold
    /// [`Parents::from_links_on`] (what the build uses) to, and their way to make a table.
    #[cfg(test)]
    pub fn from_links(links: impl IntoIterator<Item = u32>) -> Parents {
        let links = links.into_iter();
        let mut parents = Parents {
            near: Vec::with_capacity(links.size_hint().0),
            far: Vec::new(),
        };
        for (i, p) in (0u32..).zip(links) {
            parents.near.push(near(i, p).unwrap_or_else(|| {
                parents.far.push((i, p));
                FAR
            }));
        }
        parents.near.shrink_to_fit();
        parents.far.shrink_to_fit();
        parents
    }

    /// The parents `link(0..n)` gives, span by span, made on `workers` threads, each a run of
    /// the spans. The table is made at its size at once (not grown by doubling, which holds the
    /// old block beside the new one while it copies, at the build's peak memory).
    pub fn from_links_on(n: usize, link: &(impl Fn(u32) -> u32 + Sync), workers: usize) -> Parents {
        let mut near_table = vec![0i16; n];
        // A run's entries, from span `first` on; its far links.
        let fill = |first: usize, slots: &mut [i16]| -> Vec<(u32, u32)> {
            let mut far = Vec::new();
            for (i, slot) in (u32::try_from(first).unwrap_or(NONE)..).zip(slots.iter_mut()) {
                let p = link(i);
                *slot = near(i, p).unwrap_or_else(|| {
                    far.push((i, p));
                    FAR
                });
            }
            far
        };
        let fars = super::runs::in_runs(&mut near_table, workers, &fill);
        let mut far = Vec::with_capacity(fars.iter().map(Vec::len).sum());
        for part in fars {
            far.extend(part);
        }
        Parents {
            near: near_table,
            far,
        }
    }

    /// How many spans it covers.
    pub fn len(&self) -> usize {
        self.near.len()
    }

    pub fn is_empty(&self) -> bool {
        self.near.is_empty()
    }

    /// Span `i`'s parent: `NONE` for a root or an orphan, and past the end.
    #[inline]
    pub fn get(&self, i: u32) -> u32 {
        match self.near.get(i as usize) {
            None | Some(0) => NONE,
            Some(&FAR) => self.far_of(i),
            Some(&d) => i.wrapping_add_signed(i32::from(d)),
        }
    }

    #[cold]
    fn far_of(&self, i: u32) -> u32 {
        self.far
            .binary_search_by_key(&i, |&(s, _)| s)
            .map_or(NONE, |k| self.far[k].1)
    }

    /// Sets span `i`'s parent to `p` (`i` below [`Parents::len`]).
    pub fn set(&mut self, i: u32, p: u32) {
        let Some(slot) = self.near.get_mut(i as usize) else {
            return;
        };
        let at = self.far.binary_search_by_key(&i, |&(s, _)| s);
        match (near(i, p), at) {
            (Some(d), Ok(k)) => {
                self.far.remove(k);
                *slot = d;
            }
            (Some(d), Err(_)) => *slot = d,
            (None, Ok(k)) => self.far[k].1 = p,
            (None, Err(k)) => {
                self.far.insert(k, (i, p));
                *slot = FAR;
            }
        }
    }

    /// Covers `n` spans, those added without a parent.
    pub fn resize(&mut self, n: usize) {
        self.near.resize(n, 0);
        let n = u32::try_from(n).unwrap_or(NONE);
        self.far.retain(|&(s, _)| s < n);
    }

    /// Bytes held, for the memory figures.
    pub fn bytes(&self) -> usize {
        self.near.len() * 2 + self.far.len() * 8
    }

    /// How many spans' parents are in the side table.
    pub fn far_len(&self) -> usize {
        self.far.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{NONE, Parents};

    /// Made on several threads, the table is the one made on one, on links near, far, to
    /// themselves, none, at the ends of the range.
    #[test]
    fn made_on_threads_as_on_one() {
        let mut rng = crate::testing::XorShift(23);
        for case in 0..60 {
            let n = rng.below(if case % 6 == 0 { 200_000 } else { 500 }) as u32;
            let links: Vec<u32> = (0..n)
                .map(|i| match rng.below(8) {
                    0 => NONE,
                    1 => rng.below(u64::from(n.max(1))) as u32,
                    2 => i,
                    3 => i.saturating_add(40_000),
                    4 => u32::MAX - 1,
                    _ => i.saturating_sub(rng.below(50) as u32),
                })
                .collect();
            let one = Parents::from_links(links.iter().copied());
            for workers in 1..5 {
                let on = Parents::from_links_on(n as usize, &|i| links[i as usize], workers);
                assert_eq!(on, one, "case {case} on {workers} workers");
            }
        }
    }

    /// Every link, near or far, reads back as written, and again after being set to another.
    #[test]
    fn parents_read_back_exactly() {
        let n = 100_000u32;
        let link = |i: u32| -> u32 {
            match i % 11 {
                0 => NONE,
                1 => i.saturating_sub(1),
                2 => i.saturating_sub(32_767),
                3 => i.saturating_sub(32_768),
                4 => (i + 32_767).min(n - 1),
                5 => (i + 32_768).min(n - 1),
                6 => i,
                7 => 0,
                8 => n - 1,
                9 => i ^ 0x5555,
                _ => i + 1,
            }
        };
        let mut p = Parents::from_links((0..n).map(link));
        assert_eq!(p.len(), n as usize);
        for i in 0..n {
            assert_eq!(p.get(i), link(i), "{i}");
        }
        assert_eq!(p.get(n), NONE);
        assert_eq!(p.get(u32::MAX), NONE);
        assert!(p.far_len() > 0);
        // Set again, shifted: near to far, far to near, and to none.
        let other = |i: u32| link((i * 7 + 3) % n);
        for i in (0..n).rev() {
            p.set(i, other(i));
        }
        for i in 0..n {
            assert_eq!(p.get(i), other(i), "{i}");
        }
        assert_eq!(p, Parents::from_links((0..n).map(other)));
        // Grown: new spans have none until set; shrunk: the side table follows.
        p.resize(n as usize + 5);
        assert_eq!(p.get(n + 2), NONE);
        p.set(n + 2, 0);
        p.set(n + 3, n + 2);
        assert_eq!((p.get(n + 2), p.get(n + 3)), (0, n + 2));
        p.resize(10);
        assert_eq!(p, Parents::from_links((0..10).map(other)));
        // Extremes of the index range.
        let big = Parents::from_links([NONE, 0, u32::MAX - 1, 1]);
        assert_eq!(
            (0..4).map(|i| big.get(i)).collect::<Vec<_>>(),
            [NONE, 0, u32::MAX - 1, 1]
        );
    }
}
