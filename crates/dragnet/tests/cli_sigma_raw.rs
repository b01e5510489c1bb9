//! Sigma rules over raw audit records (`LinuxAuditLog`) and syslog services
//! (`Syslog`, restricted to the daemon's rows), through the binary, over
//! `testdata/sigma-raw` (see its README): `hunt` alerts on exactly the
//! matching records, and the KQL `sigma convert` prints returns the same
//! rows through `query`.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).current_dir(root()).args(args).output().expect("run dragnet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The alerts of `hunt` with the rules of `testdata/sigma-raw` over `log`.
fn alerts(log: &str) -> Vec<Value> {
    let o = dragnet(&["hunt", "--quiet", "--no-builtin", "--rules", "testdata/sigma-raw", "--format", "jsonl", log]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o.stderr));
    text(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The rows the converted KQL of `rule` returns over `log`, each as an
/// object of column → value.
fn query_rows(rule: &str, log: &str) -> Vec<Value> {
    let o = dragnet(&["sigma", "convert", rule]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let kql = out.split_once('\n').map(|(_, k)| k.trim()).unwrap();
    let check = dragnet(&["check", kql]);
    assert_eq!(check.status.code(), Some(0), "{kql}\n{}", text(&check.stdout));
    let q = dragnet(&["query", "--quiet", "--data", log, "--format", "json", kql]);
    assert_eq!(q.status.code(), Some(0), "{}", text(&q.stderr));
    let out: Value = serde_json::from_str(&text(&q.stdout)).unwrap();
    let names: Vec<&str> = out["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let rows = out["rows"].as_array().unwrap_or_else(|| panic!("{out}"));
    rows.iter()
        .map(|r| {
            let cells = r.as_array().unwrap();
            Value::Object(names.iter().zip(cells).map(|(n, v)| (n.to_string(), v.clone())).collect())
        })
        .collect()
}

#[test]
fn an_auditd_rule_matches_the_decoded_execve_record() {
    let alerts = alerts("testdata/sigma-raw/logs/audit.log");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["rule"]["id"], "7e9c0a51-5d0f-4f7a-9a2b-3c1d2e4f5a60");
    assert_eq!(alerts[0]["rows"], 1);
    let rows = query_rows("testdata/sigma-raw/wget_to_tmp.yml", "testdata/sigma-raw/logs/audit.log");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["RecordType"], "EXECVE");
    assert_eq!(row["AuditID"], "1796464800.201:201");
    assert_eq!(row["a2"], "/tmp/pay load.sh", "the hex-encoded argument, decoded");
    assert_eq!(row["a3"], "http://203.0.113.5/p.sh");
}

#[test]
fn a_syslog_service_rule_matches_only_its_daemon() {
    let alerts = alerts("testdata/sigma-raw/logs/auth.log");
    let mut alerted: Vec<&str> = alerts
        .iter()
        .inspect(|a| assert_eq!(a["rule"]["id"], "0c4f2a7e-8b1d-4e6a-9f3c-5d2b7a1e9c84"))
        .map(|a| a["evidence"][0]["ProcessName"].as_str().unwrap())
        .collect();
    alerted.sort_unstable();
    assert_eq!(alerted, ["sshd", "sshd-session"], "one alert per matching message");
    let rows = query_rows("testdata/sigma-raw/sshd_kex_error.yml", "testdata/sigma-raw/logs/auth.log");
    let mut names: Vec<&str> = rows.iter().map(|r| r["ProcessName"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["sshd", "sshd-session"], "nginx's message has the keyword and is not sshd's");
}
