//! The rule format: Microsoft Sentinel's analytics-rule YAML, as published
//! in the Azure-Sentinel repository's `Detections/` folder, plus dragnet's
//! optional keys (`confidence`, `falsePositives`, `tuning`, `references`,
//! `tests`).
//!
//! [`parse`] reads one file into a [`Rule`], with every problem as a
//! [`RuleDiagnostic`] naming the file, line, column and key.

mod diag;
pub mod duration;
mod fields;
pub mod incident;
mod parse;
mod query_pos;
mod yaml;

use std::fmt;
use std::time::Duration;

pub use diag::{Level, RuleDiagnostic};
pub use incident::{IncidentConfig, IncidentGrouping, Matching};
pub use parse::{KNOWN_KEYS, SENTINEL_IGNORED_KEYS, parse, parse_tests};
pub use query_pos::QueryOrigin;

/// A detection rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Where the rule came from (a path, or `builtin:rules/...`).
    pub origin: String,
    /// `id`: a GUID in Sentinel files.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `severity`.
    pub severity: Severity,
    /// `status` (`Available`, `Deprecated`, ...), as written.
    pub status: Option<String>,
    /// `requiredDataConnectors`.
    pub required_data_connectors: Vec<DataConnector>,
    /// `queryFrequency`: how often Sentinel runs a scheduled rule.
    pub query_frequency: Option<Duration>,
    /// `queryPeriod`: how far back each run looks.
    pub query_period: Option<Duration>,
    /// `triggerOperator` (default `gt`).
    pub trigger_operator: TriggerOperator,
    /// `triggerThreshold` (default 0).
    pub trigger_threshold: u64,
    /// `tactics`, in Sentinel's spelling (`CredentialAccess`).
    pub tactics: Vec<String>,
    /// `relevantTechniques`: `T1552.007`, `T1611`.
    pub techniques: Vec<String>,
    /// `query`: the KQL, exactly as in the file.
    pub query: String,
    /// Where the query text sits in the file, to map query positions back.
    pub query_origin: QueryOrigin,
    /// `entityMappings`.
    pub entity_mappings: Vec<EntityMapping>,
    /// `customDetails`: alert field name → result column, in file order.
    pub custom_details: Vec<(String, String)>,
    /// `alertDetailsOverride`.
    pub alert_details_override: Option<AlertDetailsOverride>,
    /// `eventGroupingSettings.aggregationKind` (default `SingleAlert`).
    pub grouping: Grouping,
    /// `suppressionDuration` when `suppressionEnabled` is true: after an
    /// alert, the rule's further alerts are suppressed this long.
    pub suppression: Option<Duration>,
    /// `incidentConfiguration` (default: an incident per alert).
    pub incident: IncidentConfig,
    /// `version`, as written.
    pub version: Option<String>,
    /// `kind` (default `Scheduled`).
    pub kind: Kind,
    /// `confidence` (dragnet).
    pub confidence: Option<Confidence>,
    /// `falsePositives` (dragnet): benign activity that also matches.
    pub false_positives: Vec<String>,
    /// `tuning` (dragnet): how to adapt the rule to an environment.
    pub tuning: Vec<String>,
    /// `references` (dragnet): URLs.
    pub references: Vec<String>,
    /// `tests` (dragnet): the adversary behaviours that should fire the rule.
    pub tests: Vec<RuleTest>,
}

impl Rule {
    /// The first technique, or `-`; what one-line listings show.
    pub fn technique(&self) -> &str {
        self.techniques.first().map(String::as_str).unwrap_or("-")
    }
}

/// Alert severity, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// `Informational`.
    Informational,
    /// `Low`.
    Low,
    /// `Medium`.
    Medium,
    /// `High`.
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [Severity::Informational, Severity::Low, Severity::Medium, Severity::High];

    /// The spelling in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }

    /// Parses a spelling, case-insensitively.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a rule is that a match is malicious (dragnet's `confidence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// `Low`.
    Low,
    /// `Medium`.
    Medium,
    /// `High`.
    High,
}

impl Confidence {
    /// The spelling in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "Low",
            Confidence::Medium => "Medium",
            Confidence::High => "High",
        }
    }

    /// Parses a spelling, case-insensitively.
    pub fn parse(text: &str) -> Option<Confidence> {
        [Confidence::Low, Confidence::Medium, Confidence::High]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// `triggerOperator`: how the result's row count is compared with
/// `triggerThreshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerOperator {
    /// `gt` / `GreaterThan`.
    GreaterThan,
    /// `lt` / `LessThan`.
    LessThan,
    /// `eq` / `Equal`.
    Equal,
    /// `ne` / `NotEqual`.
    NotEqual,
}

