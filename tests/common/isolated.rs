//! The binary as every test runs it: with `SESSTUI_CONFIG` naming an empty config file, so the
//! developer's own config (`~/.config/sesstui/config.toml`: remapped keys, a theme, a time
//! zone, inference settings) can neither fail a test nor make one pass for the wrong reason.
//! Tests that exercise config loading itself (`tests/config.rs`, `tests/e2e_config.rs`) set
//! their own.
//!
//! The variables of the developer's environment that change what the binary shows are removed
//! the same way ([`ENV`]): a shell with `NO_COLOR` or `TZ` exported runs the same tests.
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

/// The environment variables the binary reads that change its screen or output: the theme
/// (`NO_COLOR`), the `local` time zone (`TZ`), the progress meter, the stream limit and the
/// tests' own pause. A test that wants one sets it after [`isolate`].
pub const ENV: [&str; 5] = [
    "NO_COLOR",
    "TZ",
    "SESSTUI_PROGRESS",
    "SESSTUI_STDIN_LIMIT",
    "SESSTUI_TEST_PAUSE",
];

/// Sets [`VAR`] to [`EMPTY`] on a command and removes [`ENV`]: the binary, or a process that
/// starts it (tmux, `sh`, `taskset`).
pub fn isolate(c: &mut std::process::Command) -> &mut std::process::Command {
    for v in ENV {
        c.env_remove(v);
    }
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
    for v in ENV {
        c.env_remove(v);
    }
    c.env(VAR, EMPTY);
    c
}
