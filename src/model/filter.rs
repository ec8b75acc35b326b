//! The filter language that narrows lists: the session list, a session's turns and tree, and
//! the headless `--filter`.
//!
//! A filter is terms separated by spaces, all of which must hold; `-term` negates one:
//!
//! | term | a session matches when | a span matches when |
//! |---|---|---|
//! | `error` | a span failed | it failed |
//! | `user:TEXT` | its user contains TEXT | its session's user does |
//! | `model:TEXT`, `tool:TEXT`, `name:TEXT` | a span's model / tool name / name contains TEXT | its own does |
//! | `kind:KIND` | a span is of that kind (`llm`, `tool`, `agent`, …) | it is |
//! | `origin:explicit\|inferred` | its id was found, or inferred | its session's was |
//! | `eval:NAME`, `eval:NAME=VALUE`, `eval:scorer-error` | an evaluation of it (or of its traces) says so | one of its span or trace does |
//! | `since:WHEN`, `until:WHEN` | it overlaps the window | it started in it |
//! | `dur>30s`, `tokens>10k`, `cost>0.5` (`<`, `>=`, `<=`, `=`) | its duration, total tokens, cost | its own |
//! | any other word | fuzzy: its id, user or first input | fuzzy: its name |
//!
//! TEXT matches without regard to case. WHEN is ISO-8601 (`2026-03-03`, `2026-03-03T10:00`,
//! with a zone or UTC) or an age before now (`30m`, `2h`, `7d`). Values with spaces are quoted
//! (`name:"read file"`). Evaluated on the model's tables: string terms are first resolved
//! against the interned strings (a bitmap), so each span costs a lookup, not a comparison.

use super::{Model, NONE, SessionOrigin};

/// The language in brief, for `--help`.
pub const HELP: &str = "FILTERS (all terms must hold; -TERM negates one):
  error                        a span failed
  user:TEXT model:TEXT         the user / a span's model contains TEXT (any case)
  tool:TEXT name:TEXT          a tool / a span's name contains TEXT
  kind:KIND                    llm, tool, agent, chain, retriever, ...
  origin:explicit|inferred     how the session was found
  eval:NAME[=VALUE]            an evaluation says so; eval:scorer-error
  since:WHEN until:WHEN        2026-03-03, 2026-03-03T10:00Z, or an age: 2h, 7d
  dur>30s tokens>10k cost>0.5  also <, >=, <=, =
  WORD                         fuzzy: session id, user, first input (spans: name)
  Quote values with spaces: name:\"read file\"";
use crate::kind::Kind;

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    terms: Vec<(bool, Term)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Term {
    Error,
    User(String),
    Model(String),
    Tool(String),
    Name(String),
    Kind(Kind),
    Origin(SessionOrigin),
    Eval { name: String, value: Option<String> },
    ScorerError,
    Since(i64),
    Until(i64),
    Duration(Cmp, i64),
    Tokens(Cmp, u64),
    Cost(Cmp, f64),
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Eq => a == b,
            Cmp::Ge => a >= b,
            Cmp::Gt => a > b,
        }
    }
}

/// Why a filter does not parse: the term and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub term: String,
    pub reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.term, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// The words of a filter: split at spaces, a quoted stretch kept whole (its quotes dropped).
fn words(s: &str) -> Result<Vec<String>, ParseError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err(ParseError {
            term: cur,
            reason: "a quote is not closed".into(),
        });
    }
    if started {
        out.push(cur);
    }
    Ok(out)
}

