//! The catalog as a static site: `index.html` (the coverage heat map and
//! the techniques by tactic), `techniques/<id>.html` (the page of each
//! technique), `vendors/<vendor>.html` (a vendor's rules) and
//! `rules/<vendor>/<rule>.html` (one rule's predicates), `assets/`
//! (the style sheet, the search script and its index). Pages link with
//! relative paths and load nothing from outside the folder, so the site
//! works from a file system or any static web server.

mod html;
mod index;
mod rules;
mod search;
mod technique;

use std::collections::HashMap;

use crate::analysis::{Catalog, TechniquePage};
use crate::mitre::Attack;
use crate::model::Vendor;
use crate::output::{Out, VendorSummary};

pub use html::escape;

/// The style sheet.
const STYLE: &str = include_str!("style.css");
/// The search script.
const SEARCH: &str = include_str!("search.js");

/// What every page is rendered from.
pub struct Site<'a> {
    /// Every rule.
    pub catalog: &'a Catalog,
    /// Per vendor: rules read and analysed.
    pub summaries: &'a [VendorSummary],
    /// ATT&CK names and tactics.
    pub attack: &'a Attack,
    /// Every technique's page in short, sorted by id.
    pub pages: &'a [TechniqueSummary],
}

/// What the index and the search need of a technique's page.
#[derive(Debug, Clone)]
pub struct TechniqueSummary {
    /// `T1552.007`.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its tactics.
    pub tactics: Vec<String>,
    /// Rules per vendor.
    pub rules_per_vendor: Vec<(Vendor, usize)>,
}

impl TechniqueSummary {
    /// The summary of `page`.
    pub fn of(page: &TechniquePage) -> TechniqueSummary {
        TechniqueSummary {
            id: page.id.clone(),
            name: page.name.clone(),
            tactics: page.tactics.clone(),
            rules_per_vendor: page.rules_per_vendor.clone(),
        }
    }
}

/// Where each rule's page is: the path below the site's top, by the rule's
/// index in `catalog.rules`.
pub(crate) struct RuleFiles {
    files: Vec<String>,
    by_key: HashMap<(Vendor, String, String), usize>,
}

impl RuleFiles {
    fn new(catalog: &Catalog) -> RuleFiles {
        let mut used: HashMap<String, usize> = HashMap::new();
        let mut files = Vec::with_capacity(catalog.rules.len());
        let mut by_key = HashMap::new();
        for (i, r) in catalog.rules.iter().enumerate() {
            let base = format!("rules/{}/{}", r.vendor.key(), html::file_part(&r.id, 80));
            let n = used.entry(base.to_ascii_lowercase()).or_default();
            *n += 1;
            // Two rules with one id (or ids that differ only in case or in
            // characters a file name cannot hold) get numbered files.
            let file = if *n == 1 { format!("{base}.html") } else { format!("{base}-{n}.html") };
            files.push(file);
            by_key.entry((r.vendor, r.path.clone(), r.id.clone())).or_insert(i);
        }
        RuleFiles { files, by_key }
    }

    /// The page of rule `i`.
    fn file(&self, i: usize) -> &str {
        self.files.get(i).map_or("", String::as_str)
    }

    /// The page of the rule with this vendor, path and id.
    fn find(&self, vendor: Vendor, path: &str, id: &str) -> Option<&str> {
        self.by_key.get(&(vendor, path.to_string(), id.to_string())).map(|&i| self.file(i))
    }
}

/// Writes the site through an [`Out`]: each technique's page as it is
/// made ([`Writer::technique`], so that the pages are not all held at
/// once), then the rest ([`Writer::finish`]).
pub struct Writer<'a> {
    attack: &'a Attack,
    files: RuleFiles,
}

impl<'a> Writer<'a> {
    /// A writer for the site of `catalog`.
    pub fn new(catalog: &Catalog, attack: &'a Attack) -> Writer<'a> {
        Writer { attack, files: RuleFiles::new(catalog) }
    }

    /// Writes the page of one technique.
    pub fn technique(&self, out: &mut Out, page: &TechniquePage) -> std::io::Result<()> {
        out.put(&technique::file(&page.id), technique::page(self.attack, page, &self.files).as_bytes())
    }

    /// Writes the index, the vendors' and rules' pages, the search index
    /// and the assets.
    pub fn finish(&self, out: &mut Out, site: &Site) -> std::io::Result<()> {
        let files = &self.files;
        out.put("assets/style.css", STYLE.as_bytes())?;
        out.put("assets/search.js", SEARCH.as_bytes())?;
        out.put("assets/search-index.js", search::index(site, files).as_bytes())?;
        out.put("index.html", index::page(site).as_bytes())?;
        for v in Vendor::ALL {
            if site.summaries.iter().any(|s| s.vendor == v) {
                out.put(&rules::vendor_file(v), rules::vendor_page(site, v, files).as_bytes())?;
            }
        }
        for (i, r) in site.catalog.rules.iter().enumerate() {
            out.put(files.file(i), rules::rule_page(r).as_bytes())?;
        }
        Ok(())
    }
}

/// A shade for `n` of at most `max`: logarithmic, so one rule shows.
fn heat(n: usize, max: usize) -> f64 {
    if n == 0 || max == 0 { 0.0 } else { (n as f64).ln_1p() / (max as f64).ln_1p() }
}
