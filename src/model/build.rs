//! Building the model: traces from the index's records, span trees from parent ids, sessions
//! from the keys found on any span of a trace.

use super::conversation::roles::{PerTrace, Tally};
use super::parents::Parents;
use super::{
    Eval, Issues, Model, NONE, Rare, Run, Session, SessionConflict, SessionOrigin, Trace, infer,
};
use crate::format::agents_sdk;
use crate::format::keys::SessionKey;
use crate::hash::Map;
use crate::index::Index;
use crate::index::record::{OwnSession, SpanRec, flag};
use crate::kind::Kind;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

/// Builds traces, trees and sessions with the default inference. Never fails: problems
/// become `Issues`.
pub fn build(index: Index) -> Model {
    build_with(index, infer::Options::default())
}

/// [`build`], inferring sessions as `options` say.
pub fn build_with(mut index: Index, options: infer::Options) -> Model {
    // Every span's parent id is in the index's column (an index out of a model comes back
    // through `Model::take_index`).
    debug_assert_eq!(index.parents.from(), 0, "an index without its parent ids");
    super::claude_code::shape(&mut index);
    // The trees drop the parent-id column once the spans are linked (see `trees_on`).
    let (parent, order, traces, rare, issues, per_trace) = trees(&mut index);
    // The spans' count per trace was for the trees' grouping only (4 bytes a trace, not held
    // through session inference): `Model::take_index` counts them again.
    index.trace_spans = Vec::new();
    let mut model = Model {
        index,
        parents: parent,
        order,
        traces,
        rare,
        sessions: Vec::new(),
        sessions_traces: Vec::new(),
        sessions_evals: Vec::new(),
        sessions_big_tokens: Vec::new(),
        unsessioned: Vec::new(),
        evals: Vec::new(),
        issues: Issues::default(),
        inference: infer::Report::default(),
        subagent_of: Map::default(),
    };
    flag_spans(&mut model, &issues);
    model.issues = issues;
    conversations(&mut model, options, Some(per_trace));
    model
}

/// Sessions from traces that have only their explicit session so far: inference, grouping,
/// evaluations, turns. `per_trace`: what the turns need of every trace, when the build
/// tallied it (a model that grows has it tallied again).
pub(super) fn conversations(
    model: &mut Model,
    options: infer::Options,
    per_trace: Option<PerTrace>,
) {
    let (inference, found) = infer::run(model, options);
    model.inference = inference;
    super::conversation::roles::first_turns(model, found.first_calls);
    group_sessions(model, found.by_start);
    attach_evals(model);
    super::conversation::roles::mark(model, per_trace);
    let traces = &model.traces;
    model
        .issues
        .session_conflicts
        .sort_by_key(|c| traces.get(c.trace as usize).map_or(0, |t| t.start));
}

/// Below this many spans the traces are built on one thread.
const PARALLEL_SPANS: usize = 1 << 16;

/// Whether the cycle search runs on every trace, even those whose links all go back in time
/// (the tests' reference reading; never in a build).
#[cfg(not(test))]
fn always_search_cycles() -> bool {
    false
}

#[cfg(test)]
thread_local! {
    static ALWAYS_SEARCH_CYCLES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn always_search_cycles() -> bool {
    ALWAYS_SEARCH_CYCLES.with(std::cell::Cell::get)
}

/// A trace of at most this many spans finds a parent among its ids by a scan, not a search.
const SCAN_IDS: usize = 8;

/// Parents, the spans in trace order, the traces, and what the turns need of them, built on all
/// cores: each worker takes a run of whole traces (every span it reads or writes belongs to
/// them). The index's parent-id column is settled on the way (see `index::parents`).
fn trees(index: &mut Index) -> Trees {
    let workers = if index.spans.len() < PARALLEL_SPANS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    };
    trees_on(index, workers)
}

/// What [`trees`] builds: parents, order, traces (and their big token sums), issues, and the
/// per-trace tallies.
type Trees = (Parents, Vec<u32>, Vec<Trace>, Rare, Issues, PerTrace);

/// [`trees`] on `workers` threads (the result does not depend on how many).
///
/// In two passes over the traces, so that the parent-id column (8 bytes a span) and the
/// traces' table (48 bytes a trace, nearly as much) are never held together: the first links
/// every span to its parent, which needs the ids; the column then goes (but for the ids the
/// links do not give back), and the second makes the traces, which needs the links.
fn trees_on(index: &mut Index, workers: usize) -> Trees {
    let n = index.spans.len();
    let nt = index.traces.len();
    // The counting sort, and meanwhile (on another thread, when there are several) the parent
    // table the workers fill: each is a pass over memory touched for the first time.
    let parent_table = || -> Vec<AtomicU32> { (0..n).map(|_| AtomicU32::new(NONE)).collect() };
    let ((trace_start, mut by_trace), parent) = if workers > 1 {
        group_by_trace_beside(index, parent_table)
    } else {
        (group_by_trace(index), parent_table())
    };
    let workers = workers.max(1);
    // Runs of traces with about as many spans each, one a worker. (Eight a worker, taken as
    // each worker comes free, would even out a busy machine's threads, but each run's tables
    // then fall under the allocator's mapping threshold, into heaps that stay resident:
    // sparse's peak was 79.7 bytes a span in one of eight runs, against at most 78.9.)
    let mut cuts = vec![0usize];
    for w in 1..workers {
        let target = u32::try_from(n * w / workers).unwrap_or(NONE);
        let t = trace_start.partition_point(|&s| s < target).min(nt);
        if t > *cuts.last().unwrap_or(&0) {
            cuts.push(t);
        }
    }
    cuts.push(nt);
    // The first pass: every worker links the spans of its own run of the traces, in place.
    let mut linked: Vec<Part<'_>> = {
        let shared = Shared {
            index,
            trace_start: &trace_start,
            parent: &parent,
            parent_base: 0,
            ids: Ids::Column(index.parents.column(), index.parents.from()),
            traces: None,
        };
        let mut slices = Vec::with_capacity(cuts.len());
        let mut rest: &mut [u32] = &mut by_trace;
        for w in cuts.windows(2) {
            let len = (trace_start[w[1]] - trace_start[w[0]]) as usize;
            let (mine, tail) = rest.split_at_mut(len.min(rest.len()));
            slices.push((w[0]..w[1], mine));
            rest = tail;
        }
        let shared = &shared;
        on_threads(slices, workers, |(run, mine)| Part::link(shared, run, mine))
    };
    // Linked, the spans need their parent ids no more, but for the few the links do not give
    // back, which the workers found: the column goes before the traces' table is made. (Every
    // span is in a trace, so every span was looked at; else they are looked for again.)
    let keep: Vec<(u32, u64)> = linked
        .iter_mut()
        .flat_map(|part| std::mem::take(&mut part.keep))
        .collect();
    if trace_start.get(nt).is_some_and(|&end| end as usize == n) {
        index.parents.settle_found(keep, &index.spans);
    } else {
        let link = |i: u32| parent.get(i as usize).map_or(NONE, |p| p.load(Relaxed));
        index.parents.settle_with(&index.spans, link);
    }
    let index = &*index;
    // The second pass: every worker makes its run of the traces, in place.
    let mut traces = vec![empty_trace(); nt];
    let shared = Shared {
        index,
        trace_start: &trace_start,
        parent: &parent,
        parent_base: 0,
        ids: Ids::Listed(&[]),
        traces: None,
    };
    let mut slices = Vec::with_capacity(linked.len());
    let mut rest: &mut [Trace] = &mut traces;
    for part in linked {
        let (mine, tail) = rest.split_at_mut(part.run.len().min(rest.len()));
        slices.push((part, mine));
        rest = tail;
    }
    let shared = &shared;
    let parts: Vec<Built> = on_threads(slices, workers, |(part, mine)| {
        part.summarize_run(shared, mine)
    });
    // The workers' shared tables are done with: gone before the whole's are made.
    drop(trace_start);
    // Each part compacted its spans to the front of its own run (re-exports left out): close
    // the gaps, and turn each part's trace ranges into positions in the whole order. The
    // per-trace tallies continue the first part's (not a copy of every part's beside them).
    let mut issues = Issues::default();
    let mut rare = Rare::default();
    let mut per_trace = PerTrace::default();
    let mut written = 0usize;
    for (part, run) in parts.into_iter().zip(cuts.windows(2)) {
        per_trace.append(part.per);
        by_trace.copy_within(part.base..part.base + part.written, written);
        let shift = u32::try_from(written).unwrap_or(NONE);
        for t in &mut traces[run[0]..run[1]] {
            t.spans = t.spans.start + shift..t.spans.end + shift;
        }
        written += part.written;
        issues.append(part.issues);
        rare.append(part.rare);
    }
    by_trace.truncate(written);
    by_trace.shrink_to_fit();
    let parent = {
        let link = |i: u32| parent.get(i as usize).map_or(NONE, |p| p.load(Relaxed));
        Parents::from_links_on(parent.len(), &link, workers)
    };
    (parent, by_trace, traces, rare, issues, per_trace)
}

