//! Following files as they grow, like `tail -F`: what is appended is indexed incrementally and
//! the model updated, for the explorer (`-f`, the `f` key) and `sesstui spans -f`.
//!
//! A [`Follower`] keeps an open handle on each file it follows and a [`Stamp`] of what it last
//! saw. Each [`Follower::poll`] (every [`INTERVAL`]: a `stat` and two 4 KB reads per file, so
//! polling an idle file costs nothing worth counting) asks the stamp how the file changed:
//! - **grew**: the file is mapped again at its new length (through the handle) and only the
//!   new whole lines are scanned (from the end of the last line indexed to the last newline; a
//!   line still being written waits for the next round);
//! - **replaced** (a rotation: the Collector renames the file and creates a new one at the same
//!   path) or **deleted**: the old file is read to its end through the handle (its last line
//!   too, finished or not), named by its new name when it is still in the same directory, and
//!   kept; then the file now at the path is followed from its start, as soon as there is one;
//! - **truncated** or **rewritten** (a Collector restart truncates): the bytes read are gone,
//!   so everything is read again from the start of what the files hold now (the spans that
//!   were only in the lost bytes are no longer shown), and the note says so.
//!
//! The scan runs on the follower's thread; [`apply`] merges the result into the model (see
//! [`Index::absorb`](crate::index::Index::absorb) and [`grow`](crate::model::grow)), so whoever
//! holds the model only does the merge.
//!
//! Only plain JSON Lines files can be followed. Standard input, pipes, FIFOs and process
//! substitutions (streams: what was read is all there is), compressed or framed files (decoded
//! whole, see [`crate::source`]) and JSON documents are read once, and a note says so (the
//! first [`Follower::take_notes`]), since a user who asked to follow them would otherwise wait
//! for growth that never shows.

use crate::error::Error;
use crate::index::Index;
use crate::index::append::{self, Grown, Scanned};
use crate::index::lines::{self, Mode};
use crate::index::progress::Progress;
use crate::load::Unread;
use crate::model::{self, Model, infer};
use crate::source::Source;
use crate::source::watch::{Change, Stamp};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often files are looked at.
pub const INTERVAL: Duration = Duration::from_millis(250);

/// What a round found that the model must take in.
pub enum Update {
    /// New spans: merge them ([`apply`]).
    Grew(Scanned),
    /// The files were read again from their start: this model replaces the old one. `read`
    /// are the files followed (read anew); the others (rotated away, deleted) are as they were.
    Reset { model: Box<Model>, read: Vec<u16> },
}

/// What one [`Follower::poll`] found.
#[derive(Default)]
pub struct Round {
    pub update: Option<Update>,
    /// What happened to the files, for the status line or stderr (one line each).
    pub notes: Vec<String>,
    /// No file is followed any more (none could be: see the notes): no round will find more.
    pub ended: bool,
}

/// One file in the index, followed or not.
struct Entry {
    /// The path it was opened by (where a rotation leaves the next file).
    path: PathBuf,
    /// The name it goes by: the path, or the name a rotation gave it.
    name: PathBuf,
    /// Its number in the index.
    index_file: u16,
    state: State,
}

enum State {
    /// Growing: read up to `scanned` (the end of its last whole line, or of a last line that
    /// held a whole record but no newline yet: `unterminated`).
    Live {
        file: File,
        stamp: Stamp,
        scanned: usize,
        unterminated: bool,
    },
    /// Deleted (or rotated away with no file at the path yet): its bytes are all read; waiting
    /// for a file to appear at the path.
    Waiting { file: File },
    /// Read to its end and no longer followed (rotated away), or never followed (a JSON
    /// document, a compressed or framed file): `file` to read it again after a truncation
    /// elsewhere. (`None` only for a moment, while a state is being replaced.)
    Done { file: Option<File> },
    /// A stream (standard input, a pipe, a FIFO, `<(…)`): read once, its bytes kept.
    Once { source: Source },
}

/// Files being followed, and where each was read to.
pub struct Follower {
    entries: Vec<Entry>,
    /// Files given that could not be opened (kept for the models it builds again).
    unread: Vec<Unread>,
    /// What to tell the user that no round has told yet (files that cannot be followed).
    notes: Vec<String>,
}

/// Opens `paths` to follow them (a directory: the files in it now) and builds the first
/// model, from their whole lines (a last line still being written waits for the next round).
pub fn open(
    paths: &[PathBuf],
    options: infer::Options,
    progress: &Progress,
) -> Result<(Follower, Model), Error> {
    let mut f = open_files(paths, None);
    let model = f.first_model(options, progress)?;
    Ok((f, model))
}

