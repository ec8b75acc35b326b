//! The JSON shapes the commands print.

use crate::index::report::Severity;
use crate::model::Model;
use crate::model::conversation::read::Reader;
use crate::sanitize::{Clean, Lit, Piece};
pub use crate::transcript::{Tokens, time};
use serde::Serialize;

#[derive(Serialize)]
pub struct Session<'a> {
    pub id: &'a str,
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    pub key: Option<&'static str>,
    /// Traces of an explicit session that joined it through their message history.
    pub inferred_traces: u32,
    /// Side requests (title generation, quota probes) among its traces.
    pub side_requests: usize,
    pub user: Option<&'a str>,
    pub traces: usize,
    /// What the person typed, the LLM calls made, the sub-agents run in other traces.
    pub turns: u32,
    pub calls: u32,
    /// Tool spans (kind `tool`) in its traces.
    pub tools: u32,
    pub subagents: u32,
    pub spans: u32,
    pub errors: u32,
    pub start: Option<Stamp>,
    pub end: Option<Stamp>,
    pub duration_ms: i64,
    /// The title its export gives it (a Claude Code `summary` line), if any.
    pub title: Option<&'a str>,
    pub first_input: Option<String>,
    pub last_output: Option<String>,
    pub tokens: Tokens,
    /// USD, the sum of the costs its spans carry, rounded to
    /// [`crate::fmt::COST_DIGITS`] significant digits; null when no span carries one.
    pub cost: Option<f64>,
    /// Its evaluations: session-level ones first, then those of its traces and spans, in
    /// trace order.
    pub evaluations: Vec<SessionEval>,
}

/// A time (nanoseconds since the epoch, above 0), written as [`time`] writes it: ISO 8601 in
/// UTC to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(pub i64);

impl Stamp {
    /// [`time`]'s answer: none for 0 and before.
    pub fn of(ns: i64) -> Option<Stamp> {
        (ns > 0).then_some(Stamp(ns))
    }
}

impl Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::time::iso_ms(self.0))
    }
}

/// The fields of a session in [`Session`]'s order, and of its token counts.
const FIELDS: [&str; 23] = [
    "id",
    "origin",
    "inferred_by",
    "key",
    "inferred_traces",
    "side_requests",
    "user",
    "traces",
    "turns",
    "calls",
    "tools",
    "subagents",
    "spans",
    "errors",
    "start",
    "end",
    "duration_ms",
    "title",
    "first_input",
    "last_output",
    "tokens",
    "cost",
    "evaluations",
];
const TOKEN_FIELDS: [&str; 3] = ["prompt", "completion", "total"];

/// What writes sessions `depth` levels deep in a pretty document ([`Session::write`]): each
/// field's separator, indent and key made once, ready to copy, and the date of the last time
/// written.
pub struct SessionText {
    depth: usize,
    /// By [`FIELDS`], then [`TOKEN_FIELDS`].
    keys: Vec<Clean>,
    /// The same as pieces copied whole, when every one is short enough (not too deep).
    short: Vec<Piece>,
    /// The ends of the tokens' object and of the session's.
    tokens_end: Clean,
    end: Clean,
    /// The day (since the epoch) of the last time written, and its `YYYY-MM-DD`.
    day: Option<(i64, [u8; 10])>,
}

impl SessionText {
    pub fn new(depth: usize) -> SessionText {
        let indent = |d: usize| "  ".repeat(d);
        let key = |first: bool, d: usize, name: &str| {
            Clean::checked(
                format!(
                    "{}{}\"{name}\": ",
                    if first { "\n" } else { ",\n" },
                    indent(d)
                )
                .as_bytes(),
            )
        };
        let keys = (FIELDS
            .iter()
            .enumerate()
            .map(|(i, n)| key(i == 0, depth + 1, n)))
        .chain((TOKEN_FIELDS.iter().enumerate()).map(|(i, n)| key(i == 0, depth + 2, n)))
        .collect::<Vec<Clean>>();
        let short = keys.iter().map(Piece::of).collect::<Option<Vec<_>>>();
        SessionText {
            depth,
            short: short.unwrap_or_default(),
            keys,
            tokens_end: Clean::checked(format!("\n{}}}", indent(depth + 1)).as_bytes()),
            end: Clean::checked(format!("\n{}}}", indent(depth)).as_bytes()),
            day: None,
        }
    }

