//! `sesstui listen --headless` with the real senders: the OpenTelemetry Python SDK's OTLP
//! exporters (protobuf over HTTP with gzip, the OTLP/JSON HTTP exporter, gRPC with gzip) send
//! the conversation scenario (`fixtures/listen/send.py`); the saved file holds every span
//! sent, once, as valid OTLP/JSON lines, and `sesstui sessions --json` on it gives the
//! scenario's truth. Then bad input over both transports: each request gets its status code,
//! the receiver keeps serving, the file stays valid JSON Lines.

#![allow(clippy::panic, clippy::unwrap_used)] // tests fail loudly

#[path = "common/listen.rs"]
mod listen;

use listen::{Listening, post};
use prost::Message;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn sesstui_json(args: &[&str]) -> Value {
    let out = listen::isolated::command().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every line of the saved file parsed (panics on one that is not JSON), with the
/// `(trace id, span id)` of every span in it, in order.
fn saved(path: &Path) -> (Vec<Value>, Vec<(String, String)>) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "a line left open");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let mut spans = Vec::new();
    for l in &lines {
        for rs in l["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    spans.push((
                        s["traceId"].as_str().unwrap().to_owned(),
                        s["spanId"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
    }
    (lines, spans)
}

#[test]
fn real_senders_every_span_saved_once_and_sessions_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("received.jsonl");
    let truth_path = dir.path().join("truth.json");
    let rx = Listening::start(&file, &[]);
    listen::send(&[
        "--http",
        &rx.http,
        "--grpc",
        &rx.grpc,
        "--truth",
        truth_path.to_str().unwrap(),
    ]);
    let stopped = rx.stop();
    assert_eq!(stopped.status.code(), Some(0), "{}", stopped.stderr);
    let truth: Value = serde_json::from_slice(&std::fs::read(&truth_path).unwrap()).unwrap();

    // One line per request printed, each saved, none refused; the summary on stderr.
    let requests = truth["requests"].as_u64().unwrap();
    let printed: Vec<&str> = stopped.stdout.lines().collect();
    assert_eq!(printed.len() as u64, requests, "{}", stopped.stdout);
    assert!(
        printed.iter().all(|l| l.contains(" saved ")),
        "{}",
        stopped.stdout
    );
    for via in ["http/protobuf", "http/json", "grpc"] {
        assert!(
            printed
                .iter()
                .any(|l| l.split_whitespace().nth(1) == Some(via)),
            "no request came by {via}: {}",
            stopped.stdout
        );
    }
    let spans = truth["spans"].as_u64().unwrap();
    assert!(
        stopped.stderr.contains(&format!(
            "received {requests} requests, {spans} spans; saved to"
        )),
        "{}",
        stopped.stderr
    );

    // Every span sent is in the file, once: the file is the truth's spans exactly.
    let (lines, got) = saved(&file);
    assert_eq!(lines.len() as u64, requests);
    let unique: BTreeSet<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(unique.len(), got.len(), "a span saved twice");
    let want: BTreeSet<&str> = truth["span_sessions"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(unique, want);

    // The sessions read from it are the ones sent.
    let doc = sesstui_json(&["sessions", "--json", "--no-infer", file.to_str().unwrap()]);
    let got: BTreeMap<&str, &Value> = doc["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s))
        .collect();
    let want = truth["sessions"].as_object().unwrap();
    assert_eq!(
        got.keys().copied().collect::<BTreeSet<_>>(),
        want.keys().map(String::as_str).collect::<BTreeSet<_>>()
    );
    for (id, w) in want {
        for k in ["traces", "spans", "errors", "user", "first_input"] {
            assert_eq!(got[id.as_str()][k], w[k], "session {id} {k}");
        }
    }
    assert_eq!(doc["unsessioned"]["traces"], truth["unsessioned_traces"]);

    // And with inference on, as the explorer shows it, every span is still there once.
    let spans_out = listen::isolated::command()
        .args(["spans", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(spans_out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&spans_out.stdout).lines().count() as u64,
        spans
    );
}

/// A request the receiver takes: one span with these ids.
fn request(trace: Vec<u8>, span: Vec<u8>, name: &str) -> Vec<u8> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: trace,
                    span_id: span,
                    name: name.to_owned(),
                    start_time_unix_nano: 1_764_000_000_000_000_000,
                    end_time_unix_nano: 1_764_000_001_000_000_000,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

const PROTO: (&str, &str) = ("Content-Type", "application/x-protobuf");
const JSON: (&str, &str) = ("Content-Type", "application/json");

/// The `google.rpc.Status` message of an error answer (protobuf: field 2 is the message).
fn status_message(r: &listen::Reply) -> String {
    if r.header("content-type") == Some("application/json") {
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        return v["message"].as_str().unwrap().to_owned();
    }
    #[derive(prost::Message)]
    struct RpcStatus {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
    }
    RpcStatus::decode(&r.body[..]).unwrap().message
}

#[test]
fn bad_requests_get_their_status_and_the_receiver_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("received.jsonl");
    let rx = Listening::start(&file, &["--max-body", "1MiB"]);
    let addr = rx.http_addr();
    let good = || request(vec![1; 16], vec![2; 8], "good");
    let mut good_sent = 0;
    let mut expect = |name: &str, r: listen::Reply, status: u16, says: &str| {
        assert_eq!(r.status, status, "{name}: {r:?}");
        if !says.is_empty() {
            let m = status_message(&r);
            assert!(m.contains(says), "{name}: {m:?} does not say {says:?}");
        }
        // Between each two bad requests, a good one is still taken.
        let ok = post(&addr, "/v1/traces", &[PROTO], &good());
        assert_eq!(ok.status, 200, "after {name}");
        good_sent += 1;
    };

    let r = post(
        &addr,
        "/v1/traces",
        &[PROTO],
        b"\xff\xff\xff\xff\x0fgarbage",
    );
    expect(
        "garbage protobuf",
        r,
        400,
        "not an OTLP ExportTraceServiceRequest",
    );
    let body = good();
    let r = post(&addr, "/v1/traces", &[PROTO], &body[..body.len() - 3]);
    expect(
        "truncated protobuf",
        r,
        400,
        "not an OTLP ExportTraceServiceRequest",
    );
    let r = post(&addr, "/v1/traces", &[JSON], b"{\"resourceSpans\": [");
    expect(
        "truncated JSON",
        r,
        400,
        "not an OTLP/JSON ExportTraceServiceRequest",
    );
    let r = post(
        &addr,
        "/v1/traces",
        &[("Content-Type", "text/plain")],
        b"hi",
    );
    expect("wrong content type", r, 415, "text/plain");
    let r = post(&addr, "/v1/traces", &[], &good());
    expect("no content type", r, 415, "no content type");
    let r = post(
        &addr,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "br")],
        &good(),
    );
    expect("unknown encoding", r, 415, "\"br\"");
    let r = post(
        &addr,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "gzip")],
        b"notgzip",
    );
    expect("broken gzip", r, 400, "gzip");
    let big = vec![b'x'; 2 * 1024 * 1024];
    let r = post(&addr, "/v1/traces", &[PROTO], &big);
    expect(
        "oversized, declared",
        r,
        413,
        "larger than the limit of 1.0 MB",
    );
    let mut chunked = format!("{:x}\r\n", big.len()).into_bytes();
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let r = post(
        &addr,
        "/v1/traces",
        &[PROTO, ("Transfer-Encoding", "chunked")],
        &chunked,
    );
    expect("oversized, chunked", r, 413, "larger than the limit");
    let bomb = gzip(&vec![0u8; 8 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    let r = post(
        &addr,
        "/v1/traces",
        &[PROTO, ("Content-Encoding", "gzip")],
        &bomb,
    );
    expect("gzip bomb", r, 413, "larger than the limit");
    let r = post(&addr, "/v1/metrics", &[PROTO], &good());
    expect(
        "another path",
        r,
        404,
        "POST /v1/metrics: sesstui receives only traces",
    );
    let r = listen::request("GET", &addr, "/v1/traces", &[], b"");
    expect("GET", r, 405, "traces are sent with POST");

    // A client that goes away in the middle of its body.
    {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n\
             Content-Length: 5000\r\n\r\n"
        )
        .unwrap();
        s.write_all(&good()).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let ok = post(&addr, "/v1/traces", &[PROTO], &good());
    assert_eq!(ok.status, 200, "after a client went away");
    good_sent += 1;

    // Partial success: the span with a short trace id is left out and named.
    let mut two = request(vec![3; 16], vec![4; 8], "kept");
    two.extend(request(vec![5; 15], vec![6; 8], "short-trace"));
    let r = post(&addr, "/v1/traces", &[PROTO], &two);
    assert_eq!(r.status, 200);
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    let p = ExportTraceServiceResponse::decode(&r.body[..])
        .unwrap()
        .partial_success
        .expect("a partial success");
    assert_eq!(p.rejected_spans, 1);
    assert!(
        p.error_message.contains("\"short-trace\""),
        "{}",
        p.error_message
    );
    // The same over JSON, answered in JSON; and a gzipped JSON body.
    let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"0707070707070707070707070707070a","spanId":"0808080808080808","name":"j"},
        {"traceId":"00000000000000000000000000000000","spanId":"0808080808080809","name":"zero"}]}]}]}"#;
    let r = post(&addr, "/v1/traces", &[JSON], json);
    assert_eq!(r.status, 200);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["partialSuccess"]["rejectedSpans"], "1");
    let r = post(
        &addr,
        "/v1/traces",
        &[JSON, ("Content-Encoding", "gzip")],
        &gzip(br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0909090909090909090909090909090a","spanId":"0a0a0a0a0a0a0a0a","name":"gz"}]}]}]}"#),
    );
    assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));

    // gRPC, through a real gRPC client: garbage and truncated bodies, one above the limit,
    // an unknown method; a good one after them.
    let codes_path = dir.path().join("codes.json");
    listen::send(&["--grpc", &rx.grpc, "--bad", codes_path.to_str().unwrap()]);
    let codes: Value = serde_json::from_slice(&std::fs::read(&codes_path).unwrap()).unwrap();
    assert_eq!(
        codes,
        serde_json::json!({
            "partial": "OK, 1 rejected: 1 span rejected: span \"short-trace\": its trace id \
                        must be 16 bytes, not all zero",
            "garbage": "INVALID_ARGUMENT",
            "truncated": "INVALID_ARGUMENT",
            "oversized": "RESOURCE_EXHAUSTED",
            "good": "OK",
            "unknown_method": "UNIMPLEMENTED",
        })
    );

    let stopped = rx.stop();
    assert_eq!(stopped.status.code(), Some(0));
    // Each refusal printed with its status.
    for status in [
        "refused 400",
        "refused 413",
        "refused 415",
        "refused 404",
        "refused 405",
        "refused INVALID_ARGUMENT",
        "refused RESOURCE_EXHAUSTED",
    ] {
        assert!(
            stopped.stdout.contains(status),
            "{status}: {}",
            stopped.stdout
        );
    }
    // The file holds the good spans (over HTTP, then the kept half of each partial success
    // and the gzipped JSON one, then gRPC's kept half and good one), nothing else.
    let (_, spans) = saved(&file);
    let names = std::fs::read_to_string(&file).unwrap();
    assert_eq!(spans.len(), good_sent + 3 + 2, "{names}");
    for absent in ["short-trace", "\"zero\"", "garbage"] {
        assert!(!names.contains(absent), "{absent} saved");
    }
}

