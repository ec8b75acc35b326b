//! Linking traces whose LLM calls continue one conversation.
//!
//! Every LLM call's input messages are hashed once, by the index scan ([`Print`]). A call's
//! whole history is registered under the hash of its message sequence; a later call looks up
//! the hashes of its own prefixes, longest first, and links to the call whose whole history is
//! its longest proper prefix. That is one hash lookup per message, no pairwise comparison.
//! A prefix must hold a message that is not a system prompt, so a shared system prompt never
//! links anything. When the prefix is the history of calls in different conversations (two
//! conversations that began with the same words), the earlier call's answer must be the next
//! message; if that does not single one out, the link is refused and reported.

use super::{Model, NONE, Refusal, Report, SessionOrigin};
use crate::format::history::{Fingerprint, Reader, mix, prefixes};
use crate::format::prints::Print;
use crate::index::record::flag;
use std::hash::Hasher;

/// One fingerprinted LLM call: its span, 4 bytes (its fingerprint stays in the index, its
/// trace and start in the span's record).
pub(super) struct Call {
    pub span: u32,
}

impl Call {
    /// Its trace.
    #[inline]
    pub fn trace(&self, model: &Model) -> u32 {
        model
            .index
            .spans
            .get(self.span as usize)
            .map_or(NONE, |r| r.trace)
    }

    pub fn print<'m>(&self, model: &'m Model) -> &'m Print {
        model
            .index
            .prints
            .of_span(self.span)
            .map_or(&Print::EMPTY, |(_, p)| p)
    }

    /// Its number among the index's fingerprints.
    pub fn at(&self, model: &Model) -> u32 {
        model
            .index
            .prints
            .of_span(self.span)
            .map_or(NONE, |(k, _)| k)
    }

    /// How many of its messages are not system prompts.
    pub fn conversational(&self, model: &Model) -> usize {
        model.index.prints.conversational(self.at(model))
    }

    /// When its span started (nanoseconds since the epoch; 0 when unknown).
    pub fn start(&self, model: &Model) -> i64 {
        model
            .index
            .spans
            .get(self.span as usize)
            .map_or(0, crate::index::record::SpanRec::start)
    }

    /// The hashes of its input messages.
    pub fn messages<'m>(&self, model: &'m Model) -> &'m [u64] {
        model.index.prints.messages(self.print(model))
    }
}

/// The LLM calls the scan fingerprinted, earliest first (by start, then span), re-exported
/// spans left out.
pub(super) fn calls(model: &Model) -> Vec<Call> {
    calls_on(model, workers_for(model.index.prints.calls.len()))
}

/// [`calls`], sorted (when they must be) on `workers` threads.
fn calls_on(model: &Model, workers: usize) -> Vec<Call> {
    let spans = &model.index.spans;
    let traces = model.traces.len();
    // The spans of prints `range` that are kept.
    let kept = |range: std::ops::Range<usize>| {
        model
            .index
            .prints
            .iter()
            .skip(range.start)
            .take(range.len())
            .filter_map(|(span, _)| {
                let rec = spans.get(span as usize)?;
                (!rec.has(flag::DUPLICATE) && (rec.trace as usize) < traces).then_some(span)
            })
    };
    let start = |span: u32| {
        spans
            .get(span as usize)
            .map_or(0, crate::index::record::SpanRec::start)
    };
    in_start_order(kept, model.index.prints.calls.len(), start, workers)
}

/// How many threads look calls up or sort them (or the traces) when there are `calls` (or
/// traces).
pub(super) fn workers_for(calls: usize) -> usize {
    if calls < PARALLEL_CALLS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    }
}

