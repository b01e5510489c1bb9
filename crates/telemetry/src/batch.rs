//! Building Arrow record batches of a table, one row at a time.
//!
//! Every source fills rows the same way: it asks a [`TableBuilder`] for the
//! index of each column it knows once, then for each event makes a
//! [`Row`], sets the cells it has, and appends it. A cell left unset is
//! null. A value of the wrong kind for its column (a bug in a source, not
//! bad input) panics in debug builds and is stored as null in release ones.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_schema::{DataType, SchemaRef};
use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, DurationNanosecondBuilder, FixedSizeBinaryBuilder, Float64Builder,
    Int32Builder, Int64Builder, LargeStringBuilder, StringViewBuilder, TimestampNanosecondBuilder, new_null_array,
};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::Value as J;

/// One cell. Text borrows from the input where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// No value.
    Null,
    /// A `string` column's text.
    Str(Cow<'a, str>),
    /// An `int` or `long`.
    Long(i64),
    /// A `real`.
    Real(f64),
    /// A `bool`.
    Bool(bool),
    /// A `datetime`: nanoseconds since the Unix epoch, UTC.
    Time(i64),
    /// A `timespan` in nanoseconds.
    Span(i64),
    /// A `guid`'s 16 bytes.
    Guid([u8; 16]),
    /// A `dynamic` value as JSON text.
    Json(Cow<'a, str>),
}

impl<'a> Value<'a> {
    /// A string cell.
    #[inline]
    pub fn str(s: impl Into<Cow<'a, str>>) -> Value<'a> {
        Value::Str(s.into())
    }

    /// Reads a JSON value as a cell of a column of type `t`, the way a
    /// Defender export writes it: numbers may come as strings, datetimes as
    /// ISO 8601 text, and a `dynamic` column's object may come as a string
    /// holding JSON (as `AdditionalFields` does).
    pub fn from_json(t: &DataType, v: &J) -> Result<Value<'static>, String> {
        let as_text = |v: &J| match v {
            J::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(match (t, v) {
            (_, J::Null) => Value::Null,
            (DataType::LargeUtf8, J::String(s)) => {
                let t = s.trim_start();
                if (t.starts_with('{') || t.starts_with('['))
                    && let Ok(inner) = serde_json::from_str::<J>(s)
                {
                    return Ok(Value::Json(inner.to_string().into()));
                }
                Value::Json(v.to_string().into())
            }
            (DataType::LargeUtf8, v) => Value::Json(v.to_string().into()),
            (DataType::Int64 | DataType::Int32, J::Number(n)) => {
                Value::Long(n.as_i64().ok_or_else(|| format!("{n} is not a whole number"))?)
            }
            (DataType::Int64 | DataType::Int32, J::String(s)) => {
                Value::Long(s.trim().parse().map_err(|_| format!("\"{s}\" is not a whole number"))?)
            }
            (DataType::Float64, J::Number(n)) => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
            (DataType::Float64, J::String(s)) => {
                Value::Real(s.trim().parse().map_err(|_| format!("\"{s}\" is not a number"))?)
            }
            (DataType::Boolean, J::Bool(b)) => Value::Bool(*b),
            (DataType::Boolean, J::String(s)) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            (DataType::Boolean, J::String(s)) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            (DataType::Boolean, J::Number(n)) => Value::Bool(n.as_f64() != Some(0.0)),
            (DataType::Timestamp(..), J::String(s)) => {
                Value::Time(parse_datetime(s).ok_or_else(|| format!("\"{s}\" is not a datetime"))?)
            }
            (DataType::Duration(_), J::Number(n)) => {
                Value::Span(n.as_i64().ok_or_else(|| format!("{n} is not a whole number of nanoseconds"))?)
            }
            (DataType::FixedSizeBinary(16), J::String(s)) => {
                Value::Guid(parse_guid(s).ok_or_else(|| format!("\"{s}\" is not a guid"))?)
            }
            (DataType::FixedSizeBinary(16), v) => return Err(format!("{} is not a guid", short(v))),
            (DataType::Utf8View | DataType::Utf8, v) => Value::Str(as_text(v).into()),
            (_, J::String(s)) => Value::Str(s.clone().into()),
            (_, v) => return Err(format!("{} cannot be read as this column's type", short(v))),
        })
    }
}

/// A JSON value cut to 40 characters, for messages.
pub fn short(v: &J) -> String {
    let s = v.to_string();
    if s.len() > 40 { format!("{}...", &s[..s.floor_char_boundary(40)]) } else { s }
}

/// Nanoseconds since the epoch of an ISO 8601 / RFC 3339 text; without a
/// zone, the time is read as UTC.
pub fn parse_datetime(s: &str) -> Option<i64> {
    if let Some(ns) = crate::rfc3339::parse_utc(s) {
        return Some(ns);
    }
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return i64::try_from(ts.as_nanosecond()).ok();
    }
    let dt = s.parse::<jiff::civil::DateTime>().ok()?;
    let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    i64::try_from(ts.as_nanosecond()).ok()
}

/// A guid's bytes from its text (`{...}` and dashes allowed).
pub fn parse_guid(s: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = s.bytes().filter(|c| !matches!(c, b'-' | b'{' | b'}')).collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// The cells of one row that were set, by column index; every other cell
/// is null. Rows are sparse because events fill a fraction of a table's
/// columns: pushing one costs what was set, not the table's width.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    cells: Vec<(usize, Value<'a>)>,
}

/// The null every unset cell reads as.
const NULL: Value<'static> = Value::Null;

impl<'a> Row<'a> {
    /// Sets column `col` (an index from [`TableBuilder::col`]).
    /// Setting a column again replaces its value.
    #[inline]
    pub fn set(&mut self, col: usize, v: Value<'a>) -> &mut Row<'a> {
        self.cells.push((col, v));
        self
    }

    /// The cell of column `col`: the value set last.
    #[inline]
    pub fn get(&self, col: usize) -> &Value<'a> {
        self.cells.iter().rev().find(|(c, _)| *c == col).map_or(&NULL, |(_, v)| v)
    }

    /// Whether every column reads the same in both rows (a cell set to
    /// null reads as one never set).
    pub fn reads_as(&self, other: &Row<'_>) -> bool {
        self.cells.iter().chain(&other.cells).all(|(c, _)| self.get(*c) == other.get(*c))
    }
}

enum Col {
    Str(StringViewBuilder),
    Dyn(LargeStringBuilder),
    I64(Int64Builder),
    I32(Int32Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder, Option<Arc<str>>),
    Span(DurationNanosecondBuilder),
    Guid(FixedSizeBinaryBuilder),
}

impl Col {
    /// An empty builder for `rows` values, and for `bytes` bytes of text
    /// in a `dynamic` column.
    fn with_capacity(t: &DataType, rows: usize, bytes: usize) -> Col {
        match t {
            DataType::LargeUtf8 => Col::Dyn(LargeStringBuilder::with_capacity(rows, bytes)),
            DataType::Int64 => Col::I64(Int64Builder::with_capacity(rows)),
            DataType::Int32 => Col::I32(Int32Builder::with_capacity(rows)),
            DataType::Float64 => Col::F64(Float64Builder::with_capacity(rows)),
            DataType::Boolean => Col::Bool(BooleanBuilder::with_capacity(rows)),
            DataType::Timestamp(_, tz) => Col::Time(TimestampNanosecondBuilder::with_capacity(rows), tz.clone()),
            DataType::Duration(_) => Col::Span(DurationNanosecondBuilder::with_capacity(rows)),
            DataType::FixedSizeBinary(16) => Col::Guid(FixedSizeBinaryBuilder::with_capacity(rows, 16)),
            _ => Col::Str(StringViewBuilder::with_capacity(rows)),
        }
    }

    /// Bytes of text held, for a `dynamic` column.
    fn text_bytes(&self) -> usize {
        match self {
            Col::Dyn(b) => b.values_slice().len(),
            _ => 0,
        }
    }

    fn append(&mut self, v: &Value<'_>) {
        match (self, v) {
            (Col::Str(b), Value::Str(s)) => b.append_value(s),
            (Col::Dyn(b), Value::Json(s)) => b.append_value(s),
            (Col::I64(b), Value::Long(v)) => b.append_value(*v),
            (Col::I32(b), Value::Long(v)) => b.append_option(i32::try_from(*v).ok()),
            (Col::F64(b), Value::Real(v)) => b.append_value(*v),
            (Col::F64(b), Value::Long(v)) => b.append_value(*v as f64),
            (Col::Bool(b), Value::Bool(v)) => b.append_value(*v),
            (Col::Time(b, _), Value::Time(v)) => b.append_value(*v),
            (Col::Span(b), Value::Span(v)) => b.append_value(*v),
            (Col::Guid(b), Value::Guid(v)) => b.append_value(v).expect("16 bytes"),
            (c, v) => {
                debug_assert!(matches!(v, Value::Null), "a {v:?} cell in a column of another type");
                c.append_null();
            }
        }
    }

    /// Rows appended so far.
    fn len(&self) -> usize {
        match self {
            Col::Str(b) => b.len(),
            Col::Dyn(b) => b.len(),
            Col::I64(b) => b.len(),
            Col::I32(b) => b.len(),
            Col::F64(b) => b.len(),
            Col::Bool(b) => b.len(),
            Col::Time(b, _) => b.len(),
            Col::Span(b) => b.len(),
            Col::Guid(b) => b.len(),
        }
    }

    /// Appends nulls up to `rows` rows.
    fn fill_to(&mut self, rows: usize) {
        let n = rows - self.len();
        if n == 0 {
            return;
        }
        match self {
            Col::Str(b) => (0..n).for_each(|_| b.append_null()),
            Col::Dyn(b) => b.append_nulls(n),
            Col::I64(b) => b.append_nulls(n),
            Col::I32(b) => b.append_nulls(n),
            Col::F64(b) => b.append_nulls(n),
            Col::Bool(b) => b.append_nulls(n),
            Col::Time(b, _) => b.append_nulls(n),
            Col::Span(b) => b.append_nulls(n),
            Col::Guid(b) => b.append_nulls(n),
        }
    }

    fn append_null(&mut self) {
        match self {
            Col::Str(b) => b.append_null(),
            Col::Dyn(b) => b.append_null(),
            Col::I64(b) => b.append_null(),
            Col::I32(b) => b.append_null(),
            Col::F64(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::Time(b, _) => b.append_null(),
            Col::Span(b) => b.append_null(),
            Col::Guid(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Str(b) => Arc::new(b.finish()),
            Col::Dyn(b) => Arc::new(b.finish()),
            Col::I64(b) => Arc::new(b.finish()),
            Col::I32(b) => Arc::new(b.finish()),
            Col::F64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Time(b, tz) => Arc::new(b.finish().with_timezone_opt(tz.clone())),
            Col::Span(b) => Arc::new(b.finish()),
            Col::Guid(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows of one table on their way to a record batch.
pub struct TableBuilder {
    schema: SchemaRef,
    cols: Vec<Col>,
    rows: usize,
    /// All-null arrays made for columns no row of a batch set, by type and
    /// length: arrays are immutable, so one serves every such column of
    /// its type, batch after batch (a wide table's unset columns would
    /// otherwise be zeroed memory allocated anew for every batch).
    nulls: Vec<ArrayRef>,
}

impl TableBuilder {
    /// An empty builder for `schema`.
    pub fn new(schema: SchemaRef) -> TableBuilder {
        let cols = schema.fields().iter().map(|f| Col::with_capacity(f.data_type(), 0, 0)).collect();
        TableBuilder { schema, cols, rows: 0, nulls: Vec::new() }
    }

    /// The schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The index of column `name`. Sources look their columns up once; a
    /// name that isn't in the schema is a bug, so this panics.
    pub fn col(&self, name: &str) -> usize {
        self.schema.index_of(name).unwrap_or_else(|_| panic!("no column {name} in this table"))
    }

    /// A row with every cell null.
    #[inline]
    pub fn row<'a>(&self) -> Row<'a> {
        Row { cells: Vec::with_capacity(24) }
    }

    /// Appends `row`. Columns it leaves unset are filled with nulls when
    /// a later row sets them or the batch is finished.
    pub fn push(&mut self, row: &Row<'_>) {
        // Last set first: a column set twice keeps its last value.
        for (c, v) in row.cells.iter().rev() {
            let col = &mut self.cols[*c];
            let len = col.len();
            if len > self.rows {
                continue;
            }
            if len < self.rows {
                col.fill_to(self.rows);
            }
            col.append(v);
        }
        self.rows += 1;
    }

    /// Rows appended since the last [`finish`](Self::finish).
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row waits.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The rows so far as a batch; the builder starts over empty, with
    /// room for as many rows and as much `dynamic` text as this batch had
    /// (so the next one, likely as big, is not copied as it grows). A
    /// column no row set is made as one array of nulls.
    pub fn finish(&mut self) -> RecordBatch {
        let rows = self.rows;
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.cols.len());
        for (col, field) in self.cols.iter_mut().zip(self.schema.fields()) {
            if col.len() == 0 {
                // No row set it: one array of nulls, not a null per row.
                let t = field.data_type();
                let known = self.nulls.iter().find(|a| a.len() == rows && a.data_type() == t);
                let nulls = match known {
                    Some(a) => a.clone(),
                    None => {
                        let a = new_null_array(t, rows);
                        self.nulls.retain(|k| k.data_type() != t);
                        self.nulls.push(a.clone());
                        a
                    }
                };
                arrays.push(nulls);
                continue;
            }
            col.fill_to(rows);
            let bytes = col.text_bytes();
            arrays.push(col.finish());
            *col = Col::with_capacity(field.data_type(), rows, bytes);
        }
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).expect("builders follow the schema")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};

    #[test]
    fn unset_cells_are_null_and_values_land_in_their_columns() {
        let schema = crate::tables::get("DeviceProcessEvents").unwrap();
        let mut b = TableBuilder::new(schema);
        let (file, pid, ts) = (b.col("FileName"), b.col("ProcessId"), b.col("Timestamp"));
        let mut r = b.row();
        r.set(file, Value::str("bash")).set(pid, Value::Long(42)).set(ts, Value::Time(1_000));
        b.push(&r);
        b.push(&b.row());
        let batch = b.finish();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.column(file).as_string_view().value(0), "bash");
        assert!(batch.column(file).is_null(1));
        assert!(batch.column(b.col("AccountName")).is_null(0));
        assert!(b.is_empty());
    }

    #[test]
    fn columns_set_by_some_rows_only_line_up() {
        let schema = crate::tables::get("DeviceProcessEvents").unwrap();
        let mut b = TableBuilder::new(schema);
        let (file, pid) = (b.col("FileName"), b.col("ProcessId"));
        let mut r = b.row();
        r.set(pid, Value::Long(1)).set(pid, Value::Long(2));
        assert_eq!(r.get(pid), &Value::Long(2));
        assert_eq!(r.get(file), &Value::Null);
        b.push(&r);
        b.push(&b.row());
        let mut r = b.row();
        r.set(file, Value::str("sh")).set(pid, Value::Null);
        b.push(&r);
        let batch = b.finish();
        assert_eq!(batch.num_rows(), 3);
        let pids = batch.column(pid).as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        assert_eq!((pids.value(0), pids.is_null(1), pids.is_null(2)), (2, true, true));
        let files = batch.column(file).as_string_view();
        assert_eq!((files.is_null(0), files.is_null(1), files.value(2)), (true, true, "sh"));
        // Every column has every row, also those no row set.
        assert!(batch.columns().iter().all(|c| c.len() == 3));
    }

    #[test]
    fn json_values_convert_by_column_type() {
        let v = |t: &DataType, s: &str| Value::from_json(t, &serde_json::from_str(s).unwrap());
        assert_eq!(v(&DataType::Int64, "\"12\""), Ok(Value::Long(12)));
        assert_eq!(v(&DataType::LargeUtf8, "\"{\\\"a\\\":1}\""), Ok(Value::Json("{\"a\":1}".into())));
        assert_eq!(v(&DataType::Utf8View, "5"), Ok(Value::str("5")));
        assert!(v(&DataType::Int64, "\"x\"").unwrap_err().contains("not a whole number"));
        assert_eq!(parse_guid("{00000000-0000-0000-0000-0000000000ff}").unwrap()[15], 0xff);
        assert_eq!(parse_guid("xyz"), None);
    }
}
