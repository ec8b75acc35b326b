//! The index: every input file scanned once, on all cores, into compact span records.
//!
//! `build` maps nothing itself (see [`crate::source`]); it splits JSON Lines files into pieces
//! at line boundaries, scans the pieces in parallel with the format walker and the index sink,
//! and merges the pieces in file order. Nothing but ids, times, names, session keys, token
//! counts and byte ranges is kept: a span's full JSON is parsed only when something asks.

pub mod append;
pub mod bits;
mod decoded;
pub mod extras;
pub mod intern;
pub mod lines;
pub mod own;
pub mod parents;
pub mod progress;
pub mod record;
pub mod report;
mod scan;
pub mod shape;
mod trace_ids;
mod walkers;

use crate::error::Error;
use crate::format::prints::Prints;
use crate::hash::Map;
use crate::source::Source;
use crate::source::watch::Change;
use extras::Extras;
use intern::Interner;
use lines::Mode;
use own::OwnSessions;
use parents::ParentIds;
use progress::Progress;
use record::{Extra, Overflow, OwnSession, SpanRec, flag};
use report::{Problem, Severity};
use scan::{ChunkOut, Collector};
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use trace_ids::TraceIds;
pub use trace_ids::TraceKeys;

pub use scan::{EvalRec, LineKinds, TraceKey, TraceMeta};

/// JSON Lines files are scanned in pieces of about this size…
const PIECE_BYTES: usize = 8 << 20;
/// …but the last this many bytes in smaller pieces, so that the workers finish together (one
/// that takes the last big piece would leave the others idle meanwhile).
const TAIL_BYTES: usize = 16 << 20;
const TAIL_PIECE_BYTES: usize = 1 << 20;
/// Workers publish progress and check for cancellation this often.
const PROGRESS_BYTES: usize = 1 << 20;

/// Room for every `format::Style` in a file's count of spans by style.
pub const STYLES: usize = 16;

/// What was read from one input file.
#[derive(Clone, Debug)]
pub struct FileInfo {
    pub path: String,
    pub bytes: u64,
    pub lines: u64,
    pub mode: Mode,
    /// Lines (or documents) that yielded spans.
    pub records: u64,
    pub spans: u64,
    /// Spans per `Style` (how the exporter spelled them).
    pub styles: [u64; STYLES],
    /// Its lines by what they held: `kinds.total() == lines`.
    pub kinds: LineKinds,
}

/// A file given that yields nothing, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileNote {
    pub path: String,
    pub reason: String,
}

/// The immutable result of a scan.
#[derive(Default)]
pub struct Index {
    pub sources: Vec<Source>,
    pub files: Vec<FileInfo>,
    pub spans: Vec<SpanRec>,
    /// The ends and lengths the records do not hold (read through [`Index::end`],
    /// [`Index::span_len`]).
    pub overflow: Overflow,
    /// The spans' parent ids (read through [`ParentIds::get`]; `Model::parent_id`).
    pub parents: ParentIds,
    /// (first span, file) of each run of spans from one file, ascending (the spans of a piece
    /// land together): what [`Index::file_of`] reads.
    file_runs: Vec<(u32, u16)>,
    /// Token counts, cost, model and user of the spans that have them (read through
    /// [`Index::extra`]).
    pub extras: Extras,
    /// (span, line) for some spans, ascending by span, including the first span of every
    /// piece of every file (see [`Index::line`]).
    pub line_marks: Vec<(u32, u32)>,
    pub strings: Interner,
    /// Trace ids, by trace index.
    pub traces: TraceKeys,
    /// How many spans each trace has, by trace index (counted as the pieces are merged, while
    /// their records are at hand), for the model's build, which drops them
    /// (`Model::take_index` counts them again).
    pub trace_spans: Vec<u32>,
    /// MLflow trace-level facts, for the traces that have them.
    pub trace_meta: Map<u32, TraceMeta>,
    pub evals: Vec<EvalRec>,
    pub problems: Vec<Problem>,
    /// Session ids found on spans themselves, by span index (read through
    /// [`Index::own_session`]).
    pub own_sessions: OwnSessions,
    /// Token counts too large for an [`Extra`] (span, prompt / completion / total with
    /// `u64::MAX` for "not given"), ascending by span; read through [`Index::tokens`].
    pub big_tokens: Vec<(u32, [u64; 3])>,
    /// Fingerprints of the LLM calls' message histories, by span index (for session inference).
    pub prints: Prints,
    /// Files given that could not be read (see `load`), with why.
    pub unread: Vec<crate::load::Unread>,
    /// Titles of sessions (interned session id → interned title): Claude Code's `summary`
    /// lines, found by `model::claude_code`.
    pub titles: Map<u32, u32>,
    /// The same API call in a transcript and in a proxy's export (set by `model::claude_code`):
    /// each span of a pair maps to the other.
    pub mirrors: Map<u32, u32>,
    /// Some file is a Claude Code transcript (set by `model::claude_code`).
    pub transcripts: bool,
    /// A Claude Code sub-agent's prompt span → the `Task` tool span whose result names its
    /// `agentId` (set by `model::claude_code`).
    pub agent_links: Map<u32, u32>,
    /// Trace ids to trace indices, kept once something has been appended (see [`append`]);
    /// the build drops it, and the first append makes it again from `traces`.
    trace_map: Option<TraceIds>,
}

