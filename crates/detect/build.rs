//! Embeds the shipped rule pack (`rules/*/rule.yaml` at the repository
//! root) in the library, so an installed binary has its rules without the
//! source tree.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let rules = manifest.join("../../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut out = String::from("/// The shipped rules: (path from the repository root, file text).\n");
    out.push_str("pub const BUILTIN_RULES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&rules).expect("under rules/");
        let name = format!("rules/{}", rel.to_string_lossy().replace('\\', "/"));
        let abs = f.canonicalize().expect("rule file path");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", abs.to_string_lossy()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(dest, out).expect("write builtin_rules.rs");
}

/// Every `*.yaml` / `*.yml` file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}