#[test]
fn an_existing_export_is_appended_to_and_stays_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.jsonl");
    // A last line without its line break: the first request must not run on from it.
    let old =
        std::fs::read_to_string(listen::root().join("fixtures/otlp/file_exporter.jsonl")).unwrap();
    std::fs::write(&file, old.trim_end()).unwrap();
    let rx = Listening::start(&file, &[]);
    let r = post(
        &rx.http_addr(),
        "/v1/traces",
        &[PROTO],
        &request(vec![0xab; 16], vec![0xcd; 8], "appended"),
    );
    assert_eq!(r.status, 200);
    rx.stop();
    let (lines, spans) = saved(&file);
    assert_eq!(lines.len(), old.trim_end().lines().count() + 1);
    assert_eq!(spans.last().unwrap().1, "cdcdcdcdcdcdcdcd");
}

#[test]
fn an_address_in_use_or_reachable_by_others_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = listen::isolated::command()
        .args([
            "listen",
            "--headless",
            "--grpc",
            "off",
            "--http",
            &port,
            "--save",
        ])
        .arg(dir.path().join("x.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen for OTLP/HTTP on 127.0.0.1:{port}")),
        "{err}"
    );

    let rx = Listening::start(&dir.path().join("y.jsonl"), &["--http", "0.0.0.0:0"]);
    let stopped = rx.stop();
    assert!(
        stopped
            .stderr
            .contains("can be reached from other machines")
            && stopped.stderr.contains("no authentication"),
        "{}",
        stopped.stderr
    );
}

