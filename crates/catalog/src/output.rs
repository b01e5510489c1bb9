//! Building a catalog from the vendors' folders and writing it out: JSON
//! (the data a static site is rendered from) and Markdown per technique.
//!
//! Layout of the output folder:
//! - `.cache/`: the read cache ([`crate::cache`]);
//! - `summary.json`: per vendor, the folder read and rules read, fully,
//!   partially and not analysed;
//! - `rules.json`: every rule in the normalised form;
//! - `index.json`, `index.md`: every technique with its rules per vendor;
//! - `techniques/<id>.json`, `techniques/<id>.md`: one page per technique;
//! - the static site ([`crate::site`]): `index.html`, `techniques/<id>.html`,
//!   `vendors/`, `rules/`, `assets/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use crate::analysis::{Catalog, TechniquePage};
use crate::cache::ReadStats;
use crate::mapping::Mapping;
use crate::mitre::Attack;
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

impl VendorSummary {
    /// The summary of `rules`, read by `vendor` from `dir`.
    pub fn of(vendor: Vendor, dir: String, rules: &[CatalogRule]) -> VendorSummary {
        let count = |a: Analysis| rules.iter().filter(|r| r.analysis() == a).count();
        VendorSummary {
            vendor,
            dir,
            rules: rules.len(),
            full: count(Analysis::Full),
            partial: count(Analysis::Partial),
            none: count(Analysis::None),
        }
    }
}

/// One vendor's folder and the rules read from it.
type VendorRules = (Vendor, PathBuf, Vec<CatalogRule>, ReadStats);

/// Reads every vendor folder given, one thread per vendor.
pub fn read_all(dirs: &[(Vendor, PathBuf)], mapping: &Mapping) -> Result<(Catalog, Vec<VendorSummary>), String> {
    read_all_with(dirs, mapping, None).map(|(c, s, _)| (c, s))
}

/// [`read_all`] through the read cache in `cache_dir` (see
/// [`crate::cache`]); also says, per vendor, how many files were parsed
/// and how many came from the cache.
pub fn read_all_cached(
    dirs: &[(Vendor, PathBuf)],
    mapping: &Mapping,
    cache_dir: &Path,
) -> Result<(Catalog, Vec<VendorSummary>, Vec<ReadStats>), String> {
    read_all_with(dirs, mapping, Some(cache_dir))
}

fn read_all_with(
    dirs: &[(Vendor, PathBuf)],
    mapping: &Mapping,
    cache_dir: Option<&Path>,
) -> Result<(Catalog, Vec<VendorSummary>, Vec<ReadStats>), String> {
    let results: Vec<Result<VendorRules, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|(v, dir)| {
                s.spawn(move || {
                    if !dir.is_dir() {
                        return Err(format!("{}: not a folder (given for {})", dir.display(), v.name()));
                    }
                    let (rules, stats) = match cache_dir {
                        Some(c) => crate::cache::read_vendor(*v, dir, mapping, c)
                            .map_err(|e| format!("{}: {e}", dir.display()))?,
                        None => (readers::read_vendor(v.key(), dir, mapping)?, ReadStats::default()),
                    };
                    Ok((*v, dir.clone(), rules, stats))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a reader stopped unexpectedly".into()))).collect()
    });
    let mut rules = Vec::new();
    let mut summaries = Vec::new();
    let mut stats = Vec::new();
    for r in results {
        let (vendor, dir, mut read, st) = r?;
        summaries.push(VendorSummary::of(vendor, dir.display().to_string(), &read));
        stats.push(st);
        rules.append(&mut read);
    }
    Ok((Catalog::new(rules), summaries, stats))
}

/// Files written into an output folder: each only when its bytes differ
/// from what the folder holds, and, with [`Out::prune`], the files an
/// earlier build wrote and this one did not removed.
pub struct Out {
    dir: PathBuf,
    /// Set for an output kept in memory ([`Out::memory`]): path → bytes.
    memory: Option<BTreeMap<String, Vec<u8>>>,
    put: std::collections::HashSet<PathBuf>,
    /// Every file this build put, written or not, below the folder.
    written_rel: Vec<String>,
    /// Files written (new or changed).
    pub written: usize,
    /// Their paths below the folder, in the order written.
    pub changed: Vec<String>,
    /// Files left as they were (same bytes).
    pub unchanged: usize,
    /// Files of an earlier build removed by [`Out::prune`].
    pub removed: usize,
}

impl Out {
    /// Output into `dir` (created if missing).
    pub fn new(dir: &Path) -> std::io::Result<Out> {
        std::fs::create_dir_all(dir)?;
        Ok(Out {
            dir: dir.to_path_buf(),
            memory: None,
            put: Default::default(),
            written_rel: Vec::new(),
            written: 0,
            changed: Vec::new(),
            unchanged: 0,
            removed: 0,
        })
    }

    /// Output kept in memory (a site served without a folder): every put
    /// file is in [`Out::into_files`].
    pub fn memory() -> Out {
        Out {
            dir: PathBuf::new(),
            memory: Some(BTreeMap::new()),
            put: Default::default(),
            written_rel: Vec::new(),
            written: 0,
            changed: Vec::new(),
            unchanged: 0,
            removed: 0,
        }
    }

    /// The files of an output kept in memory, by their `/`-separated path
    /// (empty for an output into a folder).
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        self.memory.unwrap_or_default()
    }

    /// Writes `bytes` to `rel` (a `/`-separated path below the folder)
    /// unless the file already holds exactly them.
    pub fn put(&mut self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(files) = &mut self.memory {
            files.insert(rel.to_string(), bytes.to_vec());
            self.written += 1;
            return Ok(());
        }
        let path = self.dir.join(rel);
        if self.put.insert(path.clone()) {
            self.written_rel.push(rel.to_string());
        }
        match std::fs::read(&path) {
            Ok(old) if old == bytes => {
                self.unchanged += 1;
                return Ok(());
            }
            _ => {}
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        self.written += 1;
        self.changed.push(rel.to_string());
        Ok(())
    }

    /// Removes the files an earlier build wrote (listed in `manifest`, a
    /// path below the folder) that this one did not (the page of a rule or
    /// technique no longer read), then lists this build's files there. Only
    /// files a build wrote are ever removed, whatever else the folder holds.
    pub fn prune(&mut self, manifest: &str) -> std::io::Result<()> {
        if self.memory.is_some() {
            return Ok(());
        }
        let list = self.dir.join(manifest);
        let old = std::fs::read_to_string(&list).unwrap_or_default();
        for rel in old.lines() {
            let rel_path = Path::new(rel);
            let plain = rel_path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
            let path = self.dir.join(rel_path);
            if rel.is_empty() || !plain || self.put.contains(&path) {
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => self.removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            }
        }
        let mut now: Vec<&str> = self.written_rel.iter().map(String::as_str).collect();
        now.sort_unstable();
        if let Some(parent) = list.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&list, now.join("\n") + "\n")
    }
}

