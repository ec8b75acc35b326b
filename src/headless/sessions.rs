//! `sesstui sessions`: one row per session.

use super::json;
use crate::fmt::{thousands, tokens};
use crate::model::Model;
use crate::model::filter::Compiled;
use crate::sanitize::{Clean, Lit, WriteClean, one_line, truncate};
use serde::Serialize;
use std::io;

#[derive(Serialize)]
struct Unsessioned {
    traces: usize,
    spans: u64,
}

#[derive(Serialize)]
struct Doc {
    files: Vec<json::File>,
    /// With `--filter`: the filter, and how many sessions there are in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<Filtered>,
    sessions: Vec<json::Session<'static>>,
    unsessioned: Unsessioned,
}

#[derive(Serialize)]
struct Filtered {
    matched: usize,
    of: usize,
}

fn unsessioned(model: &Model) -> Unsessioned {
    let spans = model
        .unsessioned
        .iter()
        .map(|&t| u64::from(model.trace(t).span_count()))
        .sum();
    Unsessioned {
        traces: model.unsessioned.len(),
        spans,
    }
}

/// Explains the markers that appear in the table.
fn legend(model: &Model) -> String {
    let mut seen: Vec<&str> = model
        .sessions
        .iter()
        .map(crate::model::Session::marker)
        .filter(|m| *m != "●")
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let words: Vec<String> = seen
        .iter()
        .map(|m| {
            let what = match *m {
                "+" => "id in the file, more traces linked by message history",
                "~" => "inferred from message history",
                _ => "inferred by idle time",
            };
            format!("{m} {what}")
        })
        .collect();
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join("; "))
    }
}

/// The width of the table when `--width` is not given: the terminal's, or 80 when standard
/// output is not a terminal (a pipe, a file).
pub fn output_width() -> usize {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Ok((w, _)) = crossterm::terminal::size()
        && w > 0
    {
        return usize::from(w);
    }
    80
}

/// `s` padded with spaces to `width` columns as a terminal shows them (wide characters count
/// two), cut with `…` if it is wider (never inside a character).
fn pad(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let cut = truncate(s, width);
    let w = cut.width();
    format!("{cut}{}", " ".repeat(width.saturating_sub(w)))
}

/// [`pad`], right-aligned.
fn rpad(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let cut = truncate(s, width);
    format!("{}{cut}", " ".repeat(width.saturating_sub(cut.width())))
}

/// The id column is as wide as the longest id, up to this.
const MAX_ID: usize = 40;
/// The user column likewise.
const MAX_USER: usize = 16;
/// The first input gets what is left, at least this.
const MIN_INPUT: usize = 16;
/// When the width is too small, the id column gives way down to this.
const MIN_ID: usize = 16;

/// The columns' widths (0: left out).
struct Layout {
    narrow: bool,
    id: usize,
    mark: usize,
    start: usize,
    dur: usize,
    turns: usize,
    calls: usize,
    spans: usize,
    tokens: usize,
    errors: usize,
    user: usize,
    input: usize,
    /// Everything fits in the width asked.
    fits: bool,
}

impl Layout {
    /// The widths for `rows` in `width` columns, the whole table or (`narrow`) the short one.
    fn of(rows: &[Row], narrow: bool, width: usize) -> Layout {
        let widest = |head: &str, f: &dyn Fn(&Row) -> &str, cap: usize| {
            use unicode_width::UnicodeWidthStr;
            rows.iter()
                .map(|r| f(r).width())
                .chain([head.width()])
                .max()
                .unwrap_or(0)
                .min(cap)
        };
        let mut l = Layout {
            narrow,
            id: widest("SESSION", &|r| &r.id, MAX_ID),
            mark: usize::from(rows.iter().any(|r| !r.marker.is_empty())),
            start: if narrow {
                widest("START", &|r| &r.start_short, 18)
            } else {
                widest("START", &|r| &r.start, 26)
            },
            dur: widest(if narrow { "DUR" } else { "DURATION" }, &|r| &r.duration, 9),
            turns: widest("TURNS", &|r| &r.turns, 9),
            calls: widest("CALLS", &|r| &r.calls, 9),
            spans: if narrow {
                0
            } else {
                widest("SPANS", &|r| &r.spans, 11)
            },
            tokens: widest("TOKENS", &|r| &r.tokens, 7),
            errors: widest("ERR", &|r| &r.errors, 9),
            user: if narrow {
                0
            } else {
                widest("USER", &|r| &r.user, MAX_USER)
            },
            input: 0,
            fits: false,
        };
        // Every column but the input, and the spaces between them (two before the input).
        let others = [
            l.mark, l.start, l.dur, l.turns, l.calls, l.spans, l.tokens, l.errors,
        ]
        .iter()
        .filter(|&&w| w > 0)
        .map(|w| w + 1)
        .sum::<usize>()
            + 2;
        let used = |l: &Layout| others + l.id + l.user + usize::from(l.user > 0);
        // Too narrow for the first input: the user column gives up to half, then the ids down
        // to [`MIN_ID`] (cut with `…`; `--json` has them whole).
        let mut over = (used(&l) + MIN_INPUT).saturating_sub(width);
        let give = over.min(l.user - l.user.div_ceil(2).max(4).min(l.user));
        l.user -= give;
        over -= give;
        l.id -= over.min(l.id.saturating_sub(MIN_ID));
        l.input = width.saturating_sub(used(&l)).max(MIN_INPUT);
        l.fits = used(&l) + l.input <= width;
        l
    }
}

