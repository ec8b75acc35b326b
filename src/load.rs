//! Opening files and building the model: the one path both the TUI and the CLI take.
//!
//! Each file stands on its own: a directory opens every file in it, a quoted glob the files it
//! matches; a file that cannot be opened, or holds no span, is reported (with why) while the
//! others load. Only when no file yields anything is there nothing to show.

use crate::error::Error;
use crate::index::{self, Index, progress::Progress};
use crate::model::{self, Model};
use crate::source::Source;
use std::path::{Path, PathBuf};

/// A file given that could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unread {
    pub path: String,
    pub reason: String,
}

/// The files to read, as given: a directory stands for the files in it (sorted by name, hidden
/// ones left out), a path with `*`, `?` or `[` that names no file for the files it matches.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Unread>) {
    let mut files = Vec::new();
    let mut unread = Vec::new();
    let mut stdin = false;
    for p in paths {
        let shown = p.display().to_string();
        if p == Path::new("-") {
            if stdin {
                unread.push(Unread {
                    path: shown,
                    reason: "standard input is given more than once: it is read once".into(),
                });
            } else {
                stdin = true;
                files.push(p.clone());
            }
            continue;
        }
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut inside: Vec<PathBuf> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|f| f.is_file() && !hidden(f))
                        .collect();
                    inside.sort();
                    // Below it, the JSON Lines files of its directories (a Claude Code projects
                    // tree: projects, sessions' sub-agents).
                    inside.extend(nested_jsonl(p));
                    if inside.is_empty() {
                        unread.push(Unread {
                            path: shown,
                            reason: "a directory with no file in it".into(),
                        });
                    }
                    files.extend(inside);
                }
                Err(e) => unread.push(Unread {
                    path: shown,
                    reason: e.to_string(),
                }),
            }
            continue;
        }
        let pattern = p.to_string_lossy();
        if !p.exists() && pattern.contains(['*', '?', '[']) {
            match glob::glob(&pattern) {
                Ok(matches) => {
                    let mut found: Vec<PathBuf> =
                        matches.flatten().filter(|f| f.is_file()).collect();
                    found.sort();
                    if found.is_empty() {
                        unread.push(Unread {
                            path: shown,
                            reason: "no file matches this pattern".into(),
                        });
                    }
                    files.extend(found);
                }
                Err(e) => unread.push(Unread {
                    path: shown,
                    reason: format!("not a pattern: {e}"),
                }),
            }
            continue;
        }
        files.push(p.clone());
    }
    once(&mut files, &mut unread);
    (files, unread)
}

/// Leaves out a file given more than once (named twice, named and in a directory given, or
/// reached through a link) and says so, as for a second standard input: read twice, its
/// evaluations would be counted twice (its spans are anyway kept once).
fn once(files: &mut Vec<PathBuf>, unread: &mut Vec<Unread>) {
    let mut seen: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(files.len());
    for f in files.drain(..) {
        // Standard input is left to `expand`; a file that cannot be looked at is left for
        // opening it to report.
        let key = (f != Path::new("-")).then(|| same_file_key(&f)).flatten();
        let Some(key) = key else {
            kept.push(f);
            continue;
        };
        match seen.get(&key).and_then(|&i| kept.get(i)) {
            Some(first) => {
                let reason = if *first == f {
                    "given more than once: it is read once".to_owned()
                } else {
                    format!("the same file as {}: it is read once", first.display())
                };
                unread.push(Unread {
                    path: f.display().to_string(),
                    reason,
                });
            }
            None => {
                seen.insert(key, kept.len());
                kept.push(f);
            }
        }
    }
    *files = kept;
}

