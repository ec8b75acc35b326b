//! Phoenix `TraceDataset.save()` parquet files (`trace_dataset-<uuid>.parquet`): the span
//! dataframe (`context.span_id`, `context.trace_id`, `parent_id`, `name`, `span_kind`,
//! `start_time`, `end_time`, `status_code`, `status_message`, `events`, `attributes.*`) as
//! pyarrow writes it (snappy-compressed by default).
//!
//! Recognised by content: a parquet file starts with the magic `PAR1` (and ends with it; a
//! file that starts with it and does not end with it is read as far as it can be, and reported
//! cut short). Each row becomes one JSON object line, the same record the dataframe's
//! `to_json(orient="records", lines=True)` writes, so the walker reads it as the Phoenix
//! dataframe JSONL it already knows (line N of what is indexed is row N of the file).
//! Timestamps are written as RFC 3339 UTC (pyarrow keeps pandas' microseconds, or
//! milliseconds with `coerce_timestamps="ms"`); structs and maps become objects, lists
//! arrays. A struct's null members are left out: pyarrow gives a struct column the union of
//! the keys of every row's dict, so a key one dict lacks reads back as null, and a message with
//! `message.tool_call_id: null` would no longer be the message the dict held. What JSON cannot hold (NaN and infinite floats) becomes `null` and is reported with
//! its row and column; binary values become base64 strings, also reported.
//!
//! Evaluations: `TraceDataset.save()` writes each `SpanEvaluations`, `DocumentEvaluations` or
//! `TraceEvaluations` attached to the dataset as a parquet file of its own
//! (`evaluations-<eval id>.parquet`, beside the spans), whose key-value metadata `arize` names
//! it (`{"eval_id", "eval_name", "eval_type"}`) and whose columns are its index
//! (`context.span_id` / `span_id`, with `document_position` / `position` for documents;
//! `context.trace_id` / `trace_id`) and `label` / `score` / `explanation`. Such a file is
//! recognised by that metadata and each row becomes the annotation record the walker already
//! reads (`{"span_id" | "trace_id", "annotation_name", "result.label", "result.score",
//! "result.explanation"}`, a document's position as `document_position`), a null cell left
//! out: a missing label or a NaN score is no value, never a made-up one. The trace dataset's
//! own `arize` metadata lists its evaluations' ids (`eval_ids`): returned with the rows, so
//! the files can be looked for beside it ([`crate::load`]).
//!
//! Memory: the parquet reader holds one row group's column chunks at a time (over the mapped
//! or spilled input, not a copy); the lines go to a [`Spill`] under the decode limit.

use super::meter::Meter;
use super::spill::{Full, Spill};
use super::{Bytes, Note};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The magic at both ends of a parquet file.
const MAGIC: &[u8; 4] = b"PAR1";
/// How deep nested values are followed (structs in lists in structs…); deeper is reported.
const MAX_DEPTH: usize = 64;
/// Problems reported per file at most (one note each); the rest are counted.
const MAX_NOTES: usize = 100;

/// Whether `src` is a parquet file (its first four bytes are the magic).
pub(crate) fn detect(src: &[u8]) -> bool {
    src.starts_with(MAGIC)
}

/// Why a parquet file could not be read at all.
pub(crate) enum Failed {
    Full(Full),
    /// No row could be read: the reason.
    Unreadable(String),
}

impl From<Full> for Failed {
    fn from(e: Full) -> Self {
        Failed::Full(e)
    }
}

/// The input's bytes as the parquet reader takes them, without a copy.
struct Shared(Arc<Bytes>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.get()
    }
}

/// What a parquet file held, as JSON lines.
pub(crate) struct Converted {
    pub bytes: Bytes,
    pub notes: Vec<Note>,
    /// The ids of the evaluations a Phoenix trace dataset lists in its metadata (`eval_ids`),
    /// as written.
    pub eval_ids: Vec<String>,
    /// A Phoenix evaluations file's own id (`eval_id`).
    pub eval_id: Option<String>,
}

