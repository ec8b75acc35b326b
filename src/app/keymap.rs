//! The keymap: data, with a description per binding. The help popup and the hint bar are
//! generated from it, so they cannot drift from what the keys do.

use super::action::Action;
use super::keyspec::Key;
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
    /// The action's stable name, for the config file's `[keys]` (`quit = "q"`).
    pub name: &'static str,
    /// Modes it applies in; empty for all normal modes (the lists).
    pub modes: &'static [Mode],
    /// The default keys (a config file can give others: see [`Keymap`]).
    pub keys: &'static [Key],
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
        name: "down",
        modes: LISTS,
        keys: &[(Char('j'), N), (Down, N)],
        label: "j/↓",
        action: Action::Down,
        desc: "move down",
        hint: None,
    },
    Binding {
        name: "up",
        modes: LISTS,
        keys: &[(Char('k'), N), (Up, N)],
        label: "k/↑",
        action: Action::Up,
        desc: "move up",
        hint: None,
    },
    Binding {
        name: "top",
        modes: LISTS,
        keys: &[(Char('g'), N), (Home, N)],
        label: "g",
        action: Action::Top,
        desc: "go to the top",
        hint: None,
    },
    Binding {
        name: "bottom",
        modes: LISTS,
        keys: &[(Char('G'), N), (Char('G'), S), (End, N)],
        label: "G",
        action: Action::Bottom,
        desc: "go to the bottom",
        hint: None,
    },
    Binding {
        name: "half-page-down",
        modes: LISTS,
        keys: &[(Char('d'), C)],
        label: "C-d",
        action: Action::HalfPageDown,
        desc: "half a page down",
        hint: None,
    },
    Binding {
        name: "half-page-up",
        modes: LISTS,
        keys: &[(Char('u'), C)],
        label: "C-u",
        action: Action::HalfPageUp,
        desc: "half a page up",
        hint: None,
    },
    Binding {
        name: "page-down",
        modes: LISTS,
        keys: &[(PageDown, N), (Char('f'), C)],
        label: "PgDn",
        action: Action::PageDown,
        desc: "page down",
        hint: None,
    },
    Binding {
        name: "page-up",
        modes: LISTS,
        keys: &[(PageUp, N), (Char('b'), C)],
        label: "PgUp",
        action: Action::PageUp,
        desc: "page up",
        hint: None,
    },
    Binding {
        name: "open",
        modes: &[Sessions, Turns, Tree, Diagnostics],
        keys: &[(Enter, N), (Char('l'), N), (Right, N)],
        label: "⏎/l",
        action: Action::Open,
        desc: "open the selection (session, span, node)",
        hint: Some("open"),
    },
    Binding {
        name: "back",
        modes: LISTS,
        keys: &[(Esc, N), (Char('h'), N), (Left, N)],
        label: "Esc/h",
        action: Action::Back,
        desc: "back / close a node",
        hint: Some("back"),
    },
    Binding {
        name: "next-pane",
        modes: IN_SESSION,
        keys: &[(Tab, N)],
        label: "Tab",
        action: Action::NextPane,
        desc: "next pane",
        hint: Some("pane"),
    },
    Binding {
        name: "prev-pane",
        modes: IN_SESSION,
        keys: &[(BackTab, S), (BackTab, N)],
        label: "S-Tab",
        action: Action::PrevPane,
        desc: "previous pane",
        hint: None,
    },
    Binding {
        name: "turns-view",
        modes: IN_SESSION,
        keys: &[(Char('1'), N)],
        label: "1",
        action: Action::ShowTurns,
        desc: "turns view",
        hint: None,
    },
    Binding {
        name: "tree-view",
        modes: IN_SESSION,
        keys: &[(Char('2'), N)],
        label: "2",
        action: Action::ShowTree,
        desc: "tree view",
        hint: None,
    },
    Binding {
        name: "detail-view",
        modes: IN_SESSION,
        keys: &[(Char('3'), N)],
        label: "3",
        action: Action::ShowDetail,
        desc: "span detail",
        hint: None,
    },
    Binding {
        name: "fold",
        modes: &[Turns, Tree, Detail],
        keys: &[(Char(' '), N)],
        label: "Space",
        action: Action::Toggle,
        desc: "fold / unfold (tree node, long text; in the detail also a section, an object \
               or array, a call's repeated history)",
        hint: Some("fold"),
    },
    Binding {
        name: "expand-all",
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
        name: "collapse-all",
        modes: &[Tree, Detail],
        keys: &[(Char('-'), N)],
        label: "-",
        action: Action::CollapseAll,
        desc: "collapse all (in the detail: every object, array and long text, as zM)",
        hint: None,
    },
    Binding {
        name: "expand-text",
        modes: &[Detail],
        keys: &[(Enter, N)],
        label: "⏎",
        action: Action::Toggle,
        desc: "expand a long text (\"… 2.0 MB, Enter to expand\"), or fold / unfold as Space",
        hint: None,
    },
    Binding {
        name: "wrap",
        modes: &[Detail],
        keys: &[(Char('w'), N)],
        label: "w",
        action: Action::ToggleWrap,
        desc: "word wrap on / off (on at first, as in less; off cuts lines at the edge)",
        hint: Some("wrap"),
    },
    Binding {
        name: "fold-prefix",
        modes: &[Detail],
        keys: &[(Char('z'), N)],
        label: "z",
        action: Action::Chord('z'),
        desc: "fold commands, as in vim: zc zo zM zR zh",
        hint: None,
    },
    Binding {
        name: "fold-here",
        modes: &[FOLD],
        keys: &[(Char('c'), N)],
        label: "zc",
        action: Action::Fold,
        desc: "fold the object, array or text under the cursor (a value: the one around it)",
        hint: Some("fold"),
    },
    Binding {
        name: "unfold-here",
        modes: &[FOLD],
        keys: &[(Char('o'), N)],
        label: "zo",
        action: Action::Unfold,
        desc: "unfold what is under the cursor",
        hint: Some("unfold"),
    },
    Binding {
        name: "fold-all",
        modes: &[FOLD],
        keys: &[(Char('M'), N), (Char('M'), S)],
        label: "zM",
        action: Action::CollapseAll,
        desc: "fold every object, array and long text",
        hint: Some("fold all"),
    },
    Binding {
        name: "unfold-all",
        modes: &[FOLD],
        keys: &[(Char('R'), N), (Char('R'), S)],
        label: "zR",
        action: Action::ExpandAll,
        desc: "unfold every object and array",
        hint: Some("unfold all"),
    },
    Binding {
        name: "toggle-nulls",
        modes: &[FOLD],
        keys: &[(Char('h'), N)],
        label: "zh",
        action: Action::ToggleNulls,
        desc: "show / hide null values in objects (hidden at first; a line says how many)",
        hint: Some("nulls"),
    },
    Binding {
        name: "sort",
        modes: &[Sessions],
        keys: &[(Char('s'), N)],
        label: "s",
        action: Action::SortMenu,
        desc: "sort by a column (menu; the same column again reverses)",
        hint: Some("sort"),
    },
    Binding {
        name: "reverse-sort",
        modes: &[Sessions],
        keys: &[(Char('S'), N), (Char('S'), S)],
        label: "S",
        action: Action::ReverseSort,
        desc: "reverse the sort order (▲ smallest/earliest/A first, ▼ the other way)",
        hint: None,
    },
    Binding {
        name: "search",
        modes: &[Sessions, Turns, Tree],
        keys: &[(Char('/'), N)],
        label: "/",
        action: Action::Search,
        desc: "fuzzy search (sessions, or this session's spans)",
        hint: Some("search"),
    },
    Binding {
        name: "find",
        modes: &[Detail],
        keys: &[(Char('/'), N)],
        label: "/",
        action: Action::Find,
        desc: "find in the span's text, as in less (smart case; Enter alone: the last query)",
        hint: Some("find"),
    },
    Binding {
        name: "copy-prefix",
        modes: &[Detail],
        keys: &[(Char('y'), N)],
        label: "y",
        action: Action::Chord('y'),
        desc: "copy commands, as in jless: yy ys yk yp yj",
        hint: Some("copy"),
    },
    Binding {
        name: "copy-value",
        modes: &[COPY],
        keys: &[(Char('y'), N)],
        label: "yy",
        action: Action::YankValue,
        desc: "copy the value under the cursor, as JSON (a message: its text)",
        hint: Some("value"),
    },
    Binding {
        name: "copy-text",
        modes: &[COPY],
        keys: &[(Char('s'), N)],
        label: "ys",
        action: Action::YankString,
        desc: "copy the string under the cursor as text, without quotes or escapes",
        hint: Some("text"),
    },
    Binding {
        name: "copy-key",
        modes: &[COPY],
        keys: &[(Char('k'), N)],
        label: "yk",
        action: Action::YankKey,
        desc: "copy the key under the cursor",
        hint: Some("key"),
    },
    Binding {
        name: "copy-path",
        modes: &[COPY],
        keys: &[(Char('p'), N)],
        label: "yp",
        action: Action::YankPath,
        desc: "copy the JSON path under the cursor, as jq writes it: .attributes[\"llm.input_messages\"][0]",
        hint: Some("path"),
    },
    Binding {
        name: "copy-span-json",
        modes: &[COPY],
        keys: &[(Char('j'), N)],
        label: "yj",
        action: Action::Yank,
        desc: "copy the span's whole JSON (as y in the lists)",
        hint: Some("span JSON"),
    },
    Binding {
        name: "full-text-search",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('F'), N), (Char('F'), S)],
        label: "F",
        action: Action::FullTextSearch,
        desc: "full-text search in span records",
        hint: None,
    },
    Binding {
        name: "filter",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char(':'), N), (Char(':'), S)],
        label: ":",
        action: Action::Filter,
        desc: "filter: the sessions, or in a session its turns and tree (error tool:bash …)",
        hint: Some("filter"),
    },
    Binding {
        name: "next-match",
        modes: &[Sessions, Turns, Tree],
        keys: &[(Char('n'), N)],
        label: "n",
        action: Action::NextMatch,
        desc: "next match",
        hint: None,
    },
    Binding {
        name: "prev-match",
        modes: &[Sessions, Turns, Tree],
        keys: &[(Char('N'), N), (Char('N'), S)],
        label: "N",
        action: Action::PrevMatch,
        desc: "previous match",
        hint: None,
    },
    Binding {
        name: "find-next",
        modes: &[Detail],
        keys: &[(Char('n'), N)],
        label: "n",
        action: Action::FindNext,
        desc: "next match in the text (after a full-text search's last one: the next span)",
        hint: None,
    },
    Binding {
        name: "find-prev",
        modes: &[Detail],
        keys: &[(Char('N'), N), (Char('N'), S)],
        label: "N",
        action: Action::FindPrev,
        desc: "previous match in the text",
        hint: None,
    },
    Binding {
        name: "list-matches",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('M'), N), (Char('M'), S)],
        label: "M",
        action: Action::ListMatches,
        desc: "list the last search's matches, in screen order (⏎ goes to one)",
        hint: None,
    },
    Binding {
        name: "next-error",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('e'), N)],
        label: "e",
        action: Action::NextError,
        desc: "next error (wraps at the end, saying so)",
        hint: Some("errors"),
    },
    Binding {
        name: "prev-error",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('E'), N), (Char('E'), S)],
        label: "E",
        action: Action::PrevError,
        desc: "previous error",
        hint: None,
    },
    Binding {
        name: "next-turn",
        modes: IN_SESSION,
        keys: &[(Char(']'), N)],
        label: "]",
        action: Action::NextTurn,
        desc: "next turn (tree: next trace)",
        hint: None,
    },
    Binding {
        name: "prev-turn",
        modes: IN_SESSION,
        keys: &[(Char('['), N)],
        label: "[",
        action: Action::PrevTurn,
        desc: "previous turn (tree: previous trace)",
        hint: None,
    },
    Binding {
        name: "copy",
        modes: &[Turns, Tree],
        keys: &[(Char('y'), N)],
        label: "y",
        action: Action::Yank,
        desc: "copy the span's JSON (OSC 52, works over SSH)",
        hint: Some("copy"),
    },
    Binding {
        name: "open-external",
        modes: &[Detail],
        keys: &[(Char('o'), N)],
        label: "o",
        action: Action::OpenExternal,
        desc: "open the whole record, pretty-printed, in $PAGER (else $EDITOR)",
        hint: None,
    },
    Binding {
        name: "copy-menu",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('Y'), N), (Char('Y'), S)],
        label: "Y",
        action: Action::YankMenu,
        desc: "copy menu: span id, trace id, session id, session as Markdown",
        hint: None,
    },
    Binding {
        name: "infer-history",
        modes: &[Sessions],
        keys: &[(Char('i'), N)],
        label: "i",
        action: Action::ToggleHistoryInference,
        desc: "infer sessions from message history on/off (~ marks them)",
        hint: None,
    },
    Binding {
        name: "infer-time",
        modes: &[Sessions],
        keys: &[(Char('t'), N)],
        label: "t",
        action: Action::ToggleTimeInference,
        desc: "group leftover traces per user by idle gaps on/off (≈ marks them)",
        hint: None,
    },
    Binding {
        name: "split-idle",
        modes: &[Sessions],
        keys: &[(Char('w'), N)],
        label: "w",
        action: Action::ToggleSplitIdle,
        desc: "split sessions into working sessions at idle gaps on/off (id#1, id#2)",
        hint: None,
    },
    Binding {
        name: "follow",
        modes: &[Sessions, Turns, Tree, Detail],
        keys: &[(Char('f'), N)],
        label: "f",
        action: Action::ToggleFollow,
        desc: "follow the files as they grow (tail -F) / pause",
        hint: None,
    },
    Binding {
        name: "reload",
        modes: LISTS,
        keys: &[(Char('r'), N)],
        label: "r",
        action: Action::Reload,
        desc: "reload the files as they are on disk now, keeping your place",
        hint: None,
    },
    Binding {
        name: "mouse",
        modes: LISTS,
        keys: &[(Char('m'), N)],
        label: "m",
        action: Action::ToggleMouse,
        desc: "mouse on/off (off keeps native text selection)",
        hint: None,
    },
    Binding {
        name: "diagnostics",
        modes: LISTS,
        keys: &[(Char('!'), N), (Char('!'), S)],
        label: "!",
        action: Action::Diagnostics,
        desc: "diagnostics: files changed on disk, lines not indexed, and why",
        hint: None,
    },
    Binding {
        name: "redraw",
        modes: EVERY_MODE,
        keys: &[(Char('l'), C)],
        label: "C-l",
        action: Action::Redraw,
        desc: "clear and redraw the screen (after another program wrote on it)",
        hint: None,
    },
    Binding {
        name: "help",
        modes: LISTS,
        keys: &[(Char('?'), N), (Char('?'), S)],
        label: "?",
        action: Action::Help,
        desc: "this help",
        hint: Some("help"),
    },
    Binding {
        name: "quit",
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

/// Whether a key event is one of `keys` (Ctrl, Shift and Alt count; other modifiers not).
fn is_one_of(keys: &[Key], key: &KeyEvent) -> bool {
    let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::SHIFT | KeyModifiers::ALT);
    let key = super::keyspec::normal((key.code, mods));
    keys.contains(&key)
}

