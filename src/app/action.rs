//! What the user meant: the only way keys (and mouse events) reach the state.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
    /// Open the selection (a session, a span) or unfold a node.
    Open,
    /// Leave the current view or fold a node.
    Back,
    NextPane,
    PrevPane,
    ShowTurns,
    ShowTree,
    ShowDetail,
    /// Fold or unfold the selected node or text.
    Toggle,
    ExpandAll,
    CollapseAll,
    /// The sort menu: a column to sort the session list by.
    SortMenu,
    ReverseSort,
    Search,
    FullTextSearch,
    /// Open the filter line.
    Filter,
    NextMatch,
    PrevMatch,
    /// The last search's matches, as a list to pick from.
    ListMatches,
    NextError,
    PrevError,
    /// The next / previous turn (the tree: trace).
    NextTurn,
    PrevTurn,
    Yank,
    YankMenu,
    ToggleMouse,
    Help,
    Diagnostics,
    /// Clear the terminal and draw everything again (after another program wrote on it).
    Redraw,
    /// Read the files again as they are on disk now (after they changed), keeping the place.
    Reload,
    /// Session inference switches (the model is rebuilt).
    ToggleHistoryInference,
    ToggleTimeInference,
    ToggleSplitIdle,
    /// Follow the files as they grow, or pause.
    ToggleFollow,
    /// The span detail: fold the node under the cursor (`zc`), unfold it (`zo`).
    Fold,
    Unfold,
    /// The span detail: show / hide nulls (`zh`).
    ToggleNulls,
    /// The span detail: word wrap on / off (`w`).
    ToggleWrap,
    /// The span detail: find in the text (`/`), next / previous match (`n` / `N`).
    Find,
    FindNext,
    FindPrev,
    /// The span detail: copy the value under the cursor (`yy`), a string's text (`ys`), its
    /// key (`yk`), its JSON path (`yp`).
    YankValue,
    YankString,
    YankKey,
    YankPath,
    /// The span detail: open the whole record in `$PAGER` (or `$EDITOR`) (`o`).
    OpenExternal,
    /// The first key of a two-key command (`z…`, `y…`).
    #[serde(skip)]
    Chord(char),
    /// Text input for the search prompt.
    #[serde(skip)]
    Input(char),
    #[serde(skip)]
    Backspace,
    /// An edit of the prompt's line (cursor, cuts, history).
    #[serde(skip)]
    Edit(super::line::Edit),
    #[serde(skip)]
    Accept,
    #[serde(skip)]
    Cancel,
    /// A choice in a menu or prompt.
    #[serde(skip)]
    Choose(char),
    /// Mouse click on a row of the focused list: column, and row counted from the list's first
    /// row (below its column titles, if it has them).
    #[serde(skip)]
    Click(u16, u16),
    #[serde(skip)]
    ScrollUp,
    #[serde(skip)]
    ScrollDown,
}
