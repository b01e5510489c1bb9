//! elastic/detection-rules: TOML files with `[rule]` and its query in
//! `kuery`, `lucene`, `eql` or `esql`; `threshold` and `new_terms` rules are
//! kuery queries plus their grouping fields.

use std::path::Path;

use crate::attack::{add_technique, technique_id};
use crate::cond::add_to_rule;
use crate::lang::{eql, esql, kuery};
use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};
use crate::readers::{relative, unreadable};

/// The rule in one file; a file that is not a rule is reported as such.
pub fn read_file(dir: &Path, path: &Path, text: &str, mapping: &Mapping) -> Vec<CatalogRule> {
    vec![read(&relative(dir, path), text, mapping).unwrap_or_else(|e| unreadable(Vendor::Elastic, dir, path, e))]
}

/// One rule file's text.
pub fn read(path: &str, text: &str, mapping: &Mapping) -> Result<CatalogRule, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| format!("TOML: {e}"))?;
    let rule = doc.get("rule").and_then(|r| r.as_table()).ok_or("no [rule] table")?;
    let s = |k: &str| rule.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let kind = s("type");
    let language = match s("language") {
        l if l.is_empty() => kind.clone(),
        l => l,
    };
    let mut out = CatalogRule::new(Vendor::Elastic, s("rule_id"), s("name"), path.to_string(), &language);
    for t in rule.get("threat").and_then(|t| t.as_array()).map(Vec::as_slice).unwrap_or_default() {
        let tactic = t.get("tactic").and_then(|t| t.get("name")).and_then(|n| n.as_str()).unwrap_or_default();
        for tech in t.get("technique").and_then(|t| t.as_array()).map(Vec::as_slice).unwrap_or_default() {
            add_named(&mut out, tech, tactic);
            for sub in tech.get("subtechnique").and_then(|t| t.as_array()).map(Vec::as_slice).unwrap_or_default() {
                add_named(&mut out, sub, tactic);
            }
        }
    }
    if let Some(integrations) = doc.get("metadata").and_then(|m| m.get("integration")).and_then(|i| i.as_array()) {
        out.data_sources.extend(integrations.iter().filter_map(|i| i.as_str()).map(|i| format!("integration:{i}")));
    }
    let query = s("query");
    match (kind.as_str(), language.as_str()) {
        ("machine_learning", _) => out.unanalysed("", "a machine-learning job: no query"),
        (_, "kuery" | "lucene") => match kuery::parse(&query) {
            Ok(cond) => add_to_rule(&mut out, &cond, &language, mapping),
            Err(e) => out.unanalysed(&query, format!("{language}: {e}")),
        },
        (_, "eql") => match eql::parse(&query) {
            Ok(q) => {
                out.data_sources.extend(q.categories.iter().map(|c| format!("category:{c}")));
                add_to_rule(&mut out, &q.cond, "eql", mapping);
            }
            Err(e) => out.unanalysed(&query, format!("eql: {e}")),
        },
        (_, "esql") => match esql::parse(&query) {
            Ok(q) => {
                out.data_sources.extend(q.indices.iter().map(|i| format!("index:{i}")));
                add_to_rule(&mut out, &q.cond, "esql", mapping);
            }
            Err(e) => out.unanalysed(&query, format!("esql: {e}")),
        },
        _ => out.unanalysed(&query, format!("rule type `{kind}` with language `{language}` is not read")),
    }
    Ok(out)
}

fn add_named(rule: &mut CatalogRule, t: &toml::Value, tactic: &str) {
    let Some(id) = t.get("id").and_then(|i| i.as_str()).and_then(technique_id) else { return };
    if !tactic.is_empty() && !rule.tactics.iter().any(|(i, n)| *i == id && n == tactic) {
        rule.tactics.push((id.clone(), tactic.to_string()));
    }
    if let Some(name) = t.get("name").and_then(|n| n.as_str())
        && !rule.technique_names.iter().any(|(i, _)| *i == id)
    {
        rule.technique_names.push((id.clone(), name.to_string()));
    }
    add_technique(&mut rule.techniques, id);
}
