//! Copies from the span detail, as jless makes them: `yy` the value under the cursor (JSON as
//! in the file), `ys` a string's text, `yk` its key, `yp` its path (`.attributes["llm.input_
//! messages"][0]`); on a message or other text, `yy` / `ys` copy that text. And the whole
//! record, written for `o`.
//!
//! Nothing raw reaches the clipboard: JSON keeps every character but writes the ones a
//! terminal must not see as `\uXXXX` escapes (the same JSON); text has them made visible as on
//! screen; the status line says when either was done, and how many.

use super::{DetailView, Target};
use crate::app::action::Action;
use crate::app::{App, CLIPBOARD_CAP, Effect};
use crate::json::tree::{Key, Kind};
use crate::model::Model;
use crate::sanitize;

/// Characters of `s` a terminal must not get raw (see [`crate::sanitize`]).
pub fn unsafe_chars(s: &str) -> usize {
    if sanitize::is_safe(s, false) {
        return 0;
    }
    let mut b = [0u8; 4];
    s.chars()
        .filter(|c| !sanitize::is_safe(c.encode_utf8(&mut b), false))
        .count()
}

/// `what`, with what was done to make it safe to paste.
fn with_note(what: String, changed: usize, how: &str) -> String {
    if changed == 0 {
        what
    } else {
        format!(
            "{what}, with {} {how}",
            crate::fmt::count(
                changed,
                "control or invisible character",
                "control or invisible characters"
            )
        )
    }
}

/// A copy of `text` (said as `what`), or why not: over the clipboard's cap.
fn copy(app: &mut App, text: String, what: String) -> Vec<Effect> {
    if text.len() > CLIPBOARD_CAP {
        app.status = Some(too_big(&what, text.len()));
        return Vec::new();
    }
    vec![Effect::Copy { text, what }]
}

fn too_big(what: &str, bytes: usize) -> String {
    format!(
        "not copied: {what} is {}, over the clipboard's {} KB (o opens the whole record, \
         yj copies it or writes it to a file)",
        crate::fmt::bytes(bytes as u64),
        CLIPBOARD_CAP / 1024
    )
}

/// `yy`, `ys`, `yk`, `yp` in the detail.
pub fn yank(app: &mut App, model: &Model, action: Action) -> Vec<Effect> {
    let Some(d) = app.session.as_ref().map(|s| &s.detail) else {
        return Vec::new();
    };
    let result = match d.target() {
        Target::Node { tree, node } => node_copy(d, model, tree, node, action, &app.keymap),
        Target::Block(b) if matches!(action, Action::YankValue | Action::YankString) => {
            let block = &d.blocks[b];
            let text = d.lines[block.lines.clone()]
                .iter()
                .map(super::Line::text)
                .collect::<Vec<_>>()
                .join("\n");
            let mut what = "the text under the cursor".to_owned();
            if block.cleaned {
                what.push_str(", as shown (control characters made visible)");
            }
            Ok((text, what))
        }
        Target::Line(i) | Target::Section(i)
            if matches!(action, Action::YankValue | Action::YankString) =>
        {
            Ok((d.text(i).to_owned(), "the line under the cursor".to_owned()))
        }
        _ if action == Action::YankPath => Err(
            "no JSON path here: yp copies the path of a value in the record (or in a JSON \
                 input or output)"
                .to_owned(),
        ),
        _ => Err("nothing to copy on this line".to_owned()),
    };
    match result {
        Ok((text, what)) => copy(app, text, what),
        Err(why) => {
            app.status = Some(why);
            Vec::new()
        }
    }
}

