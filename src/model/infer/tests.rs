#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

//! Inference on small conversations written by a builder (one LiteLLM-style LLM span per
//! trace, the way Claude Code through a proxy records every model call).

use super::Options;
use crate::index::{self, progress::Progress};
use crate::model::conversation::read::Reader;
use crate::model::{InferredBy, Model, SessionOrigin, build_with};
use crate::source::Source;
use serde_json::json;

const SYSTEM: &str = "You are a coding agent. Use tools when needed.";

#[derive(Default)]
struct Export {
    rows: Vec<String>,
    n: u64,
}

impl Export {
    /// One model call as its own trace; `history` is (role, text) after the system prompt.
    fn call(
        &mut self,
        minute: u64,
        history: &[(&str, &str)],
        answer: &str,
        session: Option<&str>,
    ) -> String {
        self.n += 1;
        let trace = format!("{:032x}", self.n);
        let mut msgs = vec![json!({"message.role": "system", "message.content": SYSTEM})];
        msgs.extend(
            history
                .iter()
                .map(|(r, c)| json!({"message.role": r, "message.content": c})),
        );
        let start = 1_772_600_000_000 + minute * 60_000 + self.n;
        self.rows.push(
            json!({
                "context.span_id": format!("{:016x}", self.n),
                "context.trace_id": trace,
                "parent_id": null,
                "name": "litellm_request",
                "span_kind": "LLM",
                "start_time": start,
                "end_time": start + 2_000,
                "attributes.llm.input_messages": msgs,
                "attributes.llm.output_messages": [{"message.role": "assistant", "message.content": answer}],
                "attributes.session.id": session,
                "attributes.user.id": "dev-1",
            })
            .to_string(),
        );
        trace
    }

    fn model(&self, options: Options) -> Model {
        let text = self.rows.join("\n");
        let idx = index::build(
            vec![Source::from_bytes("t.jsonl", text.into_bytes())],
            &Progress::default(),
        );
        build_with(idx.expect("index"), options)
    }
}

fn session_of(m: &Model, trace: &str) -> Option<String> {
    let t = (0..m.traces.len()).find(|&t| m.index.trace_id_text(t as u32) == trace)?;
    let s = m.traces[t].session;
    (s != crate::model::NONE).then(|| m.session_id(s).to_owned())
}

fn origin_of(m: &Model, trace: &str) -> (SessionOrigin, Option<InferredBy>) {
    let t = (0..m.traces.len())
        .find(|&t| m.index.trace_id_text(t as u32) == trace)
        .unwrap_or(0);
    (m.traces[t].origin(), m.traces[t].inferred_by())
}

/// A three-call conversation: the user asks, a tool runs, the user follows up.
fn conversation(
    x: &mut Export,
    at: u64,
    ask: &str,
    answers: [&str; 3],
    sessions: [Option<&str>; 3],
) -> [String; 3] {
    let a = x.call(at, &[("user", ask)], answers[0], sessions[0]);
    let b = x.call(
        at + 1,
        &[
            ("user", ask),
            ("assistant", answers[0]),
            ("user", "tool result: ok"),
        ],
        answers[1],
        sessions[1],
    );
    let c = x.call(
        at + 2,
        &[
            ("user", ask),
            ("assistant", answers[0]),
            ("user", "tool result: ok"),
            ("assistant", answers[1]),
            ("user", "thanks, now commit"),
        ],
        answers[2],
        sessions[2],
    );
    [a, b, c]
}

#[test]
fn a_chain_joins_the_session_one_of_its_calls_names() {
    let mut x = Export::default();
    let [a, b, c] = conversation(
        &mut x,
        0,
        "fix the test",
        ["reading", "fixed", "committed"],
        [None, Some("s-1"), None],
    );
    let m = x.model(Options::default());
    for t in [&a, &b, &c] {
        assert_eq!(session_of(&m, t).as_deref(), Some("s-1"), "trace {t}");
    }
    assert_eq!(origin_of(&m, &b), (SessionOrigin::Explicit, None));
    assert_eq!(
        origin_of(&m, &a),
        (SessionOrigin::Inferred, Some(InferredBy::History))
    );
    assert_eq!(m.inference.joined_explicit, 2);
    assert!(m.unsessioned.is_empty());
    let s = m.find_session("s-1").unwrap_or(0);
    assert_eq!(m.session(s).origin, SessionOrigin::Explicit);
}