/// The trees of some traces, built again (see `grow`).
pub(super) struct Rebuilt {
    /// The parents of the spans from `parent_base` on (of these traces' spans only).
    pub parent_base: u32,
    pub parent: Vec<u32>,
    /// The traces' spans in the model's order, one trace after the other (re-exports left
    /// out); each trace's `spans` are positions in it.
    pub order: Vec<u32>,
    pub traces: Vec<Trace>,
    /// The big token sums of these traces, by trace (not position).
    pub rare: Rare,
    pub issues: Issues,
}

/// Builds the traces `traces` (ascending) alone, exactly as [`trees`] builds them among all:
/// `members` holds their spans, those of the `k`-th from `starts[k]` to `starts[k + 1]`
/// (re-exports included, in any order); `ids` their parent ids, (span, id) ascending by span.
pub(super) fn trees_of(
    index: &Index,
    traces: &[u32],
    mut members: Vec<u32>,
    starts: &[u32],
    ids: &[(u32, u64)],
) -> Rebuilt {
    let range = by_trace_span_range(&members);
    let parent: Vec<AtomicU32> = (range.start..range.end)
        .map(|_| AtomicU32::new(NONE))
        .collect();
    let mut built = vec![empty_trace(); traces.len()];
    let shared = Shared {
        index,
        trace_start: starts,
        parent: &parent,
        parent_base: range.start,
        ids: Ids::Listed(ids),
        traces: Some(traces),
    };
    let count = traces.len();
    let part = Part::link(&shared, 0..count, &mut members).summarize_run(&shared, &mut built);
    members.truncate(part.written);
    Rebuilt {
        parent_base: range.start,
        parent: parent.into_iter().map(AtomicU32::into_inner).collect(),
        order: members,
        traces: built,
        rare: part.rare,
        issues: part.issues,
    }
}

/// The spans of each trace, together (a counting sort of the records, counted by the index as
/// it merged them): where each trace's spans start, and the span indices.
fn group_by_trace(index: &Index) -> (Vec<u32>, Vec<u32>) {
    let trace_start = trace_starts(index);
    let mut next = trace_start.clone();
    let mut by_trace = vec![0u32; index.spans.len()];
    for (i, s) in index.spans.iter().enumerate() {
        if let Some(slot) = next.get_mut(s.trace as usize) {
            by_trace[*slot as usize] = u32::try_from(i).unwrap_or(NONE);
            *slot += 1;
        }
    }
    (trace_start, by_trace)
}

/// Where each trace's spans start in [`group_by_trace`]'s order (and where the last ends).
fn trace_starts(index: &Index) -> Vec<u32> {
    let nt = index.traces.len();
    let mut trace_start = Vec::with_capacity(nt + 1);
    trace_start.push(0u32);
    let mut at = 0u32;
    for t in 0..nt {
        at = at.saturating_add(index.trace_spans.get(t).copied().unwrap_or(0));
        trace_start.push(at);
    }
    trace_start
}

/// [`group_by_trace`] on two threads, the other making `beside` (a table of its own) first,
/// while this one makes the places' tables (each a pass over memory touched for the first
/// time): then this one puts the first half of the spans in their traces' places from the
/// front, the other the second half from the back (from the last span, each in its trace's
/// last free place), which gives each trace its spans in order, as one pass does. The places
/// meet where every trace's count of spans is right; where some is not (the counts go with the
/// spans as they are indexed, so never), the one pass is made again.
fn group_by_trace_beside<B: Send>(
    index: &Index,
    beside: impl FnOnce() -> B + Send,
) -> ((Vec<u32>, Vec<u32>), B) {
    let n = index.spans.len();
    let mid = n / 2;
    let spans = &index.spans;
    // The places, made by this thread while the other makes `beside`, and handed to it: the
    // other's places from the back (each trace's end, made its start as it goes) through the
    // channel, the table both fill here.
    let by_trace: std::sync::OnceLock<Vec<AtomicU32>> = std::sync::OnceLock::new();
    let (give, take) = std::sync::mpsc::sync_channel::<Vec<u32>>(1);
    let (front_ok, next, (back_ok, back, made)) = std::thread::scope(|scope| {
        let by_trace = &by_trace;
        let other = scope.spawn(move || {
            let made = beside();
            // (Nothing comes only when this thread died: its panic is raised below.)
            let Ok(mut back) = take.recv() else {
                return (false, Vec::new(), made);
            };
            let Some(by_trace) = by_trace.get() else {
                return (false, back, made);
            };
            let mut ok = true;
            for (i, s) in spans.iter().enumerate().skip(mid).rev() {
                if let Some(end) = back.get_mut(s.trace as usize) {
                    match end
                        .checked_sub(1)
                        .and_then(|e| by_trace.get(e as usize).map(|b| (e, b)))
                    {
                        Some((e, slot)) => {
                            slot.store(u32::try_from(i).unwrap_or(NONE), Relaxed);
                            *end = e;
                        }
                        None => ok = false,
                    }
                }
            }
            (ok, back, made)
        });
        let mut next = trace_starts(index);
        let back: Vec<u32> = next.get(1..).map_or_else(Vec::new, <[u32]>::to_vec);
        let by_trace = by_trace.get_or_init(|| (0..n).map(|_| AtomicU32::new(0)).collect());
        // (It fails only when the other thread died: its panic is raised below. Dropped here,
        // or as this thread unwinds, it lets the other go.)
        let _ = give.send(back);
        drop(give);
        let mut ok = true;
        for (i, s) in spans.iter().enumerate().take(mid) {
            if let Some(slot) = next.get_mut(s.trace as usize) {
                match by_trace.get(*slot as usize) {
                    Some(b) => {
                        b.store(u32::try_from(i).unwrap_or(NONE), Relaxed);
                        *slot += 1;
                    }
                    None => ok = false,
                }
            }
        }
        let theirs = other
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (ok, next, theirs)
    });
    // Where the two met, per trace: the front's next place is the back's last start.
    let met = front_ok
        && back_ok
        && next.len() == back.len() + 1
        && next.iter().zip(&back).all(|(a, b)| a == b);
    drop(back);
    drop(next);
    let by_trace = by_trace.into_inner().unwrap_or_default();
    if !met {
        drop(by_trace);
        return (group_by_trace(index), made);
    }
    let by_trace: Vec<u32> = by_trace.into_iter().map(AtomicU32::into_inner).collect();
    ((trace_starts(index), by_trace), made)
}