/// A binding's default keys, each once in its [`super::keyspec::normal`] form.
fn default_keys(b: &Binding) -> Vec<Key> {
    let mut out: Vec<Key> = Vec::new();
    for &k in b.keys {
        let k = super::keyspec::normal(k);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The keymap in use: [`BINDINGS`] with the keys a config file gave in place of their
/// defaults. The explorer holds one ([`crate::app::App::keymap`]); the help, the hint bar and
/// `--help` show its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    /// Per binding, in the order of [`BINDINGS`]: its keys and, when they were changed, their
    /// label (else the binding's own).
    keys: Vec<(Vec<Key>, Option<String>)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            keys: BINDINGS.iter().map(|b| (default_keys(b), None)).collect(),
        }
    }
}

/// The modes named as a person would, for messages.
fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Sessions => "the session list",
        Turns => "the turns view",
        Tree => "the tree view",
        Detail => "the span detail",
        Diagnostics => "the ! and M lists",
        Mode::Search => "the search prompt",
        Mode::Menu => "menus",
        Mode::Help => "the help",
        Mode::Chord(_) => "the span detail's two-key commands",
    }
}

/// Ctrl keys the prompts use for editing (and Ctrl-C, Ctrl-Z): a binding that works in the
/// prompts cannot take them.
const PROMPT_CTRL: &[char] = &[
    'a', 'b', 'c', 'd', 'e', 'f', 'h', 'k', 'n', 'p', 'u', 'w', 'z',
];

