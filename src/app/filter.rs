//! The filter line (`:`): narrows the session list, or the open session's turns and tree, with
//! the filter language ([`crate::model::filter`]) as it is typed.
//!
//! Each edit re-parses the line: a filter that parses applies at once, one that does not
//! leaves the last good one applied and says what is wrong under the line. `Enter` keeps the
//! filter, `Esc` puts back the one there was before the line opened; an empty line clears it.

use super::action::Action;
use super::line::{Edit, Line};
use super::{App, Effect, Overlay};
use crate::model::Model;
use crate::model::filter::Filter;
use std::sync::Arc;

/// A filter applied to a list: the text as typed and what it parsed to.
#[derive(Clone, Debug, PartialEq)]
pub struct Active {
    pub text: String,
    pub filter: Filter,
}

/// The filter line being typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub line: Line,
    /// Why the line does not parse, if it does not.
    pub error: Option<String>,
    /// The filter before the line opened, for `Esc`.
    before: Option<Active>,
    /// It filters the open session's turns and tree, not the session list.
    pub in_session: bool,
}

/// Opens the line on the filter now applied.
pub fn open(app: &mut App) {
    let in_session = app.session.is_some();
    let before = match &app.session {
        Some(s) => s.filter.clone(),
        None => app.sessions.filter.clone(),
    };
    let text = before.as_ref().map_or("", |a| a.text.as_str());
    app.overlay = Overlay::Filter(Prompt {
        line: Line::new(text),
        error: None,
        before,
        in_session,
    });
}

/// Applies a filter where the line filters: the open session, or the session list.
fn apply(app: &mut App, model: &Model, in_session: bool, filter: Option<Active>) {
    let wide = app.wide();
    match app.session.as_mut() {
        Some(screen) if in_session => screen.set_filter(model, filter, wide),
        _ => app.sessions.set_filter(model, filter, app.page),
    }
}

/// The time filters count back from.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Parses a line into the filter to apply (`None` for a blank line).
pub fn parse(text: &str) -> Result<Option<Active>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Filter::parse(text, now())
        .map(|filter| {
            Some(Active {
                text: text.trim().to_owned(),
                filter,
            })
        })
        .map_err(|e| e.to_string())
}

/// Handles a key while the filter line is open.
pub fn update(
    app: &mut App,
    model: &Arc<Model>,
    mut prompt: Prompt,
    action: Action,
) -> Vec<Effect> {
    const HISTORY: usize = 2;
    let edit = match action {
        Action::Input(c) => Some(Edit::Insert(c)),
        Action::Backspace => Some(Edit::Backspace),
        Action::Edit(e) => Some(e),
        _ => None,
    };
    match action {
        Action::Cancel => {
            apply(app, model, prompt.in_session, prompt.before);
            app.overlay = Overlay::None;
            return Vec::new();
        }
        Action::Accept => {
            app.histories[HISTORY].push(prompt.line.text());
            app.overlay = Overlay::None;
            if let Err(e) = parse(prompt.line.text()) {
                app.status = Some(format!("filter not applied: {e}"));
            }
            return Vec::new();
        }
        _ => {}
    }
    if let Some(e) = edit
        && prompt.line.edit(e, &app.histories[HISTORY])
    {
        match parse(prompt.line.text()) {
            Ok(active) => {
                prompt.error = None;
                apply(app, model, prompt.in_session, active);
            }
            Err(e) => prompt.error = Some(e),
        }
    }
    app.overlay = Overlay::Filter(prompt);
    Vec::new()
}
