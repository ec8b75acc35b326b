//! What `doctor` names, not just counts: each problem span with its ids and where it is, and
//! the files that hold the same spans.

use crate::index::report::Topic;
use crate::model::{Model, NONE};
use serde::Serialize;

/// Where a span is: its file and line.
#[derive(Serialize, Clone)]
pub struct At {
    pub file: String,
    pub line: u32,
}

/// A span, named.
#[derive(Serialize)]
pub struct SpanRef {
    pub span_id: String,
    pub trace_id: String,
    pub name: String,
    #[serde(flatten)]
    pub at: At,
}

#[derive(Serialize)]
pub struct Orphan {
    #[serde(flatten)]
    pub span: SpanRef,
    /// The parent id it names, which no span in the files has.
    pub missing_parent_id: String,
}

#[derive(Serialize)]
pub struct Cycle {
    /// The span whose parent link was cut (it is shown as a root).
    #[serde(flatten)]
    pub cut: SpanRef,
    /// The span ids around the cycle, from the cut span up its parent links (one for a span
    /// that names itself as its parent).
    pub members: Vec<String>,
}

/// Two records of one span id: exact copies (a duplicate) or different spans (a clash).
#[derive(Serialize)]
pub struct Pair {
    pub span_id: String,
    pub trace_id: String,
    pub name: String,
    /// The record kept (a duplicate) or the first (a clash), earliest in the files.
    pub first: At,
    pub second: At,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimeProblem {
    EndsBeforeStart,
    NoStart,
}

impl TimeProblem {
    pub fn words(self) -> &'static str {
        match self {
            TimeProblem::EndsBeforeStart => "ends before it starts",
            TimeProblem::NoStart => "has no start time",
        }
    }
}

#[derive(Serialize)]
pub struct BadTime {
    #[serde(flatten)]
    pub span: SpanRef,
    pub problem: TimeProblem,
    pub start: Option<String>,
    pub end: Option<String>,
    /// End minus start, negative when it ends first; absent without both times.
    pub duration_ms: Option<f64>,
}

/// A value the index could not represent, as it reported it.
#[derive(Serialize)]
pub struct Unrepresentable {
    #[serde(flatten)]
    pub at: At,
    pub reason: String,
}

/// A file whose spans another file given also holds (the same export opened twice, maybe in
/// two formats).
#[derive(Serialize)]
pub struct SameSpans {
    pub file: String,
    pub other: String,
    /// Span ids of `file` that `other` holds too: `exact_copies` + `clashing`.
    pub shared_spans: u64,
    /// Byte for byte the same record in both: counted once.
    pub exact_copies: u64,
    /// The same span id with a different record (the same export in another format, or
    /// exported again later): both are kept, and counted twice.
    pub clashing: u64,
    /// Spans in `file` and in `other`.
    pub file_spans: u64,
    pub other_spans: u64,
    /// Every span of `file` is in `other`.
    pub contained: bool,
}

#[derive(Serialize, Default)]
pub struct Named {
    pub orphans: Vec<Orphan>,
    pub cycles: Vec<Cycle>,
    pub duplicates: Vec<Pair>,
    pub id_clashes: Vec<Pair>,
    pub bad_times: Vec<BadTime>,
    pub unrepresentable: Vec<Unrepresentable>,
    pub files_with_the_same_spans: Vec<SameSpans>,
}

/// A file shares spans with another when at least this share of the smaller one's spans is
/// in both (all of them: a copy; most: two exports of overlapping times).
const OVERLAP: f64 = 0.5;

pub fn named(model: &Model) -> Named {
    let idx = &model.index;
    let at = |s: u32| At {
        file: idx.file_name(model.file(s)).to_owned(),
        line: idx.line(s),
    };
    let span = |s: u32| SpanRef {
        span_id: idx.span_id_of(model.span(s)),
        trace_id: idx.trace_id_text(model.span(s).trace),
        name: model.name(s).to_owned(),
        at: at(s),
    };
    let pair = |&(a, b): &(u32, u32)| Pair {
        span_id: idx.span_id_of(model.span(a)),
        trace_id: idx.trace_id_text(model.span(a).trace),
        name: model.name(a).to_owned(),
        first: at(a),
        second: at(b),
    };
    let issues = &model.issues;
    Named {
        orphans: issues
            .orphans
            .iter()
            .map(|&s| Orphan {
                span: span(s),
                missing_parent_id: model.parent_id_text(s).unwrap_or_default(),
            })
            .collect(),
        cycles: issues
            .cycles
            .iter()
            .map(|&s| Cycle {
                cut: span(s),
                members: cycle_members(model, s),
            })
            .collect(),
        duplicates: issues.duplicates.iter().map(pair).collect(),
        id_clashes: issues.id_clashes.iter().map(pair).collect(),
        bad_times: bad_times(model, &span),
        unrepresentable: idx
            .problems
            .iter()
            .filter(|p| p.topic == Topic::Unrepresentable)
            .map(|p| Unrepresentable {
                at: At {
                    file: idx.file_name(p.file).to_owned(),
                    line: p.line,
                },
                reason: p.reason.to_string(),
            })
            .collect(),
        files_with_the_same_spans: same_spans(model),
    }
}

