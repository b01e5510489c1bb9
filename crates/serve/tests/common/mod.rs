//! A server on 127.0.0.1, port 0, over a fresh data folder, and a small
//! blocking HTTP client for it.

#![allow(dead_code)]

pub mod pg;
pub mod tls;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use detect::RulePack;
use detect::rule::{Kind, Rule};
use kql_engine::EngineConfig;
use serde_json::Value;
use serve::{Config, Running, StoreConfig};

/// `now()` the tests run at: half an hour after the atomic tests' audit events.
pub const NOW: &str = "2026-11-20T14:30:00Z";

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh folder under the system's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dragnet-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The built-in pack, plus NRT copies of two of its rules (`<id>-nrt`):
/// pods/exec through the API server and container CLI use.
pub fn rules() -> Vec<Rule> {
    let mut rules = RulePack::builtin().rules;
    for id in ["T1609-aks-pod-exec", "T1059.013-container-cli"] {
        let mut r = rules.iter().find(|r| r.origin.contains(id)).cloned().unwrap_or_else(|| panic!("no rule {id}"));
        r.kind = Kind::Nrt;
        r.id = format!("{id}-nrt");
        rules.push(r);
    }
    rules
}

/// Settings for a test server over `dir`.
pub fn config(dir: &Path) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        security: Default::default(),
        store: StoreConfig {
            dir: dir.to_path_buf(),
            segment_bytes: 1 << 20,
            compact_age: Duration::from_secs(3600),
            max_wal_bytes: 64 << 20,
            retention_days: None,
        },
        state: Default::default(),
        rules: rules(),
        engine: EngineConfig {
            memory_limit: Some(512 << 20),
            timeout: Some(Duration::from_secs(60)),
            ..EngineConfig::unlimited()
        },
        caps: Default::default(),
        max_body: 1 << 20,
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(2),
        max_rows: 1000,
        ingestion_delay: Duration::ZERO,
        tails: Vec::new(),
        tail_hold: Duration::from_secs(2),
        sinks: Vec::new(),
        sink_ca: None,
        sink_backoff: Duration::from_millis(50),
        sigma: Default::default(),
        reload: None,
        now: kql_syntax::parse_datetime_nanos(NOW),
        catalog: None,
    }
}

/// A running server and the runtime it runs on.
pub struct Server {
    pub rt: tokio::runtime::Runtime,
    pub running: Option<Running>,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(config: Config) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let running = rt.block_on(serve::start(config)).expect("the server starts");
        let addr = running.addr;
        Server { rt, running: Some(running), addr }
    }

    pub fn stop(mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.stop());
        }
    }

    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> Response {
        request(self.addr, method, path, body)
    }

    pub fn json(&self, method: &str, path: &str, body: &Value) -> Response {
        request(self.addr, method, path, body.to_string().as_bytes())
    }

    /// The single number a query's first row holds in its first column.
    pub fn count(&self, query: &str) -> i64 {
        let r = self.json("POST", "/api/query", &serde_json::json!({ "query": query }));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        let v = r.value();
        let row = v["rows"][0].as_object().unwrap_or_else(|| panic!("no rows: {v}")).clone();
        row.values().next().and_then(Value::as_i64).unwrap_or_else(|| panic!("not a number: {v}"))
    }

    /// Every stored alert, at most 1000.
    pub fn alerts(&self) -> Vec<Value> {
        let r = self.request("GET", "/api/alerts?limit=1000", b"");
        assert_eq!(r.status, 200, "{}", r.text());
        r.value()["alerts"].as_array().unwrap().clone()
    }
}

/// Waits (a bounded number of times) until every scheduled rule has run.
pub fn wait_for_scheduled_runs(server: &Server) {
    for _ in 0..600 {
        let rules = server.request("GET", "/api/rules", b"").value();
        let pending =
            rules["rules"].as_array().unwrap().iter().filter(|r| r["kind"] == "Scheduled" && r["runs"] == 0).count();
        if pending == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the scheduled rules did not run");
}

/// A response: status, headers (lower-cased names), body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on its own connection.
pub fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Response {
    send(addr, method, path, &[], body)
}

/// A request without a body, with `headers`.
pub fn request_with(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    send(addr, method, path, headers, b"")
}

/// A request with `headers` and `body` on its own connection.
pub fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    exchange(s, &addr.to_string(), method, path, headers, body)
}

