use super::*;
use crate::app::action::Action;
use crate::app::keymap::Mode;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

fn err(text: &str) -> Error {
    parse(text, "cfg.toml").expect_err("a mistake")
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn an_empty_file_is_the_defaults() {
    assert_eq!(parse("", "cfg.toml"), Ok(Config::default()));
    assert_eq!(parse("# nothing\n\n", "cfg.toml"), Ok(Config::default()));
}

#[test]
fn the_default_config_loads_back_to_exactly_the_defaults() {
    let text = default_text();
    let loaded = parse(&text, "default.toml").expect("loads");
    assert_eq!(loaded, Config::default());
    // Every action is in it, with its keys.
    for b in crate::app::keymap::BINDINGS {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{} = ", b.name))),
            "{} missing",
            b.name
        );
    }
    // And it is not just comments: change a value and it shows.
    let changed = text.replace("infer-time = false", "infer-time = true");
    assert!(parse(&changed, "x").expect("loads").infer.by_time);
}

#[test]
fn a_full_config() {
    let c = parse(
        r##"
[defaults]
idle-gap = "2h"
infer = false
infer-time = true
split-idle = true
mouse = true
time-zone = "Europe/Paris"

[keys]
quit = "x"
down = ["j", "ctrl-n"]
help = "f1"

[theme]
error = "#ff5f5f"
selected = { fg = "white", bg = 24, bold = false, underline = true }
dim = 245
base = "light"
"##,
        "cfg.toml",
    )
    .expect("loads");
    assert_eq!(c.infer.idle_gap_ns, 2 * 3600 * 1_000_000_000);
    assert!(!c.infer.history && c.infer.by_time && c.infer.split_idle && c.mouse);
    assert_eq!(c.zone.name(), "Europe/Paris");
    assert_eq!(
        c.keymap.action(Mode::Sessions, &key('x')),
        Some(Action::Quit)
    );
    assert_eq!(c.keymap.action(Mode::Sessions, &key('q')), None);
    let ctrl_n = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(c.keymap.action(Mode::Tree, &ctrl_n), Some(Action::Down));
    assert_eq!(
        c.keymap.action(
            Mode::Tree,
            &KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)
        ),
        Some(Action::Help)
    );
    // The base is the light theme, wherever `base` is written; the roles change it.
    let light = Theme::light();
    assert_eq!(c.theme.error, light.error.fg(Color::Rgb(0xff, 0x5f, 0x5f)));
    assert_eq!(c.theme.dim, light.dim.fg(Color::Indexed(245)));
    assert_eq!(
        c.theme.selected,
        light
            .selected
            .fg(Color::White)
            .bg(Color::Indexed(24))
            .remove_modifier(Modifier::BOLD)
            .add_modifier(Modifier::UNDERLINED)
    );
    assert_eq!(c.theme.ok, light.ok);
}

