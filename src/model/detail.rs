//! A span's full record, parsed on request: every attribute under its canonical dotted key.

use super::Model;
use crate::format::{self, Field, Sink, Style, Want};
use crate::json::{Cursor, RawStr, Scalar, ValueKind};
use std::ops::Range;

/// An attribute value as read from the file.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Str(String),
    /// A number as written (`12`, `0.5`, `NaN`).
    Num(String),
    Bool(bool),
    Null,
}

impl AttrValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) | AttrValue::Num(s) => Some(s),
            _ => None,
        }
    }

    /// The value as display text.
    pub fn text(&self) -> String {
        match self {
            AttrValue::Str(s) | AttrValue::Num(s) => s.clone(),
            AttrValue::Bool(b) => b.to_string(),
            AttrValue::Null => "null".to_owned(),
        }
    }
}

/// Why a span failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// The status message.
    pub message: Option<String>,
    /// `exception.type`, `exception.message`, `exception.stacktrace` of its exception event.
    pub kind: Option<String>,
    pub exception: Option<String>,
    pub stack: Option<String>,
}

impl Failure {
    /// The failure in one line: the status message, else the exception's type and message.
    pub fn summary(&self) -> Option<String> {
        if let Some(m) = self.message.as_ref().filter(|m| !m.trim().is_empty()) {
            return Some(m.clone());
        }
        match (&self.kind, &self.exception) {
            (Some(k), Some(m)) => Some(format!("{k}: {m}")),
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            (None, None) => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.message.is_none()
            && self.kind.is_none()
            && self.exception.is_none()
            && self.stack.is_none()
    }
}

/// One span, fully read.
#[derive(Clone, Debug, Default)]
pub struct SpanDetail {
    /// Attributes in file order, keyed by canonical dotted path.
    pub attrs: Vec<(String, AttrValue)>,
    pub status_message: Option<String>,
    /// Why the record could not be read in full, if it could not.
    pub error: Option<String>,
    /// What was read with a caveat: values nested too deep to read in full, attributes given
    /// twice.
    pub notes: Vec<String>,
}

/// Attributes that hold JSON in a string and read better as nested keys.
fn parse_inside(path: &[u8]) -> bool {
    path == b"metadata"
        || path.ends_with(b".metadata")
        || matches!(
            path,
            b"gen_ai.input.messages" | b"gen_ai.output.messages" | b"mlflow.chat.tokenUsage"
        )
}

/// Strings longer than this are read in part by [`SpanDetail::load_shown`] (a screen shows
/// far less, and a 200 MB value would otherwise be copied whole).
pub const SHOWN_BYTES: usize = 1 << 20;

/// The attributes the span detail reads from a record besides its JSON tree: its input and
/// output, and its events (exceptions).
const DETAIL_KEYS: [&[u8]; 6] = [
    b"input.value",
    b"output.value",
    b"mlflow.spanInputs",
    b"mlflow.spanOutputs",
    b"langfuse.observation.input",
    b"langfuse.observation.output",
];

/// True for a path the span detail reads, or one that leads to one.
fn for_detail(path: &[u8]) -> bool {
    path.starts_with(b"events")
        || DETAIL_KEYS
            .iter()
            .any(|k| k.starts_with(path) && (k.len() == path.len() || k[path.len()] == b'.'))
}

struct DetailSink {
    depth: usize,
    /// Only the attributes the span detail reads ([`for_detail`]) are read.
    detail_only: bool,
    /// Strings are read up to this many bytes (as written); `usize::MAX`: whole.
    cap: usize,
    out: SpanDetail,
    /// Attribute paths met, to note one given twice.
    seen: crate::hash::Set<String>,
}

impl Sink for DetailSink {
    type Tag = ();
    const EVENTS: bool = true;
    fn open(&mut self, _at: usize) {
        self.depth += 1;
    }
    fn close(&mut self, _range: Range<usize>, _style: Style) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn field(&mut self, f: Field<'_>) {
        if let (1, Field::StatusMessage(s)) = (self.depth, f) {
            let m = s.decode();
            if !m.is_empty() {
                self.out.status_message = Some(m.into_owned());
            }
        }
    }
    fn want(&mut self, path: &[u8]) -> Want<()> {
        if self.depth > 1 || (self.detail_only && !for_detail(path)) {
            Want::Skip
        } else if path.starts_with(b"events.") {
            // An event's attributes as they are (a stack trace is text, not JSON to walk).
            Want::Tree
        } else if parse_inside(path) {
            Want::Parse
        } else {
            Want::Tree
        }
    }
    fn attr(&mut self, path: &[u8], _tag: Option<()>, v: Scalar<'_>) {
        let value = match v {
            Scalar::Str(s) if s.raw.len() > self.cap => {
                self.out.notes.push(format!(
                    "{}: {}, the first {} shown (o opens the whole record)",
                    String::from_utf8_lossy(path),
                    crate::fmt::bytes(s.raw.len() as u64),
                    crate::fmt::bytes(self.cap as u64)
                ));
                AttrValue::Str(s.prefix(self.cap).decode().into_owned())
            }
            Scalar::Str(s) => AttrValue::Str(s.decode().into_owned()),
            Scalar::Num(n) => AttrValue::Num(String::from_utf8_lossy(n).into_owned()),
            Scalar::Bool(b) => AttrValue::Bool(b),
            Scalar::Null => AttrValue::Null,
        };
        let path = String::from_utf8_lossy(path).into_owned();
        if !self.seen.insert(path.clone()) {
            self.out.notes.push(format!(
                "attribute {path} is given more than once: every value is listed"
            ));
        }
        self.out.attrs.push((path, value));
    }
    fn too_deep(&mut self, path: &[u8], depth: usize) {
        self.out.notes.push(format!(
            "{}: nested {depth} levels deep, shown to depth {}",
            String::from_utf8_lossy(path),
            crate::format::MAX_ATTR_DEPTH
        ));
    }
    fn trace_meta(&mut self, _key: &[u8], _v: Scalar<'_>) {}
    fn trace_info(&mut self, _range: Range<usize>) {}
    fn evaluation(&mut self, _e: crate::format::Evaluation) {}
}

impl SpanDetail {
    /// Reads span `span` in full from its bytes in the file.
    pub fn load(model: &Model, span: u32) -> SpanDetail {
        Self::from_bytes(model.index.span_bytes(span))
    }

