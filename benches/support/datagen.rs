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

pub fn words(rng: &mut Rng, n: u64) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s
}

pub const TOOLS: &[&str] = &["Read", "Edit", "Bash", "Grep", "TodoWrite", "Write"];

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

pub fn json_str(s: &str) -> String {
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
        let session = uuid4(&mut rng);
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

/// A random version-4 UUID drawn from `rng` (the same draws in every generator).
pub fn uuid4(rng: &mut Rng) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        rng.next() as u32,
        rng.below(65536),
        rng.below(4096),
        rng.below(4096),
        rng.next() & 0xffff_ffff_ffff
    )
}
