//! What decoding an input lost (a truncated gzip stream, a Collector record that does not
//! decode), reported with the file's other problems: in `doctor`, the explorer's problem list
//! and the headless warnings.
//!
//! A note that stands for a line of the decoded text (a record of a framed file, left as an
//! empty line) takes that line's place: the line is malformed, not blank. A note for what comes
//! after the last line (the rest of a cut stream, a record cut short) counts as one more
//! malformed line, so that a file's lines still add up by kind.

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
                let line = note.line.unwrap_or(info.lines + 1);
                let at = u32::try_from(line).unwrap_or(u32::MAX);
                let blank =
                    |p: &Problem| p.file == file && p.line == at && p.reason == "blank line";
                if line > info.lines {
                    // Past the decoded text: one more line, and a malformed one.
                    info.kinds.malformed += line - info.lines;
                    info.lines = line;
                } else if self.problems.iter().any(blank) {
                    // The empty line left for a record that did not decode.
                    self.problems.retain(|p| !blank(p));
                    info.kinds.blank = info.kinds.blank.saturating_sub(1);
                    info.kinds.malformed += 1;
                }
                let line = at;
                self.problems.push(Problem {
                    file,
                    line,
                    lines: 1,
                    severity: Severity::Malformed,
                    reason: Cow::Owned(note.reason.clone()),
                    topic: super::report::Topic::Other,
                });
                added = true;
            }
        }
        if added {
            self.problems.sort_by_key(|p| (p.file, p.line));
        }
    }
}