/// One row of the table, every field cleaned for a terminal.
struct Row {
    id: String,
    marker: &'static str,
    start: String,
    /// `MM-DD HH:MM` and the zone, for the narrow table.
    start_short: String,
    duration: String,
    turns: String,
    calls: String,
    spans: String,
    tokens: String,
    errors: String,
    user: String,
    input: String,
}

/// Below this many sessions their JSON is made on one thread.
const PARALLEL_SESSIONS: usize = 4096;

/// Sessions per piece of the `sessions` array handed to a worker.
const SESSIONS_PER_PIECE: usize = 256;

/// The text of the sessions `part` (the `first`-th session of the array first) as they stand
/// in the document's `sessions` array: each after its separator and indent, pretty-printed
/// two levels deep (by `w`, made for that depth, one a thread: making one takes as long as
/// writing some twenty sessions). `tools`: every session's tool spans ([`json::tool_counts`]),
/// or none (each session's counted alone).
fn sessions_text(
    model: &Model,
    part: &[u32],
    first: bool,
    tools: Option<&json::ToolCounts>,
    w: &mut json::SessionText,
    buf: &mut Clean,
) -> io::Result<()> {
    // About what a session takes without its texts (the buffer then grows less often).
    buf.reserve(part.len() * 768);
    for (k, &s) in part.iter().enumerate() {
        for stage in [Stage::Trace, Stage::Order, Stage::Record, Stage::Bytes] {
            if let Some(&ahead) = part.get(k + stage as usize) {
                prefetch(model, ahead, stage);
            }
        }
        buf.lit(if first && k == 0 {
            const { Lit::new(b"\n    ") }
        } else {
            const { Lit::new(b",\n    ") }
        });
        let n = tools.map_or(json::NOT_COUNTED, |t| t.of(model, s));
        json::session(model, s, n).write(w, buf)?;
    }
    Ok(())
}

/// Asks the CPU to fetch what reading session `s`'s first input and last answer will touch,
/// `stage` sessions ahead of reading it: on a large file each of its first and last traces'
/// roots lies anywhere in the file, and finding one takes three table entries that lie
/// anywhere in theirs (the trace, its first span in the order, that span's record), each a
/// miss in the cache that waits for the one before. So each is fetched in its own stage, a
/// few sessions before the next needs it, while other sessions are written (a fetch only
/// warms the cache: what is read is the same).
fn prefetch(model: &Model, s: u32, stage: Stage) {
    let Some(sess) = model.sessions.get(s as usize) else {
        return;
    };
    let traces = model.traces_of(sess);
    for &t in [traces.first(), traces.last()].into_iter().flatten() {
        let Some(trace) = model.traces.get(t as usize) else {
            continue;
        };
        match stage {
            Stage::Trace => fetch(trace),
            Stage::Order => {
                if let Some(first) = model.order.get(trace.spans.start as usize) {
                    fetch(first);
                }
            }
            Stage::Record => {
                let root = model.trace_root(t);
                if let Some(rec) = model.index.spans.get(root as usize) {
                    fetch(rec);
                }
            }
            Stage::Bytes => {
                let bytes = model.index.span_bytes(model.trace_root(t));
                for line in bytes.iter().step_by(64).take(8) {
                    fetch(line);
                }
            }
        }
    }
}

/// The stages of [`prefetch`], and how many sessions ahead each runs.
#[derive(Clone, Copy)]
enum Stage {
    Trace = 8,
    Order = 6,
    Record = 4,
    Bytes = 2,
}

#[inline(always)]
fn fetch<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(at);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Writes the text of the sessions `ids` (see [`sessions_text`]) in order. Each session's
/// document (its first input and last answer read from its spans' bytes) and its text are
/// made on all cores, a piece at a time, and each piece is written as soon as the pieces
/// before it are: on a large file this is a serial part of the whole run otherwise. The
/// pieces are [`Clean`] text, written past the output's look at every byte, and each piece's
/// buffer, once written, is handed back for a later piece: a piece takes some 200 KB, which
/// a new buffer would take as fresh pages (a fault each) and give back to the system when
/// freed.
fn write_sessions(model: &Model, ids: &[u32], out: &mut impl WriteClean) -> io::Result<()> {
    let workers = if ids.len() < PARALLEL_SESSIONS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    };
    write_sessions_on(model, ids, workers, SESSIONS_PER_PIECE, out)
}

