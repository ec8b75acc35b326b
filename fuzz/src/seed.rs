//! Seed inputs for `app_actions`: an export behind a scripted list of steps, written in the
//! byte layout `arbitrary` reads `AppInput` from (checked by decoding it back).

use crate::app_input::{AppInput, NAMED, Size, Step};
use arbitrary::{Arbitrary, Unstructured};
use sesstui::app::action::Action;

/// The discriminant bytes that make `arbitrary` pick variant `k` of `n`.
fn variant(k: u32, n: u32, out: &mut Vec<u8>) {
    // `arbitrary` picks `(u64::from(x) * n) >> 32`; the least such x.
    let x = (u64::from(k) << 32).div_ceil(u64::from(n));
    out.extend_from_slice(&u32::try_from(x).unwrap_or(u32::MAX).to_le_bytes());
}

fn size(s: Size, out: &mut Vec<u8>) {
    let k = match s {
        Size::Zero => 0,
        Size::One => 1,
        Size::Standard => 2,
        Size::Wide => 3,
        Size::Cramped => 4,
        Size::Any(..) => 5,
    };
    variant(k, 6, out);
    if let Size::Any(w, h) = s {
        out.extend([w, h]);
    }
}

fn step(s: Step, out: &mut Vec<u8>) {
    let (k, payload): (u32, Vec<u8>) = match s {
        Step::Key(b) => (0, vec![b]),
        Step::Input(c) => (1, u32::from(c).to_le_bytes().to_vec()),
        Step::Backspace => (2, vec![]),
        Step::Accept => (3, vec![]),
        Step::Cancel => (4, vec![]),
        Step::Choose(c) => (5, u32::from(c).to_le_bytes().to_vec()),
        Step::Click(x, y) => (6, [x.to_le_bytes(), y.to_le_bytes()].concat()),
        Step::ScrollUp => (7, vec![]),
        Step::ScrollDown => (8, vec![]),
        Step::Resize(z) => {
            variant(9, 10, out);
            size(z, out);
            return;
        }
    };
    variant(k, 10, out);
    out.extend(payload);
}

/// A named action as a step.
pub fn key(a: Action) -> Step {
    let i = NAMED.iter().position(|&n| n == a).expect("a named action");
    Step::Key(u8::try_from(i).expect("fewer than 256"))
}

/// Text typed into a prompt.
pub fn typed(s: &str) -> Vec<Step> {
    s.chars().map(Step::Input).collect()
}

/// The bytes `app_actions` reads as `steps` applied to `export` on a `size` screen.
pub fn app_seed(color: bool, screen: Size, steps: &[Step], export: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::from(color)];
    size(screen, &mut out);
    for &s in steps {
        out.push(1);
        step(s, &mut out);
    }
    out.push(0);
    variant(0, 2, &mut out); // Export::Raw, which takes the rest
    out.extend_from_slice(export);
    let back = AppInput::arbitrary_take_rest(Unstructured::new(&out)).expect("decodes");
    assert_eq!(format!("{:?}", back.steps), format!("{steps:?}"));
    assert_eq!(back.export.bytes(), export);
    out
}

/// Scripts that walk the views: open a session, its tree, a detail; search; menus; resizes.
pub fn scripts() -> Vec<(&'static str, Vec<Step>)> {
    use Action::*;
    let k = key;
    vec![
        ("load", vec![]),
        (
            "browse",
            vec![
                k(Open),
                k(Down),
                k(Down),
                k(ShowTree),
                k(Down),
                k(Open),
                k(ShowDetail),
            ]
            .into_iter()
            .chain([
                k(PageDown),
                k(NextError),
                k(Back),
                k(Back),
                k(Down),
                k(Open),
            ])
            .collect(),
        ),
        (
            "search",
            [
                vec![k(Search)],
                typed("se"),
                vec![Step::Accept, k(NextMatch), k(Open)],
            ]
            .concat(),
        ),
        (
            "full_text",
            [
                vec![k(FullTextSearch)],
                typed("a"),
                vec![Step::Accept, k(NextMatch)],
            ]
            .concat(),
        ),
        (
            "tree_menus",
            vec![
                k(Open),
                k(ShowTree),
                k(ExpandAll),
                k(Down),
                k(Down),
                k(Toggle),
                k(YankMenu),
            ]
            .into_iter()
            .chain([
                Step::Choose('m'),
                k(Diagnostics),
                k(Down),
                Step::Cancel,
                k(Help),
            ])
            .collect(),
        ),
        (
            "resize_infer",
            vec![
                Step::Resize(Size::Any(10, 3)),
                k(Open),
                Step::Resize(Size::Wide),
                k(ShowDetail),
                k(NextPane),
                k(ToggleTimeInference),
                k(ToggleSplitIdle),
                k(Open),
                Step::Resize(Size::One),
                k(SortMenu),
                Step::Resize(Size::Cramped),
            ],
        ),
    ]
}
