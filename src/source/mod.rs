//! The bytes of an input: a regular file memory-mapped; anything else read, decoded or
//! converted into memory or an unnamed temporary file.
//!
//! What is read rather than mapped: standard input (`-`), and every path that is not a regular
//! file — a FIFO (waited for, saying so, when it has no writer yet), `/dev/stdin`, the
//! `/dev/fd/N` of a process substitution `<(zcat …)`, a character device. Such a stream is read
//! to its end into memory up to [`STDIN_IN_MEMORY`], then into an unnamed temporary file
//! ([`spill`]: gone when sesstui exits, and no other process can change it), which is mapped
//! like any file. It stops with a clear error past [`STDIN_LIMIT`] (or `SESSTUI_STDIN_LIMIT`,
//! in bytes or with a K/M/G suffix), or early when the first [`STDIN_PROBE`] bytes hold no line
//! break and do not start like JSON (`/dev/zero`, a binary file). See [`stream`].
//!
//! What is decoded, recognised by content and never by name, from files and streams alike:
//! gzip and zstd ([`compressed`]), and the OpenTelemetry Collector file exporter's
//! length-prefixed records, protobuf or JSON, zstd-compressed or not ([`frames`], converted to
//! OTLP/JSON lines by [`otlp_proto`]), and Phoenix `TraceDataset.save()` parquet files, one
//! JSON record line per row ([`parquet`]). Decoded bytes go where streams go, under the same limit
//! (which also stops a decompression bomb); what decoding lost is kept as [`Note`]s, which the
//! index reports as problems of the file. A progress line is shown on standard error meanwhile
//! ([`meter`]).
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
//! Decoded input (compressed, Collector records) has no stamp: it is a private copy.
//!
//! Following a growing file (`crate::follow`) maps it again, through the handle it keeps, each
//! time it grew ([`Source::from_file`]): every one of those mappings is under the guard too. A
//! stream or decoded input cannot be followed (what was read is all there is of it).

mod compressed;
mod frames;
pub mod guard;
mod meter;
mod otlp_proto;
mod parquet;
mod spill;
mod stream;
pub mod watch;

use crate::error::Error;
pub use compressed::Codec;
use memmap2::Mmap;
use meter::Meter;
use spill::Full;
use std::fs::File;
use std::io::Read;
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

/// Something lost or changed while the input was decoded: reported with the file's problems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The line of the decoded text it stands for (a record of a framed file is a line), or
    /// `None` for what comes after the last line (the rest of a truncated stream).
    pub line: Option<u64>,
    pub reason: String,
}

impl Note {
    pub(crate) fn lost(reason: String) -> Note {
        Note { line: None, reason }
    }

    pub(crate) fn at(line: u64, reason: String) -> Note {
        Note {
            line: Some(line),
            reason,
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
    /// pipes, decoded input, bytes in memory).
    stamp: Option<Arc<Stamp>>,
    seen: Arc<Seen>,
    /// What the bytes were decoded from ("gzip", "zstd", "parquet", "Collector records"), when
    /// they were.
    decoded: Vec<&'static str>,
    notes: Vec<Note>,
    /// The evaluations a Phoenix trace dataset (parquet) lists in its metadata, by id.
    eval_ids: Vec<String>,
    /// A Phoenix evaluations file's own id (parquet metadata `eval_id`).
    eval_id: Option<String>,
}

impl Source {
    /// Opens `path` read-only; `-` reads standard input.
    ///
    /// A regular file is mapped. Anything else (a FIFO, `/dev/stdin`, `<(…)`, a character
    /// device) is read to its end like standard input; a FIFO that has no writer yet is waited
    /// for, saying so on standard error. Compressed input (gzip, zstd) and the Collector file
    /// exporter's length-prefixed records are recognised by their content and decoded (see
    /// [`compressed`], [`frames`]), with a progress line on standard error (see [`meter`]).
    pub fn open(path: &Path) -> Result<Source, Error> {
        let shown = path.display().to_string();
        let io = |e: std::io::Error| Error::Io {
            path: shown.clone(),
            err: e,
        };
        let limit = stream_limit();
        if path == Path::new("-") {
            let mut s = Source::from_stream("standard input", std::io::stdin().lock(), limit)?;
            s.path = path.to_owned();
            return Ok(s);
        }
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Err(Error::NotAFile { path: shown });
        }
        if !meta.is_file() {
            let file = open_waiting(path, &meta).map_err(io)?;
            let mut s = Source::from_stream(&shown, file, limit)?;
            s.path = path.to_owned();
            return Ok(s);
        }
        let file = File::open(path).map_err(io)?;
        Source::from_file(path, &file, None)
    }

    /// Reads an open regular file (named `path`) as [`Source::open`] does: decoded when it is
    /// compressed or framed, mapped under the guard otherwise, up to `limit` bytes when given
    /// (a limit applies to plain files only: decoded input is read whole). Following a file
    /// calls this each time the file grows, through the handle it keeps (a rotated file is read
    /// to its end that way, whatever its name now); a source it returns with
    /// [`Source::decoded`] not empty cannot be followed.
    pub fn from_file(path: &Path, file: &File, limit: Option<u64>) -> Result<Source, Error> {
        let shown = path.display().to_string();
        let io = |e: std::io::Error| Error::Io {
            path: shown.clone(),
            err: e,
        };
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(Error::NotAFile { path: shown });
        }
        let decode_limit = stream_limit();
        // Taken before mapping: a change between the two shows as a change, never the reverse.
        let stamp = Stamp::take(file).ok();
        let mut head = [0u8; 4];
        let n = read_head(file, &mut head).map_err(io)?;
        if let Some(codec) = Codec::sniff(&head[..n]) {
            // Read, not mapped: the decoded copy is what is shown, and a file that shrinks
            // while it is decoded reads as cut short instead of faulting.
            let (bytes, notes) = compressed::decompress(
                codec,
                ReadAt { file, at: 0 },
                decode_limit,
                &mut Meter::new(&shown, "decompressing"),
            )
            .map_err(|e| full(&shown, codec.name(), e))?;
            let mut s = Source::new(path, bytes, None);
            s.decoded = vec![codec.name()];
            s.notes = notes;
            s.unpack(decode_limit)?;
            return Ok(s);
        }
        let len = limit.map_or(meta.len(), |l| l.min(meta.len()));
        let bytes = if len == 0 {
            Bytes::Owned(Vec::new())
        } else if limit.is_some() {
            map_prefix(file, len).map_err(io)?
        } else {
            map(file).map_err(io)?
        };
        let mut s = Source::new(path, bytes, stamp);
        s.unpack(decode_limit)?;
        Ok(s)
    }

