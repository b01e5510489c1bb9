//! Incidents, suppression and event grouping through the running server:
//! the atomic tests' events posted, their alerts grouped into incidents as
//! the rules say, incidents listed, read, triaged and streamed, suppressed
//! alerts stored but not published, and all of it kept across a restart;
//! with the state in SQLite and in PostgreSQL (a server of the test's own).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::{Server, Sse, auditd_log, config, k8s_batches, root, temp_dir, wait_for_scheduled_runs};
use detect::rule::{Grouping, IncidentConfig, IncidentGrouping, Matching};
use serde_json::{Value, json};
use serve::Config;
use serve::state::StateDb;

const POD_EXEC: &str = "T1609-aks-pod-exec-nrt";
const CONTAINER_CLI: &str = "T1059.013-container-cli-nrt";
const SINGLE: &str = "T1059.013-container-cli-single";

/// The container CLI rule groups every alert into one incident; the
/// pod-exec rule is suppressed for an hour after an alert; a copy of the
/// container CLI rule makes one alert of all its rows (`SingleAlert`).
fn incident_config(dir: &Path) -> Config {
    let mut c = config(dir);
    let mut single = c.rules.iter().find(|r| r.id == CONTAINER_CLI).unwrap().clone();
    single.id = SINGLE.to_string();
    single.grouping = Grouping::SingleAlert;
    for r in &mut c.rules {
        if r.id == CONTAINER_CLI {
            r.incident = IncidentConfig {
                create_incident: true,
                grouping: Some(IncidentGrouping {
                    reopen_closed: false,
                    lookback: Duration::from_secs(5 * 3600),
                    matching: Matching::AnyAlert,
                    by_entities: vec![],
                    by_alert_details: vec![],
                    by_custom_details: vec![],
                }),
            };
        }
        if r.id == POD_EXEC {
            r.suppression = Some(Duration::from_secs(3600));
        }
    }
    c.rules.push(single);
    c
}

