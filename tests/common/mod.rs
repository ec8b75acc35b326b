//! Shared helpers: an app over fixtures, built synchronously, and rendering to a test backend.

#![allow(dead_code)]

#[allow(clippy::duplicate_mod)] // also included by the other helpers
pub mod isolated;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sesstui::app::action::Action;
use sesstui::app::{App, Effect, search};
use sesstui::index::progress::Progress;
use std::path::PathBuf;
use std::sync::Arc;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The model of `files`, built as the commands build it.
pub fn model(files: &[&str]) -> sesstui::model::Model {
    let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    sesstui::load::load(&paths, Default::default(), &Progress::default()).expect("fixture loads")
}

/// An app with `files` loaded, sized `w`×`h`.
pub fn app(files: &[&str], w: u16, h: u16) -> App {
    // Relative paths, as a user would type them (tests run from the package root).
    let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let model = sesstui::load::load(&paths, Default::default(), &Progress::default())
        .expect("fixture loads");
    let mut app = App::new(files.iter().map(|f| (*f).to_owned()).collect());
    app.resize(w, h);
    app.loaded(Arc::new(model));
    app
}

pub const PHOENIX: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";

/// Applies actions, running the search fills the runner would run on a thread.
pub fn press(app: &mut App, actions: &[Action]) -> Vec<Effect> {
    let mut out = Vec::new();
    for &a in actions {
        for e in app.update(a) {
            if let Effect::FillSearch(scope) = e {
                let model = app.model.clone().expect("loaded");
                let inj = app.search.injector(scope).expect("engine");
                search::fill(&model, scope, &inj);
                app.search.settle();
            } else {
                out.push(e);
            }
        }
    }
    out
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, &[Action::Input(c)]);
        app.search.settle();
    }
}

/// Draws the app into a `w`×`h` test terminal (monochrome theme, as with NO_COLOR).
pub fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    render_with(app, w, h, &sesstui::ui::Theme::mono())
}

/// [`render`] with the colour theme.
pub fn render_color(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    render_with(app, w, h, &sesstui::ui::Theme::color())
}

fn render_with(app: &mut App, w: u16, h: u16, theme: &sesstui::ui::Theme) -> Terminal<TestBackend> {
    app.resize(w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| sesstui::ui::draw(f, app, theme)).expect("draw");
    t
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
