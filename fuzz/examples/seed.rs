//! Writes the seed corpora from fixture files:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed -- fuzz/corpus FILE...`
//!
//! `index_model` gets each file (cut after the last whole line within 48 KiB, so that
//! libFuzzer's `-max_len` keeps it whole); `app_actions` gets the same bytes behind each
//! scripted list of steps (`sesstui_fuzz::seed::scripts`), on an 80×24 or 160×48 screen.

use sesstui_fuzz::app_input::Size;
use sesstui_fuzz::seed::{app_seed, scripts};
use std::path::{Path, PathBuf};

const MAX: usize = 48 << 10;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: seed OUT_DIR FILE...");
        std::process::exit(2);
    };
    let (index_dir, app_dir) = (out.join("index_model"), out.join("app_actions"));
    std::fs::create_dir_all(&index_dir)?;
    std::fs::create_dir_all(&app_dir)?;
    let mut n = 0;
    for file in args.map(PathBuf::from) {
        let bytes = std::fs::read(&file)?;
        let bytes = cut(&bytes);
        let name = stem(&file);
        std::fs::write(index_dir.join(&name), bytes)?;
        for (i, (script, steps)) in scripts().into_iter().enumerate() {
            let size = if i % 2 == 0 {
                Size::Standard
            } else {
                Size::Wide
            };
            let seed = app_seed(i % 3 == 0, size, &steps, bytes);
            std::fs::write(app_dir.join(format!("{name}-{script}")), seed)?;
        }
        n += 1;
    }
    eprintln!("seeded {n} files into {}", out.display());
    Ok(())
}

/// The bytes up to the last newline within `MAX` (all of them if they fit).
fn cut(b: &[u8]) -> &[u8] {
    if b.len() <= MAX {
        return b;
    }
    match b[..MAX].iter().rposition(|&c| c == b'\n') {
        Some(i) => &b[..=i],
        None => &b[..MAX],
    }
}

/// A corpus file name from a fixture path: `phoenix-spans_rest.json`.
fn stem(p: &Path) -> String {
    let parent = p
        .parent()
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = p
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{parent}-{file}")
}
