//! Embeds the shipped rule pack (`rules/*/rule.yaml` at the repository
//! root) and the logs of its tests (`rules/*/tests/*`) in the library, so
//! an installed binary has its rules, and can test them, without the
//! source tree.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let rules = manifest.join("../../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let (mut files, mut logs) = (Vec::new(), Vec::new());
    collect(&rules, false, &mut files, &mut logs);
    files.sort();
    logs.sort();
    let mut out = String::new();
    embed(&mut out, &rules, "The shipped rules", "BUILTIN_RULES", "&str", "include_str", &files);
    embed(
        &mut out,
        &rules,
        "The logs of the shipped rules' tests",
        "BUILTIN_TEST_LOGS",
        "&[u8]",
        "include_bytes",
        &logs,
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(dest, out).expect("write builtin_rules.rs");
}

/// Writes `const NAME: &[(&str, TYPE)]` holding each of `files` (path from
/// the repository root, contents included with `include`).
fn embed(out: &mut String, rules: &Path, doc: &str, name: &str, ty: &str, include: &str, files: &[PathBuf]) {
    out.push_str(&format!("/// {doc}: (path from the repository root, contents).\n"));
    out.push_str(&format!("pub const {name}: &[(&str, {ty})] = &[\n"));
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(rules).expect("under rules/");
        let path = format!("rules/{}", rel.to_string_lossy().replace('\\', "/"));
        let abs = f.canonicalize().expect("a file found under rules/");
        out.push_str(&format!("    ({path:?}, {include}!({:?})),\n", abs.to_string_lossy()));
    }
    out.push_str("];\n");
}

/// Every `*.yaml` / `*.yml` file under `dir`, recursively, into `rules`;
/// every file in or under a `tests` folder into `logs`. Hidden files are
/// left out, as the rule loader does.
fn collect(dir: &Path, in_tests: bool, rules: &mut Vec<PathBuf>, logs: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            let tests = in_tests || p.file_name().is_some_and(|n| n == "tests");
            collect(&p, tests, rules, logs);
        } else if in_tests {
            logs.push(p);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            rules.push(p);
        }
    }
}
