//! Reading span records in every supported export format, without building JSON values.
//!
//! The formats share one walker: their span fields do not collide (`context.span_id` in
//! Phoenix dataframes, `context.span_id` nested in Phoenix REST / console spans, `spanId` in
//! OTLP, `span_id` in MLflow 3), so one object walker with a table of field spellings reads them
//! all, and the envelopes (`resourceSpans`, `data`, `traces`, `spans`) just recurse. Format
//! specifics live beside it: [`otlp`] for typed key/value lists, [`mlflow`] for trace info and
//! assessments, [`keys`] for which attribute carries what. The walker reports to a [`Sink`]:
//! the index keeps a few fields per span, the detail view keeps every attribute.

pub mod agents_sdk;
pub mod claude_code;
pub mod eval;
pub mod history;
mod jaeger;
pub mod keys;
mod langfuse;
mod langsmith;
mod mlflow;
mod otlp;
pub mod prints;

use crate::hash::Map;
use crate::json::{Cursor, JsonError, KnownKey, Pattern, RawStr, Scalar, ValueKind, pylit};
use crate::kind::{Kind, Status};
use std::ops::Range;

pub use eval::Evaluation;

/// How a span spelled its fields; tells which exporter wrote it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Style {
    #[default]
    Unknown = 0,
    /// Flat dataframe record: `context.span_id`, `attributes.*` columns (Phoenix, Arize).
    Flat,
    /// Span object with a `context` object (Phoenix REST / legacy, OTel console, MLflow 2).
    SpanObject,
    /// OTLP/JSON span: `spanId`, typed attribute list.
    Otlp,
    /// snake_case span: `span_id` (MLflow 3, Phoenix `/spans/otlpv1`).
    Snake,
    /// A span inside an MLflow trace document (set by the document, not the span).
    Mlflow,
    /// Not a span: an annotation record naming the span, trace or session it judges.
    Annotation,
    /// Jaeger query / UI JSON: `spanID`, `references`, typed `tags`, times in microseconds.
    Jaeger,
    /// LangSmith runs: `id`, `run_type`, `parent_run_id`, `extra.metadata`.
    LangSmith,
    /// Langfuse traces and observations: `type`, `parentObservationId`, `sessionId`.
    Langfuse,
    /// OpenAI Agents SDK `Span.export()`: `"object": "trace.span"`, `span_data`, `started_at`.
    AgentsSdk,
    /// Claude Code transcript lines: `uuid`, `parentUuid`, `sessionId`, `message`.
    ClaudeCode,
}

impl Style {
    pub fn from_u8(v: u8) -> Style {
        match v {
            1 => Style::Flat,
            2 => Style::SpanObject,
            3 => Style::Otlp,
            4 => Style::Snake,
            5 => Style::Mlflow,
            6 => Style::Annotation,
            7 => Style::Jaeger,
            8 => Style::LangSmith,
            9 => Style::Langfuse,
            10 => Style::AgentsSdk,
            11 => Style::ClaudeCode,
            _ => Style::Unknown,
        }
    }

    /// The format's name as shown in reports.
    pub fn label(self) -> &'static str {
        match self {
            Style::Unknown => "unknown",
            Style::Flat => "phoenix/arize dataframe",
            Style::SpanObject => "span objects (phoenix rest / otel console)",
            Style::Otlp => "otlp/json",
            Style::Snake => "phoenix otlpv1",
            Style::Mlflow => "mlflow",
            Style::Annotation => "annotations",
            Style::Jaeger => "jaeger",
            Style::LangSmith => "langsmith runs",
            Style::Langfuse => "langfuse",
            Style::AgentsSdk => "openai agents sdk",
            Style::ClaudeCode => "claude code transcript",
        }
    }
}

