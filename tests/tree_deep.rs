//! Hostile trees in the tree view: a parent chain a million spans deep and a parent cycle of
//! 100,000 spans open, expand, scroll and draw, on a thread with the default 2 MiB stack (so
//! nothing may recurse per level), and expanding all costs memory linear in the spans.

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

mod common;

use common::{press, render, screen};
use sesstui::app::App;
use sesstui::app::action::Action::*;
use sesstui::app::tree::{Fold, Item};
use sesstui::fmt::push_decimal;
use sesstui::index::progress::Progress;
use sesstui::source::Source;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The tests here measure the process's memory: one at a time.
static ALONE: Mutex<()> = Mutex::new(());

/// Spans `1..=n` of one trace in one session, as Phoenix dataframe lines; `parent(i)` is span
/// `i`'s parent. Later spans start later and end earlier, so each nests in time in the last.
/// Written byte by byte: `format!` makes a million lines several times slower in debug builds.
fn export(n: u64, parent: impl Fn(u64) -> Option<u64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::try_from(n).unwrap() * 240);
    let t0 = 1_714_521_600_000u64;
    for i in 1..=n {
        out.extend_from_slice(br#"{"name":"s"#);
        push_decimal(&mut out, i);
        out.extend_from_slice(br#"","span_kind":"CHAIN","parent_id":"#);
        match parent(i) {
            Some(p) => {
                out.push(b'"');
                hex16(&mut out, p);
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(br#","start_time":"#);
        push_decimal(&mut out, t0 + i);
        out.extend_from_slice(br#","end_time":"#);
        push_decimal(&mut out, t0 + 2 * n - i);
        out.extend_from_slice(br#","context.span_id":""#);
        hex16(&mut out, i);
        out.extend_from_slice(
            br#"","context.trace_id":"00000000000000000000000000000001","attributes.session.id":"s"}"#,
        );
        out.push(b'\n');
    }
    out
}

fn hex16(out: &mut Vec<u8>, v: u64) {
    out.extend(
        (0..16)
            .rev()
            .map(|k| b"0123456789abcdef"[(v >> (4 * k) & 15) as usize]),
    );
}

/// An app over `bytes`, sized 80×24 (printing the time to index and build the model).
fn app_of(bytes: Vec<u8>) -> App {
    let clock = Instant::now();
    let sources = vec![Source::from_bytes("hostile.jsonl", bytes)];
    let index = sesstui::index::build_with(sources, &Progress::default(), false).unwrap();
    let model = sesstui::model::build_with(index, Default::default());
    eprintln!("index and model: {:?}", clock.elapsed());
    let mut app = App::new(vec!["hostile.jsonl".to_owned()]);
    app.resize(80, 24);
    app.loaded(Arc::new(model));
    app
}

/// Runs `f` on a thread with a 2 MiB stack (Rust's default for spawned threads, set here so
/// that `RUST_MIN_STACK` cannot raise it).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// An allocator that counts the bytes held now and at the peak, so a test can measure what an
/// action allocates (the only unsafe in the tests: forwarding to the system allocator).
#[allow(unsafe_code)]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    pub struct Counting;

    static NOW: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    fn grew(bytes: usize) {
        let now = NOW.fetch_add(bytes, Relaxed) + bytes;
        PEAK.fetch_max(now, Relaxed);
    }

    fn shrank(bytes: usize) {
        NOW.fetch_sub(bytes, Relaxed);
    }

    // SAFETY: every call forwards to `System` with the caller's arguments; the counters only
    // observe sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                grew(layout.size());
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                grew(layout.size());
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) };
            shrank(layout.size());
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                // Counted as a new block before the old one goes, as a moving realloc does.
                grew(new_size);
                shrank(layout.size());
            }
            p
        }
    }

    /// Bytes held now, after making now the peak.
    pub fn reset() -> usize {
        let now = NOW.load(Relaxed);
        PEAK.store(now, Relaxed);
        now
    }

    pub fn peak() -> usize {
        PEAK.load(Relaxed)
    }

    pub fn now() -> usize {
        NOW.load(Relaxed)
    }
}

#[global_allocator]
static COUNTING: counting::Counting = counting::Counting;

