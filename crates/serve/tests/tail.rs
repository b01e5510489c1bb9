//! `--tail`: a followed file's lines are stored as they are appended,
//! through rotation by rename and truncation, and across restarts without
//! a line stored twice or lost.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::{Server, config, temp_dir};

/// A Kubernetes audit event with its own audit id.
fn event(n: u32) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"tail-{n:06}","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{{"username":"u"}},"requestReceivedTimestamp":"2026-11-20T14:00:00Z","stageTimestamp":"2026-11-20T14:00:00Z"}}"#
    )
}

/// Appends events `from..to`, one line each.
fn append(path: &Path, from: u32, to: u32) {
    let mut f = OpenOptions::new().create(true).append(true).open(path).unwrap();
    let text: String = (from..to).map(|n| event(n) + "\n").collect();
    f.write_all(text.as_bytes()).unwrap();
}

/// The events stored, and how many distinct ones, once `want` are there (a
/// bounded wait).
fn stored(server: &Server, want: i64) -> (i64, i64) {
    let mut got = (0, 0);
    for _ in 0..300 {
        got = (server.count("AKSAudit | count"), server.count("AKSAudit | summarize dcount(AuditId)"));
        if got.0 >= want {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    got
}

#[test]
fn a_followed_file_is_stored_through_rotation_truncation_and_restarts() {
    let dir = temp_dir("tail");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let file = logs.join("audit.log");
    append(&file, 0, 10);
    let mut cfg = config(&dir);
    cfg.tails = vec![file.clone()];
    let server = Server::start(cfg.clone());
    assert_eq!(stored(&server, 10), (10, 10));

    // Appended lines, a last one written in two parts.
    append(&file, 10, 15);
    let half = event(15);
    let (a, b) = half.split_at(40);
    OpenOptions::new().append(true).open(&file).unwrap().write_all(a.as_bytes()).unwrap();
    assert_eq!(stored(&server, 15), (15, 15));
    OpenOptions::new().append(true).open(&file).unwrap().write_all(format!("{b}\n").as_bytes()).unwrap();
    assert_eq!(stored(&server, 16), (16, 16));

    // Rotation by rename: the writer adds to the old file after the rename,
    // then a new file starts.
    let rotated = logs.join("audit.log.1");
    std::fs::rename(&file, &rotated).unwrap();
    append(&rotated, 16, 20);
    append(&file, 20, 25);
    assert_eq!(stored(&server, 25), (25, 25));

    // Truncation: the file is cut and written again from its start.
    std::fs::write(&file, "").unwrap();
    append(&file, 25, 27);
    assert_eq!(stored(&server, 27), (27, 27));

    // A restart: what came while the server was down is read, nothing twice.
    server.stop();
    append(&file, 27, 30);
    let server = Server::start(cfg.clone());
    assert_eq!(stored(&server, 30), (30, 30));

    // Rotated while the server was down: the old file's rest first.
    server.stop();
    append(&file, 30, 33);
    std::fs::rename(&file, logs.join("audit.log.2")).unwrap();
    append(&file, 33, 35);
    let server = Server::start(cfg);
    assert_eq!(stored(&server, 35), (35, 35));
    let offsets: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("tail.json")).unwrap()).unwrap();
    let c = &offsets[file.to_str().unwrap()];
    assert_eq!(c["offset"], std::fs::metadata(&file).unwrap().len(), "{offsets}");
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains("dragnet_events_total{source=\"tail\"} 5"), "{metrics}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_lines_in_a_followed_file_are_counted_and_the_good_ones_kept() {
    let dir = temp_dir("tail-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mixed.log");
    append(&file, 0, 3);
    OpenOptions::new().append(true).open(&file).unwrap().write_all(b"{\"kind\":\"Event\", oops\n").unwrap();
    append(&file, 3, 6);
    let mut cfg = config(&dir);
    cfg.tails = vec![file.clone()];
    let server = Server::start(cfg);
    assert_eq!(stored(&server, 6), (6, 6));
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains("dragnet_rejected_bodies_total{source=\"tail\"} 1"), "{metrics}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_auditd_event_appended_in_two_writes_is_stored_whole() {
    let dir = temp_dir("tail-auditd");
    std::fs::create_dir_all(&dir).unwrap();
    let log = common::auditd_log();
    let rows = |bytes: &[u8]| {
        let parsed = serve::parse::parse(bytes, None).unwrap();
        parsed.tables.iter().find(|(t, _)| *t == "DeviceProcessEvents").map_or(0, |(_, b)| b.num_rows() as i64)
    };
    // Cut after the first record of an event in the middle of the log.
    let text = String::from_utf8(log.clone()).unwrap();
    let middle = text.len() / 2;
    let cut = text[middle..].find("type=SYSCALL").map(|i| middle + i).unwrap();
    let whole_before = text[..cut].rfind('\n').unwrap() + 1;
    let cut = cut + text[cut..].find('\n').unwrap() + 1;
    let file = dir.join("audit.log");
    std::fs::write(&file, &log[..cut]).unwrap();
    let mut cfg = config(&dir);
    cfg.tails = vec![file.clone()];
    // Long enough that only the next event can release the cut one.
    cfg.tail_hold = Duration::from_secs(600);
    let server = Server::start(cfg);
    // The whole events before the cut are stored, the cut one held back.
    let first = rows(&log[..whole_before]);
    assert!(first > 0);
    assert_eq!(stored_rows(&server, first), first);
    OpenOptions::new().append(true).open(&file).unwrap().write_all(&log[cut..]).unwrap();
    let want = rows(&log);
    assert_eq!(stored_rows(&server, want), want);
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(!metrics.contains("dragnet_rejected_bodies_total{source=\"tail\"}"), "{metrics}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The process events stored, once `want` are there (a bounded wait).
fn stored_rows(server: &Server, want: i64) -> i64 {
    let mut got = 0;
    for _ in 0..300 {
        got = server.count("DeviceProcessEvents | count");
        if got >= want {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    got
}
