//! String interning: names, session ids, users and models repeat across millions of spans.

use crate::json::RawStr;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Strings stored once, named by a `u32`; index 0 is the empty string ("none").
///
/// Keyed by bytes, so that a string still as written in the file can be found without
/// decoding it first (see [`Interner::intern_raw`]).
///
/// The strings lie end to end in one buffer, and the table holds only their ids (hashed by
/// the bytes they name): each string is stored once, not once as a key and once as a value,
/// nor in an allocation of its own (a session id is 36 bytes; as two boxes and a map entry it
/// took about 150).
#[derive(Debug)]
pub struct Interner {
    table: HashTable<u32>,
    hasher: crate::hash::Build,
    /// Every string, one after another.
    text: String,
    /// Where each string starts in `text`, by id, and where the last one ends.
    starts: Vec<usize>,
    /// Strings [`Interner::intern_recent`] found lately, by a cheap hash of their bytes.
    recent: [u32; RECENT],
    /// Strings [`Interner::intern_cached`] found lately, by the same hash.
    recent_text: [u32; RECENT_TEXT],
}

/// Slots in [`Interner::recent_text`] (a power of two): the session ids and users of a few
/// dozen sessions written interleaved, and their models.
const RECENT_TEXT: usize = 256;

/// Slots in [`Interner::recent`] (a power of two).
const RECENT: usize = 64;

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner {
            table: HashTable::new(),
            hasher: crate::hash::Build::default(),
            text: String::new(),
            starts: vec![0],
            recent: [0; RECENT],
            recent_text: [0; RECENT_TEXT],
        };
        i.intern("");
        i
    }
}

impl Interner {
    /// The bytes of string `id` (none for an id not given).
    #[inline]
    fn bytes(&self, id: u32) -> &[u8] {
        let id = id as usize;
        match (self.starts.get(id), self.starts.get(id + 1)) {
            (Some(&a), Some(&b)) => self.text.as_bytes().get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The id of the string whose bytes are `b`, if it is stored.
    #[inline]
    fn find(&self, b: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(b);
        self.table.find(hash, |&id| self.bytes(id) == b).copied()
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.find(s.as_bytes()) {
            return id;
        }
        let id = u32::try_from(self.starts.len() - 1).unwrap_or(u32::MAX);
        self.text.push_str(s);
        self.starts.push(self.text.len());
        let hash = self.hasher.hash_one(s.as_bytes());
        let (starts, text, hasher) = (&self.starts, &self.text, &self.hasher);
        // Rehashing (when the table grows) hashes each stored string again, from the buffer.
        self.table.insert_unique(hash, id, |&other| {
            let other = other as usize;
            let bytes = match (starts.get(other), starts.get(other + 1)) {
                (Some(&a), Some(&b)) => text.as_bytes().get(a..b).unwrap_or(&[]),
                _ => &[],
            };
            hasher.hash_one(bytes)
        });
        id
    }

    /// Interns a JSON string as decoded. One without escapes is looked up as it is first: only
    /// valid UTF-8 is ever stored, so a hit is exactly the decoded string.
    pub fn intern_raw(&mut self, raw: RawStr<'_>) -> u32 {
        if !raw.escaped()
            && let Some(id) = self.find(raw.raw)
        {
            return id;
        }
        self.intern(&raw.decode())
    }

    /// [`Interner::intern_raw`] for strings that repeat from record to record (span names):
    /// one seen lately is recognised by comparing its bytes, without hashing it whole.
    #[inline]
    pub fn intern_recent(&mut self, raw: RawStr<'_>) -> u32 {
        let slot = recent_slot::<RECENT>(raw.raw);
        let id = self.recent[slot];
        // Only strings written without a backslash are remembered, and their bytes as stored
        // are their bytes as written, so a match has no escape either and means the same
        // string. (A stored string decoded from `a\\nb` has the bytes `a\nb`, which is how
        // `a` newline `b` is written: comparing against it would take one for the other.)
        if self.bytes(id) == raw.raw {
            return id;
        }
        let id = self.intern_raw(raw);
        if memchr::memchr(b'\\', raw.raw).is_none() {
            self.recent[slot] = id;
        }
        id
    }

    /// [`Interner::intern`] for strings that repeat from record to record (session ids,
    /// users, models): one found lately is recognised by comparing its bytes, without hashing
    /// it whole. (Decoded text: equal bytes are the same string.)
    #[inline]
    pub fn intern_cached(&mut self, s: &str) -> u32 {
        let slot = recent_slot::<RECENT_TEXT>(s.as_bytes());
        let id = self.recent_text[slot];
        if self.bytes(id) == s.as_bytes() {
            return id;
        }
        let id = self.intern(s);
        self.recent_text[slot] = id;
        id
    }

    /// A JSON string decoded and trimmed, interned as [`Interner::intern_cached`] does; `None`
    /// when that leaves nothing. One as written (no escape, and a printable ASCII byte at each
    /// end, so that `trim` takes nothing) is looked up as [`Interner::intern_recent`] does,
    /// without decoding it.
    #[inline]
    pub fn intern_trimmed(&mut self, raw: RawStr<'_>) -> Option<u32> {
        let plain = |c: Option<&u8>| c.is_some_and(u8::is_ascii_graphic);
        if plain(raw.raw.first()) && plain(raw.raw.last()) && !raw.escaped() {
            return Some(self.intern_recent(raw));
        }
        let text = raw.decode();
        let t = text.trim();
        (!t.is_empty()).then(|| self.intern_cached(t))
    }

    pub fn get(&self, id: u32) -> &str {
        let id = id as usize;
        match (self.starts.get(id), self.starts.get(id + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a..b).unwrap_or(""),
            _ => "",
        }
    }

    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.find(s.as_bytes())
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }

    /// Forgets every string but the empty one (keeping the memory of its tables).
    pub fn clear(&mut self) {
        self.table.clear();
        self.text.clear();
        self.starts.clear();
        self.starts.push(0);
        self.recent = [0; RECENT];
        self.recent_text = [0; RECENT_TEXT];
        self.intern("");
    }

    /// Adds all of `other`'s strings; returns the map from its ids to ours.
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        (0..other.len())
            .map(|i| self.intern(other.get(u32::try_from(i).unwrap_or(u32::MAX))))
            .collect()
    }

