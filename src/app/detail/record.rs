//! One JSON value of the span detail (its record, or an input or output that holds JSON) as a
//! tree to read: nodes folded and unfolded one at a time or all at once, nulls hidden or shown,
//! long strings folded to a few lines; the rows it takes, how each row reads, and each node's
//! path and bytes for copies.
//!
//! Strings are shown decoded (escapes resolved, control characters made visible), a line of
//! text per row; keys and brackets as JSON writes them; commas left out.

use super::Paint;
use crate::highlight::Role;
use crate::json::tree::{Budget, Key, Kind, Tree, decode};
use crate::sanitize::{clean, one_line};
use std::ops::Range;

/// How much of a value is read into the tree (see [`crate::json::tree`]): strings up to 16 KB
/// until expanded, 2 MB of text and 100,000 nodes in all; the rest is named by its size.
pub const BUDGET: Budget = Budget {
    nodes: 100_000,
    text_bytes: 2 * 1024 * 1024,
    string_bytes: 16 * 1024,
    key_bytes: 1024,
};

/// A string expanded with Enter is read up to this much (the whole record: `o`).
pub const EXPANDED_BYTES: usize = 1024 * 1024;

/// A text longer than this many lines or bytes starts folded.
pub const LONG_LINES: usize = 12;
pub const LONG_BYTES: usize = 2048;
/// A folded text shows at most this many lines and bytes.
pub const PREVIEW_LINES: usize = 4;
pub const PREVIEW_BYTES: usize = 400;

/// Not cut.
pub const WHOLE: u32 = u32::MAX;

/// Deeper levels are drawn at this indentation.
const MAX_INDENT: usize = 32;

/// True for a text that starts folded.
pub fn is_long(lines: usize, bytes: usize) -> bool {
    lines > LONG_LINES || bytes > LONG_BYTES
}

/// How a folded text shows: the cut of each of its first lines ([`WHOLE`] or a byte offset
/// on a character boundary), at most [`PREVIEW_LINES`] lines and [`PREVIEW_BYTES`] bytes.
pub fn preview<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut room = PREVIEW_BYTES;
    let mut out = Vec::new();
    for line in lines.take(PREVIEW_LINES) {
        if line.len() <= room {
            out.push(WHOLE);
            room -= line.len();
            if room == 0 {
                break;
            }
            continue;
        }
        let mut cut = room;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(u32::try_from(cut).unwrap_or(0));
        break;
    }
    out
}

/// Where a tree's bytes are.
#[derive(Clone, Debug)]
pub enum Source {
    /// The span's record, in its file (read through the model).
    Span,
    /// A copy: the decoded text of an attribute that holds JSON.
    Owned(Vec<u8>),
}

/// What part of a node a row shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// The node's first row: its key, then its value, opening bracket, or the first line of
    /// its text cut to `cut` bytes.
    Open { cut: u32 },
    /// Line `k` (counted from 0; the first is in the `Open` row) of a string, cut to `cut`.
    Text { k: u32, cut: u32 },
    /// Under a string shown in part: its size, and how to see more.
    More,
    /// A container's closing bracket.
    Close,
}

/// One row of a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Row {
    pub node: u32,
    pub part: Part,
}

/// A row as it reads.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub text: String,
    /// How each piece of `text` is drawn.
    pub paint: Vec<(Range<usize>, Paint)>,
    /// Columns rows after the first are drawn in, when the row wraps.
    pub hang: usize,
    /// Where searchable texts start in `text`: (unit, offset, bytes of the unit shown).
    pub spots: Vec<(u32, usize, usize)>,
}

impl Rendered {
    pub(crate) fn push(&mut self, s: &str, paint: Paint) {
        let start = self.text.len();
        self.text.push_str(s);
        if !s.is_empty() {
            self.paint.push((start..self.text.len(), paint));
        }
    }

    pub(crate) fn spot(&mut self, unit: u32, len: usize) {
        self.spots.push((unit, self.text.len(), len));
    }
}

/// A JSON value to read as a tree.
#[derive(Clone, Debug)]
pub struct View {
    pub tree: Tree,
    pub source: Source,
    /// What it is (`record`, `input.value`), for messages.
    pub name: String,
    /// Containers folded.
    folded: Vec<bool>,
    /// Long strings shown whole (as far as read).
    open: Vec<bool>,
    /// Strings read again up to [`EXPANDED_BYTES`].
    expanded: Vec<bool>,
    /// Members whose value is `null` (the ones hidden while nulls are).
    pub nulls: usize,
}

