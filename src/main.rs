//! sesstui: parse the command line, then run the explorer or a headless command.
//!
//! Exit status: 0 when done or quit; 2 on an error (printed here, after the explorer restored
//! the terminal); 128 + signal when a signal ended the explorer.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = sesstui::cli::parse();
    let result = match cli.command {
        Some(sesstui::cli::Command::Listen(a)) if a.headless => {
            sesstui::listen::headless(&a.options(), a.quiet)
        }
        Some(sesstui::cli::Command::Listen(a)) => {
            sesstui::listen::explore(&a.options(), a.mouse, cli.infer.options())
        }
        Some(cmd) => sesstui::headless::run(cmd, cli.infer.options()).map(|()| 0),
        None if cli.files.is_empty() => {
            eprintln!(
                "sesstui: give a trace export to open, e.g. `sesstui fixtures/phoenix/spans_df_epoch_ms.jsonl` (see --help)"
            );
            return ExitCode::from(2);
        }
        None => sesstui::tui::run(&cli.files, cli.mouse, cli.infer.options(), cli.follow)
            .map(sesstui::tui::Outcome::exit_code),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            sesstui::sanitize::eprint_line(&format!("sesstui: {e:#}"));
            ExitCode::from(2)
        }
    }
}