/// A span field found by the walker, already parsed where the format decides the meaning.
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    SpanId(RawStr<'a>),
    TraceId(RawStr<'a>),
    /// `None` for an explicit null / empty parent (a root).
    ParentId(Option<RawStr<'a>>),
    Name(RawStr<'a>),
    /// A kind with its rank (lower wins) as given by a top-level field.
    Kind(Kind, u8),
    Start(i64),
    End(i64),
    /// A start (`end: false`) or end time that is no time sesstui can represent: the value as
    /// written in the file.
    BadTime {
        end: bool,
        raw: &'a [u8],
    },
    Status(Status),
    StatusMessage(RawStr<'a>),
    /// A top-level kind field as written (`"LLM"`, `"SpanKind.CLIENT"`, `3`), with its rank,
    /// for sinks that ask ([`Sink::KIND_AS_WRITTEN`]).
    KindAsWritten(&'a [u8], u8),
}

/// How much of an attribute the sink wants; `T` is the sink's own note on what the value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want<T> {
    Skip,
    /// Scalars only, handed back with the note; containers are skipped.
    Value(T),
    /// Scalars, and descend into objects and arrays.
    Tree,
    /// As `Tree`, and also descend into strings that hold JSON or Python literals.
    Parse,
    /// A message history (or a path inside one): handed whole to [`Sink::messages`].
    Messages,
}

/// Receives what the walker finds.
pub trait Sink {
    /// True when [`Sink::want`] answers from the path alone, so the walker may remember its
    /// answers for a record's columns (see [`Scratch`]); false when the answer depends on where
    /// the walker is.
    const WANT_BY_PATH: bool = false;
    /// True when the sink wants a span's events (exceptions and their stack traces): their
    /// attributes come to [`Sink::attr`] as `events.<n>.<key>`, with `events.<n>.name`. The
    /// index does not read them.
    const EVENTS: bool = false;
    /// True when the sink wants the top-level kind fields as written
    /// ([`Field::KindAsWritten`]), besides their meaning. The index does not.
    const KIND_AS_WRITTEN: bool = false;
    /// True when the sink takes ids written as hex digits with their value already read
    /// ([`Sink::hex_id`]). The index does.
    const HEX_IDS: bool = false;
    /// False when [`Sink::attr`] does not read the path of a value it gets with its tag
    /// ([`Want::Value`]): the walker then does not spell out the path of a record's column it
    /// remembers for such a value (the index's sink, which keeps only the tag's meaning).
    const VALUE_PATHS: bool = true;
    /// An object began at byte `at` (it may turn out to be a span, a trace document or neither).
    fn open(&mut self, at: usize);
    /// The object opened last ended; `style` says how its span fields were spelled.
    fn close(&mut self, range: Range<usize>, style: Style);
    fn field(&mut self, f: Field<'_>);
    /// For a sink that sets [`Sink::HEX_IDS`], in place of [`Sink::field`]: a span or parent
    /// id written as exactly 16 hex digits, or a trace id as exactly 32 (`f`, as `field` would
    /// get it), with the number its digits spell (the first digit the most significant).
    fn hex_id(&mut self, f: Field<'_>, value: u128) {
        let _ = value;
        self.field(f);
    }
    /// What the sink learns from classifying a path, passed back with the value.
    type Tag: Copy;
    fn want(&mut self, path: &[u8]) -> Want<Self::Tag>;
    /// An attribute value; `tag` is `Some` when `want` answered `Value`.
    fn attr(&mut self, path: &[u8], tag: Option<Self::Tag>, v: Scalar<'_>);
    /// Trace-level metadata of an MLflow trace document (`mlflow.trace.session`, `trace_id`).
    fn trace_meta(&mut self, key: &[u8], v: Scalar<'_>);
    /// The byte range of an MLflow trace's `info` object.
    fn trace_info(&mut self, range: Range<usize>);
    fn evaluation(&mut self, e: Evaluation);
    /// The value at `path`, which `want` answered [`Want::Messages`], the cursor at it: read it
    /// and leave the cursor after it.
    fn messages(&mut self, _path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
        c.skip_value()
    }
    /// The value at `path` nests `depth` levels deep, deeper than [`MAX_ATTR_DEPTH`]: it was
    /// checked but not read below that depth. An empty `path`: the record's own envelopes nest
    /// deeper than [`MAX_WALK_DEPTH`], and what they hold was not read.
    fn too_deep(&mut self, _path: &[u8], _depth: usize) {}
    /// The record is one of a format's own lines that hold no span (a Claude Code `summary`,
    /// `queue-operation`, `file-history-snapshot`): read, nothing to report.
    fn known_line(&mut self) {}
    /// The record was read, but part of it is not understood: `why`, for the report.
    fn not_understood(&mut self, _why: String) {}
}

/// Objects nested deeper than this are validated but not read (keeps recursion bounded).
pub const MAX_WALK_DEPTH: usize = 48;

/// Attribute values (and JSON held in their strings) are read this many levels deep; below,
/// they are checked without recursion and reported through [`Sink::too_deep`].
pub const MAX_ATTR_DEPTH: usize = 64;

/// Walks one top-level JSON value (a line of JSONL or a whole document).
pub fn walk<S: Sink>(c: &mut Cursor<'_>, sink: &mut S) -> Result<(), JsonError> {
    walk_with(c, sink, &mut Scratch::default())
}

/// [`walk`], with state the caller keeps between records: the attribute-path buffer (no
/// allocation per record) and the record keys met so far.
pub fn walk_with<S: Sink>(
    c: &mut Cursor<'_>,
    sink: &mut S,
    scratch: &mut Scratch<S::Tag>,
) -> Result<(), JsonError> {
    let Scratch { path, mem } = scratch;
    path.clear();
    let mut w = Walker {
        sink,
        depth: 0,
        path: std::mem::take(path),
        mem,
        forked: false,
        langfuse: langfuse::Doc::default(),
    };
    let r = w.value(c, 0);
    *path = w.path;
    r
}

/// What the walker keeps between records.
pub struct Scratch<T> {
    path: Vec<u8>,
    /// Borrowed by the walker, not moved into it: it is made for each record.
    mem: Memory<T>,
}

/// What the walker remembers of the records read so far.
struct Memory<T> {
    /// The keys of the last top-level record, by position (see [`Known`]).
    known: Vec<Known<T>>,
    /// Other keys met at the same positions (see [`OTHER_KEYS`]).
    others: Vec<Vec<Known<T>>>,
    /// Other records' keys, whole (see [`TEMPLATES`]).
    templates: Vec<Vec<Known<T>>>,
    /// The sink's answers for nested attribute paths (see [`Walker::want`]).
    wants: Map<Box<[u8]>, Want<T>>,
    /// The keys met inside record columns' objects (see [`Nest`]).
    nest: Nest<T>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Scratch {
            path: Vec::new(),
            mem: Memory::default(),
        }
    }
}

impl<T> Default for Memory<T> {
    fn default() -> Self {
        Memory {
            // Nothing allocated until used.
            known: Vec::new(),
            others: Vec::new(),
            templates: Vec::new(),
            wants: Map::default(),
            nest: Vec::new(),
        }
    }
}

/// At most this many attribute paths have the sink's answer remembered.
const KNOWN_PATHS: usize = 4096;

/// Keys are remembered for the first this many positions of a record (up to
/// [`Pattern::MAX`] bytes long).
const KNOWN_KEYS: usize = 128;

/// Besides the key a position had last, this many others it had before are remembered, with
/// their meanings and nested keys: exports that write a column only when it is set (Phoenix's
/// REST / `px` exports, hand-made dataframes) give each kind of span its own columns, so the
/// keys at a position alternate between a few from row to row.
const OTHER_KEYS: usize = 6;

/// Besides the keys of the last record, the keys of this many other records are remembered
/// whole, as templates: where a record's key differs from the last record's at a position,
/// a template with that key there takes the last record's place (the last record's keys become
/// a template), and the record's columns go on being matched in order from it. Such exports
/// write a few kinds of rows (LLM calls, tools, chains), each kind with its own columns in
/// its own order: a row is then matched whole against the keys of its kind, not position by
/// position against those of whichever row came before it. A record whose keys match no
/// template is read as before ([`Walker::key`]), and its keys then make a template.
const TEMPLATES: usize = 6;

/// The keys met inside the objects of a record's attribute columns, as written, each with the
/// sink's answer for its path: a tree (one list of children per object met), so that a nested
/// key is recognised by comparing its bytes, as a record's own keys are, instead of hashing its
/// whole path for [`Walker::want`]. Node `n`'s children are `nest[n]`.
type Nest<T> = Vec<Vec<Child<T>>>;

/// A key remembered inside an object: as written (`"name":`), the answer for its path, and
/// the node of its own object's keys (`NO_NODE` if it has none).
struct Child<T> {
    raw: Pattern,
    want: Want<T>,
    node: u32,
}

/// The sink's answer for a nested key's path, and the key's own node.
type Answer<T> = (Want<T>, u32);

/// No node: the keys below are not remembered.
const NO_NODE: u32 = u32::MAX;

/// At most this many nodes in all, and children per node (past these, keys are looked up by
/// their whole path with [`Walker::want`]: objects keyed by ids, say, are not worth
/// remembering).
const NEST_NODES: usize = 1024;
const NEST_CHILDREN: usize = 8;

/// A key of a top-level record as written (`"name":`, quotes and colon included) and what it
/// meant, remembered by its position in the record.
///
/// Dataframe exports write every column on every row in the same order, so the key at a
/// position is usually the one seen there in the previous row: comparing its bytes replaces
/// scanning the string, looking it up and asking the sink about it.
struct Known<T> {
    raw: Pattern,
    meaning: Meaning<T>,
    /// The node of the keys inside the column's objects (see [`Nest`]), once it has had one.
    node: u32,
}

impl<T> Known<T> {
    fn new() -> Self {
        Known {
            raw: Pattern::default(),
            meaning: Meaning::Unread,
            node: NO_NODE,
        }
    }
}

impl<T: Copy> Clone for Known<T> {
    fn clone(&self) -> Self {
        Known {
            raw: self.raw.clone(),
            meaning: self.meaning,
            node: self.node,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.raw.clone_from(&source.raw);
        self.meaning = source.meaning;
        self.node = source.node;
    }
}

/// What a record key means to the walker.
#[derive(Clone, Copy)]
enum Meaning<T> {
    /// Not looked up yet: the key has only had null values (nulls are skipped unread).
    Unread,
    /// A record field of one of the formats.
    Top(Top),
    /// An `attributes.<path>` column, with the sink's answer for the path.
    Attr(Want<T>),
    /// A key the walker does not read.
    Other,
}

/// The attribute path of a flat `attributes.<path>` column key.
const ATTR_PREFIX: &[u8] = b"attributes.";

struct Walker<'s, S: Sink> {
    sink: &'s mut S,
    /// Containers open inside the attribute being read (JSON in strings included).
    depth: usize,
    path: Vec<u8>,
    mem: &'s mut Memory<S::Tag>,
    /// The record being read has changed a key of the last record's (whose keys were then
    /// kept as a template, see [`TEMPLATES`]).
    forked: bool,
    /// Inside a Langfuse trace document: the trace its observations hang under.
    langfuse: langfuse::Doc,
}

/// What a record's own key means, whichever exporter spelled it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Top {
    FlatSpanId,
    Context,
    OtlpSpanId,
    SnakeSpanId,
    TraceId,
    Parent,
    Name,
    Kind(u8),
    Start,
    End,
    Status,
    StatusMessage,
    Attributes,
    /// An envelope holding more records.
    Nested,
    Info,
    Annotations,
    /// A span's events (exceptions), read by sinks that want them.
    Events,
    /// A key only annotation records have.
    AnnotationField,
    /// Jaeger's `spanID`.
    JaegerSpanId,
    /// Jaeger's `traceID`: where it is written is remembered, for `references`.
    JaegerTraceId,
    /// Jaeger's `references` (the parent).
    References,
    /// Jaeger's `duration` (microseconds).
    Duration,
    /// Jaeger's typed `tags` (the attributes; status and its message among them).
    Tags,
    /// Jaeger's `logs` (the events), read by sinks that want events.
    Logs,
    /// `result`: the Jaeger API v3 envelope around OTLP, or an annotation's result.
    Result,
    /// LangSmith's `run_type` (the kind; it makes the record a run).
    RunType,
    /// `id`: a LangSmith run's span id (where it is written is remembered; other records'
    /// `id`s are not span ids).
    Id,
    /// A LangSmith run's `error`.
    Error,
    /// A record field read as an attribute under its own name (LangSmith's `extra`, `inputs`,
    /// `outputs`, token counts and cost).
    AsAttribute,
    /// A Langfuse trace's, observation's or score's field.
    Langfuse(langfuse::Key),
    /// The OpenAI Agents SDK's `object` (`trace.span` or `trace`).
    Object,
    /// An Agents SDK span's `span_data` (its kind, name and what it did).
    SpanData,
    /// An Agents SDK trace's `group_id` (the conversation).
    GroupId,
    /// A Claude Code transcript line's field.
    ClaudeCode(claude_code::Key),
}

static TOP_KEYS: std::sync::LazyLock<crate::hash::Map<&'static [u8], Top>> =
    std::sync::LazyLock::new(|| {
        let table: &[(&str, Top)] = &[
            ("context.span_id", Top::FlatSpanId),
            ("context.trace_id", Top::TraceId),
            ("context", Top::Context),
            ("spanId", Top::OtlpSpanId),
            ("span_id", Top::SnakeSpanId),
            ("traceId", Top::TraceId),
            ("trace_id", Top::TraceId),
            ("parent_id", Top::Parent),
            ("parentSpanId", Top::Parent),
            ("parent_span_id", Top::Parent),
            ("parentId", Top::Parent),
            ("name", Top::Name),
            ("span_kind", Top::Kind(1)),
            ("kind", Top::Kind(2)),
            ("start_time", Top::Start),
            ("startTimeUnixNano", Top::Start),
            ("start_time_unix_nano", Top::Start),
            ("startTime", Top::Start),
            ("end_time", Top::End),
            ("endTimeUnixNano", Top::End),
            ("end_time_unix_nano", Top::End),
            ("endTime", Top::End),
            ("status_code", Top::Status),
            ("status", Top::Status),
            ("status_message", Top::StatusMessage),
            ("statusMessage", Top::StatusMessage),
            ("attributes", Top::Attributes),
            ("resourceSpans", Top::Nested),
            ("scopeSpans", Top::Nested),
            ("spans", Top::Nested),
            ("traces", Top::Nested),
            ("data", Top::Nested),
            ("info", Top::Info),
            ("events", Top::Events),
            ("annotations", Top::Annotations),
            ("evaluations", Top::Annotations),
            ("annotation_name", Top::AnnotationField),
            ("annotator_kind", Top::AnnotationField),
            ("result", Top::Result),
            ("result.label", Top::AnnotationField),
            ("result.score", Top::AnnotationField),
            // Jaeger query / UI JSON (v1 API, "Download JSON").
            ("spanID", Top::JaegerSpanId),
            ("traceID", Top::JaegerTraceId),
            ("parentSpanID", Top::Parent),
            ("operationName", Top::Name),
            ("references", Top::References),
            ("duration", Top::Duration),
            ("tags", Top::Tags),
            ("logs", Top::Logs),
            // Grafana Tempo (`batches`) and the OTLP field names before 0.19.
            ("batches", Top::Nested),
            ("instrumentationLibrarySpans", Top::Nested),
            // LangSmith runs (`langsmith.schemas.Run`).
            ("run_type", Top::RunType),
            ("id", Top::Id),
            ("parent_run_id", Top::Parent),
            ("error", Top::Error),
            ("extra", Top::AsAttribute),
            ("inputs", Top::AsAttribute),
            ("outputs", Top::AsAttribute),
            ("prompt_tokens", Top::AsAttribute),
            ("completion_tokens", Top::AsAttribute),
            ("total_tokens", Top::AsAttribute),
            ("total_cost", Top::AsAttribute),
            ("child_runs", Top::Nested),
            // Langfuse traces, observations and scores (API, UI download, blob export).
            ("type", Top::Langfuse(langfuse::Key::Type)),
            ("parentObservationId", Top::Langfuse(langfuse::Key::Parent)),
            (
                "parent_observation_id",
                Top::Langfuse(langfuse::Key::Parent),
            ),
            ("level", Top::Langfuse(langfuse::Key::Level)),
            ("timestamp", Top::Start),
            ("sessionId", Top::Langfuse(langfuse::Key::SessionId)),
            ("userId", Top::Langfuse(langfuse::Key::UserId)),
            ("session_id", Top::Langfuse(langfuse::Key::RowSession)),
            ("user_id", Top::Langfuse(langfuse::Key::RowUser)),
            ("htmlPath", Top::Langfuse(langfuse::Key::TraceMark)),
            ("public", Top::Langfuse(langfuse::Key::TraceMark)),
            ("input", Top::Langfuse(langfuse::Key::Io)),
            ("output", Top::Langfuse(langfuse::Key::Io)),
            ("model", Top::Langfuse(langfuse::Key::Renamed)),
            ("provided_model_name", Top::Langfuse(langfuse::Key::Renamed)),
            ("usageDetails", Top::Langfuse(langfuse::Key::Renamed)),
            ("usage_details", Top::Langfuse(langfuse::Key::Renamed)),
            ("costDetails", Top::Langfuse(langfuse::Key::Renamed)),
            ("cost_details", Top::Langfuse(langfuse::Key::Renamed)),
            ("observations", Top::Langfuse(langfuse::Key::Observations)),
            ("trace", Top::Nested),
            ("scores", Top::Langfuse(langfuse::Key::Scores)),
            ("latency", Top::Langfuse(langfuse::Key::Latency)),
            ("dataType", Top::Langfuse(langfuse::Key::ScoreMark)),
            ("data_type", Top::Langfuse(langfuse::Key::ScoreMark)),
            // OpenAI Agents SDK (`Trace.export()` / `Span.export()`).
            ("object", Top::Object),
            ("started_at", Top::Start),
            ("ended_at", Top::End),
            ("span_data", Top::SpanData),
            ("group_id", Top::GroupId),
            // Claude Code transcripts (`sessionId`, `type`, `timestamp` are read above).
            ("uuid", Top::ClaudeCode(claude_code::Key::Uuid)),
            ("parentUuid", Top::ClaudeCode(claude_code::Key::Parent)),
            ("isSidechain", Top::ClaudeCode(claude_code::Key::Mark)),
            ("message", Top::ClaudeCode(claude_code::Key::Message)),
            ("leafUuid", Top::ClaudeCode(claude_code::Key::Leaf)),
        ];
        table.iter().map(|(k, v)| (k.as_bytes(), *v)).collect()
    });

/// The kind of id a key holds.
#[derive(Clone, Copy)]
enum IdField {
    Span,
    Trace,
    Parent,
}

impl<S: Sink> Walker<'_, S> {
    /// A value that may hold spans: an object, or an array of them.
    fn value(&mut self, c: &mut Cursor<'_>, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_WALK_DEPTH {
            return self.too_deep_envelope(c, depth);
        }
        match c.peek_kind()? {
            ValueKind::Object => self.object(c, depth),
            ValueKind::Array => {
                c.array_start()?;
                let mut first = true;
                while c.next_item(&mut first)? {
                    self.value(c, depth + 1)?;
                }
                Ok(())
            }
            _ => c.skip_value(),
        }
    }

    /// Envelopes this deep are no export's: checked, not read, and said so (an empty path: the
    /// record itself). Out of line, so that [`Walker::value`] stays small.
    #[cold]
    #[inline(never)]
    fn too_deep_envelope(&mut self, c: &mut Cursor<'_>, depth: usize) -> Result<(), JsonError> {
        let below = c.skip_value_depth()?;
        self.sink.too_deep(b"", depth + below);
        Ok(())
    }

    #[inline(always)]
    fn object(&mut self, c: &mut Cursor<'_>, depth: usize) -> Result<(), JsonError> {
        c.skip_ws();
        let start = c.pos();
        c.object_start()?;
        self.sink.open(start);
        let mut fields = Fields {
            style: Style::Unknown,
            annotation: false,
            start: None,
            duration: None,
            trace_at: None,
            id_at: None,
            error_at: None,
            agents: None,
            group_at: None,
            langfuse: langfuse::Seen::default(),
            claude_code: claude_code::Seen::default(),
        };
        let remember = depth == 0 && S::WANT_BY_PATH;
        let (mut ordinal, mut first) = if remember {
            self.known_columns(c, depth, &mut fields)?
        } else {
            (0, true)
        };
        while c.key_start(&mut first)? {
            let slot = if remember { ordinal } else { usize::MAX };
            ordinal += 1;
            let meaning = self.key(c, slot)?;
            // A null says nothing (dataframe exports write every column on every row, mostly
            // null): skip it before looking its key up at all.
            if c.skip_null() {
                continue;
            }
            self.column(c, slot, meaning, depth, &mut fields)?;
        }
        if depth == 0 && claude_code::is_line(&fields) {
            fields.style = Style::ClaudeCode;
        }
        match fields.style {
            Style::ClaudeCode => claude_code::end(self, c, &fields)?,
            _ if depth == 0 && claude_code::is_known_other(c, &fields) => self.sink.known_line(),
            Style::Unknown
                if depth == 0
                    && let Some(t) = claude_code::unknown_other(c, &fields) =>
            {
                self.sink.known_line();
                self.sink.not_understood(format!(
                    "a Claude Code line of type {t:?} with no uuid, unknown to sesstui: read, \
                     nothing in it shown"
                ));
            }
            Style::Jaeger => jaeger::end(self.sink, &fields),
            Style::LangSmith => langsmith::end(self, c, &fields)?,
            Style::AgentsSdk => agents_sdk::end(self, c, &fields)?,
            _ if fields.agents == Some(agents_sdk::Object::Trace) => {
                agents_sdk::trace_end(self, c, &fields)?;
            }
            _ if langfuse::pending(&fields) => {
                fields.style = langfuse::end(self, c, start, &fields)?
            }
            _ => {}
        }
        let mut style = fields.style;
        if fields.annotation
            && let Some(e) = eval::annotation(&c.buf()[start..c.pos()])
        {
            self.sink.evaluation(e);
            style = Style::Annotation;
        }
        self.sink.close(start..c.pos(), style);
        if fields.style != Style::ClaudeCode && langfuse::pending(&fields) {
            langfuse::after_close(self, c, &fields)?;
        }
        Ok(())
    }

    /// The columns of a top-level record that sit where the last record had them, as dataframe
    /// exports write every row: each key is compared as written and a null skipped in place,
    /// with no whitespace expected anywhere. Where a key differs from the last record's, a
    /// template (see [`TEMPLATES`]) with that key there takes the last record's place and the
    /// columns go on from it. Stops at the first column it cannot take this way (the general
    /// loop in [`Walker::object`] goes on from there) and returns how many it took and whether
    /// the cursor is at a key (else before the comma or `}` after the last value).
    #[inline(always)]
    fn known_columns(
        &mut self,
        c: &mut Cursor<'_>,
        depth: usize,
        fields: &mut Fields,
    ) -> Result<(usize, bool), JsonError> {
        self.forked = false;
        let mut slot = 0;
        loop {
            let (at, at_key) = self.known_run(c, slot, depth, fields)?;
            if !at_key {
                return Ok((at, false));
            }
            let Some(t) = self.template_at(c, at) else {
                return Ok((at, true));
            };
            // The next turn takes at least the key the template was chosen for.
            std::mem::swap(&mut self.mem.known, &mut self.mem.templates[t]);
            slot = at;
        }
    }

    /// [`Walker::known_columns`] in the last record's keys (`self.mem.known`), from `slot`.
    #[inline(always)]
    fn known_run(
        &mut self,
        c: &mut Cursor<'_>,
        mut slot: usize,
        depth: usize,
        fields: &mut Fields,
    ) -> Result<(usize, bool), JsonError> {
        // Whether the cursor has stepped over a comma to where the next key should be: its
        // opening quote is then checked only when no remembered key is there (each begins
        // with its quote).
        let mut after_comma = false;
        loop {
            let Some(known) = self.mem.known.get(slot) else {
                return Ok(at_key_or_back(c, slot, after_comma));
            };
            match c.known_key_or_null(&known.raw) {
                KnownKey::Absent => return Ok(at_key_or_back(c, slot, after_comma)),
                // A null and the comma after it (most columns of exports that write every
                // column on every row): on to the next key at once.
                KnownKey::NullComma => {
                    slot += 1;
                    after_comma = true;
                    continue;
                }
                KnownKey::Null => slot += 1,
                KnownKey::Value => {
                    // Read after the key matched (not kept through it, for nulls' sake).
                    let meaning = known.meaning;
                    slot += 1;
                    self.column(c, slot - 1, meaning, depth, fields)?;
                }
            }
            // On to the next key only after a comma: anything else (the end, whitespace) is
            // the general loop's to read or reject.
            if !c.eat(b',') {
                return Ok((slot, false));
            }
            after_comma = true;
        }
    }

    /// The value of a record's column, its key read (`meaning` as [`Walker::key`] gave it).
    #[inline(always)]
    fn column(
        &mut self,
        c: &mut Cursor<'_>,
        slot: usize,
        meaning: Meaning<S::Tag>,
        depth: usize,
        fields: &mut Fields,
    ) -> Result<(), JsonError> {
        let looked_up = matches!(meaning, Meaning::Unread);
        let meaning = match meaning {
            Meaning::Unread => self.look_up(c, slot),
            m => m,
        };
        match meaning {
            Meaning::Unread | Meaning::Other => skip_column(c),
            // Before the path is set: a skipped column needs none.
            Meaning::Attr(Want::Skip) => skip_column(c),
            Meaning::Attr(want) => {
                if !looked_up && (S::VALUE_PATHS || !matches!(want, Want::Value(_))) {
                    // A remembered column: its path, from the key as written (none for a
                    // value whose path the sink does not read).
                    let raw = c.key().raw;
                    self.path.clear();
                    self.path
                        .extend_from_slice(raw.get(ATTR_PREFIX.len()..).unwrap_or_default());
                }
                // A scalar the sink keeps (a model name, a token count, a kind), read here
                // rather than through a call: what `attr_value_as` does with it.
                if let Want::Value(tag) = want {
                    match c.peek_byte() {
                        Some(b'"') => {
                            let s = c.string()?;
                            self.attr_string(s, want, NO_NODE);
                            return Ok(());
                        }
                        Some(b'{' | b'[') | None => {}
                        Some(_) => {
                            let v = c.scalar()?;
                            self.sink.attr(&self.path, Some(tag), v);
                            return Ok(());
                        }
                    }
                }
                let node = self.column_node(slot, want);
                self.attr_value_as(c, want, node)
            }
            Meaning::Top(top) => self.top_field(c, top, depth, fields),
        }
    }

    /// Reads the key the cursor is at (after [`Cursor::key_start`]). For a top-level record,
    /// `slot` is the key's position (`usize::MAX` otherwise): a key known there comes back with
    /// its meaning (the caller sets `self.path` only if the value is not null: most are); any
    /// other key comes back `Unread`, and is remembered there.
    #[inline(always)]
    fn key(&mut self, c: &mut Cursor<'_>, slot: usize) -> Result<Meaning<S::Tag>, JsonError> {
        let Some(known) = self.mem.known.get(slot) else {
            c.read_key()?;
            if slot < KNOWN_KEYS && slot == self.mem.known.len() {
                let mut known = Known::new();
                remember_key(c, &mut known);
                self.mem.known.push(known);
            }
            return Ok(Meaning::Unread);
        };
        if c.known_key(&known.raw) {
            return Ok(known.meaning);
        }
        if !self.forked {
            self.fork();
        }
        // `slot` is within `self.mem.known` (above), which `fork` leaves as it is.
        let known = &mut self.mem.known[slot];
        // A key this position had before: it takes the place of the last one, which is kept.
        if let Some(others) = self.mem.others.get_mut(slot)
            && let Some(i) = c.known_key_among(others, 0, |k| &k.raw)
        {
            std::mem::swap(known, &mut others[i]);
            return Ok(known.meaning);
        }
        c.read_key()?;
        let last = std::mem::replace(known, Known::new());
        remember_key(c, known);
        if !last.raw.is_empty() {
            if self.mem.others.len() <= slot {
                self.mem.others.resize_with(slot + 1, Vec::new);
            }
            if let Some(others) = self.mem.others.get_mut(slot) {
                if others.len() >= OTHER_KEYS {
                    others.remove(0);
                }
                others.push(last);
            }
        }
        Ok(Meaning::Unread)
    }

    /// The template (see [`TEMPLATES`]) whose key at `slot` is next, if one is (the key is not
    /// consumed).
    #[inline(never)]
    fn template_at(&self, c: &Cursor<'_>, slot: usize) -> Option<usize> {
        self.mem
            .templates
            .iter()
            .position(|t| t.get(slot).is_some_and(|k| c.key_is_next(&k.raw)))
    }

    /// Before the record being read changes the last record's keys: they are kept as a
    /// template (in place of the oldest when there are [`TEMPLATES`]).
    #[cold]
    #[inline(never)]
    fn fork(&mut self) {
        self.forked = true;
        if self.mem.templates.len() < TEMPLATES {
            self.mem.templates.push(self.mem.known.clone());
            return;
        }
        let mut oldest = self.mem.templates.remove(0);
        oldest.clone_from(&self.mem.known);
        self.mem.templates.push(oldest);
    }

    /// The node of the keys inside column `slot`'s objects (see [`Nest`]), made on first need;
    /// `NO_NODE` when they are not remembered.
    #[inline(always)]
    fn column_node(&mut self, slot: usize, want: Want<S::Tag>) -> u32 {
        if !S::WANT_BY_PATH || !matches!(want, Want::Tree | Want::Parse) {
            return NO_NODE;
        }
        let Some(known) = self.mem.known.get(slot) else {
            return NO_NODE;
        };
        if known.node == NO_NODE && !known.raw.is_empty() {
            let node = new_node(&mut self.mem.nest);
            if let Some(known) = self.mem.known.get_mut(slot) {
                known.node = node;
            }
            return node;
        }
        known.node
    }

    /// Reads the key of an object inside an attribute (after [`Cursor::key_start`]), below
    /// node `node`; `None` when its value is null (skipped, nothing asked). Else sets
    /// `self.path` to `base` and the key and returns the sink's answer for that path and the
    /// key's own node. A key remembered under the node is recognised as written (the one at
    /// this position last time is tried first); any other is read, asked about, and remembered
    /// while there is room. Under `NO_NODE` nothing is remembered: every key is read and asked
    /// about by its whole path.
    fn nested_key(
        &mut self,
        c: &mut Cursor<'_>,
        node: u32,
        position: usize,
        base: usize,
    ) -> Result<Option<Answer<S::Tag>>, JsonError> {
        self.path.truncate(base);
        if let Some(children) = self.mem.nest.get(node as usize)
            && let Some(i) = c.known_key_among(children, position, |child| &child.raw)
        {
            if c.skip_null() {
                return Ok(None);
            }
            let child = &children[i];
            let found = (child.want, child.node);
            // Matched as written: no escapes, the bytes are the key.
            self.path.push(b'.');
            self.path.extend_from_slice(c.key().raw);
            return Ok(Some(found));
        }
        c.read_key()?;
        if c.skip_null() {
            return Ok(None);
        }
        self.path.push(b'.');
        push_key(&mut self.path, c.key());
        let want = self.want();
        let room = self
            .mem
            .nest
            .get(node as usize)
            .is_some_and(|children| children.len() < NEST_CHILDREN);
        let Some(raw) = room
            .then(|| c.key_as_written())
            .flatten()
            .and_then(Pattern::new)
        else {
            return Ok(Some((want, NO_NODE)));
        };
        let below = if matches!(want, Want::Tree | Want::Parse) {
            new_node(&mut self.mem.nest)
        } else {
            NO_NODE
        };
        if let Some(children) = self.mem.nest.get_mut(node as usize) {
            children.push(Child {
                raw,
                want,
                node: below,
            });
        }
        Ok(Some((want, below)))
    }

    /// What the key the cursor is on means; sets `self.path` for an attribute column, and
    /// remembers the meaning in `slot` (when it is a position with a key remembered).
    fn look_up(&mut self, c: &Cursor<'_>, slot: usize) -> Meaning<S::Tag> {
        // Keys are matched as written; one with escapes is decoded first (rare).
        let k = c.key().bytes();
        let k: &[u8] = &k;
        let meaning = if let Some(rest) = k.strip_prefix(ATTR_PREFIX) {
            self.path.clear();
            self.path.extend_from_slice(rest);
            Meaning::Attr(self.sink.want(&self.path))
        } else {
            match TOP_KEYS.get(k) {
                // Skipped as any other key is, by sinks that do not read them.
                Some(Top::Events | Top::Logs) if !S::EVENTS => Meaning::Other,
                Some(&t) => Meaning::Top(t),
                None => Meaning::Other,
            }
        };
        if let Some(known) = self.mem.known.get_mut(slot)
            && !known.raw.is_empty()
        {
            known.meaning = meaning;
        }
        meaning
    }

    /// One of a record's own fields. (Inlined into the column loops: called for most columns of
    /// every record, its call cost about as much as the short arms.)
    #[inline(always)]
    fn top_field(
        &mut self,
        c: &mut Cursor<'_>,
        top: Top,
        depth: usize,
        fields: &mut Fields,
    ) -> Result<(), JsonError> {
        match top {
            Top::FlatSpanId => {
                fields.style = Style::Flat;
                self.id(c, IdField::Span)?;
            }
            Top::Context => {
                fields.style = Style::SpanObject;
                self.context(c)?;
            }
            Top::OtlpSpanId => {
                fields.style = Style::Otlp;
                self.id(c, IdField::Span)?;
            }
            Top::SnakeSpanId => {
                if fields.style == Style::Unknown {
                    fields.style = Style::Snake;
                }
                self.id(c, IdField::Span)?;
            }
            Top::TraceId => self.id(c, IdField::Trace)?,
            Top::Parent => self.id(c, IdField::Parent)?,
            Top::Name => {
                if let Some(Scalar::Str(s)) = string_or_skip(c)? {
                    self.sink.field(Field::Name(s));
                }
            }
            Top::Kind(rank) => self.kind(c, rank)?,
            Top::Start | Top::End => {
                let end = top == Top::End;
                match time_value(c)? {
                    Some(Ok(t)) if end => self.sink.field(Field::End(t)),
                    Some(Ok(t)) => {
                        fields.start = Some(t);
                        self.sink.field(Field::Start(t));
                    }
                    Some(Err(raw)) => self.sink.field(Field::BadTime { end, raw }),
                    None => {}
                }
            }
            Top::Status => self.status(c)?,
            Top::StatusMessage => {
                if let Some(Scalar::Str(s)) = string_or_skip(c)? {
                    self.sink.field(Field::StatusMessage(s));
                }
            }
            Top::Attributes => self.attributes(c)?,
            Top::Nested => self.value(c, depth + 1)?,
            Top::Info if c.peek_kind()? == ValueKind::Object => mlflow::info(c, self.sink)?,
            Top::Info => c.skip_value()?,
            Top::Events if S::EVENTS => self.events(c)?,
            Top::Events => c.skip_value()?,
            Top::Annotations => self.annotations(c)?,
            Top::AnnotationField => {
                fields.annotation = true;
                c.skip_value()?;
            }
            Top::JaegerSpanId => {
                fields.style = Style::Jaeger;
                self.id(c, IdField::Span)?;
            }
            Top::JaegerTraceId => {
                c.skip_ws();
                fields.trace_at = Some(c.pos());
                self.id(c, IdField::Trace)?;
            }
            Top::References => jaeger::references(self, c, fields)?,
            Top::Duration => fields.duration = jaeger::duration(c)?,
            Top::Tags => jaeger::tags(self, c)?,
            Top::Logs if S::EVENTS => jaeger::logs(self, c)?,
            Top::Logs => c.skip_value()?,
            Top::Result if otlp::is_envelope(c) => self.value(c, depth + 1)?,
            Top::Result => {
                fields.annotation = true;
                c.skip_value()?;
            }
            Top::RunType => {
                fields.style = Style::LangSmith;
                self.kind(c, 1)?;
            }
            Top::Id => {
                c.skip_ws();
                fields.id_at = Some(c.pos());
                c.skip_value()?;
            }
            Top::Error => {
                c.skip_ws();
                fields.error_at = Some(c.pos());
                c.skip_value()?;
            }
            Top::AsAttribute => {
                let key = c.key();
                self.path.clear();
                push_key(&mut self.path, key);
                c.skip_ws();
                let at = c.pos();
                self.attr_value(c)?;
                self.path.clear();
                langsmith::io_text(self, key, c.buf().get(at..c.pos()).unwrap_or_default());
            }
            Top::Langfuse(key) => langfuse::field(self, c, key, depth, fields)?,
            Top::Object => {
                fields.agents = agents_sdk::object(c)?;
                if fields.agents == Some(agents_sdk::Object::Span) {
                    fields.style = Style::AgentsSdk;
                }
            }
            Top::SpanData => agents_sdk::span_data(self, c)?,
            Top::GroupId => {
                c.skip_ws();
                fields.group_at = Some(c.pos());
                c.skip_value()?;
            }
            Top::ClaudeCode(key) => claude_code::field(c, key, fields)?,
        }
        Ok(())
    }

    fn id(&mut self, c: &mut Cursor<'_>, which: IdField) -> Result<(), JsonError> {
        // Ids as most exports write them, 16 or 32 hex digits, read in place: the digits are
        // the string (no quote, backslash, newline or high byte among them), so the cursor
        // ends where reading the string would leave it, and `id_value` would report them as
        // they are (neither UUID-long nor starting with `s` or `t`).
        if S::HEX_IDS {
            let digits = match which {
                IdField::Trace => 32,
                IdField::Span | IdField::Parent => 16,
            };
            if let Some((s, value)) = hex_string(c, digits) {
                let f = match which {
                    IdField::Span => Field::SpanId(s),
                    IdField::Trace => Field::TraceId(s),
                    IdField::Parent => Field::ParentId(Some(s)),
                };
                self.sink.hex_id(f, value);
                return Ok(());
            }
        }
        let s = match string_or_skip(c)? {
            Some(Scalar::Str(s)) => Some(s),
            _ => None,
        };
        self.id_value(s, which);
        Ok(())
    }

    /// Reports an id as written (`None`: not a string). A UUID (LangSmith's run and trace
    /// ids) is read as LangSmith's OpenTelemetry exporter maps it: a trace id is its 32 hex
    /// digits, a span id the first 16.
    #[inline(always)]
    fn id_value(&mut self, s: Option<RawStr<'_>>, which: IdField) {
        match s {
            Some(u) if u.raw.len() == 36 => self.uuid_id(u, which),
            Some(u) if matches!(u.raw.first(), Some(b's' | b't')) => {
                let id = agents_sdk::id(u, which);
                self.report_id(Some(id), which);
            }
            s => self.report_id(s, which),
        }
    }

    /// A Claude Code line's `uuid` (its span id, or its parent's): the UUID's two halves
    /// folded into 64 bits ([`line_id`]), so that lines whose UUIDs share their first half
    /// (hand-made, or time-ordered UUIDs) stay apart; anything else as written.
    pub(crate) fn line_id(&mut self, s: Option<RawStr<'_>>, which: IdField) {
        let mut hex = [0u8; 32];
        match s {
            Some(u) if uuid_hex(u.raw, &mut hex) => {
                let id = line_id(&hex);
                self.report_id(Some(RawStr::plain(&id)), which);
            }
            s => self.report_id(s, which),
        }
    }

    /// [`Walker::id_value`] for an id as long as a UUID: out of line, hex ids being the rule.
    #[inline(never)]
    fn uuid_id(&mut self, u: RawStr<'_>, which: IdField) {
        let mut hex = [0u8; 32];
        if !uuid_hex(u.raw, &mut hex) {
            return self.report_id(Some(u), which);
        }
        let digits = match which {
            IdField::Trace => &hex[..],
            IdField::Span | IdField::Parent => &hex[..16],
        };
        self.report_id(Some(RawStr::plain(digits)), which);
    }

    #[inline(always)]
    fn report_id(&mut self, s: Option<RawStr<'_>>, which: IdField) {
        // An empty span id is still a span's (kept and reported by the sink); an empty trace
        // id is none, and an empty parent id is a root's.
        let s_set = s.filter(|s| !s.raw.is_empty());
        match (which, s) {
            (IdField::Span, Some(s)) => self.sink.field(Field::SpanId(s)),
            (IdField::Trace, Some(_)) => {
                if let Some(s) = s_set {
                    self.sink.field(Field::TraceId(s));
                }
            }
            (IdField::Parent, _) => self.sink.field(Field::ParentId(s_set)),
            _ => {}
        }
    }

    /// `context: {trace_id, span_id}` of span objects.
    fn context(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        if c.peek_kind()? != ValueKind::Object {
            return c.skip_value();
        }
        c.object_start()?;
        let mut first = true;
        while c.next_key(&mut first)? {
            let key = c.key();
            match key.raw {
                b"span_id" | b"spanId" => self.id(c, IdField::Span)?,
                b"trace_id" | b"traceId" => self.id(c, IdField::Trace)?,
                _ => c.skip_value()?,
            }
        }
        Ok(())
    }

    fn kind(&mut self, c: &mut Cursor<'_>, rank: u8) -> Result<(), JsonError> {
        // A name of capitals and underscores (`"CHAIN"`, `"UNKNOWN"`), read in place: what
        // the rest would find, as the table spells it or none (such a name is its own trimmed,
        // upper-cased self, so `Kind::parse` would find what `Kind::from_upper` does).
        if !S::KIND_AS_WRITTEN
            && let Some((k, len)) = plain_name(c, |name| Some(Kind::from_upper(name)))
        {
            c.set_pos(c.pos() + len);
            if let Some(k) = k {
                self.sink.field(Field::Kind(k, rank));
            }
            return Ok(());
        }
        let v = c.scalar_or_skip()?;
        if S::KIND_AS_WRITTEN {
            match v {
                Some(Scalar::Str(s)) => self.sink.field(Field::KindAsWritten(s.raw, rank)),
                Some(Scalar::Num(n)) => self.sink.field(Field::KindAsWritten(n, rank)),
                _ => {}
            }
        }
        if let Some(Scalar::Str(s)) = v
            && let Some(k) = Kind::from_upper(s.raw).or_else(|| Kind::parse(&s.decode()))
        {
            self.sink.field(Field::Kind(k, rank));
        }
        Ok(())
    }

    /// `status_code: "ERROR"`, `status: {code: 2, message}`, `status: {status_code: "OK"}`.
    fn status(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        // `"OK"`, `"ERROR"`, `"UNSET"`, read in place: what the rest would find.
        if let Some((s, len)) = plain_name(c, Status::from_upper) {
            c.set_pos(c.pos() + len);
            self.sink.field(Field::Status(s));
            return Ok(());
        }
        if c.peek_kind()? != ValueKind::Object {
            if let Some(s) = c.scalar_or_skip()?.and_then(status_scalar) {
                self.sink.field(Field::Status(s));
            }
            return Ok(());
        }
        c.object_start()?;
        let mut first = true;
        while c.next_key(&mut first)? {
            let key = c.key();
            match key.raw {
                b"code" | b"status_code" => {
                    if let Some(s) = c.scalar_or_skip()?.and_then(status_scalar) {
                        self.sink.field(Field::Status(s));
                    }
                }
                b"message" | b"description" => {
                    if let Some(Scalar::Str(s)) = c.scalar_or_skip()? {
                        self.sink.field(Field::StatusMessage(s));
                    }
                }
                _ => c.skip_value()?,
            }
        }
        Ok(())
    }

    /// `events`: a list of `{name, attributes}` (attributes as an object or an OTLP list),
    /// reported as attributes under `events.<n>.`.
    fn events(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        if c.peek_kind()? != ValueKind::Array {
            return c.skip_value();
        }
        c.array_start()?;
        let mut first = true;
        let mut n = 0usize;
        while c.next_item(&mut first)? {
            if c.peek_kind()? != ValueKind::Object {
                c.skip_value()?;
                continue;
            }
            c.object_start()?;
            let mut first_key = true;
            while c.next_key(&mut first_key)? {
                let key = c.key();
                self.path.clear();
                self.path.extend_from_slice(b"events.");
                push_index(&mut self.path, n);
                let base = self.path.len();
                match key.raw {
                    b"name" => {
                        if let Some(v @ Scalar::Str(_)) = c.scalar_or_skip()? {
                            self.path.extend_from_slice(b".name");
                            self.sink.attr(&self.path, None, v);
                        }
                    }
                    b"attributes" => match c.peek_kind()? {
                        ValueKind::Object => {
                            c.object_start()?;
                            let mut first_attr = true;
                            while c.next_key(&mut first_attr)? {
                                let k = c.key();
                                self.path.truncate(base);
                                self.path.push(b'.');
                                push_key(&mut self.path, k);
                                self.attr_value(c)?;
                            }
                        }
                        ValueKind::Array => otlp::key_values(self, c)?,
                        _ => c.skip_value()?,
                    },
                    _ => c.skip_value()?,
                }
            }
            n += 1;
        }
        self.path.clear();
        Ok(())
    }

    /// `attributes`: an object (flat dotted or nested keys) or an OTLP key/value list.
    fn attributes(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        match c.peek_kind()? {
            ValueKind::Object => {
                c.object_start()?;
                let mut first = true;
                while c.next_key(&mut first)? {
                    let key = c.key();
                    self.path.clear();
                    push_key(&mut self.path, key);
                    self.attr_value(c)?;
                }
                Ok(())
            }
            ValueKind::Array => otlp::key_values(self, c),
            _ => c.skip_value(),
        }
    }

    /// One attribute value at `self.path`: descends as far as the sink wants.
    fn attr_value(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        let want = self.want();
        self.attr_value_as(c, want, NO_NODE)
    }

    /// The sink's answer for `self.path`; remembered, for a sink that answers by path alone
    /// (nested attributes repeat from record to record, and asking can cost more than a lookup).
    fn want(&mut self) -> Want<S::Tag> {
        if !S::WANT_BY_PATH {
            return self.sink.want(&self.path);
        }
        if let Some(&want) = self.mem.wants.get(self.path.as_slice()) {
            return want;
        }
        let want = self.sink.want(&self.path);
        if self.mem.wants.len() < KNOWN_PATHS {
            self.mem.wants.insert(self.path.as_slice().into(), want);
        }
        want
    }

    /// [`Walker::attr_value`] with the sink's answer for `self.path` already known; the keys of
    /// its objects are remembered under `node` (see [`Nest`]; `NO_NODE`: not remembered).
    fn attr_value_as(
        &mut self,
        c: &mut Cursor<'_>,
        want: Want<S::Tag>,
        node: u32,
    ) -> Result<(), JsonError> {
        let (tag, descend) = match want {
            Want::Skip => return c.skip_value(),
            Want::Messages => return self.sink.messages(&self.path, c),
            Want::Value(t) => (Some(t), false),
            Want::Tree | Want::Parse => (None, true),
        };
        match c.peek_kind()? {
            ValueKind::Object | ValueKind::Array if descend && !self.enter(c)? => Ok(()),
            ValueKind::Object if descend => {
                c.object_start()?;
                let mut first = true;
                let base = self.path.len();
                let mut position = 0;
                while c.key_start(&mut first)? {
                    let key = self.nested_key(c, node, position, base)?;
                    position += 1;
                    if let Some((want, below)) = key {
                        self.attr_value_as(c, want, below)?;
                    }
                }
                self.path.truncate(base);
                self.depth -= 1;
                Ok(())
            }
            ValueKind::Array if descend => {
                c.array_start()?;
                let mut first = true;
                let base = self.path.len();
                let mut i = 0usize;
                while c.next_item(&mut first)? {
                    self.path.truncate(base);
                    self.path.push(b'.');
                    push_index(&mut self.path, i);
                    self.attr_value(c)?;
                    i += 1;
                }
                self.path.truncate(base);
                self.depth -= 1;
                Ok(())
            }
            ValueKind::Object | ValueKind::Array => c.skip_value(),
            ValueKind::String => {
                let s = c.string()?;
                self.attr_string(s, want, node);
                Ok(())
            }
            _ => {
                let v = c.scalar()?;
                self.sink.attr(&self.path, tag, v);
                Ok(())
            }
        }
    }

    /// A string attribute: JSON-encoded scalars (MLflow writes `"\"AGENT\""`) are unwrapped,
    /// and where the sink asks, JSON or Python-literal containers inside strings are walked.
    /// `node`: where the keys of a container inside the string are remembered.
    fn attr_string(&mut self, s: RawStr<'_>, want: Want<S::Tag>, node: u32) {
        let tag = match want {
            Want::Value(t) => Some(t),
            _ => None,
        };
        // Decoded only when it may be a JSON-encoded scalar or the sink wants what it holds: a
        // long JSON text in a string is otherwise passed on as it is, not copied.
        let maybe_quoted = || s.raw.trim_ascii_start().starts_with(b"\\\"");
        if !looks_nested(s.raw) || !(matches!(want, Want::Parse) || maybe_quoted()) {
            self.sink.attr(&self.path, tag, Scalar::Str(s));
            return;
        }
        let text = s.decode();
        let t = text.trim();
        if let Some(v) = quoted(t) {
            self.sink.attr(&self.path, tag, Scalar::Str(v));
            return;
        }
        if matches!(want, Want::Parse)
            && read_container(t, |json| self.nested_text(json, want, node))
        {
            return;
        }
        self.sink.attr(&self.path, tag, Scalar::Str(s));
    }

    /// Walks JSON held in a string; false if it is not valid JSON (what was read before the
    /// error is still reported: those values are in the file).
    fn nested_text(&mut self, text: &[u8], want: Want<S::Tag>, node: u32) -> bool {
        let mut c = Cursor::new(text);
        let (base, depth) = (self.path.len(), self.depth);
        let ok = self.attr_value_as(&mut c, want, node).is_ok() && c.at_end();
        // A failed attempt stops mid-value, with its path still extended.
        self.path.truncate(base);
        self.depth = depth;
        ok
    }

    /// Before reading into the container under the cursor: true if it may be read (the caller
    /// then owes a `self.depth -= 1` when done); false when it is as deep as attributes are
    /// read, in which case it has been checked, skipped and reported.
    fn enter(&mut self, c: &mut Cursor<'_>) -> Result<bool, JsonError> {
        if self.depth < MAX_ATTR_DEPTH {
            self.depth += 1;
            return Ok(true);
        }
        let below = c.skip_value_depth()?;
        self.sink.too_deep(&self.path, self.depth + below);
        Ok(false)
    }

    /// Phoenix / Arize annotation or evaluation arrays on a span.
    fn annotations(&mut self, c: &mut Cursor<'_>) -> Result<(), JsonError> {
        if c.peek_kind()? != ValueKind::Array {
            return c.skip_value();
        }
        c.array_start()?;
        let mut first = true;
        while c.next_item(&mut first)? {
            let r = c.value_range()?;
            if let Some(e) = eval::annotation(&c.buf()[r]) {
                self.sink.evaluation(e);
            }
        }
        Ok(())
    }
}

/// Whether a string (as written) may hold more than text: a JSON-encoded scalar
/// (`"\"AGENT\""`) or a JSON or Python-literal container.
pub(crate) fn looks_nested(raw: &[u8]) -> bool {
    match raw.first() {
        Some(b'{' | b'[') => true,
        Some(b'\\') => raw.starts_with(b"\\\""),
        Some(b' ' | b'\n' | b'\t') => matches!(raw.trim_ascii().first(), Some(b'{' | b'[')),
        _ => false,
    }
}

/// The string a JSON-encoded string holds (`"\"AGENT\""` holds `AGENT`), if `t` is one.
pub(crate) fn quoted(t: &str) -> Option<RawStr<'_>> {
    if t.len() < 2 || !t.starts_with('"') || !t.ends_with('"') {
        return None;
    }
    let mut inner = Cursor::new(t.as_bytes());
    match inner.scalar() {
        Ok(Scalar::Str(v)) if inner.at_end() => Some(v),
        _ => None,
    }
}

/// Reads a container written into a string: `read` gets the text as JSON, then (if that does
/// not read) as a Python literal turned into JSON; true when one of them reads.
pub(crate) fn read_container(t: &str, mut read: impl FnMut(&[u8]) -> bool) -> bool {
    if !(t.starts_with('{') || t.starts_with('[')) {
        return false;
    }
    read(t.as_bytes()) || pylit::to_json(t).is_some_and(|json| read(json.as_bytes()))
}

/// The 32 hex digits of a UUID written `8-4-4-4-12`, lower-cased into `out`; false if `raw`
/// is not one.
fn uuid_hex(raw: &[u8], out: &mut [u8; 32]) -> bool {
    let mut n = 0;
    for (i, &b) in raw.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return false;
            }
            continue;
        }
        let Some(slot) = out.get_mut(n) else {
            return false;
        };
        if !b.is_ascii_hexdigit() {
            return false;
        }
        *slot = b.to_ascii_lowercase();
        n += 1;
    }
    n == 32
}

