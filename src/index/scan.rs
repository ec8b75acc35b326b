//! Scanning records into [`SpanRec`]s: the index's [`Sink`] keeps only the fields the model
//! needs and the byte range of each span.

use super::intern::Interner;
use super::record::{BIG_TOKENS, Extra, NO_TOKENS, Overflow, OwnSession, SpanRec, flag};
use super::report::{Problem, Severity, Topic};
use crate::format::history;
use crate::format::keys::{self, Attr, Class, SessionKey};
use crate::format::prints::{Prints, Recorder};
use crate::format::{self, Evaluation, Field, Sink, Style, Want};
use crate::hash::Map;
use crate::ids::{self, Id};
use crate::json::{Cursor, JsonError, RawStr, Scalar};
use crate::kind::{Kind, Status};
use std::borrow::Cow;
use std::ops::Range;

/// A trace's identity: a 128-bit id (as two words, to keep it at 24 bytes), or interned text
/// for ids in no known encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceKey {
    Hex(u64, u64),
    Text(u32),
}

impl TraceKey {
    pub fn hex(v: u128) -> TraceKey {
        #[allow(clippy::cast_possible_truncation)]
        TraceKey::Hex((v >> 64) as u64, v as u64)
    }
}

/// Trace-level facts from an MLflow trace document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceMeta {
    /// Named `tr-…` by MLflow: shown that way.
    pub mlflow_id: bool,
    /// `mlflow.trace.session` (interned), 0 for none.
    pub session: u32,
    /// The key `session` was found under, when not `mlflow.trace.session` (an Agents SDK
    /// trace's `group_id`).
    pub session_key: Option<SessionKey>,
    pub user: u32,
    /// Where the `info` object is: (loc as in `SpanRec::loc`, len).
    pub info: Option<(u64, u32)>,
}

/// What the scan learns about a trace beyond its spans (from MLflow trace documents).
#[derive(Clone, Copy, Debug)]
pub struct TraceEntry {
    pub key: TraceKey,
    /// Named `tr-…` by MLflow: shown that way.
    pub mlflow_id: bool,
    /// `mlflow.trace.session` (interned), 0 for none.
    pub meta_session: u32,
    /// Its key, when not `mlflow.trace.session`.
    pub meta_key: Option<SessionKey>,
    pub meta_user: u32,
    /// Where the MLflow `info` object is: (loc as in `SpanRec::loc`, len).
    pub info: Option<(u64, u32)>,
}

/// An evaluation and what it is attached to (indices local to the chunk until merged).
#[derive(Clone, Debug)]
pub struct EvalRec {
    pub trace: u32,
    pub span: Option<u32>,
    pub eval: Evaluation,
}

/// Everything one piece of one file yields.
#[derive(Default)]
pub struct ChunkOut {
    pub file: u16,
    pub spans: Vec<SpanRec>,
    /// The spans' parent ids (parallel to `spans`; see [`super::parents`]).
    pub parent_ids: Vec<u64>,
    /// The ends and lengths the records do not hold.
    pub overflow: Overflow,
    pub extras: Vec<Extra>,
    /// The span each of `extras` belongs to (span index local to the piece), ascending.
    pub extra_spans: Vec<u32>,
    /// (span, line) for every [`LINE_MARK_EVERY`]th span of the piece, from its first: the
    /// lines of the others are counted from these (see `Index::line`).
    pub line_marks: Vec<(u32, u32)>,
    pub strings: Interner,
    pub trace_map: Map<TraceKey, u32>,
    pub traces: Vec<TraceEntry>,
    pub evals: Vec<EvalRec>,
    pub problems: Vec<Problem>,
    /// Session ids found on spans themselves (span index local to the piece).
    pub own_sessions: Vec<OwnSession>,
    /// Token counts too large for an [`Extra`]'s 32-bit fields (which then hold
    /// [`BIG_TOKENS`]): (span index local to the piece, prompt / completion / total, with
    /// `u64::MAX` for "not given"), ascending by span.
    pub big_tokens: Vec<(u32, [u64; 3])>,
    /// How each span spelled its fields (parallel to `spans`).
    pub styles: Vec<u8>,
    /// Fingerprints of the LLM calls' message histories (span index local to the piece), for
    /// session inference: hashed here, while the bytes are at hand, so no later pass reads them.
    pub prints: Prints,
    /// Lines in the piece.
    pub lines: u32,
    /// The piece's lines by what they held.
    pub kinds: LineKinds,
    /// Records (lines or documents) that yielded at least one span.
    pub records: u64,
}

impl ChunkOut {
    /// Empties it, keeping the memory (for the worker's next piece).
    fn clear(&mut self) {
        self.spans.clear();
        self.parent_ids.clear();
        self.overflow.clear();
        self.extras.clear();
        self.extra_spans.clear();
        self.line_marks.clear();
        self.strings.clear();
        self.trace_map.clear();
        self.traces.clear();
        self.evals.clear();
        self.problems.clear();
        self.own_sessions.clear();
        self.big_tokens.clear();
        self.styles.clear();
        self.prints.clear();
        self.lines = 0;
        self.kinds = LineKinds::default();
        self.records = 0;
    }
}

const NONE: u32 = u32::MAX;

/// Lines by what they held: every line of a file is in exactly one of these (a line with a
/// record and a report, say two records back to back of which one is malformed, counts as a
/// record line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LineKinds {
    /// Lines that are all or part of a record that yielded spans or evaluations.
    pub records: u64,
    /// Lines of another OpenTelemetry signal (logs, metrics).
    pub signals: u64,
    /// Lines not indexed (malformed, or holding no span).
    pub malformed: u64,
    /// Blank lines.
    pub blank: u64,
}

impl LineKinds {
    /// Counts `n` lines whose unit added `records` records and the reports `problems`.
    pub fn add(&mut self, n: u64, records: u64, problems: &[Problem]) {
        let has = |sev| problems.iter().any(|p| p.severity == sev);
        let slot = if records > 0 {
            &mut self.records
        } else if has(Severity::Signal) {
            &mut self.signals
        } else if has(Severity::Malformed) {
            &mut self.malformed
        } else {
            &mut self.blank
        };
        *slot += n;
    }

    pub fn total(&self) -> u64 {
        self.records + self.signals + self.malformed + self.blank
    }

    pub fn absorb(&mut self, other: &LineKinds) {
        self.records += other.records;
        self.signals += other.signals;
        self.malformed += other.malformed;
        self.blank += other.blank;
    }
}