/// Runs `f`; returns the bytes it left allocated and the most it had allocated at once.
fn allocated(f: impl FnOnce()) -> (usize, usize) {
    let before = counting::reset();
    f();
    (
        counting::now().saturating_sub(before),
        counting::peak() - before,
    )
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn selected_name(a: &App) -> String {
    let model = a.model.clone().unwrap();
    let span = a.current_span().expect("a span is selected");
    model.name(span).to_owned()
}

#[test]
fn a_chain_a_million_deep_opens_expands_and_draws() {
    const N: u64 = 1_000_000;
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    on_small_stack(|| {
        let clock = Instant::now();
        let bytes = export(N, |i| (i > 1).then(|| i - 1));
        eprintln!("export: {:?}", clock.elapsed());
        let mut a = app_of(bytes);
        let clock = Instant::now();
        press(&mut a, &[Open]);
        eprintln!("open the session: {:?}", clock.elapsed());
        let clock = Instant::now();
        let (kept, peak) = allocated(|| {
            press(&mut a, &[ShowTree]);
        });
        eprintln!(
            "open its tree (flatten): {:?}, {} kept, {} at peak",
            clock.elapsed(),
            mb(kept),
            mb(peak)
        );

        let clock = Instant::now();
        let (kept, peak) = allocated(|| {
            press(&mut a, &[ExpandAll]);
        });
        let held = a.session.as_ref().unwrap().tree.heap_bytes();
        eprintln!(
            "expand all: {:?}, {} kept, {} at peak; the tree view holds {} ({} bytes a span)",
            clock.elapsed(),
            mb(kept),
            mb(peak),
            mb(held),
            held / N as usize
        );
        // A bit per span and a row per visible one: about 12 bytes a span at the peak (the rows
        // growing). Keeping an id path per opened node would take terabytes here.
        assert!(peak < 16 * N as usize, "expand all took {peak} bytes");
        // Flattened nodes, rows and bits: linear.
        assert!(held < 40 * N as usize, "the tree view holds {held} bytes");

        let clock = Instant::now();
        press(&mut a, &[Bottom]);
        let tv = &a.session.as_ref().unwrap().tree;
        assert_eq!(tv.rows().len() as u64, N + 1, "the heading and every span");
        let deepest = tv.shown(tv.rows()[tv.selected()]).unwrap();
        assert_eq!(deepest.depth as u64, N, "root spans are at depth 1");
        assert_eq!(deepest.fold, Fold::Leaf);
        assert_eq!(selected_name(&a), format!("s{N}"));
        let text = screen(&render(&mut a, 80, 24));
        let row = text
            .lines()
            .find(|l| l.contains(&format!(" s{N} ")))
            .unwrap_or_else(|| panic!("the deepest span is on screen:\n{text}"));
        assert!(row.contains(&format!("·{N}   CHAIN s{N} ")), "{row}");
        let above = format!("·{} ▾ CHAIN s{} ", N - 1, N - 1);
        assert!(text.contains(&above), "its parent, open, above it:\n{text}");
        eprintln!("bottom and draw: {:?}", clock.elapsed());

        let clock = Instant::now();
        let rows = |a: &App| a.session.as_ref().unwrap().tree.rows().len() as u64;
        press(&mut a, &[Up, Back]);
        assert_eq!(
            selected_name(&a),
            format!("s{}", N - 1),
            "Back closes an open span"
        );
        assert_eq!(rows(&a), N, "its child is hidden");
        press(&mut a, &[Back]);
        assert_eq!(
            selected_name(&a),
            format!("s{}", N - 2),
            "Back on a closed span: parent"
        );
        press(&mut a, &[Back]);
        assert_eq!(rows(&a), N - 1, "the parent closed");
        press(&mut a, &[CollapseAll, Top]);
        let tv = &a.session.as_ref().unwrap().tree;
        assert_eq!(tv.rows().len(), 1, "only the trace heading");
        assert_eq!(tv.selected(), 0);
        assert!(matches!(
            tv.shown(tv.rows()[0]).unwrap().item,
            Item::Trace(_)
        ));
        let text = screen(&render(&mut a, 80, 24));
        assert!(text.contains("▸ turn 1 ·"), "{text}");
        eprintln!("collapse and draw: {:?}", clock.elapsed());
    });
}

#[test]
fn a_parent_cycle_is_cut_and_its_tree_expands_to_the_bottom() {
    const N: u64 = 100_000;
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    on_small_stack(|| {
        // Span i's parent is i + 1, the last span's parent is the first: one loop of N spans.
        let mut a = app_of(export(N, |i| Some(if i == N { 1 } else { i + 1 })));
        let model = a.model.clone().unwrap();
        assert_eq!(model.issues.cycles.len(), 1, "the model cuts the loop once");
        press(&mut a, &[Open, ShowTree, ExpandAll, Top]);
        let text = screen(&render(&mut a, 80, 24));
        assert!(
            text.contains("⟲ cycle cut"),
            "the new root is marked:\n{text}"
        );
        press(&mut a, &[Bottom]);
        let tv = &a.session.as_ref().unwrap().tree;
        assert_eq!(tv.rows().len() as u64, N + 1, "the heading and every span");
        let bottom = tv.shown(tv.rows()[tv.selected()]).unwrap();
        assert_eq!(bottom.depth as u64, N);
        assert_eq!(bottom.fold, Fold::Leaf);
        let text = screen(&render(&mut a, 80, 24));
        assert!(text.contains(&format!("·{N}   CHAIN s")), "{text}");
    });
}
