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

pub fn run(
    model: &Model,
    id: &str,
    format: Format,
    zone: &crate::zone::Zone,
    out: &mut impl Write,
) -> Result<()> {
    let session = if id == "unsessioned" {
        None
    } else {
        match model.find_session(id) {
            Some(s) => Some(s),
            None => {
                let mut candidates: Vec<&str> = (0..model.sessions.len())
                    .filter_map(|s| u32::try_from(s).ok())
                    .map(|s| model.session_id(s))
                    .filter(|name| name.starts_with(id) && !id.is_empty())
                    .collect();
                candidates.sort_unstable();
                match candidates.len() {
                    0 => bail!("no session {id:?} in these files (`sesstui sessions` lists them)"),
                    n => bail!(
                        "{id:?} starts {n} session ids: {}{}; give more of one",
                        candidates[..n.min(10)].join(", "),
                        if n > 10 { ", …" } else { "" }
                    ),
                }
            }
        }
    };
    let t = transcript::build(model, session);
    match format {
        Format::Json => {
            crate::sanitize::write_json_pretty(&mut *out, &t)?;
            writeln!(out)?;
        }
        Format::Markdown => write!(out, "{}", transcript::markdown(&t, zone))?,
        Format::Text => write!(out, "{}", transcript::text(&t, zone))?,
    }
    Ok(())
}
