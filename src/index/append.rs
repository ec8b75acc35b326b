//! Growing an index with what was appended to its files: only the new bytes are scanned.
//!
//! Two steps, so the costly one can run away from whoever holds the index: [`scan`] reads the
//! new whole lines of each grown file (from the end of the last line indexed to the last
//! newline; a line still being written waits for the next round) with the same collector as
//! the first scan, on all cores; [`Index::absorb`] then merges what it found, as the first
//! scan merges its pieces: strings and traces renumbered into the index's, span indices
//! shifted past the spans already there (so every span, trace and string keeps its index),
//! lines numbered after the file's. The grown file's map is replaced by the larger one.
//!
//! A file that is new to the index (the file a rotation left at the path) is added after the
//! others, and read from its start.

use super::lines::{self, Mode};
use super::progress::Progress;
use super::scan::ChunkOut;
use super::{FileInfo, Index, Merger, PIECE_BYTES, Piece, TAIL_PIECE_BYTES, scan_lines};
use crate::source::Source;
use std::ops::Range;
use std::sync::Mutex;

/// New bytes of one file to index.
pub struct Grown {
    /// The file's number in the index; one past the last file for a file new to it.
    pub file: u16,
    /// The file mapped at its new length (it replaces the index's map of it).
    pub source: Source,
    /// The bytes to scan: whole lines only, unless `last` says the file is finished.
    pub range: Range<usize>,
}

/// What [`scan`] found, ready for [`Index::absorb`].
pub struct Scanned {
    grown: Vec<Grown>,
    pieces: Vec<Piece>,
    outs: Vec<ChunkOut>,
    /// Files that go by another name now (rotated): (file number, name).
    pub renames: Vec<(u16, std::path::PathBuf)>,
}

impl Scanned {
    /// Bytes scanned.
    pub fn bytes(&self) -> usize {
        self.pieces.iter().map(|p| p.range.len()).sum()
    }
}

/// Where the whole lines of `b` from `from` end: just after the last newline (`from` when
/// there is none yet).
pub fn whole_lines_end(b: &[u8], from: usize) -> usize {
    let from = from.min(b.len());
    memchr::memrchr(b'\n', &b[from..]).map_or(from, |k| from + k + 1)
}

/// Scans the new bytes of the grown files, on all cores (pieces of about 1 MiB, in file
/// order); `fingerprints` as for the first scan.
pub fn scan(grown: Vec<Grown>, fingerprints: bool) -> Scanned {
    let mut pieces = Vec::new();
    for g in &grown {
        let b = g.source.bytes();
        // A file read from its start: after its byte-order mark, if any (noted once).
        let from_start = g.range.start == 0;
        let start = if from_start {
            lines::bom_len(b)
        } else {
            g.range.start
        };
        let range = start.min(b.len())..g.range.end.min(b.len()).max(start.min(b.len()));
        // A piece big enough that its fixed costs vanish, small enough to share out.
        let target = if range.len() > 4 * PIECE_BYTES {
            PIECE_BYTES
        } else {
            TAIL_PIECE_BYTES
        };
        for (k, r) in lines::split(b, range, target).into_iter().enumerate() {
            pieces.push(Piece {
                file: g.file,
                first: from_start && k == 0,
                range: r,
                mode: Mode::Lines,
            });
        }
    }
    let outs = scan_each(&grown, &pieces, fingerprints);
    Scanned {
        grown,
        pieces,
        outs,
        renames: Vec::new(),
    }
}

/// Scans each piece into its own output, in piece order.
fn scan_each(grown: &[Grown], pieces: &[Piece], fingerprints: bool) -> Vec<ChunkOut> {
    let bytes_of = |file: u16| -> &[u8] {
        grown
            .iter()
            .find(|g| g.file == file)
            .map_or(&[], |g| g.source.bytes())
    };
    let progress = Progress::default();
    let outs: Vec<Mutex<Option<ChunkOut>>> = pieces.iter().map(|_| Mutex::new(None)).collect();
    // On threads of their own even for one worker: the thread following a file has std's
    // default stack, not what the walker may need (see `walkers`).
    super::walkers::share(pieces.len(), fingerprints, |i, col| {
        let Some(piece) = pieces.get(i) else {
            return false;
        };
        col.begin(bytes_of(piece.file), piece.file);
        scan_lines(col, piece, &progress);
        let out = std::mem::take(&mut col.out);
        if let Some(slot) = outs.get(i)
            && let Ok(mut slot) = slot.lock()
        {
            *slot = Some(out);
        }
        true
    });
    outs.into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or_default()
        })
        .collect()
}

impl Index {
    /// Merges what [`scan`] found into the index; returns the indices of the spans added.
    /// Every span, trace and string already in the index keeps its index.
    pub fn absorb(&mut self, scanned: Scanned) -> Range<u32> {
        let Scanned {
            grown,
            pieces,
            mut outs,
            renames,
        } = scanned;
        for (file, name) in renames {
            self.rename_file(file, name);
        }
        let first = u32::try_from(self.spans.len()).unwrap_or(u32::MAX);
        for g in grown {
            let len = g.source.bytes().len() as u64;
            let file = usize::from(g.file);
            if file < self.sources.len() {
                self.sources[file] = g.source;
                if let Some(f) = self.files.get_mut(file) {
                    f.bytes = len;
                }
            } else {
                self.files.push(FileInfo {
                    path: g.source.path().display().to_string(),
                    bytes: len,
                    lines: 0,
                    mode: Mode::Lines,
                    records: 0,
                    spans: 0,
                    styles: [0; super::STYLES],
                    kinds: super::scan::LineKinds::default(),
                });
                self.sources.push(g.source);
            }
        }
        let mut merger = Merger::resume(self, pieces.len());
        for (i, (piece, out)) in pieces.iter().zip(outs.iter_mut()).enumerate() {
            merger.absorb(i, piece.range.len(), out);
        }
        merger.restore(self, &pieces);
        first..u32::try_from(self.spans.len()).unwrap_or(u32::MAX)
    }

    /// Makes ready for appends: the map from trace ids to traces, which the build drops, made
    /// once here rather than in the first append.
    pub fn prepare_append(&mut self) {
        if self.trace_map.is_none() {
            let m = super::Merger::resume(self, 0);
            m.restore(self, &[]);
        }
    }

    /// Renames file `file` (a rotated file, once its new name is known).
    pub fn rename_file(&mut self, file: u16, path: std::path::PathBuf) {
        let i = usize::from(file);
        if let Some(f) = self.files.get_mut(i) {
            f.path = path.display().to_string();
        }
        if i < self.sources.len() {
            self.sources[i] = self.sources[i].clone().renamed(path);
        }
    }
}