/// The calls on the spans `spans(0..count)` gives (ascending; `spans(range)` the part of them
/// among `range`), by start (`start` reads a span's), then span; sorted, when they must be,
/// on `workers` threads.
fn in_start_order<I: Iterator<Item = u32>>(
    spans: impl Fn(std::ops::Range<usize>) -> I + Sync,
    count: usize,
    start: impl Fn(u32) -> i64 + Sync,
    workers: usize,
) -> Vec<Call> {
    let call = |span| Call { span };
    // Most exports write calls in time order or its reverse (newest first): no sort then.
    let (mut ascending, mut descending) = (true, true);
    let mut last: Option<(i64, u32)> = None;
    for span in spans(0..count) {
        let now = (start(span), span);
        if let Some(before) = last {
            ascending &= before <= now;
            descending &= before.0 >= now.0;
            if !ascending && !descending {
                break;
            }
        }
        last = Some(now);
    }
    if ascending {
        return spans(0..count).map(call).collect();
    }
    if descending {
        // Newest first: reversed, then each run of one start put back in span order.
        let mut calls: Vec<Call> = spans(0..count).map(call).collect();
        calls.reverse();
        for run in calls.chunk_by_mut(|a, b| start(a.span) == start(b.span)) {
            run.reverse();
        }
        return calls;
    }
    // Sorted on keys read out of the records once (no look-up per comparison): the start's
    // two halves (its sign bit flipped, so that they compare as the start does) and the span,
    // 12 bytes a call, no two alike; made and sorted a run of the calls on each thread (most
    // exports write them nearly in order: see `model::sort`); the calls are made from the
    // keys in place.
    let key = |span: u32| {
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let t = (start(span) as u64) ^ (1 << 63);
        #[allow(clippy::cast_possible_truncation)]
        [(t >> 32) as u32, t as u32, span]
    };
    let fill = |first: usize, slots: &mut [[u32; 3]]| {
        let (mut n, len) = (0, slots.len());
        for (slot, span) in slots.iter_mut().zip(spans(first..first + len)) {
            *slot = key(span);
            n += 1;
        }
        n
    };
    let keys = crate::model::sort::filled_sorted(count, workers, &fill);
    let mut calls: Vec<Call> = keys.into_iter().map(|[_, _, span]| call(span)).collect();
    calls.shrink_to_fit();
    calls
}

/// Traces joined into conversations: a union-find whose roots carry the explicit session of
/// their group, if any: a group that holds one has an explicitly sessioned trace for its root,
/// whose session is the group's (so no table of labels is kept beside the links).
pub(super) struct Links {
    parent: Vec<u32>,
    /// Per trace, whether it is a side request (made once the links are: see
    /// [`Links::add_calls`]).
    pub side: Vec<bool>,
    /// Per trace, its earliest fingerprinted call (index into the calls), or `NONE` (made
    /// once the links are).
    pub first_call: Vec<u32>,
    /// Per call, its trace ([`traces_of_calls`]), made for `first_call` and kept for the
    /// sub-agents, which take it (so that it is read once).
    pub call_trace: Vec<u32>,
}

impl Links {
    fn new(model: &Model) -> Links {
        let n = model.traces.len();
        Links {
            parent: (0..n).map(|t| u32::try_from(t).unwrap_or(NONE)).collect(),
            side: Vec::new(),
            first_call: Vec::new(),
            call_trace: Vec::new(),
        }
    }

    /// Makes the per-trace tables the steps after the links read (not held while the links
    /// are made, at the build's peak memory).
    fn add_calls(&mut self, model: &Model, calls: &[Call]) {
        let n = model.traces.len();
        let traces = traces_of_calls(model, calls, workers_for(calls.len()));
        let mut first_call = vec![NONE; n];
        for (i, &t) in traces.iter().enumerate() {
            if let Some(slot) = first_call.get_mut(t as usize)
                && *slot == NONE
            {
                *slot = u32::try_from(i).unwrap_or(NONE);
            }
        }
        self.call_trace = traces;
        self.first_call = first_call;
        self.side = vec![false; n];
    }

    /// Trace `t`'s explicit session (interned id), or `NONE`: what labels a group whose root
    /// it is.
    fn label(model: &Model, t: u32) -> u32 {
        model
            .traces
            .get(t as usize)
            .filter(|tr| tr.origin() == SessionOrigin::Explicit)
            .map_or(NONE, |tr| tr.session)
    }

    /// Per trace, its earliest fingerprinted call as an index into the index's prints (not
    /// into `calls`), or `NONE`: `first_call`, turned so in place.
    pub fn into_first_prints(self, model: &Model, calls: &[Call]) -> Vec<u32> {
        let mut first = self.first_call;
        for f in &mut first {
            *f = calls.get(*f as usize).map_or(NONE, |c| c.at(model));
        }
        first
    }

    pub fn find(&mut self, mut t: u32) -> u32 {
        while self.parent[t as usize] != t {
            let p = self.parent[t as usize];
            self.parent[t as usize] = self.parent[p as usize];
            t = p;
        }
        t
    }

    /// What identifies a group: its explicit session, else its root.
    pub fn group(&mut self, model: &Model, t: u32) -> (u32, u32) {
        let r = self.find(t);
        match Links::label(model, r) {
            NONE => (NONE, r),
            l => (l, NONE),
        }
    }