/// What makes two paths the same file: its device and inode.
#[cfg(unix)]
fn same_file_key(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

/// What makes two paths the same file: where it is, links followed.
#[cfg(not(unix))]
fn same_file_key(p: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(p).ok()
}

/// How deep below a directory given its directories' files are looked for.
const NESTED_DEPTH: usize = 4;

fn hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// The `.jsonl` files in the directories below `dir` (not its own files), down to
/// [`NESTED_DEPTH`], hidden ones and symbolic links to directories left out; each directory's
/// files sorted by name, before its own directories. Other files there (Claude Code's
/// `tool-results/*.txt`, memory notes) are not trace files and are not opened.
fn nested_jsonl(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // (directory, depth), walked without recursion.
    let mut pending = vec![(dir.to_path_buf(), 0usize)];
    let mut first = true;
    while let Some((d, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            if hidden(&path) {
                continue;
            }
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() && depth < NESTED_DEPTH {
                dirs.push(path);
            } else if kind.is_file()
                && !first
                && path.extension().and_then(|x| x.to_str()) == Some("jsonl")
            {
                files.push(path);
            }
        }
        first = false;
        files.sort();
        out.extend(files);
        dirs.sort();
        pending.extend(dirs.into_iter().rev().map(|p| (p, depth + 1)));
    }
    out
}

/// Opens the files (see [`expand`]); the ones that cannot be opened are reported, not fatal.
pub fn open(paths: &[PathBuf]) -> (Vec<Source>, Vec<Unread>) {
    let (files, mut unread) = expand(paths);
    let mut sources = Vec::with_capacity(files.len());
    for f in &files {
        match Source::open(f) {
            Ok(s) => sources.push(s),
            Err(e) => unread.push(Unread::new(f, e)),
        }
    }
    (sources, unread)
}

impl Unread {
    fn new(path: &Path, e: Error) -> Unread {
        Unread {
            path: path.display().to_string(),
            // The path is said once, by whoever shows the `Unread`.
            reason: match e {
                Error::Io { err, .. } => err.to_string(),
                Error::NoSpans { reason, .. } | Error::Unsupported { reason, .. } => reason,
                other => other.to_string(),
            },
        }
    }
}

/// Opens every file, scans them together and builds the model, inferring as `options` say.
/// Fails only when no file could be read, or none holds a span.
pub fn load(
    paths: &[PathBuf],
    options: model::infer::Options,
    progress: &Progress,
) -> Result<Model, Error> {
    let model = load_any(paths, options, progress)?;
    require_spans(&model)?;
    Ok(model)
}

/// Fails when no file given holds a span: naming the file and why, or, when several were
/// given, each of them and why, on one line. When a file lost bytes while it was read, that
/// is said instead (it may be why nothing was found).
pub fn require_spans(model: &Model) -> Result<(), Error> {
    let idx = &model.index;
    let found = if idx.unread.is_empty() || idx.require_spans().is_ok() {
        idx.require_spans()
    } else {
        Err(Error::NothingToShow(
            idx.file_notes()
                .iter()
                .map(|n| format!("{}: {}", n.path, n.reason))
                .collect::<Vec<_>>()
                .join("; "),
        ))
    };
    found.or_else(|e| {
        idx.verify()?;
        Err(e)
    })
}

/// [`load`], without requiring a span: for `doctor`, whose report matters most when there is
/// none. Fails only when no file could be read.
pub fn load_any(
    paths: &[PathBuf],
    options: model::infer::Options,
    progress: &Progress,
) -> Result<Model, Error> {
    let (sources, unread) = open(paths);
    from_sources(sources, unread, options, progress)
}

/// For tests of files that change while sesstui reads them: `SESSTUI_TEST_PAUSE=POINT:MS`
/// waits MS milliseconds (at most a minute) at `POINT`: `open` (every file opened and
/// mapped, not a byte of it read yet), `output` (a headless command's model is built and
/// checked, its output not started). Read here only.
pub fn test_pause(point: &str) {
    let Ok(v) = std::env::var("SESSTUI_TEST_PAUSE") else {
        return;
    };
    let ms = v
        .split_once(':')
        .filter(|(p, _)| *p == point)
        .and_then(|(_, ms)| ms.parse::<u64>().ok());
    if let Some(ms) = ms {
        // Said on stderr, so a test knows when to act.
        eprintln!("sesstui: test pause at {point}");
        std::thread::sleep(std::time::Duration::from_millis(ms.min(60_000)));
    }
}

/// Which files a rebuild reads again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// Every file whose bytes are still as read (another inference switch: same data).
    Intact,
    /// Only the files unchanged on disk; the others, and the paths given, are read again as
    /// they are now (`r`): a directory's new files come in, a deleted file goes.
    Unchanged,
}

