//! One reader per vendor's published rule format, each into
//! [`CatalogRule`]s; the shared file walk and YAML conversion.

pub mod elastic;
pub mod panther;
pub mod sentinel;
pub mod sigma;
pub mod splunk;
pub mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::lang::python::Helpers;
use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};

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
pub fn unreadable(vendor: Vendor, dir: &Path, path: &Path, reason: String) -> CatalogRule {
    let rel = relative(dir, path);
    let mut rule = CatalogRule::new(vendor, rel.clone(), rel.clone(), rel, "unknown");
    rule.unanalysed("", reason);
    rule
}

/// A vendor's folder laid out for reading: the rule files, and the files
/// every rule's reading depends on.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Whose.
    pub vendor: Vendor,
    /// The folder rule paths are given relative to.
    pub root: PathBuf,
    /// The rule files, sorted.
    pub files: Vec<PathBuf>,
    /// Files every rule depends on: Splunk's macros, Panther's global
    /// helpers.
    pub shared: Vec<PathBuf>,
}

/// What the shared files of a [`Layout`] give.
#[derive(Default)]
pub struct Shared {
    macros: HashMap<String, String>,
    helpers: Helpers,
}

/// The layout of `dir` for `vendor`'s reader.
pub fn layout(vendor: Vendor, dir: &Path) -> std::io::Result<Layout> {
    let (root, exts, shared): (PathBuf, &[&str], Vec<PathBuf>) = match vendor {
        Vendor::Sigma => (dir.to_path_buf(), &[".yml", ".yaml"], Vec::new()),
        Vendor::Elastic => (dir.to_path_buf(), &[".toml"], Vec::new()),
        Vendor::Splunk => {
            let (detections, macros) = splunk::folders(dir);
            let shared = if macros.is_dir() { files(&macros, &[".yml", ".yaml"])? } else { Vec::new() };
            (detections, &[".yml", ".yaml"], shared)
        }
        Vendor::Panther => {
            let shared = match panther::helpers_folder(dir) {
                Some(h) => files(&h, &[".py"])?,
                None => Vec::new(),
            };
            (dir.to_path_buf(), &[".yml", ".yaml"], shared)
        }
        Vendor::Sentinel => (dir.to_path_buf(), &[".yaml", ".yml", ".md", ".kql", ".csl", ".txt"], Vec::new()),
    };
    let files = files(&root, exts)?;
    Ok(Layout { vendor, root, files, shared })
}

/// Reads the shared files of `layout`.
pub fn shared(layout: &Layout) -> std::io::Result<Shared> {
    let mut texts = Vec::new();
    for path in &layout.shared {
        texts.push(read_text(path)?);
    }
    let mut out = Shared::default();
    match layout.vendor {
        Vendor::Splunk => out.macros = splunk::read_macros(&texts),
        Vendor::Panther => {
            for t in &texts {
                out.helpers.add_module(t);
            }
        }
        _ => {}
    }
    Ok(out)
}

/// The rules in one file of `layout` whose bytes are `bytes`; `side`
/// reads a file beside it by name (Panther's Python). A file that is not
/// UTF-8 is an error, except among Sentinel's (which mixes queries with
/// other files), where it holds no rule.
pub fn read_file(
    layout: &Layout,
    shared: &Shared,
    path: &Path,
    bytes: &[u8],
    side: &dyn Fn(&str) -> Option<String>,
    mapping: &Mapping,
) -> std::io::Result<Vec<CatalogRule>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) if layout.vendor == Vendor::Sentinel => return Ok(Vec::new()),
        Err(e) => {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())));
        }
    };
    let dir = &layout.root;
    Ok(match layout.vendor {
        Vendor::Sigma => sigma::read_file(dir, path, text, mapping),
        Vendor::Elastic => elastic::read_file(dir, path, text, mapping),
        Vendor::Splunk => splunk::read_file(dir, path, text, &shared.macros, mapping),
        Vendor::Panther => panther::read_file(dir, path, text, side, &shared.helpers, mapping),
        Vendor::Sentinel => sentinel::read_file(dir, path, text, mapping),
    })
}

/// A file beside `path`, by name, if it can be read as text.
pub fn beside(path: &Path, name: &str) -> Option<String> {
    path.parent().map(|p| p.join(name)).and_then(|p| std::fs::read_to_string(p).ok())
}

fn read_text(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// Reads `dir` with the reader of `vendor` (its key: `elastic`, `splunk`...).
pub fn read_vendor(vendor: &str, dir: &Path, mapping: &Mapping) -> Result<Vec<CatalogRule>, String> {
    let Some(v) = Vendor::ALL.into_iter().find(|v| v.key() == vendor) else {
        return Err(format!("no reader for `{vendor}`"));
    };
    let read = || -> std::io::Result<Vec<CatalogRule>> {
        let layout = layout(v, dir)?;
        let shared = shared(&layout)?;
        let mut out = Vec::new();
        for path in &layout.files {
            let bytes =
                std::fs::read(path).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            out.extend(read_file(&layout, &shared, path, &bytes, &|name| beside(path, name), mapping)?);
        }
        Ok(out)
    };
    read().map_err(|e| format!("{}: {e}", dir.display()))
}
