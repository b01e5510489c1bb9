//! Running a rule: its KQL over a catalog at a given `now`, then the
//! trigger and the alerts. Also checking, without running, that a rule's
//! query binds and that the columns its alert settings name exist.

use datafusion::arrow::array::{Array, AsArray, PrimitiveArray};
use datafusion::arrow::datatypes::TimestampNanosecondType;
use datafusion::arrow::record_batch::RecordBatch;
use kql_engine::{Engine, EngineError, QueryOptions};
use kql_syntax::LineIndex;

use crate::alert::{Alert, placeholders};
use crate::fold::{AlertCaps, AlertFolder};
use crate::rows::{BatchTimes, row};
use crate::rule::{Level, Rule, RuleDiagnostic};

/// What one run of a rule gave.
#[derive(Debug, Clone)]
pub struct RuleRun {
    /// How many rows the query returned.
    pub rows: usize,
    /// The alerts raised (none when the trigger did not fire).
    pub alerts: Vec<Alert>,
}

/// Runs `rule` with `now()` at `now` (ns since the epoch) under the
/// default caps. The rule's result is its query's first tabular result.
pub async fn run_rule(engine: &Engine, rule: &Rule, now: i64) -> Result<RuleRun, EngineError> {
    run_rule_capped(engine, rule, now, AlertCaps::default()).await
}

/// [`run_rule`] under `caps`. The result is consumed as a stream: only the
/// rows an alert keeps are turned into JSON, and no more than the caps
/// allow are held.
pub async fn run_rule_capped(engine: &Engine, rule: &Rule, now: i64, caps: AlertCaps) -> Result<RuleRun, EngineError> {
    let mut stream = engine.run_stream(&rule.query, QueryOptions { now }).await?;
    let mut folder = AlertFolder::new(rule, now, caps);
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let times = BatchTimes::of(&batch);
        for i in 0..batch.num_rows() {
            let time = times.event_time(&batch, i);
            if folder.wants(time) {
                folder.push(row(&batch, i));
            } else {
                folder.count(time);
            }
        }
    }
    let rows = usize::try_from(folder.rows()).unwrap_or(usize::MAX);
    Ok(RuleRun { rows, alerts: folder.finish() })
}

/// Binds the rule's query against the engine's catalog without running it,
/// and checks the columns its entity mappings, custom details and alert
/// overrides name against the query's output. Every problem comes back as
/// a diagnostic pointing into the rule file.
pub fn check_binding(engine: &Engine, rule: &Rule) -> Vec<RuleDiagnostic> {
    let mut out = Vec::new();
    let diag = |line: usize, column: usize, key: &str, message: String| RuleDiagnostic {
        level: Level::Error,
        file: rule.origin.clone(),
        line,
        column,
        key: key.to_string(),
        message,
    };
    let plans = match engine.plan(&rule.query, QueryOptions { now: 0 }) {
        Ok(p) => p,
        Err(e) => {
            let index = LineIndex::new(&rule.query);
            if e.diagnostics().is_empty() {
                let (l, c) = rule.query_origin.map(1, 1);
                out.push(diag(l, c, "query", e.to_string()));
            }
            for d in e.diagnostics() {
                let lc = index.line_col(d.span.start);
                let (l, c) = rule.query_origin.map(lc.line as usize, lc.column as usize);
                let mut msg = format!("{} {}", d.code, d.message);
                if let Some(h) = &d.help {
                    msg.push_str(&format!("; {h}"));
                }
                out.push(diag(l, c, "query", msg));
            }
            return out;
        }
    };
    let Some(plan) = plans.first() else {
        let (l, c) = rule.query_origin.map(1, 1);
        out.push(diag(l, c, "query", "the query has no tabular result".into()));
        return out;
    };
    let columns: Vec<String> = plan.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut need: Vec<(String, String)> = Vec::new();
    for (i, m) in rule.entity_mappings.iter().enumerate() {
        for (j, f) in m.fields.iter().enumerate() {
            need.push((format!("entityMappings[{i}].fieldMappings[{j}].columnName"), f.column.clone()));
        }
    }
    for (name, col) in &rule.custom_details {
        need.push((format!("customDetails.{name}"), col.clone()));
    }
    if let Some(o) = &rule.alert_details_override {
        for (key, format) in
            [("alertDisplayNameFormat", &o.display_name_format), ("alertDescriptionFormat", &o.description_format)]
        {
            for p in format.iter().flat_map(|f| placeholders(f)) {
                need.push((format!("alertDetailsOverride.{key}"), p));
            }
        }
        for (key, col) in
            [("alertSeverityColumnName", &o.severity_column), ("alertTacticsColumnName", &o.tactics_column)]
        {
            if let Some(c) = col {
                need.push((format!("alertDetailsOverride.{key}"), c.clone()));
            }
        }
        for (p, c) in &o.dynamic_properties {
            need.push((format!("alertDetailsOverride.alertDynamicProperties.{p}"), c.clone()));
        }
    }
    for (key, col) in need {
        if !columns.contains(&col) {
            let names: Vec<&str> = columns.iter().map(String::as_str).collect();
            let mut msg = format!("column {col} is not in the query's result");
            if let Some(n) = kql_syntax::nearest(&col, &names) {
                msg.push_str(&format!(" (did you mean {n}?)"));
            }
            out.push(diag(1, 1, &key, msg));
        }
    }
    out
}

