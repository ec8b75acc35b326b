//! The bytes of an input: a regular file memory-mapped; anything else read, decoded or
//! converted into memory or an unnamed temporary file.
//!
//! `Mmap::map` is the crate's one `unsafe` call.
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
//! OTLP/JSON lines by [`otlp_proto`]). Decoded bytes go where streams go, under the same limit
//! (which also stops a decompression bomb); what decoding lost is kept as [`Note`]s, which the
//! index reports as problems of the file. A progress line is shown on standard error meanwhile
//! ([`meter`]).
//!
//! A mapped file records what it looked like when opened (a [`watch::Stamp`]), so a change on
//! disk (appended, truncated, rewritten, replaced, deleted) can be told apart: [`Source::change`].
//! Decoded input has no stamp: it is a private copy.

mod compressed;
mod frames;
mod meter;
mod otlp_proto;
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
pub use stream::{STDIN_IN_MEMORY, STDIN_LIMIT, STDIN_PROBE};
use stream::{Stream, parse_size, read_stream};
use watch::{Change, Stamp};

pub(crate) enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
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

/// One input file, opened read-only.
pub struct Source {
    path: PathBuf,
    bytes: Bytes,
    /// The file as it was when mapped; `None` for what cannot change under us (standard input,
    /// pipes, decoded input, bytes in memory).
    stamp: Option<Stamp>,
    /// What the bytes were decoded from ("gzip", "zstd", "Collector records"), when they were.
    decoded: Vec<&'static str>,
    notes: Vec<Note>,
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
        let limit = std::env::var("SESSTUI_STDIN_LIMIT")
            .ok()
            .and_then(|v| parse_size(&v))
            .unwrap_or(STDIN_LIMIT);
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
        // Taken before mapping: a change between the two shows as a change, never the reverse.
        let stamp = Stamp::take(&file).ok();
        let mut head = [0u8; 4];
        let n = read_head(&file, &mut head).map_err(io)?;
        if let Some(codec) = Codec::sniff(&head[..n]) {
            // Read, not mapped: the decoded copy is what is shown, and a file that shrinks
            // while it is decoded reads as cut short instead of faulting.
            let (bytes, notes) = compressed::decompress(
                codec,
                file,
                limit,
                &mut Meter::new(&shown, "decompressing"),
            )
            .map_err(|e| full(&shown, codec.name(), e))?;
            let mut s = Source {
                path: path.to_owned(),
                bytes,
                stamp: None,
                decoded: vec![codec.name()],
                notes,
            };
            s.unframe(limit)?;
            return Ok(s);
        }
        let len = file.metadata().map_err(io)?.len();
        let bytes = if len == 0 {
            Bytes::Owned(Vec::new())
        } else {
            Bytes::Mapped(map(&file).map_err(io)?)
        };
        let mut s = Source {
            path: path.to_owned(),
            bytes,
            stamp,
            decoded: Vec::new(),
            notes: Vec::new(),
        };
        s.unframe(limit)?;
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
                Source {
                    path: PathBuf::from(name),
                    bytes,
                    stamp: None,
                    decoded: vec![codec.name()],
                    notes,
                }
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
                Source {
                    path: PathBuf::from(name),
                    bytes,
                    stamp: None,
                    decoded: Vec::new(),
                    notes: Vec::new(),
                }
            }
        };
        s.unframe(limit)?;
        Ok(s)
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
        self.bytes = bytes;
        self.stamp = None;
        self.decoded.push("Collector records");
        self.notes.extend(notes);
        Ok(())
    }

    /// A source over bytes already in memory (tests, benchmarks).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source {
            path: PathBuf::from(name),
            bytes: Bytes::Owned(bytes),
            stamp: None,
            decoded: Vec::new(),
            notes: Vec::new(),
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

    /// What the bytes were decoded from, outermost first (empty for plain input).
    pub fn decoded(&self) -> &[&'static str] {
        &self.decoded
    }

    /// What decoding lost or changed (empty for plain input).
    pub fn notes(&self) -> &[Note] {
        &self.notes
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
