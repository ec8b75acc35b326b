//! The receiver's request decoder on hostile bodies (`sesstui listen`): any bytes, as protobuf
//! and as JSON, must be refused or taken without panicking; what is taken is one line of JSON
//! (no line break in it) that reads back as an export request with the spans counted.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sesstui::listen::request::{Encoding, accept};

fuzz_target!(|data: &[u8]| {
    for enc in [Encoding::Protobuf, Encoding::Json] {
        let Ok(a) = accept(data, enc) else { continue };
        assert!(!a.line.contains(&b'\n'));
        if a.spans == 0 {
            assert!(a.line.is_empty());
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&a.line).expect("the line is JSON");
        let spans: usize = v["resourceSpans"]
            .as_array()
            .expect("resourceSpans")
            .iter()
            .flat_map(|r| r["scopeSpans"].as_array().into_iter().flatten())
            .map(|s| s["spans"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(spans as u64, a.spans);
    }
});