/// Where a piece's tables ended before a record was walked (to undo what it added).
struct Marks {
    spans: usize,
    extras: usize,
    evals: usize,
    own: usize,
    big: usize,
    problems: usize,
    prints: (usize, usize),
    overflow: (usize, usize),
}

/// Traces a collector remembers it has numbered (see `Collector::trace_index`): an export
/// that writes the spans of a few dozen live sessions interleaved (the sparse bench file: 48)
/// finds most of its traces among them without hashing the id. A power of two.
const RECENT_TRACES: usize = 64;

/// One span in this many has its line noted by the scan (the others' are counted from it).
pub const LINE_MARK_EVERY: u32 = 16;

#[derive(Clone, Copy)]
struct Builder {
    span_id: Option<(u64, bool)>,
    trace: Option<TraceKey>,
    trace_is_mlflow: bool,
    parent: Option<(u64, bool)>,
    name: u32,
    kind: Kind,
    kind_rank: Option<u8>,
    status: Status,
    start: i64,
    end: i64,
    session: u32,
    session_key: Option<SessionKey>,
    user_rank: Option<u8>,
    extra: Option<Extra>,
    /// Prompt, completion and total tokens as read (`u64::MAX`: not given); into `extra` at
    /// commit.
    tokens: [u64; 3],
    /// The record's own fields met so far (bits of [`Seen`]), to report one given twice.
    seen: u8,
}

/// A record field, by the bit it has in [`Builder::seen`], and its name in reports.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Seen {
    SpanId = 1,
    TraceId = 1 << 1,
    Parent = 1 << 2,
    Name = 1 << 3,
    Start = 1 << 4,
    End = 1 << 5,
    Status = 1 << 6,
}

impl Seen {
    fn label(self) -> &'static str {
        match self {
            Seen::SpanId => "span id",
            Seen::TraceId => "trace id",
            Seen::Parent => "parent id",
            Seen::Name => "name",
            Seen::Start => "start time",
            Seen::End => "end time",
            Seen::Status => "status",
        }
    }
}

/// Most bytes of a value quoted in a report.
const QUOTE_BYTES: usize = 40;

/// A value as written, for a report: cut to [`QUOTE_BYTES`] (with `…`), invalid UTF-8 as `�`.
/// (Reports are cleaned when shown, like everything from a file.)
fn quote(raw: &[u8]) -> String {
    let cut = raw.len() > QUOTE_BYTES;
    let mut end = raw.len().min(QUOTE_BYTES);
    // Not inside a UTF-8 sequence.
    while end > 0 && end < raw.len() && raw[end] & 0xc0 == 0x80 {
        end -= 1;
    }
    let mut s = String::from_utf8_lossy(&raw[..end]).into_owned();
    if cut {
        s.push('…');
    }
    s
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            span_id: None,
            trace: None,
            trace_is_mlflow: false,
            parent: None,
            name: 0,
            kind: Kind::default(),
            kind_rank: None,
            status: Status::default(),
            start: 0,
            end: 0,
            session: 0,
            session_key: None,
            user_rank: None,
            extra: None,
            tokens: [u64::MAX; 3],
            seen: 0,
        }
    }
}

#[derive(Clone, Copy, Default)]
struct DocMeta {
    trace: Option<TraceKey>,
    mlflow_id: bool,
    session: u32,
    /// `session`'s key, when not `mlflow.trace.session`.
    key: Option<SessionKey>,
    user: u32,
    info: Option<(usize, usize)>,
}

#[derive(Clone, Copy, Default)]
struct Frame {
    /// Where the object starts, in the record.
    at: usize,
    first_span: usize,
    first_eval: usize,
    b: Builder,
    doc: Option<DocMeta>,
}

/// The index's sink: turns walker events into records for one piece of one file.
pub struct Collector<'b> {
    src: &'b [u8],
    pub out: ChunkOut,
    frames: Vec<Frame>,
    /// Start of the record being walked (positions from the walker are relative to it).
    unit_start: usize,
    unit_line: u32,
    /// (position in unit, line) of the last line computed, to count newlines incrementally.
    line_mark: (usize, u32),
    orphan_ids: bool,
    /// The record is more than [`super::record::MAX_OFFSET`] bytes into its file.
    too_far: bool,
    /// The record gave trace-level facts (an Agents SDK trace record): a record, with no span.
    trace_facts: bool,
    /// Traces `trace_index` returned lately, by the low bits of their ids (see
    /// [`RECENT_TRACES`]).
    recent_traces: [Option<(TraceKey, u32)>; RECENT_TRACES],
    /// The walker's state, kept between records (boxed: taken out for each walk, which then
    /// moves a pointer, not the state).
    scratch: Option<Box<format::Scratch<Attr>>>,
    /// The input messages of the span being walked (remembering lists where they are in
    /// `src`).
    messages: Recorder<'b>,
    /// Whether to fingerprint message histories (true unless inference by history is off).
    pub fingerprints: bool,
    /// The record's envelopes nest this deep, past what is read (see `Sink::too_deep`).
    deep_record: Option<usize>,
}

impl<'b> Collector<'b> {
    pub fn new(src: &'b [u8], file: u16) -> Self {
        Collector {
            src,
            out: ChunkOut {
                file,
                ..ChunkOut::default()
            },
            frames: Vec::with_capacity(16),
            unit_start: 0,
            unit_line: 0,
            line_mark: (0, 0),
            orphan_ids: false,
            too_far: false,
            trace_facts: false,
            recent_traces: [None; RECENT_TRACES],
            scratch: None,
            messages: Recorder::for_scan(src),
            fingerprints: true,
            deep_record: None,
        }
    }

