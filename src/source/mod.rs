//! The bytes of an input file: memory-mapped, or read into memory for stdin and empty files.
//!
//! `Mmap::map` is the crate's one `unsafe` call.
//!
//! Standard input is read to its end: into memory up to [`STDIN_IN_MEMORY`], then into an
//! unnamed temporary file (created and unlinked at once, so nothing is left behind and no other
//! process can change it), which is mapped like any file. It stops with a clear error past
//! [`STDIN_LIMIT`] (or `SESSTUI_STDIN_LIMIT`, in bytes or with a K/M/G suffix), or early when
//! the first [`STDIN_PROBE`] bytes hold no line break and do not start like JSON (`/dev/zero`,
//! a binary file). See [`stream`].
//!
//! A mapped file records what it looked like when opened (a [`watch::Stamp`]), so a change on
//! disk (appended, truncated, rewritten, replaced, deleted) can be told apart: [`Source::change`].

mod stream;
pub mod watch;

use crate::error::Error;
use memmap2::Mmap;
use std::fs::File;
use std::path::{Path, PathBuf};
pub use stream::{STDIN_IN_MEMORY, STDIN_LIMIT, STDIN_PROBE};
use stream::{Stream, parse_size, read_stream};
use watch::{Change, Stamp};

pub(crate) enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

/// One input file, opened read-only.
pub struct Source {
    path: PathBuf,
    bytes: Bytes,
    /// The file as it was when mapped; `None` for what cannot change under us (standard input,
    /// bytes in memory).
    stamp: Option<Stamp>,
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
            return Ok(Source {
                path: path.to_owned(),
                bytes,
                stamp: None,
            });
        }
        let file = File::open(path).map_err(io)?;
        Source::from_file(path, &file, None)
    }

    /// Maps an open file (named `path`), up to `limit` bytes when given: what following a file
    /// does each time it grows, through the handle it keeps (a rotated file is read to its end
    /// that way, whatever its name now).
    pub fn from_file(path: &Path, file: &File, limit: Option<u64>) -> Result<Source, Error> {
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            err: e,
        };
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(Error::NotAFile {
                path: path.display().to_string(),
            });
        }
        // Taken before mapping: a change between the two shows as a change, never the reverse.
        let stamp = Stamp::take(file).ok();
        let len = limit.map_or(meta.len(), |l| l.min(meta.len()));
        if len == 0 {
            return Ok(Source {
                path: path.to_owned(),
                bytes: Bytes::Owned(Vec::new()),
                stamp,
            });
        }
        let map = map_len(file, len).map_err(io)?;
        Ok(Source {
            path: path.to_owned(),
            bytes: Bytes::Mapped(map),
            stamp,
        })
    }

    /// The same bytes under another name (a rotated file, once its new name is known).
    pub fn renamed(mut self, path: PathBuf) -> Source {
        self.path = path;
        self
    }

    /// A source over bytes already in memory (tests, benchmarks).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source {
            path: PathBuf::from(name),
            bytes: Bytes::Owned(bytes),
            stamp: None,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What happened to the file on disk since it was opened (see [`watch`]): a `stat` of the
    /// path and two small reads, cheap enough for every tick of the explorer.
    pub fn change(&self) -> Change {
        match &self.stamp {
            Some(stamp) => stamp.check(&self.path),
            None => Change::Same,
        }
    }

    /// The file as it was when opened, when it is a file.
    pub fn stamp(&self) -> Option<&Stamp> {
        self.stamp.as_ref()
    }
}

/// Maps the first `len` bytes of `file` read-only (what was seen of a file still growing).
fn map_len(file: &File, len: u64) -> std::io::Result<Mmap> {
    let len = usize::try_from(len).map_err(|_| std::io::Error::other("file too large to map"))?;
    // SAFETY: as `map`, over a prefix of the file.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) }?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

/// Maps `file` read-only.
pub(crate) fn map(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: the map is read-only and sesstui never writes to its inputs. The contract we
    // cannot enforce is that no other process truncates or rewrites the file while it is
    // mapped: if one does, reads of the vanished pages raise SIGBUS and the process dies
    // (ripgrep accepts the same trade-off). Concurrent appends are harmless: the map covers
    // only the length seen at open time. In exchange, a 1 GB export costs no copy and the OS
    // pages it in on demand, which is what makes the first screen immediate. (The temporary
    // file standard input spills into is unlinked at once: no other process can reach it.)
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(file) }?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}
