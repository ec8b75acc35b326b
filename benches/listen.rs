//! The OTLP receiver under load, on loopback: N concurrent senders, each on its own
//! keep-alive HTTP/1.1 connection, post a fixed number of OTLP/HTTP protobuf requests to
//! `sesstui listen --headless --quiet`; reported: spans accepted per second, p50 / p99 request
//! latency, the receiver's peak memory (VmHWM), and spans saved = spans sent (counted in the
//! saved file). Beside it, in the same run, the machine's ceiling: the same senders posting to
//! a receiver on the same server stack (axum/hyper, two tokio workers) that reads the body
//! and discards it.
//!
//! `cargo bench --bench listen`. Two request shapes from the real fixture
//! `fixtures/otlp/file_exporter.jsonl` (the OTel Python SDK's spans of the conversation
//! scenario): "batch", all of its 47 spans in one request (as a BatchSpanProcessor sends),
//! and "single", one span per request (a SimpleSpanProcessor). `SESSTUI_BENCH_REQUESTS` sets
//! the requests per sender count (default 2,000 batches / 20,000 singles in all).

#![allow(clippy::panic, clippy::unwrap_used)] // tests and benchmarks fail loudly

#[path = "../tests/common/isolated.rs"]
mod isolated;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DISCARD: &str = "SESSTUI_BENCH_DISCARD_PORT_FILE";

fn main() {
    if let Some(port_file) = std::env::var_os(DISCARD) {
        discard_server(Path::new(&port_file));
        return;
    }
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/otlp/file_exporter.jsonl");
    let mut all = ExportTraceServiceRequest::default();
    for line in std::fs::read_to_string(&fixture).unwrap().lines() {
        let r: ExportTraceServiceRequest = serde_json::from_str(line).unwrap();
        all.resource_spans.extend(r.resource_spans);
    }
    let batch_spans: usize = all
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    let batch = all.encode_to_vec();
    // One span per request: the first resource and scope with each span alone.
    let mut singles = Vec::new();
    for rs in &all.resource_spans {
        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                let mut r = rs.clone();
                let mut s = ss.clone();
                s.spans = vec![sp.clone()];
                r.scope_spans = vec![s];
                singles.push(
                    ExportTraceServiceRequest {
                        resource_spans: vec![r],
                    }
                    .encode_to_vec(),
                );
            }
        }
    }
    let scale: usize = std::env::var("SESSTUI_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    println!(
        "# sesstui listen under load: loopback, OTLP/HTTP protobuf, keep-alive connections; \
         batch = {batch_spans} spans ({} B) per request, single = 1 span (~{} B)",
        batch.len(),
        singles.iter().map(Vec::len).sum::<usize>() / singles.len()
    );
    // The work of one request alone, in this process: decode, check, write as OTLP/JSON.
    for (shape, body) in [("batch", &batch), ("single", &singles[0])] {
        let n = if shape == "batch" { 500 } else { 20_000 };
        let t = Instant::now();
        let mut out = 0;
        for _ in 0..n {
            let a = sesstui::listen::request::accept(
                body,
                sesstui::listen::request::Encoding::Protobuf,
            )
            .unwrap();
            out += a.line.len();
        }
        let per = t.elapsed().as_secs_f64() / f64::from(n);
        println!(
            "# {shape}: decode + check + OTLP/JSON of one request in-process: {:.3} ms, {} B of \
             protobuf in, {} B of JSON out",
            per * 1e3,
            body.len(),
            out / n as usize
        );
    }
    println!(
        "{:<7} {:>7} {:>9} {:>13} {:>13} {:>9} {:>9} {:>9} {:>9}  saved = sent",
        "shape",
        "senders",
        "requests",
        "spans/s",
        "ceiling",
        "ratio",
        "p50 ms",
        "p99 ms",
        "peak MB"
    );
    for (shape, bodies, total) in [
        ("batch", vec![batch.clone()], 2_000 * scale),
        ("single", singles.clone(), 20_000 * scale),
    ] {
        for senders in [1, 8, 32] {
            let per = total / senders;
            // The ceiling first, then the receiver, so neither always runs on a warmer machine.
            let ceiling = run_discard(&bodies, senders, per);
            let dir = tempfile::tempdir().unwrap();
            let save = dir.path().join("saved.jsonl");
            let (r, peak) = run_sesstui(&bodies, senders, per, &save);
            let saved = count_spans(&save);
            let sent = senders * per * if shape == "batch" { batch_spans } else { 1 };
            println!(
                "{:<7} {:>7} {:>9} {:>13.0} {:>13.0} {:>8.2}× {:>9.2} {:>9.2} {:>9.1}  {}",
                shape,
                senders,
                senders * per,
                r.spans_per_sec(sent),
                ceiling.spans_per_sec(sent),
                ceiling.spans_per_sec(sent) / r.spans_per_sec(sent),
                r.pct(50.0),
                r.pct(99.0),
                peak as f64 / 1e6,
                if saved == sent {
                    format!("{saved} = {sent}")
                } else {
                    format!("MISMATCH {saved} saved of {sent}")
                }
            );
            assert_eq!(saved, sent, "spans saved must equal spans sent");
        }
    }
}