/// `sesstui listen --headless --quiet` over HTTP on a free port (gRPC off), then `extra`, with
/// what `cmd` already has (its environment); returns it running, its stderr, and the banner
/// read from it as it came.
fn quiet_receiver(
    cmd: &mut std::process::Command,
    extra: &[&std::ffi::OsStr],
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
    String,
) {
    use std::io::BufRead;
    let mut child = cmd
        .args(["listen", "--headless", "--quiet", "--grpc", "off"])
        .args(["--http", "127.0.0.1:0"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    while !banner.contains("saving every request to") {
        assert!(err.read_line(&mut banner).unwrap() > 0, "{banner}");
    }
    (child, err, banner)
}

#[test]
fn by_default_a_new_file_under_the_data_directory_and_quiet_prints_no_request() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let (child, mut err, banner) = quiet_receiver(
        listen::isolated::command()
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", &data),
        &[],
    );
    let saving = banner
        .lines()
        .find_map(|l| l.strip_prefix("sesstui: saving every request to "))
        .unwrap()
        .to_owned();
    let dir = data.join("sesstui/received");
    assert!(saving.starts_with(dir.to_str().unwrap()), "{saving}");
    let name = Path::new(&saving).file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("otlp-20") && name.ends_with("Z.jsonl"),
        "{name}"
    );
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|s| s.split("/v1/traces").next())
        .unwrap()
        .to_owned();
    let r = post(
        &addr,
        "/v1/traces",
        &[PROTO],
        &request(vec![7; 16], vec![8; 8], "q"),
    );
    assert_eq!(r.status, 200);
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(out.status.success(), "{:?}: {rest}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "--quiet printed");
    assert!(
        rest.contains(&format!("received 1 request, 1 span; saved to {saving}")),
        "{rest}"
    );
    let (_, spans) = saved(Path::new(&saving));
    assert_eq!(spans.len(), 1);
}