impl Index {
    /// A trace of id `key`: the one the index has, else a new one (with no span counted yet).
    pub fn trace_of_key(&mut self, key: TraceKey) -> u32 {
        let map = self
            .trace_map
            .get_or_insert_with(|| TraceIds::of(&self.traces));
        let (t, new) = map.number(key, &mut self.traces);
        if new {
            self.trace_spans.push(0);
        }
        t
    }

    /// Where LLM call `i` was seen, when transcripts are read: `transcript`, `proxy` or `both`
    /// (`None` for other spans, or when no transcript is read).
    pub fn seen_in(&self, i: u32) -> Option<&'static str> {
        let s = self.spans.get(i as usize)?;
        if s.kind() != crate::kind::Kind::Llm {
            return None;
        }
        if !self.transcripts {
            return None;
        }
        let transcript = crate::format::Style::ClaudeCode as usize;
        let file_is = |f: u16| {
            self.files
                .get(usize::from(f))
                .is_some_and(|f| f.styles[transcript] > 0)
        };
        Some(if self.mirrors.contains_key(&i) {
            "both"
        } else if file_is(self.file_of(i)) {
            "transcript"
        } else {
            "proxy"
        })
    }

    /// [`Index::seen_in`] as a person reads it (`transcript + proxy`, `transcript`, `proxy`),
    /// when transcripts were read with a proxy's export of some of their calls.
    pub fn seen_words(&self, i: u32) -> Option<&'static str> {
        if self.mirrors.is_empty() {
            return None;
        }
        self.seen_in(i).map(|w| match w {
            "both" => "transcript + proxy",
            w => w,
        })
    }

    /// Whether span `i` is the later copy of a failure seen twice (its mirror, earlier in the
    /// index, failed too).
    pub fn mirrored_failure(&self, i: u32) -> bool {
        if self.mirrors.is_empty() {
            return false;
        }
        self.mirrors.get(&i).is_some_and(|&m| {
            m < i
                && self
                    .spans
                    .get(m as usize)
                    .is_some_and(|s| s.status() == crate::kind::Status::Error)
        })
    }

    /// Counts every trace's spans again (after spans moved between traces).
    pub fn recount_traces(&mut self) {
        self.trace_spans.clear();
        self.trace_spans.resize(self.traces.len(), 0);
        for s in &self.spans {
            if let Some(n) = self.trace_spans.get_mut(s.trace as usize) {
                *n += 1;
            }
        }
    }

    /// The session id found on span `i` itself, if any.
    pub fn own_session(&self, i: u32) -> Option<OwnSession> {
        self.own_sessions.get(i)
    }

    /// The JSON bytes of span `i`, exactly as in its file; nothing when the file is known to
    /// have lost them since (truncated, rewritten: see [`crate::source`]).
    pub fn span_bytes(&self, i: u32) -> &[u8] {
        let Some(s) = self.spans.get(i as usize) else {
            return &[];
        };
        self.bytes_at(self.loc(i), self.span_len(s))
    }

    /// The file span `i` is in.
    pub fn file_of(&self, i: u32) -> u16 {
        match self.file_runs.as_slice() {
            [] => 0,
            [(_, file)] => *file,
            runs => {
                let k = runs.partition_point(|&(first, _)| first <= i);
                runs[k.saturating_sub(1)].1
            }
        }
    }

    /// Where span `i` is: its file and byte offset as one number ([`record::loc`]), ordered
    /// as the files are, then as the bytes in each.
    pub fn loc(&self, i: u32) -> u64 {
        let offset = self.spans.get(i as usize).map_or(0, SpanRec::offset);
        record::loc(self.file_of(i), offset)
    }

    /// Every span's [`Index::loc`], by span index (a pass over the runs, no search).
    pub fn locs(&self) -> impl Iterator<Item = u64> + '_ {
        let mut runs = self.file_runs.iter().peekable();
        let mut file = 0u16;
        self.spans.iter().enumerate().map(move |(i, s)| {
            while let Some(&&(first, f)) = runs.peek() {
                if first as usize > i {
                    break;
                }
                file = f;
                runs.next();
            }
            record::loc(file, s.offset())
        })
    }

    /// Span `s`'s end: nanoseconds since the epoch, 0 when unknown (may be before its start).
    pub fn end(&self, s: &SpanRec) -> i64 {
        self.overflow.end(s)
    }

    /// The length of span `s`'s JSON in bytes.
    pub fn span_len(&self, s: &SpanRec) -> u32 {
        self.overflow.len(s)
    }

    /// Span `s`'s duration: 0 unless both times are known and the end is not before the start.
    pub fn duration_ns(&self, s: &SpanRec) -> i64 {
        let (start, end) = (s.start(), self.end(s));
        if start > 0 && end >= start {
            end - start
        } else {
            0
        }
    }

    /// Sets span `i`'s start and end.
    pub fn set_times(&mut self, i: u32, start: i64, end: i64) {
        if let Some(s) = self.spans.get_mut(i as usize) {
            self.overflow.set_times(s, start, end);
        }
    }

    /// Sets span `i`'s end, its start staying.
    pub fn set_end(&mut self, i: u32, end: i64) {
        if let Some(s) = self.spans.get_mut(i as usize) {
            self.overflow.set_end(s, end);
        }
    }

    /// Bytes at a location recorded by the scan ([`record::loc`]); nothing when the file lost
    /// them.
    pub fn bytes_at(&self, loc: u64, len: u32) -> &[u8] {
        let (file, offset) = record::loc_parts(loc);
        let Some(src) = self.sources.get(usize::from(file)) else {
            return &[];
        };
        if !src.intact() {
            return &[];
        }
        let b = src.bytes();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
        let end = start.saturating_add(len as usize).min(b.len());
        &b[start..end]
    }

    /// Looks at every file again (a `stat` each, see [`Source::change`]): the files that
    /// changed on disk since they were opened, by file index, with how.
    pub fn changes(&self) -> Vec<(u16, Change)> {
        self.sources
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let c = s.change();
                let i = u16::try_from(i).ok()?;
                (c != Change::Same || !s.intact()).then_some((i, c))
            })
            .collect()
    }

    /// Whether every file still holds the bytes that were read from it, looking at each file
    /// again: what a reader asks before it reads bytes not read yet, and after.
    pub fn fresh(&self) -> bool {
        self.sources.iter().all(|s| {
            s.change();
            s.intact()
        })
    }

    /// [`Index::fresh`] for one file.
    pub fn fresh_file(&self, file: u16) -> bool {
        self.sources.get(usize::from(file)).is_none_or(|s| {
            s.change();
            s.intact()
        })
    }

    /// Whether every file still holds the bytes read from it, as far as known (no new look).
    pub fn intact(&self) -> bool {
        self.sources.iter().all(Source::intact)
    }

    /// Fails naming the first file that lost bytes while they were read (truncated, rewritten),
    /// looking at each file again: what the headless commands ask before they print and after.
    pub fn verify(&self) -> Result<(), Error> {
        for s in &self.sources {
            let c = s.change();
            if !s.intact() {
                let what = match (c, s.last_change()) {
                    (Change::Rewritten, _) | (_, Change::Rewritten) => "rewritten",
                    _ => "truncated",
                };
                return Err(Error::Changed {
                    path: s.path().display().to_string(),
                    what,
                });
            }
        }
        Ok(())
    }

    /// Token counts, cost, model and user of span `i`, if it has any.
    pub fn extra(&self, i: u32) -> Option<Extra> {
        // The record says whether it has any (most spans are answered here).
        if !self.spans.get(i as usize)?.has(flag::EXTRA) {
            return None;
        }
        self.extras.get(i)
    }

    /// Span `i`'s (prompt, completion, total) tokens, the total derived when not given;
    /// `None` when it has no token count.
    pub fn tokens(&self, i: u32) -> Option<[u64; 3]> {
        let e = self.extra(i).filter(|e| e.has_tokens())?;
        Some(self.tokens_of(i, &e))
    }

    /// [`Index::tokens`] of span `i` whose numbers `e` are at hand (`self.extra(i)`, with
    /// tokens).
    pub fn tokens_of(&self, i: u32, e: &Extra) -> [u64; 3] {
        let big = e.has_big_tokens().then(|| {
            let at = self.big_tokens.partition_point(|&(s, _)| s < i);
            self.big_tokens
                .get(at)
                .filter(|(s, _)| *s == i)
                .map_or([u64::MAX; 3], |&(_, t)| t)
        });
        record::tokens_with_total(e.token_counts(big))
    }

    /// The 1-based line where span `i` starts: the line noted for the nearest span before it
    /// in the same piece, plus the newlines between the two. (Every line at once: [`Index::lines`].)
    pub fn line(&self, i: u32) -> u32 {
        let at = self.line_marks.partition_point(|&(s, _)| s <= i);
        let Some(&(marked, line)) = at.checked_sub(1).and_then(|k| self.line_marks.get(k)) else {
            return 0;
        };
        self.line_from(marked, line, i)
    }

    /// The line of every span, by span index: one pass over each piece's spans, counting the
    /// newlines from one span to the next (what `sesstui spans` prints for every span).
    pub fn lines(&self) -> Vec<u32> {
        let mut out = vec![0u32; self.spans.len()];
        for (k, &(marked, line)) in self.line_marks.iter().enumerate() {
            // A piece's first span is marked: the spans up to the next mark are in its piece.
            let end = self
                .line_marks
                .get(k + 1)
                .map_or(self.spans.len(), |&(s, _)| s as usize);
            let (mut from, mut at) = (marked, line);
            for i in marked as usize..end.min(out.len()) {
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                at = self.line_from(from, at, i);
                from = i;
                if let Some(slot) = out.get_mut(i as usize) {
                    *slot = at;
                }
            }
        }
        out
    }

    /// The line of span `i`, from span `from` (of the same piece) being on line `line`.
    fn line_from(&self, from: u32, line: u32, i: u32) -> u32 {
        let (Some(a), Some(b)) = (self.spans.get(from as usize), self.spans.get(i as usize)) else {
            return line;
        };
        let Some(src) = self.sources.get(usize::from(self.file_of(from))) else {
            return line;
        };
        if !src.intact() {
            // Counted over bytes that are no longer the file's, it would be a wrong number.
            return 0;
        }
        let bytes = src.bytes();
        let offset = |s: &SpanRec| {
            usize::try_from(s.offset())
                .unwrap_or(usize::MAX)
                .min(bytes.len())
        };
        let (x, y) = (offset(a), offset(b));
        let newlines = |r: Range<usize>| {
            u32::try_from(memchr::memchr_iter(b'\n', &bytes[r]).count()).unwrap_or(u32::MAX)
        };
        // Spans are in file order within a piece, except spans nested in others (closed,
        // and so recorded, before them).
        if y >= x {
            line.saturating_add(newlines(x..y))
        } else {
            line.saturating_sub(newlines(y..x))
        }
    }

    /// A span id as text: lowercase hex, or the id as written when it is in no known encoding.
    pub fn span_id_text(&self, id: u64, text: bool) -> String {
        if text {
            self.strings.get(u32::try_from(id).unwrap_or(0)).to_owned()
        } else {
            crate::ids::hex64(id)
        }
    }

    pub fn span_id_of(&self, s: &SpanRec) -> String {
        self.span_id_text(s.span_id, s.has(flag::SPAN_ID_TEXT))
    }

    /// Span `s`'s parent id `id` (as [`ParentIds::get`] gives it) as written; `None` for
    /// none, and for an all-zero one (OTLP's other spelling of none: the model links it only
    /// to a span whose own id is zero).
    pub fn parent_id_text(&self, s: &SpanRec, id: u64) -> Option<String> {
        (s.has(flag::HAS_PARENT) && !s.zero_parent(id))
            .then(|| self.span_id_text(id, s.has(flag::PARENT_TEXT)))
    }

    /// A trace id as text: `tr-<hex>` for MLflow traces, lowercase hex otherwise.
    pub fn trace_id_text(&self, trace: u32) -> String {
        let Some(key) = self.traces.get(trace) else {
            return String::new();
        };
        match key {
            TraceKey::Hex(hi, lo) => {
                let hex = crate::ids::hex128(u128::from(hi) << 64 | u128::from(lo));
                if self.meta(trace).mlflow_id {
                    format!("tr-{hex}")
                } else {
                    hex
                }
            }
            TraceKey::Text(s) => self.strings.get(s).to_owned(),
        }
    }

    /// A trace's MLflow facts (defaults when it has none).
    pub fn meta(&self, trace: u32) -> TraceMeta {
        self.trace_meta.get(&trace).copied().unwrap_or_default()
    }

    pub fn file_name(&self, file: u16) -> &str {
        self.files
            .get(usize::from(file))
            .map_or("?", |f| f.path.as_str())
    }
}

