//! A call's fingerprint by its text leaves: one hash per input message of an LLM call, and one
//! for its answer, read from one span's bytes (no values built).
//!
//! The scan fingerprints every call by the bytes of its messages ([`super::prints`]), which is
//! enough to follow one conversation within an export. Telling whether an earlier call's answer
//! is the next message of a later call needs more, because the answer and the message that
//! resends it are written in different encodings; that is rare (two conversations that began
//! with the same words), and done here, on the few spans concerned. A message hashes as the
//! order-free sum of its text leaves (content strings, tool-call names, ids and arguments,
//! numbers) plus its role; the names of the keys around them are left out. So an answer recorded
//! as `llm.output_messages.0.message.content` hashes like the same text resent as a content block
//! `{"type": "text", "text": …}` in the next request, and Claude Code's `cache_control` marker,
//! which moves to the newest message on every call, changes nothing.

use super::{Evaluation, Field, Sink, Style, Want};
use crate::json::{Cursor, JsonError, RawStr, Scalar, ValueKind};
use std::hash::Hasher;
use std::ops::Range;

/// Input messages beyond this many are not fingerprinted (the prefix is enough to link).
pub(super) const MAX_MESSAGES: usize = 4096;

/// Values nested deeper than this inside a message are skipped.
const MAX_DEPTH: usize = 32;

/// What an LLM call's messages hash to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint {
    /// One hash per input message, in order.
    pub messages: Vec<u64>,
    /// Whether each input message is a system (or developer) prompt.
    pub system: Vec<bool>,
    /// The first output message, hashed like an input message; 0 when there is none.
    pub answer: u64,
    /// The first output message's text leaves (sorted hashes): some exporters drop the tool
    /// calls from the answer but resend them in the next request, so an answer matches a
    /// message whose leaves include all of these.
    pub answer_leaves: Vec<u64>,
}

impl Fingerprint {
    /// Reads the fingerprint of one span record; `None` if it has no input messages.
    pub fn of_span(bytes: &[u8]) -> Option<Fingerprint> {
        Reader::default().fingerprint(bytes)
    }

    /// Whether this call's answer is message `leaves` (all of the answer's text is in it).
    pub fn answered_with(&self, leaves: &[u64]) -> bool {
        !self.answer_leaves.is_empty()
            && self
                .answer_leaves
                .iter()
                .all(|h| leaves.binary_search(h).is_ok())
    }

    /// Position of the first message that is not a system prompt.
    pub fn first_turn(&self) -> Option<usize> {
        self.system.iter().position(|s| !s)
    }
}

/// Reads fingerprints of single spans; keeps its buffers between records (one per thread).
#[derive(Default)]
pub struct Reader {
    sink: HistorySink,
}

impl Reader {
    fn read(&mut self, bytes: &[u8]) {
        self.sink.depth = 0;
        self.sink.messages.clear();
        let mut c = Cursor::new(bytes);
        // A record that fails part-way still gave what it had before the error.
        let _ = super::walk(&mut c, &mut self.sink);
        self.sink.messages.finish();
    }

    /// The fingerprint of one span record; `None` if it has no input messages.
    pub fn fingerprint(&mut self, bytes: &[u8]) -> Option<Fingerprint> {
        self.read(bytes);
        self.sink.messages.fingerprint()
    }

    /// Input message `k` of a span, read once: its hash (`None` when the span has no such
    /// message) and its text leaves (sorted hashes).
    pub fn message(&mut self, bytes: &[u8], k: usize) -> (Option<u64>, Vec<u64>) {
        self.read(bytes);
        let m = &self.sink.messages;
        let k32 = u32::try_from(k).unwrap_or(u32::MAX);
        let hash = (k < m.roles.len()).then(|| m.message_hash(k32));
        (hash, m.leaves_of(k32).iter().map(|&(_, h)| h).collect())
    }
}

/// Hash of the first `k` messages, for every `k` (index 0 is the empty history).
pub fn prefixes(messages: &[u64], out: &mut Vec<u64>) {
    out.clear();
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    out.push(h);
    for &m in messages {
        h = mix(h.rotate_left(23) ^ m);
        out.push(h);
    }
}

/// A 64-bit finaliser (splitmix64): spreads every input bit over the output.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn hash_bytes(tag: u8, b: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write_u8(tag);
    h.write(b);
    mix(h.finish())
}

/// The ASCII case bit of every byte of a word.
pub(super) const CASE: u64 = 0x2020_2020_2020_2020;

