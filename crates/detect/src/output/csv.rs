//! Alerts as RFC 4180 CSV, one row per alert.

use std::io::{self, Write};

use super::short_time;
use crate::alert::Alert;

/// The header row.
pub const CSV_COLUMNS: &[&str] = &[
    "time",
    "severity",
    "confidence",
    "techniques",
    "tactics",
    "rule_id",
    "rule_name",
    "title",
    "host",
    "account",
    "summary",
    "entities",
    "events",
    "alert_id",
    "evidence_omitted",
    "false_positives",
];

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Writes a header and one row per alert. Lists are `;`-separated;
/// entities are `Type:identifier=value` items; `events` is how many rows
/// the alert stands for, `evidence_omitted` how many of them it does not
/// carry.
pub fn write_csv(out: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    write_csv_header(out)?;
    write_csv_rows(out, alerts)
}

/// The header row alone.
pub fn write_csv_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))
}

/// One row per alert, without the header.
pub fn write_csv_rows(out: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    for a in alerts {
        let entities: Vec<String> = a
            .entities
            .iter()
            .map(|e| {
                let f: Vec<String> = e.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{}:{}", e.entity_type, f.join(" "))
            })
            .collect();
        let cells = [
            short_time(a.start_time.unwrap_or(a.created)),
            a.severity.as_str().to_string(),
            a.confidence.map(|c| c.as_str().to_string()).unwrap_or_default(),
            a.techniques.join(";"),
            a.tactics.join(";"),
            a.rule_id.clone(),
            a.rule_name.clone(),
            a.title.clone(),
            a.host().unwrap_or_default().to_string(),
            a.account().unwrap_or_default().to_string(),
            a.summary(),
            entities.join(";"),
            a.rows.to_string(),
            a.id.clone(),
            a.evidence_omitted().to_string(),
            a.false_positives.join(";"),
        ];
        let row: Vec<String> = cells.iter().map(|c| field(c)).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}