/// Cuts the last pieces of JSON Lines (about [`TAIL_BYTES`] of them) into smaller ones.
fn cut_tail(sources: &[Source], pieces: &mut Vec<Piece>) {
    let (mut k, mut tail) = (pieces.len(), 0);
    while k > 0 && pieces[k - 1].mode == Mode::Lines && tail < TAIL_BYTES {
        k -= 1;
        tail += pieces[k].range.len();
    }
    for p in pieces.drain(k..).collect::<Vec<_>>() {
        let b = sources[usize::from(p.file)].bytes();
        for (j, range) in lines::split(b, p.range.clone(), TAIL_PIECE_BYTES)
            .into_iter()
            .enumerate()
        {
            pieces.push(Piece {
                file: p.file,
                range,
                mode: p.mode,
                first: p.first && j == 0,
            });
        }
    }
}

struct Piece {
    file: u16,
    range: Range<usize>,
    mode: Mode,
    /// Starts at the beginning of its file (after any BOM).
    first: bool,
}

/// Scans `sources` into an index, reporting progress; fails only if cancelled.
pub fn build(sources: Vec<Source>, progress: &Progress) -> Result<Index, Error> {
    build_with(sources, progress, true)
}

/// [`build`]; `fingerprints` says whether to hash the LLM calls' message histories (what
/// session inference by history needs, about a sixth of the scan on long histories).
pub fn build_with(
    sources: Vec<Source>,
    progress: &Progress,
    fingerprints: bool,
) -> Result<Index, Error> {
    let total: usize = sources.iter().map(|s| s.bytes().len()).sum();
    progress.total_bytes.store(total as u64, Ordering::Relaxed);
    let mut pieces = Vec::new();
    let mut modes = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let file = u16::try_from(i).map_err(|_| Error::Unsupported {
            path: src.path().display().to_string(),
            reason: "more than 65535 files".into(),
        })?;
        let b = src.bytes();
        let mode = lines::detect(b);
        modes.push(mode);
        let start = lines::bom_len(b);
        let ranges = match mode {
            Mode::Lines => lines::split(b, start..b.len(), PIECE_BYTES),
            Mode::Document => std::iter::once(start..b.len()).collect(),
        };
        for (k, range) in ranges.into_iter().enumerate() {
            pieces.push(Piece {
                file,
                range,
                mode,
                first: k == 0,
            });
        }
    }
    cut_tail(&sources, &mut pieces);
    let merger = scan_pieces(&sources, &pieces, progress, fingerprints);
    if progress.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let mut index = merger.finish(sources, &modes, &pieces);
    index.note_decoding();
    Ok(index)
}

