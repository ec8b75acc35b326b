//! Finding text in the span detail, as less and jless do: `/` and a query (smart case: one
//! with no upper-case letter matches either case), every match highlighted, `n` / `N` to the
//! next or previous one, wrapping at the ends and saying so. Matches inside folded parts
//! count too: going to one unfolds what hides it.
//!
//! A full-text search gives its query to [`DetailView::highlight`]; its `n` does not wrap but
//! says [`Step::Exhausted`] past the last match, so the caller goes on to the next span.

use super::record::WHOLE;
use super::{DetailView, Item, Line, Rendered};
use crate::app::action::Action;
use crate::app::line::{Edit, Line as Field};
use crate::app::{App, Effect, Overlay};
use std::ops::Range;

/// At most this many matches are found in one span (the count then says "at least").
pub const MAX_HITS: usize = 100_000;

/// Where a match is: line `line` of the document; in a tree, node `node - 1` and its unit
/// (0 its key, `k + 1` line `k` of its value); ordered as shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub line: u32,
    pub node: u32,
    pub unit: u32,
}

/// One match: where, and its bytes in that text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub loc: Loc,
    pub range: Range<usize>,
}

/// A query and its matches in the span shown.
#[derive(Clone, Debug)]
pub struct Find {
    pub query: String,
    /// Given by a full-text search: `n` past the last match does not wrap.
    pub from_search: bool,
    regex: Option<regex::Regex>,
    pub hits: Vec<Hit>,
    /// The match the cursor was put on last.
    pub current: Option<usize>,
    /// The row it was put on, to tell whether the cursor moved since.
    at_row: usize,
    /// Matches were not all counted (more than [`MAX_HITS`]).
    pub capped: bool,
}

/// What `n` / `N` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Moved,
    /// Past the last (first) match, on to the first (last).
    Wrapped,
    /// Past the last (first) match of a full-text search's query: the next span's turn.
    Exhausted,
    /// No query, or nothing matches.
    Nothing,
}

/// The regex for `query`, smart case: either case unless the query has an upper-case letter.
pub fn matcher(query: &str) -> Option<regex::Regex> {
    if query.is_empty() {
        return None;
    }
    let any_case = !query.chars().any(char::is_uppercase);
    regex::RegexBuilder::new(&regex::escape(query))
        .case_insensitive(any_case)
        .size_limit(16 << 20)
        .build()
        .ok()
}

impl Find {
    pub fn new(query: &str, from_search: bool) -> Find {
        Find {
            query: query.to_owned(),
            from_search,
            regex: matcher(query),
            hits: Vec::new(),
            current: None,
            at_row: usize::MAX,
            capped: false,
        }
    }

    /// `match 3 of 17 for "q"`.
    pub fn position(&self) -> String {
        let n = self.hits.len();
        let of = if self.capped {
            format!("at least {}", crate::fmt::thousands(n as u64))
        } else {
            crate::fmt::thousands(n as u64)
        };
        let q = crate::sanitize::one_line(&self.query);
        match self.current {
            Some(c) => format!("match {} of {of} for {q:?}", c + 1),
            None if n == 0 => format!("no match for {q:?} in this span"),
            None if n == 1 => format!("1 match for {q:?}"),
            None => format!("{of} matches for {q:?}"),
        }
    }
}

impl DetailView {
    /// Every searchable text, in the order shown: each prose line, each key and each line of
    /// each value of the trees (folded or not; nulls only while shown).
    fn units(&self, mut f: impl FnMut(Loc, &str)) {
        for (i, line) in self.lines.iter().enumerate() {
            let line_no = u32::try_from(i).unwrap_or(u32::MAX);
            match line {
                Line::Tree(t) => {
                    if let Some(v) = self.trees.get(*t) {
                        v.units(self.show_nulls, |node, unit, text| {
                            let loc = Loc {
                                line: line_no,
                                node: node.saturating_add(1),
                                unit,
                            };
                            f(loc, text);
                        });
                    }
                }
                Line::Blank => {}
                l => f(
                    Loc {
                        line: line_no,
                        node: 0,
                        unit: 0,
                    },
                    l.text(),
                ),
            }
        }
    }

