//! Opening files and building the model: the one path both the TUI and the CLI take.

use crate::error::Error;
use crate::index::{self, progress::Progress};
use crate::model::{self, Model};
use crate::source::Source;
use std::path::PathBuf;

/// Opens every file, scans them together and builds the model, inferring as `options` say.
pub fn load(
    paths: &[PathBuf],
    options: model::infer::Options,
    progress: &Progress,
) -> Result<Model, Error> {
    let sources = paths
        .iter()
        .map(|p| Source::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    let index = index::build_with(sources, progress, options.history)?;
    index.require_spans()?;
    Ok(model::build_with(index, options))
}
