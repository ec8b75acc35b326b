//! One export request, as received: decoded (protobuf or JSON), its spans checked, and written
//! as the one OTLP/JSON line that is saved. No I/O: the servers ([`super::http`],
//! [`super::grpc`]) hand the body here and answer with what comes back.
//!
//! A span whose trace id is not 16 bytes with a non-zero byte, or whose span id is not 8 bytes
//! with a non-zero byte, is invalid (OTel trace API) and is *rejected*: left out of the saved
//! line, counted and named in the partial-success answer, so the sender knows. Everything else
//! is kept as decoded. The line is written by `opentelemetry-proto`'s serde support, the
//! OTLP/JSON encoding (hex ids, 64-bit integers as strings, lowerCamelCase names): the Collector
//! file exporter's format, so the saved file opens in sesstui and in other tools.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

/// How the body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

/// A request taken in: the line to save (without its line break; empty when no span is left
/// to save) and what was kept and left out.
#[derive(Debug)]
pub struct Accepted {
    pub line: Vec<u8>,
    pub spans: u64,
    pub rejected: u64,
    /// Why spans were rejected, for the partial-success answer (`None` when none was).
    pub message: Option<String>,
}

/// A body that is not an export request (answered 400 / `INVALID_ARGUMENT`).
#[derive(Debug, PartialEq, Eq)]
pub struct Undecodable(pub String);

/// Decodes, checks and encodes one request body (already decompressed).
pub fn accept(body: &[u8], encoding: Encoding) -> Result<Accepted, Undecodable> {
    let mut req = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body)
            .map_err(|e| Undecodable(format!("not an OTLP ExportTraceServiceRequest: {e}")))?,
        Encoding::Json => serde_json::from_slice::<ExportTraceServiceRequest>(body)
            .map_err(|e| Undecodable(format!("not an OTLP/JSON ExportTraceServiceRequest: {e}")))?,
    };
    let (spans, rejected, first) = keep_valid(&mut req);
    let message = first.map(|(name, why)| {
        let more = match rejected {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        format!(
            "{rejected} {} rejected: span {name:?}: {why}{more}",
            plural(rejected)
        )
    });
    let line = if spans == 0 {
        Vec::new()
    } else {
        serde_json::to_vec(&req)
            .map_err(|e| Undecodable(format!("cannot be written as OTLP/JSON: {e}")))?
    };
    Ok(Accepted {
        line,
        spans,
        rejected,
        message,
    })
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "span" } else { "spans" }
}