/// The cycle cut at span `cut`: its parent as written, then up the parent links (the others
/// still stand) until the walk comes back to `cut`. Bounded by the trace's spans.
fn cycle_members(model: &Model, cut: u32) -> Vec<String> {
    let idx = &model.index;
    let rec = model.span(cut);
    let mut members = vec![idx.span_id_of(rec)];
    let Some(parent_id) = model.parent_id_text(cut) else {
        return members;
    };
    let spans = model.trace_spans(rec.trace);
    let Some(&first) = spans
        .iter()
        .find(|&&s| s != cut && idx.span_id_of(model.span(s)) == parent_id)
    else {
        return members; // names itself
    };
    let mut p = first;
    for _ in 0..spans.len() {
        if p == NONE || p == cut {
            break;
        }
        members.push(idx.span_id_of(model.span(p)));
        p = model.parent(p);
    }
    members
}

fn bad_times(model: &Model, span: &dyn Fn(u32) -> SpanRef) -> Vec<BadTime> {
    let mut out = Vec::new();
    for t in 0..u32::try_from(model.traces.len()).unwrap_or(u32::MAX) {
        for &s in model.trace_spans(t) {
            let r = model.span(s);
            let end = model.index.end(r);
            let problem = if r.start() <= 0 {
                TimeProblem::NoStart
            } else if end > 0 && end < r.start() {
                TimeProblem::EndsBeforeStart
            } else {
                continue;
            };
            #[allow(clippy::cast_precision_loss)]
            let duration_ms = (r.start() > 0 && end > 0).then(|| (end - r.start()) as f64 / 1e6);
            out.push(BadTime {
                span: span(s),
                problem,
                start: crate::transcript::time(r.start()),
                end: crate::transcript::time(end),
                duration_ms,
            });
        }
    }
    out
}

/// Pairs of files holding the same span ids (exact copies or clashing records), when they
/// are most of the smaller file's spans; the file that is contained (or the smaller) first.
fn same_spans(model: &Model) -> Vec<SameSpans> {
    let idx = &model.index;
    // (exact copies, clashing) per pair of files.
    let mut pairs: crate::hash::Map<(u16, u16), (u64, u64)> = crate::hash::Map::default();
    let copies = model.issues.duplicates.iter().map(|p| (p, true));
    let clashes = model.issues.id_clashes.iter().map(|p| (p, false));
    for (&(a, b), exact) in copies.chain(clashes) {
        let (fa, fb) = (model.file(a), model.file(b));
        if fa != fb {
            let e = pairs.entry((fa.min(fb), fa.max(fb))).or_default();
            if exact {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let spans = |f: u16| idx.files.get(usize::from(f)).map_or(0, |f| f.spans);
    let mut out: Vec<SameSpans> = pairs
        .into_iter()
        .filter_map(|((fa, fb), (exact_copies, clashing))| {
            let shared = exact_copies + clashing;
            // The smaller file first: the one whose spans the other holds.
            let (f, o) = if spans(fa) <= spans(fb) {
                (fa, fb)
            } else {
                (fb, fa)
            };
            #[allow(clippy::cast_precision_loss)]
            let share = shared as f64 / spans(f).max(1) as f64;
            (share >= OVERLAP).then(|| SameSpans {
                file: idx.file_name(f).to_owned(),
                other: idx.file_name(o).to_owned(),
                shared_spans: shared,
                exact_copies,
                clashing,
                file_spans: spans(f),
                other_spans: spans(o),
                contained: shared >= spans(f),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.shared_spans
            .cmp(&a.shared_spans)
            .then_with(|| a.file.cmp(&b.file))
    });
    out
}
