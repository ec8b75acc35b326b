//! The model: traces with their span trees, and sessions reconstructed from them.
//!
//! Built once from an [`Index`] (see [`build`]), then read by the headless commands and the
//! TUI. Spans stay the index's compact records; the model adds, per span, its parent and its
//! place in its trace's time order, and per trace its session. A span's full JSON is parsed
//! only on request ([`detail`]).

mod build;
pub mod claude_code;
pub mod conversation;
pub mod detail;
pub mod filter;
pub mod fulltext;
pub mod grow;
pub mod infer;
pub mod parents;
pub mod runs;
pub mod sort;
pub mod tree;
pub mod verdicts;
pub mod written;

use crate::format::Evaluation;
use crate::format::keys::SessionKey;
use crate::index::Index;
use crate::index::record::{SpanRec, flag};
use serde::Serialize;
use std::ops::Range;

pub use build::{build, build_with};

/// "No such span/trace/session".
pub const NONE: u32 = u32::MAX;

/// Where a trace's session came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionOrigin {
    /// No session.
    #[default]
    None,
    /// A session key on one of the trace's spans (or its MLflow trace metadata).
    Explicit,
    /// Inferred by sesstui; `InferredBy` says how.
    Inferred,
}

impl SessionOrigin {
    /// As printed: `explicit`, `inferred`, or `none`.
    pub fn label(self) -> &'static str {
        match self {
            SessionOrigin::None => "none",
            SessionOrigin::Explicit => "explicit",
            SessionOrigin::Inferred => "inferred",
        }
    }
}

/// How an inferred session was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InferredBy {
    History,
    Time,
}

impl InferredBy {
    pub fn label(self) -> &'static str {
        match self {
            InferredBy::History => "history",
            InferredBy::Time => "time",
        }
    }

    /// The mark of what it inferred: `~` from message history, `≈` by idle time.
    pub fn marker(self) -> &'static str {
        match self {
            InferredBy::History => "~",
            InferredBy::Time => "≈",
        }
    }

    /// How a trace came into its session, marked: "~ linked by history", "≈ by idle time".
    pub fn link_words(self) -> &'static str {
        match self {
            InferredBy::History => "~ linked by history",
            InferredBy::Time => "≈ by idle time",
        }
    }
}

/// One trace: a turn of a conversation, usually.
#[derive(Clone, Debug)]
pub struct Trace {
    /// This trace's spans in `Model::order`, in time order (exact duplicates left out).
    pub spans: Range<u32>,
    pub start: i64,
    pub end: i64,
    /// Index into `Model::sessions`, `NONE` when unsessioned.
    pub session: u32,
    /// The key the session id came from (for explicit sessions).
    pub key: Option<SessionKey>,
    pub user: u32,
    /// How many of its spans failed, [`BIG_ERRORS`] for that many or more (the count is then in
    /// the model's [`Rare`]). See [`Model::trace_errors`].
    errors: u16,
    /// Prompt and completion tokens; each LLM call counted once (saturating), in 32 bits each
    /// as nearly every trace's are, the total their sum: a trace with a larger count or
    /// another total has them in the model's [`Rare`] instead (its [`bits::BIG_TOKENS`] set).
    /// See [`Model::trace_tokens`].
    tokens: [u32; 2],
    /// Its cost: see [`Trace::cost`]. The bits of an `f32`, [`NO_COST`] for none (4 bytes,
    /// not an `Option`'s 8).
    cost: u32,
    /// The session's origin, how it was inferred, whether the trace is a side request or opens
    /// a turn, whether its tokens are in [`Rare`] and whether its root is (see [`bits`]), in
    /// one byte: with the tokens in 8 bytes, the errors in 2 and the root not here, a trace is
    /// 48 bytes. (The session its spans name, before inference, is not kept either: a model
    /// that grows finds it again, see [`grow`].)
    bits: u8,
}

/// [`Trace`]'s error count meaning "this many or more: see [`Rare`]".
const BIG_ERRORS: u16 = u16::MAX;

/// The bits of [`Trace`]'s `bits` byte.
mod bits {
    /// Two bits: the [`super::SessionOrigin`] (0 none, 1 explicit, 2 inferred).
    pub const ORIGIN: u8 = 0b11;
    /// Two bits: the [`super::InferredBy`] (0 none, 1 history, 2 time).
    pub const INFERRED_BY: u8 = 0b11 << 2;
    pub const INFERRED_BY_SHIFT: u8 = 2;
    /// A side request (title generation, quota probe): in its conversation, never its first
    /// input.
    pub const SIDE: u8 = 1 << 4;
    /// A person typed here: the trace opens a turn (see [`super::conversation`]).
    pub const STARTS_TURN: u8 = 1 << 5;
    /// Its token sums do not fit 32 bits, or the total is not the sum of the other two: they
    /// are in the model's [`super::Rare`].
    pub const BIG_TOKENS: u8 = 1 << 6;
    /// Its root is not its earliest span (or it has spans and no root): the root is in the
    /// model's [`super::Rare`].
    pub const ROOT_ELSEWHERE: u8 = 1 << 7;
}

