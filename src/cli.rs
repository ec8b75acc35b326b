//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Explore LLM-observability trace exports (Phoenix / Arize, OTLP/JSON, MLflow) as sessions,
/// turns and span trees, in a terminal UI or as tables and JSON.
#[derive(Debug, Parser)]
#[command(name = "sesstui", version, about, long_about = None, after_help = crate::cli::AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Trace exports to open in the explorer (JSON Lines or JSON; `-` reads standard input).
    pub files: Vec<PathBuf>,
    /// Start with the mouse enabled (click to select, wheel to scroll); `m` toggles it.
    #[arg(long)]
    pub mouse: bool,
}

pub const AFTER_HELP: &str = "Keys in the explorer: press ? for the full list.\n\
  j/k ↑/↓ move   Enter/l open   Esc/h back   Tab switch pane   1/2/3 turns/tree/detail\n\
  / search   n/N next/previous match   e/E next/previous error   s sort   y yank JSON\n\
  Y yank menu   m mouse   q quit";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List sessions as a table, or as one JSON document with --json.
    Sessions(Files),
    /// Print every span as JSON Lines (ids normalised to lowercase hex).
    Spans(Files),
    /// Print one session's turns: input, answer, LLM and tool calls, evaluations.
    Show(ShowArgs),
    /// Report on data quality: lines, spans, session coverage, tree problems, bad lines.
    Doctor(Files),
}

#[derive(Debug, Args)]
pub struct Files {
    /// Trace export files, read together.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Trace export files, then the session id (or a unique prefix of it, or `unsessioned`).
    #[arg(required = true, num_args = 2.., value_name = "FILE... SESSION_ID")]
    pub args: Vec<String>,
    /// Print JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print Markdown.
    #[arg(long)]
    pub markdown: bool,
}