/// At most eight bytes as a little-endian word, zero-padded: two overlapping 4-byte loads
/// from four bytes up (no loop, no copy), byte by byte below.
#[inline(always)]
pub(super) fn padded_word(b: &[u8]) -> u64 {
    let four = |at: usize| {
        b.get(at..at + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
    };
    match b.len() {
        8.. => b
            .get(..8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes),
        n @ 4..=7 => four(0) | four(n - 4) << (8 * (n - 4)),
        _ => b.iter().rev().fold(0, |w, &c| w << 8 | u64::from(c)),
    }
}

/// The hash of a role, whatever its case (`User` is `user`): eight bytes at a time, with the
/// ASCII case bit set (roles are short words).
pub(super) fn role_hash(b: &[u8]) -> u64 {
    if b.len() <= 8 {
        return short_role_hash(b.len(), padded_word(b) | CASE);
    }
    let mut h = b.len() as u64;
    for chunk in b.chunks(8) {
        h = mix(h ^ (padded_word(chunk) | CASE));
    }
    h
}

/// [`role_hash`] of a role of `len` bytes, at most eight, given as its [`padded_word`] with
/// the [`CASE`] bits set.
#[inline(always)]
pub(super) fn short_role_hash(len: usize, cased: u64) -> u64 {
    if len == 0 { 0 } else { mix(len as u64 ^ cased) }
}

/// A message's hash from the sum of its parts' hashes (order-free), how many parts, and its
/// role. Here the parts are distinct text leaves: a text given twice (LiteLLM writes a
/// message's text both in `message.content` and in `message.contents`) counts once.
pub(super) fn message_hash(sum: u64, parts: u64, role: u64) -> u64 {
    mix(sum ^ role.rotate_left(17) ^ parts)
}

fn leaves_hash(leaves: impl ExactSizeIterator<Item = u64>, role: u64) -> u64 {
    let parts = leaves.len() as u64;
    let sum = leaves.fold(0u64, u64::wrapping_add);
    message_hash(sum, parts, role)
}

/// Where a message list lives, and how its items are numbered after the prefix.
pub(super) struct Source {
    pub prefix: &'static [u8],
    pub output: bool,
    /// The path segment the message number follows (`messages` in MLflow inputs).
    pub list: Option<&'static [u8]>,
}

const SOURCES: &[Source] = &[
    Source {
        prefix: b"llm.input_messages",
        output: false,
        list: None,
    },
    Source {
        prefix: b"gen_ai.input.messages",
        output: false,
        list: None,
    },
    Source {
        prefix: b"mlflow.spanInputs",
        output: false,
        list: Some(b"messages"),
    },
    Source {
        prefix: b"llm.output_messages",
        output: true,
        list: None,
    },
    Source {
        prefix: b"gen_ai.output.messages",
        output: true,
        list: None,
    },
    Source {
        prefix: b"mlflow.spanOutputs",
        output: true,
        list: Some(b"choices"),
    },
    // A Langfuse generation's input / output (as its SDKs name them over OpenTelemetry).
    Source {
        prefix: b"langfuse.observation.input",
        output: false,
        list: Some(b"messages"),
    },
    Source {
        prefix: b"langfuse.observation.output",
        output: true,
        list: Some(b"choices"),
    },
    // OpenAI Agents SDK generation spans: chat messages as sent and as answered.
    Source {
        prefix: b"span_data.input",
        output: false,
        list: None,
    },
    Source {
        prefix: b"span_data.output",
        output: true,
        list: None,
    },
];

/// What a walker should do with an attribute path for the messages: hand a source (or a path
/// inside one) to [`Messages::read`], descend into an object that holds one (`llm` when
/// attributes are nested), or skip it.
pub fn want<T>(path: &[u8]) -> Want<T> {
    if !matches!(path.first(), Some(b'l' | b'g' | b'm' | b's')) {
        return Want::Skip;
    }
    for s in SOURCES {
        if path.starts_with(s.prefix) && matches!(path.get(s.prefix.len()), None | Some(b'.')) {
            return Want::Messages;
        }
        if s.prefix.starts_with(path) && s.prefix.get(path.len()) == Some(&b'.') {
            return Want::Parse;
        }
    }
    Want::Skip
}

/// Where in a message source the reader is.
#[derive(Clone, Copy)]
enum At {
    /// The source's value (for MLflow, the object that holds the list).
    Top,
    /// The message list.
    List,
    /// Inside message `n`; `role` when the key just read names its role.
    Message { n: u32, role: bool },
}

impl At {
    /// Inside a message, under `key` (one dot-separated segment of a key): `None` to skip
    /// a key that says how the message is encoded, not what it says.
    fn key(self, key: &[u8]) -> Option<At> {
        let At::Message { n, role } = self else {
            return Some(self);
        };
        if structural(key) {
            return None;
        }
        // Positions inside a message (content block 0, 1…) do not change what a leaf is.
        let role = if number(key).is_some() {
            role
        } else {
            key == b"role"
        };
        Some(At::Message { n, role })
    }
}

/// Message `n` of a source, if it is read: outputs only their first message.
fn message(src: &Source, n: usize) -> Option<At> {
    if n >= MAX_MESSAGES || src.output && n > 0 {
        return None;
    }
    Some(At::Message {
        n: u32::try_from(n).ok()?,
        role: false,
    })
}

/// A decimal position (up to six digits).
pub(super) fn number(seg: &[u8]) -> Option<usize> {
    if seg.is_empty() || seg.len() > 6 || !seg.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        seg.iter()
            .fold(0usize, |n, d| n * 10 + usize::from(d - b'0')),
    )
}

