//! The `app_actions` input: an export, a screen size, and the actions to apply.

use crate::generate::Export;
use arbitrary::Arbitrary;
use sesstui::app::action::Action;

#[derive(Arbitrary, Debug)]
pub struct AppInput {
    pub color: bool,
    pub size: Size,
    pub steps: Vec<Step>,
    /// Last, so that a raw export takes the rest of the input (see `seed`).
    pub export: Export,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Size {
    Zero,
    One,
    Standard,
    Wide,
    Cramped,
    Any(u8, u8),
}

impl Size {
    pub fn get(self) -> (u16, u16) {
        match self {
            Size::Zero => (0, 0),
            Size::One => (1, 1),
            Size::Standard => (80, 24),
            Size::Wide => (160, 48),
            Size::Cramped => (40, 12),
            Size::Any(w, h) => (u16::from(w), u16::from(h)),
        }
    }
}

/// One thing the user does.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Step {
    /// One of the actions a key can be bound to ([`NAMED`]).
    Key(u8),
    Input(char),
    Backspace,
    Accept,
    Cancel,
    Choose(char),
    /// A click, at a position taken modulo the screen size.
    Click(u16, u16),
    ScrollUp,
    ScrollDown,
    Resize(Size),
}

/// The actions the keymap file can name (`#[serde(skip)]` ones are [`Step`]'s own variants).
pub const NAMED: &[Action] = &[
    Action::Quit,
    Action::Up,
    Action::Down,
    Action::PageUp,
    Action::PageDown,
    Action::HalfPageUp,
    Action::HalfPageDown,
    Action::Top,
    Action::Bottom,
    Action::Open,
    Action::Back,
    Action::NextPane,
    Action::PrevPane,
    Action::ShowTurns,
    Action::ShowTree,
    Action::ShowDetail,
    Action::Toggle,
    Action::ExpandAll,
    Action::CollapseAll,
    Action::SortMenu,
    Action::ReverseSort,
    Action::Search,
    Action::FullTextSearch,
    Action::NextMatch,
    Action::PrevMatch,
    Action::NextError,
    Action::PrevError,
    Action::Yank,
    Action::YankMenu,
    Action::ToggleMouse,
    Action::Help,
    Action::Diagnostics,
    Action::ToggleHistoryInference,
    Action::ToggleTimeInference,
    Action::ToggleSplitIdle,
    // Added later: appended, so the seeds' indices still name the actions they named.
    Action::Filter,
    Action::ListMatches,
    Action::NextTurn,
    Action::PrevTurn,
    Action::Redraw,
    // The span detail's (issue 15).
    Action::Fold,
    Action::Unfold,
    Action::ToggleNulls,
    Action::ToggleWrap,
    Action::Find,
    Action::FindNext,
    Action::FindPrev,
    Action::YankValue,
    Action::YankString,
    Action::YankKey,
    Action::YankPath,
    Action::OpenExternal,
];

impl Step {
    /// The action (`Resize` is not one: the target handles it).
    pub fn action(self) -> Action {
        match self {
            Step::Key(k) => NAMED[usize::from(k) % NAMED.len()],
            Step::Input(c) => Action::Input(c),
            Step::Backspace => Action::Backspace,
            Step::Accept => Action::Accept,
            Step::Cancel => Action::Cancel,
            Step::Choose(c) => Action::Choose(c),
            Step::Click(x, y) => Action::Click(x, y),
            Step::ScrollUp => Action::ScrollUp,
            Step::ScrollDown => Action::ScrollDown,
            Step::Resize(_) => Action::Up,
        }
    }
}