impl Keymap {
    /// The index in [`BINDINGS`] of the binding named `name`.
    pub fn find(name: &str) -> Option<usize> {
        BINDINGS.iter().position(|b| b.name == name)
    }

    /// Gives the binding named `name` the keys `specs` in place of its defaults. Errors say
    /// what is wrong in a phrase (the caller names the file, line and key).
    pub fn set(&mut self, name: &str, specs: &[&str]) -> Result<(), String> {
        let Some(i) = Keymap::find(name) else {
            return Err(format!("unknown action {name:?}"));
        };
        if specs.is_empty() {
            return Err("give at least one key".to_owned());
        }
        let mut keys = Vec::new();
        let mut labels = Vec::new();
        for spec in specs {
            let k = super::keyspec::parse(spec).map_err(|e| format!("{spec:?}: {e}"))?;
            let (code, m) = k;
            if m.contains(C) && matches!(code, Char('c' | 'z')) {
                return Err(format!(
                    "{spec:?}: Ctrl-C always quits and Ctrl-Z suspends; choose another key"
                ));
            }
            let free_in_prompts =
                m.contains(C) && !matches!(code, Char(c) if PROMPT_CTRL.contains(&c));
            if applies(&BINDINGS[i], Mode::Search) && !free_in_prompts {
                return Err(format!(
                    "{spec:?}: this action works in the prompts too, where the key would be \
                     typed or edit the line; use a Ctrl key they leave free, such as ctrl-l"
                ));
            }
            if keys.contains(&k) {
                return Err(format!("{spec:?} is given twice"));
            }
            labels.push(super::keyspec::label(k));
            keys.push(k);
        }
        let defaults = default_keys(&BINDINGS[i]);
        self.keys[i] = if keys.len() == defaults.len() && keys.iter().all(|k| defaults.contains(k))
        {
            // The defaults again (as `--print-default-config` writes them): their label stays.
            (defaults, None)
        } else {
            (keys, Some(labels.join("/")))
        };
        Ok(())
    }

