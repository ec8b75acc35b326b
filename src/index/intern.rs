//! String interning: names, session ids, users and models repeat across millions of spans.

use crate::json::RawStr;
use std::collections::HashMap;

/// Strings stored once, named by a `u32`; index 0 is the empty string ("none").
///
/// Keyed by bytes, so that a string still as written in the file can be found without
/// decoding it first (see [`Interner::intern_raw`]).
#[derive(Debug)]
pub struct Interner {
    map: HashMap<Box<[u8]>, u32, crate::hash::Build>,
    list: Vec<Box<str>>,
    /// Strings [`Interner::intern_recent`] found lately, by a cheap hash of their bytes.
    recent: [u32; RECENT],
}

/// Slots in [`Interner::recent`] (a power of two).
const RECENT: usize = 64;

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner {
            map: HashMap::default(),
            list: Vec::new(),
            recent: [0; RECENT],
        };
        i.intern("");
        i
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s.as_bytes()) {
            return id;
        }
        let id = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(s.into());
        self.map.insert(s.as_bytes().into(), id);
        id
    }

    /// Interns a JSON string as decoded. One without escapes is looked up as it is first: only
    /// valid UTF-8 is ever stored, so a hit is exactly the decoded string.
    pub fn intern_raw(&mut self, raw: RawStr<'_>) -> u32 {
        if !raw.escaped()
            && let Some(&id) = self.map.get(raw.raw)
        {
            return id;
        }
        self.intern(&raw.decode())
    }

    /// [`Interner::intern_raw`] for strings that repeat from record to record (span names):
    /// one seen lately is recognised by comparing its bytes, without hashing it whole.
    #[inline]
    pub fn intern_recent(&mut self, raw: RawStr<'_>) -> u32 {
        let slot = recent_slot(raw.raw);
        let id = self.recent[slot];
        // Stored strings are decoded: one with an escape never matches here (and is decoded
        // by `intern_raw`).
        if self.get(id).as_bytes() == raw.raw {
            return id;
        }
        let id = self.intern_raw(raw);
        self.recent[slot] = id;
        id
    }

    pub fn get(&self, id: u32) -> &str {
        self.list.get(id as usize).map_or("", |s| s)
    }

    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.map.get(s.as_bytes()).copied()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.len() <= 1
    }

    /// Forgets every string but the empty one (keeping the memory of its tables).
    pub fn clear(&mut self) {
        self.map.clear();
        self.list.clear();
        self.recent = [0; RECENT];
        self.intern("");
    }

    /// Adds all of `other`'s strings; returns the map from its ids to ours.
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.list.iter().map(|s| self.intern(s)).collect()
    }
}

/// The slot in [`Interner::recent`] for `b`: a mix of its length and its first and last eight
/// bytes (any bytes will do: a slot only says where to compare).
fn recent_slot(b: &[u8]) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = b.len();
    let word = |at: usize| {
        b.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let (head, tail) = if n >= 8 {
        (word(0), word(n - 8))
    } else {
        (b.first().map_or(0, |&c| u64::from(c)), 0)
    };
    let mix = (head ^ tail.rotate_left(29) ^ n as u64).wrapping_mul(K);
    (mix >> (64 - RECENT.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_strings_intern_as_decoded() {
        let mut i = Interner::default();
        let plain = i.intern("a\"b");
        assert_eq!(i.intern_raw(RawStr::plain(br#"a\"b"#)), plain);
        let fresh = i.intern_raw(RawStr::plain(b"fresh"));
        assert_eq!(i.get(fresh), "fresh");
        assert_eq!(i.intern("fresh"), fresh);
        assert_eq!(i.lookup("fresh"), Some(fresh));
    }

    /// Whatever the recent slots hold (collisions, escapes, the empty string), the id is the
    /// one `intern` gives.
    #[test]
    fn recent_strings_intern_like_any() {
        let mut i = Interner::default();
        let mut rng = crate::testing::XorShift(7);
        let words: Vec<String> = (0..300)
            .map(|k| match k % 5 {
                0 => String::new(),
                1 => format!("w{}", rng.below(50)),
                2 => format!("Claude_Code_Tool_{}", rng.below(40)),
                3 => format!("a\\\"{}", rng.below(3)),
                _ => "x".repeat(rng.below(20) as usize),
            })
            .collect();
        for w in &words {
            let raw = RawStr::plain(w.as_bytes());
            let got = i.intern_recent(raw);
            assert_eq!(i.get(got), raw.decode(), "{w}");
            assert_eq!(got, i.intern(&raw.decode()), "{w}");
        }
    }
}
