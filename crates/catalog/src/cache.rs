//! The read cache of a catalog folder (`.cache/<vendor>.json`): each rule
//! file's rules, keyed by the file's path, size, modification time and
//! SHA-256, with the same for the files beside it that its reading opened
//! (Panther's Python). A rebuild reads and parses only the files whose
//! stamp changed: a file whose size and time are unchanged is not opened;
//! one whose time changed but whose bytes hash the same is not parsed. A
//! change of the vendor's shared files (Splunk's macros, Panther's global
//! helpers), of the mapping, of the folder or of dragnet's version reads
//! the vendor's folder again whole.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};
use crate::readers::{self, Layout, Shared};

/// Changes whenever the cached form or what readers produce changes.
const FORMAT: &str = concat!("catalog-cache-2 ", env!("CARGO_PKG_VERSION"));

/// How a vendor's folder was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// Rule files read and parsed.
    pub parsed: usize,
    /// Rule files whose rules came from the cache.
    pub reused: usize,
}

/// A file as it was when read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    mtime_ns: u64,
    sha256: String,
}

/// The files beside a rule file that its reading opened, by name (`None`:
/// missing).
type Sides = Vec<(String, Option<Stamp>)>;

/// A rule file's cached rules.
#[derive(Debug, Clone, Deserialize)]
struct Entry {
    stamp: Stamp,
    /// Files beside it that its reading opened.
    side: Sides,
    rules: Vec<CatalogRule>,
}

/// [`Entry`] as written, borrowing the rules.
#[derive(Serialize)]
struct EntryRef<'a> {
    stamp: &'a Stamp,
    side: &'a [(String, Option<Stamp>)],
    rules: &'a [CatalogRule],
}

/// [`VendorCache`] as written.
#[derive(Serialize)]
struct VendorCacheRef<'a> {
    format: &'a str,
    mapping: &'a str,
    root: &'a str,
    shared: &'a [(String, Stamp)],
    files: HashMap<&'a str, EntryRef<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct VendorCache {
    format: String,
    mapping: String,
    root: String,
    shared: Vec<(String, Stamp)>,
    files: HashMap<String, Entry>,
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Size and modification time of `path`, without reading it.
fn meta(path: &Path) -> std::io::Result<(u64, u64)> {
    let m = std::fs::metadata(path)?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    Ok((m.len(), mtime))
}

/// `path` against `old`: `Ok(None)` when unchanged (not read if its size
/// and time are the same), else its bytes and new stamp.
fn check(path: &Path, old: Option<&Stamp>) -> std::io::Result<(Stamp, Option<Vec<u8>>)> {
    let (size, mtime_ns) = meta(path)?;
    if let Some(old) = old
        && old.size == size
        && old.mtime_ns == mtime_ns
    {
        return Ok((old.clone(), None));
    }
    let bytes = std::fs::read(path)?;
    let stamp = Stamp { size: bytes.len() as u64, mtime_ns, sha256: sha256_hex(&bytes) };
    if old.is_some_and(|o| o.sha256 == stamp.sha256) {
        return Ok((stamp, None));
    }
    Ok((stamp, Some(bytes)))
}

/// Whether the side files of `entry` beside `path` are as they were.
fn sides_unchanged(path: &Path, entry: &Entry) -> bool {
    entry.side.iter().all(|(name, old)| {
        let p = path.parent().map(|d| d.join(name));
        match (p.filter(|p| p.is_file()), old) {
            (None, None) => true,
            (Some(p), Some(old)) => matches!(check(&p, Some(old)), Ok((_, None))),
            _ => false,
        }
    })
}