impl Index {
    /// Why file `i` yields nothing, or `None` when it holds spans (or evaluations of spans in
    /// other files).
    pub fn why_empty(&self, i: usize) -> Option<String> {
        let f = self.files.get(i)?;
        if f.spans > 0 || (f.records > 0 && self.evals.iter().any(|e| e.trace == u32::MAX)) {
            return None;
        }
        let malformed = self
            .problems
            .iter()
            .filter(|p| usize::from(p.file) == i && p.severity == Severity::Malformed)
            .count();
        let signals = f.kinds.signals;
        let decoding = self.sources.get(i).and_then(|s| s.notes().first());
        Some(match (f.bytes, malformed, signals) {
            (0, _, _) if let Some(note) = decoding => format!("nothing decoded: {}", note.reason),
            (0, _, _) => "the file is empty".to_owned(),
            (_, 0, 0) => "no line holds a span".to_owned(),
            (_, 0, n) => format!(
                "no spans: {} of other OpenTelemetry signals (logs, metrics), no trace",
                crate::fmt::count(usize::try_from(n).unwrap_or(usize::MAX), "line", "lines")
            ),
            (_, n, _) => format!(
                "no spans found ({})",
                crate::fmt::count(n, "malformed record", "malformed records")
            ),
        })
    }

    /// Files given that yield nothing, each with why: those that could not be read, then those
    /// read that hold no span.
    pub fn file_notes(&self) -> Vec<FileNote> {
        let unread = self.unread.iter().map(|u| FileNote {
            path: u.path.clone(),
            reason: format!("not read: {}", u.reason),
        });
        let empty = (0..self.files.len()).filter_map(|i| {
            self.why_empty(i).map(|reason| FileNote {
                path: self.files[i].path.clone(),
                reason,
            })
        });
        unread.chain(empty).collect()
    }

