//! The explorer's side of following: a thread that polls the files and scans what was
//! appended, and the queue of changes the loop applies to the model when it holds it alone.
//!
//! The scan (the costly part) runs on the follower's thread; merging it into the model runs on
//! the loop's thread, which owns the model: a change waits while a search or copy worker still
//! reads the model, or while a prompt holds a choice made on it, and is applied once they are
//! done (the loop then wakes every [`RETRY`] instead of sleeping). Inference switches rebuild
//! the model from its index the same way, so the follower and the model never disagree on
//! which files the index holds.
//!
//! The follower and the files' watcher (`App::watch`) share the work: while following, what
//! was appended, rotated or deleted is the follower's to take in and to say; the watcher
//! keeps telling only what lost bytes (a truncation), until the follower has read the file
//! again. `r` starts the follower again, reading the files as they are now; every follower
//! started has a build number, and what an earlier one still sends is dropped.

use super::Event;
use crate::app::App;
use crate::follow::{self, Follower, Round, Update};
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

/// What a follower starts from.
pub enum Start {
    /// Files opened before the screen was taken (`-f`).
    Opened(Follower),
    /// The files given, opened again (`f`, or `r` while following); `old` is the model on
    /// screen, whose streams are kept (they cannot be read twice).
    Again {
        files: Vec<PathBuf>,
        old: Arc<Model>,
    },
}

impl Handle {
    /// Starts following: the thread reads the files (whole lines), sends the model as
    /// [`Event::Loaded`] and what cannot be followed as a first [`Event::Followed`], then
    /// polls while `on`; `build` numbers what it sends.
    pub fn spawn(
        start: Start,
        options: Options,
        progress: Arc<Progress>,
        tx: Sender<Event>,
        build: u64,
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
            let mut follower = match start {
                Start::Opened(f) => f,
                Start::Again { files, old } => {
                    let f = follow::open_files(&files, Some(&old.index));
                    // Held no longer than needed: the loop applies changes to the model only
                    // when it holds it alone.
                    drop(old);
                    f
                }
            };
            match follower.first_model(current(), &progress) {
                Ok(model) => {
                    if tx.send(Event::Loaded(build, Ok(Arc::new(model)))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Event::Loaded(build, Err(e.to_string())));
                    return;
                }
            }
            let ended = !follower.following();
            let mut notes = follower.take_notes();
            if ended {
                notes.push("nothing given can be followed".to_owned());
            }
            if !notes.is_empty() {
                let round = Round {
                    update: None,
                    notes,
                    ended,
                };
                if tx.send(Event::Followed(build, round)).is_err() || ended {
                    return;
                }
            }
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(follow::INTERVAL);
                if !on.load(Ordering::Relaxed) {
                    continue;
                }
                let round = follower.poll(current());
                let ended = round.ended;
                if (round.update.is_some() || !round.notes.is_empty() || ended)
                    && tx.send(Event::Followed(build, round)).is_err()
                {
                    return;
                }
                if ended {
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

    /// Drops what waits (it was found for a model that is being replaced).
    pub fn clear(&mut self) {
        self.jobs.clear();
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
