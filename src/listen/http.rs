//! OTLP/HTTP: `POST /v1/traces` with a protobuf or JSON body, gzip or not, answered as the
//! OTLP specification says: 200 with an `ExportTraceServiceResponse` (its partial success
//! naming the rejected spans), 400 for a body that does not decode, 413 above the size limit
//! (before or after decompression), 415 for another content type or encoding, 503 when the
//! request could not be saved (retryable: nothing acknowledged is lost), 405 / 404 for other
//! methods and paths. Error bodies are a `google.rpc.Status` in the request's encoding.

use super::Shared;
use super::log::Via;
use super::request::Encoding;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use prost::Message;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

pub const PATH: &str = "/v1/traces";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(PATH, post(traces).fallback(not_allowed))
        .fallback(not_found)
        .with_state(shared)
}

/// Another path: said in the log too (an SDK also sending its logs or metrics here shows up).
async fn not_found(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
) -> Response {
    let why = format!(
        "{method} {}: sesstui receives only traces, at POST {PATH}",
        uri.path()
    );
    shared.refused(Via::Http, Some(peer), 0, "404", &why);
    status(StatusCode::NOT_FOUND, Encoding::Json, &why)
}

async fn not_allowed(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
) -> Response {
    let why = format!("{method} {PATH}: traces are sent with POST");
    shared.refused(Via::Http, Some(peer), 0, "405", &why);
    let mut r = status(StatusCode::METHOD_NOT_ALLOWED, Encoding::Json, &why);
    r.headers_mut()
        .insert(header::ALLOW, axum::http::HeaderValue::from_static("POST"));
    r
}

/// `google.rpc.Status`, the body of an OTLP/HTTP error.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

fn status(code: StatusCode, enc: Encoding, message: &str) -> Response {
    // The gRPC code for each HTTP status, as the Status message carries one.
    let rpc = match code {
        StatusCode::BAD_REQUEST => 3,            // INVALID_ARGUMENT
        StatusCode::NOT_FOUND => 5,              // NOT_FOUND
        StatusCode::PAYLOAD_TOO_LARGE => 8,      // RESOURCE_EXHAUSTED
        StatusCode::SERVICE_UNAVAILABLE => 14,   // UNAVAILABLE
        StatusCode::UNSUPPORTED_MEDIA_TYPE => 3, // INVALID_ARGUMENT
        _ => 2,                                  // UNKNOWN
    };
    let body = RpcStatus {
        code: rpc,
        message: message.to_owned(),
    };
    match enc {
        Encoding::Protobuf => (
            code,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            body.encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => (
            code,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "code": rpc, "message": message }).to_string(),
        )
            .into_response(),
    }
}

/// The encoding a content type names, if OTLP's.
fn encoding(headers: &HeaderMap) -> Option<Encoding> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case("application/x-protobuf") {
        Some(Encoding::Protobuf)
    } else if mime.eq_ignore_ascii_case("application/json") {
        Some(Encoding::Json)
    } else {
        None
    }
}

enum Compression {
    None,
    Gzip,
}

fn compression(headers: &HeaderMap) -> Result<Compression, String> {
    match headers.get(header::CONTENT_ENCODING) {
        None => Ok(Compression::None),
        Some(v) => match v.to_str().map(str::trim) {
            Ok(s) if s.eq_ignore_ascii_case("gzip") => Ok(Compression::Gzip),
            Ok(s) if s.is_empty() || s.eq_ignore_ascii_case("identity") => Ok(Compression::None),
            _ => Err(format!(
                "content encoding {:?} is not supported (gzip or none)",
                String::from_utf8_lossy(v.as_bytes())
            )),
        },
    }
}