/// Removes the invalid spans (and the scope and resource entries left empty by it); returns
/// the spans kept, the spans removed, and the first removed span's name and fault.
fn keep_valid(req: &mut ExportTraceServiceRequest) -> (u64, u64, Option<(String, &'static str)>) {
    let (mut kept, mut rejected, mut first) = (0u64, 0u64, None);
    for rs in &mut req.resource_spans {
        for ss in &mut rs.scope_spans {
            ss.spans.retain(
                |s| match fault(&s.trace_id, &s.span_id, &s.parent_span_id) {
                    None => {
                        kept += 1;
                        true
                    }
                    Some(why) => {
                        rejected += 1;
                        if first.is_none() {
                            first = Some((s.name.chars().take(80).collect(), why));
                        }
                        false
                    }
                },
            );
        }
        if rejected > 0 {
            rs.scope_spans.retain(|ss| !ss.spans.is_empty());
        }
    }
    if rejected > 0 {
        req.resource_spans.retain(|rs| !rs.scope_spans.is_empty());
    }
    (kept, rejected, first)
}

/// What is wrong with a span's ids, if anything.
fn fault(trace_id: &[u8], span_id: &[u8], parent: &[u8]) -> Option<&'static str> {
    let zero = |b: &[u8]| b.iter().all(|&x| x == 0);
    if trace_id.len() != 16 || zero(trace_id) {
        Some("its trace id must be 16 bytes, not all zero")
    } else if span_id.len() != 8 || zero(span_id) {
        Some("its span id must be 8 bytes, not all zero")
    } else if !parent.is_empty() && parent.len() != 8 {
        Some("its parent span id must be empty or 8 bytes")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn span(name: &str, trace: Vec<u8>, id: Vec<u8>) -> Span {
        Span {
            name: name.to_owned(),
            trace_id: trace,
            span_id: id,
            start_time_unix_nano: 1_700_000_000_000_000_000,
            end_time_unix_nano: 1_700_000_000_500_000_000,
            ..Default::default()
        }
    }

    fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn protobuf_becomes_one_otlp_json_line() {
        let body = request(vec![span("llm", vec![0xab; 16], vec![0x01; 8])]).encode_to_vec();
        let a = accept(&body, Encoding::Protobuf).expect("accepted");
        assert_eq!((a.spans, a.rejected, a.message), (1, 0, None));
        let line = String::from_utf8(a.line).expect("utf-8");
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        let s = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "ab".repeat(16));
        assert_eq!(s["spanId"], "0101010101010101");
        assert_eq!(s["startTimeUnixNano"], "1700000000000000000");
    }

    #[test]
    fn json_and_protobuf_of_one_request_save_the_same_line() {
        let req = request(vec![span("a", vec![7; 16], vec![9; 8])]);
        let from_proto = accept(&req.encode_to_vec(), Encoding::Protobuf).expect("proto");
        let json = serde_json::to_vec(&req).expect("json");
        let from_json = accept(&json, Encoding::Json).expect("json");
        assert_eq!(from_proto.line, from_json.line);
    }

    #[test]
    fn invalid_ids_are_rejected_and_named() {
        let body = request(vec![
            span("good", vec![1; 16], vec![2; 8]),
            span("short", vec![1; 15], vec![2; 8]),
            span("zero", vec![1; 16], vec![0; 8]),
        ])
        .encode_to_vec();
        let a = accept(&body, Encoding::Protobuf).expect("accepted");
        assert_eq!((a.spans, a.rejected), (1, 2));
        assert_eq!(
            a.message.as_deref(),
            Some(
                "2 spans rejected: span \"short\": its trace id must be 16 bytes, not all zero \
                 (and 1 more)"
            )
        );
        assert!(!String::from_utf8_lossy(&a.line).contains("short"));
    }

    #[test]
    fn nothing_valid_leaves_nothing_to_save() {
        let body = request(vec![span("bad", vec![], vec![])]).encode_to_vec();
        let a = accept(&body, Encoding::Protobuf).expect("accepted");
        assert_eq!((a.spans, a.rejected, a.line.len()), (0, 1, 0));
        let empty = accept(b"", Encoding::Protobuf).expect("an empty request is valid");
        assert_eq!((empty.spans, empty.rejected, empty.line.len()), (0, 0, 0));
    }

    use proptest::prelude::*;

    fn any_span() -> impl Strategy<Value = Span> {
        (
            prop_oneof![Just(vec![]), Just(vec![0u8; 16]), prop::collection::vec(any::<u8>(), 16), prop::collection::vec(any::<u8>(), 0..20)],
            prop_oneof![Just(vec![0u8; 8]), prop::collection::vec(any::<u8>(), 8), prop::collection::vec(any::<u8>(), 0..10)],
            ".*",
            any::<u64>(),
            prop::collection::vec((".*", ".*"), 0..4),
        )
            .prop_map(|(trace_id, span_id, name, start, attrs)| Span {
                trace_id,
                span_id,
                name,
                start_time_unix_nano: start,
                attributes: attrs
                    .into_iter()
                    .map(|(k, v)| opentelemetry_proto::tonic::common::v1::KeyValue {
                        key: k,
                        value: Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                            value: Some(
                                opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(v),
                            ),
                        }),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
    }

    proptest! {
        /// What is saved is the request as sent, less exactly the spans rejected (counted):
        /// the saved line reads back to the same spans, byte for byte of every string, on one
        /// line, from protobuf and from JSON alike.
        #[test]
        fn the_saved_line_is_the_request_less_the_rejected(spans in prop::collection::vec(any_span(), 0..12)) {
            let total = spans.len() as u64;
            let valid: Vec<Span> = spans
                .iter()
                .filter(|s| fault(&s.trace_id, &s.span_id, &s.parent_span_id).is_none())
                .cloned()
                .collect();
            let req = request(spans);
            for (enc, body) in [
                (Encoding::Protobuf, req.encode_to_vec()),
                (Encoding::Json, serde_json::to_vec(&req).expect("json")),
            ] {
                let a = accept(&body, enc).expect("a valid request is taken");
                prop_assert_eq!(a.spans + a.rejected, total);
                prop_assert_eq!(a.spans, valid.len() as u64);
                prop_assert!(!a.line.contains(&b'\n'));
                if valid.is_empty() {
                    prop_assert!(a.line.is_empty());
                    continue;
                }
                let back: ExportTraceServiceRequest =
                    serde_json::from_slice(&a.line).expect("the saved line reads back");
                let got: Vec<Span> = back
                    .resource_spans
                    .into_iter()
                    .flat_map(|r| r.scope_spans)
                    .flat_map(|s| s.spans)
                    .collect();
                prop_assert_eq!(&got, &valid);
            }
        }

        #[test]
        fn any_bytes_are_refused_or_taken_without_a_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
            for enc in [Encoding::Protobuf, Encoding::Json] {
                if let Ok(a) = accept(&body, enc) {
                    prop_assert!(!a.line.contains(&b'\n'));
                }
            }
        }
    }

    #[test]
    fn garbage_and_truncated_bodies_do_not_decode() {
        let body = request(vec![span("a", vec![1; 16], vec![2; 8])]).encode_to_vec();
        assert!(accept(&body[..body.len() - 3], Encoding::Protobuf).is_err());
        assert!(accept(b"\xff\xff\xff\xff garbage", Encoding::Protobuf).is_err());
        assert!(accept(b"{\"resourceSpans\": [", Encoding::Json).is_err());
        assert!(accept(b"not json", Encoding::Json).is_err());
    }
}
