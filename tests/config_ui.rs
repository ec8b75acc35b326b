//! The config file as the explorer sees it: keys remapped by action name fire their action
//! (and the old key no longer does), the help and the hint bar show the keys as bound, and
//! times are shown in the configured zone with their offset.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

mod common;

use common::{PHOENIX, app, press, render, screen};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sesstui::app::action::Action;
use sesstui::app::keymap::Mode;
use sesstui::app::{App, Effect};

const REMAP: &str = r#"
[keys]
quit = "x"
help = "f1"
down = ["J", "ctrl-n"]
"#;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// An app over the Phoenix fixture with `config` applied as the explorer applies it.
fn configured(config: &str, w: u16, h: u16) -> App {
    let c = sesstui::config::parse(config, "test.toml").expect("config loads");
    let mut a = App::new(vec![PHOENIX.to_owned()]);
    a.keymap = c.keymap;
    a.zone = c.zone;
    let mut loaded = app(&[PHOENIX], w, h);
    std::mem::swap(&mut a.model, &mut loaded.model);
    let model = a.model.take().expect("loaded");
    a.resize(w, h);
    a.loaded(model);
    a
}

/// Presses a key as the explorer does: the app's keymap says what it means.
fn key_press(a: &mut App, k: KeyEvent) -> Vec<Effect> {
    match a.keymap.action(a.mode(), &k) {
        Some(action) => press(a, &[action]),
        None => Vec::new(),
    }
}

#[test]
fn a_remapped_key_fires_its_action_and_the_old_one_does_not() {
    let mut a = configured(REMAP, 80, 24);
    assert_eq!(a.sessions.selected, 0);
    // `j` no longer moves; `J` and Ctrl-N do.
    assert!(key_press(&mut a, key(KeyCode::Char('j'))).is_empty());
    assert_eq!(a.sessions.selected, 0);
    key_press(&mut a, key(KeyCode::Char('J')));
    assert_eq!(a.sessions.selected, 1);
    key_press(
        &mut a,
        KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL),
    );
    assert_eq!(a.sessions.selected, 2);
    // The arrow was bound with `j`; the config's list replaced both.
    key_press(&mut a, key(KeyCode::Down));
    assert_eq!(a.sessions.selected, 2);
    // `q` does nothing now, `x` quits; Ctrl-C always does.
    assert!(key_press(&mut a, key(KeyCode::Char('q'))).is_empty());
    assert_eq!(
        key_press(&mut a, key(KeyCode::Char('x'))),
        vec![Effect::Quit]
    );
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(a.keymap.action(Mode::Tree, &ctrl_c), Some(Action::Quit));
    // F1 opens the help; `?` is free.
    assert!(key_press(&mut a, key(KeyCode::Char('?'))).is_empty());
    key_press(&mut a, key(KeyCode::F(1)));
    assert_eq!(a.mode(), Mode::Help);
    // In the help the remapped movement key scrolls, as the default one did.
    assert_eq!(
        a.keymap.action(Mode::Help, &key(KeyCode::Char('J'))),
        Some(Action::Down)
    );
}

#[test]
fn the_help_and_the_hint_bar_show_the_keys_as_bound() {
    let mut a = configured(REMAP, 100, 30);
    let hints = screen(&render(&mut a, 100, 30));
    let bar = hints.lines().last().unwrap_or_default();
    assert!(bar.contains("x quit"), "{bar}");
    assert!(bar.contains("F1 help"), "{bar}");
    assert!(!bar.contains("q quit") && !bar.contains("? help"), "{bar}");
    key_press(&mut a, key(KeyCode::F(1)));
    let text = screen(&render(&mut a, 160, 72));
    assert!(text.contains(" J/C-n  move down"), "{text}");
    assert!(text.contains(" x      quit"), "{text}");
    assert!(!text.contains(" j/↓    move down"), "{text}");
    insta::assert_snapshot!("help_remapped_160x72", text);
}