    /// Reads a stream to its end, decompressing it if it is compressed.
    fn from_stream(name: &str, mut r: impl Read, limit: u64) -> Result<Source, Error> {
        let io = |e: std::io::Error| Error::Io {
            path: name.to_owned(),
            err: e,
        };
        let mut head = [0u8; 4];
        let n = read_full(&mut r, &mut head).map_err(io)?;
        let r = (&head[..n]).chain(r);
        let mut s = match Codec::sniff(&head[..n]) {
            Some(codec) => {
                let (bytes, notes) =
                    compressed::decompress(codec, r, limit, &mut Meter::new(name, "decompressing"))
                        .map_err(|e| full(name, codec.name(), e))?;
                let mut s = Source::new(Path::new(name), bytes, None);
                s.decoded = vec![codec.name()];
                s.notes = notes;
                s
            }
            None => {
                let bytes = read_stream(r, limit, &mut Meter::new(name, "reading")).map_err(
                    |e| match e {
                        Stream::Io(e) => io(e),
                        Stream::Refused(reason) => Error::Unsupported {
                            path: name.to_owned(),
                            reason,
                        },
                    },
                )?;
                Source::new(Path::new(name), bytes, None)
            }
        };
        s.unpack(limit)?;
        Ok(s)
    }

    /// Converts what is not lines of JSON into lines of JSON: a parquet file ([`parquet`]),
    /// the Collector file exporter's records ([`frames`]).
    fn unpack(&mut self, limit: u64) -> Result<(), Error> {
        self.unparquet(limit)?;
        self.unframe(limit)
    }

    /// Converts a parquet file (Phoenix `TraceDataset.save()`) into one JSON line per row, if
    /// the bytes are one.
    fn unparquet(&mut self, limit: u64) -> Result<(), Error> {
        if !parquet::detect(self.bytes()) {
            return Ok(());
        }
        let shown = self.path.display().to_string();
        let converted = parquet::convert(
            Arc::clone(&self.bytes),
            limit,
            &mut Meter::new(&shown, "reading parquet"),
        )
        .map_err(|e| match e {
            parquet::Failed::Full(e) => full(&shown, "the parquet rows", e),
            parquet::Failed::Unreadable(reason) => Error::Unsupported {
                path: shown.clone(),
                reason,
            },
        })?;
        self.bytes = Arc::new(converted.bytes);
        self.stamp = None;
        self.decoded.push("parquet");
        self.notes.extend(converted.notes);
        self.eval_ids = converted.eval_ids;
        self.eval_id = converted.eval_id;
        Ok(())
    }

