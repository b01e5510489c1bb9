//! Query results as rows of JSON values, the form alerts carry as evidence.

use datafusion::arrow::record_batch::RecordBatch;
use kql_engine::QueryResult;
use kql_engine::render::cell_json;
use serde_json::{Map, Value};

/// One result row: column name → value, in column order.
pub type Row = Map<String, Value>;

/// Every row of a result.
pub fn rows(result: &QueryResult) -> Vec<Row> {
    let mut out = Vec::with_capacity(result.num_rows());
    for b in &result.batches {
        out.extend((0..b.num_rows()).map(|i| row(b, i)));
    }
    out
}

/// Row `i` of `batch`.
pub fn row(batch: &RecordBatch, i: usize) -> Row {
    let schema = batch.schema();
    schema.fields().iter().zip(batch.columns()).map(|(f, c)| (f.name().clone(), cell_json(c, i))).collect()
}

/// The time columns of a batch, found once for all its rows (a name looked
/// up per row would cost a search of the schema, and a failed search the
/// formatting of an error listing every column).
pub struct BatchTimes {
    /// (name, index) of the [`TIME_COLUMNS`] the batch has, in their order.
    columns: Vec<(&'static str, usize)>,
}

impl BatchTimes {
    /// The time columns of `batch`.
    pub fn of(batch: &RecordBatch) -> BatchTimes {
        let schema = batch.schema();
        let columns = TIME_COLUMNS.iter().filter_map(|c| schema.index_of(c).ok().map(|j| (*c, j))).collect();
        BatchTimes { columns }
    }

    /// The event time of row `i` of `batch` (see [`event_time`]), reading
    /// only the time columns.
    pub fn event_time(&self, batch: &RecordBatch, i: usize) -> Option<i64> {
        let mut times = Row::new();
        for &(c, j) in &self.columns {
            times.insert(c.to_string(), cell_json(batch.column(j), i));
        }
        event_time(&times)
    }
}

/// Feeds a row's JSON text (as `Value::Object(row).to_string()` gives it)
/// to `hash` without building the text or copying the row.
pub fn hash_row(hash: &mut sha2::Sha256, row: &Row) {
    struct Feed<'a>(&'a mut sha2::Sha256);
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            sha2::Digest::update(self.0, buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Writing a map of string keys into a sink that never fails cannot fail.
    let _ = serde_json::to_writer(Feed(hash), row);
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
