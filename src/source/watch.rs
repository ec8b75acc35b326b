//! Telling how a file changed on disk since it was opened.
//!
//! A [`Stamp`] holds the file's identity (device and inode), its length and modification time,
//! and private copies of its first and last few kilobytes. The copies matter because the
//! mapping itself is no witness: it shows the file's *current* pages, so a file rewritten in
//! place (`>` reopens the same inode, truncates it, writes again) would compare equal to
//! itself. With the copies, a rewrite that ends up longer than before is told from an append.

use std::fs::File;
use std::path::Path;
use std::time::SystemTime;

/// How many bytes of the head and of the tail are kept.
const SAMPLE: u64 = 4096;

/// A file as it was at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    pub len: u64,
    modified: Option<SystemTime>,
    head: Vec<u8>,
    /// The `SAMPLE` bytes (or fewer) that end at `len`.
    tail: Vec<u8>,
}

/// What happened to a file since its [`Stamp`] was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing seen.
    Same,
    /// Bytes were added after the end; the bytes seen are still there, unchanged.
    Grew { len: u64 },
    /// The file is shorter than it was: bytes that were read are gone.
    Shrunk { len: u64 },
    /// The same file holds other bytes where it was read (rewritten in place, `>` again).
    Rewritten,
    /// Another file now has the path (a rename over it, a rotation, delete and re-create).
    Replaced,
    /// No file has the path any more.
    Deleted,
}

impl Change {
    /// Whether bytes sesstui read may have changed or vanished: what it shows from the file
    /// can no longer be trusted (an append or a new file at the path leaves them intact).
    pub fn loses_bytes(self) -> bool {
        matches!(self, Change::Shrunk { .. } | Change::Rewritten)
    }

    /// One word for what happened, after "changed on disk": `truncated`, `rewritten`, …
    pub fn word(self) -> &'static str {
        match self {
            Change::Same => "unchanged",
            Change::Grew { .. } => "appended to",
            Change::Shrunk { .. } => "truncated",
            Change::Rewritten => "rewritten",
            Change::Replaced => "replaced",
            Change::Deleted => "deleted",
        }
    }

    /// A few words for the status line: "changed on disk" reads after the file's name.
    pub fn describe(self) -> &'static str {
        match self {
            Change::Same => "unchanged",
            Change::Grew { .. } => "grew on disk",
            Change::Shrunk { .. } => "was truncated on disk",
            Change::Rewritten => "was rewritten on disk",
            Change::Replaced => "was replaced on disk",
            Change::Deleted => "was deleted",
        }
    }
}

impl Stamp {
    /// The stamp of an open file.
    pub fn take(file: &File) -> std::io::Result<Stamp> {
        let meta = file.metadata()?;
        let len = meta.len();
        let (dev, ino) = identity(&meta);
        Ok(Stamp {
            dev,
            ino,
            len,
            modified: meta.modified().ok(),
            head: read_at(file, 0, SAMPLE.min(len))?,
            tail: read_at(file, len.saturating_sub(SAMPLE), SAMPLE.min(len))?,
        })
    }

    /// Compares the file now at `path` with this stamp.
    pub fn check(&self, path: &Path) -> Change {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Change::Deleted,
            // Unreadable for a moment (permissions changed): nothing we can say.
            Err(_) => return Change::Same,
        };
        if identity(&meta) != (self.dev, self.ino) {
            return Change::Replaced;
        }
        let len = meta.len();
        if len < self.len {
            return Change::Shrunk { len };
        }
        if len == self.len && meta.modified().ok() == self.modified {
            return Change::Same;
        }
        // Same file, as long or longer, touched: an append leaves the head and the old tail as
        // they were.
        let Ok(file) = File::open(path) else {
            return Change::Same;
        };
        let head = read_at(&file, 0, self.head.len() as u64);
        let tail = read_at(
            &file,
            self.len - self.tail.len() as u64,
            self.tail.len() as u64,
        );
        match (head, tail) {
            (Ok(h), Ok(t)) if h == self.head && t == self.tail => {
                if len == self.len {
                    Change::Same
                } else {
                    Change::Grew { len }
                }
            }
            // Shrunk between the stat and the read.
            (Ok(h), Ok(t)) if h.len() < self.head.len() || t.len() < self.tail.len() => {
                Change::Shrunk {
                    len: len.min(self.len),
                }
            }
            (Ok(_), Ok(_)) => Change::Rewritten,
            _ => Change::Same,
        }
    }
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// Up to `n` bytes at `offset` (fewer at the end of the file), without moving a file cursor.
#[cfg(unix)]
fn read_at(file: &File, offset: u64, n: u64) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0; n as usize];
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(buf)
}

#[cfg(not(unix))]
fn read_at(file: &File, offset: u64, n: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::new();
    f.take(n).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn stamp(path: &Path) -> Stamp {
        Stamp::take(&File::open(path).unwrap()).unwrap()
    }

    /// Modification times can be coarse: make sure a write shows in them.
    fn later() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    #[test]
    fn each_kind_of_change_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.jsonl");
        let body = b"{\"a\":1}\n".repeat(2000);
        std::fs::write(&p, &body).unwrap();
        let s = stamp(&p);
        assert_eq!(s.check(&p), Change::Same);

        later();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"b\":2}\n")
            .unwrap();
        assert_eq!(
            s.check(&p),
            Change::Grew {
                len: body.len() as u64 + 8
            }
        );

        // `>` again, with longer content: same inode, longer, but not an append.
        later();
        let other = b"{\"c\":3}\n".repeat(3000);
        std::fs::write(&p, &other).unwrap();
        assert_eq!(s.check(&p), Change::Rewritten);

        let s = stamp(&p);
        later();
        std::fs::write(&p, b"{\"c\":3}\n").unwrap();
        assert_eq!(s.check(&p), Change::Shrunk { len: 8 });

        let s = stamp(&p);
        let q = dir.path().join("next.jsonl");
        std::fs::write(&q, b"{\"c\":3}\n").unwrap();
        std::fs::rename(&q, &p).unwrap();
        assert_eq!(s.check(&p), Change::Replaced);

        std::fs::remove_file(&p).unwrap();
        assert_eq!(s.check(&p), Change::Deleted);
    }
}