/// `work` on each of `jobs`, on `workers` threads (this one among them), each thread taking
/// the next job no other has taken as soon as it is free: a thread that starts late or runs
/// slower (the machine busy) takes fewer, and none waits long for another. Gives the results
/// in the jobs' order, whatever thread made each. A panic in a worker is raised again here.
fn on_threads<J: Send, R: Send>(
    jobs: Vec<J>,
    workers: usize,
    work: impl Fn(J) -> R + Sync,
) -> Vec<R> {
    let n = jobs.len();
    if workers <= 1 || n <= 1 {
        return jobs.into_iter().map(work).collect();
    }
    let queue = std::sync::Mutex::new(jobs.into_iter().enumerate());
    let run = || {
        let mut done = Vec::new();
        loop {
            // (Poisoned only by a panic in `next`, which takes nothing from the jobs.)
            let next = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .next();
            let Some((k, job)) = next else { break };
            done.push((k, work(job)));
        }
        done
    };
    let mut done = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers.min(n)).map(|_| scope.spawn(run)).collect();
        let mut done = run();
        for h in handles {
            done.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        done
    });
    done.sort_unstable_by_key(|&(k, _)| k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// What every worker reads (and the per-span tables they write, each span by one worker).
///
/// The traces built are a run of positions `0..k`: every trace of the index (position `t` is
/// trace `t`), or the traces `traces` names (a model growing: see `grow`).
struct Shared<'a> {
    index: &'a Index,
    /// Where each position's spans start in the grouped spans (one more entry, the end).
    trace_start: &'a [u32],
    /// Per span from `parent_base`: its parent's index, `NONE` for roots and orphans.
    parent: &'a [AtomicU32],
    parent_base: u32,
    /// The spans' parent ids (read by the first pass only: see `Part`).
    ids: Ids<'a>,
    /// The trace at each position, when not every trace is built.
    traces: Option<&'a [u32]>,
}

impl Shared<'_> {
    fn slot(&self, i: u32) -> Option<&AtomicU32> {
        self.parent.get(i.checked_sub(self.parent_base)? as usize)
    }

    fn parent(&self, i: u32) -> u32 {
        self.slot(i).map_or(NONE, |p| p.load(Relaxed))
    }

    /// Span `i`'s parent id as written.
    fn parent_id(&self, i: u32) -> u64 {
        match self.ids {
            Ids::Column(column, from) => i
                .checked_sub(from)
                .and_then(|k| column.get(k as usize))
                .copied()
                .unwrap_or(0),
            Ids::Listed(ids) => ids
                .binary_search_by_key(&i, |&(s, _)| s)
                .map_or(0, |k| ids[k].1),
        }
    }

    fn set_parent(&self, i: u32, p: u32) {
        if let Some(slot) = self.slot(i) {
            slot.store(p, Relaxed);
        }
    }

    /// The trace at position `k`.
    fn trace_at(&self, k: u32) -> u32 {
        match self.traces {
            Some(ts) => ts.get(k as usize).copied().unwrap_or(NONE),
            None => k,
        }
    }
}

/// Where the trees read the spans' parent ids (see `index::parents`).
#[derive(Clone, Copy)]
enum Ids<'a> {
    /// The index's column: the ids of the spans from the second field on (every span, for a
    /// build).
    Column(&'a [u64], u32),
    /// (span, id) of the spans built, ascending by span (a model that grows).
    Listed(&'a [(u32, u64)]),
}

/// What a worker built for its run of traces.
struct Built {
    /// Where the run starts in the whole order.
    base: usize,
    /// How many of the run's spans were kept (compacted to its front).
    written: usize,
    issues: Issues,
    /// The big token sums of the run's traces.
    rare: Rare,
    /// [`PerTrace`] of the run's traces, in order.
    per: PerTrace,
}

/// One worker's run of traces, in two passes: [`Part::link`] links every span of the run to
/// its parent (it reads the parent ids), [`Part::summarize_run`] makes the traces (it reads
/// the links only).
struct Part<'a> {
    /// The run: positions of traces.
    run: std::ops::Range<usize>,
    /// Where `by_trace` starts in the whole order.
    base: usize,
    /// The spans of this run's traces, by trace (a slice of the counting sort); compacted in
    /// place into the model's order (time order within a trace, re-exports left out).
    by_trace: &'a mut [u32],
    /// How much of `by_trace` is the finished order.
    written: usize,
    /// Where each trace's kept spans end in `by_trace` (they start where the previous
    /// trace's end), from the first pass.
    ends: Vec<u32>,
    issues: Issues,
    rare: Rare,
    /// The cycle search's marks, for the span indices this run's traces cover (a quarter of a
    /// byte each: each worker keeps its own rather than sharing atomics).
    state: Visits,
    /// Scratch: the session ids found on the trace's spans, by span.
    own: Vec<OwnSession>,
    /// Scratch: (start, location, span) of the trace's spans, to sort them.
    times: Vec<(i64, u64, u32)>,
    /// Scratch: (id, location, span) of the trace's spans, sorted.
    ids: Vec<(u128, u64, u32)>,
    /// Scratch: the ancestor walk of the cycle search.
    path: Vec<u32>,
    /// [`PerTrace`] of the run's traces so far, and what was judged of their names.
    per: PerTrace,
    tally: Tally,
    /// (span, parent id) of the run's spans whose link does not give their parent id back
    /// (see `index::parents::to_keep`), found as each trace is linked, when the ids are the
    /// index's column.
    keep: Vec<(u32, u64)>,
}

impl<'a> Part<'a> {
    /// The first pass: links the spans of the traces at positions `run`, whose spans
    /// `by_trace` holds (grouped by trace), ordering and compacting them in place.
    fn link(shared: &Shared<'_>, run: std::ops::Range<usize>, by_trace: &'a mut [u32]) -> Self {
        let state = Visits::over(by_trace_span_range(by_trace));
        let mut part = Part {
            base: shared.trace_start.get(run.start).map_or(0, |&s| s as usize),
            by_trace,
            written: 0,
            ends: Vec::with_capacity(run.len()),
            issues: Issues::default(),
            rare: Rare::default(),
            state,
            own: Vec::new(),
            times: Vec::new(),
            ids: Vec::new(),
            path: Vec::new(),
            per: PerTrace::default(),
            tally: Tally::default(),
            keep: Vec::new(),
            run: run.clone(),
        };
        for k in run {
            part.link_trace(shared, u32::try_from(k).unwrap_or(NONE));
            part.ends.push(u32::try_from(part.written).unwrap_or(NONE));
        }
        // The scratch goes before the second pass makes its tables.
        part.state = Visits::over(0..0);
        (part.times, part.ids, part.path) = (Vec::new(), Vec::new(), Vec::new());
        part
    }

    /// The second pass: makes the run's traces (`traces`, by position from the run's first)
    /// from the spans the first pass linked.
    fn summarize_run(mut self, shared: &Shared<'_>, traces: &mut [Trace]) -> Built {
        self.per = PerTrace::with_capacity(self.run.len());
        let ends = std::mem::take(&mut self.ends);
        let mut first = 0usize;
        for ((k, &end), slot) in self.run.clone().zip(&ends).zip(traces.iter_mut()) {
            let k = u32::try_from(k).unwrap_or(NONE);
            let kept = first..end as usize;
            let mut trace = Trace {
                // Positions in this part's run; made whole-order positions when the parts are
                // joined.
                spans: u32::try_from(first).unwrap_or(NONE)..end,
                ..empty_trace()
            };
            self.summarize(shared, shared.trace_at(k), kept, &mut trace);
            *slot = trace;
            first = end as usize;
        }
        Built {
            base: self.base,
            written: self.written,
            issues: self.issues,
            rare: self.rare,
            per: self.per,
        }
    }