    /// The bytes being scanned.
    pub fn src(&self) -> &'b [u8] {
        self.src
    }

    /// Starts on another piece (of file `file`, held in `src`): what the last piece yielded
    /// must have been taken. Its buffers, and what the walker learned of the records' shape,
    /// are kept (a worker's pieces are alike, and memory already touched costs no page faults),
    /// and so are the message lists the recorder remembers in `src` when it is the same bytes.
    pub fn begin(&mut self, src: &'b [u8], file: u16) {
        self.src = src;
        self.messages.set_home(src);
        self.out.clear();
        self.out.file = file;
        self.recent_traces = [None; RECENT_TRACES];
    }

    /// Indexes one record (a line, or a whole document); returns the spans it yielded.
    ///
    /// `last` says the record is the end of the file, for a clearer message when it is cut off.
    pub fn record(&mut self, range: Range<usize>, line: u32, last: bool) -> usize {
        let mut spans = 0;
        let mut at = range.start;
        let mut line = line;
        loop {
            let marks = self.begin_record(at, line);
            let bytes = &self.src[at..range.end];
            let mut c = Cursor::new(bytes);
            let walked = self.walk(&mut c);
            // Values back to back (`{…}{…}`, as some writers join records) are records each;
            // anything else after a value makes the whole rest malformed, as before.
            let next = c.pos();
            let another = walked.is_ok()
                && matches!(bytes.trim_ascii_start().first(), Some(b'{' | b'['))
                && !c.at_end()
                && matches!(bytes.get(c.pos()), Some(b'{' | b'['))
                && Cursor::new(&bytes[c.pos()..]).skip_value().is_ok();
            if another {
                let this = at..at + next;
                let non_ascii = c.non_ascii();
                spans += self.end_record(&marks, this, line, false, Ok(()), non_ascii);
                line = line.saturating_add(count_lines(&bytes[..c.pos()]));
                at += c.pos();
                continue;
            }
            let walked = walked.and_then(|()| {
                if c.at_end() {
                    Ok(())
                } else {
                    Err(JsonError::unexpected(c.pos(), bytes[c.pos()]))
                }
            });
            let non_ascii = c.non_ascii();
            return spans + self.end_record(&marks, at..range.end, line, last, walked, non_ascii);
        }
    }

    /// Indexes the line that starts at `start` and ends at the next newline before `end` (or
    /// at `end`); returns the line's range (without the newline) and the spans it yielded.
    ///
    /// The record is walked up to its own end, which tells where the line ends: no pass of its
    /// own looks for the newline. A line that does not read that way (malformed, blank, or with
    /// something after its value) is undone, found apart and read again as [`Collector::record`]
    /// reads it, so that it is reported exactly as before.
    ///
    /// Returns the range, the spans it yielded and how many lines past the first it covers
    /// (0 but for a pretty-printed record among the lines).
    #[inline]
    pub fn line(&mut self, start: usize, end: usize, line: u32) -> (Range<usize>, usize, u32) {
        let src = self.src;
        let marks = self.begin_record(start, line);
        let mut c = Cursor::in_line(&src[start..end]);
        if self.walk(&mut c).is_ok()
            && let Some(stop) = c.line_end()
        {
            let range = start..start + stop;
            let non_ascii = c.non_ascii();
            let spans = self.end_record(&marks, range.clone(), line, false, Ok(()), non_ascii);
            return (range, spans, 0);
        }
        self.rollback(&marks);
        let stop = memchr::memchr(b'\n', &src[start..end]).map_or(end, |k| start + k);
        let range = start..stop;
        if src[range.clone()].iter().all(u8::is_ascii_whitespace) {
            self.problem(line, Severity::Note, "blank line");
            return (range, 0, 0);
        }
        let (range, more) = match multi_line_record(src, start, stop, end) {
            Some(r) => {
                let more = count_lines(&src[r.clone()]);
                (r, more)
            }
            None => (range, 0),
        };
        let last = range.end == src.len();
        let spans = self.record(range.clone(), line, last);
        (range, spans, more)
    }

    /// Notes where the piece's tables end and resets the per-record state, before a walk.
    fn begin_record(&mut self, start: usize, line: u32) -> Marks {
        self.unit_start = start;
        self.unit_line = line;
        self.line_mark = (0, line);
        self.frames.clear();
        self.orphan_ids = false;
        self.too_far = false;
        self.trace_facts = false;
        self.deep_record = None;
        self.messages.clear();
        Marks {
            spans: self.out.spans.len(),
            extras: self.out.extras.len(),
            evals: self.out.evals.len(),
            own: self.out.own_sessions.len(),
            big: self.out.big_tokens.len(),
            problems: self.out.problems.len(),
            prints: self.out.prints.mark(),
            overflow: self.out.overflow.mark(),
        }
    }

    /// Walks one record with the walker's kept state.
    fn walk(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        let mut scratch = self.scratch.take().unwrap_or_default();
        let walked = format::walk_with(c, self, &mut scratch);
        self.scratch = Some(scratch);
        walked
    }

    /// Drops what a walk added since `marks`.
    fn rollback(&mut self, marks: &Marks) {
        self.out.spans.truncate(marks.spans);
        self.out.parent_ids.truncate(marks.spans);
        self.out.overflow.truncate(marks.overflow);
        self.out.styles.truncate(marks.spans);
        self.out.extras.truncate(marks.extras);
        self.out.extra_spans.truncate(marks.extras);
        let first_lost = u32::try_from(marks.spans).unwrap_or(NONE);
        let kept = self
            .out
            .line_marks
            .partition_point(|&(s, _)| s < first_lost);
        self.out.line_marks.truncate(kept);
        self.out.evals.truncate(marks.evals);
        self.out.own_sessions.truncate(marks.own);
        self.out.big_tokens.truncate(marks.big);
        // Caveats noted while walking a record that is then dropped went with it.
        self.out.problems.truncate(marks.problems);
        self.out.prints.truncate(marks.prints);
    }

    /// Keeps or drops what the walk of record `range` added, by how it went, and reports why a
    /// record yields nothing; `non_ascii`: the walk met a byte of 0x80 or above.
    fn end_record(
        &mut self,
        marks: &Marks,
        range: Range<usize>,
        line: u32,
        last: bool,
        walked: Result<(), JsonError>,
        non_ascii: bool,
    ) -> usize {
        let bytes = &self.src[range];
        let reason = match &walked {
            Err(JsonError::Eof) if last => {
                Some(Cow::Borrowed("truncated record: the file ends inside it"))
            }
            Err(JsonError::Eof) => Some(Cow::Borrowed("truncated record: JSON ends early")),
            Err(e) => Some(Cow::Owned(format!("not valid JSON: {e}"))),
            // Before the spans it did yield: the whole record is left out.
            Ok(()) if self.too_far => Some(Cow::Borrowed(
                "a span more than 1 TiB into its file: not indexed (spans are read from the \
                 first TiB of a file)",
            )),
            Ok(()) if self.out.spans.len() > marks.spans => None,
            Ok(()) if self.out.evals.len() > marks.evals => {
                self.out.records += 1;
                return 0;
            }
            Ok(()) if self.trace_facts => {
                self.out.records += 1;
                return 0;
            }
            Ok(()) if self.orphan_ids => {
                Some(Cow::Borrowed("no span: a span id without a trace id"))
            }
            Ok(()) if self.deep_record.is_some() => Some(Cow::Owned(format!(
                "no span read: the record nests {} levels deep, and records are read {} levels \
                 deep",
                self.deep_record.unwrap_or(0),
                format::MAX_WALK_DEPTH
            ))),
            Ok(()) => {
                // A record that holds no span says what it looked like; another OpenTelemetry
                // signal is counted as such, not called malformed.
                let shape = super::shape::describe(bytes);
                if let super::shape::Shape::OtherSignal(_) = shape {
                    self.rollback(marks);
                    self.problem(line, Severity::Signal, shape.reason());
                    return 0;
                }
                Some(Cow::Owned(shape.reason()))
            }
        };
        if let Some(reason) = reason {
            self.rollback(marks);
            let at_line = match walked.err().and_then(|e| e.position()) {
                Some(at) => self.line_at(at),
                None => line,
            };
            self.problem(at_line, Severity::Malformed, reason);
            return 0;
        }
        self.out.records += 1;
        // Read whole, a record with no byte of 0x80 or above in its strings is ASCII.
        if !non_ascii {
            return self.out.spans.len() - marks.spans;
        }
        if let Err(e) = std::str::from_utf8(bytes) {
            for s in &mut self.out.spans[marks.spans..] {
                s.set_flags(flag::BAD_UTF8);
            }
            let at = e.valid_up_to();
            let line = self.line_at(at);
            self.problem(
                line,
                Severity::Warning,
                format!("invalid UTF-8 at byte {at} of the record (indexed; shown as \u{FFFD})"),
            );
        }
        self.out.spans.len() - marks.spans
    }

    pub fn problem(&mut self, line: u32, severity: Severity, reason: impl Into<Cow<'static, str>>) {
        self.problem_over(line, 1, severity, reason);
    }

    /// A report that covers `lines` lines from `line` (a broken document's).
    pub fn problem_over(
        &mut self,
        line: u32,
        lines: u32,
        severity: Severity,
        reason: impl Into<Cow<'static, str>>,
    ) {
        let reason = reason.into();
        self.out.problems.push(Problem {
            file: self.out.file,
            line,
            lines,
            severity,
            reason,
            topic: Topic::Other,
        });
    }

    // The caveats below are rare, and out of line: the walk inlines the calls to them at
    // every record field it reads, and the hot loop stays the smaller for it.

    /// A record field given twice with different values.
    #[cold]
    #[inline(never)]
    fn given_twice(&mut self, which: Seen) {
        self.caveat(format!(
            "the record gives its {} twice, with different values: the last one is used",
            which.label()
        ));
    }

    /// A start (`end: false`) or end time that is no time sesstui can represent.
    #[cold]
    #[inline(never)]
    fn bad_time(&mut self, end: bool, raw: &[u8]) {
        let what = if end { "end time" } else { "start time" };
        self.unrepresentable(format!(
            "{what} {} is not a time sesstui can represent (not a number, before 1970 or after \
             2262): the span has no {what}",
            quote(raw)
        ));
    }

    /// The span at `at` in the record ends before it starts.
    #[cold]
    #[inline(never)]
    fn ends_before_start(&mut self, at: usize, start: i64, end: i64) {
        let line = self.line_at(at);
        self.problem(
            line,
            Severity::Warning,
            format!(
                "the span ends before it starts (start {}, end {}): its duration is shown as 0",
                crate::time::iso_ms(start),
                crate::time::iso_ms(end)
            ),
        );
    }

    /// Reports a caveat about the span being read (indexed, with a warning), on its line.
    fn caveat(&mut self, reason: String) {
        let at = self.frames.last().map_or(0, |f| f.at);
        let line = self.line_at(at);
        self.problem(line, Severity::Warning, reason);
    }

    /// [`Self::caveat`] about a value sesstui cannot represent.
    fn unrepresentable(&mut self, reason: String) {
        self.caveat(reason);
        if let Some(p) = self.out.problems.last_mut() {
            p.topic = Topic::Unrepresentable;
        }
    }

    /// The line of a position inside the current record.
    fn line_at(&mut self, pos: usize) -> u32 {
        let bytes = &self.src[self.unit_start..];
        let pos = pos.min(bytes.len());
        let (mut from, mut line) = self.line_mark;
        if pos == from {
            return line;
        }
        if pos < from {
            (from, line) = (0, self.unit_line);
        }
        let n = memchr::memchr_iter(b'\n', &bytes[from..pos]).count();
        line = line.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        self.line_mark = (pos, line);
        line
    }

    fn top(&mut self) -> Option<&mut Builder> {
        self.frames.last_mut().map(|f| &mut f.b)
    }

    /// Session ids, users and models: the same few, record after record.
    fn intern(&mut self, s: &str) -> u32 {
        self.out.strings.intern_cached(s)
    }

    /// A span or parent id: (value, is_text).
    fn span_id(&mut self, raw: RawStr<'_>) -> Option<(u64, bool)> {
        // Hex digits as written hold no escape: no need to look for one first.
        if let Some(fast) = ids::normalize_bytes(raw.raw) {
            return match fast? {
                Id::Hex64(v) => Some((v, false)),
                _ => self.span_id_slow(raw),
            };
        }
        self.span_id_slow(raw)
    }

    fn span_id_slow(&mut self, raw: RawStr<'_>) -> Option<(u64, bool)> {
        let text = raw.decode();
        match ids::normalize(&text)? {
            Id::Hex64(v) => Some((v, false)),
            Id::Hex128(v) => Some((u64::from(self.intern(&ids::hex128(v))), true)),
            Id::Text(t) => Some((u64::from(self.intern(&t)), true)),
        }
    }

    fn trace_key(&mut self, raw: &str) -> Option<TraceKey> {
        Some(match ids::normalize(raw)? {
            Id::Hex64(v) => TraceKey::hex(u128::from(v)),
            Id::Hex128(v) => TraceKey::hex(v),
            Id::Text(t) => TraceKey::Text(self.intern(&t)),
        })
    }

    fn trace_index(&mut self, key: TraceKey) -> u32 {
        // A trace's spans are usually written together, or in runs interleaved with a few
        // other traces' (sessions written as they went on).
        let slot = match key {
            TraceKey::Hex(_, lo) => lo as usize,
            TraceKey::Text(t) => t as usize,
        } % RECENT_TRACES;
        if let Some(Some((last, i))) = self.recent_traces.get(slot)
            && *last == key
        {
            return *i;
        }
        let i = self.trace_index_lookup(key);
        if let Some(recent) = self.recent_traces.get_mut(slot) {
            *recent = Some((key, i));
        }
        i
    }

    fn trace_index_lookup(&mut self, key: TraceKey) -> u32 {
        if let Some(&i) = self.out.trace_map.get(&key) {
            return i;
        }
        let i = u32::try_from(self.out.traces.len()).unwrap_or(NONE);
        self.out.traces.push(TraceEntry {
            key,
            mlflow_id: false,
            meta_session: 0,
            meta_key: None,
            meta_user: 0,
            info: None,
        });
        self.out.trace_map.insert(key, i);
        i
    }

    fn extra(&mut self) -> Option<&mut Extra> {
        let b = self.top()?;
        Some(b.extra.get_or_insert_with(Extra::default))
    }

    fn set_user(&mut self, rank: u8, user: &str) {
        if self
            .top()
            .is_some_and(|b| b.user_rank.is_some_and(|r| r <= rank))
        {
            return;
        }
        let parsed = keys::parse_claude_user_id_strict(user).and_then(|id| id.user);
        self.set_user_as_is(rank, parsed.as_deref().unwrap_or(user).trim());
    }

    /// [`Collector::set_user`] for a user that is no Claude Code user id and has no blank at
    /// either end.
    fn set_user_as_is(&mut self, rank: u8, user: &str) {
        if user.is_empty() {
            return;
        }
        let better = self
            .top()
            .is_some_and(|b| b.user_rank.is_none_or(|r| rank < r));
        if better {
            let id = self.intern(user);
            if let Some(b) = self.top() {
                b.user_rank = Some(rank);
            }
            if let Some(e) = self.extra() {
                e.user = id;
            }
        }
    }

    /// Whether the record's session (and its user) can take anything from `key`: `None` when
    /// not, else whether `key` is better than the one it has, and the session it has from
    /// `key` itself (the same key a second time, rare: read like the first, to tell whether
    /// it differs).
    fn session_open(&mut self, key: SessionKey) -> Option<(bool, Option<u32>)> {
        let b = self.top()?;
        let better = b.session_key.is_none_or(|k| key < k);
        let again = (b.session_key == Some(key)).then_some(b.session);
        if !better && again.is_none() && b.user_rank.is_some_and(|r| r <= 3) {
            return None;
        }
        Some((better, again))
    }

    /// [`Collector::set_session`] for an end-user id as written in the file (no escapes), the
    /// legacy Claude Code form read without decoding the whole of it
    /// ([`keys::parse_claude_user_id_plain`]); any other value as `set_session` reads it.
    fn set_session_raw(&mut self, key: SessionKey, s: RawStr<'_>) {
        let Some((session, user)) = keys::parse_claude_user_id_plain(s.raw) else {
            self.set_session(key, &s.decode());
            return;
        };
        let Some((better, again)) = self.session_open(key) else {
            return;
        };
        if let Some(kept) = again {
            self.session_again(key, kept, session);
            return;
        }
        self.set_user_as_is(3, user);
        if better {
            self.set_session_id(key, session);
        }
    }

    fn session_again(&mut self, key: SessionKey, kept: u32, session: &str) {
        if !session.is_empty() && self.out.strings.get(kept) != session {
            self.caveat(format!(
                "the record gives its session id ({}) twice, with different values: the \
                 first one is used",
                key.name()
            ));
        }
    }

    fn set_session_id(&mut self, key: SessionKey, session: &str) {
        if session.is_empty() {
            return;
        }
        let sid = self.intern(session);
        if let Some(b) = self.top() {
            b.session = sid;
            b.session_key = Some(key);
        }
    }

    fn set_session(&mut self, key: SessionKey, value: &str) {
        let Some((better, again)) = self.session_open(key) else {
            return;
        };
        let id = if key.is_user_id_string() {
            match keys::parse_claude_user_id(value) {
                Some(id) => id,
                None => {
                    // An end-user id that names no session is still the user.
                    self.set_user(5, value);
                    return;
                }
            }
        } else {
            match keys::parse_claude_user_id_strict(value) {
                Some(id) => id,
                None => keys::ClaudeIdentity {
                    session: Cow::Borrowed(value.trim()),
                    user: None,
                },
            }
        };
        if let Some(kept) = again {
            self.session_again(key, kept, &id.session);
            return;
        }
        if let Some(u) = &id.user {
            self.set_user(3, u);
        }
        if better {
            self.set_session_id(key, &id.session);
        }
    }

    /// A value as text, for the attributes read as text: a string decoded, a number as
    /// written (Pandas writes missing values as NaN: not an id).
    fn attr_text(v: Scalar<'_>) -> Option<Cow<'_, str>> {
        match v {
            Scalar::Str(s) => Some(s.decode()),
            Scalar::Num(n) if v.as_f64().is_some() => Some(String::from_utf8_lossy(n)),
            _ => None,
        }
    }

    /// [`Sink::attr`]'s kind, when not a kind the table spells.
    #[inline(never)]
    fn kind_attr(&mut self, rank: u8, v: Scalar<'_>) {
        let Some(t) = Self::attr_text(v) else { return };
        let kind = if rank == 5 {
            Kind::from_gen_ai_operation(&t)
        } else {
            Kind::parse(&t)
        };
        if let Some(k) = kind {
            self.set_kind(k, rank);
        }
    }

    /// [`Sink::attr`]'s token count, when not a whole number it can keep.
    #[cold]
    #[inline(never)]
    fn tokens_unread(&mut self, v: Scalar<'_>) {
        // Null, and pandas' NaN for a missing count, say nothing.
        if v.as_i128().is_none() && (matches!(v, Scalar::Null) || is_nan(v)) {
            return;
        }
        let raw = match v {
            Scalar::Str(s) => s.raw,
            Scalar::Num(n) => n,
            _ => b"true/false",
        };
        self.unrepresentable(format!(
            "token count {} is not a whole number of tokens sesstui can represent: ignored",
            quote(raw)
        ));
    }

    /// [`Sink::attr`]'s model, when not a string.
    #[inline(never)]
    fn model_text(&mut self, v: Scalar<'_>) -> Option<u32> {
        let t = Self::attr_text(v)?;
        let t = t.trim();
        (!t.is_empty()).then(|| self.intern(t))
    }

    /// [`Sink::attr`]'s cost.
    #[inline(never)]
    fn cost_attr(&mut self, v: Scalar<'_>) {
        if let Some(c) = v.as_f64()
            && let Some(e) = self.extra()
        {
            #[allow(clippy::cast_possible_truncation)]
            if e.cost.is_nan() {
                e.cost = c as f32;
            }
        }
    }

    /// [`Sink::attr`]'s session id.
    #[inline(never)]
    fn session_attr(&mut self, key: SessionKey, v: Scalar<'_>) {
        if key.is_user_id_string()
            && let Scalar::Str(s) = v
            && !s.escaped()
        {
            self.set_session_raw(key, s);
        } else if let Some(t) = Self::attr_text(v) {
            self.set_session(key, &t);
        }
    }

    /// [`Sink::attr`]'s user.
    #[inline(never)]
    fn user_attr(&mut self, rank: u8, v: Scalar<'_>) {
        if let Some(t) = Self::attr_text(v) {
            self.set_user(rank, &t);
        }
    }

    fn set_kind(&mut self, kind: Kind, rank: u8) {
        if let Some(b) = self.top()
            && b.kind_rank.is_none_or(|r| rank < r)
        {
            b.kind = kind;
            b.kind_rank = Some(rank);
        }
    }

    fn commit(&mut self, f: &Frame, range: Range<usize>, style: Style) -> Option<u32> {
        if style == Style::Annotation {
            return None;
        }
        let b = &f.b;
        let offset = (self.unit_start + range.start) as u64;
        if offset > super::record::MAX_OFFSET {
            self.too_far = true;
            return None;
        }
        // A span id given but empty or all zeros (invalid in OTLP, written by real producers):
        // the span is kept under the id 0, which no valid id is, and reported.
        let invalid_id = b.span_id.is_none() && b.seen & Seen::SpanId as u8 != 0;
        let (span_id, id_text) = match b.span_id {
            Some(id) => id,
            None if invalid_id && b.trace.is_some() => (0, false),
            None => return None,
        };
        let Some(trace_key) = b.trace else {
            self.orphan_ids = true;
            return None;
        };
        let trace = self.trace_index(trace_key);
        if b.trace_is_mlflow
            && let Some(t) = self.out.traces.get_mut(trace as usize)
        {
            t.mlflow_id = true;
        }
        let mut flags = if id_text { flag::SPAN_ID_TEXT } else { 0 };
        let parent_id = match b.parent {
            Some((p, text)) => {
                flags |= flag::HAS_PARENT | if text { flag::PARENT_TEXT } else { 0 };
                p
            }
            None => 0,
        };
        let mut kind = b.kind;
        if kind == Kind::Unknown
            && self
                .out
                .strings
                .get(b.name)
                .starts_with("Claude_Code_Tool_")
        {
            kind = Kind::Tool;
        }
        let index = u32::try_from(self.out.spans.len()).unwrap_or(NONE);
        if let Some(mut e) = b.extra {
            let mut big = false;
            for (slot, &n) in [&mut e.prompt, &mut e.completion, &mut e.total]
                .into_iter()
                .zip(&b.tokens)
            {
                *slot = match u32::try_from(n) {
                    _ if n == u64::MAX => NO_TOKENS,
                    Ok(small) if small < BIG_TOKENS => small,
                    _ => {
                        big = true;
                        BIG_TOKENS
                    }
                };
            }
            if big {
                self.out.big_tokens.push((index, b.tokens));
            }
            self.out.extras.push(e);
            self.out.extra_spans.push(index);
            flags |= flag::EXTRA;
        }
        if b.start > 0 && b.end > 0 && b.end < b.start {
            self.ends_before_start(range.start, b.start, b.end);
        }
        if invalid_id {
            let line = self.line_at(range.start);
            self.problem(
                line,
                Severity::Warning,
                "a span whose span id is empty or all zeros (invalid in OpenTelemetry): kept, \
                 with the id 0000000000000000; the spans of its trace whose parent id is all \
                 zeros, or missing from the files, hang under it",
            );
        }
        if index % LINE_MARK_EVERY == 0 {
            let line = self.line_at(range.start);
            self.out.line_marks.push((index, line));
        }
        let mut rec = SpanRec::new(span_id, trace, b.name, kind, b.status, flags);
        let len = u32::try_from(range.len()).unwrap_or(u32::MAX);
        self.out.overflow.place(&mut rec, offset, len);
        self.out.overflow.set_times(&mut rec, b.start, b.end);
        if let (s, Some(key)) = (b.session, b.session_key) {
            self.out.own_sessions.push(OwnSession {
                span: index,
                session: s,
                key,
            });
        }
        self.out.spans.push(rec);
        self.out.parent_ids.push(parent_id);
        self.out.styles.push(style as u8);
        Some(trace)
    }

    /// What closing frame `f` (the innermost) does.
    fn close_frame(&mut self, f: &Frame, range: Range<usize>, style: Style) {
        let bytes = self
            .src
            .get(self.unit_start + range.start..self.unit_start + range.end)
            .unwrap_or(&[]);
        let committed = self.commit(f, range, style);
        if !self.messages.is_empty() {
            // LLM calls, and spans of no known kind that hold messages (an exporter that
            // does not say what the span is).
            if committed.is_some()
                && let Some(rec) = self.out.spans.last()
                && matches!(rec.kind(), Kind::Llm | Kind::Unknown)
            {
                let span = u32::try_from(self.out.spans.len() - 1).unwrap_or(NONE);
                self.messages.print(span, bytes, &mut self.out.prints);
            }
            self.messages.clear();
        }
        if let Some(trace) = committed {
            let span = u32::try_from(self.out.spans.len() - 1).unwrap_or(NONE);
            for e in &mut self.out.evals[f.first_eval..] {
                if e.trace == NONE {
                    (e.trace, e.span) = (trace, Some(span));
                }
            }
        }
        if let Some(doc) = f.doc {
            self.close_document(f, doc);
        }
    }

    /// Applies an MLflow trace document's metadata to the spans and evaluations inside it.
    fn close_document(&mut self, f: &Frame, doc: DocMeta) {
        let first_trace = self.out.spans.get(f.first_span).map(|s| s.trace);
        let trace = match doc.trace {
            Some(k) if first_trace.is_none() => Some(self.trace_index(k)),
            Some(k) => self.out.trace_map.get(&k).copied().or(first_trace),
            None => first_trace,
        };
        let Some(trace) = trace else { return };
        self.trace_facts = true;
        for s in &mut self.out.styles[f.first_span..] {
            *s = Style::Mlflow as u8;
        }
        let file = self.out.file;
        let unit_start = self.unit_start;
        if let Some(t) = self.out.traces.get_mut(trace as usize) {
            t.mlflow_id |= doc.mlflow_id;
            if doc.session != 0 {
                t.meta_session = doc.session;
                t.meta_key = doc.key;
            }
            if doc.user != 0 {
                t.meta_user = doc.user;
            }
            if let Some((start, end)) = doc.info {
                let len = u32::try_from(end - start).unwrap_or(u32::MAX);
                t.info = Some((super::record::loc(file, (unit_start + start) as u64), len));
            }
        }
        for e in &mut self.out.evals[f.first_eval..] {
            if e.trace == NONE {
                e.trace = trace;
            }
        }
    }
}

