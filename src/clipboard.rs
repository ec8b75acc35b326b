//! Copying to the clipboard: OSC 52 (works over SSH), wrapped for tmux, plus a local clipboard
//! tool when one is there.

use base64::Engine;
use std::io::Write;
use std::process::{Command, Stdio};

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// The same sequence in tmux's passthrough envelope (ESC doubled), for tmux set-ups where
/// `allow-passthrough` is on but tmux does not handle OSC 52 itself.
pub fn tmux_passthrough(seq: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
}

/// What to write to the terminal to copy `text`: the plain sequence (tmux with `set-clipboard on`
/// takes it into its buffer and passes it on), and inside tmux also the wrapped one.
pub fn sequences(text: &str, in_tmux: bool) -> String {
    let seq = osc52(text);
    if in_tmux {
        format!("{seq}{}", tmux_passthrough(&seq))
    } else {
        seq
    }
}

/// Local clipboard tools worth trying here, most specific first.
fn local_tools() -> Vec<(&'static str, &'static [&'static str])> {
    let mut tools: Vec<(&'static str, &'static [&'static str])> = Vec::new();
    if cfg!(target_os = "macos") {
        tools.push(("pbcopy", &[]));
    }
    if std::env::var_os("WAYLAND_DISPLAY").is_some() {
        tools.push(("wl-copy", &[]));
    }
    if std::env::var_os("DISPLAY").is_some() {
        tools.push(("xclip", &["-selection", "clipboard"]));
        tools.push(("xsel", &["--clipboard", "--input"]));
    }
    tools
}

/// Hands `text` to the first local clipboard tool that starts; returns its name.
pub fn copy_local(text: &str) -> Option<&'static str> {
    for (tool, args) in local_tools() {
        let Ok(mut child) = Command::new(tool)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            continue;
        };
        let ok = child
            .stdin
            .take()
            .is_some_and(|mut s| s.write_all(text.as_bytes()).is_ok());
        // xclip and xsel stay alive to serve the selection: do not wait for them.
        std::thread::spawn(move || child.wait());
        if ok {
            return Some(tool);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn tmux_wrapping_doubles_escapes() {
        let s = sequences("hi", true);
        assert!(s.starts_with("\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"));
        assert_eq!(sequences("hi", false), osc52("hi"));
    }
}
