//! Query results exported from the Microsoft Defender portal's advanced
//! hunting as CSV: a header row of column names, then one row per result,
//! RFC 4180 quoting (a field in double quotes may hold commas, line breaks
//! and doubled quotes), an optional UTF-8 byte-order mark.
//!
//! The header says which table the rows are of ([`header`]); each cell is
//! read as its column's type ([`cell`]), and an empty cell is null.
//! `TimeGenerated`, when the header lacks it, is the row's `Timestamp`, as
//! for the streaming-API export. A header that names no table, or more than
//! one equally, rejects the file (one reject, at line 1, with the reason).
//! A row with more or fewer fields than the header, or a cell its column
//! cannot hold, is a reject at the line the row starts on. A record longer
//! than [`MAX_RECORD`] bytes (a quote never closed) ends the file with a
//! reject, so memory stays bounded.
//!
//! Log Analytics exports (the Sentinel portal's, and Defender queries run
//! there) add the zone to each datetime column's name: `TimeGenerated
//! [UTC]`, with cells such as `10/25/2023, 9:43:21.990 AM` (month first,
//! as that export writes them), read as UTC; or `TimeGenerated [Local
//! Time]`, in the zone of the browser that exported the file, which the
//! file does not say: such a file is one reject saying so, not times
//! guessed in the wrong zone.
//!
//! An export of several tables at once (`union` of tables) has the union
//! of their columns and names each row's table in a `Type`, `TableName`
//! or `SourceTable` column (Log Analytics' `Type`; advanced hunting's
//! `union withsource=TableName`): when no one table has every column of
//! the header and it has such a column, each row goes to the table it
//! names (every other column being one of a known table); a row naming
//! another table, or with a value in a column its table does not have, is
//! a reject.
//!
//! A file is taken when its first line is a CSV row of at least two
//! column-like names (letters, digits, `_`, with an optional ` [UTC]` or
//! ` [Local Time]` after), one of them a column of a known table.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use arrow_schema::DataType;
use csv::ByteRecord;

use super::Format;
use crate::batch::Value;
use crate::sink::{FileSink, OutputError, TableId};

pub mod cell;
pub mod header;

/// The longest record read, in bytes: 16 MiB.
pub const MAX_RECORD: u64 = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The Defender portal CSV export format.
pub struct DefenderCsv;