/// Newlines in `b`: how many lines a range spans, less one.
pub fn count_lines(b: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', b).count()).unwrap_or(u32::MAX)
}

/// A record that starts on the line `start..stop` and goes on over the next lines (a
/// pretty-printed record among JSON Lines): its range up to the end of the line it ends on,
/// when it ends before `end` and only whitespace follows it there. Tried only when the line
/// opens a bracket and the next line is indented or closes one, as pretty-printed JSON does,
/// so a file of truncated lines is not read to the end again for each of them.
fn multi_line_record(src: &[u8], start: usize, stop: usize, end: usize) -> Option<Range<usize>> {
    let first = src[start..stop].trim_ascii_start();
    if !matches!(first.first(), Some(b'{' | b'[')) || stop >= end {
        return None;
    }
    if !matches!(src.get(stop + 1), Some(b' ' | b'\t' | b'}' | b']')) {
        return None;
    }
    let mut c = Cursor::new(&src[start..end]);
    c.skip_value().ok()?;
    let value_end = start + c.pos();
    if value_end <= stop {
        return None;
    }
    let line_end = memchr::memchr(b'\n', &src[value_end..end]).map_or(end, |k| value_end + k);
    // JSON's whitespace, not ASCII's: a form feed after the value (which `is_ascii_whitespace`
    // allows) would make the record fail where it is read again, reported on its last line
    // only, its first left unreported.
    src[value_end..line_end]
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        .then_some(start..line_end)
}