/// What Phoenix's `arize` key-value metadata says the file is.
enum Role {
    /// Rows as they are (a trace dataset's spans, or any other table).
    Rows,
    /// One Phoenix evaluations object: its name and what its rows judge.
    Evaluations { name: String, of: Judged },
}

/// What the rows of an evaluations file judge (Phoenix's `eval_type`).
#[derive(Clone, Copy)]
enum Judged {
    Spans,
    Documents,
    Traces,
}

/// What Phoenix's `arize` metadata says: the file's role, the evaluation ids it lists (a trace
/// dataset) and its own evaluation id (an evaluations file).
struct Arize {
    role: Role,
    lists: Vec<String>,
    id: Option<String>,
}

/// The file's role and ids, from its `arize` metadata (absent, unreadable or without
/// `eval_name`: rows as they are).
fn arize(meta: &parquet::file::metadata::FileMetaData) -> Arize {
    let arize = meta
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == "arize"))
        .and_then(|k| k.value.as_deref())
        .and_then(|v| serde_json::from_str::<Value>(v).ok());
    let Some(arize) = arize else {
        return Arize {
            role: Role::Rows,
            lists: Vec::new(),
            id: None,
        };
    };
    let id = arize
        .get("eval_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let lists = arize
        .get("eval_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let name = arize
        .get("eval_name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Arize {
            role: Role::Rows,
            lists,
            id: None,
        };
    };
    let columns: Vec<&str> = meta
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name())
        .collect();
    let has = |names: &[&str]| names.iter().any(|n| columns.contains(n));
    let of = match arize.get("eval_type").and_then(Value::as_str) {
        Some("TraceEvaluations") => Judged::Traces,
        Some("DocumentEvaluations") => Judged::Documents,
        Some("SpanEvaluations") => Judged::Spans,
        // Another type (a later Phoenix): what its index columns say.
        _ if has(&TRACE_ID) => Judged::Traces,
        _ if has(&POSITION) => Judged::Documents,
        _ => Judged::Spans,
    };
    Arize {
        role: Role::Evaluations {
            name: name.to_owned(),
            of,
        },
        lists,
        id,
    }
}

/// The index column names Phoenix takes (the preferred name first, then its alias).
const SPAN_ID: [&str; 2] = ["context.span_id", "span_id"];
const TRACE_ID: [&str; 2] = ["context.trace_id", "trace_id"];
const POSITION: [&str; 2] = ["document_position", "position"];

/// One evaluations row as an annotation record, or why it judges nothing.
fn annotation(
    mut row: Map<String, Value>,
    name: &str,
    of: Judged,
) -> Result<Map<String, Value>, String> {
    let mut take = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| row.remove(*n).filter(|v| !v.is_null()))
    };
    let (key, id) = match of {
        Judged::Traces => ("trace_id", take(&TRACE_ID)),
        Judged::Spans | Judged::Documents => ("span_id", take(&SPAN_ID)),
    };
    let position = match of {
        Judged::Documents => take(&POSITION),
        _ => None,
    };
    let mut out = Map::new();
    out.insert("annotation_name".into(), Value::from(name));
    for field in ["label", "score", "explanation"] {
        if let Some(v) = take(&[field]) {
            out.insert(format!("result.{field}"), v);
        }
    }
    match id {
        Some(Value::String(id)) if !id.is_empty() => {
            out.insert(key.into(), Value::String(id));
        }
        _ => {
            let what = if key == "trace_id" { "trace" } else { "span" };
            return Err(format!(
                "evaluation {name:?} names no {what} ({} empty): not attached",
                if key == "trace_id" {
                    TRACE_ID[0]
                } else {
                    SPAN_ID[0]
                }
            ));
        }
    }
    if let Some(p) = position {
        out.insert("document_position".into(), p);
    }
    Ok(out)
}

