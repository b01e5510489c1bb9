//! The output formats: the table for people, JSON lines, CSV, and OCSF
//! Detection Findings with every attribute OCSF 1.8.0 requires.

use detect::alert::{Alert, alerts};
use detect::output::{Format, OCSF_VERSION, to_ocsf, write};
use detect::rows::Row;
use detect::rule::parse;
use serde_json::{Value, json};

const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

fn sample() -> Vec<Alert> {
    let text = r#"id: 11111111-2222-4333-8444-555555555555
name: Pod exec
description: A command ran in a pod.
severity: High
confidence: Medium
version: 1.2.0
tactics: [Execution, CredentialAccess]
relevantTechniques: [T1609, T1552.007]
query: |
  AKSAudit
entityMappings:
  - entityType: Host
    fieldMappings:
      - identifier: HostName
        columnName: DeviceName
  - entityType: Account
    fieldMappings:
      - identifier: Name
        columnName: Username
  - entityType: Process
    fieldMappings:
      - identifier: CommandLine
        columnName: Command
  - entityType: KubernetesPod
    fieldMappings:
      - identifier: Name
        columnName: ObjectRef
      - identifier: Namespace
        columnName: ObjectRef
customDetails:
  Verb: Verb
eventGroupingSettings:
  aggregationKind: AlertPerResult
"#;
    let (rule, diags) = parse(text, "sample.yaml");
    assert!(diags.is_empty(), "{diags:#?}");
    let rows: Vec<Row> = json!([
        {"TimeGenerated": "2026-11-20T10:00:00.0000000Z", "DeviceName": "node-1", "Username": "alice",
         "Command": "sh -c \"id, whoami\"", "Verb": "get",
         "ObjectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": "web-1"}},
        {"TimeGenerated": "2026-11-20T10:01:00.0000000Z", "DeviceName": "", "Username": "bob",
         "Command": "", "Verb": "create", "ObjectRef": {"resource": "pods", "name": "api-2"}}
    ])
    .as_array()
    .unwrap()
    .iter()
    .map(|r| r.as_object().unwrap().clone())
    .collect();
    alerts(&rule.unwrap(), rows, NOW)
}

fn render(format: Format, color: bool) -> String {
    let mut out = Vec::new();
    write(&mut out, &sample(), format, color).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn table_is_one_line_per_alert() {
    let got = render(Format::Table, false);
    let want = "\
TIME                  SEVERITY  TECHNIQUE  RULE      HOST    ACCOUNT  SUMMARY
2026-11-20T10:00:00Z  High      T1609      Pod exec  node-1  alice    sh -c \"id, whoami\"
2026-11-20T10:01:00Z  High      T1609      Pod exec  -       bob      pod api-2
(2 alerts)
";
    assert_eq!(got, want);
    assert!(!got.contains('\x1b'), "no colour unless asked");
    let coloured = render(Format::Table, true);
    assert!(coloured.contains("\x1b[1;31mHigh    \x1b[0m"), "{coloured}");
}

#[test]
fn jsonl_is_one_alert_object_per_line() {
    let got = render(Format::Jsonl, false);
    let lines: Vec<Value> = got.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let a = &lines[0];
    assert_eq!(a["time"], "2026-11-20T10:00:00.0000000Z");
    assert_eq!(a["severity"], "High");
    assert_eq!(a["confidence"], "Medium");
    assert_eq!(a["rule"]["id"], "11111111-2222-4333-8444-555555555555");
    assert_eq!(a["rule"]["version"], "1.2.0");
    assert_eq!(a["techniques"], json!(["T1609", "T1552.007"]));
    assert_eq!(a["custom_details"], json!({"Verb": ["get"]}));
    assert_eq!(a["entities"][3], json!({"Type": "KubernetesPod", "Name": "web-1", "Namespace": "prod"}));
    assert_eq!(a["evidence"][0]["ObjectRef"]["subresource"], "exec");
}

#[test]
fn jsonl_lines_are_the_alerts_json_values_as_text() {
    let got = render(Format::Jsonl, false);
    let want: Vec<String> = sample().iter().map(|a| a.to_json().to_string()).collect();
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
    let first = &serde_json::from_str::<Value>(&want[0]).unwrap();
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("id"));
    assert_eq!(keys.last().map(|k| k.as_str()), Some("evidence_omitted"));
}

