//! What could not be indexed, or was indexed with a caveat: every line is accounted for.

use serde::Serialize;

/// How a line was handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Not indexed: the record is malformed or holds no span.
    Malformed,
    /// Indexed, with a caveat (invalid UTF-8 replaced, conflicting ids).
    Warning,
    /// Nothing to index (blank line) or a harmless oddity (BOM).
    Note,
    /// Not traces: another OpenTelemetry signal (logs, metrics) in the same file, counted.
    Signal,
}

impl Severity {
    /// The word a report gives it.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Malformed => "skipped",
            Severity::Warning => "warning",
            Severity::Note => "note",
            Severity::Signal => "signal",
        }
    }
}

/// What a caveat is about, for the reports that gather them (`doctor`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    #[default]
    Other,
    /// A value sesstui could not represent (a time out of range, a token count that is not a
    /// whole number, attributes nested too deep): left out or cut, said where.
    Unrepresentable,
}

/// One reported line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(skip)]
    pub file: u16,
    /// 1-based line number (for documents, the line where the problem is).
    pub line: u32,
    /// How many lines it covers from `line` (a broken document skips several), for the count
    /// of lines per kind; lines a record also covers are not counted here.
    #[serde(skip)]
    pub lines: u32,
    pub severity: Severity,
    pub reason: std::borrow::Cow<'static, str>,
    #[serde(skip)]
    pub topic: Topic,
}
