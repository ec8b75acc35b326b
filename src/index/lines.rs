//! Splitting a file into records: JSON Lines (one record per line, split into pieces at line
//! boundaries so pieces scan in parallel) or JSON documents (one or more values, possibly
//! pretty-printed over many lines).

use crate::json::Cursor;
use std::ops::Range;

/// How a file holds its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Lines,
    Document,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Length of a leading UTF-8 byte-order mark (0 or 3).
pub fn bom_len(b: &[u8]) -> usize {
    if b.starts_with(BOM) { BOM.len() } else { 0 }
}

/// Decides between JSON Lines and a JSON document from the first record.
///
/// If the first non-blank line is a complete JSON value, the file is JSON Lines. Otherwise, if
/// a complete value starts there and spans lines, it is a document. Otherwise the first line is
/// simply bad, and line mode will report it.
pub fn detect(b: &[u8]) -> Mode {
    let mut start = bom_len(b);
    while start < b.len() && b[start].is_ascii_whitespace() {
        start += 1;
    }
    let rest = &b[start..];
    let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let mut line = Cursor::new(&rest[..line_end]);
    if line.skip_value().is_ok() {
        // One value, or several back to back (`{…}{…}`): each is a record of that line.
        if line.at_end() || matches!(line.peek_byte(), Some(b'{' | b'[')) {
            return Mode::Lines;
        }
    }
    let mut doc = Cursor::new(rest);
    if doc.skip_value().is_ok() {
        return Mode::Document;
    }
    // A broken document still looks like one: a bare opening bracket, or an indented next line.
    let first = rest[..line_end].trim_ascii();
    let next_indented = rest
        .get(line_end + 1)
        .is_some_and(|c| *c == b' ' || *c == b'\t');
    if matches!(first, b"{" | b"[") || (matches!(first.first(), Some(b'{' | b'[')) && next_indented)
    {
        return Mode::Document;
    }
    Mode::Lines
}

/// Splits `range` of `b` into pieces of about `target` bytes that end at a newline.
pub fn split(b: &[u8], range: Range<usize>, target: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let want = at.saturating_add(target.max(1));
        let end = if want >= range.end {
            range.end
        } else {
            record_start_after(b, want, range.end)
        };
        out.push(at..end);
        at = end;
    }
    out
}

/// How far past the wanted cut a piece may run to end where a record starts, rather than
/// inside a pretty-printed one.
const CUT_LOOKAHEAD: usize = 4 << 20;

/// The start of the first line after `at` that may begin a record: not indented and not a
/// closing bracket, so a pretty-printed record among JSON Lines is not cut in two (its inner
/// lines are indented, its last is `}`). Every JSON Lines line qualifies, so the cut lands on
/// the first newline as before; past [`CUT_LOOKAHEAD`], any newline will do.
fn record_start_after(b: &[u8], at: usize, end: usize) -> usize {
    let limit = at.saturating_add(CUT_LOOKAHEAD).min(end);
    let mut first = None;
    let mut i = at;
    while let Some(k) = memchr::memchr(b'\n', &b[i..end]) {
        let next = i + k + 1;
        first.get_or_insert(next);
        if !matches!(b.get(next), Some(b' ' | b'\t' | b'}' | b']' | b',')) {
            return next;
        }
        if next >= limit {
            break;
        }
        i = next;
    }
    first.unwrap_or(end)
}

/// Iterates the lines of a piece as (start, end) byte ranges without the `\n`: the lines cut at
/// their newlines first, the reference the scan is tested against (the scan itself walks each
/// line to its own end, see `Collector::line`).
#[cfg(test)]
pub struct LineIter<'a> {
    b: &'a [u8],
    at: usize,
    end: usize,
}

#[cfg(test)]
impl<'a> LineIter<'a> {
    pub fn new(b: &'a [u8], range: Range<usize>) -> Self {
        LineIter {
            b,
            at: range.start,
            end: range.end,
        }
    }
}

#[cfg(test)]
impl Iterator for LineIter<'_> {
    type Item = Range<usize>;
    fn next(&mut self) -> Option<Range<usize>> {
        if self.at >= self.end {
            return None;
        }
        let start = self.at;
        let stop = match memchr::memchr(b'\n', &self.b[start..self.end]) {
            Some(k) => start + k,
            None => self.end,
        };
        self.at = stop + 1;
        Some(start..stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_modes() {
        assert_eq!(detect(b"{\"a\":1}\n{\"a\":2}\n"), Mode::Lines);
        assert_eq!(detect(b"\xEF\xBB\xBF\n\n{\"a\":1}\n"), Mode::Lines);
        assert_eq!(detect(b"{\n  \"a\": 1\n}\n"), Mode::Document);
        assert_eq!(detect(b"[\n{\"a\":1},\n{\"a\":2}\n]"), Mode::Document);
        assert_eq!(detect(b"garbage\n{\"a\":1}\n"), Mode::Lines);
        assert_eq!(detect(b"{\"a\":\n"), Mode::Lines);
        assert_eq!(detect(b"{\n  \"a\": \n}\n"), Mode::Document);
        assert_eq!(detect(b"{\"a\":\n{\"b\":1}\n"), Mode::Lines);
        // Two records on the first line do not make the file one document.
        assert_eq!(detect(b"{\"a\":1}{\"a\":2}\n{\"a\":3}\n"), Mode::Lines);
        assert_eq!(detect(b"{\"a\":1} {\"a\":2}\n"), Mode::Lines);
    }

    #[test]
    fn pieces_end_on_newlines_and_cover_everything() {
        let text = b"aaaa\nbb\ncccccc\nd\n\neeee";
        for target in 1..30 {
            let pieces = split(text, 0..text.len(), target);
            assert_eq!(pieces.first().map(|r| r.start), Some(0));
            assert_eq!(pieces.last().map(|r| r.end), Some(text.len()));
            for w in pieces.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(text[w[0].end - 1], b'\n');
            }
        }
    }

    #[test]
    fn lines_without_trailing_newline() {
        let text = b"a\n\nbc";
        let lines: Vec<_> = LineIter::new(text, 0..text.len())
            .map(|r| &text[r])
            .collect();
        assert_eq!(lines, [&b"a"[..], b"", b"bc"]);
        let text = b"a\n";
        assert_eq!(LineIter::new(text, 0..2).count(), 1);
    }
}
