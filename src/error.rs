//! Errors that stop sesstui. Bad lines in an input are not errors: they are reported data.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {err}")]
    Io { path: String, err: std::io::Error },
    #[error("{path}: is a directory, not a trace export")]
    NotAFile { path: String },
    #[error("{path}: {reason}")]
    NoSpans { path: String, reason: String },
    #[error("{path}: {reason}")]
    Unsupported { path: String, reason: String },
    /// A file lost bytes (truncated, rewritten) while they were being read: what was read
    /// from it may be incomplete or another file's.
    #[error(
        "{path} changed on disk while it was read ({what}): the output is incomplete; run again"
    )]
    Changed { path: String, what: &'static str },
    /// Several files given, none with a span: each with why, on one line.
    #[error("no file holds a span: {0}")]
    NothingToShow(String),
    #[error("indexing cancelled")]
    Cancelled,
}
