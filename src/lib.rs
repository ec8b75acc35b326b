//! sesstui: a terminal explorer for LLM-observability trace exports.
//!
//! Data flows one way: file ([`source`]) → [`index`] (compact span records, built in parallel
//! by the [`format`] walker) → [`model`] (traces, span trees, reconstructed sessions) → the
//! headless commands and the TUI.

pub mod error;
pub mod format;
pub mod hash;
pub mod ids;
pub mod index;
pub mod json;
pub mod kind;
pub mod source;
pub mod time;