    /// The separator, indent and key of field `i` of [`FIELDS`] (then [`TOKEN_FIELDS`]).
    #[inline]
    fn key(&self, out: &mut Clean, i: usize) {
        if let Some(p) = self.short.get(i) {
            out.piece(p);
        } else if let Some(k) = self.keys.get(i) {
            out.append(k);
        }
    }

    /// Writes time `ns` as [`Stamp`] serialises it: the date as [`crate::time::iso_ms`] writes
    /// the day's midnight (kept for the next time on the same day), the time of day digit by
    /// digit; a time whose year has not four digits through `iso_ms` whole.
    fn time(&mut self, out: &mut Clean, ns: i64) -> std::io::Result<()> {
        let secs = ns.div_euclid(1_000_000_000);
        let ms = ns.rem_euclid(1_000_000_000) / 1_000_000;
        let (day, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let date = match self.day {
            Some((d, date)) if d == day => Some(date),
            _ => day
                .checked_mul(86_400_000_000_000)
                .map(crate::time::iso_ms)
                .and_then(|midnight| {
                    let b = midnight.as_bytes();
                    let date: [u8; 10] = b.get(..10)?.try_into().ok()?;
                    (b.len() == 24 && b.get(10..) == Some(b"T00:00:00.000Z".as_slice()))
                        .then_some(date)
                }),
        };
        let Some(date) = date else {
            return out.json_str(&crate::time::iso_ms(ns));
        };
        self.day = Some((day, date));
        let mut text = *b"\"0000-00-00T00:00:00.000Z\"";
        text[1..11].copy_from_slice(&date);
        let mut put = |at: usize, width: usize, v: i64| {
            let mut v = v;
            for k in (at..at + width).rev() {
                text[k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(12, 2, sod / 3600);
        put(15, 2, sod % 3600 / 60);
        put(18, 2, sod % 60);
        put(21, 3, ms);
        out.push_checked(&text);
        Ok(())
    }
}

impl Session<'_> {
    /// Writes the session as [`crate::sanitize::write_json_pretty_at`] writes it `depth`
    /// levels deep, the same bytes.
    #[cfg(test)]
    pub fn write_pretty_at(&self, out: &mut Clean, depth: usize) -> std::io::Result<()> {
        self.write(&mut SessionText::new(depth), out)
    }

    /// Writes the session as [`crate::sanitize::write_json_pretty_at`] writes it `w.depth`
    /// levels deep, the same bytes, field by field: its strings through
    /// [`crate::sanitize::write_json_str`] (most are written as they are), its times and
    /// numbers by hand, each key with its separator and indent copied whole; only a cost, the
    /// inference's name and evaluations go through `serde_json`. (Each session otherwise took
    /// about 17,000 instructions to write, as many as reading its first input and last
    /// answer.) Tests hold the two to the same text.
    pub fn write(&self, w: &mut SessionText, out: &mut Clean) -> std::io::Result<()> {
        let opt_str = |out: &mut Clean, s: Option<&str>| match s {
            Some(s) => out.json_str(s),
            None => {
                out.lit(NULL);
                Ok(())
            }
        };
        out.lit(OPEN);
        w.key(out, 0); // id
        out.json_str(self.id)?;
        w.key(out, 1); // origin
        out.json_str(self.origin)?;
        if let Some(by) = self.inferred_by {
            w.key(out, 2); // inferred_by
            out.json(&by)?;
        }
        w.key(out, 3); // key
        opt_str(out, self.key)?;
        w.key(out, 4); // inferred_traces
        push_u64(out, u64::from(self.inferred_traces));
        w.key(out, 5); // side_requests
        push_u64(out, self.side_requests as u64);
        w.key(out, 6); // user
        opt_str(out, self.user)?;
        w.key(out, 7); // traces
        push_u64(out, self.traces as u64);
        // turns, calls, tools, subagents, spans, errors
        for (i, n) in (8..).zip([
            self.turns,
            self.calls,
            self.tools,
            self.subagents,
            self.spans,
            self.errors,
        ]) {
            w.key(out, i);
            push_u64(out, u64::from(n));
        }
        // start, end
        for (i, t) in (14..).zip([self.start, self.end]) {
            w.key(out, i);
            match t {
                Some(Stamp(ns)) => w.time(out, ns)?,
                None => out.lit(NULL),
            }
        }
        w.key(out, 16); // duration_ms
        push_i64(out, self.duration_ms);
        w.key(out, 17); // title
        opt_str(out, self.title)?;
        w.key(out, 18); // first_input
        opt_str(out, self.first_input.as_deref())?;
        w.key(out, 19); // last_output
        opt_str(out, self.last_output.as_deref())?;
        w.key(out, 20); // tokens
        out.lit(OPEN);
        for (i, n) in (FIELDS.len()..).zip([
            self.tokens.prompt,
            self.tokens.completion,
            self.tokens.total,
        ]) {
            w.key(out, i);
            push_u64(out, n);
        }
        out.append(&w.tokens_end);
        w.key(out, 21); // cost
        match self.cost {
            None => out.lit(NULL),
            Some(c) => out.json(&c)?,
        }
        w.key(out, 22); // evaluations
        if self.evaluations.is_empty() {
            out.lit(const { Lit::new(b"[]") });
        } else {
            out.json_pretty_at(&self.evaluations, w.depth + 1)?;
        }
        out.append(&w.end);
        Ok(())
    }
}

const NULL: Lit = Lit::new(b"null");
const OPEN: Lit = Lit::new(b"{");

/// An integer in decimal, as `serde_json` writes it.
fn push_i64(out: &mut Clean, n: i64) {
    if n < 0 {
        out.lit(const { Lit::new(b"-") });
    }
    push_u64(out, n.unsigned_abs());
}

/// One or two digits (most of a session's counts) pushed as they are.
fn push_u64(out: &mut Clean, v: u64) {
    match u8::try_from(v) {
        Ok(d @ 0..=9) => out.digit(d),
        Ok(d @ 10..=99) => {
            out.digit(d / 10);
            out.digit(d % 10);
        }
        _ => out.decimal(v),
    }
}

/// An evaluation of a session, one of its traces or one of their spans.
#[derive(Serialize)]
pub struct SessionEval {
    /// name, kind, value, rationale, scorer_error, source, session.
    #[serde(flatten)]
    pub eval: crate::format::eval::Evaluation,
    /// `session`, `trace` or `span`: what it judges.
    pub level: &'static str,
    pub trace_id: String,
    pub span_id: Option<String>,
}

/// Session `s`'s evaluations, each once.
fn evaluations(model: &Model, s: u32) -> Vec<SessionEval> {
    let sess = model.session(s);
    let out = |i: u32, level| {
        let e = model.evals.get(i as usize)?;
        let span =
            (e.span != crate::model::NONE).then(|| model.index.span_id_of(model.span(e.span)));
        Some(SessionEval {
            eval: e.eval.clone(),
            level: match (level, &span) {
                (true, _) => "session",
                (false, Some(_)) => "span",
                (false, None) => "trace",
            },
            trace_id: model.index.trace_id_text(e.trace),
            span_id: span,
        })
    };
    let mut evals: Vec<SessionEval> = model
        .evals_of(sess)
        .iter()
        .filter_map(|&i| out(i, true))
        .collect();
    for &t in model.traces_of(sess) {
        let first = model.first_eval(t);
        for k in 0..model.trace_evals(t).len() {
            let i = first.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
            if !model.evals_of(sess).contains(&i) {
                evals.extend(out(i, false));
            }
        }
    }
    evals
}

/// Session `s`'s tool spans (kind `tool`) counted through its traces' spans.
fn tools_of(model: &Model, s: u32) -> u32 {
    model
        .session_traces(s)
        .iter()
        .flat_map(|&t| model.trace_spans(t))
        .filter(|&&sp| model.span(sp).kind() == crate::kind::Kind::Tool)
        .count()
        .try_into()
        .unwrap_or(u32::MAX)
}

/// Every session's tool spans, as [`tools_of`] counts them, from one pass over the span
/// records in file order on `threads` threads (a trace's spans in the model's order are its
/// records but the re-exported copies, which are flagged): a session's traces' spans one by
/// one are scattered over the file, and on a large file that walk waits on memory. Each
/// session's records are counted too, and a session whose count is not its span count (which
/// the pass would then have misread) is counted by [`tools_of`] ([`ToolCounts::of`]).
pub fn tool_counts(model: &Model, threads: usize) -> ToolCounts {
    use crate::index::record::flag;
    let n = model.sessions.len();
    let spans = &model.index.spans;
    // Per session, its records in the high 32 bits and its tools in the low (tools are never
    // more than the records, which are fewer than 2^32: no carry).
    let count = |recs: &[crate::index::record::SpanRec]| {
        let mut acc = vec![0u64; n];
        for rec in recs {
            if rec.has(flag::DUPLICATE) {
                continue;
            }
            let Some(t) = model.traces.get(rec.trace as usize) else {
                continue;
            };
            if let Some(a) = acc.get_mut(t.session as usize) {
                *a += 1 << 32 | u64::from(rec.kind() == crate::kind::Kind::Tool);
            }
        }
        acc
    };
    let threads = threads.clamp(1, 8);
    if threads == 1 || spans.len() < threads {
        return ToolCounts(count(spans));
    }
    let each = spans.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut parts = spans.chunks(each);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts.map(|part| scope.spawn(move || count(part))).collect();
        let mut sum = count(first);
        for p in others {
            match p.join() {
                Ok(part) => {
                    for (s, v) in sum.iter_mut().zip(part) {
                        *s = s.saturating_add(v);
                    }
                }
                // A worker that failed leaves every session to be counted alone.
                Err(_) => sum.clear(),
            }
        }
        ToolCounts(sum)
    })
}

/// Sessions' tool spans from [`tool_counts`].
pub struct ToolCounts(Vec<u64>);

impl ToolCounts {
    /// Session `s`'s tool spans, [`NOT_COUNTED`] when the pass cannot vouch for its count.
    pub fn of(&self, model: &Model, s: u32) -> u32 {
        match (self.0.get(s as usize), model.sessions.get(s as usize)) {
            (Some(&a), Some(sess)) if a >> 32 == u64::from(sess.spans) => {
                u32::try_from(a & 0xffff_ffff).unwrap_or(NOT_COUNTED)
            }
            _ => NOT_COUNTED,
        }
    }
}

/// A session's tool spans not counted yet ([`ToolCounts::of`]): [`session`] counts them.
pub const NOT_COUNTED: u32 = u32::MAX;

/// Session `s`'s document; `tools`, its tool spans as [`tool_counts`] gives them (counted
/// here if [`NOT_COUNTED`]).
pub fn session(model: &Model, s: u32, tools: u32) -> Session<'_> {
    let sess = model.session(s);
    Session {
        id: model.session_id(s),
        origin: sess.origin.label(),
        inferred_by: sess.inferred_by,
        key: sess.key.map(crate::format::keys::SessionKey::name),
        inferred_traces: sess.inferred_traces,
        side_requests: model
            .traces_of(sess)
            .iter()
            .filter(|&&t| model.trace(t).side())
            .count(),
        user: (sess.user != 0).then(|| model.str(sess.user)),
        traces: sess.trace_count(),
        turns: sess.turns,
        calls: sess.calls,
        tools: if tools == NOT_COUNTED {
            tools_of(model, s)
        } else {
            tools
        },
        subagents: sess.subagents,
        spans: sess.spans,
        errors: sess.errors,
        start: Stamp::of(sess.start),
        end: Stamp::of(sess.end),
        duration_ms: sess.duration_ns() / 1_000_000,
        title: model.title(s),
        first_input: Reader::new(model, false).first_input(s),
        last_output: Reader::new(model, false).last_answer(s),
        tokens: model.tokens_of(sess).into(),
        cost: sess.cost().map(crate::fmt::round_cost),
        evaluations: evaluations(model, s),
    }
}

