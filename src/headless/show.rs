//! `sesstui show`: one session's turns.

use crate::model::Model;
use crate::transcript;
use anyhow::{Result, bail};
use std::io::Write;

pub enum Format {
    Text,
    Markdown,
    Json,
}

pub fn run(model: &Model, id: &str, format: Format, out: &mut impl Write) -> Result<()> {
    let session = if id == "unsessioned" {
        None
    } else {
        match model.find_session(id) {
            Some(s) => Some(s),
            None => bail!("no session {id:?} in these files (`sesstui sessions` lists them)"),
        }
    };
    let t = transcript::build(model, session);
    match format {
        Format::Json => {
            crate::sanitize::write_json_pretty(&mut *out, &t)?;
            writeln!(out)?;
        }
        Format::Markdown => write!(out, "{}", transcript::markdown(&t))?,
        Format::Text => write!(out, "{}", transcript::text(&t))?,
    }
    Ok(())
}