    /// Fails when no file holds a span (every line malformed, or not a trace export): there is
    /// nothing to show. Files that hold none beside others that do are reported, not fatal.
    pub fn require_spans(&self) -> Result<(), Error> {
        if (0..self.files.len()).any(|i| self.why_empty(i).is_none()) {
            return Ok(());
        }
        let Some(f) = self.files.first() else {
            return Err(Error::NoSpans {
                path: "(no file)".into(),
                reason: "nothing was read".into(),
            });
        };
        let mut reason = self.why_empty(0).unwrap_or_default();
        if self.files.len() > 1 {
            reason.push_str(&format!(
                "; nor in the {} other files",
                self.files.len() - 1
            ));
        }
        Err(Error::NoSpans {
            path: f.path.clone(),
            reason,
        })
    }
}

/// Scans the pieces on all cores; each finished piece is merged at once, so its records are
/// held twice only briefly.
fn scan_pieces(
    sources: &[Source],
    pieces: &[Piece],
    progress: &Progress,
    fingerprints: bool,
) -> Merger {
    let total: usize = pieces.iter().map(|p| p.range.len()).sum();
    let merger = Mutex::new(Merger::new(pieces.len(), total));
    walkers::share(pieces.len(), fingerprints, |i, col| {
        let Some(piece) = pieces.get(i) else {
            return false;
        };
        if progress.is_cancelled() {
            return false;
        }
        col.begin(sources[usize::from(piece.file)].bytes(), piece.file);
        match piece.mode {
            Mode::Lines => scan_lines(col, piece, progress),
            Mode::Document => scan_document(col, piece, progress),
        }
        if let Ok(mut m) = merger.lock() {
            m.land(i, piece.range.len(), &mut col.out);
        }
        true
    });
    merger
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Publishes progress every `PROGRESS_BYTES`.
struct Ticker<'p> {
    progress: &'p Progress,
    bytes: usize,
    spans: usize,
    bad: usize,
}

impl<'p> Ticker<'p> {
    fn new(progress: &'p Progress) -> Self {
        Ticker {
            progress,
            bytes: 0,
            spans: 0,
            bad: 0,
        }
    }

    fn tick(&mut self, bytes: usize, spans: usize, bad: usize) -> bool {
        self.bytes += bytes;
        self.spans += spans;
        self.bad += bad;
        if self.bytes >= PROGRESS_BYTES {
            self.flush();
            return !self.progress.is_cancelled();
        }
        true
    }
    fn flush(&mut self) {
        self.progress
            .add(self.bytes as u64, self.spans as u64, self.bad as u64);
        (self.bytes, self.spans, self.bad) = (0, 0, 0);
    }
}

fn note_bom(col: &mut Collector<'_>, src: &[u8], piece: &Piece) {
    if piece.first && lines::bom_len(src) > 0 {
        col.problem(
            1,
            Severity::Note,
            "UTF-8 byte-order mark at the start of the file (ignored)",
        );
    }
}

/// Room reserved for a piece's spans: one per this many bytes, so that a piece of dataframe
/// rows (about 1 KB each) never grows and copies its vectors while it is scanned. A guess, not
/// a limit; a smaller one reserves memory that is not used (peak memory per span is a target).
const BYTES_PER_SPAN_GUESS: usize = 900;

/// Scans a piece of JSON Lines into `col.out`.
fn scan_lines(col: &mut Collector<'_>, piece: &Piece, progress: &Progress) {
    let src = col.src();
    let guess = piece.range.len() / BYTES_PER_SPAN_GUESS;
    col.out.spans.reserve(guess);
    col.out.parent_ids.reserve(guess);
    col.out.styles.reserve(guess);
    note_bom(col, src, piece);
    let mut ticker = Ticker::new(progress);
    let mut line = 0u32;
    let (mut at, end) = (piece.range.start, piece.range.end);
    while at < end {
        line = line.saturating_add(1);
        let bad_before = col.out.problems.len();
        let records_before = col.out.records;
        // A record may run over several lines (a pretty-printed one among JSON Lines).
        let (r, spans, more) = col.line(at, end, line);
        let len = r.len() + 1;
        at = r.end + 1;
        // A record over several lines that was not indexed is reported over all its lines.
        if more > 0 && col.out.records == records_before {
            for p in &mut col.out.problems[bad_before..] {
                if p.line == line && p.lines == 1 && p.severity != Severity::Warning {
                    p.lines = more.saturating_add(1);
                }
            }
        }
        let added = &col.out.problems[bad_before..];
        col.out
            .kinds
            .add(u64::from(more) + 1, col.out.records - records_before, added);
        line = line.saturating_add(more);
        let bad = added
            .iter()
            .filter(|p| p.severity == Severity::Malformed)
            .count();
        if !ticker.tick(len, spans, bad) {
            break;
        }
    }
    ticker.flush();
    col.out.lines = line;
}

