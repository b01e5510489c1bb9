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

/// The text a shipper wrapped in JSON: the string field `field` of each
/// JSON document of `body` (JSON lines, or one JSON array of documents),
/// one line each, as if the shipper had sent the lines themselves (Fluent
/// Bit's `log`, Vector's, Logstash's and Filebeat's `message`). A document
/// without the field, or with a non-string one, refuses the body naming its
/// line (its element, in an array).
pub fn unwrap_field(body: &[u8], field: &str) -> Result<Vec<u8>, BadBody> {
    let bad = |line: u64, reason: String| BadBody { line, reason };
    let mut out = Vec::with_capacity(body.len());
    let mut take = |v: &Value, line: u64| -> Result<(), BadBody> {
        match v.get(field) {
            Some(Value::String(s)) => {
                out.extend_from_slice(s.strip_suffix('\n').unwrap_or(s).as_bytes());
                out.push(b'\n');
                Ok(())
            }
            Some(_) => Err(bad(line, format!("the field '{field}' is not a string"))),
            None => Err(bad(line, format!("no field '{field}' in the document"))),
        }
    };
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|i| body.get(i) == Some(&b'[')) {
        let docs: Vec<Value> =
            serde_json::from_slice(body).map_err(|e| bad(e.line() as u64, format!("invalid JSON: {e}")))?;
        for (i, d) in docs.iter().enumerate() {
            take(d, i as u64 + 1)?;
        }
        return Ok(out);
    }
    let line_at = |offset: usize| 1 + body.iter().take(offset).filter(|&&b| b == b'\n').count() as u64;
    let mut docs = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    loop {
        let at = docs.byte_offset();
        match docs.next() {
            None => break,
            Some(Ok(d)) => {
                // The document starts after the whitespace before it.
                let skip = body.get(at..).map_or(0, |r| r.iter().take_while(|b| b.is_ascii_whitespace()).count());
                take(&d, line_at(at.saturating_add(skip)))?;
            }
            Some(Err(e)) => return Err(bad(e.line() as u64, format!("invalid JSON: {e}"))),
        }
    }
    Ok(out)
}

/// Reads `body` whole as `format` (else the format its content shows);
/// any rejected record refuses it.
pub fn parse(body: &[u8], format: Option<&'static dyn Format>) -> Result<Parsed, BadBody> {
    let (parsed, rejects) = read(body, format)?;
    match rejects {
        Some(r) => Err(r.first),
        None => Ok(parsed),
    }
}

/// Records of a body that were rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// How many.
    pub count: u64,
    /// The first, with its line.
    pub first: BadBody,
}

/// Reads `body` like [`parse`], keeping the rows of the good records and
/// returning the rejected ones beside them (for a followed file, where one
/// bad line must not hold up the rest). A body no format recognises is
/// still refused.
pub fn parse_lenient(body: &[u8], format: Option<&'static dyn Format>) -> Result<(Parsed, Option<Rejected>), BadBody> {
    read(body, format)
}

fn read(body: &[u8], format: Option<&'static dyn Format>) -> Result<(Parsed, Option<Rejected>), BadBody> {
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
    let rejected = stats.rejects.map(|r| {
        let (line, why) = r.first;
        let more = if r.count > 1 { format!(" ({} records rejected in all)", r.count) } else { String::new() };
        Rejected { count: r.count, first: BadBody { line, reason: format!("{why}{more}") } }
    });
    let Some(format) = stats.format else {
        return Err(rejected
            .map(|r| r.first)
            .unwrap_or(BadBody { line: 0, reason: "not a log format dragnet reads".into() }));
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
    Ok((Parsed { tables, format, records: stats.records, skipped: stats.skipped }, rejected))
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
    fn shippers_lines_are_unwrapped_from_their_field() {
        let body = b"{\"log\":\"a b\\n\",\"date\":1}\n\n{\"log\":\"c\"}\n";
        assert_eq!(unwrap_field(body, "log").unwrap(), b"a b\nc\n");
        let array = br#"[{"message":"x"},{"message":"y"}]"#;
        assert_eq!(unwrap_field(array, "message").unwrap(), b"x\ny\n");
        let e = unwrap_field(b"{\"log\":\"a\"}\n{\"msg\":\"b\"}\n", "log").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (2, "no field 'log' in the document"));
        let e = unwrap_field(br#"[{"message":"x"},{"message":7}]"#, "message").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (2, "the field 'message' is not a string"));
        let e = unwrap_field(b"{\"log\":\"a\"}\n{oops\n", "log").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.reason.starts_with("invalid JSON"), "{e}");
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