    /// Finds the query's matches again (the text changed: unfolded, read further, nulls).
    pub(super) fn run_find(&mut self) {
        let Some(mut f) = self.find.take() else {
            return;
        };
        let old = f.current.and_then(|c| f.hits.get(c).cloned());
        f.hits.clear();
        f.capped = false;
        if let Some(re) = f.regex.clone() {
            let mut hits = Vec::new();
            let mut capped = false;
            self.units(|loc, text| {
                if capped {
                    return;
                }
                for m in re.find_iter(text) {
                    if m.start() == m.end() {
                        continue;
                    }
                    if hits.len() >= MAX_HITS {
                        capped = true;
                        return;
                    }
                    hits.push(Hit {
                        loc,
                        range: m.range(),
                    });
                }
            });
            f.hits = hits;
            f.capped = capped;
        }
        f.current = old.and_then(|h| f.hits.iter().position(|x| *x == h));
        self.find = Some(f);
    }

    pub(super) fn rerun_find(&mut self) {
        if self.find.is_some() {
            self.run_find();
        }
    }

    /// Highlights every occurrence of `query` in what the detail shows (smart case: a query
    /// with no upper-case letter matches either case, as the full-text search does), and puts
    /// the cursor on the first, unfolding what hides it. Returns how many there are (0: the
    /// query is nowhere in the text shown, e.g. only in bytes past the detail's caps).
    /// `n` / `N` ([`DetailView::find_step`]) then go from one to the next.
    pub fn highlight(&mut self, query: &str) -> usize {
        self.find = Some(Find::new(query, true));
        self.run_find();
        let n = self.find.as_ref().map_or(0, |f| f.hits.len());
        if n > 0 {
            self.goto_hit(0);
        }
        n
    }

    /// Puts the cursor on the last match.
    pub fn find_last(&mut self) {
        if let Some(n) = self.find.as_ref().map(|f| f.hits.len()).filter(|&n| n > 0) {
            self.goto_hit(n - 1);
        }
    }

    /// `n` (`forward`) or `N`: the next match after the cursor (or after the current match,
    /// when the cursor has not moved since). A find typed with `/` wraps at the ends; one
    /// from a full-text search returns [`Step::Exhausted`] there, the cursor staying.
    pub fn find_step(&mut self, forward: bool) -> Step {
        let Some(f) = self.find.as_ref() else {
            return Step::Nothing;
        };
        let n = f.hits.len();
        if n == 0 {
            self.status = Some(f.position());
            return if f.from_search {
                Step::Exhausted
            } else {
                Step::Nothing
            };
        }
        let from_search = f.from_search;
        let next = match f.current.filter(|_| f.at_row == self.cursor) {
            Some(c) if forward => c.checked_add(1).filter(|&x| x < n),
            Some(c) => c.checked_sub(1),
            None => self.hit_from_cursor(forward),
        };
        let (next, wrapped) = match next {
            Some(x) => (x, false),
            None if from_search => return Step::Exhausted,
            None => (if forward { 0 } else { n - 1 }, true),
        };
        self.goto_hit(next);
        if let Some(f) = &self.find {
            let mut s = f.position();
            if wrapped {
                s.push_str(if forward {
                    " · past the last match: wrapped to the first"
                } else {
                    " · before the first match: wrapped to the last"
                });
            }
            self.status = Some(s);
        }
        if wrapped { Step::Wrapped } else { Step::Moved }
    }

    /// The first match after the cursor's place (before it, going back).
    fn hit_from_cursor(&self, forward: bool) -> Option<usize> {
        let f = self.find.as_ref()?;
        let (key, _) = self.anchor()?;
        let here = (key.0, key.1);
        if forward {
            f.hits.iter().position(|h| (h.loc.line, h.loc.node) > here)
        } else {
            f.hits.iter().rposition(|h| (h.loc.line, h.loc.node) < here)
        }
    }