fn by_rule(alerts: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for a in alerts {
        *out.entry(a["rule"]["id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    out
}

fn incidents(server: &Server, query: &str) -> Value {
    let r = server.request("GET", &format!("/api/incidents{query}"), b"");
    assert_eq!(r.status, 200, "{}", r.text());
    r.value()
}

/// An audit batch of one `pods/exec` into a pod no other event names.
fn another_exec() -> Vec<u8> {
    let text = std::fs::read_to_string(root().join("testdata/logs/atomic/container-attacks.k8s-audit.jsonl")).unwrap();
    let exec = text.lines().find(|l| l.contains("/exec?")).expect("an exec event");
    let event: Value = serde_json::from_str(
        &exec.replace("atomic-exec-test", "second-exec-test").replace("a7011c00-0000-4000", "a7011c00-0000-4888"),
    )
    .unwrap();
    json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": [event]})
        .to_string()
        .into_bytes()
}

fn wait_for_alerts(server: &Server, n: usize) -> Vec<Value> {
    for _ in 0..600 {
        let alerts = server.alerts();
        if alerts.len() >= n {
            return alerts;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("fewer than {n} alerts: {:?}", by_rule(&server.alerts()));
}

#[test]
fn alerts_become_incidents_that_are_triaged_streamed_and_kept() {
    incidents_through_the_api("incidents-api", StateDb::InDataDir);
}

#[test]
fn alerts_become_incidents_with_the_state_in_postgres() {
    let pg = common::pg::Postgres::start("incidents-api");
    incidents_through_the_api("incidents-api-pg", StateDb::Postgres(pg.database("dragnet")));
}

fn incidents_through_the_api(name: &str, state: StateDb) {
    let dir = temp_dir(name);
    let incident_config = |dir: &Path| Config { state: state.clone(), ..incident_config(dir) };
    let server = Server::start(incident_config(&dir));
    // The scheduled rules run once at start, over nothing yet.
    wait_for_scheduled_runs(&server);
    let mut sse = Sse::open(server.addr);
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(server.request("POST", "/ingest", &auditd_log()).status, 200);

    // Event grouping: AlertPerResult gives an alert per container CLI
    // process, SingleAlert one alert of all of them.
    let live = sse.alerts(12, 60);
    let expected: BTreeMap<String, usize> =
        [(CONTAINER_CLI.to_string(), 10), (POD_EXEC.to_string(), 1), (SINGLE.to_string(), 1)].into();
    assert_eq!(by_rule(&live), expected);
    let stored = server.alerts();
    assert_eq!(by_rule(&stored), expected);
    let single = stored.iter().find(|a| a["rule"]["id"] == SINGLE).unwrap();
    assert_eq!(single["rows"], 10, "{single}");

    // Every alert is in an incident: the container CLI ones all in one
    // (AnyAlert), the others each in their own.
    let cli_incidents: Vec<&str> = stored
        .iter()
        .filter(|a| a["rule"]["id"] == CONTAINER_CLI)
        .map(|a| a["incident_id"].as_str().unwrap())
        .collect();
    assert!(cli_incidents.iter().all(|i| *i == cli_incidents[0]), "{cli_incidents:?}");
    let cli = cli_incidents[0].to_string();
    assert!(live.iter().all(|a| a["incident_id"].is_string()), "live alerts name their incident");
    let list = incidents(&server, "");
    assert_eq!(list["total"], 3, "{list}");
    assert_eq!(list["next_offset"], Value::Null);
    let page = incidents(&server, "?limit=2");
    assert_eq!((page["incidents"].as_array().unwrap().len(), &page["next_offset"]), (2, &json!(2)));
    let inc = server.request("GET", &format!("/api/incidents/{cli}"), b"").value();
    assert_eq!(inc["alert_count"], 10, "{inc}");
    assert_eq!(inc["alerts"].as_array().unwrap().len(), 10);
    assert_eq!(inc["evidence"].as_array().unwrap().len(), 10);
    assert!(!inc["entities"].as_array().unwrap().is_empty(), "{inc}");
    assert_eq!(inc["rule"]["id"], CONTAINER_CLI);
    assert_eq!(inc["status"], "New");
    assert!(inc["techniques"].as_array().unwrap().iter().any(|t| t == "T1059.013"), "{inc}");
    // The incidents made came over the stream too (each of the three is
    // sent after its alerts, so wait for all three, not just the first).
    let streamed = sse.incidents(3, 20);
    assert!(streamed.iter().any(|i| i["id"] == json!(cli)), "{streamed:?}");

    // Triage: names are checked, closing needs a classification.
    let path = format!("/api/incidents/{cli}");
    let refused = |body: Value, why: &str| {
        let r = server.json("PATCH", &path, &body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(r.value()["error"].as_str().unwrap().contains(why), "{body}: {}", r.text());
    };
    refused(json!({"status": "Closed"}), "needs a classification");
    refused(json!({"status": "Resolved"}), "unknown status");
    refused(json!({"status": "Closed", "classification": "Malicious"}), "unknown classification");
    refused(
        json!({"status": "Closed", "classification": "TruePositive", "classification_reason": "InaccurateData"}),
        "not a reason",
    );
    refused(json!({"classification": "TruePositive"}), "when closing");
    refused(json!({"owner": "ana", "colour": "red"}), "unknown field");
    assert_eq!(server.json("PATCH", "/api/incidents/nope", &json!({"owner": "ana"})).status, 404);
    assert_eq!(server.request("GET", "/api/incidents/nope", b"").status, 404);

    let r =
        server.json("PATCH", &path, &json!({"owner": "ana", "status": "Active", "comment": "on it", "author": "ana"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(incidents(&server, "?owner=ana")["total"], 1);
    assert_eq!(incidents(&server, "?status=New")["total"], 2);
    let r = server.request("GET", "/api/incidents?status=R%C3%A9solu", b"");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("unknown status"), "{}", r.text());
    let close = json!({"status": "Closed", "classification": "TruePositive", "classification_reason": "SuspiciousActivity",
        "classification_comment": "a red-team exercise", "author": "ana"});
    let r = server.json("PATCH", &path, &close);
    assert_eq!(r.status, 200, "{}", r.text());
    let closed = r.value();
    assert_eq!((closed["status"].as_str(), closed["classification"].as_str()), (Some("Closed"), Some("TruePositive")));
    let updates = sse.incidents(5, 20);
    assert!(updates.iter().any(|i| i["id"] == json!(cli) && i["status"] == "Closed"), "{updates:?}");
    let severity =
        stored.iter().find(|a| a["rule"]["id"] == POD_EXEC).unwrap()["severity"].as_str().unwrap().to_string();
    assert!(incidents(&server, &format!("?severity={severity}"))["total"].as_u64().unwrap() >= 1);

    // Suppression: the next pod-exec alert within the hour is stored, not
    // published and in no incident. The batch after it, on other nodes,
    // is published: once its alerts have come, the suppressed one would
    // have come before them.
    assert_eq!(server.request("POST", "/k8s-audit", &another_exec()).status, 200);
    let other_node = String::from_utf8(auditd_log()).unwrap().replace("k8s-node-1", "k8s-node-2");
    assert_eq!(server.request("POST", "/ingest", other_node.as_bytes()).status, 200);
    let all = wait_for_alerts(&server, 24);
    let suppressed: Vec<&Value> = all.iter().filter(|a| a["suppressed"] == true).collect();
    assert_eq!(suppressed.len(), 1, "{:?}", by_rule(&all));
    assert_eq!(suppressed[0]["rule"]["id"], POD_EXEC);
    assert_eq!(suppressed[0]["incident_id"], Value::Null);
    let live = sse.alerts(23, 60);
    assert_eq!(live.len(), 23, "{:?}", by_rule(&live));
    assert!(!live.iter().any(|a| a["id"] == suppressed[0]["id"]));
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains(&format!("dragnet_alerts_suppressed_total{{rule=\"{POD_EXEC}\"}} 1")), "{metrics}");
    // The container CLI alerts from the other node joined the closed
    // incident's rule but not the closed incident (no reopening): a new one.
    assert_eq!(incidents(&server, "")["total"], 5);
    server.stop();

    // A restart keeps incidents and their state; nothing is stored twice.
    let server = Server::start(incident_config(&dir));
    wait_for_scheduled_runs(&server);
    for batch in k8s_batches(5) {
        assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    }
    assert_eq!(server.request("POST", "/ingest", &auditd_log()).status, 200);
    assert_eq!(server.count("AKSAudit | count"), 29);
    // Once the NRT rules have run over the batches again (the batch count
    // is what /healthz reports as done), nothing new was stored.
    let done = (0..600).any(|_| {
        let pending = server.request("GET", "/healthz", b"").value()["nrt_pending_batches"] == 0;
        if !pending {
            std::thread::sleep(Duration::from_millis(100));
        }
        pending
    });
    assert!(done, "the NRT rules did not run over the batches posted again");
    assert_eq!(server.alerts().len(), 24);
    let list = incidents(&server, "");
    assert_eq!(list["total"], 5);
    let kept = server.request("GET", &path, b"").value();
    assert_eq!((kept["status"].as_str(), kept["owner"].as_str()), (Some("Closed"), Some("ana")));
    assert_eq!(kept["classification_comment"], "a red-team exercise");
    assert_eq!(kept["comments"][0]["text"], "on it");
    let classified = &kept["comments"][1];
    assert_eq!(classified["text"], "Classified as TruePositive (SuspiciousActivity): a red-team exercise");
    assert_eq!(classified["author"], "ana");
    assert_eq!(kept["alert_count"], 10);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
