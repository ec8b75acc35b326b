//! The config file from the command line: where it is, the default one, its mistakes (one
//! line naming file, line and key; exit 2), precedence (command line over config over
//! defaults), and the time zone in text output (JSON stays UTC).
//!
//! Every run names its config (`SESSTUI_CONFIG`, `--config`) or points `HOME` and
//! `XDG_CONFIG_HOME` at a temporary directory, so no test reads the real one.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PHOENIX: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";
const CLAUDE: &str = "fixtures/claude_code/litellm_phoenix.jsonl";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_env(config: Option<&Path>, env: &[(&str, &str)], args: &[&str]) -> Out {
    let mut cmd = Command::cargo_bin("sesstui").expect("binary");
    cmd.current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("TZ");
    match config {
        Some(p) => cmd.env("SESSTUI_CONFIG", p),
        None => cmd.env_remove("SESSTUI_CONFIG"),
    };
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8"),
        stderr: String::from_utf8(out.stderr).expect("utf-8"),
    }
}

fn run(config: &Path, args: &[&str]) -> Out {
    run_env(Some(config), &[], args)
}

/// A config file holding `text`.
fn config(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    std::fs::write(f.path(), text).expect("write");
    f
}

fn ok(out: Out) -> String {
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

fn sessions_json(cfg: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["sessions", "--json", CLAUDE];
    args.extend(extra);
    serde_json::from_str(&ok(run(cfg, &args))).expect("json")
}

fn origins(v: &Value) -> (usize, usize) {
    let s = v["sessions"].as_array().expect("sessions");
    let inferred = s.iter().filter(|s| s["origin"] != "explicit").count();
    (s.len(), inferred)
}

#[test]
fn the_config_path_is_the_named_one_or_the_user_config_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let xdg = dir.path().join("xdg");
    let home = dir.path().to_str().unwrap();
    let out = ok(run_env(
        None,
        &[("HOME", home), ("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
        &["--print-config-path"],
    ));
    assert_eq!(
        out.trim(),
        xdg.join("sesstui/config.toml").display().to_string()
    );
    let out = ok(run(Path::new("/some/where.toml"), &["--print-config-path"]));
    assert_eq!(out.trim(), "/some/where.toml");
    let out = ok(run(
        Path::new("/some/where.toml"),
        &["--config", "/else/where.toml", "--print-config-path"],
    ));
    assert_eq!(
        out.trim(),
        "/else/where.toml",
        "--config wins over SESSTUI_CONFIG"
    );
    // No file at the default place: the defaults, silently.
    let out = run_env(
        None,
        &[("HOME", home), ("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
        &["sessions", PHOENIX],
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    // A file found there is read.
    std::fs::create_dir_all(xdg.join("sesstui")).unwrap();
    std::fs::write(
        xdg.join("sesstui/config.toml"),
        "[defaults]\ninfer = false\n",
    )
    .unwrap();
    let out = ok(run_env(
        None,
        &[("HOME", home), ("XDG_CONFIG_HOME", xdg.to_str().unwrap())],
        &["sessions", "--json", CLAUDE],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(origins(&v), (3, 0));
}

#[test]
fn a_named_config_that_is_missing_is_an_error() {
    let out = run(Path::new("/no/such/sesstui.toml"), &["sessions", PHOENIX]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("sesstui: /no/such/sesstui.toml: cannot read the config file"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_default_config_changes_nothing() {
    let text = ok(run(Path::new("/dev/null"), &["--print-default-config"]));
    assert!(text.contains("[keys]\n") && text.contains("quit = \"q\""));
    let default = config(&text);
    let empty = config("");
    for args in [
        vec!["sessions", PHOENIX],
        vec!["sessions", "--json", CLAUDE],
        vec!["show", PHOENIX, "sess-travel-01"],
        vec!["--help"],
    ] {
        assert_eq!(
            ok(run(default.path(), &args)),
            ok(run(empty.path(), &args)),
            "{args:?}"
        );
    }
}

#[test]
fn mistakes_are_one_line_naming_file_line_and_key() {
    for (text, want) in [
        ("[defaults]\nmouse = tru\n", ":2: TOML syntax: "),
        (
            "[defaults]\nidle_gap = 5\n",
            ":2: defaults.idle_gap: unknown key \"idle_gap\"",
        ),
        ("[colors]\n", ":1: colors: unknown section"),
        (
            "[keys]\n\nquitt = \"x\"\n",
            ":3: keys.quitt: unknown action \"quitt\"",
        ),
        (
            "[keys]\nquit = \"ctrl-hyper-q\"\n",
            ":2: keys.quit: \"ctrl-hyper-q\": unknown modifier",
        ),
        (
            "[keys]\nreload = \"j\"\n",
            ":2: keys.reload: \"j\" is bound to both \"reload\" and \"down\"",
        ),
        (
            "[theme]\nerror = \"#ff00\"\n",
            ":2: theme.error: bad colour \"#ff00\"",
        ),
        (
            "[defaults]\ntime-zone = \"Europe/Lisbonn\"\n",
            ":2: defaults.time-zone: unknown time zone \"Europe/Lisbonn\"",
        ),
    ] {
        let f = config(text);
        let out = run(f.path(), &["sessions", PHOENIX]);
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{text}");
        let want = format!("sesstui: {}{want}", f.path().display());
        assert!(
            out.stderr.starts_with(&want),
            "{text}:\n{}\nwanted {want}",
            out.stderr
        );
        assert!(
            out.stderr
                .trim_end()
                .ends_with("(see --print-default-config)")
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        // The explorer refuses it the same way, before taking the screen.
        let out = run(f.path(), &[PHOENIX]);
        assert_eq!(out.code, 2);
        assert!(out.stderr.starts_with(&want), "{}", out.stderr);
    }
}

#[test]
fn mistakes_are_cleaned_before_they_reach_the_terminal() {
    let f = config("[keys]\n\"bad\\u001b[31mkey\" = \"x\"\n");
    let out = run(f.path(), &["sessions", PHOENIX]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(out.stderr.contains("unknown action"), "{}", out.stderr);
}

#[test]
fn the_command_line_wins_over_the_config_which_wins_over_the_defaults() {
    let none = config("");
    assert_eq!(origins(&sessions_json(none.path(), &[])), (6, 3));
    let off = config("[defaults]\ninfer = false\n");
    assert_eq!(origins(&sessions_json(off.path(), &[])), (3, 0));
    assert_eq!(origins(&sessions_json(off.path(), &["--infer"])), (6, 3));
    // The last of a pair of flags counts.
    assert_eq!(
        origins(&sessions_json(off.path(), &["--infer", "--no-infer"])),
        (3, 0)
    );
    let split = config("[defaults]\nsplit-idle = true\nidle-gap = \"1m\"\n");
    assert_eq!(origins(&sessions_json(split.path(), &[])), (7, 4));
    assert_eq!(
        origins(&sessions_json(split.path(), &["--no-split-idle"])),
        (6, 3)
    );
    assert_eq!(
        origins(&sessions_json(split.path(), &["--idle-gap", "2h"])),
        (6, 3),
        "--idle-gap over the config's"
    );
}

#[test]
fn help_shows_the_keys_as_bound() {
    let f = config("[keys]\nquit = \"x\"\nhelp = \"f1\"\n");
    let out = ok(run(f.path(), &["--help"]));
    assert!(
        out.contains("Keys in the explorer (F1 shows them too)"),
        "{out}"
    );
    assert!(out.contains("\n  x       quit"), "{out}");
    assert!(!out.contains("\n  q       quit"), "{out}");
    let out = ok(run_env(
        None,
        &[],
        &["--config", f.path().to_str().unwrap(), "--help"],
    ));
    assert!(
        out.contains("\n  x       quit"),
        "--config is read for --help too"
    );
}

#[test]
fn text_output_says_the_zone_and_json_stays_utc() {
    let none = config("");
    let utc = ok(run(none.path(), &["sessions", "--width", "160", PHOENIX]));
    assert!(
        utc.contains("sess-travel-01") && utc.contains("2026-03-02 09:00:00Z"),
        "{utc}"
    );
    let paris = config("[defaults]\ntime-zone = \"Europe/Paris\"\n");
    let out = ok(run(paris.path(), &["sessions", "--width", "160", PHOENIX]));
    assert!(out.contains("2026-03-02 10:00:00+01:00"), "{out}");
    // --tz over the config.
    let out = ok(run(
        paris.path(),
        &[
            "sessions",
            "--width",
            "160",
            "--tz",
            "America/New_York",
            PHOENIX,
        ],
    ));
    assert!(out.contains("2026-03-02 04:00:00-05:00"), "{out}");
    // A global flag may come before the subcommand too.
    let before = ok(run(
        paris.path(),
        &[
            "--tz",
            "America/New_York",
            "--no-infer",
            "sessions",
            "--width",
            "160",
            PHOENIX,
        ],
    ));
    assert!(before.contains("2026-03-02 04:00:00-05:00"), "{before}");
    // `local` is TZ (else the system's zone).
    let out = ok(run_env(
        Some(none.path()),
        &[("TZ", "Asia/Tokyo")],
        &["sessions", "--width", "160", "--tz", "local", PHOENIX],
    ));
    assert!(out.contains("2026-03-02 18:00:00+09:00"), "{out}");
    let show = ok(run(paris.path(), &["show", PHOENIX, "sess-travel-01"]));
    assert!(
        show.contains("2026-03-02T10:00:00.000+01:00 → 2026-03-02T10:44:02.842+01:00"),
        "{show}"
    );
    assert!(
        show.contains("Turn 1 · 2026-03-02T10:00:00.000+01:00"),
        "{show}"
    );
    let md = ok(run(
        paris.path(),
        &["show", "--markdown", PHOENIX, "sess-travel-01"],
    ));
    assert!(
        md.contains("## Turn 1 — 2026-03-02T10:00:00.000+01:00"),
        "{md}"
    );
    // JSON: RFC 3339 UTC whatever the zone.
    for args in [
        vec!["sessions", "--json", PHOENIX],
        vec!["show", "--json", PHOENIX, "sess-travel-01"],
        vec!["spans", PHOENIX],
    ] {
        let a = ok(run(paris.path(), &args));
        assert_eq!(a, ok(run(none.path(), &args)), "{args:?}");
        assert!(a.contains("2026-03-02T09:00:00.000Z"), "{args:?}");
    }
    let out = run(none.path(), &["sessions", "--tz", "Mars/Olympus", PHOENIX]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("sesstui: --tz: unknown time zone \"Mars/Olympus\""),
        "{}",
        out.stderr
    );
}
