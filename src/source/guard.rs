//! Mapped files that stay readable when another process shortens them.
//!
//! A memory map shows a file's pages as they are *now*. When another process truncates the
//! file (`>` re-running an export, `truncate`, a log rotation that empties the file in place),
//! a read of a page past the new end raises SIGBUS, and by default the process dies with no
//! word, in the middle of a frame, leaving the terminal in the alternate screen.
//!
//! Every mapping is registered here: its address range, in a fixed-size table that a signal
//! handler can read without locks or allocation. The SIGBUS handler ([`crate::fatal`]) asks
//! [`rescue`] whether the faulting address lies in a registered mapping; if it does, the pages
//! from there to the mapping's end are replaced with zero pages (an anonymous `MAP_FIXED`
//! mapping over them), the mapping is marked as having lost bytes, and the faulting read runs
//! again and reads zeros. Nothing else happens in the handler. The zeros are never shown as if
//! they were the file's: [`Guarded::lost`] feeds [`super::Source::intact`], and every reader of
//! span bytes asks that first (see `Index::span_bytes`), so what was lost reads as nothing and
//! the screen says the file changed.
//!
//! Why this and not a private copy or `pread` for everything: a 1 GB export costs no copy and
//! its first screen is immediate only when mapped; the scan reads every byte from many threads
//! through plain slices, and a check of the length before each access could not close the race
//! with a truncation between the check and the read. Read leases (`F_SETLEASE`) would warn us
//! before a truncation, but only the file's owner may take one. The guard covers every reader
//! without changing them, and costs nothing until a truncation actually happens.
//!
//! Async-signal safety of [`rescue`]: it reads atomics, and calls `mmap`, a system call that
//! takes no user-space lock (the handler of the JVM and other runtimes does the same). A slot
//! is cleared before its mapping is unmapped, and a fault can only come from a mapping that is
//! being read, so alive: the handler never maps over memory that is no longer ours.
//!
//! Where this is not available (not Linux, or the table is full), a file is read into memory
//! instead of mapped: slower to open, never a crash.

#![allow(unsafe_code)]

use memmap2::Mmap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Mappings that can be registered at once: as many files as an index can hold.
const SLOTS: usize = 1 << 16;

struct Slot {
    /// The mapping's first address; 0 for a free slot (no mapping starts at 0).
    start: AtomicUsize,
    len: AtomicUsize,
    /// Zero pages were mapped over part of it.
    lost: AtomicBool,
    /// Claimed by a mapping (set before `start`, cleared after).
    taken: AtomicBool,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            start: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            lost: AtomicBool::new(false),
            taken: AtomicBool::new(false),
        }
    }
}

static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
/// One past the highest slot ever claimed: the handler looks no further.
static HIGH: AtomicUsize = AtomicUsize::new(0);
/// Where to start looking for a free slot.
static HINT: AtomicUsize = AtomicUsize::new(0);
/// The page size, read once before the first registration.
static PAGE: AtomicUsize = AtomicUsize::new(4096);
/// How many times zero pages were mapped over a file (for tests and the report).
static RESCUES: AtomicUsize = AtomicUsize::new(0);

/// A read-only mapping of a file, registered with the guard while it lives.
pub struct Guarded {
    map: Mmap,
    slot: usize,
}

impl Guarded {
    /// Registers `map`; gives it back when the guard cannot cover it (no free slot, or a
    /// platform without the guard).
    pub fn new(map: Mmap) -> Result<Guarded, Mmap> {
        if !cfg!(target_os = "linux") || map.is_empty() {
            return Err(map);
        }
        crate::fatal::install();
        let page = page_size();
        PAGE.store(page, Ordering::Relaxed);
        // From the lowest slot that may be free: claims stay O(1) for many files, and the
        // table the handler scans stays as short as the mappings alive.
        let from = HINT.load(Ordering::Relaxed).min(SLOTS);
        let claim = |s: &Slot| {
            s.taken
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        };
        let Some(slot) = (from..SLOTS).chain(0..from).find(|&i| claim(&TABLE[i])) else {
            return Err(map);
        };
        HINT.store(slot + 1, Ordering::Relaxed);
        let s = &TABLE[slot];
        s.lost.store(false, Ordering::Relaxed);
        s.len.store(map.len(), Ordering::Relaxed);
        s.start.store(map.as_ptr() as usize, Ordering::Release);
        HIGH.fetch_max(slot + 1, Ordering::AcqRel);
        Ok(Guarded { map, slot })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Whether the file shrank under the mapping while it was read: some of these bytes are
    /// zeros the guard put there, not the file's.
    pub fn lost(&self) -> bool {
        TABLE[self.slot].lost.load(Ordering::Acquire)
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // The slot is cleared before `self.map` is unmapped (fields drop after this).
        let s = &TABLE[self.slot];
        s.start.store(0, Ordering::Release);
        s.len.store(0, Ordering::Relaxed);
        s.lost.store(false, Ordering::Relaxed);
        s.taken.store(false, Ordering::Release);
        HINT.fetch_min(self.slot, Ordering::Relaxed);
        release(&self.map);
    }
}

/// Below this, a mapping's page tables are torn down by `munmap` alone.
const RELEASE_IN_PARTS: usize = 64 << 20;

/// Drops the page-table entries of a large mapping on every core before it is unmapped.
///
/// Unmapping a file that was read whole tears down one entry per page (262,144 for 1 GB),
/// about 50 ms on one thread at the very end of a headless run, with the other cores idle.
/// `munmap` holds the address space's lock for writing, so two of them cannot share that work;
/// `madvise(MADV_DONTNEED)` on a file mapping only drops the entries (the pages stay in the
/// page cache) and takes the lock for reading, so one call per part runs on its own core, and
/// the `munmap` that follows finds nothing left to tear down. Nothing reads the mapping any
/// more: its slot is cleared and it is dropped right after.
#[cfg(target_os = "linux")]
fn release(map: &Mmap) {
    let len = map.len();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if len < RELEASE_IN_PARTS || cores < 2 {
        return;
    }
    let page = PAGE.load(Ordering::Relaxed);
    let parts = cores.min(4);
    // Part boundaries on pages; the mapping itself starts on one.
    let step = (len / parts + page - 1) & !(page - 1);
    let start = map.as_ptr() as usize;
    let zap = |from: usize| {
        let n = step.min(len - from);
        // SAFETY: [start + from, start + from + n) lies inside this live, read-only mapping,
        // which nothing reads any more (see above); MADV_DONTNEED on it only drops page-table
        // entries, so a read would fault the file's pages in again, and it is unmapped next.
        unsafe { libc::madvise((start + from) as *mut libc::c_void, n, libc::MADV_DONTNEED) };
    };
    std::thread::scope(|s| {
        for k in 1..parts {
            let from = k * step;
            if from < len {
                s.spawn(move || zap(from));
            }
        }
        zap(0);
    });
}

#[cfg(not(target_os = "linux"))]
fn release(_map: &Mmap) {}

/// How many times the guard has mapped zeros over a vanished part of a file.
pub fn rescues() -> usize {
    RESCUES.load(Ordering::Relaxed)
}

#[cfg(unix)]
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n)
        .ok()
        .filter(|&n| n.is_power_of_two())
        .unwrap_or(4096)
}

