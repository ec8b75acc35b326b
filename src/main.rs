//! sesstui: parse the command line, then run the explorer or a headless command.

fn main() {
    let cli = sesstui::cli::parse();
    let result = match cli.command {
        Some(cmd) => sesstui::headless::run(cmd, cli.infer.options()),
        None if cli.files.is_empty() => {
            eprintln!(
                "sesstui: give a trace export to open, e.g. `sesstui fixtures/phoenix/spans_df_epoch_ms.jsonl` (see --help)"
            );
            std::process::exit(2);
        }
        None => sesstui::tui::run(&cli.files, cli.mouse, cli.infer.options()),
    };
    if let Err(e) = result {
        sesstui::sanitize::eprint_line(&format!("sesstui: {e:#}"));
        std::process::exit(2);
    }
}