/// The 16 hex digits a Claude Code line's UUID (32 lowercase hex digits) is known by: its
/// halves XORed.
pub(crate) fn line_id(hex: &[u8; 32]) -> [u8; 16] {
    let digit = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        _ => b.wrapping_sub(b'a').wrapping_add(10) & 0xf,
    };
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let v = digit(hex[i]) ^ digit(hex[i + 16]);
        *o = b"0123456789abcdef"[usize::from(v)];
    }
    out
}

/// Appends an array index in decimal, without allocating.
pub(crate) fn push_index(path: &mut Vec<u8>, i: usize) {
    crate::fmt::push_decimal(path, i as u64);
}

/// What a record's own keys have said so far.
struct Fields {
    /// How its span fields were spelled.
    style: Style,
    /// It has a key only annotation records have.
    annotation: bool,
    /// Its start, once read (a Jaeger span's end is its start plus its duration).
    start: Option<i64>,
    /// A Jaeger `duration`, in nanoseconds.
    duration: Option<i64>,
    /// Where a Jaeger `traceID` value is written (its references name spans of other traces).
    trace_at: Option<usize>,
    /// Where an `id` value is written (a LangSmith run's span id).
    id_at: Option<usize>,
    /// Where an `error` value is written (a LangSmith run's or an Agents SDK span's error).
    error_at: Option<usize>,
    /// What its Langfuse fields said.
    langfuse: langfuse::Seen,
    /// What an Agents SDK `object` said the record is.
    agents: Option<agents_sdk::Object>,
    /// Where an Agents SDK trace's `group_id` value is written.
    group_at: Option<usize>,
    /// What its Claude Code fields said.
    claude_code: claude_code::Seen,
}

