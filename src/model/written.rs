//! What a span's record says in its exporter's own words, read on request: the kind as
//! written (before it is normalised) and the status message.

use super::Model;
use crate::format::keys::{Attr, Class, classify};
use crate::format::{self, Field, Sink, Style, Want};
use crate::json::{Cursor, Scalar};
use std::ops::Range;

/// The exporter's words for a span.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The kind as the exporter wrote it (`LLM`, `CHAT_MODEL`, `SpanKind.CLIENT`, `3`): the
    /// field the normalised kind is read from (the lowest rank, as the index ranks them).
    pub kind: Option<String>,
    pub status_message: Option<String>,
}

struct WrittenSink {
    depth: usize,
    kind: Option<(u8, String)>,
    out: Written,
}

impl WrittenSink {
    fn offer(&mut self, rank: u8, text: String) {
        let text = text.trim().trim_matches('"').to_owned();
        if text.is_empty() {
            return;
        }
        if self.kind.as_ref().is_none_or(|(r, _)| rank < *r) {
            self.kind = Some((rank, text));
        }
    }
}

impl Sink for WrittenSink {
    type Tag = u8;
    const KIND_AS_WRITTEN: bool = true;
    fn open(&mut self, _at: usize) {
        self.depth += 1;
    }
    fn close(&mut self, _range: Range<usize>, _style: Style) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn field(&mut self, f: Field<'_>) {
        if self.depth != 1 {
            return;
        }
        match f {
            Field::StatusMessage(s) => {
                let m = s.decode();
                if !m.is_empty() {
                    self.out.status_message = Some(m.into_owned());
                }
            }
            Field::KindAsWritten(raw, rank) => {
                let text = String::from_utf8_lossy(raw).into_owned();
                self.offer(rank, text);
            }
            _ => {}
        }
    }
    fn want(&mut self, path: &[u8]) -> Want<u8> {
        if self.depth > 1 {
            return Want::Skip;
        }
        match classify(path) {
            Class::Leaf(Attr::Kind(rank)) => Want::Value(rank),
            Class::Tree => Want::Tree,
            _ => Want::Skip,
        }
    }
    fn attr(&mut self, _path: &[u8], tag: Option<u8>, v: Scalar<'_>) {
        let Some(rank) = tag else { return };
        let text = match v {
            Scalar::Str(s) => s.decode().into_owned(),
            Scalar::Num(n) => String::from_utf8_lossy(n).into_owned(),
            _ => return,
        };
        self.offer(rank, text);
    }
    fn too_deep(&mut self, _path: &[u8], _depth: usize) {}
    fn trace_meta(&mut self, _key: &[u8], _v: Scalar<'_>) {}
    fn trace_info(&mut self, _range: Range<usize>) {}
    fn evaluation(&mut self, _e: crate::format::Evaluation) {}
}

impl Written {
    /// Reads span `span`'s record for its kind and status message (nothing else is kept).
    pub fn load(model: &Model, span: u32) -> Written {
        Self::from_bytes(model.index.span_bytes(span))
    }

    pub fn from_bytes(bytes: &[u8]) -> Written {
        let mut sink = WrittenSink {
            depth: 0,
            kind: None,
            out: Written::default(),
        };
        let mut c = Cursor::new(bytes);
        // A record that stops reading part-way keeps what was read.
        let _ = format::walk(&mut c, &mut sink);
        sink.out.kind = sink.kind.map(|(_, k)| k);
        sink.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_as_written_and_the_status_message() {
        let w = Written::from_bytes(
            br#"{"name":"x","span_kind":"LLM","status_code":"ERROR","status_message":"boom","context.span_id":"0000000000000001","attributes.openinference.span.kind":"CHAIN"}"#,
        );
        // The attribute ranks above the top-level field, as in the index.
        assert_eq!(w.kind.as_deref(), Some("CHAIN"));
        assert_eq!(w.status_message.as_deref(), Some("boom"));
        let mlflow = Written::from_bytes(
            br#"{"span_id":"AAAAAAAAAAQ=","trace_id":"tr-1","name":"chat","attributes":{"mlflow.spanType":"\"CHAT_MODEL\""},"status":{"code":"STATUS_CODE_OK","message":""}}"#,
        );
        assert_eq!(mlflow.kind.as_deref(), Some("CHAT_MODEL"));
        assert_eq!(mlflow.status_message, None);
        let otlp = Written::from_bytes(
            br#"{"traceId":"01","spanId":"02","name":"c","kind":3,"status":{"code":2,"message":"bad"}}"#,
        );
        assert_eq!(otlp.kind.as_deref(), Some("3"));
        assert_eq!(otlp.status_message.as_deref(), Some("bad"));
    }
}
