//! Keys as a person writes them in the config file (`q`, `ctrl-d`, `down`, `shift-tab`,
//! `space`, `G`), read into the key events the terminal reports, and written back as the short
//! labels the help and the hint bar show (`C-d`, `↓`, `S-Tab`, `Space`).

use crossterm::event::{KeyCode, KeyModifiers};

/// A key as matched: its code and the modifiers Ctrl, Shift and Alt.
pub type Key = (KeyCode, KeyModifiers);

const N: KeyModifiers = KeyModifiers::NONE;
const C: KeyModifiers = KeyModifiers::CONTROL;
const S: KeyModifiers = KeyModifiers::SHIFT;
const A: KeyModifiers = KeyModifiers::ALT;

/// Every spelling [`parse`] takes for a named key.
pub const NAMED: &str = "enter, esc, tab, shift-tab, space, backspace, delete, insert, home, \
                         end, pageup, pagedown, up, down, left, right, f1 … f12";

/// A key as matched: Shift is dropped from a character typed without Ctrl or Alt (the
/// character says it: terminals report `G` with or without Shift) and from Shift-Tab (BackTab
/// says it), so each key has one spelling.
pub fn normal((code, mods): Key) -> Key {
    match code {
        KeyCode::Char(_) if !mods.intersects(C | A) => (code, N),
        KeyCode::BackTab => (code, mods - S),
        _ => (code, mods),
    }
}

/// The key a spec stands for, in its [`normal`] form.
pub fn parse(spec: &str) -> Result<Key, String> {
    let mut rest = spec.trim();
    if rest.is_empty() {
        return Err("an empty key".to_owned());
    }
    let mut mods = N;
    // `-` alone is a key; `ctrl--` is Ctrl and `-`.
    while let Some((head, tail)) = rest.split_once('-') {
        if tail.is_empty() {
            break;
        }
        mods |= match head.to_ascii_lowercase().as_str() {
            "ctrl" | "c" | "control" => C,
            "alt" | "m" | "meta" | "a" => A,
            "shift" | "s" => S,
            _ => {
                return Err(format!(
                    "unknown modifier {head:?} (use ctrl-, alt- or shift-)"
                ));
            }
        };
        rest = tail;
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => named(rest)?,
    };
    Ok(normal(match code {
        // Terminals report Ctrl-D as `d` with Ctrl.
        KeyCode::Char(c) if mods.intersects(C | A) && !mods.contains(S) => {
            (KeyCode::Char(c.to_ascii_lowercase()), mods)
        }
        KeyCode::Char(c) if mods.contains(S) => (KeyCode::Char(c.to_ascii_uppercase()), mods),
        KeyCode::Tab if mods.contains(S) => (KeyCode::BackTab, mods),
        code => (code, mods),
    }))
}

fn named(name: &str) -> Result<KeyCode, String> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "enter" | "return" | "ret" | "cr" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" | "spc" => KeyCode::Char(' '),
        "backspace" | "bs" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" | "pgdown" => KeyCode::PageDown,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "minus" => KeyCode::Char('-'),
        "plus" => KeyCode::Char('+'),
        f if f.starts_with('f') && f.len() > 1 => match f[1..].parse::<u8>() {
            Ok(n @ 1..=12) => KeyCode::F(n),
            _ => return Err(format!("unknown key {name:?}")),
        },
        _ => {
            return Err(format!(
                "not a key (a character such as q or G, ctrl-, alt- or shift- and one, or a \
                 named key: {NAMED})"
            ));
        }
    })
}

/// The label of a key: `C-d`, `↓`, `S-Tab`, `Space`.
pub fn label((code, mods): Key) -> String {
    let base = match code {
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "⏎".to_owned(),
        KeyCode::Esc => "Esc".to_owned(),
        KeyCode::Tab => "Tab".to_owned(),
        KeyCode::BackTab => return "S-Tab".to_owned(),
        KeyCode::Backspace => "BS".to_owned(),
        KeyCode::Delete => "Del".to_owned(),
        KeyCode::Insert => "Ins".to_owned(),
        KeyCode::Home => "Home".to_owned(),
        KeyCode::End => "End".to_owned(),
        KeyCode::PageUp => "PgUp".to_owned(),
        KeyCode::PageDown => "PgDn".to_owned(),
        KeyCode::Up => "↑".to_owned(),
        KeyCode::Down => "↓".to_owned(),
        KeyCode::Left => "←".to_owned(),
        KeyCode::Right => "→".to_owned(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let mut out = String::new();
    if mods.contains(C) {
        out.push_str("C-");
    }
    if mods.contains(A) {
        out.push_str("M-");
    }
    if mods.contains(S) && !matches!(code, KeyCode::Char(_)) {
        out.push_str("S-");
    }
    out.push_str(&base);
    out
}

/// How a key is written in a message: `"ctrl-d"`, `"j"`, `"down"`.
pub fn spelled(key: Key) -> String {
    let (code, mods) = key;
    let mut out = String::new();
    if mods.contains(C) {
        out.push_str("ctrl-");
    }
    if mods.contains(A) {
        out.push_str("alt-");
    }
    if mods.contains(S) && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
        out.push_str("shift-");
    }
    out.push_str(&match code {
        KeyCode::Char(' ') => "space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::BackTab => "shift-tab".to_owned(),
        KeyCode::F(n) => format!("f{n}"),
        KeyCode::PageUp => "pageup".to_owned(),
        KeyCode::PageDown => "pagedown".to_owned(),
        other => format!("{other:?}").to_ascii_lowercase(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(parse("q"), Ok((KeyCode::Char('q'), N)));
        assert_eq!(parse("G"), Ok((KeyCode::Char('G'), N)));
        assert_eq!(parse("shift-g"), Ok((KeyCode::Char('G'), N)));
        assert_eq!(parse("ctrl-d"), Ok((KeyCode::Char('d'), C)));
        assert_eq!(parse("C-D"), Ok((KeyCode::Char('d'), C)));
        assert_eq!(parse("down"), Ok((KeyCode::Down, N)));
        assert_eq!(parse("shift-down"), Ok((KeyCode::Down, S)));
        assert_eq!(parse("-"), Ok((KeyCode::Char('-'), N)));
        assert_eq!(parse("ctrl--"), Ok((KeyCode::Char('-'), C)));
        assert_eq!(parse("space"), Ok((KeyCode::Char(' '), N)));
        assert_eq!(parse("f5"), Ok((KeyCode::F(5), N)));
        assert_eq!(parse("shift-tab"), Ok((KeyCode::BackTab, N)));
        assert!(parse("").is_err());
        assert!(parse("hyper-x").is_err());
        assert!(parse("f13").is_err());
        assert!(parse("qq").is_err());
    }

    #[test]
    fn labels_and_spellings() {
        for (spec, label, spelled_as) in [
            ("ctrl-d", "C-d", "ctrl-d"),
            ("down", "↓", "down"),
            ("enter", "⏎", "enter"),
            ("space", "Space", "space"),
            ("shift-tab", "S-Tab", "shift-tab"),
            ("G", "G", "G"),
            ("pgdn", "PgDn", "pagedown"),
            ("alt-x", "M-x", "alt-x"),
        ] {
            let key = parse(spec).expect("parses");
            assert_eq!(super::label(key), label, "{spec}");
            assert_eq!(spelled(key), spelled_as, "{spec}");
            assert_eq!(parse(&spelled(key)), Ok(key), "{spec}");
        }
    }
}
