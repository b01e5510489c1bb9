//! The local files of a query's `externaldata` and `inline_external_table`
//! operators (externaldata-operator.md), read as the query scans them.
//!
//! The format is the operator's `format`/`dataformat` property, else the
//! first file's extension, else CSV. Text formats give every declared
//! column as a string, which the engine converts to the declared type with
//! KQL's own conversions:
//! - `csv`, `tsv`, `tsve`, `psv`, `scsv`, `sohsv`: the cells of a record go
//!   to the columns by position; a missing cell is null, extra cells are
//!   ignored; `ignoreFirstRecord` skips each file's first record (a
//!   header).
//! - `txt`, `raw`: each line is a record of one field, the first column.
//! - `json`, `multijson`: a stream of JSON objects (one a line, or spread
//!   over lines; a top-level array is its elements, held whole while they
//!   are read, as one object is); a column takes the
//!   property of its name: a string as it is, any other value as its JSON
//!   text, a missing property null.
//!
//! Parquet files give their own columns with KQL's types
//! ([`crate::user_table`]); the engine matches the declared ones by name.
//!
//! A record that cannot be read (bad CSV quoting, text that is not JSON, a
//! JSON value that is not an object) fails the query with its file and
//! line: nothing is skipped silently. Every file is streamed, a batch at a
//! time, on a blocking thread.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::streaming::PartitionStream;
use serde_json::Value as J;

use crate::dataset::DatasetError;

/// Rows per batch.
const BATCH_ROWS: usize = 8192;

/// How the files of an external table are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text with this separator.
    Delimited(u8),
    /// One record a line, one field.
    Text,
    /// JSON objects.
    Json,
    /// Apache Parquet.
    Parquet,
}

/// The formats by the names the operators take.
const NAMES: &[(&str, Format)] = &[
    ("csv", Format::Delimited(b',')),
    ("tsv", Format::Delimited(b'\t')),
    ("tsve", Format::Delimited(b'\t')),
    ("psv", Format::Delimited(b'|')),
    ("scsv", Format::Delimited(b';')),
    ("sohsv", Format::Delimited(0x01)),
    ("txt", Format::Text),
    ("raw", Format::Text),
    ("json", Format::Json),
    ("multijson", Format::Json),
    ("parquet", Format::Parquet),
];

impl Format {
    /// The format named `name` (any case), or an error listing the known ones.
    pub fn named(name: &str) -> Result<Format, String> {
        NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, f)| *f).ok_or_else(|| {
            let known: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
            format!("unknown data format `{name}`; local files are read as {}", known.join(", "))
        })
    }

    /// The format of `path` by its extension (CSV when it has none known).
    pub fn of_path(path: &Path) -> Format {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        match ext.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Format::Json,
            other => Format::named(other).unwrap_or(Format::Delimited(b',')),
        }
    }
}

fn err(path: &Path, message: impl Into<String>) -> DatasetError {
    DatasetError { path: path.to_path_buf(), message: message.into() }
}

/// The table over `paths`, in `format` (by the first file's extension when
/// `None`), with the declared `columns`; `ignore_first_record` skips each
/// file's first record.
pub fn open(
    paths: &[PathBuf],
    format: Option<&str>,
    columns: &[String],
    ignore_first_record: bool,
) -> Result<Arc<dyn TableProvider>, DatasetError> {
    let Some(first) = paths.first() else {
        return Err(err(Path::new(""), "no files to read"));
    };
    let format = match format {
        Some(name) => Format::named(name).map_err(|m| err(first, m))?,
        None => Format::of_path(first),
    };
    for p in paths {
        if !p.is_file() {
            return Err(err(p, "no such file"));
        }
    }
    if format == Format::Parquet {
        let schema = crate::user_table::parquet_schema(first)?;
        return crate::dataset::parquet_table(first, paths, Some(schema));
    }
    if columns.is_empty() {
        return Err(err(first, "no columns are declared"));
    }
    let fields: Vec<Field> = columns.iter().map(|c| Field::new(c, DataType::Utf8, true)).collect();
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let partitions: Vec<Arc<dyn PartitionStream>> = paths
        .iter()
        .map(|p| {
            Arc::new(FileStream { path: p.clone(), schema: schema.clone(), format, skip_first: ignore_first_record })
                as Arc<dyn PartitionStream>
        })
        .collect();
    let table = StreamingTable::try_new(schema, partitions).map_err(|e| err(first, e.to_string()))?;
    Ok(Arc::new(table))
}

/// The string columns of the rows read so far.
struct Columns {
    schema: SchemaRef,
    builders: Vec<StringBuilder>,
    rows: usize,
}

impl Columns {
    fn new(schema: &SchemaRef) -> Columns {
        let builders = schema.fields().iter().map(|_| StringBuilder::new()).collect();
        Columns { schema: schema.clone(), builders, rows: 0 }
    }

