//! The binary as every test runs it: with `SESSTUI_CONFIG` naming an empty config file, so the
//! developer's own config (`~/.config/sesstui/config.toml`: remapped keys, a theme, a time
//! zone, inference settings) can neither fail a test nor make one pass for the wrong reason.
//! Tests that exercise config loading itself (`tests/config.rs`, `tests/e2e_config.rs`) set
//! their own.
//!
//! Included as `#[path = "common/isolated.rs"] mod isolated;` (from `tests/common/*.rs` as
//! `#[path = "isolated.rs"]`, from the benches as `#[path = "../tests/common/isolated.rs"]`).

#![allow(dead_code)] // each test binary uses its own part
#![allow(clippy::unwrap_used)] // tests fail loudly

/// The variable that names the config file, and the empty one the tests name.
pub const VAR: &str = "SESSTUI_CONFIG";
pub const EMPTY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/common/empty-config.toml"
);

/// Sets [`VAR`] to [`EMPTY`] on a command: the binary, or a process that starts it (tmux,
/// `sh`, `taskset`).
pub fn isolate(c: &mut std::process::Command) -> &mut std::process::Command {
    c.env(VAR, EMPTY)
}

/// The binary, isolated from the user's config.
pub fn command() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sesstui"));
    isolate(&mut c);
    c
}

/// [`command`] as an `assert_cmd` command.
pub fn assert_command() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_sesstui"));
    c.env(VAR, EMPTY);
    c
}
