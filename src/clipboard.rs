//! Copying to the clipboard, and saying truthfully what was done.
//!
//! Outside tmux: OSC 52 to the terminal (works over SSH; the terminal must allow it, which no
//! program can check), plus a local clipboard tool when one is there. Inside tmux, OSC 52 from
//! a program is dropped under tmux's defaults (`set-clipboard external`, `allow-passthrough
//! off`), so sesstui asks tmux how it is set up, hands the text to tmux itself (`tmux
//! load-buffer -w -`: `prefix ]` pastes it, and tmux passes it on to the terminal's clipboard
//! where `set-clipboard` allows), and says what to change when the system clipboard was not
//! reached.

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

/// How the tmux around sesstui handles clipboard escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tmux {
    /// `set-clipboard`: `on`, `external` or `off`.
    pub set_clipboard: String,
    /// `allow-passthrough` is on (or `all`).
    pub passthrough: bool,
    /// tmux 3.2 or later: `load-buffer -w` exists.
    pub load_buffer_w: bool,
}

/// Asks the tmux server sesstui runs under (through `$TMUX`) how it is set up; `None`
/// outside tmux or when tmux does not answer.
pub fn tmux() -> Option<Tmux> {
    std::env::var_os("TMUX")?;
    let out = Command::new("tmux")
        .args([
            "display",
            "-p",
            "#{set-clipboard}|#{allow-passthrough}|#{version}",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.trim().split('|');
    let set_clipboard = parts.next()?.to_owned();
    let passthrough = matches!(parts.next()?, "1" | "on" | "all");
    let version = parts.next().unwrap_or_default();
    Some(Tmux {
        set_clipboard,
        passthrough,
        load_buffer_w: version_at_least(version, 3, 2),
    })
}

/// `3.3a` ≥ 3.2, `next-3.5` ≥ 3.2, `2.9` < 3.2.
fn version_at_least(v: &str, major: u32, minor: u32) -> bool {
    let digits: String = v
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut it = digits.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (a, b) >= (major, minor)
}

/// Hands `text` to tmux's paste buffer (and, with `-w`, to the terminal's clipboard as tmux
/// sees fit); true when tmux took it.
pub fn tmux_load_buffer(text: &str, with_w: bool) -> bool {
    let mut cmd = Command::new("tmux");
    cmd.arg("load-buffer");
    if with_w {
        cmd.arg("-w");
    }
    let Ok(mut child) = cmd
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let wrote = child
        .stdin
        .take()
        .is_some_and(|mut s| s.write_all(text.as_bytes()).is_ok());
    wrote && child.wait().is_ok_and(|st| st.success())
}

/// What to do to copy, decided from where sesstui runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Write OSC 52 to the terminal (plainly, and wrapped for tmux passthrough when it is on).
    pub osc52: bool,
    pub wrap_for_tmux: bool,
    /// Hand the text to `tmux load-buffer` (with `-w` when tmux has it).
    pub tmux_buffer: bool,
    pub tmux_w: bool,
}

pub fn plan(tmux: Option<&Tmux>) -> Plan {
    match tmux {
        None => Plan {
            osc52: true,
            wrap_for_tmux: false,
            tmux_buffer: false,
            tmux_w: false,
        },
        Some(t) => Plan {
            // tmux's own copy (`load-buffer -w`) fills its buffer and, unless set-clipboard is
            // off, the terminal's clipboard. Without `-w` (tmux before 3.2), OSC 52 reaches the
            // terminal only with set-clipboard on, or wrapped with passthrough on.
            osc52: !t.load_buffer_w && (t.set_clipboard == "on" || t.passthrough),
            wrap_for_tmux: t.passthrough && t.set_clipboard != "on",
            tmux_buffer: true,
            tmux_w: t.load_buffer_w,
        },
    }
}

/// What happened, for the status line: `what` (`span 3f… JSON`), its size, the plan and what
/// each part of it did.
pub fn status(
    what: &str,
    bytes: usize,
    tmux: Option<&Tmux>,
    osc_written: bool,
    tmux_took: bool,
    local: Option<&str>,
) -> String {
    let size = crate::fmt::thousands(bytes as u64);
    let mut ways: Vec<String> = Vec::new();
    match tmux {
        Some(t) => {
            if tmux_took {
                ways.push("tmux's paste buffer (prefix ] pastes)".to_owned());
            }
            let clipboard_by_tmux = tmux_took && t.load_buffer_w && t.set_clipboard != "off";
            if clipboard_by_tmux || (osc_written && t.set_clipboard == "on") {
                ways.push("the terminal's clipboard via tmux (OSC 52)".to_owned());
            } else if osc_written && t.passthrough {
                ways.push("the terminal's clipboard (OSC 52 passed through tmux)".to_owned());
            }
        }
        None if osc_written => {
            ways.push("the terminal's clipboard (OSC 52, if the terminal allows it)".to_owned());
        }
        None => {}
    }
    if let Some(tool) = local {
        ways.push(tool.to_owned());
    }
    let mut s = if ways.is_empty() {
        format!("could not copy {what}: nothing took it")
    } else {
        format!("copied {what} ({size} bytes) to {}", ways.join(" and "))
    };
    if let Some(t) = tmux
        && t.set_clipboard == "off"
    {
        s.push_str(
            "; tmux's set-clipboard is off, so the system clipboard was not set: \
             `set -g set-clipboard on` in ~/.tmux.conf",
        );
    } else if let Some(t) = tmux
        && !t.load_buffer_w
        && t.set_clipboard != "on"
        && !t.passthrough
    {
        s.push_str(
            "; this tmux drops sesstui's OSC 52, so the system clipboard was not set: \
             `set -g set-clipboard on` in ~/.tmux.conf",
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    fn t(set_clipboard: &str, passthrough: bool, w: bool) -> Tmux {
        Tmux {
            set_clipboard: set_clipboard.into(),
            passthrough,
            load_buffer_w: w,
        }
    }

    #[test]
    fn plans_follow_tmux_settings() {
        let outside = plan(None);
        assert!(outside.osc52 && !outside.tmux_buffer);
        // tmux's defaults: OSC 52 from a program is dropped; tmux's own buffer is the way.
        let defaults = plan(Some(&t("external", false, true)));
        assert!(!defaults.osc52 && defaults.tmux_buffer && defaults.tmux_w);
        assert!(!plan(Some(&t("on", false, true))).osc52);
        let old = plan(Some(&t("on", false, false)));
        assert!(old.osc52 && !old.wrap_for_tmux && old.tmux_buffer && !old.tmux_w);
        let pass = plan(Some(&t("external", true, false)));
        assert!(pass.osc52 && pass.wrap_for_tmux);
    }

    #[test]
    fn statuses_say_what_was_used() {
        let s = status(
            "span id",
            16,
            Some(&t("external", false, true)),
            false,
            true,
            None,
        );
        assert!(
            s.contains("tmux's paste buffer") && s.contains("clipboard via tmux"),
            "{s}"
        );
        let s = status(
            "span id",
            16,
            Some(&t("off", false, true)),
            false,
            true,
            None,
        );
        assert!(
            s.contains("set-clipboard is off") && !s.contains("clipboard via"),
            "{s}"
        );
        let s = status(
            "x",
            1,
            Some(&t("external", false, false)),
            false,
            true,
            None,
        );
        assert!(
            s.contains("drops sesstui's OSC 52") && s.contains("set-clipboard on"),
            "{s}"
        );
        let s = status("x", 1, None, true, false, Some("xclip"));
        assert!(
            s.contains("if the terminal allows it") && s.contains("xclip"),
            "{s}"
        );
        let s = status(
            "x",
            1,
            Some(&t("external", false, true)),
            false,
            false,
            None,
        );
        assert!(s.starts_with("could not copy"), "{s}");
        assert!(version_at_least("3.3a", 3, 2) && !version_at_least("2.9", 3, 2));
        assert!(version_at_least("next-3.5", 3, 2) && version_at_least("3.2", 3, 2));
    }

    #[test]
    fn tmux_wrapping_doubles_escapes() {
        assert_eq!(
            tmux_passthrough(&osc52("hi")),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
    }
}
