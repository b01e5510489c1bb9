//! `assets/search-index.js`: what the search box looks through (every
//! technique and every rule, with the page of each), as a script that sets
//! `window.dragnetSearch`, so that search works from a file system too,
//! where a page may not fetch a JSON file.

use serde_json::json;

use super::{RuleFiles, Site, technique};

/// The script.
pub fn index(site: &Site, files: &RuleFiles) -> String {
    let mut entries = Vec::with_capacity(site.pages.len() + site.catalog.rules.len());
    for p in site.pages {
        let total: usize = p.rules_per_vendor.iter().map(|(_, n)| n).sum();
        entries.push(json!([p.id, p.name.as_deref().unwrap_or(""), format!("{total} rules"), technique::file(&p.id)]));
    }
    for (i, r) in site.catalog.rules.iter().enumerate() {
        entries.push(json!([r.title, r.id, format!("{} {}", r.vendor.name(), r.techniques.join(" ")), files.file(i)]));
    }
    format!(
        "// [label, second label, detail, page] per technique and rule; read by search.js.\nwindow.dragnetSearch = {};\n",
        serde_json::Value::Array(entries)
    )
}
