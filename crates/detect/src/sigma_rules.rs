//! Sigma rules as dragnet rules: a Sigma rule (with the filters naming it)
//! compiled to KQL by the `sigma` crate over dragnet's tables, and its
//! metadata carried over: `level` → severity (`critical` is High, the top
//! of Sentinel's scale), `tags` → tactics and techniques, `falsepositives`,
//! `references`, `fields` → custom details. Each matching event is an alert.

use sigma::diag::{Level, RuleDiagnostic};
use sigma::model::{Correlation, Level as SigmaLevel, SigmaFilter, SigmaRule};
use sigma::{ColumnType, Mapping, Schema};

use crate::attack::{is_technique_id, tactic};
use crate::rule::{EntityMapping, FieldMapping, Grouping, Kind, QueryOrigin, Rule, Severity, TriggerOperator};

/// dragnet's tables (`telemetry::tables`) as the compiler sees them.
pub struct Tables;

impl Schema for Tables {
    fn has_table(&self, table: &str) -> bool {
        telemetry::tables::get(table).is_some()
    }

    fn column(&self, table: &str, column: &str) -> Option<ColumnType> {
        use datafusion::arrow::datatypes::DataType as T;
        let schema = telemetry::tables::get(table)?;
        let field = schema.field_with_name(column).ok()?;
        Some(match field.data_type() {
            T::Utf8 | T::Utf8View => ColumnType::String,
            T::LargeUtf8 => ColumnType::Dynamic,
            T::Int64 | T::Int32 => ColumnType::Integer,
            T::Float64 => ColumnType::Real,
            T::Boolean => ColumnType::Bool,
            T::Timestamp(..) => ColumnType::DateTime,
            _ => ColumnType::Other,
        })
    }
}

/// The id a Sigma rule has in a pack: its `id`, else its `name`, else its
/// origin.
pub fn rule_id(r: &SigmaRule) -> String {
    r.meta.id.clone().or_else(|| r.meta.name.clone()).unwrap_or_else(|| r.meta.origin.clone())
}

/// Whether a filter applies to this rule: it names the rule (by id or
/// name) and its logsource covers the rule's (each key the filter sets,
/// the rule sets the same, ignoring case).
pub fn names(f: &SigmaFilter, r: &SigmaRule) -> bool {
    let covers = |want: &Option<String>, have: &Option<String>| match want {
        None => true,
        Some(w) => have.as_ref().is_some_and(|h| h.eq_ignore_ascii_case(w)),
    };
    f.rules.iter().any(|n| Some(n) == r.meta.id.as_ref() || Some(n) == r.meta.name.as_ref())
        && covers(&f.logsource.product, &r.logsource.product)
        && covers(&f.logsource.category, &r.logsource.category)
        && covers(&f.logsource.service, &r.logsource.service)
}