    /// The first key bound twice in one mode, as a message naming both actions; `changed`
    /// is the name of an action the config set (the message is about it).
    pub fn clash(&self, changed: &str) -> Option<String> {
        for &mode in EVERY_MODE {
            let mut seen: Vec<(Key, usize)> = Vec::new();
            for (i, b) in BINDINGS.iter().enumerate() {
                if !applies(b, mode) {
                    continue;
                }
                for &k in &self.keys[i].0 {
                    if let Some(&(_, j)) = seen.iter().find(|(s, _)| *s == k) {
                        let (this, other) = if BINDINGS[i].name == changed {
                            (i, j)
                        } else {
                            (j, i)
                        };
                        if BINDINGS[this].name != changed && BINDINGS[other].name != changed {
                            continue;
                        }
                        return Some(format!(
                            "{:?} is bound to both {:?} and {:?} in {}",
                            super::keyspec::spelled(k),
                            BINDINGS[this].name,
                            BINDINGS[other].name,
                            mode_name(mode)
                        ));
                    }
                    seen.push((k, i));
                }
            }
        }
        None
    }

    /// The action a key means in a mode, if any.
    pub fn action(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        if key.code == Char('c') && key.modifiers.contains(C) {
            return Some(Action::Quit);
        }
        let bound = |mode: Mode| {
            BINDINGS
                .iter()
                .zip(&self.keys)
                .find(|(b, (keys, _))| applies(b, mode) && is_one_of(keys, key))
                .map(|(b, _)| b.action)
        };
        if let Some(a) = bound(mode) {
            return Some(a);
        }
        unbound(mode, key, bound(Sessions))
    }