/// [`Trace`]'s cost bits meaning "no cost": a signalling NaN with a payload, which no sum of
/// costs can give (costs are never NaN, and a sum that is NaN has the quiet NaN's bits).
const NO_COST: u32 = 0x7fa0_0001;

/// What a few traces have that does not fit their [`Trace`] (which is 16 bytes smaller for
/// it), by trace, ascending: token sums past 32 bits or a total that is not the sum of the
/// other two ([`bits::BIG_TOKENS`]), a root that is not the trace's earliest span
/// ([`bits::ROOT_ELSEWHERE`]). None on the bench files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rare(Vec<(u32, RareEntry)>);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RareEntry {
    tokens: [u64; 3],
    root: u32,
    errors: u32,
}

impl Rare {
    fn entry(&self, t: u32) -> Option<&RareEntry> {
        self.0
            .binary_search_by_key(&t, |&(k, _)| k)
            .ok()
            .map(|at| &self.0[at].1)
    }

    /// Trace `t`'s entry, added (after every trace here: the traces are built in order).
    fn entry_mut(&mut self, t: u32) -> &mut RareEntry {
        if self.0.last().is_none_or(|&(k, _)| k != t) {
            debug_assert!(self.0.last().is_none_or(|&(k, _)| k < t));
            self.0.push((t, RareEntry::default()));
        }
        let last = self.0.len() - 1;
        &mut self.0[last].1
    }

    /// Trace `t`'s tokens, `trace` being that trace.
    pub fn of(&self, t: u32, trace: &Trace) -> [u64; 3] {
        if trace.bits & bits::BIG_TOKENS == 0 {
            let [p, c] = trace.tokens.map(u64::from);
            return [p, c, p + c];
        }
        self.entry(t).map_or([0; 3], |e| e.tokens)
    }

    /// Sets `trace`'s tokens to `tokens`: in the trace, or here when one does not fit 32 bits
    /// or the total is not the sum (trace `t` must come after every other trace here).
    pub(crate) fn set(&mut self, t: u32, trace: &mut Trace, tokens: [u64; 3]) {
        if let [Ok(p), Ok(c), _] = tokens.map(u32::try_from)
            && tokens[2] == tokens[0] + tokens[1]
        {
            trace.tokens = [p, c];
            trace.bits &= !bits::BIG_TOKENS;
        } else {
            trace.tokens = [0; 2];
            trace.bits |= bits::BIG_TOKENS;
            self.entry_mut(t).tokens = tokens;
        }
    }

    /// Trace `t`'s error count, `trace` being that trace.
    pub fn errors_of(&self, t: u32, trace: &Trace) -> u32 {
        if trace.errors != BIG_ERRORS {
            return u32::from(trace.errors);
        }
        self.entry(t).map_or(0, |e| e.errors)
    }

    /// Sets `trace`'s error count: in the trace, or here when it is [`BIG_ERRORS`] or more
    /// (trace `t` must come after every other trace here).
    pub(crate) fn set_errors(&mut self, t: u32, trace: &mut Trace, errors: u32) {
        match u16::try_from(errors) {
            Ok(e) if e != BIG_ERRORS => trace.errors = e,
            _ => {
                trace.errors = BIG_ERRORS;
                self.entry_mut(t).errors = errors;
            }
        }
    }

    /// Trace `t`'s root, `trace` being that trace and `order` the model's order.
    pub fn root_of(&self, t: u32, trace: &Trace, order: &[u32]) -> u32 {
        if trace.bits & bits::ROOT_ELSEWHERE != 0 {
            return self.entry(t).map_or(NONE, |e| e.root);
        }
        if trace.spans.is_empty() {
            return NONE;
        }
        order
            .get(trace.spans.start as usize)
            .copied()
            .unwrap_or(NONE)
    }

