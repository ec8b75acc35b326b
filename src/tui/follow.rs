//! The explorer's side of following: a thread that polls the files and scans what was
//! appended, and the queue of changes the loop applies to the model when it holds it alone.
//!
//! The scan (the costly part) runs on the follower's thread; merging it into the model runs on
//! the loop's thread, which owns the model: a change waits while a search or copy worker still
//! reads the model, or while a prompt holds a choice made on it, and is applied once they are
//! done (the loop then wakes every [`RETRY`] instead of sleeping). Inference switches rebuild
//! the model from its index the same way, so the follower and the model never disagree on
//! which files the index holds.

use super::Event;
use crate::app::App;
use crate::follow::{self, Update};
use crate::index::progress::Progress;
use crate::model::Model;
use crate::model::infer::Options;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How soon a waiting change is tried again.
pub const RETRY: Duration = Duration::from_millis(50);

/// The follower thread, as the loop sees it.
pub struct Handle {
    on: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    options: Arc<Mutex<Options>>,
}

impl Handle {
    /// Starts following `files`: the thread reads them (whole lines), sends the model as
    /// [`Event::Loaded`], then polls while `on`.
    pub fn spawn(
        files: Vec<PathBuf>,
        options: Options,
        progress: Arc<Progress>,
        tx: Sender<Event>,
    ) -> Handle {
        let h = Handle {
            on: Arc::new(AtomicBool::new(true)),
            stop: Arc::new(AtomicBool::new(false)),
            options: Arc::new(Mutex::new(options)),
        };
        let (on, stop, opts) = (
            Arc::clone(&h.on),
            Arc::clone(&h.stop),
            Arc::clone(&h.options),
        );
        std::thread::spawn(move || {
            let current = || opts.lock().map_or(options, |o| *o);
            let mut follower = match follow::open(&files, current(), &progress) {
                Ok((f, model)) => {
                    if tx.send(Event::Loaded(Ok(Arc::new(model)))).is_err() {
                        return;
                    }
                    f
                }
                Err(e) => {
                    let _ = tx.send(Event::Loaded(Err(e.to_string())));
                    return;
                }
            };
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(follow::INTERVAL);
                if !on.load(Ordering::Relaxed) {
                    continue;
                }
                let round = follower.poll(current());
                if (round.update.is_some() || !round.notes.is_empty())
                    && tx.send(Event::Followed(round)).is_err()
                {
                    return;
                }
            }
        });
        h
    }

    pub fn set_on(&self, on: bool) {
        self.on.store(on, Ordering::Relaxed);
    }

    /// The inference options models read again from the start are built with.
    pub fn set_options(&self, o: Options) {
        if let Ok(mut g) = self.options.lock() {
            *g = o;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A change to the model, waiting its turn.
pub enum Job {
    Update(Update),
    /// Build the sessions again with other inference options (from the same index).
    Rebuild(Options),
}

/// Changes to apply in order.
#[derive(Default)]
pub struct Queue {
    jobs: VecDeque<Job>,
}

impl Queue {
    pub fn push(&mut self, j: Job) {
        self.jobs.push_back(j);
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Applies what waits, if the app holds the model alone and no prompt is open; true when
    /// something changed.
    pub fn apply(&mut self, app: &mut App) -> bool {
        if self.jobs.is_empty() || !app.can_grow() {
            return false;
        }
        if app.model.as_mut().is_none_or(|m| Arc::get_mut(m).is_none()) {
            return false;
        }
        let place = app.place();
        let Some(Ok(mut model)) = app.model.take().map(Arc::try_unwrap) else {
            // Cannot happen: the model was held alone just above, by this thread.
            return false;
        };
        let before = model.index.spans.len();
        let mut rebuilt = false;
        for job in self.jobs.drain(..) {
            match job {
                Job::Update(u) => {
                    follow::apply(&mut model, u, app.infer);
                }
                Job::Rebuild(o) => {
                    model = model.rebuild(o);
                    rebuilt = true;
                }
            }
        }
        let added = model.index.spans.len().saturating_sub(before) as u64;
        let model: Arc<Model> = Arc::new(model);
        if rebuilt {
            app.status = Some(crate::app::inference_status(&model));
        }
        app.grown(model, place, added);
        true
    }
}
