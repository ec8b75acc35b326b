//! The file every accepted request is appended to, one OTLP/JSON line each, before the sender
//! is answered.
//!
//! One writer at a time (a mutex): a line is written whole with one `write_all` of the line
//! and its line break, so a reader following the file (which reads whole lines only) never
//! sees half a request. When a write fails part-way (a full disk), the file is cut back to
//! where it was, so it stays valid JSON Lines, and the request is answered as not saved
//! (retryable): nothing acknowledged is lost. A process crash loses nothing written; with
//! `--fsync` each line is also on the disk before the answer (a power cut loses nothing
//! acknowledged), at the cost of a disk flush per request.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Saver {
    path: PathBuf,
    fsync: bool,
    file: Mutex<Tail>,
}

struct Tail {
    file: File,
    /// The file's length after the last whole line written.
    len: u64,
}

impl Saver {
    /// Opens `path` for appending, creating it (readable by its owner only) when missing. An
    /// existing file whose last line has no line break gets one first, so that the first
    /// request does not run on from it.
    pub fn open(path: &Path, fsync: bool) -> io::Result<Saver> {
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let mut len = file.seek(SeekFrom::End(0))?;
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
                len += 1;
            }
        }
        Ok(Saver {
            path: path.to_owned(),
            fsync,
            file: Mutex::new(Tail { file, len }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `line` (without its line break, which is added). On an error nothing of it is
    /// left in the file.
    pub fn append(&self, mut line: Vec<u8>) -> io::Result<()> {
        line.push(b'\n');
        let mut tail = self
            .file
            .lock()
            .map_err(|_| io::Error::other("an earlier write panicked"))?;
        let written = tail.file.write_all(&line).and_then(|()| {
            if self.fsync {
                tail.file.sync_data()
            } else {
                Ok(())
            }
        });
        match written {
            Ok(()) => {
                tail.len += line.len() as u64;
                Ok(())
            }
            Err(e) => {
                let len = tail.len;
                // Best effort: when even this fails, the next reader reports the half line.
                let _ = tail.file.set_len(len);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_whole_after_what_was_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("saved.jsonl");
        std::fs::write(&path, "{\"old\":1}").expect("write");
        let s = Saver::open(&path, false).expect("open");
        s.append(b"{\"a\":1}".to_vec()).expect("append");
        s.append(b"{\"b\":2}".to_vec()).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new.jsonl");
        Saver::open(&path, true).expect("open");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Saver::open(dir.path(), false).is_err());
    }
}