/// Reads `dir` with `vendor`'s reader, through the cache in `cache_dir`
/// (written back when done).
pub fn read_vendor(
    vendor: Vendor,
    dir: &Path,
    mapping: &Mapping,
    cache_dir: &Path,
) -> std::io::Result<(Vec<CatalogRule>, ReadStats)> {
    let layout = readers::layout(vendor, dir)?;
    let cache_file = cache_dir.join(format!("{}.json", vendor.key()));
    let root = layout.root.display().to_string();
    let old: VendorCache = std::fs::read(&cache_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|c: &VendorCache| c.format == FORMAT && c.mapping == mapping.fingerprint() && c.root == root)
        .unwrap_or_default();

    let mut shared_stamps = Vec::new();
    let mut shared_same = old.shared.len() == layout.shared.len();
    for path in &layout.shared {
        let rel = readers::relative(&layout.root, path);
        let before = old.shared.iter().find(|(p, _)| *p == rel).map(|(_, s)| s);
        let (stamp, changed) = check(path, before).map_err(|e| with_path(path, e))?;
        shared_same &= before.is_some() && changed.is_none();
        shared_stamps.push((rel, stamp));
    }
    let shared: OnceLock<std::io::Result<Shared>> = OnceLock::new();
    let shared_ctx = |layout: &Layout| -> std::io::Result<&Shared> {
        shared
            .get_or_init(|| readers::shared(layout))
            .as_ref()
            .map_err(|e| std::io::Error::new(e.kind(), e.to_string()))
    };

    let mut stats = ReadStats::default();
    let mut old_files = if shared_same { old.files } else { HashMap::new() };
    // Each file's stamps and the range of its rules in `rules`: the cache
    // written back borrows the rules instead of holding a second copy.
    let mut kept: Vec<(String, Stamp, Sides, std::ops::Range<usize>)> = Vec::new();
    let mut rules = Vec::new();
    for path in &layout.files {
        let rel = readers::relative(&layout.root, path);
        let before = old_files.remove(&rel);
        let (stamp, changed) = check(path, before.as_ref().map(|e| &e.stamp)).map_err(|e| with_path(path, e))?;
        let start = rules.len();
        let side = match (before, changed) {
            (Some(e), None) if sides_unchanged(path, &e) => {
                stats.reused += 1;
                rules.extend(e.rules);
                e.side
            }
            (_, bytes) => {
                let bytes = match bytes {
                    Some(b) => b,
                    None => std::fs::read(path).map_err(|e| with_path(path, e))?,
                };
                stats.parsed += 1;
                let side = std::cell::RefCell::new(Vec::new());
                let read_side = |name: &str| {
                    let p = path.parent().map(|d| d.join(name));
                    let bytes = p.as_ref().and_then(|p| std::fs::read(p).ok());
                    let stamp = match (&p, &bytes) {
                        (Some(p), Some(b)) => {
                            meta(p).ok().map(|(size, mtime_ns)| Stamp { size, mtime_ns, sha256: sha256_hex(b) })
                        }
                        _ => None,
                    };
                    side.borrow_mut().push((name.to_string(), stamp));
                    bytes.and_then(|b| String::from_utf8(b).ok())
                };
                rules.extend(readers::read_file(&layout, shared_ctx(&layout)?, path, &bytes, &read_side, mapping)?);
                side.into_inner()
            }
        };
        kept.push((rel, stamp, side, start..rules.len()));
    }
    let new = VendorCacheRef {
        format: FORMAT,
        mapping: mapping.fingerprint(),
        root: &root,
        shared: &shared_stamps,
        files: kept
            .iter()
            .map(|(rel, stamp, side, range)| {
                (rel.as_str(), EntryRef { stamp, side, rules: rules.get(range.clone()).unwrap_or_default() })
            })
            .collect(),
    };
    std::fs::create_dir_all(cache_dir)?;
    let write = || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&cache_file)?);
        serde_json::to_writer(&mut w, &new).map_err(std::io::Error::other)?;
        std::io::Write::flush(&mut w)
    };
    write().map_err(|e| with_path(&cache_file, e))?;
    drop(new);
    Ok((rules, stats))
}

fn with_path(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
