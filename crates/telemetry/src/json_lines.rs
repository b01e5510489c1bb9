//! JSON-lines tables of a dataset, scanned as a query reads them rather
//! than loaded: one stream per file, each line turned into a row of the
//! table's schema, a batch at a time.
//!
//! Opening a table reads each file once, line by line, to count its
//! rejected lines (not JSON, not an object, a value its column's type
//! cannot hold, a line too long): they are reported with file and line
//! before any query runs, and every scan leaves them out the same way. An
//! unknown table's schema is guessed from its first [`SCHEMA_SAMPLE`]
//! lines.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::streaming::PartitionStream;
use serde_json::Value as J;

use crate::batch::{TableBuilder, Value};
use crate::dataset::DatasetError;
use crate::sink::{Output, OutputError, Rejects, Sink};
use crate::sources::lines::Lines;

/// Rows per batch of a JSON-lines table.
const BATCH_ROWS: usize = 8192;
/// Lines read to guess the schema of an unknown JSON-lines table.
pub const SCHEMA_SAMPLE: usize = 1000;

fn err(path: &Path, message: impl Into<String>) -> DatasetError {
    DatasetError { path: path.to_path_buf(), message: message.into() }
}

/// The table over `files`, with `known`'s schema or one guessed from a
/// sample, and each file's rejects.
pub fn json_table(
    files: &[PathBuf],
    known: Option<SchemaRef>,
) -> Result<(Arc<dyn TableProvider>, Vec<Rejects>), DatasetError> {
    let schema = match known {
        Some(s) => s,
        None => infer_schema(files)?,
    };
    let mut rejects = Vec::new();
    let mut partitions: Vec<Arc<dyn PartitionStream>> = Vec::new();
    for file in files {
        rejects.extend(scan_file(file, &schema, &mut |_| Ok(()))?);
        partitions.push(Arc::new(FileStream { path: file.clone(), schema: schema.clone() }));
    }
    let table = StreamingTable::try_new(schema, partitions).map_err(|e| err(&files[0], e.to_string()))?;
    Ok((Arc::new(table), rejects))
}

/// An output that keeps nothing: the sink is only used for its line
/// reader's rejects.
struct Discard;

impl Output for Discard {
    fn write(&mut self, _: &'static str, _: RecordBatch) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Reads `file` line by line into batches of `schema` handed to `batch`;
/// returns the file's rejects. Stops early when `batch` fails.
fn scan_file(
    file: &Path,
    schema: &SchemaRef,
    batch: &mut dyn FnMut(RecordBatch) -> Result<(), OutputError>,
) -> Result<Option<Rejects>, DatasetError> {
    let f = File::open(file).map_err(|e| err(file, e.to_string()))?;
    let mut input = BufReader::with_capacity(1 << 16, f);
    let mut out = Discard;
    let mut sink = Sink::new(&mut out);
    let mut table = TableBuilder::new(schema.clone());
    let stopped = {
        let mut fs = sink.file(file, Some("json-lines"));
        let mut lines = Lines::new(&mut input);
        lines.for_each(&mut fs, &mut |n, line, fs| {
            if line.iter().all(u8::is_ascii_whitespace) {
                return Ok(());
            }
            fs.record();
            if let Err(why) = push(&mut table, line) {
                fs.reject(n, why, line);
            }
            if table.len() >= BATCH_ROWS {
                batch(table.finish())?;
            }
            Ok(())
        })
    };
    if stopped.is_ok() && !table.is_empty() {
        // A closed receiver is a reader that wants no more: not an error.
        let _ = batch(table.finish());
    }
    Ok(sink.files.pop().and_then(|s| s.rejects))
}

/// Adds one line, or says why it was rejected (adding nothing).
fn push(table: &mut TableBuilder, line: &[u8]) -> Result<(), String> {
    let v: J = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
    let J::Object(m) = v else {
        return Err("not a JSON object".into());
    };
    let mut row = table.row();
    for (i, f) in table.schema().fields().iter().enumerate() {
        let v = m.get(f.name()).unwrap_or(&J::Null);
        row.set(i, Value::from_json(f.data_type(), v).map_err(|e| format!("{}: {e}", f.name()))?);
    }
    table.push(&row);
    Ok(())
}

/// One file of a table as a stream of batches, read on a blocking thread.
#[derive(Debug)]
struct FileStream {
    path: PathBuf,
    schema: SchemaRef,
}

impl PartitionStream for FileStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (path, schema) = (self.path.clone(), self.schema.clone());
        blocking_batches(self.schema.clone(), move |send| {
            let mut batch = |b: RecordBatch| if send(b) { Ok(()) } else { Err(OutputError("closed".into())) };
            scan_file(&path, &schema, &mut batch).map(|_| ())
        })
    }
}