/// One request on `s` (a TCP or TLS stream), read until the server closes.
pub fn exchange<S: Read + Write>(
    s: S,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let raw = raw_exchange(s, addr, method, path, headers, body);
    parse_response(&raw).unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&raw)))
}

/// Like [`exchange`], `None` when no response comes.
pub fn try_exchange<S: Read + Write>(
    s: S,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Response> {
    parse_response(&raw_exchange(s, addr, method, path, headers, body))
}

fn raw_exchange<S: Read + Write>(
    mut s: S,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let extra: String = headers.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    // The server may answer (413, 401) before reading a body, and close.
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    raw
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Some(Response { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

/// A live alert stream: the connection, opened and answered.
pub struct Sse {
    stream: TcpStream,
    seen: String,
}

impl Sse {
    pub fn open(addr: SocketAddr) -> Sse {
        Sse::open_after(addr, None)
    }

    /// A stream resumed after alert `last` (`Last-Event-ID`).
    pub fn open_after(addr: SocketAddr, last: Option<&str>) -> Sse {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let resume = last.map(|id| format!("Last-Event-ID: {id}\r\n")).unwrap_or_default();
        let head =
            format!("GET /api/alerts/stream HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n{resume}\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut sse = Sse { stream, seen: String::new() };
        // The handler has subscribed once the head has come.
        for _ in 0..60 {
            if sse.seen.contains("\r\n\r\n") {
                break;
            }
            sse.read_some();
        }
        assert!(sse.seen.starts_with("HTTP/1.1 200"), "{}", sse.seen);
        sse
    }

    fn read_some(&mut self) {
        let mut buf = [0u8; 65536];
        if let Ok(n) = self.stream.read(&mut buf) {
            self.seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }

    /// The alerts seen so far (their JSON), reading for up to `tries`
    /// half-second waits until at least `want` have come.
    pub fn alerts(&mut self, want: usize, tries: usize) -> Vec<Value> {
        self.events("alert", want, tries)
    }

    /// The `incident` events seen so far, as [`Sse::alerts`].
    pub fn incidents(&mut self, want: usize, tries: usize) -> Vec<Value> {
        self.events("incident", want, tries)
    }

    fn events(&mut self, kind: &str, want: usize, tries: usize) -> Vec<Value> {
        for _ in 0..tries {
            if self.parsed(kind).len() >= want {
                break;
            }
            self.read_some();
        }
        self.parsed(kind)
    }

    /// The data of the events named `kind`.
    fn parsed(&self, kind: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut event = "";
        for l in self.seen.lines() {
            if let Some(e) = l.strip_prefix("event: ") {
                event = e.trim();
            } else if let Some(d) = l.strip_prefix("data: ") {
                if event == kind
                    && let Ok(v) = serde_json::from_str::<Value>(d)
                    && v.get("id").is_some()
                {
                    out.push(v);
                }
            } else if l.trim().is_empty() {
                event = "";
            }
        }
        out
    }
}

/// The atomic tests' Kubernetes audit events as webhook batches
/// (`EventList`s of `per` events each).
pub fn k8s_batches(per: usize) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(root().join("testdata/logs/atomic/container-attacks.k8s-audit.jsonl")).unwrap();
    let events: Vec<Value> =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    events
        .chunks(per)
        .map(|items| {
            serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items})
                .to_string()
                .into_bytes()
        })
        .collect()
}

/// The atomic tests' auditd log.
pub fn auditd_log() -> Vec<u8> {
    std::fs::read(root().join("testdata/logs/atomic/container-attacks.audit.log")).unwrap()
}
