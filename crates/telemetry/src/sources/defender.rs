//! Microsoft Defender XDR advanced-hunting exports, as the streaming API
//! sends them to an Event Hub or a storage account: records of the form
//! `{"time": .., "category": "AdvancedHunting-DeviceProcessEvents",
//! "properties": {<the row's columns>}}`, either one per line or wrapped
//! in `{"records": [..]}` documents.
//!
//! The table is the category without its `AdvancedHunting-` prefix; the
//! row is `properties`, column by column, each value read as its column's
//! documented type ([`Value::from_json`]): a number may come as text, a
//! `dynamic` as JSON text or as JSON. `TimeGenerated`, which the export
//! does not carry, is the record's `time` (else the row's `Timestamp`).
//! Properties that are not columns of the table are left out. A record of
//! a table dragnet does not hold (`DeviceRegistryEvents`, say) is counted
//! as skipped.

use std::borrow::Cow;
use std::collections::HashMap;

use arrow_schema::DataType;
use serde::Deserialize;
use serde_json::Value as J;
use serde_json::value::RawValue;

use super::Format;
use super::json::{first_doc, first_element_of, for_each_doc, line_offset};
use crate::batch::{Value, parse_datetime};
use crate::sink::{FileSink, OutputError, TableId};

/// The category prefix of advanced-hunting records.
const PREFIX: &str = "AdvancedHunting-";

/// The streaming-API export format.
pub struct DefenderExport;

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(default)]
    properties: Option<serde_json::Map<String, J>>,
}

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

    fn read(&self, input: &mut dyn std::io::BufRead, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let mut reader = Reader::default();
        for_each_doc(input, out, &mut |line, text, out| reader.doc(line, text, out))
    }
}

/// Column positions and types of one table, looked up once.
struct TableCols {
    id: TableId,
    cols: HashMap<String, (usize, DataType)>,
    time_generated: Option<usize>,
    timestamp: Option<usize>,
}

#[derive(Default)]
struct Reader {
    tables: HashMap<String, Option<TableCols>>,
}

impl Reader {
    fn doc(&mut self, line: u64, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        let doc: Doc = match serde_json::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                out.record();
                out.reject(line, format!("not a Defender export record: {e}"), text.as_bytes());
                return Ok(());
            }
        };
        match doc.records {
            Some(records) => {
                for r in records {
                    let line = line + line_offset(text, r.get());
                    match serde_json::from_str::<Doc>(r.get()) {
                        Ok(d) => self.record(line, d, r.get(), out)?,
                        Err(e) => {
                            out.record();
                            out.reject(line, format!("not a Defender export record: {e}"), r.get().as_bytes());
                        }
                    }
                }
                Ok(())
            }
            None => self.record(line, doc, text, out),
        }
    }

    fn record(&mut self, line: u64, doc: Doc<'_>, text: &str, out: &mut FileSink<'_, '_>) -> Result<(), OutputError> {
        out.record();
        let reject = |out: &mut FileSink<'_, '_>, why: String| out.reject(line, why, text.as_bytes());
        let Some(table) = doc.category.as_deref().and_then(|c| c.strip_prefix(PREFIX)) else {
            reject(out, "no \"category\" naming an AdvancedHunting-<table>".into());
            return Ok(());
        };
        let Some(props) = doc.properties else {
            reject(out, "no \"properties\" object".into());
            return Ok(());
        };
        if !self.tables.contains_key(table) {
            let cols = crate::tables::TABLES.iter().find(|t| t.name == table).map(|t| {
                let id = out.table(t.name);
                let schema = out.builder(id).schema();
                let cols: HashMap<String, (usize, DataType)> = schema
                    .fields()
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name().clone(), (i, f.data_type().clone())))
                    .collect();
                let pos = |n: &str| cols.get(n).map(|c| c.0);
                TableCols { id, time_generated: pos("TimeGenerated"), timestamp: pos("Timestamp"), cols }
            });
            self.tables.insert(table.to_string(), cols);
        }
        let Some(cols) = &self.tables[table] else {
            out.skip();
            return Ok(());
        };
        let mut row = out.builder(cols.id).row();
        for (k, v) in &props {
            let Some((i, t)) = cols.cols.get(k.as_str()) else { continue };
            match Value::from_json(t, v) {
                Ok(v) => {
                    row.set(*i, v);
                }
                Err(why) => {
                    reject(out, format!("{k}: {why}"));
                    return Ok(());
                }
            }
        }
        if let Some(tg) = cols.time_generated
            && row.get(tg) == &Value::Null
        {
            let time = doc.time.as_deref().and_then(parse_datetime);
            let fallback = cols.timestamp.map(|i| row.get(i).clone());
            match (time, fallback) {
                (Some(ns), _) => {
                    row.set(tg, Value::Time(ns));
                }
                (None, Some(ts)) => {
                    row.set(tg, ts);
                }
                (None, None) => {}
            }
        }
        out.push(cols.id, &row)
    }
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
