//! The JSON shapes the commands print.

use crate::index::report::Severity;
use crate::model::Model;
use crate::model::conversation::read::Reader;
pub use crate::transcript::{Tokens, time};
use serde::Serialize;

#[derive(Serialize)]
pub struct Session {
    pub id: String,
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_by: Option<crate::model::InferredBy>,
    pub key: Option<&'static str>,
    /// Traces of an explicit session that joined it through their message history.
    pub inferred_traces: u32,
    /// Side requests (title generation, quota probes) among its traces.
    pub side_requests: usize,
    pub user: Option<String>,
    pub traces: usize,
    /// What the person typed, the LLM calls made, the sub-agents run in other traces.
    pub turns: u32,
    pub calls: u32,
    /// Tool spans (kind `tool`) in its traces.
    pub tools: u32,
    pub subagents: u32,
    pub spans: u32,
    pub errors: u32,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: i64,
    /// The title its export gives it (a Claude Code `summary` line), if any.
    pub title: Option<String>,
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

impl Session {
    /// Writes the session as [`crate::sanitize::write_json_pretty_at`] writes it `depth`
    /// levels deep, the same bytes, field by field: its strings through
    /// [`crate::sanitize::write_json_str`] (most are written as they are) and its numbers by
    /// hand; only a cost, the inference's name and evaluations go through `serde_json`. (Each
    /// session otherwise took about 17,000 instructions to write, as many as reading its first
    /// input and last answer.) A test holds the two to the same text.
    pub fn write_pretty_at(&self, out: &mut Vec<u8>, depth: usize) -> std::io::Result<()> {
        use crate::sanitize::{write_json, write_json_pretty_at, write_json_str};
        let mut f = Fields::new(out, depth);
        f.key("id");
        write_json_str(f.out, &self.id)?;
        f.key("origin");
        write_json_str(f.out, self.origin)?;
        if let Some(by) = self.inferred_by {
            f.key("inferred_by");
            write_json(&mut *f.out, &by)?;
        }
        f.key("key");
        f.opt_str(self.key)?;
        f.key("inferred_traces");
        push_u64(f.out, u64::from(self.inferred_traces));
        f.key("side_requests");
        push_u64(f.out, self.side_requests as u64);
        f.key("user");
        f.opt_str(self.user.as_deref())?;
        f.key("traces");
        push_u64(f.out, self.traces as u64);
        for (name, n) in [
            ("turns", self.turns),
            ("calls", self.calls),
            ("tools", self.tools),
            ("subagents", self.subagents),
            ("spans", self.spans),
            ("errors", self.errors),
        ] {
            f.key(name);
            push_u64(f.out, u64::from(n));
        }
        f.key("start");
        f.opt_str(self.start.as_deref())?;
        f.key("end");
        f.opt_str(self.end.as_deref())?;
        f.key("duration_ms");
        push_i64(f.out, self.duration_ms);
        f.key("title");
        f.opt_str(self.title.as_deref())?;
        f.key("first_input");
        f.opt_str(self.first_input.as_deref())?;
        f.key("last_output");
        f.opt_str(self.last_output.as_deref())?;
        f.key("tokens");
        {
            let mut t = Fields::new(&mut *f.out, depth + 1);
            for (name, n) in [
                ("prompt", self.tokens.prompt),
                ("completion", self.tokens.completion),
                ("total", self.tokens.total),
            ] {
                t.key(name);
                push_u64(t.out, n);
            }
            t.end();
        }
        f.key("cost");
        match self.cost {
            None => f.out.extend_from_slice(b"null"),
            Some(c) => write_json(&mut *f.out, &c)?,
        }
        f.key("evaluations");
        if self.evaluations.is_empty() {
            f.out.extend_from_slice(b"[]");
        } else {
            write_json_pretty_at(&mut *f.out, &self.evaluations, depth + 1)?;
        }
        f.end();
        Ok(())
    }
}

/// An object's fields written as `serde_json`'s pretty printer writes them, the object `depth`
/// levels deep (its fields one deeper, two spaces a level).
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    depth: usize,
    first: bool,
}

impl<'o> Fields<'o> {
    fn new(out: &'o mut Vec<u8>, depth: usize) -> Self {
        out.push(b'{');
        Fields {
            out,
            depth,
            first: true,
        }
    }

