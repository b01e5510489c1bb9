//! A table of the user's own (`--table NAME=PATH`): an export of any
//! table, queryable under the name the user gives it. The file's kind is
//! recognised from its content: Parquet by its `PAR1` magic, JSON lines by
//! a first character `{`, anything else is read as CSV with a header row.
//!
//! Column types are KQL's, inferred:
//! - JSON lines: from a sample of lines, as for an unknown table of a
//!   dataset ([`crate::json_lines`]);
//! - Parquet: the file's types mapped to KQL's (any integer up to 32 bits
//!   `int`, 64 bits `long`, floats `real`, text `string`, timestamps
//!   `datetime` in nanoseconds UTC, anything else as the file has it);
//! - CSV: per column, from every non-empty cell: `long` when all are whole
//!   numbers, `real` when all are numbers, `bool` when all are
//!   `true`/`false`, `datetime` when all are ISO 8601 times, else
//!   `string`. An empty cell is null. A CSV table is held in memory.
//!
//! A CSV row with another number of cells than the header is a reject
//! with its line; a cell that does not read as its column's type cannot
//! happen (the type was inferred from every cell).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;

use crate::batch::{TableBuilder, Value, parse_datetime};
use crate::dataset::DatasetError;
use crate::sink::Rejects;

fn err(path: &Path, message: impl Into<String>) -> DatasetError {
    DatasetError { path: path.to_path_buf(), message: message.into() }
}

/// Whether `name` can name a table: letters, digits and `_`, not starting
/// with a digit.
pub fn valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The table in the file at `path`, and its rejected records.
pub fn open(path: &Path) -> Result<(Arc<dyn TableProvider>, Vec<Rejects>), DatasetError> {
    let mut head = [0u8; 4096];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).map_err(|e| err(path, format!("cannot read: {e}")))?;
    let head = &head[..n];
    if head.starts_with(b"PAR1") {
        let table = crate::dataset::parquet_table(path, &[path.to_path_buf()], Some(parquet_schema(path)?))?;
        return Ok((table, Vec::new()));
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if text.trim_ascii_start().starts_with(b"{") {
        return crate::json_lines::json_table(&[path.to_path_buf()], None);
    }
    csv_table(path)
}

/// The KQL type of a Parquet column's Arrow type.
fn kql_type(t: &DataType) -> DataType {
    match t {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => DataType::Int32,
        DataType::Int64 | DataType::UInt32 => DataType::Int64,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => DataType::Float64,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8View,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => {
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
        }
        other => other.clone(),
    }
}

/// A Parquet file's schema with KQL's types.
pub(crate) fn parquet_schema(path: &Path) -> Result<SchemaRef, DatasetError> {
    let f = File::open(path).map_err(|e| err(path, e.to_string()))?;
    let b = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| err(path, format!("not a Parquet file: {e}")))?;
    let fields: Vec<Field> =
        b.schema().fields().iter().map(|f| Field::new(f.name(), kql_type(f.data_type()), true)).collect();
    Ok(Arc::new(Schema::new(fields)))
}

/// What every non-empty cell of a column read as so far.
#[derive(Clone, Copy)]
struct Kinds {
    long: bool,
    real: bool,
    bool: bool,
    time: bool,
    any: bool,
}

impl Kinds {
    fn new() -> Kinds {
        Kinds { long: true, real: true, bool: true, time: true, any: false }
    }

    fn see(&mut self, cell: &str) {
        if cell.is_empty() {
            return;
        }
        self.any = true;
        self.long &= cell.parse::<i64>().is_ok();
        self.real &= cell.parse::<f64>().is_ok_and(f64::is_finite);
        self.bool &= cell.eq_ignore_ascii_case("true") || cell.eq_ignore_ascii_case("false");
        self.time &= crate::json_lines::looks_like_datetime(cell) && parse_datetime(cell).is_some();
    }

    fn data_type(self) -> DataType {
        match self {
            Kinds { any: false, .. } => DataType::Utf8View,
            Kinds { long: true, .. } => DataType::Int64,
            Kinds { real: true, .. } => DataType::Float64,
            Kinds { bool: true, .. } => DataType::Boolean,
            Kinds { time: true, .. } => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            _ => DataType::Utf8View,
        }
    }
}

fn reader(path: &Path) -> Result<csv::Reader<File>, DatasetError> {
    let f = File::open(path).map_err(|e| err(path, format!("cannot read: {e}")))?;
    Ok(csv::ReaderBuilder::new().flexible(true).from_reader(f))
}

/// A CSV file as a table: types from a first pass, rows from a second.
fn csv_table(path: &Path) -> Result<(Arc<dyn TableProvider>, Vec<Rejects>), DatasetError> {
    let mut r = reader(path)?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| err(path, format!("not CSV: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    if header.is_empty() || header.iter().any(String::is_empty) {
        return Err(err(path, "the CSV header has an empty column name"));
    }
    let mut kinds = vec![Kinds::new(); header.len()];
    for record in r.records() {
        let Ok(record) = record else { continue };
        if record.len() == header.len() {
            for (k, cell) in kinds.iter_mut().zip(record.iter()) {
                k.see(cell);
            }
        }
    }
    let schema: SchemaRef = Arc::new(Schema::new(
        header.iter().zip(&kinds).map(|(h, k)| Field::new(h, k.data_type(), true)).collect::<Vec<_>>(),
    ));
    let mut builder = TableBuilder::new(schema.clone());
    let mut batches = Vec::new();
    let mut rejects: Option<Rejects> = None;
    let mut reject = |line: u64, why: String| match &mut rejects {
        Some(r) => r.count += 1,
        None => rejects = Some(Rejects { path: path.to_path_buf(), count: 1, first: (line, why) }),
    };
    let mut r = reader(path)?;
    for record in r.records() {
        let record = match record {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                reject(line, format!("not CSV: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            reject(line, format!("{} cells where the header has {}", record.len(), header.len()));
            continue;
        }
        let mut row = builder.row();
        for (i, cell) in record.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
            let v = match schema.field(i).data_type() {
                DataType::Int64 => cell.parse().map(Value::Long).ok(),
                DataType::Float64 => cell.parse().map(Value::Real).ok(),
                DataType::Boolean => Some(Value::Bool(cell.eq_ignore_ascii_case("true"))),
                DataType::Timestamp(..) => parse_datetime(cell).map(Value::Time),
                _ => Some(Value::str(cell.to_string())),
            };
            if let Some(v) = v {
                row.set(i, v);
            }
        }
        builder.push(&row);
        if builder.len() >= crate::sink::BATCH_ROWS {
            batches.push(builder.finish());
        }
    }
    if !builder.is_empty() {
        batches.push(builder.finish());
    }
    let table = MemTable::try_new(schema, vec![batches]).map_err(|e| err(path, e.to_string()))?;
    Ok((Arc::new(table), rejects.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_csv_types() {
        assert!(valid_name("MyExport_2"));
        assert!(!valid_name("2x") && !valid_name("a-b") && !valid_name(""));
        let mut k = Kinds::new();
        for c in ["1", "", "42"] {
            k.see(c);
        }
        assert_eq!(k.data_type(), DataType::Int64);
        k.see("1.5");
        assert_eq!(k.data_type(), DataType::Float64);
        let mut t = Kinds::new();
        t.see("2024-01-05T01:02:03Z");
        assert!(matches!(t.data_type(), DataType::Timestamp(..)));
        let mut b = Kinds::new();
        b.see("TRUE");
        b.see("false");
        assert_eq!(b.data_type(), DataType::Boolean);
        assert_eq!(Kinds::new().data_type(), DataType::Utf8View);
    }
}
