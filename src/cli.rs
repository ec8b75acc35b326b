//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Explore LLM-observability trace exports (Phoenix / Arize, OTLP/JSON, MLflow) as sessions,
/// turns and span trees, in a terminal UI or as tables and JSON.
#[derive(Debug, Parser)]
#[command(name = "sesstui", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Trace exports to open in the explorer (JSON Lines or JSON; `-` reads standard input).
    pub files: Vec<PathBuf>,
    /// Start with the mouse enabled (click to select, wheel to scroll); `m` toggles it.
    #[arg(long, overrides_with = "no_mouse")]
    pub mouse: bool,
    /// Start with the mouse off (when the config file's `mouse = true`).
    #[arg(long, overrides_with = "mouse")]
    pub no_mouse: bool,
    /// Follow the files as they grow (like `tail -F`: rotation and truncation too); `f` in the
    /// explorer toggles it.
    #[arg(short = 'f', long)]
    pub follow: bool,
    #[command(flatten)]
    pub infer: InferArgs,
    /// The config file to read instead of the default one (see --print-config-path); also
    /// `SESSTUI_CONFIG`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Show times in this zone: utc (the default, shown with Z), local, or an IANA name such
    /// as Europe/Paris (shown with the offset). JSON output stays UTC.
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Print where the config file is looked for, and exit.
    #[arg(long)]
    pub print_config_path: bool,
    /// Print a config file holding every default, with comments, and exit:
    /// `sesstui --print-default-config > "$(sesstui --print-config-path)"`.
    #[arg(long)]
    pub print_default_config: bool,
}

impl Cli {
    /// The settings in force: the built-in defaults, then the config file, then the command
    /// line. A mistake in the config file is an error naming its file, line and key.
    pub fn settings(&self) -> anyhow::Result<crate::config::Config> {
        let mut c = crate::config::load(self.config.as_deref())?;
        c.infer = self.infer.options_over(c.infer);
        if self.mouse {
            c.mouse = true;
        } else if self.no_mouse {
            c.mouse = false;
        }
        if let Some(tz) = &self.tz {
            c.zone = crate::zone::Zone::parse(tz).map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
        }
        Ok(c)
    }
}

/// How sessions missing from the ids are inferred.
#[derive(Clone, Debug, Args)]
pub struct InferArgs {
    /// Do not link traces into sessions by their message history (on by default).
    #[arg(long, global = true, overrides_with = "infer")]
    pub no_infer: bool,
    /// Link traces into sessions by their message history (when the config file's
    /// `infer = false`).
    #[arg(long, global = true, overrides_with = "no_infer")]
    pub infer: bool,
    /// Group traces still without a session per user into sessions split at idle gaps.
    #[arg(long, global = true, overrides_with = "no_infer_time")]
    pub infer_time: bool,
    /// Do not group traces by idle time (when the config file's `infer-time = true`).
    #[arg(long, global = true, overrides_with = "infer_time")]
    pub no_infer_time: bool,
    /// Split every session into working sessions at idle gaps (`id#1`, `id#2`, …).
    #[arg(long, global = true, overrides_with = "no_split_idle")]
    pub split_idle: bool,
    /// Do not split sessions at idle gaps (when the config file's `split-idle = true`).
    #[arg(long, global = true, overrides_with = "split_idle")]
    pub no_split_idle: bool,
    /// The idle gap for --infer-time and --split-idle: 30m, 2h, 90s, or minutes [default:
    /// 30m, or the config file's `idle-gap`].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_gap)]
    pub idle_gap: Option<i64>,
}

impl InferArgs {
    /// The options with the built-in defaults under the flags given.
    pub fn options(&self) -> crate::model::infer::Options {
        self.options_over(crate::model::infer::Options::default())
    }

