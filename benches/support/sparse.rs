//! The index bench's third data shape: a Phoenix export as its REST / `px` exports and
//! hand-made dataframes write one (see [`generate_sparse`]), deterministic like `datagen`'s.

use crate::datagen::{Rng, TOOLS, json_str, uuid4, words};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// An ISO-8601 time as Phoenix's REST / `px` exports write it: microseconds and `+00:00`.
fn iso_micros(us: u64) -> String {
    let secs = us / 1_000_000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        us % 1_000_000
    )
}

const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "ValueError",
        "invalid literal for int() with base 10: 'n/a'",
    ),
    ("KeyError", "'choices'"),
    ("httpx.ReadTimeout", "timed out"),
    (
        "openai.RateLimitError",
        "Error code: 429 - rate limit reached for requests",
    ),
];

/// A Python traceback of `depth` frames ending in `ty: msg`.
fn stack_trace(rng: &mut Rng, ty: &str, msg: &str) -> String {
    let mut s = String::from("Traceback (most recent call last):\n");
    for _ in 0..4 + rng.below(8) {
        let module = words(rng, 2).replace(' ', "_");
        let func = words(rng, 2).replace(' ', "_");
        let line = 10 + rng.below(900);
        let n = 3 + rng.below(5);
        let code = words(rng, n);
        s.push_str(&format!(
            "  File \"/app/.venv/lib/python3.11/site-packages/{module}.py\", line {line}, in {func}\n    {code}\n"
        ));
    }
    s.push_str(&format!("{ty}: {msg}"));
    s
}

