//! The headless commands: the same model as the TUI, printed as tables, JSON or Markdown.

pub(crate) mod doctor;
mod json;
pub(crate) mod sessions;
mod show;
pub(crate) mod spans;

use crate::cli::Command;
use crate::index::report::Severity;
use crate::model::Model;
use crate::model::infer::Options;
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

/// Runs a subcommand, writing to stdout; warnings about the input go to stderr. A reader
/// that goes away (`| head`) ends the output quietly, as a success.
///
/// Everything written to stdout passes through [`crate::sanitize::Text`]: the commands clean
/// what they print field by field, and JSON escapes what a terminal must not see, so this is
/// the last guard, not the first. (Text of type [`crate::sanitize::Clean`], which only the
/// sanitizing writers make, is passed on without that last look.)
///
/// Times in text output are shown in `zone` (JSON stays UTC).
pub fn run(cmd: Command, infer: Options, zone: &crate::zone::Zone) -> Result<()> {
    match run_to_stdout(cmd, infer, zone) {
        Err(e) if closed_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Whether an error is stdout's reader having gone away.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run_to_stdout(cmd: Command, infer: Options, zone: &crate::zone::Zone) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = crate::sanitize::Output::new(64 * 1024, stdout.lock());
    let model = match cmd {
        Command::Sessions(a) => {
            let filter = filter(a.filter.as_deref())?;
            let model = open(&a.files, infer)?;
            let compiled = filter.as_ref().map(|f| f.compile(&model));
            let width = a.width.map_or_else(sessions::output_width, usize::from);
            sessions::run(&model, a.json, compiled.as_ref(), zone, width, &mut out)?;
            drop(compiled);
            Some(model)
        }
        Command::Spans(a) if a.follow => {
            let filter = filter(a.filter.as_deref())?;
            spans::follow(&a.files, infer, filter.as_ref(), &mut out)?;
            None
        }
        Command::Spans(a) => {
            let filter = filter(a.filter.as_deref())?;
            let model = open(&a.files, infer)?;
            let compiled = filter.as_ref().map(|f| f.compile(&model));
            spans::run(&model, compiled.as_ref(), &mut out)?;
            drop(compiled);
            Some(model)
        }
        Command::Doctor(a) => {
            let model = open_any(&a.files, infer)?;
            doctor::run(&model, a.json, &mut out)?;
            Some(model)
        }
        Command::Show(mut a) => {
            let id = a.args.pop().unwrap_or_default();
            let files: Vec<PathBuf> = a.args.iter().map(PathBuf::from).collect();
            let model = open(&files, infer)?;
            let format = if a.json {
                show::Format::Json
            } else if a.markdown {
                show::Format::Markdown
            } else {
                show::Format::Text
            };
            show::run(&model, &id, format, zone, &mut out)?;
            Some(model)
        }
        Command::Completions { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "sesstui", &mut out);
            None
        }
        Command::Listen(_) => {
            // `main` runs the receiver itself (it is not a command over files).
            anyhow::bail!("sesstui listen is run by main, not as a headless command")
        }
        Command::Man => {
            let cmd = <crate::cli::Cli as clap::CommandFactory>::command()
                .after_help(crate::cli::keys_help(&crate::app::keymap::Keymap::default()));
            clap_mangen::Man::new(cmd).render(&mut out)?;
            None
        }
    };
    out.flush()?;
    // Bytes read while printing (texts, lines) were the file's only if it is unchanged now.
    if let Some(model) = model {
        model.index.verify()?;
    }
    Ok(())
}

/// Parses `--filter` (before any file is read, so a typo costs nothing).
fn filter(text: Option<&str>) -> Result<Option<crate::model::filter::Filter>> {
    let Some(text) = text else { return Ok(None) };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    crate::model::filter::Filter::parse(text, now)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("--filter: {e}"))
}

/// Loads the files for `doctor`: a file with no span is a finding, not an error.
fn open_any(files: &[PathBuf], infer: Options) -> Result<Model> {
    let model = crate::load::load_any(files, infer, &crate::index::progress::Progress::default())?;
    unchanged(&model)?;
    Ok(model)
}

/// Fails when a file lost bytes while it was indexed: a file that changes while a command
/// reads it never ends in a crash, nor in output that looks complete and is not. (Appended,
/// replaced or deleted files are fine: the bytes read are the ones the file held when opened.)
fn unchanged(model: &Model) -> Result<()> {
    model.index.verify()?;
    crate::load::test_pause("output");
    Ok(())
}

/// Loads the files and warns on stderr about files and lines that were not read.
fn open(files: &[PathBuf], infer: Options) -> Result<Model> {
    let model = crate::load::load(files, infer, &crate::index::progress::Progress::default())?;
    unchanged(&model)?;
    warn_unread(&model);
    warn_malformed(&model);
    Ok(model)
}

/// One line per file given that yields nothing (the others were read), one for each loss
/// while decoding a file (see [`crate::source::Note`]), and one for the evaluations that judge
/// nothing in the files (a span, trace or session not among them).
pub(crate) fn warn_unread(model: &Model) {
    let unattached = model.index.evals.len().saturating_sub(model.evals.len());
    if unattached > 0 {
        crate::sanitize::eprint_line(&format!(
            "sesstui: warning: {} a span, trace or session not in these files: not shown",
            crate::fmt::count(unattached, "evaluation judges", "evaluations judge")
        ));
    }
    for n in model.index.file_notes() {
        crate::sanitize::eprint_line(&format!("sesstui: warning: {}: {}", n.path, n.reason));
    }
    let idx = &model.index;
    for (i, (src, f)) in idx.sources.iter().zip(&idx.files).enumerate() {
        if idx.why_empty(i).is_some() {
            continue; // said above, with the first note
        }
        for note in src.notes() {
            crate::sanitize::eprint_line(&format!("sesstui: warning: {}: {}", f.path, note.reason));
        }
    }
}

pub(crate) fn warn_malformed(model: &Model) {
    let bad: Vec<_> = model
        .index
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Malformed)
        .collect();
    let Some(first) = bad.first() else { return };
    let file = model.index.file_name(first.file);
    crate::sanitize::eprint_line(&format!(
        "sesstui: warning: {} malformed line{} skipped (first: {file}:{}: {}); `sesstui doctor` lists them all",
        bad.len(),
        if bad.len() == 1 { "" } else { "s" },
        first.line,
        first.reason,
    ));
}