    /// Sets `trace`'s root to `root`, its earliest span being `first` (`NONE` for none):
    /// here when they differ (trace `t` must come after every other trace here).
    pub(crate) fn set_root(&mut self, t: u32, trace: &mut Trace, root: u32, first: u32) {
        if root == first && first != NONE {
            trace.bits &= !bits::ROOT_ELSEWHERE;
        } else if root == NONE && first == NONE {
            // No spans, no root: read as `NONE` from the empty span range.
            trace.bits &= !bits::ROOT_ELSEWHERE;
        } else {
            trace.bits |= bits::ROOT_ELSEWHERE;
            self.entry_mut(t).root = root;
        }
    }

    /// Appends `other`'s, whose traces all come after these.
    pub(crate) fn append(&mut self, other: Rare) {
        if self.0.is_empty() {
            *self = other;
        } else {
            self.0.extend(other.0);
        }
    }

    /// Keeps only the traces `keep` says.
    pub(crate) fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        self.0.retain(|&(t, _)| keep(t));
    }

    /// Adds `other`'s (traces not here), keeping the order.
    pub(crate) fn merge(&mut self, other: Rare) {
        self.0.extend(other.0);
        self.0.sort_unstable_by_key(|&(t, _)| t);
    }
}

impl Trace {
    pub fn cost(&self) -> Option<f64> {
        self.cost_f32().map(f64::from)
    }
    pub fn cost_f32(&self) -> Option<f32> {
        (self.cost != NO_COST).then(|| f32::from_bits(self.cost))
    }
    /// Adds `c` to the cost (none yet counts as 0).
    pub fn add_cost(&mut self, c: f32) {
        self.cost = (self.cost_f32().unwrap_or(0.0) + c).to_bits();
    }
    /// Where its session came from.
    pub fn origin(&self) -> SessionOrigin {
        match self.bits & bits::ORIGIN {
            1 => SessionOrigin::Explicit,
            2 => SessionOrigin::Inferred,
            _ => SessionOrigin::None,
        }
    }
    pub fn set_origin(&mut self, origin: SessionOrigin) {
        let b = match origin {
            SessionOrigin::None => 0,
            SessionOrigin::Explicit => 1,
            SessionOrigin::Inferred => 2,
        };
        self.bits = (self.bits & !bits::ORIGIN) | b;
    }
    /// How its session was inferred (as inference left it: see [`Trace::inferred`]).
    pub fn inferred_by(&self) -> Option<InferredBy> {
        match (self.bits & bits::INFERRED_BY) >> bits::INFERRED_BY_SHIFT {
            1 => Some(InferredBy::History),
            2 => Some(InferredBy::Time),
            _ => None,
        }
    }
    pub fn set_inferred_by(&mut self, by: Option<InferredBy>) {
        let b = match by {
            None => 0,
            Some(InferredBy::History) => 1,
            Some(InferredBy::Time) => 2,
        };
        self.bits = (self.bits & !bits::INFERRED_BY) | b << bits::INFERRED_BY_SHIFT;
    }
    /// A side request (title generation, quota probe): in its conversation, never its first
    /// input.
    pub fn side(&self) -> bool {
        self.bits & bits::SIDE != 0
    }
    pub fn set_side(&mut self, side: bool) {
        self.set_bit(bits::SIDE, side);
    }
    /// A person typed here: the trace opens a turn (see [`conversation`]).
    pub fn starts_turn(&self) -> bool {
        self.bits & bits::STARTS_TURN != 0
    }
    pub fn set_starts_turn(&mut self, starts: bool) {
        self.set_bit(bits::STARTS_TURN, starts);
    }
    fn set_bit(&mut self, bit: u8, on: bool) {
        if on {
            self.bits |= bit;
        } else {
            self.bits &= !bit;
        }
    }
    pub fn span_count(&self) -> u32 {
        self.spans.end - self.spans.start
    }
    pub fn duration_ns(&self) -> i64 {
        (self.end - self.start).max(0)
    }
}

/// A conversation: traces that share a session id (or were inferred to belong together).
#[derive(Clone, Debug)]
pub struct Session {
    /// Interned id.
    pub id: u32,
    pub origin: SessionOrigin,
    pub inferred_by: Option<InferredBy>,
    pub key: Option<SessionKey>,
    /// Its traces in time order: a run of `Model::sessions_traces` ([`Model::traces_of`]).
    traces: Run,
    pub spans: u32,
    pub errors: u32,
    pub start: i64,
    pub end: i64,
    pub user: u32,
    /// Prompt and completion tokens, in 32 bits each as nearly every session's are, the total
    /// their sum: a session with a larger count or another total has them in the model's
    /// `sessions_big_tokens` instead (and `big_tokens` set). See [`Model::tokens_of`].
    tokens: [u32; 2],
    big_tokens: bool,
    /// Its cost: see [`Session::cost`]. The bits of the `f64` sum, [`NO_SESSION_COST`] for none
    /// (8 bytes, not an `Option`'s 16: with the tokens, a session is 88 bytes, not 112).
    cost: u64,
    /// Session-level evaluations, indices into `Model::evals`: a run of
    /// `Model::sessions_evals` ([`Model::evals_of`]).
    evals: Run,
    /// Traces of an explicit session that joined it by inference, not by carrying its id.
    pub inferred_traces: u32,
    /// What the person typed (turns), the LLM calls made, and the sub-agents that ran in
    /// other traces (see [`conversation`]).
    pub turns: u32,
    pub calls: u32,
    pub subagents: u32,
}