/// Remembers the key the cursor just read in `known`, if it can be matched as written.
fn remember_key<T>(c: &Cursor<'_>, known: &mut Known<T>) {
    known.raw = c
        .key_as_written()
        .and_then(Pattern::new)
        .unwrap_or_default();
    known.meaning = Meaning::Unread;
    // Another column here: its objects' keys are another column's.
    known.node = NO_NODE;
}

/// A node with no children yet; `NO_NODE` when there are [`NEST_NODES`] already.
fn new_node<T>(nest: &mut Nest<T>) -> u32 {
    if nest.len() >= NEST_NODES {
        return NO_NODE;
    }
    nest.push(Vec::new());
    u32::try_from(nest.len() - 1).unwrap_or(NO_NODE)
}

fn push_key(path: &mut Vec<u8>, key: RawStr<'_>) {
    path.extend_from_slice(&key.bytes());
}

/// Where [`Walker::known_run`] stops at a key it does not remember: the cursor is at the key
/// (`true`) if it is at a quote or had not stepped over a comma; else it is put back on the
/// comma it stepped over, for the general loop to read what follows it (whitespace, a stray
/// `}`) or reject it.
#[inline(always)]
fn at_key_or_back(c: &mut Cursor<'_>, slot: usize, after_comma: bool) -> (usize, bool) {
    let at = c.pos();
    if after_comma && c.buf().get(at) != Some(&b'"') {
        c.set_pos(at.saturating_sub(1));
        return (slot, false);
    }
    (slot, true)
}