#[derive(Serialize)]
pub struct File {
    pub path: String,
    pub format: &'static str,
    pub mode: &'static str,
    /// What the bytes were decoded from, outermost first ("zstd", "Collector records"); absent
    /// for a plain file.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub decoded_from: Vec<&'static str>,
    /// Bytes indexed (after decoding).
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub spans: u64,
    pub malformed: usize,
    /// Records of other OpenTelemetry signals (logs, metrics), counted, not malformed.
    pub other_signals: usize,
    /// Every line by what it held: these add up to `lines`.
    pub lines_by_kind: crate::index::LineKinds,
}

pub fn files(model: &Model) -> Vec<File> {
    let idx = &model.index;
    idx.files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let counts = f.styles;
            let top = (0..crate::index::STYLES as u8)
                .max_by_key(|&k| counts[usize::from(k)])
                .unwrap_or(0);
            let count = |sev| {
                idx.problems
                    .iter()
                    .filter(|p| usize::from(p.file) == i && p.severity == sev)
                    .count()
            };
            File {
                path: f.path.clone(),
                format: if f.spans == 0 {
                    "no spans"
                } else {
                    crate::format::Style::from_u8(top).label()
                },
                mode: match f.mode {
                    crate::index::lines::Mode::Lines => "json lines",
                    crate::index::lines::Mode::Document => "json document",
                },
                decoded_from: idx
                    .sources
                    .get(i)
                    .map(|s| s.decoded().to_vec())
                    .unwrap_or_default(),
                bytes: f.bytes,
                lines: f.lines,
                records: f.records,
                spans: f.spans,
                malformed: count(Severity::Malformed),
                other_signals: count(Severity::Signal),
                lines_by_kind: f.kinds,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_serde(s: &Session, depth: usize) -> Vec<u8> {
        let mut out = Vec::new();
        crate::sanitize::write_json_pretty_at(&mut out, s, depth).unwrap();
        out
    }

    fn by_hand(s: &Session, depth: usize) -> Vec<u8> {
        let mut out = Clean::new();
        s.write_pretty_at(&mut out, depth).unwrap();
        out.as_bytes().to_vec()
    }

    /// Every session of every fixture (evaluations, costs, titles, users, inferred sessions),
    /// written by hand and by `serde_json`, at the depth `sessions --json` writes them and at
    /// others: the same bytes.
    #[test]
    fn sessions_written_by_hand_as_serde_writes_them() {
        let (mut sessions, mut evaluated, mut costed) = (0, 0, 0);
        for path in crate::testing::all_fixture_exports() {
            let text = std::fs::read(&path).unwrap();
            let Some(model) = crate::testing::model_of(text) else {
                continue;
            };
            let counted = tool_counts(&model, 3);
            for s in 0..u32::try_from(model.sessions.len()).unwrap() {
                // The pass over the records counts every session's tools as its traces do.
                assert_eq!(
                    counted.of(&model, s),
                    tools_of(&model, s),
                    "{}",
                    path.display()
                );
                let doc = session(&model, s, counted.of(&model, s));
                for depth in [0, 2, 5, 20] {
                    assert_eq!(
                        String::from_utf8_lossy(&by_hand(&doc, depth)),
                        String::from_utf8_lossy(&by_serde(&doc, depth)),
                        "{} session {s}",
                        path.display()
                    );
                }
                sessions += 1;
                evaluated += usize::from(!doc.evaluations.is_empty());
                costed += usize::from(doc.cost.is_some());
            }
        }
        assert!(
            sessions > 100 && evaluated > 5 && costed > 5,
            "{sessions} {evaluated} {costed}"
        );
    }

    /// Strings of every kind (quotes, backslashes, controls, DEL, C1 and bidi controls, other
    /// Unicode, at every position of a 16-byte block) and the numbers' extremes.
    #[test]
    fn odd_values_written_by_hand_as_serde_writes_them() {
        let odd = [
            "", "a", "\"", "\\", "\n", "\t", "\u{7f}", "\u{85}", "\u{202e}", "é", "😀", "\u{0}",
            "/", "~", " ",
        ];
        let mut rng = crate::testing::XorShift(0x2545_f491_4f6c_dd1d);
        let mut rng2 = crate::testing::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut text = || -> String {
            let n = rng.below(40);
            (0..n)
                .map(|_| {
                    if rng.below(6) == 0 {
                        odd[rng.below(odd.len() as u64) as usize].to_owned()
                    } else {
                        char::from(b' ' + rng.below(95) as u8).to_string()
                    }
                })
                .collect()
        };
        // Times: every day's edges, years past four digits, the extremes.
        let mut stamp = || {
            let ns = match rng2.below(4) {
                0 => rng2.below(u64::MAX) as i64 & i64::MAX,
                1 => {
                    (rng2.below(20_000) as i64 * 86_400 + rng2.below(3) as i64 * 86_399)
                        * 1_000_000_000
                        + rng2.below(1_000_000_000) as i64
                }
                2 => [
                    1,
                    999_999,
                    1_000_000,
                    i64::MAX,
                    253_402_300_799_999_999,
                    253_402_300_800_000_000,
                ][rng2.below(6) as usize],
                _ => 1_795_004_012_321_000_000 + rng2.below(200_000_000_000_000) as i64,
            };
            Stamp::of(ns)
        };
        let mut w = SessionText::new(2);
        for round in 0..3000u64 {
            let opt = |t: String| (round % 3 != 0).then_some(t);
            let (id, user, title) = (text(), opt(text()), opt(text()));
            let doc = Session {
                id: &id,
                origin: "explicit",
                inferred_by: [None, Some(crate::model::InferredBy::History)][round as usize % 2],
                key: (round % 2 == 0).then_some("session.id"),
                inferred_traces: u32::MAX - round as u32,
                side_requests: round as usize,
                user: user.as_deref(),
                traces: usize::MAX,
                turns: 0,
                calls: 1,
                tools: 10,
                subagents: 99,
                spans: u32::MAX,
                errors: round as u32,
                start: stamp(),
                end: stamp(),
                duration_ms: [i64::MIN, -1, 0, 7, i64::MAX][round as usize % 5],
                title: title.as_deref(),
                first_input: opt(text()),
                last_output: opt(text()),
                tokens: [round, 0, u64::MAX].into(),
                cost: [None, Some(0.1), Some(f64::NAN), Some(1e21), Some(-0.0)][round as usize % 5],
                evaluations: Vec::new(),
            };
            assert_eq!(
                String::from_utf8_lossy(&by_hand(&doc, 2)),
                String::from_utf8_lossy(&by_serde(&doc, 2))
            );
            // And by one writer for many sessions, as `sessions --json` writes them (the date
            // of the time before kept).
            let mut again = Clean::new();
            doc.write(&mut w, &mut again).unwrap();
            let again = again.as_bytes();
            assert_eq!(
                String::from_utf8_lossy(again),
                String::from_utf8_lossy(&by_serde(&doc, 2))
            );
        }
    }
}
