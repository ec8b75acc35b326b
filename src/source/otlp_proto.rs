//! One OTLP payload (protobuf or JSON; traces, and logs or metrics beside them) → one OTLP/JSON
//! line, as the OTLP/JSON encoding
//! writes it, so that [`crate::format`] indexes it like any OTLP/JSON file.
//!
//! Protobuf payloads are decoded with `prost` into `opentelemetry-proto`'s generated types and
//! written with that crate's `with-serde` support, which follows the OTLP/JSON rules: trace and
//! span ids as lowercase hex, enums as integers, 64-bit integers as decimal strings, field names
//! in lowerCamelCase (checked by the tests below and against the OTel Python SDK's own JSON in
//! `tests/compressed.rs`). `TracesData` is what the Collector's file exporter writes; an
//! `ExportTraceServiceRequest` has the same wire form (field 1, repeated `ResourceSpans`).
//!
//! Depth: prost refuses messages nested more than 100 deep (its recursion limit), so a hostile
//! `AnyValue` (arrays in kvlists in arrays…) is refused while decoding, and what is written is
//! at most that deep.

use super::compressed::ZSTD_MAGIC;
use opentelemetry_proto::tonic::logs::v1::LogsData;
use opentelemetry_proto::tonic::metrics::v1::MetricsData;
use opentelemetry_proto::tonic::trace::v1::TracesData;
use prost::Message;
use std::io::Read;

/// A payload that is not an OTLP record, and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotTraces(pub String);

/// The JSON line (without its line break) for one payload, zstd-compressed or not; at most
/// `limit` decoded bytes.
pub(crate) fn to_json_line(payload: &[u8], limit: u64) -> Result<Vec<u8>, NotTraces> {
    if payload.starts_with(&ZSTD_MAGIC) {
        let plain = unzstd(payload, limit)?;
        return plain_to_json_line(&plain)
            .map_err(|NotTraces(why)| NotTraces(format!("zstd-compressed payload, {why}")));
    }
    plain_to_json_line(payload)
}

/// A zstd payload, decoded; more than `limit` bytes is refused.
fn unzstd(payload: &[u8], limit: u64) -> Result<Vec<u8>, NotTraces> {
    let mut out = Vec::new();
    let d = zstd::stream::read::Decoder::new(payload)
        .map_err(|e| NotTraces(format!("zstd decoder could not start: {e}")))?;
    d.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| NotTraces(format!("zstd-compressed payload does not decode: {e}")))?;
    if out.len() as u64 > limit {
        return Err(NotTraces(format!(
            "zstd-compressed payload decodes to more than {} bytes",
            crate::fmt::thousands(limit)
        )));
    }
    Ok(out)
}

fn plain_to_json_line(payload: &[u8]) -> Result<Vec<u8>, NotTraces> {
    let first = payload.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Ok(json_line(payload));
    }
    let written = match decode(payload)? {
        Signal::Traces(d) => serde_json::to_vec(&d),
        Signal::Logs(d) => serde_json::to_vec(&d),
        Signal::Metrics(d) => serde_json::to_vec(&d),
    };
    written.map_err(|e| NotTraces(format!("cannot be written as JSON: {e}")))
}

/// An OTLP protobuf record of one signal.
enum Signal {
    Traces(TracesData),
    Logs(LogsData),
    Metrics(MetricsData),
}

/// Decodes a protobuf record. Protobuf does not say which message it holds, and the three
/// signals' messages share their outer shape, so: trace data whose ids have trace-id and
/// span-id lengths is traces; else logs or metrics when the record decodes as one (a Collector
/// file exporter shared by three pipelines writes all three into one file; written out as
/// `resourceLogs` / `resourceMetrics`, the index sees them for what they are); else trace data as decoded, odd ids and all (the index reports
/// them); else not OTLP.
fn decode(payload: &[u8]) -> Result<Signal, NotTraces> {
    let traces = match TracesData::decode(payload) {
        Ok(d) if ids_look_like_spans(&d) => return Ok(Signal::Traces(d)),
        other => other,
    };
    if let Ok(d) = LogsData::decode(payload)
        && !d.resource_logs.is_empty()
    {
        return Ok(Signal::Logs(d));
    }
    if let Ok(d) = MetricsData::decode(payload)
        && !d.resource_metrics.is_empty()
    {
        return Ok(Signal::Metrics(d));
    }
    traces
        .map(Signal::Traces)
        .map_err(|e| NotTraces(format!("not OTLP protobuf ({e})")))
}

