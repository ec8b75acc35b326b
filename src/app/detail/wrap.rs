//! Word wrap for the span detail: where a line's rows begin and end at a width.
//!
//! A row breaks at the last space that fits; a word longer than a row is cut where the row
//! ends. Rows after the first are drawn `hang` columns in (the line's indentation), so wrapped
//! JSON and message text stay under their start. The one place rows are counted and cut, for
//! scrolling and for drawing alike.

use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// At most this share of a row goes to the hanging indent.
fn hang_for(width: usize, hang: usize) -> usize {
    hang.min(width / 2)
}

/// The rows of `text` at `width` columns, continuation rows `hang` columns in: byte ranges of
/// `text` (spaces where a row breaks belong to no row). One row, empty, for empty text.
pub fn rows(text: &str, width: usize, hang: usize) -> Rows<'_> {
    Rows {
        text,
        pos: 0,
        width: width.max(1),
        hang: hang_for(width.max(1), hang),
        first: true,
    }
}

/// How many rows `text` takes (see [`rows`]).
pub fn count(text: &str, width: usize, hang: usize) -> usize {
    // Short ASCII text fits on one row without a look at each character.
    if text.len() <= width && text.is_ascii() {
        return 1;
    }
    rows(text, width, hang).count()
}

/// The columns of the hanging indent rows after the first are drawn with.
pub fn indent(width: usize, hang: usize) -> usize {
    hang_for(width.max(1), hang)
}

pub struct Rows<'a> {
    text: &'a str,
    pos: usize,
    width: usize,
    hang: usize,
    first: bool,
}

impl Iterator for Rows<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let len = self.text.len();
        if self.pos >= len {
            if self.first {
                self.first = false;
                return Some(0..0);
            }
            return None;
        }
        let avail = if self.first {
            self.width
        } else {
            (self.width - self.hang).max(1)
        };
        self.first = false;
        let start = self.pos;
        let rest = &self.text[start..];
        let mut used = 0;
        // The last space after some text: the row may end before it.
        let mut brk: Option<usize> = None;
        for (i, c) in rest.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > avail {
                let spaces = |b: usize| rest[b..].len() - rest[b..].trim_start_matches(' ').len();
                let (end, next) = match brk {
                    // The row is full where a space comes: it breaks there.
                    _ if c == ' ' => (start + i, start + i + spaces(i)),
                    Some(b) => {
                        // Spaces at the break belong to no row.
                        (start + b, start + b + spaces(b))
                    }
                    // A character wider than the row gets a row of its own.
                    None if i == 0 => (start + c.len_utf8(), start + c.len_utf8()),
                    None => (start + i, start + i),
                };
                self.pos = next;
                return Some(start..end);
            }
            if c == ' ' && i > 0 && !rest[..i].ends_with(' ') {
                brk = Some(i);
            }
            used += w;
        }
        self.pos = len;
        Some(start..len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(text: &str, width: usize, hang: usize) -> Vec<&str> {
        rows(text, width, hang).map(|r| &text[r]).collect()
    }

    #[test]
    fn breaks_between_words() {
        assert_eq!(
            wrapped("the quick brown fox jumps", 10, 0),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(count("the quick brown fox jumps", 10, 0), 3);
        // Exactly full rows.
        assert_eq!(wrapped("abcde fghij", 5, 0), ["abcde", "fghij"]);
        assert_eq!(wrapped("", 5, 0), [""]);
        assert_eq!(wrapped("short", 80, 4), ["short"]);
    }

    #[test]
    fn long_words_are_cut_and_continuations_hang() {
        assert_eq!(wrapped("abcdefghij", 4, 0), ["abcd", "efgh", "ij"]);
        // Rows after the first have 10 - 4 columns.
        assert_eq!(
            wrapped("    \"k\": \"aaa bbb ccc ddd\"", 12, 4),
            ["    \"k\":", "\"aaa bbb", "ccc ddd\""]
        );
        assert_eq!(indent(10, 4), 4);
        // The indentation never takes more than half a row.
        assert_eq!(indent(10, 40), 5);
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(wrapped("日本語テキスト", 6, 0), ["日本語", "テキス", "ト"]);
        // A character wider than the row still moves on.
        assert_eq!(wrapped("日本", 1, 0), ["日", "本"]);
    }
}