    /// Converts the Collector file exporter's records into OTLP/JSON lines, if the bytes are
    /// such records.
    fn unframe(&mut self, limit: u64) -> Result<(), Error> {
        if !frames::detect(self.bytes(), limit) {
            return Ok(());
        }
        let shown = self.path.display().to_string();
        let (bytes, notes) = frames::convert(
            self.bytes(),
            limit,
            &mut Meter::new(&shown, "converting records"),
        )
        .map_err(|e| full(&shown, "the records", e))?;
        self.bytes = Arc::new(bytes);
        self.stamp = None;
        self.decoded.push("Collector records");
        self.notes.extend(notes);
        Ok(())
    }

    fn new(path: &Path, bytes: Bytes, stamp: Option<Stamp>) -> Source {
        Source {
            path: path.to_owned(),
            bytes: Arc::new(bytes),
            stamp: stamp.map(Arc::new),
            seen: Arc::default(),
            decoded: Vec::new(),
            notes: Vec::new(),
            eval_ids: Vec::new(),
            eval_id: None,
        }
    }

    /// The same bytes under another name (a rotated file, once its new name is known).
    pub fn renamed(mut self, path: PathBuf) -> Source {
        self.path = path;
        self
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

    /// What the bytes were decoded from, outermost first (empty for plain input).
    pub fn decoded(&self) -> &[&'static str] {
        &self.decoded
    }

    /// The ids of the evaluations a Phoenix trace dataset lists in its parquet metadata
    /// (saved by `TraceDataset.save()` beside it as `evaluations-<id>.parquet`).
    pub fn listed_evaluations(&self) -> &[String] {
        &self.eval_ids
    }

    /// A Phoenix evaluations file's own id (its parquet metadata's `eval_id`).
    pub fn evaluations_id(&self) -> Option<&str> {
        self.eval_id.as_deref()
    }

    /// What decoding lost or changed (empty for plain input).
    pub fn notes(&self) -> &[Note] {
        &self.notes
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

/// The most bytes a stream or decoded input may take: `SESSTUI_STDIN_LIMIT`, or
/// [`STDIN_LIMIT`].
fn stream_limit() -> u64 {
    std::env::var("SESSTUI_STDIN_LIMIT")
        .ok()
        .and_then(|v| parse_size(&v))
        .unwrap_or(STDIN_LIMIT)
}

/// Reads a file from offset `at` on with `pread`, leaving its cursor alone: the handle a
/// follower keeps is read again and again from the start.
struct ReadAt<'a> {
    file: &'a File,
    at: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// The error for decoded input that does not fit.
fn full(path: &str, what: &str, e: Full) -> Error {
    match e {
        Full::Io(err) => Error::Io {
            path: path.to_owned(),
            err,
        },
        Full::Limit(limit) => Error::Unsupported {
            path: path.to_owned(),
            reason: format!(
                "{what} decode to more than {} bytes: stopped (the limit for decoded and piped \
                 input; decompress it to a file and open that, or set SESSTUI_STDIN_LIMIT)",
                crate::fmt::thousands(limit)
            ),
        },
    }
}

/// The first bytes of a file, read at offset 0 without moving its cursor.
fn read_head(file: &File, head: &mut [u8]) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut n = 0;
    while n < head.len() {
        match file.read_at(&mut head[n..], n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads until `buf` is full or the stream ends.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// How long a FIFO's open may block before sesstui says it is waiting.
const FIFO_PATIENCE: std::time::Duration = std::time::Duration::from_millis(150);

/// Opens what is not a regular file. Opening a FIFO blocks until a writer opens it too: when
/// that takes more than a moment, `sesstui: waiting for a writer on PATH…` is said on standard
/// error first (the open runs on a helper thread, so the wait itself needs no special call).
fn open_waiting(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<File> {
    use std::os::unix::fs::FileTypeExt;
    if !meta.file_type().is_fifo() {
        return File::open(path);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(File::open(&p));
    });
    match rx.recv_timeout(FIFO_PATIENCE) {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            crate::sanitize::eprint_line(&format!(
                "sesstui: waiting for a writer on {}…",
                path.display()
            ));
            rx.recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("the open was abandoned")))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(std::io::Error::other("the open was abandoned"))
        }
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
            ReadAt { file, at: 0 }.read_to_end(&mut v)?;
            Ok(Bytes::Owned(v))
        }
    }
}

/// Maps the first `len` bytes of `file` read-only (what was seen of a file still growing),
/// under the guard like [`map`]; where the guard cannot cover it, reads them into memory.
fn map_prefix(file: &File, len: u64) -> std::io::Result<Bytes> {
    let n = usize::try_from(len).map_err(|_| std::io::Error::other("file too large to map"))?;
    // SAFETY: as `map_raw`, over a prefix of the file.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().len(n).map(file) }?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    match guard::Guarded::new(map) {
        Ok(g) => Ok(Bytes::Mapped(g)),
        Err(map) => {
            drop(map);
            let mut v = Vec::new();
            ReadAt { file, at: 0 }.take(len).read_to_end(&mut v)?;
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