    /// `base` (from the config file) with the flags given on the command line over it.
    pub fn options_over(&self, base: crate::model::infer::Options) -> crate::model::infer::Options {
        let pick = |on: bool, off: bool, was: bool| {
            if on {
                true
            } else if off {
                false
            } else {
                was
            }
        };
        crate::model::infer::Options {
            history: pick(self.infer, self.no_infer, base.history),
            by_time: pick(self.infer_time, self.no_infer_time, base.by_time),
            split_idle: pick(self.split_idle, self.no_split_idle, base.split_idle),
            idle_gap_ns: self.idle_gap.unwrap_or(base.idle_gap_ns),
        }
    }
}

/// `30m`, `2h`, `90s`, `45` (minutes) → nanoseconds.
pub fn parse_gap(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "m"),
    };
    let n: i64 = num.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    let secs = match unit.trim() {
        "s" => n,
        "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("unknown unit in {s:?} (use s, m, h or d)")),
    };
    if secs <= 0 {
        return Err("the idle gap must be positive".to_owned());
    }
    Ok(secs.saturating_mul(1_000_000_000))
}

/// The keys of the explorer, from the keymap in use (so `--help` cannot drift from them, and
/// shows the keys the config file bound).
pub fn keys_help(keys: &crate::app::keymap::Keymap) -> String {
    let help = crate::app::keymap::Keymap::find("help").map_or_else(String::new, |i| keys.label(i));
    let mut out = format!("Keys in the explorer ({help} shows them too):\n");
    for (b, label) in keys.all() {
        out.push_str(&format!("  {label:<7} {}\n", b.desc));
    }
    out.push_str(
        "  Ctrl-C  quit, from anywhere\n\nEnvironment: NO_COLOR=1 for a monochrome theme; \
         SESSTUI_CONFIG=FILE for another config file.\n\nConfiguration: keys, theme, time zone \
         and the defaults of the flags above are read from the config file (see \
         --print-config-path, --print-default-config); the command line wins over it.",
    );
    out
}

/// Parses the command line, with the key list in `--help` (as the config file binds them:
/// it is looked for before the arguments are parsed; a mistake in it is said after).
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let keys = crate::config::load(config_flag().as_deref())
        .map(|c| c.keymap)
        .unwrap_or_default();
    let parsed = Cli::command()
        .after_help(keys_help(&keys))
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    parsed.unwrap_or_else(|e| exit_with(&e))
}

/// The `--config` argument, looked for before the arguments are parsed.
fn config_flag() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if a == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            return Some(PathBuf::from(v));
        }
    }
    None
}

/// Prints a usage error and exits. Errors quote the arguments (file names among them), so
/// they are cleaned like everything else sesstui prints; help and version print as clap
/// writes them.
fn exit_with(e: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) && !e.use_stderr()
    {
        e.exit()
    }
    let text = e.render().to_string();
    eprint!("{}", crate::sanitize::clean(&text));
    std::process::exit(e.exit_code())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List sessions as a table, or as one JSON document with --json.
    #[command(after_help = crate::model::filter::HELP)]
    Sessions(SessionsArgs),
    /// Print every span as JSON Lines (ids normalised to lowercase hex).
    #[command(after_help = crate::model::filter::HELP)]
    Spans(SpanFiles),
    /// Print one session's turns: what was typed, each call with its tools and sub-agents, the
    /// answer; side requests apart.
    #[command(override_usage = "sesstui show [OPTIONS] <FILE>... <SESSION>")]
    Show(ShowArgs),
    /// Report on data quality: lines, spans, session coverage, tree problems, bad lines.
    Doctor(Files),
    /// Receive OTLP traces from a running agent (HTTP on 4318, gRPC on 4317, localhost only),
    /// save every request to a file, and watch its sessions live in the explorer.
    #[command(after_help = LISTEN_HELP)]
    Listen(ListenArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: `sesstui man | man -l -`.
    Man,
}

