//! The scan's fingerprints of LLM calls: one hash per input message, taken from the message's
//! bytes as they lie in the record, while the scan walks it (so no later pass reads the file).
//!
//! Session inference links calls whose input history extends an earlier call's history. Within
//! one export the same message is written with the same bytes on every call that resends it, so
//! a message hashes as the order-free sum of its parts (`message.content`, `message.tool_calls`…,
//! each key with its value's bytes), and its role. Objects are walked to find the role (it may be
//! nested, as in `{"message": {"role": …}}`); everything else is hashed as written. The one part
//! that does change from call to call is Claude Code's `cache_control` marker, which moves to the
//! newest message: it is cut out before hashing.
//!
//! What these hashes cannot tell (whether an earlier call's answer is the next message, written
//! in another encoding) is settled from the leaves of the few spans concerned ([`super::history`]).

use super::history::{
    CASE, MAX_MESSAGES, Source, locate, message_hash, mix, number, padded_word, role_hash,
    short_role_hash, source_of, structural,
};
use crate::index::bits::Bits;
use crate::json::{Cursor, JsonError, Pattern, RawStr, ValueKind};
use memchr::memmem::Finder;
use std::hash::Hasher;
use std::ops::Range;
use std::sync::LazyLock;

#[cfg(test)]
mod copied;
mod skip;

/// One call's fingerprint as the index keeps it: 8 bytes, its message hashes in a table shared
/// by all calls ([`Prints`]), its span in [`Prints`]' set of spans (print `k` is the `k`th
/// span there). A call has at most [`MAX_MESSAGES`] messages (the rest are not
/// read), so its counts fit in 13 bits: its length, the position of its first message that is
/// not a system prompt, three flags, and one saying whether its count of messages that are not
/// system prompts is other than the messages from that first one on (then it is in
/// [`Prints`]' table of such counts: [`Prints::conversational`]), in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Print {
    /// Where its message hashes start in the table.
    pub at: u32,
    /// Length, first turn, flags and the odd-count bit (see [`Print::new`]).
    bits: u32,
}

/// Bits of a count in a [`Print`]'s word; all ones is "no first turn".
const COUNT_BITS: u32 = 13;
const COUNT_MASK: u32 = (1 << COUNT_BITS) - 1;
const FLAGS_SHIFT: u32 = 2 * COUNT_BITS;
/// The flags [`Print`] defines.
const FLAG_MASK: u32 = 0b111;
/// The count of messages not system prompts is kept in [`Prints::odd`].
const ODD: u32 = 1 << (FLAGS_SHIFT + 3);

// Every count of messages fits in a `Print`'s 13 bits, its "no first turn" apart.
const _: () = assert!(MAX_MESSAGES < COUNT_MASK as usize);

impl Print {
    /// No messages, no first turn, no flags.
    pub const EMPTY: Print = Print {
        at: 0,
        bits: COUNT_MASK << COUNT_BITS,
    };
    /// A single-message call whose messages hold words of a known side prompt (title
    /// generation, quota probe, topic check): worth reading to see whether it is one.
    pub const MAYBE_SIDE: u16 = 1;
    /// Its newest input message is a person's: role `user` (or `human`), and not a tool's
    /// return (no `tool_result` / `tool_call_response` block first, no `tool_call_id`).
    pub const HUMAN: u16 = 1 << 1;
    /// Its newest input message begins with a `<system-reminder>` a client injected: whether
    /// a person wrote the rest is for the model to read.
    pub const REMINDER: u16 = 1 << 2;

    /// The fingerprint of `len` messages (at most [`MAX_MESSAGES`]) stored from `at`, the
    /// first that is not a system prompt at `first_turn` (`None`: none), with `flags`; `odd`:
    /// its count of messages that are not system prompts is kept apart (see
    /// [`Prints::push`]).
    fn new(at: u32, len: usize, first_turn: Option<usize>, flags: u16, odd: bool) -> Print {
        let count = |n: usize| u32::try_from(n).unwrap_or(COUNT_MASK).min(COUNT_MASK - 1);
        let first = first_turn.map_or(COUNT_MASK, count);
        Print {
            at,
            bits: count(len)
                | first << COUNT_BITS
                | (u32::from(flags) & FLAG_MASK) << FLAGS_SHIFT
                | if odd { ODD } else { 0 },
        }
    }

    /// How many input messages it has.
    pub fn len(&self) -> usize {
        (self.bits & COUNT_MASK) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Position of the first message that is not a system prompt.
    pub fn first_turn(&self) -> Option<usize> {
        let f = (self.bits >> COUNT_BITS) & COUNT_MASK;
        (f != COUNT_MASK).then_some(f as usize)
    }

    /// [`Print::MAYBE_SIDE`], [`Print::HUMAN`], [`Print::REMINDER`].
    pub fn flags(&self) -> u16 {
        ((self.bits >> FLAGS_SHIFT) & FLAG_MASK) as u16
    }

    pub fn maybe_side(&self) -> bool {
        self.flags() & Print::MAYBE_SIDE != 0
    }

    /// The newest input message looks like a person's (see [`Print::HUMAN`]).
    pub fn human(&self) -> bool {
        self.flags() & Print::HUMAN != 0
    }

    /// The newest input message starts with a client's reminder (see [`Print::REMINDER`]).
    pub fn reminder(&self) -> bool {
        self.flags() & Print::REMINDER != 0
    }

    /// The count of messages that are not system prompts when they are the messages from
    /// the first such one on (as in every export seen: system prompts come first).
    fn usual_conversational(len: usize, first_turn: Option<usize>) -> usize {
        first_turn.map_or(0, |f| len.saturating_sub(f))
    }
}

/// Fingerprints of many calls: the calls, and one table of their message hashes.
#[derive(Debug, Default)]
pub struct Prints {
    /// The spans that have a print (print `k`'s is the `k`th).
    spans: Bits,
    pub calls: Vec<Print>,
    pub messages: Vec<u64>,
    /// (print, count) of the calls whose count of messages that are not system prompts is
    /// not the usual one (see [`Prints::conversational`]), ascending by print.
    odd: Vec<(u32, u16)>,
    /// While calls are stored (a piece being scanned): by a slot of the hash of its first
    /// message that is not a system prompt, the latest call that had it (see
    /// [`Prints::store`]); empty until the first call is stored.
    openings: Vec<u32>,
}

/// Slots in [`Prints::openings`].
const OPENING_SLOTS: usize = 256;

/// [`Prints::openings`]: no call.
const NO_CALL: u32 = u32::MAX;

/// The slot in [`Prints::openings`] of a message hash.
fn opening_slot(h: u64) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    ((h ^ (h >> 29)).wrapping_mul(K) >> (64 - OPENING_SLOTS.trailing_zeros())) as usize
}

impl Prints {
    /// The message hashes of a call.
    pub fn messages(&self, p: &Print) -> &[u64] {
        let at = p.at as usize;
        self.messages
            .get(at..at.saturating_add(p.len()))
            .unwrap_or(&[])
    }

    /// How many of print `k`'s messages are not system prompts.
    pub fn conversational(&self, k: u32) -> usize {
        let Some(p) = self.calls.get(k as usize) else {
            return 0;
        };
        if p.bits & ODD == 0 {
            return Print::usual_conversational(p.len(), p.first_turn());
        }
        let at = self.odd.partition_point(|&(c, _)| c < k);
        self.odd.get(at).map_or(0, |&(_, n)| n as usize)
    }

    /// Print `k`'s span.
    pub fn span(&self, k: u32) -> u32 {
        self.spans.select(k).unwrap_or(u32::MAX)
    }

    /// Span `span`'s print and its number, if it has one.
    pub fn of_span(&self, span: u32) -> Option<(u32, &Print)> {
        let k = self.spans.rank(span)?;
        Some((k, self.calls.get(k as usize)?))
    }

    /// Every print with its span, in span order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Print)> + '_ {
        self.spans.iter().zip(&self.calls)
    }

    /// Bytes its prints take (not their message hashes).
    pub fn bytes(&self) -> usize {
        self.spans.bytes() + self.calls.len() * std::mem::size_of::<Print>() + self.odd.len() * 8
    }

    /// Adds the fingerprint of span `span` (after every span added so far, else nothing is
    /// added): its messages stored from `at` (see [`Prints::store`]), `len` of them, the
    /// first not a system prompt at `first_turn`, `conversational` not system prompts, with
    /// `flags`.
    pub fn push(
        &mut self,
        span: u32,
        at: u32,
        len: usize,
        first_turn: Option<usize>,
        conversational: usize,
        flags: u16,
    ) {
        if !self.spans.insert(span) {
            return;
        }
        let k = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
        let odd = conversational != Print::usual_conversational(len, first_turn);
        if odd {
            self.odd
                .push((k, u16::try_from(conversational).unwrap_or(u16::MAX)));
        }
        self.calls.push(Print::new(at, len, first_turn, flags, odd));
    }

    /// Where the table ends now, to go back to with [`Prints::truncate`].
    pub fn mark(&self) -> (usize, usize) {
        (self.calls.len(), self.messages.len())
    }

    /// Forgets every call (keeping the memory).
    pub fn clear(&mut self) {
        self.openings.fill(NO_CALL);
        self.truncate((0, 0));
    }

    /// Drops what was added since `mark` (a record that turned out malformed).
    pub fn truncate(&mut self, mark: (usize, usize)) {
        self.calls.truncate(mark.0);
        self.spans
            .keep(u32::try_from(self.calls.len()).unwrap_or(u32::MAX));
        self.messages.truncate(mark.1);
        let kept = self.odd.partition_point(|&(k, _)| (k as usize) < mark.0);
        self.odd.truncate(kept);
    }

    /// Stores a call's message hashes; returns where they start. The calls of one conversation
    /// each carry the history so far, so one call's hashes are often the start of a recent
    /// call's, or the other way round: then they share them (in a file written newest first,
    /// only each conversation's longest history is stored). The calls looked at: the latest
    /// few, and the latest that opened with the same message (`opening`: the hash of its first
    /// message that is not a system prompt), for conversations that interleave.
    fn store(&mut self, hashes: &[u64], opening: Option<u64>) -> u32 {
        let mut same_opening = None;
        if let Some(h) = opening {
            if self.openings.is_empty() {
                self.openings.resize(OPENING_SLOTS, NO_CALL);
            }
            let n = u32::try_from(self.calls.len()).unwrap_or(NO_CALL);
            if let Some(slot) = self.openings.get_mut(opening_slot(h)) {
                // One of the latest few is looked at anyway.
                same_opening = Some(*slot)
                    .filter(|&i| (i as usize).saturating_add(SHARE_WITH) < self.calls.len());
                // The call about to be stored (the caller adds it next).
                *slot = n;
            }
        }
        let older = same_opening.and_then(|i| self.calls.get(i as usize));
        for p in self.calls.iter().rev().take(SHARE_WITH).chain(older) {
            let (at, len) = (p.at as usize, p.len());
            let Some(theirs) = self.messages.get(at..at.saturating_add(len)) else {
                continue;
            };
            // Each test below needs the first hashes alike when both have one: most calls
            // looked at are another conversation's, told apart here without a slice compare.
            if let (Some(a), Some(b)) = (theirs.first(), hashes.first())
                && a != b
            {
                continue;
            }
            if theirs.starts_with(hashes) {
                return p.at;
            }
            // Theirs ends the table: extended by the messages after it.
            if at + len == self.messages.len() && hashes.starts_with(theirs) {
                self.messages.extend_from_slice(&hashes[len..]);
                return p.at;
            }
        }
        let at = u32::try_from(self.messages.len()).unwrap_or(u32::MAX);
        self.messages.extend_from_slice(hashes);
        at
    }

    /// Appends another table's calls, their spans shifted by `span_base`.
    pub fn append(&mut self, other: &mut Prints, span_base: u32) {
        let base = u32::try_from(self.messages.len()).unwrap_or(u32::MAX);
        let calls_base = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
        for span in other.spans.iter() {
            let taken = self.spans.insert(span.saturating_add(span_base));
            // Pieces land in file order, their spans past every span before them: else the
            // calls below would no longer line up with the spans' bits.
            debug_assert!(taken, "a print out of span order");
        }
        other.spans = Bits::default();
        self.calls.extend(other.calls.drain(..).map(|mut p| {
            p.at = p.at.saturating_add(base);
            p
        }));
        self.messages.append(&mut other.messages);
        self.odd.extend(
            other
                .odd
                .drain(..)
                .map(|(k, n)| (k.saturating_add(calls_base), n)),
        );
    }
}

/// How many of the latest calls a new call's hashes may share with (conversations interleave).
const SHARE_WITH: usize = 4;

/// Words every known side prompt holds (see `model::infer::side`).
const SIDE_SIGNS: [&str; 3] = ["quota", "title for the following", "conversation topic"];

static SIDE_FINDERS: LazyLock<[Finder<'static>; 3]> =
    LazyLock::new(|| SIDE_SIGNS.map(|s| Finder::new(s.as_bytes())));

static CACHE_CONTROL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"cache_control"));