/// A string's text as shown: decoded, control characters made visible, tabs as spaces.
fn shown(text: &str) -> String {
    clean(text).replace('\t', "    ")
}

impl View {
    pub fn new(mut tree: Tree, source: Source, name: &str) -> View {
        let n = tree.nodes.len();
        for node in &mut tree.nodes {
            if node.kind == Kind::Str {
                node.text = shown(&node.text);
            }
        }
        let mut v = View {
            tree,
            source,
            name: name.to_owned(),
            folded: vec![false; n],
            open: vec![false; n],
            expanded: vec![false; n],
            nulls: 0,
        };
        v.nulls = (0..n).filter(|&i| v.member_null(i)).count();
        v
    }

    /// A member of an object whose value is `null` (hidden while nulls are; a `null` in an
    /// array is kept, so that items keep their places).
    fn member_null(&self, i: usize) -> bool {
        let node = &self.tree.nodes[i];
        node.kind == Kind::Null
            && self
                .tree
                .parent(i as u32)
                .is_some_and(|p| self.tree.nodes[p as usize].kind == Kind::Object)
    }

    pub fn hidden(&self, i: usize, show_nulls: bool) -> bool {
        !show_nulls && self.member_null(i)
    }

    /// The lines of a string's text.
    fn lines(&self, i: usize) -> std::str::Split<'_, char> {
        self.tree.nodes[i].text.split('\n')
    }

    /// A string that starts folded.
    pub fn is_long(&self, i: usize) -> bool {
        let node = &self.tree.nodes[i];
        node.kind == Kind::Str && (node.text_cut || is_long(self.lines(i).count(), node.text.len()))
    }

    /// A long string folded to its first lines.
    pub fn is_folded_text(&self, i: usize) -> bool {
        self.is_long(i) && !self.open[i]
    }

    pub fn is_folded(&self, i: usize) -> bool {
        self.folded[i]
    }

    /// The rows the tree takes, in order.
    pub fn rows(&self, show_nulls: bool, out: &mut Vec<Row>) {
        let nodes = &self.tree.nodes;
        let n = nodes.len();
        let mut closes: Vec<u32> = Vec::new();
        let mut i = 0usize;
        while i < n {
            while let Some(&c) = closes.last()
                && nodes[c as usize].end as usize <= i
            {
                out.push(Row {
                    node: c,
                    part: Part::Close,
                });
                closes.pop();
            }
            let node = &nodes[i];
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if self.hidden(i, show_nulls) {
                i += 1;
                continue;
            }
            let open = |cut| Row {
                node: id,
                part: Part::Open { cut },
            };
            match node.kind {
                Kind::Object | Kind::Array => {
                    out.push(open(WHOLE));
                    if node.children == 0 || self.folded[i] {
                        i = (node.end as usize).max(i + 1);
                    } else {
                        closes.push(id);
                        i += 1;
                    }
                }
                Kind::Str => {
                    if self.is_folded_text(i) {
                        for (k, cut) in preview(self.lines(i)).into_iter().enumerate() {
                            let k = u32::try_from(k).unwrap_or(u32::MAX);
                            out.push(if k == 0 {
                                open(cut)
                            } else {
                                Row {
                                    node: id,
                                    part: Part::Text { k, cut },
                                }
                            });
                        }
                        out.push(Row {
                            node: id,
                            part: Part::More,
                        });
                    } else {
                        out.push(open(WHOLE));
                        for k in 1..self.lines(i).count() {
                            out.push(Row {
                                node: id,
                                part: Part::Text {
                                    k: u32::try_from(k).unwrap_or(u32::MAX),
                                    cut: WHOLE,
                                },
                            });
                        }
                        if node.text_cut {
                            out.push(Row {
                                node: id,
                                part: Part::More,
                            });
                        }
                    }
                    i += 1;
                }
                _ => {
                    out.push(open(WHOLE));
                    i += 1;
                }
            }
        }
        while let Some(c) = closes.pop() {
            out.push(Row {
                node: c,
                part: Part::Close,
            });
        }
    }

    /// How a row reads.
    /// `expand`: the key that reads more of a long text, as its note names it.
    pub fn render(&self, row: Row, out: &mut Rendered, expand: &str) {
        let i = row.node as usize;
        let Some(node) = self.tree.nodes.get(i) else {
            return;
        };
        let indent = (node.depth as usize).min(MAX_INDENT) * 2;
        out.text.push_str(&" ".repeat(indent));
        out.hang = indent + 2;
        let line_count = || self.lines(i).count();
        // The closing quote follows the last line when the whole string is shown.
        let complete = !self.is_folded_text(i) && !node.text_cut;
        match row.part {
            Part::Open { cut } => {
                if let Key::Name(k) = &node.key {
                    let mut key = one_line(k);
                    if node.key_cut {
                        key.push('…');
                    }
                    out.push("\"", Paint::Json(Role::Key));
                    out.spot(0, key.len());
                    out.push(&key, Paint::Json(Role::Key));
                    out.push("\"", Paint::Json(Role::Key));
                    out.push(": ", Paint::Json(Role::Punct));
                }
                match node.kind {
                    Kind::Object | Kind::Array => {
                        let (o, c) = if node.kind == Kind::Object {
                            ("{", "}")
                        } else {
                            ("[", "]")
                        };
                        if node.children == 0 {
                            out.push(&format!("{o}{c}"), Paint::Json(Role::Punct));
                        } else if self.folded[i] {
                            out.push(&format!("{o}…{c}"), Paint::Json(Role::Punct));
                            let what = if node.kind == Kind::Object {
                                crate::fmt::count(node.children as usize, "key", "keys")
                            } else {
                                crate::fmt::count(node.children as usize, "item", "items")
                            };
                            out.push(&format!(" {what}"), Paint::Note);
                        } else {
                            out.push(o, Paint::Json(Role::Punct));
                        }
                    }
                    Kind::Str => {
                        let first = self.lines(i).next().unwrap_or("");
                        let shown = cut_to(first, cut);
                        out.push("\"", Paint::Json(Role::Str));
                        out.spot(1, shown.len());
                        out.push(shown, Paint::Json(Role::Str));
                        if complete && line_count() == 1 {
                            out.push("\"", Paint::Json(Role::Str));
                        }
                    }
                    kind => {
                        let role = if kind == Kind::Num {
                            Role::Number
                        } else {
                            Role::Literal
                        };
                        out.spot(1, node.text.len());
                        out.push(&node.text, Paint::Json(role));
                        if node.text_cut {
                            out.push("…", Paint::Note);
                        }
                    }
                }
            }
            Part::Text { k, cut } => {
                out.text.push_str("  ");
                let line = self.lines(i).nth(k as usize).unwrap_or("");
                let shown = cut_to(line, cut);
                out.spot(k + 1, shown.len());
                out.push(shown, Paint::Json(Role::Str));
                if complete && k as usize + 1 == line_count() {
                    out.push("\"", Paint::Json(Role::Str));
                }
            }
            Part::More => {
                out.text.push_str("  ");
                let size = crate::fmt::bytes(node.size() as u64);
                let note = if self.is_folded_text(i) {
                    format!("… {size}, {expand} to expand")
                } else {
                    let read = if self.expanded[i] {
                        EXPANDED_BYTES
                    } else {
                        BUDGET.string_bytes
                    };
                    let whole = match self.source {
                        Source::Span => "o opens the whole record",
                        Source::Owned(_) => "o opens the whole record, where it is written in full",
                    };
                    format!(
                        "… the first {} of {size} shown · {whole}",
                        crate::fmt::bytes(read as u64)
                    )
                };
                out.push(&note, Paint::Note);
            }
            Part::Close => {
                let c = if node.kind == Kind::Object { "}" } else { "]" };
                out.push(c, Paint::Json(Role::Punct));
            }
        }
    }

    /// Every searchable text, in order: (node, unit, text), unit 0 for a key and `k + 1` for
    /// line `k` of a value.
    pub fn units(&self, show_nulls: bool, mut f: impl FnMut(u32, u32, &str)) {
        for (i, node) in self.tree.nodes.iter().enumerate() {
            if self.hidden(i, show_nulls) {
                continue;
            }
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if let Key::Name(k) = &node.key {
                f(id, 0, &one_line(k));
            }
            if !node.kind.is_container() {
                for (k, line) in node.text.split('\n').enumerate() {
                    f(id, u32::try_from(k + 1).unwrap_or(u32::MAX), line);
                }
            }
        }
    }

    /// Makes unit `unit` of node `i` visible up to byte `end`: its ancestors unfolded, its text
    /// opened if the preview does not show it.
    pub fn reveal(&mut self, i: u32, unit: u32, end: usize) {
        let ancestors: Vec<u32> = self.tree.ancestors(i).collect();
        for a in ancestors {
            self.folded[a as usize] = false;
        }
        let i = i as usize;
        if unit == 0 || !self.is_folded_text(i) {
            return;
        }
        let cuts = preview(self.lines(i));
        let k = unit as usize - 1;
        let seen = cuts
            .get(k)
            .is_some_and(|&cut| cut == WHOLE || end <= cut as usize);
        if !seen {
            self.open[i] = true;
        }
    }

    /// Space or Enter on a row of node `i`: a container folds or unfolds, a long string opens
    /// or folds back; on anything else its parent folds. Returns the node the cursor goes to.
    /// `bytes`: the source's bytes, to read an opened string further (`None`: not now).
    pub fn toggle(&mut self, i: u32, bytes: Option<&[u8]>) -> Option<u32> {
        let n = i as usize;
        let node = self.tree.nodes.get(n)?;
        if node.kind.is_container() && node.children > 0 {
            self.folded[n] = !self.folded[n];
            return Some(i);
        }
        if self.is_long(n) {
            if self.open[n] {
                self.open[n] = false;
            } else {
                self.open_text(n, bytes);
            }
            return Some(i);
        }
        let p = self.tree.parent(i)?;
        self.folded[p as usize] = true;
        Some(p)
    }

    /// `zc`: folds the node under the cursor (its parent, for a scalar).
    pub fn fold(&mut self, i: u32) -> Option<u32> {
        let n = i as usize;
        let node = self.tree.nodes.get(n)?;
        if node.kind.is_container() && node.children > 0 && !self.folded[n] {
            self.folded[n] = true;
            return Some(i);
        }
        if self.is_long(n) && self.open[n] {
            self.open[n] = false;
            return Some(i);
        }
        let p = self.tree.parent(i)?;
        self.folded[p as usize] = true;
        Some(p)
    }

    /// `zo`: unfolds the node under the cursor.
    pub fn unfold(&mut self, i: u32, bytes: Option<&[u8]>) -> bool {
        let n = i as usize;
        let Some(node) = self.tree.nodes.get(n) else {
            return false;
        };
        if node.kind.is_container() && self.folded[n] {
            self.folded[n] = false;
            return true;
        }
        if self.is_long(n) && !self.open[n] {
            self.open_text(n, bytes);
            return true;
        }
        false
    }

    /// Folds every object and array but the root (`zM`), and every long string.
    pub fn fold_all(&mut self) {
        for (i, node) in self.tree.nodes.iter().enumerate() {
            self.folded[i] = node.kind.is_container() && node.depth > 0;
        }
        self.open.iter_mut().for_each(|o| *o = false);
    }

    /// Unfolds every object and array (`zR`); long strings stay folded (Enter opens one).
    pub fn unfold_all(&mut self) {
        self.folded.iter_mut().for_each(|f| *f = false);
    }

    /// Opens a long string, reading it further from `bytes` when it was cut.
    fn open_text(&mut self, n: usize, bytes: Option<&[u8]>) {
        self.open[n] = true;
        if self.expanded[n] || !self.tree.nodes[n].text_cut {
            return;
        }
        let own;
        let bytes = match (&self.source, bytes) {
            (Source::Owned(b), _) => {
                own = b.as_slice();
                own
            }
            (Source::Span, Some(b)) => b,
            (Source::Span, None) => return,
        };
        let node = &mut self.tree.nodes[n];
        let raw = node.raw.start + 1..node.raw.end.saturating_sub(1);
        let Some(raw) = bytes.get(raw) else { return };
        let (text, cut) = decode(raw, EXPANDED_BYTES);
        node.text = shown(&text);
        node.text_cut = cut;
        self.expanded[n] = true;
    }

    /// The bytes of the tree's source: the record's (given) or its own.
    pub fn bytes<'a>(&'a self, record: &'a [u8]) -> &'a [u8] {
        match &self.source {
            Source::Span => record,
            Source::Owned(b) => b,
        }
    }
}