    /// [`SpanDetail::load`] for the screen: strings past [`SHOWN_BYTES`] read in part, with a
    /// note saying so.
    pub fn load_shown(model: &Model, span: u32) -> SpanDetail {
        Self::read(model.index.span_bytes(span), SHOWN_BYTES, false)
    }

    /// [`SpanDetail::load_shown`], of only what the span detail reads besides the record's
    /// tree: the status message, the events, the input and output (a record with hundreds of
    /// thousands of attributes opens at once).
    pub fn load_for_detail(model: &Model, span: u32) -> SpanDetail {
        Self::read(model.index.span_bytes(span), SHOWN_BYTES, true)
    }

    pub fn from_bytes(bytes: &[u8]) -> SpanDetail {
        Self::read(bytes, usize::MAX, false)
    }

    fn read(bytes: &[u8], cap: usize, detail_only: bool) -> SpanDetail {
        let mut sink = DetailSink {
            depth: 0,
            detail_only,
            cap,
            out: SpanDetail::default(),
            seen: crate::hash::Set::default(),
        };
        let mut c = Cursor::new(bytes);
        if let Err(e) = format::walk(&mut c, &mut sink) {
            sink.out.error = Some(e.to_string());
        }
        sink.out
    }

    /// Why the span failed, as far as it says: its status message and its first exception
    /// event (type, message, stack trace).
    pub fn failure(&self) -> Failure {
        let event = |key: &str| {
            self.attrs.iter().find_map(|(k, v)| {
                let rest = k.strip_prefix("events.")?;
                let (_, name) = rest.split_once('.')?;
                (name == key)
                    .then(|| v.text())
                    .filter(|t| !t.trim().is_empty())
            })
        };
        Failure {
            message: self.status_message.clone(),
            kind: event("exception.type"),
            exception: event("exception.message"),
            stack: event("exception.stacktrace"),
        }
    }