    /// The label of binding `i` as the help shows it: `j/↓`, `C-d`, `zc` (a two-key command
    /// with its first key as bound now).
    pub fn label(&self, i: usize) -> String {
        let b = &BINDINGS[i];
        let own = self.keys[i].1.as_deref();
        if let [Mode::Chord(c)] = b.modes {
            let prefix = BINDINGS
                .iter()
                .position(|p| p.action == Action::Chord(*c))
                .map(|p| self.label(p))
                .unwrap_or_default();
            // The default labels spell the first key too (`zc`).
            let rest = own.unwrap_or_else(|| b.label.get(1..).unwrap_or(b.label));
            return format!("{prefix}{rest}");
        }
        own.unwrap_or(b.label).to_owned()
    }

    /// The first key of the binding named `name`, as messages name it (`q`, `Esc`, `C-d`).
    pub fn key(&self, name: &str) -> String {
        let Some(i) = Keymap::find(name) else {
            return String::new();
        };
        let label = self.label(i);
        match label.split_once('/') {
            Some((head, _)) if !head.is_empty() => head.to_owned(),
            _ => label,
        }
    }

    /// The bindings active in a mode, with their labels.
    pub fn bindings(&self, mode: Mode) -> impl Iterator<Item = (&'static Binding, String)> + '_ {
        BINDINGS
            .iter()
            .enumerate()
            .filter(move |(_, b)| applies(b, mode))
            .map(|(i, b)| (b, self.label(i)))
    }

    /// Every binding with its label, in the order of [`BINDINGS`].
    pub fn all(&self) -> impl Iterator<Item = (&'static Binding, String)> + '_ {
        BINDINGS.iter().enumerate().map(|(i, b)| (b, self.label(i)))
    }

    /// The keys of binding `i`, as a config file spells them (`["j", "down"]`).
    pub fn specs(&self, i: usize) -> Vec<String> {
        self.keys[i]
            .0
            .iter()
            .map(|&k| super::keyspec::spelled(k))
            .collect()
    }

    /// Whether a binding has other keys than its defaults.
    pub fn changed(&self, i: usize) -> bool {
        self.keys[i].1.is_some()
    }
}

/// What a key no binding took means in a prompt, a menu, the help or a two-key command;
/// `listed` is what it means in the session list (the help scrolls with its movement keys).
fn unbound(mode: Mode, key: &KeyEvent, listed: Option<Action>) -> Option<Action> {
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
        Mode::Help => Some(match listed {
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
        }),
        // A key that ends no two-key command cancels it.
        Mode::Chord(_) => Some(Action::Cancel),
        Sessions | Turns | Tree | Detail | Diagnostics => None,
    }
}

/// The keymap with every default key.
static DEFAULT: std::sync::LazyLock<Keymap> = std::sync::LazyLock::new(Keymap::default);

/// The action a key means in a mode with the default keys (the explorer asks its own
/// [`Keymap`]).
pub fn action(mode: Mode, key: &KeyEvent) -> Option<Action> {
    DEFAULT.action(mode, key)
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

/// The bindings active in a mode (with their default keys).
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
