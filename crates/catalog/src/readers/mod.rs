//! One reader per vendor's published rule format, each into
//! [`CatalogRule`]s; the shared file walk and YAML conversion.

pub mod elastic;
pub mod panther;
pub mod sentinel;
pub mod sigma;
pub mod splunk;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::model::CatalogRule;

pub use yaml::yaml_to_json;

/// How deep a rule folder may nest.
const MAX_DIR_DEPTH: usize = 32;

/// The files under `dir` whose names end with one of `exts`, sorted; folders
/// named `deprecated` or `_deprecated` (rules their vendor retired) are
/// left out.
pub fn files(dir: &Path, exts: &[&str]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", d.display())))?
        {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                if depth < MAX_DIR_DEPTH && name != "deprecated" && name != "_deprecated" && !name.starts_with('.') {
                    stack.push((path, depth + 1));
                }
            } else if ty.is_file() && exts.iter().any(|e| name.ends_with(e)) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `path` relative to `dir`, with `/` separators.
pub fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// A file that could not be read as a rule at all.
pub fn unreadable(vendor: crate::model::Vendor, dir: &Path, path: &Path, reason: String) -> CatalogRule {
    let rel = relative(dir, path);
    let mut rule = CatalogRule::new(vendor, rel.clone(), rel.clone(), rel, "unknown");
    rule.unanalysed("", reason);
    rule
}

/// Reads `dir` with the reader of `vendor` (its key: `elastic`, `splunk`...).
pub fn read_vendor(vendor: &str, dir: &Path, mapping: &crate::mapping::Mapping) -> Result<Vec<CatalogRule>, String> {
    let result = match vendor {
        "sigma" => sigma::read_dir(dir, mapping),
        "elastic" => elastic::read_dir(dir, mapping),
        "splunk" => splunk::read_dir(dir, mapping),
        "panther" => panther::read_dir(dir, mapping),
        "sentinel" => sentinel::read_dir(dir, mapping),
        _ => return Err(format!("no reader for `{vendor}`")),
    };
    result.map_err(|e| format!("{}: {e}", dir.display()))
}
