//! Threads that walk records: with stack enough for the walker's deepest recursion.
//!
//! The record walker (`format::Walker`) recurses once per level of nesting, up to
//! [`MAX_WALK_DEPTH`](crate::format::MAX_WALK_DEPTH) levels; deeper values are reported, not
//! read. Its frames are small in an optimised build, but an unoptimised one (the tests' `cargo
//! test`) inlines the whole walker into one frame of about 44 KB a level: about 2.1 MB at the
//! bound, past the 2 MiB std gives a spawned thread, so a record nested 47 levels deep aborted
//! a debug build's scan worker with a stack overflow. The scan's workers are made here with
//! [`WALK_STACK`] instead: reserved address space, of which only the pages touched become
//! resident.

use super::scan::Collector;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::Scope;

/// Stack for a thread that walks records (see the module docs): four times what an
/// unoptimised build's walker needs at its deepest.
pub const WALK_STACK: usize = 8 << 20;

/// How many workers `jobs` pieces of work get: one a core, at most one a job, at least one.
pub fn count(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    cores.min(jobs).max(1)
}

/// Walks `jobs` pieces of work on [`count`] threads made by [`spawn`], each keeping one
/// collector for all the pieces it takes (see `Collector::begin`) and taking the next piece no
/// other has taken as soon as it is free: `work(i, collector)` for each piece `i`, until none
/// is left or `work` returns `false` (cancelled).
pub fn share<'b>(
    jobs: usize,
    fingerprints: bool,
    work: impl Fn(usize, &mut Collector<'b>) -> bool + Sync,
) {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut col = Collector::new(&[], 0);
        col.fingerprints = fingerprints;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= jobs || !work(i, &mut col) {
                break;
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..count(jobs) {
            spawn(scope, &worker);
        }
    });
}

/// Runs `work` on a new thread of `scope` with [`WALK_STACK`] of stack; on this thread if no
/// thread can be made (the work is then done, only not beside the others).
pub fn spawn<'scope, 'env, F>(scope: &'scope Scope<'scope, 'env>, work: &'scope F)
where
    F: Fn() + Sync + 'env,
{
    let made = std::thread::Builder::new()
        .stack_size(WALK_STACK)
        .spawn_scoped(scope, work);
    if made.is_err() {
        work();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Records whose spans sit in envelopes (OTLP's `resourceSpans` / `scopeSpans` / `spans`)
    /// nested as deep as the walker reads, and deeper, are scanned on the workers without
    /// overflowing their stacks, in this build whatever its optimisation (an unoptimised build
    /// with std's 2 MiB stack aborted here): each record indexed, or reported as too deep.
    #[test]
    fn deepest_records_are_walked_on_the_workers() {
        let span = r#"{"traceId":"00000000000000000000000000000009","spanId":"0000000000000009","name":"deep","startTimeUnixNano":"1714521600000000000","endTimeUnixNano":"1714521601000000000"}"#;
        let lines: Vec<String> = (1..=10)
            .map(|n| {
                format!(
                    "{}{span}{}",
                    r#"{"resourceSpans":[{"scopeSpans":[{"spans":["#.repeat(n),
                    "]}]}]}".repeat(n)
                )
            })
            .collect();
        let text = format!("{}\n", lines.join("\n"));
        let sources = vec![crate::source::Source::from_bytes(
            "deep.jsonl",
            text.into_bytes(),
        )];
        let index = super::super::build(sources, &super::super::progress::Progress::default());
        let Ok(index) = index else {
            unreachable!("the spans within the bound are indexed")
        };
        // Envelopes of six levels each: those within the bound give their span.
        let within = (1..=10)
            .filter(|n| 6 * n <= crate::format::MAX_WALK_DEPTH)
            .count();
        assert_eq!(index.spans.len(), within);
        assert!(within < 10);
    }

    /// Every thread asked for runs its work once.
    #[test]
    fn every_walker_runs_once() {
        let runs = AtomicUsize::new(0);
        let work = || {
            runs.fetch_add(1, Ordering::Relaxed);
        };
        std::thread::scope(|scope| {
            for _ in 0..5 {
                spawn(scope, &work);
            }
        });
        assert_eq!(runs.load(Ordering::Relaxed), 5);
    }
}
