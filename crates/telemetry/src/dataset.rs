//! Datasets on disk: a folder per table (`DIR/DeviceProcessEvents/...`)
//! holding Parquet files or JSON lines, read as DataFusion tables.
//!
//! A table that the [`tables`](crate::tables) module knows is read with its
//! documented schema, whatever subset of columns the files hold; another
//! table's schema is read from its files. A JSON line that is not an object,
//! or whose value cannot be read as its column's type, is rejected: counted
//! and reported with file and line, never silently dropped, and it never
//! stops the rest of the file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, DurationNanosecondBuilder, FixedSizeBinaryBuilder, Float64Builder, Int32Builder,
    Int64Builder, LargeStringBuilder, StringViewBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use serde_json::Value as J;

/// Rows per batch of a JSON-lines table.
const BATCH_ROWS: usize = 8192;
/// Lines read to guess the schema of an unknown JSON-lines table.
const SCHEMA_SAMPLE: usize = 1000;

/// Why a dataset could not be opened at all.
#[derive(Debug)]
pub struct DatasetError {
    /// The file or folder.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for DatasetError {}

fn err(path: &Path, message: impl Into<String>) -> DatasetError {
    DatasetError { path: path.to_path_buf(), message: message.into() }
}

/// Records of one file that were not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejects {
    /// The file.
    pub path: PathBuf,
    /// How many records.
    pub count: usize,
    /// The first one: its 1-based line and the reason.
    pub first: (usize, String),
}

impl fmt::Display for Rejects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, why) = &self.first;
        let s = if self.count == 1 { "" } else { "s" };
        write!(f, "{} record{s} rejected in {}; first at line {line}: {why}", self.count, self.path.display())
    }
}

/// The tables of a dataset folder.
pub struct Dataset {
    /// Table name and table.
    pub tables: Vec<(String, Arc<dyn TableProvider>)>,
    /// Rejected records, per file.
    pub rejects: Vec<Rejects>,
}

/// Opens every table folder under `dir`.
pub fn open_dir(dir: &Path) -> Result<Dataset, DatasetError> {
    let entries = std::fs::read_dir(dir).map_err(|e| err(dir, format!("cannot read the folder: {e}")))?;
    let mut folders: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    folders.sort();
    let mut out = Dataset { tables: Vec::new(), rejects: Vec::new() };
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut files = Vec::new();
        list_files(&folder, &mut files);
        files.sort();
        let parquet: Vec<PathBuf> = files.iter().filter(|p| has_ext(p, &["parquet"])).cloned().collect();
        let json: Vec<PathBuf> = files.iter().filter(|p| has_ext(p, &["jsonl", "json", "ndjson"])).cloned().collect();
        if parquet.is_empty() && json.is_empty() {
            continue;
        }
        if !parquet.is_empty() && !json.is_empty() {
            return Err(err(&folder, "holds both Parquet and JSON-lines files; keep one format per table"));
        }
        let known = crate::tables::get(&name);
        let table: Arc<dyn TableProvider> = if !parquet.is_empty() {
            parquet_table(&folder, &parquet, known)?
        } else {
            let (t, rejects) = json_table(&json, known)?;
            out.rejects.extend(rejects);
            t
        };
        out.tables.push((name, table));
    }
    Ok(out)
}

