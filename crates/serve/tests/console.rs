//! The web console in a real browser: `dragnet serve` on 127.0.0.1 with the
//! atomic attack logs and 10,000 stored alerts (9,851 incidents, one of
//! them of 150 alerts), driven by
//! `console/tests/console.mjs` (Playwright over Debian's Chromium); and a
//! server started with tokens, signed in to with a read then a write token
//! and its catalog pages opened, by `console/tests/console_auth.mjs`. Needs
//! `node`, `npm ci` run in `crates/serve/console` and `/usr/bin/chromium`
//! (`.ci/run` installs them); without them this test fails and says so.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Server, auditd_log, config, k8s_batches, root, temp_dir};
use detect::Alert;
use detect::entity::Entity;
use detect::rule::{IncidentConfig, IncidentGrouping, Matching, Rule};
use serde_json::{Value, json};
use serve::auth::Tokens;
use serve::state::State;

const SEEDED: usize = 10_000;
const SEED_RULE: &str = "T1059.013-container-cli-nrt";
/// The seeded alerts that share an account, and so one incident.
const SHARED: usize = 150;

/// The test's rules: the pod-exec rule groups its alerts by account.
fn console_rules() -> Vec<Rule> {
    let mut rules = common::rules();
    for r in &mut rules {
        if r.id == "T1609-aks-pod-exec-nrt" {
            r.incident = IncidentConfig {
                create_incident: true,
                grouping: Some(IncidentGrouping {
                    reopen_closed: false,
                    lookback: std::time::Duration::from_secs(5 * 3600),
                    matching: Matching::Selected,
                    by_entities: vec!["Account".into()],
                    by_alert_details: vec![],
                    by_custom_details: vec![],
                }),
            };
        }
    }
    rules
}

/// One browser at a time: page load times are measured against a budget.
static BROWSER: Mutex<()> = Mutex::new(());

fn console_dir() -> PathBuf {
    root().join("crates/serve/console")
}

/// What the browser test needs, or a panic naming what is missing.
fn require_tools() -> PathBuf {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "the console test needs Node.js (`node` on PATH); .ci/run installs it"
    );
    let modules = console_dir().join("node_modules");
    assert!(
        modules.join("playwright-core").is_dir() && modules.join("axe-core").is_dir(),
        "the console test needs its npm packages: run `npm ci` in {}",
        console_dir().display()
    );
    let chromium =
        std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "the console test needs Chromium at {} (`apt-get install -y chromium`, or set CHROMIUM)",
        chromium.display()
    );
    chromium
}

/// `n` alerts of the pod-exec rule, each with its own pod, stored before
/// the server starts: the last [`SHARED`] by one account, the others each
/// by its own.
fn seed_alerts(dir: &std::path::Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let rules = console_rules();
    let rule = rules.iter().find(|r| r.id == "T1609-aks-pod-exec-nrt").unwrap();
    let created = kql_syntax::parse_datetime_nanos("2026-11-19T00:00:00Z").unwrap();
    let alerts: Vec<Alert> = (0..n)
        .map(|i| {
            let pod = format!("web-{i}");
            let user = if i + SHARED >= n { "kubernetes-admin".to_string() } else { format!("dev-{i}") };
            let mut row = serde_json::Map::new();
            row.insert("PodName".into(), json!(pod));
            row.insert("User".into(), json!(user));
            Alert {
                id: format!("seed-{i:05}"),
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                rule_origin: rule.origin.clone(),
                rule_version: rule.version.clone(),
                title: format!("{user} ran a command in pod {pod}"),
                description: rule.description.clone(),
                false_positives: rule.false_positives.clone(),
                severity: rule.severity,
                confidence: rule.confidence,
                tactics: rule.tactics.clone(),
                techniques: rule.techniques.clone(),
                created: created + i as i64,
                start_time: Some(created),
                end_time: Some(created),
                entities: vec![
                    Entity { entity_type: "Account".into(), fields: vec![("Name".into(), user)] },
                    Entity { entity_type: "KubernetesPod".into(), fields: vec![("Name".into(), pod)] },
                ],
                custom_details: vec![],
                properties: vec![],
                evidence: vec![row],
                rows: 1,
                evidence_entities: vec![vec![0, 1]],
            }
        })
        .collect();
    let state = State::open(&dir.join("state.sqlite")).unwrap();
    assert_eq!(state.record_alerts(alerts, None, created, &rules).unwrap().published.len(), n);
}

/// An audit batch of one `pods/exec` into a pod no other event names: one
/// new alert from the NRT pod-exec rule, posted while the queue is open.
fn live_batch(dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("testdata/logs/atomic/container-attacks.k8s-audit.jsonl")).unwrap();
    let exec = text.lines().find(|l| l.contains("/exec?")).expect("an exec event").to_string();
    let event: Value = serde_json::from_str(
        &exec.replace("atomic-exec-test", "live-exec-test").replace("a7011c00-0000-4000", "a7011c00-0000-4999"),
    )
    .unwrap();
    let path = dir.join("live-batch.json");
    let list = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": [event]});
    std::fs::write(&path, list.to_string()).unwrap();
    path
}

fn total_alerts(server: &Server) -> u64 {
    server.request("GET", "/api/alerts?limit=1", b"").value()["total"].as_u64().unwrap()
}