    /// Adds a row of `cells`, by position: missing ones null, extra ones dropped.
    fn push<'c>(&mut self, cells: impl IntoIterator<Item = Option<&'c str>>) {
        let mut cells = cells.into_iter();
        for b in &mut self.builders {
            b.append_option(cells.next().flatten());
        }
        self.rows += 1;
    }

    fn finish(&mut self) -> Result<RecordBatch, DataFusionError> {
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        self.rows = 0;
        Ok(RecordBatch::try_new(self.schema.clone(), arrays)?)
    }
}

/// Reads `path` into batches handed to `send`; stops when `send` says no
/// one reads any more.
fn read_file(
    path: &Path,
    schema: &SchemaRef,
    format: Format,
    skip_first: bool,
    send: &mut dyn FnMut(RecordBatch) -> bool,
) -> Result<(), DatasetError> {
    let f = File::open(path).map_err(|e| err(path, e.to_string()))?;
    let input = BufReader::with_capacity(1 << 16, f);
    let mut cols = Columns::new(schema);
    let mut flush = |cols: &mut Columns, last: bool| -> Result<bool, DatasetError> {
        if cols.rows >= BATCH_ROWS || (last && cols.rows > 0) {
            let batch = cols.finish().map_err(|e| err(path, e.to_string()))?;
            return Ok(send(batch));
        }
        Ok(true)
    };
    match format {
        Format::Delimited(sep) => {
            let mut reader =
                csv::ReaderBuilder::new().delimiter(sep).has_headers(false).flexible(true).from_reader(input);
            let mut record = csv::StringRecord::new();
            let mut first = true;
            loop {
                let more = reader.read_record(&mut record).map_err(|e| {
                    let line = e.position().map(|p| p.line()).unwrap_or_default();
                    err(path, format!("line {line}: {e}"))
                })?;
                if !more {
                    break;
                }
                if std::mem::take(&mut first) && skip_first {
                    continue;
                }
                cols.push(record.iter().map(Some));
                if !flush(&mut cols, false)? {
                    return Ok(());
                }
            }
        }
        Format::Text => {
            let mut first = true;
            for line in input.split(b'\n') {
                let line = line.map_err(|e| err(path, e.to_string()))?;
                if std::mem::take(&mut first) && skip_first {
                    continue;
                }
                let text = String::from_utf8_lossy(&line);
                let text = text.strip_suffix('\r').unwrap_or(&text);
                cols.push([Some(text)]);
                if !flush(&mut cols, false)? {
                    return Ok(());
                }
            }
        }
        Format::Json => {
            let mut values = serde_json::Deserializer::from_reader(input).into_iter::<J>();
            let mut first = true;
            loop {
                let v = match values.next() {
                    None => break,
                    Some(Ok(v)) => v,
                    Some(Err(e)) => return Err(err(path, format!("line {}: not JSON: {e}", e.line()))),
                };
                // A top-level array is its elements; anything else one record.
                let records = match v {
                    J::Array(items) => items,
                    other => vec![other],
                };
                for r in records {
                    if std::mem::take(&mut first) && skip_first {
                        continue;
                    }
                    let J::Object(m) = r else {
                        return Err(err(path, "a JSON record that is not an object"));
                    };
                    let cells: Vec<Option<String>> = schema
                        .fields()
                        .iter()
                        .map(|f| match m.get(f.name()) {
                            None | Some(J::Null) => None,
                            Some(J::String(s)) => Some(s.clone()),
                            Some(other) => Some(other.to_string()),
                        })
                        .collect();
                    cols.push(cells.iter().map(Option::as_deref));
                    if !flush(&mut cols, false)? {
                        return Ok(());
                    }
                }
            }
        }
        Format::Parquet => return Err(err(path, "a Parquet file is read as a Parquet table")),
    }
    flush(&mut cols, true)?;
    Ok(())
}

/// One file as a stream of batches, read on a blocking thread.
#[derive(Debug)]
struct FileStream {
    path: PathBuf,
    schema: SchemaRef,
    format: Format,
    skip_first: bool,
}