/// Writes the catalog into `out`: the JSON and Markdown, then the static
/// site (see [`crate::site`]); a file is rewritten only when its content
/// changed. `decorate` adds to each page what the caller knows (dragnet's
/// own detections). Returns the technique pages and the files written.
pub fn write(
    out: &Path,
    catalog: &Catalog,
    summaries: &[VendorSummary],
    attack: &Attack,
    decorate: &dyn Fn(&mut TechniquePage),
) -> std::io::Result<(usize, Out)> {
    let mut o = Out::new(out)?;
    let pages = write_into(&mut o, catalog, summaries, attack, decorate)?;
    Ok((pages, o))
}

/// [`write`] through a given [`Out`] (such as [`Out::memory`]); returns
/// the number of technique pages.
pub fn write_into(
    o: &mut Out,
    catalog: &Catalog,
    summaries: &[VendorSummary],
    attack: &Attack,
    decorate: &dyn Fn(&mut TechniquePage),
) -> std::io::Result<usize> {
    o.put("summary.json", &json_bytes(&json!({ "vendors": summaries }))?)?;
    o.put("rules.json", &json_bytes(&catalog.rules)?)?;
    let mut index = Vec::new();
    let mut md = String::from("# Detection catalog\n\n| Technique | Name | Rules | Per vendor |\n|---|---|---:|---|\n");
    let mut pages = Vec::new();
    let site = crate::site::Writer::new(catalog, attack);
    for id in catalog.techniques().keys() {
        let mut page = catalog.page(id);
        page.apply_attack(attack);
        decorate(&mut page);
        o.put(&format!("techniques/{id}.json"), &json_bytes(&page)?)?;
        o.put(&format!("techniques/{id}.md"), crate::render::markdown(&page).as_bytes())?;
        let per: BTreeMap<&str, usize> = page.rules_per_vendor.iter().map(|(v, n)| (v.key(), *n)).collect();
        let total: usize = per.values().sum();
        let per_text: Vec<String> = page.rules_per_vendor.iter().map(|(v, n)| format!("{} {n}", v.name())).collect();
        md.push_str(&format!(
            "| [{id}](techniques/{id}.md) | {} | {total} | {} |\n",
            page.name.as_deref().unwrap_or(""),
            per_text.join(", ")
        ));
        index.push(json!({ "id": id, "name": page.name, "tactics": page.tactics, "rules": total, "per_vendor": per }));
        site.technique(o, &page)?;
        pages.push(crate::site::TechniqueSummary::of(&page));
    }
    o.put("index.json", &json_bytes(&json!({ "techniques": index }))?)?;
    o.put("index.md", md.as_bytes())?;
    site.finish(o, &crate::site::Site { catalog, summaries, attack, pages: &pages })?;
    o.prune(".cache/files.txt")?;
    Ok(pages.len())
}

/// `value` as compact JSON.
fn json_bytes<T: Serialize + ?Sized>(value: &T) -> std::io::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(std::io::Error::other)
}