/// A short string of capitals and underscores next (after whitespace), and what `name` makes
/// of its bytes, with the string's length quotes included; `None` for anything else (the
/// caller then reads the value as any other). Such a string is what [`Cursor::string`] would
/// read, with nothing to decode and no byte it must note.
#[inline(always)]
fn plain_name<T>(c: &mut Cursor<'_>, name: impl Fn(&[u8]) -> Option<T>) -> Option<(T, usize)> {
    c.skip_ws();
    let rest = c.buf().get(c.pos()..)?.strip_prefix(b"\"")?;
    let len = capitals(rest)?;
    if rest.get(len) != Some(&b'"') {
        return None;
    }
    Some((name(rest.get(..len)?)?, len + 2))
}

/// How many capitals and underscores `bytes` begins with, if fewer than 16 (`None` when its
/// first 16 bytes are all such).
#[inline(always)]
fn capitals(bytes: &[u8]) -> Option<usize> {
    // Sixteen at once with SSE2 (x86-64's baseline) where there are sixteen.
    #[cfg(target_arch = "x86_64")]
    if let Some(chunk) = bytes.first_chunk::<16>() {
        use safe_arch::{
            bitand_m128i, bitor_m128i, cmp_eq_mask_i8_m128i, cmp_gt_mask_i8_m128i,
            cmp_lt_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        };
        let splat = |b: u8| set_splat_i8_m128i(i8::from_ne_bytes([b]));
        let v = load_unaligned_m128i(chunk);
        // Bytes of 0x80 and above are negative as `i8`: not capitals.
        let capital = bitand_m128i(
            cmp_gt_mask_i8_m128i(v, splat(b'A' - 1)),
            cmp_lt_mask_i8_m128i(v, splat(b'Z' + 1)),
        );
        let wanted = bitor_m128i(capital, cmp_eq_mask_i8_m128i(v, splat(b'_')));
        let other = !move_mask_i8_m128i(wanted).cast_unsigned() & 0xffff;
        return (other != 0).then(|| other.trailing_zeros() as usize);
    }
    capitals_bytewise(bytes)
}