    /// Links the spans of the trace at position `k` of the run.
    fn link_trace(&mut self, shared: &Shared<'_>, k: u32) {
        let index = shared.index;
        let spans = &index.spans;
        let range = shared.trace_start[k as usize] as usize - self.base
            ..shared.trace_start[k as usize + 1] as usize - self.base;
        // Sorted by keys copied out of the records (the comparisons stay in this small vector).
        self.times.clear();
        self.times.extend(
            self.by_trace[range.clone()]
                .iter()
                .map(|&i| (spans[i as usize].start(), index.loc(i), i)),
        );
        // Exports write a trace's spans in time order, newest first (Phoenix) or oldest
        // first: reversed or already sorted, no sort is needed.
        if !self.times.is_sorted() {
            self.times.reverse();
            if !self.times.is_sorted() {
                self.times.sort_unstable();
            }
        }
        for (slot, &(_, _, i)) in self.by_trace[range.clone()].iter_mut().zip(&self.times) {
            *slot = i;
        }
        // Ids, to find parents and re-exported spans; the copy earliest in the files first
        // (the locations are the ones the time order just read).
        self.ids.clear();
        self.ids.extend(
            self.times
                .iter()
                .map(|&(_, loc, i)| (id_key(&spans[i as usize]), loc, i)),
        );
        self.ids.sort_unstable();
        let mut dup = Vec::new();
        for w in self.ids.windows(2) {
            let ((ka, _, a), (kb, _, b)) = (w[0], w[1]);
            if ka != kb {
                continue;
            }
            if index.span_bytes(a) == index.span_bytes(b) {
                dup.push(b);
                self.issues.duplicates.push((a, b));
            } else {
                self.issues.id_clashes.push((a, b));
            }
        }
        let first = self.written;
        if dup.is_empty() {
            // No re-exported copy (nearly every trace): the spans move down whole.
            if first != range.start {
                self.by_trace.copy_within(range.clone(), first);
            }
            self.written += range.len();
        } else {
            dup.sort_unstable();
            for k in range {
                let i = self.by_trace[k];
                if dup.binary_search(&i).is_err() {
                    self.by_trace[self.written] = i;
                    self.written += 1;
                }
            }
        }
        let kept = first..self.written;
        let orphans_from = self.issues.orphans.len();
        // Whether every link made goes back in the time order (to a span earlier in `times`,
        // by start then location): then no chain of parents can come back to where it began,
        // and the cycle search has nothing to find. Told from `times` only when every span was
        // kept (`times` then lists the kept spans in their order).
        let mut backward = dup.is_empty();
        for k in kept.clone() {
            let i = self.by_trace[k];
            let s = &spans[i as usize];
            if !s.has(flag::HAS_PARENT) {
                continue;
            }
            let id = shared.parent_id(i);
            let key = parent_key(s, id);
            // The first span with that id: the kept copy. (Most traces have a few spans: a
            // scan from the front reads fewer ids than a binary search's steps cost.)
            let at = if self.ids.len() <= SCAN_IDS {
                self.ids
                    .iter()
                    .position(|(k, _, _)| *k >= key)
                    .unwrap_or(self.ids.len())
            } else {
                self.ids.partition_point(|(k, _, _)| *k < key)
            };
            match self.ids.get(at) {
                Some(&(k2, loc, p)) if k2 == key && p != i => {
                    shared.set_parent(i, p);
                    backward = backward
                        && self.times.get(k - first).is_some_and(|&(start, at, me)| {
                            me == i && (spans[p as usize].start(), loc) < (start, at)
                        });
                }
                // An all-zero parent with no zero-id span to hang under: a root, as OTLP means.
                _ if s.zero_parent(id) => {}
                // Its own parent: a cycle of one, cut (it is not missing a parent).
                Some(&(k, _, _)) if k == key => self.issues.cycles.push(i),
                _ => self.issues.orphans.push(i),
            }
        }
        // Orphans adopted and handoffs nested link spans too, in any direction.
        let orphans = self.issues.orphans.len() > orphans_from;
        self.adopt_orphans(shared, orphans_from);
        let handoffs = self.nest_handoffs(shared, kept.clone());
        let backward = backward && !orphans && !handoffs;
        if !backward || always_search_cycles() {
            self.cut_cycles(shared, kept.clone());
        }
        // The trace's links are made: the ids they do not give back, of its spans kept and of
        // the re-exported copies left out (while their records are at hand).
        if let Ids::Column(..) = shared.ids {
            for &i in self.by_trace[kept].iter().chain(&dup) {
                let id = shared.parent_id(i);
                if crate::index::parents::to_keep(i, id, spans, |p| shared.parent(p)) {
                    self.keep.push((i, id));
                }
            }
        }
    }

    /// A span whose own id was empty or all zeros lost the id its children name: when it is
    /// the trace's only such span and the trace's orphans all name one missing parent, they
    /// are its children, and hang under it again.
    fn adopt_orphans(&mut self, shared: &Shared<'_>, from: usize) {
        let orphans = &self.issues.orphans[from..];
        if orphans.is_empty() {
            return;
        }
        let zero = 0u128;
        let at = self.ids.partition_point(|(k, _, _)| *k < zero);
        let Some(&(k, _, parent)) = self.ids.get(at) else {
            return;
        };
        let another = self.ids.get(at + 1).is_some_and(|(k2, _, _)| *k2 == zero);
        if k != zero || another {
            return;
        }
        let spans = &shared.index.spans;
        let key = |o: u32| parent_key(&spans[o as usize], shared.parent_id(o));
        let missing = key(orphans[0]);
        if orphans.iter().any(|&o| key(o) != missing || o == parent) {
            return;
        }
        for &o in orphans {
            shared.set_parent(o, parent);
        }
        self.issues.orphans.truncate(from);
    }

    /// OpenAI Agents SDK handoffs: the SDK writes the agent a handoff hands to beside the agent
    /// that handed off; it hangs under the handoff span instead (a tool span, named as the tool
    /// the model called), as that call's sub-agent: the first agent of that name in the trace
    /// that starts after the handoff and no other handoff took.
    ///
    /// Returns whether it looked (an Agents SDK file is read): it may then have linked spans.
    fn nest_handoffs(&mut self, shared: &Shared<'_>, kept: std::ops::Range<usize>) -> bool {
        let index = shared.index;
        let agents_sdk = crate::format::Style::AgentsSdk as usize;
        if !index.files.iter().any(|f| f.styles[agents_sdk] > 0) {
            return false;
        }
        let spans = &index.spans;
        let members = &self.by_trace[kept];
        let mut taken: Vec<u32> = Vec::new();
        for &h in members {
            let hand = &spans[h as usize];
            if hand.kind() != Kind::Tool {
                continue;
            }
            let Some(target) = agents_sdk::handoff_target(index.strings.get(hand.name)) else {
                continue;
            };
            let next = members.iter().copied().find(|&a| {
                let agent = &spans[a as usize];
                agent.kind() == Kind::Agent
                    && agent.start() >= hand.start()
                    && !taken.contains(&a)
                    && agents_sdk::hands_to(target, index.strings.get(agent.name))
            });
            if let Some(a) = next {
                shared.set_parent(a, h);
                taken.push(a);
            }
        }
        true
    }

    /// Breaks parent cycles: a span reached again on its own ancestor walk loses its parent.
    fn cut_cycles(&mut self, shared: &Shared<'_>, kept: std::ops::Range<usize>) {
        let mut path = std::mem::take(&mut self.path);
        for k in kept {
            let start = self.by_trace[k];
            // A root, or a span whose parent is done (a parent earlier in the time order, as
            // it nearly always is): no walk can find a cycle through it.
            let first = shared.parent(start);
            if first == NONE || self.state.get(first) == 2 {
                self.state.set(start, 2);
                continue;
            }
            let mut at = start;
            while at != NONE && self.state.get(at) == 0 {
                self.state.set(at, 1);
                path.push(at);
                at = shared.parent(at);
            }
            if at != NONE && self.state.get(at) == 1 {
                shared.set_parent(at, NONE);
                self.issues.cycles.push(at);
            }
            for p in path.drain(..) {
                self.state.set(p, 2);
            }
        }
        self.path = path;
    }

