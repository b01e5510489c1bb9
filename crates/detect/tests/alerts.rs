//! From result rows to alerts: the trigger, the grouping, entities, custom
//! details and the display-name override, as Sentinel documents them.

use detect::alert::{alerts, fill, placeholders};
use detect::rows::Row;
use detect::rule::{Rule, Severity, parse};
use serde_json::{Value, json};

const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

fn rule(extra: &str) -> Rule {
    let text = format!(
        "id: 11111111-2222-4333-8444-555555555555\nname: Test rule\ndescription: A rule for tests.\nseverity: Medium\n\
         tactics: [Execution]\nrelevantTechniques: [T1609]\nquery: |\n  DeviceProcessEvents\n{extra}"
    );
    let (rule, diags) = parse(&text, "test.yaml");
    assert!(diags.is_empty(), "{diags:#?}");
    rule.unwrap()
}

fn rows(v: Value) -> Vec<Row> {
    v.as_array().unwrap().iter().map(|r| r.as_object().unwrap().clone()).collect()
}

fn three_rows() -> Vec<Row> {
    rows(json!([
        {"TimeGenerated": "2026-11-20T10:00:00.0000000Z", "DeviceName": "node-1", "AccountName": "alice", "Cmd": "docker exec -it web sh", "Score": 55, "Sev": "High"},
        {"TimeGenerated": "2026-11-20T10:05:00.0000000Z", "DeviceName": "node-1", "AccountName": "bob", "Cmd": "kubectl exec web -- sh", "Score": 45, "Sev": "Low"},
        {"TimeGenerated": "2026-11-20T09:55:00.0000000Z", "DeviceName": "node-2", "AccountName": "alice", "Cmd": "crictl exec -it 3f sh", "Score": 55, "Sev": "bogus"},
    ]))
}

#[test]
fn default_trigger_is_more_than_zero_rows_and_default_grouping_one_alert() {
    let r = rule("");
    assert!(alerts(&r, Vec::new(), NOW).is_empty(), "gt 0 does not fire on no rows");
    let a = alerts(&r, three_rows(), NOW);
    assert_eq!(a.len(), 1, "SingleAlert is Sentinel's default");
    assert_eq!(a[0].evidence.len(), 3);
    assert_eq!(a[0].severity, Severity::Medium);
    assert_eq!(a[0].tactics, ["Execution"]);
    assert_eq!(a[0].techniques, ["T1609"]);
    assert_eq!(a[0].title, "Test rule");
    // Start and end span the rows' event times, whatever their order.
    assert_eq!(a[0].to_json()["start_time"], "2026-11-20T09:55:00.0000000Z");
    assert_eq!(a[0].to_json()["end_time"], "2026-11-20T10:05:00.0000000Z");
    assert_eq!(a[0].to_json()["created_time"], "2026-11-20T12:00:00.0000000Z");
}

#[test]
fn trigger_operators_compare_the_row_count_with_the_threshold() {
    let cases = [
        ("gt", 2, true),
        ("gt", 3, false),
        ("lt", 4, true),
        ("lt", 3, false),
        ("eq", 3, true),
        ("eq", 2, false),
        ("ne", 2, true),
        ("ne", 3, false),
        ("GreaterThan", 2, true),
    ];
    for (op, threshold, fires) in cases {
        let r = rule(&format!("triggerOperator: {op}\ntriggerThreshold: {threshold}\n"));
        assert_eq!(!alerts(&r, three_rows(), NOW).is_empty(), fires, "3 rows {op} {threshold}");
    }
    // A rule that fires on silence (a heartbeat gone quiet) raises one
    // alert with no evidence.
    let quiet = rule("triggerOperator: eq\ntriggerThreshold: 0\n");
    let a = alerts(&quiet, Vec::new(), NOW);
    assert_eq!(a.len(), 1);
    assert!(a[0].evidence.is_empty());
    assert_eq!(a[0].start_time, None);
}

