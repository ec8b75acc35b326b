//! An export, then random actions applied with `App::update`, the app drawn after each one on
//! a `TestBackend` of a random size. With `strict_text`, no screen cell may hold a control
//! character.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sesstui::app::action::Action;
use sesstui::app::{App, Effect, search};
use sesstui::model::infer;
use sesstui_fuzz::app_input::{AppInput, Step};
use std::sync::Arc;

/// Actions per input, at most.
const STEPS: usize = 64;

fuzz_target!(|input: AppInput| {
    let bytes = input.export.bytes();
    let mut app = App::new(vec!["fuzz.jsonl".to_owned()]);
    let (mut w, mut h) = input.size.get();
    app.resize(w, h);
    load(&mut app, &bytes, infer::Options::default());
    let theme = if input.color {
        sesstui::ui::Theme::color()
    } else {
        sesstui::ui::Theme::mono()
    };
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    draw(&mut term, &mut app, &theme);
    for step in input.steps.iter().take(STEPS) {
        let action = match *step {
            Step::Resize(size) => {
                (w, h) = size.get();
                app.resize(w, h);
                term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
                draw(&mut term, &mut app, &theme);
                continue;
            }
            Step::Click(x, y) => Action::Click(x % w.max(1), y % h.max(1)),
            step => step.action(),
        };
        for effect in app.update(action) {
            run(&mut app, &bytes, effect);
        }
        draw(&mut term, &mut app, &theme);
    }
});

/// Builds the model as the index worker would, and hands it (or the failure) to the app.
fn load(app: &mut App, bytes: &[u8], options: infer::Options) {
    let idx = sesstui_fuzz::index(bytes, options);
    sesstui_fuzz::check_lines(bytes, &idx);
    match idx.require_spans() {
        Ok(()) => app.loaded(Arc::new(sesstui::model::build_with(idx, options))),
        Err(e) => app.failed(e.to_string()),
    }
}

/// Runs an effect synchronously, as the runner would on its threads. Nothing is copied or
/// written.
fn run(app: &mut App, bytes: &[u8], effect: Effect) {
    match effect {
        Effect::FillSearch(scope) => {
            if let (Some(model), Some(inj)) = (app.model.clone(), app.search.injector(scope)) {
                search::fill(&model, scope, &inj);
                app.search.settle();
            }
        }
        Effect::FullText(query) => {
            if let Some(model) = app.model.clone() {
                let spans = sesstui::model::fulltext::search(&model, &query, 100_000);
                search::full_text_done(app, &model, &query, spans);
                app.resize(app.width, app.height);
            }
        }
        // Reading the files again: the same bytes (they cannot change here).
        Effect::Reload(options) | Effect::Reopen(options) => load(app, bytes, options),
        // Following needs a file that grows: nothing grows here.
        Effect::Follow(_)
        | Effect::Quit
        | Effect::Copy { .. }
        | Effect::WriteFile { .. }
        | Effect::Mouse(_)
        | Effect::Pager(_)
        | Effect::Redraw => {}
    }
}

fn draw(term: &mut Terminal<TestBackend>, app: &mut App, theme: &sesstui::ui::Theme) {
    term.draw(|f| sesstui::ui::draw(f, app, theme))
        .expect("draw");
    let buf = term.backend().buffer();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            sesstui_fuzz::assert_clean(
                || format!("screen cell ({x}, {y})"),
                buf[(x, y)].symbol(),
                false,
            );
        }
    }
}