#[test]
fn a_chain_without_ids_becomes_an_inferred_session() {
    let mut x = Export::default();
    let ids = conversation(
        &mut x,
        0,
        "why is it slow",
        ["profiling", "found it", "done"],
        [None; 3],
    );
    let m = x.model(Options::default());
    let id = session_of(&m, &ids[0]).unwrap_or_default();
    assert!(id.starts_with("inferred-"), "{id}");
    assert!(
        ids.iter()
            .all(|t| session_of(&m, t).as_deref() == Some(id.as_str()))
    );
    assert_eq!(m.sessions.len(), 1);
    assert_eq!(m.sessions[0].origin, SessionOrigin::Inferred);
    assert_eq!(m.sessions[0].inferred_by, Some(InferredBy::History));
    // Stable: the same export gives the same id.
    assert_eq!(session_of(&x.model(Options::default()), &ids[0]), Some(id));
    // And history inference can be turned off.
    let off = x.model(Options {
        history: false,
        ..Options::default()
    });
    assert!(off.sessions.is_empty());
    assert_eq!(off.unsessioned.len(), 3);
}

#[test]
fn a_shared_system_prompt_or_opening_does_not_merge_conversations() {
    let mut x = Export::default();
    let one = conversation(&mut x, 0, "add logging", ["ok1", "ok2", "ok3"], [None; 3]);
    let two = conversation(&mut x, 0, "remove the cache", ["a1", "a2", "a3"], [None; 3]);
    // Same opening words, different first answers.
    let three = conversation(
        &mut x,
        5,
        "run the tests",
        ["3 failed", "fixed 3", "pushed"],
        [None; 3],
    );
    let four = conversation(
        &mut x,
        6,
        "run the tests",
        ["all green", "nothing to do", "bye"],
        [None; 3],
    );
    let m = x.model(Options::default());
    let sessions: Vec<Option<String>> = [&one, &two, &three, &four]
        .iter()
        .map(|c| {
            let s = session_of(&m, &c[0]);
            assert!(c.iter().all(|t| session_of(&m, t) == s), "split {c:?}");
            s
        })
        .collect();
    assert!(sessions.iter().all(Option::is_some));
    let mut distinct = sessions.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{sessions:?}");
}

#[test]
fn the_same_opening_and_answer_is_refused_not_guessed() {
    let mut x = Export::default();
    let first = conversation(&mut x, 0, "hello", ["hi!", "x", "y"], [None; 3]);
    let second = conversation(&mut x, 1, "hello", ["hi!", "p", "q"], [None; 3]);
    let m = x.model(Options::default());
    assert!(
        m.inference
            .refused
            .iter()
            .any(|r| r.reason == "ambiguous_history"),
        "{:?}",
        m.inference.refused
    );
    // The later calls stay in their own conversations.
    assert_ne!(session_of(&m, &first[2]), session_of(&m, &second[2]));
}

#[test]
fn two_explicit_sessions_are_never_merged() {
    let mut x = Export::default();
    let [_, _, c] = conversation(
        &mut x,
        0,
        "fix the bug",
        ["a", "b", "c"],
        [Some("s-1"), None, None],
    );
    // A resumed conversation: the old history continues under a new id.
    let resumed = x.call(
        120,
        &[
            ("user", "fix the bug"),
            ("assistant", "a"),
            ("user", "tool result: ok"),
            ("assistant", "b"),
            ("user", "thanks, now commit"),
            ("assistant", "c"),
            ("user", "also update the changelog"),
        ],
        "updated",
        Some("s-4"),
    );
    let m = x.model(Options::default());
    assert_eq!(session_of(&m, &c).as_deref(), Some("s-1"));
    assert_eq!(session_of(&m, &resumed).as_deref(), Some("s-4"));
    let refusal = m
        .inference
        .refused
        .iter()
        .find(|r| r.reason == "explicit_sessions");
    assert!(refusal.is_some_and(|r| r.candidates.contains(&"s-1".to_owned())));
}

