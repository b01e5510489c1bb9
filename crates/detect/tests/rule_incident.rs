//! Suppression and incident settings read from a rule file.

use std::time::Duration;

use detect::rule::{IncidentConfig, Matching, parse};

const HEAD: &str = "id: 6c1b2e9a-0000-4000-8000-00000000cafe
name: Pod exec
description: A command run in a pod.
severity: Medium
query: |
  AKSAudit
  | where ObjectRef.subresource == 'exec'
  | extend User = tostring(User.username), Pod = tostring(ObjectRef.name)
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: Name
        columnName: User
  - entityType: KubernetesPod
    fieldMappings:
      - identifier: Name
        columnName: Pod
customDetails:
  Pod: Pod
";

fn rule(tail: &str) -> detect::rule::Rule {
    let (rule, diags) = parse(&format!("{HEAD}{tail}"), "r.yaml");
    assert!(diags.is_empty(), "{diags:?}");
    rule.unwrap()
}

#[test]
fn without_settings_every_alert_is_its_own_incident_and_nothing_is_suppressed() {
    let r = rule("");
    assert_eq!(r.suppression, None);
    assert_eq!(r.incident, IncidentConfig { create_incident: true, grouping: None });
}

#[test]
fn suppression_needs_it_enabled() {
    assert_eq!(
        rule("suppressionEnabled: true\nsuppressionDuration: PT2H\n").suppression,
        Some(Duration::from_secs(7200))
    );
    assert_eq!(rule("suppressionEnabled: false\nsuppressionDuration: 2h\n").suppression, None);
    assert_eq!(rule("suppressionDuration: 2h\n").suppression, None);
}

#[test]
fn grouping_is_read_as_sentinel_writes_it() {
    let r = rule(
        "incidentConfiguration:
  createIncident: true
  groupingConfiguration:
    enabled: true
    reopenClosedIncident: true
    lookbackDuration: PT6H
    matchingMethod: Selected
    groupByEntities: [Account]
    groupByAlertDetails: [severity]
    groupByCustomDetails: [Pod]
",
    );
    let g = r.incident.grouping.expect("grouping enabled");
    assert!(r.incident.create_incident);
    assert!(g.reopen_closed);
    assert_eq!(g.lookback, Duration::from_secs(6 * 3600));
    assert_eq!(g.matching, Matching::Selected);
    assert_eq!(g.by_entities, ["Account"]);
    assert_eq!(g.by_alert_details, ["Severity"]);
    assert_eq!(g.by_custom_details, ["Pod"]);

    // Disabled grouping is no grouping; no incidents at all when asked.
    let off =
        rule("incidentConfiguration:\n  groupingConfiguration:\n    enabled: false\n    matchingMethod: AnyAlert\n");
    assert_eq!(off.incident.grouping, None);
    let none = rule("incidentConfiguration:\n  createIncident: false\n");
    assert!(!none.incident.create_incident);
    let any =
        rule("incidentConfiguration:\n  groupingConfiguration:\n    enabled: true\n    matchingMethod: AnyAlert\n");
    let g = any.incident.grouping.unwrap();
    assert_eq!((g.matching, g.lookback, g.reopen_closed), (Matching::AnyAlert, Duration::from_secs(5 * 3600), false));
}
