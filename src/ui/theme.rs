//! Colours and text styles: a dark theme (the default) and a light one, each role's colours
//! open to the config file's `[theme]`. `NO_COLOR` gives a monochrome theme whatever the
//! config says: meaning is then carried by bold, reverse, underline and the text itself
//! (markers like ✗ and ~ are always shown).

use crate::highlight::Role;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub header: Style,
    pub selected: Style,
    pub error: Style,
    pub warn: Style,
    pub ok: Style,
    pub inferred: Style,
    pub inferred_time: Style,
    pub user: Style,
    pub assistant: Style,
    pub system: Style,
    pub tool: Style,
    pub section: Style,
    pub key: Style,
    pub string: Style,
    pub number: Style,
    pub literal: Style,
    pub punct: Style,
    pub hint_key: Style,
    pub status: Style,
    pub bar: Style,
    pub border: Style,
    /// The span detail's cursor row.
    pub cursor: Style,
    /// Text found in the span detail, and the match the cursor is on.
    pub found: Style,
    pub found_current: Style,
}

impl Theme {
    /// The style of a session or trace origin marker (see `Session::marker`).
    pub fn origin(&self, marker: &str) -> Style {
        match marker {
            "~" => self.inferred,
            "≈" => self.inferred_time,
            _ => self.ok,
        }
    }

    /// The default theme, for dark terminal backgrounds.
    pub fn color() -> Theme {
        let fg = |c| Style::new().fg(c);
        Theme {
            base: Style::new(),
            dim: fg(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::Black).bg(Color::Cyan),
            selected: Style::new()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: fg(Color::Yellow),
            ok: fg(Color::Green),
            inferred: fg(Color::Magenta),
            inferred_time: fg(Color::LightYellow).add_modifier(Modifier::ITALIC),
            user: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            assistant: fg(Color::Green),
            system: fg(Color::DarkGray),
            tool: fg(Color::Yellow),
            section: fg(Color::Blue).add_modifier(Modifier::BOLD),
            key: fg(Color::Cyan),
            string: fg(Color::Green),
            number: fg(Color::Magenta),
            literal: fg(Color::Yellow),
            punct: fg(Color::DarkGray),
            hint_key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            status: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            bar: fg(Color::Blue),
            border: fg(Color::DarkGray),
            cursor: Style::new().bg(Color::Rgb(40, 60, 90)),
            found: Style::new().fg(Color::Black).bg(Color::Yellow),
            found_current: Style::new()
                .fg(Color::Black)
                .bg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
        }
    }

    pub fn mono() -> Theme {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        Theme {
            base: plain,
            dim: plain,
            title: bold,
            header: plain.add_modifier(Modifier::REVERSED),
            selected: plain.add_modifier(Modifier::REVERSED),
            error: bold,
            warn: plain,
            ok: plain,
            inferred: plain.add_modifier(Modifier::ITALIC),
            inferred_time: plain.add_modifier(Modifier::ITALIC | Modifier::UNDERLINED),
            user: bold,
            assistant: plain,
            system: plain,
            tool: plain,
            section: bold.add_modifier(Modifier::UNDERLINED),
            key: plain,
            string: plain,
            number: plain,
            literal: plain,
            punct: plain,
            hint_key: bold,
            status: bold,
            bar: plain,
            border: plain,
            cursor: plain.add_modifier(Modifier::REVERSED),
            found: plain.add_modifier(Modifier::UNDERLINED),
            found_current: bold.add_modifier(Modifier::UNDERLINED | Modifier::REVERSED),
        }
    }

