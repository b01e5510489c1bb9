//! Datasets on disk: a folder per table (`DIR/DeviceProcessEvents/...`)
//! holding Parquet files or JSON lines, read as DataFusion tables.
//!
//! A table that the [`tables`](crate::tables) module knows is read with its
//! documented schema, whatever subset of columns the files hold; another
//! table's schema is read from its files. JSON-lines tables are scanned, not
//! loaded ([`json_lines`](crate::json_lines)). A JSON line that is not an
//! object, or whose value cannot be read as its column's type, is rejected:
//! counted and reported with file and line, never silently dropped, and it
//! never stops the rest of the file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};

pub use crate::sink::Rejects;

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
            let (t, rejects) = crate::json_lines::json_table(&json, known)?;
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

pub(crate) fn parquet_table(
    folder: &Path,
    files: &[PathBuf],
    known: Option<SchemaRef>,
) -> Result<Arc<dyn TableProvider>, DatasetError> {
    let schema = match known {
        Some(s) => with_file_time_units(s, files)?,
        None => file_schema(&files[0])?,
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

/// The Arrow schema of one Parquet file, from its footer.
fn file_schema(file: &Path) -> Result<SchemaRef, DatasetError> {
    let f = std::fs::File::open(file).map_err(|e| err(file, e.to_string()))?;
    let b = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| err(file, format!("not a Parquet file: {e}")))?;
    Ok(b.schema().clone())
}

/// `known` with each timestamp column in the unit its files store it in.
///
/// The scan then hands the files' values over as they are, and the query
/// converts them to nanoseconds after its filters, for the rows that pass
/// (a table of microsecond files would otherwise convert every value it
/// reads). A column that no file stores as a timestamp keeps the known
/// type. Files that store one column in a coarser unit than nanoseconds
/// and in any other type are refused: the scan would convert the coarser
/// files' values as it reads them, and its conversion compares a constant
/// between two microseconds (such as `ago(1h)`) with them truncated.
fn with_file_time_units(known: SchemaRef, files: &[PathBuf]) -> Result<SchemaRef, DatasetError> {
    // Per timestamp column of `known`: its type in the first file that
    // holds it, and that file.
    let mut seen: Vec<Option<(DataType, &Path)>> = vec![None; known.fields().len()];
    let mut fields: Vec<Field> = known.fields().iter().map(|f| f.as_ref().clone()).collect();
    if !fields.iter().any(|f| matches!(f.data_type(), DataType::Timestamp(..))) {
        return Ok(known);
    }
    let coarse = |t: &DataType| matches!(t, DataType::Timestamp(u, _) if *u != TimeUnit::Nanosecond);
    let unit = |t: &DataType| match t {
        DataType::Timestamp(u, _) => Some(*u),
        _ => None,
    };
    for file in files {
        let schema = file_schema(file)?;
        for (i, f) in known.fields().iter().enumerate() {
            let DataType::Timestamp(_, tz) = f.data_type() else { continue };
            // A file without the column reads it as null.
            let Ok(g) = schema.field_with_name(f.name()) else { continue };
            match &seen[i] {
                None => {
                    seen[i] = Some((g.data_type().clone(), file));
                    if let Some(u) = unit(g.data_type()) {
                        fields[i] = f.as_ref().clone().with_data_type(DataType::Timestamp(u, tz.clone()));
                    }
                }
                Some((first, first_file)) if unit(first) != unit(g.data_type()) => {
                    if coarse(first) || coarse(g.data_type()) {
                        return Err(err(
                            file,
                            format!(
                                "stores `{}` as {}, and {} as {}: keep one timestamp unit per table",
                                f.name(),
                                g.data_type(),
                                first_file.display(),
                                first
                            ),
                        ));
                    }
                    fields[i] = f.as_ref().clone();
                }
                Some(_) => {}
            }
        }
    }
    Ok(Arc::new(Schema::new_with_metadata(fields, known.metadata().clone())))
}

pub use crate::batch::parse_datetime;
