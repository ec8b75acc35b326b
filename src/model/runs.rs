//! A table filled in runs, one per worker: the model's steps that fill or sort a table whose
//! entries do not depend on each other cut it into as many runs as they have workers and fill
//! each on its own thread.

/// Runs `fill(first, run)` on each of `workers` runs of `v` (`first`: the run's first index in
/// `v`), each on its own thread, the first on this one; gives what each returned, in the runs'
/// order. One worker, or fewer than two entries: one run, `fill(0, v)`. A panic in a worker is
/// raised again here.
pub fn in_runs<T: Send, R: Send>(
    v: &mut [T],
    workers: usize,
    fill: &(impl Fn(usize, &mut [T]) -> R + Sync),
) -> Vec<R> {
    let n = v.len();
    if workers <= 1 || n < 2 {
        return vec![fill(0, v)];
    }
    let per = n.div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let mut parts = v.chunks_mut(per).enumerate();
        let mine = parts.next();
        let handles: Vec<_> = parts
            .map(|(k, run)| scope.spawn(move || fill(k * per, run)))
            .collect();
        let mut done = Vec::with_capacity(handles.len() + 1);
        done.extend(mine.map(|(_, run)| fill(0, run)));
        done.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        done
    })
}

#[cfg(test)]
mod tests {
    use super::in_runs;

    /// Every entry is filled once, by the run that holds it, at its own index, and the runs'
    /// answers come in order: on 0 to 300 entries and 0 to 7 workers.
    #[test]
    fn every_entry_once_in_order() {
        for n in [0usize, 1, 2, 3, 7, 64, 299, 300] {
            for workers in 0..8 {
                let mut v = vec![usize::MAX; n];
                let runs = in_runs(&mut v, workers, &|first, run: &mut [usize]| {
                    for (i, slot) in run.iter_mut().enumerate() {
                        assert_eq!(*slot, usize::MAX, "filled twice");
                        *slot = first + i;
                    }
                    (first, run.len())
                });
                assert_eq!(v, (0..n).collect::<Vec<_>>(), "{n} {workers}");
                let mut next = 0;
                for &(first, len) in &runs {
                    assert_eq!(first, next, "{n} {workers}: {runs:?}");
                    next += len;
                }
                assert_eq!(next, n);
                let expected = if workers <= 1 || n < 2 {
                    1
                } else {
                    n.div_ceil(n.div_ceil(workers))
                };
                assert_eq!(runs.len(), expected, "{n} {workers}");
            }
        }
    }
}