    /// Joins two groups, unless they hold different explicit sessions (returned then). The
    /// first's root stays the root, unless only the second's group has a session: then its
    /// root (whose session that is) becomes the root of both.
    pub fn union(&mut self, model: &Model, a: u32, b: u32) -> Result<(), (u32, u32)> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        let (la, lb) = (Links::label(model, ra), Links::label(model, rb));
        if la != NONE && lb != NONE && la != lb {
            return Err((la, lb));
        }
        if la == NONE && lb != NONE {
            self.parent[ra as usize] = rb;
        } else {
            self.parent[rb as usize] = ra;
        }
        Ok(())
    }
}

/// Per call, its trace (read from the call's record: the calls are in start order, the
/// records in the file's, so this is a read far from the last for each call), made on
/// `workers` threads, each a run of the calls.
pub(super) fn traces_of_calls(model: &Model, calls: &[Call], workers: usize) -> Vec<u32> {
    let mut traces = vec![NONE; calls.len()];
    let fill = |first: usize, slots: &mut [u32]| {
        for (slot, c) in slots.iter_mut().zip(calls.iter().skip(first)) {
            *slot = c.trace(model);
        }
    };
    crate::model::runs::in_runs(&mut traces, workers, &fill);
    traces
}

/// How a refused link names a group: its session id, or one of its trace ids.
pub(super) fn group_name(model: &Model, links: &mut Links, t: u32) -> String {
    match links.group(model, t) {
        (NONE, root) => model.index.trace_id_text(root),
        (label, _) => model.str(label).to_owned(),
    }
}

/// Below this many calls [`link`] looks calls up on one thread.
const PARALLEL_CALLS: usize = 1 << 14;

/// Calls looked up at a time in [`link`] (a chunk: what a thread takes at once).
const CALLS_PER_CHUNK: usize = 1 << 10;

/// Chunks looked up in [`link`] and not linked yet, at most: their candidates are held until
/// they are linked, so this bounds the memory that takes (16k calls' worth).
const CHUNKS_AHEAD: usize = 16;

/// `look(range)` of each chunk of `0..n` (`chunk` items each, the last one shorter), and
/// `link` of what each gave, in the chunks' order, on this thread. The look-ups are made on
/// `workers` threads, this one among them, a chunk at a time by whichever is free (so a
/// thread that starts late, on a busy machine, takes fewer, and none waits for it to start),
/// while this one links: it links each chunk as soon as it is looked up, and looks up the
/// next free chunk meanwhile. No chunk is looked up more than `ahead` chunks after the one
/// being linked, so at most `ahead` chunks' results are held at once.
fn pipelined<T: Send>(
    n: usize,
    (chunk, ahead): (usize, usize),
    workers: usize,
    look: &(impl Fn(std::ops::Range<usize>) -> T + Sync),
    link: &mut impl FnMut(T),
) {
    use std::sync::{Condvar, Mutex, PoisonError};
    let chunk = chunk.max(1);
    let ahead = ahead.max(1);
    let chunks = n.div_ceil(chunk);
    let range = |k: usize| k * chunk..((k + 1) * chunk).min(n);
    if workers <= 1 || chunks <= 1 {
        for k in 0..chunks {
            link(look(range(k)));
        }
        return;
    }
    /// What the threads share: the chunks handed out so far, the chunk being linked, the
    /// results not linked yet (chunk `k`'s in slot `k % ahead`), and whether a worker died.
    struct Queue<T> {
        next: usize,
        linking: usize,
        slots: Vec<Option<T>>,
        failed: bool,
    }
    let queue = Mutex::new(Queue {
        next: 0,
        linking: 0,
        slots: (0..ahead).map(|_| None).collect(),
        failed: false,
    });
    let changed = Condvar::new();
    let lock = || queue.lock().unwrap_or_else(PoisonError::into_inner);
    /// Marks the queue failed if its thread unwinds: a worker's (the linking thread stops
    /// waiting for the chunk it had taken, and looks it up itself), or the linking thread's
    /// (the workers stop waiting for room).
    struct Alive<'a, T> {
        queue: &'a Mutex<Queue<T>>,
        changed: &'a Condvar,
    }
    impl<T> Drop for Alive<'_, T> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .failed = true;
                self.changed.notify_all();
            }
        }
    }
    let worker = || {
        let _alive = Alive {
            queue: &queue,
            changed: &changed,
        };
        loop {
            let k = {
                let mut q = changed
                    .wait_while(lock(), |q| {
                        q.next < chunks && q.next >= q.linking + ahead && !q.failed
                    })
                    .unwrap_or_else(PoisonError::into_inner);
                if q.next >= chunks || q.failed {
                    return;
                }
                q.next += 1;
                q.next - 1
            };
            let got = look(range(k));
            lock().slots[k % ahead] = Some(got);
            changed.notify_all();
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..workers {
            scope.spawn(worker);
        }
        // (This thread's death, too, lets the workers go.)
        let _alive = Alive {
            queue: &queue,
            changed: &changed,
        };
        for c in 0..chunks {
            let got = loop {
                let mut q = lock();
                if let Some(got) = q.slots[c % ahead].take() {
                    break got;
                }
                if q.next < chunks && q.next < c + ahead {
                    // A free chunk (this one, if no worker took it yet): looked up here.
                    let k = q.next;
                    q.next += 1;
                    drop(q);
                    let got = look(range(k));
                    if k == c {
                        break got;
                    }
                    lock().slots[k % ahead] = Some(got);
                    continue;
                }
                if q.failed {
                    // The worker that took it died: looked up again here (its panic is
                    // raised when the scope ends).
                    drop(q);
                    break look(range(c));
                }
                // A worker has it: wait for it (or for its death).
                drop(
                    changed
                        .wait_while(q, |q| q.slots[c % ahead].is_none() && !q.failed)
                        .unwrap_or_else(PoisonError::into_inner),
                );
            };
            link(got);
            lock().linking = c + 1;
            changed.notify_all();
        }
    });
}

