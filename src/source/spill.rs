//! Where bytes that are not a file of their own go: piped input, decompressed or converted
//! data. Into memory up to a budget, then into an unnamed temporary file that is mapped.
//!
//! The temporary file has no name from the start where the system allows it (`O_TMPFILE` on
//! Linux, through the `tempfile` crate; elsewhere it is unlinked as soon as it is created), so
//! it is gone when sesstui exits, however it exits, and no other process can change it under
//! the map.

use super::Bytes;
use std::fs::File;
use std::io::Write;

/// Bytes are kept in memory up to this many…
pub const IN_MEMORY: usize = 256 << 20;
/// …and taken at most this far (a temporary file holds what is beyond memory).
pub const LIMIT: u64 = 16 << 30;
/// Once in the file, bytes are written in runs of this size.
const WRITE_RUN: usize = 1 << 20;

/// Why bytes could not be kept.
#[derive(Debug)]
pub(crate) enum Full {
    /// More than the limit: the input is refused, not cut.
    Limit(u64),
    Io(std::io::Error),
}

impl From<std::io::Error> for Full {
    fn from(e: std::io::Error) -> Self {
        Full::Io(e)
    }
}

/// A growing run of bytes, in memory then in a temporary file.
pub(crate) struct Spill {
    buf: Vec<u8>,
    file: Option<File>,
    len: u64,
    limit: u64,
    in_memory: usize,
}

impl Spill {
    pub fn new(limit: u64) -> Spill {
        Spill::with_budget(limit, IN_MEMORY)
    }

    /// A spill with another memory budget (tests).
    pub fn with_budget(limit: u64, in_memory: usize) -> Spill {
        Spill {
            buf: Vec::new(),
            file: None,
            len: 0,
            limit,
            in_memory,
        }
    }

    /// Bytes taken so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Appends `bytes`, or refuses past the limit (nothing of `bytes` is kept then).
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        let total = self.len.saturating_add(bytes.len() as u64);
        if total > self.limit {
            return Err(Full::Limit(self.limit));
        }
        self.len = total;
        match self.file.as_mut() {
            Some(f) => {
                // Written through in runs of `WRITE_RUN`: small writes (a converted frame, a
                // line) do not each cost a system call.
                self.buf.extend_from_slice(bytes);
                if self.buf.len() >= WRITE_RUN {
                    f.write_all(&self.buf)?;
                    self.buf.clear();
                }
            }
            None => {
                self.buf.extend_from_slice(bytes);
                if self.buf.len() > self.in_memory {
                    let mut f = tempfile::tempfile()?;
                    f.write_all(&self.buf)?;
                    self.buf = Vec::new();
                    self.file = Some(f);
                }
            }
        }
        Ok(())
    }

    /// The bytes taken: in memory, or the temporary file mapped.
    pub fn finish(self) -> std::io::Result<Bytes> {
        match self.file {
            None => Ok(Bytes::Owned(self.buf)),
            Some(mut f) => {
                f.write_all(&self.buf)?;
                f.flush()?;
                Ok(super::map(&f)?)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(b: Bytes) -> Vec<u8> {
        match b {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m.bytes().to_vec(),
        }
    }

    #[test]
    fn stays_in_memory_within_the_budget() {
        let mut s = Spill::with_budget(1 << 20, 100);
        s.write(b"{\"a\":1}\n").unwrap();
        s.write(b"{\"b\"").unwrap();
        assert!(matches!(s.finish().unwrap(), Bytes::Owned(v) if v == b"{\"a\":1}\n{\"b\""));
    }

    #[test]
    fn spills_to_a_mapped_file_past_the_budget() {
        let mut s = Spill::with_budget(1 << 20, 100);
        let mut want = Vec::new();
        for i in 0..100 {
            let line = format!("{{\"n\":{i}}}\n");
            s.write(line.as_bytes()).unwrap();
            want.extend_from_slice(line.as_bytes());
        }
        s.write(b"x").unwrap();
        want.push(b'x');
        assert_eq!(s.len(), want.len() as u64);
        let b = s.finish().unwrap();
        assert!(matches!(b, Bytes::Mapped(_)));
        assert_eq!(bytes(b), want);
    }

    #[test]
    fn refuses_past_the_limit() {
        let mut s = Spill::with_budget(10, 4);
        s.write(b"0123456789").unwrap();
        assert!(matches!(s.write(b"x"), Err(Full::Limit(10))));
        assert_eq!(s.len(), 10);
    }
}