/// Opens `paths` to follow them, without reading them yet (see [`Follower::first_model`]),
/// except streams, which are read to their end now. With `old` (following starts, or starts
/// again, in an explorer that already read the files), a stream is not read again (it cannot
/// be): its source in `old` is kept, and nothing here blocks.
pub fn open_files(paths: &[PathBuf], old: Option<&Index>) -> Follower {
    let (files, mut unread) = crate::load::expand(paths);
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for path in files {
        let stream = path == Path::new("-") || std::fs::metadata(&path).is_ok_and(|m| !m.is_file());
        if stream {
            let kept = old.map(|idx| {
                idx.sources
                    .iter()
                    .find(|s| s.path() == path.as_path())
                    .cloned()
                    .ok_or_else(|| Error::Unsupported {
                        path: path.display().to_string(),
                        reason: "a stream is read once, and it was not read".into(),
                    })
            });
            match kept.unwrap_or_else(|| Source::open(&path)) {
                Ok(source) => {
                    notes.push(format!(
                        "{}: {}",
                        shown(&path),
                        if path == Path::new("-") {
                            "standard input is read once: it cannot be followed"
                        } else {
                            "not a regular file (a pipe or a FIFO): read once, not followed"
                        }
                    ));
                    entries.push(Entry {
                        name: path.clone(),
                        path,
                        index_file: 0,
                        state: State::Once { source },
                    });
                }
                Err(e) => unread.push(Unread {
                    path: path.display().to_string(),
                    reason: match e {
                        Error::Io { err, .. } => err.to_string(),
                        other => other.to_string(),
                    },
                }),
            }
            continue;
        }
        match File::open(&path) {
            Ok(file) => match Stamp::take(&file) {
                Ok(stamp) => entries.push(Entry {
                    name: path.clone(),
                    path,
                    index_file: 0,
                    state: State::Live {
                        stamp,
                        file,
                        scanned: 0,
                        unterminated: false,
                    },
                }),
                Err(e) => unread.push(Unread {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }),
            },
            Err(e) => unread.push(Unread {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }
    Follower {
        entries,
        unread,
        notes,
    }
}

/// A path as a note shows it (one line, cleaned).
fn shown(path: &Path) -> String {
    crate::sanitize::one_line(&path.display().to_string())
}

impl Follower {
    /// Reads the files opened by [`open_files`] into the first model: whole lines only (a last
    /// line still being written waits for the next round).
    pub fn first_model(
        &mut self,
        options: infer::Options,
        progress: &Progress,
    ) -> Result<Model, Error> {
        self.read_all(options, progress)
    }

    /// How many files were opened (streams read, plain files ready to read).
    pub fn opened(&self) -> usize {
        self.entries.len()
    }

    /// The files given that could not be opened, and why.
    pub fn unread(&self) -> &[Unread] {
        &self.unread
    }

    /// What no round has said yet: the files that cannot be followed, and why.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Whether any file is still followed (or waited for).
    pub fn following(&self) -> bool {
        self.entries
            .iter()
            .any(|e| !matches!(e.state, State::Done { .. } | State::Once { .. }))
    }

    /// Reads every file from its start into a new model: the first time, and after a
    /// truncation. Files that are live are read to their last whole line and followed.
    fn read_all(&mut self, options: infer::Options, progress: &Progress) -> Result<Model, Error> {
        let mut sources = Vec::new();
        let mut unread = self.unread.clone();
        let mut kept = Vec::new();
        for mut e in std::mem::take(&mut self.entries) {
            let opened = match &e.state {
                State::Once { source } => Ok(source.clone()),
                State::Done { file: None } => continue,
                State::Done { file: Some(file) }
                | State::Live { file, .. }
                | State::Waiting { file } => Source::from_file(&e.name, file, None),
            };
            let src = match opened {
                Ok(s) => s,
                Err(err) => {
                    unread.push(Unread {
                        path: e.name.display().to_string(),
                        reason: err.to_string(),
                    });
                    continue;
                }
            };
            let src = match std::mem::replace(&mut e.state, State::Done { file: None }) {
                State::Live { file, .. } => {
                    let (src, state, note) = start(&e.path, file, src);
                    e.state = state;
                    self.notes.extend(note);
                    src
                }
                other => {
                    e.state = other;
                    src
                }
            };
            e.index_file = u16::try_from(sources.len()).unwrap_or(u16::MAX);
            sources.push(src);
            kept.push(e);
        }
        self.entries = kept;
        let mut model = crate::load::from_sources(sources, unread, options, progress)?;
        model.index.prepare_append();
        Ok(model)
    }

    /// Looks at every followed file once; see the module docs.
    pub fn poll(&mut self, options: infer::Options) -> Round {
        let mut round = Round {
            notes: self.take_notes(),
            ..Round::default()
        };
        let mut grown = Vec::new();
        let mut renames = Vec::new();
        let mut reset = false;
        for e in &mut self.entries {
            let state = std::mem::replace(&mut e.state, State::Done { file: None });
            e.state = match state {
                State::Live {
                    file,
                    stamp,
                    scanned,
                    unterminated,
                } => {
                    let change = stamp.check(&e.path);
                    let live = State::Live {
                        file,
                        stamp,
                        scanned,
                        unterminated,
                    };
                    match change {
                        Change::Same => live,
                        Change::Grew { .. } => e.grew(live, &mut grown, &mut round.notes),
                        Change::Shrunk { .. } | Change::Rewritten => {
                            round.notes.push(format!(
                                "{} {}: read again from its start (what was read before is no \
                                 longer shown)",
                                e.path.display(),
                                change.describe()
                            ));
                            reset = true;
                            live
                        }
                        Change::Replaced | Change::Deleted => {
                            e.finish(live, change, &mut grown, &mut renames, &mut round.notes)
                        }
                    }
                }
                other => other,
            };
        }
        // New files at the paths of rotated and deleted ones.
        let mut next_file = self
            .entries
            .iter()
            .map(|e| e.index_file)
            .max()
            .map_or(0, |m| m.saturating_add(1));
        let mut fresh = Vec::new();
        for e in &mut self.entries {
            if !matches!(e.state, State::Waiting { .. }) {
                continue;
            }
            let Ok(file) = File::open(&e.path) else {
                continue;
            };
            if let State::Waiting { file: old } =
                std::mem::replace(&mut e.state, State::Done { file: None })
            {
                e.state = State::Done { file: Some(old) };
            }
            match Source::from_file(&e.path, &file, None) {
                Ok(src) => {
                    let (src, state, note) = start(&e.path, file, src);
                    round.notes.extend(note);
                    let end = match &state {
                        State::Live { scanned, .. } => *scanned,
                        _ => src.bytes().len(),
                    };
                    grown.push(Grown {
                        file: next_file,
                        source: src,
                        range: 0..end,
                    });
                    fresh.push(Entry {
                        path: e.path.clone(),
                        name: e.path.clone(),
                        index_file: next_file,
                        state,
                    });
                    next_file = next_file.saturating_add(1);
                }
                Err(err) => round.notes.push(format!("{}: {err}", e.path.display())),
            }
        }
        self.entries.extend(fresh);
        if reset {
            match self.read_all(options, &Progress::default()) {
                Ok(m) => {
                    let read = self
                        .entries
                        .iter()
                        .filter(|e| matches!(e.state, State::Live { .. }))
                        .map(|e| e.index_file)
                        .collect();
                    round.update = Some(Update::Reset {
                        model: Box::new(m),
                        read,
                    });
                }
                Err(e) => round.notes.push(e.to_string()),
            }
            round.notes.extend(self.take_notes());
            round.ended = !self.following();
            return round;
        }
        if !grown.is_empty() || !renames.is_empty() {
            grown.sort_by_key(|g| g.file);
            let mut scanned = append::scan(grown, options.history);
            scanned.renames = renames;
            round.update = Some(Update::Grew(scanned));
        }
        round.ended = !self.following();
        round
    }
}

impl Entry {
    /// A live file grew: its new whole lines are to be scanned.
    fn grew(&self, live: State, grown: &mut Vec<Grown>, notes: &mut Vec<String>) -> State {
        let State::Live {
            file,
            stamp,
            mut scanned,
            unterminated,
        } = live
        else {
            return live;
        };
        let src = match Source::from_file(&self.name, &file, None) {
            Ok(src) => src,
            Err(err) => {
                notes.push(format!("{}: {err}", self.path.display()));
                return State::Live {
                    file,
                    stamp,
                    scanned,
                    unterminated,
                };
            }
        };
        if !src.decoded().is_empty() {
            // Empty when it was first read, compressed or framed now (a Collector with
            // `compression: zstd` that had not written yet): it cannot be followed.
            notes.push(not_followed(&self.path, &src, "r reads it"));
            return State::Done { file: Some(file) };
        }
        // The newline a record read whole was waiting for.
        if unterminated && src.bytes().get(scanned) == Some(&b'\n') {
            scanned += 1;
        }
        let stamp = src.stamp().cloned().unwrap_or(stamp);
        let end = append::whole_lines_end(src.bytes(), scanned);
        if end > scanned {
            grown.push(Grown {
                file: self.index_file,
                source: src,
                range: scanned..end,
            });
        }
        State::Live {
            file,
            stamp,
            scanned: end,
            unterminated: unterminated && end == scanned,
        }
    }

    /// A live file was rotated away or deleted: read it to its end through the handle, and
    /// wait for a file at the path.
    fn finish(
        &mut self,
        live: State,
        change: Change,
        grown: &mut Vec<Grown>,
        renames: &mut Vec<(u16, PathBuf)>,
        notes: &mut Vec<String>,
    ) -> State {
        let State::Live {
            file,
            mut scanned,
            unterminated,
            ..
        } = live
        else {
            return live;
        };
        let moved = new_name(&self.path, &file);
        if let Some(m) = &moved {
            renames.push((self.index_file, m.clone()));
            self.name = m.clone();
        }
        if let Ok(src) = Source::from_file(&self.name, &file, None) {
            if unterminated && src.bytes().get(scanned) == Some(&b'\n') {
                scanned += 1;
            }
            let len = src.bytes().len();
            if len > scanned {
                grown.push(Grown {
                    file: self.index_file,
                    source: src,
                    range: scanned..len,
                });
            }
        }
        let shown = self.path.display();
        notes.push(match (&moved, change) {
            (Some(m), Change::Replaced) => {
                format!(
                    "{shown} was rotated (now {}): following the new file",
                    m.display()
                )
            }
            (Some(m), _) => format!(
                "{shown} was rotated (now {}): waiting for a new file at the path",
                m.display()
            ),
            (None, Change::Replaced) => format!("{shown} was replaced: following the new file"),
            (None, _) => {
                format!("{shown} was deleted: what was read stays; waiting for it to reappear")
            }
        });
        State::Waiting { file }
    }
}

/// Why a file that was read is not followed, in one line.
fn not_followed(path: &Path, src: &Source, then: &str) -> String {
    format!(
        "{}: {} input is read whole, and cannot be followed (only plain JSON Lines files can){}",
        shown(path),
        src.decoded().join(" + "),
        if then.is_empty() {
            String::new()
        } else {
            format!("; {then}")
        }
    )
}

/// Starts following `file` (read as `src`): its whole lines are what is read now. A JSON
/// document, and a compressed or framed file (decoded whole), are read whole and not
/// followed: the note says so.
fn start(path: &Path, file: File, src: Source) -> (Source, State, Option<String>) {
    if !src.decoded().is_empty() {
        let note = not_followed(path, &src, "");
        return (src, State::Done { file: Some(file) }, Some(note));
    }
    let b = src.bytes();
    if !b.is_empty() && lines::detect(b) == Mode::Document {
        let note = format!(
            "{}: one JSON document, not JSON Lines: read whole, not followed",
            shown(path)
        );
        return (src, State::Done { file: Some(file) }, Some(note));
    }
    let mut end = append::whole_lines_end(b, 0);
    // A last line that holds a whole record is read now (an export may end without a
    // newline); its newline, when it comes, is skipped.
    let unterminated = end < b.len() && whole_record(&b[end..]);
    if unterminated {
        end = b.len();
    }
    let stamp = src.stamp().cloned();
    let src = if end < b.len() {
        Source::from_file(path, &file, Some(end as u64)).unwrap_or(src)
    } else {
        src
    };
    match stamp.or_else(|| Stamp::take(&file).ok()) {
        Some(stamp) => (
            src,
            State::Live {
                file,
                stamp,
                scanned: end,
                unterminated,
            },
            None,
        ),
        None => (src, State::Done { file: Some(file) }, None),
    }
}

/// Whether `b` is one whole JSON value (spaces around it aside).
fn whole_record(b: &[u8]) -> bool {
    let t = b.trim_ascii();
    let mut c = crate::json::Cursor::new(t);
    !t.is_empty() && c.skip_value().is_ok() && c.at_end()
}

/// The name a rotated (or deleted) file goes by now, when it is still in the same directory.
#[cfg(unix)]
fn new_name(path: &Path, file: &File) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    if meta.nlink() == 0 {
        return None;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let m = entry.metadata().ok()?;
        (m.dev() == meta.dev() && m.ino() == meta.ino()).then(|| dir.join(entry.file_name()))
    })
}

#[cfg(not(unix))]
fn new_name(_: &Path, _: &File) -> Option<PathBuf> {
    None
}

/// Takes an update into the model; returns the spans new to it (all of them after a reset).
pub fn apply(model: &mut Model, update: Update, options: infer::Options) -> Range<u32> {
    match update {
        Update::Grew(scanned) => {
            let added = model.index.absorb(scanned);
            if model.index.transcripts {
                // Where a Claude Code transcript's lines go is decided from the whole session
                // (`model::claude_code`): the model is built again.
                let index = model.take_index();
                *model = model::build_with(index, options);
            } else {
                model::grow::grow(model, added.clone(), options);
            }
            added
        }
        Update::Reset { model: m, .. } => {
            *model = *m;
            0..u32::try_from(model.index.spans.len()).unwrap_or(u32::MAX)
        }
    }
}

#[cfg(test)]
mod tests;