/// [`Session`]'s cost bits meaning "no cost": a signalling NaN with a payload, which no sum of
/// costs gives (arithmetic that makes a NaN makes a quiet one; costs are never NaN).
const NO_SESSION_COST: u64 = 0x7ff4_0000_0000_0001;

/// A session's part of one of the model's tables of all sessions' lists (their traces, their
/// evaluations): 8 bytes in the session, not a list of its own (24, and a block on the heap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Run {
    at: u32,
    len: u32,
}

impl Run {
    /// The run's part of `table` (empty past its end).
    fn of(self, table: &[u32]) -> &[u32] {
        let at = self.at as usize;
        table.get(at..at + self.len as usize).unwrap_or(&[])
    }
}

impl Session {
    /// The sum of its traces' costs, `None` when none has one.
    pub fn cost(&self) -> Option<f64> {
        (self.cost != NO_SESSION_COST).then(|| f64::from_bits(self.cost))
    }

    fn set_cost(&mut self, cost: Option<f64>) {
        self.cost = cost.map_or(NO_SESSION_COST, f64::to_bits);
    }

    /// Sets the tokens: here when they fit (see the field), else in `big` (by session id).
    fn set_tokens(&mut self, tokens: [u64; 3], big: &mut Vec<(u32, [u64; 3])>) {
        if let [Ok(p), Ok(c), _] = tokens.map(u32::try_from)
            && tokens[2] == tokens[0] + tokens[1]
        {
            self.tokens = [p, c];
            self.big_tokens = false;
        } else {
            self.tokens = [0; 2];
            self.big_tokens = true;
            big.push((self.id, tokens));
        }
    }

    /// How many traces it has.
    pub fn trace_count(&self) -> usize {
        self.traces.len as usize
    }

    /// How many session-level evaluations it has.
    pub fn eval_count(&self) -> usize {
        self.evals.len as usize
    }

    pub fn duration_ns(&self) -> i64 {
        (self.end - self.start).max(0)
    }

    /// How sure the session is, as one mark: `●` explicit id, `+` explicit with traces
    /// linked by history, `~` inferred from message history, `≈` inferred by idle time.
    pub fn marker(&self) -> &'static str {
        match (self.origin, self.inferred_by) {
            (SessionOrigin::Explicit, _) if self.inferred_traces > 0 => "+",
            (SessionOrigin::Explicit, _) => "●",
            (SessionOrigin::Inferred, by) => by.unwrap_or(InferredBy::History).marker(),
            (SessionOrigin::None, _) => " ",
        }
    }

    /// The origin in words: "explicit, session.id, 3 traces linked by history".
    pub fn origin_text(&self) -> String {
        match (self.origin, self.inferred_by) {
            (SessionOrigin::Explicit, _) => {
                let key = self.key.map_or("?", SessionKey::name);
                match self.inferred_traces {
                    0 => format!("explicit, {key}"),
                    n => format!(
                        "explicit, {key}, {n} trace{} linked by history",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            }
            (SessionOrigin::Inferred, Some(InferredBy::Time)) => "inferred by idle time".to_owned(),
            (SessionOrigin::Inferred, _) => "inferred from message history".to_owned(),
            (SessionOrigin::None, _) => "none".to_owned(),
        }
    }
}

impl Trace {
    /// How the trace's session was inferred, if it was.
    pub fn inferred(&self) -> Option<InferredBy> {
        (self.origin() == SessionOrigin::Inferred)
            .then(|| self.inferred_by().unwrap_or(InferredBy::History))
    }

    /// `~` or `≈` when the trace's session was inferred (see [`Session::marker`]).
    pub fn marker(&self) -> Option<&'static str> {
        self.inferred().map(InferredBy::marker)
    }
}

/// An evaluation attached to a trace (and maybe a span).
#[derive(Clone, Debug)]
pub struct Eval {
    pub trace: u32,
    pub span: u32,
    pub eval: Evaluation,
}