/// `s` cut to `cut` bytes (a character boundary), or whole.
fn cut_to(s: &str, cut: u32) -> &str {
    if cut == WHOLE {
        return s;
    }
    let mut c = (cut as usize).min(s.len());
    while !s.is_char_boundary(c) {
        c -= 1;
    }
    &s[..c]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(src: &str) -> View {
        let t = Tree::parse(src.as_bytes(), BUDGET).unwrap();
        View::new(t, Source::Owned(src.as_bytes().to_vec()), "test")
    }

    fn text(v: &View, show_nulls: bool) -> Vec<String> {
        let mut rows = Vec::new();
        v.rows(show_nulls, &mut rows);
        rows.into_iter()
            .map(|r| {
                let mut out = Rendered::default();
                v.render(r, &mut out, "Enter");
                out.text
            })
            .collect()
    }

    #[test]
    fn reads_as_json_with_strings_decoded() {
        let v = view(r#"{"a": [1, true], "b": "x\ny", "c": null, "d": {}}"#);
        assert_eq!(
            text(&v, true),
            [
                "{",
                "  \"a\": [",
                "    1",
                "    true",
                "  ]",
                "  \"b\": \"x",
                "    y\"",
                "  \"c\": null",
                "  \"d\": {}",
                "}"
            ]
        );
        // Member nulls hide; a null in an array stays.
        assert_eq!(v.nulls, 1);
        assert!(!text(&v, false).iter().any(|l| l.contains("\"c\"")));
        let v = view("[null, 1]");
        assert_eq!(v.nulls, 0);
        assert_eq!(text(&v, false), ["[", "  null", "  1", "]"]);
    }

    #[test]
    fn folds_and_unfolds() {
        let mut v = view(r#"{"a": {"b": [1, 2]}, "c": 3}"#);
        assert_eq!(v.toggle(1, None), Some(1));
        assert_eq!(
            text(&v, true),
            ["{", "  \"a\": {…} 1 key", "  \"c\": 3", "}"]
        );
        // A scalar folds its parent.
        v.toggle(1, None);
        assert_eq!(v.toggle(4, None), Some(2));
        assert!(text(&v, true).contains(&"    \"b\": […] 2 items".to_owned()));
        v.fold_all();
        assert_eq!(
            text(&v, true),
            ["{", "  \"a\": {…} 1 key", "  \"c\": 3", "}"]
        );
        v.unfold_all();
        assert_eq!(text(&v, true).len(), 9);
        // Revealing a leaf unfolds its ancestors.
        v.fold_all();
        v.reveal(3, 1, 1);
        assert_eq!(text(&v, true).len(), 9);
    }

    #[test]
    fn long_strings_fold_to_a_preview_and_open() {
        let long = (0..40).map(|i| format!("line {i}")).collect::<Vec<_>>();
        let src = format!(
            r#"{{"s": {}}}"#,
            serde_json::to_string(&long.join("\n")).unwrap()
        );
        let mut v = view(&src);
        let rows = text(&v, true);
        assert_eq!(rows.len(), 1 + PREVIEW_LINES + 1 + 1);
        assert!(
            rows[PREVIEW_LINES + 1].contains("Enter to expand"),
            "{rows:?}"
        );
        assert!(rows[1].starts_with("  \"s\": \"line 0"));
        v.toggle(1, None);
        let rows = text(&v, true);
        assert_eq!(rows.len(), 1 + 40 + 1);
        assert!(rows[40].ends_with("line 39\""));
        // A match in line 30 opens the folded text; one in the preview does not.
        v.toggle(1, None);
        v.reveal(1, 2, 3);
        assert_eq!(text(&v, true).len(), 1 + PREVIEW_LINES + 1 + 1);
        v.reveal(1, 31, 3);
        assert_eq!(text(&v, true).len(), 42);
    }

    #[test]
    fn a_cut_string_is_read_further_when_opened() {
        let src = format!(r#"{{"s": "{}"}}"#, "ab".repeat(20_000));
        let mut v = view(&src);
        assert!(v.tree.nodes[1].text_cut);
        assert_eq!(v.tree.nodes[1].text.len(), BUDGET.string_bytes);
        v.toggle(1, None);
        assert_eq!(v.tree.nodes[1].text.len(), 40_000);
        assert!(!v.tree.nodes[1].text_cut);
        // A single line longer than the preview is cut inside.
        v.toggle(1, None);
        let rows = text(&v, true);
        assert_eq!(rows[1].len(), "  \"s\": \"".len() + PREVIEW_BYTES);
        assert!(rows[2].contains("40.0 KB, Enter to expand"), "{rows:?}");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        let v = view(r#"{"k\u001b": "a\u001b[31mb\tc"}"#);
        let rows = text(&v, true);
        assert!(!rows.iter().any(|r| r.contains('\u{1b}')), "{rows:?}");
        assert!(rows[1].contains("b    c"), "{rows:?}");
    }
}
