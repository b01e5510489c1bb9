//! Alerts for people: one aligned line per alert.

use std::io::{self, Write};

use super::short_time;
use crate::alert::Alert;
use crate::rule::{Rule, Severity};

/// Widest rule name and summary printed before truncating with `…`.
const MAX_RULE: usize = 48;
const MAX_SUMMARY: usize = 80;

fn clip(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max - 1).collect();
    format!("{cut}…")
}

fn paint(sev: Severity, text: &str) -> String {
    let code = match sev {
        Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Informational => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The columns' titles.
const HEADER: [&str; 7] = ["TIME", "SEVERITY", "TECHNIQUE", "RULE", "HOST", "ACCOUNT", "SUMMARY"];
/// Widths of the host and account columns when alerts are written as they
/// come (longer cells push the rest of their line).
const STREAM_HOST: usize = 16;
const STREAM_ACCOUNT: usize = 12;

fn cells(a: &Alert) -> [String; 7] {
    [
        short_time(a.start_time.unwrap_or(a.created)),
        a.severity.as_str().to_string(),
        a.techniques.first().cloned().unwrap_or_else(|| "-".into()),
        clip(&a.rule_name, MAX_RULE),
        clip(a.host().unwrap_or("-"), 32),
        clip(a.account().unwrap_or("-"), 32),
        clip(&a.summary(), MAX_SUMMARY),
    ]
}

fn line(cells: &[String], widths: &[usize; 7], sev: Option<Severity>) -> String {
    let parts: Vec<String> = cells
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(i, (c, w))| {
            let padded = format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count())));
            match (i, sev) {
                (1, Some(s)) => paint(s, &padded),
                _ => padded,
            }
        })
        .collect();
    parts.join("  ").trim_end().to_string()
}

/// Writes a header, one line per alert (time, severity, technique, rule,
/// host, account, summary) and a count. Severity is coloured only when
/// `color` is set. The columns are as wide as their widest cell.
pub fn write_table(out: &mut dyn Write, alerts: &[Alert], color: bool) -> io::Result<()> {
    let rows: Vec<[String; 7]> = alerts.iter().map(cells).collect();
    let mut widths = HEADER.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut table = TableWriter { widths, color };
    table.header(out)?;
    for (r, a) in rows.iter().zip(alerts) {
        writeln!(out, "{}", line(r, &table.widths, table.color.then_some(a.severity)))?;
    }
    table.count(out, alerts.len())
}

/// A table written as alerts come: the columns are as wide as the rules
/// about to run need (their names, severities and techniques) and a
/// timestamp; hosts and accounts get a fixed width.
pub struct TableWriter {
    widths: [usize; 7],
    color: bool,
}

impl TableWriter {
    /// The layout for alerts of `rules`.
    pub fn for_rules(rules: &[Rule], color: bool) -> TableWriter {
        let mut widths = HEADER.map(str::len);
        widths[0] = widths[0].max("2026-01-01T00:00:00Z".len());
        for r in rules {
            widths[1] = widths[1].max(r.severity.as_str().len());
            widths[2] = widths[2].max(r.techniques.first().map_or(1, |t| t.chars().count()));
            widths[3] = widths[3].max(clip(&r.name, MAX_RULE).chars().count());
        }
        widths[4] = widths[4].max(STREAM_HOST);
        widths[5] = widths[5].max(STREAM_ACCOUNT);
        TableWriter { widths, color }
    }

    /// The header line.
    pub fn header(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let head: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
        writeln!(out, "{}", line(&head, &self.widths, None))
    }

    /// One line per alert.
    pub fn rows(&mut self, out: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
        for a in alerts {
            writeln!(out, "{}", line(&cells(a), &self.widths, self.color.then_some(a.severity)))?;
        }
        Ok(())
    }

    /// The closing count.
    pub fn count(&mut self, out: &mut dyn Write, n: usize) -> io::Result<()> {
        writeln!(out, "({n} alert{})", if n == 1 { "" } else { "s" })
    }
}
