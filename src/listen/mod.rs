//! `sesstui listen`: an OTLP receiver on localhost that saves every request it accepts, before
//! answering, as one OTLP/JSON line of a file (the Collector file exporter's format), and
//! either opens the explorer following that file or, `--headless`, prints a line per request.
//!
//! The seam to the rest of sesstui is the saved file: the explorer follows it like any growing
//! export (see [`crate::follow`]), so what is shown is exactly what was saved, and a slow
//! screen never slows or drops ingestion (the receiver never waits on the screen; the header's
//! counts come from [`stats::Stats`], atomics).
//!
//! - [`request`]: a body → the line to save, its spans checked (pure, no I/O);
//! - [`save`]: the file, one whole line per request, cut back on a failed write;
//! - [`http`] and [`grpc`]: the two servers, one axum/hyper stack on one tokio runtime;
//! - [`stats`]: what was taken in, for the header; [`log`]: the headless lines.

pub mod grpc;
pub mod http;
pub mod log;
pub mod request;
pub mod save;
pub mod stats;

use anyhow::{Context, Result};
use log::{Answer, Event, Via};
use request::{Accepted, Encoding};
use save::Saver;
use stats::{Stats, Status};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver as Lines, SyncSender, TrySendError};
use std::time::{Duration, Instant, SystemTime};

/// The OTLP defaults.
pub const HTTP: &str = "127.0.0.1:4318";
pub const GRPC: &str = "127.0.0.1:4317";
/// The largest body taken, compressed or not (the Collector's default).
pub const MAX_BODY: usize = 20 * 1024 * 1024;
/// How many headless lines wait for the terminal before more are only counted.
const LOG_QUEUE: usize = 4096;

/// What `sesstui listen` was asked.
#[derive(Clone, Debug)]
pub struct Options {
    pub http: Option<SocketAddr>,
    pub grpc: Option<SocketAddr>,
    /// Where to save; `None`: a new file under the user data directory.
    pub save: Option<PathBuf>,
    pub max_body: usize,
    pub fsync: bool,
    /// How long a request's body may take to arrive.
    pub body_timeout: Duration,
}

/// Shared by every request's task.
pub(crate) struct Shared {
    saver: Saver,
    stats: Stats,
    max_body: usize,
    body_timeout: Duration,
    log: Option<SyncSender<Event>>,
    /// Headless lines dropped because the terminal was behind.
    unprinted: AtomicU64,
    /// Requests decoded and saved at once: what memory the work takes is bounded by this times
    /// the body limit, however many senders there are (the others wait their turn).
    pub(crate) work: tokio::sync::Semaphore,
    /// Request bodies being read at once: with the body limit, what reading them can hold
    /// (16 × 20 MiB by default), however many connections are open; the others wait.
    pub(crate) reading: tokio::sync::Semaphore,
}

/// How many requests are decoded and saved at once.
const WORKERS: usize = 4;
/// How many request bodies are read at once.
const READERS: usize = 16;
/// How long a body may take to arrive once its reading started, by default (a stalled sender
/// would otherwise hold a reader's place for ever): 408, or `DEADLINE_EXCEEDED` on gRPC.
pub const BODY_TIMEOUT: &str = "30";

/// Why a request whose body arrived was not taken.
pub(crate) enum Failure {
    Undecodable(String),
    NotSaved(std::io::Error),
}

impl Shared {
    /// Takes a request's body (decompressed): decoded, checked, saved, counted, logged.
    pub(crate) fn receive(
        &self,
        body: &[u8],
        enc: Encoding,
        via: Via,
        peer: Option<SocketAddr>,
        wire_bytes: u64,
    ) -> Result<Accepted, Failure> {
        let mut a = request::accept(body, enc).map_err(|e| Failure::Undecodable(e.0))?;
        if !a.line.is_empty() {
            self.saver
                .append(std::mem::take(&mut a.line))
                .map_err(Failure::NotSaved)?;
        }
        self.stats.saved(a.spans, a.rejected, wire_bytes);
        self.log(Event {
            at: SystemTime::now(),
            via,
            peer,
            bytes: wire_bytes,
            answer: Answer::Saved {
                spans: a.spans,
                rejected: a.rejected,
                message: a.message.clone(),
            },
        });
        Ok(a)
    }