#[test]
fn side_requests_join_but_never_open_a_conversation() {
    let mut x = Export::default();
    let quota = x.call(0, &[("user", "quota")], "A", Some("s-1"));
    let ids = conversation(
        &mut x,
        0,
        "make the parser faster",
        ["ok", "done", "bye"],
        [Some("s-1"), None, None],
    );
    let title = x.call(
        1,
        &[(
            "user",
            "Please write a 5-10 word title for the following conversation:\n\nUser: make the parser faster\n\nRespond with the title for the conversation and nothing else.",
        )],
        "Speeding up the parser",
        None,
    );
    let mut other = conversation(&mut x, 0, "write docs", ["w1", "w2", "w3"], [None; 3]);
    let other_title = x.call(
        1,
        &[(
            "user",
            "Please write a 5-10 word title for the following conversation:\n\nUser: write docs\n\nRespond with the title.",
        )],
        "Docs",
        None,
    );
    let m = x.model(Options::default());
    assert_eq!(session_of(&m, &title).as_deref(), Some("s-1"));
    assert_eq!(session_of(&m, &quota).as_deref(), Some("s-1"));
    let s = m.find_session("s-1").unwrap_or(0);
    assert_eq!(m.session(s).trace_count(), 5);
    assert_eq!(
        Reader::new(&m, false).first_input(s).as_deref(),
        Some("make the parser faster")
    );
    assert_eq!(session_of(&m, &ids[2]).as_deref(), Some("s-1"));
    other.sort();
    let inferred = session_of(&m, &other[0]);
    assert!(
        inferred
            .as_deref()
            .is_some_and(|i| i.starts_with("inferred-"))
    );
    assert_eq!(session_of(&m, &other_title), inferred);
    let o = m
        .find_session(inferred.as_deref().unwrap_or(""))
        .unwrap_or(0);
    assert_eq!(
        Reader::new(&m, false).first_input(o).as_deref(),
        Some("write docs")
    );
    assert_eq!(m.inference.side_requests, 3);
}

#[test]
fn idle_gaps_group_by_time_only_when_asked() {
    let mut x = Export::default();
    let a = x.call(0, &[("user", "one")], "1", None);
    let b = x.call(10, &[("user", "two")], "2", None);
    let c = x.call(70, &[("user", "three")], "3", None);
    let m = x.model(Options::default());
    assert_eq!(m.unsessioned.len(), 3);
    let m = x.model(Options {
        by_time: true,
        ..Options::default()
    });
    assert_eq!(session_of(&m, &a), session_of(&m, &b));
    assert_ne!(session_of(&m, &a), session_of(&m, &c));
    assert!(session_of(&m, &c).is_some_and(|s| s.starts_with("time-")));
    assert_eq!(
        origin_of(&m, &c),
        (SessionOrigin::Inferred, Some(InferredBy::Time))
    );
    assert_eq!(m.inference.time_sessions, 2);
}

#[test]
fn split_idle_cuts_a_long_session_into_working_sessions() {
    let mut x = Export::default();
    let a = x.call(0, &[("user", "one")], "1", Some("long"));
    let b = x.call(20, &[("user", "two")], "2", Some("long"));
    let c = x.call(200, &[("user", "three")], "3", Some("long"));
    let m = x.model(Options {
        split_idle: true,
        ..Options::default()
    });
    assert_eq!(session_of(&m, &a).as_deref(), Some("long#1"));
    assert_eq!(session_of(&m, &b).as_deref(), Some("long#1"));
    assert_eq!(session_of(&m, &c).as_deref(), Some("long#2"));
    assert_eq!(m.sessions[0].origin, SessionOrigin::Explicit);
    assert_eq!(m.inference.split_sessions, 1);
}

/// The registry of whole histories is the same however many workers fill it: one entry per
/// call that has a message other than the system prompt, sorted by hash, then call.
#[test]
fn the_history_registry_does_not_depend_on_the_workers() {
    let mut x = Export::default();
    for k in 0..5u64 {
        let ask = format!("task {k}");
        conversation(
            &mut x,
            10 * k,
            &ask,
            ["reading", "fixed", "done"],
            [None, None, None],
        );
        // A call with the system prompt alone registers nothing.
        x.call(10 * k + 5, &[], "hello", None);
    }
    let m = x.model(Options::default());
    let calls = super::history::calls(&m);
    // The registry keeps a hash's top 32 bits.
    let mut want: Vec<(u32, u32)> = Vec::new();
    let mut pre = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        if c.conversational(&m) > 0 {
            crate::format::history::prefixes(c.messages(&m), &mut pre);
            want.push(((*pre.last().unwrap() >> 32) as u32, i as u32));
        }
    }
    want.sort_unstable();
    assert_eq!(want.len(), 15);
    for workers in 1..=4 {
        let got: Vec<(u32, u32)> = super::history::registry(&m, &calls, workers)
            .into_iter()
            .map(|r| (r.hash(), r.call()))
            .collect();
        assert_eq!(got, want, "{workers} workers");
    }
}
