//! Sorting the model's tables that come nearly in order.
//!
//! Exports write spans, calls and traces roughly in time order: LLM calls in runs newest
//! first, the runs oldest first, a call rarely more than a few hundred places from where it
//! belongs. A general sort pays `n log n` comparisons for that; [`nearly`] turns each run
//! written backwards around and finishes with an insertion sort, which costs about one
//! comparison per element and place moved, unless what is left is still far from sorted: then
//! (and as soon as the moves cost more than a few per element) it takes the general sort.
//! The elements are distinct, so the result is the general sort's either way. By a key read
//! out of another table (a trace's start), the general sort's comparisons would each read that
//! table far from the last, so [`nearly_by_key`] gives up to a sort of chunks on keys copied
//! beside them, the chunks then merged (about nothing to merge when the table came nearly in
//! order: only the elements out of place at a seam are moved).
//! [`filled_sorted`] fills and sorts a table on several threads; [`by_ranges`] sorts one
//! whose elements come in no order at all (hashes) on several threads.

/// Moves per element the insertion sort of [`nearly`] may make before it gives up.
const MOVES_PER_ELEMENT: usize = 8;

/// Sorts `v`, whose elements are all distinct, fast when it is nearly in order (see the
/// module docs).
pub fn nearly<T: Ord + Copy>(v: &mut [T]) {
    let less = |a: &T, b: &T| a < b;
    if !insertion(v, less) {
        general(v, &less);
    }
}

/// [`nearly`] by `key`, which must give every element a different key: a chunk at a time on
/// keys copied beside the elements, the chunks then merged ([`by_copied_keys`]).
pub fn nearly_by_key<T: Copy, K: Ord + Copy>(v: &mut [T], key: impl Fn(&T) -> K) {
    by_copied_keys(v, &key, COPIED_CHUNK);
}

/// Turns each strictly descending run of `v` around and finishes with an insertion sort, by
/// `less` (a strict total order on `v`'s elements), while its moves stay few: false, `v` left
/// in some order, when it gave up (not tried when more than one element in eight is below
/// the one before it).
fn insertion<T: Copy>(v: &mut [T], less: impl Fn(&T, &T) -> bool) -> bool {
    let n = v.len();
    // Each strictly descending run turned around.
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && less(&v[j], &v[j - 1]) {
            j += 1;
        }
        v[i..j].reverse();
        i = j;
    }
    let descents = v.windows(2).filter(|w| less(&w[1], &w[0])).count();
    if descents > n / 8 {
        return false;
    }
    let mut budget = n.saturating_mul(MOVES_PER_ELEMENT);
    for i in 1..n {
        if !less(&v[i], &v[i - 1]) {
            continue;
        }
        let x = v[i];
        let mut j = i;
        while j > 0 && less(&x, &v[j - 1]) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
        budget = budget.saturating_sub(i - j);
        if budget == 0 {
            return false;
        }
    }
    true
}

/// Elements sorted at a time on copied keys by [`by_copied_keys`] (their keys and copies, 24
/// bytes each for a trace's start and number, stay in the core's cache).
const COPIED_CHUNK: usize = 4096;

/// Sorts `v` by `key` (a different key for every element): each chunk of `chunk` elements
/// sorted as [`nearly`] sorts, on (key, element) pairs copied out (one read of each key, the
/// comparisons within the copies), then the sorted chunks merged pairwise, bottom up
/// ([`merge`]: only the elements on the wrong side of a seam move). Takes a chunk's pairs
/// beside `v`, and for a merge the smaller of the two parts out of place (nothing on a table
/// that came nearly in order).
fn by_copied_keys<T: Copy, K: Ord + Copy>(v: &mut [T], key: &impl Fn(&T) -> K, chunk: usize) {
    let chunk = chunk.max(1);
    let mut pairs: Vec<(K, T)> = Vec::with_capacity(chunk.min(v.len()));
    for part in v.chunks_mut(chunk) {
        pairs.clear();
        pairs.extend(part.iter().map(|x| (key(x), *x)));
        let less = |a: &(K, T), b: &(K, T)| a.0 < b.0;
        if !insertion(&mut pairs, less) {
            pairs.sort_unstable_by_key(|p| p.0);
        }
        for (slot, &(_, x)) in part.iter_mut().zip(&pairs) {
            *slot = x;
        }
    }
    drop(pairs);
    let n = v.len();
    let mut buf = Vec::new();
    let mut width = chunk;
    while width < n {
        let mut start = 0;
        while start + width < n {
            let end = start.saturating_add(2 * width).min(n);
            merge(&mut v[start..end], width, key, &mut buf);
            start = end;
        }
        width = width.saturating_mul(2);
    }
}

