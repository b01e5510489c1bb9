//! A request body read whole into table rows before anything is stored:
//! the same sources `dragnet ingest` reads files with, the format
//! recognised from the content or forced by name. A body with any rejected
//! record is refused as a whole, with the first reject's line and reason.

use std::path::Path;

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::{Value, json};
use telemetry::sink::{Collect, Sink};
use telemetry::sources::{FORMATS, Format, ReadOptions, by_name, read_stream_with};

/// A body read into rows.
#[derive(Debug)]
pub struct Parsed {
    /// Table name and its rows (one batch per table).
    pub tables: Vec<(&'static str, RecordBatch)>,
    /// The format the body was read as.
    pub format: &'static str,
    /// Records read.
    pub records: u64,
    /// Records understood that no table holds.
    pub skipped: u64,
}

impl Parsed {
    /// Rows over every table.
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|(_, b)| b.num_rows()).sum()
    }

    /// The counts, as the acknowledgement carries them.
    pub fn counts(&self) -> Value {
        let rows: serde_json::Map<String, Value> =
            self.tables.iter().map(|(t, b)| (t.to_string(), json!(b.num_rows()))).collect();
        json!({"format": self.format, "records": self.records, "skipped": self.skipped, "rows": rows})
    }
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadBody {
    /// The 1-based line of the first bad record (0 when the whole body is bad).
    pub line: u64,
    /// The reason.
    pub reason: String,
}

impl std::fmt::Display for BadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 { write!(f, "line {}: {}", self.line, self.reason) } else { f.write_str(&self.reason) }
    }
}

/// The format a `?format=` names.
pub fn forced_format(name: &str) -> Result<&'static dyn Format, BadBody> {
    by_name(name).ok_or_else(|| {
        let names: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
        BadBody { line: 0, reason: format!("unknown format '{name}' (known: {})", names.join(", ")) }
    })
}

/// Reads `body` whole as `format` (else the format its content shows).
pub fn parse(body: &[u8], format: Option<&'static dyn Format>) -> Result<Parsed, BadBody> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BadBody { line: 0, reason: "the body is empty".into() });
    }
    let mut out = Collect::default();
    let mut sink = Sink::new(&mut out);
    let mut input = body;
    let read =
        read_stream_with(Path::new("body"), &mut input, ReadOptions { format }, &mut sink).and_then(|()| sink.finish());
    if let Err(e) = read {
        return Err(BadBody { line: 0, reason: e.to_string() });
    }
    let stats = std::mem::take(&mut sink.files);
    drop(sink);
    let Some(stats) = stats.into_iter().next() else {
        return Err(BadBody { line: 0, reason: "the body is empty".into() });
    };
    if let Some(r) = stats.rejects {
        let (line, why) = r.first;
        let more = if r.count > 1 { format!(" ({} records rejected in all)", r.count) } else { String::new() };
        return Err(BadBody { line, reason: format!("{why}{more}") });
    }
    let Some(format) = stats.format else {
        return Err(BadBody { line: 0, reason: "not a log format dragnet reads".into() });
    };
    let mut tables = Vec::new();
    for (name, batches) in out.tables {
        let Some(first) = batches.first() else { continue };
        let batch =
            concat_batches(&first.schema(), &batches).map_err(|e| BadBody { line: 0, reason: e.to_string() })?;
        if batch.num_rows() > 0 {
            tables.push((name, batch));
        }
    }
    Ok(Parsed { tables, format, records: stats.records, skipped: stats.skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_refuses_the_body_naming_the_line() {
        let good = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"u"},"requestReceivedTimestamp":"2026-11-20T14:00:00Z","stageTimestamp":"2026-11-20T14:00:00Z"}"#;
        let body = format!("{good}\n{{not json\n");
        let err = parse(body.as_bytes(), None).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let ok = parse(good.as_bytes(), None).unwrap();
        assert_eq!(ok.format, "k8s-audit");
        assert_eq!(ok.tables[0].0, "AKSAudit");
        assert_eq!(ok.rows(), 1);
    }

    #[test]
    fn empty_unknown_and_forced_formats() {
        assert_eq!(parse(b"  \n", None).unwrap_err().reason, "the body is empty");
        assert!(parse(b"hello\n", None).unwrap_err().reason.starts_with("not a log format dragnet reads"));
        assert!(forced_format("nope").err().unwrap().reason.starts_with("unknown format 'nope'"));
        let auditd = forced_format("auditd").unwrap();
        assert!(parse(b"{\"a\":1}\n", Some(auditd)).is_err());
    }
}
