//! A session's evaluations at a glance: how many verdicts, how many scorer errors, and the one
//! verdict worth showing first (a negative one when there is one), for the session list's EVAL
//! column and its sort.

use super::Model;
use crate::format::eval::Evaluation;

/// What a session's evaluations say, summed up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdicts {
    /// Evaluations that gave a value (a verdict), session-level and on its traces.
    pub verdicts: u32,
    /// Verdicts that read as negative (`false`, `no`, `fail`, `incorrect`, …).
    pub negative: u32,
    /// Evaluations whose scorer failed (not a verdict on the session).
    pub scorer_errors: u32,
    /// `name=value` of the verdict shown first: the first negative one, else the first.
    pub headline: Option<String>,
}

/// Whether a verdict's value reads as a "no".
pub fn is_negative(value: &str) -> bool {
    let v = value.trim().trim_matches('"').to_ascii_lowercase();
    matches!(
        v.as_str(),
        "false"
            | "no"
            | "fail"
            | "failed"
            | "failure"
            | "incorrect"
            | "wrong"
            | "bad"
            | "0"
            | "unresolved"
            | "negative"
            | "unsafe"
            | "toxic"
            | "hallucinated"
    )
}

impl Verdicts {
    fn add(&mut self, e: &Evaluation) {
        if e.scorer_error.is_some() {
            self.scorer_errors += 1;
            return;
        }
        let Some(value) = e.value.as_deref() else {
            return;
        };
        self.verdicts += 1;
        let negative = is_negative(value);
        if negative {
            self.negative += 1;
        }
        if self.headline.is_none() || (negative && self.negative == 1) {
            self.headline = Some(format!("{}={}", e.name, value.trim_matches('"')));
        }
    }

    /// The column's text: `◆ resolved=false +2` (`◆` a verdict, `+N` more of them), then
    /// `◇1` for scorer errors; `·` when there is nothing.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(h) = &self.headline {
            out.push_str("◆ ");
            out.push_str(h);
            if self.verdicts > 1 {
                out.push_str(&format!(" +{}", self.verdicts - 1));
            }
        }
        if self.scorer_errors > 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("◇{}", self.scorer_errors));
        }
        if out.is_empty() {
            out.push('·');
        }
        out
    }

    /// Sort weight: sessions judged negatively first, then those with more verdicts, then
    /// those with scorer errors.
    pub fn weight(&self) -> u64 {
        (u64::from(self.negative) << 42)
            | (u64::from(self.verdicts.min(1 << 20)) << 21)
            | u64::from(self.scorer_errors.min(1 << 20))
    }
}

/// The verdicts on session `s`: its own evaluations and those of its traces.
pub fn of_session(model: &Model, s: u32) -> Verdicts {
    let mut v = Verdicts::default();
    if model.evals.is_empty() {
        return v;
    }
    let sess = model.session(s);
    for e in model
        .evals_of(sess)
        .iter()
        .filter_map(|&i| model.evals.get(i as usize))
    {
        v.add(&e.eval);
    }
    for &t in model.traces_of(sess) {
        let first = model.first_eval(t);
        for (k, e) in model.trace_evals(t).iter().enumerate() {
            // A session-level evaluation on one of its traces is counted once.
            let i = first.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
            if !model.evals_of(sess).contains(&i) {
                v.add(&e.eval);
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, value: Option<&str>, err: Option<&str>) -> Evaluation {
        Evaluation {
            name: name.into(),
            value: value.map(Into::into),
            scorer_error: err.map(Into::into),
            ..Evaluation::default()
        }
    }

    #[test]
    fn a_negative_verdict_is_the_headline_and_errors_are_counted_apart() {
        let mut v = Verdicts::default();
        v.add(&ev("helpful", Some("true"), None));
        v.add(&ev("resolved", Some("false"), None));
        v.add(&ev("safety", None, Some("RATE_LIMIT: quota")));
        assert_eq!(v.text(), "◆ resolved=false +1 ◇1");
        assert_eq!((v.verdicts, v.negative, v.scorer_errors), (2, 1, 1));
        let mut only_good = Verdicts::default();
        only_good.add(&ev("helpful", Some("\"yes\""), None));
        assert_eq!(only_good.text(), "◆ helpful=yes");
        assert!(v.weight() > only_good.weight());
        assert_eq!(Verdicts::default().text(), "·");
    }
}
