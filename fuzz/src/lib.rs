//! What the fuzz targets share: building the model from bytes, the invariants every input
//! must keep, and generators of structured exports.

pub mod app_input;
pub mod generate;
pub mod seed;

use sesstui::index::Index;
use sesstui::index::lines::Mode;
use sesstui::index::progress::Progress;
use sesstui::index::report::Severity;
use sesstui::model::{Model, infer};
use sesstui::source::Source;

/// Scans `bytes` as one file (as `load::load` does, without the file).
pub fn index(bytes: &[u8], options: infer::Options) -> Index {
    sesstui::index::build_with(
        vec![Source::from_bytes("fuzz.jsonl", bytes.to_vec())],
        &Progress::default(),
        options.history,
    )
    .expect("a scan is never cancelled here")
}

/// The index, checked, and the model built from it.
pub fn model(bytes: &[u8], options: infer::Options) -> Model {
    let idx = index(bytes, options);
    check_lines(bytes, &idx);
    sesstui::model::build_with(idx, options)
}

/// Every line is indexed or reported (the invariant `tests/property.rs` states), and every
/// problem and span points into the file.
pub fn check_lines(bytes: &[u8], idx: &Index) {
    let f = &idx.files[0];
    // Every line is counted once, by what it held (a record's, another signal's, malformed,
    // blank), in either mode.
    assert_eq!(f.kinds.total(), f.lines, "{:?} {:?}", f.kinds, idx.problems);
    let blank = idx
        .problems
        .iter()
        .filter(|p| p.reason == "blank line")
        .count() as u64;
    if f.mode == Mode::Lines {
        assert_eq!(f.kinds.blank, blank, "{:?}", idx.problems);
        // A line not counted as a record's is reported.
        let reported: std::collections::BTreeSet<u32> = idx
            .problems
            .iter()
            .filter(|p| p.severity != Severity::Warning)
            .flat_map(|p| p.line..p.line.saturating_add(p.lines.max(1)))
            .collect();
        assert!(
            reported.len() as u64 >= f.lines - f.kinds.records,
            "{:?} {:?}",
            f.kinds,
            idx.problems
        );
        let content = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let newlines = content.iter().filter(|&&c| c == b'\n').count() as u64;
        let lines = newlines + u64::from(!content.is_empty() && !content.ends_with(b"\n"));
        assert_eq!(f.lines, lines);
    }
    for p in &idx.problems {
        assert!(
            p.line >= 1 && u64::from(p.line) <= f.lines.max(1),
            "{p:?} of {}",
            f.lines
        );
    }
    for i in 0..idx.spans.len() {
        let i = u32::try_from(i).expect("span index");
        assert!(idx.span_bytes(i).first() == Some(&b'{'));
    }
}

/// A character that must never reach the terminal: C0 controls other than newline and tab,
/// DEL, and C1 controls.
pub fn is_control(c: char, newlines: bool) -> bool {
    match c {
        '\n' | '\t' => !newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        _ => false,
    }
}

/// Asserts that text meant for a terminal holds no control character (newlines and tabs are
/// allowed where `newlines`). With the `strict_text` feature, on by default.
pub fn assert_clean(what: impl Fn() -> String, text: &str, newlines: bool) {
    if cfg!(feature = "strict_text")
        && let Some((at, c)) = text.char_indices().find(|&(_, c)| is_control(c, newlines))
    {
        let what = what();
        let from = text.floor_char_boundary(at.saturating_sub(40));
        let to = text.ceil_char_boundary(at + 40);
        panic!(
            "{what}: control character {c:?} at byte {at}: {:?}",
            &text[from..to]
        );
    }
}

/// Every text output of a session's transcript: text, Markdown (and the JSON must serialise).
pub fn check_transcript(model: &Model, s: Option<u32>) {
    let t = sesstui::transcript::build(model, s);
    assert_clean(
        || "transcript text".into(),
        &sesstui::transcript::text(&t, &sesstui::zone::Zone::utc()),
        true,
    );
    assert_clean(
        || "transcript markdown".into(),
        &sesstui::transcript::markdown(&t, &sesstui::zone::Zone::utc()),
        true,
    );
    serde_json::to_string(&t).expect("a transcript serialises");
}

/// The span's detail as loaded, and as the detail view shows it (every line checked).
pub fn check_detail(model: &Model, span: u32, width: u16) {
    let d = sesstui::model::detail::SpanDetail::load(model, span);
    let _ = d.status_message.as_deref();
    let mut view = sesstui::app::detail::DetailView::default();
    view.height = 20;
    view.show(model, span);
    view.layout(width);
    view.prepare();
    for i in 0..view.lines.len() {
        assert_clean(|| format!("detail line {i}"), view.text(i), false);
    }
}

/// Spans worth opening: the first few and the last few (a bounded number per input).
pub fn some_spans(model: &Model, n: usize) -> Vec<u32> {
    let total = model.index.spans.len();
    let mut out: Vec<u32> = (0..total.min(n)).map(|i| i as u32).collect();
    out.extend((total.saturating_sub(n).max(n)..total).map(|i| i as u32));
    out
}