    pub fn get(&self, key: &str) -> Option<&AttrValue> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A non-empty string attribute.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(AttrValue::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// Attributes under `prefix.` (prefix stripped), in order.
    pub fn under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a AttrValue)> + 'a {
        self.attrs.iter().filter_map(move |(k, v)| {
            k.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('.'))
                .map(|r| (r, v))
        })
    }
}

/// What [`SpanDetail::text`] gives for the first of `keys` (some of [`DETAIL_KEYS`]) that has
/// a text, on span `span` read whole or (`shown`) as [`SpanDetail::load_shown`] reads it: the
/// same answer, from a read of only the attributes the span detail shows (the input messages
/// of a long conversation's call, say, are skipped, not read).
pub fn first_text(model: &Model, span: u32, keys: &[&str], shown: bool) -> Option<String> {
    debug_assert!(keys.iter().all(|k| DETAIL_KEYS.contains(&k.as_bytes())));
    let cap = if shown { SHOWN_BYTES } else { usize::MAX };
    let bytes = model.index.span_bytes(span);
    if let Some(found) = first_text_flat(bytes, keys, cap) {
        return found;
    }
    first_text_read(bytes, keys, cap)
}

/// [`first_text`] by a read of the whole record as the span detail reads it.
fn first_text_read(bytes: &[u8], keys: &[&str], cap: usize) -> Option<String> {
    let d = SpanDetail::read(bytes, cap, true);
    keys.iter().find_map(|k| d.text(k)).map(str::to_owned)
}

/// A dataframe record's own keys besides its `attributes.<path>` columns that give the span
/// detail no attribute named as an input or output: what [`first_text_flat`] may step over.
fn flat_key(key: &[u8]) -> bool {
    matches!(
        key,
        b"name"
            | b"span_kind"
            | b"parent_id"
            | b"start_time"
            | b"end_time"
            | b"status_code"
            | b"status_message"
            | b"events"
            | b"context.span_id"
            | b"context.trace_id"
    )
}

/// What a key of a flat dataframe record is to [`first_text_flat`], from its decoded bytes
/// alone ([`FlatKey::of`]), so that it can be remembered by the key as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FlatKey {
    /// One of the record's own keys ([`flat_key`]): its value is stepped over.
    Own,
    /// A key this read does not know: the record is left to the whole read.
    Unknown,
    /// `attributes.<path>`: `detail`, the index of `path` in [`DETAIL_KEYS`] (`u8::MAX` for
    /// none); `leads`, a bit for each of [`DETAIL_KEYS`] that `path` leads to (is a prefix of,
    /// up to a dot).
    Attr { detail: u8, leads: u8 },
}

impl FlatKey {
    fn of(key: &[u8]) -> FlatKey {
        let Some(path) = key.strip_prefix(b"attributes.") else {
            return if flat_key(key) {
                FlatKey::Own
            } else {
                FlatKey::Unknown
            };
        };
        let mut detail = u8::MAX;
        let mut leads = 0u8;
        for (i, k) in (0u8..).zip(DETAIL_KEYS) {
            if k == path {
                detail = i;
            }
            if k.strip_prefix(path)
                .is_some_and(|rest| rest.first() == Some(&b'.'))
            {
                leads |= 1 << i;
            }
        }
        FlatKey::Attr { detail, leads }
    }
}

