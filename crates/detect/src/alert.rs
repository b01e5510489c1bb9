//! Alerts: what a rule raises from the rows its query returns.
//!
//! As in Sentinel, `eventGroupingSettings.aggregationKind` decides the
//! shape: `AlertPerResult` makes one alert per row, `SingleAlert` (the
//! default) one alert carrying every row. Each alert carries the rule's
//! metadata, the entities its `entityMappings` take from the rows, its
//! `customDetails` (a list of values per detail, as Sentinel shows them),
//! the `alertDetailsOverride` display name and description with
//! `{{Column}}` replaced by the first row's value, and the rows themselves
//! as evidence. How many alerts a run raises and how many rows each keeps
//! is bounded as Sentinel bounds it (see [`fold`](crate::fold)).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::entity::{Entity, extract};
pub use crate::fold::AlertCaps;
use crate::fold::AlertFolder;
use crate::rows::{Row, cell, event_time, hash_row, text};
use crate::rule::{Confidence, Rule, Severity};

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// A stable id: the same rule over the same rows gives the same id.
    pub id: String,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's name.
    pub rule_name: String,
    /// Where the rule came from.
    pub rule_origin: String,
    /// The rule's version.
    pub rule_version: Option<String>,
    /// The display name: `alertDisplayNameFormat` filled in, or the rule name.
    pub title: String,
    /// `alertDescriptionFormat` filled in, or the rule description.
    pub description: String,
    /// The rule's severity, or the value of `alertSeverityColumnName`.
    pub severity: Severity,
    /// The rule's confidence.
    pub confidence: Option<Confidence>,
    /// The rule's tactics, or those of `alertTacticsColumnName`.
    pub tactics: Vec<String>,
    /// The rule's techniques.
    pub techniques: Vec<String>,
    /// The rule's known false positives (`falsePositives`, Sigma's
    /// `falsepositives`).
    pub false_positives: Vec<String>,
    /// When the alert was raised: the run's `now`, in ns since the epoch.
    pub created: i64,
    /// The earliest event time among the rows, when the rows have one.
    pub start_time: Option<i64>,
    /// The latest event time among the rows.
    pub end_time: Option<i64>,
    /// The entities, without duplicates, in row order.
    pub entities: Vec<Entity>,
    /// `customDetails`: name → the distinct values of its column.
    pub custom_details: Vec<(String, Vec<Value>)>,
    /// `alertDynamicProperties`: property → value.
    pub properties: Vec<(String, String)>,
    /// The rows that raised the alert, up to the evidence cap.
    pub evidence: Vec<Row>,
    /// How many result rows the alert stands for: the evidence rows and
    /// those folded into it beyond the caps.
    pub rows: u64,
    /// For each evidence row, the indexes into `entities` of the entities
    /// taken from it.
    pub evidence_entities: Vec<Vec<usize>>,
}

/// The alerts `rule` raises from the rows of one run at `now` (ns since
/// the epoch), under the default caps: none unless the row count passes
/// the trigger.
pub fn alerts(rule: &Rule, rows: Vec<Row>, now: i64) -> Vec<Alert> {
    alerts_capped(rule, rows, now, AlertCaps::default())
}

/// [`alerts`] under `caps`.
pub fn alerts_capped(rule: &Rule, rows: Vec<Row>, now: i64, caps: AlertCaps) -> Vec<Alert> {
    let mut folder = AlertFolder::new(rule, now, caps);
    for r in rows {
        let time = event_time(&r);
        if folder.wants(time) {
            folder.push(r);
        } else {
            folder.count(time);
        }
    }
    folder.finish()
}