impl Filter {
    /// Parses `s`; `now` (ns since the epoch) anchors relative times (`since:2h`).
    pub fn parse(s: &str, now: i64) -> Result<Filter, ParseError> {
        let mut terms = Vec::new();
        for word in words(s)? {
            let (negated, body) = match word.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, word.as_str()),
            };
            let term = term(body, now).map_err(|reason| ParseError {
                term: word.clone(),
                reason,
            })?;
            terms.push((negated, term));
        }
        Ok(Filter { terms })
    }

    /// Whether everything this filter keeps, `before` keeps too, as far as can be told from
    /// their terms: `before` with terms added, or with its last free-text word typed further
    /// (a fuzzy match of `abc` is a fuzzy match of `ab`). The list can then be narrowed from
    /// what `before` kept instead of from everything.
    pub fn narrows(&self, before: &Filter) -> bool {
        let (old, new) = (&before.terms, &self.terms);
        if new.len() < old.len() || old.is_empty() {
            return false;
        }
        let last = old.len() - 1;
        old.iter().zip(new).enumerate().all(|(i, (o, n))| {
            o == n
                || (i == last
                    && matches!((o, n), ((false, Term::Text(a)), (false, Term::Text(b)))
                        if b.starts_with(a.as_str())))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Resolves the filter against a model, for matching its sessions and spans.
    pub fn compile<'m>(&self, model: &'m Model) -> Compiled<'m> {
        let strings = &model.index.strings;
        let n = strings.len();
        let mut sets = Vec::new();
        for (_, t) in &self.terms {
            let needle = match t {
                Term::User(s) | Term::Model(s) | Term::Tool(s) | Term::Name(s) => s,
                _ => continue,
            };
            let needle = needle.to_lowercase();
            let mut bits = vec![0u64; n.div_ceil(64)];
            for id in 0..n {
                let text = strings.get(u32::try_from(id).unwrap_or(u32::MAX));
                if contains_ignoring_case(text, &needle) {
                    bits[id / 64] |= 1 << (id % 64);
                }
            }
            sets.push(bits);
        }
        let texts = self
            .terms
            .iter()
            .filter_map(|(_, t)| match t {
                Term::Text(s) => Some(Fuzzy::new(s)),
                _ => None,
            })
            .collect();
        Compiled {
            filter: self.clone(),
            model,
            sets,
            texts,
            sessions_with: self
                .terms
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }
}

fn contains_ignoring_case(text: &str, lower_needle: &str) -> bool {
    if lower_needle.is_empty() {
        return true;
    }
    if text.is_ascii() && lower_needle.is_ascii() {
        let (t, n) = (text.as_bytes(), lower_needle.as_bytes());
        return t
            .windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    text.to_lowercase().contains(lower_needle)
}

fn term(s: &str, now: i64) -> Result<Term, String> {
    for (op, cmp) in [
        (">=", Cmp::Ge),
        ("<=", Cmp::Le),
        (">", Cmp::Gt),
        ("<", Cmp::Lt),
        ("=", Cmp::Eq),
    ] {
        if let Some((field, value)) = s.split_once(op)
            && matches!(field, "dur" | "duration" | "tokens" | "cost")
        {
            return match field {
                "dur" | "duration" => duration(value)
                    .map(|d| Term::Duration(cmp, d))
                    .ok_or_else(|| format!("`{value}` is not a duration (500ms, 30s, 2m, 1h)")),
                "tokens" => count(value)
                    .map(|n| Term::Tokens(cmp, n))
                    .ok_or_else(|| format!("`{value}` is not a count (1500, 10k, 2m)")),
                _ => value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|v| Term::Cost(cmp, v))
                    .ok_or_else(|| format!("`{value}` is not an amount (0.5)")),
            };
        }
    }
    if s.eq_ignore_ascii_case("error") || s.eq_ignore_ascii_case("errors") {
        return Ok(Term::Error);
    }
    let Some((key, value)) = s.split_once(':') else {
        return Ok(Term::Text(s.to_owned()));
    };
    let need = |v: &str| {
        if v.is_empty() {
            Err(format!("`{key}:` needs a value"))
        } else {
            Ok(v.to_owned())
        }
    };
    match key.to_ascii_lowercase().as_str() {
        "user" => need(value).map(Term::User),
        "model" => need(value).map(Term::Model),
        "tool" => need(value).map(Term::Tool),
        "name" => need(value).map(Term::Name),
        "kind" if value.is_empty() => need(value).map(Term::Text),
        "kind" => Kind::parse(value).map(Term::Kind).ok_or_else(|| {
            format!(
                "`{value}` is not a span kind ({})",
                Kind::ALL[1..]
                    .iter()
                    .map(|k| k.label().to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
        "origin" | "eval" | "since" | "until" if value.is_empty() => need(value).map(Term::Text),
        "origin" => match value.to_ascii_lowercase().as_str() {
            "explicit" => Ok(Term::Origin(SessionOrigin::Explicit)),
            "inferred" => Ok(Term::Origin(SessionOrigin::Inferred)),
            _ => Err(format!("`{value}` is not an origin (explicit, inferred)")),
        },
        "eval" => {
            if value.eq_ignore_ascii_case("scorer-error") {
                return Ok(Term::ScorerError);
            }
            let (name, v) = match value.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (value, None),
            };
            need(name).map(|name| Term::Eval { name, value: v })
        }
        "since" => when(value, now).map(Term::Since).ok_or_else(|| {
            format!("`{value}` is not a time (2026-03-03, 2026-03-03T10:00Z, 2h, 7d)")
        }),
        "until" => when(value, now).map(Term::Until).ok_or_else(|| {
            format!("`{value}` is not a time (2026-03-03, 2026-03-03T10:00Z, 2h, 7d)")
        }),
        _ => Err(format!(
            "`{key}:` is not a filter (user:, model:, tool:, name:, kind:, origin:, eval:, since:, until:)"
        )),
    }
}

/// `500ms`, `30s`, `2m`, `1.5h`, `1d` → nanoseconds.
fn duration(v: &str) -> Option<i64> {
    let v = v.trim();
    let (num, unit) = split_unit(v);
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "" | "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        "d" => 86_400e9,
        _ => return None,
    };
    let ns = n * scale;
    #[allow(clippy::cast_possible_truncation)]
    (ns < 9.2e18).then_some(ns as i64)
}

/// `1500`, `10k`, `2.5m` → a count.
fn count(v: &str) -> Option<u64> {
    let (num, unit) = split_unit(v.trim());
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" | "b" => 1e9,
        _ => return None,
    };
    let c = n * scale;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (c < 1.8e19).then_some(c as u64)
}

fn split_unit(v: &str) -> (&str, &str) {
    let at = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    v.split_at(at)
}

/// An absolute time (ISO-8601, a date alone, no seconds) or an age before `now`.
fn when(v: &str, now: i64) -> Option<i64> {
    if let Some(age) = duration(v).filter(|_| v.ends_with(|c: char| c.is_ascii_alphabetic())) {
        return Some(now.saturating_sub(age));
    }
    let b = v.as_bytes();
    let full = match b.len() {
        10 => format!("{v}T00:00:00Z"),
        16 => format!("{v}:00Z"),
        17 if b[16].eq_ignore_ascii_case(&b'z') => format!("{}:00Z", &v[..16]),
        _ => v.to_owned(),
    };
    crate::time::parse(&full).filter(|_| full.len() >= 19)
}

/// Free text, fuzzy: each word's characters appear in the haystack in order (`fxth` finds
/// "fix the"); smart case, as the full-text search: a word with no capital matches either case.
/// A filter only asks whether it matches, so this is a subsequence test (memchr from character
/// to character), not a ranking.
#[derive(Clone, Debug)]
struct Fuzzy {
    words: Vec<(String, bool)>,
}

impl Fuzzy {
    fn new(text: &str) -> Fuzzy {
        Fuzzy {
            words: text
                .split_whitespace()
                .map(|w| (w.to_owned(), !w.chars().any(char::is_uppercase)))
                .collect(),
        }
    }

    fn matches(&self, hay: &str) -> bool {
        self.words.iter().all(|(w, any_case)| {
            if w.is_ascii() {
                let mut rest = hay.as_bytes();
                for &b in w.as_bytes() {
                    let found = if *any_case && b.is_ascii_alphabetic() {
                        memchr::memchr2(b.to_ascii_lowercase(), b.to_ascii_uppercase(), rest)
                    } else {
                        memchr::memchr(b, rest)
                    };
                    match found {
                        Some(i) => rest = &rest[i + 1..],
                        None => return false,
                    }
                }
                true
            } else {
                let fold = |c: char| {
                    if *any_case {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c
                    }
                };
                let mut hay = hay.chars().map(fold);
                w.chars().map(fold).all(|c| hay.any(|h| h == c))
            }
        })
    }
}

/// A filter resolved against one model.
pub struct Compiled<'m> {
    filter: Filter,
    model: &'m Model,
    /// For each string term in order, the interned strings that match it.
    sets: Vec<Vec<u64>>,
    texts: Vec<Fuzzy>,
    /// For each span term (`model:`, `tool:`, `name:`, `kind:`) by its position, the sessions
    /// one of whose spans matches: made on first use by one pass over the spans, so a session
    /// costs a bit test, not a walk through its spans.
    sessions_with: Vec<std::cell::OnceCell<Vec<u64>>>,
}

/// Free text is matched against at most this many bytes of a session's haystack (its id,
/// user and first input): a prompt of many kilobytes costs no more than its beginning.
const FUZZY_HAY: usize = 256;

impl Compiled<'_> {
    fn in_set(&self, set: usize, id: u32) -> bool {
        self.sets
            .get(set)
            .and_then(|b| b.get(id as usize / 64))
            .is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    fn fuzzy(&self, text: usize, hay: &str) -> bool {
        let Some(f) = self.texts.get(text) else {
            return true;
        };
        let mut cut = hay.len().min(FUZZY_HAY);
        while !hay.is_char_boundary(cut) {
            cut -= 1;
        }
        f.matches(&hay[..cut])
    }

    /// Whether a span of session `s` matches span term `t` (at position `pos`, string set
    /// `set`), through the term's session bitmap.
    fn session_has(&self, pos: usize, t: &Term, set: usize, s: u32) -> bool {
        let m = self.model;
        let bits = self.sessions_with[pos].get_or_init(|| {
            let mut bits = vec![0u64; m.sessions.len().div_ceil(64)];
            let mut mark = |span: u32| {
                let trace = m.span(span).trace;
                let sess = m.trace(trace).session;
                if let Some(w) = bits.get_mut(sess as usize / 64) {
                    *w |= 1 << (sess % 64);
                }
            };
            match t {
                // Models are on the spans' extras: walked in order, no lookup per span.
                Term::Model(_) => {
                    for (i, e) in m.index.extras.iter() {
                        if e.model != 0 && self.in_set(set, e.model) {
                            mark(i);
                        }
                    }
                }
                _ => {
                    for i in 0..u32::try_from(m.index.spans.len()).unwrap_or(u32::MAX) {
                        let holds = match t {
                            Term::Kind(k) => m.span(i).kind() == *k,
                            _ => self.span_string(t, set, i),
                        };
                        if holds {
                            mark(i);
                        }
                    }
                }
            }
            bits
        });
        bits.get(s as usize / 64)
            .is_some_and(|w| w >> (s % 64) & 1 == 1)
    }

    /// Whether session `s` matches; `first_input` gives its first input, for free text (only
    /// asked when a free-text term needs it).
    pub fn session(&self, s: u32, first_input: &mut dyn FnMut(u32) -> Option<String>) -> bool {
        let m = self.model;
        let sess = m.session(s);
        let (mut set, mut text) = (0, 0);
        for (pos, (negated, t)) in self.filter.terms.iter().enumerate() {
            let holds = match t {
                Term::Error => sess.errors > 0,
                Term::User(_) => {
                    set += 1;
                    sess.user != 0 && self.in_set(set - 1, sess.user)
                }
                Term::Model(_) | Term::Tool(_) | Term::Name(_) => {
                    set += 1;
                    self.session_has(pos, t, set - 1, s)
                }
                Term::Kind(_) => self.session_has(pos, t, set, s),
                Term::Origin(o) => sess.origin == *o,
                Term::Eval { .. } | Term::ScorerError => {
                    m.evals_of(sess)
                        .iter()
                        .any(|&e| m.evals.get(e as usize).is_some_and(|e| eval(t, &e.eval)))
                        || m.traces_of(sess)
                            .iter()
                            .any(|&tr| m.trace_evals(tr).iter().any(|e| eval(t, &e.eval)))
                }
                Term::Since(at) => sess.end >= *at,
                Term::Until(at) => sess.start <= *at,
                Term::Duration(c, d) => c.holds(sess.duration_ns(), *d),
                Term::Tokens(c, n) => c.holds(m.tokens_of(sess)[2], *n),
                Term::Cost(c, v) => sess.cost().is_some_and(|cost| c.holds(cost, *v)),
                Term::Text(_) => {
                    text += 1;
                    let hay = format!(
                        "{} {} {}",
                        m.session_id(s),
                        m.str(sess.user),
                        first_input(s).unwrap_or_default()
                    );
                    self.fuzzy(text - 1, &hay)
                }
            };
            if holds == *negated {
                return false;
            }
        }
        true
    }

    fn span_string(&self, t: &Term, set: usize, i: u32) -> bool {
        let m = self.model;
        match t {
            Term::Model(_) => m
                .index
                .extra(i)
                .is_some_and(|e| e.model != 0 && self.in_set(set, e.model)),
            Term::Tool(_) => m.span(i).kind() == Kind::Tool && self.in_set(set, m.span(i).name),
            _ => self.in_set(set, m.span(i).name),
        }
    }

    /// Whether span `i` matches.
    pub fn span(&self, i: u32) -> bool {
        let m = self.model;
        let rec = m.span(i);
        let trace = m.trace(rec.trace);
        let session = (trace.session != NONE).then(|| m.session(trace.session));
        let (mut set, mut text) = (0, 0);
        for (negated, t) in &self.filter.terms {
            let holds = match t {
                Term::Error => m.is_error(i),
                Term::User(_) => {
                    set += 1;
                    let user = m.index.extra(i).map_or(0, |e| e.user);
                    let user = if user == 0 { trace.user } else { user };
                    user != 0 && self.in_set(set - 1, user)
                }
                Term::Model(_) | Term::Tool(_) | Term::Name(_) => {
                    set += 1;
                    self.span_string(t, set - 1, i)
                }
                Term::Kind(k) => rec.kind() == *k,
                Term::Origin(o) => session.is_some_and(|s| s.origin == *o),
                Term::Eval { .. } | Term::ScorerError => m
                    .trace_evals(rec.trace)
                    .iter()
                    .any(|e| (e.span == i || e.span == NONE) && eval(t, &e.eval)),
                Term::Since(at) => rec.start() >= *at,
                Term::Until(at) => rec.start() <= *at,
                Term::Duration(c, d) => c.holds((m.index.end(rec) - rec.start()).max(0), *d),
                Term::Tokens(c, n) => m.index.tokens(i).is_some_and(|t| c.holds(t[2], *n)),
                Term::Cost(c, v) => m
                    .index
                    .extra(i)
                    .map(|e| f64::from(e.cost))
                    .filter(|x| !x.is_nan())
                    .is_some_and(|cost| c.holds(cost, *v)),
                Term::Text(_) => {
                    text += 1;
                    self.fuzzy(text - 1, m.name(i))
                }
            };
            if holds == *negated {
                return false;
            }
        }
        true
    }
}

fn eval(t: &Term, e: &crate::format::eval::Evaluation) -> bool {
    match t {
        Term::ScorerError => e.scorer_error.is_some(),
        Term::Eval { name, value } => {
            e.name.eq_ignore_ascii_case(name)
                && value.as_ref().is_none_or(|v| {
                    e.value
                        .as_deref()
                        .is_some_and(|have| have.trim_matches('"').eq_ignore_ascii_case(v))
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000_000_000;

    fn parse(s: &str) -> Result<Filter, String> {
        Filter::parse(s, NOW).map_err(|e| e.to_string())
    }

    #[test]
    fn free_text_is_a_subsequence_in_smart_case() {
        let f = |q: &str, hay: &str| Fuzzy::new(q).matches(hay);
        assert!(f("fxth", "Please fix the test"));
        assert!(f("FIX", "FIX the test"));
        assert!(!f("FIX", "fix the test"), "a capital asks for that case");
        assert!(f("fix", "FIX the test"));
        assert!(f("fix tst", "fix the test"), "every word");
        assert!(!f("fix zz", "fix the test"));
        assert!(f("東京", "東京の明日の天気"));
        assert!(f("café", "CAFÉ au lait"));
        assert!(!f("tx", "xt"), "in order");
    }

    #[test]
    fn a_filter_typed_further_narrows_the_one_before() {
        let f = |s: &str| parse(s).unwrap();
        assert!(f("error ab").narrows(&f("error a")));
        assert!(f("error a user:x").narrows(&f("error a")));
        assert!(f("error").narrows(&f("error")));
        assert!(!f("error a").narrows(&f("error ab")), "erased: wider");
        assert!(
            !f("-ab").narrows(&f("-a")),
            "a negated word typed further keeps more"
        );
        assert!(
            !f("dur>10s").narrows(&f("dur>1s")),
            "not told apart from the terms"
        );
        assert!(!f("user:ab").narrows(&f("error")));
    }

    #[test]
    fn terms_parse_and_bad_ones_say_why() {
        let f = parse("error user:ab12 -kind:tool dur>30s tokens>=10k cost<0.5 since:2h").unwrap();
        assert_eq!(f.terms.len(), 7);
        assert_eq!(f.terms[2], (true, Term::Kind(Kind::Tool)));
        assert_eq!(f.terms[3].1, Term::Duration(Cmp::Gt, 30_000_000_000));
        assert_eq!(f.terms[4].1, Term::Tokens(Cmp::Ge, 10_000));
        assert_eq!(f.terms[6].1, Term::Since(NOW - 7_200_000_000_000));
        assert_eq!(
            parse("name:\"read file\" eval:resolved=false")
                .unwrap()
                .terms,
            vec![
                (false, Term::Name("read file".into())),
                (
                    false,
                    Term::Eval {
                        name: "resolved".into(),
                        value: Some("false".into())
                    }
                )
            ]
        );
        assert_eq!(
            parse("since:2026-03-03").unwrap().terms[0].1,
            Term::Since(crate::time::parse("2026-03-03T00:00:00Z").unwrap())
        );
        assert_eq!(
            parse("until:2026-03-03T10:00").unwrap().terms[0].1,
            Term::Until(crate::time::parse("2026-03-03T10:00:00Z").unwrap())
        );
        assert!(parse("kind:bogus").unwrap_err().contains("not a span kind"));
        assert!(parse("dur>soon").unwrap_err().contains("not a duration"));
        assert!(
            parse("colour:red")
                .unwrap_err()
                .contains("`colour:` is not a filter")
        );
        assert!(parse("since:yesterday").unwrap_err().contains("not a time"));
        assert!(parse("name:\"open").unwrap_err().contains("not closed"));
        assert!(parse("user:").unwrap_err().contains("needs a value"));
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn matching_ignores_case() {
        assert!(contains_ignoring_case("ReadFile", "readf"));
        assert!(contains_ignoring_case("Café", "café"));
        assert!(!contains_ignoring_case("Read", "write"));
    }
}
