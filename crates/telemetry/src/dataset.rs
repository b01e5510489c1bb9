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
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use serde_json::Value as J;

use crate::batch::{TableBuilder, Value};
pub use crate::sink::Rejects;

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
    // Every file by name: the day folders inside a table folder are not
    // partition columns, and a folder URL would only list its direct files.
    let mut urls = Vec::with_capacity(files.len());
    for f in files {
        let abs = std::fs::canonicalize(f).map_err(|e| err(f, e.to_string()))?;
        urls.push(ListingTableUrl::parse(abs.display().to_string()).map_err(|e| err(f, e.to_string()))?);
    }
    let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls).with_listing_options(options).with_schema(schema);
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
                    None => rej = Some(Rejects { path: file.clone(), count: 1, first: (i as u64 + 1, why) }),
                }
            }
            if reader.table.len() == BATCH_ROWS {
                batches.push(reader.table.finish());
            }
        }
        if !reader.table.is_empty() {
            batches.push(reader.table.finish());
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

pub use crate::batch::parse_datetime;

/// Builds record batches from JSON lines against a schema.
struct JsonBatcher {
    table: TableBuilder,
}

impl JsonBatcher {
    fn new(schema: SchemaRef) -> JsonBatcher {
        JsonBatcher { table: TableBuilder::new(schema) }
    }

    /// Adds one line, or says why it was rejected (adding nothing).
    fn push(&mut self, line: &str) -> Result<(), String> {
        let v: J = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
        let J::Object(m) = v else {
            return Err("not a JSON object".into());
        };
        let mut row = self.table.row();
        for (i, f) in self.table.schema().fields().iter().enumerate() {
            let v = m.get(f.name()).unwrap_or(&J::Null);
            row.set(i, Value::from_json(f.data_type(), v).map_err(|e| format!("{}: {e}", f.name()))?);
        }
        self.table.push(&row);
        Ok(())
    }
}
