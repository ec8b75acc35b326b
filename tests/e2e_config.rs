//! The real binary in a real terminal (tmux) with a config file: keys remapped by action name
//! (the new key acts, the old one does not, the hint bar and the help say so), the light theme
//! with a role's colour overridden, and times in the configured zone.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/tmux.rs"]
mod tmux;

use tmux::Tmux;

const CONFIG: &str = r##"
[defaults]
time-zone = "Europe/Paris"

[keys]
quit = "x"
help = "f1"
down = "J"

[theme]
base = "light"
title = 201
"##;

#[test]
fn a_config_remaps_keys_sets_the_theme_and_the_zone() {
    let Some(t) = Tmux::start("config", 120, 30) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let bin = env!("CARGO_BIN_EXE_sesstui");
    let root = env!("CARGO_MANIFEST_DIR");
    t.line(&format!(
        "cd {root} && unset NO_COLOR; SESSTUI_CONFIG={} {bin} fixtures/phoenix/spans_df_epoch_ms.jsonl; echo EXITED-$?",
        cfg.display()
    ));
    let screen = t.until("the session list", |s| s.contains("1 of 8"));
    // The zone: 09:00 UTC is 10:00 in Paris in March.
    assert!(screen.contains("03-02 10:00+01:00"), "{screen}");
    // The hint bar names the keys as bound.
    assert!(
        screen.contains("x quit") && screen.contains("F1 help"),
        "{screen}"
    );
    assert!(
        !screen.contains("q quit") && !screen.contains("? help"),
        "{screen}"
    );
    // The light theme (its header: white on rgb(0,80,170)) and the 256-colour title.
    let colored = t
        .cmd(&["capture-pane", "-p", "-e", "-t", "s"])
        .unwrap_or_default();
    assert!(
        colored.contains("48;2;0;80;170"),
        "light header:\n{colored:?}"
    );
    assert!(
        colored.contains("38;5;201"),
        "title colour 201:\n{colored:?}"
    );
    // `j` no longer moves, `J` does.
    t.keys(&["j"]);
    assert!(t.settled().contains("1 of 8"));
    t.keys(&["J"]);
    t.until("the second session selected", |s| s.contains("2 of 8"));
    // F1 opens the help, which lists the keys as bound.
    t.keys(&["F1"]);
    let help = t.until("the help", |s| s.contains("keys ("));
    assert!(help.contains(" J      move down"), "{help}");
    t.keys(&["Escape"]);
    t.until("the help closed", |s| !s.contains("keys ("));
    // `q` is free now; `x` quits.
    t.keys(&["q"]);
    assert!(!t.settled().contains("EXITED"));
    t.keys(&["x"]);
    t.until("the shell again", |s| s.contains("EXITED-0"));
}
