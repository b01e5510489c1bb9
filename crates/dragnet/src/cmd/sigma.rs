//! `dragnet sigma convert`: the KQL each Sigma rule compiles to;
//! `dragnet sigma mapping`: the shipped mapping.

use std::io::Write;

use anyhow::{Context, Result};
use detect::RulePack;

use crate::cli::{SigmaArgs, SigmaCommand};
use crate::cmd::rule_set::sigma_mapping;

/// Runs `sigma`: 0 every rule converted (or the mapping printed), 1 some
/// rule has errors.
pub fn run(args: &SigmaArgs, out: &mut dyn Write) -> Result<i32> {
    let args = match &args.command {
        SigmaCommand::Convert(args) => args,
        SigmaCommand::Mapping => {
            out.write_all(sigma::mapping::DEFAULT_MAPPING.as_bytes())?;
            return Ok(0);
        }
    };
    let mapping = sigma_mapping(args.sigma_mapping.as_deref())?;
    let mut pack = RulePack {
        sigma: detect::pack::SigmaSet { mapping: mapping.clone(), ..Default::default() },
        ..Default::default()
    };
    for path in &args.rules {
        let more = RulePack::load_dir_with(path, mapping.clone())
            .with_context(|| format!("cannot read rules from {}", path.display()))?;
        pack.overlay(more);
    }
    pack.check_sigma_references();
    for d in &pack.diagnostics {
        eprintln!("dragnet: {d}");
    }
    let mut first = true;
    for sr in &pack.sigma.rules {
        let id = detect::sigma_rules::rule_id(sr);
        let Some(rule) = pack.get(&id) else { continue };
        if !first {
            writeln!(out)?;
        }
        first = false;
        writeln!(out, "// {} — {} ({})", rule.id, rule.name, rule.origin)?;
        writeln!(out, "{}", rule.query)?;
    }
    Ok(if pack.errors().next().is_some() { 1 } else { 0 })
}