/// Whether raw bytes hold words of a known side prompt.
pub fn may_be_side(bytes: &[u8]) -> bool {
    SIDE_FINDERS.iter().any(|f| f.find(bytes).is_some())
}

/// One input message being read.
#[derive(Clone, Copy, Default)]
#[cfg_attr(test, derive(PartialEq, Debug))]
struct Msg {
    /// Sum of its parts' hashes, and how many.
    sum: u64,
    parts: u32,
    role: u64,
    system: bool,
    /// Role `user` or `human`.
    user: bool,
    /// A tool's return: role `tool` / `function`, a `tool_call_id`, or a tool-result block.
    tool: bool,
    /// Its text begins with a `<system-reminder>`.
    reminder: bool,
}

/// A role word as [`role_kind`] compares it: its [`padded_word`] with the [`CASE`] bits set.
const fn cased(word: &[u8]) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < word.len() && i < 8 {
        w |= (word[i] as u64) << (8 * i);
        i += 1;
    }
    w | CASE
}

/// Whether a role (`cased`: its first eight bytes as [`cased`] gives them) is a system prompt's
/// (`system`, `developer`), a person's (`user`, `human`) or a tool's (`tool`, `ipython`,
/// `function`), whatever its case. Every word is letters only, whose case bit is the only one
/// that setting [`CASE`] changes: equal words, with equal lengths, are the same letters.
#[inline(always)]
fn role_kind(role: &[u8], cased_role: u64) -> (bool, bool, bool) {
    const USER: u64 = cased(b"user");
    const TOOL: u64 = cased(b"tool");
    const HUMAN: u64 = cased(b"human");
    const SYSTEM: u64 = cased(b"system");
    const IPYTHON: u64 = cased(b"ipython");
    const FUNCTION: u64 = cased(b"function");
    match (role.len(), cased_role) {
        (4, USER) | (5, HUMAN) => (false, true, false),
        (4, TOOL) | (7, IPYTHON) | (8, FUNCTION) => (false, false, true),
        (6, SYSTEM) => (true, false, false),
        (9, _) => (role.eq_ignore_ascii_case(b"developer"), false, false),
        _ => (false, false, false),
    }
}

/// Words that say a content block is a tool's return, looked for at the start of a
/// structured value (where the first block's type is), each with the offset of its first `_`.
const TOOL_RETURN: [(&[u8], usize); 3] = [
    (b"tool_result", 4),
    (b"tool_call_response", 4),
    (b"function_call_output", 8),
];

/// The tag a client's injected reminder begins with.
const REMINDER: &[u8] = b"<system-reminder>";

/// Whether `head` holds one of the [`TOOL_RETURN`] words (looked for only if `tool`), and
/// whether it holds a [`REMINDER`] tag. One pass for the bytes the words are anchored on (`_`
/// and `<`), each hit compared in place: what a substring search for each of the four words
/// would find, for the price of one scan.
fn head_marks(head: &[u8], tool: bool) -> (bool, bool) {
    if !tool {
        // The reminder alone: its one anchor.
        let found = memchr::memchr_iter(b'<', head).any(|i| head[i..].starts_with(REMINDER));
        return (false, found);
    }
    let (mut found_tool, mut found_reminder) = (false, false);
    for i in memchr::memchr2_iter(b'_', b'<', head) {
        if head[i] == b'<' {
            found_reminder = found_reminder || head[i..].starts_with(REMINDER);
        } else if tool && !found_tool {
            found_tool = TOOL_RETURN
                .iter()
                .any(|&(w, u)| i >= u && head[i - u..].starts_with(w));
        }
        if found_reminder && (found_tool || !tool) {
            break;
        }
    }
    (found_tool, found_reminder)
}

/// How far into a structured value its first block's type is looked for.
const HEAD_BYTES: usize = 96;

/// Values nested deeper than this are hashed whole.
const MAX_DEPTH: usize = 8;

/// A key met inside messages, as written (`"message.role":`), and what it says. Every message
/// of every call spells its keys the same way: a key seen before is recognised by comparing its
/// bytes instead of being scanned, decoded and split into segments again.
struct MessageKey {
    raw: Pattern,
    /// It names a structural part (not hashed: see `history::structural`).
    skip: bool,
    /// What its value is.
    says: Says,
    /// A part's hasher once the key is its whole path (a key at a message's top): the key and
    /// the separator written, as [`Recorder::leaf`] writes them, once for every message.
    alone: rustc_hash::FxHasher,
}

/// A part's hasher after its key path and the separator (the rest is the part's value).
fn path_hasher(path: &[u8]) -> rustc_hash::FxHasher {
    let mut h = rustc_hash::FxHasher::default();
    h.write(path);
    h.write_u8(0xff);
    h
}

/// A key of a message object as [`Recorder::message_key`] reads it: what it says, and the
/// hasher of a part whose whole path it is, when it is a known key matched as written.
#[derive(Clone)]
struct KeyRead {
    says: Says,
    alone: Option<rustc_hash::FxHasher>,
}

/// What a key inside a message says its value is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Says {
    /// A part (or an object holding parts).
    Part,
    /// The role: the key's last segment is `role`.
    Role,
    /// A tool call's id (the key ends in `tool_call_id` or `tool_use_id`): the message is a
    /// tool's return.
    ToolId,
}

impl Says {
    /// What the key path `key` says (the whole path, or its last key: neither word holds a dot).
    fn of(key: &[u8]) -> Says {
        if last_segment(key) == b"role" {
            Says::Role
        } else if key.ends_with(b"tool_call_id") || key.ends_with(b"tool_use_id") {
            Says::ToolId
        } else {
            Says::Part
        }
    }
}

/// At most this many message keys are remembered.
const MESSAGE_KEYS: usize = 16;

/// Gathers the input messages of the span being walked (the scan keeps one per thread).
#[derive(Default)]
pub struct Recorder<'h> {
    /// The bytes being scanned (a file's, or a buffer holding them), where the lists seen
    /// are remembered ([`SeenLists`]): borrowed while the recorder holds them, so they stay
    /// the same.
    home: &'h [u8],
    msgs: Vec<Msg>,
    /// Where the input messages were, as addresses (for the side-prompt check): the cursor may
    /// be over the record or over JSON decoded from a string in it.
    hull: Option<Range<usize>>,
    /// The key path of a part, and a value with its `cache_control` cut out.
    path: Vec<u8>,
    scratch: Vec<u8>,
    /// The message hashes of the call being stored.
    hashes: Vec<u64>,
    /// The keys met in messages so far, and which one to try first for the next key.
    keys: Vec<MessageKey>,
    next_key: usize,
    /// While a list is read ([`Recorder::list`]): the message whose parts' heads are gathered
    /// (the newest so far), and where those heads are in the list's buffer, to be looked at
    /// once the list has been read. Only the newest input message's kind is kept
    /// ([`Recorder::print`]), and a list's older messages are never its newest: they are not
    /// looked at.
    gathering: bool,
    heads_of: usize,
    heads: Vec<Head>,
    /// Lists read before, by [`seen_key`] (no room until the first is kept), and where the
    /// messages of the list being read end (from its `[`).
    seen: SeenLists,
    ends: Vec<u32>,
    /// Every message read by [`Recorder::field`] (a test's reference for the fast path).
    #[cfg(test)]
    slow: bool,
    /// Messages not read by [`Recorder::plain_message`] (a test's reference for it), and how
    /// many it read.
    #[cfg(test)]
    no_plain: bool,
    #[cfg(test)]
    plain_reads: usize,
    /// The memory of lists seen as it was when it copied their bytes, given every list this
    /// one is: what is taken from `seen` must be what it would take (a test's reference).
    #[cfg(test)]
    copied: Option<Box<copied::CopiedLists>>,
}

/// Message lists read before, for the calls after them: the calls of a conversation each
/// resend its history, written with the same bytes every time, so the bytes of a list often
/// begin with those of an earlier one. Messages whose bytes (and the byte after each) are the
/// same as before read the same: what was read of them is taken as it is, their bytes stepped
/// over. The newest message of a list is always read (what kind of message it is comes from
/// the start of its parts, looked at only for the newest), as is everything after it.
///
/// A list is remembered where it lies in the bytes being scanned ([`Recorder::home`], which
/// stay the same while the recorder holds them): its place and length, not a copy of its
/// bytes, and what was read of its messages. The lists are kept in slots by the start of their
/// bytes ([`seen_key`]); the messages' ends and what was read of them take one room, taken
/// once at its full size ([`SEEN_MESSAGES`] messages: with the slots, about 64 KB a scan
/// thread) and never grown (the threads' memory is not all given back when they end, and the
/// build's peak comes after them). The room is shared by as many slots as the lists' length
/// suits ([`SeenLists::adapt`]): 256 of 8 messages for short lists (many conversations
/// interleaved: sparse's 48 MB cut has 1,222), down to 4 of 512 messages for long ones (long
/// histories, resent whole); a slot holds the messages of its share of [`SEEN_BYTES`] bytes
/// (1 KB a slot at 256). No byte is copied, so the bytes a slot may span cost nothing: the
/// copies once took 64 KB for 64 slots of 1 KB.
#[derive(Default)]
struct SeenLists {
    ends: Vec<u32>,
    msgs: Vec<Msg>,
    /// Each slot's list (all [`SEEN_SLOTS`] of them, the first `count` in use).
    slots: Vec<SeenSlot>,
    /// How many slots share the room: a power of two from [`MIN_SEEN_SLOTS`] to
    /// [`SEEN_SLOTS`].
    count: usize,
    /// The lists' length in bytes, a moving average (over about the last 64).
    avg: usize,
}

/// One slot's list: where its bytes are in the recorder's home and how many are kept, how many
/// of its messages are kept, and where its first byte of 0x80 or above is, if any (for
/// [`Cursor::non_ascii`]).
#[derive(Clone, Copy)]
struct SeenSlot {
    at: usize,
    len: usize,
    n: usize,
    high_at: usize,
}

impl SeenSlot {
    const EMPTY: SeenSlot = SeenSlot {
        at: 0,
        len: 0,
        n: 0,
        high_at: usize::MAX,
    };
}

/// A list read before, as a slot of [`SeenLists`] keeps it.
struct Seen<'s> {
    /// The list's bytes from its `[`, up to and with the byte after its last message kept.
    bytes: &'s [u8],
    /// Where each message ends in `bytes`.
    ends: &'s [u32],
    /// What was read of each message.
    msgs: &'s [Msg],
    /// Where its first byte of 0x80 or above is, if any (for [`Cursor::non_ascii`]).
    high_at: usize,
}

impl SeenLists {
    /// The whole room, at [`SEEN_SLOTS`] slots.
    fn new() -> SeenLists {
        SeenLists {
            ends: vec![0; SEEN_MESSAGES],
            msgs: vec![Msg::default(); SEEN_MESSAGES],
            slots: vec![SeenSlot::EMPTY; SEEN_SLOTS],
            count: SEEN_SLOTS,
            avg: SEEN_BYTES / SEEN_SLOTS / 2,
        }
    }

    /// No room taken yet.
    fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes and messages a slot holds at most (the number of slots is a power of two).
    fn room(&self) -> (usize, usize) {
        let shift = self.count.max(1).trailing_zeros();
        (SEEN_BYTES >> shift, SEEN_MESSAGES >> shift)
    }

    /// The slot of a list whose [`seen_key`] is `key`: the key's low bits.
    fn slot(&self, key: u64) -> usize {
        (key as usize) & (self.count.max(1) - 1)
    }

    /// The list kept for a list whose [`seen_key`] is `key`, its bytes in `home` (none until
    /// the room is taken).
    fn get<'s>(&'s self, key: u64, home: &'s [u8]) -> Option<Seen<'s>> {
        let i = self.slot(key);
        let s = self.slots.get(i)?;
        let (_, msgs) = self.room();
        let m = i * msgs;
        Some(Seen {
            bytes: home.get(s.at..s.at.checked_add(s.len)?)?,
            ends: self.ends.get(m..m + s.n)?,
            msgs: self.msgs.get(m..m + s.n)?,
            high_at: s.high_at,
        })
    }

    /// How many messages the list kept for lists whose [`seen_key`] is `key` has.
    fn kept(&self, key: u64) -> usize {
        self.slots.get(self.slot(key)).map_or(0, |s| s.n)
    }

    /// Keeps a list (its bytes at `at` in the home, `len` of them; its messages' `ends` and
    /// `msgs`, each within a slot's room) for lists whose [`seen_key`] is `key`, in place of
    /// the one there.
    fn keep(
        &mut self,
        key: u64,
        at: usize,
        len: usize,
        ends: &[u32],
        msgs: &[Msg],
        high_at: usize,
    ) {
        let i = self.slot(key);
        let (room, msgs_room) = self.room();
        let m = i * msgs_room;
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        *slot = SeenSlot::EMPTY;
        let fits = len <= room && ends.len() <= msgs_room && msgs.len() == ends.len();
        if !fits {
            return;
        }
        let (Some(to_ends), Some(to_msgs)) = (
            self.ends.get_mut(m..m + ends.len()),
            self.msgs.get_mut(m..m + msgs.len()),
        ) else {
            return;
        };
        to_ends.copy_from_slice(ends);
        to_msgs.copy_from_slice(msgs);
        *slot = SeenSlot {
            at,
            len,
            n: ends.len(),
            high_at,
        };
    }