/// The source an attribute path is in, and the rest of the path after the source's prefix.
pub(super) fn source_of(path: &[u8]) -> Option<(&'static Source, &[u8])> {
    SOURCES
        .iter()
        .find_map(|s| path.strip_prefix(s.prefix).map(|r| (s, r)))
}

/// Keys whose values say how a message is encoded, not what it says.
pub(super) fn structural(key: &[u8]) -> bool {
    matches!(
        key,
        b"type"
            | b"cache_control"
            | b"finish_reason"
            | b"stop_reason"
            | b"index"
            | b"logprobs"
            | b"refusal"
            | b"annotations"
            | b"mime_type"
    )
}

/// Splits what follows a source prefix into (message number, rest of the path).
pub(super) fn locate<'p>(src: &Source, rest: &'p [u8]) -> Option<(usize, &'p [u8])> {
    let rest = rest.strip_prefix(b".")?;
    let rest = match src.list {
        Some(list) => rest.strip_prefix(list)?.strip_prefix(b".")?,
        None => rest,
    };
    let end = rest.iter().position(|&b| b == b'.').unwrap_or(rest.len());
    let n = number(&rest[..end])?;
    Some((n, rest.get(end + 1..).unwrap_or(b"")))
}

/// The messages of one call, gathered leaf by leaf as a walker meets them (by the scan, for
/// every span; by [`Reader`], for one).
#[derive(Default)]
pub struct Messages {
    /// Per input message: role hash (0 when none was given) and whether it is a system prompt.
    roles: Vec<(u64, bool)>,
    /// (input message number, leaf hash); sorted and deduplicated by `finish`.
    leaves: Vec<(u32, u64)>,
    /// The first output message: its role and distinct leaves.
    answer_role: u64,
    answer: Vec<u64>,
}

impl Messages {
    pub fn clear(&mut self) {
        self.roles.clear();
        self.leaves.clear();
        self.answer_role = 0;
        self.answer.clear();
    }

