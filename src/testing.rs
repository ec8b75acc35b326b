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

    /// Spoils `b` one time in `one_in` by replacing one of its bytes with one of `with`, and
    /// another time in `one_in` by cutting it short; leaves it as it is otherwise (and when it
    /// is empty).
    pub fn spoil(&mut self, b: &mut Vec<u8>, with: &[u8], one_in: u64) {
        if b.is_empty() || with.is_empty() {
            return;
        }
        match self.below(one_in) {
            0 => {
                let at = self.below(b.len() as u64) as usize;
                b[at] = with[self.below(with.len() as u64) as usize];
            }
            1 => b.truncate(self.below(b.len() as u64) as usize),
            _ => {}
        }
    }
}

/// The export files among the fixtures of `dirs` (under `fixtures/`): their `.jsonl` and `.json`
/// files, truth files left out, sorted. A directory that cannot be read fails the test.
pub fn fixture_exports(dirs: &[&str]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(format!("fixtures/{dir}"))
            .unwrap_or_else(|e| panic!("fixtures/{dir}: {e}"));
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "jsonl" || x == "json")
                && !p.to_string_lossy().ends_with(".truth.json")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The export files of every fixture directory (see [`fixture_exports`]), sorted.
pub fn all_fixture_exports() -> Vec<std::path::PathBuf> {
    let dirs: Vec<String> = std::fs::read_dir("fixtures")
        .unwrap_or_else(|e| panic!("fixtures: {e}"))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    fixture_exports(&dirs)
}

/// The model of `text` read as one file named `f.jsonl`, inference on as by default; `None`
/// when it cannot be indexed (no span in it).
pub fn model_of(text: Vec<u8>) -> Option<crate::model::Model> {
    let sources = vec![crate::source::Source::from_bytes("f.jsonl", text)];
    let idx = crate::index::build(sources, &crate::index::progress::Progress::default()).ok()?;
    Some(crate::model::build(idx))
}
