//! The keymap: data, with a description per binding. The help popup and the hint bar are
//! generated from it, so they cannot drift from what the keys do.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where keys are being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sessions,
    Turns,
    Tree,
    Detail,
    Diagnostics,
    /// Typing a search query.
    Search,
    /// A menu or yes/no prompt is open.
    Menu,
    Help,
    /// The span detail, after the first key of a two-key command (`z`, `y`).
    Chord(char),
}

/// One binding.
///
/// In the search prompt, menus and the help, these bindings are looked at first and the keys
/// they leave free are read as text, choices or "close".
pub struct Binding {
    /// Modes it applies in; empty for all normal modes (the lists).
    pub modes: &'static [Mode],
    pub keys: &'static [(KeyCode, KeyModifiers)],
    pub label: &'static str,
    pub action: Action,
    pub desc: &'static str,
    /// Shown in the one-line hint bar with this word.
    pub hint: Option<&'static str>,
}

const N: KeyModifiers = KeyModifiers::NONE;
const C: KeyModifiers = KeyModifiers::CONTROL;
const S: KeyModifiers = KeyModifiers::SHIFT;

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};
use Mode::{Detail, Diagnostics, Sessions, Tree, Turns};

const LISTS: &[Mode] = &[Sessions, Turns, Tree, Detail, Diagnostics];
const IN_SESSION: &[Mode] = &[Turns, Tree, Detail];
/// Every mode, prompts and overlays included.
pub const EVERY_MODE: &[Mode] = &[
    Sessions,
    Turns,
    Tree,
    Detail,
    Diagnostics,
    Mode::Search,
    Mode::Menu,
    Mode::Help,
    FOLD,
    COPY,
];

/// The span detail after `z` (folds) and after `y` (copies).
const FOLD: Mode = Mode::Chord('z');
const COPY: Mode = Mode::Chord('y');

