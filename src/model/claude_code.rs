//! Claude Code transcripts as the person lived them: once every file is read (a session's lines
//! may be spread over its file and its sub-agents' files), each transcript line's place is
//! decided from the whole session, before the trees are built, so that the tree, the turns,
//! the headless commands, search and filters read transcripts as any other trace.
//!
//! * A **prompt** (a `user` line whose content is text the person typed: not one made of
//!   `tool_result` blocks, not `isMeta`, not `isCompactSummary`, not a command's output or an
//!   interruption notice) opens a trace of its own (its id the prompt's uuid), rooted at the
//!   prompt; the lines after it, up to the next prompt of the same stream (the main
//!   conversation, or one sub-agent: `agentId`, else `isSidechain`), are in that trace. Lines
//!   before a stream's first prompt go to it.
//! * One API response is split over several `assistant` lines with the same `message.id`: the
//!   first is the **LLM call** (under the prompt; its tokens counted once), the others hang under
//!   it with no kind and no tokens, the call ending at the last of them. It starts when the line
//!   before it in its stream was written (the request went out then).
//! * Each `tool_use` block is a **tool** span under its call; the `user` line with its
//!   `tool_result` (matched by `tool_use_id`) hangs under it, ends it, and fails it when
//!   `is_error`.
//! * Other lines (`system`, meta lines, lines of unknown types) hang under the prompt.
//!
//! Sub-agents' prompts (the `Task` call's prompt, first line of `subagents/agent-<id>.jsonl`, or
//! of an older version's inline sidechain) open traces too; the turns nest them under the
//! `Task` tool whose result names their `agentId` (`Index::agent_links`, read by `roles` as a
//! link), else under the one that was given that prompt
//! ([`super::conversation::How::Input`]).
//!
//! Every walk is a pass over the session's lines in file order: no recursion.

use crate::format::Style;
use crate::hash::Map;
use crate::index::record::flag;
use crate::index::{Index, TraceKey};
use crate::kind::{Kind, Status};
use serde_json::Value;

const NONE: u32 = u32::MAX;

/// What a transcript span is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum What {
    Prompt,
    /// An assistant line of response `message.id`.
    Assistant(String),
    /// A user line of tool results: (tool_use_id, is_error).
    Results(Vec<(String, bool)>),
    /// A `tool_use` block: its id.
    Tool(String),
    Other,
}

struct Line {
    what: What,
    /// The stream: "" for the main conversation, the `agentId` of a sub-agent, "sidechain".
    stream: String,
    /// The line's uuid as 128 bits (a prompt's trace id).
    uuid: Option<u128>,
    /// An assistant line with a text block.
    text: bool,
    /// The sub-agent a `Task`'s result names (`toolUseResult.agentId`).
    agent: Option<String>,
    /// Its `timestamp` (a placing before this one may have moved the span's times).
    at: Option<i64>,
}

/// Text a `user` line holds that no person typed.
const NOT_TYPED: &[&str] = &[
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<local-command-caveat>",
    "<user-prompt-submit-hook>",
    "[Request interrupted by user",
];

fn uuid_bits(s: &str) -> Option<u128> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    (hex.len() == 32)
        .then(|| u128::from_str_radix(&hex, 16).ok())
        .flatten()
}

