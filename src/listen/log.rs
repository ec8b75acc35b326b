//! One line per request for `sesstui listen --headless`: when, how, from where, what came of
//! it. The servers hand an [`Event`] to a bounded queue without waiting (a slow terminal or
//! pipe never slows the receiver: when the queue is full the line is counted as not printed,
//! and the count is printed with the next line that is).

use std::net::SocketAddr;
use std::time::SystemTime;

/// How a request came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    HttpProtobuf,
    HttpJson,
    /// HTTP with a content type that is not OTLP's.
    Http,
    Grpc,
}

impl Via {
    pub fn label(self) -> &'static str {
        match self {
            Via::HttpProtobuf => "http/protobuf",
            Via::HttpJson => "http/json",
            Via::Http => "http",
            Via::Grpc => "grpc",
        }
    }
}

/// What came of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Saved {
        spans: u64,
        rejected: u64,
        message: Option<String>,
    },
    /// Refused whole: the status sent (`400`, `413`, `INVALID_ARGUMENT`, …) and why.
    Refused { status: String, why: String },
}

#[derive(Clone, Debug)]
pub struct Event {
    pub at: SystemTime,
    pub via: Via,
    pub peer: Option<SocketAddr>,
    /// The body's size as received (compressed or not).
    pub bytes: u64,
    pub answer: Answer,
}

impl Event {
    /// `2026-12-05T00:12:33.123Z grpc 127.0.0.1:53422 saved 12 spans (3.4 KB)` (the time in
    /// the display zone, saying it), cleaned for a terminal (messages quote span names and
    /// decoder errors: strangers' text).
    pub fn line(&self, zone: &crate::zone::Zone) -> String {
        let at = self
            .at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let peer = self.peer.map_or_else(|| "-".to_owned(), |p| p.to_string());
        let what = match &self.answer {
            Answer::Saved {
                spans,
                rejected,
                message,
            } => {
                let mut s = format!(
                    "saved {} ({})",
                    crate::fmt::count(
                        usize::try_from(*spans).unwrap_or(usize::MAX),
                        "span",
                        "spans"
                    ),
                    crate::fmt::bytes(self.bytes)
                );
                if *rejected > 0 {
                    s.push_str(&format!(
                        "; {}",
                        message.as_deref().unwrap_or("some spans rejected")
                    ));
                }
                s
            }
            Answer::Refused { status, why } => format!("refused {status}: {why}"),
        };
        crate::sanitize::one_line(&format!(
            "{} {} {peer} {what}",
            zone.iso_ms(at),
            self.via.label()
        ))
    }
}