impl Format for DefenderCsv {
    fn name(&self) -> &'static str {
        "defender-csv"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let head = head.strip_prefix(BOM).unwrap_or(head);
        let line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line);
        let mut rec = ByteRecord::new();
        if !matches!(rdr.read_byte_record(&mut rec), Ok(true)) || rec.len() < 2 {
            return false;
        }
        let tables: Vec<_> = crate::tables::all();
        let identifier = |f: &[u8]| {
            f.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                && f.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        };
        rec.iter().all(|f| identifier(zone_of(f).0))
            && rec.iter().any(|f| {
                let name = std::str::from_utf8(zone_of(f).0).unwrap_or_default();
                tables.iter().any(|(_, s)| s.column_with_name(name).is_some())
            })
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        match input.fill_buf() {
            Ok(b) if b.starts_with(BOM) => input.consume(BOM.len()),
            Ok(_) => {}
            Err(e) => {
                out.record();
                out.reject(1, format!("read error: {e}"), b"");
                return Ok(());
            }
        }
        let record_start = Rc::new(Cell::new(0));
        let limited = Limit { inner: input, read: 0, record_start: record_start.clone() };
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(limited);
        let mut rec = ByteRecord::new();
        let Some(mut cols) = read_header(&mut rdr, &mut rec, out) else { return Ok(()) };
        loop {
            let start = rdr.position().clone();
            record_start.set(start.byte());
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    out.record();
                    let line = rec.position().map_or(0, |p| p.line());
                    cols.row(line, &rec, out)?;
                }
                Err(e) => {
                    out.record();
                    let line = e.position().map_or(start.line(), |p| p.line());
                    let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                    let rest = if fatal { "; the rest of the file is not read" } else { "" };
                    out.reject(line, format!("{}{rest}", csv_error(&e)), b"");
                    if fatal {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Reads the header and chooses the table; on failure the file is one
/// reject and `None` comes back.
fn read_header<R: Read>(rdr: &mut csv::Reader<R>, rec: &mut ByteRecord, out: &mut FileSink<'_, '_>) -> Option<Layout> {
    let names: Vec<&str> = match rdr.read_byte_record(rec) {
        Ok(false) => return None,
        Ok(true) => match rec.iter().map(std::str::from_utf8).collect() {
            Ok(names) => names,
            Err(_) => {
                out.record();
                out.reject(1, "the header is not UTF-8", &as_csv(rec));
                return None;
            }
        },
        Err(e) => {
            out.record();
            out.reject(1, csv_error(&e), b"");
            return None;
        }
    };
    let zones: Vec<Zone> = names.iter().map(|n| zone_of(n.as_bytes()).1).collect();
    let names: Vec<&str> = names.iter().map(|n| std::str::from_utf8(zone_of(n.as_bytes()).0).unwrap_or(n)).collect();
    if let Some(i) = zones.iter().position(|z| *z == Zone::Local) {
        out.record();
        let why = format!(
            "the file is not read: column \"{} [Local Time]\" holds times in the time zone of the browser that \
             exported it, which the file does not name; export the query with times in UTC",
            names[i]
        );
        out.reject(1, why, &as_csv(rec));
        return None;
    }
    let table = match header::choose(&names) {
        Ok(t) => t,
        Err(why) => {
            // A union of tables names each row's table in a column of its own.
            // Every other column must be one of a known table.
            let schemas: Vec<_> = crate::tables::TABLES.iter().map(|t| (t.schema)()).collect();
            let known = |n: &str| schemas.iter().any(|s| s.column_with_name(n).is_some());
            if let Some(at) = names.iter().position(|n| UNION_TABLE_COLUMNS.contains(n))
                && names.iter().enumerate().all(|(i, n)| i == at || known(n))
            {
                let header = names.iter().zip(&zones).map(|(n, z)| (n.to_string(), *z == Zone::Utc)).collect();
                return Some(Layout::Union { at, header, tables: Vec::new() });
            }
            out.record();
            out.reject(1, format!("the file is not read: {why}"), &as_csv(rec));
            return None;
        }
    };
    let header: Vec<(String, bool)> = names.iter().zip(&zones).map(|(n, z)| (n.to_string(), *z == Zone::Utc)).collect();
    Some(Layout::One(Columns::new(out, table.name, &header)))
}

/// The columns in which a union of tables exported together names each
/// row's table: Log Analytics' `Type`, or the `withsource=` column of
/// advanced hunting's `union` as its documentation names it.
const UNION_TABLE_COLUMNS: &[&str] = &["Type", "TableName", "SourceTable"];

/// How the rows of a file go to tables.
enum Layout {
    /// Every row is of one table.
    One(Columns),
    /// Each row names its table in field `at` (a union of tables).
    Union {
        at: usize,
        /// The header's names, and whether each said `[UTC]`.
        header: Vec<(String, bool)>,
        /// The tables met so far.
        tables: Vec<(&'static str, Columns)>,
    },
}

impl Layout {
    /// One data row: pushed, or rejected at `line`.
    fn row(&mut self, line: u64, rec: &ByteRecord, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        match self {
            Layout::One(cols) => cols.row(line, rec, out),
            Layout::Union { at, header, tables } => {
                let name = rec.get(*at).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default();
                if let Some((_, cols)) = tables.iter().find(|(t, _)| *t == name) {
                    return cols.row(line, rec, out);
                }
                let Some(table) = crate::tables::TABLES.iter().find(|t| t.name == name) else {
                    let why = format!("{}: \"{name}\" is not a table dragnet knows", header[*at].0);
                    out.reject(line, why, &as_csv(rec));
                    return Ok(());
                };
                let mut cols = Columns::new(out, table.name, header);
                cols.table_field = Some(*at);
                let r = cols.row(line, rec, out);
                tables.push((table.name, cols));
                r
            }
        }
    }
}

/// Where each field of a row goes.
struct Columns {
    id: TableId,
    table: &'static str,
    /// The header's column names.
    names: Vec<String>,
    /// The field naming each row's table in a union, when this table has
    /// no column of that name: not a value of the row.
    table_field: Option<usize>,
    /// Column index, type and name of each field, in header order, and
    /// whether its header said `[UTC]` (a Log Analytics export); `None`
    /// for a column the table does not have (a union's other tables'),
    /// whose cells must then be empty.
    by_field: Vec<Option<(usize, DataType, String, bool)>>,
    /// `TimeGenerated` and `Timestamp`, when the header has no `TimeGenerated`.
    time_generated: Option<(usize, usize)>,
}

impl Columns {
    /// The fields of `header` (names, and whether each said `[UTC]`) in `table`.
    fn new(out: &mut FileSink<'_, '_>, table: &'static str, header: &[(String, bool)]) -> Columns {
        let id = out.table(table);
        let schema = out.builder(id).schema().clone();
        let by_field = header
            .iter()
            .map(|(n, utc)| schema.index_of(n).ok().map(|i| (i, schema.field(i).data_type().clone(), n.clone(), *utc)))
            .collect();
        let time_generated =
            schema.index_of("TimeGenerated").ok().filter(|_| !header.iter().any(|(n, _)| n == "TimeGenerated"));
        let timestamp = schema.index_of("Timestamp").ok();
        let names = header.iter().map(|(n, _)| n.clone()).collect();
        Columns { id, table, names, table_field: None, by_field, time_generated: time_generated.zip(timestamp) }
    }

    /// One data row: pushed, or rejected at `line`.
    fn row(&self, line: u64, rec: &ByteRecord, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        if rec.len() != self.by_field.len() {
            let why = format!("{} fields where the header has {}", rec.len(), self.by_field.len());
            out.reject(line, why, &as_csv(rec));
            return Ok(());
        }
        let mut row = out.builder(self.id).row();
        for (n, ((at, field), column)) in self.by_field.iter().zip(rec.iter()).zip(&self.names).enumerate() {
            if field.is_empty() || self.table_field == Some(n) {
                continue;
            }
            let Some((i, t, name, utc)) = at else {
                let why = format!("{column}: a value in a column {} does not have", self.table);
                out.reject(line, why, &as_csv(rec));
                return Ok(());
            };
            let value = std::str::from_utf8(field)
                .map_err(|e| format!("not UTF-8 (byte {})", e.valid_up_to() + 1))
                .and_then(|text| match t {
                    DataType::Timestamp(..) if *utc => cell::log_analytics_datetime(text)
                        .map(Value::Time)
                        .ok_or_else(|| format!("\"{text}\" is not a datetime")),
                    _ => cell::cell(t, text),
                });
            match value {
                Ok(v) => {
                    row.set(*i, v);
                }
                Err(why) => {
                    out.reject(line, format!("{name}: {why}"), &as_csv(rec));
                    return Ok(());
                }
            }
        }
        if let Some((tg, ts)) = self.time_generated
            && let Value::Time(ns) = row.get(ts)
        {
            let ns = *ns;
            row.set(tg, Value::Time(ns));
        }
        out.push(self.id, &row)
    }
}

/// The zone a Log Analytics export names after a datetime column's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// No suffix: an advanced-hunting export.
    None,
    /// `Name [UTC]`.
    Utc,
    /// `Name [Local Time]`.
    Local,
}

/// A header field without its Log Analytics zone suffix, and the zone.
fn zone_of(field: &[u8]) -> (&[u8], Zone) {
    if let Some(n) = field.strip_suffix(b" [UTC]") {
        (n, Zone::Utc)
    } else if let Some(n) = field.strip_suffix(b" [Local Time]") {
        (n, Zone::Local)
    } else {
        (field, Zone::None)
    }
}

/// A record written back as one CSV line, for the rejects file.
fn as_csv(rec: &ByteRecord) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_byte_record(rec);
    w.into_inner().unwrap_or_default()
}

/// A CSV error's message without its position (the reject has the line).
fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        other => format!("malformed CSV: {other:?}"),
    }
}

