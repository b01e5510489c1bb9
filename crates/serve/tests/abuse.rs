//! Bodies meant to hurt: too large (declared or streamed), too slow,
//! cut off, malformed in the middle, binary. Each gets its documented
//! status, nothing of it is stored, and the server stays up.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{Server, config, k8s_batches, temp_dir};
use serde_json::json;

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"u"},"requestReceivedTimestamp":"2026-11-20T14:00:00Z","stageTimestamp":"2026-11-20T14:00:00Z"}"#;

/// Writes `raw` on a fresh connection and reads until the server closes.
fn raw(addr: SocketAddr, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn nothing_stored(server: &Server) {
    assert_eq!(server.count("AKSAudit | count"), 0);
    assert_eq!(server.request("GET", "/healthz", b"").value()["last_batch"], 0);
}

#[test]
fn oversized_bodies_get_413_whether_declared_or_streamed() {
    let dir = temp_dir("abuse-size");
    let server = Server::start(config(&dir));
    // Declared too large: refused before the body is read.
    let head = "POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\nConnection: close\r\n\r\n";
    let r = raw(server.addr, head.as_bytes());
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert!(r.contains("--max-body"), "{r}");
    // Streamed in chunks past the limit, each line a good event.
    let line = format!("{EVENT}\n");
    let mut body = String::new();
    while body.len() <= 1 << 20 {
        body.push_str(&line);
    }
    let mut chunked =
        b"POST /k8s-audit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for part in body.as_bytes().chunks(64 << 10) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let r = raw(server.addr, &chunked);
    assert!(r.starts_with("HTTP/1.1 413"), "{}", &r[..r.len().min(300)]);
    // Just under the limit is taken.
    let fits: String = line.repeat((1 << 20) / line.len());
    let r = server.request("POST", "/ingest", fits.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    let rows = r.value()["rows"]["AKSAudit"].as_i64().unwrap();
    assert_eq!(server.count("AKSAudit | count"), rows);
    // Oversized queries and updates too.
    let big_query = json!({"query": "print 1", "pad": "x".repeat(1 << 20)}).to_string();
    assert_eq!(server.request("POST", "/api/query", big_query.as_bytes()).status, 413);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_body_slower_than_the_body_timeout_gets_408_and_stores_nothing() {
    let dir = temp_dir("abuse-slow");
    let server = Server::start(config(&dir));
    let mut slow = TcpStream::connect(server.addr).unwrap();
    let head = format!("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", EVENT.len() * 2 + 2);
    slow.write_all(head.as_bytes()).unwrap();
    // One whole good event of the two promised, then nothing.
    slow.write_all(format!("{EVENT}\n").as_bytes()).unwrap();
    // Others are served meanwhile.
    assert_eq!(server.request("GET", "/healthz", b"").status, 200);
    slow.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("--body-timeout"), "{answer}");
    nothing_stored(&server);
    let r = server.request("POST", "/ingest", EVENT.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_body_cut_off_by_the_client_stores_nothing() {
    let dir = temp_dir("abuse-cut");
    let server = Server::start(config(&dir));
    let batch = &k8s_batches(14)[0];
    {
        let mut s = TcpStream::connect(server.addr).unwrap();
        let head = format!("POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", batch.len());
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&batch[..batch.len() / 2]).unwrap();
        s.shutdown(std::net::Shutdown::Both).unwrap();
    }
    // A chunked body whose connection ends before its last chunk.
    let mut chunked = b"POST /k8s-audit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", batch.len()).as_bytes());
    chunked.extend_from_slice(batch);
    chunked.extend_from_slice(b"\r\n");
    {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(&chunked).unwrap();
        s.shutdown(std::net::Shutdown::Both).unwrap();
    }
    // The server noticed both before answering this on its own connection.
    assert_eq!(server.request("GET", "/healthz", b"").status, 200);
    nothing_stored(&server);
    assert_eq!(server.request("POST", "/k8s-audit", batch).status, 200);
    assert_eq!(server.count("AKSAudit | count"), 14);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_bodies_get_400_with_the_line_and_store_nothing() {
    let dir = temp_dir("abuse-bad");
    let server = Server::start(config(&dir));
    // A bad record deep in a body: the line is named, nothing is stored.
    let mut body = format!("{EVENT}\n").repeat(40);
    body.push_str("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\n");
    body.push_str(&format!("{EVENT}\n").repeat(5));
    let r = server.request("POST", "/ingest", body.as_bytes());
    assert_eq!(r.status, 400, "{}", r.text());
    let v = r.value();
    assert_eq!(v["line"], 41, "{v}");
    assert!(v["reason"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
    assert!(v["error"].as_str().unwrap().starts_with("line 41: "), "{v}");
    // Binary garbage, invalid UTF-8, an empty body, a JSON value that is no
    // log, an EventList with a bad item.
    for bad in
        [&[0u8, 159, 146, 150, 255, 254, 0, 1][..], b"\xff\xfe{\"kind\":\"Event\"}\n", b"", b"   \n\n", b"[1, 2, 3]"]
    {
        let r = server.request("POST", "/ingest", bad);
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text());
        assert!(r.value()["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", r.text());
    }
    let list = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [serde_json::from_str::<serde_json::Value>(EVENT).unwrap(), 7]});
    let r = server.request("POST", "/k8s-audit", list.to_string().as_bytes());
    assert_eq!(r.status, 400, "{}", r.text());
    // Malformed API requests.
    for (method, path, body) in [
        ("POST", "/api/query", &b"{not json"[..]),
        ("POST", "/api/query", b"{\"query\": 7}"),
        ("POST", "/api/query", b"{\"query\": \"print 1\", \"now\": \"yesterday\"}"),
        ("PATCH", "/api/alerts/x", b"{\"status\": \"New\", \"extra\": 1}"),
        ("GET", "/api/alerts?limit=-1", b""),
        ("GET", "/api/alerts?status=AAA", b""),
        ("POST", "/ingest?format=nope", EVENT.as_bytes()),
        ("POST", "/ingest?rejects=sometimes", EVENT.as_bytes()),
        ("POST", "/ingest?format=auditd&format=ecs", EVENT.as_bytes()),
    ] {
        let r = server.request(method, path, body);
        assert_eq!(r.status, 400, "{method} {path}: {}", r.text());
        assert!(r.value()["error"].as_str().is_some_and(|e| !e.is_empty()), "{method} {path}: {}", r.text());
    }
    // A request line or head that is not HTTP gets 400 or a close, never a
    // stored row.
    let r = raw(server.addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n");
    assert!(r.is_empty() || r.starts_with("HTTP/1.1 400"), "{r}");
    let r = raw(server.addr, b"POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    assert!(r.is_empty() || r.starts_with("HTTP/1.1 400"), "{r}");
    nothing_stored(&server);
    assert_eq!(server.request("POST", "/ingest", EVENT.as_bytes()).status, 200);
    assert_eq!(server.count("AKSAudit | count"), 1);
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains("dragnet_rejected_bodies_total{source=\"ingest\"} 6"), "{metrics}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn with_rejects_skip_the_good_records_are_stored_and_the_bad_reported() {
    let dir = temp_dir("abuse-skip");
    let server = Server::start(config(&dir));
    let body = format!("{EVENT}\n{{\"kind\": oops\n{EVENT}\n{EVENT}\n");
    let r = server.request("POST", "/ingest?rejects=skip", body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.value();
    assert_eq!(v["rows"]["AKSAudit"], 3, "{v}");
    assert_eq!((v["rejected"]["count"].as_u64(), v["rejected"]["line"].as_u64()), (Some(1), Some(2)), "{v}");
    assert_eq!(server.count("AKSAudit | count"), 3);
    // Refusing stays the default, and nothing else is accepted.
    assert_eq!(server.request("POST", "/ingest", body.as_bytes()).status, 400);
    assert_eq!(server.request("POST", "/ingest?rejects=maybe", body.as_bytes()).status, 400);
    // A body with nothing good is still refused.
    assert_eq!(server.request("POST", "/ingest?rejects=skip", b"hello\n").status, 400);
    assert_eq!(server.count("AKSAudit | count"), 3);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
