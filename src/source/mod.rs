//! The bytes of an input file: memory-mapped, or read into memory for stdin and empty files.
//!
//! Standard input is read to its end: into memory up to [`STDIN_IN_MEMORY`], then into an
//! unnamed temporary file (created and unlinked at once, so nothing is left behind and no other
//! process can change it), which is mapped like any file. It stops with a clear error past
//! [`STDIN_LIMIT`] (or `SESSTUI_STDIN_LIMIT`, in bytes or with a K/M/G suffix), or early when
//! the first [`STDIN_PROBE`] bytes hold no line break and do not start like JSON (`/dev/zero`,
//! a binary file). See [`stream`].
//!
//! # Files that change while mapped
//!
//! A mapped file records what it looked like when opened (a [`watch::Stamp`]), so a change on
//! disk (appended, truncated, rewritten, replaced, deleted) can be told apart:
//! [`Source::change`]. What a change does to the bytes sesstui holds:
//! - appended, replaced by a rename, deleted: nothing. The map covers the length seen at open
//!   time, and keeps the old file (its inode) alive after a rename or an unlink.
//! - truncated or shortened: a read past the new end would raise SIGBUS; the guard
//!   ([`guard`]) maps zero pages there instead and marks the source.
//! - rewritten in place (`>` again): the map shows the new bytes at the old offsets.
//!
//! In the last two cases the bytes are no longer the ones the index was built from. A source
//! knows it ([`Source::intact`]: the guard's mark, or the last [`Source::change`] seen), and
//! `Index::span_bytes` then gives nothing rather than bytes that are not the file's; readers
//! that show bytes ask [`Source::change`] (a `stat`) before they read, and again after.
//! Clones of a source share its bytes and what was seen of it, so a reload reuses the files
//! that did not change, and standard input, which cannot be read twice.

pub mod guard;
mod stream;
pub mod watch;

use crate::error::Error;
use memmap2::Mmap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
pub use stream::{STDIN_IN_MEMORY, STDIN_LIMIT, STDIN_PROBE};
use stream::{Stream, parse_size, read_stream};
use watch::{Change, Stamp};

pub(crate) enum Bytes {
    Mapped(guard::Guarded),
    Owned(Vec<u8>),
}

impl Bytes {
    fn get(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m.bytes(),
            Bytes::Owned(v) => v,
        }
    }
}

/// What has been seen of a file since it was opened, shared by the clones of its source.
#[derive(Default)]
struct Seen {
    /// Bytes read from it may no longer be the file's (truncated, rewritten).
    lost: AtomicBool,
    /// The last change [`Source::change`] found.
    last: Mutex<Option<Change>>,
}

/// One input file, opened read-only. Cloning shares the bytes (no copy).
#[derive(Clone)]
pub struct Source {
    path: PathBuf,
    bytes: Arc<Bytes>,
    /// The file as it was when mapped; `None` for what cannot change under us (standard input,
    /// bytes in memory).
    stamp: Option<Arc<Stamp>>,
    seen: Arc<Seen>,
}

