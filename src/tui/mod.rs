//! The explorer (terminal UI).

use anyhow::{Result, bail};
use std::path::PathBuf;

/// Opens the files in the explorer.
pub fn run(_files: &[PathBuf], _mouse: bool) -> Result<()> {
    bail!("the explorer is not built yet; use a subcommand (see --help)")
}
