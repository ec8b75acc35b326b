//! sesstui: a terminal explorer for LLM-observability trace exports.
//!
//! Data flows one way: file ([`source`]) → [`index`] (compact span records, built in parallel
//! by the [`format`] walker) → [`model`] (traces, span trees, reconstructed sessions) → the
//! headless commands and the TUI. [`listen`] receives OTLP into a file the TUI follows.

pub mod app;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod error;
pub mod fatal;
pub mod fmt;
pub mod follow;
pub mod format;
pub mod hash;
pub mod headless;
pub mod highlight;
pub mod ids;
pub mod index;
pub mod json;
pub mod kind;
pub mod listen;
pub mod load;
pub mod malloc;
pub mod model;
pub mod sanitize;
pub mod search;
pub mod source;
#[cfg(test)]
pub(crate) mod testing;
pub mod time;
pub mod transcript;
pub mod tui;
pub mod ui;
pub mod zone;