    /// Nothing gathered since the last `clear`.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.leaves.is_empty() && self.answer.is_empty()
    }

    /// Reads the value at attribute `path`, the cursor at it (a source, or a path inside one:
    /// see [`want`]); leaves the cursor after the value. No path is built and no value kept:
    /// each text leaf of a message is hashed where it lies.
    pub fn read(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        let Some((src, rest)) = source_of(path) else {
            return c.skip_value();
        };
        let at = if rest.is_empty() {
            Some(At::Top)
        } else if src.list.is_some_and(|l| rest.strip_prefix(b".") == Some(l)) {
            Some(At::List)
        } else {
            // A flattened key: `llm.input_messages.3.message.content`.
            locate(src, rest).and_then(|(n, inner)| {
                let mut at = message(src, n)?;
                for seg in inner.split(|&b| b == b'.') {
                    at = at.key(seg)?;
                }
                Some(at)
            })
        };
        match at {
            Some(at) => self.value(src, at, c, 0),
            None => c.skip_value(),
        }
    }

    fn value(
        &mut self,
        src: &Source,
        at: At,
        c: &mut Cursor<'_>,
        depth: usize,
    ) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return c.skip_value();
        }
        match c.peek_kind()? {
            ValueKind::Object => {
                c.object_start()?;
                let mut first = true;
                while c.next_key(&mut first)? {
                    let key = c.key().bytes();
                    let key: &[u8] = &key;
                    let next = match at {
                        At::Top if src.list.is_some() => {
                            (Some(key) == src.list).then_some(At::List)
                        }
                        // A list written as an object keyed by position.
                        At::Top | At::List => number(key).and_then(|n| message(src, n)),
                        At::Message { .. } => key
                            .split(|&b| b == b'.')
                            .try_fold(at, |at, seg| at.key(seg)),
                    };
                    match next {
                        Some(next) => self.value(src, next, c, depth + 1)?,
                        None => c.skip_value()?,
                    }
                }
                Ok(())
            }
            ValueKind::Array => {
                c.array_start()?;
                let mut first = true;
                let mut i = 0usize;
                while c.next_item(&mut first)? {
                    let next = match at {
                        At::Top if src.list.is_some() => None,
                        At::Top | At::List => message(src, i),
                        At::Message { .. } => Some(at),
                    };
                    match next {
                        Some(next) => self.value(src, next, c, depth + 1)?,
                        None => c.skip_value()?,
                    }
                    i += 1;
                }
                Ok(())
            }
            ValueKind::String => {
                let s = c.string()?;
                self.string(src, at, s, depth);
                Ok(())
            }
            _ => {
                if let Scalar::Num(n) = c.scalar()? {
                    self.text(src, at, n);
                }
                Ok(())
            }
        }
    }

    /// A string: text, or JSON / a Python literal inside a string (LiteLLM writes content
    /// blocks as a Python repr; GenAI and MLflow write whole lists as JSON text).
    fn string(&mut self, src: &Source, at: At, s: RawStr<'_>, depth: usize) {
        if matches!(at, At::Message { role: false, .. }) && !super::looks_nested(s.raw) {
            if s.escaped() {
                self.text(src, at, s.decode().as_bytes());
            } else {
                self.text(src, at, s.raw);
            }
            return;
        }
        let text = s.decode();
        let t = text.trim();
        if matches!(at, At::Message { role: true, .. }) {
            self.text(src, at, t.as_bytes());
            return;
        }
        if let Some(v) = super::quoted(t) {
            self.text(src, at, v.decode().as_bytes());
            return;
        }
        if super::read_container(t, |json| self.nested(src, at, json, depth)) {
            return;
        }
        self.text(src, at, s.decode().as_bytes());
    }

    /// Reads JSON held in a string; false (and nothing kept) if it is not valid JSON.
    fn nested(&mut self, src: &Source, at: At, text: &[u8], depth: usize) -> bool {
        let marks = (self.leaves.len(), self.answer.len());
        let mut c = Cursor::new(text);
        if self.value(src, at, &mut c, depth + 1).is_ok() && c.at_end() {
            return true;
        }
        self.leaves.truncate(marks.0);
        self.answer.truncate(marks.1);
        false
    }

    /// A text leaf of a message (its role, where the key says so).
    fn text(&mut self, src: &Source, at: At, text: &[u8]) {
        let At::Message { n, role } = at else {
            return;
        };
        if role {
            let system =
                text.eq_ignore_ascii_case(b"system") || text.eq_ignore_ascii_case(b"developer");
            let h = role_hash(text);
            if src.output {
                self.answer_role = h;
            } else {
                let n = n as usize;
                if self.roles.len() <= n {
                    self.roles.resize(n + 1, (0, false));
                }
                self.roles[n] = (h, system);
            }
        } else if src.output {
            self.answer.push(hash_bytes(0, text));
        } else {
            self.leaves.push((n, hash_bytes(0, text)));
        }
    }

    fn finish(&mut self) {
        self.leaves.sort_unstable();
        self.leaves.dedup();
        self.answer.sort_unstable();
        self.answer.dedup();
        if let Some(&(last, _)) = self.leaves.last()
            && self.roles.len() <= last as usize
        {
            self.roles.resize(last as usize + 1, (0, false));
        }
    }

    /// The distinct leaf hashes of input message `n`, sorted (after `finish`).
    fn leaves_of(&self, n: u32) -> &[(u32, u64)] {
        let a = self.leaves.partition_point(|&(m, _)| m < n);
        let b = self.leaves.partition_point(|&(m, _)| m <= n);
        &self.leaves[a..b]
    }

    fn message_hash(&self, n: u32) -> u64 {
        let role = self.roles.get(n as usize).map_or(0, |r| r.0);
        leaves_hash(self.leaves_of(n).iter().map(|&(_, h)| h), role)
    }

    fn answer_hash(&self) -> u64 {
        if self.answer.is_empty() && self.answer_role == 0 {
            0
        } else {
            leaves_hash(self.answer.iter().copied(), self.answer_role)
        }
    }

    /// Ends the call: its fingerprint (`None` without input messages). Call `clear` after.
    fn fingerprint(&mut self) -> Option<Fingerprint> {
        self.finish();
        if self.roles.is_empty() {
            return None;
        }
        let messages = (0..self.roles.len())
            .map(|n| self.message_hash(u32::try_from(n).unwrap_or(u32::MAX)))
            .collect();
        Some(Fingerprint {
            system: self.roles.iter().map(|r| r.1).collect(),
            messages,
            answer: self.answer_hash(),
            answer_leaves: self.answer.clone(),
        })
    }
}