/// Scans a file of JSON documents into `col.out`.
fn scan_document(col: &mut Collector<'_>, piece: &Piece, progress: &Progress) {
    let src = col.src();
    note_bom(col, src, piece);
    let mut ticker = Ticker::new(progress);
    let end = piece.range.end;
    let mut c = crate::json::Cursor::new(&src[..end]);
    c.set_pos(piece.range.start);
    let (mut line, mut counted) = (1u32, piece.range.start);
    let mut line_of = |pos: usize| {
        let n = memchr::memchr_iter(b'\n', &src[counted..pos.max(counted)]).count();
        line = line.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        counted = counted.max(pos);
        line
    };
    // Lines accounted for so far (the lines of records and reports, the blank ones between).
    let mut done = 0u32;
    loop {
        let from = c.pos();
        if c.at_end() {
            break;
        }
        let start = c.pos();
        let start_line = line_of(start);
        let mut probe = c.clone();
        let bad_before = col.out.problems.len();
        let records_before = col.out.records;
        let (spans, bad, last_line) = match probe.skip_value() {
            Ok(()) => {
                c.set_pos(probe.pos());
                let spans = col.record(start..probe.pos(), start_line, probe.pos() == src.len());
                (spans, 0, line_of(probe.pos().saturating_sub(1).max(start)))
            }
            Err(e) => {
                let at = e.position().unwrap_or(end);
                let resync = next_document_start(src, at.max(start + 1), end);
                let last_line = line_of(resync.saturating_sub(1).max(start));
                let reason = format!("not valid JSON: {e}; lines {start_line}-{last_line} skipped");
                col.problem_over(
                    start_line,
                    last_line.saturating_sub(start_line) + 1,
                    Severity::Malformed,
                    reason,
                );
                c.set_pos(resync);
                (0, 1, last_line)
            }
        };
        // The blank lines before this value, then its own (less one it shares with the last).
        let first_new = start_line.max(done + 1);
        col.out.kinds.add(u64::from(first_new - (done + 1)), 0, &[]);
        if last_line >= first_new {
            let added = &col.out.problems[bad_before..];
            col.out.kinds.add(
                u64::from(last_line - first_new + 1),
                col.out.records - records_before,
                added,
            );
        }
        done = done.max(last_line);
        if !ticker.tick(c.pos() - from, spans, bad) {
            break;
        }
    }
    ticker.flush();
    let tail = usize::from(!src[piece.range.clone()].ends_with(b"\n") && !piece.range.is_empty());
    col.out.lines =
        u32::try_from(memchr::memchr_iter(b'\n', &src[piece.range.clone()]).count() + tail)
            .unwrap_or(u32::MAX);
    // Blank lines after the last value.
    col.out
        .kinds
        .add(u64::from(col.out.lines.saturating_sub(done)), 0, &[]);
}

/// The next line after `at` that starts with `{` or `[`: where a new document may begin.
fn next_document_start(src: &[u8], at: usize, end: usize) -> usize {
    let mut i = at.min(end);
    while let Some(k) = memchr::memchr(b'\n', &src[i..end]) {
        i += k + 1;
        if matches!(src.get(i), Some(b'{' | b'[')) {
            return i;
        }
    }
    end
}

/// Where a merged piece landed, to number its lines once all pieces are in.
#[derive(Clone, Default)]
struct Landed {
    spans: Range<usize>,
    line_marks: Range<usize>,
    problems: Range<usize>,
    lines: u32,
    records: u64,
    kinds: scan::LineKinds,
}

/// The index being assembled from pieces in piece order, whatever order they finish in: span,
/// trace and string numbers are then the same on every run (ties in every later sort are
/// broken the same way, so the output is too).
struct Merger {
    /// The next piece to land, and the pieces finished before it (at most a few: workers take
    /// pieces in order), with their sizes.
    due: usize,
    waiting: std::collections::BTreeMap<usize, (usize, ChunkOut)>,
    spans: Vec<SpanRec>,
    overflow: Overflow,
    parents: ParentIds,
    file_runs: Vec<(u32, u16)>,
    extras: Extras,
    line_marks: Vec<(u32, u32)>,
    strings: Interner,
    trace_map: TraceIds,
    traces: TraceKeys,
    trace_spans: Vec<u32>,
    trace_meta: Map<u32, TraceMeta>,
    evals: Vec<EvalRec>,
    problems: Vec<Problem>,
    own_sessions: OwnSessions,
    big_tokens: Vec<(u32, [u64; 3])>,
    prints: Prints,
    styles: Vec<[u64; STYLES]>,
    landed: Vec<Landed>,
    /// Bytes in all the pieces.
    bytes: usize,
}