/// One alert carrying `rows` as evidence and standing for `stands_for`
/// result rows: more than its evidence when it folds others (see
/// [`Alert::fold`]), whose count its id then covers.
pub(crate) fn build(rule: &Rule, rows: Vec<Row>, now: i64, stands_for: u64) -> Alert {
    let empty = Row::new();
    let first = rows.first().unwrap_or(&empty);
    let over = rule.alert_details_override.clone().unwrap_or_default();
    let title = over.display_name_format.as_deref().map(|f| fill(f, first)).unwrap_or_else(|| rule.name.clone());
    let description =
        over.description_format.as_deref().map(|f| fill(f, first)).unwrap_or_else(|| rule.description.clone());
    let severity =
        over.severity_column.as_deref().and_then(|c| Severity::parse(&cell(first, c))).unwrap_or(rule.severity);
    let tactics = over
        .tactics_column
        .as_deref()
        .map(|c| {
            cell(first, c)
                .split(',')
                .filter_map(|t| crate::attack::tactic(t.trim()))
                .map(|t| t.sentinel.to_string())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| rule.tactics.clone());
    let mut entities: Vec<Entity> = Vec::new();
    let mut evidence_entities = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut mine = Vec::new();
        for e in extract(&rule.entity_mappings, r) {
            let i = match entities.iter().position(|x| *x == e) {
                Some(i) => i,
                None => {
                    entities.push(e);
                    entities.len() - 1
                }
            };
            mine.push(i);
        }
        evidence_entities.push(mine);
    }
    let custom_details = rule
        .custom_details
        .iter()
        .map(|(name, col)| {
            let mut values: Vec<Value> = Vec::new();
            for v in rows.iter().filter_map(|r| r.get(col)) {
                if !v.is_null() && !values.contains(v) {
                    values.push(v.clone());
                }
            }
            (name.clone(), values)
        })
        .collect();
    let properties = over.dynamic_properties.iter().map(|(p, c)| (p.clone(), cell(first, c))).collect();
    let times: Vec<i64> = rows.iter().filter_map(event_time).collect();
    let evidence = rows.len() as u64;
    Alert {
        id: alert_id(&rule.id, &rows, (stands_for > evidence).then_some(stands_for)),
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        rule_origin: rule.origin.clone(),
        rule_version: rule.version.clone(),
        title,
        description,
        severity,
        confidence: rule.confidence,
        tactics,
        techniques: rule.techniques.clone(),
        false_positives: rule.false_positives.clone(),
        created: now,
        start_time: times.iter().min().copied(),
        end_time: times.iter().max().copied(),
        entities,
        custom_details,
        properties,
        rows: stands_for.max(evidence),
        evidence: rows,
        evidence_entities,
    }
}

/// `{{Column}}` replaced by the row's value of the column (spaces inside
/// the braces allowed). A placeholder naming no column of the row stays as
/// written, so the mistake shows.
pub fn fill(format: &str, row: &Row) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = after[..close].trim();
                match row.get(name) {
                    Some(v) => out.push_str(&text(v)),
                    None => out.push_str(&rest[open..open + 2 + close + 2]),
                }
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The column names `{{...}}` placeholders of `format` refer to.
pub fn placeholders(format: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        out.push(after[..close].trim().to_string());
        rest = &after[close + 2..];
    }
    out
}

fn alert_id(rule_id: &str, rows: &[Row], folded: Option<u64>) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    for r in rows {
        h.update(b"\n");
        hash_row(&mut h, r);
    }
    if let Some(n) = folded {
        h.update(format!("\n+{n}").as_bytes());
    }
    let d = h.finalize();
    kql_engine::render::guid_text(&d[..16])
}

impl Alert {
    /// Makes an alert built to stand for more rows than its evidence span
    /// `first`..`last` as well as its evidence's times.
    pub(crate) fn fold(&mut self, first: Option<i64>, last: Option<i64>) {
        self.start_time = [self.start_time, first].into_iter().flatten().min();
        self.end_time = [self.end_time, last].into_iter().flatten().max();
    }

    /// Rows the alert stands for but does not carry as evidence.
    pub fn evidence_omitted(&self) -> u64 {
        self.rows.saturating_sub(self.evidence.len() as u64)
    }