/// [`Messages`] as a walker's sink, for [`Reader`].
#[derive(Default)]
struct HistorySink {
    depth: usize,
    messages: Messages,
}

impl Sink for HistorySink {
    type Tag = ();
    fn open(&mut self, _at: usize) {
        self.depth += 1;
    }
    fn close(&mut self, _range: Range<usize>, _style: Style) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn field(&mut self, _f: Field<'_>) {}
    fn want(&mut self, path: &[u8]) -> Want<()> {
        if self.depth <= 1 {
            want(path)
        } else {
            Want::Skip
        }
    }
    fn attr(&mut self, _path: &[u8], _tag: Option<()>, _v: Scalar<'_>) {}
    fn messages(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        self.messages.read(path, c)
    }
    fn trace_meta(&mut self, _key: &[u8], _v: Scalar<'_>) {}
    fn trace_info(&mut self, _range: Range<usize>) {}
    fn evaluation(&mut self, _e: Evaluation) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(json: &str) -> Fingerprint {
        Fingerprint::of_span(json.as_bytes()).unwrap_or_default()
    }

    /// A role hashes as the little-endian words of its bytes, zero-padded eight at a time,
    /// whatever its length and case (the hashes of stored fingerprints depend on it).
    #[test]
    fn role_hashes_are_padded_words() {
        let reference = |b: &[u8]| {
            let mut h = b.len() as u64;
            for chunk in b.chunks(8) {
                let mut w = [0u8; 8];
                w[..chunk.len()].copy_from_slice(chunk);
                h = mix(h ^ (u64::from_le_bytes(w) | 0x2020_2020_2020_2020));
            }
            h
        };
        let mut rng = crate::testing::XorShift(99);
        for len in 0..40 {
            for _ in 0..20 {
                let b: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
                assert_eq!(role_hash(&b), reference(&b), "{b:?}");
            }
        }
        for len in 0..=8 {
            for _ in 0..50 {
                let b: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
                let mut w = [0u8; 8];
                w[..len].copy_from_slice(&b);
                assert_eq!(padded_word(&b), u64::from_le_bytes(w), "{b:?}");
            }
        }
        assert_eq!(role_hash(b"User"), role_hash(b"user"));
        assert_ne!(role_hash(b"user"), role_hash(b"user\0"));
    }

    #[test]
    fn same_messages_same_hashes_across_encodings() {
        // OpenInference list (Phoenix dataframe), flattened OTLP keys, and GenAI JSON string.
        let flat = fp(
            r#"{"context.span_id":"01","attributes.llm.input_messages":[{"message.role":"system","message.content":"Be terse."},{"message.role":"user","message.content":"fix it"}],"attributes.llm.output_messages":[{"message.role":"assistant","message.content":"done"}]}"#,
        );
        let otlp = fp(
            r#"{"spanId":"01","attributes":[{"key":"llm.input_messages.0.message.role","value":{"stringValue":"system"}},{"key":"llm.input_messages.0.message.content","value":{"stringValue":"Be terse."}},{"key":"llm.input_messages.1.message.role","value":{"stringValue":"user"}},{"key":"llm.input_messages.1.message.content","value":{"stringValue":"fix it"}}]}"#,
        );
        let genai = fp(
            r#"{"context":{"span_id":"01"},"attributes":{"gen_ai.input.messages":"[{\"role\": \"system\", \"parts\": [{\"type\": \"text\", \"content\": \"Be terse.\"}]}, {\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"fix it\", \"cache_control\": {\"type\": \"ephemeral\"}}]}]"}}"#,
        );
        assert_eq!(flat.messages.len(), 2);
        assert_eq!(flat.messages, otlp.messages);
        assert_eq!(flat.messages, genai.messages);
        assert_eq!(flat.system, [true, false]);
        assert_eq!(flat.first_turn(), Some(1));
        assert_ne!(flat.answer, 0);
        assert_ne!(flat.messages[0], flat.messages[1]);
    }

    #[test]
    fn answer_hashes_like_the_resent_message() {
        let first = fp(
            r#"{"context.span_id":"01","attributes.llm.input_messages":[{"message.role":"user","message.content":"read it"}],"attributes.llm.output_messages":[{"message.role":"assistant","message.tool_calls":[{"tool_call.id":"toolu_1","tool_call.function.name":"Read","tool_call.function.arguments":"{\"path\": \"a.rs\"}"}]}]}"#,
        );
        let next = fp(
            r#"{"context.span_id":"02","attributes.llm.input_messages":[{"message.role":"user","message.content":"read it"},{"message.role":"assistant","message.content":"[{\"type\": \"tool_use\", \"id\": \"toolu_1\", \"name\": \"Read\", \"input\": {\"path\": \"a.rs\"}}]"}]}"#,
        );
        assert_eq!(first.messages[0], next.messages[0]);
        assert_eq!(first.answer, next.messages[1]);
    }

    #[test]
    fn litellm_blocks_and_contents_count_once() {
        // What LiteLLM's arize callback writes for a Claude Code message: the blocks as a Python
        // repr in `message.content` (with the moving cache marker), the text again in `contents`.
        let sent = fp(
            r#"{"context.span_id":"01","attributes.llm.input_messages":[{"message.role":"user","message.content":"go"},{"message.role":"assistant","message.content":"[{'type': 'text', 'text': 'Running.'}, {'type': 'tool_use', 'id': 'toolu_9', 'name': 'Bash', 'input': {'command': 'cargo test'}}]","message.contents":[{"message_content.type":"text","message_content.text":"Running."}]},{"message.role":"user","message.content":"[{'type': 'tool_result', 'tool_use_id': 'toolu_9', 'content': 'ok', 'cache_control': {'type': 'ephemeral'}}]"}]}"#,
        );
        let answer = fp(
            r#"{"context.span_id":"02","attributes.llm.input_messages":[{"message.role":"user","message.content":"go"}],"attributes.llm.output_messages":[{"message.role":"assistant","message.content":"Running.","message.tool_calls":[{"tool_call.function.name":"Bash","tool_call.function.arguments":"{\"command\": \"cargo test\"}","tool_call.id":"toolu_9"}]}]}"#,
        );
        let later = fp(
            r#"{"context.span_id":"03","attributes.llm.input_messages":[{"message.role":"user","message.content":"go"},{"message.role":"assistant","message.content":"[{'type': 'text', 'text': 'Running.'}, {'type': 'tool_use', 'id': 'toolu_9', 'name': 'Bash', 'input': {'command': 'cargo test'}}]","message.contents":[{"message_content.type":"text","message_content.text":"Running."}]},{"message.role":"user","message.content":"[{'type': 'tool_result', 'tool_use_id': 'toolu_9', 'content': 'ok'}]"},{"message.role":"user","message.content":"thanks"}]}"#,
        );
        assert_eq!(answer.answer, sent.messages[1]);
        assert_eq!(sent.messages[..], later.messages[..3]);
    }

    #[test]
    fn mlflow_chat_inputs() {
        let f = fp(
            r#"{"span_id":"AAAAAAAAAAE=","attributes":{"mlflow.spanInputs":"{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}","mlflow.spanOutputs":"{\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"hello\"}, \"finish_reason\": \"stop\"}]}"}}"#,
        );
        let g = fp(
            r#"{"context.span_id":"01","attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"},{"message.role":"assistant","message.content":"hello"}]}"#,
        );
        assert_eq!(f.messages, g.messages[..1]);
        assert_eq!(f.answer, g.messages[1]);
    }

    #[test]
    fn no_messages_no_fingerprint() {
        assert!(
            Fingerprint::of_span(br#"{"context.span_id":"01","attributes.input.value":"x"}"#)
                .is_none()
        );
    }

    #[test]
    fn prefix_hashes_depend_on_order() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        prefixes(&[1, 2], &mut a);
        prefixes(&[2, 1], &mut b);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0], b[0]);
        assert_ne!(a[2], b[2]);
    }
}
