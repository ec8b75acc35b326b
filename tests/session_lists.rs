//! Each session's traces and session-level evaluations are runs of two tables of the model
//! (`Model::sessions_traces`, `Model::sessions_evals`), not lists of their own: read back, they
//! are what the traces and the evaluations name, in a model built at once and in one that grew
//! as its file was appended to (`model::grow`), and the grown one's are the built one's.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

use sesstui::follow::{self, Update};
use sesstui::index::progress::Progress;
use sesstui::model::{Model, NONE, SessionOrigin};
use std::io::Write;
use std::path::PathBuf;

/// MLflow traces with session-level assessments (one trace a line).
const EVALS: &str = "fixtures/mlflow/traces_get_lines.jsonl";
/// Phoenix spans, many sessions of several traces.
const PHOENIX: &str = "fixtures/phoenix/spans_df_epoch_ms.jsonl";

fn load(path: &str) -> Model {
    sesstui::load::load(
        &[PathBuf::from(path)],
        Default::default(),
        &Progress::default(),
    )
    .unwrap()
}

/// Every session's lists, read through the model, against what its traces and evaluations
/// say; gives the sessions as (id, trace ids, evaluation names), to compare models.
fn check(model: &Model) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut counted = 0;
    let mut out = Vec::new();
    for (s, sess) in model.sessions.iter().enumerate() {
        let s = u32::try_from(s).unwrap();
        let mut want: Vec<u32> = (0..u32::try_from(model.traces.len()).unwrap())
            .filter(|&t| {
                let tr = model.trace(t);
                tr.session == s && !tr.spans.is_empty() && tr.origin() != SessionOrigin::None
            })
            .collect();
        want.sort_by_key(|&t| (model.trace(t).start, t));
        assert_eq!(model.session_traces(s), &want[..], "session {s}");
        assert_eq!(model.traces_of(sess), &want[..]);
        assert_eq!(sess.trace_count(), want.len());
        counted += want.len();
        let id = model.str(sess.id);
        let evals: Vec<u32> = (0..u32::try_from(model.evals.len()).unwrap())
            .filter(|&i| model.evals[i as usize].eval.session.as_deref() == Some(id))
            .collect();
        assert_eq!(model.evals_of(sess), &evals[..], "session {id}");
        assert_eq!(sess.eval_count(), evals.len());
        out.push((
            id.to_owned(),
            want.iter().map(|&t| model.index.trace_id_text(t)).collect(),
            evals
                .iter()
                .map(|&i| model.evals[i as usize].eval.name.clone())
                .collect(),
        ));
    }
    assert_eq!(
        counted,
        model.sessions_traces.len(),
        "no trace listed twice"
    );
    assert!(model.sessions.iter().all(|s| s.id != NONE));
    out
}

#[test]
fn built_sessions_list_their_traces_and_evaluations() {
    let model = load(EVALS);
    let sessions = check(&model);
    assert!(
        sessions.iter().any(|(_, _, e)| !e.is_empty()),
        "a session with session-level evaluations: {sessions:?}"
    );
    assert!(sessions.iter().any(|(_, _, e)| e.is_empty()));
    let model = load(PHOENIX);
    let sessions = check(&model);
    assert!(sessions.iter().filter(|(_, t, _)| t.len() > 1).count() > 2);
}

/// Half the file, then the rest appended: the grown model lists what a build of the whole
/// file lists.
#[test]
fn grown_sessions_list_what_a_build_lists() {
    for fixture in [EVALS, PHOENIX] {
        let text = std::fs::read_to_string(fixture).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let half = lines.len() / 2;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.jsonl");
        std::fs::write(&path, lines[..half].join("\n") + "\n").unwrap();
        let (mut f, mut model) = follow::open(
            std::slice::from_ref(&path),
            Default::default(),
            &Progress::default(),
        )
        .unwrap();
        check(&model);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all((lines[half..].join("\n") + "\n").as_bytes())
            .unwrap();
        drop(file);
        let mut grew = false;
        for _ in 0..50 {
            let round = f.poll(Default::default());
            if let Some(u) = round.update {
                assert!(
                    matches!(u, Update::Grew(_)),
                    "{fixture}: grown, not read again"
                );
                follow::apply(&mut model, u, Default::default());
                grew = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(grew, "{fixture}: the append was taken in");
        assert_eq!(check(&model), check(&load(fixture)), "{fixture}");
    }
}
