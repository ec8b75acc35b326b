//! Test support: a small deterministic generator, so that randomised tests repeat exactly.

/// Marsaglia's xorshift64: each [`XorShift::next`] steps the state and returns it.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// The next value, below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