#[test]
fn csv_quotes_what_needs_quoting() {
    let got = render(Format::Csv, false);
    let mut lines = got.lines();
    assert_eq!(
        lines.next().unwrap(),
        "time,severity,confidence,techniques,tactics,rule_id,rule_name,title,host,account,summary,entities,events,alert_id,evidence_omitted,false_positives"
    );
    let first = lines.next().unwrap();
    assert!(
        first.starts_with(
            "2026-11-20T10:00:00Z,High,Medium,T1609;T1552.007,Execution;CredentialAccess,\
             11111111-2222-4333-8444-555555555555,Pod exec,Pod exec,node-1,alice,\"sh -c \"\"id, whoami\"\"\","
        ),
        "{first}"
    );
    assert_eq!(got.lines().count(), 3);
}

/// What OCSF 1.8.0 marks required for class 2004 (from base_event, finding
/// and detection_finding), and in the objects dragnet fills: metadata
/// (product, version), finding_info (uid), analytic (type_id), device
/// (type_id).
const REQUIRED: &[&str] = &[
    "activity_id",
    "category_uid",
    "class_uid",
    "type_uid",
    "severity_id",
    "time",
    "metadata",
    "metadata.product",
    "metadata.version",
    "finding_info",
    "finding_info.uid",
    "finding_info.analytic.type_id",
];

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k)).filter(|v| !v.is_null())
}

#[test]
fn ocsf_findings_carry_every_required_attribute() {
    for a in sample() {
        let f = to_ocsf(&a);
        for path in REQUIRED {
            assert!(get(&f, path).is_some(), "{path} missing in {f:#}");
        }
        for ev in f["evidences"].as_array().unwrap() {
            if let Some(d) = ev.get("device") {
                assert!(d.get("type_id").is_some(), "device.type_id is required: {ev}");
            }
        }
        assert_eq!(f["class_uid"], 2004);
        assert_eq!(f["category_uid"], 2);
        assert_eq!(f["activity_id"], 1);
        assert_eq!(f["type_uid"], 200401, "class_uid * 100 + activity_id");
        assert_eq!(f["severity_id"], 4, "High");
        assert_eq!(f["confidence_id"], 2, "Medium");
        assert_eq!(f["metadata"]["version"], OCSF_VERSION);
        assert_eq!(f["metadata"]["product"]["name"], "dragnet");
        assert_eq!(f["finding_info"]["uid"], a.id.as_str());
        assert_eq!(f["finding_info"]["analytic"]["uid"], "11111111-2222-4333-8444-555555555555");
        assert_eq!(f["is_alert"], true);
    }
}

#[test]
fn ocsf_maps_time_attacks_evidence_and_resources() {
    let f = to_ocsf(&sample()[0]);
    assert_eq!(f["time"], 1_795_168_800_000_i64, "2026-11-20T10:00:00Z in ms");
    assert_eq!(f["finding_info"]["created_time"], 1_795_176_000_000_i64);
    assert_eq!(
        f["finding_info"]["attacks"][1],
        json!({
            "technique": {"uid": "T1552", "name": "Unsecured Credentials"},
            "sub_technique": {"uid": "T1552.007", "name": "Container API"},
            "tactic": {"uid": "TA0002", "name": "Execution"},
            "tactics": [{"uid": "TA0002", "name": "Execution"}, {"uid": "TA0006", "name": "Credential Access"}],
            "version": "18.1",
        })
    );
    let ev = &f["evidences"][0];
    assert_eq!(ev["device"], json!({"type_id": 0, "type": "Unknown", "hostname": "node-1"}));
    assert_eq!(ev["user"], json!({"name": "alice"}));
    assert_eq!(ev["process"], json!({"cmd_line": "sh -c \"id, whoami\""}));
    assert_eq!(f["resources"], json!([{"type": "Kubernetes Pod", "name": "web-1", "namespace": "prod"}]));
    // The second alert's row has no host: its evidence has no device.
    let second = to_ocsf(&sample()[1]);
    assert!(second["evidences"][0].get("device").is_none());
    let lines = render(Format::Ocsf, false);
    assert_eq!(lines.lines().count(), 2);
}