impl Merger {
    fn new(pieces: usize, bytes: usize) -> Merger {
        Merger {
            due: 0,
            waiting: std::collections::BTreeMap::new(),
            bytes,
            spans: Vec::new(),
            overflow: Overflow::default(),
            parents: ParentIds::default(),
            file_runs: Vec::new(),
            extras: Extras::default(),
            line_marks: Vec::new(),
            strings: Interner::default(),
            trace_map: TraceIds::default(),
            traces: TraceKeys::default(),
            trace_spans: Vec::new(),
            trace_meta: Map::default(),
            evals: Vec::new(),
            problems: Vec::new(),
            own_sessions: OwnSessions::default(),
            big_tokens: Vec::new(),
            prints: Prints::default(),
            styles: Vec::new(),
            landed: vec![Landed::default(); pieces],
        }
    }

    /// Takes piece `i`'s output: adds it now if every piece before it is in (and then the
    /// pieces waiting after it), else keeps it until they are. Takes what it keeps out of
    /// `out`.
    fn land(&mut self, i: usize, piece_bytes: usize, out: &mut ChunkOut) {
        if i != self.due {
            let file = out.file;
            let mut kept = std::mem::take(out);
            kept.file = file;
            self.waiting.insert(i, (piece_bytes, kept));
            return;
        }
        self.absorb(i, piece_bytes, out);
        self.due += 1;
        while let Some((bytes, mut next)) = self.waiting.remove(&self.due) {
            self.absorb(self.due, bytes, &mut next);
            self.due += 1;
        }
    }

    /// Adds piece `i`'s output, renumbering its strings and traces and shifting its span
    /// indices (in the extras', line marks', own sessions' and fingerprints' tables). Takes what
    /// it keeps out of `out` (which the worker clears and refills).
    fn absorb(&mut self, i: usize, piece_bytes: usize, out: &mut ChunkOut) {
        if self.traces.is_empty() {
            // Room for as many traces per byte as the first piece has: the trace map then does
            // not grow (each growth rehashes every trace into fresh memory) unless later pieces
            // hold more.
            let guess = out.traces.len().saturating_mul(self.bytes) / piece_bytes.max(1);
            self.trace_map.reserve(guess, &self.traces);
            self.traces.reserve(guess);
        }
        let names = self.strings.absorb(&out.strings);
        let name = |id: u32| names.get(id as usize).copied().unwrap_or(0);
        let trace_ids: Vec<u32> = out
            .traces
            .iter()
            .map(|t| {
                let key = match t.key {
                    TraceKey::Text(s) => TraceKey::Text(name(s)),
                    k => k,
                };
                let (g, _) = self.trace_map.number(key, &mut self.traces);
                let has_meta =
                    t.mlflow_id || t.meta_session != 0 || t.meta_user != 0 || t.info.is_some();
                if has_meta {
                    let m = self.trace_meta.entry(g).or_default();
                    m.mlflow_id |= t.mlflow_id;
                    if t.meta_session != 0 {
                        m.session = name(t.meta_session);
                        m.session_key = t.meta_key;
                    }
                    if t.meta_user != 0 {
                        m.user = name(t.meta_user);
                    }
                    m.info = m.info.or(t.info);
                }
                g
            })
            .collect();
        let span_base = self.spans.len();
        let span_base32 = u32::try_from(span_base).unwrap_or(u32::MAX);
        if !out.spans.is_empty() && self.file_runs.last().is_none_or(|&(_, f)| f != out.file) {
            self.file_runs.push((span_base32, out.file));
        }
        self.trace_spans.resize(self.traces.len(), 0);
        let trace_spans = &mut self.trace_spans;
        let (ends, lens) = self.overflow.append(&mut out.overflow);
        let shift = ends > 0 || lens > 0;
        self.parents
            .column_mut()
            .extend(out.parent_ids.drain(..).zip(&out.spans).map(|(p, s)| {
                if s.has(flag::PARENT_TEXT) {
                    u64::from(name(u32::try_from(p).unwrap_or(0)))
                } else {
                    p
                }
            }));
        self.spans.extend(out.spans.drain(..).map(|mut s| {
            s.trace = trace_ids.get(s.trace as usize).copied().unwrap_or(0);
            if let Some(n) = trace_spans.get_mut(s.trace as usize) {
                *n += 1;
            }
            s.name = name(s.name);
            if s.has(flag::SPAN_ID_TEXT) {
                s.span_id = u64::from(name(u32::try_from(s.span_id).unwrap_or(0)));
            }
            if shift {
                s.shift_overflow(ends, lens);
            }
            s
        }));
        // Each piece lands after the spans already in: span indices (and so these tables)
        // stay ascending.
        let marks_base = self.line_marks.len();
        self.line_marks.extend(
            out.line_marks
                .iter()
                .map(|&(s, line)| (s.saturating_add(span_base32), line)),
        );
        self.extras
            .append(&out.extras, &out.extra_spans, span_base32, name);
        self.own_sessions
            .append(&out.own_sessions, span_base32, name);
        self.big_tokens.extend(
            out.big_tokens
                .drain(..)
                .map(|(s, t)| (s.saturating_add(span_base32), t)),
        );
        self.prints.append(&mut out.prints, span_base32);
        let file = usize::from(out.file);
        if self.styles.len() <= file {
            self.styles.resize(file + 1, [0; STYLES]);
        }
        for &st in &out.styles {
            self.styles[file][usize::from(st).min(STYLES - 1)] += 1;
        }
        self.evals.extend(out.evals.drain(..).map(|mut e| {
            e.trace = trace_ids.get(e.trace as usize).copied().unwrap_or(u32::MAX);
            e.span = e.span.map(|s| s.saturating_add(span_base32));
            e
        }));
        let problem_base = self.problems.len();
        self.problems.append(&mut out.problems);
        self.landed[i] = Landed {
            spans: span_base..self.spans.len(),
            line_marks: marks_base..self.line_marks.len(),
            problems: problem_base..self.problems.len(),
            lines: out.lines,
            records: out.records,
            kinds: out.kinds,
        };
    }

