//! Alerts for people: one aligned line per alert.

use std::io::{self, Write};

use super::short_time;
use crate::alert::Alert;
use crate::rule::Severity;

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

/// Writes a header, one line per alert (time, severity, technique, rule,
/// host, account, summary) and a count. Severity is coloured only when
/// `color` is set.
pub fn write_table(out: &mut dyn Write, alerts: &[Alert], color: bool) -> io::Result<()> {
    let header = ["TIME", "SEVERITY", "TECHNIQUE", "RULE", "HOST", "ACCOUNT", "SUMMARY"];
    let rows: Vec<[String; 7]> = alerts
        .iter()
        .map(|a| {
            [
                short_time(a.start_time.unwrap_or(a.created)),
                a.severity.as_str().to_string(),
                a.techniques.first().cloned().unwrap_or_else(|| "-".into()),
                clip(&a.rule_name, MAX_RULE),
                clip(a.host().unwrap_or("-"), 32),
                clip(a.account().unwrap_or("-"), 32),
                clip(&a.summary(), MAX_SUMMARY),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String], sev: Option<Severity>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let padded = format!("{c}{}", " ".repeat(w - c.chars().count()));
                match (i, sev) {
                    (1, Some(s)) => paint(s, &padded),
                    _ => padded,
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    writeln!(out, "{}", line(&head, None))?;
    for (r, a) in rows.iter().zip(alerts) {
        writeln!(out, "{}", line(r, color.then_some(a.severity)))?;
    }
    let n = alerts.len();
    writeln!(out, "({n} alert{})", if n == 1 { "" } else { "s" })?;
    Ok(())
}
