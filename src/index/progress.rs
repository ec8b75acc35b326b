//! Progress counters the scan bumps and the UI reads, and the cancel flag.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Shared counters, updated by scan workers about every MiB.
#[derive(Debug, Default)]
pub struct Progress {
    pub total_bytes: AtomicU64,
    pub bytes: AtomicU64,
    pub spans: AtomicU64,
    pub bad_lines: AtomicU64,
    cancelled: AtomicBool,
}

/// A point-in-time copy of [`Progress`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub total_bytes: u64,
    pub bytes: u64,
    pub spans: u64,
    pub bad_lines: u64,
}

impl Snapshot {
    /// Percentage of bytes scanned, 0–100.
    pub fn percent(&self) -> u64 {
        (self.bytes * 100)
            .checked_div(self.total_bytes)
            .map_or(100, |p| p.min(100))
    }
}

impl Progress {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            total_bytes: self.total_bytes.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            spans: self.spans.load(Ordering::Relaxed),
            bad_lines: self.bad_lines.load(Ordering::Relaxed),
        }
    }

    pub fn add(&self, bytes: u64, spans: u64, bad: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.spans.fetch_add(spans, Ordering::Relaxed);
        self.bad_lines.fetch_add(bad, Ordering::Relaxed);
    }

    /// Asks the scan to stop at its next check (about every MiB).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}