#[test]
fn a_remapped_prefix_key_shows_in_its_two_key_commands() {
    let a = configured("[keys]\nfold-prefix = \"Z\"\nfold-here = \"x\"\n", 80, 24);
    let labels: Vec<String> = a.keymap.all().map(|(_, l)| l).collect();
    assert!(labels.contains(&"Zx".to_owned()), "{labels:?}");
    assert!(labels.contains(&"Zo".to_owned()), "{labels:?}");
}

#[test]
fn times_are_shown_in_the_configured_zone_with_its_offset() {
    // 2026-03-02 is before Paris moves to summer time (2026-03-29): +01:00.
    let mut a = configured("[defaults]\ntime-zone = \"Europe/Paris\"\n", 100, 30);
    let text = screen(&render(&mut a, 100, 30));
    assert!(text.contains("03-02 10:00+01:00"), "{text}");
    assert!(!text.contains("09:00Z"), "{text}");
    insta::assert_snapshot!("sessions_paris_100x30", text);
    press(&mut a, &[Action::Open]);
    let text = screen(&render(&mut a, 100, 30));
    assert!(
        text.contains("2026-03-02 10:00:00+01:00 → 10:44:02+01:00"),
        "{text}"
    );
    assert!(text.contains("Turn 1 · 10:00:00+01:00"), "{text}");
}

/// Messages that name a key name it as bound: the header's paused follow, and the full-text
/// search's status (next / previous match, list them).
#[test]
fn messages_name_the_keys_as_bound() {
    let mut a = configured(
        "[keys]\nfollow = \"ctrl-y\"\nnext-match = \">\"\nprev-match = \"<\"\nlist-matches = \"L\"\n",
        100,
        24,
    );
    a.follow = Some(sesstui::app::follow::Following {
        on: false,
        added: 0,
    });
    let s = screen(&render(&mut a, 100, 24));
    assert!(s.contains("paused (C-y follows)"), "{s}");
    let model = a.model.clone().unwrap();
    let hits = sesstui::model::fulltext::search_hits(&model, "weather", 1000);
    sesstui::app::search::full_text_hits(&mut a, &model, "weather", hits);
    let status = a.status.clone().unwrap_or_default();
    assert!(
        status.contains("· >/<: next/previous · L: list them"),
        "{status}"
    );
}

/// The span detail's notes name the fold and expand keys as bound: a call's folded history
/// ("… (v shows them)") and, unfolded, "(v folds them)".
#[test]
fn the_detail_names_its_keys_as_bound() {
    let claude = "fixtures/claude_code/litellm_phoenix.jsonl";
    let c = sesstui::config::parse("[keys]\nfold = \"v\"\nexpand-text = \"x\"\n", "t.toml")
        .expect("config loads");
    let mut a = App::new(vec![claude.to_owned()]);
    a.keymap = c.keymap;
    let mut loaded = app(&[claude], 80, 24);
    let model = loaded.model.take().expect("loaded");
    a.resize(80, 24);
    a.loaded(model);
    press(&mut a, &[Action::Open, Action::ShowTree, Action::ExpandAll]);
    let shown = |a: &App| {
        let d = &a.session.as_ref().unwrap().detail;
        (0..d.items.len())
            .map(|i| d.render(i).text)
            .collect::<Vec<_>>()
    };
    let mut note = None;
    for _ in 0..40 {
        press(&mut a, &[Action::Down]);
        if a.session.as_ref().unwrap().tree.selected_span().is_some() {
            press(&mut a, &[Action::Open]);
            note = shown(&a)
                .into_iter()
                .find(|l| l.contains("earlier messages, as in call"));
            if note.is_some() {
                break;
            }
            press(&mut a, &[Action::Back]);
        }
    }
    let note = note.expect("a call with a folded history");
    assert!(note.ends_with("(v shows them)"), "{note}");
    assert!(!note.contains("Space"), "{note}");
    let d = &a.session.as_ref().unwrap().detail;
    assert_eq!(d.words.expand, "x");
    assert_eq!(d.words.reload, "r");
}
