//! Compressed input, recognised by its first bytes (never by the file name): gzip (one member
//! or several concatenated, as `cat a.gz b.gz` makes) and zstd (one frame or several, skippable
//! frames included).
//!
//! Decoding streams into a [`Spill`] (memory, then an unnamed temporary file), so a large
//! export costs no more memory than piped input does, and the same limit stops a
//! decompression bomb. Data that stops decoding part way (truncated, corrupt, a checksum that
//! does not match) keeps what decoded before the fault, and says what was lost in a [`Note`].
//!
//! `flate2` (pure Rust, `miniz_oxide`) and `zstd` (the reference C library) do the decoding:
//! both are the maintained, widely used crates for their formats, and the zstd library is
//! what writes these files in the first place.

use super::meter::Meter;
use super::spill::{Full, Spill};
use super::{Bytes, Note};
use std::io::{ErrorKind, Read};

/// A compression format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Zstd,
}

/// The zstd frame magic number, little-endian on disk.
pub(crate) const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Codec {
    /// The format `head` (the first bytes of the input) starts with, if any. Four bytes are
    /// enough.
    pub fn sniff(head: &[u8]) -> Option<Codec> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Codec::Gzip)
        } else if head.starts_with(&ZSTD_MAGIC) || is_skippable_frame(head) {
            Some(Codec::Zstd)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
        }
    }
}

/// A zstd skippable frame starts with 0x184D2A5? (little-endian).
fn is_skippable_frame(head: &[u8]) -> bool {
    matches!(head, [b0, 0x2a, 0x4d, 0x18, ..] if b0 & 0xf0 == 0x50)
}

/// Decompresses `input` into memory or a temporary file, up to `limit` decoded bytes.
/// Fails only when the decoded data is over the limit or cannot be stored; a fault in the
/// data itself ends the decoding with a note.
pub(crate) fn decompress(
    codec: Codec,
    input: impl Read,
    limit: u64,
    meter: &mut Meter,
) -> Result<(Bytes, Vec<Note>), Full> {
    let mut out = Spill::new(limit);
    let notes = match codec {
        Codec::Gzip => pump(
            codec,
            flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 16, input)),
            &mut out,
            meter,
        )?,
        Codec::Zstd => match zstd::stream::read::Decoder::new(input) {
            Ok(d) => pump(codec, d, &mut out, meter)?,
            Err(e) => vec![Note::lost(format!("zstd decoder could not start: {e}"))],
        },
    };
    meter.done();
    Ok((out.finish()?, notes))
}

/// Copies decoded bytes to `out` until the end or a fault.
fn pump(
    codec: Codec,
    mut decoder: impl Read,
    out: &mut Spill,
    meter: &mut Meter,
) -> Result<Vec<Note>, Full> {
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        match decoder.read(&mut chunk) {
            Ok(0) => return Ok(Vec::new()),
            Ok(n) => {
                out.write(&chunk[..n])?;
                meter.tick(out.len());
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Ok(vec![fault(codec, &e, out.len())]),
        }
    }
}