impl Source {
    /// Opens `path` read-only and maps it; `-` reads standard input.
    pub fn open(path: &Path) -> Result<Source, Error> {
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            err: e,
        };
        if path == Path::new("-") {
            let limit = std::env::var("SESSTUI_STDIN_LIMIT")
                .ok()
                .and_then(|v| parse_size(&v))
                .unwrap_or(STDIN_LIMIT);
            let bytes = read_stream(std::io::stdin().lock(), limit).map_err(|e| match e {
                Stream::Io(e) => io(e),
                Stream::Refused(reason) => Error::Unsupported {
                    path: "standard input".into(),
                    reason,
                },
            })?;
            return Ok(Source::new(path, bytes, None));
        }
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(Error::NotAFile {
                path: path.display().to_string(),
            });
        }
        // Taken before mapping: a change between the two shows as a change, never the reverse.
        let stamp = Stamp::take(&file).ok();
        if meta.len() == 0 {
            return Ok(Source::new(path, Bytes::Owned(Vec::new()), stamp));
        }
        let bytes = map(&file).map_err(io)?;
        Ok(Source::new(path, bytes, stamp))
    }

    fn new(path: &Path, bytes: Bytes, stamp: Option<Stamp>) -> Source {
        Source {
            path: path.to_owned(),
            bytes: Arc::new(bytes),
            stamp: stamp.map(Arc::new),
            seen: Arc::default(),
        }
    }

    /// A source over bytes already in memory (tests, benchmarks).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source::new(Path::new(name), Bytes::Owned(bytes), None)
    }

    /// The bytes as mapped. Those of a source that is no longer [`Source::intact`] may be
    /// zeros or another file's: readers that show them check first (`Index::span_bytes`).
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What happened to the file on disk since it was opened (see [`watch`]): a `stat` of the
    /// path and two small reads, cheap enough for every tick of the explorer. What it finds is
    /// remembered ([`Source::intact`], [`Source::last_change`]); a file the guard caught
    /// shrinking reads as `Shrunk` even when it has grown back since.
    pub fn change(&self) -> Change {
        let Some(stamp) = &self.stamp else {
            return Change::Same;
        };
        let mut change = stamp.check(&self.path);
        if self.guard_lost() && matches!(change, Change::Same | Change::Grew { .. }) {
            change = Change::Shrunk {
                len: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            };
        }
        if change.loses_bytes() {
            self.seen.lost.store(true, Ordering::Release);
        }
        if let Ok(mut last) = self.seen.last.lock() {
            // Once bytes are lost, a later look (the file replaced since) does not hide it.
            let keep = last.is_some_and(|l| l.loses_bytes()) && !change.loses_bytes();
            if !keep {
                *last = Some(change);
            }
        }
        change
    }

    /// The last change [`Source::change`] found (no new look at the file); `Same` before any.
    pub fn last_change(&self) -> Change {
        let last = self.seen.last.lock().ok().and_then(|l| *l);
        match last {
            Some(c) => c,
            None if self.guard_lost() => Change::Shrunk { len: 0 },
            None => Change::Same,
        }
    }

    /// Whether the bytes are still the ones the file held when opened, as far as is known
    /// without looking at the file again (an atomic load or two: fine for every read).
    pub fn intact(&self) -> bool {
        !self.seen.lost.load(Ordering::Acquire) && !self.guard_lost()
    }

    fn guard_lost(&self) -> bool {
        match &*self.bytes {
            Bytes::Mapped(g) => g.lost(),
            Bytes::Owned(_) => false,
        }
    }

    /// The file as it was when opened, when it is a file.
    pub fn stamp(&self) -> Option<&Stamp> {
        self.stamp.as_deref()
    }

    /// Whether this is standard input (read once; kept across reloads).
    pub fn is_stdin(&self) -> bool {
        self.path == Path::new("-")
    }
}

/// Maps `file` read-only, under the guard ([`guard`]); where the guard cannot cover it, reads
/// it into memory instead.
pub(crate) fn map(file: &File) -> std::io::Result<Bytes> {
    let map = map_raw(file)?;
    match guard::Guarded::new(map) {
        Ok(g) => Ok(Bytes::Mapped(g)),
        Err(map) => {
            drop(map);
            let mut v = Vec::new();
            use std::io::{Read, Seek};
            let mut f = file.try_clone()?;
            f.rewind()?;
            f.read_to_end(&mut v)?;
            Ok(Bytes::Owned(v))
        }
    }
}

/// Maps `file` read-only, unguarded.
pub(crate) fn map_raw(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: the map is read-only and sesstui never writes to its inputs. Another process may
    // still change the file while it is mapped; what each change does, and how sesstui stays
    // safe and says so, is in this module's documentation: appends and renames are harmless,
    // a truncation is caught by the guard (zero pages instead of SIGBUS), and bytes that
    // changed are never shown (`Source::intact`). Reading through `&[u8]` bytes that another
    // process may change is what every mapped reader accepts (ripgrep does); the JSON reader
    // copes with any bytes, and never reads outside the slice. In exchange, a 1 GB export costs
    // no copy and the OS pages it in on demand, which is what makes the first screen
    // immediate. (The temporary file standard input spills into is unlinked at once: no other
    // process can reach it.)
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(file) }?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}