/// What one run measured.
struct Run {
    wall: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn spans_per_sec(&self, spans: usize) -> f64 {
        spans as f64 / self.wall.as_secs_f64()
    }

    fn pct(&self, p: f64) -> f64 {
        let mut l = self.latencies.clone();
        l.sort();
        let i = ((l.len() as f64 - 1.0) * p / 100.0).round() as usize;
        l[i].as_secs_f64() * 1e3
    }
}

/// `senders` threads, each posting `per` requests (cycling through `bodies`) on one
/// keep-alive connection; every answer must be 200.
fn load(port: u16, bodies: &[Vec<u8>], senders: usize, per: usize) -> Run {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..senders)
        .map(|k| {
            let bodies = bodies.to_vec();
            std::thread::spawn(move || {
                let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                s.set_nodelay(true).unwrap();
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let mut lat = Vec::with_capacity(per);
                for i in 0..per {
                    let body = &bodies[(k + i * senders) % bodies.len()];
                    let t = Instant::now();
                    let head = format!(
                        "POST /v1/traces HTTP/1.1\r\nHost: bench\r\nContent-Type: \
                         application/x-protobuf\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    w.write_all(head.as_bytes()).unwrap();
                    w.write_all(body).unwrap();
                    assert_eq!(read_answer(&mut r), 200);
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.join().unwrap());
    }
    Run {
        wall: t0.elapsed(),
        latencies,
    }
}

/// Reads one HTTP/1.1 answer (Content-Length framed); its status.
fn read_answer(r: &mut BufReader<TcpStream>) -> u16 {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    status
}

fn wait_for(path: &Path) -> String {
    let t0 = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{} never came",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Peak resident memory of a process (VmHWM), in bytes.
fn peak(child: &Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

fn stop(mut child: Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
}

fn run_sesstui(bodies: &[Vec<u8>], senders: usize, per: usize, save: &Path) -> (Run, u64) {
    let err = save.with_extension("stderr");
    let child = isolated::command()
        .args(["listen", "--headless", "--quiet", "--grpc", "off"])
        .args(["--http", "127.0.0.1:0", "--save"])
        .arg(save)
        .stderr(std::fs::File::create(&err).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let banner = loop {
        let s = std::fs::read_to_string(&err).unwrap_or_default();
        if s.contains("saving every request") {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no start: {s}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let port: u16 = banner
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let run = load(port, bodies, senders, per);
    let p = peak(&child);
    stop(child);
    (run, p)
}

fn run_discard(bodies: &[Vec<u8>], senders: usize, per: usize) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    let child = Command::new(std::env::current_exe().unwrap())
        .env(DISCARD, &port_file)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let port: u16 = wait_for(&port_file).trim().parse().unwrap();
    let run = load(port, bodies, senders, per);
    stop(child);
    run
}

/// Spans in the saved file, counted from its JSON (not by sesstui's index).
fn count_spans(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            let r: ExportTraceServiceRequest = serde_json::from_str(l).unwrap();
            r.resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .map(|s| s.spans.len())
                .sum::<usize>()
        })
        .sum()
}

/// The ceiling's receiver: the same stack, the body read whole and dropped, `200` with an
/// empty `ExportTraceServiceResponse`.
fn discard_server(port_file: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let app = axum::Router::new()
            .route(
                "/v1/traces",
                axum::routing::post(|body: axum::body::Bytes| async move {
                    drop(body);
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/x-protobuf")],
                        Vec::<u8>::new(),
                    )
                }),
            )
            .layer(axum::extract::DefaultBodyLimit::max(20 << 20));
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        std::fs::write(port_file, format!("{port}\n")).unwrap();
        axum::serve(l, app).await.unwrap();
    });
}
