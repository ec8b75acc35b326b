//! Files that changed on disk under the model: what the status line and `!` say about them.
//!
//! The runner asks for a look every second ([`super::App::watch`]); readers of span bytes look
//! again before they read (see `Index::fresh`). A look is a `stat` of each file (and two 4 KB
//! reads when one was touched): see [`crate::source::watch`].

use super::keymap::Keymap;
use crate::model::Model;
use crate::source::watch::Change;

/// A file that is no longer as it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub file: u16,
    /// As given (the `!` overlay shows it whole, the status line its last component).
    pub path: String,
    pub change: Change,
    /// The bytes read from it are still the file's (appended, replaced, deleted); when not,
    /// nothing more is read from it and what would be is a note instead.
    pub intact: bool,
}

/// Looks at every file of the model again.
pub fn look(model: &Model) -> Vec<Changed> {
    let idx = &model.index;
    idx.changes()
        .into_iter()
        .map(|(file, change)| {
            let src = idx.sources.get(usize::from(file));
            Changed {
                file,
                path: idx.file_name(file).to_owned(),
                change: match change {
                    // Known lost (the guard), now looking the same: say what was seen.
                    Change::Same => src.map_or(change, crate::source::Source::last_change),
                    c => c,
                },
                intact: src.is_none_or(crate::source::Source::intact),
            }
        })
        .collect()
}

fn name(path: &str) -> String {
    let short = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
    crate::sanitize::one_line(&short)
}

/// What one file's change is, in a few words after its name.
fn what(c: &Changed) -> String {
    match c.change {
        Change::Grew { .. } if c.intact => "grew on disk".to_owned(),
        change => format!("changed on disk ({})", change.word()),
    }
}

/// The status line's note: the first file, how many more, and what to do.
pub fn status(changed: &[Changed], keys: &Keymap) -> Option<String> {
    // Lost bytes first: they matter most.
    let first = changed
        .iter()
        .find(|c| !c.intact)
        .or_else(|| changed.first())?;
    let more = match changed.len() {
        1 => String::new(),
        n => format!(
            " (and {} more file{}: !)",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    Some(format!(
        "{} {}{more}: {}",
        name(&first.path),
        what(first),
        todo(first, keys)
    ))
}

/// What the user can do about a change: `r` reloads; a file that only grew can be followed
/// (`f` reads what was appended, and goes on doing so). The keys as bound.
fn todo(c: &Changed, keys: &Keymap) -> String {
    let reload = format!("{} reloads", keys.key("reload"));
    if c.intact && matches!(c.change, Change::Grew { .. }) {
        format!("{} follows, {reload}", keys.key("follow"))
    } else {
        reload
    }
}

/// The lines `!` lists first, one per file.
pub fn lines(changed: &[Changed], keys: &Keymap) -> Vec<String> {
    changed
        .iter()
        .map(|c| {
            let then = if c.intact {
                "what was read is shown as it was"
            } else {
                "what was read from it is no longer in it; its records are not shown"
            };
            format!(
                "{} {}: {then}; {}",
                crate::sanitize::one_line(&c.path),
                c.change.describe(),
                todo(c, keys)
            )
        })
        .collect()
}

/// The note that stands where bytes of file `file` would be shown, if they are lost.
pub fn gone(model: &Model, file: u16, reload: &str) -> Option<String> {
    let src = model.index.sources.get(usize::from(file))?;
    if src.intact() {
        return None;
    }
    Some(format!(
        "{} changed on disk ({}) after it was read: this record is no longer in it as it \
         was, so it is not shown. {reload} reloads the file.",
        name(model.index.file_name(file)),
        match src.last_change() {
            Change::Same => "truncated",
            c => c.word(),
        }
    ))
}