impl TriggerOperator {
    /// Parses `gt`, `lt`, `eq`, `ne` or the ARM names, case-insensitively.
    pub fn parse(text: &str) -> Option<TriggerOperator> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "gt" | "greaterthan" => TriggerOperator::GreaterThan,
            "lt" | "lessthan" => TriggerOperator::LessThan,
            "eq" | "equal" => TriggerOperator::Equal,
            "ne" | "notequal" => TriggerOperator::NotEqual,
            _ => return None,
        })
    }

    /// The short spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerOperator::GreaterThan => "gt",
            TriggerOperator::LessThan => "lt",
            TriggerOperator::Equal => "eq",
            TriggerOperator::NotEqual => "ne",
        }
    }

    /// Whether `count` result rows fire a rule with `threshold`.
    pub fn fires(self, count: u64, threshold: u64) -> bool {
        match self {
            TriggerOperator::GreaterThan => count > threshold,
            TriggerOperator::LessThan => count < threshold,
            TriggerOperator::Equal => count == threshold,
            TriggerOperator::NotEqual => count != threshold,
        }
    }
}

/// `eventGroupingSettings.aggregationKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One alert carrying every result row (Sentinel's default).
    SingleAlert,
    /// One alert per result row.
    AlertPerResult,
}

/// `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A query run every `queryFrequency` over `queryPeriod`.
    Scheduled,
    /// Near-real-time: run every minute over the last minute's events.
    Nrt,
}

impl Kind {
    /// The spelling in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scheduled => "Scheduled",
            Kind::Nrt => "NRT",
        }
    }
}

/// One entry of `requiredDataConnectors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataConnector {
    /// `connectorId`.
    pub connector_id: String,
    /// `dataTypes`: the tables the connector fills.
    pub data_types: Vec<String>,
}

/// One entry of `entityMappings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityMapping {
    /// `entityType`, in the canonical spelling of [`crate::entity::ENTITY_TYPES`].
    pub entity_type: String,
    /// `fieldMappings`: identifier → column.
    pub fields: Vec<FieldMapping>,
}

/// One `fieldMappings` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMapping {
    /// `identifier`, e.g. `HostName`.
    pub identifier: String,
    /// `columnName`: the result column holding the value.
    pub column: String,
}

/// `alertDetailsOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertDetailsOverride {
    /// `alertDisplayNameFormat`, with `{{Column}}` placeholders.
    pub display_name_format: Option<String>,
    /// `alertDescriptionFormat`, with `{{Column}}` placeholders.
    pub description_format: Option<String>,
    /// `alertSeverityColumnName`: a column whose value overrides the severity.
    pub severity_column: Option<String>,
    /// `alertTacticsColumnName`: a column whose value overrides the tactics.
    pub tactics_column: Option<String>,
    /// `alertDynamicProperties`: alert property → column.
    pub dynamic_properties: Vec<(String, String)>,
}

/// One entry of `tests` (dragnet): logs of a behaviour and the alerts the
/// rule must raise over them — an adversary behaviour (usually an Atomic
/// Red Team test) that must fire it, or ordinary activity that must not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTest {
    /// `name`.
    pub name: String,
    /// `kind` (default `attack`).
    pub kind: TestKind,
    /// `atomic`: the Atomic Red Team test it reproduces (`T1609#1` or a GUID).
    pub atomic: Option<String>,
    /// `signal`: the telemetry the behaviour should leave.
    pub signal: Option<String>,
    /// `logs`: log files of the behaviour, relative to the rule file.
    pub logs: Vec<String>,
    /// `now`: the time the rule runs at over `logs`.
    pub now: Option<String>,
    /// `expect.alerts`: how many alerts the rule must raise over `logs`;
    /// when absent, at least one for `attack` and `false-positive`, none
    /// for `benign` and `known-miss`.
    pub expect_alerts: Option<u64>,
    /// `expect.fields`: column → value that one evidence row of some alert
    /// must hold, every pair in the same row (values compared as text).
    pub expect_fields: Vec<(String, String)>,
    /// Where the test entry starts in the rule file (line, column).
    pub at: (usize, usize),
}

/// What a rule test's logs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// Adversary behaviour the rule exists to catch: it must fire.
    Attack,
    /// Ordinary activity: the rule must not fire.
    Benign,
    /// Benign activity the rule's `falsePositives` says it fires on: the
    /// test records that it does, so the behaviour stays documented.
    FalsePositive,
    /// Adversary behaviour the rule's query does not see (a gap another
    /// rule may cover): the test records that it does not fire, so the gap
    /// stays documented and a change that closes it is noticed.
    KnownMiss,
}

impl TestKind {
    /// The spelling in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Attack => "attack",
            TestKind::Benign => "benign",
            TestKind::FalsePositive => "false-positive",
            TestKind::KnownMiss => "known-miss",
        }
    }

    /// Parses a spelling, case-insensitively.
    pub fn parse(text: &str) -> Option<TestKind> {
        [TestKind::Attack, TestKind::Benign, TestKind::FalsePositive, TestKind::KnownMiss]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text.trim()))
    }
}
