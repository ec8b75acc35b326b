//! A deterministic Phoenix-style export for benchmarks: Claude-Code-through-LiteLLM traces as
//! `get_spans_dataframe().to_json(orient="records", lines=True)` writes them (every column on
//! every row, nulls included, newest rows first), with the session id on few root spans and
//! none at all on a fifth of the conversations. Version 2: every call carries the whole
//! conversation so far (version 1 logged only the last message).

use std::io::{self, BufWriter, Write};
use std::path::Path;

/// A small xorshift generator: the same file on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "the", "file", "function", "test", "error", "build", "module", "index", "please", "fix",
    "read", "parser", "session", "trace", "span", "value", "return", "struct", "impl", "cargo",
    "update", "why", "does", "this", "fail", "when", "run", "with", "large", "input", "memory",
    "thread",
];

fn words(rng: &mut Rng, n: u64) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s
}

const TOOLS: &[&str] = &["Read", "Edit", "Bash", "Grep", "TodoWrite", "Write"];

struct Row<'a> {
    name: &'a str,
    kind: &'a str,
    parent: Option<u64>,
    start_ms: u64,
    end_ms: u64,
    error: bool,
    span: u64,
    trace: u128,
    attrs: String,
}

/// Every attribute column Phoenix emits for this project, in its order; rows fill some.
const COLUMNS: &[&str] = &[
    "attributes.llm.input_messages",
    "attributes.llm.output_messages",
    "attributes.llm.model_name",
    "attributes.llm.token_count.prompt",
    "attributes.llm.token_count.completion",
    "attributes.llm.token_count.total",
    "attributes.openinference.span.kind",
    "attributes.session.id",
    "attributes.input.value",
    "attributes.output.value",
    "attributes.tool.name",
    "attributes.metadata",
    "attributes.llm.cost.total",
    "attributes.gen_ai",
    "attributes.llm",
];