/// Merges `v[..mid]` and `v[mid..]`, each sorted by `key` (a different key for every
/// element): the elements of the first above the second's first and those of the second below
/// the first's last are the only ones out of place; the smaller of those two parts is copied
/// to `buf` and the two merged into place.
fn merge<T: Copy, K: Ord>(v: &mut [T], mid: usize, key: &impl Fn(&T) -> K, buf: &mut Vec<T>) {
    if mid == 0 || mid >= v.len() || key(&v[mid - 1]) < key(&v[mid]) {
        return;
    }
    let (first, last) = (key(&v[mid]), key(&v[mid - 1]));
    let lo = v[..mid].partition_point(|x| key(x) < first);
    let hi = mid + v[mid..].partition_point(|x| key(x) < last);
    buf.clear();
    if mid - lo <= hi - mid {
        // The first's part copied out, merged from the front.
        buf.extend_from_slice(&v[lo..mid]);
        let (mut i, mut j, mut out) = (0, mid, lo);
        while i < buf.len() && j < hi {
            if key(&v[j]) < key(&buf[i]) {
                v[out] = v[j];
                j += 1;
            } else {
                v[out] = buf[i];
                i += 1;
            }
            out += 1;
        }
        v[out..out + buf.len() - i].copy_from_slice(&buf[i..]);
    } else {
        // The second's part copied out, merged from the back.
        buf.extend_from_slice(&v[mid..hi]);
        let (mut i, mut j, mut out) = (buf.len(), mid, hi);
        while i > 0 && j > lo {
            out -= 1;
            if key(&buf[i - 1]) < key(&v[j - 1]) {
                v[out] = v[j - 1];
                j -= 1;
            } else {
                v[out] = buf[i - 1];
                i -= 1;
            }
        }
        v[out - i..out].copy_from_slice(&buf[..i]);
    }
}

