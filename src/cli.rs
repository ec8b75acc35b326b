//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Explore LLM-observability trace exports (Phoenix / Arize, OTLP/JSON, MLflow) as sessions,
/// turns and span trees, in a terminal UI or as tables and JSON.
#[derive(Debug, Parser)]
#[command(name = "sesstui", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Trace exports to open in the explorer (JSON Lines or JSON; `-` reads standard input).
    pub files: Vec<PathBuf>,
    /// Start with the mouse enabled (click to select, wheel to scroll); `m` toggles it.
    #[arg(long)]
    pub mouse: bool,
    /// Follow the files as they grow (like `tail -F`: rotation and truncation too); `f` in the
    /// explorer toggles it.
    #[arg(short = 'f', long)]
    pub follow: bool,
    #[command(flatten)]
    pub infer: InferArgs,
}

/// How sessions missing from the ids are inferred.
#[derive(Clone, Debug, Args)]
pub struct InferArgs {
    /// Do not link traces into sessions by their message history (on by default).
    #[arg(long, global = true)]
    pub no_infer: bool,
    /// Group traces still without a session per user into sessions split at idle gaps.
    #[arg(long, global = true)]
    pub infer_time: bool,
    /// Split every session into working sessions at idle gaps (`id#1`, `id#2`, …).
    #[arg(long, global = true)]
    pub split_idle: bool,
    /// The idle gap for --infer-time and --split-idle: 30m, 2h, 90s, or minutes.
    #[arg(long, global = true, value_name = "DURATION", default_value = "30m", value_parser = parse_gap)]
    pub idle_gap: i64,
}

impl InferArgs {
    pub fn options(&self) -> crate::model::infer::Options {
        crate::model::infer::Options {
            history: !self.no_infer,
            by_time: self.infer_time,
            split_idle: self.split_idle,
            idle_gap_ns: self.idle_gap,
        }
    }
}

/// `30m`, `2h`, `90s`, `45` (minutes) → nanoseconds.
fn parse_gap(s: &str) -> Result<i64, String> {
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

/// The keys of the explorer, from the keymap itself (so `--help` cannot drift from them).
pub fn keys_help() -> String {
    let mut out = String::from("Keys in the explorer (? shows them too):\n");
    for b in crate::app::keymap::BINDINGS {
        out.push_str(&format!("  {:<7} {}\n", b.label, b.desc));
    }
    out.push_str(
        "  Ctrl-C  quit, from anywhere\n\nEnvironment: NO_COLOR=1 for a monochrome theme.",
    );
    out
}

/// Parses the command line, with the key list in `--help`.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .after_help(keys_help())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    parsed.unwrap_or_else(|e| exit_with(&e))
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
        }
    }
}
