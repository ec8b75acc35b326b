//! What a record that holds no span looked like, for its report.
//!
//! Cold path: run only on well-formed records the walker found no span in. It reads the
//! record's top-level keys (and, for OTLP traces, counts the spans) with the same cursor as the
//! scan, so a huge record costs a skim, not a parse into memory.

use crate::json::{Cursor, ValueKind};

/// Keys read before the description gives up listing them.
const KEYS: usize = 64;
/// Keys named in a description.
const NAMED: usize = 5;

/// A record's shape, when it holds no span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Another OpenTelemetry signal (logs, metrics, profiles): not traces, and not an error.
    OtherSignal(&'static str),
    /// Not a trace export sesstui reads (with what it looked like).
    Unknown(String),
}

impl Shape {
    pub fn reason(&self) -> String {
        match self {
            Shape::OtherSignal(what) => format!("{what}: another OpenTelemetry signal, not traces"),
            Shape::Unknown(what) => format!("no span in this record: {what}"),
        }
    }
}

/// Describes the record `bytes` (one well-formed JSON value).
pub fn describe(bytes: &[u8]) -> Shape {
    let mut c = Cursor::new(bytes);
    match c.peek_kind() {
        Ok(ValueKind::Object) => object(&mut c),
        Ok(ValueKind::Array) => Shape::Unknown(list(&mut c)),
        Ok(kind) => Shape::Unknown(format!("a JSON {}, not an object", kind_name(kind))),
        Err(_) => Shape::Unknown("not JSON".into()),
    }
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Object => "object",
        ValueKind::Array => "list",
        ValueKind::String => "string",
        ValueKind::Number => "number",
        ValueKind::Bool => "true/false",
        ValueKind::Null => "null",
    }
}

/// An object's top-level keys (up to [`KEYS`]), each with the kind of its value and, for
/// lists, the keys of their first object.
struct Keys {
    keys: Vec<(String, ValueKind, Vec<String>)>,
    more: bool,
}

impl Keys {
    fn has(&self, k: &str) -> bool {
        self.keys.iter().any(|(key, _, _)| key == k)
    }

    fn get(&self, k: &str) -> Option<&(String, ValueKind, Vec<String>)> {
        self.keys.iter().find(|(key, _, _)| key == k)
    }