    /// Root, times, errors, tokens, cost, user and session of trace `t`.
    fn summarize(
        &mut self,
        shared: &Shared<'_>,
        t: u32,
        kept: std::ops::Range<usize>,
        trace: &mut Trace,
    ) {
        let index = shared.index;
        let spans = &index.spans;
        let members = &self.by_trace[kept];
        let entry = index.meta(t);
        let has_tokens = |i: u32| index.extra(i).is_some_and(|e| e.has_tokens());
        let has_cost = |i: u32| index.extra(i).is_some_and(|e| e.cost().is_some());
        let topmost = |i: u32, test: &dyn Fn(u32) -> bool| {
            let mut p = shared.parent(i);
            let mut steps = 0;
            while p != NONE && steps < members.len() {
                if test(p) {
                    return false;
                }
                p = shared.parent(p);
                steps += 1;
            }
            true
        };
        let mut start = i64::MAX;
        let mut root = NONE;
        let mut errors = 0u32;
        let mut tokens = [0u64; 3];
        let (mut calls, mut delegating) = (0u32, false);
        // The root's user, and the first span's that has one (see `user`).
        let (mut root_user, mut first_user) = (0u32, 0u32);
        for &i in members {
            let s = &spans[i as usize];
            self.tally
                .span(index, s, || shared.parent(i), &mut calls, &mut delegating);
            let new_root = root == NONE && shared.parent(i) == NONE;
            if new_root {
                root = i;
            }
            if s.start() > 0 {
                start = start.min(s.start());
            }
            trace.end = trace.end.max(index.end(s).max(s.start()));
            // A failure seen twice (a transcript's tool and a proxy's span of the same call:
            // `model::claude_code`) counts once.
            if s.status() == crate::kind::Status::Error && !index.mirrored_failure(i) {
                errors += 1;
            }
            if let Some(e) = index.extra(i) {
                if new_root {
                    root_user = e.user;
                }
                if first_user == 0 {
                    first_user = e.user;
                }
                if e.has_tokens() && topmost(i, &has_tokens) {
                    for (sum, v) in tokens.iter_mut().zip(index.tokens_of(i, &e)) {
                        *sum = sum.saturating_add(v);
                    }
                }
                if let Some(c) = e.cost()
                    && topmost(i, &has_cost)
                {
                    #[allow(clippy::cast_possible_truncation)]
                    let c = c as f32;
                    trace.add_cost(c);
                }
            }
        }
        self.rare
            .set_root(t, trace, root, members.first().copied().unwrap_or(NONE));
        self.rare.set(t, trace, tokens);
        self.rare.set_errors(t, trace, errors);
        self.per.push(t, calls, delegating);
        trace.start = if start == i64::MAX { 0 } else { start };
        trace.user = if root_user != 0 {
            root_user
        } else if first_user != 0 {
            first_user
        } else {
            entry.user
        };
        debug_assert_eq!(trace.user, user(index, root, members, entry.user));
        // Its spans' own session ids (a re-export left out has the same bytes, so the same
        // id as the copy kept), in span order.
        self.own.clear();
        self.own
            .extend(members.iter().filter_map(|&i| index.own_session(i)));
        self.own.sort_unstable_by_key(|o| o.span);
        if let Some(conflict) = resolve_session(index, t, trace, root, &self.own) {
            self.issues.session_conflicts.push(conflict);
        }
    }
}

/// A trace with no spans and nothing known yet.
pub(super) fn empty_trace() -> Trace {
    Trace {
        spans: 0..0,
        start: 0,
        end: 0,
        session: NONE,
        key: None,
        user: 0,
        errors: 0,
        tokens: [0; 2],
        cost: super::NO_COST,
        bits: 0,
    }
}

/// The trace's user: the root's, else the first span's that has one, else MLflow's.
fn user(index: &Index, root: u32, members: &[u32], meta: u32) -> u32 {
    let user_of = |i: u32| index.extra(i).map_or(0, |e| e.user);
    if root != NONE && user_of(root) != 0 {
        return user_of(root);
    }
    members
        .iter()
        .map(|&i| user_of(i))
        .find(|&u| u != 0)
        .unwrap_or(meta)
}

/// The session trace `t`'s spans name (interned id, key), before inference: `root` its root,
/// `own` the session ids found on its spans (re-exports left out), in span order; `found`
/// scratch, left holding every (id, key) named. The root's wins; otherwise the
/// highest-priority key on any span (or the MLflow trace metadata), the earliest span breaking
/// ties.
pub(super) fn named_session(
    index: &Index,
    t: u32,
    root: u32,
    own: &[OwnSession],
    found: &mut Vec<(u32, SessionKey)>,
) -> Option<(u32, SessionKey)> {
    let entry = index.meta(t);
    found.clear();
    if entry.session != 0 {
        found.push((
            entry.session,
            entry.session_key.unwrap_or(SessionKey::Mlflow),
        ));
    }
    for o in own {
        found.push((o.session, o.key));
    }
    let root_own = own
        .iter()
        .find(|o| o.span == root)
        .map(|o| (o.session, o.key));
    root_own.or_else(|| found.iter().min_by_key(|(_, k)| *k).copied())
}

/// Sets on `trace` the session its spans name ([`named_session`]); other values found are
/// returned as a conflict.
fn resolve_session(
    index: &Index,
    t: u32,
    trace: &mut Trace,
    root: u32,
    own: &[OwnSession],
) -> Option<SessionConflict> {
    {
        let mut found: Vec<(u32, SessionKey)> = Vec::new();
        let (value, key) = named_session(index, t, root, own, &mut found)?;
        trace.session = value; // the interned id for now; an index into sessions after grouping
        trace.key = Some(key);
        trace.set_origin(SessionOrigin::Explicit);
        let mut others: Vec<u32> = found
            .iter()
            .map(|(v, _)| *v)
            .filter(|v| *v != value)
            .collect();
        others.sort_unstable();
        others.dedup();
        (!others.is_empty()).then(|| SessionConflict {
            trace: t,
            chosen: index.strings.get(value).to_owned(),
            others: others
                .iter()
                .map(|&v| index.strings.get(v).to_owned())
                .collect(),
        })
    }
}

/// The smallest and one past the largest span index in `spans`.
fn by_trace_span_range(spans: &[u32]) -> std::ops::Range<u32> {
    let lo = spans.iter().copied().min().unwrap_or(0);
    let hi = spans
        .iter()
        .copied()
        .max()
        .map_or(0, |m| m.saturating_add(1));
    lo..hi
}

/// Two bits per span for the cycle search: 0 unvisited, 1 on the current walk, 2 done; for the
/// spans of a range of indices (others read as done).
struct Visits {
    words: Vec<u64>,
    base: u32,
}

impl Visits {
    fn over(spans: std::ops::Range<u32>) -> Visits {
        Visits {
            words: vec![0; (spans.end.saturating_sub(spans.start) as usize).div_ceil(32)],
            base: spans.start,
        }
    }
    /// Span `i`'s word and the shift of its two bits, if it is in the range.
    fn at(&self, i: u32) -> Option<(usize, usize)> {
        let i = i.checked_sub(self.base)? as usize;
        (i / 32 < self.words.len()).then_some((i / 32, i % 32 * 2))
    }
    fn get(&self, i: u32) -> u64 {
        self.at(i)
            .map_or(2, |(w, shift)| self.words[w] >> shift & 3)
    }
    fn set(&mut self, i: u32, v: u64) {
        if let Some((w, shift)) = self.at(i) {
            self.words[w] = (self.words[w] & !(3 << shift)) | (v << shift);
        }
    }
}

fn id_key(s: &SpanRec) -> u128 {
    u128::from(s.has(flag::SPAN_ID_TEXT)) << 64 | u128::from(s.span_id)
}

/// Span `s`'s parent id `id` as its parent's [`id_key`] would be.
fn parent_key(s: &SpanRec, id: u64) -> u128 {
    u128::from(s.has(flag::PARENT_TEXT)) << 64 | u128::from(id)
}

pub(super) fn flag_spans(model: &mut Model, issues: &Issues) {
    let spans = &mut model.index.spans;
    for &i in &issues.orphans {
        spans[i as usize].set_flags(flag::ORPHAN);
    }
    for &i in &issues.cycles {
        spans[i as usize].set_flags(flag::CYCLE_CUT);
    }
    for &(_, d) in &issues.duplicates {
        spans[d as usize].set_flags(flag::DUPLICATE);
    }
}

/// Below this many traces [`traces_by_start`] sorts them on one thread.
const PARALLEL_TRACES: usize = 1 << 14;

