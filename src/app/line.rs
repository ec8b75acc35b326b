//! A one-line text field that edits like a shell's: the cursor moves (←/→, `Ctrl-A`/`Ctrl-E`,
//! `Alt-B`/`Alt-F` by word), `Ctrl-U` / `Ctrl-K` cut before / after it, `Ctrl-W` the word
//! before it, `Delete` the character under it, and ↑/↓ walk the history of what was entered.

/// What a key does to a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    WordLeft,
    WordRight,
    Home,
    End,
    /// Cut from the start to the cursor.
    KillBefore,
    /// Cut from the cursor to the end.
    KillAfter,
    /// Cut the word before the cursor.
    KillWord,
    HistoryPrev,
    HistoryNext,
}

/// The text and its cursor (a byte offset on a character boundary).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    text: String,
    cursor: usize,
    /// While walking the history: the entry shown, and what was typed before the walk.
    walk: Option<(usize, String)>,
}

/// Most entries a history keeps.
const HISTORY: usize = 100;

/// What was entered before, newest last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<String>,
}

impl History {
    /// Remembers an entered line (not a blank one, nor the same twice in a row).
    pub fn push(&mut self, s: &str) {
        if s.trim().is_empty() || self.entries.last().is_some_and(|l| l == s) {
            return;
        }
        self.entries.push(s.to_owned());
        if self.entries.len() > HISTORY {
            self.entries.remove(0);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Line {
    pub fn new(text: &str) -> Line {
        Line {
            text: text.to_owned(),
            cursor: text.len(),
            walk: None,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, in characters from the start (for drawing).
    pub fn cursor_chars(&self) -> usize {
        self.text[..self.cursor].chars().count()
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.cursor)
    }

    fn prev(&self, at: usize) -> usize {
        self.text[..at]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next(&self, at: usize) -> usize {
        self.text[at..]
            .chars()
            .next()
            .map_or(self.text.len(), |c| at + c.len_utf8())
    }

    /// The start of the word before `at` (spaces before it skipped).
    fn word_start(&self, at: usize) -> usize {
        let before = &self.text[..at];
        let trimmed = before.trim_end_matches(char::is_whitespace);
        trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8())
    }

    /// The end of the word after `at`.
    fn word_end(&self, at: usize) -> usize {
        let after = &self.text[at..];
        let skip = after.len() - after.trim_start_matches(char::is_whitespace).len();
        let rest = &after[skip..];
        at + skip + rest.find(char::is_whitespace).unwrap_or(rest.len())
    }

    /// Applies an edit; `history` is walked by ↑/↓. True when the text changed.
    pub fn edit(&mut self, e: Edit, history: &History) -> bool {
        let before = self.text.clone();
        match e {
            Edit::Insert(c) if !c.is_control() => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
            }
            Edit::Insert(_) => {}
            Edit::Backspace => {
                let p = self.prev(self.cursor);
                self.text.replace_range(p..self.cursor, "");
                self.cursor = p;
            }
            Edit::Delete => {
                let n = self.next(self.cursor);
                self.text.replace_range(self.cursor..n, "");
            }
            Edit::Left => self.cursor = self.prev(self.cursor),
            Edit::Right => self.cursor = self.next(self.cursor),
            Edit::WordLeft => self.cursor = self.word_start(self.cursor),
            Edit::WordRight => self.cursor = self.word_end(self.cursor),
            Edit::Home => self.cursor = 0,
            Edit::End => self.cursor = self.text.len(),
            Edit::KillBefore => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
            }
            Edit::KillAfter => self.text.truncate(self.cursor),
            Edit::KillWord => {
                let w = self.word_start(self.cursor);
                self.text.replace_range(w..self.cursor, "");
                self.cursor = w;
            }
            Edit::HistoryPrev => {
                let at = match &self.walk {
                    Some((i, _)) => i.checked_sub(1),
                    None => history.entries.len().checked_sub(1),
                };
                if let Some(at) = at {
                    let typed = self
                        .walk
                        .take()
                        .map_or_else(|| self.text.clone(), |(_, t)| t);
                    self.walk = Some((at, typed));
                    self.text = history.entries[at].clone();
                    self.cursor = self.text.len();
                }
                return self.text != before;
            }
            Edit::HistoryNext => {
                if let Some((i, typed)) = self.walk.take() {
                    if i + 1 < history.entries.len() {
                        self.text = history.entries[i + 1].clone();
                        self.walk = Some((i + 1, typed));
                    } else {
                        self.text = typed;
                    }
                    self.cursor = self.text.len();
                }
                return self.text != before;
            }
        }
        self.text != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> Line {
        let mut l = Line::default();
        for c in s.chars() {
            l.edit(Edit::Insert(c), &History::default());
        }
        l
    }

    #[test]
    fn edits_like_a_shell_line() {
        let h = History::default();
        let mut l = typed("user:ab error");
        l.edit(Edit::WordLeft, &h);
        assert_eq!(l.split(), ("user:ab ", "error"));
        l.edit(Edit::Insert('-'), &h);
        assert_eq!(l.text(), "user:ab -error");
        l.edit(Edit::Home, &h);
        l.edit(Edit::Delete, &h);
        assert_eq!(l.text(), "ser:ab -error");
        l.edit(Edit::End, &h);
        l.edit(Edit::KillWord, &h);
        assert_eq!(l.text(), "ser:ab ");
        l.edit(Edit::Left, &h);
        l.edit(Edit::KillAfter, &h);
        assert_eq!(l.text(), "ser:ab");
        l.edit(Edit::Left, &h);
        l.edit(Edit::KillBefore, &h);
        assert_eq!((l.text(), l.cursor_chars()), ("b", 0));
        // Characters of several bytes.
        let mut l = typed("café");
        l.edit(Edit::Left, &h);
        l.edit(Edit::Backspace, &h);
        assert_eq!(l.text(), "caé");
        assert_eq!(l.cursor_chars(), 2);
        // Control characters are not text.
        l.edit(Edit::Insert('\u{1b}'), &h);
        assert_eq!(l.text(), "caé");
    }

    #[test]
    fn history_walks_back_and_returns_to_what_was_typed() {
        let mut h = History::default();
        h.push("first");
        h.push("second");
        h.push("second");
        h.push("  ");
        assert_eq!(h.len(), 2);
        let mut l = typed("draft");
        l.edit(Edit::HistoryPrev, &h);
        assert_eq!(l.text(), "second");
        l.edit(Edit::HistoryPrev, &h);
        assert_eq!(l.text(), "first");
        l.edit(Edit::HistoryPrev, &h);
        assert_eq!(l.text(), "first");
        l.edit(Edit::HistoryNext, &h);
        assert_eq!(l.text(), "second");
        l.edit(Edit::HistoryNext, &h);
        assert_eq!(l.text(), "draft");
    }
}