/// [`capitals`] a byte at a time.
fn capitals_bytewise(bytes: &[u8]) -> Option<usize> {
    bytes
        .iter()
        .take(16)
        .position(|&b| !(b.is_ascii_uppercase() || b == b'_'))
}

fn status_scalar(v: Scalar<'_>) -> Option<Status> {
    match v {
        Scalar::Str(s) => Status::from_upper(s.raw).or_else(|| Status::parse(&s.decode())),
        Scalar::Num(_) => Status::from_code(v.as_i128()?),
        _ => None,
    }
}

/// Reads a timestamp: epoch numbers (any unit, as numbers or strings) or ISO strings. `None`
/// when there is none (null, an empty string, or 0, which OTLP writes for "unset"); an error
/// holding the value as written when it is not a time that fits (negative, `NaN`, `1e400`, a
/// 20-digit epoch, an unreadable string, an object).
#[inline(always)]
fn time_value<'a>(c: &mut Cursor<'a>) -> Result<Option<Result<i64, &'a [u8]>>, JsonError> {
    c.skip_ws();
    let start = c.pos();
    // Epoch integers, as most exports write them, first.
    if let Some(v) = c.plain_integer() {
        if v == 0 {
            return Ok(None);
        }
        return Ok(Some(match crate::time::from_epoch_u64(v) {
            Some(t) => Ok(t),
            None => Err(written_since(c, start)),
        }));
    }
    // ISO 8601 as most other exports write it, read in place (no decoding, no UTF-8 check).
    if let Some(rest) = c.buf().get(start..).and_then(|b| b.strip_prefix(b"\""))
        && let Some((t, n)) = crate::time::parse_iso_plain(rest)
        && rest.get(n) == Some(&b'"')
    {
        c.set_pos(start + n + 2);
        return Ok(Some(Ok(t)));
    }
    time_value_other(c, start)
}