/// Every trace, earliest first (by start, then number), sorted a run on each core. Exports
/// write traces nearly in time order: the runs then hardly overlap, and each is sorted on
/// keys copied a chunk at a time (`model::sort::nearly_by_key`), which never holds a key per
/// trace (16 bytes a trace) at once.
pub(super) fn traces_by_start(model: &Model) -> Vec<u32> {
    let key = |t: &u32| (model.traces.get(*t as usize).map_or(0, |tr| tr.start), *t);
    let fill = |first: usize, slots: &mut [u32]| {
        for (k, slot) in slots.iter_mut().enumerate() {
            *slot = u32::try_from(first + k).unwrap_or(NONE);
        }
        slots.len()
    };
    let nt = model.traces.len();
    let workers = if nt < PARALLEL_TRACES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    };
    super::sort::filled_sorted_by_key(nt, workers, &fill, &key)
}

/// Groups traces into sessions by their session id; sessions and their traces in time order.
/// `by_start`: every trace, earliest first, when inference sorted them so (else sorted here).
fn group_sessions(model: &mut Model, by_start: Option<Vec<u32>>) {
    let mut by_start = match by_start {
        Some(v) if v.len() == model.traces.len() => v,
        _ => traces_by_start(model),
    };
    let mut by_id: Map<u32, u32> = Map::default();
    let mut sessions: Vec<Session> = Vec::new();
    // Each session's traces counted (each sessioned trace's `session` made its session's
    // number meanwhile: an index into `sessions`, not an interned id, until they are sorted
    // below), then laid one session after the other in one table, in time order.
    let mut sessioned = 0u32;
    for trace in &mut model.traces {
        if trace.spans.is_empty() || trace.origin() == SessionOrigin::None {
            continue;
        }
        let s = *by_id.entry(trace.session).or_insert_with(|| {
            sessions.push(new_session(trace.session, trace.origin(), trace.key));
            u32::try_from(sessions.len() - 1).unwrap_or(NONE)
        });
        trace.session = s;
        if let Some(session) = sessions.get_mut(s as usize) {
            session.traces.len += 1;
        }
        sessioned += 1;
    }
    drop(by_id);
    let mut at = 0u32;
    for s in &mut sessions {
        s.traces.at = at;
        at += s.traces.len;
    }
    let mut lists = vec![NONE; sessioned as usize];
    let mut filled: Vec<u32> = sessions.iter().map(|s| s.traces.at).collect();
    let traces = &model.traces;
    for &t in &by_start {
        let trace = &traces[t as usize];
        if trace.spans.is_empty() || trace.origin() == SessionOrigin::None {
            continue;
        }
        if let Some(k) = filled.get_mut(trace.session as usize)
            && let Some(slot) = lists.get_mut(*k as usize)
        {
            *slot = t;
            *k += 1;
        }
    }
    drop(filled);
    // The traces left unsessioned, in the same order, in place.
    by_start.retain(|&t| {
        let trace = &traces[t as usize];
        !trace.spans.is_empty() && trace.origin() == SessionOrigin::None
    });
    by_start.shrink_to_fit();
    let unsessioned = by_start;
    let mut big_tokens = Vec::new();
    for s in &mut sessions {
        let list = &lists[s.traces.at as usize..(s.traces.at + s.traces.len) as usize];
        aggregate(s, list, traces, &model.rare, &mut big_tokens);
        // Explicit when any trace carries the id; else inferred, as its traces were.
        let ts = || list.iter().map(|&t| &traces[t as usize]);
        if let Some(e) = ts().find(|t| t.origin() == SessionOrigin::Explicit) {
            s.origin = SessionOrigin::Explicit;
            s.key = e.key;
            s.inferred_by = None;
            s.inferred_traces = u32::try_from(
                ts().filter(|t| t.origin() == SessionOrigin::Inferred)
                    .count(),
            )
            .unwrap_or(u32::MAX);
        } else {
            s.origin = SessionOrigin::Inferred;
            s.key = None;
            s.inferred_by = ts().find_map(Trace::inferred_by);
        }
    }
    // No two sessions have one id: an unstable sort orders them as a stable one would, and
    // needs no scratch copy of the sessions (a stable sort's, as large as the sessions).
    sessions.sort_unstable_by_key(|s| (s.start, s.id));
    for (i, s) in sessions.iter().enumerate() {
        for &t in s.traces.of(&lists) {
            model.traces[t as usize].session = u32::try_from(i).unwrap_or(NONE);
        }
    }
    big_tokens.sort_unstable_by_key(|&(id, _)| id);
    model.sessions = sessions;
    model.sessions_big_tokens = big_tokens;
    model.sessions_traces = lists;
    model.unsessioned = unsessioned;
}

pub(super) fn new_session(id: u32, origin: SessionOrigin, key: Option<SessionKey>) -> Session {
    Session {
        id,
        origin,
        inferred_by: None,
        key,
        traces: Run::default(),
        spans: 0,
        errors: 0,
        start: 0,
        end: 0,
        user: 0,
        tokens: [0; 2],
        big_tokens: false,
        cost: super::NO_SESSION_COST,
        evals: Run::default(),
        inferred_traces: 0,
        turns: 0,
        calls: 0,
        subagents: 0,
    }
}

/// Totals of a session from its traces `list` (which must be in time order).
/// Tokens that do not fit the session go to `big_tokens`.
pub(super) fn aggregate(
    s: &mut Session,
    list: &[u32],
    traces: &[Trace],
    big: &Rare,
    big_tokens: &mut Vec<(u32, [u64; 3])>,
) {
    let ts = list.iter().map(|&t| &traces[t as usize]);
    s.spans = ts.clone().map(Trace::span_count).sum();
    s.errors = list
        .iter()
        .map(|&t| big.errors_of(t, &traces[t as usize]))
        .sum();
    s.start = ts
        .clone()
        .map(|t| t.start)
        .filter(|&v| v > 0)
        .min()
        .unwrap_or(0);
    s.end = ts.clone().map(|t| t.end).max().unwrap_or(0);
    s.user = ts.clone().map(|t| t.user).find(|&u| u != 0).unwrap_or(0);
    let tokens = list.iter().fold([0; 3], |a, &t| {
        let t = big.of(t, &traces[t as usize]);
        [a[0] + t[0], a[1] + t[1], a[2] + t[2]]
    });
    s.set_tokens(tokens, big_tokens);
    s.set_cost(ts.filter_map(Trace::cost).reduce(|a, b| a + b));
}

/// Finds the targets of stand-alone annotations (a span or trace named by id).
fn resolve_refs(model: &Model) -> Vec<Eval> {
    let idx = &model.index;
    let loose: Vec<_> = idx
        .evals
        .iter()
        .filter(|e| e.trace as usize >= model.traces.len())
        .collect();
    if loose.is_empty() {
        return Vec::new();
    }
    let mut spans: Map<String, u32> = Map::default();
    for (i, s) in idx.spans.iter().enumerate() {
        spans.insert(idx.span_id_of(s), u32::try_from(i).unwrap_or(NONE));
    }
    let traces: Map<String, u32> = (0..model.traces.len())
        .map(|t| u32::try_from(t).unwrap_or(NONE))
        .map(|t| (idx.trace_id_text(t).trim_start_matches("tr-").to_owned(), t))
        .collect();
    let norm = |id: &str| match crate::ids::normalize(id) {
        Some(crate::ids::Id::Hex64(v)) => crate::ids::hex64(v),
        Some(crate::ids::Id::Hex128(v)) => crate::ids::hex128(v),
        Some(crate::ids::Id::Text(t)) => t.into_owned(),
        None => String::new(),
    };
    loose
        .into_iter()
        .filter_map(|e| {
            let ev = e.eval.clone();
            if let Some(&s) = ev.span_ref.as_deref().and_then(|r| spans.get(&norm(r))) {
                return Some(Eval {
                    trace: idx.spans[s as usize].trace,
                    span: s,
                    eval: ev,
                });
            }
            if let Some(&t) = ev.trace_ref.as_deref().and_then(|r| traces.get(&norm(r))) {
                return Some(Eval {
                    trace: t,
                    span: NONE,
                    eval: ev,
                });
            }
            ev.session.is_some().then_some(Eval {
                trace: NONE,
                span: NONE,
                eval: ev,
            })
        })
        .collect()
}

