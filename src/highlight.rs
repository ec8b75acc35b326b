//! What each piece of a JSON value on screen is, so the UI's theme can style it (following
//! the terminal's palette and `NO_COLOR`). The span detail's JSON trees say it of every piece
//! they draw (see `app::detail::record`): no tokenizer is needed to know a key from a string.

/// What a piece of JSON is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Plain,
    Key,
    Str,
    Number,
    Literal,
    Punct,
}