/// Builds the model again from the files of `old` and `paths` (as given on the command line).
/// Standard input is always reused: it cannot be read twice. Fails as [`load`] does.
pub fn reload(
    paths: &[PathBuf],
    old: &Index,
    reuse: Reuse,
    options: model::infer::Options,
    progress: &Progress,
) -> Result<Model, Error> {
    let reopen = |s: &Source| Source::open(s.path()).map_err(|e| Unread::new(s.path(), e));
    let (sources, unread) = match reuse {
        Reuse::Intact => {
            let mut unread = old.unread.clone();
            let mut sources = Vec::with_capacity(old.sources.len());
            for s in &old.sources {
                if s.intact() || s.is_stdin() {
                    sources.push(s.clone());
                } else {
                    match reopen(s) {
                        Ok(s) => sources.push(s),
                        Err(u) => unread.push(u),
                    }
                }
            }
            (sources, unread)
        }
        Reuse::Unchanged => {
            let (files, mut unread) = expand(paths);
            let mut sources = Vec::with_capacity(files.len());
            for f in &files {
                let kept = old.sources.iter().find(|s| s.path() == f.as_path());
                let reused = kept.filter(|s| {
                    s.is_stdin() || (s.change() == crate::source::watch::Change::Same && s.intact())
                });
                match reused {
                    Some(s) => sources.push(s.clone()),
                    None => match Source::open(f) {
                        Ok(s) => sources.push(s),
                        Err(e) => unread.push(Unread::new(f, e)),
                    },
                }
            }
            (sources, unread)
        }
    };
    let model = from_sources(sources, unread, options, progress)?;
    require_spans(&model)?;
    Ok(model)
}

/// The evaluations a Phoenix trace dataset lists in its own metadata (`eval_ids`), which
/// `TraceDataset.save()` wrote beside it as `evaluations-<id>.parquet`: opened too when they
/// are not among the files already (a directory given, or both files named: the evaluations
/// already read are known by their own metadata's id, whatever their file names). One that is not
/// there (or cannot be opened) is reported, not fatal: the spans load without its evaluations.
/// An id that is not a UUID is not made into a path.
fn add_listed_evaluations(sources: &mut Vec<Source>, unread: &mut Vec<Unread>) {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let mut have: Vec<PathBuf> = sources
        .iter()
        .filter(|s| !s.is_stdin())
        .map(|s| canonical(s.path()))
        .collect();
    let mut read: Vec<String> = sources
        .iter()
        .filter_map(|s| s.evaluations_id().map(str::to_owned))
        .collect();
    let listing: Vec<(PathBuf, bool, Vec<String>)> = sources
        .iter()
        .filter(|s| !s.listed_evaluations().is_empty())
        .map(|s| {
            (
                s.path().to_owned(),
                s.is_stdin(),
                s.listed_evaluations().to_vec(),
            )
        })
        .collect();
    for (dataset, stdin, ids) in listing {
        let shown = dataset.display();
        if stdin {
            unread.push(Unread {
                path: format!(
                    "the {} the trace dataset on standard input lists",
                    crate::fmt::count(ids.len(), "evaluations file", "evaluations files")
                ),
                reason: "standard input has no directory to find them in; give the trace \
                         dataset's directory instead"
                    .into(),
            });
            continue;
        }
        let dir = dataset.parent().unwrap_or(Path::new(""));
        for id in ids {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                unread.push(Unread {
                    path: shown.to_string(),
                    reason: format!(
                        "lists evaluations {:?}, not a Phoenix id: not looked for",
                        id.chars().take(40).collect::<String>()
                    ),
                });
                continue;
            }
            if read.contains(&id) {
                continue;
            }
            let path = dir.join(format!("evaluations-{id}.parquet"));
            let key = canonical(&path);
            if have.contains(&key) {
                continue;
            }
            match Source::open(&path) {
                Ok(s) => {
                    have.push(key);
                    read.extend(s.evaluations_id().map(str::to_owned));
                    sources.push(s);
                }
                Err(e) => {
                    let mut u = Unread::new(&path, e);
                    u.reason = format!(
                        "evaluations {id}, listed in the metadata of {shown}: {}; the spans \
                         are shown without them",
                        u.reason
                    );
                    unread.push(u);
                }
            }
        }
    }
}

/// Scans opened files into a model; `unread` are the files given that could not be opened.
/// A Phoenix trace dataset's evaluation files come in with it ([`add_listed_evaluations`]).
pub fn from_sources(
    mut sources: Vec<Source>,
    mut unread: Vec<Unread>,
    options: model::infer::Options,
    progress: &Progress,
) -> Result<Model, Error> {
    add_listed_evaluations(&mut sources, &mut unread);
    test_pause("open");
    if sources.is_empty() {
        return Err(match unread.into_iter().next() {
            Some(u) => Error::Unsupported {
                path: u.path,
                reason: u.reason,
            },
            None => Error::Unsupported {
                path: "(no file)".into(),
                reason: "no file given".into(),
            },
        });
    }
    let mut index: Index = index::build_with(sources, progress, options.history)?;
    index.unread = unread;
    Ok(model::build_with(index, options))
}