/// Converts every row of the parquet file in `src` into one JSON line, in memory or a
/// temporary file, up to `limit` bytes: the row's columns, or for a Phoenix evaluations file
/// the annotation it is.
pub(crate) fn convert(src: Arc<Bytes>, limit: u64, meter: &mut Meter) -> Result<Converted, Failed> {
    let whole = src.get().len();
    let ends = src.get().ends_with(MAGIC) && whole >= 8;
    let data = bytes::Bytes::from_owner(Shared(src));
    let reader = match SerializedFileReader::new(data) {
        Ok(r) => r,
        Err(e) if !ends => {
            return Err(Failed::Unreadable(format!(
                "a parquet file cut short ({} bytes, no closing PAR1 footer): {e}",
                crate::fmt::thousands(whole as u64)
            )));
        }
        Err(e) => return Err(Failed::Unreadable(unreadable(&e))),
    };
    // What the footer says the row groups hold, decompressed, is what reading them takes:
    // above the decode limit (or negative) the file is refused before anything is read.
    {
        use parquet::file::reader::FileReader;
        for (i, rg) in reader.metadata().row_groups().iter().enumerate() {
            let claimed: i64 = rg
                .columns()
                .iter()
                .map(|c| c.uncompressed_size())
                .try_fold(0i64, |a, n| (n >= 0).then(|| a.saturating_add(n)))
                .unwrap_or(-1);
            if claimed < 0 || u64::try_from(claimed).is_ok_and(|n| n > limit) {
                return Err(Failed::Unreadable(format!(
                    "parquet row group {} claims {} of data once decompressed, more than the \
                     {} sesstui decodes",
                    i + 1,
                    if claimed < 0 {
                        "a negative size".to_owned()
                    } else {
                        crate::fmt::bytes(claimed as u64)
                    },
                    crate::fmt::bytes(limit)
                )));
            }
        }
    }
    let Arize {
        role,
        lists: eval_ids,
        id: eval_id,
    } = arize(reader.metadata().file_metadata());
    let rows = match reader.get_row_iter(None) {
        Ok(rows) => rows,
        Err(e) => return Err(Failed::Unreadable(unreadable(&e))),
    };
    let mut out = Spill::new(limit);
    let mut notes = Notes::default();
    let mut line = 0u64;
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(e) if line == 0 => {
                return Err(Failed::Unreadable(unreadable(&e)));
            }
            Err(e) => {
                notes.push(Note::lost(format!(
                    "parquet row {}: {e}: the rest of the file is lost",
                    line + 1
                )));
                break;
            }
        };
        line += 1;
        let object = row_object(&row, line, &mut notes);
        let object = match &role {
            Role::Rows => Some(object),
            // A row that judges nothing is reported in its line's place (left empty).
            Role::Evaluations { name, of } => annotation(object, name, *of)
                .map_err(|why| notes.push(Note::at(line, format!("parquet row {line}: {why}"))))
                .ok(),
        };
        let mut text = object
            .map(|o| serde_json::to_vec(&Value::Object(o)).unwrap_or_default())
            .unwrap_or_default();
        text.push(b'\n');
        out.write(&text)?;
        meter.tick(out.len());
    }
    meter.done();
    let bytes = out.finish().map_err(|e| Failed::Full(Full::Io(e)))?;
    Ok(Converted {
        bytes,
        notes: notes.finish(),
        eval_ids,
        eval_id,
    })
}

/// Why the reader stopped, in the user's terms where the parquet reader's are obscure.
fn unreadable(e: &parquet::errors::ParquetError) -> String {
    let text = e.to_string();
    match text.split_once("Disabled feature at compile time: ") {
        Some((_, codec)) => format!(
            "a parquet file compressed with {codec}, which sesstui does not read \
             (snappy, pyarrow's default, and uncompressed files are read)"
        ),
        None => format!("unreadable parquet file: {text}"),
    }
}

/// Notes, capped at [`MAX_NOTES`].
#[derive(Default)]
struct Notes {
    kept: Vec<Note>,
    more: u64,
}

