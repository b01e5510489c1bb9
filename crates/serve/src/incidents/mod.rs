//! Incidents: alerts grouped as Sentinel groups them. An alert of a rule
//! whose `incidentConfiguration` creates incidents joins the newest open
//! incident of the same rule with the same grouping key whose latest alert
//! came at most `lookbackDuration` before it (and that holds fewer than
//! [`MAX_ALERTS`]); failing that, with `reopenClosedIncident`, it reopens
//! such a closed one; else it makes a new incident. Without grouping every
//! alert makes its own. The grouping key ([`grouping_key`]) is what the
//! `matchingMethod` compares: every entity (`AllEntities`), nothing
//! (`AnyAlert`), or the selected entity types, alert details and custom
//! details (`Selected`).
//!
//! `db.rs` keeps them in the state database (in the transaction that
//! stores the alerts); `api.rs` serves them (`GET /api/incidents`,
//! `GET`/`PATCH /api/incidents/{id}`).

pub mod api;
pub mod db;

use std::collections::BTreeMap;

use detect::Alert;
use detect::rule::{IncidentGrouping, Matching};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The most alerts one incident holds (Sentinel's limit); the next
/// matching alert starts a new incident.
pub const MAX_ALERTS: i64 = 150;
/// The most distinct entities an incident lists.
pub const MAX_ENTITIES: usize = 200;
/// Incident statuses, as Sentinel names them.
pub const STATUSES: &[&str] = &["New", "Active", "Closed"];
/// Classifications, each with the reasons that go with it.
pub const CLASSIFICATIONS: &[(&str, &[&str])] = &[
    ("TruePositive", &["SuspiciousActivity"]),
    ("BenignPositive", &["SuspiciousButExpected"]),
    ("FalsePositive", &["IncorrectAlertLogic", "InaccurateData"]),
    ("Undetermined", &[]),
];

/// What an alert is compared on to join an incident of its rule: a hash of
/// the canonical JSON of the compared values.
pub fn grouping_key(a: &Alert, g: &IncidentGrouping) -> String {
    let entity_text = |types: Option<&[String]>| {
        let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in &a.entities {
            let wanted = types.is_none_or(|t| t.iter().any(|x| x.eq_ignore_ascii_case(&e.entity_type)));
            if wanted {
                by_type.entry(e.entity_type.clone()).or_default().push(e.to_json().to_string());
            }
        }
        if let Some(types) = types {
            // A selected type the alert lacks compares as empty.
            for t in types {
                if !by_type.keys().any(|k| k.eq_ignore_ascii_case(t)) {
                    by_type.insert(t.clone(), Vec::new());
                }
            }
        }
        for v in by_type.values_mut() {
            v.sort();
            v.dedup();
        }
        json!(by_type)
    };
    let compared = match g.matching {
        Matching::AnyAlert => json!("any"),
        Matching::AllEntities => json!({"entities": entity_text(None)}),
        Matching::Selected => {
            let details: BTreeMap<&str, Value> = g
                .by_alert_details
                .iter()
                .map(|d| match d.as_str() {
                    "Severity" => ("Severity", json!(a.severity.as_str())),
                    _ => ("DisplayName", json!(a.title)),
                })
                .collect();
            let custom: BTreeMap<&str, Value> = g
                .by_custom_details
                .iter()
                .map(|k| {
                    let mut vals: Vec<String> = a
                        .custom_details
                        .iter()
                        .filter(|(n, _)| n == k)
                        .flat_map(|(_, v)| v.iter().map(Value::to_string))
                        .collect();
                    vals.sort();
                    vals.dedup();
                    (k.as_str(), json!(vals))
                })
                .collect();
            json!({"entities": entity_text(Some(&g.by_entities)), "details": details, "custom": custom})
        }
    };
    let digest = Sha256::digest(compared.to_string().as_bytes());
    format!("{}:{}", g.matching.as_str(), hex(&digest[..16]))
}

/// The id of the incident an alert starts: a GUID-shaped hash of the
/// alert's id, so it is the same however often the alert is raised.
pub fn incident_id(alert_id: &str) -> String {
    let d = Sha256::digest(format!("incident\0{alert_id}").as_bytes());
    format!("{}-{}-{}-{}-{}", hex(&d[0..4]), hex(&d[4..6]), hex(&d[6..8]), hex(&d[8..10]), hex(&d[10..16]))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
