//! Prints every row the readers build from the files named, as JSON lines
//! prefixed by the table's name, to compare the rows of two builds:
//!
//! ```text
//! cargo run --release -p telemetry --example rows_json -- FILE... | md5sum
//! ```
//!
//! Every table is built (as `ingest` does); each rejected record is
//! printed where it was met, as `FILE:LINE: WHY` and the record.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::arrow::record_batch::RecordBatch;
use telemetry::sink::{Output, OutputError, Sink};

/// Writes each batch to stdout as JSON lines, each line after its table's name.
struct Print;

impl Output for Print {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        let mut buf = Vec::new();
        let mut w = LineDelimitedWriter::new(&mut buf);
        w.write(&batch).map_err(|e| OutputError(e.to_string()))?;
        w.finish().map_err(|e| OutputError(e.to_string()))?;
        drop(w);
        let mut out = std::io::stdout().lock();
        for line in buf.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            out.write_all(table.as_bytes()).map_err(|e| OutputError(e.to_string()))?;
            out.write_all(b" ").map_err(|e| OutputError(e.to_string()))?;
            out.write_all(line).map_err(|e| OutputError(e.to_string()))?;
            out.write_all(b"\n").map_err(|e| OutputError(e.to_string()))?;
        }
        Ok(())
    }
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        eprintln!("usage: rows_json FILE_OR_DIR...");
        std::process::exit(2);
    }
    let files = telemetry::sources::expand(&args).unwrap_or_else(|e| {
        eprintln!("rows_json: {e}");
        std::process::exit(2);
    });
    for file in files {
        let mut out = Print;
        let mut sink = Sink::new(&mut out).with_rejects(Box::new(std::io::stdout()));
        let read = telemetry::sources::read_file(&file, &mut sink, &AtomicU64::new(0)).and_then(|()| sink.finish());
        if let Err(e) = read {
            eprintln!("rows_json: {}: {e}", file.display());
            std::process::exit(1);
        }
    }
}