/// A trace whose spans named more than one session.
#[derive(Clone, Debug, Serialize)]
pub struct SessionConflict {
    #[serde(skip)]
    pub trace: u32,
    pub chosen: String,
    pub others: Vec<String>,
}

/// Structural problems found while building trees.
#[derive(Clone, Debug, Default)]
pub struct Issues {
    /// Spans whose parent is not in the files.
    pub orphans: Vec<u32>,
    /// Spans whose parent link closed a cycle (cut).
    pub cycles: Vec<u32>,
    /// Exact re-exports of a span, counted once: (kept, duplicate).
    pub duplicates: Vec<(u32, u32)>,
    /// Different spans sharing one id in a trace, both kept: (first, second).
    pub id_clashes: Vec<(u32, u32)>,
    pub session_conflicts: Vec<SessionConflict>,
}

impl Issues {
    /// Moves `other`'s issues to the end of these.
    pub fn append(&mut self, other: Issues) {
        let Issues {
            orphans,
            cycles,
            duplicates,
            id_clashes,
            session_conflicts,
        } = other;
        self.orphans.extend(orphans);
        self.cycles.extend(cycles);
        self.duplicates.extend(duplicates);
        self.id_clashes.extend(id_clashes);
        self.session_conflicts.extend(session_conflicts);
    }
}

/// Everything the views read.
pub struct Model {
    pub index: Index,
    /// Per span: its parent's index, `NONE` for roots and orphans ([`Model::parent`]), in 2
    /// bytes a span.
    pub parents: parents::Parents,
    /// Span indices grouped by trace, each group in time order.
    pub order: Vec<u32>,
    pub traces: Vec<Trace>,
    /// The token sums of the traces where one does not fit 32 bits.
    pub rare: Rare,
    /// Sessions, earliest first.
    pub sessions: Vec<Session>,
    /// Every session's traces, each session's a run of this table (see [`Model::traces_of`]).
    pub sessions_traces: Vec<u32>,
    /// Every session's session-level evaluations (indices into `evals`), each session's a run
    /// of this table (see [`Model::evals_of`]); most sessions have none.
    pub sessions_evals: Vec<u32>,
    /// The tokens of the sessions whose counts do not fit their [`Session`], by session id
    /// (interned), ascending; none on the bench files.
    pub sessions_big_tokens: Vec<(u32, [u64; 3])>,
    /// Traces without a session, earliest first.
    pub unsessioned: Vec<u32>,
    pub evals: Vec<Eval>,
    pub issues: Issues,
    /// What session inference did (and with which options).
    pub inference: infer::Report,
    /// Traces that ran as a sub-agent: the span that started them (a delegating tool span, or
    /// the LLM call that asked for Claude Code's `Task`), and how that was recognised.
    pub subagent_of: crate::hash::Map<u32, conversation::Started>,
}

impl Model {
    /// Span `i`'s parent span, `NONE` for roots and orphans (and past the last span).
    #[inline]
    pub fn parent(&self, i: u32) -> u32 {
        self.parents.get(i)
    }

    pub fn span(&self, i: u32) -> &SpanRec {
        &self.index.spans[i as usize]
    }

    /// Span `i`'s start and end (nanoseconds since the epoch, 0 when unknown).
    pub fn times(&self, i: u32) -> (i64, i64) {
        let s = self.span(i);
        (s.start(), self.index.end(s))
    }

    /// The file span `i` is in.
    pub fn file(&self, i: u32) -> u16 {
        self.index.file_of(i)
    }

    /// Span `i`'s parent id as written (0 for none: see `flag::HAS_PARENT`).
    pub fn parent_id(&self, i: u32) -> u64 {
        let parents = &self.parents;
        self.index
            .parents
            .get_with(i, &self.index.spans, |p| parents.get(p))
    }

    /// Span `i`'s parent id as text ([`Index::parent_id_text`]): `None` for none and for
    /// all zeros.
    pub fn parent_id_text(&self, i: u32) -> Option<String> {
        self.index.parent_id_text(self.span(i), self.parent_id(i))
    }

    /// The model's index, with every span's parent id back in its column (what a build
    /// starts from: see `index::parents`) and its traces' span counts (which the build drops),
    /// leaving an empty one in its place.
    pub fn take_index(&mut self) -> Index {
        let mut index = std::mem::take(&mut self.index);
        index.recount_traces();
        let parents = &self.parents;
        index
            .parents
            .unsettle_with(&index.spans, |p| parents.get(p));
        index
    }

    pub fn trace(&self, t: u32) -> &Trace {
        &self.traces[t as usize]
    }

