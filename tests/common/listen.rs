//! For the receiver's tests: the real OpenTelemetry Python SDK exporters (a venv under the
//! target directory, made from `fixtures/listen/requirements.txt` the first time; or the
//! interpreter in `$SESSTUI_TEST_PYTHON`), and `sesstui listen --headless` started on free
//! loopback ports and stopped with SIGTERM.

#![allow(dead_code)]

#[allow(clippy::duplicate_mod)] // also included beside it by some test files
#[path = "isolated.rs"]
pub mod isolated;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python with the exporters installed.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SESSTUI_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let req_path = root().join("fixtures/listen/requirements.txt");
    let req = std::fs::read(&req_path).expect("requirements");
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = base.join("listen-venv");
    let py = venv.join("bin/python");
    let stamp = venv.join("installed-requirements.txt");
    let ready = || std::fs::read(&stamp).ok().as_deref() == Some(&req[..]);
    if ready() {
        return py;
    }
    // One installer at a time across the test binaries: a lock directory.
    let lock = base.join("listen-venv.lock");
    let t0 = Instant::now();
    while std::fs::create_dir(&lock).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "{} held too long (remove it if no test is running)",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(200));
        if ready() {
            return py;
        }
    }
    let result = (|| {
        let _ = std::fs::remove_dir_all(&venv);
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("python3 -m venv failed (Debian: apt-get install python3-venv)".to_owned());
        }
        let out = Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&req_path)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "pip install -r {} failed: {}",
                req_path.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::fs::write(&stamp, &req).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir(&lock);
    if let Err(e) = result {
        panic!("the receiver's tests need the OTel Python SDK exporters: {e}");
    }
    py
}

/// `fixtures/listen/send.py` with these arguments; panics (with its stderr) when it fails.
pub fn send(args: &[&str]) {
    let out = Command::new(python())
        .arg(root().join("fixtures/listen/send.py"))
        .args(args)
        .output()
        .expect("run send.py");
    assert!(
        out.status.success(),
        "send.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A free loopback port (bound, read, released: another process could take it in between,
/// which a test would show as a bind error, not as a wrong result).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub struct Listening {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`
    pub http: String,
    /// `127.0.0.1:PORT`
    pub grpc: String,
}

pub struct Stopped {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Listening {
    /// `sesstui listen --headless` on free ports, saving to `save`, with `extra` arguments.
    pub fn start(save: &Path, extra: &[&str]) -> Listening {
        let dir = tempfile::tempdir().expect("tempdir");
        let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
        let mut cmd = isolated::command();
        cmd.args(["listen", "--headless"]);
        for flag in ["--http", "--grpc"] {
            if !extra.contains(&flag) {
                cmd.args([flag, "127.0.0.1:0"]);
            }
        }
        let child = cmd
            .arg("--save")
            .arg(save)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .spawn()
            .expect("spawn sesstui listen");
        let t0 = Instant::now();
        let banner = loop {
            let text = std::fs::read_to_string(&err).unwrap_or_default();
            if text.contains("saving every request to") {
                break text;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "the receiver did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let http = banner
            .split_whitespace()
            .find_map(|w| w.strip_suffix("/v1/traces"))
            .expect("the HTTP address in the banner")
            .to_owned();
        let grpc = banner
            .split(" and ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .expect("the gRPC address in the banner")
            .to_owned();
        Listening {
            child,
            dir,
            http,
            grpc,
        }
    }

    /// `127.0.0.1:PORT` of the HTTP server.
    pub fn http_addr(&self) -> String {
        self.http.trim_start_matches("http://").to_owned()
    }

    /// What was printed so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout")).unwrap_or_default()
    }

    /// SIGTERM, then waits for the exit.
    pub fn stop(mut self) -> Stopped {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let t0 = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if t0.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("the receiver did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Stopped {
            status,
            stdout: std::fs::read_to_string(self.dir.path().join("stdout")).unwrap_or_default(),
            stderr: std::fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default(),
        }
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`): the status, the
/// headers (lowercased names) and the body.
pub fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    request("POST", addr, path, headers, body)
}

/// [`post`] with another method.
pub fn request(
    method: &str,
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    let mut has_length = false;
    for (k, v) in headers {
        has_length |=
            k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding");
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_length {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write head");
    // The server may answer (413) and close before the whole body is written.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    Reply::parse(&raw)
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .expect("status");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
    out
}
