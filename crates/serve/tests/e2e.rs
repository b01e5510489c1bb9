//! `serve` end to end: the atomic tests' events posted as webhook batches
//! and through `/ingest`, alerts over the API and the live stream, bad and
//! oversized bodies, a restart; the alert state in SQLite and in
//! PostgreSQL (a server of the test's own).

mod common;

use std::collections::BTreeMap;

use common::{Server, Sse, auditd_log, config, k8s_batches, temp_dir, wait_for_scheduled_runs};
use serde_json::{Value, json};
use serve::state::StateDb;

const POD_EXEC: &str = "T1609-aks-pod-exec-nrt";
const CONTAINER_CLI: &str = "T1059.013-container-cli-nrt";

fn by_rule(alerts: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for a in alerts {
        *out.entry(a["rule"]["id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    out
}

#[test]
fn atomic_events_raise_alerts_over_the_api_and_the_stream_and_survive_a_restart() {
    atomic_events_end_to_end("e2e", StateDb::InDataDir);
}

#[test]
fn atomic_events_end_to_end_with_the_state_in_postgres() {
    let pg = common::pg::Postgres::start("e2e");
    atomic_events_end_to_end("e2e-pg", StateDb::Postgres(pg.database("dragnet")));
}

#[test]
fn an_unreachable_state_database_stops_the_start_and_hides_its_password() {
    let dir = temp_dir("e2e-pg-unreachable");
    let mut c = config(&dir);
    c.state = StateDb::Postgres("postgres://ana:s3cret@%2Fnonexistent-dragnet-socket/alerts".into());
    assert!(!format!("{c:?}").contains("s3cret"), "the settings' Debug shows the password");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let Err(e) = rt.block_on(serve::start(c)) else { panic!("the server started without its database") };
    assert!(
        e.starts_with("cannot connect to PostgreSQL postgres://ana@/nonexistent-dragnet-socket:5432/alerts: "),
        "{e}"
    );
    assert!(!e.contains("s3cret"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The atomic tests' events through the API and two restarts, with the
/// alert state in `state`.
fn atomic_events_end_to_end(name: &str, state: StateDb) {
    let dir = temp_dir(name);
    let config = |dir: &std::path::Path| serve::Config { state: state.clone(), ..config(dir) };
    let server = Server::start(config(&dir));
    // The scheduled rules run once at start, over nothing yet.
    wait_for_scheduled_runs(&server);
    let mut sse = Sse::open(server.addr);

    let mut acked = 0;
    for batch in k8s_batches(5) {
        let r = server.request("POST", "/k8s-audit", &batch);
        assert_eq!(r.status, 200, "{}", r.text());
        acked += r.value()["rows"]["AKSAudit"].as_u64().unwrap();
    }
    assert_eq!(acked, 14);
    let r = server.request("POST", "/ingest", &auditd_log());
    assert_eq!(r.status, 200, "{}", r.text());
    let ack = r.value();
    assert_eq!(ack["format"], "auditd");
    let processes = ack["rows"]["DeviceProcessEvents"].as_i64().unwrap();
    assert!(processes > 0, "{ack}");

    // Acknowledged rows are queryable at once, before any compaction.
    assert_eq!(server.count("AKSAudit | count"), 14);
    assert_eq!(server.count("DeviceProcessEvents | count"), processes);

    // NRT rules: the pods/exec audit event is one alert, and each container
    // CLI process one (the rule is AlertPerResult).
    let live = sse.alerts(11, 60);
    let stored = server.alerts();
    let expected: BTreeMap<String, usize> = [(CONTAINER_CLI.to_string(), 10), (POD_EXEC.to_string(), 1)].into();
    assert_eq!(by_rule(&stored), expected);
    assert_eq!(by_rule(&live), expected);
    let exec = stored.iter().find(|a| a["rule"]["id"] == POD_EXEC).unwrap();
    assert_eq!(exec["status"], "New");
    assert!(exec["title"].as_str().unwrap().starts_with("kubernetes-admin ran a command in pod"), "{exec}");
    let mut live_ids: Vec<&str> = live.iter().map(|a| a["id"].as_str().unwrap()).collect();
    let mut stored_ids: Vec<&str> = stored.iter().map(|a| a["id"].as_str().unwrap()).collect();
    live_ids.sort();
    stored_ids.sort();
    assert_eq!(live_ids, stored_ids);

    // Triage: status, owner and a comment, kept.
    let id = exec["id"].as_str().unwrap().to_string();
    let patch = json!({"status": "InProgress", "owner": "ana", "comment": "looking", "author": "ana"});
    let r = server.json("PATCH", &format!("/api/alerts/{id}"), &patch);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = server.json("PATCH", &format!("/api/alerts/{id}"), &json!({"status": "Gone"}));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(server.request("GET", "/api/alerts/nope", b"").status, 404);
    let r = server.request("GET", "/api/alerts?status=InProgress", b"");
    assert_eq!(r.value()["total"], 1);

    // Rules report their runs; metrics count what came in.
    let rules = server.request("GET", "/api/rules", b"").value();
    let nrt = rules["rules"].as_array().unwrap().iter().find(|r| r["id"] == POD_EXEC).unwrap().clone();
    assert_eq!(nrt["kind"], "NRT");
    assert_eq!(nrt["runs"], 4, "{nrt}");
    assert_eq!(nrt["alerts"], 1, "{nrt}");
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains("dragnet_events_total{source=\"k8s-audit\"} 14"), "{metrics}");
    assert!(metrics.contains("dragnet_alerts_total 11"), "{metrics}");
    assert!(metrics.contains("dragnet_nrt_pending_batches "), "{metrics}");
    let health = server.request("GET", "/healthz", b"").value();
    assert_eq!(health["last_batch"], 4, "{health}");
    let verbs_create = server.count("AKSAudit | where Verb == 'create' | count");
    assert!(verbs_create > 0);
    server.stop();

    // A restart keeps the events (now compacted into Parquet) and the
    // alerts with their state, none twice.
    let server = Server::start(config(&dir));
    assert_eq!(server.count("AKSAudit | count"), 14);
    assert_eq!(server.count("DeviceProcessEvents | count"), processes);
    assert!(dir.join("dataset/AKSAudit/2026-11-20").is_dir());
    let again = server.alerts();
    assert_eq!(by_rule(&again), expected);
    // A client resuming after the first alert gets the ten after it.
    let first = again.last().unwrap()["id"].as_str().unwrap().to_string();
    let resumed = Sse::open_after(server.addr, Some(&first)).alerts(10, 20);
    let mut want: Vec<&str> = again[..10].iter().map(|a| a["id"].as_str().unwrap()).collect();
    let mut got: Vec<&str> = resumed.iter().map(|a| a["id"].as_str().unwrap()).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let exec = server.request("GET", &format!("/api/alerts/{id}"), b"").value();
    assert_eq!((exec["status"].as_str(), exec["owner"].as_str()), (Some("InProgress"), Some("ana")));
    assert_eq!(exec["comments"][0]["text"], "looking");

    // The same events posted again raise no alert a second time.
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(server.count("AKSAudit | count"), 28);
    // Parquet and WAL parts together under a limit and a filter.
    assert_eq!(server.count("AKSAudit | take 3 | count"), 3);
    assert_eq!(server.count("AKSAudit | where Verb == 'create' | count"), 2 * verbs_create);
    let r = server.json("POST", "/api/query", &json!({"query": "AKSAudit | where"}));
    assert_eq!(r.status, 400);
    assert!(r.value()["diagnostics"][0]["line"].as_u64().is_some(), "{}", r.text());
    server.stop();
    let server = Server::start(config(&dir));
    assert_eq!(by_rule(&server.alerts()), expected);
    server.stop();
    // The state is where it was asked to be, and only there.
    assert_eq!(dir.join("state.sqlite").exists(), state == StateDb::InDataDir);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_and_oversized_bodies_store_nothing() {
    let dir = temp_dir("bad");
    let server = Server::start(config(&dir));
    let batches = k8s_batches(100);
    let good = String::from_utf8(batches[0].clone()).unwrap();
    let event = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"u"},"requestReceivedTimestamp":"2026-11-20T14:00:00Z","stageTimestamp":"2026-11-20T14:00:00Z"}"#;

    // A good line, then a bad one: refused whole, naming line 2.
    let r = server.request("POST", "/ingest", format!("{event}\n{{\"kind\": oops\n").as_bytes());
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.value()["line"], 2, "{}", r.text());
    let r = server.request("POST", "/ingest", b"hello world\n");
    assert_eq!(r.status, 400);
    assert!(r.value()["error"].as_str().unwrap().contains("not a log format dragnet reads"), "{}", r.text());
    let r = server.request("POST", "/ingest?format=auditd", event.as_bytes());
    assert_eq!(r.status, 400, "{}", r.text());
    let r = server.request("POST", "/ingest?format=nope", event.as_bytes());
    assert_eq!(r.status, 400, "{}", r.text());
    let r = server.request("POST", "/k8s-audit", &good.as_bytes()[..good.len() / 2]);
    assert_eq!(r.status, 400, "{}", r.text());
    let big = vec![b' '; (1 << 20) + 1];
    assert_eq!(server.request("POST", "/ingest", &big).status, 413);
    assert_eq!(server.count("AKSAudit | count"), 0);
    assert_eq!(server.count("DeviceProcessEvents | count"), 0);
    assert!(
        server.request("GET", "/metrics", b"").text().contains("dragnet_rejected_bodies_total{source=\"ingest\"} 3")
    );

    // The server is still up and takes a good body.
    let r = server.request("POST", "/ingest?format=k8s-audit", event.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(server.count("AKSAudit | count"), 1);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_wal_refuses_with_retry_after_and_drops_nothing() {
    let dir = temp_dir("busy");
    let mut cfg = config(&dir);
    cfg.store.max_wal_bytes = 1;
    let server = Server::start(cfg);
    let batches = k8s_batches(7);
    assert_eq!(server.request("POST", "/k8s-audit", &batches[0]).status, 200);
    let r = server.request("POST", "/k8s-audit", &batches[1]);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("5"));
    assert_eq!(server.count("AKSAudit | count"), 7);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_non_loopback_listener_without_tls_and_tokens_is_refused() {
    let dir = temp_dir("listen");
    let mut cfg = config(&dir);
    cfg.listen = "0.0.0.0:0".parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(serve::start(cfg)).err().unwrap();
    assert!(err.contains("needs TLS (--tls-cert, --tls-key) and access tokens (--token-file)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_scheduled_rule_raises_its_alerts_once_however_often_its_window_is_seen() {
    let dir = temp_dir("scheduled");
    let mut cfg = config(&dir);
    // Only a copy of the pods/exec rule, run every second over the last hour.
    let mut rule = cfg.rules.iter().find(|r| r.id == POD_EXEC).unwrap().clone();
    rule.kind = detect::rule::Kind::Scheduled;
    rule.id = "pod-exec-every-second".into();
    rule.query_frequency = Some(std::time::Duration::from_secs(1));
    rule.query_period = Some(std::time::Duration::from_secs(3600));
    cfg.rules = vec![rule];
    let server = Server::start(cfg);
    for batch in k8s_batches(100) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    // Wait (bounded) for three runs after the post: the last ones see the
    // same window again.
    let runs = |s: &Server| s.request("GET", "/api/rules", b"").value()["rules"][0]["runs"].as_u64().unwrap();
    let start = runs(&server);
    for _ in 0..600 {
        if runs(&server) >= start + 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(runs(&server) >= start + 3);
    let alerts = server.alerts();
    assert_eq!(by_rule(&alerts), [("pod-exec-every-second".to_string(), 1)].into());
    let rule = &server.request("GET", "/api/rules", b"").value()["rules"][0];
    assert_eq!(rule["alerts"], 1, "{rule}");
    assert_eq!(rule["kind"], "Scheduled");
    assert!(rule["next_run"].is_string(), "{rule}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_client_too_slow_to_send_its_request_is_disconnected() {
    use std::io::{Read, Write};
    let dir = temp_dir("slow");
    let server = Server::start(config(&dir));
    let mut slow = std::net::TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"POST /ingest HTTP/1.1\r\nHost: x\r\n").unwrap();
    // Others are served meanwhile.
    assert_eq!(server.request("GET", "/healthz", b"").status, 200);
    // The header timeout is 1 s; the server answers 408 or just closes.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    assert!(read.is_ok(), "the connection was not closed: {read:?}");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