    /// Trace `t`'s root: its earliest span without a parent (`NONE` for a trace without
    /// spans).
    pub fn trace_root(&self, t: u32) -> u32 {
        self.rare.root_of(t, self.trace(t), &self.order)
    }

    /// How many of trace `t`'s spans failed.
    pub fn trace_errors(&self, t: u32) -> u32 {
        self.rare.errors_of(t, self.trace(t))
    }

    /// Whether any of trace `t`'s spans failed.
    pub fn trace_failed(&self, t: u32) -> bool {
        self.trace(t).errors != 0
    }

    /// Trace `t`'s prompt, completion and total tokens.
    pub fn trace_tokens(&self, t: u32) -> [u64; 3] {
        self.rare.of(t, self.trace(t))
    }

    pub fn session(&self, s: u32) -> &Session {
        &self.sessions[s as usize]
    }

    /// Session `s`'s traces, in time order.
    pub fn session_traces(&self, s: u32) -> &[u32] {
        self.traces_of(self.session(s))
    }

    /// A session's traces, in time order.
    pub fn traces_of(&self, s: &Session) -> &[u32] {
        s.traces.of(&self.sessions_traces)
    }

    /// A session's prompt, completion and total tokens.
    pub fn tokens_of(&self, s: &Session) -> [u64; 3] {
        if !s.big_tokens {
            let [p, c] = s.tokens.map(u64::from);
            return [p, c, p + c];
        }
        let big = &self.sessions_big_tokens;
        big.binary_search_by_key(&s.id, |&(id, _)| id)
            .map_or([0; 3], |at| big[at].1)
    }

    /// A session's session-level evaluations: indices into `evals`.
    pub fn evals_of(&self, s: &Session) -> &[u32] {
        s.evals.of(&self.sessions_evals)
    }

    /// A trace's spans in time order.
    pub fn trace_spans(&self, t: u32) -> &[u32] {
        let r = &self.traces[t as usize].spans;
        &self.order[r.start as usize..r.end as usize]
    }

    pub fn str(&self, id: u32) -> &str {
        self.index.strings.get(id)
    }

    /// Session `s`'s title, when its export gives one (a Claude Code `summary` line).
    pub fn title(&self, s: u32) -> Option<&str> {
        let id = self.sessions.get(s as usize)?.id;
        self.index.titles.get(&id).map(|&t| self.str(t))
    }

    pub fn session_id(&self, s: u32) -> &str {
        self.str(self.sessions[s as usize].id)
    }

    pub fn name(&self, span: u32) -> &str {
        self.str(self.span(span).name)
    }

    /// Finds a session by its id, or by a unique prefix of it.
    pub fn find_session(&self, id: &str) -> Option<u32> {
        if let Some(sid) = self.index.strings.lookup(id)
            && let Some(i) = self.sessions.iter().position(|s| s.id == sid)
        {
            return u32::try_from(i).ok();
        }
        // An id as the screen shows it (and as `Y` copies it): control characters replaced by
        // visible stand-ins.
        let shown = |s: &Session| {
            let raw = self.str(s.id);
            if crate::sanitize::is_safe(raw, true) {
                std::borrow::Cow::Borrowed(raw)
            } else {
                std::borrow::Cow::Owned(crate::sanitize::one_line(raw))
            }
        };
        if let Some(i) = self.sessions.iter().position(|s| shown(s) == id) {
            return u32::try_from(i).ok();
        }
        let mut hits = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| self.str(s.id).starts_with(id) || shown(s).starts_with(id));
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => u32::try_from(i).ok(),
            _ => None,
        }
    }

    /// Builds the model again from the same index with other inference options (inference by
    /// history finds nothing in an index scanned without fingerprints: see `load::load`).
    pub fn rebuild(mut self, options: infer::Options) -> Model {
        build_with(self.take_index(), options)
    }

    /// Where a span's session comes from: on the span, via its trace, or inferred.
    pub fn span_origin(&self, span: u32) -> Option<&'static str> {
        let t = self.trace(self.span(span).trace);
        match t.origin() {
            SessionOrigin::None => None,
            SessionOrigin::Inferred => Some("inferred"),
            SessionOrigin::Explicit => {
                let id = self.sessions[t.session as usize].id;
                let own = self
                    .index
                    .own_session(span)
                    .is_some_and(|o| o.session == id);
                Some(if own { "span" } else { "trace" })
            }
        }
    }

    /// Evaluations of a trace (`evals` is sorted by trace).
    pub fn trace_evals(&self, t: u32) -> &[Eval] {
        let start = self.evals.partition_point(|e| e.trace < t);
        let end = self.evals.partition_point(|e| e.trace <= t);
        &self.evals[start..end]
    }

    /// Index in `evals` of the first evaluation of trace `t`.
    pub fn first_eval(&self, t: u32) -> u32 {
        u32::try_from(self.evals.partition_point(|e| e.trace < t)).unwrap_or(NONE)
    }

    pub fn is_error(&self, span: u32) -> bool {
        self.span(span).status() == crate::kind::Status::Error
    }

    pub fn is_orphan(&self, span: u32) -> bool {
        self.span(span).has(flag::ORPHAN)
    }
}