#[test]
fn alert_per_result_makes_one_alert_per_row_with_its_own_entities() {
    let r = rule(
        "eventGroupingSettings:\n  aggregationKind: AlertPerResult\nentityMappings:\n\
         \x20 - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n        columnName: DeviceName\n\
         \x20 - entityType: Account\n    fieldMappings:\n      - identifier: Name\n        columnName: AccountName\n\
         \x20 - entityType: Process\n    fieldMappings:\n      - identifier: CommandLine\n        columnName: Cmd\n",
    );
    let a = alerts(&r, three_rows(), NOW);
    assert_eq!(a.len(), 3);
    // Earliest first, whatever the order of the rows.
    assert_eq!(a[2].host(), Some("node-1"));
    assert_eq!(a[2].account(), Some("bob"));
    assert_eq!(a[2].summary(), "kubectl exec web -- sh");
    assert_eq!(a[2].evidence.len(), 1);
    assert_eq!(
        a[0].to_json()["entities"],
        json!([
            {"Type": "Host", "HostName": "node-2"},
            {"Type": "Account", "Name": "alice"},
            {"Type": "Process", "CommandLine": "crictl exec -it 3f sh"},
        ])
    );
    // The same rows give the same ids; different rows different ones.
    let again = alerts(&r, three_rows(), NOW);
    assert_eq!(a[0].id, again[0].id);
    assert_ne!(a[0].id, a[1].id);
}

#[test]
fn single_alert_merges_entities_and_lists_custom_detail_values() {
    let r = rule(
        "entityMappings:\n  - entityType: Account\n    fieldMappings:\n      - identifier: Name\n        columnName: AccountName\n\
         customDetails:\n  RiskScore: Score\n  Missing: NoSuchColumn\n",
    );
    let a = &alerts(&r, three_rows(), NOW)[0];
    // alice appears twice in the rows, once among the entities; the
    // evidence is earliest first (alice at 09:55 and 10:00, bob at 10:05).
    assert_eq!(a.entities.len(), 2);
    assert_eq!(a.evidence_entities, vec![vec![0], vec![0], vec![1]]);
    assert_eq!(a.to_json()["custom_details"], json!({"RiskScore": [55, 45], "Missing": []}));
    assert_eq!(a.summary(), "Test rule (+2 more events)");
}

#[test]
fn details_override_fills_placeholders_from_the_alerts_row() {
    let r = rule(
        "eventGroupingSettings:\n  aggregationKind: AlertPerResult\nalertDetailsOverride:\n\
         \x20 alertDisplayNameFormat: \"{{AccountName}} ran {{ Cmd }} on {{DeviceName}}\"\n\
         \x20 alertDescriptionFormat: Score {{Score}}, unknown {{Nope}}\n  alertSeverityColumnName: Sev\n\
         \x20 alertDynamicProperties:\n    - alertProperty: ProductComponentName\n      value: DeviceName\n",
    );
    let a = alerts(&r, three_rows(), NOW);
    assert_eq!(a[1].title, "alice ran docker exec -it web sh on node-1");
    assert_eq!(a[1].description, "Score 55, unknown {{Nope}}");
    assert_eq!(a[1].summary(), a[1].title);
    assert_eq!(a[1].severity, Severity::High, "taken from the Sev column");
    assert_eq!(a[2].severity, Severity::Low);
    assert_eq!(a[0].severity, Severity::Medium, "an unknown value keeps the rule's severity");
    assert_eq!(a[1].properties, vec![("ProductComponentName".to_string(), "node-1".to_string())]);
}

#[test]
fn placeholder_text() {
    let row = rows(json!([{"A": "x", "N": 3, "Null": null}])).remove(0);
    assert_eq!(fill("{{A}}-{{N}}-{{Null}}-{{B}}-{{A", &row), "x-3--{{B}}-{{A");
    assert_eq!(placeholders("a {{One}} b {{ Two }} {{broken"), ["One", "Two"]);
}
