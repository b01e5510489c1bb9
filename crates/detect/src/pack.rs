//! Rule packs: the rules shipped inside dragnet, and folders of rule files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sigma::model::{Correlation, Document, SigmaFilter, SigmaRule};
use sigma::{Mapping, is_sigma};

use crate::rule::{Level, Rule, RuleDiagnostic, parse, parse_tests};
use crate::sigma_rules::{names, rule_id, to_rule};

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
    /// The Sigma documents behind the Sigma rules in `rules`.
    pub sigma: SigmaSet,
}

/// The Sigma documents of a pack: the rules (each also compiled into
/// [`RulePack::rules`]), the filters applied to them, the correlations,
/// and the mapping they compile with.
#[derive(Debug, Clone, Default)]
pub struct SigmaSet {
    /// Sigma detection rules that compiled.
    pub rules: Vec<SigmaRule>,
    /// Sigma filters (each applied to the rules it names).
    pub filters: Vec<SigmaFilter>,
    /// Correlation rules (run by `sigma_correlate` over the Sigma scans).
    pub correlations: Vec<Correlation>,
    /// The logsource and field mapping; `None` is the shipped one.
    pub mapping: Option<Arc<Mapping>>,
}

fn builtin_mapping() -> &'static Mapping {
    static MAPPING: OnceLock<Mapping> = OnceLock::new();
    MAPPING.get_or_init(Mapping::builtin)
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
        RulePack::load_dir_with(dir, None)
    }

    /// [`RulePack::load_dir`] compiling Sigma rules with `mapping` (`None`:
    /// the shipped one).
    pub fn load_dir_with(dir: &Path, mapping: Option<Arc<Mapping>>) -> std::io::Result<RulePack> {
        let mut files = Vec::new();
        if dir.is_file() {
            files.push(dir.to_path_buf());
        } else {
            std::fs::read_dir(dir)?;
            collect(dir, 0, &mut files);
        }
        files.sort();
        let mut pack = RulePack::default();
        pack.sigma.mapping = mapping;
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
                    Ok(text) => {
                        self.add_text(&text, &name);
                        if is_sigma(&text) {
                            self.add_sidecar_tests(path, &name);
                        }
                    }
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
        if is_sigma(text) {
            self.add_sigma(text, name);
            return;
        }
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

    /// The tests of the Sigma rules of `path` from the sidecar file beside
    /// it (`x.yml` → `x.tests.yaml` or `x.tests.yml`), when there is one.
    fn add_sidecar_tests(&mut self, path: &Path, name: &str) {
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else { return };
        let Some(sidecar) =
            ["yaml", "yml"].iter().map(|x| path.with_file_name(format!("{stem}.tests.{x}"))).find(|p| p.is_file())
        else {
            return;
        };
        let file = sidecar.display().to_string();
        let text = match std::fs::read_to_string(&sidecar) {
            Ok(t) => t,
            Err(e) => {
                self.diagnostics.push(RuleDiagnostic {
                    level: Level::Error,
                    file,
                    line: 1,
                    column: 1,
                    key: "file".into(),
                    message: format!("cannot read: {e}"),
                });
                return;
            }
        };
        let (tests, diags) = parse_tests(&text, &file);
        self.diagnostics.extend(diags);
        for rule in self.rules.iter_mut().filter(|r| r.origin == name) {
            rule.tests = tests.clone();
        }
    }

    /// Warns of Sigma filters and correlations that name a rule the pack
    /// does not have (by id or name). Call once every folder is loaded.
    pub fn check_sigma_references(&mut self) {
        let known = |n: &str, s: &SigmaSet| {
            s.rules.iter().any(|r| r.meta.id.as_deref() == Some(n) || r.meta.name.as_deref() == Some(n))
                || s.correlations.iter().any(|c| c.meta.id.as_deref() == Some(n) || c.meta.name.as_deref() == Some(n))
        };
        let mut found = Vec::new();
        for f in &self.sigma.filters {
            for n in f.rules.iter().filter(|n| !known(n, &self.sigma)) {
                found.push((f.meta.origin.clone(), f.meta.pos, "filter.rules", n.clone()));
            }
        }
        for c in &self.sigma.correlations {
            for n in c.rules.iter().filter(|n| !known(n, &self.sigma)) {
                found.push((c.meta.origin.clone(), c.meta.pos, "correlation.rules", n.clone()));
            }
        }
        for (file, pos, key, name) in found {
            self.diagnostics.push(RuleDiagnostic {
                level: Level::Warning,
                file,
                line: pos.line,
                column: pos.column,
                key: key.into(),
                message: format!("no Sigma rule loaded has the id or name `{name}`"),
            });
        }
    }

    /// The mapping Sigma rules compile with.
    pub fn sigma_mapping(&self) -> &Mapping {
        self.sigma.mapping.as_deref().unwrap_or_else(|| builtin_mapping())
    }

    /// Reads a Sigma file: its rules compiled (with the filters already
    /// here that name them), its filters applied to the rules they name.
    fn add_sigma(&mut self, text: &str, name: &str) {
        let (docs, diags) = sigma::load(text, name, &self.sigma_mapping().placeholders);
        self.diagnostics.extend(diags);
        for doc in docs {
            match doc {
                Document::Rule(r) => self.add_sigma_rule(*r),
                Document::Filter(f) => self.add_sigma_filter(*f),
                Document::Correlation(c) => {
                    self.sigma.correlations.push(*c);
                }
            }
        }
    }

    fn add_sigma_rule(&mut self, r: SigmaRule) {
        let id = rule_id(&r);
        if let Some(first) = self.rules.iter().find(|x| x.id == id) {
            self.diagnostics.push(RuleDiagnostic {
                level: Level::Error,
                file: r.meta.origin.clone(),
                line: r.meta.pos.line,
                column: r.meta.pos.column,
                key: "id".into(),
                message: format!("{id} is also the id of {}", first.origin),
            });
            return;
        }
        let filters: Vec<&SigmaFilter> = self.sigma.filters.iter().filter(|f| names(f, &r)).collect();
        match to_rule(&r, &filters, self.sigma_mapping()) {
            Ok((rule, warnings)) => {
                self.diagnostics.extend(warnings);
                self.rules.push(rule);
                self.sigma.rules.push(r);
            }
            Err(diags) => self.diagnostics.extend(diags),
        }
    }

    fn add_sigma_filter(&mut self, f: SigmaFilter) {
        self.sigma.filters.push(f);
        let Some(f) = self.sigma.filters.last() else { return };
        let named: Vec<SigmaRule> = self.sigma.rules.iter().filter(|r| names(f, r)).cloned().collect();
        for r in named {
            let filters: Vec<&SigmaFilter> = self.sigma.filters.iter().filter(|f| names(f, &r)).collect();
            let id = rule_id(&r);
            match to_rule(&r, &filters, self.sigma_mapping()) {
                Ok((rule, _)) => {
                    if let Some(slot) = self.rules.iter_mut().find(|x| x.id == id) {
                        let tests = std::mem::take(&mut slot.tests);
                        *slot = rule;
                        slot.tests = tests;
                    }
                }
                Err(diags) => {
                    self.rules.retain(|x| x.id != id);
                    self.diagnostics.extend(diags);
                }
            }
        }
    }

    /// Adds `other`'s rules; a rule with the id of one already here
    /// replaces it. `other`'s Sigma filters apply to this pack's Sigma
    /// rules too.
    pub fn overlay(&mut self, other: RulePack) {
        for r in other.sigma.rules {
            let id = rule_id(&r);
            self.sigma.rules.retain(|x| rule_id(x) != id);
            self.sigma.rules.push(r);
        }
        self.sigma.correlations.extend(other.sigma.correlations);
        for rule in other.rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
        self.diagnostics.extend(other.diagnostics);
        for f in other.sigma.filters {
            self.add_sigma_filter(f);
        }
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
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") && !is_sidecar(&p) {
            out.push(p);
        }
    }
}

/// Whether `p` is a Sigma rule's sidecar tests file (`*.tests.yaml`).
fn is_sidecar(p: &Path) -> bool {
    p.file_stem().is_some_and(|s| s.to_string_lossy().ends_with(".tests"))
}
