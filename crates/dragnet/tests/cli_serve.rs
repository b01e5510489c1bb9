//! `dragnet serve` killed outright (SIGKILL) at random points while a client
//! posts: after every restart each acknowledged event is queryable exactly
//! once, and an NRT rule raising one alert per event has raised exactly one
//! alert for each stored event: none lost, none twice.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One alert per audit event.
const RULE: &str = r#"id: 6a0c3f4e-0000-4000-8000-00000000a001
name: Every audit event
description: One alert per Kubernetes audit event, to count them.
severity: Informational
kind: NRT
query: |
  AKSAudit
  | project TimeGenerated, AuditId, Username = tostring(User.username)
eventGroupingSettings:
  aggregationKind: AlertPerResult
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dragnet-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn event(i: u64) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-4000-8000-{i:012}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns/pods/pod-{i}","verb":"get","user":{{"username":"user-{}"}},"objectRef":{{"resource":"pods","namespace":"ns","name":"pod-{i}"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"2026-11-20T10:15:02Z","stageTimestamp":"2026-11-20T10:15:02Z"}}"#,
        i % 7
    )
}

/// Starts the server over `data`; returns it and its address.
fn start(data: &Path, rules: &Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-builtin", "--now", "2026-11-20T12:00:00Z"])
        // Room for every event the load loop can post, so a check reads them all.
        .args(["--max-rows", "1000000"])
        .arg("--data")
        .arg(data)
        .arg("--rules")
        .arg(rules)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    for _ in 0..1000 {
        line.clear();
        if err.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(rest) = line.split("serving on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            // Keep reading stderr so the server never blocks on it.
            std::thread::spawn(move || for _ in err.lines() {});
            return (child, addr);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not say where it listens; its last line: {line}");
}

/// Status and body of one request, or `None` when the connection failed.
fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(120))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

fn query(addr: SocketAddr, kql: &str) -> serde_json::Value {
    let body = serde_json::json!({ "query": kql, "max_rows": 100000 }).to_string();
    let (status, text) = request(addr, "POST", "/api/query", body.as_bytes()).expect("the query is answered");
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["truncated"], false, "the result was cut at the server's row limit");
    v
}

/// A small deterministic generator for the kill times.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn sigkill_at_random_points_loses_and_doubles_nothing() {
    let dir = scratch("serve-kill");
    let data = dir.join("data");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("every-event.yaml"), RULE).unwrap();

    let acked: Arc<Mutex<BTreeSet<u64>>> = Arc::new(Mutex::new(BTreeSet::new()));
    let mut rng = Lcg(u64::from(std::process::id()));
    let mut next_event = 0u64;
    let mut refused = 0;
    for _round in 0..10 {
        let (mut child, addr) = start(&data, &rules);
        let stop = Arc::new(AtomicBool::new(false));
        let poster = {
            let (stop, acked) = (stop.clone(), acked.clone());
            let first = next_event;
            std::thread::spawn(move || {
                let mut i = first;
                let mut refused = 0;
                while !stop.load(Ordering::SeqCst) {
                    let batch: Vec<String> = (i..i + 5).map(event).collect();
                    let body = batch.join("\n");
                    match request(addr, "POST", "/k8s-audit", body.as_bytes()) {
                        Some((200, _)) => acked.lock().unwrap().extend(i..i + 5),
                        Some((503, _)) => refused += 1,
                        Some((status, text)) => panic!("{status}: {text}"),
                        None => break,
                    }
                    i += 5;
                }
                (i, refused)
            })
        };
        std::thread::sleep(Duration::from_millis(200 + rng.next(1500)));
        child.kill().unwrap();
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        let (end, r) = poster.join().unwrap();
        // Events of a request cut off by the kill may or may not be stored:
        // never reuse their ids.
        next_event = end + 5;
        refused += r;
    }

    let (mut child, addr) = start(&data, &rules);
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 100, "only {} events acknowledged", acked.len());
    let rows = query(addr, "AKSAudit | summarize n = count() by AuditId");
    let mut stored = BTreeSet::new();
    for r in rows["rows"].as_array().unwrap() {
        assert_eq!(r["n"], 1, "stored twice: {r}");
        let id = r["AuditId"].as_str().unwrap();
        stored.insert(id.rsplit('-').next().unwrap().parse::<u64>().unwrap());
    }
    let lost: Vec<&u64> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");

    // One alert per stored event, each event in exactly one alert.
    let (status, text) = request(addr, "GET", "/api/alerts?limit=1000&offset=0", b"").unwrap();
    assert_eq!(status, 200);
    let total = serde_json::from_str::<serde_json::Value>(&text).unwrap()["total"].as_u64().unwrap();
    let mut alerted = BTreeSet::new();
    let mut offset = 0;
    while offset < total {
        let (_, text) = request(addr, "GET", &format!("/api/alerts?limit=1000&offset={offset}"), b"").unwrap();
        let page: serde_json::Value = serde_json::from_str(&text).unwrap();
        for a in page["alerts"].as_array().unwrap() {
            let id = a["evidence"][0]["AuditId"].as_str().unwrap().to_string();
            assert!(alerted.insert(id.clone()), "two alerts for event {id}");
            offset += 1;
        }
    }
    assert_eq!(alerted.len() as u64, total);
    assert_eq!(total as usize, stored.len(), "alerts {total}, stored events {}", stored.len());
    eprintln!(
        "10 kills: {} events acknowledged, {} stored (the rest were cut off before their answer), {} alerts, {refused} refused (503)",
        acked.len(),
        stored.len(),
        total
    );
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The number of rules `GET /api/rules` lists.
fn rule_count(addr: SocketAddr) -> usize {
    let (status, text) = request(addr, "GET", "/api/rules", b"").expect("the rules are answered");
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["rules"].as_array().map_or(0, Vec::len)
}

/// SIGHUP reloads the rules and does not stop the server (its default
/// action would).
#[test]
fn sighup_reloads_the_rules_and_the_server_stays_up() {
    let dir = scratch("sighup");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("every.yaml"), RULE).unwrap();
    let (mut child, addr) = start(&dir.join("data"), &rules);
    assert_eq!(rule_count(addr), 1);
    let second = RULE.replace("a001", "a002").replace("name: Every audit event", "name: Every audit event again");
    std::fs::write(rules.join("again.yaml"), second).unwrap();
    let status = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut seen = 0;
    for _ in 0..200 {
        seen = rule_count(addr);
        if seen == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(seen, 2, "the new rule was not loaded");
    assert!(child.try_wait().unwrap().is_none(), "the server stopped");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_unreachable_state_database_stops_the_start_without_showing_its_password() {
    let data = scratch("state-unreachable");
    let out = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-builtin"])
        .args(["--state", "postgres://ana:s3cret@%2Fnonexistent-dragnet-socket/alerts", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("cannot connect to PostgreSQL postgres://ana@/nonexistent-dragnet-socket:5432/alerts: "),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    assert!(!data.join("state.sqlite").exists());
    let help = Command::new(env!("CARGO_BIN_EXE_dragnet")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--state <DB>") && help.contains("postgres://USER@HOST/DB"), "{help}");
    std::fs::remove_dir_all(&data).unwrap();
}
