//! Suppression and alert → incident grouping in the state database, with
//! alerts made by hand and the clock given: each `matchingMethod`, the
//! lookback, reopening closed incidents, the per-incident alert limit,
//! suppression windows, and a restart that must not store anything twice;
//! each on SQLite and on PostgreSQL (a server of the test's own).

mod common;

use std::path::Path;
use std::time::Duration;

use detect::Alert;
use detect::entity::Entity;
use detect::rule::{IncidentConfig, IncidentGrouping, Matching, Rule, Severity};
use serde_json::{Value, json};
use serve::incidents::db::{Change, IncidentFilter, IncidentUpdate};
use serve::state::{AlertFilter, State};

const MIN: i64 = 60_000_000_000;
const T0: i64 = 1_790_000_000_000_000_000;

fn rule(id: &str, incident: IncidentConfig, suppression: Option<Duration>) -> Rule {
    let mut r = common::rules().into_iter().find(|r| r.id == "T1609-aks-pod-exec-nrt").unwrap();
    r.id = id.to_string();
    r.incident = incident;
    r.suppression = suppression;
    r
}

fn grouping(matching: Matching, by_entities: &[&str], reopen: bool) -> IncidentConfig {
    IncidentConfig {
        create_incident: true,
        grouping: Some(IncidentGrouping {
            reopen_closed: reopen,
            lookback: Duration::from_secs(3600),
            matching,
            by_entities: by_entities.iter().map(|s| s.to_string()).collect(),
            by_alert_details: Vec::new(),
            by_custom_details: Vec::new(),
        }),
    }
}

/// An alert of `rule` for `account` in `pod`.
fn alert(id: &str, rule: &Rule, account: &str, pod: &str, severity: Severity) -> Alert {
    let mut row = serde_json::Map::new();
    row.insert("PodName".into(), json!(pod));
    row.insert("User".into(), json!(account));
    Alert {
        id: id.to_string(),
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        rule_origin: rule.origin.clone(),
        rule_version: None,
        title: format!("{account} ran a command in pod {pod}"),
        description: rule.description.clone(),
        false_positives: Vec::new(),
        severity,
        confidence: None,
        tactics: rule.tactics.clone(),
        techniques: rule.techniques.clone(),
        created: T0,
        start_time: Some(T0),
        end_time: Some(T0),
        entities: vec![
            Entity { entity_type: "Account".into(), fields: vec![("Name".into(), account.into())] },
            Entity { entity_type: "KubernetesPod".into(), fields: vec![("Name".into(), pod.into())] },
        ],
        custom_details: vec![],
        properties: vec![],
        evidence: vec![row],
        rows: 1,
        evidence_entities: vec![vec![0, 1]],
    }
}

fn open(dir: &Path) -> State {
    std::fs::create_dir_all(dir).unwrap();
    State::open(&dir.join("state.sqlite")).unwrap()
}

/// Opens the same database each time it is called.
type Open<'a> = &'a dyn Fn() -> State;

/// A case: it opens its database with the function it is given.
type Case = fn(Open);

/// The cases, each run on a fresh database of each backend.
const CASES: &[(&str, Case)] = &[
    ("selected", selected_entities_group_within_the_lookback_and_reopen_closed_incidents),
    ("noreopen", without_reopening_a_closed_incident_stays_closed),
    ("methods", matching_methods_and_the_alert_limit),
    ("suppression", suppressed_alerts_are_stored_but_neither_published_nor_grouped),
    ("restart", a_restart_stores_no_alert_twice_and_keeps_incidents_and_suppression),
];