    fn named(&self) -> String {
        let mut s = self
            .keys
            .iter()
            .take(NAMED)
            .map(|(k, _, _)| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ");
        if self.more || self.keys.len() > NAMED {
            s.push_str(", …");
        }
        s
    }
}

/// Reads the keys of the object under the cursor; `None` if it is not well formed. Only the
/// top level (`outer`) looks into its lists' first objects: one level, never deeper.
fn keys(c: &mut Cursor<'_>, outer: bool) -> Option<Keys> {
    c.object_start().ok()?;
    let mut out = Keys {
        keys: Vec::new(),
        more: false,
    };
    let mut first = true;
    while c.next_key(&mut first).ok()? {
        if out.keys.len() == KEYS {
            out.more = true;
            return Some(out);
        }
        let key = c.key().decode().chars().take(40).collect::<String>();
        let kind = c.peek_kind().ok()?;
        let inner = if outer && kind == ValueKind::Array {
            first_object_keys(c)?
        } else {
            c.skip_value().ok()?;
            Vec::new()
        };
        out.keys.push((key, kind, inner));
    }
    Some(out)
}

/// Skips the list under the cursor; the keys of its first item when that is an object.
fn first_object_keys(c: &mut Cursor<'_>) -> Option<Vec<String>> {
    let start = c.pos();
    let mut probe = c.clone();
    probe.array_start().ok()?;
    let mut first = true;
    let mut names = Vec::new();
    if probe.next_item(&mut first).ok()?
        && probe.peek_kind().ok()? == ValueKind::Object
        && let Some(k) = keys(&mut probe, false)
    {
        names = k.keys.into_iter().map(|(k, _, _)| k).collect();
    }
    c.set_pos(start);
    c.skip_value().ok()?;
    Some(names)
}

fn object(c: &mut Cursor<'_>) -> Shape {
    let start = c.pos();
    let Some(k) = keys(c, true) else {
        return Shape::Unknown("an object that could not be read".into());
    };
    if k.has("resourceLogs") {
        return Shape::OtherSignal("OTLP logs (resourceLogs)");
    }
    if k.has("resourceMetrics") {
        return Shape::OtherSignal("OTLP metrics (resourceMetrics)");
    }
    if k.has("resourceProfiles") {
        return Shape::OtherSignal("OTLP profiles (resourceProfiles)");
    }
    if k.has("resourceSpans") || k.has("resource_spans") {
        let mut c = Cursor::new(c.buf());
        c.set_pos(start);
        return Shape::Unknown(otlp_traces(&mut c));
    }
    if let Some((_, ValueKind::Object, _)) = k.get("result") {
        return Shape::Unknown(
            "an envelope (\"result\": {…}, as Jaeger's API v3 answers) holding no OTLP span it \
             could read"
                .into(),
        );
    }
    if let Some((_, ValueKind::Array, inner)) = k.get("data")
        && inner.iter().any(|i| i == "traceID")
        && inner.iter().any(|i| i == "spans")
    {
        return Shape::Unknown(
            "a Jaeger query / UI trace document (\"data\": [{\"traceID\", \"spans\", …}]) \
             holding no span it could read"
                .into(),
        );
    }
    if k.has("trace") && k.has("observations") {
        return Shape::Unknown(
            "a Langfuse trace download (\"trace\", \"observations\") holding no trace or \
             observation it could read"
                .into(),
        );
    }
    if k.has("batches") {
        return Shape::Unknown(
            "a Grafana Tempo \"batches\" document holding no span it could read".into(),
        );
    }
    if k.keys.is_empty() {
        return Shape::Unknown("an empty object".into());
    }
    let ids = [
        "trace_id",
        "traceId",
        "traceID",
        "context.trace_id",
        "request_id",
    ];
    if ids.iter().any(|i| k.has(i)) {
        return Shape::Unknown(format!(
            "an object with a trace id but no span it could read (keys {})",
            k.named()
        ));
    }
    Shape::Unknown(format!(
        "an object with keys {}, not a known trace export shape",
        k.named()
    ))
}

fn list(c: &mut Cursor<'_>) -> String {
    let mut n = 0usize;
    let mut first_kind = None;
    let mut first_keys = None;
    if c.array_start().is_err() {
        return "a list that could not be read".into();
    }
    let mut first = true;
    while let Ok(true) = c.next_item(&mut first) {
        let Ok(kind) = c.peek_kind() else { break };
        if n == 0 {
            first_kind = Some(kind);
            if kind == ValueKind::Object {
                first_keys = keys(c, false);
                n += 1;
                continue;
            }
        }
        if c.skip_value().is_err() {
            break;
        }
        n += 1;
    }
    let count = crate::fmt::thousands(n as u64);
    match (first_kind, first_keys) {
        (None, _) => "an empty list".into(),
        (Some(ValueKind::Object), Some(k)) => format!(
            "a list of {count} item{} (the first an object with keys {}), not a known trace \
             export shape",
            if n == 1 { "" } else { "s" },
            k.named()
        ),
        (Some(kind), _) => format!(
            "a list of {count} item{} (the first a {}), not a known trace export shape",
            if n == 1 { "" } else { "s" },
            kind_name(kind)
        ),
    }
}

/// An OTLP traces record with no span read: an empty export, or spans without usable ids.
fn otlp_traces(c: &mut Cursor<'_>) -> String {
    let spans = count_otlp_spans(c);
    match spans {
        Some(0) => "an OTLP traces export with no span in it".into(),
        Some(n) => format!(
            "OTLP traces with {} span{}, none with a trace id it could read",
            crate::fmt::thousands(n),
            if n == 1 { "" } else { "s" }
        ),
        None => "OTLP traces (resourceSpans) it could not read".into(),
    }
}

/// Spans under `resourceSpans[].scopeSpans[].spans[]` (or the older
/// `instrumentationLibrarySpans`), counted without reading them.
fn count_otlp_spans(c: &mut Cursor<'_>) -> Option<u64> {
    let mut n = 0u64;
    each_item_of(c, &["resourceSpans", "resource_spans"], &mut |c| {
        each_item_of(
            c,
            &[
                "scopeSpans",
                "scope_spans",
                "instrumentationLibrarySpans",
                "instrumentation_library_spans",
            ],
            &mut |c| {
                each_item_of(c, &["spans"], &mut |c| {
                    n += 1;
                    c.skip_value().ok()
                })
            },
        )
    })?;
    Some(n)
}

/// Calls `f` on each item of the list under one of `names` in the object under the cursor;
/// every other value is skipped. Three levels deep at most (the callers nest it thrice).
fn each_item_of(
    c: &mut Cursor<'_>,
    names: &[&str],
    f: &mut dyn FnMut(&mut Cursor<'_>) -> Option<()>,
) -> Option<()> {
    if c.peek_kind().ok()? != ValueKind::Object {
        return c.skip_value().ok();
    }
    c.object_start().ok()?;
    let mut first = true;
    while c.next_key(&mut first).ok()? {
        let wanted = names.iter().any(|n| c.key().eq_str(n));
        if wanted && c.peek_kind().ok()? == ValueKind::Array {
            c.array_start().ok()?;
            let mut first_item = true;
            while c.next_item(&mut first_item).ok()? {
                f(c)?;
            }
        } else {
            c.skip_value().ok()?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(json: &str) -> String {
        describe(json.as_bytes()).reason()
    }

    #[test]
    fn other_signals_are_named_not_called_malformed() {
        assert_eq!(
            describe(br#"{"resourceLogs":[{"scopeLogs":[]}]}"#),
            Shape::OtherSignal("OTLP logs (resourceLogs)")
        );
        assert_eq!(
            describe(br#"{"resourceMetrics":[]}"#),
            Shape::OtherSignal("OTLP metrics (resourceMetrics)")
        );
    }

    #[test]
    fn each_shape_says_what_it_looked_like() {
        let otlp = r#"{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[{"traceId":"","spanId":""},{"traceId":"","spanId":""}]}]}]}"#;
        assert_eq!(
            says(otlp),
            "no span in this record: OTLP traces with 2 spans, none with a trace id it could read"
        );
        assert!(says(r#"{"resourceSpans":[]}"#).contains("export with no span in it"));
        assert!(says(r#"{"result":{"resourceSpans":[]}}"#).contains("envelope"));
        assert!(says(r#"{"data":[{"traceID":"a","spans":[],"processes":{}}]}"#).contains("Jaeger"));
        assert!(says(r#"{"trace":{"id":"t"},"observations":[]}"#).contains("Langfuse"));
        assert_eq!(
            says(r#"{"a":1,"b":[1],"c":{},"d":null,"e":"x","f":2}"#),
            "no span in this record: an object with keys \"a\", \"b\", \"c\", \"d\", \"e\", …, not a known trace export shape"
        );
        assert!(
            says(r#"[{"x":1},{"x":2}]"#)
                .contains("a list of 2 items (the first an object with keys \"x\")")
        );
        assert!(says(r#"[1,2,3]"#).contains("a list of 3 items (the first a number)"));
        assert_eq!(says("[]"), "no span in this record: an empty list");
        assert_eq!(
            says("\"hi\""),
            "no span in this record: a JSON string, not an object"
        );
        assert!(says(r#"{"traceId":"abc","name":"n"}"#).contains("a trace id but no span"));
    }

    #[test]
    fn hostile_keys_are_cut_and_left_to_the_sanitiser() {
        let long = "k".repeat(500);
        let r = says(&format!("{{\"{long}\":1}}"));
        assert!(r.len() < 200, "{r}");
    }
}
