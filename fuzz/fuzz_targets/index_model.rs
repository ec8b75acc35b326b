//! Bytes → index → model (inference on) → every session's transcript → some spans' detail.
//!
//! Checks that every line is indexed or reported, and (with `strict_text`) that no text
//! output holds a control character.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sesstui::model::infer;

/// Spans opened per input, from each end.
const DETAILS: usize = 6;

fuzz_target!(|bytes: &[u8]| {
    // The length's low bits pick the inference options, so the input stays a plain file.
    let options = infer::Options {
        history: true,
        by_time: bytes.len() & 1 == 1,
        split_idle: bytes.len() & 2 == 2,
        ..infer::Options::default()
    };
    let model = sesstui_fuzz::model(bytes, options);
    for s in 0..model.sessions.len() as u32 {
        sesstui_fuzz::check_transcript(&model, Some(s));
    }
    sesstui_fuzz::check_transcript(&model, None);
    for span in sesstui_fuzz::some_spans(&model, DETAILS) {
        sesstui_fuzz::check_detail(&model, span, 80);
    }
    for t in 0..model.traces.len() as u32 {
        let _ = sesstui::model::tree::flatten(&model, t);
    }
});
