//! The config file: `config.toml` in the user's config directory (`directories`:
//! `~/.config/sesstui/` on Linux), or the file `--config` or `SESSTUI_CONFIG` names.
//!
//! ```toml
//! [defaults]            # what the command line's flags start from
//! idle-gap = "30m"
//! infer = true
//! infer-time = false
//! split-idle = false
//! mouse = false
//! time-zone = "utc"     # utc, local, or an IANA name such as Europe/Paris
//!
//! [keys]                # action name = a key or a list of keys
//! quit = "q"
//! down = ["j", "down"]
//!
//! [theme]
//! base = "dark"         # or "light"
//! error = "#ff5f5f"     # a role's foreground; or { fg = …, bg = …, bold = true }
//! ```
//!
//! Read with `toml`'s spanned document (not hand code: TOML has many spellings of the same
//! thing), then walked here against the schema, so that every mistake, an unknown key or
//! section included, is one line naming the file, the line and the key. Precedence: the
//! command line, then the config file, then the built-in defaults; `NO_COLOR` wins over any
//! theme.

mod template;

pub use template::default_text;

use crate::app::keymap::Keymap;
use crate::model::infer::Options;
use crate::ui::Theme;
use crate::zone::Zone;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// What the config file set, over the built-in defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The inference options before the command line's flags.
    pub infer: Options,
    /// The mouse at start, before `--mouse` / `--no-mouse`.
    pub mouse: bool,
    pub keymap: Keymap,
    /// The theme before `NO_COLOR` (see [`Theme::with_env`]).
    pub theme: Theme,
    pub zone: Zone,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            infer: Options::default(),
            mouse: false,
            keymap: Keymap::default(),
            theme: Theme::color(),
            zone: Zone::utc(),
        }
    }
}

/// A mistake in the config file: `FILE:LINE: KEY: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub file: String,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    /// The key as written in the file (`keys.quit`), or what went wrong (`TOML syntax`).
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {} (see --print-default-config)",
                self.file, self.line, self.key, self.message
            )
        }
    }
}

impl std::error::Error for Error {}

/// Where the config file is: `--config`, else `SESSTUI_CONFIG` (when not empty), else
/// `config.toml` in the user's config directory. The second part says whether it was named
/// (a file named must exist; the default one need not).
pub fn path(flag: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = flag {
        return Some((p.to_owned(), true));
    }
    match std::env::var_os("SESSTUI_CONFIG") {
        Some(p) if !p.is_empty() => return Some((PathBuf::from(p), true)),
        _ => {}
    }
    directories::ProjectDirs::from("", "", "sesstui")
        .map(|d| (d.config_dir().join("config.toml"), false))
}

/// A path as shown in messages: the home directory as `~`.
fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().display().to_string())
        && !home.is_empty()
        && let Some(rest) = text.strip_prefix(&home)
        && rest.starts_with('/')
    {
        return format!("~{rest}");
    }
    text
}

/// Reads the config file (see [`path`]); the defaults when there is none.
pub fn load(flag: Option<&Path>) -> Result<Config, Error> {
    let Some((path, named)) = path(flag) else {
        return Ok(Config::default());
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(Error {
                file: shown(&path),
                line: 0,
                key: String::new(),
                message: format!("cannot read the config file: {e}"),
            });
        }
    };
    let text = String::from_utf8(text).map_err(|e| Error {
        file: shown(&path),
        line: line_of(&[], e.utf8_error().valid_up_to()),
        key: "TOML syntax".to_owned(),
        message: "the file is not UTF-8".to_owned(),
    })?;
    parse(&text, &shown(&path))
}

/// The 1-based line of byte `at` in `text`.
fn line_of(text: &[u8], at: usize) -> usize {
    1 + text
        .get(..at.min(text.len()))
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Parses a config file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, Error> {
    let at = |span: Range<usize>, key: &str, message: String| Error {
        file: file.to_owned(),
        line: line_of(text.as_bytes(), span.start),
        key: key.to_owned(),
        message,
    };
    let doc = DeTable::parse(text).map_err(|e| {
        let message = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        at(e.span().unwrap_or(0..0), "TOML syntax", message)
    })?;
    let mut config = Config::default();
    for (section, value) in sorted(doc.get_ref()) {
        let name = section.get_ref().as_ref();
        let DeValue::Table(table) = value.get_ref() else {
            return Err(at(
                section.span(),
                name,
                if matches!(name, "defaults" | "keys" | "theme") {
                    format!("must be a section, [{name}]")
                } else {
                    unknown_section(name)
                },
            ));
        };
        match name {
            "defaults" => defaults(table, &mut config, &at)?,
            "keys" => keys(table, &mut config, &at)?,
            "theme" => theme(table, &mut config, &at)?,
            _ => return Err(at(section.span(), name, unknown_section(name))),
        }
    }
    Ok(config)
}

fn unknown_section(name: &str) -> String {
    format!("unknown section {name:?} (the sections are [defaults], [keys] and [theme])")
}

type At<'a> = dyn Fn(Range<usize>, &str, String) -> Error + 'a;
type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

/// A table's entries in the order they are written (errors come in the file's order).
fn sorted<'t, 'i>(table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

/// What a value is, for "must be …" messages.
fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

fn boolean(v: &Spanned<DeValue<'_>>, key: &str, at: &At<'_>) -> Result<bool, Error> {
    v.get_ref().as_bool().ok_or_else(|| {
        at(
            v.span(),
            key,
            format!("must be true or false, not {}", kind(v.get_ref())),
        )
    })
}

fn string<'v>(v: &'v Spanned<DeValue<'_>>, key: &str, at: &At<'_>) -> Result<&'v str, Error> {
    v.get_ref().as_str().ok_or_else(|| {
        at(
            v.span(),
            key,
            format!("must be a string, not {}", kind(v.get_ref())),
        )
    })
}

