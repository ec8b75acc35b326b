//! The set of opened spans: one bit per span index, grown as spans open.
//!
//! Span indices are unique in the model, so a bit per span says all the tree needs about what
//! is open: "expand all" on a million spans costs 125 KB, and the visible rows are rebuilt
//! with one bit test per row.

#[derive(Default)]
pub struct Opened {
    words: Vec<u64>,
}

impl Opened {
    pub fn contains(&self, span: u32) -> bool {
        self.words
            .get(span as usize / 64)
            .is_some_and(|w| w >> (span % 64) & 1 == 1)
    }

    pub fn insert(&mut self, span: u32) {
        let w = span as usize / 64;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (span % 64);
    }

    pub fn remove(&mut self, span: u32) {
        if let Some(w) = self.words.get_mut(span as usize / 64) {
            *w &= !(1 << (span % 64));
        }
    }

    /// Flips `span`; true when it is now open.
    pub fn toggle(&mut self, span: u32) -> bool {
        let open = !self.contains(span);
        if open {
            self.insert(span);
        } else {
            self.remove(span);
        }
        open
    }

    /// Closes everything and gives the memory back.
    pub fn clear(&mut self) {
        self.words = Vec::new();
    }

    /// Room for spans below `spans` without growing.
    pub fn reserve(&mut self, spans: usize) {
        let words = spans.div_ceil(64);
        if words > self.words.len() {
            self.words.resize(words, 0);
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::Opened;

    #[test]
    fn bits_open_and_close_one_span_each() {
        let mut o = Opened::default();
        for s in [0, 63, 64, 1_000_003] {
            assert!(!o.contains(s));
            o.insert(s);
            assert!(o.contains(s));
        }
        assert!(!o.contains(1) && !o.contains(65) && !o.contains(1_000_002));
        o.remove(63);
        assert!(!o.contains(63) && o.contains(64));
        assert!(!o.toggle(64) && !o.contains(64));
        assert!(o.toggle(64) && o.contains(64));
        o.remove(u32::MAX);
        assert!(!o.contains(u32::MAX));
        o.clear();
        assert!(!o.contains(0) && o.heap_bytes() == 0);
    }
}
