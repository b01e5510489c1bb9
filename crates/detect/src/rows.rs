//! Query results as rows of JSON values, the form alerts carry as evidence.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::TimestampNanosecondType;
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
    /// only the time columns: the value of a datetime column in the years
    /// 1900 to 2199 directly (its text has 100 ns ticks, so the time read
    /// back from it is the value rounded down to a tick), any other value
    /// through its JSON text as [`event_time`] reads it.
    pub fn event_time(&self, batch: &RecordBatch, i: usize) -> Option<i64> {
        self.columns.iter().find_map(|&(c, j)| {
            let col = batch.column(j);
            if let Some(ts) = col.as_primitive_opt::<TimestampNanosecondType>() {
                if ts.is_null(i) {
                    return None;
                }
                let ns = ts.value(i);
                if (DIRECT_TIMES.0..DIRECT_TIMES.1).contains(&ns) {
                    return Some(ns - ns.rem_euclid(100));
                }
            }
            let mut one = Row::new();
            one.insert(c.to_string(), cell_json(col, i));
            event_time(&one)
        })
    }
}

/// The datetimes [`BatchTimes::event_time`] reads without their text:
/// 1900-01-01 to 2200-01-01 (ns since the epoch), far inside the range the
/// text form and its parser both cover.
const DIRECT_TIMES: (i64, i64) = (-2_208_988_800_000_000_000, 7_258_118_400_000_000_000);

/// Feeds a row's JSON text (as `Value::Object(row).to_string()` gives it)
/// to `hash` without building the whole text or copying the row: the text
/// goes through a small buffer, so the hash takes it in blocks rather than
/// in the many small pieces the serializer writes.
pub fn hash_row(hash: &mut sha2::Sha256, row: &Row) {
    struct Feed<'a> {
        hash: &'a mut sha2::Sha256,
        buf: Vec<u8>,
    }
    impl Feed<'_> {
        fn drain(&mut self) {
            sha2::Digest::update(self.hash, &self.buf);
            self.buf.clear();
        }
    }
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.buf.len() + bytes.len() > FEED_BUFFER {
                self.drain();
            }
            if bytes.len() > FEED_BUFFER {
                sha2::Digest::update(self.hash, bytes);
            } else {
                self.buf.extend_from_slice(bytes);
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.drain();
            Ok(())
        }
    }
    const FEED_BUFFER: usize = 4096;
    let mut feed = Feed { hash, buf: Vec::with_capacity(FEED_BUFFER) };
    // Writing a map of string keys into a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut feed, row);
    feed.drain();
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, StringArray, TimestampNanosecondArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};

    use super::*;

    /// The event time read from the columns directly equals the one read
    /// from the row's JSON, inside the direct range, at its edges and past
    /// them.
    #[test]
    fn batch_times_equal_the_rows_times() {
        let (lo, hi) = DIRECT_TIMES;
        let mut times: Vec<Option<i64>> = vec![None, Some(0), Some(-1), Some(99), Some(100), Some(-101)];
        times.extend([lo - 1, lo, lo + 1, hi - 1, hi, hi + 1, i64::MIN, i64::MAX].map(Some));
        times.extend([1_764_000_000_123_456_789, -1_000_000_000_000_000_007].map(Some));
        let n = times.len();
        let text: Vec<Option<&str>> =
            (0..n).map(|i| if i % 2 == 0 { Some("2026-11-20T10:00:00Z") } else { None }).collect();
        let schema = Schema::new(vec![
            Field::new("TimeGenerated", DataType::Timestamp(TimeUnit::Nanosecond, None), true),
            Field::new("EventTime", DataType::Utf8, true),
        ]);
        let columns: Vec<ArrayRef> =
            vec![Arc::new(TimestampNanosecondArray::from(times)), Arc::new(StringArray::from(text))];
        let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
        let bt = BatchTimes::of(&batch);
        let mut direct = 0;
        for i in 0..n {
            let r = row(&batch, i);
            assert_eq!(bt.event_time(&batch, i), event_time(&r), "row {i}: {r:?}");
            direct += usize::from(bt.event_time(&batch, i).is_some());
        }
        assert!(direct > n / 2);
        assert_eq!(bt.event_time(&batch, 2), Some(-100));
    }

    /// The hash is that of the row's JSON text, for rows shorter and longer
    /// than the feed's buffer and values that need escapes.
    #[test]
    fn hash_row_hashes_the_rows_text() {
        use sha2::Digest;
        let long = "x\"\u{1}é".repeat(3000);
        for v in [
            serde_json::json!({}),
            serde_json::json!({"a": 1, "b": "c\nd", "e": [null, 2.5, {"f": true}]}),
            serde_json::json!({"k": long, "n": 7, "m": "y".repeat(4095)}),
        ] {
            let row = v.as_object().unwrap().clone();
            let mut h = sha2::Sha256::new();
            hash_row(&mut h, &row);
            let want = sha2::Sha256::digest(serde_json::Value::Object(row).to_string().as_bytes());
            assert_eq!(h.finalize(), want);
        }
    }
}