/// What a decoding error means for the reader, and what was kept.
fn fault(codec: Codec, e: &std::io::Error, decoded: u64) -> Note {
    let name = codec.name();
    let after = crate::fmt::thousands(decoded);
    let text = e.to_string();
    let reason = if e.kind() == ErrorKind::UnexpectedEof || text.contains("incomplete frame") {
        format!("{name} data ends early after {after} decoded bytes: the rest is lost")
    } else if text.contains("checksum") {
        format!(
            "{name} checksum does not match after {after} decoded bytes ({text}): the data \
             before may be damaged, the rest is lost"
        )
    } else if codec == Codec::Gzip && text.contains("header") && decoded > 0 {
        format!(
            "{name} data is followed by bytes that are not {name} ({text}) after {after} \
             decoded bytes: they are not read"
        )
    } else {
        format!("{name} data is corrupt after {after} decoded bytes ({text}): the rest is lost")
    };
    Note::lost(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn plain(b: Bytes) -> Vec<u8> {
        match b {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m.bytes().to_vec(),
        }
    }

    fn run(codec: Codec, data: &[u8], limit: u64) -> Result<(Vec<u8>, Vec<Note>), Full> {
        let (b, notes) = decompress(codec, data, limit, &mut Meter::off())?;
        Ok((plain(b), notes))
    }

    const TEXT: &[u8] = b"{\"a\":1}\n{\"b\":2}\n";

    #[test]
    fn sniffs_by_content() {
        assert_eq!(Codec::sniff(&gz(b"x")), Some(Codec::Gzip));
        let z = zstd::encode_all(TEXT, 3).unwrap();
        assert_eq!(Codec::sniff(&z), Some(Codec::Zstd));
        assert_eq!(Codec::sniff(&[0x5e, 0x2a, 0x4d, 0x18]), Some(Codec::Zstd));
        assert_eq!(Codec::sniff(b"{\"a\":1}"), None);
        assert_eq!(Codec::sniff(&[0x1f]), None);
    }

    #[test]
    fn concatenated_members_and_frames_are_read_whole() {
        let mut two = gz(TEXT);
        two.extend(gz(b"{\"c\":3}\n"));
        let (out, notes) = run(Codec::Gzip, &two, 1 << 20).unwrap();
        assert_eq!(out, b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
        assert!(notes.is_empty(), "{notes:?}");

        let mut z = zstd::encode_all(TEXT, 3).unwrap();
        // A skippable frame between the two.
        z.extend([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        z.extend(zstd::encode_all(&b"{\"c\":3}\n"[..], 19).unwrap());
        let (out, notes) = run(Codec::Zstd, &z, 1 << 20).unwrap();
        assert_eq!(out, b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_cut_keeps_what_decoded_and_says_so() {
        let big: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect();
        for codec in [Codec::Gzip, Codec::Zstd] {
            let mut z = match codec {
                Codec::Gzip => gz(&big),
                Codec::Zstd => zstd::encode_all(&big[..], 1).unwrap(),
            };
            z.truncate(z.len() * 2 / 3);
            let (out, notes) = run(codec, &z, 1 << 30).unwrap();
            assert!(
                big.starts_with(&out),
                "{codec:?}: decoded bytes must be a prefix"
            );
            assert_eq!(notes.len(), 1, "{codec:?}");
            let why = &notes[0].reason;
            assert!(why.contains("ends early"), "{codec:?}: {why}");
            assert!(
                why.contains(&crate::fmt::thousands(out.len() as u64)),
                "{codec:?}: {why}"
            );
        }
    }

    #[test]
    fn corrupt_data_is_reported() {
        let mut z = gz(&TEXT.repeat(1000));
        let mid = z.len() / 2;
        for b in &mut z[mid..mid + 16] {
            *b ^= 0x5a;
        }
        let (_, notes) = run(Codec::Gzip, &z, 1 << 30).unwrap();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].reason.starts_with("gzip "), "{}", notes[0].reason);
    }

    #[test]
    fn trailing_garbage_is_named() {
        let mut z = gz(TEXT);
        z.extend(b"garbage after the member");
        let (out, notes) = run(Codec::Gzip, &z, 1 << 20).unwrap();
        assert_eq!(out, TEXT);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].reason.contains("not gzip"), "{}", notes[0].reason);
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let zeros = vec![0u8; 4 << 20];
        let z = zstd::encode_all(&zeros[..], 3).unwrap();
        assert!(z.len() < 4096);
        assert!(matches!(run(Codec::Zstd, &z, 1 << 20), Err(Full::Limit(_))));
        assert!(matches!(
            run(Codec::Gzip, &gz(&zeros), 1 << 20),
            Err(Full::Limit(_))
        ));
    }
}
