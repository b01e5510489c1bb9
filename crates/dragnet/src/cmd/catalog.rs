//! `dragnet catalog build` and `dragnet catalog show`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use catalog::mapping::Mapping;
use catalog::mitre::Attack;
use catalog::model::Vendor;
use detect::pack::RulePack;

use crate::cli::{CatalogArgs, CatalogBuildArgs, CatalogCommand, CatalogShowArgs, CatalogSources, PageFormat};

/// Runs `catalog`.
pub fn run(args: &CatalogArgs, out: &mut dyn Write) -> Result<i32> {
    match &args.command {
        CatalogCommand::Build(a) => build(a, out),
        CatalogCommand::Show(a) => show(a, out),
    }
}

fn mapping(sources: &CatalogSources) -> Result<Mapping> {
    match &sources.mapping {
        None => Ok(Mapping::shipped()),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            Mapping::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
    }
}

/// The folders given, by vendor.
fn dirs(sources: &CatalogSources) -> Vec<(Vendor, PathBuf)> {
    [
        (Vendor::Sigma, &sources.sigma),
        (Vendor::Elastic, &sources.elastic),
        (Vendor::Splunk, &sources.splunk),
        (Vendor::Panther, &sources.panther),
        (Vendor::Sentinel, &sources.sentinel),
    ]
    .into_iter()
    .filter_map(|(v, d)| d.clone().map(|d| (v, d)))
    .collect()
}

fn build(args: &CatalogBuildArgs, out: &mut dyn Write) -> Result<i32> {
    let dirs = dirs(&args.sources);
    if dirs.is_empty() {
        bail!("catalog build: give at least one of --sigma, --elastic, --splunk, --panther, --sentinel");
    }
    let mapping = mapping(&args.sources)?;
    let attack = match &args.attack {
        None => Attack::shipped(),
        Some(path) => Attack::from_stix(path).map_err(anyhow::Error::msg)?,
    };
    let (cat, summaries, stats) =
        catalog::output::read_all_cached(&dirs, &mapping, &args.out.join(".cache")).map_err(anyhow::Error::msg)?;
    let pack = RulePack::builtin();
    let (pages, files) = catalog::output::write(&args.out, &cat, &summaries, &attack, &|page| {
        serve::catalog_pages::decorate(&pack.rules, page)
    })
    .with_context(|| format!("writing the catalog into {}", args.out.display()))?;
    writeln!(
        out,
        "{:<9} {:>6} {:>6} {:>8} {:>6} {:>7} {:>7}  folder",
        "vendor", "rules", "full", "partial", "none", "parsed", "cached"
    )?;
    for (s, st) in summaries.iter().zip(&stats) {
        writeln!(
            out,
            "{:<9} {:>6} {:>6} {:>8} {:>6} {:>7} {:>7}  {}",
            s.vendor.name(),
            s.rules,
            s.full,
            s.partial,
            s.none,
            st.parsed,
            st.reused,
            s.dir
        )?;
    }
    writeln!(
        out,
        "{pages} technique pages; {} files written, {} unchanged, {} removed in {} (open index.html)",
        files.written,
        files.unchanged,
        files.removed,
        args.out.display()
    )?;
    Ok(0)
}

fn show(args: &CatalogShowArgs, out: &mut dyn Write) -> Result<i32> {
    let id = args.technique.trim().to_ascii_uppercase();
    if catalog::attack::technique_id(&id).is_none() {
        bail!("catalog show: `{}` is not an ATT&CK technique id (T1234 or T1234.001)", args.technique);
    }
    if let Some(dir) = &args.catalog {
        let ext = match args.format {
            PageFormat::Markdown => "md",
            PageFormat::Json => "json",
        };
        let path = dir.join("techniques").join(format!("{id}.{ext}"));
        if !path.is_file() {
            if !dir.join("index.json").is_file() {
                bail!("{}: not a catalog built by `dragnet catalog build` (no index.json)", dir.display());
            }
            bail!("{id}: no rule of the catalog in {} is tagged with it", dir.display());
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
        out.write_all(text.as_bytes())?;
        return Ok(0);
    }
    let dirs = dirs(&args.sources);
    if dirs.is_empty() {
        bail!("catalog show: give --catalog DIR, or the rule folders to build it from");
    }
    let mapping = mapping(&args.sources)?;
    let (cat, _) = catalog::output::read_all(&dirs, &mapping).map_err(anyhow::Error::msg)?;
    let mut page = cat.page(&id);
    page.apply_attack(&Attack::shipped());
    serve::catalog_pages::decorate(&RulePack::builtin().rules, &mut page);
    match args.format {
        PageFormat::Markdown => out.write_all(catalog::render::markdown(&page).as_bytes())?,
        PageFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&page)?)?,
    }
    Ok(0)
}