/// Keys of flat records met on this thread, as written (quotes and colon: see
/// [`Cursor::key_as_written`]), with what each is to [`first_text_flat`]: the same bytes are
/// the same key, so a key met again is recognised by comparing its bytes in place, not read,
/// decoded and matched against the names. Dataframe rows repeat their columns in one order,
/// so the key after the last one recognised is tried first.
#[derive(Default)]
struct KnownKeys {
    keys: Vec<(crate::json::Pattern, FlatKey)>,
}

/// At most this many keys are remembered (a thread's list is then started again).
const KNOWN_KEYS: usize = 64;

impl KnownKeys {
    fn add(&mut self, written: &[u8], what: FlatKey) {
        let Some(p) = crate::json::Pattern::new(written) else {
            return;
        };
        if self.keys.len() >= KNOWN_KEYS {
            self.keys.clear();
        }
        self.keys.push((p, what));
    }
}

thread_local! {
    static KNOWN_KEYS_MET: std::cell::RefCell<KnownKeys> =
        std::cell::RefCell::new(KnownKeys::default());
}

/// [`first_text`] read straight from a flat dataframe record (Phoenix / Arize: the record's
/// keys ([`flat_key`]) and `attributes.<path>` columns), as the sessions' first inputs and last
/// answers are read from every root: only the columns named `keys` are looked at, every other
/// value is stepped over without being read, and the read stops once the answer is known.
/// `Some(answer)`: the answer [`first_text_read`] gives; `None` for a record this read is not
/// sure of (another format, a key it does not know, an input held as a container, a record
/// that does not read), which the caller then reads in full.
fn first_text_flat(bytes: &[u8], keys: &[&str], cap: usize) -> Option<Option<String>> {
    KNOWN_KEYS_MET.with(|known| match known.try_borrow_mut() {
        Ok(mut known) => first_text_flat_with(bytes, keys, cap, &mut known),
        Err(_) => first_text_flat_with(bytes, keys, cap, &mut KnownKeys::default()),
    })
}

/// [`first_text_flat`] with the keys met before (`known`, which learns this record's).
fn first_text_flat_with(
    bytes: &[u8],
    keys: &[&str],
    cap: usize,
    known: &mut KnownKeys,
) -> Option<Option<String>> {
    // Each of `keys` as its index in `DETAIL_KEYS` (a key not among them: the whole read).
    let mut ids = [u8::MAX; 2];
    for (id, k) in ids.iter_mut().zip(keys) {
        *id = u8::try_from(DETAIL_KEYS.iter().position(|d| *d == k.as_bytes())?).ok()?;
    }
    let ids = ids.get(..keys.len())?;
    let wanted = ids
        .iter()
        .fold(0u8, |m, &i| m | 1u8.checked_shl(u32::from(i)).unwrap_or(0));
    // Per key, its first value: not met yet (`None`), met with no text (`Some(None)`).
    let mut met: [Option<Option<String>>; 2] = [None, None];
    let met = met.get_mut(..keys.len())?;
    let mut c = Cursor::new(bytes);
    if c.peek_kind().ok()? != ValueKind::Object {
        return None;
    }
    c.object_start().ok()?;
    if met.is_empty() {
        return Some(None);
    }
    let mut first = true;
    let mut next = 0;
    loop {
        if !c.key_start(&mut first).ok()? {
            // The record's end: a key never met has no text.
            return Some(met.iter_mut().find_map(|m| m.take().flatten()));
        }
        let what = match c.known_key_among(&known.keys, next, |(p, _)| p) {
            Some(at) => {
                next = at + 1;
                known.keys[at].1
            }
            None => {
                c.read_key().ok()?;
                let what = FlatKey::of(&c.key().bytes());
                if let Some(written) = c.key_as_written() {
                    known.add(written, what);
                    next = known.keys.len();
                }
                what
            }
        };
        let i = match what {
            FlatKey::Unknown => return None,
            FlatKey::Own => None,
            FlatKey::Attr { detail, leads } => {
                let i = ids.iter().position(|&k| k == detail);
                // A container whose keys may make one of `keys` (`attributes.input: {"value"}`).
                if i.is_none()
                    && leads & wanted != 0
                    && matches!(c.peek_kind().ok()?, ValueKind::Object | ValueKind::Array)
                {
                    return None;
                }
                i
            }
        };
        let Some(i) = i else {
            // Most values stepped over are strings: read here, as `skip_value` reads them.
            if c.peek_byte() == Some(b'"') {
                c.string().ok()?;
            } else if let Some(end) = plain_objects_end(c.buf(), c.pos()) {
                c.set_pos(end);
            } else {
                c.skip_value().ok()?;
            }
            continue;
        };
        // A null is no value: the walker skips it unread.
        if c.skip_null() {
            continue;
        }
        let text = match c.peek_kind().ok()? {
            ValueKind::String => flat_text(c.string().ok()?, cap),
            ValueKind::Number => match c.scalar().ok()? {
                Scalar::Num(n) => Some(String::from_utf8_lossy(n).into_owned()),
                _ => return None,
            },
            ValueKind::Bool => {
                c.scalar().ok()?;
                None
            }
            _ => return None,
        };
        if let Some(m) = met.get_mut(i)
            && m.is_none()
        {
            *m = Some(text);
            // The first key with a text answers, once every key before it has had its first
            // value (only a value met changes that).
            for m in met.iter_mut() {
                match m {
                    None => break,
                    Some(None) => {}
                    Some(Some(t)) => return Some(Some(std::mem::take(t))),
                }
            }
            if met.iter().all(Option::is_some) {
                return Some(None);
            }
        }
    }
}