/// A registered history: the top 32 bits of the hash of a call's whole history, and the
/// call; 8 bytes, the registry holding one per call. A look-up compares the messages of the
/// calls it finds with its own, so the bits left out decide nothing.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Registered {
    hash: u32,
    call: u32,
}

/// The bits of a history's hash the registry keeps.
fn top(h: u64) -> u32 {
    (h >> 32) as u32
}

impl Registered {
    pub(super) fn hash(self) -> u32 {
        self.hash
    }
    pub(super) fn call(self) -> u32 {
        self.call
    }
}

/// The registry: (hash of a call's whole history, call) for every call that has a message not
/// a system prompt, sorted. Filled in place on `workers` threads, a slot per call, each worker
/// its run of the calls (no parts to join), then the calls without one dropped in place, and
/// sorted on `workers` threads too, cut by ranges of the hashes (`model::sort::by_ranges`).
pub(super) fn registry(model: &Model, calls: &[Call], workers: usize) -> Vec<Registered> {
    let none = Registered {
        hash: 0,
        call: NONE,
    };
    let mut registry = vec![none; calls.len()];
    let fill = |first: usize, slots: &mut [Registered]| {
        let mut pre = Vec::new();
        for (k, slot) in slots.iter_mut().enumerate() {
            let i = first + k;
            let Some(c) = calls.get(i) else { break };
            if c.conversational(model) == 0 {
                continue;
            }
            prefixes(c.messages(model), &mut pre);
            if let Some(&full) = pre.last() {
                *slot = Registered {
                    hash: top(full),
                    call: u32::try_from(i).unwrap_or(NONE),
                };
            }
        }
    };
    crate::model::runs::in_runs(&mut registry, workers, &fill);
    registry.retain(|r| r.call() != NONE);
    crate::model::sort::by_ranges(&mut registry, workers, &|r: &Registered| r.hash);
    registry
}

/// Links each call to the call whose history its own extends; see the module docs.
pub(super) fn link(model: &Model, calls: &[Call], report: &mut Report) -> Links {
    link_on(model, calls, report, workers_for(calls.len()))
}

/// [`link`], the look-ups made on `workers` threads (the links do not depend on how many).
fn link_on(model: &Model, calls: &[Call], report: &mut Report, workers: usize) -> Links {
    link_in_chunks(
        model,
        calls,
        report,
        workers,
        (CALLS_PER_CHUNK, CHUNKS_AHEAD),
    )
}

