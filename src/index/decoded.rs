//! What decoding an input lost (a truncated gzip stream, a Collector record that does not
//! decode), reported with the file's other problems: in `doctor`, the explorer's problem list
//! and the headless warnings.
//!
//! A note that stands for a line of the decoded text (a record of a framed file, left as an
//! empty line) takes that line's place: the line is malformed, not blank. A note for what comes
//! after the last line (the rest of a cut stream) counts as one more line, so that a file's
//! lines are still its records, malformed and blank lines.

use super::Index;
use super::report::{Problem, Severity};
use std::borrow::Cow;

impl Index {
    /// Adds every source's decoding notes to the problems.
    pub(super) fn note_decoding(&mut self) {
        let mut added = false;
        for (i, src) in self.sources.iter().enumerate() {
            let (Ok(file), Some(info)) = (u16::try_from(i), self.files.get_mut(i)) else {
                continue;
            };
            for note in src.notes() {
                let line = match note.line {
                    Some(l) => l,
                    None => {
                        info.lines += 1;
                        info.lines
                    }
                };
                info.lines = info.lines.max(line);
                let line = u32::try_from(line).unwrap_or(u32::MAX);
                self.problems
                    .retain(|p| !(p.file == file && p.line == line && p.reason == "blank line"));
                self.problems.push(Problem {
                    file,
                    line,
                    severity: Severity::Malformed,
                    reason: Cow::Owned(note.reason.clone()),
                });
                added = true;
            }
        }
        if added {
            self.problems.sort_by_key(|p| (p.file, p.line));
        }
    }
}
