//! The doctor's verdict: a grade that weighs every finding, and one line on what to do about
//! the worst.

use super::named::Named;
use crate::fmt::{count, percent, thousands};
use crate::sanitize::one_line;

/// What the verdict weighs.
pub struct Facts<'a> {
    /// (file, line) of every malformed line skipped.
    pub malformed: Vec<(&'a str, u32)>,
    pub covered: u64,
    pub total: u64,
    pub named: &'a Named,
    pub conflicts: usize,
    /// Whether session inference ran.
    pub inference: bool,
}

/// Id clashes above this share of the spans make the data unreliable (the counts of those
/// spans are doubled, or two spans are mixed up).
const CLASHES_UNRELIABLE: f64 = 0.01;

/// The grade and findings in one line, and the advice about the worst finding.
pub fn verdict(f: &Facts<'_>) -> (String, Option<String>) {
    let n = f.named;
    #[allow(clippy::cast_precision_loss)]
    let share = |k: usize| {
        if f.total == 0 {
            0.0
        } else {
            k as f64 / f.total as f64
        }
    };
    let cover = share(usize::try_from(f.covered).unwrap_or(usize::MAX));
    let broken = n.orphans.len() + n.cycles.len();
    let unreliable = n.files_with_the_same_spans.iter().any(|p| p.clashing > 0)
        || share(n.id_clashes.len()) > CLASHES_UNRELIABLE;
    let flawless = n.files_with_the_same_spans.is_empty()
        && f.malformed.is_empty()
        && broken == 0
        && n.id_clashes.is_empty()
        && n.bad_times.is_empty()
        && f.conflicts == 0;
    let grade = if unreliable {
        "unreliable"
    } else if flawless && cover >= 0.9 {
        "good"
    } else if cover >= 0.5 {
        "usable"
    } else {
        "mostly unsessioned"
    };
    let mut v = format!(
        "{grade}: {} of spans belong to a session",
        percent(f.covered, f.total)
    );
    let mut add = |k: usize, one: &str, many: &str| {
        if k > 0 {
            v.push_str("; ");
            v.push_str(&count(k, one, many));
        }
    };
    add(
        n.files_with_the_same_spans.len(),
        "pair of files holding the same spans",
        "pairs of files holding the same spans",
    );
    add(n.id_clashes.len(), "id clash", "id clashes");
    add(
        f.malformed.len(),
        "malformed line skipped",
        "malformed lines skipped",
    );
    add(broken, "broken parent link", "broken parent links");
    add(
        n.bad_times.len(),
        "span with a bad time",
        "spans with bad times",
    );
    add(
        f.conflicts,
        "trace with two session ids",
        "traces with two session ids",
    );
    add(
        n.unrepresentable.len(),
        "value not represented",
        "values not represented",
    );
    (v, advice(f, cover))
}

/// What to do about the worst finding, most harmful first.
fn advice(f: &Facts<'_>, cover: f64) -> Option<String> {
    let n = f.named;
    if let Some(p) = n.files_with_the_same_spans.first() {
        let (a, b) = (one_line(&p.file), one_line(&p.other));
        let spans = |k: u64| count(usize::try_from(k).unwrap_or(usize::MAX), "span", "spans");
        let why = if p.clashing > 0 {
            format!(
                "{} of them written differently, so kept twice and their tokens and cost counted twice",
                thousands(p.clashing)
            )
        } else {
            "exact copies, counted once".to_owned()
        };
        return Some(if p.contained {
            format!(
                "open only one of {a} and {b}: they hold the same {} ({why})",
                spans(p.shared_spans)
            )
        } else {
            format!(
                "open only one of {a} and {b}, or exports that do not overlap: {} of {a}'s {} are in both ({why})",
                thousands(p.shared_spans),
                spans(p.file_spans)
            )
        });
    }
    if let Some(c) = n.id_clashes.first() {
        return Some(format!(
            "{} two different spans under one id (first: span {} at {}:{} and {}:{}): the exporter reuses span ids, or two exports of one trace were merged; look at the pairs before trusting totals",
            if n.id_clashes.len() == 1 {
                "one id names"
            } else {
                "ids name"
            },
            one_line(&c.span_id),
            one_line(&c.first.file),
            c.first.line,
            one_line(&c.second.file),
            c.second.line
        ));
    }
    if let Some((file, line)) = f.malformed.first() {
        return Some(format!(
            "fix or remove the {} (first: {}:{line}); the other lines were read",
            count(f.malformed.len(), "malformed line", "malformed lines"),
            one_line(file)
        ));
    }
    if let Some(o) = n.orphans.first() {
        return Some(format!(
            "open the files that hold the missing parents too, or export whole traces: {} (first: span {} names parent {})",
            count(
                n.orphans.len(),
                "span names a parent that is not in the files",
                "spans name parents that are not in the files"
            ),
            one_line(&o.span.span_id),
            one_line(&o.missing_parent_id)
        ));
    }
    if let Some(c) = n.cycles.first() {
        return Some(format!(
            "the exporter wrote parent ids that loop ({}; first: span {}): the trees show the cut spans as roots",
            count(n.cycles.len(), "cycle cut", "cycles cut"),
            one_line(&c.cut.span_id)
        ));
    }
    if let Some(b) = n.bad_times.first() {
        return Some(format!(
            "check the exporter's clock and time units: {} (first: span {} {})",
            count(
                n.bad_times.len(),
                "span has a bad time",
                "spans have bad times"
            ),
            one_line(&b.span.span_id),
            b.problem.words()
        ));
    }
    if f.conflicts > 0 {
        return Some(format!(
            "set one session id per trace: {} (listed above; the first id seen is kept)",
            count(
                f.conflicts,
                "trace names two session ids",
                "traces name two session ids"
            )
        ));
    }
    if cover < 0.9 && f.total > 0 {
        return Some(if f.inference {
            format!(
                "{} of spans have no session: set a session id (session.id) on spans when they are recorded; inference could not link them",
                percent(f.total - f.covered, f.total)
            )
        } else {
            format!(
                "{} of spans have no session: run without --no-infer to link traces by their message history and idle time",
                percent(f.total - f.covered, f.total)
            )
        });
    }
    if !n.unrepresentable.is_empty() {
        return Some(format!(
            "{} could not be represented and {} left out (listed above)",
            count(n.unrepresentable.len(), "value", "values"),
            if n.unrepresentable.len() == 1 {
                "was"
            } else {
                "were"
            }
        ));
    }
    None
}
