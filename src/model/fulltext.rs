//! Full-text search over the bytes of the span records, as the records' text reads once
//! decoded: the query is matched in every way an exporter may have written it.
//!
//! A JSON string holds a character as itself, or as an escape: `\/` for `/` (pandas), `\uXXXX`
//! for anything (Python's `ensure_ascii`, Go's `<`, `>`, `&`), a surrogate pair beyond the
//! basic plane, `\n` and `\t` for control characters; JSON held inside a JSON string (an
//! `input.value` that is itself a document) is escaped twice (`\\\"`, `\\u00e9`). The query
//! is compiled into one byte regex in which each character is the alternation of its
//! spellings, so a match may span escapes of either level and no record is decoded to search
//! it. Smart case, as ripgrep and vim: a query with no upper-case letter matches either case.

use super::{Model, NONE};
use crate::index::record::flag;

/// A compiled full-text query.
pub struct Query {
    regex: regex::bytes::Regex,
    /// Matches either case (the query has no upper-case letter).
    pub any_case: bool,
}

impl Query {
    /// `None` for an empty query.
    pub fn new(text: &str) -> Option<Query> {
        if text.is_empty() {
            return None;
        }
        let any_case = !text.chars().any(char::is_uppercase);
        let mut pattern = String::from("(?-u)");
        for c in text.chars() {
            pattern.push_str(&spellings(c, any_case));
        }
        let regex = regex::bytes::RegexBuilder::new(&pattern)
            .size_limit(64 << 20)
            .build()
            .ok()?;
        Some(Query { regex, any_case })
    }

    /// Byte ranges of the matches in `hay`, left to right.
    pub fn find_iter<'a>(
        &'a self,
        hay: &'a [u8],
    ) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
        self.regex.find_iter(hay).map(|m| m.range())
    }

    pub fn is_match(&self, hay: &[u8]) -> bool {
        self.regex.is_match(hay)
    }
}

/// The regex for one character: every way a JSON string (once or twice escaped) may hold it.
fn spellings(c: char, any_case: bool) -> String {
    let mut forms: Vec<String> = Vec::new();
    let mut chars = vec![c];
    if any_case {
        chars.extend(c.to_uppercase().filter(|u| *u != c));
        chars.extend(c.to_lowercase().filter(|l| *l != c));
        chars.dedup();
    }
    for &ch in &chars {
        forms.extend(spell(ch));
    }
    forms.sort();
    forms.dedup();
    if forms.len() == 1 {
        forms.pop().unwrap_or_default()
    } else if forms.iter().all(|f| f.len() == 1) {
        // [aA]: a class, which the regex's literal search handles best.
        format!("[{}]", forms.concat())
    } else {
        format!("(?:{})", forms.join("|"))
    }
}

/// The spellings of one exact character, as regex pieces.
fn spell(c: char) -> Vec<String> {
    let lit = |s: &str| regex::escape(s);
    // `\uXXXX` once and twice escaped, hex digits in either case.
    let unicode = |c: char| -> Vec<String> {
        let mut units = [0u16; 2];
        let hex: Vec<String> = c
            .encode_utf16(&mut units)
            .iter()
            .map(|u| {
                format!("{u:04x}")
                    .chars()
                    .map(|h| {
                        if h.is_ascii_alphabetic() {
                            format!("[{}{}]", h, h.to_ascii_uppercase())
                        } else {
                            h.to_string()
                        }
                    })
                    .collect::<String>()
            })
            .collect();
        vec![
            hex.iter().map(|h| format!(r"\\u{h}")).collect(),
            hex.iter().map(|h| format!(r"\\\\u{h}")).collect(),
        ]
    };
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | ' ' => vec![lit(&c.to_string())],
        '/' => vec![lit("/"), lit("\\/"), lit("\\\\/"), lit("\\\\\\/")],
        '"' => {
            let mut v = vec![lit("\\\""), lit("\\\\\\\"")];
            v.extend(unicode(c));
            v
        }
        '\\' => {
            let mut v = vec![lit("\\\\"), lit("\\\\\\\\")];
            v.extend(unicode(c));
            v
        }
        '\n' | '\t' | '\r' => {
            let short = match c {
                '\n' => 'n',
                '\t' => 't',
                _ => 'r',
            };
            let mut v = vec![lit(&format!("\\{short}")), lit(&format!("\\\\{short}"))];
            v.extend(unicode(c));
            v
        }
        c if c.is_control() => unicode(c),
        c => {
            // Any other character as itself, or \u-escaped (non-ASCII by `ensure_ascii`,
            // `<`, `>`, `&`, `'` by HTML-safe encoders).
            let mut v = vec![lit(&c.to_string())];
            if !c.is_ascii() || matches!(c, '<' | '>' | '&' | '\'' | '=') {
                v.extend(unicode(c));
            }
            v
        }
    }
}

