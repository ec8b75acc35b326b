//! Fuzzy matching with nucleo, wrapped so the matcher can be swapped.
//!
//! Items are pushed from a background thread through an [`Injector`]; the matcher ranks them on
//! its own threads and calls `notify` when results change; the UI thread calls [`Engine::tick`]
//! and reads the ranked items it needs for the screen.

use nucleo::pattern::{CaseMatching, Normalization};
use nucleo::{Config, Nucleo};
use std::sync::Arc;

pub use nucleo::Injector;

/// A fuzzy matcher over items of type `T`, one haystack column each.
pub struct Engine<T: Sync + Send + 'static> {
    nucleo: Nucleo<T>,
    query: String,
}

impl<T: Clone + Sync + Send + 'static> Engine<T> {
    pub fn new(notify: Arc<dyn Fn() + Sync + Send>) -> Self {
        Engine {
            nucleo: Nucleo::new(Config::DEFAULT, notify, None, 1),
            query: String::new(),
        }
    }

    pub fn injector(&self) -> Injector<T> {
        self.nucleo.injector()
    }

    /// Sets the query; typing more only narrows the previous matches.
    pub fn set_query(&mut self, q: &str) {
        let append = q.starts_with(&self.query) && !self.query.is_empty();
        self.nucleo
            .pattern
            .reparse(0, q, CaseMatching::Smart, Normalization::Smart, append);
        self.query = q.to_owned();
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    /// Lets the matcher publish new results (waits at most `ms`); true if they changed.
    pub fn tick(&mut self, ms: u64) -> bool {
        self.nucleo.tick(ms).changed
    }

    /// Waits until matching is done (tests, small inputs).
    pub fn settle(&mut self) {
        for _ in 0..1000 {
            let s = self.nucleo.tick(1);
            if !s.running {
                return;
            }
        }
    }

    /// Matches so far, best first.
    pub fn matched(&self) -> u32 {
        self.nucleo.snapshot().matched_item_count()
    }

    pub fn items(&self) -> u32 {
        self.nucleo.snapshot().item_count()
    }

    /// The best `n` matches from rank `from`.
    pub fn results(&self, from: u32, n: u32) -> Vec<T> {
        let snap = self.nucleo.snapshot();
        let end = snap.matched_item_count().min(from.saturating_add(n));
        let from = from.min(end);
        snap.matched_items(from..end)
            .map(|i| i.data.clone())
            .collect()
    }
}

/// Adds an item with its haystack.
pub fn push<T: Sync + Send + 'static>(injector: &Injector<T>, value: T, haystack: &str) {
    injector.push(value, |_, cols| cols[0] = haystack.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_as_you_type() {
        let mut e: Engine<u32> = Engine::new(Arc::new(|| {}));
        let inj = e.injector();
        for (i, s) in [
            "weather in lisbon",
            "flight search",
            "calc tool",
            "search_flights error",
        ]
        .iter()
        .enumerate()
        {
            push(&inj, i as u32, s);
        }
        e.set_query("flig");
        e.settle();
        let r = e.results(0, 10);
        assert_eq!(r.len(), 2);
        assert!(r.contains(&1) && r.contains(&3));
        e.set_query("flightserr");
        e.settle();
        assert_eq!(e.results(0, 10), [3]);
        e.set_query("");
        e.settle();
        assert_eq!(e.matched(), 4);
    }
}