/// Whether every span has a 16-byte trace id and an 8-byte span id.
fn ids_look_like_spans(d: &TracesData) -> bool {
    d.resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .all(|s| s.trace_id.len() == 16 && s.span_id.len() == 8)
}

/// A JSON payload on one line: a line break in JSON is whitespace between tokens (one inside
/// a string is invalid JSON, reported as such by the index), so a space means the same.
fn json_line(payload: &[u8]) -> Vec<u8> {
    payload
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect()
}

/// Whether `payload` is an OTLP record (traces, logs or metrics) with at least one resource
/// (what the file exporter writes), or JSON: used to recognise the framing before committing to
/// it.
pub(crate) fn is_otlp(payload: &[u8], limit: u64) -> bool {
    let plain;
    let body = if payload.starts_with(&ZSTD_MAGIC) {
        match unzstd(payload, limit) {
            Ok(p) => {
                plain = p;
                &plain[..]
            }
            Err(_) => return false,
        }
    } else {
        payload
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    }
    match decode(body) {
        Ok(Signal::Traces(d)) => !d.resource_spans.is_empty(),
        Ok(_) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{
        AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

    fn kv(key: &str, v: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(v) }),
            ..Default::default()
        }
    }

    fn sample() -> TracesData {
        let span = Span {
            trace_id: (1..=16).collect(),
            span_id: vec![0xab; 8],
            parent_span_id: vec![],
            name: "ChatCompletion".into(),
            kind: 3,
            start_time_unix_nano: 1_772_442_002_185_000_000,
            end_time_unix_nano: 1_772_442_003_416_000_000,
            attributes: vec![
                kv("s", Value::StringValue("x".into())),
                kv("i", Value::IntValue(-7)),
                kv("d", Value::DoubleValue(0.25)),
                kv("b", Value::BoolValue(true)),
                kv("y", Value::BytesValue(vec![0x8f, 0x01, 0xfe])),
                kv(
                    "a",
                    Value::ArrayValue(ArrayValue {
                        values: vec![AnyValue {
                            value: Some(Value::IntValue(100)),
                        }],
                    }),
                ),
                kv(
                    "k",
                    Value::KvlistValue(KeyValueList {
                        values: vec![kv("r", Value::StringValue("eu".into()))],
                    }),
                ),
            ],
            status: Some(Status {
                message: "boom".into(),
                code: 2,
            }),
            ..Default::default()
        };
        TracesData {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![kv("service.name", Value::StringValue("svc".into()))],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans: vec![span],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn protobuf_becomes_spec_otlp_json() {
        let bytes = sample().encode_to_vec();
        let line = to_json_line(&bytes, 1 << 20).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "0102030405060708090a0b0c0d0e0f10");
        assert_eq!(span["spanId"], "abababababababab");
        assert_eq!(span["kind"], 3);
        assert_eq!(span["startTimeUnixNano"], "1772442002185000000");
        assert_eq!(span["status"]["code"], 2);
        let attrs = &span["attributes"];
        assert_eq!(attrs[0]["value"]["stringValue"], "x");
        assert_eq!(attrs[1]["value"]["intValue"], "-7");
        assert_eq!(attrs[2]["value"]["doubleValue"], 0.25);
        assert_eq!(attrs[3]["value"]["boolValue"], true);
        assert_eq!(attrs[4]["value"]["bytesValue"], "jwH+");
        assert_eq!(
            attrs[5]["value"]["arrayValue"]["values"][0]["intValue"],
            "100"
        );
        assert_eq!(
            attrs[6]["value"]["kvlistValue"]["values"][0]["value"]["stringValue"],
            "eu"
        );
        assert_eq!(
            v["resourceSpans"][0]["resource"]["attributes"][0]["key"],
            "service.name"
        );
        assert!(!line.contains(&b'\n'));
        assert!(is_otlp(&bytes, 1 << 20));
    }

    #[test]
    fn zstd_payloads_and_json_payloads() {
        let bytes = sample().encode_to_vec();
        let z = zstd::encode_all(&bytes[..], 3).unwrap();
        assert_eq!(
            to_json_line(&z, 1 << 20).unwrap(),
            to_json_line(&bytes, 1 << 20).unwrap()
        );
        let json = b"{\"resourceSpans\":\n[]}";
        assert_eq!(
            to_json_line(json, 1 << 20).unwrap(),
            b"{\"resourceSpans\": []}"
        );
        let zj = zstd::encode_all(&json[..], 3).unwrap();
        assert!(is_otlp(&zj, 1 << 20));
        let err = to_json_line(&z, 10).unwrap_err();
        assert!(err.0.contains("more than 10 bytes"), "{err:?}");
    }

    #[test]
    fn logs_and_metrics_records_keep_their_signal() {
        use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
        use opentelemetry_proto::tonic::metrics::v1::{
            Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric,
            number_data_point,
        };
        let logs = LogsData {
            resource_logs: vec![ResourceLogs {
                scope_logs: vec![ScopeLogs {
                    log_records: vec![LogRecord {
                        time_unix_nano: 1_772_442_002_185_000_000,
                        severity_number: 9,
                        body: Some(AnyValue {
                            value: Some(Value::StringValue("hello".into())),
                        }),
                        trace_id: vec![7; 16],
                        span_id: vec![8; 8],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let line = to_json_line(&logs.encode_to_vec(), 1 << 20).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        let rec = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
        assert_eq!(rec["body"]["stringValue"], "hello");
        assert_eq!(rec["traceId"], "07070707070707070707070707070707");
        assert!(is_otlp(&logs.encode_to_vec(), 1 << 20));

        let metrics = MetricsData {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![Metric {
                        name: "gen_ai.client.token.usage".into(),
                        data: Some(metric::Data::Gauge(Gauge {
                            data_points: vec![NumberDataPoint {
                                time_unix_nano: 1_772_442_002_185_000_000,
                                value: Some(number_data_point::Value::AsInt(42)),
                                ..Default::default()
                            }],
                        })),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let line = to_json_line(&metrics.encode_to_vec(), 1 << 20).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(
            v["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["name"],
            "gen_ai.client.token.usage"
        );
    }

    #[test]
    fn garbage_is_not_traces() {
        assert!(!is_otlp(b"\xff\xff\xff\xff", 1 << 20));
        assert!(!is_otlp(b"", 1 << 20));
        assert!(to_json_line(b"\x0a\xff\xff\xff\xff\x0f", 1 << 20).is_err());
    }

    #[test]
    fn nesting_past_the_recursion_limit_is_refused_not_followed() {
        // 200 arrays deep, written by hand (prost would refuse to encode nothing, but
        // decoding stops at its limit).
        let mut v = AnyValue {
            value: Some(Value::StringValue("leaf".into())),
        };
        for _ in 0..200 {
            v = AnyValue {
                value: Some(Value::ArrayValue(ArrayValue { values: vec![v] })),
            };
        }
        let mut data = sample();
        data.resource_spans[0].scope_spans[0].spans[0]
            .attributes
            .push(KeyValue {
                key: "deep".into(),
                value: Some(v),
                ..Default::default()
            });
        let err = to_json_line(&data.encode_to_vec(), 1 << 20).unwrap_err();
        assert!(err.0.contains("recursion limit"), "{err:?}");
    }
}
