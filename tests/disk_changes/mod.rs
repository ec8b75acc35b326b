//! Changes other programs make to a file sesstui has open, for the tests of what it does then
//! (`changes_headless.rs`, `e2e_changes.rs`). Always on copies in a temporary directory.

#![allow(dead_code, clippy::panic, clippy::unwrap_used)]

use std::path::Path;

pub const BASE: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";
/// Other content for the file: a different export.
pub const OTHER: &str = "fixtures/multi/part1.jsonl";
/// Other content, longer than `BASE`: a rewrite that is not a truncation.
pub const LONGER: &str = "fixtures/claude_code/litellm_otel.jsonl";

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `: > file`
    Truncate,
    /// Cut to its first ten lines and a half.
    Shrink,
    /// Another file renamed over it.
    Replace,
    Delete,
    /// `cat longer > file`: the same file, other bytes.
    Rewrite,
    /// `cat other >> file`
    Append,
    /// `mv file file.1`, then a new file at the path.
    Rotate,
}

pub const ALL: [Kind; 7] = [
    Kind::Truncate,
    Kind::Shrink,
    Kind::Replace,
    Kind::Delete,
    Kind::Rewrite,
    Kind::Append,
    Kind::Rotate,
];

impl Kind {
    /// The word of the error for a change that loses bytes; `None` when the output stands.
    pub fn loses(self) -> Option<&'static str> {
        match self {
            Kind::Truncate | Kind::Shrink => Some("truncated"),
            Kind::Rewrite => Some("rewritten"),
            _ => None,
        }
    }

    /// Does it to `path`, as another program would.
    pub fn apply(self, path: &Path) {
        use std::io::Write;
        let dir = path.parent().unwrap();
        match self {
            Kind::Truncate => {
                std::fs::File::create(path).unwrap();
            }
            Kind::Shrink => {
                let body = std::fs::read(path).unwrap();
                let cut = body
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .nth(9)
                    .map_or(body.len() / 2, |(i, _)| i + 40);
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .unwrap()
                    .set_len(cut as u64)
                    .unwrap();
            }
            Kind::Replace => {
                let next = dir.join(".next.jsonl");
                std::fs::write(&next, fixture(OTHER)).unwrap();
                std::fs::rename(&next, path).unwrap();
            }
            Kind::Delete => std::fs::remove_file(path).unwrap(),
            Kind::Rewrite => {
                // Opened with truncation and written again: what `>` does.
                std::fs::File::create(path)
                    .unwrap()
                    .write_all(&fixture(LONGER))
                    .unwrap();
            }
            Kind::Append => std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .unwrap()
                .write_all(&fixture(OTHER))
                .unwrap(),
            Kind::Rotate => {
                std::fs::rename(path, dir.join("export.jsonl.1")).unwrap();
                std::fs::write(path, fixture(OTHER)).unwrap();
            }
        }
    }
}
