//! JSON syntax highlighting with syntect, for the lines on screen only.
//!
//! syntect tokenises; a small theme built here maps its scopes to *roles* (key, string, number,
//! literal, punctuation) that the UI's theme turns into styles, so highlighting follows the
//! terminal's palette and `NO_COLOR`. Parse states are kept every [`CHECKPOINT`] lines, so
//! scrolling far down a big record does not re-highlight from the top each time.

use std::ops::Range;
use std::sync::OnceLock;
use syntect::highlighting::{
    Color, HighlightIterator, HighlightState, Highlighter, ScopeSelectors, StyleModifier, Theme,
    ThemeItem, ThemeSettings,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// The roles of one line: byte ranges and what they are.
pub type Roles = Vec<(Range<usize>, Role)>;

/// What a piece of JSON is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Plain,
    Key,
    Str,
    Number,
    Literal,
    Punct,
}

const CHECKPOINT: usize = 64;

fn role_color(r: u8) -> Color {
    Color {
        r,
        g: 0,
        b: 0,
        a: 0,
    }
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| {
        let item = |scope: &str, role: u8| ThemeItem {
            scope: scope.parse::<ScopeSelectors>().unwrap_or_default(),
            style: StyleModifier {
                foreground: Some(role_color(role)),
                ..StyleModifier::default()
            },
        };
        Theme {
            settings: ThemeSettings {
                foreground: Some(role_color(0)),
                ..ThemeSettings::default()
            },
            scopes: vec![
                item("string", 2),
                item("constant.numeric", 3),
                item("constant.language", 4),
                item("punctuation", 5),
                item(
                    "meta.mapping.key string, meta.structure.dictionary.key string",
                    1,
                ),
            ],
            ..Theme::default()
        }
    })
}

/// Loads the syntaxes ahead of the first use (call from a background thread at start-up).
pub fn warm() {
    let _ = syntax_set();
    let _ = theme();
}

/// Highlighting state for one document.
#[derive(Default)]
pub struct Cache {
    /// (parse, highlight) state at the start of line `k * CHECKPOINT`.
    checkpoints: Vec<(ParseState, HighlightState)>,
    /// Roles per line, for lines highlighted so far.
    lines: Vec<Option<Roles>>,
}

impl Cache {
    pub fn new(lines: usize) -> Cache {
        Cache {
            checkpoints: Vec::new(),
            lines: vec![None; lines],
        }
    }

    /// The roles of line `i`, if it has been highlighted.
    pub fn get(&self, i: usize) -> Option<&[(Range<usize>, Role)]> {
        self.lines.get(i).and_then(Option::as_deref)
    }

    /// Highlights `range` of `lines` (JSON, one token per line as `json::pretty` writes it).
    pub fn ensure(&mut self, lines: &[String], range: Range<usize>) {
        let end = range.end.min(lines.len());
        if range.start >= end || self.lines[range.start..end].iter().all(Option::is_some) {
            return;
        }
        let set = syntax_set();
        let Some(syntax) = set.find_syntax_by_extension("json") else {
            return;
        };
        let highlighter = Highlighter::new(theme());
        // Resume from the last checkpoint at or before the first line wanted.
        let (mut parse, mut hl, mut line_no) = match self.checkpoints.len() {
            0 => (
                ParseState::new(syntax),
                HighlightState::new(&highlighter, ScopeStack::new()),
                0,
            ),
            n => {
                let k = (range.start / CHECKPOINT).min(n - 1);
                let (p, h) = self.checkpoints[k].clone();
                (p, h, k * CHECKPOINT)
            }
        };
        while line_no < end {
            if line_no % CHECKPOINT == 0 && line_no / CHECKPOINT == self.checkpoints.len() {
                self.checkpoints.push((parse.clone(), hl.clone()));
            }
            let text = format!("{}\n", lines[line_no]);
            let ops = parse.parse_line(&text, set).unwrap_or_default();
            let mut at = 0usize;
            let mut roles = Vec::new();
            for (style, piece) in HighlightIterator::new(&mut hl, &ops, &text, &highlighter) {
                let len = piece.trim_end_matches('\n').len();
                let role = match style.foreground.r {
                    1 => Role::Key,
                    2 => Role::Str,
                    3 => Role::Number,
                    4 => Role::Literal,
                    5 => Role::Punct,
                    _ => Role::Plain,
                };
                if len > 0 {
                    roles.push((at..at + len, role));
                }
                at += piece.len();
            }
            if self.lines[line_no].is_none() {
                self.lines[line_no] = Some(roles);
            }
            line_no += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_strings_numbers_literals() {
        let lines: Vec<String> = [
            "{",
            "  \"name\": \"x\",",
            "  \"n\": 12,",
            "  \"ok\": true",
            "}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let mut c = Cache::new(lines.len());
        c.ensure(&lines, 0..lines.len());
        let role_at = |line: usize, text: &str| {
            let at = lines[line].find(text).unwrap_or(0);
            c.get(line)
                .unwrap_or_default()
                .iter()
                .find(|(r, _)| r.contains(&at))
                .map(|(_, role)| *role)
        };
        assert_eq!(role_at(1, "name"), Some(Role::Key));
        assert_eq!(role_at(1, "x\""), Some(Role::Str));
        assert_eq!(role_at(2, "12"), Some(Role::Number));
        assert_eq!(role_at(3, "true"), Some(Role::Literal));
    }

    #[test]
    fn highlighting_late_lines_matches_highlighting_all() {
        let text = crate::json::pretty(br#"{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70],"b":{"c":"d"}}"#).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut all = Cache::new(lines.len());
        all.ensure(&lines, 0..lines.len());
        let mut late = Cache::new(lines.len());
        late.ensure(&lines, 0..5);
        late.ensure(&lines, 70..lines.len());
        for (i, line) in lines.iter().enumerate().skip(70) {
            assert_eq!(all.get(i), late.get(i), "line {i}: {line}");
        }
    }
}
