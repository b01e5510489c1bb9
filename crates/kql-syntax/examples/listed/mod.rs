//! Reviewed lists of corpus queries (`scripts/kql-corpus/*.tsv`: source,
//! path, line, reason, then an optional note), matched to the extracted
//! files through the corpus's `manifest.tsv` (file, path, kind, line).
//! Shared by the `corpus` example of kql-syntax and the `bind_corpus`
//! example of kql-engine.

use std::collections::HashMap;
use std::path::Path;

/// What a list says of one query.
#[derive(Clone, Debug)]
#[allow(dead_code)] // the parse report reads only which files are listed
pub struct Listed {
    pub reason: String,
    pub note: String,
}

/// The corpus files (`<source>/<NNNNN>.kql`, relative to `root`) that
/// `list` names, with what it says of each. No list, no files.
pub fn load(root: &Path, list: Option<&str>) -> HashMap<String, Listed> {
    let mut out = HashMap::new();
    let Some(list) = list else { return out };
    let text = std::fs::read_to_string(list).unwrap_or_else(|e| panic!("read {list}: {e}"));
    let mut listed: HashMap<(String, String, String), Listed> = HashMap::new();
    for l in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() >= 4 {
            let what = Listed { reason: f[3].to_string(), note: f.get(4).copied().unwrap_or("").to_string() };
            listed.insert((f[0].to_string(), f[1].to_string(), f[2].to_string()), what);
        }
    }
    let manifest = std::fs::read_to_string(root.join("manifest.tsv")).expect("read manifest.tsv");
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 4 {
            continue;
        }
        let source = f[0].split('/').next().unwrap_or("").to_string();
        if let Some(what) = listed.get(&(source, f[1].to_string(), f[3].to_string())) {
            out.insert(f[0].to_string(), what.clone());
        }
    }
    out
}
