//! A small, allocation-free JSON reader over byte slices.
//!
//! The index never builds `serde_json::Value`s: it walks each record with a [`Cursor`], reads the
//! handful of fields it needs and skips everything else, validating structure as it goes. The
//! same reader drives the detail view (which wants every attribute) and the pretty-printer, so
//! there is one notion of "valid JSON" in the program. It is lenient where real exporters are:
//! `NaN`, `Infinity` and `-Infinity` (Python `json.dumps`, pandas) are accepted as numbers.

pub(crate) mod block;
mod cursor;
mod lenient;
mod pretty;
pub mod pylit;
mod string;
pub mod tree;

pub(crate) use cursor::eight_digits;
pub use cursor::{Cursor, JsonError, KnownKey, Pattern, Scalar, ValueKind};
pub use lenient::lenient;
pub use pretty::{PrettyError, Window, pretty, pretty_window, pretty_write};
pub use string::RawStr;