impl Notes {
    fn push(&mut self, n: Note) {
        if self.kept.len() < MAX_NOTES {
            self.kept.push(n);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<Note> {
        if self.more > 0 {
            self.kept.push(Note::lost(format!(
                "{} more parquet values not representable in JSON",
                crate::fmt::thousands(self.more)
            )));
        }
        self.kept
    }
}

/// One row as the dataframe's JSON record: its columns in order.
fn row_object(row: &Row, line: u64, notes: &mut Notes) -> Map<String, Value> {
    let mut obj = Map::new();
    for (name, field) in row.get_column_iter() {
        let mut at = Place {
            line,
            column: name,
            notes,
        };
        obj.insert(name.clone(), value(field, 0, &mut at));
    }
    obj
}

/// Where a value is, to report what cannot be represented.
struct Place<'a> {
    line: u64,
    column: &'a str,
    notes: &'a mut Notes,
}

impl Place<'_> {
    fn report(&mut self, what: &str) {
        self.notes.push(Note::at(
            self.line,
            format!("parquet row {}, column {}: {what}", self.line, self.column),
        ));
    }
}

fn float(f: f64, at: &mut Place) -> Value {
    match serde_json::Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None => {
            at.report(&format!("{f} is not a JSON number: read as null"));
            Value::Null
        }
    }
}

fn value(field: &Field, depth: usize, at: &mut Place) -> Value {
    if depth > MAX_DEPTH {
        at.report(&format!(
            "nested deeper than {MAX_DEPTH} levels: read as null"
        ));
        return Value::Null;
    }
    match field {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Byte(n) => Value::from(*n),
        Field::Short(n) => Value::from(*n),
        Field::Int(n) => Value::from(*n),
        Field::Long(n) => Value::from(*n),
        Field::UByte(n) => Value::from(*n),
        Field::UShort(n) => Value::from(*n),
        Field::UInt(n) => Value::from(*n),
        Field::ULong(n) => Value::from(*n),
        Field::Float16(f) => float(f64::from(*f), at),
        Field::Float(f) => float(f64::from(*f), at),
        Field::Double(f) => float(*f, at),
        Field::Str(s) => Value::String(s.clone()),
        Field::TimestampMillis(ms) => timestamp(i128::from(*ms) * 1_000_000, at),
        Field::TimestampMicros(us) => timestamp(i128::from(*us) * 1_000, at),
        Field::Group(row) => {
            let mut obj = Map::new();
            // A struct column has every field any row's dict had: a null member is one this
            // row's dict did not have (or had as None), left out as the dict left it out.
            for (name, f) in row.get_column_iter() {
                if !matches!(f, Field::Null) {
                    obj.insert(name.clone(), value(f, depth + 1, at));
                }
            }
            Value::Object(obj)
        }
        Field::ListInternal(list) => Value::Array(
            list.elements()
                .iter()
                .map(|f| value(f, depth + 1, at))
                .collect(),
        ),
        Field::MapInternal(map) => {
            let mut obj = Map::new();
            for (k, v) in map.entries() {
                let key = match k {
                    Field::Str(s) => s.clone(),
                    other => other.to_string(),
                };
                obj.insert(key, value(v, depth + 1, at));
            }
            Value::Object(obj)
        }
        Field::Bytes(b) => {
            use base64::Engine;
            at.report("binary value: read as a base64 string");
            Value::String(base64::engine::general_purpose::STANDARD.encode(b.data()))
        }
        // Decimals, dates and times of day: their own text (no such column in Phoenix's
        // dataframe; kept readable rather than dropped).
        other @ (Field::Decimal(_)
        | Field::Date(_)
        | Field::TimeMillis(_)
        | Field::TimeMicros(_)) => Value::String(other.to_string()),
    }
}