/// [`link_on`], the calls looked up in `chunks`: (calls per chunk, chunks ahead at most; see
/// [`pipelined`]).
fn link_in_chunks(
    model: &Model,
    calls: &[Call],
    report: &mut Report,
    workers: usize,
    chunks: (usize, usize),
) -> Links {
    let mut links = Links::new(model);
    let registry = registry(model, calls, workers);
    // A bit per value of a hash's top bits for the hashes registered: most prefixes are no
    // call's whole history, and one look at this table (512 KiB) answers them instead of a
    // binary search through the registry.
    let mut registered = vec![0u64; 1 << (FILTER_BITS - 6)];
    for r in &registry {
        let b = filter_bit(u64::from(r.hash()) << 32);
        registered[b >> 6] |= 1 << (b & 63);
    }
    // Each call's longest prefix that is some earlier calls' whole history, and those calls:
    // (call, prefix length, where its candidates start in `earlier`, its trace), found for a
    // chunk of calls at a time on all cores, with the candidates' traces (read from their
    // records there, not on the one thread that links); the links they make, in call order,
    // made on this thread as the chunks come (see `pipelined`).
    let candidates = |part: std::ops::Range<usize>| {
        let mut pre = Vec::new();
        let mut found: Vec<(u32, u32, u32, u32)> = Vec::new();
        let mut earlier: Vec<Candidate> = Vec::new();
        for j in part {
            let c = &calls[j];
            let Some(first) = c.print(model).first_turn() else {
                continue;
            };
            let messages = c.messages(model);
            prefixes(messages, &mut pre);
            let n = messages.len();
            for k in (first + 1..n).rev() {
                let b = filter_bit(pre[k]);
                if registered[b >> 6] & (1 << (b & 63)) == 0 {
                    continue;
                }
                let h = top(pre[k]);
                let lo = first_at_or_above(&registry, h);
                let from = earlier.len();
                earlier.extend(
                    registry[lo..]
                        .iter()
                        .take_while(|r| r.hash() == h)
                        .map(|r| r.call())
                        .filter(|&i| {
                            let e = &calls[i as usize];
                            // Calls are in start order: one before this one started no
                            // later; one after it, only with the same start.
                            i as usize != j
                                && e.print(model).len() == k
                                && ((i as usize) < j || e.start(model) <= c.start(model))
                                && e.messages(model) == &messages[..k]
                        })
                        .map(|i| Candidate {
                            call: i,
                            trace: calls[i as usize].trace(model),
                        }),
                );
                if earlier.len() == from {
                    continue;
                }
                let at = u32::try_from(from).unwrap_or(NONE);
                found.push((
                    u32::try_from(j).unwrap_or(NONE),
                    u32::try_from(k).unwrap_or(NONE),
                    at,
                    c.trace(model),
                ));
                break;
            }
        }
        (found, earlier)
    };
    let mut reader = Reader::default();
    let mut link = |(found, earlier): Looked| {
        for (n, &(j, k, at, trace)) in found.iter().enumerate() {
            let to = found.get(n + 1).map_or(earlier.len(), |f| f.2 as usize);
            let earlier = &earlier[at as usize..to];
            let c = &calls[j as usize];
            link_one(
                model,
                &mut links,
                calls,
                earlier,
                (c, trace),
                k as usize,
                &mut reader,
                report,
            );
        }
    };
    pipelined(calls.len(), chunks, workers, &candidates, &mut link);
    drop(registry);
    drop(registered);
    links.add_calls(model, calls);
    links
}

/// What [`link_in_chunks`] looks up for a chunk of calls: per call that extends some earlier
/// calls' history, (call, prefix length, where its candidates start in the second, its trace),
/// and the candidates.
type Looked = (Vec<(u32, u32, u32, u32)>, Vec<Candidate>);

/// A call whose whole history a later call's begins with, and its trace.
#[derive(Clone, Copy)]
struct Candidate {
    call: u32,
    trace: u32,
}

/// Links call `c` (with its trace) to one of the `earlier` calls whose whole history is its
/// first `k` messages, or reports why not.
#[allow(clippy::too_many_arguments)]
fn link_one(
    model: &Model,
    links: &mut Links,
    calls: &[Call],
    earlier: &[Candidate],
    (c, trace): (&Call, u32),
    k: usize,
    reader: &mut Reader,
    report: &mut Report,
) {
    match choose(model, links, calls, earlier, c, k, reader) {
        Some(e) => {
            if let Err((a, b)) = links.union(model, e.trace, trace) {
                report.refused.push(Refusal {
                    reason: "explicit_sessions",
                    trace_id: model.index.trace_id_text(trace),
                    candidates: vec![model.str(b).to_owned(), model.str(a).to_owned()],
                    trace,
                });
            }
        }
        None => {
            let mut candidates: Vec<String> = earlier
                .iter()
                .map(|e| group_name(model, links, e.trace))
                .collect();
            candidates.sort();
            candidates.dedup();
            report.refused.push(Refusal {
                reason: "ambiguous_history",
                trace_id: model.index.trace_id_text(trace),
                candidates,
                trace,
            });
        }
    }
}

