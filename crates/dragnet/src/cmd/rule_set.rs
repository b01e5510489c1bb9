//! Loading the rule set a command works on: the built-in pack, then each
//! `--rules` folder over it, Sigma rules compiled with `--sigma-mapping`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use detect::RulePack;
use sigma::Mapping;

use crate::cli::RuleSources;

/// The rules, with every problem printed to stderr (`dragnet: ` first).
/// Returns the pack and whether any file had errors.
pub fn load(sources: &RuleSources) -> Result<(RulePack, bool)> {
    let pack = load_quiet(sources)?;
    for d in &pack.diagnostics {
        eprintln!("dragnet: {d}");
    }
    let failed = pack.errors().next().is_some();
    Ok((pack, failed))
}

/// The rules, with their problems in [`RulePack::diagnostics`], printing
/// nothing.
pub fn load_quiet(sources: &RuleSources) -> Result<RulePack> {
    let mapping = sigma_mapping(sources.sigma_mapping.as_deref())?;
    let mut pack = if sources.no_builtin { RulePack::default() } else { RulePack::builtin() };
    pack.sigma.mapping = mapping.clone();
    for dir in &sources.rules {
        let more = RulePack::load_dir_with(dir, mapping.clone())
            .with_context(|| format!("cannot read rules from {}", dir.display()))?;
        pack.overlay(more);
    }
    pack.check_sigma_references();
    Ok(pack)
}

/// The Sigma mapping in `path` (`None`: the shipped one). A file with
/// problems is an error listing them.
pub fn sigma_mapping(path: Option<&Path>) -> Result<Option<Arc<Mapping>>> {
    let Some(path) = path else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the Sigma mapping {}", path.display()))?;
    let (mapping, diags) = Mapping::parse(&text, &path.display().to_string());
    if !diags.is_empty() {
        let list: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        bail!("the Sigma mapping has errors:\n{}", list.join("\n"));
    }
    Ok(Some(Arc::new(mapping)))
}