fn read(bytes: &[u8]) -> Line {
    let other = Line {
        what: What::Other,
        stream: String::new(),
        uuid: None,
        text: false,
        at: None,
        agent: None,
    };
    let Ok(v) = serde_json::from_slice::<Value>(&crate::json::lenient(bytes)) else {
        return other;
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    let flag_of = |k: &str| v.get(k).and_then(Value::as_bool) == Some(true);
    if s("type") == Some("tool_use") && v.get("uuid").is_none() {
        return Line {
            what: What::Tool(s("id").unwrap_or_default().to_owned()),
            ..other
        };
    }
    let stream = match (s("agentId"), flag_of("isSidechain")) {
        (Some(a), _) => a.to_owned(),
        (None, true) => "sidechain".to_owned(),
        (None, false) => String::new(),
    };
    let uuid = s("uuid").and_then(uuid_bits);
    let message = v.get("message").unwrap_or(&Value::Null);
    let content = message.get("content").unwrap_or(&Value::Null);
    let what = match s("type") {
        Some("assistant") => match message.get("id").and_then(Value::as_str) {
            Some(id) => What::Assistant(id.to_owned()),
            // No response id (a synthetic message): each line is its own call.
            None => What::Assistant(s("uuid").unwrap_or_default().to_owned()),
        },
        Some("user") => {
            let results: Vec<(String, bool)> = content
                .as_array()
                .into_iter()
                .flatten()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
                .map(|b| {
                    (
                        b.get("tool_use_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        b.get("is_error").and_then(Value::as_bool) == Some(true),
                    )
                })
                .collect();
            let text = crate::format::claude_code::content_text(content);
            let typed = !text.trim().is_empty()
                && !NOT_TYPED.iter().any(|p| text.trim_start().starts_with(p));
            if !results.is_empty() {
                What::Results(results)
            } else if typed && !flag_of("isMeta") && !flag_of("isCompactSummary") {
                What::Prompt
            } else {
                What::Other
            }
        }
        _ => What::Other,
    };
    let text = matches!(what, What::Assistant(_))
        && !crate::format::claude_code::content_text(content)
            .trim()
            .is_empty();
    Line {
        what,
        stream,
        uuid,
        text,
        at: s("timestamp").and_then(crate::time::parse),
        agent: v
            .get("toolUseResult")
            .and_then(|r| r.get("agentId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| agent_in_text(content)),
    }
}

/// The `agentId: <id>` line some versions end a `Task`'s result text with.
fn agent_in_text(content: &Value) -> Option<String> {
    let blocks = content.as_array()?;
    blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
        .map(|b| crate::format::claude_code::content_text(b.get("content").unwrap_or(&Value::Null)))
        .find_map(|text| {
            let at = text.find("agentId: ")?;
            let id: String = text[at + "agentId: ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            (!id.is_empty()).then_some(id)
        })
}

/// Places every transcript span of the index (see the module docs); nothing when no file is a
/// transcript.
pub fn shape(index: &mut Index) {
    let style = Style::ClaudeCode as usize;
    let files: Vec<bool> = index
        .files
        .iter()
        .map(|f| f.styles.get(style).is_some_and(|&n| n > 0))
        .collect();
    if !files.iter().any(|&b| b) {
        return;
    }
    index.transcripts = true;
    let mut members: Vec<u32> = (0..index.spans.len())
        .filter(|&i| {
            files
                .get(usize::from(index.file_of(u32::try_from(i).unwrap_or(NONE))))
                .copied()
                .unwrap_or(false)
        })
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    members.sort_by_cached_key(|&i| index.loc(i));
    // By session (the `sessionId` on each line; its trace until placed): placing again, once
    // more lines were read (a followed file), gives what placing them all at once gives.
    let mut by_session: Map<(bool, u32), Vec<u32>> = Map::default();
    let mut order = Vec::new();
    for &i in &members {
        let t = index
            .own_session(i)
            .map_or((false, index.spans[i as usize].trace), |o| {
                (true, o.session)
            });
        by_session
            .entry(t)
            .or_insert_with(|| {
                order.push(t);
                Vec::new()
            })
            .push(i);
    }
    let mut found = Found::default();
    for t in order {
        if let Some(spans) = by_session.remove(&t) {
            session(index, &spans, &mut found);
        }
    }
    for (agent, prompt) in &found.prompts {
        if let Some(&task) = found.agents.get(agent) {
            index.agent_links.insert(*prompt, task);
        }
    }
    mirrors(index, &files, &found);
    index.recount_traces();
    titles(index, &files, &members);
}

/// The response id a proxy's LLM span names: the first `msg_…` in its bytes that is a
/// transcript's response.
fn response_of<'f>(bytes: &[u8], found: &'f Found) -> Option<(&'f str, u32)> {
    for at in memchr::memmem::find_iter(bytes, b"msg_") {
        let rest = &bytes[at..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))
            .unwrap_or(rest.len());
        let id = std::str::from_utf8(&rest[..end]).unwrap_or_default();
        if let Some((k, &call)) = found.calls.get_key_value(id) {
            return Some((k.as_str(), call));
        }
    }
    None
}

/// The same API calls exported by a proxy (LiteLLM, Arize) beside the transcripts: each LLM
/// span of another file that names a transcript response's `message.id` (as
/// `gen_ai.response.id`, or in the response it carries) is that call seen again. Its whole trace
/// moves under the transcript's call (its root hangs under it), so that the call is shown, and
/// its tokens counted, once (the call's own tokens; the proxy's cost, which the transcript does
/// not have); each of its tool spans hangs under the transcript's tool of the same name. The
/// pairs (calls, and tools) are kept (`Index::mirrors`) to say where each call was seen, and to
/// count a failure seen twice once.
fn mirrors(index: &mut Index, files: &[bool], found: &Found) {
    if found.calls.is_empty() {
        return;
    }
    let in_transcript = |index: &Index, i: usize| {
        files
            .get(usize::from(index.file_of(u32::try_from(i).unwrap_or(NONE))))
            .copied()
            .unwrap_or(false)
    };
    // Proxy trace → (transcript call, its matched spans).
    let mut matched: Map<u32, (u32, Vec<u32>)> = Map::default();
    for i in 0..index.spans.len() {
        let s = index.spans[i];
        // Placed already (an earlier read of these files).
        let placed = index
            .mirrors
            .contains_key(&u32::try_from(i).unwrap_or(NONE));
        if s.kind() != Kind::Llm || placed || in_transcript(index, i) {
            continue;
        }
        let Some((_, call)) =
            response_of(index.span_bytes(u32::try_from(i).unwrap_or(NONE)), found)
        else {
            continue;
        };
        let e = matched.entry(s.trace).or_insert((call, Vec::new()));
        if e.0 == call {
            e.1.push(u32::try_from(i).unwrap_or(NONE));
        }
    }
    if matched.is_empty() {
        return;
    }
    let mut members: Map<u32, Vec<u32>> = Map::default();
    for (i, s) in index.spans.iter().enumerate() {
        if matched.contains_key(&s.trace) {
            members
                .entry(s.trace)
                .or_default()
                .push(u32::try_from(i).unwrap_or(NONE));
        }
    }
    let short = |index: &Index, i: u32| {
        crate::model::conversation::tools::short_name(
            index.strings.get(index.spans[i as usize].name),
        )
        .to_owned()
    };
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (pt, (call, hits)) in matched {
        let Some(target) = index.spans.get(call as usize).map(|c| c.trace) else {
            continue;
        };
        let spans = members.remove(&pt).unwrap_or_default();
        // The proxy's call: the matched span with no parent among them (LiteLLM's request,
        // not its raw provider request under it), else the earliest.
        let parent_is_hit = |h: u32| {
            let s = &index.spans[h as usize];
            let parent_id = index.parents.get(h, &index.spans, &[]);
            s.has(flag::HAS_PARENT)
                && hits.iter().any(|&o| {
                    let p = &index.spans[o as usize];
                    o != h
                        && p.span_id == parent_id
                        && p.has(flag::SPAN_ID_TEXT) == s.has(flag::PARENT_TEXT)
                })
        };
        let top = hits
            .iter()
            .copied()
            .find(|&h| !parent_is_hit(h))
            .or_else(|| {
                hits.iter()
                    .copied()
                    .min_by_key(|&h| index.spans[h as usize].start())
            });
        let Some(top) = top else { continue };
        let mut free: Vec<u32> = found.tools.get(&call).cloned().unwrap_or_default();
        for &i in &spans {
            if in_transcript(index, i as usize) {
                continue;
            }
            if let Some(s) = index.spans.get_mut(i as usize) {
                s.trace = target;
            }
            if index.spans[i as usize].kind() == Kind::Tool {
                let name = short(index, i);
                if let Some(k) = free.iter().position(|&t| short(index, t) == name) {
                    let t = free.remove(k);
                    set_parent(index, i, t);
                    pairs.push((t, i));
                }
            }
        }
        set_parent(index, top, call);
        pairs.push((call, top));
    }
    for (call, proxy) in pairs {
        index.mirrors.insert(call, proxy);
        index.mirrors.insert(proxy, call);
    }
}

/// The `summary` lines of the transcript files: each the title of the session its `leafUuid`
/// names (in any file: Claude Code writes them into later sessions' files too); the last one
/// read wins.
fn titles(index: &mut Index, files: &[bool], members: &[u32]) {
    let mut by_id: Map<u64, u32> = Map::default();
    for &i in members {
        let s = &index.spans[i as usize];
        if !s.has(flag::SPAN_ID_TEXT) {
            by_id.insert(s.span_id, i);
        }
    }
    let mut found: Vec<(u32, String)> = Vec::new();
    for (f, _) in files.iter().enumerate().filter(|(_, b)| **b) {
        let Some(src) = index.sources.get(f) else {
            continue;
        };
        let bytes = src.bytes();
        for at in memchr::memmem::find_iter(bytes, b"\"leafUuid\"") {
            let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p);
            let Ok(v) = serde_json::from_slice::<Value>(&bytes[start..end]) else {
                continue;
            };
            let (Some("summary"), Some(title), Some(leaf)) = (
                v.get("type").and_then(Value::as_str),
                v.get("summary").and_then(Value::as_str),
                v.get("leafUuid")
                    .and_then(Value::as_str)
                    .and_then(uuid_bits),
            ) else {
                continue;
            };
            // The line's span id: the UUID's halves folded (`format::line_id`).
            #[allow(clippy::cast_possible_truncation)]
            let id = ((leaf >> 64) as u64) ^ (leaf as u64);
            if let Some(&span) = by_id.get(&id)
                && let Some(own) = index.own_session(span)
            {
                found.push((own.session, title.trim().to_owned()));
            }
        }
    }
    for (session, title) in found {
        if !title.is_empty() {
            let t = index.strings.intern(&title);
            index.titles.insert(session, t);
        }
    }
}

/// Span `i` hangs under span `p`.
fn set_parent(index: &mut Index, i: u32, p: u32) {
    let Some(parent) = index.spans.get(p as usize).copied() else {
        return;
    };
    if let Some(s) = index.spans.get_mut(i as usize) {
        s.clear_flags(flag::PARENT_TEXT);
        s.set_flags(flag::HAS_PARENT);
        if parent.has(flag::SPAN_ID_TEXT) {
            s.set_flags(flag::PARENT_TEXT);
        }
        index.parents.set(i, parent.span_id);
    }
}

fn clear_tokens(index: &mut Index, i: u32) {
    index.extras.clear_tokens(i);
}

/// What [`session`] found: each response's call span by its `message.id`, and each call's tool
/// spans.
#[derive(Default)]
struct Found {
    calls: Map<String, u32>,
    tools: Map<u32, Vec<u32>>,
    /// The `Task` tool span whose result names each sub-agent (`agentId`).
    agents: Map<String, u32>,
    /// Each sub-agent's prompt span, with its `agentId`.
    prompts: Vec<(String, u32)>,
}

/// One session's transcript spans, in file order.
fn session(index: &mut Index, spans: &[u32], found: &mut Found) {
    let lines: Vec<Line> = spans.iter().map(|&i| read(index.span_bytes(i))).collect();
    let prompt_name = index.strings.intern("prompt");
    // Each stream's first prompt: where the lines before it go.
    let mut first: Map<&str, usize> = Map::default();
    for (k, l) in lines.iter().enumerate() {
        if l.what == What::Prompt {
            first.entry(l.stream.as_str()).or_insert(k);
        }
    }
    // Each response's call: its first line with text, else its first line (the call's text is
    // what the turns show of it).
    let mut chosen: Map<(&str, &str), (usize, bool)> = Map::default();
    for (k, l) in lines.iter().enumerate() {
        if let What::Assistant(id) = &l.what {
            let e = chosen
                .entry((l.stream.as_str(), id.as_str()))
                .or_insert((k, l.text));
            if l.text && !e.1 {
                *e = (k, true);
            }
        }
    }
    // Per stream: (trace, prompt span, the time its last line was written).
    let mut cur: Map<String, (u32, u32, i64)> = Map::default();
    // Per response: when it began.
    let mut calls: Map<(String, String), i64> = Map::default();
    let mut tools: Map<String, u32> = Map::default();
    // The call of the last assistant line (its tool_use blocks follow it).
    let mut last_call = NONE;
    let mut opened: Vec<u32> = vec![NONE; lines.len()];
    // Open the traces of the prompts first, so that earlier lines can join their stream's first.
    for (k, l) in lines.iter().enumerate() {
        if l.what == What::Prompt {
            let i = spans[k];
            let key = l.uuid.map_or_else(
                || TraceKey::Text(index.strings.intern(&format!("prompt-{i}"))),
                TraceKey::hex,
            );
            opened[k] = index.trace_of_key(key);
        }
    }
    for (k, l) in lines.iter().enumerate() {
        let i = spans[k];
        // A line's times are its timestamp's (as read), whatever an earlier placing made them.
        if let Some(t) = l.at {
            index.set_times(i, t, t);
        }
        let rec = index.spans[i as usize];
        let stream = l.stream.as_str();
        if l.what == What::Prompt {
            let t = opened[k];
            if let Some(s) = index.spans.get_mut(i as usize) {
                s.trace = t;
                s.clear_flags(flag::HAS_PARENT | flag::PARENT_TEXT);
                s.set_kind(Kind::Chain);
                s.name = prompt_name;
            }
            index.parents.set(i, 0);
            if !stream.is_empty() && stream != "sidechain" {
                found.prompts.push((stream.to_owned(), i));
            }
            cur.insert(stream.to_owned(), (t, i, rec.start()));
            continue;
        }
        if let What::Tool(id) = &l.what {
            // A tool_use block follows its line: in that line's trace, under its call.
            tools.insert(id.clone(), i);
            if let Some(call) = index.spans.get(last_call as usize).copied() {
                if let Some(s) = index.spans.get_mut(i as usize) {
                    s.trace = call.trace;
                }
                set_parent(index, i, last_call);
                found.tools.entry(last_call).or_default().push(i);
            }
            continue;
        }
        let (trace, prompt, before) = match cur.get(stream) {
            Some(&c) => c,
            None => match first.get(stream) {
                Some(&f) => (opened[f], spans[f], 0),
                None => (rec.trace, NONE, 0),
            },
        };
        let mut parent = prompt;
        match &l.what {
            What::Assistant(id) => {
                let key = (stream.to_owned(), id.clone());
                let call = chosen
                    .get(&(stream, id.as_str()))
                    .map_or(i, |&(c, _)| spans[c]);
                last_call = call;
                let first_line = !calls.contains_key(&key);
                let begun = *calls.entry(key).or_insert(rec.start());
                if call != i {
                    // Another line of the same response.
                    parent = call;
                    if let Some(s) = index.spans.get_mut(i as usize) {
                        s.set_kind(Kind::Unknown);
                    }
                    clear_tokens(index, i);
                }
                if let Some(&c) = index.spans.get(call as usize) {
                    let end = index.end(&c).max(index.end(&rec));
                    // The request went out when the line before the response was written.
                    let from = if first_line && before > 0 && before <= rec.start() {
                        before
                    } else {
                        begun
                    };
                    let start = if call == i || first_line {
                        if c.start() > 0 {
                            c.start().min(from)
                        } else {
                            from
                        }
                    } else {
                        c.start()
                    };
                    index.set_times(call, start, end);
                }
                if first_line {
                    calls.insert(
                        (stream.to_owned(), id.clone()),
                        index.spans[call as usize].start(),
                    );
                    found.calls.insert(id.clone(), call);
                }
            }
            What::Results(results) => {
                let mut under = NONE;
                for (id, error) in results {
                    let Some(&tool) = tools.get(id) else {
                        continue;
                    };
                    if under == NONE {
                        under = tool;
                    }
                    if let Some(&s) = index.spans.get(tool as usize) {
                        index.set_end(tool, index.end(&s).max(rec.start()));
                    }
                    if let Some(s) = index.spans.get_mut(tool as usize) {
                        if *error {
                            s.set_status(Status::Error);
                        } else if s.status() == Status::Unset {
                            s.set_status(Status::Ok);
                        }
                    }
                }
                if under != NONE {
                    parent = under;
                    if let Some(agent) = &l.agent {
                        found.agents.insert(agent.clone(), under);
                    }
                }
            }
            What::Prompt | What::Tool(_) | What::Other => {}
        }
        if let Some(s) = index.spans.get_mut(i as usize) {
            s.trace = trace;
        }
        if parent != NONE {
            set_parent(index, i, parent);
        }
        if prompt != NONE
            && let Some(c) = cur.get_mut(stream)
        {
            c.2 = c.2.max(rec.start());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_line_is() {
        let prompt = br#"{"type":"user","uuid":"11111111-1111-1111-1111-111111111111","message":{"role":"user","content":"fix it"}}"#;
        assert_eq!(read(prompt).what, What::Prompt);
        let meta = br#"{"type":"user","isMeta":true,"uuid":"11111111-1111-1111-1111-111111111111","message":{"role":"user","content":"Caveat"}}"#;
        assert_eq!(read(meta).what, What::Other);
        let out = br#"{"type":"user","uuid":"11111111-1111-1111-1111-111111111111","message":{"role":"user","content":"<local-command-stdout>ok</local-command-stdout>"}}"#;
        assert_eq!(read(out).what, What::Other);
        let result = br#"{"type":"user","uuid":"11111111-1111-1111-1111-111111111111","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":"no"}]}}"#;
        assert_eq!(
            read(result).what,
            What::Results(vec![("toolu_1".into(), true)])
        );
        let block = br#"{"type":"tool_use","id":"toolu_1","name":"Read","input":{}}"#;
        assert_eq!(read(block).what, What::Tool("toolu_1".into()));
        let tail = br#"{"type":"user","uuid":"11111111-1111-1111-1111-111111111111","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":[{"type":"text","text":"Async agent launched.\nagentId: a7f3c2 (use TaskOutput)"}]}]}}"#;
        assert_eq!(read(tail).agent.as_deref(), Some("a7f3c2"));
        let side = br#"{"type":"assistant","isSidechain":true,"agentId":"a1","uuid":"11111111-1111-1111-1111-111111111111","message":{"id":"msg_1","role":"assistant","content":[]}}"#;
        let l = read(side);
        assert_eq!(
            (l.what, l.stream.as_str()),
            (What::Assistant("msg_1".into()), "a1")
        );
    }
}