/// Where the first entry of `registry` (sorted) with a hash of `h` or above is: its
/// `partition_point` by hash. The hashes are mixed, so spread evenly: a few steps of
/// interpolation (each one read of the table, where a binary search's last steps each miss
/// the cache) narrow the range, a binary search finishes in what is left (and takes any range
/// the interpolation did not narrow, as on hashes bunched together).
fn first_at_or_above(registry: &[Registered], h: u32) -> usize {
    // Every entry before `lo` is below `h`, every entry from `hi` on is at or above it; the
    // entries between have hashes in `lo_h..=hi_h`, which holds `h`.
    let (mut lo, mut hi) = (0usize, registry.len());
    let (mut lo_h, mut hi_h) = (0u64, u64::from(u32::MAX));
    for _ in 0..INTERPOLATION_STEPS {
        let len = hi - lo;
        if len <= 16 {
            break;
        }
        // Below 2^32 each, so the product fits.
        let off = (u64::from(h) - lo_h) * len as u64 / (hi_h - lo_h + 1);
        let g = lo + usize::try_from(off).unwrap_or(len).min(len - 1);
        let gh = registry[g].hash;
        if gh < h {
            lo = g + 1;
            lo_h = u64::from(gh);
        } else {
            hi = g;
            hi_h = u64::from(gh);
        }
    }
    lo + registry[lo..hi].partition_point(|r| r.hash < h)
}

/// How many steps of interpolation [`first_at_or_above`] takes at most.
const INTERPOLATION_STEPS: usize = 4;

/// The registered-hash filter of [`link`] has 2^this bits.
const FILTER_BITS: u32 = 22;

/// A history hash's bit in that filter: its top bits (the hashes are mixed).
fn filter_bit(h: u64) -> usize {
    usize::try_from(h >> (64 - FILTER_BITS)).unwrap_or(0)
}

/// The one conversation among `earlier` (calls with the same history as `later`'s first `k`
/// messages): all in one group, or singled out by their answer being `later`'s message `k`.
/// The answer is written in another encoding than the message that resends it, so this reads
/// the text leaves of the spans concerned (rare: two conversations that began alike): the
/// answer must hash like the message, or, where an exporter left the tool calls out of the
/// answer, all its text must be in it.
#[allow(clippy::too_many_arguments)]
fn choose(
    model: &Model,
    links: &mut Links,
    calls: &[Call],
    earlier: &[Candidate],
    later: &Call,
    k: usize,
    reader: &mut Reader,
) -> Option<Candidate> {
    let one_group =
        |links: &mut Links, set: &mut dyn Iterator<Item = Candidate>| -> Option<Candidate> {
            let mut chosen: Option<(Candidate, (u32, u32))> = None;
            for e in set {
                let g = links.group(model, e.trace);
                match chosen {
                    None => chosen = Some((e, g)),
                    Some((_, cg)) if cg == g => {}
                    Some(_) => return None,
                }
            }
            chosen.map(|(e, _)| e)
        };
    if let Some(e) = one_group(links, &mut earlier.iter().copied()) {
        return Some(e);
    }
    let bytes = |span: u32| model.index.span_bytes(span);
    let (next, leaves) = reader.message(bytes(later.span), k);
    let answers: Vec<(Candidate, Fingerprint)> = earlier
        .iter()
        .filter_map(|&e| Some((e, reader.fingerprint(bytes(calls[e.call as usize].span))?)))
        .collect();
    if let Some(e) = one_group(
        links,
        &mut answers
            .iter()
            .filter(|(_, f)| next.is_some_and(|n| f.answer == n))
            .map(|&(e, _)| e),
    ) {
        return Some(e);
    }
    one_group(
        links,
        &mut answers
            .iter()
            .filter(|(_, f)| f.answered_with(&leaves))
            .map(|&(e, _)| e),
    )
}

