//! Alert sinks: every new alert reaches a JSON-lines file (alert JSON and
//! OCSF), a webhook that fails at first, and a syslog receiver, each once;
//! what is queued for a sink when the server stops is still delivered.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::tls::Ca;
use common::{Server, auditd_log, config, k8s_batches, root, temp_dir};
use detect::rule::Kind;
use rcgen::ExtendedKeyUsagePurpose;
use serde_json::Value;
use serve::sinks::SinkSpec;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig, ServerConnection, StreamOwned};

/// An HTTP receiver on loopback: answers 503 to the first `fail` requests,
/// then 200, keeping the bodies it accepted.
fn receiver(fail: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    std::thread::spawn(move || {
        for (seen, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            answer(stream, seen >= fail, &kept);
        }
    });
    (url, got)
}

/// An HTTPS receiver on loopback with a certificate `ca` signs, for
/// `localhost`, answering 200 and keeping the bodies.
fn tls_receiver(ca: &Ca) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://localhost:{}/hook", listener.local_addr().unwrap().port());
    let (cert, key) = ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
    let chain = vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let conn = ServerConnection::new(config.clone()).unwrap();
            answer(StreamOwned::new(conn, stream), true, &kept);
        }
    });
    (url, got)
}

/// Reads one request; answers 200 and keeps its body when `ok`, else 503.
fn answer<S: Read + Write>(stream: S, ok: bool, kept: &Mutex<Vec<Value>>) {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
        line.clear();
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let status = if ok { "200 OK" } else { "503 Service Unavailable" };
    if ok {
        kept.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
    }
    let mut stream = reader.into_inner();
    let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.flush();
}

/// A syslog receiver on loopback, keeping each datagram's text.
fn syslog_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap().to_string();
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = socket.recv(&mut buf) {
            kept.lock().unwrap().push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    (addr, got)
}

fn lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// What every sink has received, as alert ids.
struct Seen {
    jsonl: Vec<String>,
    ocsf: Vec<String>,
    webhook: Vec<String>,
    syslog: Vec<String>,
}

fn ids(values: &[Value], pointer: &str) -> Vec<String> {
    values.iter().map(|v| v.pointer(pointer).and_then(Value::as_str).unwrap().to_string()).collect()
}

