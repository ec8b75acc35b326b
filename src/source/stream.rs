//! Reading a stream (standard input, a pipe, a FIFO) to its end, within a memory budget.

use super::Bytes;
use super::meter::Meter;
use super::spill::{self, Full, Spill};
use std::io::Read;

/// Standard input is kept in memory up to this many bytes…
pub const STDIN_IN_MEMORY: usize = spill::IN_MEMORY;
/// …and read at most this far (a temporary file holds what is beyond memory).
pub const STDIN_LIMIT: u64 = spill::LIMIT;
/// Input that has no line break in this many bytes and does not start with `{` or `[` is
/// not read further.
pub const STDIN_PROBE: usize = 64 << 20;

/// Why standard input was not read.
pub(super) enum Stream {
    Io(std::io::Error),
    Refused(String),
}

impl From<std::io::Error> for Stream {
    fn from(e: std::io::Error) -> Self {
        Stream::Io(e)
    }
}

/// Reads a stream to its end, as the module says.
pub(super) fn read_stream(
    mut r: impl Read,
    limit: u64,
    meter: &mut Meter,
) -> Result<Bytes, Stream> {
    let mut out = Spill::new(limit);
    let mut chunk = vec![0u8; 1 << 20];
    // The first bytes, kept for the probe.
    let mut head: Vec<u8> = Vec::new();
    let mut probed = false;
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        match out.write(&chunk[..n]) {
            Ok(()) => {}
            Err(Full::Io(e)) => return Err(e.into()),
            Err(Full::Limit(limit)) => {
                return Err(Stream::Refused(format!(
                    "more than {} bytes: stopped (the limit for piped input; save it to a file \
                     and open the file, or set SESSTUI_STDIN_LIMIT)",
                    crate::fmt::thousands(limit)
                )));
            }
        }
        meter.tick(out.len());
        if !probed {
            let want = STDIN_PROBE.min(usize::try_from(limit).unwrap_or(usize::MAX));
            head.extend_from_slice(&chunk[..n.min(want.saturating_sub(head.len()))]);
            if head.len() >= want {
                probed = true;
                refuse_binary(&head, limit)?;
                head = Vec::new();
            }
        }
    }
    meter.done();
    Ok(out.finish()?)
}

/// Refuses input whose first [`STDIN_PROBE`] bytes hold no line break, do not start like JSON
/// and are not the Collector's length-prefixed records.
fn refuse_binary(head: &[u8], limit: u64) -> Result<(), Stream> {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    let json_start = matches!(first, Some(b'{' | b'[' | 0xef));
    if json_start || memchr::memchr(b'\n', head).is_some() || super::frames::detect(head, limit) {
        return Ok(());
    }
    Err(Stream::Refused(format!(
        "not a trace export: the first {} hold no line break and no JSON",
        crate::fmt::bytes(STDIN_PROBE as u64)
    )))
}

/// `1048576`, `512K`, `64M`, `2G` → bytes.
pub(super) fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1u64 << 10),
        b'M' | b'm' => (&s[..s.len() - 1], 1 << 20),
        b'G' | b'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read(data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
        match read_stream(data, limit, &mut Meter::off()) {
            Ok(Bytes::Owned(v)) => Ok(v),
            Ok(Bytes::Mapped(m)) => Ok(m.bytes().to_vec()),
            Err(Stream::Io(e)) => Err(e.to_string()),
            Err(Stream::Refused(r)) => Err(r),
        }
    }

    #[test]
    fn streams_are_read_whole_within_the_limit() {
        let data = b"{\"a\":1}\n{\"b\":2}\n".repeat(1000);
        assert_eq!(read(&data, 1 << 30).unwrap(), data);
        let err = read(&data, 100).unwrap_err();
        assert!(err.contains("more than 100 bytes"), "{err}");
        assert_eq!(parse_size("64M"), Some(64 << 20));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn zeros_are_refused_early() {
        let zeros = std::io::repeat(0).take(u64::MAX);
        let err = match read_stream(zeros, STDIN_LIMIT, &mut Meter::off()) {
            Err(Stream::Refused(r)) => r,
            _ => panic!("read an endless stream of zeros"),
        };
        assert!(err.contains("no line break"), "{err}");
    }

    #[test]
    fn large_streams_spill_to_an_unlinked_file() {
        // Over the in-memory budget: lands in a mapped temporary file, byte for byte.
        let line = b"{\"k\":\"0123456789abcdef0123456789abcdef\"}\n";
        let n = STDIN_IN_MEMORY / line.len() + 1000;
        let data = std::io::Cursor::new(line.repeat(n));
        match read_stream(data, STDIN_LIMIT, &mut Meter::off()) {
            Ok(Bytes::Mapped(m)) => {
                let m = m.bytes();
                assert_eq!(m.len(), line.len() * n);
                assert!(m.starts_with(line) && m.ends_with(line));
            }
            _ => panic!("expected a mapped spill file"),
        }
    }
}
