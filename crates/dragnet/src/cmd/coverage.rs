//! `dragnet coverage`: the ATT&CK Containers matrix and what covers it.

use std::io::Write;

use anyhow::Result;
use detect::attack::ATTACK_VERSION;
use detect::coverage::{coverage, totals};
use serde_json::json;

use crate::cli::{CoverageArgs, ListFormat};
use crate::cmd::rule_set;

/// Runs `coverage`; 1 when a rule file has errors.
pub fn run(args: &CoverageArgs, out: &mut dyn Write) -> Result<i32> {
    let (pack, failed) = rule_set::load(&args.sources)?;
    let matrix = coverage(&pack.rules);
    let (all, ruled, tested) = totals(&matrix);
    match args.format {
        ListFormat::Json => {
            let tactics: Vec<_> = matrix
                .iter()
                .map(|c| {
                    let techniques: Vec<_> = c
                        .cells
                        .iter()
                        .map(|cell| {
                            json!({
                                "id": cell.technique.id,
                                "name": cell.technique.name,
                                "rules": cell.rules,
                                "tests": cell.tests,
                                "rules_via_sub_techniques": cell.via_sub_techniques,
                            })
                        })
                        .collect();
                    json!({"tactic": c.name, "id": c.id, "techniques": techniques})
                })
                .collect();
            let doc = json!({
                "matrix": "ATT&CK Containers",
                "attack_version": ATTACK_VERSION,
                "techniques": all,
                "covered_by_rules": ruled,
                "covered_by_tests": tested,
                "tactics": tactics,
            });
            writeln!(out, "{doc}")?;
        }
        ListFormat::Table => {
            writeln!(
                out,
                "ATT&CK v{ATTACK_VERSION} Containers matrix: {ruled} of {all} techniques covered by rules, {tested} by tests"
            )?;
            writeln!(out, "R = a rule covers it, T = a covering rule has tests, r = rules cover a sub-technique")?;
            for c in &matrix {
                writeln!(out)?;
                writeln!(out, "{} ({})", c.name, c.id)?;
                for cell in &c.cells {
                    let mark = match (cell.rules.is_empty(), cell.tests > 0, cell.via_sub_techniques > 0) {
                        (false, true, _) => "R T",
                        (false, false, _) => "R  ",
                        (true, _, true) => "r  ",
                        (true, _, false) => "·  ",
                    };
                    let indent = if cell.technique.id.contains('.') { "  " } else { "" };
                    let mut line = format!("  {mark}  {indent}{:<11}{}", cell.technique.id, cell.technique.name);
                    if !cell.rules.is_empty() {
                        let n = cell.rules.len();
                        line.push_str(&format!("  [{n} rule{}, {} tests]", if n == 1 { "" } else { "s" }, cell.tests));
                    }
                    writeln!(out, "{}", line.trim_end())?;
                }
            }
        }
    }
    Ok(if failed { 1 } else { 0 })
}
