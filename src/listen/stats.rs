//! What the receiver has taken in, counted as it goes (atomics: the servers' tasks never wait
//! on a reader), and a [`Status`] snapshot of it for the explorer's header.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Over how long the rate is measured.
const WINDOW: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Stats {
    requests: AtomicU64,
    spans: AtomicU64,
    rejected: AtomicU64,
    refused: AtomicU64,
    bytes: AtomicU64,
    /// Spans received at earlier snapshots, for the rate: (when, spans), oldest first.
    samples: Mutex<Vec<(Instant, u64)>>,
}

/// The receiver as the header shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub http: Option<SocketAddr>,
    pub grpc: Option<SocketAddr>,
    pub saving: PathBuf,
    /// Requests saved (with at least one span, or none).
    pub requests: u64,
    pub spans: u64,
    /// Spans refused for invalid ids (answered as a partial success).
    pub rejected: u64,
    /// Requests refused whole (bad body, too large, wrong type, not saved).
    pub refused: u64,
    /// Spans per second over the last few seconds.
    pub rate: f64,
}

impl Stats {
    /// A request taken in and saved.
    pub fn saved(&self, spans: u64, rejected: u64, bytes: u64) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.spans.fetch_add(spans, Ordering::Relaxed);
        self.rejected.fetch_add(rejected, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A request answered with an error.
    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn spans(&self) -> u64 {
        self.spans.load(Ordering::Relaxed)
    }

    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    pub fn refused_count(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// The counts now, with the rate since the oldest sample still in the window.
    pub fn rate_now(&self, now: Instant) -> f64 {
        let spans = self.spans();
        let Ok(mut samples) = self.samples.lock() else {
            return 0.0;
        };
        samples.retain(|(at, _)| now.duration_since(*at) <= WINDOW);
        let rate = match samples.first() {
            Some((at, n)) if now.duration_since(*at) >= Duration::from_millis(500) => {
                spans.saturating_sub(*n) as f64 / now.duration_since(*at).as_secs_f64()
            }
            _ => 0.0,
        };
        samples.push((now, spans));
        rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_over_the_last_seconds() {
        let s = Stats::default();
        let t0 = Instant::now();
        assert_eq!(s.rate_now(t0), 0.0);
        s.saved(100, 0, 1000);
        assert_eq!(s.rate_now(t0 + Duration::from_secs(2)), 50.0);
        // Nothing more for longer than the window: the rate falls to nothing.
        let later = t0 + Duration::from_secs(20);
        assert_eq!(s.rate_now(later), 0.0);
        assert_eq!(s.rate_now(later + Duration::from_secs(1)), 0.0);
        assert_eq!((s.requests(), s.spans()), (1, 100));
    }
}