/// [`write_sessions`] on `workers` threads, `per_piece` sessions a piece.
fn write_sessions_on(
    model: &Model,
    ids: &[u32],
    workers: usize,
    per_piece: usize,
    out: &mut impl WriteClean,
) -> io::Result<()> {
    if workers <= 1 {
        let mut buf = Clean::new();
        sessions_text(
            model,
            ids,
            true,
            None,
            &mut json::SessionText::new(2),
            &mut buf,
        )?;
        return out.write_clean(&buf);
    }
    let tools = json::tool_counts(model, workers);
    let tools = Some(&tools);
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let pieces: Vec<&[u32]> = ids.chunks(per_piece.max(1)).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Buffers written, for the next pieces.
    let spare = std::sync::Mutex::new(Vec::<Clean>::new());
    let (tx, rx) = std::sync::mpsc::channel::<(usize, io::Result<Clean>)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (pieces, next, stop, spare) = (&pieces, &next, &stop, &spare);
            scope.spawn(move || {
                let mut w = json::SessionText::new(2);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = pieces.get(i) else { break };
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut buf = spare
                        .lock()
                        .ok()
                        .and_then(|mut s| s.pop())
                        .unwrap_or_default();
                    buf.clear();
                    let text =
                        sessions_text(model, part, i == 0, tools, &mut w, &mut buf).map(|()| buf);
                    if tx.send((i, text)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Pieces come as they are done; each is written once those before it are.
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        let mut result = Ok(());
        for (i, text) in rx {
            waiting.insert(i, text);
            while let Some(text) = waiting.remove(&due) {
                due += 1;
                match text.and_then(|t| out.write_clean(&t).map(|()| t)) {
                    Ok(t) => {
                        if let Ok(mut s) = spare.lock() {
                            s.push(t);
                        }
                    }
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        result = Err(e);
                        break;
                    }
                }
            }
            if result.is_err() {
                break;
            }
        }
        result
    })
}

/// The document, its `sessions` array written piece by piece by [`write_sessions`].
fn write_doc(model: &Model, doc: &Doc, ids: &[u32], out: &mut impl WriteClean) -> io::Result<()> {
    let mut head = Vec::new();
    crate::sanitize::write_json_pretty(&mut head, doc)?;
    // The document with an empty `sessions` array: the key at the top level is the only
    // place a raw newline and two spaces come before `"sessions"` (a string's newlines and
    // quotes are escaped).
    const EMPTY: &[u8] = b"\n  \"sessions\": []";
    let at = (!ids.is_empty())
        .then(|| head.windows(EMPTY.len()).position(|w| w == EMPTY))
        .flatten();
    let Some(at) = at else {
        return out.write_all(&head);
    };
    let open = at + EMPTY.len() - 1;
    out.write_all(&head[..open])?;
    write_sessions(model, ids, out)?;
    out.write_all(b"\n  ")?;
    out.write_all(&head[open..])
}

