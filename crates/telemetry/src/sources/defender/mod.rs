//! Microsoft Defender XDR advanced-hunting exports, as the streaming API
//! sends them to an Event Hub or a storage account: records of the form
//! `{"time": .., "category": "AdvancedHunting-DeviceProcessEvents",
//! "properties": {<the row's columns>}}`, either one per line or wrapped
//! in `{"records": [..]}` documents.
//!
//! The table is the category without its `AdvancedHunting-` prefix; the
//! row is `properties`, column by column, each value read as its column's
//! documented type ([`column`]): a number may come as text, a `dynamic` as
//! JSON text or as JSON. Each record is read once, into borrowed text
//! and typed cells: by hand where it can be ([`scan`]), else by
//! serde_json ([`record`]), with the same result. `TimeGenerated`, which the export
//! does not carry, is the record's `time` (else the row's `Timestamp`).
//! Properties that are not columns of the table are left out. A record of
//! a table dragnet does not hold (`DeviceRegistryEvents`, say) is counted
//! as skipped.

use std::io::BufRead;

use serde_json::Value as J;

use super::Format;
use super::json::{Part, first_doc, first_element_of, for_each_part, line_offset};
use crate::batch::{Value, parse_datetime};
use crate::sink::{FileSink, OutputError};

pub mod column;
pub mod record;
mod scan;

use record::{PREFIX, Props, Record, Tables};

/// The streaming-API export format.
pub struct DefenderExport;

impl Format for DefenderExport {
    fn name(&self) -> &'static str {
        "defender"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let Some(doc) = first_doc(head).or_else(|| first_element_of(head, "records")) else { return false };
        let record = match doc.get("records").and_then(J::as_array) {
            Some(rs) => rs.first().cloned().unwrap_or(J::Null),
            None => doc,
        };
        record.get("category").and_then(J::as_str).is_some_and(|c| c.starts_with(PREFIX))
    }

    fn read(&self, input: &mut dyn BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut tables = Tables::default();
        // A records wrapper spread over lines is read one record at a time.
        for_each_part(input, out, &["records"], &mut |line, part, out| match part {
            Part::Doc(text) => doc(&mut tables, line, text, out),
            Part::Element(_, text) => record(&mut tables, line, text, out),
        })
    }
}

/// One document: a record, or a `{"records": [..]}` wrapper of records.
fn doc(tables: &mut Tables, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
    let rec = match parse(text, tables, out) {
        Ok(r) => r,
        Err(e) => {
            out.record();
            out.reject(line, format!("not a Defender export record: {e}"), text.as_bytes());
            return Ok(());
        }
    };
    let Some(records) = &rec.records else { return finish(tables, line, rec, text, out) };
    for r in records {
        record(tables, line + line_offset(text, r.get()), r.get(), out)?;
    }
    Ok(())
}

/// One element of a `records` array.
fn record(tables: &mut Tables, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
    match parse(text, tables, out) {
        Ok(inner) => finish(tables, line, inner, text, out),
        Err(e) => {
            out.record();
            out.reject(line, format!("not a Defender export record: {e}"), text.as_bytes());
            Ok(())
        }
    }
}

/// One record of `text`, read by hand where it can be ([`scan`]), else
/// parsed with serde_json ([`record::parse`]): the same record either way.
fn parse<'t>(text: &'t str, tables: &mut Tables, out: &mut FileSink<'_, '_>) -> Result<Record<'t>, serde_json::Error> {
    match scan::read(text, tables, out) {
        Some(rec) => {
            #[cfg(debug_assertions)]
            scan::check(text, &rec, tables, out);
            Ok(rec)
        }
        None => record::parse(text, tables, out),
    }
}

/// Counts a parsed record and pushes its row, or rejects or skips it.
fn finish<'de>(
    tables: &mut Tables,
    line: u64,
    rec: Record<'de>,
    text: &str,
    out: &mut FileSink<'_, '_>,
) -> Result<(), OutputError> {
    out.record();
    let reject = |out: &mut FileSink<'_, '_>, why: String| out.reject(line, why, text.as_bytes());
    let Some(table) = rec.category.as_deref().and_then(|c| c.strip_prefix(PREFIX)) else {
        reject(out, "no \"category\" naming an AdvancedHunting-<table>".into());
        return Ok(());
    };
    if !rec.has_properties {
        reject(out, "no \"properties\" object".into());
        return Ok(());
    }
    let (slot, mut row, err) = match (rec.row, rec.properties) {
        (Some(filled), _) => filled,
        (None, Some(raw)) => {
            let slot = tables.slot(table, out);
            let Some(cols) = tables.cols(slot) else {
                out.skip();
                return Ok(());
            };
            let mut row = out.builder(cols.id).row();
            match tables.fill(slot, raw, &mut row) {
                Ok(Props::Read(err)) => (slot, row, err),
                Ok(Props::Null) => {
                    reject(out, "no \"properties\" object".into());
                    return Ok(());
                }
                Err(e) => {
                    reject(out, format!("not a Defender export record: {e}"));
                    return Ok(());
                }
            }
        }
        (None, None) => {
            // Properties of a table dragnet does not hold were skipped unread.
            out.skip();
            return Ok(());
        }
    };
    if let Some(why) = err {
        reject(out, why);
        return Ok(());
    }
    let cols = tables.cols(slot).expect("a row was made for a known table");
    if let Some(tg) = cols.time_generated
        && row.get(tg) == &Value::Null
    {
        let time = rec.time.as_deref().and_then(parse_datetime);
        match (time, cols.timestamp.map(|i| row.get(i).clone())) {
            (Some(ns), _) => {
                row.set(tg, Value::Time(ns));
            }
            (None, Some(ts)) => {
                row.set(tg, ts);
            }
            (None, None) => {}
        }
    }
    let id = cols.id;
    out.push(id, &row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_records_one_per_line_and_wrapped() {
        let line =
            br#"{"time":"2026-11-20T10:00:00Z","category":"AdvancedHunting-DeviceProcessEvents","properties":{}}"#;
        assert!(DefenderExport.sniff(line));
        let wrapped = br#"{"records":[{"time":"2026-11-20T10:00:00Z","category":"AdvancedHunting-DeviceFileEvents","properties":{}}"#;
        assert!(DefenderExport.sniff(wrapped), "a wrapper cut by the end of the head");
        assert!(!DefenderExport.sniff(br#"{"category":"kube-audit","properties":{}}"#));
    }
}