/// A supervisor may stop the receiver the moment it has said where to send: the signal must
/// end the receiving (summary printed, status 0), never kill it before its handlers are set.
#[test]
fn a_signal_as_soon_as_the_address_is_said_ends_the_receiving_cleanly() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("received.jsonl");
        let (child, mut err, banner) = quiet_receiver(
            &mut listen::isolated::command(),
            &["--save".as_ref(), file.as_os_str()],
        );
        // At once, from this process: no `kill` to spawn first.
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill(2) on our own child, which has not been waited for.
        #[allow(unsafe_code)]
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0);
        let out = child.wait_with_output().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
        assert!(out.status.success(), "{:?}: {banner}{rest}", out.status);
        assert!(rest.contains("received 0 requests, 0 spans"), "{rest}");
    }
}

#[test]
fn a_stalled_sender_is_cut_off_and_others_are_served_meanwhile() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("received.jsonl");
    let rx = Listening::start(&file, &["--body-timeout", "1", "--tz", "Asia/Tokyo"]);
    let addr = rx.http_addr();
    let mut stalled = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stalled,
        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n\
         Content-Length: 100\r\n\r\nabc"
    )
    .unwrap();
    // Served while the other waits.
    let ok = post(
        &addr,
        "/v1/traces",
        &[PROTO],
        &request(vec![1; 16], vec![2; 8], "ok"),
    );
    assert_eq!(ok.status, 200);
    stalled
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stalled.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(head.contains("did not arrive within 1s"), "{head}");
    let stopped = rx.stop();
    assert!(stopped.stdout.contains("refused 408"), "{}", stopped.stdout);
    // Each line's time is in the display zone, and says it.
    assert!(
        stopped.stdout.lines().all(|l| l
            .split_whitespace()
            .next()
            .is_some_and(|t| t.ends_with("+09:00"))),
        "{}",
        stopped.stdout
    );
    assert_eq!(saved(&file).1.len(), 1);
}
