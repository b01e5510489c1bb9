//! Alerts as text: an aligned table for people, JSON lines, CSV, and OCSF
//! Detection Findings.

mod csv;
mod jsonl;
pub mod ocsf;
mod table;

use std::io::{self, Write};

use crate::alert::Alert;
use crate::rule::Rule;

pub use self::csv::{write_csv, write_csv_header, write_csv_rows};
pub use self::jsonl::write_jsonl;
pub use self::ocsf::{OCSF_VERSION, to_ocsf, write_ocsf};
pub use self::table::{TableWriter, write_table};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per alert for people.
    Table,
    /// One JSON object per alert per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// One OCSF Detection Finding (class 2004) per line.
    Ocsf,
}

/// Writes `alerts` in `format`; `color` only matters for the table.
pub fn write(out: &mut dyn Write, alerts: &[Alert], format: Format, color: bool) -> io::Result<()> {
    match format {
        Format::Table => write_table(out, alerts, color),
        Format::Jsonl => write_jsonl(out, alerts),
        Format::Csv => write_csv(out, alerts),
        Format::Ocsf => write_ocsf(out, alerts),
    }
}

/// Alerts written as they come, a run of a rule at a time, in one of the
/// formats: the table's header and the CSV header first, the table's
/// count last.
pub struct AlertWriter<'w> {
    out: &'w mut dyn Write,
    format: Format,
    table: Option<TableWriter>,
    written: usize,
}

impl<'w> AlertWriter<'w> {
    /// Starts the output (writing any header) for alerts of `rules`.
    pub fn start(out: &'w mut dyn Write, format: Format, color: bool, rules: &[Rule]) -> io::Result<AlertWriter<'w>> {
        let mut table = None;
        match format {
            Format::Table => {
                let mut t = TableWriter::for_rules(rules, color);
                t.header(out)?;
                table = Some(t);
            }
            Format::Csv => write_csv_header(out)?,
            Format::Jsonl | Format::Ocsf => {}
        }
        Ok(AlertWriter { out, format, table, written: 0 })
    }

    /// Writes `alerts` and flushes them out.
    pub fn write(&mut self, alerts: &[Alert]) -> io::Result<()> {
        match (self.format, &mut self.table) {
            (Format::Table, Some(t)) => t.rows(self.out, alerts)?,
            (Format::Jsonl, _) => write_jsonl(self.out, alerts)?,
            (Format::Csv, _) => write_csv_rows(self.out, alerts)?,
            (Format::Ocsf, _) => write_ocsf(self.out, alerts)?,
            (Format::Table, None) => {}
        }
        self.written += alerts.len();
        self.out.flush()
    }

    /// Alerts written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Ends the output (the table's count).
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(t) = &mut self.table {
            t.count(self.out, self.written)?;
        }
        self.out.flush()
    }
}

/// A datetime in ns as `2026-11-20T10:05:00Z` (seconds, for people).
pub(crate) fn short_time(ns: i64) -> String {
    let full = kql_engine::render::datetime_text(ns);
    format!("{}Z", &full[..19])
}