pub fn run(
    model: &Model,
    as_json: bool,
    filter: Option<&Compiled<'_>>,
    zone: &crate::zone::Zone,
    width: usize,
    out: &mut impl WriteClean,
) -> io::Result<()> {
    let all = 0..u32::try_from(model.sessions.len()).unwrap_or(u32::MAX);
    let reader = crate::model::conversation::read::Reader::new(model, false);
    let ids: Vec<u32> = match filter {
        Some(f) => all
            .filter(|&s| f.session(s, &mut |s| reader.first_input(s)))
            .collect(),
        None => all.collect(),
    };
    if as_json {
        let doc = Doc {
            files: json::files(model),
            filter: filter.map(|_| Filtered {
                matched: ids.len(),
                of: model.sessions.len(),
            }),
            sessions: Vec::new(),
            unsessioned: unsessioned(model),
        };
        write_doc(model, &doc, &ids, out)?;
        return writeln!(out);
    }
    let rows: Vec<Row> = ids
        .iter()
        .map(|&s| {
            let sess = model.session(s);
            Row {
                id: one_line(model.session_id(s)),
                marker: match sess.marker() {
                    "●" => "",
                    m => m,
                },
                start: if sess.start > 0 {
                    zone.seconds(sess.start)
                } else {
                    String::new()
                },
                start_short: if sess.start > 0 {
                    zone.minute(sess.start)
                } else {
                    String::new()
                },
                duration: crate::time::human_duration(sess.duration_ns()),
                turns: sess.turns.to_string(),
                calls: sess.calls.to_string(),
                spans: thousands(u64::from(sess.spans)),
                tokens: tokens(model.tokens_of(sess)[2]),
                errors: sess.errors.to_string(),
                user: if sess.user == 0 {
                    "-".to_owned()
                } else {
                    one_line(model.str(sess.user))
                },
                input: reader.headline(s).map(|i| one_line(&i)).unwrap_or_default(),
            }
        })
        .collect();
    // The whole table when it fits with the first input at its narrowest; else the TUI list's
    // narrow one: the start to the minute, `DUR`, and no span or user column.
    let wide = Layout::of(&rows, false, width);
    let l = if wide.fits {
        wide
    } else {
        Layout::of(&rows, true, width)
    };
    let line = |r: [&str; 11]| {
        let mut s = pad(r[0], l.id);
        if l.mark > 0 {
            s.push(' ');
            s.push_str(&pad(r[1], l.mark));
        }
        for (v, w, right) in [
            (r[2], l.start, false),
            (r[3], l.dur, true),
            (r[4], l.turns, true),
            (r[5], l.calls, true),
            (r[6], l.spans, true),
            (r[7], l.tokens, true),
            (r[8], l.errors, true),
        ] {
            if w == 0 {
                continue;
            }
            s.push(' ');
            s.push_str(&if right { rpad(v, w) } else { pad(v, w) });
        }
        s.push_str("  ");
        if l.user > 0 {
            s.push_str(&pad(r[9], l.user));
            s.push(' ');
        }
        s.push_str(&truncate(r[10], l.input));
        s.trim_end().to_owned()
    };
    writeln!(
        out,
        "{}",
        line([
            "SESSION",
            "",
            "START",
            if l.narrow { "DUR" } else { "DURATION" },
            "TURNS",
            "CALLS",
            "SPANS",
            "TOKENS",
            "ERR",
            "USER",
            "FIRST INPUT"
        ])
    )?;
    for r in &rows {
        writeln!(
            out,
            "{}",
            line([
                &r.id,
                r.marker,
                if l.narrow { &r.start_short } else { &r.start },
                &r.duration,
                &r.turns,
                &r.calls,
                &r.spans,
                &r.tokens,
                &r.errors,
                &r.user,
                &r.input,
            ])
        )?;
    }
    let u = unsessioned(model);
    let count = match filter {
        Some(_) => format!(
            "{} of {} match the filter",
            thousands(ids.len() as u64),
            crate::fmt::count(model.sessions.len(), "session", "sessions")
        ),
        None => crate::fmt::count(model.sessions.len(), "session", "sessions"),
    };
    writeln!(
        out,
        "\n{count}; unsessioned: {}, {}{}",
        crate::fmt::count(u.traces, "trace", "traces"),
        crate::fmt::count_u64(u.spans, "span", "spans"),
        legend(model)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture's sessions written by several workers in small pieces (their buffers
    /// handed back and used again, pieces written out of the order they are made in) are the
    /// bytes one thread writes, through `Text` with its look at every byte, into an `Output`
    /// and into a `Vec`.
    #[test]
    fn sessions_in_pieces_on_workers_as_on_one_thread() {
        use std::io::Write;
        let mut sessions = 0;
        for path in crate::testing::all_fixture_exports() {
            let text = std::fs::read(&path).unwrap();
            let Some(model) = crate::testing::model_of(text) else {
                continue;
            };
            let ids: Vec<u32> = (0..u32::try_from(model.sessions.len()).unwrap()).collect();
            let mut one = Vec::new();
            {
                let mut w = std::io::BufWriter::new(crate::sanitize::Text::new(&mut one));
                let mut buf = Clean::new();
                let mut st = json::SessionText::new(2);
                sessions_text(&model, &ids, true, None, &mut st, &mut buf).unwrap();
                w.write_all(buf.as_bytes()).unwrap();
                w.flush().unwrap();
            }
            for (workers, per_piece) in [(1, 1), (2, 1), (3, 2), (2, 5)] {
                let mut many = Vec::new();
                {
                    let mut w = crate::sanitize::Output::new(16, &mut many);
                    write_sessions_on(&model, &ids, workers, per_piece, &mut w).unwrap();
                    w.flush().unwrap();
                }
                assert_eq!(
                    String::from_utf8_lossy(&many),
                    String::from_utf8_lossy(&one),
                    "{} {workers} {per_piece}",
                    path.display()
                );
                let mut plain = Vec::new();
                write_sessions_on(&model, &ids, workers, per_piece, &mut plain).unwrap();
                assert_eq!(plain, one, "{}", path.display());
            }
            sessions += ids.len();
        }
        assert!(sessions > 100, "{sessions}");
    }
}