    /// The first entity of `entity_type`.
    pub fn entity(&self, entity_type: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.entity_type == entity_type)
    }

    /// The host the alert is about: the first Host entity's name.
    pub fn host(&self) -> Option<&str> {
        let e = self.entity("Host")?;
        e.get("HostName").or_else(|| e.get("FullName")).or_else(|| e.get("NetBiosName")).or_else(|| e.get("AzureID"))
    }

    /// The account the alert is about: the first Account entity's name.
    pub fn account(&self) -> Option<&str> {
        let e = self.entity("Account")?;
        e.get("Name").or_else(|| e.get("FullName")).or_else(|| e.get("DisplayName")).or_else(|| e.get("Sid"))
    }

    /// A one-line account of what happened: the overridden display name,
    /// else the first process command line, pod, file, URL or address.
    pub fn summary(&self) -> String {
        let mut s = if self.title != self.rule_name {
            self.title.clone()
        } else if let Some(cmd) = self.entity("Process").and_then(|e| e.get("CommandLine")) {
            cmd.to_string()
        } else if let Some(pod) = self.entity("KubernetesPod") {
            match (pod.get("Namespace"), pod.get("Name")) {
                (Some(ns), Some(n)) => format!("pod {ns}/{n}"),
                (_, Some(n)) => format!("pod {n}"),
                (Some(ns), None) => format!("namespace {ns}"),
                _ => String::new(),
            }
        } else if let Some(f) = self.entity("File") {
            [f.get("Directory"), f.get("Name")].into_iter().flatten().collect::<Vec<_>>().join(" ")
        } else if let Some(u) = self.entity("URL").and_then(|e| e.get("Url")) {
            u.to_string()
        } else if let Some(ip) = self.entity("IP").and_then(|e| e.get("Address")) {
            ip.to_string()
        } else {
            self.title.clone()
        };
        if self.rows > 1 {
            s.push_str(&format!(" (+{} more events)", self.rows - 1));
        }
        s
    }

    /// The alert as one JSON object (the `jsonl` format).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(AlertJson(self)).unwrap_or(Value::Null)
    }

    /// Writes [`to_json`](Self::to_json)'s text to `out` without building
    /// the JSON value first (the evidence rows are written as they are).
    pub fn write_json(&self, out: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(out, &AlertJson(self)).map_err(std::io::Error::other)
    }
}

/// An alert as JSON, its fields in the `jsonl` format's order.
struct AlertJson<'a>(&'a Alert);

impl Serialize for AlertJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        let dt = |t: Option<i64>| t.map(kql_engine::render::datetime_text);
        let details: Map<String, Value> =
            a.custom_details.iter().map(|(k, v)| (k.clone(), Value::Array(v.clone()))).collect();
        let props: Map<String, Value> =
            a.properties.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let rule = json!({
            "id": a.rule_id,
            "name": a.rule_name,
            "version": a.rule_version,
            "origin": a.rule_origin,
        });
        let entities: Vec<Value> = a.entities.iter().map(Entity::to_json).collect();
        let mut m = s.serialize_map(Some(19))?;
        m.serialize_entry("id", &a.id)?;
        m.serialize_entry("time", &dt(a.start_time.or(Some(a.created))))?;
        m.serialize_entry("start_time", &dt(a.start_time))?;
        m.serialize_entry("end_time", &dt(a.end_time))?;
        m.serialize_entry("created_time", &dt(Some(a.created)))?;
        m.serialize_entry("title", &a.title)?;
        m.serialize_entry("description", &a.description)?;
        m.serialize_entry("severity", a.severity.as_str())?;
        m.serialize_entry("confidence", &a.confidence.map(|c| c.as_str()))?;
        m.serialize_entry("tactics", &a.tactics)?;
        m.serialize_entry("techniques", &a.techniques)?;
        m.serialize_entry("false_positives", &a.false_positives)?;
        m.serialize_entry("rule", &rule)?;
        m.serialize_entry("entities", &entities)?;
        m.serialize_entry("custom_details", &details)?;
        m.serialize_entry("properties", &props)?;
        m.serialize_entry("rows", &a.rows)?;
        m.serialize_entry("evidence", &a.evidence)?;
        m.serialize_entry("evidence_omitted", &a.evidence_omitted())?;
        m.end()
    }
}
