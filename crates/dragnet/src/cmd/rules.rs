//! `dragnet rules`: list the loaded rules.

use std::io::Write;

use anyhow::Result;
use detect::rule::Level;
use kql_engine::{Engine, EngineConfig};
use serde_json::json;

use crate::cli::{ListFormat, RulesArgs};
use crate::cmd::rule_set;

/// Runs `rules`; 1 when a rule file has errors.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> Result<i32> {
    let (pack, mut failed) = rule_set::load(&args.sources)?;
    if args.check {
        let engine = Engine::new(crate::cmd::query::local_catalog(), EngineConfig::unlimited());
        for rule in &pack.rules {
            for d in detect::run::check_binding(&engine, rule) {
                eprintln!("dragnet: {d}");
                failed |= d.level == Level::Error;
            }
        }
    }
    match args.format {
        ListFormat::Json => {
            let rules: Vec<_> = pack
                .rules
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "name": r.name,
                        "severity": r.severity.as_str(),
                        "confidence": r.confidence.map(|c| c.as_str()),
                        "kind": r.kind.as_str(),
                        "tactics": r.tactics,
                        "techniques": r.techniques,
                        "tests": r.tests.len(),
                        "origin": r.origin,
                    })
                })
                .collect();
            writeln!(out, "{}", json!({ "rules": rules }))?;
        }
        ListFormat::Table => {
            let rows: Vec<[String; 5]> = pack
                .rules
                .iter()
                .map(|r| {
                    [
                        r.id.clone(),
                        r.techniques.join(","),
                        r.severity.to_string(),
                        r.tests.len().to_string(),
                        r.name.clone(),
                    ]
                })
                .collect();
            let header = ["ID", "TECHNIQUES", "SEVERITY", "TESTS", "NAME"].map(String::from);
            let mut widths = header.clone().map(|h| h.len());
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            for r in std::iter::once(&header).chain(&rows) {
                let cells: Vec<String> =
                    r.iter().zip(widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
                writeln!(out, "{}", cells.join("  ").trim_end())?;
            }
            let n = rows.len();
            writeln!(out, "({n} rule{})", if n == 1 { "" } else { "s" })?;
        }
    }
    Ok(if failed { 1 } else { 0 })
}
