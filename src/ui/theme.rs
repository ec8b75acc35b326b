//! Colours and text styles. `NO_COLOR` gives a monochrome theme: meaning is then carried by
//! bold, reverse, underline and the text itself (markers like ✗ and ~ are always shown).

use crate::highlight::Role;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug)]
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

    /// Monochrome when `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::mono(),
            _ => Theme::color(),
        }
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