#[cfg(not(unix))]
fn page_size() -> usize {
    4096
}

/// Called from the SIGBUS handler: when `addr` lies in a registered mapping, maps zero pages
/// from its page to the mapping's end, marks the mapping, and returns true (the faulting read
/// may run again). Async-signal-safe: atomics and one `mmap`.
#[cfg(target_os = "linux")]
pub(crate) fn rescue(addr: usize) -> bool {
    let high = HIGH.load(Ordering::Acquire).min(SLOTS);
    let page = PAGE.load(Ordering::Relaxed);
    for s in &TABLE[..high] {
        let start = s.start.load(Ordering::Acquire);
        if start == 0 || addr < start {
            continue;
        }
        let len = s.len.load(Ordering::Relaxed);
        if addr - start >= len {
            continue;
        }
        let from = addr & !(page - 1);
        let end = (start + len + page - 1) & !(page - 1);
        // SAFETY: [from, end) lies inside a live mapping of ours (the slot is set only while
        // the mapping exists, and a fault comes from a read of it), read-only and never
        // written through; replacing its pages with zero pages changes what the reads see,
        // exactly as the file being rewritten would, and nothing else.
        let p = unsafe {
            libc::mmap(
                from as *mut libc::c_void,
                end - from,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return false;
        }
        s.lost.store(true, Ordering::Release);
        RESCUES.fetch_add(1, Ordering::Relaxed);
        return true;
    }
    false
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn rescue(_addr: usize) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Write;

    #[test]
    fn a_truncated_mapping_reads_zeros_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.jsonl");
        let body = b"{\"a\":1}\n".repeat(4096);
        File::create(&p).unwrap().write_all(&body).unwrap();
        let f = File::open(&p).unwrap();
        let g = Guarded::new(super::super::map_raw(&f).unwrap())
            .ok()
            .unwrap();
        assert!(!g.lost());
        assert_eq!(g.bytes(), &body[..]);
        // Another process would do this: the file loses all but its first 100 bytes.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(100)
            .unwrap();
        let b = g.bytes();
        assert_eq!(&b[..100], &body[..100]);
        // Past the new end: the kernel's zeros in the last page, then the guard's.
        assert!(b[100..].iter().all(|&x| x == 0));
        assert_eq!(b.len(), body.len());
        assert!(g.lost());
        assert!(rescues() > 0);
        drop(g);
        // A new mapping in the same slot starts clean.
        std::fs::write(&p, &body).unwrap();
        let g = Guarded::new(super::super::map_raw(&File::open(&p).unwrap()).unwrap())
            .ok()
            .unwrap();
        assert!(!g.lost());
        assert_eq!(g.bytes(), &body[..]);
    }

    #[test]
    fn releasing_a_large_mapping_in_parts_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.jsonl");
        // Past the size released in parts, and not a whole number of pages or parts.
        let n = RELEASE_IN_PARTS + 3 * 4096 + 77;
        let body: Vec<u8> = (0..n).map(|i| b"{}\n0123456789"[i % 13]).collect();
        std::fs::write(&p, &body).unwrap();
        let g = Guarded::new(super::super::map_raw(&File::open(&p).unwrap()).unwrap())
            .ok()
            .unwrap();
        // Every page read, so there are entries to drop.
        let sum: u64 = g.bytes().iter().step_by(4096).map(|&b| u64::from(b)).sum();
        assert!(sum > 0);
        let map = g.bytes().as_ptr() as usize;
        drop(g);
        // The address range is gone (unmapped after the release), and the file is intact.
        assert!(!TABLE.iter().any(|s| s.start.load(Ordering::Relaxed) == map));
        assert_eq!(std::fs::read(&p).unwrap(), body);
        let again = Guarded::new(super::super::map_raw(&File::open(&p).unwrap()).unwrap())
            .ok()
            .unwrap();
        assert_eq!(again.bytes(), &body[..]);
    }
}
