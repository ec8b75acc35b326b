//! Text from a trace is untrusted: nothing it holds may act on a terminal or move what the
//! terminal draws. This module is the one place that decides what a character becomes on its
//! way out, for the explorer, every headless command, stderr and the clipboard.
//!
//! - Controls (C0 but newline and tab, DEL, C1), bidi controls and the Unicode line and
//!   paragraph separators are replaced by visible stand-ins (`␛`, `␡`, `↵`, `¶`, `�`).
//! - Characters that only glue others into one glyph, or are invisible (zero-width joiners and
//!   spaces, variation selectors, emoji modifiers, tag characters, soft hyphens), are dropped:
//!   terminals disagree about how wide the glyphs they form are, and a screen that counts them
//!   differently from the terminal leaves stale cells behind.
//! - JSON text keeps every character but writes these as `\uXXXX` escapes, so it stays the
//!   same JSON and is safe to print or paste ([`json_text`], [`JsonFormatter`]).

use std::borrow::Cow;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// What a character becomes on a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Keep,
    /// Invisible, or glues glyphs together: left out.
    Drop,
    /// Shown as this visible character instead.
    StandIn(char),
}

fn class(c: char) -> Class {
    match c {
        '\u{0}'..='\u{1f}' => {
            Class::StandIn(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))
        }
        '\u{7f}' => Class::StandIn('\u{2421}'),
        '\u{80}'..='\u{9f}' => Class::StandIn('\u{fffd}'),
        '\u{2028}' => Class::StandIn('\u{21b5}'),
        '\u{2029}' => Class::StandIn('\u{b6}'),
        // Bidi controls: they reorder what follows.
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Class::StandIn('\u{fffd}')
        }
        // Soft hyphen, combining grapheme joiner, Hangul fillers, Mongolian selectors,
        // zero-width space / joiners, word joiner and invisible operators, the BOM, variation
        // selectors, emoji modifiers, the keycap mark and tag characters.
        '\u{ad}'
        | '\u{34f}'
        | '\u{115f}'
        | '\u{1160}'
        | '\u{17b4}'
        | '\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200d}'
        | '\u{2060}'..='\u{2065}'
        | '\u{206a}'..='\u{206f}'
        | '\u{20e3}'
        | '\u{3164}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff0}'..='\u{fff8}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{1f3fb}'..='\u{1f3ff}'
        | '\u{e0000}'..='\u{e0fff}' => Class::Drop,
        _ => Class::Keep,
    }
}

/// True when `s` may hold a character [`class`] does not keep (a quick byte test: ASCII
/// printable text, newlines and tabs never need a look at each character).
fn needs_work(s: &str, keep_newlines: bool) -> bool {
    needs_work_bytes(s.as_bytes(), keep_newlines)
}

/// [`needs_work`] on bytes: whether any is a control byte (but newlines and tabs, with
/// `keep_newlines`), DEL, or 0x80 and above. So `false` means printable ASCII only (with
/// those): valid UTF-8 that [`clean`] leaves as it is.
fn needs_work_bytes(bytes: &[u8], keep_newlines: bool) -> bool {
    let byte = |b: &u8| match b {
        b'\n' | b'\t' => !keep_newlines,
        0..=0x1f | 0x7f.. => true,
        _ => false,
    };
    // Sixty-four bytes at a time, then sixteen: only a chunk holding a control byte, DEL or a
    // byte of 0x80 and above is looked at byte by byte (this runs over every byte headless
    // output writes).
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        if let Ok(b) = <&[u8; 64]>::try_from(block)
            && not_printable_ascii_64(b, keep_newlines)
            && b.iter().any(byte)
        {
            return true;
        }
    }
    let mut chunks = blocks.remainder().chunks_exact(16);
    for chunk in &mut chunks {
        if let Ok(c) = <&[u8; 16]>::try_from(chunk)
            && not_printable_ascii(c, keep_newlines)
            && c.iter().any(byte)
        {
            return true;
        }
    }
    chunks.remainder().iter().any(byte)
}

