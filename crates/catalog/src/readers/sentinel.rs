//! Sentinel and Defender KQL: analytics-rule YAML (`query`,
//! `relevantTechniques`), hunting queries as Markdown (the fenced code
//! blocks are the queries; ATT&CK ids from the attack.mitre.org links the
//! page gives), and bare query files (`.kql`, `.csl`, `.txt`).

use std::path::Path;

use serde_json::Value;

use crate::attack::{add_technique, technique_id};
use crate::cond::{Cond, add_to_rule};
use crate::lang::kql;
use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};
use crate::readers::{relative, unreadable, yaml_to_json};

/// The rule or hunting query in one file, if it holds one.
pub fn read_file(dir: &Path, path: &Path, text: &str, mapping: &Mapping) -> Vec<CatalogRule> {
    match read(&relative(dir, path), text, mapping) {
        Ok(Some(r)) => vec![r],
        Ok(None) => Vec::new(),
        Err(e) => vec![unreadable(Vendor::Sentinel, dir, path, e)],
    }
}

/// One file; `None` when it holds no query.
pub fn read(path: &str, text: &str, mapping: &Mapping) -> Result<Option<CatalogRule>, String> {
    let stem = path.rsplit('/').next().unwrap_or(path);
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s).to_string();
    let (rule, queries) = if path.ends_with(".yaml") || path.ends_with(".yml") {
        let doc = yaml_to_json(text)?;
        let Some(query) = doc.get("query").and_then(Value::as_str) else { return Ok(None) };
        let s = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let mut rule = CatalogRule::new(Vendor::Sentinel, s("id"), s("name"), path.to_string(), "kql");
        for t in doc.get("relevantTechniques").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(id) = t.as_str().and_then(technique_id) {
                add_technique(&mut rule.techniques, id);
            }
        }
        for t in doc.get("tactics").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(t) = t.as_str() {
                for id in &rule.techniques {
                    rule.tactics.push((id.clone(), t.to_string()));
                }
            }
        }
        (rule, vec![query.to_string()])
    } else if path.ends_with(".md") {
        let blocks = code_blocks(text);
        if blocks.is_empty() {
            return Ok(None);
        }
        let title = text.lines().find_map(|l| l.strip_prefix("# ")).map_or(stem.clone(), |t| t.trim().to_string());
        let mut rule = CatalogRule::new(Vendor::Sentinel, path.to_string(), title, path.to_string(), "kql");
        for id in linked_techniques(text) {
            add_technique(&mut rule.techniques, id);
        }
        (rule, blocks)
    } else {
        let mut rule = CatalogRule::new(Vendor::Sentinel, path.to_string(), stem, path.to_string(), "kql");
        for id in linked_techniques(text) {
            add_technique(&mut rule.techniques, id);
        }
        (rule, vec![text.to_string()])
    };
    Ok(Some(analyse(rule, &queries, mapping)))
}

/// `rule` with what its KQL `queries` check: their tables as data sources
/// and their `where` predicates (a query that does not parse is an
/// unanalysed part with the reason).
pub fn analyse(mut rule: CatalogRule, queries: &[String], mapping: &Mapping) -> CatalogRule {
    let mut conds = Vec::new();
    for q in queries {
        match kql::parse(q) {
            Ok(k) => {
                for t in k.tables {
                    let t = format!("table:{t}");
                    if !rule.data_sources.contains(&t) {
                        rule.data_sources.push(t);
                    }
                }
                conds.push(k.cond);
            }
            Err(e) => rule.unanalysed(q, e),
        }
    }
    add_to_rule(&mut rule, &Cond::And(conds), "kql", mapping);
    rule
}

/// The contents of the fenced code blocks of a Markdown page.
fn code_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            match current.take() {
                Some(block) => {
                    if !block.trim().is_empty() {
                        out.push(block);
                    }
                }
                None => current = Some(String::new()),
            }
        } else if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    out
}

/// ATT&CK ids from `attack.mitre.org/techniques/T1566/002` links.
fn linked_techniques(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("attack.mitre.org/techniques/") {
        let rest = text.get(at + "attack.mitre.org/techniques/".len()..).unwrap_or_default();
        let mut parts = rest.split('/');
        let main = parts.next().unwrap_or_default();
        let sub = parts.next().unwrap_or_default();
        let main: String = main.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let candidate =
            if sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()) { format!("{main}.{sub}") } else { main };
        if let Some(id) = technique_id(&candidate)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}