/// The input, failing once a record grows past [`MAX_RECORD`] bytes.
struct Limit<'r> {
    inner: &'r mut dyn BufRead,
    read: u64,
    record_start: Rc<Cell<u64>>,
}

impl Read for Limit<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.saturating_sub(self.record_start.get()) > MAX_RECORD {
            return Err(std::io::Error::other(format!(
                "a record longer than {MAX_RECORD} bytes (a quoted field never closed?)"
            )));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{Collect, Sink};
    use std::path::Path;

    #[test]
    fn sniffs_headers_of_known_columns() {
        assert!(DefenderCsv.sniff(b"\xEF\xBB\xBFTimestamp,DeviceName,FileName\r\n2026-11-20T10:00:00Z,a,b\r\n"));
        assert!(DefenderCsv.sniff(b"\"Timestamp\",\"RemoteIP\"\n"));
        assert!(!DefenderCsv.sniff(b"Foo,Bar\n1,2\n"), "no known column");
        assert!(!DefenderCsv.sniff(b"Timestamp\n"), "one column");
        assert!(!DefenderCsv.sniff(b"{\"Timestamp\":1,\"DeviceName\":2}\n"));
        assert!(!DefenderCsv.sniff(b"Nov 20 10:00:00 node-1 sshd[1]: Accepted, Timestamp\n"));
    }

    #[test]
    fn a_record_past_the_limit_ends_the_file_with_a_reject() {
        let mut text = b"Timestamp,DeviceName,FileName,ProcessCommandLine\n2026-11-20T10:00:00Z,a,b,\"".to_vec();
        text.resize(text.len() + MAX_RECORD as usize + 100_000, b'x');
        let mut collect = Collect::default();
        let mut sink = Sink::new(&mut collect);
        {
            let mut f = sink.file(Path::new("big.csv"), Some("defender-csv"));
            DefenderCsv.read(&mut &text[..], &mut f).unwrap();
        }
        let r = sink.files[0].rejects.clone().unwrap();
        assert_eq!(r.count, 1);
        assert_eq!(r.first.0, 2);
        assert!(r.first.1.contains("the rest of the file is not read"), "{}", r.first.1);
    }
}
