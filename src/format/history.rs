//! A conversation's fingerprint: one hash per input message of an LLM call, and one for its
//! answer, read straight from the span's bytes (no values built).
//!
//! Session inference links calls whose input history extends an earlier call's history, so the
//! hashes must be equal for the same message across calls and encodings. A message hashes as the
//! order-free sum of its text leaves (content strings, tool-call names, ids and arguments, numbers)
//! plus its role; the names of the keys around them are left out. So an answer recorded as
//! `llm.output_messages.0.message.content` hashes like the same text resent as a content block
//! `{"type": "text", "text": …}` in the next request, and Claude Code's `cache_control` marker,
//! which moves to the newest message on every call, changes nothing.

use super::{Evaluation, Field, Sink, Style, Want};
use crate::json::{Bits, Cursor, Scalar};
use std::hash::Hasher;
use std::ops::Range;

/// Input messages beyond this many are not fingerprinted (the prefix is enough to link).
const MAX_MESSAGES: usize = 4096;

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

    /// Messages that are not system prompts.
    pub fn conversational(&self) -> usize {
        self.system.iter().filter(|s| !**s).count()
    }

    /// Position of the first message that is not a system prompt.
    pub fn first_turn(&self) -> Option<usize> {
        self.system.iter().position(|s| !s)
    }
}

/// Reads fingerprints; keeps its buffers between records (one per thread).
#[derive(Default)]
pub struct Reader {
    bits: Bits,
    sink: HistorySink,
}

impl Reader {
    fn read(&mut self, bytes: &[u8]) {
        self.sink.clear();
        self.bits.compute(bytes);
        let mut c = Cursor::with_bits(bytes, &self.bits);
        // A record that fails part-way still gave what it had before the error.
        let _ = super::walk(&mut c, &mut self.sink);
        self.sink.finish();
    }

    /// The fingerprint of one span record; `None` if it has no input messages.
    pub fn fingerprint(&mut self, bytes: &[u8]) -> Option<Fingerprint> {
        self.read(bytes);
        let k = &self.sink;
        if k.roles.is_empty() {
            return None;
        }
        let messages = (0..k.roles.len())
            .map(|n| k.message_hash(u32::try_from(n).unwrap_or(u32::MAX)))
            .collect();
        Some(Fingerprint {
            system: k.roles.iter().map(|r| r.1).collect(),
            messages,
            answer: if k.answer.is_empty() && k.answer_role == 0 {
                0
            } else {
                message_hash(&k.answer, k.answer_role)
            },
            answer_leaves: k.answer.clone(),
        })
    }

    /// The text leaves (sorted hashes) of input message `k` of a span.
    pub fn message_leaves(&mut self, bytes: &[u8], k: usize) -> Vec<u64> {
        self.read(bytes);
        let k = u32::try_from(k).unwrap_or(u32::MAX);
        self.sink.leaves_of(k).iter().map(|&(_, h)| h).collect()
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

/// A message's hash from its distinct sorted text leaves and its role. A text given twice
/// (LiteLLM writes a message's text both in `message.content` and in `message.contents`)
/// counts once.
fn message_hash(leaves: &[u64], role: u64) -> u64 {
    let sum = leaves.iter().fold(0u64, |a, &h| a.wrapping_add(h));
    mix(sum ^ role.rotate_left(17) ^ leaves.len() as u64)
}

/// Where a message list lives, and how its items are numbered after the prefix.
struct Source {
    prefix: &'static [u8],
    output: bool,
    /// The path segment the message number follows (`messages` in MLflow inputs).
    list: Option<&'static [u8]>,
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
];

/// Whether a record may hold input messages (any of the sources above, flattened or nested),
/// from its raw bytes: a cheap test before a span of unknown kind is read.
pub fn mentions_messages(bytes: &[u8]) -> bool {
    use memchr::memmem;
    [&b"input_messages"[..], b"input.messages", b"spanInputs"]
        .iter()
        .any(|n| memmem::find(bytes, n).is_some())
}

/// Keys whose values say how a message is encoded, not what it says.
fn structural(key: &[u8]) -> bool {
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
fn locate<'p>(src: &Source, rest: &'p [u8]) -> Option<(usize, &'p [u8])> {
    let rest = rest.strip_prefix(b".")?;
    let rest = match src.list {
        Some(list) => rest.strip_prefix(list)?.strip_prefix(b".")?,
        None => rest,
    };
    let end = rest.iter().position(|&b| b == b'.').unwrap_or(rest.len());
    let digits = &rest[..end];
    if digits.is_empty() || digits.len() > 6 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    Some((n, rest.get(end + 1..).unwrap_or(b"")))
}

#[derive(Default)]
struct HistorySink {
    depth: usize,
    /// Per input message: role hash (0 when none was given) and whether it is a system prompt.
    roles: Vec<(u64, bool)>,
    /// (input message number, leaf hash); sorted and deduplicated by `finish`.
    leaves: Vec<(u32, u64)>,
    /// The first output message: its role and distinct leaves.
    answer_role: u64,
    answer: Vec<u64>,
}

impl HistorySink {
    fn clear(&mut self) {
        self.depth = 0;
        self.roles.clear();
        self.leaves.clear();
        self.answer_role = 0;
        self.answer.clear();
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
        let pairs = self.leaves_of(n);
        let sum = pairs.iter().fold(0u64, |acc, &(_, h)| acc.wrapping_add(h));
        let role = self.roles.get(n as usize).map_or(0, |r| r.0);
        mix(sum ^ role.rotate_left(17) ^ pairs.len() as u64)
    }

    fn leaf(&mut self, path: &[u8], text: &[u8]) {
        let Some((src, rest)) = SOURCES
            .iter()
            .find_map(|s| path.strip_prefix(s.prefix).map(|r| (s, r)))
        else {
            return;
        };
        let Some((n, inner)) = locate(src, rest) else {
            return;
        };
        if n >= MAX_MESSAGES || inner.split(|&b| b == b'.').any(structural) {
            return;
        }
        if src.output && n > 0 {
            return;
        }
        // The key of the leaf: the last segment that is not a number.
        let key = inner
            .rsplit(|&b| b == b'.')
            .find(|s| !s.iter().all(u8::is_ascii_digit))
            .unwrap_or(b"");
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        if key == b"role" {
            let role = text.to_ascii_lowercase();
            let system = role == b"system" || role == b"developer";
            let h = hash_bytes(1, &role);
            if src.output {
                self.answer_role = h;
            } else {
                if self.roles.len() <= n {
                    self.roles.resize(n + 1, (0, false));
                }
                self.roles[n] = (h, system);
            }
        } else if src.output {
            self.answer.push(hash_bytes(0, text));
        } else {
            self.leaves.push((n32, hash_bytes(0, text)));
        }
    }
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
        if self.depth > 1 || !matches!(path.first(), Some(b'l' | b'g' | b'm')) {
            return Want::Skip;
        }
        let wanted = SOURCES.iter().any(|s| {
            path.starts_with(s.prefix) && matches!(path.get(s.prefix.len()), None | Some(b'.'))
                || s.prefix.starts_with(path) && s.prefix.get(path.len()) == Some(&b'.')
        });
        if wanted { Want::Parse } else { Want::Skip }
    }
    fn attr(&mut self, path: &[u8], _tag: Option<()>, v: Scalar<'_>) {
        match v {
            Scalar::Str(s) if s.escaped() => self.leaf(path, s.decode().as_bytes()),
            Scalar::Str(s) => self.leaf(path, s.raw),
            Scalar::Num(n) => self.leaf(path, n),
            Scalar::Bool(_) | Scalar::Null => {}
        }
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
