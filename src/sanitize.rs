//! Text from a trace is untrusted: control characters and escape sequences must never reach
//! the terminal. They are replaced by visible stand-ins (U+2400 control pictures), so nothing
//! is hidden either.

use std::borrow::Cow;
use unicode_width::UnicodeWidthStr;

/// True for characters that must not be written raw: C0 and C1 controls, DEL, and the bidi
/// overrides that can reorder what a terminal shows.
fn is_unsafe(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn stand_in(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// Multi-line text, safe to draw: newlines and tabs kept, other controls made visible.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c, true)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c, true) { stand_in(c) } else { c })
            .collect(),
    )
}

/// One line of text, safe to draw: whitespace runs (newlines included) become one space.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut space = false;
    for c in s.trim().chars() {
        if c == '\n' || c == '\t' || c == '\r' || c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(if is_unsafe(c, false) { stand_in(c) } else { c });
    }
    out
}

/// Cuts `s` to at most `width` terminal columns, ending with `…` when something was cut.
pub fn truncate(s: &str, width: usize) -> Cow<'_, str> {
    if s.width() <= width {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        let s = "\u{1b}[31mred\u{1b}[0m\u{7}";
        let c = clean(s);
        assert!(!c.contains('\u{1b}') && !c.contains('\u{7}'));
        assert_eq!(c, "\u{241b}[31mred\u{241b}[0m\u{2407}");
        assert_eq!(clean("a\nb\tc"), "a\nb\tc");
        assert!(matches!(clean("plain ✓ 日本"), Cow::Borrowed(_)));
        assert_eq!(clean("\u{9b}x\u{202e}"), "\u{fffd}x\u{fffd}");
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line("  a\n\n b\r\n\tc \u{1b} "), "a b c \u{241b}");
    }

    #[test]
    fn truncation_counts_columns() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語テキスト", 7), "日本語…");
    }
}