#[derive(Debug, Args)]
pub struct SpanFiles {
    /// Trace export files, read together (a directory: every file in it; `-`: standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Keep running and print new spans as they are appended (rotation and truncation are
    /// followed like `tail -F`); ends on Ctrl-C (exit 130), SIGTERM (143) or a closed pipe (0).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only the spans that match, e.g. 'kind:tool error' (see FILTERS below).
    #[arg(long, value_name = "FILTER", allow_hyphen_values = true)]
    pub filter: Option<String>,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Trace export files, read together (a directory: every file in it; `-`: standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only the sessions that match, e.g. 'error user:ab12 since:2h' (see FILTERS below).
    #[arg(long, value_name = "FILTER", allow_hyphen_values = true)]
    pub filter: Option<String>,
    /// The table's width in columns (default: the terminal's, or 80 when not a terminal).
    #[arg(long, value_name = "N")]
    pub width: Option<u16>,
}

#[derive(Debug, Args)]
pub struct Files {
    /// Trace export files, read together (a directory: every file in it; `-`: standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Trace export files, then the session id (or a unique prefix of it, or `unsessioned`).
    #[arg(required = true, num_args = 2.., value_name = "FILE")]
    pub args: Vec<String>,
    /// Print JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print Markdown.
    #[arg(long)]
    pub markdown: bool,
}

const LISTEN_HELP: &str = "\
Point an agent at it:
  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318   (OTLP/HTTP, protobuf or JSON)
  OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317

Every request accepted is appended, before it is answered, as one OTLP/JSON line to the saved
file (the Collector file exporter's format): `sesstui FILE` opens it later. With --headless, one
line per request goes to stdout until SIGINT, SIGTERM or SIGHUP (exit 0).";

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Where OTLP/HTTP listens (`POST /v1/traces`): HOST:PORT, a port, or `off`. An address
    /// other machines can reach is allowed only when given, with a warning: there is no
    /// authentication.
    #[arg(long, value_name = "ADDR", default_value = crate::listen::HTTP, value_parser = crate::listen::parse_bind)]
    pub http: crate::listen::Bind,
    /// Where OTLP/gRPC listens (`TraceService/Export`): HOST:PORT, a port, or `off`.
    #[arg(long, value_name = "ADDR", default_value = crate::listen::GRPC, value_parser = crate::listen::parse_bind)]
    pub grpc: crate::listen::Bind,
    /// The file to save to (appended to when it exists). Default: a new file under the user
    /// data directory, printed at start.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Only receive and save, printing one line per request (no explorer).
    #[arg(long)]
    pub headless: bool,
    /// With --headless: print no line per request (only the start and the summary, on stderr).
    #[arg(long, requires = "headless")]
    pub quiet: bool,
    /// The largest request body taken, compressed or decompressed (413 / RESOURCE_EXHAUSTED
    /// above it).
    #[arg(long, value_name = "SIZE", default_value = "20MiB", value_parser = crate::listen::parse_size)]
    pub max_body: usize,
    /// How long a request's body may take to arrive, in seconds (408 / DEADLINE_EXCEEDED after).
    #[arg(long, value_name = "SECS", default_value = crate::listen::BODY_TIMEOUT, value_parser = parse_secs)]
    pub body_timeout: std::time::Duration,
    /// Flush every request to the disk before answering it (survives a power cut; slower).
    #[arg(long)]
    pub fsync: bool,
    /// Start the explorer with the mouse enabled.
    #[arg(long)]
    pub mouse: bool,
}

impl ListenArgs {
    pub fn options(&self) -> crate::listen::Options {
        crate::listen::Options {
            http: self.http.0,
            grpc: self.grpc.0,
            save: self.save.clone(),
            max_body: self.max_body,
            fsync: self.fsync,
            body_timeout: self.body_timeout,
        }
    }
}

/// Seconds, more than none: `30`, `0.5`.
fn parse_secs(s: &str) -> Result<std::time::Duration, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 1e9)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("not a number of seconds: {s:?}"))
}
