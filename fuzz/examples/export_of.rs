//! Writes the export bytes of an `app_actions` input (a crash artifact) to standard output, so
//! the file can be opened in sesstui or checked with `doctor`.
use arbitrary::{Arbitrary, Unstructured};
use std::io::Write;

fn main() {
    let path = std::env::args().nth(1).expect("an app_actions input");
    let data = std::fs::read(path).expect("readable");
    let input = sesstui_fuzz::app_input::AppInput::arbitrary_take_rest(Unstructured::new(&data))
        .expect("an AppInput");
    std::io::stdout()
        .write_all(&input.export.bytes())
        .expect("written");
}
