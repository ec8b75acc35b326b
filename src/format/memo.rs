//! A small direct-mapped memo for per-key decisions.
//!
//! A file repeats the same few dozen keys on every record (a Phoenix export writes every column
//! on every row), so remembering the last decision per key shape beats hashing each key again.
//! Entries are checked byte for byte: a hit is always exact.

const SLOTS: usize = 128;
const MAX_KEY: usize = 56;

#[derive(Clone, Copy)]
struct Slot<T> {
    len: u8,
    bytes: [u8; MAX_KEY],
    value: T,
}

/// Remembers `f(key)` for keys up to 56 bytes.
pub struct Memo<T: Copy> {
    slots: Vec<Option<Slot<T>>>,
}

impl<T: Copy> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            slots: vec![None; SLOTS],
        }
    }
}

/// Eight bytes of `b` from `at` (zero-padded past the end), without a memcpy call.
#[inline]
fn word(b: &[u8], at: usize) -> u64 {
    if let Some(Ok(w)) = b.get(at..at + 8).map(<[u8; 8]>::try_from) {
        return u64::from_le_bytes(w);
    }
    let mut w = 0u64;
    for (i, &c) in b.iter().skip(at).take(8).enumerate() {
        w |= u64::from(c) << (8 * i);
    }
    w
}

/// Byte equality, a word at a time.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (0..a.len()).step_by(8).all(|i| word(a, i) == word(b, i))
}

fn slot_of(key: &[u8]) -> usize {
    let n = key.len();
    let h = word(key, 0)
        ^ word(key, n.saturating_sub(8)).rotate_left(29)
        ^ (n as u64).wrapping_mul(0x9e37_79b9);
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57) as usize % SLOTS
}

impl<T: Copy> Memo<T> {
    /// The memoised value of `f(key)`.
    #[inline]
    pub fn get(&mut self, key: &[u8], f: impl FnOnce(&[u8]) -> T) -> T {
        if key.len() > MAX_KEY {
            return f(key);
        }
        let i = slot_of(key);
        if let Some(s) = &self.slots[i] {
            if usize::from(s.len) == key.len() && same(&s.bytes[..key.len()], key) {
                return s.value;
            }
        }
        let value = f(key);
        let mut bytes = [0u8; MAX_KEY];
        bytes[..key.len()].copy_from_slice(key);
        self.slots[i] = Some(Slot {
            len: u8::try_from(key.len()).unwrap_or(0),
            bytes,
            value,
        });
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_are_exact() {
        let mut m: Memo<usize> = Memo::default();
        let mut calls = 0;
        for _ in 0..3 {
            for k in [
                "a",
                "ab",
                "llm.token_count.prompt",
                "llm.token_count.promps",
                "",
            ] {
                let v = m.get(k.as_bytes(), |b| {
                    calls += 1;
                    b.len() + usize::from(b.last().copied().unwrap_or(0))
                });
                assert_eq!(v, k.len() + usize::from(k.bytes().last().unwrap_or(0)));
            }
        }
        assert!(calls <= 10, "{calls}");
        let long = "x".repeat(100);
        assert_eq!(m.get(long.as_bytes(), <[u8]>::len), 100);
    }
}