#[cfg(test)]
mod tests {
    use super::{InferredBy, NONE, Rare, SessionOrigin, Trace};
    use crate::format::keys::SessionKey;

    #[test]
    fn trace_stays_small() {
        assert_eq!(std::mem::size_of::<Trace>(), 48);
    }

    #[test]
    fn session_stays_small() {
        assert_eq!(std::mem::size_of::<super::Session>(), 88);
    }

    /// A session's cost reads back bit for bit as the `Option<f64>` it was set from.
    #[test]
    fn session_costs_read_back_exactly() {
        let mut s = crate::model::build::new_session(7, SessionOrigin::Explicit, None);
        assert_eq!(s.cost(), None);
        let sums = [
            0.0,
            -0.0,
            0.1 + 0.2,
            f64::from(f32::MAX) + f64::from(f32::MAX),
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -1e-310,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY + f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        for c in sums {
            s.set_cost(Some(c));
            assert_eq!(s.cost().map(f64::to_bits), Some(c.to_bits()), "{c:e}");
            s.set_cost(None);
            assert_eq!(s.cost(), None);
        }
        // What the build sums: the traces' costs (f32), none when no trace has one.
        let traces: [Option<f32>; 5] = [None, Some(f32::MAX), Some(f32::MAX), None, Some(-0.5)];
        let sum = traces
            .iter()
            .filter_map(|c| c.map(f64::from))
            .reduce(|a, b| a + b);
        s.set_cost(sum);
        assert_eq!(s.cost(), sum);
        assert_ne!(super::NO_SESSION_COST, f64::NAN.to_bits());
        assert_ne!(super::NO_SESSION_COST, (-f64::NAN).to_bits());
    }

    /// A session's tokens read back as set, in the session or in the model's table.
    #[test]
    fn session_tokens_read_back_exactly() {
        let mut model = crate::model::build(crate::index::Index::default());
        let big = u64::from(u32::MAX);
        let cases: [[u64; 3]; 6] = [
            [0, 0, 0],
            [12, 30, 42],
            [big, big, 2 * big],
            [big + 1, 0, big + 1],
            [1, 2, 4],
            [u64::MAX, 0, u64::MAX],
        ];
        let mut table = Vec::new();
        let mut sessions = Vec::new();
        for (id, tokens) in (0u32..).zip(cases) {
            let mut s = crate::model::build::new_session(id, SessionOrigin::Explicit, None);
            s.set_tokens(tokens, &mut table);
            sessions.push(s);
        }
        assert_eq!(table.len(), 3, "the three that do not fit");
        model.sessions = sessions;
        model.sessions_big_tokens = table;
        for (s, want) in model.sessions.iter().zip(cases) {
            assert_eq!(model.tokens_of(s), want);
        }
    }

    #[test]
    fn trace_costs_add_as_options_of_f32_do() {
        let mut t = crate::model::build::empty_trace();
        assert_eq!(t.cost_f32(), None);
        let mut reference: Option<f32> = None;
        for c in [
            -0.0,
            0.25,
            f32::MAX,
            f32::MAX,
            f32::NEG_INFINITY,
            1e-45,
            -3.5,
        ] {
            *reference.get_or_insert(0.0) += c;
            t.add_cost(c);
            assert_eq!(
                t.cost_f32().map(f32::to_bits),
                reference.map(f32::to_bits),
                "{c}"
            );
        }
        assert!(t.cost_f32().is_some_and(f32::is_nan));
    }

    #[test]
    fn trace_tokens_keep_every_count() {
        let max32 = u64::from(u32::MAX);
        let counts = [
            [0, 0, 0],
            [1, 2, 3],
            [max32, max32, max32],
            [max32 + 1, 0, 7],
            [4_294_967_296, 4_294_967_295, u64::MAX],
            [5, max32, 6],
            [0, 0, max32 + 2],
            // The total past 32 bits, the sum of two that fit: kept in the trace.
            [max32, max32, 2 * max32],
            [max32, 1, max32 + 1],
            // A total that is not the sum (a call's own total kept as written).
            [1, 2, 4],
            [3, 4, 0],
        ];
        let mut big = Rare::default();
        let mut traces = Vec::new();
        for (t, &c) in (0u32..).zip(&counts) {
            let mut trace = crate::model::build::empty_trace();
            // Whatever else the trace holds stays as it was.
            trace.set_origin(SessionOrigin::Inferred);
            trace.set_side(true);
            big.set(t, &mut trace, c);
            assert_eq!(
                (trace.origin(), trace.side()),
                (SessionOrigin::Inferred, true)
            );
            traces.push(trace);
        }
        for (t, (trace, &c)) in (0u32..).zip(traces.iter().zip(&counts)) {
            assert_eq!(big.of(t, trace), c, "{c:?}");
        }
        // Only the large ones, and those with a total not the sum, are in the table.
        assert_eq!(big.0.len(), 7);
        // Smaller counts set again leave the table's entry unread.
        let mut trace = traces[3].clone();
        Rare::default().set(3, &mut trace, [1, 2, 3]);
        assert_eq!(big.of(3, &trace), [1, 2, 3]);
    }

    /// A trace's root reads back as set: its earliest span (from the order, nothing kept
    /// aside), another span, none; so do error counts, up to `u32::MAX`; beside tokens kept
    /// aside for the same trace.
    #[test]
    fn trace_roots_read_back_as_set() {
        let order = [7, 3, 9, 4, 12];
        let mut rare = Rare::default();
        let mut traces = Vec::new();
        // (spans in the order, root, tokens, errors)
        let big = u32::from(u16::MAX);
        let cases = [
            (0..2, 7, [1, 2, 3], 0),
            (2..3, 9, [1 << 40, 0, 1 << 40], big - 1),
            (3..5, 12, [1, 1, 2], 1),
            (3..5, NONE, [1, 1, 5], big),
            (3..5, NONE, [0, 0, 0], u32::MAX),
            (5..5, NONE, [0, 0, 0], 0),
            (5..5, 4, [0, 0, 0], big + 1),
            (0..1, 7, [0, 0, 0], big),
        ];
        for (t, (spans, root, tokens, errors)) in (0u32..).zip(cases.clone()) {
            let mut trace = crate::model::build::empty_trace();
            trace.spans = spans.clone();
            let first = order.get(spans.start as usize..spans.end as usize);
            let first = first.and_then(|f| f.first()).copied().unwrap_or(NONE);
            rare.set_root(t, &mut trace, root, first);
            rare.set(t, &mut trace, tokens);
            rare.set_errors(t, &mut trace, errors);
            traces.push(trace);
        }
        for (t, ((_, root, tokens, errors), trace)) in (0u32..).zip(cases.iter().zip(&traces)) {
            assert_eq!(rare.root_of(t, trace, &order), *root, "trace {t}");
            assert_eq!(rare.of(t, trace), *tokens, "trace {t}");
            assert_eq!(rare.errors_of(t, trace), *errors, "trace {t}");
        }
        // One entry a trace, and only for what the trace could not hold.
        assert_eq!(
            rare.0.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            [1, 2, 3, 4, 6, 7]
        );
    }

    #[test]
    fn trace_bits_keep_every_combination() {
        let origins = [
            SessionOrigin::None,
            SessionOrigin::Explicit,
            SessionOrigin::Inferred,
        ];
        let bys = [None, Some(InferredBy::History), Some(InferredBy::Time)];
        let keys = std::iter::once(None).chain(SessionKey::ALL.map(Some));
        let mut t = crate::model::build::empty_trace();
        t.spans = 0..1;
        let order = [8];
        for key in keys {
            for origin in origins {
                for by in bys {
                    for side in [false, true] {
                        for starts in [false, true] {
                            for big in [false, true] {
                                t.key = key;
                                t.set_origin(origin);
                                t.set_inferred_by(by);
                                t.set_side(side);
                                t.set_starts_turn(starts);
                                let tokens = if big { [1 << 40, 0, 0] } else { [1, 2, 3] };
                                // The root aside exactly when the tokens are not.
                                let root = if big { 8 } else { 5 };
                                let mut table = Rare::default();
                                table.set_root(0, &mut t, root, 8);
                                table.set(0, &mut t, tokens);
                                assert_eq!(
                                    (
                                        t.key,
                                        t.origin(),
                                        t.inferred_by(),
                                        t.side(),
                                        t.starts_turn(),
                                        table.of(0, &t),
                                        table.root_of(0, &t, &order),
                                    ),
                                    (key, origin, by, side, starts, tokens, root)
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
