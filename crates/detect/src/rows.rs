//! Query results as rows of JSON values, the form alerts carry as evidence.

use kql_engine::QueryResult;
use kql_engine::render::cell_json;
use serde_json::{Map, Value};

/// One result row: column name → value, in column order.
pub type Row = Map<String, Value>;

/// Every row of a result.
pub fn rows(result: &QueryResult) -> Vec<Row> {
    let names: Vec<&String> = result.schema.fields().iter().map(|f| f.name()).collect();
    let mut out = Vec::with_capacity(result.num_rows());
    for b in &result.batches {
        for i in 0..b.num_rows() {
            out.push(names.iter().zip(b.columns()).map(|(n, c)| ((*n).clone(), cell_json(c, i))).collect());
        }
    }
    out
}

/// A value as text: strings as they are, null as "", anything else as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value of `column` in `row` as text, or "" when the column is absent
/// or null.
pub fn cell(row: &Row, column: &str) -> String {
    row.get(column).map(text).unwrap_or_default()
}

/// The time columns an event's time is read from, in order of preference.
pub const TIME_COLUMNS: &[&str] = &["TimeGenerated", "Timestamp", "StartTime", "StartTimeUtc", "EventTime"];

/// The event time of a row in nanoseconds since the epoch: the first of
/// [`TIME_COLUMNS`] that holds a datetime.
pub fn event_time(row: &Row) -> Option<i64> {
    TIME_COLUMNS.iter().find_map(|c| match row.get(*c) {
        Some(Value::String(s)) => telemetry::batch::parse_datetime(s),
        _ => None,
    })
}