/// [`not_printable_ascii`] of 64 bytes: the four blocks' comparisons joined before one mask.
#[inline(always)]
fn not_printable_ascii_64(block: &[u8; 64], keep_newlines: bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitandnot_m128i, bitor_m128i, cmp_eq_mask_i8_m128i, cmp_lt_mask_i8_m128i,
            load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        };
        let (blocks, _) = block.as_chunks::<16>();
        let splat = |b: u8| set_splat_i8_m128i(i8::from_ne_bytes([b]));
        let (space, del, nl, tab) = (splat(0x20), splat(0x7f), splat(b'\n'), splat(b'\t'));
        let mut odd = set_splat_i8_m128i(0);
        for c in blocks {
            let v = load_unaligned_m128i(c);
            // As signed bytes, 0x80 and above are negative: below a space too.
            let bad = bitor_m128i(cmp_lt_mask_i8_m128i(v, space), cmp_eq_mask_i8_m128i(v, del));
            let bad = if keep_newlines {
                let allowed =
                    bitor_m128i(cmp_eq_mask_i8_m128i(v, nl), cmp_eq_mask_i8_m128i(v, tab));
                bitandnot_m128i(allowed, bad)
            } else {
                bad
            };
            odd = bitor_m128i(odd, bad);
        }
        move_mask_i8_m128i(odd) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let (blocks, _) = block.as_chunks::<16>();
        blocks.iter().any(|c| not_printable_ascii(c, keep_newlines))
    }
}

/// Whether any of 16 bytes is below a space (but newlines and tabs, with `keep_newlines`),
/// DEL, or 0x80 and above: a few SSE2 comparisons (x86-64's baseline) where there are.
#[inline(always)]
fn not_printable_ascii(chunk: &[u8; 16], keep_newlines: bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, cmp_lt_mask_i8_m128i, load_unaligned_m128i,
            move_mask_i8_m128i, set_splat_i8_m128i,
        };
        let v = load_unaligned_m128i(chunk);
        let eq = |b: u8| cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(i8::from_ne_bytes([b])));
        // As signed bytes, 0x80 and above are negative: below a space too.
        let low = cmp_lt_mask_i8_m128i(v, set_splat_i8_m128i(0x20));
        let odd = move_mask_i8_m128i(bitor_m128i(low, eq(0x7f)));
        let allowed = if keep_newlines {
            move_mask_i8_m128i(bitor_m128i(eq(b'\n'), eq(b'\t')))
        } else {
            0
        };
        odd & !allowed != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        chunk
            .iter()
            .any(|&b| (b < 0x20 && !(keep_newlines && (b == b'\n' || b == b'\t'))) || b >= 0x7f)
    }
}

/// One character as it may be shown, pushed onto `out`.
fn push_shown(out: &mut String, c: char) {
    match class(c) {
        Class::Keep => out.push(c),
        Class::Drop => {}
        Class::StandIn(s) => out.push(s),
    }
}

/// Whether [`clean`] changes `s`: some character other than a newline or a tab is not kept.
/// Printable ASCII is always kept, so only the characters [`needs_work`] stops at are looked
/// at (on text that is mostly ASCII, a byte scan rather than a character decode).
fn changes(s: &str) -> bool {
    let stop = |b: &u8| matches!(*b, 0..=0x08 | 0x0b..=0x1f | 0x7f..);
    let mut rest = s;
    while let Some(i) = rest.as_bytes().iter().position(stop) {
        let Some(c) = rest[i..].chars().next() else {
            return false;
        };
        if class(c) != Class::Keep {
            return true;
        }
        rest = &rest[i + c.len_utf8()..];
    }
    false
}

