//! Building a catalog from the vendors' folders and writing it out: JSON
//! (the data a static site is rendered from) and Markdown per technique.
//!
//! Layout of the output folder:
//! - `summary.json`: per vendor, the folder read and rules read, fully,
//!   partially and not analysed;
//! - `rules.json`: every rule in the normalised form;
//! - `index.json`, `index.md`: every technique with its rules per vendor;
//! - `techniques/<id>.json`, `techniques/<id>.md`: one page per technique.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use crate::analysis::{Catalog, TechniquePage};
use crate::mapping::Mapping;
use crate::model::{Analysis, CatalogRule, Vendor};
use crate::readers;

/// How much of one vendor's folder was analysed.
#[derive(Debug, Clone, Serialize)]
pub struct VendorSummary {
    /// Whose.
    pub vendor: Vendor,
    /// The folder read.
    pub dir: String,
    /// Rules read.
    pub rules: usize,
    /// Fully analysed.
    pub full: usize,
    /// Partially.
    pub partial: usize,
    /// Not at all.
    pub none: usize,
}

/// One vendor's folder and the rules read from it.
type VendorRules = (Vendor, PathBuf, Vec<CatalogRule>);

/// Reads every vendor folder given, one thread per vendor.
pub fn read_all(dirs: &[(Vendor, PathBuf)], mapping: &Mapping) -> Result<(Catalog, Vec<VendorSummary>), String> {
    let results: Vec<Result<VendorRules, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|(v, dir)| {
                s.spawn(move || {
                    if !dir.is_dir() {
                        return Err(format!("{}: not a folder (given for {})", dir.display(), v.name()));
                    }
                    readers::read_vendor(v.key(), dir, mapping).map(|r| (*v, dir.clone(), r))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a reader stopped unexpectedly".into()))).collect()
    });
    let mut rules = Vec::new();
    let mut summaries = Vec::new();
    for r in results {
        let (vendor, dir, mut read) = r?;
        let count = |a: Analysis| read.iter().filter(|r| r.analysis() == a).count();
        summaries.push(VendorSummary {
            vendor,
            dir: dir.display().to_string(),
            rules: read.len(),
            full: count(Analysis::Full),
            partial: count(Analysis::Partial),
            none: count(Analysis::None),
        });
        rules.append(&mut read);
    }
    Ok((Catalog::new(rules), summaries))
}

/// Writes the catalog into `out`; `decorate` adds to each page what the
/// caller knows (dragnet's own detections, a name the rules do not carry).
/// Returns how many technique pages were written.
pub fn write(
    out: &Path,
    catalog: &Catalog,
    summaries: &[VendorSummary],
    decorate: &dyn Fn(&mut TechniquePage),
) -> std::io::Result<usize> {
    let pages_dir = out.join("techniques");
    std::fs::create_dir_all(&pages_dir)?;
    write_json(&out.join("summary.json"), &json!({ "vendors": summaries }))?;
    write_json(&out.join("rules.json"), &catalog.rules)?;
    let mut index = Vec::new();
    let mut md = String::from("# Detection catalog\n\n| Technique | Name | Rules | Per vendor |\n|---|---|---:|---|\n");
    let techniques = catalog.techniques();
    for id in techniques.keys() {
        let mut page = catalog.page(id);
        decorate(&mut page);
        write_json(&pages_dir.join(format!("{id}.json")), &page)?;
        std::fs::write(pages_dir.join(format!("{id}.md")), crate::render::markdown(&page))?;
        let per: BTreeMap<&str, usize> = page.rules_per_vendor.iter().map(|(v, n)| (v.key(), *n)).collect();
        let total: usize = per.values().sum();
        let per_text: Vec<String> = page.rules_per_vendor.iter().map(|(v, n)| format!("{} {n}", v.name())).collect();
        md.push_str(&format!(
            "| [{id}](techniques/{id}.md) | {} | {total} | {} |\n",
            page.name.as_deref().unwrap_or(""),
            per_text.join(", ")
        ));
        index.push(json!({ "id": id, "name": page.name, "tactics": page.tactics, "rules": total, "per_vendor": per }));
    }
    write_json(&out.join("index.json"), &json!({ "techniques": index }))?;
    std::fs::write(out.join("index.md"), md)?;
    Ok(techniques.len())
}

/// Writes `value` as compact JSON.
fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer(&mut w, value).map_err(std::io::Error::other)?;
    std::io::Write::flush(&mut w)
}