/// Compiles `r` with `filters` into a [`Rule`], with warnings (a `fields`
/// entry without a column). A logsource without a table is a warning (the
/// rule is left out, said so); any other problem is an error naming the
/// file, line and key.
pub fn to_rule(
    r: &SigmaRule,
    filters: &[&SigmaFilter],
    mapping: &Mapping,
) -> Result<(Rule, Vec<RuleDiagnostic>), Vec<RuleDiagnostic>> {
    let compiled = sigma::compile(r, filters, mapping, &Tables).map_err(|errs| {
        errs.into_iter()
            .map(|e| RuleDiagnostic {
                level: if e.message.starts_with("no table for logsource") { Level::Warning } else { Level::Error },
                file: e.file.unwrap_or_else(|| r.meta.origin.clone()),
                line: e.pos.line,
                column: e.pos.column,
                key: e.key,
                message: e.message,
            })
            .collect::<Vec<_>>()
    })?;
    let (tactics, techniques) = attack_tags(&r.meta.tags);
    let custom_details = compiled.details.clone();
    let warnings = compiled
        .unmapped_fields
        .iter()
        .map(|f| RuleDiagnostic {
            level: Level::Warning,
            file: r.meta.origin.clone(),
            line: r.meta.pos.line,
            column: r.meta.pos.column,
            key: "fields".into(),
            message: format!(
                "`{f}` has no column in the Sigma mapping for logsource ({}); left out of the alerts",
                r.logsource
            ),
        })
        .collect();
    let has = |c: &str| Tables.column(&compiled.table, c).is_some();
    let mut entity_mappings = Vec::new();
    if has("DeviceName") {
        entity_mappings.push(entity("Host", "HostName", "DeviceName"));
    }
    for account in ["AccountName", "InitiatingProcessAccountName"] {
        if has(account) {
            entity_mappings.push(entity("Account", "Name", account));
            break;
        }
    }
    let rule = Rule {
        origin: r.meta.origin.clone(),
        id: rule_id(r),
        name: r.meta.title.clone(),
        description: r.meta.description.trim().to_string(),
        severity: severity(r.meta.level),
        status: r.meta.status.clone(),
        required_data_connectors: Vec::new(),
        query_frequency: None,
        query_period: None,
        trigger_operator: TriggerOperator::GreaterThan,
        trigger_threshold: 0,
        tactics,
        techniques,
        query: compiled.kql,
        query_origin: QueryOrigin { line: r.meta.pos.line, column: r.meta.pos.column, literal_block: false },
        entity_mappings,
        custom_details,
        alert_details_override: None,
        grouping: Grouping::AlertPerResult,
        suppression: None,
        incident: Default::default(),
        version: None,
        kind: Kind::Scheduled,
        confidence: None,
        false_positives: r.meta.falsepositives.clone(),
        tuning: Vec::new(),
        references: r.meta.references.clone(),
        tests: Vec::new(),
    };
    Ok((rule, warnings))
}

/// `level` as a severity (`critical` is High, the top of Sentinel's scale).
fn severity(level: Option<SigmaLevel>) -> Severity {
    match level {
        Some(SigmaLevel::Informational) => Severity::Informational,
        Some(SigmaLevel::Low) => Severity::Low,
        None | Some(SigmaLevel::Medium) => Severity::Medium,
        Some(SigmaLevel::High | SigmaLevel::Critical) => Severity::High,
    }
}

/// `attack.*` tags as tactics (Sentinel's names) and technique ids.
fn attack_tags(tags: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut tactics, mut techniques) = (Vec::new(), Vec::new());
    for tag in tags {
        let Some(rest) = tag.strip_prefix("attack.") else { continue };
        let upper = rest.to_ascii_uppercase();
        if is_technique_id(&upper) {
            techniques.push(upper);
        } else if let Some(t) = tactic(&rest.replace(['-', '_'], " ")) {
            tactics.push(t.sentinel.to_string());
        }
    }
    (tactics, techniques)
}

/// A correlation rule as a [`Rule`] for its alerts: its id (else name,
/// else origin), title, level, tags and false positives; it has no query
/// of its own (`sigma_correlate` runs it).
pub fn correlation_rule(c: &Correlation) -> Rule {
    let (tactics, techniques) = attack_tags(&c.meta.tags);
    Rule {
        origin: c.meta.origin.clone(),
        id: c.meta.id.clone().or_else(|| c.meta.name.clone()).unwrap_or_else(|| c.meta.origin.clone()),
        name: c.meta.title.clone(),
        description: c.meta.description.trim().to_string(),
        severity: severity(c.meta.level),
        status: c.meta.status.clone(),
        required_data_connectors: Vec::new(),
        query_frequency: None,
        query_period: None,
        trigger_operator: TriggerOperator::GreaterThan,
        trigger_threshold: 0,
        tactics,
        techniques,
        query: String::new(),
        query_origin: QueryOrigin { line: c.meta.pos.line, column: c.meta.pos.column, literal_block: false },
        entity_mappings: Vec::new(),
        custom_details: Vec::new(),
        alert_details_override: None,
        grouping: Grouping::AlertPerResult,
        suppression: None,
        incident: Default::default(),
        version: None,
        kind: Kind::Scheduled,
        confidence: None,
        false_positives: c.meta.falsepositives.clone(),
        tuning: Vec::new(),
        references: c.meta.references.clone(),
        tests: Vec::new(),
    }
}

fn entity(ty: &str, identifier: &str, column: &str) -> EntityMapping {
    EntityMapping {
        entity_type: ty.to_string(),
        fields: vec![FieldMapping { identifier: identifier.to_string(), column: column.to_string() }],
    }
}
