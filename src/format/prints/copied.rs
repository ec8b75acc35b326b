//! The memory of lists seen as it was before it remembered where a list lies in the bytes
//! scanned: each list's bytes copied into a room of [`SEEN_BYTES`] (a test's reference, to
//! hold the memory that copies nothing to the same answers).

use super::{MIN_SEEN_SLOTS, Msg, SEEN_BYTES, SEEN_MESSAGES, SEEN_SLOTS, common_prefix};

/// Lists seen, their bytes copied (see the recorder's `SeenLists`).
#[derive(Default)]
pub(super) struct CopiedLists {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    msgs: Vec<Msg>,
    slots: Vec<Slot>,
    count: usize,
    avg: usize,
}

#[derive(Clone, Copy)]
struct Slot {
    len: usize,
    n: usize,
    high_at: usize,
}

impl Slot {
    const EMPTY: Slot = Slot {
        len: 0,
        n: 0,
        high_at: usize::MAX,
    };
}

struct Seen<'s> {
    bytes: &'s [u8],
    ends: &'s [u32],
    msgs: &'s [Msg],
    high_at: usize,
}

impl CopiedLists {
    fn new() -> CopiedLists {
        CopiedLists {
            bytes: vec![0; SEEN_BYTES],
            ends: vec![0; SEEN_MESSAGES],
            msgs: vec![Msg::default(); SEEN_MESSAGES],
            slots: vec![Slot::EMPTY; SEEN_SLOTS],
            count: SEEN_SLOTS,
            avg: SEEN_BYTES / SEEN_SLOTS / 2,
        }
    }

    fn room(&self) -> (usize, usize) {
        let shift = self.count.max(1).trailing_zeros();
        (SEEN_BYTES >> shift, SEEN_MESSAGES >> shift)
    }

    fn slot(&self, key: u64) -> usize {
        (key as usize) & (self.count.max(1) - 1)
    }

    fn get(&self, key: u64) -> Option<Seen<'_>> {
        let i = self.slot(key);
        let s = self.slots.get(i)?;
        let (bytes, msgs) = self.room();
        let (b, m) = (i * bytes, i * msgs);
        Some(Seen {
            bytes: self.bytes.get(b..b + s.len)?,
            ends: self.ends.get(m..m + s.n)?,
            msgs: self.msgs.get(m..m + s.n)?,
            high_at: s.high_at,
        })
    }

    fn keep(&mut self, key: u64, bytes: &[u8], ends: &[u32], msgs: &[Msg], high_at: usize) {
        let i = self.slot(key);
        let (room, msgs_room) = self.room();
        let (b, m) = (i * room, i * msgs_room);
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        *slot = Slot::EMPTY;
        let fits = bytes.len() <= room && ends.len() <= msgs_room && msgs.len() == ends.len();
        if !fits {
            return;
        }
        let (Some(to_bytes), Some(to_ends), Some(to_msgs)) = (
            self.bytes.get_mut(b..b + bytes.len()),
            self.ends.get_mut(m..m + ends.len()),
            self.msgs.get_mut(m..m + msgs.len()),
        ) else {
            return;
        };
        to_bytes.copy_from_slice(bytes);
        to_ends.copy_from_slice(ends);
        to_msgs.copy_from_slice(msgs);
        *slot = Slot {
            len: bytes.len(),
            n: ends.len(),
            high_at,
        };
    }

    fn forget(&mut self, key: u64) {
        let i = self.slot(key);
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Slot::EMPTY;
        }
    }

    fn adapt(&mut self, len: usize) {
        self.avg = self.avg - self.avg / 64 + len / 64;
        let (room, _) = self.room();
        let count = if self.avg.saturating_mul(3) / 2 > room && self.count > MIN_SEEN_SLOTS {
            self.count / 2
        } else if self.avg.saturating_mul(6) < room && self.count < SEEN_SLOTS {
            self.count * 2
        } else {
            return;
        };
        self.count = count;
        self.slots.fill(Slot::EMPTY);
    }

    /// What the recorder once took from its memory for a list (from its `[`) whose key is
    /// `key`: how many messages, where the last of them ends, whether a byte of 0x80 or above
    /// is among them, and what was read of them.
    pub(super) fn lookup(&self, key: u64, list: &[u8]) -> (usize, usize, bool, Vec<Msg>) {
        let Some(seen) = self.get(key) else {
            return (0, 0, false, Vec::new());
        };
        let same = common_prefix(seen.bytes, list);
        let mut k = 0;
        for (i, &e) in seen.ends.iter().enumerate() {
            let e = e as usize;
            if e >= same {
                break;
            }
            if list.get(e) == Some(&b',') {
                k = i + 1;
            }
        }
        match k.checked_sub(1).and_then(|i| seen.ends.get(i)) {
            Some(&e) => (
                k,
                e as usize,
                seen.high_at < e as usize,
                seen.msgs[..k].to_vec(),
            ),
            None => (0, 0, false, Vec::new()),
        }
    }

    /// What the recorder once kept of a list read in a line (`bytes`, from its `[` to its
    /// `]`; its messages' `ends` and what was read of them, `msgs`; `reused` of them taken
    /// from the memory; `non_ascii`: the record so far met a byte of 0x80 or above).
    pub(super) fn remember(
        &mut self,
        key: u64,
        bytes: &[u8],
        ends: &[u32],
        msgs: &[Msg],
        reused: usize,
        non_ascii: bool,
    ) {
        if self.slots.is_empty() {
            *self = CopiedLists::new();
        }
        self.adapt(bytes.len());
        let n = ends.len();
        let kept = self.get(key).map_or(0, |s| s.ends.len());
        if n < 2 || reused + 1 == n && kept > n {
            return;
        }
        let (room, msgs_room) = self.room();
        let fit = if bytes.len() <= room {
            n
        } else {
            ends.partition_point(|&e| (e as usize) < room)
        }
        .min(msgs_room);
        let upto = match fit.checked_sub(1).and_then(|i| ends.get(i)) {
            Some(&e) => e as usize + 1,
            None => 0,
        };
        let bytes = &bytes[..upto.min(bytes.len())];
        if fit < 2 {
            self.forget(key);
            return;
        }
        let high_at = if non_ascii {
            bytes.iter().position(|&b| b >= 0x80).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        let msgs = msgs.get(..fit).unwrap_or_default();
        self.keep(key, bytes, &ends[..fit], msgs, high_at);
    }

    /// How many slots share the room.
    pub(super) fn count(&self) -> usize {
        self.count
    }
}
