//! The OpenTelemetry Collector file exporter's length-prefixed records.
//!
//! With `format: proto`, or with `compression: zstd` in either format, the exporter writes each
//! batch as a 4-byte big-endian unsigned length followed by that many bytes: the OTLP payload
//! (`TracesData` protobuf, or OTLP/JSON), zstd-compressed with `compression: zstd`
//! (`exporter/fileexporter`: `exportMessageAsBuffer` in `file_writer.go`, `zstdCompress` in
//! `marshaller.go`/`compress.go`; its README, "File Format"). With the `nativeCompression`
//! feature gate the whole file is one zstd stream instead, holding the same length-prefixed
//! records for `proto` (and plain lines for `json`): decompression comes first, then this.
//!
//! A file is taken as framed only when it cannot be JSON (its first byte is not `{`, `[`,
//! whitespace or a byte-order mark), the lengths of its first few records chain within the file,
//! and at least one of those records decodes as OTLP data (traces, or logs or metrics written
//! beside them). Each record then becomes one line of OTLP/JSON (see
//! [`super::otlp_proto`]), so line N of what is indexed is record N of the file. A record that
//! does not decode is reported with its number and offset and left as an empty line; a length
//! that runs past the end of the file ends the reading, reported likewise. No length is ever
//! allocated: a record is a slice of the input, so a 4 GB length in a short file costs nothing.

use super::meter::Meter;
use super::otlp_proto::{is_otlp, to_json_line};
use super::spill::{Full, Spill};
use super::{Bytes, Note};

/// The length prefix.
const PREFIX: usize = 4;
/// Records checked before the framing is believed.
const CHECKED: usize = 3;

/// One record of the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    /// 1-based.
    pub number: u64,
    /// Where its length prefix starts.
    pub offset: usize,
    pub payload: &'a [u8],
}

/// A record whose prefix or payload runs past the end of the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Cut {
    pub number: u64,
    pub offset: usize,
    /// The length the prefix gives, when it is whole.
    pub wants: Option<u32>,
    pub has: usize,
}

/// The records of `src`, in order; a [`Cut`] ends them.
pub(crate) struct Frames<'a> {
    src: &'a [u8],
    pos: usize,
    number: u64,
    done: bool,
}

