//! Alerts as text: an aligned table for people, JSON lines, CSV, and OCSF
//! Detection Findings.

mod csv;
mod jsonl;
pub mod ocsf;
mod table;

use std::io::{self, Write};

use crate::alert::Alert;

pub use self::csv::write_csv;
pub use self::jsonl::write_jsonl;
pub use self::ocsf::{OCSF_VERSION, to_ocsf, write_ocsf};
pub use self::table::write_table;

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

/// A datetime in ns as `2026-11-20T10:05:00Z` (seconds, for people).
pub(crate) fn short_time(ns: i64) -> String {
    let full = kql_engine::render::datetime_text(ns);
    format!("{}Z", &full[..19])
}