/// [`time_value`] for anything but a plain integer (at `start`).
#[inline(never)]
fn time_value_other<'a>(
    c: &mut Cursor<'a>,
    start: usize,
) -> Result<Option<Result<i64, &'a [u8]>>, JsonError> {
    let t = match c.scalar_or_skip()? {
        None => None,
        Some(Scalar::Null) => return Ok(None),
        Some(Scalar::Str(s)) if s.raw.trim_ascii().is_empty() => return Ok(None),
        Some(Scalar::Str(s)) => crate::time::parse(&s.decode()),
        Some(v @ Scalar::Num(_)) => match v.as_i128() {
            Some(0) => return Ok(None),
            Some(i) => crate::time::from_epoch(i),
            None => v.as_f64().and_then(crate::time::from_epoch_f64),
        },
        Some(Scalar::Bool(_)) => None,
    };
    Ok(Some(t.ok_or_else(|| written_since(c, start))))
}

/// [`Cursor::skip_value`] for a record's column not read: a string (most such values) or an
/// empty list (`"events":[]`) is stepped over where it is met rather than through a call,
/// which cost about as much as a short string.
#[inline(always)]
fn skip_column(c: &mut Cursor<'_>) -> Result<(), JsonError> {
    match c.peek_byte() {
        Some(b'"') => c.string().map(drop),
        Some(b'[') if c.buf().get(c.pos() + 1) == Some(&b']') => {
            c.set_pos(c.pos() + 2);
            Ok(())
        }
        _ => c.skip_value(),
    }
}

/// [`Cursor::scalar_or_skip`] with its string read inline: the record fields read this way
/// (ids, names, status messages) are strings, read where they are met rather than through a
/// call, which cost about as much as reading a short string.
#[inline(always)]
fn string_or_skip<'a>(c: &mut Cursor<'a>) -> Result<Option<Scalar<'a>>, JsonError> {
    if c.peek_byte() == Some(b'"') {
        return c.string().map(|s| Some(Scalar::Str(s)));
    }
    c.scalar_or_skip()
}

/// A string of exactly `digits` (16 or 32) hex digits next (after whitespace): its contents
/// and the number they spell, the cursor moved past its closing quote, as [`Cursor::string`]
/// would leave it; `None`, the cursor not moved past the whitespace, for anything else.
#[inline(always)]
fn hex_string<'a>(c: &mut Cursor<'a>, digits: usize) -> Option<(RawStr<'a>, u128)> {
    c.skip_ws();
    let at = c.pos();
    let w = c.buf().get(at..at + digits + 2)?;
    // The closing quote first: any other length fails on one byte.
    if w.first() != Some(&b'"') || w.last() != Some(&b'"') {
        return None;
    }
    let inner = w.get(1..=digits)?;
    let (first, rest) = inner.split_first_chunk::<16>()?;
    let mut value = u128::from(crate::ids::hex16(first)?);
    if let Some(second) = rest.first_chunk::<16>() {
        value = value << 64 | u128::from(crate::ids::hex16(second)?);
    }
    c.set_pos(at + digits + 2);
    Some((RawStr::plain(inner), value))
}

/// The bytes the cursor moved over since `start`: a value as written.
fn written_since<'a>(c: &Cursor<'a>, start: usize) -> &'a [u8] {
    c.buf().get(start..c.pos()).unwrap_or_default()
}

