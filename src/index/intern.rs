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
}

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner {
            map: HashMap::default(),
            list: Vec::new(),
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

    /// Adds all of `other`'s strings; returns the map from its ids to ours.
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.list.iter().map(|s| self.intern(s)).collect()
    }
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
}