/// The outcome of a search: spans in file order, and whether it stopped at the limit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    pub spans: Vec<u32>,
    /// The search stopped at the limit: more records may match.
    pub truncated: bool,
}

/// The most matches the TUI's full-text search collects (it says "100,000+" when it stops).
pub const LIMIT: usize = 100_000;

/// Spans whose record matches `query` (see the module), in file order, at most `limit`.
pub fn search(model: &Model, query: &str, limit: usize) -> Vec<u32> {
    search_hits(model, query, limit).spans
}

/// [`search`], saying whether it stopped at `limit`.
pub fn search_hits(model: &Model, query: &str, limit: usize) -> Hits {
    match Query::new(query) {
        Some(q) => search_query(model, &q, limit),
        None => Hits::default(),
    }
}

/// [`search`] with a compiled query.
pub fn search_query(model: &Model, query: &Query, limit: usize) -> Hits {
    let index = &model.index;
    let spans = &index.spans;
    let loc = |i: usize| index.loc(u32::try_from(i).unwrap_or(u32::MAX));
    // Records are stored in file order within a piece of a file, the pieces in the order they
    // were scanned; keep a sorted view when they are not in file order.
    let mut locs = index.locs().peekable();
    let mut sorted = true;
    while let (Some(a), Some(&b)) = (locs.next(), locs.peek()) {
        if a > b {
            sorted = false;
            break;
        }
    }
    let order: Vec<u32> = if sorted {
        Vec::new()
    } else {
        let mut o: Vec<(u64, u32)> = index
            .locs()
            .zip(0..u32::try_from(spans.len()).unwrap_or(u32::MAX))
            .collect();
        o.sort_unstable();
        o.into_iter().map(|(_, i)| i).collect()
    };
    let nth = |k: usize| {
        if order.is_empty() {
            k
        } else {
            order[k] as usize
        }
    };
    let mut hits = Hits::default();
    for (f, src) in model.index.sources.iter().enumerate() {
        // Bytes that are no longer the file's are not searched (see `crate::source`).
        if !src.intact() {
            continue;
        }
        let bytes = src.bytes();
        let mut at = 0;
        // The line of the last match outside the span records, and the root it stands for.
        let mut line_cache: Option<(std::ops::Range<usize>, Option<u32>)> = None;
        while let Some(m) = query.regex.find_at(bytes, at) {
            at = m.end().max(m.start() + 1);
            let here =
                crate::index::record::loc(u16::try_from(f).unwrap_or(u16::MAX), m.start() as u64);
            // The last span starting at or before the match, if the match lies inside it.
            let k = if order.is_empty() {
                partition(spans.len(), |i| loc(i) <= here)
            } else {
                order.partition_point(|&i| loc(i as usize) <= here)
            };
            let inside = k.checked_sub(1).map(nth).filter(|&i| {
                let s = &spans[i];
                crate::index::record::loc_parts(loc(i)).0 as usize == f
                    && (m.start() as u64) < s.offset() + u64::from(index.span_len(s))
            });
            let Some(i) = inside else {
                // Outside every span record: the trace's or the resource's metadata, an
                // assessment, on the line of some spans (MLflow's trace `info`, OTLP's
                // `resource`). The match stands for the trace root of the line's first span.
                // A line is looked at once however many matches it holds (a document written
                // on one line may be a gigabyte long).
                let cached = line_cache
                    .as_ref()
                    .filter(|(r, _)| r.contains(&m.start()))
                    .map(|(_, root)| *root);
                let root = match cached {
                    Some(root) => root,
                    None => {
                        let (line, root) = line_root(model, bytes, f, m.start(), &order);
                        line_cache = Some((line, root));
                        root
                    }
                };
                if let Some(root) = root {
                    if hits.spans.last() != Some(&root) {
                        hits.spans.push(root);
                    }
                    if hits.spans.len() >= limit {
                        hits.truncated = true;
                        break;
                    }
                }
                continue;
            };
            let s = &spans[i];
            let end = s.offset() + u64::from(index.span_len(s));
            if !s.has(flag::DUPLICATE) {
                hits.spans.push(u32::try_from(i).unwrap_or(u32::MAX));
                if hits.spans.len() >= limit {
                    hits.truncated = true;
                    break;
                }
            }
            // The rest of this record cannot add it again.
            at = at.max(usize::try_from(end).unwrap_or(usize::MAX));
        }
        if hits.truncated {
            break;
        }
    }
    // Evaluations (an assessment's name, value, rationale and error), as parsed: those kept
    // apart from the spans' lines (annotation files) are found here too.
    if !hits.truncated {
        for e in &model.evals {
            let ev = &e.eval;
            let said = [
                Some(&ev.name),
                ev.value.as_ref(),
                ev.rationale.as_ref(),
                ev.scorer_error.as_ref(),
                ev.source.as_ref(),
            ];
            if !said
                .into_iter()
                .flatten()
                .any(|t| query.is_match(t.as_bytes()))
            {
                continue;
            }
            let span = if e.span != NONE {
                e.span
            } else if (e.trace as usize) < model.traces.len() {
                model.trace_root(e.trace)
            } else {
                NONE
            };
            if span != NONE {
                hits.spans.push(span);
            }
        }
    }
    hits.spans.sort_unstable();
    hits.spans.dedup();
    hits
}