/// A timestamp (nanoseconds since the epoch) as RFC 3339 UTC.
fn timestamp(ns: i128, at: &mut Place) -> Value {
    match jiff::Timestamp::from_nanosecond(ns) {
        Ok(t) => Value::String(t.to_string()),
        Err(_) => {
            at.report("timestamp out of range: read as null");
            Value::Null
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_the_leading_magic_only() {
        assert!(detect(b"PAR1\x15\x04PAR1"));
        assert!(detect(b"PAR1 cut"));
        assert!(!detect(b"{\"PAR1\":1}"));
        assert!(!detect(b"PAR"));
    }

    #[test]
    fn garbage_after_the_magic_is_unreadable_not_a_panic() {
        for src in [
            &b"PAR1"[..],
            b"PAR1PAR1",
            b"PAR1\xff\xff\xff\xff\0\0\0\0PAR1",
            b"PAR1xxxx",
        ] {
            let got = convert(
                Arc::new(Bytes::Owned(src.to_vec())),
                1 << 20,
                &mut Meter::off(),
            );
            assert!(matches!(got, Err(Failed::Unreadable(_))), "{src:?}");
        }
    }

    /// A row group whose footer claims more decompressed bytes than the decode limit is
    /// refused before a row is read (what the reader would allocate is bounded by the limit).
    #[test]
    fn a_row_group_larger_than_the_limit_is_refused_before_reading() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/phoenix_parquet/codec_none.parquet"
        );
        let src = std::fs::read(path).expect("fixture");
        let open = |limit| {
            convert(
                Arc::new(Bytes::Owned(src.clone())),
                limit,
                &mut Meter::off(),
            )
        };
        match open(1000) {
            Err(Failed::Unreadable(why)) => {
                assert!(why.contains("row group 1 claims"), "{why}");
                assert!(
                    why.contains("more than the 1.0 KB sesstui decodes"),
                    "{why}"
                );
            }
            Ok(c) => panic!("not refused: {} bytes read", c.bytes.get().len()),
            Err(_) => panic!("refused for another reason"),
        }
        assert!(open(64 << 20).is_ok());
    }

    #[test]
    fn what_json_cannot_hold_is_reported_not_dropped_silently() {
        let mut notes = Notes::default();
        let mut at = Place {
            line: 7,
            column: "attributes.score",
            notes: &mut notes,
        };
        assert_eq!(value(&Field::Double(f64::NAN), 0, &mut at), Value::Null);
        assert_eq!(value(&Field::Double(1.5), 0, &mut at), Value::from(1.5));
        assert_eq!(
            value(&Field::TimestampMillis(1_795_318_546_218), 0, &mut at),
            Value::from("2026-11-22T03:35:46.218Z")
        );
        let notes = notes.finish();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].line, Some(7));
        assert!(
            notes[0]
                .reason
                .contains("row 7, column attributes.score: NaN"),
            "{}",
            notes[0].reason
        );
    }

    fn row(v: serde_json::Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// A null label or score (pyarrow writes pandas' NaN as null) is left out, never a value;
    /// an alias of the index is read as the preferred name.
    #[test]
    fn an_evaluations_row_becomes_the_annotation_it_is() {
        let got = annotation(
            row(
                serde_json::json!({"label": null, "score": 0.5, "explanation": "partly",
                                   "span_id": "290464c5c9307bec"}),
            ),
            "correctness",
            Judged::Spans,
        )
        .unwrap();
        assert_eq!(
            Value::Object(got),
            serde_json::json!({"annotation_name": "correctness", "result.score": 0.5,
                               "result.explanation": "partly", "span_id": "290464c5c9307bec"})
        );
        let doc = annotation(
            row(
                serde_json::json!({"label": "relevant", "context.span_id": "ab",
                                   "document_position": 2}),
            ),
            "relevance",
            Judged::Documents,
        )
        .unwrap();
        assert_eq!(doc.get("document_position"), Some(&Value::from(2)));
        assert_eq!(doc.get("span_id"), Some(&Value::from("ab")));
        let trace = annotation(
            row(serde_json::json!({"score": 1.0, "context.trace_id": "0e5f"})),
            "goal",
            Judged::Traces,
        )
        .unwrap();
        assert_eq!(trace.get("trace_id"), Some(&Value::from("0e5f")));
        assert_eq!(trace.get("span_id"), None);
    }

    #[test]
    fn an_evaluations_row_that_names_nothing_is_reported() {
        let why = annotation(
            row(serde_json::json!({"label": "x", "context.span_id": null})),
            "correctness",
            Judged::Spans,
        )
        .unwrap_err();
        assert!(why.contains("names no span"), "{why}");
    }
}
