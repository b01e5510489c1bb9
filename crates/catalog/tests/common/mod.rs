//! Building the catalog site from a copy of the fixture rules.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use catalog::cache::ReadStats;
use catalog::mapping::Mapping;
use catalog::mitre::Attack;
use catalog::model::Vendor;
use catalog::output::Out;

/// An Elastic rule whose title, id, tags and values are markup: on the
/// site they must show as text.
pub const EVIL_RULE: &str = r#"[rule]
name = "<script>window.pwned = 1</script><img src=x onerror=alert(1)> & \"quoted\""
rule_id = "'\"><svg onload=alert(2)>"
type = "query"
language = "kuery"
query = 'process.name : "<svg onload=alert(3)>" and not user.name : "</td></tr><b>x"'

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1552"
name = "<i>Unsecured</i>"
[[rule.threat.technique.subtechnique]]
id = "T1552.007"
name = "Container API"
[rule.threat.tactic]
id = "TA0006"
name = "<b>Credential Access</b>"
"#;

/// The fixture rules' folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fresh scratch folder under the target's temporary folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the folder `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Each vendor's folder under `rules`.
pub fn vendor_dirs(rules: &Path) -> Vec<(Vendor, PathBuf)> {
    Vendor::ALL.iter().map(|v| (*v, rules.join(v.key()))).collect()
}

/// Builds the catalog of the rules under `rules` into `out` (through the
/// read cache there); per vendor how its files were read, and the files.
pub fn build(rules: &Path, out: &Path) -> (Vec<ReadStats>, Out) {
    let (cat, summaries, stats) =
        catalog::output::read_all_cached(&vendor_dirs(rules), &Mapping::shipped(), &out.join(".cache")).unwrap();
    let (_, files) = catalog::output::write(out, &cat, &summaries, &Attack::shipped(), &|_| {}).unwrap();
    (stats, files)
}

/// Every `.html` file under `dir`, relative, sorted.
pub fn html_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}