/// The newest event time across the tables, as KQL computes it.
pub const NEWEST_EVENT: &str = "union DeviceProcessEvents, DeviceFileEvents, DeviceNetworkEvents, AKSAudit \
                            | summarize Newest = max(coalesce(TimeGenerated, Timestamp))";

/// The tables [`newest_event`] reads.
pub const NEWEST_EVENT_TABLES: [&str; 4] =
    ["DeviceProcessEvents", "DeviceFileEvents", "DeviceNetworkEvents", "AKSAudit"];

/// The newest event time in one batch of `table`, as [`newest_event`]
/// counts it (`coalesce(TimeGenerated, Timestamp)`, only over
/// [`NEWEST_EVENT_TABLES`]): for rows that are not kept in a table.
pub fn newest_in_batch(table: &str, batch: &RecordBatch) -> Option<i64> {
    if !NEWEST_EVENT_TABLES.contains(&table) {
        return None;
    }
    let column = |name: &str| {
        let c = batch.column_by_name(name)?;
        c.as_primitive_opt::<TimestampNanosecondType>()
    };
    let (generated, stamp) = (column("TimeGenerated"), column("Timestamp"));
    let at =
        |c: Option<&PrimitiveArray<TimestampNanosecondType>>, i: usize| c.filter(|c| c.is_valid(i)).map(|c| c.value(i));
    (0..batch.num_rows()).filter_map(|i| at(generated, i).or_else(|| at(stamp, i))).max()
}

/// The newest event time in the engine's tables (ns since the epoch), or
/// `None` when they are empty: the `now` an old log is run at, as if live.
pub async fn newest_event(engine: &Engine) -> Result<Option<i64>, EngineError> {
    let results = engine.run(NEWEST_EVENT, QueryOptions { now: 0 }).await?;
    let Some(batch) = results.first().and_then(|r| r.batches.first()) else { return Ok(None) };
    let col = batch.column(0);
    if batch.num_rows() == 0 || col.is_null(0) {
        return Ok(None);
    }
    Ok(col.as_primitive_opt::<TimestampNanosecondType>().map(|ts| ts.value(0)))
}

/// The default tables: the ones sources fill (DeviceProcessEvents,
/// DeviceFileEvents, DeviceNetworkEvents, AKSAudit, ...), empty, and every
/// other documented Log Analytics and Defender XDR table, as a name and a
/// schema: what a rule binds against.
pub fn default_catalog() -> kql_engine::Catalog {
    let mut catalog = kql_engine::Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        let table =
            datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).expect("an empty table of a valid schema");
        catalog.register(name, std::sync::Arc::new(table));
    }
    for t in telemetry::tables::documented::tables() {
        catalog.register_documented(t.name, std::sync::Arc::clone(&t.schema));
    }
    catalog
}