    /// Bytes the strings take: their text, their starts and the table (what the benchmark's
    /// breakdown of memory counts for them; capacity never written is not counted).
    pub fn heap_bytes(&self) -> usize {
        self.text.len()
            + self.starts.len() * std::mem::size_of::<usize>()
            + self.table.allocation_size()
    }
}

/// The slot among `SLOTS` (a power of two: [`Interner::recent`], [`Interner::recent_text`])
/// for `b`: a mix of its length and its first and last eight bytes (any bytes will do: a slot
/// only says where to compare).
fn recent_slot<const SLOTS: usize>(b: &[u8]) -> usize {
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
    (mix >> (64 - SLOTS.trailing_zeros())) as usize
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

    /// Whatever the recent slots hold (collisions, strings that share their ends and length,
    /// the empty string, strings met through the other ways in), `intern_cached` gives the id
    /// `intern` gives, and the string is the one given.
    #[test]
    fn cached_strings_intern_like_any() {
        let mut i = Interner::default();
        let mut rng = crate::testing::XorShift(0xcac4_ed51_7e55_0001);
        for k in 0..20_000 {
            let s = match rng.below(6) {
                0 => String::new(),
                1 => format!("session-{:04}-{}", rng.below(300), "x".repeat(20)),
                // Same length, same first and last eight bytes: the same slot.
                2 => format!("user_000000{}000000_end", rng.below(10)),
                3 => format!("a\\n{}", rng.below(3)),
                4 => "é".repeat(rng.below(12) as usize),
                _ => format!("m{}", rng.below(1000)),
            };
            let got = match k % 3 {
                0 => i.intern_recent(RawStr::plain(s.as_bytes())),
                _ => i.intern_cached(&s),
            };
            let decoded = if k % 3 == 0 {
                RawStr::plain(s.as_bytes()).decode().into_owned()
            } else {
                s.clone()
            };
            assert_eq!(i.get(got), decoded, "{s}");
            assert_eq!(got, i.intern(&decoded), "{s}");
            assert_eq!(i.intern_cached(&decoded), got, "{s}");
        }
    }

    /// `intern_trimmed` is interning the decoded string trimmed (nothing when that is empty),
    /// its look-up as written taken or not: blanks and Unicode spaces at either end, escapes
    /// (an escaped blank at an end among them), invalid UTF-8, and random bytes.
    #[test]
    fn trimmed_strings_intern_as_decoded_and_trimmed() {
        let mut i = Interner::default();
        let mut slow = Interner::default();
        let mut rng = crate::testing::XorShift(0x7e1a_aed0_0000_0003);
        let parts: [&[u8]; 14] = [
            b"gpt-4o",
            b" ",
            b"\\t",
            b"\\n",
            b"\\u0020",
            b"\\\"",
            b"\xc2\xa0",
            b"\xe3\x80\x80",
            b"\xc3",
            b"\xff",
            b"claude",
            b"\t",
            b"x",
            b"\xc2\x85",
        ];
        for _ in 0..40_000 {
            let raw: Vec<u8> = if rng.below(8) == 0 {
                (0..rng.below(12)).map(|_| rng.next() as u8).collect()
            } else {
                (0..rng.below(5))
                    .flat_map(|_| {
                        parts[rng.below(parts.len() as u64) as usize]
                            .iter()
                            .copied()
                    })
                    .collect()
            };
            let r = RawStr::plain(&raw);
            let text = r.decode();
            let t = text.trim();
            let want = (!t.is_empty()).then(|| slow.intern(t));
            let got = i.intern_trimmed(r);
            assert_eq!(
                got.map(|id| i.get(id)),
                want.map(|id| slow.get(id)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_remembered_name_is_never_taken_for_another_whose_escapes_spell_its_bytes() {
        // `n7\\nb` (an escaped backslash) is stored as the bytes `n7\nb`, which are how
        // `n7` newline `b` is written. Where the two fall in one slot, the second must still be
        // read as its own string.
        let mut shared_slot = 0;
        for k in 0..4000 {
            let backslash = format!("n{k}\\\\nb");
            let newline = format!("n{k}\\nb");
            shared_slot += usize::from(
                recent_slot::<RECENT>(backslash.as_bytes())
                    == recent_slot::<RECENT>(newline.as_bytes()),
            );
            let mut i = Interner::default();
            let a = i.intern_recent(RawStr::plain(backslash.as_bytes()));
            let b = i.intern_recent(RawStr::plain(newline.as_bytes()));
            assert_eq!(i.get(a), format!("n{k}\\nb"));
            assert_eq!(i.get(b), format!("n{k}\nb"), "k = {k}");
            assert_ne!(a, b);
        }
        assert!(shared_slot > 10, "only {shared_slot} pairs shared a slot");
    }
}