/// Multi-line text, safe to draw: newlines and tabs kept, everything else made visible or
/// dropped as the module says.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !needs_work(s, true) {
        return Cow::Borrowed(s);
    }
    if !changes(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' {
            out.push(c);
        } else {
            push_shown(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// One line of text, safe to draw: whitespace runs (newlines and the Unicode separators
/// included) become one space.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut space = false;
    for c in s.trim().chars() {
        if matches!(c, '\n' | '\t' | '\r' | ' ' | '\u{2028}' | '\u{2029}') {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        push_shown(&mut out, c);
    }
    out
}

/// True when `s` can be written to a terminal as it is (on one line if `one_line`).
pub fn is_safe(s: &str, one_line: bool) -> bool {
    s.chars()
        .all(|c| (!one_line && (c == '\n' || c == '\t')) || class(c) == Class::Keep)
}

/// Cuts `s` to at most `width` terminal columns, ending with `…` when something was cut.
pub fn truncate(s: &str, width: usize) -> Cow<'_, str> {
    if s.width() <= width {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// JSON text with every character a terminal must not see raw written as a `\uXXXX` escape
/// instead: the same JSON where those characters are inside strings (the only place valid
/// JSON can hold them), safe to print or to paste into a shell.
pub fn json_text(s: &str) -> Cow<'_, str> {
    if !needs_work(s, true) || !changes(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut changed = false;
    for c in s.chars() {
        if c == '\n' || c == '\t' || class(c) == Class::Keep {
            out.push(c);
        } else {
            changed = true;
            push_escape(&mut out, c);
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    }
}

/// `\uXXXX`, or a surrogate pair of them above the Basic Multilingual Plane.
fn push_escape(out: &mut String, c: char) {
    let mut units = [0u16; 2];
    for u in c.encode_utf16(&mut units) {
        out.push_str(&format!("\\u{u:04x}"));
    }
}

/// A `serde_json` formatter that escapes what [`json_text`] escapes, on top of what JSON
/// itself requires: output printed to a terminal is safe, and stays valid JSON.
pub struct JsonFormatter<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        writer.write_all(json_text(fragment).as_bytes())
    }
    // The rest delegates, so pretty output stays pretty.
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `s` as a JSON string, the bytes [`write_json`] writes for it: printable ASCII
/// without quotes or backslashes (ids, times, most texts) as it is, checked 16 bytes at a time;
/// anything else through [`JsonFormatter`].
pub fn write_json_str(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    if !plain_json(s.as_bytes()) {
        return write_json(&mut *out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
}

/// True when every byte is printable ASCII other than `"` and `\`: what a JSON string holds
/// unescaped, and [`json_text`] leaves as it is.
fn plain_json(bytes: &[u8]) -> bool {
    let plain = |b: &u8| (b' '..0x7f).contains(b) && *b != b'"' && *b != b'\\';
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        if let Ok(c) = <&[u8; 16]>::try_from(chunk)
            && (not_printable_ascii(c, false) || quote_or_backslash(c))
        {
            return false;
        }
    }
    chunks.remainder().iter().all(plain)
}

/// Whether any of 16 bytes is `"` or `\`.
#[inline(always)]
fn quote_or_backslash(chunk: &[u8; 16]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
            set_splat_i8_m128i,
        };
        let v = load_unaligned_m128i(chunk);
        let eq = |b: u8| cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(i8::from_ne_bytes([b])));
        move_mask_i8_m128i(bitor_m128i(eq(b'"'), eq(b'\\'))) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        chunk.iter().any(|&b| b == b'"' || b == b'\\')
    }
}

/// Writes `value` as one line of JSON, escaped as [`JsonFormatter`] does.
pub fn write_json<W: Write, T: serde::Serialize + ?Sized>(out: W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        JsonFormatter(serde_json::ser::CompactFormatter),
    );
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// Writes `value` as indented JSON, escaped as [`JsonFormatter`] does.
pub fn write_json_pretty<W: Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        JsonFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// [`write_json_pretty`] for a value that sits `depth` arrays or objects deep in a larger
/// pretty document: its inner lines are indented as they would be there, so the text can be
/// placed at that depth as it is (its first line is not indented).
pub fn write_json_pretty_at<W: Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
    depth: usize,
) -> io::Result<()> {
    use serde_json::ser::Formatter;
    let mut f = serde_json::ser::PrettyFormatter::new();
    for _ in 0..depth {
        f.begin_array(&mut io::sink())?;
    }
    let mut ser = serde_json::Serializer::with_formatter(out, JsonFormatter(f));
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// A writer for text meant for a terminal: whatever is written to it passes through
/// [`clean`] (newlines and tabs kept), so no byte from a trace reaches the terminal raw even
/// where a field was not cleaned on its own. Invalid UTF-8 becomes `�`.
pub struct Text<W: Write> {
    inner: W,
    /// The start of a UTF-8 sequence a write ended inside (at most 3 bytes).
    pending: Vec<u8>,
}

impl<W: Write> Text<W> {
    pub fn new(inner: W) -> Self {
        Text {
            inner,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, s: &str) -> io::Result<()> {
        self.inner.write_all(clean(s).as_bytes())
    }
}

impl<W: Write> Write for Text<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Printable ASCII, newlines and tabs (nearly all output): valid UTF-8 that `clean`
        // leaves as it is, found in one pass instead of a UTF-8 check and then that pass.
        if self.pending.is_empty() && !needs_work_bytes(buf, true) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        let joined;
        let mut bytes = buf;
        if !self.pending.is_empty() {
            let mut v = std::mem::take(&mut self.pending);
            v.extend_from_slice(buf);
            joined = v;
            bytes = &joined;
        }
        loop {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    self.emit(s)?;
                    break;
                }
                Err(e) => {
                    let (good, rest) = bytes.split_at(e.valid_up_to());
                    self.emit(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        Some(n) => {
                            self.inner.write_all("\u{fffd}".as_bytes())?;
                            bytes = &rest[n..];
                        }
                        None => {
                            // Cut inside a character: wait for the rest.
                            self.pending = rest.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.pending.clear();
            self.inner.write_all("\u{fffd}".as_bytes())?;
        }
        self.inner.flush()
    }
}

/// Text made only by this module's writers, so safe for a terminal as it is: JSON strings
/// escaped as [`JsonFormatter`] escapes them ([`Clean::json_str`], [`Clean::json`]), integers,
/// literals checked when the program is compiled ([`Lit`]), and other bytes checked (and
/// cleaned if need be) as they are added ([`Clean::push_checked`]). Its bytes can be read but
/// not written from outside this module, so every byte of it is valid UTF-8 that [`clean`]
/// leaves as it is: [`Text::write_clean`] writes it without looking at it again (the headless
/// output's last guard otherwise looks at every byte the workers wrote once more).
#[derive(Default)]
pub struct Clean(Vec<u8>);

/// A literal of printable ASCII, newlines and tabs, for [`Clean::lit`]: checked by
/// [`Lit::new`], when the program is compiled where it is a constant.
#[derive(Clone, Copy)]
pub struct Lit(&'static [u8]);

impl Lit {
    /// Panics (at compile time in a constant) unless every byte is printable ASCII, a
    /// newline or a tab.
    pub const fn new(bytes: &'static [u8]) -> Lit {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            assert!(b == b'\n' || b == b'\t' || (b >= b' ' && b < 0x7f));
            i += 1;
        }
        Lit(bytes)
    }
}

impl Clean {
    pub fn new() -> Clean {
        Clean(Vec::new())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Empties it, keeping its memory.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    /// `s` as a JSON string ([`write_json_str`]).
    #[inline]
    pub fn json_str(&mut self, s: &str) -> io::Result<()> {
        write_json_str(&mut self.0, s)
    }

    /// `value` as one line of JSON ([`write_json`]).
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        write_json(&mut self.0, value)
    }

    /// `value` as indented JSON `depth` levels deep ([`write_json_pretty_at`]).
    pub fn json_pretty_at<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
        depth: usize,
    ) -> io::Result<()> {
        write_json_pretty_at(&mut self.0, value, depth)
    }

    #[inline]
    pub fn lit(&mut self, l: Lit) {
        self.0.extend_from_slice(l.0);
    }

    /// A short clean text, after this one: its whole padded block is copied, then the padding
    /// cut off again.
    #[inline]
    pub fn piece(&mut self, p: &Piece) {
        let end = self.0.len() + usize::from(p.len);
        self.0.extend_from_slice(&p.bytes);
        self.0.truncate(end);
    }

    /// Another clean text, after this one.
    #[inline]
    pub fn append(&mut self, other: &Clean) {
        self.0.extend_from_slice(&other.0);
    }

    /// `v` in decimal ([`crate::fmt::push_decimal`]: digits only).
    #[inline]
    pub fn decimal(&mut self, v: u64) {
        crate::fmt::push_decimal(&mut self.0, v);
    }

    /// One digit, `d % 10`.
    #[inline]
    pub fn digit(&mut self, d: u8) {
        self.0.push(b'0' + d % 10);
    }

    /// `bytes` after the test [`Text`] makes of what it is given: as they are when they are
    /// printable ASCII, newlines and tabs; else as [`Text`] writes them on their own (invalid
    /// UTF-8 as `�`, then [`clean`]). For short pieces made by the program (times, keys): 16
    /// to 32 bytes are looked at in two blocks of 16 that overlap.
    #[inline]
    pub fn push_checked(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let plain = match (bytes.first_chunk::<16>(), bytes.last_chunk::<16>()) {
            (Some(a), Some(b)) if n <= 32 => {
                !not_printable_ascii(a, true) && !not_printable_ascii(b, true)
            }
            _ => !needs_work_bytes(bytes, true),
        };
        if plain {
            self.0.extend_from_slice(bytes);
        } else {
            let text = String::from_utf8_lossy(bytes);
            self.0.extend_from_slice(clean(&text).as_bytes());
        }
    }

    /// A clean text of `bytes` ([`Clean::push_checked`]).
    pub fn checked(bytes: &[u8]) -> Clean {
        let mut c = Clean::new();
        c.push_checked(bytes);
        c
    }
}

/// A short [`Clean`] text (at most [`Piece::MAX`] bytes) kept in place, for
/// [`Clean::piece`], which copies it in one fixed-size move rather than a call to `memcpy`
/// (a session's JSON is some 25 keys with their indent, each such a piece).
#[derive(Clone, Copy)]
pub struct Piece {
    /// The text, then clean padding up to [`Piece::MAX`].
    bytes: [u8; Piece::MAX],
    len: u8,
}

impl Piece {
    pub const MAX: usize = 32;

    /// `text` as a piece, if it is short enough.
    pub fn of(text: &Clean) -> Option<Piece> {
        let mut bytes = [b' '; Piece::MAX];
        bytes
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(Piece {
            bytes,
            len: u8::try_from(text.len()).ok()?,
        })
    }
}

/// A writer that can take [`Clean`] text: the same bytes come out as from
/// `write_all(text.as_bytes())`, where the writer may skip its own checks.
pub trait WriteClean: Write {
    fn write_clean(&mut self, text: &Clean) -> io::Result<()> {
        self.write_all(text.as_bytes())
    }
}

impl WriteClean for Vec<u8> {}

impl<W: Write> WriteClean for Text<W> {
    /// Clean text is what [`Text::write`] would write as it is: passed straight on (but after
    /// the start of a character cut at the end of a write before, which it completes or
    /// spoils: then as any write).
    fn write_clean(&mut self, text: &Clean) -> io::Result<()> {
        if !self.pending.is_empty() {
            return self.write_all(text.as_bytes());
        }
        self.inner.write_all(text.as_bytes())
    }
}

/// Standard output for the headless commands: a buffer in front of [`Text`], as
/// `std::io::BufWriter` would be (small writes gathered, a write as large as the buffer passed
/// on whole, the buffer written out when dropped), that also passes [`Clean`] text past
/// [`Text`]'s look at every byte ([`WriteClean`]).
pub struct Output<W: Write> {
    buf: Vec<u8>,
    text: Text<W>,
}

impl<W: Write> Output<W> {
    pub fn new(capacity: usize, inner: W) -> Self {
        Output {
            buf: Vec::with_capacity(capacity),
            text: Text::new(inner),
        }
    }

    /// Writes out what is buffered (not flushing the writer below).
    fn write_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let r = self.text.write_all(&self.buf);
        self.buf.clear();
        r
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len() + bytes.len() > self.buf.capacity() {
            self.write_buf()?;
        }
        if bytes.len() >= self.buf.capacity() {
            self.text.write_all(bytes)?;
        } else {
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_buf()?;
        self.text.flush()
    }
}

impl<W: Write> WriteClean for Output<W> {
    fn write_clean(&mut self, text: &Clean) -> io::Result<()> {
        if text.len() < self.buf.capacity() {
            return self.write_all(text.as_bytes());
        }
        self.write_buf()?;
        self.text.write_clean(text)
    }
}

impl<W: Write> Drop for Output<W> {
    fn drop(&mut self) {
        // As `BufWriter` does: what is buffered is written, an error ignored.
        let _ = self.write_buf();
    }
}

/// Writes one line to stderr, cleaned to one line: messages quote file names and values from
/// the files, which must not reach the terminal raw either.
pub fn eprint_line(msg: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", one_line(msg));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_work_finds_every_byte_at_every_position() {
        let spec = |s: &str, keep: bool| {
            s.bytes()
                .any(|b| (b < 0x20 && (!keep || (b != b'\n' && b != b'\t'))) || b >= 0x7f)
        };
        let odd: Vec<char> = (0u8..0x80)
            .map(char::from)
            .chain(['é', '€', '😀', '\u{85}'])
            .collect();
        for len in (0..40).chain([63, 64, 65, 79, 80, 127, 128, 129, 150]) {
            for at in 0..=len {
                for &c in &odd {
                    let mut s: String = "abcdefghij".chars().cycle().take(len).collect();
                    s.insert(at, c);
                    for keep in [false, true] {
                        assert_eq!(needs_work(&s, keep), spec(&s, keep), "{s:?} {keep}");
                    }
                }
            }
        }
    }

    #[test]
    fn changes_agrees_with_a_character_by_character_look() {
        let slow = |s: &str| {
            s.chars()
                .any(|c| c != '\n' && c != '\t' && class(c) != Class::Keep)
        };
        for s in [
            "",
            "plain ascii ~",
            "tab\tand\nnewline",
            "bell\u{7}",
            "del\u{7f}",
            "caf\u{e9} \u{2026} \u{4e2d}",
            "c1 \u{85} control",
            "bidi \u{202e} x",
            "zero width \u{200b}",
            "emoji \u{1f600} and \u{fe0f}",
            "\u{2028}",
            "\r\n",
        ] {
            assert_eq!(changes(s), slow(s), "{s:?}");
            assert_eq!(clean(s).as_ref() == s, !slow(s), "{s:?}");
        }
    }

    /// What a terminal must never receive raw.
    fn raw_danger(s: &str, one_line: bool) -> Option<char> {
        s.chars()
            .find(|&c| class(c) != Class::Keep && (one_line || (c != '\n' && c != '\t')))
    }

    #[test]
    fn escape_sequences_become_visible() {
        let s = "\u{1b}[31mred\u{1b}[0m\u{7}";
        let c = clean(s);
        assert!(!c.contains('\u{1b}') && !c.contains('\u{7}'));
        assert_eq!(c, "\u{241b}[31mred\u{241b}[0m\u{2407}");
        assert_eq!(clean("a\nb\tc"), "a\nb\tc");
        assert!(matches!(clean("plain ✓ 日本"), Cow::Borrowed(_)));
        assert_eq!(clean("\u{9b}x\u{202e}\u{7f}"), "\u{fffd}x\u{fffd}\u{2421}");
    }

    #[test]
    fn separators_and_glue_do_not_move_the_layout() {
        assert_eq!(clean("a\u{2028}b\u{2029}c"), "a\u{21b5}b\u{b6}c");
        assert_eq!(one_line("a\u{2028}b"), "a b");
        // A family emoji is four emoji once its joiners are gone: as wide everywhere.
        let family = clean("👨\u{200d}👩\u{200d}👧\u{200d}👦");
        assert_eq!(family, "👨👩👧👦");
        assert_eq!(family.width(), 8);
        assert_eq!(clean("👍🏻 ❤\u{fe0f} a\u{200b}b\u{feff}"), "👍 ❤ ab");
        // Every grapheme is now as wide as its characters: what a terminal counts.
        for s in [
            "👨\u{200d}👩\u{200d}👧",
            "👍🏽",
            "❤\u{fe0f}",
            "1\u{fe0f}\u{20e3}",
            "🏳\u{fe0f}\u{200d}🌈",
        ] {
            let c = clean(s);
            let chars: usize = c
                .chars()
                .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
                .sum();
            assert_eq!(c.width(), chars, "{s:?}");
        }
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line("  a\n\n b\r\n\tc \u{1b} "), "a b c \u{241b}");
    }

    #[test]
    fn truncation_counts_columns() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語テキスト", 7), "日本語…");
    }

    #[test]
    fn every_code_point_comes_out_safe() {
        let all: String = (0..=0x10ffffu32).filter_map(char::from_u32).collect();
        assert_eq!(raw_danger(&clean(&all), false), None);
        assert_eq!(raw_danger(&one_line(&all), true), None);
        let json = json_text(&all);
        assert_eq!(raw_danger(&json, false), None);
        assert!(is_safe(&clean(&all), false) && is_safe(&one_line(&all), true));
    }

    #[test]
    fn json_keeps_its_meaning() {
        let v = serde_json::json!({"id": "\u{1b}]0;x\u{7}\u{2028}\u{202e}\u{9b}\u{7f}\u{200d}\u{e0041}ok"});
        let mut out = Vec::new();
        write_json(&mut out, &v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(raw_danger(&text, true), None, "{text}");
        assert!(text.contains("\\u2028") && text.contains("\\u202e") && text.contains("\\u009b"));
        assert!(text.contains("\\u007f") && text.contains("\\udb40\\udc41"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        let mut pretty = Vec::new();
        write_json_pretty(&mut pretty, &v).unwrap();
        assert!(String::from_utf8(pretty).unwrap().contains("\n  \"id\""));
        // A copy of the file's own JSON text: same escapes.
        let raw = "{\"a\": \"\u{9b}31m\u{2029}\"}";
        let safe = json_text(raw);
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(a, b);
        assert_eq!(raw_danger(&safe, false), None);
    }

    #[test]
    fn text_writer_cleans_across_writes() {
        let mut out = Text::new(Vec::new());
        let s = "x\u{1b}]0;t\u{7}é\u{2028}\n";
        let bytes = s.as_bytes();
        // Cut inside the two-byte é and the three-byte separator.
        for part in [&bytes[..7], &bytes[7..9], &bytes[9..11], &bytes[11..]] {
            out.write_all(part).unwrap();
        }
        out.write_all(b"bad \xff end\n").unwrap();
        out.flush().unwrap();
        let text = String::from_utf8(out.inner).unwrap();
        assert_eq!(text, "x\u{241b}]0;t\u{2407}é\u{21b5}\nbad \u{fffd} end\n");
    }

    /// Valid UTF-8 written in random pieces (plain runs that take the writer's quick path,
    /// pieces cut inside characters, controls and bidi marks) comes out as `clean` makes the
    /// whole.
    #[test]
    fn text_writer_in_pieces_writes_what_clean_makes_of_the_whole() {
        let odd = [
            "\u{1b}[31m",
            "é",
            "😀",
            "\u{202e}",
            "\u{85}",
            "\t",
            "\n",
            "\u{7f}",
            "\r",
        ];
        let mut rng = crate::testing::XorShift(0x1234_5678_9abc_def1);
        for _ in 0..2000 {
            let mut whole = String::new();
            for _ in 0..rng.below(12) {
                if rng.below(3) == 0 {
                    whole.push_str(odd[rng.below(odd.len() as u64) as usize]);
                } else {
                    let n = rng.below(150) as usize;
                    whole.extend((0..n).map(|k| char::from(b' ' + (k % 95) as u8)));
                }
            }
            let bytes = whole.as_bytes();
            let mut out = Text::new(Vec::new());
            let mut at = 0;
            while at < bytes.len() {
                let n = 1 + rng.below(100) as usize;
                let end = (at + n).min(bytes.len());
                out.write_all(&bytes[at..end]).unwrap();
                at = end;
            }
            out.flush().unwrap();
            assert_eq!(
                String::from_utf8(out.inner).unwrap(),
                clean(&whole),
                "{whole:?}"
            );
        }
    }

    /// Hostile text: controls, DEL, C1 and bidi controls, separators, joiners, quotes and
    /// backslashes, JSON escapes written out, other Unicode, printable ASCII runs.
    fn hostile_text(rng: &mut crate::testing::XorShift) -> String {
        let odd = [
            "\u{1b}[31m",
            "\u{0}",
            "\u{7}",
            "\r",
            "\n",
            "\t",
            "\u{7f}",
            "\u{85}",
            "\u{9b}",
            "\u{202e}",
            "\u{2028}",
            "\u{200d}",
            "\u{fe0f}",
            "\u{e0041}",
            "\"",
            "\\",
            "\\u001b",
            "\\n",
            "é",
            "€",
            "😀",
            "日本",
            "\u{feff}",
            "\u{ad}",
        ];
        let mut s = String::new();
        for _ in 0..rng.below(10) {
            if rng.below(3) == 0 {
                s.push_str(odd[rng.below(odd.len() as u64) as usize]);
            } else {
                let n = rng.below(90) as usize;
                s.extend((0..n).map(|_| char::from(b' ' + rng.below(95) as u8)));
            }
        }
        s
    }

    /// Hostile bytes: [`hostile_text`] with bytes replaced (invalid UTF-8 among them) and
    /// cut anywhere, inside a character too.
    fn hostile_bytes(rng: &mut crate::testing::XorShift) -> Vec<u8> {
        let mut b = hostile_text(rng).into_bytes();
        rng.spoil(
            &mut b,
            &[0xff, 0xc3, 0xe2, 0x80, 0x9b, 0x1b, 0x00, b'\n'],
            3,
        );
        b
    }

    /// A [`Clean`] text made by every writer of it, from hostile input.
    fn hostile_clean(rng: &mut crate::testing::XorShift) -> Clean {
        let mut c = Clean::new();
        for _ in 0..rng.below(12) {
            match rng.below(8) {
                0 | 1 => c.json_str(&hostile_text(rng)).unwrap(),
                2 => c
                    .json(&serde_json::json!({ "k": hostile_text(rng), "n": 1.5 }))
                    .unwrap(),
                3 => c
                    .json_pretty_at(
                        &[hostile_text(rng), hostile_text(rng)],
                        rng.below(4) as usize,
                    )
                    .unwrap(),
                4 => c.push_checked(&hostile_bytes(rng)),
                5 => {
                    let piece = Clean::checked(&hostile_bytes(rng));
                    match Piece::of(&piece) {
                        Some(p) => c.piece(&p),
                        None => c.append(&piece),
                    }
                }
                6 => c.decimal(rng.next() >> rng.below(64)),
                _ => {
                    c.digit(rng.below(256) as u8);
                    c.lit(const { Lit::new(b",\n    \"key\": ") });
                }
            }
        }
        c
    }

    /// What `Text` writes of `bytes` when it looks at every one (the path clean text skips).
    fn through_text(before: &[u8], bytes: &[u8]) -> Vec<u8> {
        let mut out = Text::new(Vec::new());
        out.write_all(before).unwrap();
        out.write_all(bytes).unwrap();
        out.flush().unwrap();
        out.inner
    }

    /// Clean text made from hostile input holds nothing a terminal must not see raw, is what
    /// `Text` leaves as it is, and `Text::write_clean`, which writes it unlooked at, writes what
    /// `Text::write` writes of its bytes (after a write that ended inside a character, too).
    #[test]
    fn clean_text_passes_text_unchanged() {
        let mut rng = crate::testing::XorShift(0x0dd0_c0ff_ee5e_ed01);
        for round in 0..3000 {
            let c = hostile_clean(&mut rng);
            let text = std::str::from_utf8(c.as_bytes()).expect("clean text is UTF-8");
            assert_eq!(raw_danger(text, false), None, "{text:?}");
            assert_eq!(clean(text), text);
            let before: &[u8] = match round % 3 {
                0 => b"",
                1 => b"ok ",
                _ => "é€".as_bytes().split_at(3).0, // ends inside `€`
            };
            let mut fast = Text::new(Vec::new());
            fast.write_all(before).unwrap();
            fast.write_clean(&c).unwrap();
            fast.flush().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast.inner),
                String::from_utf8_lossy(&through_text(before, c.as_bytes())),
                "{text:?}"
            );
        }
    }

    /// A piece adds exactly its text, whatever stands before it; a text too long is no piece.
    #[test]
    fn pieces_add_their_text() {
        let mut rng = crate::testing::XorShift(0x9c3a_77e1_0b2d_5f48);
        for _ in 0..3000 {
            let before = hostile_clean(&mut rng);
            let text = Clean::checked(&hostile_bytes(&mut rng));
            let mut by_piece = Clean::new();
            by_piece.append(&before);
            let mut by_append = Clean::new();
            by_append.append(&before);
            by_append.append(&text);
            match Piece::of(&text) {
                Some(p) => by_piece.piece(&p),
                None => {
                    assert!(text.len() > Piece::MAX);
                    continue;
                }
            }
            assert_eq!(by_piece.as_bytes(), by_append.as_bytes());
        }
    }

    /// `Output`, given raw hostile writes and clean texts of every size in any order, writes
    /// what `BufWriter` in front of `Text` wrote when both went through `write_all`.
    #[test]
    fn output_writes_what_a_bufwriter_before_text_writes() {
        let mut rng = crate::testing::XorShift(0x5eed_0f0a_9e37_79b9);
        for _ in 0..400 {
            let cap = [1, 7, 64, 300, 4096][rng.below(5) as usize];
            let mut new = Vec::new();
            let mut old = Vec::new();
            {
                let mut fast = Output::new(cap, &mut new);
                let mut slow = std::io::BufWriter::with_capacity(cap, Text::new(&mut old));
                for _ in 0..rng.below(30) {
                    if rng.below(2) == 0 {
                        let b = hostile_bytes(&mut rng);
                        fast.write_all(&b).unwrap();
                        slow.write_all(&b).unwrap();
                    } else {
                        let mut c = hostile_clean(&mut rng);
                        for _ in 0..rng.below(4) {
                            c.append(&hostile_clean(&mut rng));
                        }
                        fast.write_clean(&c).unwrap();
                        slow.write_all(c.as_bytes()).unwrap();
                    }
                }
                if rng.below(2) == 0 {
                    fast.flush().unwrap();
                    slow.flush().unwrap();
                }
            }
            assert_eq!(new, old);
        }
    }
}