async fn traces(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let peer = Some(peer);
    let Some(enc) = encoding(&headers) else {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let why = match ct {
            Some(ct) => format!(
                "content type {ct:?} is not OTLP's (application/x-protobuf or application/json)"
            ),
            None => "no content type (application/x-protobuf or application/json)".to_owned(),
        };
        shared.refused(Via::Http, peer, 0, "415", &why);
        return status(StatusCode::UNSUPPORTED_MEDIA_TYPE, Encoding::Json, &why);
    };
    let via = match enc {
        Encoding::Protobuf => Via::HttpProtobuf,
        Encoding::Json => Via::HttpJson,
    };
    let refuse = |code: StatusCode, bytes: u64, why: &str| {
        shared.refused(via, peer, bytes, code.as_str(), why);
        status(code, enc, why)
    };
    let gzip = match compression(&headers) {
        Ok(c) => c,
        Err(why) => return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, 0, &why),
    };
    let limit = shared.max_body;
    let too_large = format!(
        "the body is larger than the limit of {} (--max-body)",
        crate::fmt::bytes(limit as u64)
    );
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            declared.unwrap_or(0),
            &too_large,
        );
    }
    let reading = shared.reading.acquire().await;
    let read = tokio::time::timeout(shared.body_timeout, Limited::new(body, limit).collect()).await;
    let wire = match read {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, limit as u64, &too_large);
        }
        Ok(Err(e)) => {
            // The client went away (or broke the framing) before the body ended.
            let why = format!("the body did not arrive whole: {e}");
            return refuse(StatusCode::BAD_REQUEST, 0, &why);
        }
        Err(_) => {
            let why = format!(
                "the body did not arrive within {}s",
                shared.body_timeout.as_secs_f64()
            );
            return refuse(StatusCode::REQUEST_TIMEOUT, 0, &why);
        }
    };
    drop(reading);
    let bytes = wire.len() as u64;
    let _turn = shared.work.acquire().await;
    let shared2 = Arc::clone(&shared);
    let done = tokio::task::spawn_blocking(move || {
        let plain = match gzip {
            Compression::None => wire.to_vec(),
            Compression::Gzip => match gunzip(&wire, limit) {
                Ok(p) => p,
                Err(e) => return Err(e),
            },
        };
        shared2
            .receive(&plain, enc, via, peer, bytes)
            .map_err(|f| f.into())
    })
    .await;
    match done {
        Ok(Ok(a)) => ok(enc, a.rejected, a.message.as_deref()),
        Ok(Err(Refusal::Gzip(why))) => refuse(StatusCode::BAD_REQUEST, bytes, &why),
        Ok(Err(Refusal::TooLarge)) => refuse(StatusCode::PAYLOAD_TOO_LARGE, bytes, &too_large),
        Ok(Err(Refusal::Undecodable(why))) => refuse(StatusCode::BAD_REQUEST, bytes, &why),
        Ok(Err(Refusal::NotSaved(why))) => {
            let why = format!("not saved, try again: {why}");
            refuse(StatusCode::SERVICE_UNAVAILABLE, bytes, &why)
        }
        Err(e) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            bytes,
            &format!("not saved, try again: {e}"),
        ),
    }
}

/// Why a whole request was refused after its body arrived.
enum Refusal {
    Gzip(String),
    TooLarge,
    Undecodable(String),
    NotSaved(String),
}

impl From<super::Failure> for Refusal {
    fn from(f: super::Failure) -> Refusal {
        match f {
            super::Failure::Undecodable(why) => Refusal::Undecodable(why),
            super::Failure::NotSaved(e) => Refusal::NotSaved(e.to_string()),
        }
    }
}

/// A gzip body, decompressed: at most `limit` bytes (a small body can hold a huge one).
fn gunzip(wire: &[u8], limit: usize) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(wire)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Refusal::Gzip(format!("the gzip body does not decompress: {e}")))?;
    if out.len() > limit {
        return Err(Refusal::TooLarge);
    }
    Ok(out)
}

/// 200, with a partial success when spans were rejected.
fn ok(enc: Encoding, rejected: u64, message: Option<&str>) -> Response {
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTracePartialSuccess, ExportTraceServiceResponse,
    };
    let partial = (rejected > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: i64::try_from(rejected).unwrap_or(i64::MAX),
        error_message: message.unwrap_or_default().to_owned(),
    });
    match enc {
        Encoding::Protobuf => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            ExportTraceServiceResponse {
                partial_success: partial,
            }
            .encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => {
            let body = match partial {
                None => serde_json::json!({}),
                Some(p) => serde_json::json!({ "partialSuccess": {
                    "rejectedSpans": p.rejected_spans.to_string(),
                    "errorMessage": p.error_message,
                }}),
            };
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
    }
}
