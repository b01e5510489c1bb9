//! What a rule's alerts become after they are raised, as Sentinel's
//! analytics rules say it: `suppressionEnabled`/`suppressionDuration` and
//! `incidentConfiguration` (whether alerts create incidents and how they
//! are grouped into one). `dragnet run` ignores these; `dragnet serve`
//! applies them.

use std::time::Duration;

use super::fields::Reader;
use super::yaml::{Node, at};

/// Sentinel's default `lookbackDuration`: five hours.
pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(5 * 3600);
/// The shortest and longest lookback Sentinel accepts (5 minutes, 7 days).
pub const LOOKBACK_RANGE: (Duration, Duration) = (Duration::from_secs(300), Duration::from_secs(7 * 86400));
/// The alert details Sentinel groups by (`groupByAlertDetails`).
pub const ALERT_DETAILS: &[&str] = &["DisplayName", "Severity"];
const METHODS: &[&str] = &["AllEntities", "AnyAlert", "Selected"];

/// `incidentConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentConfig {
    /// `createIncident` (default true): whether the rule's alerts make
    /// incidents at all.
    pub create_incident: bool,
    /// `groupingConfiguration`, when `enabled`; `None` gives every alert
    /// its own incident.
    pub grouping: Option<IncidentGrouping>,
}

impl Default for IncidentConfig {
    fn default() -> Self {
        IncidentConfig { create_incident: true, grouping: None }
    }
}

/// `incidentConfiguration.groupingConfiguration`, enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentGrouping {
    /// `reopenClosedIncident`: a closed incident that matches is reopened
    /// rather than a new one made.
    pub reopen_closed: bool,
    /// `lookbackDuration`: an alert joins an incident only if that
    /// incident's latest alert was raised at most this long before it.
    pub lookback: Duration,
    /// `matchingMethod`.
    pub matching: Matching,
    /// `groupByEntities`: entity types (with `Selected`).
    pub by_entities: Vec<String>,
    /// `groupByAlertDetails`: `DisplayName`, `Severity` (with `Selected`).
    pub by_alert_details: Vec<String>,
    /// `groupByCustomDetails`: custom detail names (with `Selected`).
    pub by_custom_details: Vec<String>,
}

/// `groupingConfiguration.matchingMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matching {
    /// Alerts whose entities are all the same.
    AllEntities,
    /// Every alert of the rule.
    AnyAlert,
    /// Alerts equal in the selected entity types, alert details and
    /// custom details.
    Selected,
}

impl Matching {
    /// The name in the rule file.
    pub fn as_str(self) -> &'static str {
        match self {
            Matching::AllEntities => "AllEntities",
            Matching::AnyAlert => "AnyAlert",
            Matching::Selected => "Selected",
        }
    }
}

/// `incidentConfiguration`, read from `v`.
pub(crate) fn incident_configuration(r: &mut Reader, v: &Node) -> IncidentConfig {
    let mut c = IncidentConfig::default();
    for (k, kn, val) in r.mapping("incidentConfiguration", v) {
        let path = format!("incidentConfiguration.{k}");
        match k.as_str() {
            "createIncident" => c.create_incident = r.boolean(&path, val).unwrap_or(true),
            "groupingConfiguration" => c.grouping = grouping_configuration(r, val),
            _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
        }
    }
    c
}

fn grouping_configuration(r: &mut Reader, v: &Node) -> Option<IncidentGrouping> {
    const BASE: &str = "incidentConfiguration.groupingConfiguration";
    let mut enabled = false;
    let mut g = IncidentGrouping {
        reopen_closed: false,
        lookback: DEFAULT_LOOKBACK,
        matching: Matching::AllEntities,
        by_entities: Vec::new(),
        by_alert_details: Vec::new(),
        by_custom_details: Vec::new(),
    };
    for (k, kn, val) in r.mapping(BASE, v) {
        let path = format!("{BASE}.{k}");
        match k.as_str() {
            "enabled" => enabled = r.boolean(&path, val).unwrap_or(false),
            "reopenClosedIncident" => g.reopen_closed = r.boolean(&path, val).unwrap_or(false),
            "lookbackDuration" => {
                if let Some(d) = r.duration(&path, val) {
                    let (lo, hi) = LOOKBACK_RANGE;
                    if d < lo || d > hi {
                        r.diags.error(at(val), &path, "must be between 5 minutes (PT5M) and 7 days (P7D)");
                    } else {
                        g.lookback = d;
                    }
                }
            }
            "matchingMethod" => {
                let parse = |t: &str| match t.trim().to_ascii_lowercase().as_str() {
                    "allentities" => Some(Matching::AllEntities),
                    "anyalert" => Some(Matching::AnyAlert),
                    "selected" => Some(Matching::Selected),
                    _ => None,
                };
                if let Some(m) = r.choice(&path, val, METHODS, parse) {
                    g.matching = m;
                }
            }
            "groupByEntities" => g.by_entities = r.string_list(&path, val),
            "groupByAlertDetails" => {
                g.by_alert_details = Vec::new();
                for (i, item) in r.list(&path, val).iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    let parse = |t: &str| ALERT_DETAILS.iter().find(|d| d.eq_ignore_ascii_case(t.trim())).copied();
                    if let Some(d) = r.choice(&item_path, item, ALERT_DETAILS, parse) {
                        g.by_alert_details.push(d.to_string());
                    }
                }
            }
            "groupByCustomDetails" => g.by_custom_details = r.string_list(&path, val),
            _ => r.diags.warn(at(kn), &path, "unknown key, ignored"),
        }
    }
    if enabled
        && g.matching == Matching::Selected
        && g.by_entities.is_empty()
        && g.by_alert_details.is_empty()
        && g.by_custom_details.is_empty()
    {
        r.diags.error(
            at(v),
            &format!("{BASE}.matchingMethod"),
            "Selected needs at least one of groupByEntities, groupByAlertDetails, groupByCustomDetails",
        );
    }
    enabled.then_some(g)
}

/// The names the grouping selects must be the rule's own: entity types it
/// maps and custom details it defines. `at` is where the configuration is.
pub(crate) fn check_selected(
    r: &mut Reader,
    at: (usize, usize),
    c: &IncidentConfig,
    entities: &[String],
    details: &[String],
) {
    let Some(g) = &c.grouping else { return };
    const BASE: &str = "incidentConfiguration.groupingConfiguration";
    for e in &g.by_entities {
        if !entities.iter().any(|m| m.eq_ignore_ascii_case(e)) {
            let known = if entities.is_empty() { "none".to_string() } else { entities.join(", ") };
            r.diags.error(
                at,
                &format!("{BASE}.groupByEntities"),
                format!("{e} is not an entity type the rule maps (it maps {known})"),
            );
        }
    }
    for d in &g.by_custom_details {
        if !details.iter().any(|m| m == d) {
            let known = if details.is_empty() { "none".to_string() } else { details.join(", ") };
            r.diags.error(
                at,
                &format!("{BASE}.groupByCustomDetails"),
                format!("{d} is not one of the rule's customDetails ({known})"),
            );
        }
    }
}