    /// A request answered with an error.
    pub(crate) fn refused(
        &self,
        via: Via,
        peer: Option<SocketAddr>,
        bytes: u64,
        status: &str,
        why: &str,
    ) {
        self.stats.refused();
        self.log(Event {
            at: SystemTime::now(),
            via,
            peer,
            bytes,
            answer: Answer::Refused {
                status: status.to_owned(),
                why: why.to_owned(),
            },
        });
    }

    fn log(&self, ev: Event) {
        if let Some(tx) = &self.log
            && let Err(TrySendError::Full(_)) = tx.try_send(ev)
        {
            self.unprinted.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A running receiver: its servers on their runtime.
pub struct Receiver {
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
    http: Option<SocketAddr>,
    grpc: Option<SocketAddr>,
    stop: tokio::sync::watch::Sender<bool>,
    servers: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Receiver {
    /// Binds the addresses (an address in use is said here, before anything starts), opens
    /// the file, and starts serving. With `log`, every request is also an [`Event`] on the
    /// returned queue.
    pub fn start(opts: &Options, log: bool) -> Result<(Receiver, Option<Lines<Event>>)> {
        if opts.http.is_none() && opts.grpc.is_none() {
            anyhow::bail!("nothing to listen on: --http and --grpc are both off");
        }
        let bind = |addr: Option<SocketAddr>, what: &str, flag: &str| -> Result<_> {
            let Some(addr) = addr else { return Ok(None) };
            let l = TcpListener::bind(addr).with_context(|| {
                format!(
                    "cannot listen for {what} on {addr} (another receiver? {flag} ADDR listens \
                     elsewhere, {flag} off not at all)"
                )
            })?;
            l.set_nonblocking(true)?;
            Ok(Some(l))
        };
        let http = bind(opts.http, "OTLP/HTTP", "--http")?;
        let grpc = bind(opts.grpc, "OTLP/gRPC", "--grpc")?;
        let path = match &opts.save {
            Some(p) => p.clone(),
            None => default_save_path()?,
        };
        let saver = Saver::open(&path, opts.fsync)
            .with_context(|| format!("cannot save to {}", path.display()))?;
        let (tx, rx) = if log {
            let (tx, rx) = std::sync::mpsc::sync_channel(LOG_QUEUE);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let shared = Arc::new(Shared {
            saver,
            stats: Stats::default(),
            max_body: opts.max_body,
            body_timeout: opts.body_timeout,
            log: tx,
            unprinted: AtomicU64::new(0),
            work: tokio::sync::Semaphore::new(WORKERS),
            reading: tokio::sync::Semaphore::new(READERS),
        });
        // Two workers: the receiver shares two cores with the explorer's indexing.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sesstui-listen")
            .enable_all()
            .build()
            .context("cannot start the receiver's runtime")?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut servers = Vec::new();
        let mut bound = (None, None);
        for (listener, router, slot) in [
            (http, http::router(Arc::clone(&shared)), 0),
            (grpc, grpc::router(Arc::clone(&shared)), 1),
        ] {
            let Some(listener) = listener else { continue };
            let addr = listener.local_addr()?;
            if slot == 0 {
                bound.0 = Some(addr);
            } else {
                bound.1 = Some(addr);
            }
            let mut stopped = stopped.clone();
            let _guard = runtime.enter();
            let listener = tokio::net::TcpListener::from_std(listener)?;
            servers.push(runtime.spawn(async move {
                let app = router.into_make_service_with_connect_info::<SocketAddr>();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await
            }));
        }
        Ok((
            Receiver {
                runtime,
                shared,
                http: bound.0,
                grpc: bound.1,
                stop,
                servers,
            },
            rx,
        ))
    }

    pub fn path(&self) -> &Path {
        self.shared.saver.path()
    }

    /// The counts now, for the header.
    pub fn status(&self) -> Status {
        Status {
            rate: self.shared.stats.rate_now(Instant::now()),
            ..Receiver::status_of(&self.shared, self.http, self.grpc)
        }
    }

    /// What to print at start: where it listens and saves (and a warning for an address
    /// others can reach: the receiver has no authentication).
    pub fn banner(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut on = Vec::new();
        if let Some(a) = self.http {
            on.push(format!("http://{a}{} (OTLP/HTTP)", http::PATH));
        }
        if let Some(a) = self.grpc {
            on.push(format!("{a} (OTLP/gRPC)"));
        }
        out.push(format!("receiving OTLP traces on {}", on.join(" and ")));
        for a in [self.http, self.grpc].into_iter().flatten() {
            if !a.ip().is_loopback() {
                out.push(format!(
                    "warning: {a} can be reached from other machines, and the receiver has no \
                     authentication: anyone who reaches it can write into the saved file"
                ));
            }
        }
        out.push(format!("saving every request to {}", self.path().display()));
        out
    }

    /// Stops taking connections, lets the requests in flight finish (and be saved), waiting
    /// at most `grace`, and returns the final counts.
    pub fn stop(self, grace: Duration) -> Status {
        let _ = self.stop.send(true);
        let servers = self.servers;
        self.runtime.block_on(async {
            let _ = tokio::time::timeout(grace, async {
                for s in servers {
                    let _ = s.await;
                }
            })
            .await;
        });
        let status = Receiver::status_of(&self.shared, self.http, self.grpc);
        self.runtime.shutdown_timeout(Duration::from_millis(200));
        status
    }

    fn status_of(shared: &Shared, http: Option<SocketAddr>, grpc: Option<SocketAddr>) -> Status {
        let s = &shared.stats;
        Status {
            http,
            grpc,
            saving: shared.saver.path().to_owned(),
            requests: s.requests(),
            spans: s.spans(),
            rejected: s.rejected(),
            refused: s.refused_count(),
            rate: 0.0,
        }
    }
}

/// `received 12 requests, 340 spans (2 rejected, 1 request refused); saved to FILE`.
pub fn summary(s: &Status) -> String {
    use crate::fmt::count;
    let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    let mut out = format!(
        "received {}, {}",
        count(n(s.requests), "request", "requests"),
        count(n(s.spans), "span", "spans")
    );
    let mut notes = Vec::new();
    if s.rejected > 0 {
        notes.push(format!(
            "{} rejected",
            count(n(s.rejected), "span", "spans")
        ));
    }
    if s.refused > 0 {
        notes.push(format!(
            "{} refused",
            count(n(s.refused), "request", "requests")
        ));
    }
    if !notes.is_empty() {
        out.push_str(&format!(" ({})", notes.join(", ")));
    }
    out.push_str(&format!("; saved to {}", s.saving.display()));
    out
}

/// A new file under the user data directory: `…/sesstui/received/otlp-<UTC time>.jsonl`.
fn default_save_path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "sesstui")
        .context("no home directory to save into: give --save FILE")?;
    let dir = dirs.data_dir().join("received");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let stamp = crate::time::iso_ms(now).replace(':', "-");
    for n in 0..1000 {
        let name = match n {
            0 => format!("otlp-{stamp}.jsonl"),
            n => format!("otlp-{stamp}-{n}.jsonl"),
        };
        let p = dir.join(name);
        if !p.exists() {
            return Ok(p);
        }
    }
    anyhow::bail!("no free file name in {}: give --save FILE", dir.display())
}

/// Where a server listens, or `None` (`off`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bind(pub Option<SocketAddr>);

/// `127.0.0.1:4318`, `[::1]:4318`, `localhost:4318`, `4318` (on 127.0.0.1), or `off`.
pub fn parse_bind(s: &str) -> Result<Bind, String> {
    parse_addr(s).map(Bind)
}

fn parse_addr(s: &str) -> Result<Option<SocketAddr>, String> {
    use std::net::ToSocketAddrs;
    let s = s.trim();
    if s.eq_ignore_ascii_case("off") || s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    if let Ok(port) = s.parse::<u16>() {
        return Ok(Some(SocketAddr::from(([127, 0, 0, 1], port))));
    }
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(Some(a));
    }
    match s.to_socket_addrs() {
        Ok(mut it) => it
            .next()
            .map(Some)
            .ok_or_else(|| format!("{s:?} names no address")),
        Err(e) => Err(format!(
            "not an address: {s:?} ({e}); give HOST:PORT, a port, or off"
        )),
    }
}

/// `20MiB`, `20MB`, `512KB`, `1048576`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("not a size: {s:?}"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "kib" => 1024,
        "mb" | "m" => 1_000_000,
        "mib" => 1024 * 1024,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1024 * 1024 * 1024,
        _ => {
            return Err(format!(
                "unknown unit in {s:?} (B, KB, KiB, MB, MiB, GB, GiB)"
            ));
        }
    };
    let v = n
        .checked_mul(mult)
        .and_then(|v| usize::try_from(v).ok())
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("{s:?} is not a usable size"))?;
    Ok(v)
}