/// Removes the files in `dir`, not its folders.
fn remove_files(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_file() {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

/// Runs `script` (in `console/tests/`) with `env` and returns its JSON
/// summary, failing the test on any failure it reports.
fn run_browser(script: &str, env: &[(&str, String)]) -> Value {
    let mut cmd = Command::new("node");
    cmd.arg(format!("tests/{script}")).current_dir(console_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no summary from {script}\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    println!("{script} summary: {summary:#}");
    assert!(out.status.success(), "{script} failed: {:#}\nstderr:\n{stderr}", summary["failures"]);
    assert_eq!(summary["failures"], json!([]));
    summary
}

#[test]
fn the_console_works_in_a_browser_over_ten_thousand_alerts() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let chromium = require_tools();
    let dir = temp_dir("console");
    seed_alerts(&dir, SEEDED);
    let mut settings = config(&dir);
    settings.rules = console_rules();
    let server = Server::start(settings);
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(server.request("POST", "/ingest", &auditd_log()).status, 200);
    // The NRT rules raise 11 alerts from these logs (see e2e.rs).
    let want = SEEDED as u64 + 11;
    let start = Instant::now();
    while total_alerts(&server) < want {
        assert!(start.elapsed() < Duration::from_secs(120), "NRT alerts not raised: {}", total_alerts(&server));
        std::thread::sleep(Duration::from_millis(100));
    }

    let shots = root().join("target/console-screenshots");
    // Only this run's screenshots, none left from an earlier one (the
    // token run's are in a folder of their own).
    remove_files(&shots);
    let summary = run_browser(
        "console.mjs",
        &[
            ("DRAGNET_URL", format!("http://{}", server.addr)),
            ("SEED_RULE", SEED_RULE.to_string()),
            ("SCREENSHOTS", shots.display().to_string()),
            ("CHROMIUM", chromium.display().to_string()),
            ("MIN_ALERTS", want.to_string()),
            ("MIN_INCIDENTS", (SEEDED - SHARED + 1).to_string()),
            ("LIVE_BATCH", live_batch(&dir).display().to_string()),
        ],
    );
    assert!(summary["alerts_total"].as_u64().unwrap() >= want, "{summary}");
    assert!(summary["seed_rows"].as_u64().unwrap() > 0, "{summary}");
    for page in ["query", "alerts", "alert", "incidents", "incident", "rules", "coverage"] {
        assert!(summary["loads"][page].is_u64(), "{page} not loaded: {summary}");
    }

    // The alert raised while the queue was open is stored, and was shown.
    let live: Vec<Value> =
        server.alerts().into_iter().filter(|a| a["title"].as_str().unwrap().contains("live-exec-test")).collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(summary["live_alert"].as_str(), live[0]["title"].as_str(), "{summary}");

    // The closed alert's state is on the server, not only in the page.
    let id = summary["triaged"]["id"].as_str().unwrap();
    let a = server.request("GET", &format!("/api/alerts/{id}"), b"").value();
    assert_eq!((a["status"].as_str(), a["owner"].as_str()), (Some("Resolved"), Some("ana")), "{a}");
    // So is the closed incident's, with its 150 alerts.
    let id = summary["incident_triaged"]["id"].as_str().unwrap();
    let i = server.request("GET", &format!("/api/incidents/{id}"), b"").value();
    assert_eq!((i["status"].as_str(), i["owner"].as_str()), (Some("Closed"), Some("ana")), "{i}");
    assert_eq!((i["classification"].as_str(), i["alert_count"].as_u64()), (Some("FalsePositive"), Some(SHARED as u64)));
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

const READ: &str = "console-read-token-0001";
const WRITE: &str = "console-write-token-0001";

#[test]
fn the_console_signs_in_with_tokens_and_opens_the_catalog() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let chromium = require_tools();
    let dir = temp_dir("console-tokens");
    let mut settings = config(&dir);
    settings.rules = console_rules();
    settings.security.tokens = Some(Tokens::parse(&format!("read {READ}\nwrite {WRITE}\n")).unwrap());
    let server = Server::start(settings);
    let bearer = |t: &str| format!("Bearer {t}");
    for batch in k8s_batches(5) {
        let r = common::send(server.addr, "POST", "/k8s-audit", &[("Authorization", &bearer(WRITE))], &batch);
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let alerts = || {
        let r = common::request_with(server.addr, "GET", "/api/alerts?limit=1", &[("Authorization", &bearer(READ))]);
        r.value()["total"].as_u64().unwrap()
    };
    let start = Instant::now();
    while alerts() == 0 {
        assert!(start.elapsed() < Duration::from_secs(120), "no NRT alert raised");
        std::thread::sleep(Duration::from_millis(100));
    }

    let shots = root().join("target/console-screenshots/tokens");
    remove_files(&shots);
    let summary = run_browser(
        "console_auth.mjs",
        &[
            ("DRAGNET_URL", format!("http://{}", server.addr)),
            ("READ_TOKEN", READ.to_string()),
            ("WRITE_TOKEN", WRITE.to_string()),
            ("SCREENSHOTS", shots.display().to_string()),
            ("CHROMIUM", chromium.display().to_string()),
        ],
    );
    // Each refusal the test caused was seen, and only those.
    let refusals: Vec<&str> = summary["refusals"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(refusals.contains(&"401 GET /api/alerts/stream"), "{refusals:?}");
    assert_eq!(refusals.iter().filter(|r| r.starts_with("403 PATCH /api/alerts/")).count(), 1, "{refusals:?}");
    // The read token's actions were disabled with the reason, the write token's not.
    let reason = "read-only token: sign in with a write token to change alerts";
    assert_eq!(summary["read_assign"]["disabled"], true, "{summary}");
    assert_eq!(summary["read_assign"]["described"], reason, "{summary}");
    assert_eq!(summary["write_assign"]["disabled"], false, "{summary}");
    // The write token's assignment is on the server; the read token's was not made.
    let id = summary["assigned"].as_str().unwrap();
    let path = format!("/api/alerts/{id}");
    let a = common::request_with(server.addr, "GET", &path, &[("Authorization", &bearer(READ))]).value();
    assert_eq!(a["owner"].as_str(), Some("ana"), "{a}");
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