fn node_copy(
    d: &DetailView,
    model: &Model,
    tree: usize,
    node: u32,
    action: Action,
    keys: &crate::app::keymap::Keymap,
) -> Result<(String, String), String> {
    let v = &d.trees[tree];
    let n = &v.tree.nodes[node as usize];
    let place = if v.name == "record" {
        String::new()
    } else {
        format!(" of {}", v.name)
    };
    match action {
        Action::YankPath => {
            let cut = std::iter::once(node)
                .chain(v.tree.ancestors(node))
                .any(|a| v.tree.nodes[a as usize].key_cut);
            if cut {
                return Err("not copied: a key on this path is longer than the 1 KB read".into());
            }
            let path = v.tree.path(node);
            let safe = sanitize::json_text(&path).into_owned();
            let shown = sanitize::truncate(&sanitize::one_line(&safe), 60).into_owned();
            Ok((safe, format!("the path{place} {shown}")))
        }
        Action::YankKey => match &n.key {
            Key::Name(k) if n.key_cut => Err(format!(
                "not copied: the key is longer than the {} KB read",
                super::record::BUDGET.key_bytes / 1024
            )),
            Key::Name(k) => {
                let changed = unsafe_chars(k);
                let text = sanitize::clean(k).into_owned();
                Ok((
                    text,
                    with_note("the key".to_owned(), changed, "as on screen"),
                ))
            }
            Key::Index(i) => Ok((i.to_string(), "the index".to_owned())),
            Key::None => Err("the root has no key".to_owned()),
        },
        Action::YankString | Action::YankValue => {
            let raw_len = n.raw.len();
            if raw_len > 4 * CLIPBOARD_CAP {
                return Err(too_big("the value", raw_len));
            }
            let rec_file = d.span.map(|s| model.file(s));
            let fresh = || rec_file.is_none_or(|f| model.index.fresh_file(f));
            if matches!(v.source, super::record::Source::Span) && !fresh() {
                return Err(refused(model, keys));
            }
            let record = d.span.map_or(&[][..], |s| model.index.span_bytes(s));
            let bytes = v.bytes(record);
            let Some(raw) = bytes.get(n.raw.clone()) else {
                return Err("not copied: the value is no longer where it was read".into());
            };
            let out = if action == Action::YankString {
                if n.kind != Kind::Str {
                    return Err("not a string: yy copies the value as JSON".into());
                }
                let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
                let (text, _) = crate::json::tree::decode(inner, usize::MAX);
                let changed = unsafe_chars(&text);
                (
                    sanitize::clean(&text).into_owned(),
                    with_note(format!("the string{place}"), changed, "as on screen"),
                )
            } else {
                let json = if n.kind.is_container() {
                    crate::json::pretty(raw).map_err(|e| format!("not copied: {e}"))?
                } else {
                    String::from_utf8_lossy(raw).into_owned()
                };
                let changed = unsafe_chars(&json);
                (
                    sanitize::json_text(&json).into_owned(),
                    with_note(
                        format!("the value{place} at {}", short_path(v, node)),
                        changed,
                        "written as \\u escapes",
                    ),
                )
            };
            if matches!(v.source, super::record::Source::Span) && !fresh() {
                return Err(refused(model, keys));
            }
            Ok(out)
        }
        _ => Err("nothing to copy".into()),
    }
}

fn short_path(v: &super::record::View, node: u32) -> String {
    let p = sanitize::one_line(&sanitize::json_text(&v.tree.path(node)));
    sanitize::truncate(&p, 48).into_owned()
}

fn refused(model: &Model, keys: &crate::app::keymap::Keymap) -> String {
    let note = crate::app::disk::status(&crate::app::disk::look(model), keys).unwrap_or_default();
    format!("not copied: {note}")
}

/// Writes span `span`'s whole record, pretty-printed, to `out` (for `o`): what a terminal
/// must not see written as `\uXXXX` escapes, so a pager shows it safely; a record that is not
/// JSON is written as text, made safe the same way. Refused when the record's file changed.
pub fn write_record(
    model: &Model,
    span: u32,
    out: &mut dyn std::io::Write,
    keys: &crate::app::keymap::Keymap,
) -> Result<usize, String> {
    let file = model.file(span);
    if !model.index.fresh_file(file) {
        return Err(refused(model, keys));
    }
    let raw = model.index.span_bytes(span);
    let written = match crate::json::pretty_write(raw, out, &sanitize::json_text) {
        Ok(()) => Ok(()),
        Err(crate::json::PrettyError::Json(_)) => out
            .write_all(sanitize::clean(&String::from_utf8_lossy(raw)).as_bytes())
            .map_err(|e| e.to_string()),
        Err(crate::json::PrettyError::Io(e)) => Err(e.to_string()),
    };
    written?;
    if !model.index.fresh_file(file) {
        return Err(refused(model, keys));
    }
    Ok(raw.len())
}