/// The batches `read` hands to its sender, as a stream: `read` runs on a
/// blocking thread and stops when the sender says that no one reads any
/// more (`false`); its error ends the stream.
pub(crate) fn blocking_batches<F>(schema: SchemaRef, read: F) -> SendableRecordBatchStream
where
    F: FnOnce(&mut dyn FnMut(RecordBatch) -> bool) -> Result<(), DatasetError> + Send + 'static,
{
    let mut builder = RecordBatchReceiverStream::builder(schema, 2);
    let tx = builder.tx();
    builder.spawn_blocking(move || {
        let mut send = |b: RecordBatch| tx.blocking_send(Ok(b)).is_ok();
        read(&mut send).map_err(|e| DataFusionError::External(Box::new(e)))
    });
    builder.build()
}

/// Guesses a schema from the first [`SCHEMA_SAMPLE`] object lines:
/// numbers, bools, ISO datetimes, strings, and objects or arrays as
/// dynamic. Reads no further than the sample.
fn infer_schema(files: &[PathBuf]) -> Result<SchemaRef, DatasetError> {
    use std::io::BufRead;
    let mut fields: Vec<(String, DataType)> = Vec::new();
    let mut seen = 0;
    'files: for file in files {
        let f = File::open(file).map_err(|e| err(file, e.to_string()))?;
        let mut input = BufReader::new(f);
        let mut line = Vec::new();
        loop {
            line.clear();
            // The sample is bounded by lines, and each line by the line reader's limit.
            let n = std::io::Read::take(&mut input, crate::sources::lines::MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| err(file, e.to_string()))?;
            if n == 0 {
                break;
            }
            if !line.ends_with(b"\n") && n > crate::sources::lines::MAX_LINE {
                // An over-long line: skip the rest of it.
                let mut rest = Vec::new();
                let _ = input.read_until(b'\n', &mut rest);
                continue;
            }
            let Ok(J::Object(m)) = serde_json::from_slice::<J>(&line) else { continue };
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

pub(crate) fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && crate::batch::parse_datetime(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::{SessionContext, ident, lit};

    #[test]
    fn bad_lines_are_counted_with_their_line_and_left_out_of_every_scan() {
        let dir = std::env::temp_dir().join(format!("dragnet-jsonl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("events.jsonl");
        let mut text = String::new();
        for i in 0..20_000 {
            match i {
                3 => text.push_str("{not json\n"),
                10 => text.push_str("[1, 2]\n"),
                11 => text.push_str("{\"ProcessId\": \"many\"}\n"),
                12 => text.push('\n'),
                _ => text.push_str(&format!("{{\"ProcessId\": {i}, \"FileName\": \"f{}\"}}\n", i % 3)),
            }
        }
        std::fs::write(&file, text).unwrap();
        let known = crate::tables::get("DeviceProcessEvents");
        let (table, rejects) = json_table(std::slice::from_ref(&file), known).unwrap();
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].count, 3);
        assert_eq!(rejects[0].first.0, 4);
        assert!(rejects[0].first.1.starts_with("not JSON"), "{}", rejects[0]);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let ctx = SessionContext::new();
        ctx.register_table("t", table).unwrap();
        for _ in 0..2 {
            let got =
                rt.block_on(async { ctx.table("t").await?.filter(ident("FileName").eq(lit("f1")))?.collect().await });
            let rows: usize = got.unwrap().iter().map(RecordBatch::num_rows).sum();
            // 1, 4, 7, ... below 20,000 less line 11 (i = 10, rejected).
            assert_eq!(rows, 6667 - 1);
        }
        // An unknown table's schema comes from the sample, not the whole file.
        let (unknown, _) = json_table(std::slice::from_ref(&file), None).unwrap();
        let names: Vec<String> = unknown.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, ["ProcessId", "FileName"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