    /// Forgets the list kept for lists whose [`seen_key`] is `key`.
    fn forget(&mut self, key: u64) {
        let i = self.slot(key);
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = SeenSlot::EMPTY;
        }
    }

    /// Forgets every list kept.
    fn forget_all(&mut self) {
        self.slots.fill(SeenSlot::EMPTY);
    }

    /// After a list of `len` bytes: the lists' average length moves, and when a slot's room
    /// no longer suits it (the average list would not fit in two thirds of it, or would fit six
    /// times over), the room is shared by half or twice as many slots, every list kept
    /// forgotten.
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
        self.slots.fill(SeenSlot::EMPTY);
    }
}

impl Seen<'_> {
    /// How many of its messages `list` (from its `[`) begins with, each followed by a comma
    /// (so not its newest), and where the last of them ends; and whether those bytes held a
    /// byte of 0x80 or above. `(0, 0, false)` for none.
    fn covers(&self, list: &[u8]) -> (usize, usize, bool) {
        let same = common_prefix(self.bytes, list);
        let mut k = 0;
        for (i, &e) in self.ends.iter().enumerate() {
            let e = e as usize;
            if e >= same {
                break;
            }
            if list.get(e) == Some(&b',') {
                k = i + 1;
            }
        }
        match k.checked_sub(1).and_then(|i| self.ends.get(i)) {
            Some(&e) => (k, e as usize, self.high_at < e as usize),
            None => (0, 0, false),
        }
    }
}

/// Where `part` lies in `home`, if it is a part of it (the same bytes, not a copy).
fn offset_in(home: &[u8], part: &[u8]) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(home.as_ptr() as usize)?;
    let within = home.get(at..at.checked_add(part.len())?)?;
    std::ptr::eq(within, part).then_some(at)
}

/// How many bytes `a` and `b` begin with alike: 128 compared at a time (eight SSE2
/// comparisons and one mask, x86-64's baseline), then 16, then the last 16 (or, shorter than
/// 16, one at a time). (Whole `[u8; 64]` arrays compared with `==` become a `memcmp` call,
/// which cost more than it saved.)
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitand_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
        };
        // The bits of the bytes alike among 16 at `x` and `y`.
        let same16 = |x: &[u8; 16], y: &[u8; 16]| {
            cmp_eq_mask_i8_m128i(load_unaligned_m128i(x), load_unaligned_m128i(y))
        };
        let (ca, _) = a.as_chunks::<128>();
        let (cb, _) = b.as_chunks::<128>();
        for (x, y) in ca.iter().zip(cb) {
            let (x, y) = (x.as_chunks::<16>().0, y.as_chunks::<16>().0);
            let (Some(x), Some(y)) = (x.first_chunk::<8>(), y.first_chunk::<8>()) else {
                break;
            };
            let four = |k: usize| {
                bitand_m128i(
                    bitand_m128i(same16(&x[k], &y[k]), same16(&x[k + 1], &y[k + 1])),
                    bitand_m128i(same16(&x[k + 2], &y[k + 2]), same16(&x[k + 3], &y[k + 3])),
                )
            };
            if move_mask_i8_m128i(bitand_m128i(four(0), four(4))) != 0xffff {
                break;
            }
            i += 128;
        }
        let (ca, _) = a[i..].as_chunks::<16>();
        let (cb, _) = b[i..].as_chunks::<16>();
        for (x, y) in ca.iter().zip(cb) {
            let differ = !move_mask_i8_m128i(same16(x, y)).cast_unsigned() & 0xffff;
            if differ != 0 {
                return i + differ.trailing_zeros() as usize;
            }
            i += 16;
        }
        // Fewer than 16 left: the last 16 bytes compared at once (those before `i` are alike,
        // so the first that differs is at `i` or after).
        if i < n
            && let (Some(x), Some(y)) = (
                a.get(n.wrapping_sub(16)..)
                    .and_then(|x| x.first_chunk::<16>()),
                b.get(n.wrapping_sub(16)..)
                    .and_then(|y| y.first_chunk::<16>()),
            )
        {
            let differ = !move_mask_i8_m128i(same16(x, y)).cast_unsigned() & 0xffff;
            return n - 16
                + if differ == 0 {
                    16
                } else {
                    differ.trailing_zeros() as usize
                };
        }
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The lists seen's room ([`SeenLists`]): messages, shared by at most [`SEEN_SLOTS`] slots and
/// at least [`MIN_SEEN_SLOTS`] (each a power of two), with the bytes of lists they hold at
/// most (remembered where they are, not copied).
const SEEN_BYTES: usize = 256 * 1024;
const SEEN_MESSAGES: usize = 2048;
const SEEN_SLOTS: usize = 256;
const MIN_SEEN_SLOTS: usize = 4;

/// The key of a list seen, by its first 128 bytes (those of its first message: a
/// conversation's system prompt or opening turn); its slot is the key's low bits. It only
/// chooses the slot a list is looked for in and kept in (what is taken from a slot is always
/// compared byte for byte), so with 128 bytes at hand they are folded into two words, the
/// even and the odd ones, and those mixed: a few dozen instructions rather than a hash of
/// every byte. (Lists whose bytes that fold alike share a slot, as any two may.)
fn seen_key(list: &[u8]) -> u64 {
    if let Some(head) = list.first_chunk::<128>() {
        let (words, _) = head.as_chunks::<8>();
        let (mut even, mut odd) = (0u64, 0u64);
        for pair in words.chunks_exact(2) {
            even ^= u64::from_le_bytes(pair[0]);
            odd ^= u64::from_le_bytes(pair[1]);
        }
        return mix(even ^ mix(odd)) >> 32;
    }
    let head = list;
    let mut h = rustc_hash::FxHasher::default();
    h.write(head);
    mix(h.finish()) >> 32
}

/// A part's head as [`Recorder::list`] gathers it: where it starts in the list's buffer, its
/// length (at most [`HEAD_BYTES`]), and whether the part is structured.
#[derive(Clone, Copy)]
struct Head {
    at: usize,
    len: usize,
    structured: bool,
}