/// Gives every linked trace its session: the explicit one its group holds, or a new inferred
/// one for groups of two or more traces. Gives back the links (their first calls are wanted
/// still) and every trace, earliest first (`model::build::traces_by_start`: the grouping into
/// sessions reads them in that order too).
pub(super) fn assign(
    model: &mut Model,
    calls: &[Call],
    mut links: Links,
    report: &mut Report,
) -> (Links, Vec<u32>) {
    let by_start = crate::model::build::traces_by_start(model);
    // (group root, position in `by_start`) of unlabelled groups' traces: sorted, a group's
    // traces are together, earliest first.
    let mut members: Vec<(u32, u32)> = Vec::new();
    // Side requests counted on the way (every trace is in `by_start` once; one with no spans
    // keeps its flag).
    let mut side_requests = 0;
    for (k, &t) in by_start.iter().enumerate() {
        if model.traces[t as usize].spans.is_empty() {
            side_requests += usize::from(model.traces[t as usize].side());
            continue;
        }
        model.traces[t as usize].set_side(links.side[t as usize]);
        side_requests += usize::from(links.side[t as usize]);
        let origin = model.traces[t as usize].origin();
        match links.group(model, t) {
            (NONE, root) => members.push((root, u32::try_from(k).unwrap_or(NONE))),
            (label, _) if origin == SessionOrigin::None => {
                let tr = &mut model.traces[t as usize];
                tr.session = label;
                tr.set_origin(SessionOrigin::Inferred);
                tr.set_inferred_by(Some(super::super::InferredBy::History));
                report.joined_explicit += 1;
            }
            _ => {}
        }
    }
    // (No two alike: an unstable sort, which needs no scratch copy of them.)
    members.sort_unstable();
    let trace = |k: u32| by_start.get(k as usize).copied().unwrap_or(NONE);
    let mut groups: Vec<&[(u32, u32)]> = members
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() > 1)
        .collect();
    groups.sort_unstable_by_key(|g| trace(g[0].1));
    for group in groups {
        let group: Vec<u32> = group.iter().map(|&(_, k)| trace(k)).collect();
        let head = group
            .iter()
            .copied()
            .find(|&t| !links.side[t as usize])
            .unwrap_or(group[0]);
        let id = inferred_id(model, calls, &links, head);
        let id = model.index.strings.intern(&id);
        for &t in &group {
            let tr = &mut model.traces[t as usize];
            tr.session = id;
            tr.set_origin(SessionOrigin::Inferred);
            tr.set_inferred_by(Some(super::super::InferredBy::History));
        }
        report.history_sessions += 1;
        report.history_traces += group.len();
    }
    report.side_requests = side_requests;
    (links, by_start)
}