/// `sesstui listen --headless`: receives until SIGINT, SIGTERM or SIGHUP, printing a line per
/// request to stdout (none with `quiet`), then the summary to stderr. Exit status 0.
pub fn headless(opts: &Options, quiet: bool, zone: &crate::zone::Zone) -> Result<u8> {
    // Before anything is served or the banner says where to send: a signal that comes as soon
    // as the address is known must end the receiving (saved, summed up), not kill it.
    let end = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&end))?;
    }
    let (receiver, lines) = Receiver::start(opts, !quiet)?;
    for l in receiver.banner() {
        crate::sanitize::eprint_line(&format!("sesstui: {l}"));
    }
    let shared = Arc::clone(&receiver.shared);
    let mut printing = true;
    while !end.load(Ordering::Relaxed) {
        match &lines {
            Some(rx) => match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => print(&shared, &ev, zone, &mut printing),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            },
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let status = receiver.stop(Duration::from_secs(5));
    if let Some(rx) = &lines {
        for ev in rx.try_iter() {
            print(&shared, &ev, zone, &mut printing);
        }
    }
    crate::sanitize::eprint_line(&format!("sesstui: {}", summary(&status)));
    Ok(0)
}

/// `sesstui listen`: the receiver, and the explorer following the file it saves to, with the
/// receiver's counts in the header. When the explorer ends, the receiver stops (requests in
/// flight are finished and saved) and the summary is printed.
pub fn explore(opts: &Options, settings: crate::config::Config) -> Result<u8> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the explorer needs a terminal, and standard output is not one; \
             `sesstui listen --headless` only receives and saves"
        );
    }
    let (receiver, _) = Receiver::start(opts, false)?;
    for l in receiver.banner() {
        crate::sanitize::eprint_line(&format!("sesstui: {l}"));
    }
    let files = [receiver.path().to_owned()];
    let status = || receiver.status();
    let outcome = crate::tui::run_with(&files, settings, true, Some(&status));
    let status = receiver.stop(Duration::from_secs(5));
    crate::sanitize::eprint_line(&format!("sesstui: {}", summary(&status)));
    outcome.map(crate::tui::Outcome::exit_code)
}

/// Prints a headless line (and how many were dropped before it); a closed pipe stops the
/// printing, not the receiving.
fn print(shared: &Shared, ev: &Event, zone: &crate::zone::Zone, printing: &mut bool) {
    use std::io::Write;
    if !*printing {
        return;
    }
    let mut text = String::new();
    let dropped = shared.unprinted.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        text.push_str(&format!(
            "({} not printed: the output was behind)\n",
            crate::fmt::count(
                usize::try_from(dropped).unwrap_or(usize::MAX),
                "request line",
                "request lines"
            )
        ));
    }
    text.push_str(&ev.line(zone));
    text.push('\n');
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        *printing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_sizes_parse() {
        assert_eq!(parse_addr("off"), Ok(None));
        assert_eq!(
            parse_addr("4318"),
            Ok(Some(SocketAddr::from(([127, 0, 0, 1], 4318))))
        );
        assert_eq!(
            parse_addr("0.0.0.0:9"),
            Ok(Some(SocketAddr::from(([0, 0, 0, 0], 9))))
        );
        assert!(parse_addr("nowhere:x").is_err());
        assert_eq!(parse_size("20MiB"), Ok(20 * 1024 * 1024));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