impl<'a> Frames<'a> {
    pub fn new(src: &'a [u8]) -> Frames<'a> {
        Frames {
            src,
            pos: 0,
            number: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, Cut>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.src.len() {
            return None;
        }
        self.number += 1;
        let offset = self.pos;
        let rest = &self.src[offset..];
        let cut = |wants| Cut {
            number: self.number,
            offset,
            wants,
            has: rest.len().saturating_sub(PREFIX),
        };
        let Some(prefix) = rest.first_chunk::<PREFIX>() else {
            self.done = true;
            return Some(Err(cut(None)));
        };
        let len = u32::from_be_bytes(*prefix);
        let Some(payload) = usize::try_from(len)
            .ok()
            .and_then(|n| rest.get(PREFIX..PREFIX.checked_add(n)?))
        else {
            self.done = true;
            return Some(Err(cut(Some(len))));
        };
        self.pos = offset + PREFIX + payload.len();
        Some(Ok(Frame {
            number: self.number,
            offset,
            payload,
        }))
    }
}

/// Whether `src` is the exporter's framing (see the module doc); `limit` bounds what one
/// compressed payload may decode to.
pub(crate) fn detect(src: &[u8], limit: u64) -> bool {
    match src.first() {
        None | Some(b'{' | b'[' | 0xef) => return false,
        Some(b) if b.is_ascii_whitespace() => return false,
        Some(_) => {}
    }
    // The lengths must chain, record after record, and at least one of the records must be
    // trace data (one damaged record among the first few does not hide the rest).
    let (mut whole, mut traces) = (0, 0);
    for f in Frames::new(src).take(CHECKED) {
        match f {
            Ok(f) => {
                whole += 1;
                if !f.payload.is_empty() && is_otlp(f.payload, limit) {
                    traces += 1;
                }
            }
            // A cut after whole records: a file still being written, or truncated.
            Err(_) if whole > 0 => break,
            Err(_) => return false,
        }
    }
    traces > 0
}

/// Converts every record of `src` into one line of OTLP/JSON each, in memory or a temporary
/// file, up to `limit` bytes.
pub(crate) fn convert(
    src: &[u8],
    limit: u64,
    meter: &mut Meter,
) -> Result<(Bytes, Vec<Note>), Full> {
    let mut out = Spill::new(limit);
    let mut notes = Vec::new();
    for f in Frames::new(src) {
        match f {
            Ok(f) => {
                let room = limit.saturating_sub(out.len());
                match to_json_line(f.payload, room) {
                    Ok(line) => out.write(&line)?,
                    Err(why) => notes.push(Note::at(
                        f.number,
                        format!(
                            "record {} (at byte {}, {} bytes): {}: skipped",
                            f.number,
                            crate::fmt::thousands(f.offset as u64),
                            crate::fmt::thousands(f.payload.len() as u64),
                            why.0
                        ),
                    )),
                }
                out.write(b"\n")?;
            }
            Err(cut) => {
                let what = match cut.wants {
                    Some(n) => format!(
                        "says {} bytes follow, the file has {}",
                        crate::fmt::thousands(u64::from(n)),
                        crate::fmt::thousands(cut.has as u64)
                    ),
                    None => "its length prefix is cut".to_owned(),
                };
                notes.push(Note::at(
                    cut.number,
                    format!(
                        "record {} (at byte {}) {what}: the file ends early, the rest is lost",
                        cut.number,
                        crate::fmt::thousands(cut.offset as u64),
                    ),
                ));
            }
        }
        meter.tick(out.len());
    }
    meter.done();
    Ok((out.finish()?, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    const JSON: &[u8] = br#"{"resourceSpans":[]}"#;

    #[test]
    fn frames_are_read_in_order_and_a_cut_ends_them() {
        let mut src = frame(b"ab");
        src.extend(frame(b""));
        src.extend(frame(b"xyz"));
        src.extend([0, 0, 1, 0, b'q']);
        let got: Vec<_> = Frames::new(&src).collect();
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[0],
            Ok(Frame {
                number: 1,
                offset: 0,
                payload: b"ab"
            })
        );
        assert_eq!(got[1].as_ref().unwrap().payload, b"");
        assert_eq!(got[2].as_ref().unwrap().offset, 10);
        assert_eq!(
            got[3],
            Err(Cut {
                number: 4,
                offset: 17,
                wants: Some(256),
                has: 1
            })
        );
        let short: Vec<_> = Frames::new(&[0, 0]).collect();
        assert_eq!(
            short,
            vec![Err(Cut {
                number: 1,
                offset: 0,
                wants: None,
                has: 0
            })]
        );
    }

    #[test]
    fn plain_json_lines_are_never_framed() {
        for plain in [
            &b"{\"resourceSpans\":[]}\n"[..],
            b"[{\"a\":1}]",
            b"\n\n{\"a\":1}",
            b"\xef\xbb\xbf{\"a\":1}",
            b" {}",
            b"",
        ] {
            assert!(!detect(plain, 1 << 20), "{plain:?}");
        }
        // Framed JSON is recognised…
        let mut src = frame(JSON);
        src.extend(frame(JSON));
        assert!(detect(&src, 1 << 20));
        // …but not a length that does not fit, nor a payload that is not trace data.
        assert!(!detect(&[0, 0, 0, 200, b'{'], 1 << 20));
        assert!(!detect(&frame(b"hello"), 1 << 20));
        // One damaged record among good ones does not hide them.
        let mut bad_second = frame(JSON);
        bad_second.extend(frame(b"\xff\xff"));
        assert!(detect(&bad_second, 1 << 20));
        let mut bad_first = frame(b"\xff\xff");
        bad_first.extend(frame(JSON));
        assert!(detect(&bad_first, 1 << 20));
        // A second length that runs past the end after a good first record: still records.
        let mut cut = frame(JSON);
        cut.extend([0, 0, 9, 0, b'{']);
        assert!(detect(&cut, 1 << 20));
    }

    #[test]
    fn a_bad_record_is_reported_and_the_others_kept() {
        let mut src = frame(JSON);
        src.extend(frame(b"\xff\xfe\xfd"));
        src.extend(frame(JSON));
        src.extend([0, 0, 0, 9, b'{']);
        let (bytes, notes) = convert(&src, 1 << 20, &mut Meter::off()).unwrap();
        let text = match bytes {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m.bytes().to_vec(),
        };
        assert_eq!(
            text,
            b"{\"resourceSpans\":[]}\n\n{\"resourceSpans\":[]}\n".to_vec()
        );
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].line, Some(2));
        assert!(
            notes[0]
                .reason
                .starts_with("record 2 (at byte 24, 3 bytes): not OTLP protobuf"),
            "{}",
            notes[0].reason
        );
        assert_eq!(notes[1].line, Some(4));
        assert!(
            notes[1]
                .reason
                .contains("says 9 bytes follow, the file has 1"),
            "{}",
            notes[1].reason
        );
    }

    proptest! {
        /// Arbitrary bytes: no panic, every record a slice inside the input, and the records
        /// and the cut (if any) tile the input from its start.
        #[test]
        fn arbitrary_bytes_never_panic_nor_overreach(src in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut pos = 0usize;
            for f in Frames::new(&src) {
                match f {
                    Ok(f) => {
                        prop_assert_eq!(f.offset, pos);
                        pos += PREFIX + f.payload.len();
                        prop_assert!(pos <= src.len());
                    }
                    Err(c) => {
                        prop_assert_eq!(c.offset, pos);
                        pos = src.len();
                    }
                }
            }
            prop_assert_eq!(pos, src.len());
            let _ = detect(&src, 1 << 16);
            let _ = convert(&src, 1 << 16, &mut Meter::off());
        }

        /// Huge lengths in a short input: nothing is allocated for them (a 4 GB length would
        /// abort the test process if it were).
        #[test]
        fn huge_lengths_allocate_nothing(len in 0x1000_0000u32.., tail in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut src = len.to_be_bytes().to_vec();
            src.extend(tail);
            let got: Vec<_> = Frames::new(&src).collect();
            prop_assert_eq!(got.len(), 1);
            prop_assert!(got[0].is_err());
            prop_assert!(!detect(&src, 1 << 16));
            let (_, notes) = convert(&src, 1 << 16, &mut Meter::off()).unwrap();
            prop_assert_eq!(notes.len(), 1);
        }
    }
}