/// The general sort, by `less`.
fn general<T>(v: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    v.sort_unstable_by(|a, b| {
        if less(a, b) {
            std::cmp::Ordering::Less
        } else if less(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
}

/// A table of at most `n` elements, all distinct, sorted: made on `workers` threads (this one
/// among them), each filling its run of the `n` slots (`fill(first, slots)` fills `slots`,
/// which are slots `first..` of the table, from the front and says how many it filled) and
/// sorting them with [`nearly`]; the runs are then closed up, and sorted across where two
/// overlap (about nothing when the table came nearly in order). The table takes no room but
/// its own: the zeroed slots are touched first by the thread that fills them.
pub fn filled_sorted<T>(
    n: usize,
    workers: usize,
    fill: &(impl Fn(usize, &mut [T]) -> usize + Sync),
) -> Vec<T>
where
    T: Ord + Copy + Default + Send,
{
    filled_sorted_with(n, workers, fill, &|x: &T| *x, &|v: &mut [T]| nearly(v))
}

/// [`filled_sorted`] by `key`, which must give every element a different key.
pub fn filled_sorted_by_key<T, K: Ord + Copy>(
    n: usize,
    workers: usize,
    fill: &(impl Fn(usize, &mut [T]) -> usize + Sync),
    key: &(impl Fn(&T) -> K + Sync),
) -> Vec<T>
where
    T: Copy + Default + Send,
{
    filled_sorted_with(n, workers, fill, key, &|v: &mut [T]| nearly_by_key(v, key))
}

/// [`filled_sorted_by_key`], each run sorted by `sort`.
fn filled_sorted_with<T, K: Ord>(
    n: usize,
    workers: usize,
    fill: &(impl Fn(usize, &mut [T]) -> usize + Sync),
    key: &(impl Fn(&T) -> K + Sync),
    sort: &(impl Fn(&mut [T]) + Sync),
) -> Vec<T>
where
    T: Copy + Default + Send,
{
    let mut v = vec![T::default(); n];
    let fill_sort = |first: usize, slots: &mut [T]| {
        let k = fill(first, slots).min(slots.len());
        sort(&mut slots[..k]);
        k
    };
    let filled = super::runs::in_runs(&mut v, workers, &fill_sort);
    // The runs `in_runs` cut: `per` entries each (one run of all with one worker).
    let per = n.div_ceil(workers.max(1)).max(1);
    // Closed up, each run merged into the sorted ones before it (only the elements out of
    // place at the seam move: about none when the table came nearly in order).
    let mut end = 0;
    let mut buf = Vec::new();
    for (k, &count) in filled.iter().enumerate() {
        let from = k * per;
        v.copy_within(from..from + count, end);
        let seam = end;
        end += count;
        merge(&mut v[..end], seam, key, &mut buf);
    }
    v.truncate(end);
    v
}

/// Sorts `v`, whose elements are all distinct and come in any order, on `workers` threads
/// (this one among them): cut in place into `workers` parts by ranges of `key` (a `u32` whose
/// order agrees with the elements': `key(a) < key(b)` implies `a < b`; spread evenly, like a
/// hash's bits, the parts are about even), each part then sorted on its own thread. The
/// elements being distinct, the result is the general sort's whatever the number of workers.
/// Takes no room beside `v`.
pub fn by_ranges<T: Ord + Copy + Send>(
    v: &mut [T],
    workers: usize,
    key: &(impl Fn(&T) -> u32 + Sync),
) {
    let mut parts: Vec<&mut [T]> = Vec::new();
    cut(v, workers.max(1), 0, 1 << 32, key, &mut parts);
    if parts.len() <= 1 {
        v.sort_unstable();
        return;
    }
    std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let mine = parts.next();
        for part in parts {
            scope.spawn(move || part.sort_unstable());
        }
        if let Some(part) = mine {
            part.sort_unstable();
        }
    });
}

/// Cuts `v`, whose keys are in `lo..hi`, into `workers` parts by ranges of keys (each part's
/// keys below the next part's), pushed to `parts` in order. Halves the workers at each level,
/// so it recurses `log2(workers)` deep.
fn cut<'a, T: Copy>(
    v: &'a mut [T],
    workers: usize,
    lo: u64,
    hi: u64,
    key: &impl Fn(&T) -> u32,
    parts: &mut Vec<&'a mut [T]>,
) {
    if workers <= 1 || v.len() < 2 {
        parts.push(v);
        return;
    }
    let left = workers / 2;
    let mid = lo + (hi - lo) * left as u64 / workers as u64;
    // Elements with keys below `mid` to the front, without a branch on the key (hashes
    // would mispredict half the time).
    let mut k = 0;
    for i in 0..v.len() {
        let below = u64::from(key(&v[i])) < mid;
        v.swap(i, k);
        k += usize::from(below);
    }
    let (a, b) = v.split_at_mut(k);
    cut(a, left, lo, mid, key, parts);
    cut(b, workers - left, mid, hi, key, parts);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Puts sorted `v` out of order the way `shape` says: 0 leaves it, 1 reverses it, 2
    /// reverses runs of a random length, 3 moves each element up to `near` places. Any other
    /// shape is left to the caller (false).
    fn disorder<T>(v: &mut [T], shape: u64, near: u64, rng: &mut crate::testing::XorShift) -> bool {
        let n = v.len();
        match shape {
            0 => {}
            1 => v.reverse(),
            2 => {
                let run = 1 + rng.below(200) as usize;
                for c in v.chunks_mut(run) {
                    c.reverse();
                }
            }
            3 => {
                for i in 0..n {
                    let j = (i + rng.below(near) as usize).min(n.saturating_sub(1));
                    v.swap(i, j);
                }
            }
            _ => return false,
        }
        true
    }

    /// A uniform shuffle.
    fn shuffle<T>(v: &mut [T], rng: &mut crate::testing::XorShift) {
        for i in (1..v.len()).rev() {
            v.swap(i, rng.below(i as u64 + 1) as usize);
        }
    }

    /// Whatever the order they come in (in order, backwards, in runs written backwards, out
    /// of order by a few places or by any), the elements come out sorted, on any number of
    /// threads, with any slots left unfilled.
    #[test]
    fn sorts_whatever_the_order() {
        let mut rng = crate::testing::XorShift(29);
        for case in 0..200 {
            let n = rng.below(2000) as usize;
            let mut v: Vec<u64> = (0..n as u64).map(|x| x * 3 + 1).collect();
            if !disorder(&mut v, case % 5, 40, &mut rng) {
                shuffle(&mut v, &mut rng);
            }
            let mut want = v.clone();
            want.sort_unstable();
            let mut got = v.clone();
            nearly(&mut got);
            assert_eq!(got, want, "case {case}");
            let mut by_key = v.clone();
            nearly_by_key(&mut by_key, |&x| std::cmp::Reverse(x));
            want.reverse();
            assert_eq!(by_key, want, "case {case} by key");
            want.reverse();
            // Some slots left unfilled: the multiples of 7's.
            let kept: Vec<u64> = v.iter().copied().filter(|x| x % 7 != 0).collect();
            let mut want_kept = kept.clone();
            want_kept.sort_unstable();
            for workers in 1..5 {
                let got = filled_sorted(n, workers, &|first, slots: &mut [u64]| {
                    let mut k = 0;
                    for &x in &v[first..first + slots.len()] {
                        if x % 7 != 0 {
                            slots[k] = x;
                            k += 1;
                        }
                    }
                    k
                });
                assert_eq!(got, want_kept, "case {case} on {workers} workers");
            }
        }
    }

    /// By a key read from another table (a start, ties broken by the element), elements in
    /// any order (in order, backwards, in runs written backwards, a few places out, shuffled,
    /// a few moved far) come out as the general sort puts them: sorted in chunks of any size
    /// on copied keys and merged, through [`nearly_by_key`] (past its insertion sort), and
    /// filled and sorted on any number of threads.
    #[test]
    fn sorts_by_copied_keys_as_the_general_sort() {
        let mut rng = crate::testing::XorShift(37);
        for case in 0..300 {
            let n = if case % 10 == 0 {
                5000 + rng.below(20_000) as usize
            } else {
                rng.below(3000) as usize
            };
            let starts: Vec<i64> = (0..n)
                .map(|_| rng.below(if case % 3 == 0 { 5 } else { 1 << 40 }) as i64 - 3)
                .collect();
            let key = |t: &u32| (starts[*t as usize], *t);
            let mut want: Vec<u32> = (0..n as u32).collect();
            want.sort_unstable_by_key(key);
            let mut v = want.clone();
            match case % 6 {
                shape @ 0..=3 => {
                    disorder(&mut v, shape, 48, &mut rng);
                }
                4 => {
                    for _ in 0..1 + n / 500 {
                        let (i, j) = (
                            rng.below(n as u64 + 1) as usize,
                            rng.below(n as u64 + 1) as usize,
                        );
                        if i < n && j < n {
                            v.swap(i, j);
                        }
                    }
                }
                _ => shuffle(&mut v, &mut rng),
            }
            for chunk in [1, 2, 3, 7, 64, 1000, COPIED_CHUNK] {
                let mut got = v.clone();
                by_copied_keys(&mut got, &key, chunk);
                assert_eq!(got, want, "case {case}, chunks of {chunk}");
            }
            let mut got = v.clone();
            nearly_by_key(&mut got, key);
            assert_eq!(got, want, "case {case}");
            for workers in 1..5 {
                let got = filled_sorted_by_key(
                    n,
                    workers,
                    &|first, slots: &mut [u32]| {
                        slots.copy_from_slice(&v[first..first + slots.len()]);
                        slots.len()
                    },
                    &key,
                );
                assert_eq!(got, want, "case {case} on {workers} workers");
            }
        }
    }

    /// Cut by ranges of a key and sorted on any number of threads, elements in any order (and
    /// keys bunched in one range, or all equal) come out as the general sort puts them.
    #[test]
    fn sorts_by_ranges_on_any_number_of_threads() {
        let mut rng = crate::testing::XorShift(31);
        for case in 0..100 {
            let n = rng.below(3000) as usize;
            let spread = match case % 3 {
                0 => u64::from(u32::MAX),
                1 => 1000,
                _ => 0,
            };
            // (key, a distinct tail): ordered by the key first, as `by_ranges` needs.
            let v: Vec<(u32, u32)> = (0..n as u32)
                .map(|i| {
                    let key = if spread == 0 {
                        7
                    } else {
                        rng.below(spread) as u32
                    };
                    (key, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            for workers in 1..6 {
                let mut got = v.clone();
                by_ranges(&mut got, workers, &|x: &(u32, u32)| x.0);
                assert_eq!(got, want, "case {case} on {workers} workers");
            }
        }
    }
}
