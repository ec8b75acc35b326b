//! sesstui: parse the command line, read the config file, then run the explorer or a headless
//! command.
//!
//! Exit status: 0 when done or quit; 2 on an error (printed here, after the explorer restored
//! the terminal), a mistake in the config file among them; 128 + signal when a signal ended
//! the explorer.

use std::process::ExitCode;

fn main() -> ExitCode {
    sesstui::malloc::tune();
    let cli = sesstui::cli::parse();
    if cli.print_config_path {
        return match sesstui::config::path(cli.config.as_deref()) {
            Some((path, _)) => {
                println!(
                    "{}",
                    sesstui::sanitize::one_line(&path.display().to_string())
                );
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("sesstui: no home directory, so no config file (use --config FILE)");
                ExitCode::from(2)
            }
        };
    }
    if cli.print_default_config {
        print!("{}", sesstui::config::default_text());
        return ExitCode::SUCCESS;
    }
    let settings = match cli.settings() {
        Ok(s) => s,
        Err(e) => {
            sesstui::sanitize::eprint_line(&format!("sesstui: {e:#}"));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Some(sesstui::cli::Command::Listen(a)) if a.headless => {
            sesstui::listen::headless(&a.options(), a.quiet, &settings.zone)
        }
        Some(sesstui::cli::Command::Listen(a)) => {
            let mut settings = settings;
            settings.mouse |= a.mouse;
            sesstui::listen::explore(&a.options(), settings)
        }
        Some(cmd) => sesstui::headless::run(cmd, settings.infer, &settings.zone).map(|()| 0),
        None if cli.files.is_empty() => {
            eprintln!(
                "sesstui: give a trace export to open, e.g. `sesstui fixtures/phoenix/spans_df_epoch_ms.jsonl` (see --help)"
            );
            return ExitCode::from(2);
        }
        None => sesstui::tui::run(&cli.files, settings, cli.follow)
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