fn write_row(w: &mut impl Write, r: &Row<'_>) -> io::Result<()> {
    let parent = r
        .parent
        .map_or("null".to_owned(), |p| format!("\"{p:016x}\""));
    let status = if r.error { "ERROR" } else { "OK" };
    let msg = if r.error {
        "ToolError: command failed"
    } else {
        ""
    };
    write!(
        w,
        "{{\"name\":\"{}\",\"span_kind\":\"{}\",\"parent_id\":{parent},\"start_time\":{},\"end_time\":{},\"status_code\":\"{status}\",\"status_message\":\"{msg}\",\"events\":[],\"context.span_id\":\"{:016x}\",\"context.trace_id\":\"{:032x}\"",
        r.name, r.kind, r.start_ms, r.end_ms, r.span, r.trace
    )?;
    // `attrs` holds `"column":value` pairs; the other columns are null.
    let mut rest = r.attrs.as_str();
    for col in COLUMNS {
        let prefix = format!("\"{col}\":");
        if let Some(after) = rest.strip_prefix(&prefix) {
            let end = after.find("\u{1}").unwrap_or(after.len());
            write!(w, ",{prefix}{}", &after[..end])?;
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            write!(w, ",{prefix}null")?;
        }
    }
    writeln!(w, "}}")
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Writes about `target_bytes` of export to `path`; returns (spans, traces, sessions).
/// `full_history`: every LLM call carries the whole conversation so far (as LiteLLM logs a
/// Claude Code request); else only the system prompt and the newest question, which makes
/// more, smaller records per gigabyte (the scan's cost is per span as much as per byte).
pub fn generate(path: &Path, target_bytes: u64, full_history: bool) -> io::Result<(u64, u64, u64)> {
    let mut rng = Rng::new(0x5e55_1071);
    let file = std::fs::File::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut rows: Vec<String> = Vec::new();
    let (mut spans, mut traces, mut sessions) = (0u64, 0u64, 0u64);
    let mut written = 0u64;
    let mut clock_ms: u64 = 1_795_000_000_000;
    let mut next_id: u64 = 1;
    while written < target_bytes {
        sessions += 1;
        let session = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.next() as u32,
            rng.below(65536),
            rng.below(4096),
            rng.below(4096),
            rng.next() & 0xffff_ffff_ffff
        );
        let user = format!("{:064x}", u128::from(sessions) * 0x9e37_79b9_7f4a_7c15);
        let user_id = format!("user_{}_account_{session}_session_{session}", &user[..64]);
        let turns = 3 + rng.below(20);
        let anonymous = rng.below(5) == 0;
        let mut history: Vec<(String, String)> = Vec::new();
        let system = words(&mut rng, 12);
        let mut t = clock_ms;
        clock_ms += 60_000 * (1 + rng.below(30));
        for turn in 0..turns {
            traces += 1;
            let trace = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            let root = next_id;
            next_id += 1;
            let n = 6 + rng.below(20);
            let question = words(&mut rng, n);
            history.push(("user".into(), question.clone()));
            let n = 10 + rng.below(40);
            let answer = words(&mut rng, n);
            let tools = rng.below(13);
            let dur = 2_000 + rng.below(30_000);
            // The conversation so far: LiteLLM logs the whole request, so every call carries
            // the system prompt and the full history, which grows turn by turn.
            let from = if full_history { 0 } else { history.len() - 1 };
            let shown: Vec<String> = std::iter::once(("system".to_owned(), system.clone()))
                .chain(history[from..].iter().cloned())
                .map(|(role, content)| {
                    format!(
                        "{{\"message.role\":\"{role}\",\"message.content\":{}}}",
                        json_str(&content)
                    )
                })
                .collect();
            let prompt_tokens = 2_000 + 150 * history.len() as u64;
            let completion = 50 + rng.below(500);
            // A fifth of the conversations carry no id at all (inference must find them);
            // the rest carry it on their first call and on a tenth of the others.
            let with_session = !anonymous && (turn == 0 || rng.below(10) == 0);
            let metadata = if with_session {
                format!(
                    "{{\"user_api_key_hash\":\"92d09415\",\"user_api_key_end_user_id\":\"{user_id}\",\"requester_metadata\":{{\"user_id\":\"{user_id}\"}}}}"
                )
            } else {
                "{\"user_api_key_hash\":\"92d09415\"}".to_owned()
            };
            let sep = "\u{1}";
            let root_attrs = format!(
                "\"attributes.llm.input_messages\":[{}]{sep}\"attributes.llm.output_messages\":[{{\"message.role\":\"assistant\",\"message.content\":{}}}]{sep}\"attributes.llm.model_name\":\"claude-sonnet-4-5\"{sep}\"attributes.llm.token_count.prompt\":{prompt_tokens}.0{sep}\"attributes.llm.token_count.completion\":{completion}.0{sep}\"attributes.llm.token_count.total\":{}.0{sep}\"attributes.openinference.span.kind\":\"LLM\"{sep}\"attributes.input.value\":{}{sep}\"attributes.output.value\":{}{sep}\"attributes.metadata\":{metadata}{sep}\"attributes.llm.cost.total\":0.0{}{sep}\"attributes.gen_ai\":{{\"request\":{{\"model\":\"claude-sonnet-4-5\"}},\"system\":\"anthropic\"}}{sep}\"attributes.llm\":{{\"request\":{{\"type\":\"anthropic_messages\"}},\"is_streaming\":\"True\"}}",
                shown.join(","),
                json_str(&answer),
                prompt_tokens + completion,
                json_str(&question),
                json_str(&answer),
                rng.below(9000) + 1000,
            );
            rows.push(row_string(&Row {
                name: "litellm_request",
                kind: "LLM",
                parent: None,
                start_ms: t,
                end_ms: t + dur,
                error: false,
                span: root,
                trace,
                attrs: root_attrs,
            })?);
            let raw_attrs = format!(
                "\"attributes.llm\":{{\"anthropic\":{{\"model\":\"claude-sonnet-4-5\",\"metadata\":\"{{'user_id': '{}'}}\",\"max_tokens\":32000}}}}",
                if with_session { user_id.as_str() } else { "" }
            );
            rows.push(row_string(&Row {
                name: "raw_gen_ai_request",
                kind: "UNKNOWN",
                parent: Some(root),
                start_ms: t + 5,
                end_ms: t + dur - 5,
                error: false,
                span: next_id,
                trace,
                attrs: raw_attrs,
            })?);
            next_id += 1;
            let mut tt = t + 10;
            for _ in 0..tools {
                let tool = TOOLS[rng.below(TOOLS.len() as u64) as usize];
                let name = format!("Claude_Code_Tool_{tool}");
                let stem = words(&mut rng, 2).replace(' ', "_");
                let input = format!(
                    "{{\"file_path\": \"/src/{stem}.rs\", \"limit\": {}}}",
                    rng.below(2000)
                );
                let n = 5 + rng.below(30);
                let output = words(&mut rng, n);
                let error = rng.below(40) == 0;
                let d = 5 + rng.below(3_000);
                let attrs = format!(
                    "\"attributes.openinference.span.kind\":\"TOOL\"{sep}\"attributes.input.value\":{}{sep}\"attributes.output.value\":{}{sep}\"attributes.tool.name\":\"{tool}\"",
                    json_str(&input),
                    json_str(&output)
                );
                rows.push(row_string(&Row {
                    name: &name,
                    kind: "TOOL",
                    parent: Some(root),
                    start_ms: tt,
                    end_ms: tt + d,
                    error,
                    span: next_id,
                    trace,
                    attrs,
                })?);
                next_id += 1;
                tt += d + 3;
            }
            history.push(("assistant".into(), answer));
            spans += 2 + tools;
            t += dur + 20_000 + rng.below(300_000);
        }
        // Phoenix writes newest first: flush each session's rows in reverse.
        for r in rows.drain(..).rev() {
            written += r.len() as u64;
            w.write_all(r.as_bytes())?;
        }
    }
    w.flush()?;
    Ok((spans, traces, sessions))
}

fn row_string(r: &Row<'_>) -> io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    write_row(&mut buf, r)?;
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

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
            let id = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                rng.next() as u32,
                rng.below(65536),
                rng.below(4096),
                rng.below(4096),
                rng.next() & 0xffff_ffff_ffff
            );
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
        round.sort_by(|a, b| b.0.cmp(&a.0));
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