fn integer(v: &DeValue<'_>) -> Option<i64> {
    let i = v.as_integer()?;
    i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
}

fn defaults(table: &DeTable<'_>, config: &mut Config, at: &At<'_>) -> Result<(), Error> {
    for (k, v) in sorted(table) {
        let name = k.get_ref().as_ref();
        let key = format!("defaults.{name}");
        match name {
            "infer" => config.infer.history = boolean(v, &key, at)?,
            "infer-time" => config.infer.by_time = boolean(v, &key, at)?,
            "split-idle" => config.infer.split_idle = boolean(v, &key, at)?,
            "mouse" => config.mouse = boolean(v, &key, at)?,
            "idle-gap" => {
                let text = match integer(v.get_ref()) {
                    Some(n) => n.to_string(),
                    None => string(v, &key, at)?.to_owned(),
                };
                config.infer.idle_gap_ns =
                    crate::cli::parse_gap(&text).map_err(|e| at(v.span(), &key, e))?;
            }
            "time-zone" => {
                config.zone =
                    Zone::parse(string(v, &key, at)?).map_err(|e| at(v.span(), &key, e))?;
            }
            _ => {
                return Err(at(
                    k.span(),
                    &key,
                    format!(
                        "unknown key {name:?} (in [defaults]: idle-gap, infer, infer-time, \
                         split-idle, mouse, time-zone)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn keys(table: &DeTable<'_>, config: &mut Config, at: &At<'_>) -> Result<(), Error> {
    let mut set = Vec::new();
    for (k, v) in sorted(table) {
        let name = k.get_ref().as_ref();
        let key = format!("keys.{name}");
        let specs: Vec<&str> = match v.get_ref() {
            DeValue::String(s) => vec![s.as_ref()],
            DeValue::Array(a) => a
                .iter()
                .map(|e| string(e, &key, at))
                .collect::<Result<_, _>>()?,
            other => {
                return Err(at(
                    v.span(),
                    &key,
                    format!("must be a key or a list of keys, not {}", kind(other)),
                ));
            }
        };
        if Keymap::find(name).is_none() {
            return Err(at(k.span(), &key, format!("unknown action {name:?}")));
        }
        config
            .keymap
            .set(name, &specs)
            .map_err(|e| at(v.span(), &key, e))?;
        set.push((name, v.span()));
    }
    // Clashes are looked for once every key is set: a swap (`a` ↔ `b`) is no clash.
    for (name, span) in set {
        if let Some(clash) = config.keymap.clash(name) {
            return Err(at(span, &format!("keys.{name}"), clash));
        }
    }
    Ok(())
}

fn theme(table: &DeTable<'_>, config: &mut Config, at: &At<'_>) -> Result<(), Error> {
    let entries = sorted(table);
    // The base first, wherever it is written: the roles change it.
    for (k, v) in &entries {
        if k.get_ref() == "base" {
            config.theme = match string(v, "theme.base", at)? {
                "dark" => Theme::color(),
                "light" => Theme::light(),
                other => {
                    return Err(at(
                        v.span(),
                        "theme.base",
                        format!("unknown theme {other:?} (dark or light)"),
                    ));
                }
            };
        }
    }
    for (k, v) in entries {
        let name = k.get_ref().as_ref();
        if name == "base" {
            continue;
        }
        let key = format!("theme.{name}");
        let Some(style) = config.theme.role_mut(name) else {
            return Err(at(
                k.span(),
                &key,
                format!(
                    "unknown key {name:?} (in [theme]: base, or a role: {})",
                    crate::ui::theme::ROLES
                        .iter()
                        .map(|r| r.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        match v.get_ref() {
            DeValue::Table(t) => {
                for (a, val) in sorted(t) {
                    let attr = a.get_ref().as_ref();
                    let key = format!("{key}.{attr}");
                    use ratatui::style::Modifier as M;
                    let modifier = match attr {
                        "fg" | "bg" => {
                            let c = color(val, &key, at)?;
                            *style = if attr == "fg" {
                                style.fg(c)
                            } else {
                                style.bg(c)
                            };
                            continue;
                        }
                        "bold" => M::BOLD,
                        "italic" => M::ITALIC,
                        "underline" | "underlined" => M::UNDERLINED,
                        "reverse" | "reversed" => M::REVERSED,
                        "dim" => M::DIM,
                        _ => {
                            return Err(at(
                                a.span(),
                                &key,
                                format!(
                                    "unknown key {attr:?} (fg, bg, bold, italic, underline, \
                                     reverse, dim)"
                                ),
                            ));
                        }
                    };
                    *style = if boolean(val, &key, at)? {
                        style.add_modifier(modifier)
                    } else {
                        style.remove_modifier(modifier)
                    };
                }
            }
            _ => {
                let c = color(v, &key, at)?;
                *style = style.fg(c);
            }
        }
    }
    Ok(())
}

fn color(v: &Spanned<DeValue<'_>>, key: &str, at: &At<'_>) -> Result<ratatui::style::Color, Error> {
    let text = match integer(v.get_ref()) {
        Some(n) => n.to_string(),
        None => v.get_ref().as_str().map(str::to_owned).ok_or_else(|| {
            at(
                v.span(),
                key,
                format!(
                    "must be a colour (a name, 0-255 or \"#rrggbb\"), not {}",
                    kind(v.get_ref())
                ),
            )
        })?,
    };
    crate::ui::theme::parse_color(&text).map_err(|e| at(v.span(), key, e))
}

#[cfg(test)]
mod tests;