impl<'a> Cursor<'a> {
    /// Reads a scalar, or skips a container and returns `None`.
    #[inline]
    pub fn scalar_or_skip(&mut self) -> Result<Option<Scalar<'a>>, JsonError> {
        // Strings first: ids, names and kinds, what this mostly reads.
        if self.peek_byte() == Some(b'"') {
            return self.string().map(|s| Some(Scalar::Str(s)));
        }
        match self.peek_kind()? {
            ValueKind::Object | ValueKind::Array => self.skip_value().map(|()| None),
            _ => self.scalar().map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that notes the ids it is given, and whether they came read in place.
    #[derive(Default)]
    struct Ids(Vec<String>);

    impl Sink for Ids {
        type Tag = ();
        const WANT_BY_PATH: bool = true;
        const HEX_IDS: bool = true;
        fn open(&mut self, _at: usize) {}
        fn close(&mut self, _range: Range<usize>, _style: Style) {}
        fn field(&mut self, f: Field<'_>) {
            if let Field::SpanId(s) | Field::TraceId(s) | Field::ParentId(Some(s)) = f {
                self.0.push(String::from_utf8_lossy(s.raw).into_owned());
            }
        }
        fn hex_id(&mut self, f: Field<'_>, value: u128) {
            if let Field::SpanId(s) | Field::TraceId(s) | Field::ParentId(Some(s)) = f {
                self.0
                    .push(format!("{} = {value:x}", String::from_utf8_lossy(s.raw)));
            }
        }
        fn want(&mut self, _path: &[u8]) -> Want<()> {
            Want::Skip
        }
        fn attr(&mut self, _path: &[u8], _tag: Option<()>, _v: Scalar<'_>) {}
        fn trace_meta(&mut self, _key: &[u8], _v: Scalar<'_>) {}
        fn trace_info(&mut self, _range: Range<usize>) {}
        fn evaluation(&mut self, _e: Evaluation) {}
    }

    /// Span, parent and trace ids of 16 and 32 hex digits come read in place, with their value;
    /// ids of other lengths, or spoiled, come as strings.
    #[test]
    fn hex_ids_come_with_their_value() {
        let mut ids = Ids::default();
        let line = br#"{"parent_id":"00000000000000A6","context.span_id":"00000000000000a9","context.trace_id":"da96aeb1f73c9a4c2db3800d284df078","spanId":"0000000000000a9","traceId": "da96aeb1f73c9a4c2db3800d284df07g"}"#;
        walk(&mut Cursor::new(line), &mut ids).unwrap();
        assert_eq!(
            ids.0,
            [
                "00000000000000A6 = a6",
                "00000000000000a9 = a9",
                "da96aeb1f73c9a4c2db3800d284df078 = da96aeb1f73c9a4c2db3800d284df078",
                "0000000000000a9",
                "da96aeb1f73c9a4c2db3800d284df07g",
            ]
        );
    }

    /// A sink that logs what it is given; `PATHS`: whether it reads the paths of values
    /// (`Sink::VALUE_PATHS`). Its answers depend on the path only.
    /// `BY_PATH`: whether its answers are taken as depending on the path only
    /// (`Sink::WANT_BY_PATH`: the walker then remembers a record's columns).
    #[derive(Default)]
    struct Log<const PATHS: bool, const BY_PATH: bool = true>(Vec<String>);

    impl<const PATHS: bool, const BY_PATH: bool> Log<PATHS, BY_PATH> {
        /// The tag of a value's path: its length and last byte.
        fn tag(path: &[u8]) -> u16 {
            (path.len() as u16) << 8 | u16::from(path.last().copied().unwrap_or(0))
        }
    }

    impl<const PATHS: bool, const BY_PATH: bool> Sink for Log<PATHS, BY_PATH> {
        type Tag = u16;
        const WANT_BY_PATH: bool = BY_PATH;
        const VALUE_PATHS: bool = PATHS;
        fn open(&mut self, at: usize) {
            self.0.push(format!("open {at}"));
        }
        fn close(&mut self, range: Range<usize>, style: Style) {
            self.0.push(format!("close {range:?} {style:?}"));
        }
        fn field(&mut self, f: Field<'_>) {
            self.0.push(format!("{f:?}"));
        }
        fn want(&mut self, path: &[u8]) -> Want<u16> {
            match path {
                b"t" | b"t.o" | b"a.o" => Want::Tree,
                b"p" => Want::Parse,
                b"m" => Want::Messages,
                _ if path.ends_with(b"v") => Want::Value(Self::tag(path)),
                _ => Want::Skip,
            }
        }
        fn attr(&mut self, path: &[u8], tag: Option<u16>, v: Scalar<'_>) {
            // The old reading's paths: those of values are the ones their tags were given for.
            if PATHS && let Some(t) = tag {
                assert_eq!(t, Self::tag(path), "{}", String::from_utf8_lossy(path));
            }
            // A value's path is not the sink's to read when `PATHS` is false: not compared.
            let path = if tag.is_some() {
                String::new()
            } else {
                String::from_utf8_lossy(path).into_owned()
            };
            self.0.push(format!("attr {path} {tag:?} {v:?}"));
        }
        fn messages(&mut self, path: &[u8], c: &mut Cursor<'_>) -> Result<(), JsonError> {
            self.0
                .push(format!("messages {}", String::from_utf8_lossy(path)));
            c.skip_value()
        }
        fn trace_meta(&mut self, _key: &[u8], _v: Scalar<'_>) {}
        fn trace_info(&mut self, _range: Range<usize>) {}
        fn evaluation(&mut self, _e: Evaluation) {}
    }

    /// Records' remembered columns read for a sink that does not read values' paths give it
    /// what they give one that does (the old reading, whose paths are checked against the
    /// tags): the same values with the same tags, the same other paths, fields and errors, on
    /// rows of a few shapes that change from row to row, with spoiled rows among them.
    #[test]
    fn values_without_their_paths_as_with_them() {
        let mut rng = crate::testing::XorShift(0x9a75_0f7a_1e55_0005);
        let keys = [
            "name",
            "context.span_id",
            "attributes.a.v",
            "attributes.bv",
            "attributes.t",
            "attributes.p",
            "attributes.m",
            "attributes.s",
            "attributes.a.o",
            "attributes.longer.name.v",
        ];
        let values = [
            "null",
            "\"x\"",
            "12",
            "1.5",
            "true",
            "{\"v\":\"x\",\"o\":{\"v\":2,\"w\":3}}",
            "[1,\"v\",{\"v\":null}]",
            "\"\\\"AGENT\\\"\"",
            "\"{\\\"v\\\":1,\\\"o\\\":{\\\"v\\\":\\\"y\\\"}}\"",
            "\"{'v': 'py', 'o': {'v': 1}}\"",
            "{}",
            "[]",
        ];
        let shapes: Vec<Vec<&str>> = (0..4)
            .map(|_| {
                let mut k: Vec<&str> = keys.to_vec();
                for i in (1..k.len()).rev() {
                    k.swap(i, rng.below(i as u64 + 1) as usize);
                }
                k.truncate(3 + rng.below(keys.len() as u64 - 2) as usize);
                k
            })
            .collect();
        let (mut fast, mut slow) = (Scratch::default(), Scratch::default());
        for _ in 0..30_000 {
            let shape = &shapes[rng.below(shapes.len() as u64) as usize];
            let cols: Vec<String> = shape
                .iter()
                .map(|k| {
                    format!(
                        "\"{k}\":{}",
                        values[rng.below(values.len() as u64) as usize]
                    )
                })
                .collect();
            let mut line = format!("{{{}}}", cols.join(",")).into_bytes();
            rng.spoil(&mut line, b"\"{}[],:x \\", 20);
            let (mut a, mut b) = (Log::<false>::default(), Log::<true>::default());
            let ra = walk_with(&mut Cursor::in_line(&line), &mut a, &mut fast);
            let rb = walk_with(&mut Cursor::in_line(&line), &mut b, &mut slow);
            let text = String::from_utf8_lossy(&line);
            assert_eq!(ra, rb, "{text}");
            assert_eq!(a.0, b.0, "{text}");
        }
    }

    /// Records read through their remembered columns (nulls and the commas after them taken
    /// with the key, a comma then the next key's quote checked only where no remembered key
    /// is) give a sink what the general loop gives one that lets nothing be remembered: the
    /// same fields, values and errors, on rows of a few shapes, mostly null, that change from
    /// row to row, with whitespace, stray commas and braces, cut nulls and cut rows among them.
    #[test]
    fn remembered_columns_as_the_general_loop() {
        let mut rng = crate::testing::XorShift(0x7e11_c0de_0f00_5eed);
        let keys = [
            "name",
            "context.span_id",
            "attributes.a.v",
            "attributes.bv",
            "attributes.t",
            "attributes.m",
            "attributes.s",
            "attributes.a.longer.key.to.cross.a.block.v",
            "attributes.c.key.of.exactly.thirty.three.bytes.v",
            "start_time",
            "span_kind",
        ];
        let values = [
            "null",
            "null",
            "null",
            "\"x\"",
            "12",
            "true",
            "{\"v\":\"x\"}",
            "[1,2]",
            "[]",
            "\"AGENT\"",
            "1700000000000",
        ];
        let shapes: Vec<Vec<&str>> = (0..4)
            .map(|_| {
                let mut k: Vec<&str> = keys.to_vec();
                for i in (1..k.len()).rev() {
                    k.swap(i, rng.below(i as u64 + 1) as usize);
                }
                k.truncate(4 + rng.below(keys.len() as u64 - 3) as usize);
                k
            })
            .collect();
        let (mut remembered, mut general) = (Scratch::default(), Scratch::default());
        for _ in 0..40_000 {
            let shape = &shapes[rng.below(shapes.len() as u64) as usize];
            let cols: Vec<String> = shape
                .iter()
                .map(|k| {
                    format!(
                        "\"{k}\":{}",
                        values[rng.below(values.len() as u64) as usize]
                    )
                })
                .collect();
            let mut line = format!("{{{}}}", cols.join(",")).into_bytes();
            rng.spoil(&mut line, b" ,}\"nl\n", 6);
            let (mut a, mut b) = (Log::<true, true>::default(), Log::<true, false>::default());
            let ra = walk_with(&mut Cursor::in_line(&line), &mut a, &mut remembered);
            let rb = walk_with(&mut Cursor::in_line(&line), &mut b, &mut general);
            let text = String::from_utf8_lossy(&line);
            assert_eq!(ra, rb, "{text}");
            assert_eq!(a.0, b.0, "{text}");
        }
    }

    /// The run of capitals found 16 bytes at once is the one found a byte at a time: every
    /// length of run, ended by every kind of byte (high bytes and the neighbours of `A`, `Z`
    /// and `_` among them), with and without 16 bytes to read.
    #[test]
    fn capitals_at_once_as_byte_by_byte() {
        let mut rng = crate::testing::XorShift(0x3c6e_f372_fe94_f82b);
        let enders = [
            b'"', b'@', b'[', b'^', b'`', b'a', b'z', b'0', b' ', 0x80, 0xc1, 0xff, 0,
        ];
        for _ in 0..20_000 {
            let run = rng.below(20) as usize;
            let mut bytes: Vec<u8> = (0..run)
                .map(|_| match rng.below(27) {
                    26 => b'_',
                    n => b'A' + n as u8,
                })
                .collect();
            bytes.push(enders[rng.below(enders.len() as u64) as usize]);
            let more = rng.below(24) as usize;
            bytes.extend((0..more).map(|_| rng.next() as u8));
            for cut in [bytes.len(), run + 1, run.min(bytes.len())] {
                let b = &bytes[..cut];
                assert_eq!(capitals(b), capitals_bytewise(b), "{b:?}");
            }
        }
    }
}