/// The trace root of the first span record on the line holding byte `at` of file `f`, if the
/// line has one; on an indented line of a document written over many lines (not a record of
/// its own), of the next span record (a trace's `info` comes before its spans).
fn line_root(
    model: &Model,
    bytes: &[u8],
    f: usize,
    at: usize,
    order: &[u32],
) -> (std::ops::Range<usize>, Option<u32>) {
    let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    (
        start..end,
        root_of_line(model, bytes, f, at, (start, end), order),
    )
}

/// [`line_root`] once the line's ends are known.
fn root_of_line(
    model: &Model,
    bytes: &[u8],
    f: usize,
    at: usize,
    (start, end): (usize, usize),
    order: &[u32],
) -> Option<u32> {
    use crate::index::record::SpanRec;
    let index = &model.index;
    let spans = &index.spans;
    let loc = |i: usize| index.loc(u32::try_from(i).unwrap_or(u32::MAX));
    let file = u16::try_from(f).unwrap_or(u16::MAX);
    // The first span record at or after byte `from` of the file, in file order.
    let first_from = |from: usize| -> Option<&SpanRec> {
        let at = crate::index::record::loc(file, from as u64);
        let i = if order.is_empty() {
            partition(spans.len(), |i| loc(i) < at)
        } else {
            *order.get(order.partition_point(|&i| loc(i as usize) < at))? as usize
        };
        let in_file = i < spans.len() && crate::index::record::loc_parts(loc(i)).0 == file;
        spans.get(i).filter(|_| in_file)
    };
    let inner = matches!(bytes.get(start), Some(b' ' | b'\t'));
    let s = match first_from(start) {
        Some(s) if s.offset() < end as u64 => s,
        _ if inner => first_from(at)?,
        _ => return None,
    };
    if s.has(flag::DUPLICATE) {
        return None;
    }
    let root = ((s.trace as usize) < model.traces.len()).then(|| model.trace_root(s.trace))?;
    (root != NONE).then_some(root)
}

/// The first of `0..n` for which `before` is false (`before` holds for a prefix).
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(query: &str, hay: &str) -> bool {
        Query::new(query).unwrap().is_match(hay.as_bytes())
    }

    #[test]
    fn every_spelling_of_a_character_matches() {
        // pandas writes `/` as `\/`.
        assert!(hit("docs/guides/auth.md", r#""docs\/guides\/auth.md""#));
        assert!(hit("guides/auth", r#""docs/guides/auth.md""#));
        // \uXXXX, either hex case, and a surrogate pair.
        assert!(hit("Café", r#""Caf\u00e9""#));
        assert!(hit("Café", r#""Caf\u00E9""#));
        assert!(hit("Café", "\"Café\""));
        assert!(hit("😀 ok", r#""\ud83d\ude00 ok""#));
        assert!(hit("😀", r#""\uD83D\uDE00""#));
        // Control characters and quotes.
        assert!(hit("a\nb", r#""a\nb""#));
        assert!(hit("a\tb", r#""a\tb""#));
        assert!(hit("say \"hi\"", r#""say \"hi\"""#));
        assert!(hit(r"C:\temp", r#""C:\\temp""#));
        // HTML-safe encoders.
        assert!(hit("a<b>&c", r#""a\u003cb\u003e\u0026c""#));
        // JSON inside a JSON string: escaped twice.
        assert!(hit("\"role\": \"user\"", r#""{\"role\": \"user\"}""#));
        assert!(hit("Café", r#""{\"q\": \"Caf\\u00e9\"}""#));
        assert!(hit("a/b", r#""{\"p\": \"a\\\/b\"}""#));
        assert!(!hit("Cafe", r#""Caf\u00e9""#));
        assert!(!hit("docs/guides", r#""docs-guides""#));
    }

    #[test]
    fn smart_case() {
        assert!(hit("rate_limit", "RATE_LIMIT exceeded"));
        assert!(hit("RATE_LIMIT", "RATE_LIMIT exceeded"));
        assert!(!hit("RATE_LIMIT", "rate_limit exceeded"));
        assert!(hit("café", r#""CAF\u00c9""#));
        assert!(hit("café", "CAFÉ"));
        assert!(!hit("Café", "CAFÉ"));
    }

    #[test]
    fn a_regex_character_is_plain_text() {
        assert!(hit("a.b*(c)", "x a.b*(c) y"));
        assert!(!hit("a.b", "axb"));
        assert!(Query::new("").is_none());
    }
}