/// Every binding of the normal modes, in the order the help shows them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        modes: LISTS,
        keys: &[(Char('j'), N), (Down, N)],
        label: "j/↓",
        action: Action::Down,
        desc: "move down",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('k'), N), (Up, N)],
        label: "k/↑",
        action: Action::Up,
        desc: "move up",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('g'), N), (Home, N)],
        label: "g",
        action: Action::Top,
        desc: "go to the top",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('G'), N), (Char('G'), S), (End, N)],
        label: "G",
        action: Action::Bottom,
        desc: "go to the bottom",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('d'), C)],
        label: "C-d",
        action: Action::HalfPageDown,
        desc: "half a page down",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('u'), C)],
        label: "C-u",
        action: Action::HalfPageUp,
        desc: "half a page up",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(PageDown, N), (Char('f'), C)],
        label: "PgDn",
        action: Action::PageDown,
        desc: "page down",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(PageUp, N), (Char('b'), C)],
        label: "PgUp",
        action: Action::PageUp,
        desc: "page up",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Diagnostics],
        keys: &[(Enter, N), (Char('l'), N), (Right, N)],
        label: "⏎/l",
        action: Action::Open,
        desc: "open the selection (session, span, node)",
        hint: Some("open"),
    },
    Binding {
        modes: LISTS,
        keys: &[(Esc, N), (Char('h'), N), (Left, N)],
        label: "Esc/h",
        action: Action::Back,
        desc: "back / close a node",
        hint: Some("back"),
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(Tab, N)],
        label: "Tab",
        action: Action::NextPane,
        desc: "next pane",
        hint: Some("pane"),
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(BackTab, S), (BackTab, N)],
        label: "S-Tab",
        action: Action::PrevPane,
        desc: "previous pane",
        hint: None,
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(Char('1'), N)],
        label: "1",
        action: Action::ShowTurns,
        desc: "turns view",
        hint: None,
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(Char('2'), N)],
        label: "2",
        action: Action::ShowTree,
        desc: "tree view",
        hint: None,
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(Char('3'), N)],
        label: "3",
        action: Action::ShowDetail,
        desc: "span detail",
        hint: None,
    },
    Binding {
        modes: &[Turns, Tree, Detail],
        keys: &[(Char(' '), N)],
        label: "Space",
        action: Action::Toggle,
        desc: "fold / unfold (tree node, long text; in the detail also a section, an object \
               or array, a call's repeated history)",
        hint: Some("fold"),
    },
    Binding {
        modes: &[Tree, Detail],
        keys: &[
            (Char('+'), N),
            (Char('+'), S),
            (Char('*'), N),
            (Char('*'), S),
        ],
        label: "+",
        action: Action::ExpandAll,
        desc: "expand all (in the detail: every object and array, as zR)",
        hint: None,
    },
    Binding {
        modes: &[Tree, Detail],
        keys: &[(Char('-'), N)],
        label: "-",
        action: Action::CollapseAll,
        desc: "collapse all (in the detail: every object, array and long text, as zM)",
        hint: None,
    },
    Binding {
        modes: &[Detail],
        keys: &[(Enter, N)],
        label: "⏎",
        action: Action::Toggle,
        desc: "expand a long text (\"… 2.0 MB, Enter to expand\"), or fold / unfold as Space",
        hint: None,
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('w'), N)],
        label: "w",
        action: Action::ToggleWrap,
        desc: "word wrap on / off (on at first, as in less; off cuts lines at the edge)",
        hint: Some("wrap"),
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('z'), N)],
        label: "z",
        action: Action::Chord('z'),
        desc: "fold commands, as in vim: zc zo zM zR zh",
        hint: None,
    },
    Binding {
        modes: &[FOLD],
        keys: &[(Char('c'), N)],
        label: "zc",
        action: Action::Fold,
        desc: "fold the object, array or text under the cursor (a value: the one around it)",
        hint: Some("fold"),
    },
    Binding {
        modes: &[FOLD],
        keys: &[(Char('o'), N)],
        label: "zo",
        action: Action::Unfold,
        desc: "unfold what is under the cursor",
        hint: Some("unfold"),
    },
    Binding {
        modes: &[FOLD],
        keys: &[(Char('M'), N), (Char('M'), S)],
        label: "zM",
        action: Action::CollapseAll,
        desc: "fold every object, array and long text",
        hint: Some("fold all"),
    },
    Binding {
        modes: &[FOLD],
        keys: &[(Char('R'), N), (Char('R'), S)],
        label: "zR",
        action: Action::ExpandAll,
        desc: "unfold every object and array",
        hint: Some("unfold all"),
    },
    Binding {
        modes: &[FOLD],
        keys: &[(Char('h'), N)],
        label: "zh",
        action: Action::ToggleNulls,
        desc: "show / hide null values in objects (hidden at first; a line says how many)",
        hint: Some("nulls"),
    },
    Binding {
        modes: &[Sessions],
        keys: &[(Char('s'), N)],
        label: "s",
        action: Action::SortMenu,
        desc: "sort by a column (menu; the same column again reverses)",
        hint: Some("sort"),
    },
    Binding {
        modes: &[Sessions],
        keys: &[(Char('S'), N), (Char('S'), S)],
        label: "S",
        action: Action::ReverseSort,
        desc: "reverse the sort order (▲ smallest/earliest/A first, ▼ the other way)",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree],
        keys: &[(Char('/'), N)],
        label: "/",
        action: Action::Search,
        desc: "fuzzy search (sessions, or this session's spans)",
        hint: Some("search"),
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('/'), N)],
        label: "/",
        action: Action::Find,
        desc: "find in the span's text, as in less (smart case; Enter alone: the last query)",
        hint: Some("find"),
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('y'), N)],
        label: "y",
        action: Action::Chord('y'),
        desc: "copy commands, as in jless: yy ys yk yp yj",
        hint: Some("copy"),
    },
    Binding {
        modes: &[COPY],
        keys: &[(Char('y'), N)],
        label: "yy",
        action: Action::YankValue,
        desc: "copy the value under the cursor, as JSON (a message: its text)",
        hint: Some("value"),
    },
    Binding {
        modes: &[COPY],
        keys: &[(Char('s'), N)],
        label: "ys",
        action: Action::YankString,
        desc: "copy the string under the cursor as text, without quotes or escapes",
        hint: Some("text"),
    },
    Binding {
        modes: &[COPY],
        keys: &[(Char('k'), N)],
        label: "yk",
        action: Action::YankKey,
        desc: "copy the key under the cursor",
        hint: Some("key"),
    },
    Binding {
        modes: &[COPY],
        keys: &[(Char('p'), N)],
        label: "yp",
        action: Action::YankPath,
        desc: "copy the JSON path under the cursor, as jq writes it: .attributes[\"llm.input_messages\"][0]",
        hint: Some("path"),
    },
    Binding {
        modes: &[COPY],
        keys: &[(Char('j'), N)],
        label: "yj",
        action: Action::Yank,
        desc: "copy the span's whole JSON (as y in the lists)",
        hint: Some("span JSON"),
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('F'), N), (Char('F'), S)],
        label: "F",
        action: Action::FullTextSearch,
        desc: "full-text search in span records",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char(':'), N), (Char(':'), S)],
        label: ":",
        action: Action::Filter,
        desc: "filter: the sessions, or in a session its turns and tree (error tool:bash …)",
        hint: Some("filter"),
    },
    Binding {
        modes: &[Sessions, Turns, Tree],
        keys: &[(Char('n'), N)],
        label: "n",
        action: Action::NextMatch,
        desc: "next match",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree],
        keys: &[(Char('N'), N), (Char('N'), S)],
        label: "N",
        action: Action::PrevMatch,
        desc: "previous match",
        hint: None,
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('n'), N)],
        label: "n",
        action: Action::FindNext,
        desc: "next match in the text (after a full-text search's last one: the next span)",
        hint: None,
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('N'), N), (Char('N'), S)],
        label: "N",
        action: Action::FindPrev,
        desc: "previous match in the text",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('M'), N), (Char('M'), S)],
        label: "M",
        action: Action::ListMatches,
        desc: "list the last search's matches, in screen order (⏎ goes to one)",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('e'), N)],
        label: "e",
        action: Action::NextError,
        desc: "next error (wraps at the end, saying so)",
        hint: Some("errors"),
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('E'), N), (Char('E'), S)],
        label: "E",
        action: Action::PrevError,
        desc: "previous error",
        hint: None,
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(Char(']'), N)],
        label: "]",
        action: Action::NextTurn,
        desc: "next turn (tree: next trace)",
        hint: None,
    },
    Binding {
        modes: IN_SESSION,
        keys: &[(Char('['), N)],
        label: "[",
        action: Action::PrevTurn,
        desc: "previous turn (tree: previous trace)",
        hint: None,
    },
    Binding {
        modes: &[Turns, Tree],
        keys: &[(Char('y'), N)],
        label: "y",
        action: Action::Yank,
        desc: "copy the span's JSON (OSC 52, works over SSH)",
        hint: Some("copy"),
    },
    Binding {
        modes: &[Detail],
        keys: &[(Char('o'), N)],
        label: "o",
        action: Action::OpenExternal,
        desc: "open the whole record, pretty-printed, in $PAGER (else $EDITOR)",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('Y'), N), (Char('Y'), S)],
        label: "Y",
        action: Action::YankMenu,
        desc: "copy menu: span id, trace id, session id, session as Markdown",
        hint: None,
    },
    Binding {
        modes: &[Sessions],
        keys: &[(Char('i'), N)],
        label: "i",
        action: Action::ToggleHistoryInference,
        desc: "infer sessions from message history on/off (~ marks them)",
        hint: None,
    },
    Binding {
        modes: &[Sessions],
        keys: &[(Char('t'), N)],
        label: "t",
        action: Action::ToggleTimeInference,
        desc: "group leftover traces per user by idle gaps on/off (≈ marks them)",
        hint: None,
    },
    Binding {
        modes: &[Sessions],
        keys: &[(Char('w'), N)],
        label: "w",
        action: Action::ToggleSplitIdle,
        desc: "split sessions into working sessions at idle gaps on/off (id#1, id#2)",
        hint: None,
    },
    Binding {
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('f'), N)],
        label: "f",
        action: Action::ToggleFollow,
        desc: "follow the files as they grow (tail -F) / pause",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('r'), N)],
        label: "r",
        action: Action::Reload,
        desc: "reload the files as they are on disk now, keeping your place",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('m'), N)],
        label: "m",
        action: Action::ToggleMouse,
        desc: "mouse on/off (off keeps native text selection)",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('!'), N), (Char('!'), S)],
        label: "!",
        action: Action::Diagnostics,
        desc: "diagnostics: files changed on disk, lines not indexed, and why",
        hint: None,
    },
    Binding {
        modes: EVERY_MODE,
        keys: &[(Char('l'), C)],
        label: "C-l",
        action: Action::Redraw,
        desc: "clear and redraw the screen (after another program wrote on it)",
        hint: None,
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('?'), N), (Char('?'), S)],
        label: "?",
        action: Action::Help,
        desc: "this help",
        hint: Some("help"),
    },
    Binding {
        modes: LISTS,
        keys: &[(Char('q'), N)],
        label: "q",
        action: Action::Quit,
        desc: "quit (Ctrl-C always quits)",
        hint: Some("quit"),
    },
];