impl<'h> Recorder<'h> {
    /// A recorder for a scan thread reading `home` ([`Recorder::set_home`]), its room for the
    /// lists seen taken at once (before the thread's tables grow around it).
    pub fn for_scan(home: &'h [u8]) -> Recorder<'h> {
        Recorder {
            home,
            seen: SeenLists::new(),
            ..Recorder::default()
        }
    }

    /// The bytes being scanned are now `home`: lists read in them are remembered where they
    /// are. The lists remembered in other bytes are forgotten (the same bytes, as the pieces
    /// of one file are, keep them).
    pub fn set_home(&mut self, home: &'h [u8]) {
        // Both borrowed for `'h`: at the same place and of the same length, they are the same
        // bytes.
        if !std::ptr::eq(home, self.home) {
            self.seen.forget_all();
        }
        self.home = home;
    }

    pub fn clear(&mut self) {
        self.msgs.clear();
        self.hull = None;
    }

    /// Nothing gathered since the last `clear`.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }

    /// Reads the value at attribute `path` (a message source or a path inside one), the cursor
    /// at it in the record; leaves the cursor after the value.
    pub fn read(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        let Some((src, rest)) = source_of(path) else {
            return c.skip_value();
        };
        if src.output {
            return skip::skip_messages(c, &self.keys, |key| &key.raw);
        }
        c.skip_ws();
        let base = c.buf().as_ptr() as usize;
        let start = base + c.pos();
        if rest.is_empty() {
            self.top(src, c, 0)?;
        } else if src.list.is_some_and(|l| rest.strip_prefix(b".") == Some(l)) {
            self.list(c, 0)?;
        } else {
            // A flattened key: `llm.input_messages.3.message.content`.
            match locate(src, rest) {
                Some((n, inner))
                    if n < MAX_MESSAGES && !inner.split(|&b| b == b'.').any(structural) =>
                {
                    self.path.clear();
                    self.path.extend_from_slice(inner);
                    self.field(n, c, Says::of(inner), 0)?;
                }
                _ => c.skip_value()?,
            }
        }
        let end = base + c.pos();
        self.hull = Some(match self.hull.take() {
            Some(h) => h.start.min(start)..h.end.max(end),
            None => start..end,
        });
        Ok(())
    }

    /// Ends the call of span `span` (`bytes`: its JSON), adding its fingerprint to `out`
    /// (nothing without input messages). Call `clear` after.
    pub fn print(&mut self, span: u32, bytes: &[u8], out: &mut Prints) {
        if self.msgs.is_empty() {
            return;
        }
        self.hashes.clear();
        self.hashes.extend(
            self.msgs
                .iter()
                .map(|m| message_hash(m.sum, u64::from(m.parts), m.role)),
        );
        let turn = self.msgs.iter().position(|m| !m.system);
        let at = out.store(&self.hashes, turn.and_then(|p| self.hashes.get(p).copied()));
        let conversational = self.msgs.iter().filter(|m| !m.system).count();
        // The side-prompt words are looked for where the messages were, when they were read
        // from the span's own bytes; else in all of them.
        let at_bytes = bytes.as_ptr() as usize;
        let within = self
            .hull
            .clone()
            .filter(|h| h.start >= at_bytes && h.end <= at_bytes + bytes.len())
            .and_then(|h| bytes.get(h.start - at_bytes..h.end - at_bytes));
        let side = conversational == 1 && may_be_side(within.unwrap_or(bytes));
        let newest = self.msgs.last().copied().unwrap_or_default();
        let mut flags = if side { Print::MAYBE_SIDE } else { 0 };
        if newest.user && !newest.tool {
            flags |= Print::HUMAN;
        }
        if newest.reminder {
            flags |= Print::REMINDER;
        }
        out.push(span, at, self.msgs.len(), turn, conversational, flags);
    }

    /// A source's value: the list, or (MLflow) an object holding it, or either as JSON text.
    fn top(&mut self, src: &Source, c: &mut Cursor<'_>, depth: usize) -> Result<(), JsonError> {
        match (c.peek_kind()?, src.list) {
            (ValueKind::Object, Some(list)) => {
                c.object_start()?;
                let mut first = true;
                while c.next_key(&mut first)? {
                    if c.key().raw == list {
                        self.list(c, depth + 1)?;
                    } else {
                        c.skip_value()?;
                    }
                }
                Ok(())
            }
            (ValueKind::String, _) if depth == 0 => {
                let s = c.string()?;
                self.nested(s, |r, inner| r.top(src, inner, depth + 1));
                Ok(())
            }
            _ => self.list(c, depth),
        }
    }

    /// A message list: an array, an object keyed by position, or either as JSON text.
    fn list(&mut self, c: &mut Cursor<'_>, depth: usize) -> Result<(), JsonError> {
        match c.peek_kind()? {
            kind @ (ValueKind::Array | ValueKind::Object) => {
                self.gathering = true;
                self.heads.clear();
                let newest = self.messages_of(kind, c);
                self.gathering = false;
                if let Some(n) = newest? {
                    self.look_at_heads(n, c.buf());
                }
                Ok(())
            }
            ValueKind::String if depth <= 1 => {
                let s = c.string()?;
                self.nested(s, |r, inner| r.list(inner, depth + 1));
                Ok(())
            }
            _ => c.skip_value(),
        }
    }

    /// The messages of a list (an array, or an object keyed by position), gathering the heads
    /// of the newest one's parts; returns the newest one's position.
    fn messages_of(
        &mut self,
        kind: ValueKind,
        c: &mut Cursor<'_>,
    ) -> Result<Option<usize>, JsonError> {
        let mut newest: Option<usize> = None;
        if kind == ValueKind::Array {
            // Messages read before in the same bytes are taken as they were read (see
            // [`Seen`]); only when nothing was gathered yet, so that they are all there is.
            let memo = self.msgs.is_empty();
            let start = c.pos();
            let key = seen_key(c.buf().get(start..).unwrap_or_default());
            let mut n = 0usize;
            let mut first = true;
            if memo && let Some(seen) = self.seen.get(key, self.home) {
                let list = c.buf().get(start..).unwrap_or_default();
                let (k, len, high) = seen.covers(list);
                #[cfg(test)]
                if let Some(copied) = &self.copied {
                    let msgs = seen.msgs.get(..k).unwrap_or_default();
                    assert_eq!(copied.lookup(key, list), (k, len, high, msgs.to_vec()));
                }
                if k > 0 {
                    self.msgs.extend_from_slice(&seen.msgs[..k]);
                    self.ends.clear();
                    self.ends.extend_from_slice(&seen.ends[..k]);
                    c.step_over_read(len, high);
                    n = k;
                    first = false;
                }
            }
            if n == 0 {
                self.ends.clear();
                c.array_start()?;
            }
            let reused = n;
            while c.next_item(&mut first)? {
                if n < MAX_MESSAGES {
                    self.newest(n, &mut newest);
                    if !self.known_message(n, c) {
                        self.path.clear();
                        self.field(n, c, Says::Part, 0)?;
                    }
                    self.ends
                        .push(u32::try_from(c.pos() - start).unwrap_or(u32::MAX));
                } else {
                    c.skip_value()?;
                }
                n += 1;
            }
            if memo && n <= MAX_MESSAGES {
                self.remember(c, key, start, reused);
            }
            return Ok(newest);
        }
        c.object_start()?;
        let mut first = true;
        while c.next_key(&mut first)? {
            match number(c.key().raw).filter(|&n| n < MAX_MESSAGES) {
                Some(n) => {
                    self.newest(n, &mut newest);
                    if !self.known_message(n, c) {
                        self.path.clear();
                        self.field(n, c, Says::Part, 0)?;
                    }
                }
                None => c.skip_value()?,
            }
        }
        Ok(newest)
    }

    /// Keeps the list just read by `c` (from `start`, its `[`, to the cursor, after its `]`;
    /// its messages' ends in `self.ends`, and what was read of them in `self.msgs`) in the slot
    /// of the lists seen for key `key`, unless the list there holds this one's messages but its
    /// last, and more (a file written newest first: the longer history serves the calls after
    /// it). `reused`: how many of its messages were taken from that slot. A list is kept where
    /// it is in the recorder's home: one read elsewhere (never, in a scan) only empties its
    /// slot.
    fn remember(&mut self, c: &Cursor<'_>, key: u64, start: usize, reused: usize) {
        // Only lists read in a record's line: they hold no newline (which ends the line), so
        // their bytes read the same in any cursor.
        if !c.reads_line() {
            return;
        }
        let bytes = c.buf().get(start..c.pos()).unwrap_or_default();
        #[cfg(test)]
        if let Some(copied) = &mut self.copied {
            let msgs = self.msgs.get(..self.ends.len()).unwrap_or_default();
            copied.remember(key, bytes, &self.ends, msgs, reused, c.non_ascii());
        }
        if self.seen.is_empty() {
            self.seen = SeenLists::new();
        }
        self.seen.adapt(bytes.len());
        let n = self.ends.len();
        if n < 2 || reused + 1 == n && self.seen.kept(key) > n {
            return;
        }
        // The messages whose bytes (and the one after each) fit a slot.
        let (room, msgs_room) = self.seen.room();
        let fit = if bytes.len() <= room {
            n
        } else {
            self.ends.partition_point(|&e| (e as usize) < room)
        }
        .min(msgs_room);
        let upto = match fit.checked_sub(1).and_then(|i| self.ends.get(i)) {
            Some(&e) => e as usize + 1,
            None => 0,
        };
        let bytes = &bytes[..upto.min(bytes.len())];
        let at = offset_in(self.home, c.buf()).and_then(|b| b.checked_add(start));
        let Some(at) = at.filter(|_| fit >= 2) else {
            self.seen.forget(key);
            return;
        };
        // No byte of 0x80 or above met in the record so far: none in the list.
        let high_at = if c.non_ascii() {
            bytes.iter().position(|&b| b >= 0x80).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        let msgs = self.msgs.get(..fit).unwrap_or_default();
        let ends = self.ends.get(..fit).unwrap_or_default();
        self.seen.keep(key, at, bytes.len(), ends, msgs, high_at);
    }

    /// Before message `n` of a list: when it is the newest so far, its parts' heads are the
    /// ones to gather.
    #[inline(always)]
    fn newest(&mut self, n: usize, newest: &mut Option<usize>) {
        if newest.is_none_or(|m| n > m) {
            *newest = Some(n);
            self.heads_of = n;
            self.heads.clear();
        }
    }

    /// Looks at the gathered heads of message `n`'s parts (in `buf`, the list's buffer), as
    /// [`Recorder::field`] looks at a part's head outside lists.
    fn look_at_heads(&mut self, n: usize, buf: &[u8]) {
        let Some(m) = self.msgs.get_mut(n) else {
            return;
        };
        for h in &self.heads {
            let look_tool = !m.tool && h.structured;
            if look_tool || !m.reminder {
                let head = buf.get(h.at..h.at + h.len).unwrap_or_default();
                let (tool, reminder) = head_marks(head, look_tool);
                m.tool |= tool;
                m.reminder |= reminder;
            }
        }
    }

    /// Reads JSON (or a Python literal) held in a string; what it yields counts only if all of
    /// it reads.
    fn nested(
        &mut self,
        s: RawStr<'_>,
        read: impl Fn(&mut Self, &mut Cursor<'_>) -> Result<(), JsonError>,
    ) {
        let text = s.decode();
        let t = text.trim();
        // Usually nothing was read before (the string is the whole source): then undoing a
        // failed attempt is a clear, not a copy.
        let saved = (!self.msgs.is_empty() && (t.starts_with('[') || t.starts_with('{')))
            .then(|| self.msgs.clone());
        super::read_container(t, |json| {
            let mut inner = Cursor::new(json);
            let ok = read(self, &mut inner).is_ok() && inner.at_end();
            if !ok {
                match &saved {
                    Some(m) => self.msgs.clone_from(m),
                    None => self.msgs.clear(),
                }
            }
            ok
        });
    }

    /// The value at key path `self.path` inside message `n` (`says`: what the path's last key
    /// says it is): objects are walked (for the role), anything else is one part.
    fn field(
        &mut self,
        n: usize,
        c: &mut Cursor<'_>,
        says: Says,
        depth: usize,
    ) -> Result<(), JsonError> {
        if self.msgs.len() <= n {
            self.msgs.resize(n + 1, Msg::default());
        }
        let kind = c.peek_kind()?;
        if kind == ValueKind::Object && depth < MAX_DEPTH {
            c.object_start()?;
            let base = self.path.len();
            let mut first = true;
            while c.key_start(&mut first)? {
                let Some(key) = self.message_key(c)? else {
                    c.skip_value()?;
                    continue;
                };
                let inner = c.peek_kind()?;
                let walk = inner == ValueKind::Object && depth + 1 < MAX_DEPTH;
                // A leaf at a message's top (the path empty) under a known key: its hasher
                // with the key written is kept with the key.
                if !walk
                    && base == 0
                    && let Some(h) = &key.alone
                {
                    self.leaf(n, c, key.says, inner, h.clone())?;
                    continue;
                }
                if key.alone.is_some() {
                    // Matched as written: no escapes, the bytes are the key.
                    self.push_segment(c.key().raw);
                }
                if walk {
                    self.field(n, c, key.says, depth + 1)?;
                } else {
                    let h = path_hasher(&self.path);
                    self.leaf(n, c, key.says, inner, h)?;
                }
                self.path.truncate(base);
            }
            return Ok(());
        }
        let h = path_hasher(&self.path);
        self.leaf(n, c, says, kind, h)
    }

    /// A value inside message `n` that is not walked (`says`: what its key says it is; `kind`:
    /// what it is; `h`: the hasher with its key path written): the role, or one part.
    #[inline]
    fn leaf(
        &mut self,
        n: usize,
        c: &mut Cursor<'_>,
        says: Says,
        kind: ValueKind,
        h: rustc_hash::FxHasher,
    ) -> Result<(), JsonError> {
        let look = Look::of(self.gathering, n == self.heads_of, &mut self.heads);
        let Some(m) = self.msgs.get_mut(n) else {
            return c.skip_value();
        };
        read_leaf(m, c, says, kind, h, &mut self.scratch, look)
    }

    /// Message `n` of a list, the cursor at it, when it is an object whose keys were all met
    /// before and hold no object (the shape of nearly every message): read as
    /// [`Recorder::field`] reads it, with less on the way (no key path, the message summed in
    /// a local), on a copy of the cursor that replaces it at the end. `false`, with nothing
    /// read (the cursor where it was, the message as it was), for any other value or on an
    /// error: then `field` reads it.
    #[inline]
    fn known_message(&mut self, n: usize, c: &mut Cursor<'_>) -> bool {
        #[cfg(test)]
        if self.slow {
            return false;
        }
        if self.keys.is_empty() {
            return false;
        }
        #[cfg(test)]
        let plain = !self.no_plain;
        #[cfg(not(test))]
        let plain = true;
        if plain && self.plain_message(n, c) {
            return true;
        }
        let mut d = c.clone();
        if d.peek_byte() != Some(b'{') || d.object_start().is_err() {
            return false;
        }
        let mut m = self.msgs.get(n).copied().unwrap_or_default();
        let heads = self.heads.len();
        let mut first = true;
        let read = loop {
            match d.key_start(&mut first) {
                Ok(true) => {}
                Ok(false) => break true,
                Err(_) => break false,
            }
            let Some(i) = key_among(&mut d, &self.keys, self.next_key, |key| &key.raw) else {
                break false;
            };
            self.next_key = i + 1;
            let Some(key) = self.keys.get(i) else {
                break false;
            };
            if key.skip {
                if d.skip_value().is_err() {
                    break false;
                }
                continue;
            }
            let (says, h) = (key.says, key.alone.clone());
            match kind_ahead(&mut d) {
                Some(ValueKind::Object) | None => break false,
                Some(kind) => {
                    let look = Look::of(self.gathering, n == self.heads_of, &mut self.heads);
                    if read_leaf(&mut m, &mut d, says, kind, h, &mut self.scratch, look).is_err() {
                        break false;
                    }
                }
            }
        };
        if !read {
            self.heads.truncate(heads);
            return false;
        }
        // In a list, message `n` comes after the `n` before it.
        if self.msgs.len() == n {
            self.msgs.push(m);
        } else {
            if self.msgs.len() < n {
                self.msgs.resize(n + 1, Msg::default());
            }
            self.msgs[n] = m;
        }
        *c = d;
        true
    }

    /// Message `n` of a list, the cursor at it, when it is written as nearly every message is:
    /// an object of strings under keys met before that are not structural, with no space
    /// anywhere and no escape or newline in its strings (`{"message.role":"user",…}`). Read
    /// as [`Recorder::known_message`] reads it, the same message and cursor after it, in a
    /// pass over its bytes: each key matched as written, each string's end found 16 bytes at
    /// a time as the cursor finds it. `false`, with nothing read, for anything else.
    #[inline(always)]
    fn plain_message(&mut self, n: usize, c: &mut Cursor<'_>) -> bool {
        let buf = c.buf();
        let start = c.pos();
        if buf.get(start) != Some(&b'{') {
            return false;
        }
        let mut d = c.clone();
        d.set_pos(start + 1);
        let mut m = self.msgs.get(n).copied().unwrap_or_default();
        let heads = self.heads.len();
        let mut high = false;
        let read = loop {
            let Some(i) = key_among(&mut d, &self.keys, self.next_key, |key| &key.raw) else {
                break false;
            };
            // The key after it is tried first next (the first after the last: a message's
            // first key follows the last message's last).
            self.next_key = if i + 1 < self.keys.len() { i + 1 } else { 0 };
            let Some(key) = self.keys.get(i).filter(|key| !key.skip) else {
                break false;
            };
            let at = d.pos();
            if buf.get(at) != Some(&b'"') {
                break false;
            }
            let Some((end, hi)) = plain_string_end(buf, at + 1) else {
                break false;
            };
            high |= hi;
            let value = buf.get(at + 1..end).unwrap_or_default();
            if key.says == Says::Role {
                role_into(&mut m, value);
            } else {
                let look = Look::of(self.gathering, n == self.heads_of, &mut self.heads);
                let (h, structured) = (key.alone.clone(), looks_nested(value));
                part_value(
                    &mut m,
                    key.says,
                    value,
                    structured,
                    h,
                    &mut self.scratch,
                    look,
                    buf,
                );
            }
            d.set_pos(end + 2);
            match buf.get(end + 1) {
                Some(b',') => {}
                Some(b'}') => break true,
                _ => break false,
            }
        };
        if !read {
            self.heads.truncate(heads);
            return false;
        }
        // In a list, message `n` comes after the `n` before it.
        if self.msgs.len() == n {
            self.msgs.push(m);
        } else {
            if self.msgs.len() < n {
                self.msgs.resize(n + 1, Msg::default());
            }
            self.msgs[n] = m;
        }
        d.step_over_read(0, high);
        *c = d;
        #[cfg(test)]
        {
            self.plain_reads += 1;
        }
        true
    }

    /// Reads the key of a message object the cursor is at (after [`Cursor::key_start`]):
    /// `None` for a structural part (to skip), else what it says its value is. A key read
    /// anew is appended to `self.path`; a known one is not (it is [`Cursor::key`], as written),
    /// and comes with the hasher of a part whose whole path it is.
    fn message_key(&mut self, c: &mut Cursor<'_>) -> Result<Option<KeyRead>, JsonError> {
        // The keys come in the same order in every message: the one after the last found
        // first.
        if let Some(i) = key_among(c, &self.keys, self.next_key, |key| &key.raw) {
            self.next_key = i + 1;
            let key = &self.keys[i];
            if key.skip {
                return Ok(None);
            }
            return Ok(Some(KeyRead {
                says: key.says,
                alone: Some(key.alone.clone()),
            }));
        }
        c.read_key()?;
        let key = c.key().bytes();
        let last = last_segment(&key);
        let skip =
            structural(last) || last.len() < key.len() && key.split(|&b| b == b'.').any(structural);
        let says = Says::of(&key);
        if self.keys.len() < MESSAGE_KEYS
            && let Some(raw) = c.key_as_written().and_then(Pattern::new)
        {
            let alone = path_hasher(&key);
            self.keys.push(MessageKey {
                raw,
                skip,
                says,
                alone,
            });
        }
        if skip {
            return Ok(None);
        }
        self.push_segment(&key);
        Ok(Some(KeyRead { says, alone: None }))
    }

    /// Appends a key to `self.path`, after a dot unless the path is empty.
    fn push_segment(&mut self, key: &[u8]) {
        if !self.path.is_empty() {
            self.path.push(b'.');
        }
        self.path.extend_from_slice(key);
    }
}

/// [`Cursor::known_key_among`], the item at `from` (the key after the last one found: keys
/// come in the same order in every message) tried first inline: the same item found, the
/// same key consumed.
#[inline(always)]
fn key_among<T>(
    c: &mut Cursor<'_>,
    items: &[T],
    from: usize,
    raw: impl Fn(&T) -> &Pattern,
) -> Option<usize> {
    if let Some(item) = items.get(from)
        && c.known_key(raw(item))
    {
        return Some(from);
    }
    c.known_key_among(items, from, raw)
}

/// Where the string whose contents start at `start` in `buf` ends (its closing quote), and
/// whether a byte of 0x80 or above was among the 16-byte blocks read to find it, as
/// [`Cursor::string`] reads them (blocks from `start` on, the last one whole): `None` when an
/// escape or a newline comes first, or fewer than 16 bytes are left (the cursor then reads
/// it). The blocks' high bytes are gathered and looked at once, at the end.
#[inline(always)]
pub(crate) fn plain_string_end(buf: &[u8], start: usize) -> Option<(usize, bool)> {
    let (blocks, _) = buf.get(start..)?.as_chunks::<16>();
    let mut high = 0;
    for (j, chunk) in blocks.iter().enumerate() {
        let (hits, h) = crate::json::block::specials_and_high_mask(chunk);
        high |= h;
        if hits != 0 {
            let k = start + 16 * j + hits.trailing_zeros() as usize;
            return (buf.get(k) == Some(&b'"')).then_some((k, high != 0));
        }
    }
    None
}

/// [`Cursor::peek_kind`] inline, `None` for its error (a value no kind begins with, or the
/// buffer's end): for [`Recorder::known_message`], which leaves such a message to
/// [`Recorder::field`] anyway, two calls a message fewer.
#[inline(always)]
fn kind_ahead(c: &mut Cursor<'_>) -> Option<ValueKind> {
    c.peek_byte().and_then(ValueKind::of)
}

/// What [`read_leaf`] does with the start of a part (what kind of message it is).
enum Look<'h> {
    /// Nothing: the part is not of the newest message of the list being read.
    Not,
    /// Its head is gathered, to be looked at once the list has been read (see
    /// [`Recorder::list`]).
    Gather(&'h mut Vec<Head>),
    /// It is looked at now.
    Now,
}

impl<'h> Look<'h> {
    /// While a list is read (`gathering`), the heads of its newest message's parts (`newest`:
    /// the part is one of them) are gathered in `heads`; outside lists, parts are looked at
    /// as they come.
    #[inline(always)]
    fn of(gathering: bool, newest: bool, heads: &'h mut Vec<Head>) -> Look<'h> {
        match (gathering, newest) {
            (false, _) => Look::Now,
            (true, false) => Look::Not,
            (true, true) => Look::Gather(heads),
        }
    }
}

/// A value inside message `m` that is not walked (`says`: what its key says it is; `kind`:
/// what it is; `h`: the hasher with its key path written): the role, or one part (its
/// `cache_control` cut in `scratch`); its start looked at as `look` says.
#[inline(always)]
fn read_leaf(
    m: &mut Msg,
    c: &mut Cursor<'_>,
    says: Says,
    kind: ValueKind,
    h: rustc_hash::FxHasher,
    scratch: &mut Vec<u8>,
    look: Look<'_>,
) -> Result<(), JsonError> {
    if says == Says::Role && kind == ValueKind::String {
        role_into(m, c.string()?.raw);
        return Ok(());
    }
    let (value, structured) = match kind {
        ValueKind::String => {
            let s = c.string()?.raw;
            (s, looks_nested(s))
        }
        _ => {
            let r = c.value_range()?;
            (&c.buf()[r], true)
        }
    };
    part_value(m, says, value, structured, h, scratch, look, c.buf());
    Ok(())
}

/// A part of message `m` (`says`: what its key says; `value`: as written in `buf`;
/// `structured`: a list, an object, or JSON in a string; `h`: the hasher with its key path
/// written): hashed (its `cache_control` cut in `scratch`), its start looked at as `look` says.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn part_value(
    m: &mut Msg,
    says: Says,
    value: &[u8],
    structured: bool,
    mut h: rustc_hash::FxHasher,
    scratch: &mut Vec<u8>,
    look: Look<'_>,
    buf: &[u8],
) {
    // The marker sits in content blocks: a list, or one written into a string. Plain text
    // that mentions it is the same on every call.
    let (value, cut) = match structured.then(|| CACHE_CONTROL.find(value)).flatten() {
        None => (value, false),
        Some(_) => {
            without_cache_control(value, scratch);
            (&scratch[..], true)
        }
    };
    h.write(value);
    m.sum = m.sum.wrapping_add(mix(h.finish()));
    m.parts += 1;
    // A part of the list's buffer (the cut copy is looked at now).
    let look = match look {
        Look::Gather(_) if cut => Look::Now,
        look => look,
    };
    look_at_part(m, says, value, structured, buf, look);
}

/// Message `m`'s role (a string's raw bytes).
#[inline(always)]
fn role_into(m: &mut Msg, role: &[u8]) {
    // The role's first eight bytes as one word, case bits set: what its hash is made of, and
    // (with its length) which role it is, in a comparison or two.
    let cased = padded_word(role) | CASE;
    let (system, user, tool) = role_kind(role, cased);
    m.system = system;
    m.user = user;
    m.tool |= tool;
    m.role = if role.len() <= 8 {
        short_role_hash(role.len(), cased)
    } else {
        role_hash(role)
    };
}

/// What a part of message `m` says of it (`says`: what its key says; `value`: the part as
/// hashed, in `buf` unless it is a cut copy; `structured`: a list, an object, or JSON in a
/// string), as `look` says.
#[inline(always)]
fn look_at_part(
    m: &mut Msg,
    says: Says,
    value: &[u8],
    structured: bool,
    buf: &[u8],
    look: Look<'_>,
) {
    // What the message is: only the start of a value is looked at (the first block's type, a
    // reminder's tag), so this costs the same whatever the value's length. In a list, only
    // for its newest message, once the list is read.
    if matches!(look, Look::Not) {
        return;
    }
    m.tool |= says == Says::ToolId;
    let len = value.len().min(HEAD_BYTES);
    if let Look::Gather(heads) = look {
        let at = (value.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
        if at.checked_add(len).is_some_and(|end| end <= buf.len()) {
            heads.push(Head {
                at,
                len,
                structured,
            });
            return;
        }
    }
    let look_tool = !m.tool && structured;
    if look_tool || !m.reminder {
        let (tool, reminder) = head_marks(&value[..len], look_tool);
        m.tool |= tool;
        m.reminder |= reminder;
    }
}

/// [`super::looks_nested`], without a call for text that starts as most does (with a
/// letter): only a string starting with a bracket, a backslash or a space can be nested.
#[inline(always)]
fn looks_nested(s: &[u8]) -> bool {
    matches!(s.first(), Some(b'{' | b'[' | b'\\' | b' ' | b'\n' | b'\t')) && super::looks_nested(s)
}

/// The last dot-separated segment of a key.
fn last_segment(key: &[u8]) -> &[u8] {
    match memchr::memrchr(b'.', key) {
        Some(i) => &key[i + 1..],
        None => key,
    }
}

/// Copies `value` into `out` without its `cache_control` entries (`, "cache_control": {…}` in
/// JSON, escaped JSON or a Python repr), so a message hashes the same with and without the
/// marker.
fn without_cache_control(value: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut from = 0;
    let mut search = 0;
    while let Some(found) = CACHE_CONTROL.find(&value[search..]) {
        let key = search + found;
        let after = key + b"cache_control".len();
        // Back over the key's quotes (`"`, `'`, `\"`) and spaces to what comes before it.
        let mut lo = key;
        while lo > from && matches!(value[lo - 1], b'"' | b'\'' | b'\\' | b' ') {
            lo -= 1;
        }
        // Forward over the quotes and the colon to the value, then past it.
        let mut hi = after;
        while hi < value.len() && matches!(value[hi], b'"' | b'\'' | b'\\' | b' ' | b':') {
            hi += 1;
        }
        hi = match value.get(hi) {
            Some(b'{') => memchr::memchr(b'}', &value[hi..]).map_or(value.len(), |e| hi + e + 1),
            _ => memchr::memchr2(b',', b'}', &value[hi..]).map_or(value.len(), |e| hi + e),
        };
        match value.get(lo.wrapping_sub(1)) {
            // `…, 'cache_control': {…}`: the comma before goes with it.
            Some(b',') if lo > from => lo -= 1,
            // `{'cache_control': {…}, …`: the comma after goes with it.
            _ => {
                while hi < value.len() && matches!(value[hi], b',' | b' ') {
                    hi += 1;
                }
            }
        }
        out.extend_from_slice(&value[from..lo]);
        from = hi;
        search = hi.max(after);
    }
    out.extend_from_slice(&value[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_told_apart_as_a_comparison_of_each_word_would() {
        let reference = |role: &[u8]| {
            let is = |word: &[u8]| role.eq_ignore_ascii_case(word);
            (
                is(b"system") || is(b"developer"),
                is(b"user") || is(b"human"),
                is(b"tool") || is(b"ipython") || is(b"function"),
            )
        };
        let words: [&[u8]; 10] = [
            b"system",
            b"developer",
            b"user",
            b"human",
            b"tool",
            b"ipython",
            b"function",
            b"assistant",
            b"model",
            b"",
        ];
        let mut rng = crate::testing::XorShift(7);
        let mut roles: Vec<Vec<u8>> = Vec::new();
        for w in words {
            // Every case of each word, and each with one byte changed or cut or added.
            for mask in 0..(1u32 << w.len()) {
                let v: Vec<u8> = w
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| {
                        if mask >> i & 1 == 1 {
                            b.to_ascii_uppercase()
                        } else {
                            b
                        }
                    })
                    .collect();
                roles.push(v);
            }
            for i in 0..w.len() {
                for b in [
                    0u8,
                    b'@',
                    b'`',
                    rng.below(256) as u8,
                    w[i] ^ 0x20,
                    w[i] ^ 0x40,
                ] {
                    let mut v = w.to_vec();
                    v[i] = b;
                    roles.push(v);
                }
                roles.push(w[..i].to_vec());
            }
            let mut longer = w.to_vec();
            longer.push(b's');
            roles.push(longer);
        }
        for role in &roles {
            assert_eq!(
                role_kind(role, padded_word(role) | CASE),
                reference(role),
                "{:?}",
                String::from_utf8_lossy(role)
            );
            assert_eq!(
                if role.len() <= 8 {
                    short_role_hash(role.len(), padded_word(role) | CASE)
                } else {
                    role_hash(role)
                },
                role_hash(role)
            );
        }
    }

    /// A substring search for each word, as the scan once did it.
    fn searched(head: &[u8], tool: bool) -> (bool, bool) {
        let has = |w: &[u8]| head.windows(w.len()).any(|x| x == w);
        (
            tool && TOOL_RETURN.iter().any(|&(w, _)| has(w)),
            has(REMINDER),
        )
    }

    #[test]
    fn head_marks_find_what_a_search_for_each_word_finds() {
        let pieces: [&[u8]; 12] = [
            b"tool_result",
            b"tool_call_response",
            b"function_call_output",
            b"<system-reminder>",
            b"_",
            b"<",
            b"tool_",
            b"function_call_",
            b"<system-",
            b"[{\"type\": \"",
            b"x",
            b"t",
        ];
        // Every sequence of up to four pieces, whole and with its first byte cut.
        let mut heads: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for h in &heads {
                for p in pieces {
                    let mut x = h.clone();
                    x.extend_from_slice(p);
                    next.push(x);
                }
            }
            heads.extend(next);
            heads.sort();
            heads.dedup();
        }
        for h in &heads {
            for head in [&h[..], h.get(1..).unwrap_or_default()] {
                for tool in [false, true] {
                    assert_eq!(
                        head_marks(head, tool),
                        searched(head, tool),
                        "{:?} tool={tool}",
                        String::from_utf8_lossy(head)
                    );
                }
            }
        }
        for i in [0, 15, 16, 17, 60, 85, 96] {
            let mut t = vec![b'_'; i];
            t.extend_from_slice(b"tool_result<system-reminder>");
            t.truncate(HEAD_BYTES);
            assert_eq!(head_marks(&t, true), searched(&t, true), "{i}");
            assert_eq!(head_marks(&t, false), searched(&t, false), "{i}");
        }
    }

    fn cut(s: &str) -> String {
        let mut out = Vec::new();
        without_cache_control(s.as_bytes(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn cache_control_is_cut_in_every_encoding() {
        let plain = "[{'type': 'text', 'text': 'hi'}]";
        assert_eq!(
            cut("[{'type': 'text', 'text': 'hi', 'cache_control': {'type': 'ephemeral'}}]"),
            plain
        );
        assert_eq!(
            cut(
                "[{'cache_control': {'type': 'ephemeral', 'ttl': '5m'}, 'type': 'text', 'text': 'hi'}]"
            ),
            plain
        );
        assert_eq!(
            cut(r#"[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]"#),
            r#"[{"type":"text","text":"hi"}]"#
        );
        assert_eq!(
            cut(
                r#"[{\"type\": \"text\", \"text\": \"hi\", \"cache_control\": {\"type\": \"ephemeral\"}}]"#
            ),
            r#"[{\"type\": \"text\", \"text\": \"hi\"}]"#
        );
        // Two markers, and text that only mentions the word is cut no further than its value.
        assert_eq!(
            cut(
                "[{'text': 'a', 'cache_control': {'type': 'ephemeral'}}, {'text': 'b', 'cache_control': {'type': 'ephemeral'}}]"
            ),
            "[{'text': 'a'}, {'text': 'b'}]"
        );
    }

    /// However histories share storage, each call reads back exactly its own hashes, and a
    /// rollback to a mark leaves the table as it was.
    #[test]
    fn shared_histories_read_back_as_stored() {
        let mut rng = crate::testing::XorShift(0x9e37_79b9);
        let mut prints = Prints::default();
        let mut want: Vec<Vec<u64>> = Vec::new();
        let mut conversations: Vec<Vec<u64>> = vec![Vec::new(); 3];
        for span in 0..2000u32 {
            let c = &mut conversations[rng.below(3) as usize];
            // Grow the conversation, or go back to an earlier point of it, or start afresh.
            match rng.below(6) {
                0 => c.clear(),
                1 if c.len() > 2 => c.truncate(rng.below(c.len() as u64) as usize + 1),
                _ => {}
            }
            c.extend((0..=rng.below(3)).map(|_| rng.below(5)));
            let hashes = if rng.below(4) == 0 {
                // A different history that starts like it.
                let mut h = c.clone();
                h.push(100 + rng.below(5));
                h
            } else {
                c.clone()
            };
            let mark = prints.mark();
            let at = prints.store(&hashes, hashes.get(1).copied());
            prints.push(span, at, hashes.len(), Some(0), 1, 0);
            if rng.below(10) == 0 {
                let before = prints.messages[..mark.1].to_vec();
                prints.truncate(mark);
                assert_eq!(prints.messages, before);
                continue;
            }
            want.push(hashes);
        }
        assert_eq!(prints.calls.len(), want.len());
        for (p, w) in prints.calls.iter().zip(&want) {
            assert_eq!(prints.messages(p), &w[..]);
        }
    }

    /// One conversation's calls, written newest first (as Phoenix does) or oldest first: its
    /// longest history is stored once.
    #[test]
    fn a_conversation_stores_its_longest_history_once() {
        let history: Vec<u64> = (1..=40).collect();
        let calls: Vec<&[u64]> = (1..=20).map(|turn| &history[..2 * turn]).collect();
        for newest_first in [true, false] {
            let mut prints = Prints::default();
            let order: Vec<&[u64]> = if newest_first {
                calls.iter().rev().copied().collect()
            } else {
                calls.clone()
            };
            for (span, hashes) in order.iter().enumerate() {
                let at = prints.store(hashes, hashes.get(1).copied());
                prints.push(span as u32, at, hashes.len(), Some(0), 1, 0);
            }
            assert_eq!(prints.messages, history, "newest first: {newest_first}");
            for (p, hashes) in prints.calls.iter().zip(&order) {
                assert_eq!(prints.messages(p), *hashes);
            }
        }
    }

    /// Every length, first turn, flag set and count of messages that are not system prompts
    /// (the usual one and others) reads back as pushed, through a rollback and an append.
    #[test]
    fn print_fields_round_trip() {
        assert_eq!(std::mem::size_of::<Print>(), 8);
        let mut want = Vec::new();
        let mut prints = Prints::default();
        let mut span = 0u32;
        for len in [0usize, 1, 2, 3, 17, 4095, MAX_MESSAGES] {
            let firsts = [None, Some(0), Some(len.saturating_sub(1)), Some(len / 2)];
            for first in firsts {
                if first.is_some_and(|f| f >= len.max(1)) {
                    continue;
                }
                let usual = first.map_or(0, |f| len - f);
                for conv in [usual, 0, 1, len, usual.saturating_sub(1)] {
                    for flags in 0..8u16 {
                        span += 3;
                        prints.push(span, span * 7, len, first, conv, flags);
                        want.push((span, span * 7, len, first, conv, flags));
                    }
                }
            }
        }
        // A rollback drops the odd counts of the calls it drops.
        let mark = prints.mark();
        prints.push(span + 1, 0, 5, Some(1), 2, 0);
        prints.push(span + 2, 0, 5, None, 3, 0);
        prints.truncate(mark);
        let check = |prints: &Prints, base: u32| {
            assert_eq!(prints.calls.len(), want.len());
            for (k, ((s, p), &(span, at, len, first, conv, flags))) in
                prints.iter().zip(&want).enumerate()
            {
                let k = k as u32;
                assert_eq!(
                    (
                        s,
                        p.at,
                        p.len(),
                        p.first_turn(),
                        prints.conversational(k),
                        p.flags()
                    ),
                    (span + base, at, len, first, conv, flags)
                );
                assert_eq!(prints.span(k), s);
                assert_eq!(prints.of_span(s), Some((k, p)));
                assert_eq!(prints.of_span(s + 1), None);
                assert_eq!(p.maybe_side(), flags & Print::MAYBE_SIDE != 0);
                assert_eq!(p.human(), flags & Print::HUMAN != 0);
                assert_eq!(p.reminder(), flags & Print::REMINDER != 0);
            }
        };
        check(&prints, 0);
        let mut whole = Prints::default();
        whole.append(&mut prints, 1000);
        check(&whole, 1000);
    }

    /// A random message value: text, a number, a list or an object of parts (keys that name
    /// a role, a part, a tool call's id or a structural part, some written with an escape).
    fn random_value(rng: &mut crate::testing::XorShift, depth: usize) -> String {
        const KEYS: [&str; 10] = [
            "message.role",
            "message.content",
            "role",
            "content",
            "message.tool_call_id",
            "type",
            "text",
            "message_content.text",
            "m\\u0065ssage.content",
            "message",
        ];
        const TEXTS: [&str; 6] = [
            "user",
            "system",
            "assistant",
            "hi",
            "fix \\\"it\\\"",
            "Tool",
        ];
        match rng.below(if depth >= 3 { 3 } else { 6 }) {
            0 | 1 => format!("\"{}\"", TEXTS[rng.below(6) as usize]),
            2 => format!("{}", rng.below(100)),
            3 => {
                let items: Vec<String> = (0..rng.below(3))
                    .map(|_| random_value(rng, depth + 1))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            _ => {
                let fields: Vec<String> = (0..rng.below(4))
                    .map(|_| {
                        let key = KEYS[rng.below(10) as usize];
                        format!("\"{key}\": {}", random_value(rng, depth + 1))
                    })
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
        }
    }

    /// A message's value at key path `path`, read as the hashes are defined: objects walked
    /// to [`MAX_DEPTH`] (structural keys left out, keys decoded and joined by dots), a string
    /// role under a key whose last segment is `role`, every other value one part hashed with
    /// its path. Into (sum of parts, parts, role hash).
    fn reference_part(
        c: &mut Cursor<'_>,
        path: &[u8],
        says: Says,
        depth: usize,
        m: &mut (u64, u64, u64),
    ) {
        let kind = c.peek_kind().unwrap();
        if kind == ValueKind::Object && depth < MAX_DEPTH {
            c.object_start().unwrap();
            let mut first = true;
            while c.next_key(&mut first).unwrap() {
                let key = c.key().bytes().into_owned();
                if key.split(|&b| b == b'.').any(structural) {
                    c.skip_value().unwrap();
                    continue;
                }
                let mut inner = path.to_vec();
                if !inner.is_empty() {
                    inner.push(b'.');
                }
                inner.extend_from_slice(&key);
                reference_part(c, &inner, Says::of(&key), depth + 1, m);
            }
            return;
        }
        if says == Says::Role && kind == ValueKind::String {
            m.2 = role_hash(c.string().unwrap().raw);
            return;
        }
        let r = c.value_range().unwrap();
        let mut value = &c.buf()[r];
        if kind == ValueKind::String {
            value = &value[1..value.len() - 1];
        }
        let mut h = rustc_hash::FxHasher::default();
        h.write(path);
        h.write_u8(0xff);
        h.write(value);
        m.0 = m.0.wrapping_add(mix(h.finish()));
        m.1 += 1;
    }

    /// The scan's recorder, reused over many calls as the scan does (its keys learned), hashes
    /// every message as the hashes are defined ([`reference_part`]): at a message's top, under
    /// nested keys, with keys that are new, known, escaped or structural.
    /// The hash of each message of the JSON list `list`, by the definition
    /// ([`reference_part`]).
    fn reference_hashes(list: &str) -> Vec<u64> {
        let mut c = Cursor::new(list.as_bytes());
        c.array_start().unwrap();
        let mut first = true;
        let mut hashes = Vec::new();
        while c.next_item(&mut first).unwrap() {
            let mut m = (0, 0, 0);
            reference_part(&mut c, b"", Says::Part, 0, &mut m);
            hashes.push(message_hash(m.0, m.1, m.2));
        }
        hashes
    }

    #[test]
    fn recorder_hashes_as_defined() {
        let mut rng = crate::testing::XorShift(0x5eed_1234);
        let mut rec = Recorder::default();
        for span in 0..3000u32 {
            let msgs: Vec<String> = (0..=rng.below(4))
                .map(|_| {
                    // Mostly messages as exporters write them, the rest random.
                    if rng.below(3) == 0 {
                        random_value(&mut rng, 1)
                    } else {
                        let role = ["user", "system", "assistant"][rng.below(3) as usize];
                        format!(
                            "{{\"message.role\": \"{role}\", \"message.content\": {}}}",
                            random_value(&mut rng, 1)
                        )
                    }
                })
                .collect();
            let list = format!("[{}]", msgs.join(", "));
            let want = reference_hashes(&list);
            let mut c = Cursor::new(list.as_bytes());
            rec.clear();
            assert!(rec.read(b"llm.input_messages", &mut c).is_ok(), "{list}");
            let mut out = Prints::default();
            rec.print(span, list.as_bytes(), &mut out);
            let got = out.calls.first().map(|p| out.messages(p).to_vec());
            assert_eq!(got, Some(want), "{list}");
            // A flattened key: the value of `llm.input_messages.0.message`, its path not empty.
            let value = random_value(&mut rng, 0);
            let mut c = Cursor::new(value.as_bytes());
            let mut m = (0, 0, 0);
            reference_part(&mut c, b"message", Says::Part, 0, &mut m);
            let mut c = Cursor::new(value.as_bytes());
            rec.clear();
            assert!(rec.read(b"llm.input_messages.0.message", &mut c).is_ok());
            let mut out = Prints::default();
            rec.print(span, value.as_bytes(), &mut out);
            let got = out.calls.first().map(|p| out.messages(p).to_vec());
            assert_eq!(got, Some(vec![message_hash(m.0, m.1, m.2)]), "{value}");
        }
    }

    /// How a read ended, where the cursor is, whether it met a byte of 0x80 or above, and the
    /// call's print with its message hashes.
    type ReadInLine = (
        Result<(), JsonError>,
        usize,
        bool,
        Option<(Print, Vec<u64>)>,
    );

    /// What a recorder makes of one list read in a record's line (`line`: the list, a newline
    /// and the next line): how the read ended, where the cursor is, whether it met a byte of
    /// 0x80 or above, and the call's print with its message hashes.
    fn read_in_line(rec: &mut Recorder, line: &[u8]) -> ReadInLine {
        let mut c = Cursor::in_line(line);
        rec.clear();
        let read = rec.read(b"llm.input_messages", &mut c);
        let mut out = Prints::default();
        if read.is_ok() {
            rec.print(0, line, &mut out);
        }
        let print = out.calls.first().map(|p| (*p, out.messages(p).to_vec()));
        (read, c.pos(), c.non_ascii(), print)
    }

    /// Lists as a file holds them, one a line: the file (a line `{"next": 1}` after the
    /// last list) and where each list starts in it.
    fn file_of(lists: &[String]) -> (Vec<u8>, Vec<usize>) {
        let mut file = Vec::new();
        let mut starts = Vec::new();
        for list in lists {
            starts.push(file.len());
            file.extend_from_slice(list.as_bytes());
            file.push(b'\n');
        }
        file.extend_from_slice(b"{\"next\": 1}");
        (file, starts)
    }

    /// A recorder whose lists seen are in `home`, given every list also as the memory that
    /// copied their bytes took them (it asserts that it takes from its memory what that one
    /// would).
    fn checked_recorder(home: &[u8]) -> Recorder<'_> {
        Recorder {
            home,
            copied: Some(Box::default()),
            ..Recorder::default()
        }
    }

    /// Conversations whose calls resend their history (growing, written newest first,
    /// interleaved, spaced differently, with text of 0x80 and above, and broken after a
    /// resent part), `among` of them interleaved: `n` lists.
    fn resent_lists(rng: &mut crate::testing::XorShift, n: usize, among: usize) -> Vec<String> {
        let mut conversations: Vec<Vec<String>> = vec![Vec::new(); among];
        let mut lists = Vec::new();
        for _ in 0..n {
            let i = rng.below(among as u64) as usize;
            let conv = &mut conversations[i];
            match rng.below(8) {
                0 => conv.clear(),
                1 if conv.len() > 1 => conv.truncate(conv.len() - 1),
                _ => {}
            }
            while conv.len() < 2 || rng.below(3) == 0 {
                let role = ["user", "system", "assistant"][rng.below(3) as usize];
                let msg = match rng.below(10) {
                    0 => random_value(rng, 1),
                    8 => format!(
                        "{{\"message.role\": \"user\", \"message.content\": \"<system-reminder>r</system-reminder> {}\"}}",
                        rng.below(50)
                    ),
                    9 => format!(
                        "{{\"message.role\": \"user\", \"message.content\": [{{\"type\": \"tool_result\", \"n\": {}}}]}}",
                        rng.below(50)
                    ),
                    1 => format!("{}", rng.below(1000)),
                    2 => format!(
                        "{{\"message.role\": \"{role}\", \"message.content\": \"caf\u{e9} {}\"}}",
                        rng.below(50)
                    ),
                    _ => format!(
                        "{{\"message.role\": \"{role}\", \"message.content\": {}}}",
                        random_value(rng, 1)
                    ),
                };
                conv.push(msg);
            }
            let sep = if rng.below(4) == 0 { " ,  " } else { ", " };
            let mut list = format!("[{}]", conv.join(sep));
            if among > 5 {
                // Each conversation's own first message (the lists' slots are chosen by it).
                let prompt = format!(
                    "{{\"message.role\": \"system\", \"message.content\": \"prompt {i} {}\"}}, ",
                    "x".repeat(120)
                );
                list.insert_str(1, &prompt);
            }
            match rng.below(10) {
                // Broken after the resent messages, or in the newest one.
                0 => {
                    list.truncate(list.len() - 1);
                    list.push_str(", }");
                }
                1 => list.insert_str(list.len() - 1, ", [1 2]"),
                // A number message whose next byte differs from before.
                2 => list.insert_str(list.len() - 1, ", 12"),
                _ => {}
            }
            lists.push(list);
        }
        lists
    }

    /// Conversations whose calls resend their history ([`resent_lists`]), read from a file's
    /// lines: a recorder that has read the calls before reads each exactly as a new one does,
    /// and as the hashes are defined; and it takes from its memory what the memory that copied
    /// the lists' bytes took.
    #[test]
    fn lists_read_before_read_as_new() {
        let mut rng = crate::testing::XorShift(0xfeed_5eed);
        let lists = resent_lists(&mut rng, 4000, 5);
        let (file, starts) = file_of(&lists);
        let mut warm = checked_recorder(&file);
        let mut reused = 0;
        for (list, &start) in lists.iter().zip(&starts) {
            let line = &file[start..];
            // Messages the warm recorder takes as read before.
            let taken = warm
                .seen
                .get(seen_key(list.as_bytes()), &file)
                .map_or(0, |s| s.covers(list.as_bytes()).0);
            let got = read_in_line(&mut warm, line);
            let want = read_in_line(&mut Recorder::default(), line);
            assert_eq!(got, want, "{list}");
            reused += taken;
            if got.0.is_ok() {
                assert_eq!(got.3.map(|p| p.1), Some(reference_hashes(list)), "{list}");
            }
        }
        assert!(reused > 2000, "{reused}");
    }

    /// Many conversations interleaved (150, as in an export of many users' sessions), each
    /// opening with its own system prompt: the lists seen keep a slot for most of them, and
    /// every list reads as a new recorder reads it.
    #[test]
    fn many_conversations_are_remembered_at_once() {
        let mut rng = crate::testing::XorShift(0x3a11_0c0e);
        let lists = resent_lists(&mut rng, 6000, 150);
        let (file, starts) = file_of(&lists);
        let mut rec = checked_recorder(&file);
        let mut reused = 0;
        for (list, &start) in lists.iter().zip(&starts) {
            let line = &file[start..];
            reused += rec
                .seen
                .get(seen_key(list.as_bytes()), &file)
                .map_or(0, |s| s.covers(list.as_bytes()).0);
            let got = read_in_line(&mut rec, line);
            let want = read_in_line(&mut Recorder::default(), line);
            assert_eq!(got, want, "{list}");
        }
        // 12,423 taken; 6,803 when the room was 64 slots of 16 messages.
        assert!(reused > 10_000, "{reused}");
    }

    /// The same lists read from lines that are not in the recorder's home (a copy of each,
    /// as a line joined or decoded would be), and from a home that changes midway to bytes
    /// holding the same lists: each reads as a new recorder reads it, a list from elsewhere
    /// is never remembered, and the lists of the first home are forgotten with it; the lists
    /// remembered in the second serve the copies as well.
    #[test]
    fn lists_read_elsewhere_are_not_remembered() {
        let mut rng = crate::testing::XorShift(0x0e15_e3e7);
        let lists = resent_lists(&mut rng, 2000, 5);
        let (file, starts) = file_of(&lists);
        let (half, _) = file_of(&lists[..1000]);
        let copy = file.clone();
        let mut rec = Recorder::for_scan(&half);
        let (mut reused, mut elsewhere) = (0, 0);
        for (i, (list, &start)) in lists.iter().zip(&starts).enumerate() {
            if i == 1000 {
                rec.set_home(&file);
                assert!(rec.seen.slots.iter().all(|s| s.n == 0));
            }
            let away = rng.below(3) == 0;
            let line = if away { &copy[start..] } else { &file[start..] };
            let taken = rec
                .seen
                .get(seen_key(list.as_bytes()), rec.home)
                .map_or(0, |s| s.covers(list.as_bytes()).0);
            let got = read_in_line(&mut rec, line);
            let want = read_in_line(&mut Recorder::default(), line);
            assert_eq!(got, want, "{list}");
            if i < 1000 {
                // The first home holds none of the lists: none is remembered.
                elsewhere += taken;
                assert!(rec.seen.slots.iter().all(|s| s.n == 0), "{list}");
            } else {
                // Lists remembered in `file` serve the copies too (their bytes are compared).
                reused += taken;
            }
        }
        assert_eq!(elsewhere, 0);
        assert!(reused > 300, "{reused}");
    }

    /// A message value as exporters write it or spoiled: keys known, structural, escaped or
    /// new; values plain, escaped, with bytes of 0x80 and above, with a `cache_control`
    /// marker, nested (deeper than [`MAX_DEPTH`] too), numbers, lists; spaced in every way
    /// JSON allows; `long`: texts of a few hundred bytes to a few kilobytes.
    pub(super) fn spoiled_message(rng: &mut crate::testing::XorShift, long: bool) -> String {
        const KEYS: [&str; 9] = [
            "\"message.role\"",
            "\"message.content\"",
            "\"message.tool_call_id\"",
            "\"type\"",
            "\"message.contents\"",
            "\"m\\u0065ssage.content\"",
            "\"role\"",
            "\"content\"",
            "\"message.name\"",
        ];
        let word = |rng: &mut crate::testing::XorShift| -> String {
            match rng.below(12) {
                0 => "caf\u{e9}".into(),
                1 => "say \\\"hi\\\"".into(),
                2 => "line\\nbreak".into(),
                3 => "<system-reminder>".into(),
                4 => "tool_result".into(),
                5 => "\u{1f600}".into(),
                _ => ["fix", "the", "test", "user", "system", "assistant"][rng.below(6) as usize]
                    .into(),
            }
        };
        let text = |rng: &mut crate::testing::XorShift| -> String {
            let n = if long {
                40 + rng.below(400)
            } else {
                rng.below(12)
            };
            let words: Vec<String> = (0..n).map(|_| word(rng)).collect();
            words.join(" ")
        };
        let value = |rng: &mut crate::testing::XorShift| -> String {
            match rng.below(14) {
                0 => format!("{}", rng.below(1000)),
                1 => "null".into(),
                2 => format!(
                    "[{{\"type\": \"text\", \"text\": \"{}\", \"cache_control\": {{\"type\": \"ephemeral\"}}}}]",
                    text(rng)
                ),
                3 => format!(
                    "\"[{{'type': 'text', 'text': '{}', 'cache_control': {{'type': 'ephemeral'}}}}]\"",
                    text(rng)
                ),
                4 => format!("{{\"text\": \"{}\", \"role\": \"user\"}}", text(rng)),
                5 => {
                    let mut v = format!("\"{}\"", text(rng));
                    for _ in 0..MAX_DEPTH + 1 {
                        v = format!("{{\"a\": {v}}}");
                    }
                    v
                }
                6 => format!(
                    "[{{\"type\": \"tool_result\", \"content\": \"{}\"}}]",
                    text(rng)
                ),
                7 => [
                    "\"user\"",
                    "\"System\"",
                    "\"assistant\"",
                    "\"tool\"",
                    "\"developer\"",
                ][rng.below(5) as usize]
                    .into(),
                _ => format!("\"{}\"", text(rng)),
            }
        };
        let space = |rng: &mut crate::testing::XorShift| -> &'static str {
            [" ", "", "", "", "  ", "\t", "\r", "\n"][rng.below(8) as usize]
        };
        let fields: Vec<String> = (0..rng.below(4))
            .map(|_| {
                let key = KEYS[rng.below(KEYS.len() as u64) as usize];
                let key = if rng.below(40) == 0 {
                    format!("\"k{}\"", rng.below(30))
                } else {
                    key.into()
                };
                format!("{key}{}:{}{}", space(rng), space(rng), value(rng))
            })
            .collect();
        let sep = format!("{},{}", space(rng), space(rng));
        let mut m = format!("{{{}{}{}}}", space(rng), fields.join(&sep), space(rng));
        match rng.below(30) {
            // Cut short, or a byte spoiled.
            0 => {
                let mut at = rng.below(m.len() as u64 + 1) as usize;
                while !m.is_char_boundary(at) {
                    at -= 1;
                }
                m.truncate(at);
            }
            1 => {
                let at = rng.below(m.len() as u64 + 1) as usize;
                if m.is_char_boundary(at) {
                    m.insert(at, ['"', ',', '}', ']', ':', 'x'][rng.below(6) as usize]);
                }
            }
            _ => {}
        }
        m
    }

    /// Lists of conversations (resent, growing, interleaved), their messages as exporters
    /// write them or spoiled ([`spoiled_message`]), in runs of short and of long texts (so the
    /// lists seen change their slots' room back and forth): a recorder that reads messages
    /// through [`Recorder::known_message`] reads every list as one that reads them all
    /// through [`Recorder::field`] (both having read the same lists before), and as a new one:
    /// the same read, cursor, bytes of 0x80 and above, print and message hashes.
    #[test]
    fn known_messages_read_as_field_reads_them() {
        let mut rng = crate::testing::XorShift(0x0dd_ba11);
        let mut conversations: Vec<Vec<String>> = vec![Vec::new(); 6];
        let mut lists = Vec::new();
        for round in 0..6000 {
            // Runs of 1,000 lists: short texts, then long.
            let long = round / 1000 % 2 == 1;
            let conv = &mut conversations[rng.below(6) as usize];
            match rng.below(10) {
                0 => conv.clear(),
                1 if conv.len() > 1 => conv.truncate(conv.len() - 1),
                _ => {}
            }
            while conv.len() < 2 || rng.below(3) == 0 {
                let m = if rng.below(4) == 0 {
                    spoiled_message(&mut rng, long)
                } else {
                    let role = ["user", "system", "assistant"][rng.below(3) as usize];
                    let n = if long {
                        300 + rng.below(2000)
                    } else {
                        rng.below(40)
                    };
                    format!(
                        "{{\"message.role\":\"{role}\",\"message.content\":\"{}\"}}",
                        "ab\u{e9}c ".repeat(n as usize / 5)
                    )
                };
                conv.push(m);
            }
            lists.push(format!("[{}]", conv.join(",")));
        }
        let (file, starts) = file_of(&lists);
        let mut fast = checked_recorder(&file);
        let mut slow = Recorder {
            home: &file,
            slow: true,
            ..Recorder::default()
        };
        let (mut counts, mut fast_reads, mut reused) = (Vec::new(), 0usize, 0usize);
        for (list, &start) in lists.iter().zip(&starts) {
            let line = &file[start..];
            let before = fast.keys.len();
            reused += fast
                .seen
                .get(seen_key(list.as_bytes()), &file)
                .map_or(0, |s| s.covers(list.as_bytes()).0);
            let got = read_in_line(&mut fast, line);
            let want = read_in_line(&mut slow, line);
            assert_eq!(got, want, "{list}");
            let fresh = read_in_line(&mut Recorder::default(), line);
            assert_eq!(got, fresh, "{list}");
            if got.0.is_ok() && before == fast.keys.len() {
                fast_reads += 1;
            }
            counts.push(fast.seen.count);
            assert_eq!(
                fast.copied.as_ref().map(|c| c.count()),
                Some(fast.seen.count)
            );
        }
        // The room was shared by fewer slots for long lists, and by all again after them.
        let shrunk = counts.iter().position(|&c| c <= 16);
        assert!(shrunk.is_some(), "{counts:?}");
        let again = shrunk.and_then(|i| counts[i..].iter().position(|&c| c == SEEN_SLOTS));
        assert!(again.is_some(), "{counts:?}");
        assert!(fast_reads > 1000, "{fast_reads}");
        assert!(reused > 1000, "{reused}");
    }

    /// A message written without spaces, as nearly every export writes them: mostly strings
    /// under known keys (plain text, text near a block's end, bytes of 0x80 and above, escapes,
    /// raw control bytes, a `cache_control` marker in JSON or a Python repr written into the
    /// string, a reminder, a tool's return), now and then a number, an object or a new key,
    /// and spoiled now and then (a byte put in or the message cut short).
    pub(super) fn compact_message(rng: &mut crate::testing::XorShift, long: bool) -> String {
        const WORDS: [&str; 12] = [
            "fix",
            "the",
            "test",
            "caf\u{e9}",
            "say \\\"hi\\\"",
            "line\\nbreak",
            "<system-reminder>",
            "tool_result",
            "\u{1f600}",
            "x\u{1}y",
            "'cache_control': {'type': 'ephemeral'}",
            "abcdefghijklmno",
        ];
        let text = |rng: &mut crate::testing::XorShift| -> String {
            let n = if long {
                40 + rng.below(300)
            } else {
                rng.below(10)
            };
            let words: Vec<&str> = (0..n)
                .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                .collect();
            let text = words.join(" ");
            match rng.below(8) {
                0 => format!("[{{'type': 'text', 'text': '{text}'}}]"),
                1 => format!("{{'type': 'tool_result', 'content': '{text}'}}"),
                _ => text,
            }
        };
        let role = ["user", "system", "assistant", "tool", "Human"][rng.below(5) as usize];
        let mut fields = vec![format!("\"message.role\":\"{role}\"")];
        for _ in 0..rng.below(3) {
            let key = [
                "message.content",
                "message.content",
                "message.tool_call_id",
                "message.name",
                "type",
            ][rng.below(5) as usize];
            let value = match rng.below(20) {
                0 => format!("{}", rng.below(100)),
                1 => "{\"a\":\"b\"}".into(),
                _ => format!("\"{}\"", text(rng)),
            };
            fields.push(format!("\"{key}\":{value}"));
        }
        if rng.below(3) == 0 {
            fields.reverse();
        }
        if rng.below(30) == 0 {
            fields.push(format!("\"k{}\":\"v\"", rng.below(30)));
        }
        let mut m = format!("{{{}}}", fields.join(","));
        match rng.below(20) {
            0 => {
                let mut at = rng.below(m.len() as u64 + 1) as usize;
                while !m.is_char_boundary(at) {
                    at -= 1;
                }
                m.truncate(at);
            }
            1 | 2 => {
                let at = rng.below(m.len() as u64 + 1) as usize;
                if m.is_char_boundary(at) {
                    let c = [' ', '"', '\\', '\n', ',', '}', ':', 'x', '\u{e9}'];
                    m.insert(at, c[rng.below(c.len() as u64) as usize]);
                }
            }
            _ => {}
        }
        m
    }

    /// Lists of conversations (resent, growing, interleaved) whose messages are written without
    /// spaces ([`compact_message`]), short and long: a recorder that reads them through
    /// [`Recorder::plain_message`] reads every list as one that reads them through
    /// [`Recorder::known_message`]'s cursor, as one that reads them all through
    /// [`Recorder::field`], and as a new one: the same read, cursor, bytes of 0x80 and above,
    /// print and message hashes.
    #[test]
    fn plain_messages_read_as_known_message_reads_them() {
        let mut rng = crate::testing::XorShift(0x91a1_4e55);
        let mut conversations: Vec<Vec<String>> = vec![Vec::new(); 6];
        let mut lists = Vec::new();
        for round in 0..6000 {
            let long = round / 500 % 4 == 3;
            let conv = &mut conversations[rng.below(6) as usize];
            match rng.below(10) {
                0 => conv.clear(),
                1 if conv.len() > 1 => conv.truncate(conv.len() - 1),
                _ => {}
            }
            while conv.len() < 2 || rng.below(3) == 0 {
                conv.push(compact_message(&mut rng, long));
            }
            lists.push(format!("[{}]", conv.join(",")));
        }
        let (file, starts) = file_of(&lists);
        let mut plain = checked_recorder(&file);
        let mut known = Recorder {
            home: &file,
            no_plain: true,
            ..Recorder::default()
        };
        let mut slow = Recorder {
            home: &file,
            slow: true,
            ..Recorder::default()
        };
        for (list, &start) in lists.iter().zip(&starts) {
            let line = &file[start..];
            let got = read_in_line(&mut plain, line);
            assert_eq!(got, read_in_line(&mut known, line), "{list}");
            assert_eq!(got, read_in_line(&mut slow, line), "{list}");
            assert_eq!(got, read_in_line(&mut Recorder::default(), line), "{list}");
            // Read anywhere but in a line too (a newline is then part of a string).
            let mut c = Cursor::new(list.as_bytes());
            let mut k = Cursor::new(list.as_bytes());
            let mut fresh = Recorder::default();
            let mut known = Recorder {
                no_plain: true,
                ..Recorder::default()
            };
            assert_eq!(
                fresh.read(b"llm.input_messages", &mut c),
                known.read(b"llm.input_messages", &mut k),
                "{list}"
            );
            assert_eq!((c.pos(), c.non_ascii()), (k.pos(), k.non_ascii()), "{list}");
            assert_eq!(fresh.msgs, known.msgs, "{list}");
        }
        assert!(plain.plain_reads > 3_000, "{}", plain.plain_reads);
        assert_eq!(known.plain_reads, 0);
    }

    /// However many slots share the room, a slot's list reads back as kept (its bytes where
    /// they are in the home), and the other slots' are untouched; a list whose place is not
    /// in the home reads back as none.
    #[test]
    fn seen_lists_keep_within_their_room() {
        let mut seen = SeenLists::new();
        let mut rng = crate::testing::XorShift(42);
        let home: Vec<u8> = (0..3 * SEEN_BYTES).map(|_| rng.below(256) as u8).collect();
        for count in [64usize, 32, 16, 8, 4] {
            seen.count = count;
            seen.slots.fill(SeenSlot::EMPTY);
            let (room, msgs_room) = seen.room();
            assert_eq!(
                (room, msgs_room),
                (SEEN_BYTES / count, SEEN_MESSAGES / count)
            );
            let mut want: Vec<Option<(Vec<u8>, Vec<u32>)>> = vec![None; count];
            for _ in 0..200 {
                let key = rng.next();
                let len = rng.below(room as u64 + 1) as usize;
                let at = rng.below((home.len() - len) as u64 + 1) as usize;
                let n = rng.below(msgs_room as u64 + 1) as usize;
                let ends: Vec<u32> = (0..n).map(|_| rng.below(1000) as u32).collect();
                let msgs = vec![Msg::default(); n];
                seen.keep(key, at, len, &ends, &msgs, usize::MAX);
                want[seen.slot(key)] = Some((home[at..at + len].to_vec(), ends));
                for (i, w) in want.iter().enumerate() {
                    let got = seen
                        .get(i as u64, &home)
                        .map(|s| (s.bytes.to_vec(), s.ends.to_vec()));
                    match w {
                        Some(w) => assert_eq!(got.as_ref(), Some(w)),
                        None => assert_eq!(got, Some((Vec::new(), Vec::new()))),
                    }
                }
            }
            // Too long for a slot: nothing kept there.
            seen.keep(7, 0, room + 1, &[1], &[Msg::default()], usize::MAX);
            assert_eq!(seen.get(7, &home).map(|s| s.ends.len()), Some(0));
            // A place past the home's end (bytes no longer there): no list.
            seen.keep(7, home.len() - 1, 2, &[1], &[Msg::default()], usize::MAX);
            assert!(seen.get(7, &home).is_none());
            assert!(seen.get(7, &home[..1]).is_none());
        }
    }

    /// A part of the home is found where it is; a copy of it, or an empty part elsewhere,
    /// is not a part of it.
    #[test]
    fn parts_are_found_in_their_home_only() {
        let home = b"[1, 2]\n[3]".to_vec();
        let copy = home.clone();
        for at in 0..=home.len() {
            for end in at..=home.len() {
                assert_eq!(offset_in(&home, &home[at..end]), Some(at));
                assert_eq!(offset_in(&home[at..], &home[at..end]), Some(0));
                if at < end {
                    assert_eq!(offset_in(&home, &copy[at..end]), None);
                    assert_eq!(offset_in(&home[..at], &home[at..end]), None);
                    assert_eq!(offset_in(&home[end..], &home[at..end]), None);
                }
            }
        }
    }

    #[test]
    fn nested_strings_are_told_as_the_walker_tells_them() {
        let tails: [&[u8]; 6] = [b"", b"{", b"[1]", b"\\\"a", b" {", b"x"];
        for first in 0..=255u8 {
            for tail in tails {
                for s in [
                    vec![first],
                    [&[first][..], tail].concat(),
                    [&[first, first][..], tail].concat(),
                ] {
                    assert_eq!(looks_nested(&s), super::super::looks_nested(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn common_prefix_is_where_bytes_first_differ() {
        let mut rng = crate::testing::XorShift(99);
        for k in 0..20_000 {
            // A quarter long enough for the kilobyte blocks, with the difference anywhere.
            let len = rng.below(if k % 4 == 0 { 5_000 } else { 300 }) as usize;
            let a: Vec<u8> = (0..len).map(|_| rng.below(4) as u8).collect();
            let mut b = a.clone();
            if len > 0 && rng.below(4) != 0 {
                let at = rng.below(len as u64) as usize;
                b[at] ^= 1 + rng.below(3) as u8;
            }
            b.truncate(rng.below(len as u64 + 1) as usize);
            let want = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            assert_eq!(common_prefix(&a, &b), want);
            assert_eq!(common_prefix(&b, &a), want);
        }
    }

    /// The inline kind of the next value is `peek_kind`'s, whatever the byte (and the spaces
    /// before it, in a line or not).
    #[test]
    fn kinds_ahead_are_peek_kinds() {
        for b in 0..=255u8 {
            for pad in [&b""[..], b" ", b"\n\t ", b"\r"] {
                for tail in [&b""[..], b"1", b"x"] {
                    let bytes = [pad, &[b], tail].concat();
                    for in_line in [false, true] {
                        let cursor = || {
                            if in_line {
                                Cursor::in_line(&bytes)
                            } else {
                                Cursor::new(&bytes)
                            }
                        };
                        let (mut a, mut b) = (cursor(), cursor());
                        assert_eq!(kind_ahead(&mut a), b.peek_kind().ok(), "{bytes:?}");
                        assert_eq!(a.pos(), b.pos());
                    }
                }
            }
        }
        // Nothing left: no kind.
        assert_eq!(kind_ahead(&mut Cursor::new(b"  ")), None);
    }

    /// The next key found among known ones as `known_key_among` finds it: the same item, the
    /// same position after it, whichever item is tried first (keys alike in their starts,
    /// one a prefix of another, none there).
    #[test]
    fn keys_among_are_known_keys_among() {
        let mut rng = crate::testing::XorShift(0x6b65_7973);
        let words: [&[u8]; 6] = [
            b"\"message.role\":",
            b"\"message.content\":",
            b"\"message.contents\":",
            b"\"role\":",
            b"\"m\":",
            b"\"message.tool_calls\":",
        ];
        for _ in 0..5000 {
            let keys: Vec<Pattern> = (0..rng.below(5))
                .filter_map(|_| Pattern::new(words[rng.below(6) as usize]))
                .collect();
            let mut line = words[rng.below(6) as usize].to_vec();
            line.extend_from_slice(b"\"x\"}");
            rng.spoil(&mut line, b"\":ab ", 4);
            let from = rng.below(keys.len() as u64 + 2) as usize;
            let (mut a, mut b) = (Cursor::new(&line), Cursor::new(&line));
            let got = key_among(&mut a, &keys, from, |k| k);
            let want = b.known_key_among(&keys, from, |k| k);
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&line));
            assert_eq!(a.pos(), b.pos());
            assert_eq!(a.key().raw, b.key().raw);
        }
    }

    #[test]
    fn side_signs() {
        assert!(may_be_side(br#"{"message.content":"quota"}"#));
        assert!(may_be_side(
            b"write a 5-10 word title for the following conversation"
        ));
        assert!(!may_be_side(
            br#"{"message.content":"fix the failing test"}"#
        ));
    }
}