    /// The item that shows the text of `loc`, if it is on screen.
    fn item_of(&self, loc: Loc) -> Option<usize> {
        let key = if loc.node == 0 {
            (loc.line, 0, 0, 0)
        } else {
            (loc.line, loc.node, loc.unit.saturating_sub(1), 0)
        };
        let idx = self
            .items
            .partition_point(|&it| self.key(it) <= key)
            .checked_sub(1)?;
        (self.key(self.items[idx]) == key).then_some(idx)
    }

    /// Puts the cursor on match `h`, unfolding what hides it.
    fn goto_hit(&mut self, h: usize) {
        let Some(hit) = self.find.as_ref().and_then(|f| f.hits.get(h)).cloned() else {
            return;
        };
        self.reveal(&hit);
        self.refold(None);
        let Some(idx) = self.item_of(hit.loc) else {
            return;
        };
        let r = self.render(idx);
        let Some(&(_, off, _)) = r.spots.iter().find(|s| s.0 == hit.loc.unit) else {
            return;
        };
        let at = off + hit.range.start;
        let rows = self.item_rows(&r);
        let row = rows
            .iter()
            .position(|rr| at < rr.end || (rr.is_empty() && at == rr.start))
            .unwrap_or(rows.len().saturating_sub(1));
        self.jump(self.starts[idx] + row);
        if let Some(f) = self.find.as_mut() {
            f.current = Some(h);
            f.at_row = self.cursor;
        }
    }

    /// Unfolds whatever hides a match.
    fn reveal(&mut self, hit: &Hit) {
        let line = hit.loc.line as usize;
        // The section it is in.
        if let Some(s) = (0..=line.min(self.lines.len().saturating_sub(1)))
            .rev()
            .find(|&i| matches!(self.lines[i], Line::Section(_)))
        {
            self.section_folded[s] = false;
        }
        if let Some(Line::Tree(t)) = self.lines.get(line) {
            let t = *t;
            if let Some(v) = self.trees.get_mut(t) {
                v.reveal(hit.loc.node - 1, hit.loc.unit, hit.range.end);
            }
            return;
        }
        let Some(b) = self.blocks.get(self.block_of[line] as usize) else {
            return;
        };
        if !b.long || b.open {
            return;
        }
        let cuts = super::record::preview(self.lines[b.lines.clone()].iter().map(Line::text));
        let k = line - b.lines.start;
        let seen = cuts
            .get(k)
            .is_some_and(|&c| c == WHOLE || hit.range.end <= c as usize);
        if !seen {
            let b = self.block_of[line] as usize;
            self.blocks[b].open = true;
        }
    }

    /// The matches drawn in item `idx` (rendered as `r`): byte ranges of its text, and
    /// whether each is the current match.
    pub fn marks(&self, idx: usize, r: &Rendered) -> Vec<(Range<usize>, bool)> {
        let Some(f) = &self.find else {
            return Vec::new();
        };
        let Some(&item) = self.items.get(idx) else {
            return Vec::new();
        };
        let (lo, hi) = match item {
            Item::Line { i, .. } => {
                let l = Loc {
                    line: i,
                    node: 0,
                    unit: 0,
                };
                (l, l)
            }
            Item::Json { t, row } => {
                let line = self.tree_lines.get(t as usize).copied().unwrap_or(u32::MAX);
                let node = row.node.saturating_add(1);
                let (a, b) = match row.part {
                    super::Part::Open { .. } => (0, 1),
                    super::Part::Text { k, .. } => (k + 1, k + 1),
                    _ => return Vec::new(),
                };
                (
                    Loc {
                        line,
                        node,
                        unit: a,
                    },
                    Loc {
                        line,
                        node,
                        unit: b,
                    },
                )
            }
            _ => return Vec::new(),
        };
        let start = f.hits.partition_point(|h| h.loc < lo);
        let mut out = Vec::new();
        for (k, h) in f.hits[start..].iter().enumerate() {
            if h.loc > hi {
                break;
            }
            let Some(&(_, off, len)) = r.spots.iter().find(|s| s.0 == h.loc.unit) else {
                continue;
            };
            if h.range.end <= len {
                out.push((
                    off + h.range.start..off + h.range.end,
                    f.current == Some(start + k),
                ));
            }
        }
        out
    }

    /// Forgets the find (`Esc`).
    pub fn clear_find(&mut self) -> bool {
        self.find.take().is_some()
    }
}