fn applies(b: &Binding, mode: Mode) -> bool {
    if b.modes.is_empty() {
        LISTS.contains(&mode)
    } else {
        b.modes.contains(&mode)
    }
}

fn matches(b: &Binding, mode: Mode, key: &KeyEvent) -> bool {
    let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::SHIFT | KeyModifiers::ALT);
    applies(b, mode)
        && b.keys
            .iter()
            .any(|&(code, m)| code == key.code && m == mods)
}

/// The action a key means in a mode, if any.
pub fn action(mode: Mode, key: &KeyEvent) -> Option<Action> {
    if key.code == Char('c') && key.modifiers.contains(C) {
        return Some(Action::Quit);
    }
    if let Some(b) = BINDINGS.iter().find(|b| matches(b, mode, key)) {
        return Some(b.action);
    }
    match mode {
        // The prompt edits like a shell line (see `line`); Tab / Ctrl-N and Shift-Tab /
        // Ctrl-P move in the results.
        Mode::Search => {
            use super::line::Edit;
            let ctrl = key.modifiers.contains(C);
            let alt = key.modifiers.contains(KeyModifiers::ALT);
            Some(match key.code {
                Esc => Action::Cancel,
                Enter => Action::Accept,
                KeyCode::Backspace => Action::Backspace,
                Char('h') if ctrl => Action::Backspace,
                KeyCode::Delete => Action::Edit(Edit::Delete),
                Char('d') if ctrl => Action::Edit(Edit::Delete),
                Left if ctrl || alt => Action::Edit(Edit::WordLeft),
                Right if ctrl || alt => Action::Edit(Edit::WordRight),
                Char('b') if alt => Action::Edit(Edit::WordLeft),
                Char('f') if alt => Action::Edit(Edit::WordRight),
                Left => Action::Edit(Edit::Left),
                Right => Action::Edit(Edit::Right),
                Char('b') if ctrl => Action::Edit(Edit::Left),
                Char('f') if ctrl => Action::Edit(Edit::Right),
                Home => Action::Edit(Edit::Home),
                End => Action::Edit(Edit::End),
                Char('a') if ctrl => Action::Edit(Edit::Home),
                Char('e') if ctrl => Action::Edit(Edit::End),
                Char('u') if ctrl => Action::Edit(Edit::KillBefore),
                Char('k') if ctrl => Action::Edit(Edit::KillAfter),
                Char('w') if ctrl => Action::Edit(Edit::KillWord),
                Up => Action::Edit(Edit::HistoryPrev),
                Down => Action::Edit(Edit::HistoryNext),
                Tab => Action::Down,
                BackTab => Action::Up,
                Char('n') if ctrl => Action::Down,
                Char('p') if ctrl => Action::Up,
                Char(c) if !ctrl && !alt => Action::Input(c),
                _ => return None,
            })
        }
        Mode::Menu => Some(match key.code {
            Esc | Char('q') => Action::Cancel,
            Enter => Action::Accept,
            Char(c) => Action::Choose(c),
            _ => return None,
        }),
        // Every movement key of the lists scrolls the help; any other key closes it.
        Mode::Help => Some(
            match BINDINGS
                .iter()
                .find(|b| matches(b, Sessions, key))
                .map(|b| b.action)
            {
                Some(
                    a @ (Action::Down
                    | Action::Up
                    | Action::PageDown
                    | Action::PageUp
                    | Action::HalfPageDown
                    | Action::HalfPageUp
                    | Action::Top
                    | Action::Bottom),
                ) => a,
                _ => Action::Cancel,
            },
        ),
        // A key that ends no two-key command cancels it.
        Mode::Chord(_) => Some(Action::Cancel),
        Sessions | Turns | Tree | Detail | Diagnostics => None,
    }
}

