//! The bytes of an input file: memory-mapped, or read into memory for stdin and empty files.
//!
//! `Mmap::map` is the crate's one `unsafe` call.

use crate::error::Error;
use memmap2::Mmap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

/// One input file, opened read-only.
pub struct Source {
    path: PathBuf,
    bytes: Bytes,
}

impl Source {
    /// Opens `path` read-only and maps it; `-` reads standard input.
    pub fn open(path: &Path) -> Result<Source, Error> {
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            err: e,
        };
        if path == Path::new("-") {
            let mut buf = Vec::new();
            std::io::stdin().lock().read_to_end(&mut buf).map_err(io)?;
            return Ok(Source {
                path: path.to_owned(),
                bytes: Bytes::Owned(buf),
            });
        }
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(Error::NotAFile {
                path: path.display().to_string(),
            });
        }
        if meta.len() == 0 {
            return Ok(Source {
                path: path.to_owned(),
                bytes: Bytes::Owned(Vec::new()),
            });
        }
        // SAFETY: the map is read-only and sesstui never writes to its inputs. The contract we
        // cannot enforce is that no other process truncates or rewrites the file while it is
        // mapped: if one does, reads of the vanished pages raise SIGBUS and the process dies
        // (ripgrep accepts the same trade-off). Concurrent appends are harmless: the map covers
        // only the length seen at open time. In exchange, a 1 GB export costs no copy and the OS
        // pages it in on demand, which is what makes the first screen immediate.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Source {
            path: path.to_owned(),
            bytes: Bytes::Mapped(map),
        })
    }

    /// A source over bytes already in memory (tests, benchmarks).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source {
            path: PathBuf::from(name),
            bytes: Bytes::Owned(bytes),
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
}