    /// The separator, indent and key (plain ASCII, written as it is) before a value.
    fn key(&mut self, name: &str) {
        // `,`, a newline and up to 30 spaces: the separator and indent, taken in one piece.
        const LEAD: &[u8; 32] = b",\n                              ";
        let first = std::mem::replace(&mut self.first, false);
        match LEAD.get(usize::from(first)..2 + 2 * (self.depth + 1)) {
            Some(lead) => self.out.extend_from_slice(lead),
            None => {
                self.out
                    .extend_from_slice(if first { b"\n" } else { b",\n" });
                self.indent(self.depth + 1);
            }
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    fn opt_str(&mut self, s: Option<&str>) -> std::io::Result<()> {
        match s {
            Some(s) => crate::sanitize::write_json_str(self.out, s),
            None => {
                self.out.extend_from_slice(b"null");
                Ok(())
            }
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.extend_from_slice(b"  ");
        }
    }

    fn end(mut self) {
        if !self.first {
            self.out.push(b'\n');
            self.indent(self.depth);
        }
        self.out.push(b'}');
    }
}

/// An integer in decimal, as `serde_json` writes it.
fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

fn push_u64(out: &mut Vec<u8>, v: u64) {
    crate::fmt::push_decimal(out, v);
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

pub fn session(model: &Model, s: u32) -> Session {
    let sess = model.session(s);
    Session {
        id: model.session_id(s).to_owned(),
        origin: sess.origin.label(),
        inferred_by: sess.inferred_by,
        key: sess.key.map(crate::format::keys::SessionKey::name),
        inferred_traces: sess.inferred_traces,
        side_requests: model
            .traces_of(sess)
            .iter()
            .filter(|&&t| model.trace(t).side())
            .count(),
        user: (sess.user != 0).then(|| model.str(sess.user).to_owned()),
        traces: sess.trace_count(),
        turns: sess.turns,
        calls: sess.calls,
        tools: model
            .traces_of(sess)
            .iter()
            .flat_map(|&t| model.trace_spans(t))
            .filter(|&&sp| model.span(sp).kind() == crate::kind::Kind::Tool)
            .count()
            .try_into()
            .unwrap_or(u32::MAX),
        subagents: sess.subagents,
        spans: sess.spans,
        errors: sess.errors,
        start: time(sess.start),
        end: time(sess.end),
        duration_ms: sess.duration_ns() / 1_000_000,
        title: model.title(s).map(str::to_owned),
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
        let mut out = Vec::new();
        s.write_pretty_at(&mut out, depth).unwrap();
        out
    }

    /// Every session of every fixture (evaluations, costs, titles, users, inferred sessions),
    /// written by hand and by `serde_json`, at the depth `sessions --json` writes them and at
    /// others: the same bytes.
    #[test]
    fn sessions_written_by_hand_as_serde_writes_them() {
        use crate::index::{self, progress::Progress};
        use crate::source::Source;
        let dirs: Vec<String> = std::fs::read_dir("fixtures")
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
        let (mut sessions, mut evaluated, mut costed) = (0, 0, 0);
        for path in crate::testing::fixture_exports(&dirs) {
            let text = std::fs::read(&path).unwrap();
            let sources = vec![Source::from_bytes("f.jsonl", text)];
            let Ok(idx) = index::build(sources, &Progress::default()) else {
                continue;
            };
            let model = crate::model::build(idx);
            for s in 0..u32::try_from(model.sessions.len()).unwrap() {
                let doc = session(&model, s);
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
        for round in 0..3000u64 {
            let opt = |t: String| (round % 3 != 0).then_some(t);
            let doc = Session {
                id: text(),
                origin: "explicit",
                inferred_by: [None, Some(crate::model::InferredBy::History)][round as usize % 2],
                key: (round % 2 == 0).then_some("session.id"),
                inferred_traces: u32::MAX - round as u32,
                side_requests: round as usize,
                user: opt(text()),
                traces: usize::MAX,
                turns: 0,
                calls: 1,
                tools: 10,
                subagents: 99,
                spans: u32::MAX,
                errors: round as u32,
                start: opt(text()),
                end: opt(text()),
                duration_ms: [i64::MIN, -1, 0, 7, i64::MAX][round as usize % 5],
                title: opt(text()),
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
        }
    }
}