    /// Numbers lines file-wide and assembles the index.
    fn finish(mut self, sources: Vec<Source>, modes: &[Mode], pieces: &[Piece]) -> Index {
        let mut files: Vec<FileInfo> = sources
            .iter()
            .zip(modes)
            .map(|(s, &mode)| FileInfo {
                path: s.path().display().to_string(),
                bytes: s.bytes().len() as u64,
                lines: 0,
                mode,
                records: 0,
                spans: 0,
                styles: [0; STYLES],
                kinds: LineKinds::default(),
            })
            .collect();
        self.number(&mut files, pieces);
        Index {
            sources,
            files,
            spans: self.spans,
            overflow: self.overflow,
            parents: self.parents,
            file_runs: self.file_runs,
            extras: {
                let mut e = self.extras;
                e.seal();
                e
            },
            line_marks: self.line_marks,
            strings: self.strings,
            traces: self.traces,
            trace_spans: self.trace_spans,
            trace_meta: self.trace_meta,
            evals: self.evals,
            problems: self.problems,
            own_sessions: self.own_sessions,
            big_tokens: self.big_tokens,
            prints: self.prints,
            unread: Vec::new(),
            trace_map: None,
            titles: Map::default(),
            mirrors: Map::default(),
            transcripts: false,
            agent_links: Map::default(),
        }
    }

    /// Picks up an index's tables to absorb more pieces into them (see [`append`]); `pieces`
    /// is how many will come.
    fn resume(index: &mut Index, pieces: usize) -> Merger {
        use std::mem::take;
        let trace_map = index
            .trace_map
            .take()
            .unwrap_or_else(|| TraceIds::of(&index.traces));
        Merger {
            due: 0,
            waiting: std::collections::BTreeMap::new(),
            spans: take(&mut index.spans),
            overflow: take(&mut index.overflow),
            parents: take(&mut index.parents),
            file_runs: take(&mut index.file_runs),
            extras: take(&mut index.extras),
            line_marks: take(&mut index.line_marks),
            strings: take(&mut index.strings),
            trace_map,
            traces: take(&mut index.traces),
            trace_spans: take(&mut index.trace_spans),
            trace_meta: take(&mut index.trace_meta),
            evals: take(&mut index.evals),
            problems: take(&mut index.problems),
            own_sessions: take(&mut index.own_sessions),
            big_tokens: take(&mut index.big_tokens),
            prints: take(&mut index.prints),
            styles: index.files.iter().map(|f| f.styles).collect(),
            landed: vec![Landed::default(); pieces],
            bytes: 0,
        }
    }

    /// Puts the tables back into `index` once `pieces` are absorbed, numbering their lines
    /// after the lines their files already had.
    fn restore(mut self, index: &mut Index, pieces: &[Piece]) {
        self.number(&mut index.files, pieces);
        index.spans = self.spans;
        index.overflow = self.overflow;
        index.parents = self.parents;
        index.file_runs = self.file_runs;
        index.extras = self.extras;
        index.extras.seal();
        index.line_marks = self.line_marks;
        index.strings = self.strings;
        index.traces = self.traces;
        index.trace_spans = self.trace_spans;
        index.trace_meta = self.trace_meta;
        index.evals = self.evals;
        index.problems = self.problems;
        index.own_sessions = self.own_sessions;
        index.big_tokens = self.big_tokens;
        index.prints = self.prints;
        index.trace_map = Some(self.trace_map);
    }

    /// Adds the pieces' counts to their files and numbers the pieces' lines file-wide, each
    /// after the lines its file had (the files' counts as they are before this call).
    fn number(&mut self, files: &mut [FileInfo], pieces: &[Piece]) {
        for (f, st) in files.iter_mut().zip(&self.styles) {
            f.styles = *st;
        }
        for (piece, landed) in pieces.iter().zip(&self.landed) {
            let file = &mut files[usize::from(piece.file)];
            let base = u32::try_from(file.lines).unwrap_or(u32::MAX);
            file.lines += u64::from(landed.lines);
            file.records += landed.records;
            file.kinds.absorb(&landed.kinds);
            file.spans += landed.spans.len() as u64;
            if piece.mode != Mode::Lines || base == 0 {
                continue;
            }
            for (_, line) in &mut self.line_marks[landed.line_marks.clone()] {
                *line = line.saturating_add(base);
            }
            for p in &mut self.problems[landed.problems.clone()] {
                p.line = p.line.saturating_add(base);
            }
        }
        // Stable: lines of one file keep their order (and the new ones come after the old).
        self.problems.sort_by_key(|p| (p.file, p.line));
    }
}

#[cfg(test)]
mod tests;