impl PartitionStream for FileStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (path, schema, format, skip) = (self.path.clone(), self.schema.clone(), self.format, self.skip_first);
        crate::json_lines::blocking_batches(self.schema.clone(), move |send| {
            read_file(&path, &schema, format, skip, send)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};

    fn read(
        text: &[u8],
        ext: &str,
        columns: &[&str],
        format: Option<&str>,
        skip: bool,
    ) -> Result<Vec<Vec<Option<String>>>, DatasetError> {
        let dir = tempfile_dir();
        let path = dir.join(format!("data.{ext}"));
        std::fs::write(&path, text).expect("write test file");
        let schema: SchemaRef =
            Arc::new(Schema::new(columns.iter().map(|c| Field::new(*c, DataType::Utf8, true)).collect::<Vec<_>>()));
        let format = match format {
            Some(f) => Format::named(f).map_err(|m| err(&path, m))?,
            None => Format::of_path(&path),
        };
        let mut rows = Vec::new();
        read_file(&path, &schema, format, skip, &mut |b| {
            for r in 0..b.num_rows() {
                rows.push(
                    (0..b.num_columns())
                        .map(|c| {
                            let a = b.column(c).as_string::<i32>();
                            (!a.is_null(r)).then(|| a.value(r).to_string())
                        })
                        .collect(),
                );
            }
            true
        })?;
        std::fs::remove_dir_all(&dir).ok();
        Ok(rows)
    }

    fn tempfile_dir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "dragnet-external-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn csv_cells_by_position_with_header_skipped() {
        let rows = read(b"a,b,c\n1,\"x, y\",extra,more\n2\n", "csv", &["A", "B", "C"], None, true).unwrap();
        assert_eq!(rows, vec![vec![s("1"), s("x, y"), s("extra")], vec![s("2"), None, None]]);
    }

    #[test]
    fn tsv_by_property_and_non_ascii() {
        let rows = read("é\tß\n".as_bytes(), "data", &["A", "B"], Some("TSV"), false).unwrap();
        assert_eq!(rows, vec![vec![s("é"), s("ß")]]);
    }

    #[test]
    fn text_lines_are_one_field() {
        let rows = read(b"one, two\r\n\nthree", "txt", &["Line"], None, false).unwrap();
        assert_eq!(rows, vec![vec![s("one, two")], vec![s("")], vec![s("three")]]);
    }

    #[test]
    fn json_by_name_over_lines_and_arrays() {
        let text = br#"{"A": "x", "B": 3}
{"B": {"k": [1, 2]}}
[{"A": null}, {"A": "z", "B": true}]
{
  "A": "spread"
}"#;
        let rows = read(text, "json", &["A", "B"], None, false).unwrap();
        assert_eq!(
            rows,
            vec![
                vec![s("x"), s("3")],
                vec![None, s(r#"{"k":[1,2]}"#)],
                vec![None, None],
                vec![s("z"), s("true")],
                vec![s("spread"), None],
            ]
        );
    }

    #[test]
    fn bad_records_name_file_and_line() {
        let e = read(b"{\"A\": 1}\n{\"A\": \n", "json", &["A"], None, false).unwrap_err();
        assert!(e.message.contains("line 3") && e.message.contains("not JSON"), "{e}");
        let e = read(b"1\n[2]\n", "json", &["A"], None, false).unwrap_err();
        assert!(e.message.contains("not an object"), "{e}");
        let e = read(b"a\n", "csv", &["A"], Some("xml"), false).unwrap_err();
        assert!(e.message.contains("unknown data format `xml`"), "{e}");
    }

    #[test]
    fn hostile_files_give_rows_or_an_error() {
        // Empty files: no rows, whatever the format.
        for ext in ["csv", "txt", "json"] {
            assert_eq!(read(b"", ext, &["A"], None, true).unwrap(), Vec::<Vec<Option<String>>>::new(), "{ext}");
        }
        // Text that is not UTF-8: a CSV error with its line; a text line read lossily.
        let e = read(b"ok\n\xff\xfe,x\n", "csv", &["A"], None, false).unwrap_err();
        assert!(e.message.contains("line 2"), "{e}");
        assert_eq!(read(b"\xffz\n", "txt", &["A"], None, false).unwrap(), vec![vec![s("\u{fffd}z")]]);
        // A top-level array of 10,000 objects, a number past i64, nested values.
        let many = format!("[{}]", vec![r#"{"A": 9223372036854775808, "B": {"c": [null]}}"#; 10_000].join(","));
        let rows = read(many.as_bytes(), "json", &["A", "B"], None, false).unwrap();
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows[9_999], vec![s("9223372036854775808"), s(r#"{"c":[null]}"#)]);
        // Quotes left open run to the end of the file: one cell, not a panic.
        let rows = read("\"é,\n,".as_bytes(), "csv", &["A", "B"], None, false).unwrap();
        assert_eq!(rows, vec![vec![s("é,\n,"), None]]);
    }

    #[test]
    fn batches_past_the_batch_size_keep_every_row() {
        let text: String = (0..20_000).map(|i| format!("{i}\n")).collect();
        let rows = read(text.as_bytes(), "csv", &["N"], None, false).unwrap();
        assert_eq!(rows.len(), 20_000);
        assert_eq!(rows[19_999], vec![s("19999")]);
    }
}