/// Where a list of flat objects of strings at `at` ends, when it is written as the message
/// lists of flat records are (`[{"message.role":"user","message.content":"…"},…]`): no space
/// anywhere, no escape or newline in any string. Such a list is valid JSON, so
/// [`Cursor::skip_value`] would end it at the same place; `None` for anything else (then it
/// does). Each string's end is found 16 bytes at a time as the cursor finds it.
fn plain_objects_end(buf: &[u8], at: usize) -> Option<usize> {
    // The string whose opening quote is at `p`, and the byte after it.
    let string = |p: usize| -> Option<(usize, u8)> {
        if buf.get(p) != Some(&b'"') {
            return None;
        }
        let (end, _) = format::prints::plain_string_end(buf, p + 1)?;
        Some((end + 2, *buf.get(end + 1)?))
    };
    let mut p = at;
    if buf.get(p) != Some(&b'[') {
        return None;
    }
    p += 1;
    if buf.get(p) == Some(&b']') {
        return Some(p + 1);
    }
    loop {
        if buf.get(p) != Some(&b'{') {
            return None;
        }
        p += 1;
        loop {
            let (after_key, colon) = string(p)?;
            if colon != b':' {
                return None;
            }
            let (after, next) = string(after_key)?;
            p = after;
            match next {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
        // After the object's `}`.
        match buf.get(p)? {
            b',' => p += 1,
            b']' => return Some(p + 1),
            _ => return None,
        }
    }
}

/// What the span detail shows of a string attribute, as [`SpanDetail::text`] gives it: a
/// JSON-encoded string unwrapped (as the walker does), read up to `cap` bytes, `None` if blank.
fn flat_text(s: RawStr<'_>, cap: usize) -> Option<String> {
    let shown = |s: RawStr<'_>| {
        let t = if s.raw.len() > cap {
            s.prefix(cap).decode().into_owned()
        } else {
            s.decode().into_owned()
        };
        (!t.trim().is_empty()).then_some(t)
    };
    if format::looks_nested(s.raw) && s.raw.trim_ascii_start().starts_with(b"\\\"") {
        let text = s.decode();
        if let Some(v) = format::quoted(text.trim()) {
            return shown(v);
        }
    }
    shown(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_attribute_shape() {
        let d = SpanDetail::from_bytes(
            br#"{"name":"x","status_code":"ERROR","status_message":"boom","context.span_id":"0000000000000001","attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"}],"attributes.metadata":"{\"user_id\": \"u\"}","attributes.gen_ai":{"usage":{"input_tokens":3}},"attributes.input.value":"{\"q\": 1}","attributes.tag.tags":["a","b"]}"#,
        );
        assert_eq!(d.status_message.as_deref(), Some("boom"));
        assert_eq!(d.text("llm.input_messages.0.message.role"), Some("user"));
        assert_eq!(d.text("metadata.user_id"), Some("u"));
        assert_eq!(
            d.get("gen_ai.usage.input_tokens"),
            Some(&AttrValue::Num("3".into()))
        );
        assert_eq!(d.text("input.value"), Some("{\"q\": 1}"));
        assert_eq!(d.text("tag.tags.1"), Some("b"));
    }

    #[test]
    fn first_text_answers_as_the_detail_does() {
        let files = crate::testing::fixture_exports(&[
            "claude_code",
            "agents",
            "phoenix",
            "otlp",
            "mlflow",
            "multi",
            "hostile",
            "malformed",
        ]);
        // Every shape of the keys, given twice, blank, as numbers, inside other values.
        let made = [
            r#"{"context.span_id":"01","context.trace_id":"0000000000000000000000000000000a","attributes.input.value":"  ","attributes.input":{"value":"nested"},"attributes.mlflow.spanInputs":"m"}"#,
            r#"{"context.span_id":"02","context.trace_id":"0000000000000000000000000000000a","attributes":{"input":{"value":7},"output":{"value":null,"x":{"value":"no"}},"output.value":"late"}}"#,
            r#"{"context.span_id":"03","context.trace_id":"0000000000000000000000000000000a","attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"}],"attributes.output.value":"\"quoted\"","attributes.mlflow.spanOutputs":true}"#,
            r#"{"spanId":"0000000000000004","traceId":"0000000000000000000000000000000a","attributes":[{"key":"input.value","value":{"stringValue":"q"}},{"key":"input.value","value":{"stringValue":"again"}}]}"#,
            r#"{"context.span_id":"05","context.trace_id":"0000000000000000000000000000000a","attributes.metadata":"{\"input\": {\"value\": \"meta\"}}","attributes.input.value":{"deeper":1}}"#,
        ]
        .join("\n");
        // And one past what a screen reads.
        let made = format!(
            "{made}\n{{\"context.span_id\":\"06\",\"context.trace_id\":\"0000000000000000000000000000000a\",\"attributes.output.value\":\"{}\"}}",
            "é".repeat(SHOWN_BYTES / 2 + 3)
        );
        let mut texts: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
        texts.push(made.into_bytes());
        let mut compared = 0;
        for text in texts {
            let Some(model) = crate::testing::model_of(text) else {
                continue;
            };
            for span in 0..u32::try_from(model.index.spans.len()).unwrap() {
                for keys in [
                    ["input.value", "mlflow.spanInputs"],
                    ["output.value", "mlflow.spanOutputs"],
                ] {
                    for shown in [false, true] {
                        let d = if shown {
                            SpanDetail::load_shown(&model, span)
                        } else {
                            SpanDetail::load(&model, span)
                        };
                        let want = keys.iter().find_map(|k| d.text(k)).map(str::to_owned);
                        assert_eq!(first_text(&model, span, &keys, shown), want, "{span}");
                        compared += usize::from(want.is_some());
                    }
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }

    /// The targeted read of a dataframe record gives what the whole read gives, or leaves it
    /// to the whole read, on records made of every shape the keys can take, shuffled, given
    /// twice, and spoiled (bytes changed, cut short); and takes most of them itself.
    #[test]
    fn flat_read_answers_as_the_whole_read() {
        let tops = [
            r#""name":"agent_turn""#,
            r#""span_kind":"CHAIN""#,
            r#""parent_id":null"#,
            r#""start_time":"2026-11-18T11:07:09.884153+00:00""#,
            r#""end_time":1700000000000"#,
            r#""status_code":"ERROR""#,
            r#""status_message":"boom \"x\"""#,
            r#""events":[{"name":"exception","attributes":{"exception.type":"E","exception.stacktrace":"a\nb"}}]"#,
            r#""events":[]"#,
            r#""context.span_id":"000000000000007a""#,
            r#""context.trace_id":"99e8bed1f618b3ed450b6e597631d9ca""#,
            r#""attributes.openinference.span.kind":"CHAIN""#,
            r#""attributes.llm.input_messages":[{"message.role":"user","message.content":"hi"}]"#,
            r#""attributes.metadata":"{\"input\": {\"value\": \"meta\"}}""#,
            r#""attributes.session.id":"s-1""#,
            r#""attributes":{"input":{"value":"nested"}}"#,
            r#""context":{"span_id":"01"}"#,
            r#""attributes.input":{"value":"nested"}"#,
            r#""attributes.input":"plain""#,
            r#""attributes.output":[1,2]"#,
            r#""attributes.mlflow":{"spanInputs":"m"}"#,
            // Keys the remembered ones are a prefix of, or that are a prefix of them; spaced
            // before the colon; escaped; too long to remember.
            r#""attributes.input.value2":"not it""#,
            r#""attributes.output.valu":"not it""#,
            r#""name" :"spaced""#,
            r#""attributes.output.value" :"spaced key""#,
            r#""attributes.input.value"  :  "spaced both""#,
            r#""na\u006de":"escaped""#,
            r#""attributes.output.valu\u0065":"escaped answer""#,
            r#""attributes.a_column_name_long_enough_not_to_be_remembered_by_its_bytes":1"#,
            r#""attributes.output.value_but_a_column_name_long_enough_not_to_be_remembered":"x""#,
        ];
        let values = [
            r#""question""#,
            r#""  ""#,
            r#""""#,
            r#""\"quoted\"""#,
            r#"" \"half"#,
            r#""{\"messages\": [{\"role\": \"user\", \"content\": \"hi\\nthere\"}]}""#,
            r#""caf\u00e9 \ud83d\ude00""#,
            r#""\u0020\t""#,
            "7",
            "-1.5e3",
            "NaN",
            "true",
            "null",
            r#"{"deeper":1}"#,
            "[1]",
            "[]",
        ];
        let keys_of = [
            ["input.value", "mlflow.spanInputs"],
            ["output.value", "mlflow.spanOutputs"],
        ];
        let names = [
            "input.value",
            "mlflow.spanInputs",
            "output.value",
            "mlflow.spanOutputs",
            r"input\u002evalue",
        ];
        let mut rng = crate::testing::XorShift(0x9e37_79b9_7f4a_7c15);
        let (mut flat, mut answered) = (0, 0);
        for round in 0..20_000 {
            let mut parts: Vec<String> = Vec::new();
            for _ in 0..rng.below(12) {
                if rng.below(3) == 0 {
                    let name = names[rng.below(names.len() as u64) as usize];
                    let value = values[rng.below(values.len() as u64) as usize];
                    parts.push(format!(r#""attributes.{name}":{value}"#));
                } else if rng.below(8) == 0 {
                    // Many other columns: the remembered keys are started again.
                    parts.push(format!(r#""attributes.col{}":"v""#, rng.below(100)));
                } else {
                    parts.push(tops[rng.below(tops.len() as u64) as usize].to_owned());
                }
            }
            let mut rec = format!("{{{}}}", parts.join(",")).into_bytes();
            rng.spoil(&mut rec, b"{}[],:\" \\nu0x", 4);
            for keys in keys_of {
                let cap = if round % 2 == 0 { usize::MAX } else { 4 };
                let want = first_text_read(&rec, &keys, cap);
                // With the keys met on this thread so far, and with none.
                let alone = first_text_flat_with(&rec, &keys, cap, &mut KnownKeys::default());
                let got = first_text_flat(&rec, &keys, cap);
                assert_eq!(got, alone, "{}", String::from_utf8_lossy(&rec));
                if let Some(got) = got {
                    assert_eq!(got, want, "{}", String::from_utf8_lossy(&rec));
                    flat += 1;
                    answered += usize::from(got.is_some());
                }
            }
        }
        assert!(flat > 10_000 && answered > 4_000, "{flat} {answered}");
    }

    /// Lists of flat objects of strings, written without spaces or spoiled (a byte put in,
    /// changed or cut, spaces, escapes, newlines, numbers, nesting, bytes of 0x80 and above):
    /// where the plain pass ends one, `skip_value` ends it there too.
    #[test]
    fn plain_object_lists_end_where_skip_value_ends_them() {
        let mut rng = crate::testing::XorShift(0x5c1b_0b1e);
        let strings = [
            "message.role",
            "message.content",
            "user",
            "",
            "fix the test",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "caf\u{e9}",
            "a\\\"b",
            "x\u{1}y",
        ];
        let mut taken = 0;
        for _ in 0..30_000 {
            let objects: Vec<String> = (0..rng.below(4))
                .map(|_| {
                    let fields: Vec<String> = (0..1 + rng.below(3))
                        .map(|_| {
                            let k = strings[rng.below(strings.len() as u64) as usize];
                            let v = strings[rng.below(strings.len() as u64) as usize];
                            format!("\"{k}\":\"{v}\"")
                        })
                        .collect();
                    format!("{{{}}}", fields.join(","))
                })
                .collect();
            let mut v = format!("[{}]", objects.join(",")).into_bytes();
            if rng.below(3) == 0 {
                rng.spoil(&mut v, b"{}[],:\" \\\n1x\xc3", 8);
            }
            v.extend_from_slice(b",\"next\":1}");
            let mut c = Cursor::new(&v);
            let want = c.skip_value().ok().map(|()| c.pos());
            if let Some(end) = plain_objects_end(&v, 0) {
                assert_eq!(Some(end), want, "{}", String::from_utf8_lossy(&v));
                taken += 1;
            }
        }
        assert!(taken > 10_000, "{taken}");
    }

    #[test]
    fn the_detail_reads_only_what_it_shows() {
        let rec = br#"{"status_message":"boom","attributes.input":{"value":"q","mime_type":"t"},"attributes.output.value":"a","attributes.x":{"y":[1,2]},"events":[{"name":"exception","attributes":{"exception.message":"bad"}}]}"#;
        let d = SpanDetail::read(rec, usize::MAX, true);
        assert_eq!(d.text("input.value"), Some("q"));
        assert_eq!(d.text("output.value"), Some("a"));
        assert_eq!(d.failure().exception.as_deref(), Some("bad"));
        assert!(d.get("input.mime_type").is_none() && d.get("x.y.0").is_none());
        let all = SpanDetail::read(rec, usize::MAX, false);
        assert!(all.get("x.y.0").is_some());
    }

    #[test]
    fn otlp_and_mlflow_values() {
        let d = SpanDetail::from_bytes(
            br#"{"spanId":"0000000000000001","attributes":[{"key":"input.value","value":{"stringValue":"q"}},{"key":"n","value":{"intValue":"7"}},{"key":"mlflow.spanType","value":{"stringValue":"\"AGENT\""}}]}"#,
        );
        assert_eq!(d.text("input.value"), Some("q"));
        assert_eq!(d.text("n"), Some("7"));
        assert_eq!(d.text("mlflow.spanType"), Some("AGENT"));
    }
}
