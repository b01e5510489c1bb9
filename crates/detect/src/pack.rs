//! Rule packs: the rules shipped inside dragnet, and folders of rule files.

use std::path::{Path, PathBuf};

use crate::rule::{Level, Rule, RuleDiagnostic, parse};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// Largest rule file read; a bigger one is reported, not read.
pub const MAX_RULE_FILE: u64 = 1 << 20;

/// How deep a rule folder is searched.
const MAX_DEPTH: usize = 16;

/// The log of a shipped rule's test, by its path from the repository root
/// (`rules/<rule>/tests/<file>`).
pub fn builtin_test_log(path: &str) -> Option<&'static [u8]> {
    builtin::BUILTIN_TEST_LOGS.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

/// A set of rules, with the problems found loading them.
#[derive(Debug, Clone, Default)]
pub struct RulePack {
    /// The rules that loaded, in file order.
    pub rules: Vec<Rule>,
    /// Errors (of the files that did not load) and warnings.
    pub diagnostics: Vec<RuleDiagnostic>,
}

impl RulePack {
    /// The rules shipped with dragnet (`rules/` at build time).
    pub fn builtin() -> RulePack {
        let mut pack = RulePack::default();
        for (path, text) in builtin::BUILTIN_RULES {
            pack.add_text(text, &format!("builtin:{path}"));
        }
        pack
    }

    /// Every `*.yaml` / `*.yml` file under `dir`, recursively, in path
    /// order; `tests` folders hold rule tests' logs and are not searched.
    /// A file that cannot be read is an error diagnostic, not a failure.
    pub fn load_dir(dir: &Path) -> std::io::Result<RulePack> {
        let mut files = Vec::new();
        if dir.is_file() {
            files.push(dir.to_path_buf());
        } else {
            std::fs::read_dir(dir)?;
            collect(dir, 0, &mut files);
        }
        files.sort();
        let mut pack = RulePack::default();
        for f in files {
            pack.add_file(&f);
        }
        Ok(pack)
    }

    /// Reads and adds one file.
    pub fn add_file(&mut self, path: &Path) {
        let name = path.display().to_string();
        let fail = |msg: String| RuleDiagnostic {
            level: Level::Error,
            file: name.clone(),
            line: 1,
            column: 1,
            key: "file".into(),
            message: msg,
        };
        match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_RULE_FILE => {
                self.diagnostics.push(fail(format!("{} bytes; a rule file may hold at most {MAX_RULE_FILE}", m.len())))
            }
            Ok(_) => match std::fs::read(path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => self.add_text(&text, &name),
                    Err(e) => self.diagnostics.push(fail(format!("not UTF-8 text: {e}"))),
                },
                Err(e) => self.diagnostics.push(fail(format!("cannot read: {e}"))),
            },
            Err(e) => self.diagnostics.push(fail(format!("cannot read: {e}"))),
        }
    }

    /// Parses and adds one rule file's text. A rule whose id is already in
    /// the pack is an error.
    pub fn add_text(&mut self, text: &str, name: &str) {
        let (rule, diags) = parse(text, name);
        self.diagnostics.extend(diags);
        let Some(rule) = rule else { return };
        if let Some(first) = self.rules.iter().find(|r| r.id == rule.id) {
            self.diagnostics.push(RuleDiagnostic {
                level: Level::Error,
                file: name.to_string(),
                line: 1,
                column: 1,
                key: "id".into(),
                message: format!("{} is also the id of {}", rule.id, first.origin),
            });
            return;
        }
        self.rules.push(rule);
    }

    /// Adds `other`'s rules; a rule with the id of one already here
    /// replaces it.
    pub fn overlay(&mut self, other: RulePack) {
        for rule in other.rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
        self.diagnostics.extend(other.diagnostics);
    }

    /// The errors: files that did not load.
    pub fn errors(&self) -> impl Iterator<Item = &RuleDiagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The rule with `id`.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            collect(&p, depth + 1, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}