fn has_ext(p: &Path, exts: &[&str]) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e))
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            list_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn parquet_table(
    folder: &Path,
    files: &[PathBuf],
    known: Option<SchemaRef>,
) -> Result<Arc<dyn TableProvider>, DatasetError> {
    let schema = match known {
        Some(s) => s,
        None => {
            let f = std::fs::File::open(&files[0]).map_err(|e| err(&files[0], e.to_string()))?;
            let b = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .map_err(|e| err(&files[0], format!("not a Parquet file: {e}")))?;
            b.schema().clone()
        }
    };
    let abs = std::fs::canonicalize(folder).map_err(|e| err(folder, e.to_string()))?;
    let url = ListingTableUrl::parse(format!("{}/", abs.display())).map_err(|e| err(folder, e.to_string()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(schema);
    let table = ListingTable::try_new(config).map_err(|e| err(folder, e.to_string()))?;
    Ok(Arc::new(table))
}

fn json_table(
    files: &[PathBuf],
    known: Option<SchemaRef>,
) -> Result<(Arc<dyn TableProvider>, Vec<Rejects>), DatasetError> {
    let schema = match known {
        Some(s) => s,
        None => infer_json_schema(files)?,
    };
    let mut batches = Vec::new();
    let mut rejects = Vec::new();
    for file in files {
        let text = std::fs::read(file).map_err(|e| err(file, e.to_string()))?;
        let text = String::from_utf8_lossy(&text);
        let mut reader = JsonBatcher::new(schema.clone());
        let mut rej: Option<Rejects> = None;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if let Err(why) = reader.push(line) {
                match &mut rej {
                    Some(r) => r.count += 1,
                    None => rej = Some(Rejects { path: file.clone(), count: 1, first: (i + 1, why) }),
                }
            }
            if reader.rows == BATCH_ROWS {
                batches.push(reader.finish().map_err(|e| err(file, e))?);
            }
        }
        if reader.rows > 0 {
            batches.push(reader.finish().map_err(|e| err(file, e))?);
        }
        rejects.extend(rej);
    }
    let table = MemTable::try_new(schema, vec![batches]).map_err(|e| err(&files[0], e.to_string()))?;
    Ok((Arc::new(table), rejects))
}

/// Guesses a schema from the first lines: numbers, bools, ISO datetimes,
/// strings, and objects or arrays as dynamic.
fn infer_json_schema(files: &[PathBuf]) -> Result<SchemaRef, DatasetError> {
    let mut fields: Vec<(String, DataType)> = Vec::new();
    let mut seen = 0;
    'files: for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| err(file, e.to_string()))?;
        for line in text.lines() {
            let Ok(J::Object(m)) = serde_json::from_str::<J>(line) else { continue };
            for (k, v) in m {
                let t = match &v {
                    J::Null => continue,
                    J::Bool(_) => DataType::Boolean,
                    J::Number(n) if n.is_i64() => DataType::Int64,
                    J::Number(_) => DataType::Float64,
                    J::String(s) if looks_like_datetime(s) => {
                        DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
                    }
                    J::String(_) => DataType::Utf8View,
                    J::Array(_) | J::Object(_) => DataType::LargeUtf8,
                };
                match fields.iter_mut().find(|(n, _)| *n == k) {
                    Some((_, existing)) if *existing != t => {
                        *existing = match (&*existing, &t) {
                            (DataType::Int64, DataType::Float64) | (DataType::Float64, DataType::Int64) => {
                                DataType::Float64
                            }
                            _ => DataType::LargeUtf8,
                        }
                    }
                    Some(_) => {}
                    None => fields.push((k, t)),
                }
            }
            seen += 1;
            if seen >= SCHEMA_SAMPLE {
                break 'files;
            }
        }
    }
    Ok(Arc::new(Schema::new(fields.into_iter().map(|(n, t)| Field::new(n, t, true)).collect::<Vec<_>>())))
}

fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ') && parse_datetime(s).is_some()
}

/// Nanoseconds since the epoch of an ISO 8601 / RFC 3339 text.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return i64::try_from(ts.as_nanosecond()).ok();
    }
    // No zone: read as UTC.
    let dt = s.parse::<jiff::civil::DateTime>().ok()?;
    let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    i64::try_from(ts.as_nanosecond()).ok()
}

/// Builds record batches from JSON lines against a schema.
struct JsonBatcher {
    schema: SchemaRef,
    cols: Vec<Col>,
    rows: usize,
}

enum Col {
    Str(StringViewBuilder),
    Dyn(LargeStringBuilder),
    I64(Int64Builder),
    I32(Int32Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
    Span(DurationNanosecondBuilder),
    Guid(FixedSizeBinaryBuilder),
}

impl Col {
    fn new(t: &DataType) -> Col {
        match t {
            DataType::LargeUtf8 => Col::Dyn(LargeStringBuilder::new()),
            DataType::Int64 => Col::I64(Int64Builder::new()),
            DataType::Int32 => Col::I32(Int32Builder::new()),
            DataType::Float64 => Col::F64(Float64Builder::new()),
            DataType::Boolean => Col::Bool(BooleanBuilder::new()),
            DataType::Timestamp(..) => Col::Time(TimestampNanosecondBuilder::new()),
            DataType::Duration(_) => Col::Span(DurationNanosecondBuilder::new()),
            DataType::FixedSizeBinary(16) => Col::Guid(FixedSizeBinaryBuilder::new(16)),
            _ => Col::Str(StringViewBuilder::new()),
        }
    }