/// Waits (a bounded number of times) until every sink holds `want`.
fn wait_for(want: &BTreeSet<String>, read: &dyn Fn() -> Seen) -> Seen {
    for _ in 0..300 {
        let s = read();
        let all = [&s.jsonl, &s.ocsf, &s.webhook, &s.syslog];
        if all.iter().all(|ids| want.iter().all(|w| ids.contains(w))) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let s = read();
    panic!("the sinks did not get {want:?}: {:?} {:?} {:?} {:?}", s.jsonl, s.ocsf, s.webhook, s.syslog);
}

/// The stored alerts' ids, once NRT rules have stored `n` (a bounded wait).
fn stored_alerts(server: &Server, n: usize) -> BTreeSet<String> {
    for _ in 0..300 {
        let ids: BTreeSet<String> = server.alerts().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
        if ids.len() >= n {
            return ids;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("fewer than {n} alerts were stored");
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[test]
fn every_new_alert_reaches_every_sink_once() {
    let dir = temp_dir("sinks");
    std::fs::create_dir_all(&dir).unwrap();
    let (url, posted) = receiver(2);
    let (syslog, datagrams) = syslog_receiver();
    let jsonl = dir.join("alerts.jsonl");
    let ocsf = dir.join("findings.jsonl");
    let mut cfg = config(&dir);
    cfg.rules.retain(|r| r.kind == Kind::Nrt);
    cfg.sinks = [
        format!("jsonl:{}", jsonl.display()),
        format!("jsonl+ocsf:{}", ocsf.display()),
        format!("webhook:{url}"),
        format!("syslog:udp://{syslog}"),
    ]
    .iter()
    .map(|s| SinkSpec::parse(s).unwrap())
    .collect();
    let server = Server::start(cfg);
    let read = || Seen {
        jsonl: ids(&lines(&jsonl), "/id"),
        ocsf: ids(&lines(&ocsf), "/finding_info/uid"),
        webhook: ids(&posted.lock().unwrap(), "/id"),
        syslog: datagrams
            .lock()
            .unwrap()
            .iter()
            .map(|d| {
                let (head, json) = d.split_once('\u{feff}').unwrap();
                assert!(head.starts_with('<') && head.contains(">1 ") && head.contains(" dragnet "), "{d}");
                serde_json::from_str::<Value>(json).unwrap()["id"].as_str().unwrap().to_string()
            })
            .collect(),
    };

    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(server.request("POST", "/ingest", &auditd_log()).status, 200);
    let stored = stored_alerts(&server, 11);
    let want = wait_for(&stored, &read);
    assert_eq!(stored.len(), 11);
    let stored: Vec<String> = stored.into_iter().collect();
    for got in [&want.jsonl, &want.ocsf, &want.webhook, &want.syslog] {
        assert_eq!(sorted(got), stored);
    }

    // The same events again raise no new alert; a new pod exec does, and
    // once it has reached every sink so has anything queued before it.
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    let text = std::fs::read_to_string(root().join("testdata/logs/atomic/container-attacks.k8s-audit.jsonl")).unwrap();
    let exec = text.lines().find(|l| l.contains("/exec?command=")).unwrap();
    let fresh = exec.replace("a7011c00-0000-4000-8000-000000000012", "a7011c00-0000-4000-8000-0000000000ff");
    let fresh = fresh.replace("2026-11-20T14:0", "2026-11-20T14:2");
    assert_ne!(fresh, exec);
    assert_eq!(server.request("POST", "/k8s-audit", fresh.as_bytes()).status, 200);
    let all = stored_alerts(&server, 12);
    assert_eq!(all.len(), 12);
    let seen = wait_for(&all, &read);
    let all: Vec<String> = all.into_iter().collect();
    for got in [&seen.jsonl, &seen.ocsf, &seen.webhook, &seen.syslog] {
        assert_eq!(sorted(got), all, "an alert went to a sink twice or not at all");
    }

    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains(&format!("dragnet_sink_delivered_total{{sink=\"webhook:{url}\"}} 12")), "{metrics}");
    assert!(metrics.contains(&format!("dragnet_sink_retries_total{{sink=\"webhook:{url}\"}} 2")), "{metrics}");
    assert!(metrics.contains(&format!("dragnet_sink_failures_total{{sink=\"webhook:{url}\"}} 0")), "{metrics}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sink_that_never_answers_is_given_up_on_and_counted_without_holding_up_ingest() {
    let dir = temp_dir("sink-down");
    // A port nothing listens on: every delivery is refused.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let mut cfg = config(&dir);
    cfg.rules.retain(|r| r.kind == Kind::Nrt);
    cfg.sinks = vec![SinkSpec::parse(&format!("webhook:{url}")).unwrap()];
    cfg.sink_backoff = Duration::from_millis(10);
    let server = Server::start(cfg);
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(stored_alerts(&server, 1).len(), 1);
    let want = format!("dragnet_sink_failures_total{{sink=\"webhook:{url}\"}} 1");
    let mut metrics = String::new();
    for _ in 0..300 {
        metrics = server.request("GET", "/metrics", b"").text();
        if metrics.contains(&want) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(metrics.contains(&want), "{metrics}");
    assert!(metrics.contains(&format!("dragnet_sink_retries_total{{sink=\"webhook:{url}\"}} 4")), "{metrics}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_https_webhook_is_reached_through_the_sink_ca() {
    let dir = temp_dir("sink-https");
    std::fs::create_dir_all(&dir).unwrap();
    let ca = Ca::new("SIEM CA");
    let (url, posted) = tls_receiver(&ca);
    std::fs::write(dir.join("siem-ca.crt"), ca.pem()).unwrap();
    let mut cfg = config(&dir);
    cfg.rules.retain(|r| r.kind == Kind::Nrt);
    cfg.sinks = vec![SinkSpec::parse(&format!("webhook+ocsf:{url}")).unwrap()];
    cfg.sink_ca = Some(dir.join("siem-ca.crt"));
    let server = Server::start(cfg);
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    let stored = stored_alerts(&server, 1);
    let mut got = Vec::new();
    for _ in 0..300 {
        got = ids(&posted.lock().unwrap(), "/finding_info/uid");
        if !got.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(got, stored.into_iter().collect::<Vec<_>>());
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn alerts_queued_when_the_server_stops_are_still_delivered() {
    let dir = temp_dir("sink-drain");
    // The first three deliveries fail: the webhook's queue fills while it
    // backs off, and the server is stopped with alerts still queued.
    let (url, posted) = receiver(3);
    let mut cfg = config(&dir);
    cfg.rules.retain(|r| r.kind == Kind::Nrt);
    cfg.sinks = vec![SinkSpec::parse(&format!("webhook:{url}")).unwrap()];
    cfg.sink_backoff = Duration::from_millis(100);
    let server = Server::start(cfg);
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(server.request("POST", "/ingest", &auditd_log()).status, 200);
    let stored = stored_alerts(&server, 11);
    // Every alert has been handed to the sink once the count says so.
    let mut published = false;
    for _ in 0..300 {
        if server.request("GET", "/metrics", b"").text().contains("dragnet_alerts_total 11\n") {
            published = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(published, "11 alerts were not published");
    let before = posted.lock().unwrap().len();
    assert!(before < stored.len(), "every alert was delivered before the stop: nothing was left to drain");
    server.stop();
    let got: Vec<String> = ids(&posted.lock().unwrap(), "/id");
    assert_eq!(
        sorted(&got),
        stored.into_iter().collect::<Vec<_>>(),
        "an alert queued at the stop was lost or sent twice"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
