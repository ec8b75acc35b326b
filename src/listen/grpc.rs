//! OTLP/gRPC: `TraceService/Export`, gzip or not, served by the same HTTP stack as OTLP/HTTP
//! (axum over hyper, HTTP/2) with `tonic` doing the gRPC part (framing, compression, status
//! trailers, the message size limit). The body reaches [`Shared::receive`] as raw bytes (a
//! codec that does not decode), so that a body that does not decode is answered
//! `INVALID_ARGUMENT` (not retryable, as the OTLP specification says) rather than tonic's
//! `INTERNAL`; a body above the limit is `RESOURCE_EXHAUSTED`, one not saved `UNAVAILABLE`
//! (retryable), an unknown method `UNIMPLEMENTED`.

use super::Shared;
use super::log::Via;
use super::request::Encoding;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use prost::bytes::Buf;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf, Encoder,
};
use tonic::server::{Grpc, UnaryService};
use tonic::{Code, Status};

pub const PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(PATH, post(export))
        .fallback(unimplemented)
        .with_state(shared)
}

async fn unimplemented() -> Response {
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, "application/grpc")]).into_response();
    r.headers_mut()
        .insert("grpc-status", HeaderValue::from(Code::Unimplemented as i32));
    r.headers_mut().insert(
        "grpc-message",
        HeaderValue::from_static("sesstui receives only TraceService/Export"),
    );
    r
}

async fn export(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let mut gzip = EnabledCompressionEncodings::default();
    gzip.enable(CompressionEncoding::Gzip);
    let mut grpc = Grpc::new(RawCodec)
        .apply_compression_config(gzip, gzip)
        .apply_max_message_size_config(Some(shared.max_body), None);
    let ran = Arc::new(AtomicBool::new(false));
    let svc = Export {
        shared: Arc::clone(&shared),
        peer: Some(peer),
        ran: Arc::clone(&ran),
    };
    // The request takes one of the readers' places. Reading its message (tonic reads it
    // whole before the service is called) may take at most the body timeout; once the service
    // has it, it is saved and answered however long that takes (cutting it short then could
    // save a request the sender is told failed, and sends again).
    let reading = shared.reading.acquire().await;
    let answer = grpc.unary(svc, req);
    tokio::pin!(answer);
    let res = tokio::select! {
        res = &mut answer => res,
        () = tokio::time::sleep(shared.body_timeout) => {
            if ran.load(Ordering::Acquire) {
                answer.await
            } else {
                let why = format!(
                    "the request did not arrive within {}s",
                    shared.body_timeout.as_secs_f64()
                );
                shared.refused(Via::Grpc, Some(peer), 0, "DEADLINE_EXCEEDED", &why);
                return Status::deadline_exceeded(why).into_http::<Body>();
            }
        }
    };
    drop(reading);
    if !ran.load(Ordering::Acquire) {
        // Refused by tonic before the body reached the service: too large, a compression it
        // does not take, a broken frame.
        let code = res
            .headers()
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i32>().ok())
            .map_or(Code::Unknown, Code::from_i32);
        if code != Code::Ok {
            let why = res
                .headers()
                .get("grpc-message")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            let why = percent_decoded(&why);
            shared.refused(Via::Grpc, Some(peer), 0, code_name(code), &why);
        }
    }
    res.map(Body::new)
}

/// `grpc-message` is percent-encoded.
fn percent_decoded(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if let (b'%', Some(Some(hi)), Some(Some(lo))) = (
            b[i],
            b.get(i + 1).map(|&c| hex(c)),
            b.get(i + 2).map(|&c| hex(c)),
        ) {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn code_name(c: Code) -> &'static str {
    match c {
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::Unavailable => "UNAVAILABLE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Cancelled => "CANCELLED",
        _ => "ERROR",
    }
}

#[derive(Clone)]
struct Export {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    ran: Arc<AtomicBool>,
}

type Answer = Pin<
    Box<dyn Future<Output = Result<tonic::Response<ExportTraceServiceResponse>, Status>> + Send>,
>;

impl UnaryService<Vec<u8>> for Export {
    type Response = ExportTraceServiceResponse;
    type Future = Answer;

    fn call(&mut self, request: tonic::Request<Vec<u8>>) -> Self::Future {
        self.ran.store(true, Ordering::Release);
        let shared = Arc::clone(&self.shared);
        let peer = self.peer;
        let body = request.into_inner();
        Box::pin(async move {
            let bytes = body.len() as u64;
            let _turn = shared.work.acquire().await;
            let s2 = Arc::clone(&shared);
            let done = tokio::task::spawn_blocking(move || {
                s2.receive(&body, Encoding::Protobuf, Via::Grpc, peer, bytes)
            })
            .await;
            let refuse = |code: Code, why: String| {
                shared.refused(Via::Grpc, peer, bytes, code_name(code), &why);
                Err(Status::new(code, why))
            };
            match done {
                Ok(Ok(a)) => Ok(tonic::Response::new(ExportTraceServiceResponse {
                    partial_success: (a.rejected > 0).then(|| ExportTracePartialSuccess {
                        rejected_spans: i64::try_from(a.rejected).unwrap_or(i64::MAX),
                        error_message: a.message.unwrap_or_default(),
                    }),
                })),
                Ok(Err(super::Failure::Undecodable(why))) => refuse(Code::InvalidArgument, why),
                Ok(Err(super::Failure::NotSaved(e))) => {
                    refuse(Code::Unavailable, format!("not saved, try again: {e}"))
                }
                Err(e) => refuse(Code::Unavailable, format!("not saved, try again: {e}")),
            }
        })
    }
}

/// Passes the message through as bytes; encodes the answer with prost.
#[derive(Clone, Copy, Default)]
struct RawCodec;

struct Raw;
struct Reply;

impl Codec for RawCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = Vec<u8>;
    type Encoder = Reply;
    type Decoder = Raw;

    fn encoder(&mut self) -> Reply {
        Reply
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut v = vec![0u8; src.remaining()];
        src.copy_to_slice(&mut v);
        Ok(Some(v))
    }
}

impl Encoder for Reply {
    type Item = ExportTraceServiceResponse;
    type Error = Status;

    fn encode(
        &mut self,
        item: ExportTraceServiceResponse,
        dst: &mut EncodeBuf<'_>,
    ) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|e| Status::internal(format!("the answer could not be encoded: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grpc_messages_are_percent_decoded() {
        assert_eq!(super::percent_decoded("a%20b%25c%"), "a b%c%");
        assert_eq!(super::percent_decoded("%zz"), "%zz");
    }
}