#[test]
fn every_case_on_sqlite() {
    for (name, case) in CASES {
        let dir = common::temp_dir(&format!("incidents-{name}"));
        case(&|| open(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn every_case_on_postgres() {
    let pg = common::pg::Postgres::start("incidents");
    for (name, case) in CASES {
        let url = pg.database(name);
        case(&|| State::connect(&url).unwrap_or_else(|e| panic!("{name}: {e}")));
    }
}

/// Records one alert at `now` and returns the incident it joined.
fn record(state: &State, a: Alert, now: i64, rules: &[Rule]) -> Option<String> {
    let r = state.record_alerts(vec![a], None, now, rules).unwrap();
    assert_eq!(r.published.len(), 1, "{r:?}");
    r.published[0].1.clone()
}

fn incident(state: &State, id: &str) -> Value {
    state.get_incident(id).unwrap().unwrap_or_else(|| panic!("no incident {id}"))
}

fn close(state: &State, id: &str, classification: Option<&str>, now: i64) -> Change {
    let u = IncidentUpdate {
        status: Some("Closed".into()),
        classification: classification.map(str::to_string),
        ..Default::default()
    };
    state.update_incident(id, &u, now).unwrap()
}

#[test]
fn a_postgres_server_restarted_between_transactions_is_connected_to_again() {
    let pg = common::pg::Postgres::start("incidents-restarted");
    let state = State::connect(&pg.database("dragnet")).unwrap();
    let r = rule("again", IncidentConfig::default(), None);
    let rules = vec![r.clone()];
    record(&state, alert("p1", &r, "ana", "web-1", Severity::Low), T0, &rules).unwrap();
    pg.restart();
    // The next transaction finds its connection gone, connects again and
    // runs once.
    record(&state, alert("p2", &r, "bob", "web-2", Severity::Low), T0 + MIN, &rules).unwrap();
    let (alerts, total) = state.list_alerts(&AlertFilter { limit: 10, ..Default::default() }).unwrap();
    let ids: Vec<&str> = alerts.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!((ids, total), (vec!["p2", "p1"], 2));
}

fn selected_entities_group_within_the_lookback_and_reopen_closed_incidents(open: Open) {
    let state = open();
    let r = rule("by-account", grouping(Matching::Selected, &["Account"], true), None);
    let rules = vec![r.clone()];

    let first = record(&state, alert("a1", &r, "ana", "web-1", Severity::Low), T0, &rules).unwrap();
    // The same account in another pod, ten minutes later: the same incident,
    // at the higher severity.
    let same = record(&state, alert("a2", &r, "ana", "web-2", Severity::High), T0 + 10 * MIN, &rules).unwrap();
    assert_eq!(same, first);
    let other = record(&state, alert("a3", &r, "bob", "web-1", Severity::Low), T0 + 11 * MIN, &rules).unwrap();
    assert_ne!(other, first);
    let inc = incident(&state, &first);
    assert_eq!((inc["alert_count"].as_i64(), inc["severity"].as_str()), (Some(2), Some("High")), "{inc}");
    assert_eq!(inc["status"], "New");
    let alert_ids: Vec<&str> = inc["alerts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(alert_ids, ["a1", "a2"]);
    assert_eq!(inc["entities"].as_array().unwrap().len(), 3, "{inc}");
    assert_eq!(inc["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(inc["evidence"][1]["alert_id"], "a2");
    assert_eq!(inc["evidence"][1]["row"]["PodName"], "web-2");
    assert!(inc["alerts"][0].get("evidence").is_none(), "evidence is listed once, not per alert");
    assert_eq!(state.get_alert("a2").unwrap().unwrap()["incident_id"], json!(first));

    // Closing needs a classification.
    assert!(matches!(close(&state, &first, None, T0 + 12 * MIN), Change::Refused(_)));
    assert_eq!(incident(&state, &first)["status"], "New");
    assert!(matches!(close(&state, &first, Some("TruePositive"), T0 + 12 * MIN), Change::Done(_)));
    let closed = incident(&state, &first);
    assert_eq!((closed["status"].as_str(), closed["classification"].as_str()), (Some("Closed"), Some("TruePositive")));

    // A matching alert within the lookback reopens it (reopenClosedIncident).
    let again = record(&state, alert("a4", &r, "ana", "web-3", Severity::Low), T0 + 20 * MIN, &rules).unwrap();
    assert_eq!(again, first);
    let reopened = incident(&state, &first);
    assert_eq!(reopened["status"], "Active");
    assert_eq!(reopened["classification"], Value::Null);
    assert_eq!(reopened["alert_count"], 3);
    let comments: Vec<&str> =
        reopened["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(comments.len(), 2, "{comments:?}");
    assert_eq!(comments[0], "Classified as TruePositive");
    assert!(comments[1].starts_with("Reopened: a new alert matched it"), "{comments:?}");

    // Past the lookback (an hour after its last alert) a new incident starts.
    let late = record(&state, alert("a5", &r, "ana", "web-1", Severity::Low), T0 + 81 * MIN, &rules).unwrap();
    assert_ne!(late, first);
    let (list, total) = state.list_incidents(&IncidentFilter { limit: 10, ..Default::default() }).unwrap();
    assert_eq!(total, 3);
    assert_eq!(list[0]["id"], json!(late), "newest first");
}

fn without_reopening_a_closed_incident_stays_closed(open: Open) {
    let state = open();
    let r = rule("any-noreopen", grouping(Matching::AnyAlert, &[], false), None);
    let rules = vec![r.clone()];
    let first = record(&state, alert("b1", &r, "ana", "web-1", Severity::Low), T0, &rules).unwrap();
    assert!(matches!(close(&state, &first, Some("FalsePositive"), T0 + MIN), Change::Done(_)));
    let next = record(&state, alert("b2", &r, "bob", "web-9", Severity::Low), T0 + 2 * MIN, &rules).unwrap();
    assert_ne!(next, first);
    assert_eq!(incident(&state, &first)["status"], "Closed");
}

fn matching_methods_and_the_alert_limit(open: Open) {
    let state = open();
    let all = rule("all-entities", grouping(Matching::AllEntities, &[], false), None);
    let any = rule("any-alert", grouping(Matching::AnyAlert, &[], false), None);
    let each = rule("each", IncidentConfig::default(), None);
    let none = rule("none", IncidentConfig { create_incident: false, grouping: None }, None);
    let rules = vec![all.clone(), any.clone(), each.clone(), none.clone()];

    // AllEntities: the same account and pod join; another pod does not.
    let x = record(&state, alert("c1", &all, "ana", "web-1", Severity::Low), T0, &rules);
    assert_eq!(record(&state, alert("c2", &all, "ana", "web-1", Severity::Medium), T0 + MIN, &rules), x);
    assert_ne!(record(&state, alert("c3", &all, "ana", "web-2", Severity::Low), T0 + MIN, &rules), x);
    // Without grouping each alert is its own incident; createIncident: false makes none.
    let e1 = record(&state, alert("d1", &each, "ana", "web-1", Severity::Low), T0, &rules);
    let e2 = record(&state, alert("d2", &each, "ana", "web-1", Severity::Low), T0, &rules);
    assert_ne!(e1, e2);
    assert_eq!(record(&state, alert("f1", &none, "ana", "web-1", Severity::Low), T0, &rules), None);
    assert_eq!(state.get_alert("f1").unwrap().unwrap()["incident_id"], Value::Null);

    // AnyAlert: everything joins, up to 150 alerts an incident.
    let batch: Vec<Alert> =
        (0..151).map(|i| alert(&format!("g{i}"), &any, &format!("user-{i}"), "p", Severity::Low)).collect();
    let r = state.record_alerts(batch, None, T0, &rules).unwrap();
    assert_eq!(r.incidents.len(), 2, "{:?}", r.incidents);
    let counts: Vec<i64> = r.incidents.iter().map(|id| incident(&state, id)["alert_count"].as_i64().unwrap()).collect();
    assert_eq!(counts, [150, 1]);
}

fn suppressed_alerts_are_stored_but_neither_published_nor_grouped(open: Open) {
    let state = open();
    let r = rule("quiet", IncidentConfig::default(), Some(Duration::from_secs(3600)));
    let rules = vec![r.clone()];
    // One run's alerts are all raised: none suppresses another.
    let run = vec![alert("s1", &r, "ana", "web-1", Severity::Low), alert("s2", &r, "ana", "web-2", Severity::Low)];
    let first = state.record_alerts(run, None, T0, &rules).unwrap();
    assert_eq!((first.published.len(), first.suppressed.len()), (2, 0));
    // The next run within the hour is suppressed.
    let second =
        state.record_alerts(vec![alert("s3", &r, "ana", "web-3", Severity::Low)], None, T0 + 30 * MIN, &rules).unwrap();
    assert_eq!(
        (second.published.len(), second.suppressed.clone(), second.new_alerts()),
        (0, vec!["quiet".to_string()], 1)
    );
    assert!(second.incidents.is_empty());
    let stored = state.get_alert("s3").unwrap().unwrap();
    assert_eq!((stored["suppressed"].as_bool(), &stored["incident_id"]), (Some(true), &Value::Null));
    // The suppression counts from the last published alert: after it ends,
    // alerts are raised again, and start it again.
    let third =
        state.record_alerts(vec![alert("s4", &r, "ana", "web-4", Severity::Low)], None, T0 + 61 * MIN, &rules).unwrap();
    assert_eq!(third.published.len(), 1);
    let fourth =
        state.record_alerts(vec![alert("s5", &r, "ana", "web-5", Severity::Low)], None, T0 + 62 * MIN, &rules).unwrap();
    assert_eq!(fourth.suppressed.len(), 1);
}

fn a_restart_stores_no_alert_twice_and_keeps_incidents_and_suppression(open: Open) {
    let any = rule("any-restart", grouping(Matching::AnyAlert, &[], false), None);
    let quiet = rule("quiet-restart", IncidentConfig::default(), Some(Duration::from_secs(3600)));
    let rules = vec![any.clone(), quiet.clone()];
    let alerts =
        || vec![alert("r1", &any, "ana", "web-1", Severity::Low), alert("r2", &any, "bob", "web-2", Severity::Low)];
    let state = open();
    let first = state.record_alerts(alerts(), None, T0, &rules).unwrap();
    assert_eq!(first.published.len(), 2);
    let id = first.incidents[0].clone();
    state.record_alerts(vec![alert("q1", &quiet, "ana", "web-1", Severity::Low)], None, T0, &rules).unwrap();
    drop(state);

    let state = open();
    // Raised again (an overlapping window, a batch run again): nothing new.
    let again = state.record_alerts(alerts(), None, T0 + MIN, &rules).unwrap();
    assert_eq!((again.published.len(), again.suppressed.len(), again.incidents.len()), (0, 0, 0));
    assert_eq!(incident(&state, &id)["alert_count"], 2);
    // The suppression outlives the restart.
    let q2 =
        state.record_alerts(vec![alert("q2", &quiet, "ana", "web-2", Severity::Low)], None, T0 + MIN, &rules).unwrap();
    assert_eq!(q2.suppressed.len(), 1);
}