/// A stable id from the conversation's content: its first call's opening messages and the
/// trace they are in (the same on every run and in any file order).
fn inferred_id(model: &Model, calls: &[Call], links: &Links, head: u32) -> String {
    let mut h = rustc_hash::FxHasher::default();
    h.write(model.index.trace_id_text(head).as_bytes());
    let first = links.first_call[head as usize];
    if let Some(c) = calls.get(first as usize) {
        let upto = c.print(model).first_turn().map_or(0, |f| f + 1);
        let messages = c.messages(model);
        let mut pre = Vec::new();
        prefixes(&messages[..upto.min(messages.len())], &mut pre);
        h.write_u64(pre.last().copied().unwrap_or(0));
    }
    format!("inferred-{:012x}", mix(h.finish()) >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls come out by start, then fingerprint order, whatever order they came in: in order,
    /// newest first (with runs of one start), in runs written newest first, or neither; on
    /// any number of threads.
    #[test]
    fn calls_are_put_in_start_order() {
        let mut rng = crate::testing::XorShift(17);
        for case in 0..50 {
            let n = 1 + rng.below(300) as u32;
            let mut starts: Vec<i64> = (0..n).map(|_| rng.below(50) as i64).collect();
            match case % 5 {
                0 => starts.sort_unstable(),
                1 => starts.sort_unstable_by(|a, b| b.cmp(a)),
                2 => starts.fill(7),
                3 => {
                    starts.sort_unstable();
                    for run in starts.chunks_mut(1 + case) {
                        run.reverse();
                    }
                }
                _ => {}
            }
            let start = |span: u32| starts[span as usize];
            let mut want: Vec<(i64, u32)> = (0..n).map(|s| (start(s), s)).collect();
            want.sort_unstable();
            for workers in 1..4 {
                let spans = |r: std::ops::Range<usize>| r.map(|s| s as u32);
                let got: Vec<(i64, u32)> = in_start_order(spans, n as usize, start, workers)
                    .iter()
                    .map(|c| (start(c.span), c.span))
                    .collect();
                assert_eq!(got, want, "case {case} on {workers} workers");
            }
        }
    }

    /// The registry's look-up by interpolation finds what a binary search finds, on hashes
    /// spread evenly, bunched, repeated, all alike, at the ends of their range.
    #[test]
    fn registry_look_up_is_the_binary_search() {
        let mut rng = crate::testing::XorShift(41);
        for case in 0..400 {
            let n = rng.below(if case % 4 == 0 { 20_000 } else { 300 }) as usize;
            let mut reg: Vec<Registered> = (0..n as u32)
                .map(|call| {
                    let hash = match case % 5 {
                        0 | 1 => rng.below(1 << 32) as u32,
                        2 => rng.below(50) as u32 * 1000,
                        3 => u32::MAX - rng.below(3) as u32,
                        _ => {
                            if rng.below(2) == 0 {
                                rng.below(1 << 32) as u32
                            } else {
                                7
                            }
                        }
                    };
                    Registered { hash, call }
                })
                .collect();
            reg.sort_unstable();
            let mut probes: Vec<u32> = vec![0, 1, 6, 7, 8, u32::MAX, u32::MAX - 1, u32::MAX - 3];
            probes.extend(reg.iter().take(50).map(|r| r.hash));
            probes.extend(reg.iter().take(50).map(|r| r.hash.wrapping_add(1)));
            probes.extend((0..200).map(|_| rng.below(1 << 32) as u32));
            for h in probes {
                assert_eq!(
                    first_at_or_above(&reg, h),
                    reg.partition_point(|r| r.hash < h),
                    "case {case}, hash {h}"
                );
            }
        }
    }

    /// Every chunk is looked up once, and linked once, in order, whatever the threads, the
    /// chunks' size and how far ahead they may go; never more than that many chunks are
    /// looked up and not linked yet.
    #[test]
    fn pipelined_links_every_chunk_in_order() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let mut rng = crate::testing::XorShift(7);
        for case in 0..300 {
            let n = rng.below(if case % 10 == 0 { 5_000 } else { 60 }) as usize;
            let chunk = 1 + rng.below(9) as usize;
            let ahead = 1 + rng.below(5) as usize;
            for workers in [1, 2, 3, 7] {
                let (alive, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
                let look = |r: std::ops::Range<usize>| {
                    let now = alive.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    if rng_spin(r.start) {
                        std::thread::yield_now();
                    }
                    r
                };
                let mut got = Vec::new();
                pipelined(n, (chunk, ahead), workers, &look, &mut |r| {
                    got.push(r);
                    alive.fetch_sub(1, SeqCst);
                });
                let want: Vec<_> = (0..n.div_ceil(chunk))
                    .map(|k| k * chunk..((k + 1) * chunk).min(n))
                    .collect();
                assert_eq!(got, want, "case {case} on {workers}");
                assert!(most.load(SeqCst) <= ahead, "case {case} on {workers}");
            }
        }
    }

    /// Whether the look-up of a chunk starting at `at` gives its thread up for a while (so
    /// that the threads interleave in more ways).
    fn rng_spin(at: usize) -> bool {
        at.wrapping_mul(0x9e37_79b9) >> 7 & 3 == 0
    }

    /// A look-up that panics on any thread raises the panic, and no thread waits for ever.
    #[test]
    fn pipelined_raises_a_look_up_panic() {
        for workers in [1, 2, 3] {
            for bad in [0usize, 3, 9] {
                let once = std::sync::atomic::AtomicBool::new(false);
                let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let look = |r: std::ops::Range<usize>| {
                        if r.start == bad && !once.swap(true, std::sync::atomic::Ordering::SeqCst) {
                            std::panic::resume_unwind(Box::new("look-up"));
                        }
                        r
                    };
                    pipelined(40, (3, 2), workers, &look, &mut |_| {});
                }));
                assert!(got.is_err(), "{workers} workers, chunk at {bad}");
            }
        }
    }

    /// The look-ups split over workers link exactly as on one thread (the bench files take the
    /// parallel path; the fixtures, too small for it, are linked here on 1 to 7 workers, in
    /// chunks of the default size and of a few calls, taken a few ahead).
    #[test]
    fn links_do_not_depend_on_the_workers() {
        for (file, model) in crate::model::infer::linked_fixtures() {
            let calls = calls(&model);
            assert!(calls.len() > 4, "{file}");
            let run = |workers, chunks| {
                let mut report = Report::default();
                let l = link_in_chunks(&model, &calls, &mut report, workers, chunks);
                (
                    l.parent,
                    l.side,
                    l.first_call,
                    l.call_trace,
                    format!("{:?}", report.refused),
                )
            };
            let one = run(1, (CALLS_PER_CHUNK, CHUNKS_AHEAD));
            assert!(
                one.0.iter().enumerate().any(|(i, &p)| p as usize != i),
                "{file}: links"
            );
            // Each call's trace, read on any number of threads, is its record's.
            let traces: Vec<u32> = calls.iter().map(|c| c.trace(&model)).collect();
            for workers in 1..5 {
                assert_eq!(traces_of_calls(&model, &calls, workers), traces, "{file}");
            }
            assert_eq!(one.3, traces, "{file}: the links' calls' traces");
            for workers in [1, 2, 3, 7] {
                for chunks in [(CALLS_PER_CHUNK, CHUNKS_AHEAD), (1, 1), (2, 3), (5, 2)] {
                    assert_eq!(
                        run(workers, chunks),
                        one,
                        "{file} on {workers} workers, chunks {chunks:?}"
                    );
                }
            }
        }
    }
}