    /// Checks that `v` converts, without appending.
    fn convert(&self, v: &J) -> Result<Cell, String> {
        let as_text = |v: &J| match v {
            J::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(match (self, v) {
            (_, J::Null) => Cell::Null,
            (Col::Str(_), v) => Cell::Text(as_text(v)),
            (Col::Dyn(_), J::String(s)) => {
                // A string holding a JSON object or array (as Defender exports write
                // AdditionalFields) is that object.
                let t = s.trim_start();
                if (t.starts_with('{') || t.starts_with('['))
                    && let Ok(inner) = serde_json::from_str::<J>(s)
                {
                    return Ok(Cell::Text(inner.to_string()));
                }
                Cell::Text(v.to_string())
            }
            (Col::Dyn(_), v) => Cell::Text(v.to_string()),
            (Col::I64(_) | Col::I32(_), J::Number(n)) => {
                Cell::Int(n.as_i64().ok_or_else(|| format!("{n} is not a whole number"))?)
            }
            (Col::I64(_) | Col::I32(_), J::String(s)) => {
                Cell::Int(s.trim().parse().map_err(|_| format!("\"{s}\" is not a whole number"))?)
            }
            (Col::F64(_), J::Number(n)) => Cell::Real(n.as_f64().unwrap_or(f64::NAN)),
            (Col::F64(_), J::String(s)) => {
                Cell::Real(s.trim().parse().map_err(|_| format!("\"{s}\" is not a number"))?)
            }
            (Col::Bool(_), J::Bool(b)) => Cell::Bool(*b),
            (Col::Bool(_), J::String(s)) if s.eq_ignore_ascii_case("true") => Cell::Bool(true),
            (Col::Bool(_), J::String(s)) if s.eq_ignore_ascii_case("false") => Cell::Bool(false),
            (Col::Bool(_), J::Number(n)) => Cell::Bool(n.as_f64() != Some(0.0)),
            (Col::Time(_), J::String(s)) => {
                Cell::Int(parse_datetime(s).ok_or_else(|| format!("\"{s}\" is not a datetime"))?)
            }
            (Col::Span(_), J::Number(n)) => {
                Cell::Int(n.as_i64().ok_or_else(|| format!("{n} is not a whole number of nanoseconds"))?)
            }
            (Col::Guid(_), J::String(s)) => {
                let hex: String = s.chars().filter(|c| *c != '-' && *c != '{' && *c != '}').collect();
                if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(format!("\"{s}\" is not a guid"));
                }
                Cell::Bytes((0..16).map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap_or(0)).collect())
            }
            (_, v) => return Err(format!("{} cannot be read as this column's type", short(v))),
        })
    }

    fn append(&mut self, c: Cell) {
        match (self, c) {
            (Col::Str(b), Cell::Text(s)) => b.append_value(s),
            (Col::Str(b), _) => b.append_null(),
            (Col::Dyn(b), Cell::Text(s)) => b.append_value(s),
            (Col::Dyn(b), _) => b.append_null(),
            (Col::I64(b), Cell::Int(v)) => b.append_value(v),
            (Col::I64(b), _) => b.append_null(),
            (Col::I32(b), Cell::Int(v)) => b.append_option(i32::try_from(v).ok()),
            (Col::I32(b), _) => b.append_null(),
            (Col::F64(b), Cell::Real(v)) => b.append_value(v),
            (Col::F64(b), _) => b.append_null(),
            (Col::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (Col::Bool(b), _) => b.append_null(),
            (Col::Time(b), Cell::Int(v)) => b.append_value(v),
            (Col::Time(b), _) => b.append_null(),
            (Col::Span(b), Cell::Int(v)) => b.append_value(v),
            (Col::Span(b), _) => b.append_null(),
            (Col::Guid(b), Cell::Bytes(v)) => {
                let _ = b.append_value(v);
            }
            (Col::Guid(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self, t: &DataType) -> ArrayRef {
        match self {
            Col::Str(b) => Arc::new(b.finish()),
            Col::Dyn(b) => Arc::new(b.finish()),
            Col::I64(b) => Arc::new(b.finish()),
            Col::I32(b) => Arc::new(b.finish()),
            Col::F64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Time(b) => {
                let tz = match t {
                    DataType::Timestamp(_, tz) => tz.clone(),
                    _ => None,
                };
                Arc::new(b.finish().with_timezone_opt(tz))
            }
            Col::Span(b) => Arc::new(b.finish()),
            Col::Guid(b) => Arc::new(b.finish()),
        }
    }
}

enum Cell {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
    Bytes(Vec<u8>),
}

fn short(v: &J) -> String {
    let s = v.to_string();
    if s.len() > 40 { format!("{}...", &s[..s.floor_char_boundary(40)]) } else { s }
}

impl JsonBatcher {
    fn new(schema: SchemaRef) -> JsonBatcher {
        let cols = schema.fields().iter().map(|f| Col::new(f.data_type())).collect();
        JsonBatcher { schema, cols, rows: 0 }
    }

    /// Adds one line, or says why it was rejected (adding nothing).
    fn push(&mut self, line: &str) -> Result<(), String> {
        let v: J = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
        let J::Object(m) = v else {
            return Err("not a JSON object".into());
        };
        let mut cells = Vec::with_capacity(self.cols.len());
        for (f, c) in self.schema.fields().iter().zip(&self.cols) {
            let v = m.get(f.name()).unwrap_or(&J::Null);
            cells.push(c.convert(v).map_err(|e| format!("{}: {e}", f.name()))?);
        }
        for (c, cell) in self.cols.iter_mut().zip(cells) {
            c.append(cell);
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<RecordBatch, String> {
        let arrays: Vec<ArrayRef> =
            self.cols.iter_mut().zip(self.schema.fields()).map(|(c, f)| c.finish(f.data_type())).collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())
    }
}
