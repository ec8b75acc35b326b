//! The index's trace ids: [`TraceKeys`], the list of them by trace number (16 bytes a trace,
//! not a 24-byte [`TraceKey`]), and [`TraceIds`], trace numbers by id while pieces are merged
//! (and again for appends): a table of trace numbers hashed by the ids they name in the list,
//! so each id is stored once. As a map of id to number each entry took 32 bytes (a 24-byte id,
//! the number and padding) in a table sized for every trace: on a million-span export that map
//! was the scan's peak.

use super::TraceKey;
use super::bits::Bits;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Trace ids by trace number: a 128-bit id as its two words, an id kept as text as its
/// interned string in the second word, told apart by a bit set for each of those (few or
/// none).
#[derive(Clone, Debug, Default)]
pub struct TraceKeys {
    ids: Vec<[u64; 2]>,
    /// The traces whose id is text.
    text: Bits,
}

impl TraceKeys {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Trace `t`'s id.
    #[inline]
    pub fn get(&self, t: u32) -> Option<TraceKey> {
        let &[hi, lo] = self.ids.get(t as usize)?;
        Some(if self.text.rank(t).is_some() {
            TraceKey::Text(u32::try_from(lo).unwrap_or(0))
        } else {
            TraceKey::Hex(hi, lo)
        })
    }

    /// Adds the id of the next trace.
    pub fn push(&mut self, key: TraceKey) {
        let t = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        match key {
            TraceKey::Hex(hi, lo) => self.ids.push([hi, lo]),
            TraceKey::Text(s) => {
                self.text.insert(t);
                self.ids.push([0, u64::from(s)]);
            }
        }
    }

    pub fn reserve(&mut self, more: usize) {
        self.ids.reserve(more);
    }

    /// Every id, by trace number.
    pub fn iter(&self) -> impl Iterator<Item = TraceKey> + '_ {
        (0..u32::try_from(self.ids.len()).unwrap_or(u32::MAX)).filter_map(|t| self.get(t))
    }

    /// Bytes it takes.
    pub fn bytes(&self) -> usize {
        self.ids.len() * 16 + self.text.bytes()
    }
}

impl PartialEq for TraceKeys {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Trace numbers by trace id; the ids are the index's `traces` (number `t` is
/// `traces.get(t)`), passed to every call.
#[derive(Default)]
pub struct TraceIds {
    table: HashTable<u32>,
    hasher: crate::hash::Build,
}

impl TraceIds {
    /// The table of every trace in `traces`.
    pub fn of(traces: &TraceKeys) -> TraceIds {
        let mut ids = TraceIds::default();
        ids.reserve(traces.len(), traces);
        for (i, key) in traces.iter().enumerate() {
            let hash = ids.hasher.hash_one(key);
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let hasher = &ids.hasher;
            ids.table
                .insert_unique(hash, i, |&t| rehash(hasher, traces, t));
        }
        ids
    }

    /// Room for `more` traces beyond those in the table.
    pub fn reserve(&mut self, more: usize, traces: &TraceKeys) {
        let hasher = &self.hasher;
        self.table.reserve(more, |&t| rehash(hasher, traces, t));
    }

    /// The number of trace `key`: the one in `traces`, else a new one, pushed onto `traces`
    /// (and `true` then).
    pub fn number(&mut self, key: TraceKey, traces: &mut TraceKeys) -> (u32, bool) {
        let hash = self.hasher.hash_one(key);
        if let Some(&t) = self.table.find(hash, |&t| traces.get(t) == Some(key)) {
            return (t, false);
        }
        let t = u32::try_from(traces.len()).unwrap_or(u32::MAX);
        traces.push(key);
        let (hasher, traces) = (&self.hasher, &*traces);
        self.table
            .insert_unique(hash, t, |&other| rehash(hasher, traces, other));
        (t, true)
    }
}

/// The hash of trace number `t`'s id (its table growing).
fn rehash(hasher: &crate::hash::Build, traces: &TraceKeys, t: u32) -> u64 {
    traces.get(t).map_or(0, |key| hasher.hash_one(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id gets one number, the same each time it comes back, however the table grew.
    #[test]
    fn ids_number_once_through_growth() {
        let mut rng = crate::testing::XorShift(11);
        let mut traces = TraceKeys::default();
        let mut ids = TraceIds::default();
        let mut want = std::collections::HashMap::new();
        for _ in 0..20_000 {
            let key = if rng.below(10) == 0 {
                TraceKey::Text(rng.below(300) as u32)
            } else {
                TraceKey::Hex(rng.below(3), rng.below(5000))
            };
            let (t, new) = ids.number(key, &mut traces);
            let next = want.len() as u32;
            let w = *want.entry(key).or_insert(next);
            assert_eq!((t, new), (w, w == next));
            assert_eq!(traces.get(t), Some(key));
        }
        assert_eq!(traces.len(), want.len());
        // Made again from the list, it numbers them the same.
        let mut again = TraceIds::of(&traces);
        let mut copy = traces.clone();
        for (&key, &t) in &want {
            assert_eq!(again.number(key, &mut copy), (t, false));
        }
        assert_eq!(copy, traces);
        // Text ids and 128-bit ids that hold the same words stay apart.
        let mut keys = TraceKeys::default();
        let mut ids = TraceIds::default();
        for key in [
            TraceKey::Hex(0, 5),
            TraceKey::Text(5),
            TraceKey::Hex(0, 0),
            TraceKey::Text(0),
        ] {
            assert!(ids.number(key, &mut keys).1, "{key:?}");
        }
        assert_eq!(
            keys.iter().collect::<Vec<_>>(),
            [
                TraceKey::Hex(0, 5),
                TraceKey::Text(5),
                TraceKey::Hex(0, 0),
                TraceKey::Text(0)
            ]
        );
    }
}