    /// For light terminal backgrounds: darker foregrounds, pale selection and highlights.
    pub fn light() -> Theme {
        let fg = |c| Style::new().fg(c);
        let amber = Color::Rgb(150, 100, 0);
        let green = Color::Rgb(0, 120, 40);
        let blue = Color::Rgb(0, 80, 170);
        let purple = Color::Rgb(140, 40, 150);
        let grey = Color::Rgb(110, 110, 110);
        Theme {
            base: Style::new(),
            dim: fg(grey),
            title: Style::new().add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::White).bg(blue),
            selected: Style::new()
                .bg(Color::Rgb(200, 220, 245))
                .add_modifier(Modifier::BOLD),
            error: fg(Color::Rgb(190, 0, 0)).add_modifier(Modifier::BOLD),
            warn: fg(amber),
            ok: fg(green),
            inferred: fg(purple),
            inferred_time: fg(amber).add_modifier(Modifier::ITALIC),
            user: fg(blue).add_modifier(Modifier::BOLD),
            assistant: fg(green),
            system: fg(grey),
            tool: fg(amber),
            section: fg(blue).add_modifier(Modifier::BOLD),
            key: fg(blue),
            string: fg(green),
            number: fg(purple),
            literal: fg(amber),
            punct: fg(grey),
            hint_key: fg(blue).add_modifier(Modifier::BOLD),
            status: fg(amber).add_modifier(Modifier::BOLD),
            bar: fg(blue),
            border: fg(Color::Rgb(160, 160, 160)),
            cursor: Style::new().bg(Color::Rgb(215, 228, 245)),
            found: Style::new().fg(Color::Black).bg(Color::Rgb(255, 225, 110)),
            found_current: Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(255, 160, 120))
                .add_modifier(Modifier::BOLD),
        }
    }

    /// Monochrome when `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Theme {
        Theme::with_env(Theme::color())
    }

    /// `configured`, unless `NO_COLOR` is set to anything non-empty: then monochrome.
    pub fn with_env(configured: Theme) -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::mono(),
            _ => configured,
        }
    }

    /// The style of a role by the name the config file gives it (`text` is `base`).
    pub fn role_mut(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "text" => &mut self.base,
            "dim" => &mut self.dim,
            "title" => &mut self.title,
            "header" => &mut self.header,
            "selected" => &mut self.selected,
            "error" => &mut self.error,
            "warn" => &mut self.warn,
            "ok" => &mut self.ok,
            "inferred" => &mut self.inferred,
            "inferred-time" => &mut self.inferred_time,
            "user" => &mut self.user,
            "assistant" => &mut self.assistant,
            "system" => &mut self.system,
            "tool" => &mut self.tool,
            "section" => &mut self.section,
            "json-key" => &mut self.key,
            "json-string" => &mut self.string,
            "json-number" => &mut self.number,
            "json-literal" => &mut self.literal,
            "json-punct" => &mut self.punct,
            "hint-key" => &mut self.hint_key,
            "status" => &mut self.status,
            "bar" => &mut self.bar,
            "border" => &mut self.border,
            "cursor" => &mut self.cursor,
            "found" => &mut self.found,
            "found-current" => &mut self.found_current,
            _ => return None,
        })
    }

    pub fn role(&self, r: Role) -> Style {
        match r {
            Role::Plain => self.base,
            Role::Key => self.key,
            Role::Str => self.string,
            Role::Number => self.number,
            Role::Literal => self.literal,
            Role::Punct => self.punct,
        }
    }

    pub fn chat_role(&self, role: &str) -> Style {
        match role {
            "user" | "human" => self.user,
            "assistant" | "ai" | "model" => self.assistant,
            "system" | "developer" => self.system,
            "tool" | "function" => self.tool,
            _ => self.title,
        }
    }
}

/// Every role the config file's `[theme]` can colour, with what it colours.
pub const ROLES: &[(&str, &str)] = &[
    ("text", "plain text"),
    ("dim", "secondary text"),
    ("title", "titles and column headings"),
    ("header", "the top bar"),
    ("selected", "the selected row"),
    ("error", "errors (✗)"),
    ("warn", "warnings"),
    ("ok", "sessions with an id (●)"),
    ("inferred", "sessions inferred from message history (~)"),
    ("inferred-time", "sessions inferred by idle time (≈)"),
    ("user", "user messages"),
    ("assistant", "assistant messages"),
    ("system", "system messages"),
    ("tool", "tool calls and results"),
    ("section", "the span detail's section headings"),
    ("json-key", "JSON keys"),
    ("json-string", "JSON strings"),
    ("json-number", "JSON numbers"),
    ("json-literal", "JSON true, false, null"),
    ("json-punct", "JSON punctuation"),
    ("hint-key", "keys in the hint bar and the help"),
    ("status", "the status message"),
    ("bar", "the progress bar"),
    ("border", "borders"),
    ("cursor", "the span detail's cursor row"),
    ("found", "text found in the span detail"),
    ("found-current", "the match the cursor is on"),
];

/// A colour as the config file writes it: a name (`red`, `darkgray`, `lightblue`, `reset`),
/// a 256-colour index (`208`), or `#rrggbb`.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
            let [_, r, g, b] = v.to_be_bytes();
            return Ok(Color::Rgb(r, g, b));
        }
        return Err(format!("bad colour {s:?} (hex colours are #rrggbb)"));
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| format!("bad colour {s:?} (colour indexes go from 0 to 255)"));
    }
    let name: String = t
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(match name.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => {
            return Err(format!(
                "bad colour {s:?} (a name such as red or darkgray, an index 0-255, or #rrggbb)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(parse_color("red"), Ok(Color::Red));
        assert_eq!(parse_color("Dark-Gray"), Ok(Color::DarkGray));
        assert_eq!(parse_color("208"), Ok(Color::Indexed(208)));
        assert_eq!(parse_color("#28405a"), Ok(Color::Rgb(0x28, 0x40, 0x5a)));
        assert!(parse_color("256").is_err());
        assert!(parse_color("#12345").is_err());
        assert!(parse_color("#gg0000").is_err());
        assert!(parse_color("redd").is_err());
    }

    #[test]
    fn every_role_has_a_name() {
        let mut t = Theme::mono();
        for (name, _) in ROLES {
            let r = t.role_mut(name).expect("a role");
            *r = r.fg(Color::Indexed(1));
        }
        // Each name reaches its own field: all of them changed.
        let dbg = format!("{t:?}");
        assert_eq!(dbg.matches("Indexed(1)").count(), ROLES.len());
        assert_ne!(Theme::light(), Theme::color());
    }
}