/// Rows of the help's text: three legend lines and a blank, a line per binding, the Ctrl-C
/// line.
pub const HELP_TEXT_ROWS: usize = BINDINGS.len() + 5;

/// How far the help scrolls on a screen `height` rows high (its box has a border, and is at
/// most as high as its text).
pub fn help_scroll_max(height: u16) -> usize {
    let boxed = (HELP_TEXT_ROWS + 3).min(usize::from(height));
    HELP_TEXT_ROWS.saturating_sub(boxed.saturating_sub(2))
}

/// The bindings active in a mode.
pub fn bindings(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| applies(b, mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn keys_map_to_actions_per_mode() {
        assert_eq!(action(Sessions, &key(Char('j'), N)), Some(Action::Down));
        assert_eq!(action(Sessions, &key(Char('s'), N)), Some(Action::SortMenu));
        assert_eq!(action(Tree, &key(Char('s'), N)), None);
        assert_eq!(action(Tree, &key(Char('G'), S)), Some(Action::Bottom));
        assert_eq!(
            action(Mode::Search, &key(Char('q'), N)),
            Some(Action::Input('q'))
        );
        assert_eq!(action(Mode::Search, &key(Char('c'), C)), Some(Action::Quit));
        assert_eq!(action(Tree, &key(Char('y'), N)), Some(Action::Yank));
        assert_eq!(action(Detail, &key(Char('y'), N)), Some(Action::Chord('y')));
        assert_eq!(action(COPY, &key(Char('p'), N)), Some(Action::YankPath));
        assert_eq!(action(FOLD, &key(Char('M'), S)), Some(Action::CollapseAll));
        assert_eq!(action(FOLD, &key(Char('x'), N)), Some(Action::Cancel));
        assert_eq!(action(Detail, &key(Char('/'), N)), Some(Action::Find));
        assert_eq!(action(Tree, &key(Char('/'), N)), Some(Action::Search));
        assert_eq!(action(Detail, &key(Char('n'), N)), Some(Action::FindNext));
    }

    #[test]
    fn ctrl_l_redraws_in_every_mode() {
        for &mode in EVERY_MODE {
            assert_eq!(
                action(mode, &key(Char('l'), C)),
                Some(Action::Redraw),
                "{mode:?}"
            );
        }
        // Not typed into the search prompt, not a menu choice; plain `l` still is.
        assert_eq!(
            action(Mode::Search, &key(Char('l'), N)),
            Some(Action::Input('l'))
        );
        assert_eq!(
            action(Mode::Menu, &key(Char('l'), N)),
            Some(Action::Choose('l'))
        );
        assert_eq!(action(Sessions, &key(Char('l'), N)), Some(Action::Open));
    }

    #[test]
    fn bindings_in_the_search_prompt_leave_its_keys_alone() {
        for b in bindings(Mode::Search) {
            for &(code, m) in b.keys {
                assert!(
                    m == C && !matches!(code, Char('c' | 'n' | 'p')),
                    "{:?} takes {code:?} from the search prompt",
                    b.action
                );
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for &mode in EVERY_MODE {
            let mut seen = std::collections::HashSet::new();
            for b in bindings(mode) {
                for k in b.keys {
                    assert!(seen.insert(*k), "{mode:?}: {k:?} bound twice");
                }
            }
        }
    }
}