struct SparseSession {
    id: String,
    user_id: String,
    /// Every LLM call carries the LiteLLM end-user id naming the session.
    tagged: bool,
    turns_left: u64,
    system: String,
    history: Vec<(&'static str, String)>,
}

const MODELS: &[&str] = &[
    "gpt-4o-2024-08-06",
    "gpt-4o-mini",
    "claude-3-5-sonnet-20241022",
];

/// Writes about `target_bytes` of the sparse shape to `path`; returns (spans, traces,
/// sessions). Rows as Phoenix's REST / `px` exports and hand-made dataframes write them:
/// attribute columns only when set (so consecutive rows' keys differ in number and position),
/// ISO times with microseconds and `+00:00`, an `events` list on every row (exceptions with
/// multi-line stack traces on about 3% of spans), `input.value` on LLM spans holding the
/// request as a JSON document inside a string, `llm.input_messages` lists, about 0.1% of spans
/// with a 50 KB value; the session id on about 20% of roots (`session.id`) and, for about 60%
/// of sessions, on every LLM span (LiteLLM's `metadata.user_api_key_end_user_id`); about 48
/// live sessions' traces interleaved, newest first.
pub fn generate_sparse(path: &Path, target_bytes: u64) -> io::Result<(u64, u64, u64)> {
    const LIVE: usize = 48;
    let mut rng = Rng::new(0x5ba7_5e19);
    let file = std::fs::File::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let (mut spans, mut traces, mut sessions) = (0u64, 0u64, 0u64);
    let mut written = 0u64;
    let mut clock_us: u64 = 1_795_000_000_000_000;
    let mut next_id: u64 = 1;
    let mut live: Vec<SparseSession> = Vec::new();
    let mut round: Vec<(u64, String)> = Vec::new();
    while written < target_bytes {
        while live.len() < LIVE {
            sessions += 1;
            let id = uuid4(&mut rng);
            let user = format!("{:064x}", u128::from(sessions) * 0x9e37_79b9_7f4a_7c15);
            let user_id = format!("user_{user}_account_{id}_session_{id}");
            let n = 8 + rng.below(10);
            live.push(SparseSession {
                id,
                user_id,
                tagged: rng.below(10) < 6,
                turns_left: 2 + rng.below(8),
                system: words(&mut rng, n),
                history: Vec::new(),
            });
        }
        // One trace of each live session in this round, their rows interleaved by start time.
        for s in &mut live {
            traces += 1;
            let trace = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            let mut t = clock_us + rng.below(30_000_000);
            let root = next_id;
            next_id += 1;
            let n = 6 + rng.below(18);
            let question = words(&mut rng, n);
            s.history.push(("user", question.clone()));
            let root_start = t;
            let mut rows: Vec<(u64, String)> = Vec::new();
            let calls = 1 + rng.below(3);
            let mut answer = String::new();
            for call in 0..calls {
                t += 1_000 + rng.below(50_000);
                let start = t;
                let dur = 300_000 + rng.below(4_000_000);
                let model = MODELS[rng.below(MODELS.len() as u64) as usize];
                // The newest messages of the conversation (the app keeps a window).
                let from = s.history.len().saturating_sub(3);
                let msgs: Vec<(&str, String)> = std::iter::once(("system", s.system.clone()))
                    .chain(s.history[from..].iter().cloned())
                    .collect();
                let n = 6 + rng.below(24);
                let out = words(&mut rng, n);
                let mut attrs = vec![(
                    "attributes.llm.input_messages",
                    format!(
                        "[{}]",
                        msgs.iter()
                            .map(|(r, c)| format!(
                                "{{\"message.role\":\"{r}\",\"message.content\":{}}}",
                                json_str(c)
                            ))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                )];
                attrs.push((
                    "attributes.llm.output_messages",
                    format!(
                        "[{{\"message.role\":\"assistant\",\"message.content\":{}}}]",
                        json_str(&out)
                    ),
                ));
                attrs.push(("attributes.llm.model_name", json_str(model)));
                let prompt = 200 + rng.below(3000);
                let completion = 20 + rng.below(600);
                attrs.push(("attributes.llm.token_count.prompt", format!("{prompt}.0")));
                attrs.push((
                    "attributes.llm.token_count.completion",
                    format!("{completion}.0"),
                ));
                attrs.push((
                    "attributes.llm.token_count.total",
                    format!("{}.0", prompt + completion),
                ));
                attrs.push(("attributes.openinference.span.kind", "\"LLM\"".into()));
                // The request as LiteLLM logs it: a JSON document inside a string.
                let request = serde_json::json!({
                    "model": model,
                    "messages": msgs.iter().map(|(r, c)| serde_json::json!({"role": r, "content": c})).collect::<Vec<_>>(),
                    "temperature": 0.2,
                });
                attrs.push(("attributes.input.value", json_str(&request.to_string())));
                attrs.push(("attributes.input.mime_type", "\"application/json\"".into()));
                attrs.push(("attributes.output.value", json_str(&out)));
                if s.tagged {
                    attrs.push((
                        "attributes.metadata",
                        format!(
                            "{{\"user_api_key_hash\":\"92d09415\",\"user_api_key_end_user_id\":{}}}",
                            json_str(&s.user_id)
                        ),
                    ));
                }
                rows.push(sparse_row(
                    &mut rng,
                    "litellm_request",
                    "LLM",
                    Some(root),
                    start,
                    dur,
                    next_id,
                    trace,
                    attrs,
                ));
                next_id += 1;
                t += dur;
                if call + 1 == calls {
                    answer = out;
                    break;
                }
                for _ in 0..2 + rng.below(4) {
                    let tool = TOOLS[rng.below(TOOLS.len() as u64) as usize];
                    let stem = words(&mut rng, 2).replace(' ', "_");
                    let input = format!(
                        "{{\"path\": \"/srv/app/{stem}.py\", \"limit\": {}}}",
                        rng.below(2000)
                    );
                    // About one span in a thousand (one tool call in 550) returns a whole
                    // file (50 KB).
                    let output = if rng.below(550) == 0 {
                        words(&mut rng, 9_000)
                    } else {
                        let n = 8 + rng.below(50);
                        words(&mut rng, n)
                    };
                    let start = t + 100;
                    let dur = 2_000 + rng.below(900_000);
                    let attrs = vec![
                        ("attributes.openinference.span.kind", "\"TOOL\"".to_owned()),
                        ("attributes.tool.name", json_str(tool)),
                        ("attributes.input.value", json_str(&input)),
                        ("attributes.output.value", json_str(&output)),
                    ];
                    rows.push(sparse_row(
                        &mut rng,
                        tool,
                        "TOOL",
                        Some(root),
                        start,
                        dur,
                        next_id,
                        trace,
                        attrs,
                    ));
                    next_id += 1;
                    t = start + dur;
                }
            }
            let mut attrs = vec![
                ("attributes.openinference.span.kind", "\"CHAIN\"".to_owned()),
                ("attributes.input.value", json_str(&question)),
                ("attributes.output.value", json_str(&answer)),
            ];
            if rng.below(5) == 0 {
                attrs.push(("attributes.session.id", json_str(&s.id)));
            }
            rows.push(sparse_row(
                &mut rng,
                "agent_turn",
                "CHAIN",
                None,
                root_start,
                t + 5_000 - root_start,
                root,
                trace,
                attrs,
            ));
            s.history.push(("assistant", answer));
            s.turns_left -= 1;
            spans += rows.len() as u64;
            round.append(&mut rows);
        }
        live.retain(|s| s.turns_left > 0);
        clock_us += 30_000_000;
        // Newest first, as Phoenix writes.
        round.sort_by_key(|r| std::cmp::Reverse(r.0));
        for (_, r) in round.drain(..) {
            written += r.len() as u64;
            w.write_all(r.as_bytes())?;
        }
    }
    w.flush()?;
    Ok((spans, traces, sessions))
}

/// One row of the sparse shape: the span's own columns, then only the attributes it has.
#[allow(clippy::too_many_arguments)]
fn sparse_row(
    rng: &mut Rng,
    name: &str,
    kind: &str,
    parent: Option<u64>,
    start_us: u64,
    dur_us: u64,
    span: u64,
    trace: u128,
    attrs: Vec<(&str, String)>,
) -> (u64, String) {
    let parent = parent.map_or("null".to_owned(), |p| format!("\"{p:016x}\""));
    let end_us = start_us + dur_us;
    // About 3% of spans fail with an exception event and its stack trace.
    let (status, message, events) = if rng.below(100) < 3 {
        let (ty, msg) = EXCEPTIONS[rng.below(EXCEPTIONS.len() as u64) as usize];
        let trace_text = stack_trace(rng, ty, msg);
        (
            "ERROR",
            format!("{ty}: {msg}"),
            format!(
                "[{{\"name\":\"exception\",\"timestamp\":\"{}\",\"attributes\":{{\"exception.type\":{},\"exception.message\":{},\"exception.stacktrace\":{},\"exception.escaped\":\"False\"}}}}]",
                iso_micros(end_us),
                json_str(ty),
                json_str(msg),
                json_str(&trace_text)
            ),
        )
    } else {
        ("OK", String::new(), "[]".to_owned())
    };
    let mut row = format!(
        "{{\"name\":{},\"span_kind\":\"{kind}\",\"parent_id\":{parent},\"start_time\":\"{}\",\"end_time\":\"{}\",\"status_code\":\"{status}\",\"status_message\":{},\"events\":{events},\"context.span_id\":\"{span:016x}\",\"context.trace_id\":\"{trace:032x}\"",
        json_str(name),
        iso_micros(start_us),
        iso_micros(end_us),
        json_str(&message),
    );
    for (k, v) in attrs {
        row.push_str(&format!(",\"{k}\":{v}"));
    }
    row.push_str("}\n");
    (start_us, row)
}
