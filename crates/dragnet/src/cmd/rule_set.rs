//! Loading the rule set a command works on: the built-in pack, then each
//! `--rules` folder over it.

use anyhow::{Context, Result};
use detect::RulePack;

use crate::cli::RuleSources;

/// The rules, with every problem printed to stderr (`dragnet: ` first).
/// Returns the pack and whether any file had errors.
pub fn load(sources: &RuleSources) -> Result<(RulePack, bool)> {
    let mut pack = if sources.no_builtin { RulePack::default() } else { RulePack::builtin() };
    for dir in &sources.rules {
        let more = RulePack::load_dir(dir).with_context(|| format!("cannot read rules from {}", dir.display()))?;
        pack.overlay(more);
    }
    for d in &pack.diagnostics {
        eprintln!("dragnet: {d}");
    }
    let failed = pack.errors().next().is_some();
    Ok((pack, failed))
}