/// Evaluations by trace; session-level ones (metadata names the session) also on the session.
fn attach_evals(model: &mut Model) {
    let mut evals: Vec<Eval> = model
        .index
        .evals
        .iter()
        .filter(|e| (e.trace as usize) < model.traces.len())
        .map(|e| Eval {
            trace: e.trace,
            span: e.span.unwrap_or(NONE),
            eval: e.eval.clone(),
        })
        .collect();
    evals.extend(resolve_refs(model));
    evals.sort_by_key(|e| e.trace);

    // (session, evaluation) of the session-level ones, laid by session in one table.
    let mut found: Vec<(u32, u32)> = Vec::new();
    for (i, e) in evals.iter().enumerate() {
        let Some(name) = &e.eval.session else {
            continue;
        };
        let Some(sid) = model.index.strings.lookup(name) else {
            continue;
        };
        if let Some(s) = model.sessions.iter().position(|s| s.id == sid) {
            found.push((
                u32::try_from(s).unwrap_or(NONE),
                u32::try_from(i).unwrap_or(NONE),
            ));
        }
    }
    found.sort_unstable();
    for s in &mut model.sessions {
        s.evals = Run::default();
    }
    let mut lists = Vec::with_capacity(found.len());
    for group in found.chunk_by(|a, b| a.0 == b.0) {
        if let Some(s) = model.sessions.get_mut(group[0].0 as usize) {
            s.evals = Run {
                at: u32::try_from(lists.len()).unwrap_or(NONE),
                len: u32::try_from(group.len()).unwrap_or(NONE),
            };
            lists.extend(group.iter().map(|&(_, e)| e));
        }
    }
    model.sessions_evals = lists;
    model.evals = evals;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::progress::Progress;
    use crate::source::Source;

    /// A Phoenix-style export of `traces` traces with every tree problem the build handles:
    /// exact re-exports, two spans sharing an id, orphans, parent cycles, tokens and sessions.
    fn export(traces: u64) -> String {
        let mut out = String::new();
        let mut rng = crate::testing::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut rand = |n: u64| rng.below(n);
        for t in 1..=traces {
            let spans = 1 + rand(12);
            for k in 0..spans {
                let id = t << 8 | k;
                let parent = match rand(40) {
                    0 => format!("\"{:016x}\"", t << 8 | 0xff), // not in the file
                    1 if k + 1 < spans => format!("\"{:016x}\"", id + 1), // a cycle with the next
                    _ if k == 0 => "null".to_owned(),
                    _ => format!("\"{:016x}\"", t << 8 | rand(k)),
                };
                // Now and then a count that does not fit 32 bits (the model's `Rare`).
                let tokens = match rand(4) {
                    0 if t % 37 == 5 => "4294967296",
                    0 => "12",
                    _ => "null",
                };
                let session = match rand(10) {
                    0 => format!("\"s{}\"", t % 97),
                    1 => format!("\"s{}\"", rand(5)),
                    _ => "null".to_owned(),
                };
                // Kinds and names from the position alone (the random draws stay as they were):
                // LLM calls inside LLM calls, and tools that delegate to an agent.
                let kind = ["LLM", "TOOL", "AGENT", "CHAIN", "LLM"][((t * 7 + k) % 5) as usize];
                let name = if kind != "LLM" && (t + k) % 3 == 0 {
                    format!("n{k}.delegate_to_agent")
                } else {
                    format!("n{k}")
                };
                // Users from the position too: on some roots, on some other spans only.
                let user = match (t * 5 + k) % 4 {
                    0 => format!("\"u{}\"", t % 11),
                    1 if k > 0 => format!("\"v{k}\""),
                    _ => "null".to_owned(),
                };
                let row = format!(
                    r#"{{"name":"{name}","span_kind":"{kind}","context.span_id":"{id:016x}","context.trace_id":"{t:032x}","parent_id":{parent},"start_time":{},"end_time":{},"attributes.llm.token_count.prompt":{tokens},"attributes.session.id":{session},"attributes.user.id":{user}}}"#,
                    1_700_000_000_000 + t * 1000 + rand(500),
                    1_700_000_000_000 + t * 1000 + 600,
                );
                out.push_str(&row);
                out.push('\n');
                match rand(30) {
                    0 => {
                        out.push_str(&row);
                        out.push('\n');
                    }
                    1 => {
                        out.push_str(&row.replace("\"name\":\"n", "\"name\":\"clash"));
                        out.push('\n');
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// Whatever order a trace's spans are written in (oldest first, newest first, shuffled,
    /// with equal start times), the model has them by start time, then by place in the file.
    #[test]
    fn spans_of_a_trace_are_in_time_order_however_written() {
        let mut rng = crate::testing::XorShift(5);
        for order in ["oldest first", "newest first", "shuffled"] {
            let mut text = String::new();
            for t in 1..=300u64 {
                let n = 1 + rng.below(12);
                // Starts with ties: a few distinct values.
                let mut starts: Vec<u64> = (0..n).map(|_| rng.below(4)).collect();
                match order {
                    "oldest first" => starts.sort_unstable(),
                    "newest first" => starts.sort_unstable_by(|a, b| b.cmp(a)),
                    _ => {}
                }
                for (k, start) in starts.iter().enumerate() {
                    text.push_str(&format!(
                        r#"{{"name":"n","context.span_id":"{:016x}","context.trace_id":"{t:032x}","start_time":{}}}"#,
                        t << 8 | k as u64,
                        1_700_000_000_000 + start
                    ));
                    text.push('\n');
                }
            }
            let src = Source::from_bytes("t.jsonl", text.into_bytes());
            let index = crate::index::build(vec![src], &Progress::default()).expect("index");
            let model = build(index);
            for t in &model.traces {
                let keys: Vec<(i64, u64)> = model.order
                    [t.spans.start as usize..t.spans.end as usize]
                    .iter()
                    .map(|&i| (model.span(i).start(), model.index.loc(i)))
                    .collect();
                assert!(keys.is_sorted(), "{order}: {keys:?}");
            }
        }
    }

    /// Every span's parent id reads as written once the trees hold the links (the column
    /// dropped, the ids the links do not give back kept), and again in a model built anew
    /// from the same index (the ids go back into the column first).
    #[test]
    fn parent_ids_read_as_written_after_the_links_and_a_rebuild() {
        let text = export(400);
        let index = || {
            let src = Source::from_bytes("t.jsonl", text.clone().into_bytes());
            crate::index::build(vec![src], &Progress::default()).expect("index")
        };
        let fresh = index();
        let written: Vec<u64> = fresh.parents.column().to_vec();
        assert_eq!(written.len(), fresh.spans.len());
        let ids = |m: &Model| -> Vec<u64> {
            (0..u32::try_from(m.index.spans.len()).unwrap())
                .map(|i| m.parent_id(i))
                .collect()
        };
        let model = build(fresh);
        assert!(model.index.parents.column().is_empty());
        let kept = model.index.parents.kept();
        assert!(
            kept > 20 && kept < written.len() / 4,
            "orphans, cycles, re-exports kept: {kept}"
        );
        assert_eq!(ids(&model), written);
        let again = model.rebuild(infer::Options::default());
        assert_eq!(ids(&again), written);
        assert_eq!(again.parents, build(index()).parents);
        assert_eq!(again.index.parents.kept(), kept);
    }

    /// The cycle search is skipped only for traces whose links all go back in time, where it
    /// finds nothing: the trees are those the search on every trace makes, on exports with
    /// cycles, orphans, re-exports and children that start before their parents.
    #[test]
    fn cycle_search_skipped_only_where_it_finds_nothing() {
        for traces in [500, 4_000] {
            let text = export(traces);
            let src = Source::from_bytes("t.jsonl", text.into_bytes());
            let mut index = crate::index::build(vec![src], &Progress::default()).expect("index");
            let mut trees = |always: bool| {
                ALWAYS_SEARCH_CYCLES.with(|c| c.set(always));
                let built = trees_on(&mut index, 1);
                ALWAYS_SEARCH_CYCLES.with(|c| c.set(false));
                index
                    .parents
                    .unsettle_with(&index.spans, |i| built.0.get(i));
                built
            };
            let (fast, slow) = (trees(false), trees(true));
            assert!(slow.4.cycles.len() > 3, "cycles: {:?}", slow.4.cycles);
            assert_eq!(fast.0, slow.0, "parents");
            assert_eq!(fast.1, slow.1, "order");
            assert_eq!(format!("{:?}", fast.2), format!("{:?}", slow.2), "traces");
            assert_eq!(format!("{:?}", fast.4), format!("{:?}", slow.4), "issues");
        }
    }

    /// Every job is worked once, and the results come in the jobs' order, on 1 to 7 workers
    /// (more workers than jobs too), whichever thread takes which job.
    #[test]
    fn jobs_on_threads_in_order_once() {
        for jobs in [0usize, 1, 2, 3, 16, 61] {
            for workers in [0usize, 1, 2, 3, 7] {
                let worked = std::sync::atomic::AtomicUsize::new(0);
                let out = on_threads((0..jobs).collect(), workers, |j: usize| {
                    worked.fetch_add(1, Relaxed);
                    // Uneven jobs, so that the threads take them out of turn.
                    if j.is_multiple_of(5) {
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    (j, j * j)
                });
                assert_eq!(worked.load(Relaxed), jobs, "{jobs} jobs on {workers}");
                let want: Vec<(usize, usize)> = (0..jobs).map(|j| (j, j * j)).collect();
                assert_eq!(out, want, "{jobs} jobs on {workers}");
            }
        }
    }

    /// A panic in a job is raised again by the caller, whichever thread ran it.
    #[test]
    fn jobs_on_threads_raise_a_panic() {
        for workers in [1usize, 2, 3] {
            let caught = std::panic::catch_unwind(|| {
                on_threads((0..9).collect(), workers, |j: u32| {
                    assert!(j != 6, "job 6 fails");
                    j
                })
            });
            assert!(caught.is_err(), "on {workers}");
        }
    }

    #[test]
    fn spans_grouped_on_two_threads_as_on_one() {
        let text = export(3_000);
        let src = Source::from_bytes("t.jsonl", text.into_bytes());
        let mut index = crate::index::build(vec![src], &Progress::default()).expect("index");
        let nt = index.traces.len() as u64;
        assert!(nt > 100);
        let mut rng = crate::testing::XorShift(61);
        for case in 0..40 {
            // Spans moved between traces (some to none), counted again; in every other case
            // some counts then spoiled (the one pass is made again), not the last trace's,
            // whose short count would make the one pass write past the table.
            for s in index.spans.iter_mut() {
                match rng.below(if case == 0 { 1_000_000 } else { 20 }) {
                    0 => s.trace = rng.below(nt) as u32,
                    1 => s.trace = NONE,
                    _ => {}
                }
            }
            index.recount_traces();
            if case % 2 == 1 {
                for _ in 0..1 + rng.below(4) {
                    let (a, b) = (rng.below(nt - 1) as usize, rng.below(nt - 1) as usize);
                    if index.trace_spans[a] > 0 {
                        index.trace_spans[a] -= 1;
                        index.trace_spans[b] += 1;
                    }
                }
            }
            let one = group_by_trace(&index);
            let (two, made) = group_by_trace_beside(&index, || 7);
            assert_eq!(made, 7);
            assert_eq!(two, one, "case {case}");
        }
    }

    #[test]
    fn traces_built_on_several_threads_match_one_thread() {
        let text = export(12_000);
        let src = Source::from_bytes("t.jsonl", text.into_bytes());
        let index = crate::index::build(vec![src], &Progress::default()).expect("index");
        assert!(index.spans.len() > 60_000);
        let mut index = index;
        let trees = |index: &mut Index, workers| {
            let mut column = index.parents.clone();
            let built = trees_on(index, workers);
            assert!(index.parents.column().is_empty(), "the column settled");
            // The ids kept are those a pass over every span after the links keeps.
            column.settle_with(&index.spans, |i| built.0.get(i));
            assert_eq!(
                format!("{:?}", index.parents),
                format!("{column:?}"),
                "parent ids kept on {workers} threads"
            );
            // The column back, for the next build (as a model built again does).
            index
                .parents
                .unsettle_with(&index.spans, |i| built.0.get(i));
            built
        };
        let one = trees(&mut index, 1);
        let issues = &one.4;
        assert!(
            [
                issues.orphans.len(),
                issues.cycles.len(),
                issues.duplicates.len(),
                issues.id_clashes.len(),
                issues.session_conflicts.len()
            ]
            .iter()
            .all(|&n| n > 10),
            "the export has every kind of problem: {issues:?}"
        );
        // The tallies are what one pass over the records finds, re-exported copies left out.
        let copies: std::collections::HashSet<u32> =
            issues.duplicates.iter().map(|&(_, d)| d).collect();
        let nt = index.traces.len();
        let mut want = (vec![0u32; nt], vec![false; nt]);
        for (i, rec) in index.spans.iter().enumerate() {
            let t = rec.trace as usize;
            if t >= nt || copies.contains(&(i as u32)) {
                continue;
            }
            let tool = crate::model::conversation::tools::short_name(index.strings.get(rec.name));
            match rec.kind() {
                Kind::Llm => {
                    let p = one.0.get(i as u32);
                    if p == NONE || index.spans[p as usize].kind() != Kind::Llm {
                        want.0[t] += 1;
                    }
                }
                Kind::Tool | Kind::Agent => {
                    want.1[t] |= crate::model::conversation::tools::starts_subagent(tool);
                }
                _ => {}
            }
        }
        assert!(want.0.iter().filter(|&&c| c > 1).count() > 100);
        assert!(want.1.iter().filter(|&&d| d).count() > 100);
        assert!(want.1.iter().filter(|&&d| !d).count() > 100);
        let want = PerTrace::from_counts(&want.0, &want.1);
        assert_eq!(one.5, want, "per-trace tallies");
        assert!(!one.3.0.is_empty(), "traces with token sums past 32 bits");
        // Each trace's user is the one `user` finds: the root's, else its first span's that
        // has one, else the trace's metadata's.
        let mut users = [0usize; 3];
        for (t, trace) in one.2.iter().enumerate() {
            let members = &one.1[trace.spans.start as usize..trace.spans.end as usize];
            let root = members
                .iter()
                .copied()
                .find(|&i| one.0.get(i) == NONE)
                .unwrap_or(NONE);
            let meta = index.meta(t as u32).user;
            assert_eq!(trace.user, user(&index, root, members, meta), "trace {t}");
            let root_has = root != NONE && index.extra(root).is_some_and(|e| e.user != 0);
            users[usize::from(trace.user != 0) + usize::from(root_has)] += 1;
        }
        assert!(users.iter().all(|&n| n > 100), "users: {users:?}");
        for workers in [2, 3, 7] {
            let many = trees(&mut index, workers);
            assert_eq!(one.0, many.0, "parents on {workers} threads");
            assert_eq!(one.1, many.1, "order on {workers} threads");
            assert_eq!(format!("{:?}", one.2), format!("{:?}", many.2), "traces");
            assert_eq!(one.3, many.3, "big token sums on {workers} threads");
            assert_eq!(format!("{:?}", one.4), format!("{:?}", many.4), "issues");
            assert_eq!(one.5, many.5, "per-trace tallies on {workers} threads");
        }
        // A model that grows tallies them in a pass of its own: the same.
        let model = crate::model::build(index);
        assert_eq!(
            crate::model::conversation::roles::tallied(&model),
            want,
            "tallied in a pass"
        );
    }
}