#[test]
fn a_swap_is_no_clash() {
    let c = parse(
        "[keys]\nnext-error = \"E\"\nprev-error = \"e\"\n",
        "cfg.toml",
    )
    .expect("loads");
    assert_eq!(
        c.keymap.action(Mode::Tree, &key('E')),
        Some(Action::NextError)
    );
    assert_eq!(
        c.keymap.action(Mode::Tree, &key('e')),
        Some(Action::PrevError)
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let e = err("[defaults]\nmouse = true\nidle-gap = \"30m\n");
    assert_eq!((e.line, e.key.as_str()), (3, "TOML syntax"), "{e}");
    assert!(!e.message.contains('\n'));
    let shown = e.to_string();
    assert!(shown.starts_with("cfg.toml:3: TOML syntax: "), "{shown}");
    assert!(shown.ends_with("(see --print-default-config)"), "{shown}");
    let e = err("[keys]\nquit = \"q\"\nquit = \"x\"\n");
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn unknown_keys_and_sections_are_mistakes() {
    let e = err("[defaults]\nmouse = true\nidle_gap = \"1h\"\n");
    assert_eq!((e.line, e.key.as_str()), (3, "defaults.idle_gap"), "{e}");
    assert!(e.message.contains("unknown key \"idle_gap\""), "{e}");
    let e = err("\n[colours]\nerror = \"red\"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "colours"), "{e}");
    assert!(e.message.contains("unknown section"), "{e}");
    let e = err("mouse = true\n");
    assert_eq!((e.line, e.key.as_str()), (1, "mouse"), "{e}");
    let e = err("[theme]\nbase = \"dark\"\nerrors = \"red\"\n");
    assert_eq!((e.line, e.key.as_str()), (3, "theme.errors"), "{e}");
    let e = err("[theme]\nerror = { fg = \"red\", blink = true }\n");
    assert_eq!((e.line, e.key.as_str()), (2, "theme.error.blink"), "{e}");
    let e = err("[defaults]\nmouse = \"yes\"\n");
    assert_eq!(e.message, "must be true or false, not a string");
}

#[test]
fn unknown_actions() {
    let e = err("[keys]\nquit = \"q\"\n\nquitt = \"x\"\n");
    assert_eq!(
        e.to_string(),
        "cfg.toml:4: keys.quitt: unknown action \"quitt\" (see --print-default-config)"
    );
}

#[test]
fn bad_key_specs() {
    let e = err("[keys]\nquit = \"qq\"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "keys.quit"), "{e}");
    assert!(e.message.starts_with("\"qq\": not a key"), "{e}");
    let e = err("[keys]\ndown = [\"j\", \"hyper-j\"]\n");
    assert!(e.message.contains("unknown modifier \"hyper\""), "{e}");
    let e = err("[keys]\ndown = []\n");
    assert_eq!(e.message, "give at least one key");
    let e = err("[keys]\ndown = 3\n");
    assert!(
        e.message.starts_with("must be a key or a list of keys"),
        "{e}"
    );
    let e = err("[keys]\nreload = \"ctrl-c\"\n");
    assert!(e.message.contains("Ctrl-C always quits"), "{e}");
    // Redraw works in the prompts: a plain key would be typed there instead.
    let e = err("[keys]\nredraw = \"x\"\n");
    assert!(e.message.contains("prompts"), "{e}");
    assert!(parse("[keys]\nredraw = \"ctrl-g\"\n", "c").is_ok());
}

#[test]
fn a_key_bound_twice_names_both_actions() {
    let e = err("[keys]\nquit = \"j\"\n");
    assert_eq!(
        e.to_string(),
        "cfg.toml:2: keys.quit: \"j\" is bound to both \"quit\" and \"down\" in the session list \
         (see --print-default-config)"
    );
    // Both changed: the message is about the one the loop meets first, and names the other.
    let e = err("[keys]\nsort = \"x\"\nreload = \"x\"\n");
    assert!(
        e.message.contains("\"sort\"") && e.message.contains("\"reload\""),
        "{e}"
    );
    // Bound twice in one action.
    let e = err("[keys]\ndown = [\"j\", \"j\"]\n");
    assert!(e.message.contains("given twice"), "{e}");
    // The same key in views that never meet is fine: `w` wraps in the detail and splits in
    // the list.
    assert!(parse("[keys]\nwrap = \"x\"\nsplit-idle = \"x\"\n", "c").is_ok());
}

#[test]
fn bad_colours() {
    for (text, want) in [
        ("[theme]\nerror = \"redd\"\n", "bad colour \"redd\""),
        ("[theme]\nerror = 300\n", "bad colour \"300\""),
        ("[theme]\nerror = \"#12345\"\n", "#rrggbb"),
        ("[theme]\nerror = { bg = true }\n", "must be a colour"),
        (
            "[theme]\nbase = \"solarized\"\n",
            "unknown theme \"solarized\"",
        ),
    ] {
        let e = err(text);
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains(want), "{text}: {e}");
    }
}

#[test]
fn bad_zones() {
    let e = err("[defaults]\ntime-zone = \"Europe/Pariss\"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "defaults.time-zone"), "{e}");
    assert!(
        e.message.contains("unknown time zone \"Europe/Pariss\""),
        "{e}"
    );
    let e = err("[defaults]\nidle-gap = \"30x\"\n");
    assert_eq!(e.key, "defaults.idle-gap", "{e}");
    assert_eq!(
        parse("[defaults]\nidle-gap = 45\n", "c").map(|c| c.infer.idle_gap_ns),
        Ok(45 * 60 * 1_000_000_000)
    );
}