/// The find prompt (`/` in the detail), found as it is typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub line: Field,
    /// The cursor and scroll before it opened, for `Esc`, and where the search starts from.
    before: (usize, usize),
    /// The find before it opened, for `Esc`.
    old: Option<(String, bool)>,
}

/// Which of the app's histories the find prompt walks.
const HISTORY: usize = 3;

/// Opens the find prompt.
pub fn open(app: &mut App) {
    let Some(d) = app.session.as_mut().map(|s| &mut s.detail) else {
        return;
    };
    app.overlay = Overlay::Find(Prompt {
        line: Field::default(),
        before: (d.cursor, d.scroll),
        old: d.find.as_ref().map(|f| (f.query.clone(), f.from_search)),
    });
}

/// Handles a key while the find prompt is open.
pub fn update(app: &mut App, mut prompt: Prompt, action: Action) -> Vec<Effect> {
    let Some(screen) = app.session.as_mut() else {
        app.overlay = Overlay::None;
        return Vec::new();
    };
    let d = &mut screen.detail;
    let edit = match action {
        Action::Input(c) => Some(Edit::Insert(c)),
        Action::Backspace => Some(Edit::Backspace),
        Action::Edit(e) => Some(e),
        _ => None,
    };
    match action {
        Action::Cancel => {
            (d.cursor, d.scroll) = prompt.before;
            d.find = prompt.old.as_ref().map(|(q, s)| Find::new(q, *s));
            d.run_find();
            app.overlay = Overlay::None;
            return Vec::new();
        }
        Action::Accept => {
            app.overlay = Overlay::None;
            let mut query = prompt.line.text().to_owned();
            // An empty line finds the last query again, as in less.
            if query.is_empty() {
                match &prompt.old {
                    Some((q, _)) => query.clone_from(q),
                    None => return Vec::new(),
                }
                preview(d, &query, prompt.before);
            }
            app.histories[HISTORY].push(&query);
            app.status = d.find.as_ref().map(Find::position);
            if d.find.as_ref().is_some_and(|f| f.hits.is_empty()) {
                d.find = None;
            }
            return Vec::new();
        }
        _ => {}
    }
    if let Some(e) = edit
        && prompt.line.edit(e, &app.histories[HISTORY])
    {
        preview(d, prompt.line.text(), prompt.before);
    }
    app.overlay = Overlay::Find(prompt);
    Vec::new()
}

/// Finds `query` as typed: the cursor on the first match from where the prompt opened (back
/// there when nothing matches).
fn preview(d: &mut DetailView, query: &str, before: (usize, usize)) {
    (d.cursor, d.scroll) = before;
    if query.is_empty() {
        d.find = None;
        return;
    }
    d.find = Some(Find::new(query, false));
    d.run_find();
    let first = d
        .hit_from_cursor(true)
        .or_else(|| d.find.as_ref().filter(|f| !f.hits.is_empty()).map(|_| 0));
    if let Some(h) = first {
        d.goto_hit(h);
    }
}

/// The prompt's line as drawn: `/query`, and how many it finds.
pub fn prompt_text(prompt: &Prompt, d: &DetailView) -> (String, String) {
    let count = match &d.find {
        Some(f) if !prompt.line.text().is_empty() => match (f.hits.len(), f.current) {
            (0, _) => "no match".to_owned(),
            (n, Some(c)) => format!("{} of {}", c + 1, crate::fmt::thousands(n as u64)),
            (n, None) => crate::fmt::count(n, "match", "matches"),
        },
        _ => String::new(),
    };
    (crate::sanitize::one_line(prompt.line.text()), count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case() {
        let re = matcher("rate_limit").unwrap();
        assert!(re.is_match("RATE_LIMIT hit"));
        let re = matcher("Rate").unwrap();
        assert!(!re.is_match("rate") && re.is_match("Rate"));
        let re = matcher("café").unwrap();
        assert!(re.is_match("CAFÉ"));
        let re = matcher("a.b(").unwrap();
        assert!(re.is_match("xa.b(") && !re.is_match("axb("));
        assert!(matcher("").is_none());
    }
}
