//! `sesstui --print-default-config`: a config file holding every default, commented, made from
//! the same data the program runs on (the keymap, the theme's roles), so it cannot drift. It
//! loads back to exactly the defaults (a test says so).

use crate::app::keymap::{BINDINGS, Keymap};
use std::fmt::Write;

/// A TOML string, quoted.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn default_text() -> String {
    let mut out = String::new();
    out.push_str(
        "# sesstui configuration. Every value below is the default; change what you like and \
         delete\n# the rest. The command line wins over this file (e.g. --no-infer, --infer, \
         --tz); NO_COLOR\n# (set and not empty) wins over [theme].\n\
         \n[defaults]\n\
         # The idle gap for infer-time and split-idle: 30m, 2h, 90s, or minutes.\n\
         idle-gap = \"30m\"\n\
         # Link traces into sessions by their message history (--infer / --no-infer; `i`).\n\
         infer = true\n\
         # Group traces still without a session per user, split at idle gaps \
         (--infer-time / --no-infer-time; `t`).\n\
         infer-time = false\n\
         # Split every session into working sessions at idle gaps \
         (--split-idle / --no-split-idle; `w`).\n\
         split-idle = false\n\
         # Start the explorer with the mouse on (--mouse / --no-mouse; `m`).\n\
         mouse = false\n\
         # The zone times are shown in: \"utc\" (shown with Z), \"local\" (TZ, else the system's), \
         or an\n# IANA name such as \"Europe/Paris\" (shown with the offset, e.g. +01:00). \
         JSON output stays UTC. (--tz)\n\
         time-zone = \"utc\"\n\
         \n[keys]\n\
         # action = a key or a list of keys: a character (\"q\", \"G\", \"/\"), \"ctrl-d\", \
         \"alt-x\",\n# \"shift-tab\", or a named key: ",
    );
    out.push_str(crate::app::keyspec::NAMED);
    out.push_str(
        ".\n# A key may be bound once in each view; Ctrl-C always quits. \
         The help (?) shows the keys as bound.\n",
    );
    let keys = Keymap::default();
    for (i, b) in BINDINGS.iter().enumerate() {
        let specs = keys.specs(i);
        let value = match specs.as_slice() {
            [one] => quoted(one),
            many => format!(
                "[{}]",
                many.iter()
                    .map(|s| quoted(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut desc: String = b.desc.split_whitespace().collect::<Vec<_>>().join(" ");
        if let [crate::app::keymap::Mode::Chord(c)] = b.modes {
            let prefix = BINDINGS
                .iter()
                .find(|p| p.action == crate::app::action::Action::Chord(*c))
                .map_or("", |p| p.name);
            desc = format!("after {prefix} ({c}): {desc}");
        }
        let _ = writeln!(out, "{} = {value}  # {desc}", b.name);
    }
    out.push_str(
        "\n[theme]\n\
         # \"dark\" (for dark backgrounds) or \"light\".\n\
         base = \"dark\"\n\
         # Any role below takes a colour for its text, or a table:\n\
         #   error = \"#ff5f5f\"            (a name such as red or darkgray, 0-255, or #rrggbb)\n\
         #   selected = { fg = \"white\", bg = 24, bold = true }\n\
         #   (fg, bg, bold, italic, underline, reverse, dim)\n\
         # The roles:\n",
    );
    for (name, what) in crate::ui::theme::ROLES {
        let _ = writeln!(out, "#   {name:<14} {what}");
    }
    out
}
