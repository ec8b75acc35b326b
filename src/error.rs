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
    /// Several files given, none with a span: each with why, on one line.
    #[error("no file holds a span: {0}")]
    NothingToShow(String),
    #[error("indexing cancelled")]
    Cancelled,
}