/// Sets a record field of `b`, noting it as met; true when it had been met already with
/// another value (a key given twice).
#[inline(always)]
fn put<T: PartialEq>(b: &mut Builder, f: Seen, slot: fn(&mut Builder) -> &mut T, v: T) -> bool {
    let again = b.seen & f as u8 != 0 && *slot(b) != v;
    b.seen |= f as u8;
    *slot(b) = v;
    again
}

/// Pandas' and Python's spelling of a missing number.
fn is_nan(v: Scalar<'_>) -> bool {
    let raw = match v {
        Scalar::Num(n) => n,
        Scalar::Str(s) => s.raw,
        _ => return false,
    };
    raw.trim_ascii().eq_ignore_ascii_case(b"nan")
}

impl Sink for Collector<'_> {
    fn open(&mut self, at: usize) {
        self.frames.push(Frame {
            at,
            first_span: self.out.spans.len(),
            first_eval: self.out.evals.len(),
            ..Frame::default()
        });
    }

    fn close(&mut self, range: Range<usize>, style: Style) {
        // The frame is read where it lies, not copied out (it is a few hundred bytes, and
        // every record closes one): the frames are set aside meanwhile (nothing below opens,
        // reads or changes one), then it is dropped.
        let frames = std::mem::take(&mut self.frames);
        if let Some(f) = frames.last() {
            self.close_frame(f, range, style);
        }
        self.frames = frames;
        self.frames.truncate(self.frames.len().saturating_sub(1));
    }

    // Inlined into the walker's record fields: nine calls a record, and the call itself (saving
    // and restoring registers) cost about as much as most of the arms.
    #[inline(always)]
    fn field(&mut self, f: Field<'_>) {
        let twice = match f {
            Field::SpanId(raw) => {
                let id = self.span_id(raw);
                self.top()
                    .is_some_and(|b| put(b, Seen::SpanId, |b| &mut b.span_id, id))
                    .then_some(Seen::SpanId)
            }
            Field::TraceId(raw) => {
                // 32 hex digits as written (no escape in them): the common case, no decoding.
                let (key, mlflow) = match ids::normalize_bytes(raw.raw) {
                    Some(Some(Id::Hex128(v))) => (Some(TraceKey::hex(v)), false),
                    _ => {
                        let text = raw.decode();
                        (self.trace_key(&text), ids::is_mlflow_trace_id(&text))
                    }
                };
                self.top()
                    .is_some_and(|b| {
                        b.trace_is_mlflow = mlflow;
                        put(b, Seen::TraceId, |b| &mut b.trace, key)
                    })
                    .then_some(Seen::TraceId)
            }
            Field::ParentId(raw) => {
                // An all-zero parent id (OTLP's other spelling of "none") is kept as 0, which no
                // valid id is: it links the span to a span of its trace whose own id is empty
                // or all zeros, if there is one, and is a root otherwise (see `model::build`).
                let id = raw.and_then(|r| {
                    self.span_id(r)
                        .or_else(|| (!r.raw.trim_ascii().is_empty()).then_some((0, false)))
                });
                self.top()
                    .is_some_and(|b| put(b, Seen::Parent, |b| &mut b.parent, id))
                    .then_some(Seen::Parent)
            }
            Field::Name(raw) => {
                let id = self.out.strings.intern_recent(raw);
                self.top()
                    .is_some_and(|b| put(b, Seen::Name, |b| &mut b.name, id))
                    .then_some(Seen::Name)
            }
            Field::Kind(k, rank) => {
                self.set_kind(k, rank);
                None
            }
            Field::Start(t) => self
                .top()
                .is_some_and(|b| put(b, Seen::Start, |b| &mut b.start, t))
                .then_some(Seen::Start),
            Field::End(t) => self
                .top()
                .is_some_and(|b| put(b, Seen::End, |b| &mut b.end, t))
                .then_some(Seen::End),
            Field::BadTime { end, raw } => {
                self.bad_time(end, raw);
                None
            }
            Field::Status(st) => self
                .top()
                .is_some_and(|b| put(b, Seen::Status, |b| &mut b.status, st))
                .then_some(Seen::Status),
            Field::StatusMessage(_) | Field::KindAsWritten(..) => None,
        };
        if let Some(which) = twice {
            self.given_twice(which);
        }
    }

    /// What [`Collector::field`] makes of an id of 16 or 32 hex digits, from their value
    /// (the walker read them): no second pass over the digits.
    #[inline(always)]
    fn hex_id(&mut self, f: Field<'_>, value: u128) {
        let twice = match f {
            // `span_id`: 16 digits are the id, all zeros none.
            Field::SpanId(raw) if raw.raw.len() == 16 => {
                let id = u64::try_from(value)
                    .ok()
                    .filter(|&v| v != 0)
                    .map(|v| (v, false));
                self.top()
                    .is_some_and(|b| put(b, Seen::SpanId, |b| &mut b.span_id, id))
                    .then_some(Seen::SpanId)
            }
            // A parent of 16 digits, all zeros too, is that number (see `field`).
            Field::ParentId(Some(raw)) if raw.raw.len() == 16 => {
                let id = u64::try_from(value).ok().map(|v| (v, false));
                self.top()
                    .is_some_and(|b| put(b, Seen::Parent, |b| &mut b.parent, id))
                    .then_some(Seen::Parent)
            }
            Field::TraceId(raw) if raw.raw.len() == 32 && value != 0 => {
                let key = Some(TraceKey::hex(value));
                self.top()
                    .is_some_and(|b| {
                        b.trace_is_mlflow = false;
                        put(b, Seen::TraceId, |b| &mut b.trace, key)
                    })
                    .then_some(Seen::TraceId)
            }
            f => return self.field(f),
        };
        if let Some(which) = twice {
            self.given_twice(which);
        }
    }

    type Tag = Attr;
    const WANT_BY_PATH: bool = true;
    const HEX_IDS: bool = true;
    // `attr` reads the tag, never the path.
    const VALUE_PATHS: bool = false;

    fn want(&mut self, path: &[u8]) -> Want<Attr> {
        match keys::classify(path) {
            Class::Skip if self.fingerprints => history::want(path),
            Class::Skip => Want::Skip,
            Class::Leaf(a) => Want::Value(a),
            Class::Tree => Want::Parse,
        }
    }

    // The arms a span meets on every record (its kind, its token counts, its model) are
    // read here; the others, and every unusual value, in functions of their own, which keeps
    // this one small (it is called a few times a span: its prologue saved registers the
    // rare arms needed).
    fn attr(&mut self, _path: &[u8], tag: Option<Attr>, v: Scalar<'_>) {
        let Some(attr) = tag else { return };
        match attr {
            Attr::Kind(rank) => {
                // Written exactly as the table spells it (`"TOOL"`): no decoding.
                if rank != 5
                    && let Scalar::Str(s) = v
                    && let Some(k) = Kind::from_upper(s.raw)
                {
                    self.set_kind(k, rank);
                } else {
                    self.kind_attr(rank, v);
                }
            }
            Attr::Tokens(which) => {
                let n = v
                    .as_i128()
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|&n| n != u64::MAX);
                let Some(n) = n else {
                    self.tokens_unread(v);
                    return;
                };
                let slot = which as usize;
                if let Some(b) = self.top() {
                    if b.tokens[slot] == u64::MAX {
                        b.tokens[slot] = n;
                    }
                    b.extra.get_or_insert_with(Extra::default);
                }
            }
            Attr::Model => {
                // The first model named wins: later ones are not even decoded.
                if self
                    .top()
                    .and_then(|b| b.extra)
                    .is_some_and(|e| e.model != 0)
                {
                    return;
                }
                let id = match v {
                    Scalar::Str(s) => self.out.strings.intern_trimmed(s),
                    _ => self.model_text(v),
                };
                let Some(id) = id else { return };
                if let Some(e) = self.extra()
                    && e.model == 0
                {
                    e.model = id;
                }
            }
            Attr::Cost => self.cost_attr(v),
            Attr::Session(key) => self.session_attr(key, v),
            Attr::User(rank) => self.user_attr(rank, v),
        }
    }

    fn trace_meta(&mut self, key: &[u8], v: Scalar<'_>) {
        let Scalar::Str(s) = v else { return };
        let text = s.decode();
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let mut doc = self.frames.last().and_then(|f| f.doc).unwrap_or_default();
        match key {
            b"trace_id" => {
                doc.trace = self.trace_key(text);
                doc.mlflow_id = ids::is_mlflow_trace_id(text);
            }
            b"mlflow.trace.session" | b"session_id" | b"session.id" => {
                if doc.session == 0 || key == b"mlflow.trace.session" {
                    doc.session = self.intern(text);
                }
            }
            b"mlflow.trace.user" => doc.user = self.intern(text),
            b"agents.group_id" => {
                doc.session = self.intern(text);
                doc.key = Some(SessionKey::AgentsGroup);
            }
            _ => return,
        }
        if let Some(f) = self.frames.last_mut() {
            f.doc = Some(doc);
        }
    }

    fn trace_info(&mut self, range: Range<usize>) {
        if let Some(f) = self.frames.last_mut() {
            let mut doc = f.doc.unwrap_or_default();
            doc.info = Some((range.start, range.end));
            f.doc = Some(doc);
        }
    }

    fn evaluation(&mut self, e: Evaluation) {
        self.out.evals.push(EvalRec {
            trace: NONE,
            span: None,
            eval: e,
        });
    }

    fn messages(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        self.messages.read(path, c)
    }

    fn known_line(&mut self) {
        self.trace_facts = true;
    }

    fn not_understood(&mut self, why: String) {
        self.caveat(why);
    }

    fn too_deep(&mut self, path: &[u8], depth: usize) {
        if path.is_empty() {
            self.deep_record = Some(self.deep_record.unwrap_or(0).max(depth));
            return;
        }
        self.unrepresentable(format!(
            "attribute {}: nested {depth} levels deep; read to depth {}, the rest checked but \
             not read",
            quote(path),
            format::MAX_ATTR_DEPTH
        ));
    }
}

#[cfg(test)]
mod tests;
