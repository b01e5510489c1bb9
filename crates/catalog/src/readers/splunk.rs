//! splunk/security_content: detection YAML files with an SPL `search`,
//! `tags.mitre_attack_id` and `data_source`. DIR may be the repository (its
//! `detections/` is read and `macros/` expanded) or a folder of detections
//! (macros are then looked for in `../macros`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::attack::{add_technique, technique_id};
use crate::cond::{Cond, add_to_rule};
use crate::lang::spl;
use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};
use crate::readers::{relative, unreadable, yaml_to_json};

/// Fields that say where events come from: data sources, not conditions.
const SOURCE_FIELDS: &[&str] = &["index", "source", "sourcetype", "eventtype", "earliest", "latest"];

/// The folder of detections and the folder of macros for `dir`.
pub fn folders(dir: &Path) -> (PathBuf, PathBuf) {
    if dir.join("detections").is_dir() {
        (dir.join("detections"), dir.join("macros"))
    } else {
        (dir.to_path_buf(), dir.join("..").join("macros"))
    }
}

/// The detection in one file (`dir` is the detections folder).
pub fn read_file(
    dir: &Path,
    path: &Path,
    text: &str,
    macros: &HashMap<String, String>,
    mapping: &Mapping,
) -> Vec<CatalogRule> {
    vec![read(&relative(dir, path), text, macros, mapping).unwrap_or_else(|e| unreadable(Vendor::Splunk, dir, path, e))]
}

/// The macros of `macros/` files: name → definition (those without
/// arguments); a file that is not a macro is left out.
pub fn read_macros(texts: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for text in texts {
        let Ok(doc) = yaml_to_json(text) else { continue };
        if doc.get("arguments").is_some() {
            continue;
        }
        if let (Some(name), Some(def)) =
            (doc.get("name").and_then(Value::as_str), doc.get("definition").and_then(Value::as_str))
        {
            out.insert(name.to_string(), def.to_string());
        }
    }
    out
}

/// One detection file's text.
pub fn read(
    path: &str,
    text: &str,
    macros: &HashMap<String, String>,
    mapping: &Mapping,
) -> Result<CatalogRule, String> {
    let doc = yaml_to_json(text)?;
    let s = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    if doc.get("search").is_none() {
        return Err("no `search`: not a detection".into());
    }
    let mut rule = CatalogRule::new(Vendor::Splunk, s("id"), s("name"), path.to_string(), "spl");
    for t in doc.pointer("/tags/mitre_attack_id").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        if let Some(id) = t.as_str().and_then(technique_id) {
            add_technique(&mut rule.techniques, id);
        }
    }
    for d in doc.get("data_source").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        if let Some(d) = d.as_str() {
            rule.data_sources.push(d.to_string());
        }
    }
    let search = s("search");
    match spl::parse(&spl::expand_macros(&search, macros)) {
        Ok(q) => {
            rule.data_sources.extend(q.sources.iter().filter(|s| s.starts_with("datamodel:")).cloned());
            let cond = strip_sources(q.cond, &mut rule.data_sources, 0).unwrap_or(Cond::And(Vec::new()));
            add_to_rule(&mut rule, &cond, "spl", mapping);
        }
        Err(e) => rule.unanalysed(&search, format!("spl: {e}")),
    }
    Ok(rule)
}

/// `cond` without the predicates on [`SOURCE_FIELDS`], which go to `sources`.
fn strip_sources(cond: Cond, sources: &mut Vec<String>, depth: usize) -> Option<Cond> {
    if depth > crate::cond::MAX_DEPTH {
        return Some(cond);
    }
    match cond {
        // Field names are case-sensitive: `eventType` (Okta) is a condition.
        Cond::Pred { field, values, .. } if SOURCE_FIELDS.contains(&field.as_str()) => {
            for v in values {
                let s = format!("{}:{v}", field.to_ascii_lowercase());
                if !sources.contains(&s) {
                    sources.push(s);
                }
            }
            None
        }
        Cond::And(v) => {
            let v: Vec<Cond> = v.into_iter().filter_map(|c| strip_sources(c, sources, depth + 1)).collect();
            (!v.is_empty()).then_some(Cond::And(v))
        }
        Cond::Or(v) => {
            let v: Vec<Cond> = v.into_iter().filter_map(|c| strip_sources(c, sources, depth + 1)).collect();
            (!v.is_empty()).then_some(Cond::Or(v))
        }
        Cond::Not(c) => strip_sources(*c, sources, depth + 1).map(|c| Cond::Not(Box::new(c))),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_source_fields_are_not_predicates_but_look_alikes_are() {
        let macros: HashMap<String, String> = [("okta".to_string(), "sourcetype=\"OktaIM2:log\"".to_string())].into();
        let text = "name: x\nid: y\nsearch: '`okta` eventType=user.session.start index=main'\n";
        let r = read("x.yml", text, &macros, &Mapping::shipped()).unwrap();
        assert_eq!(r.data_sources, ["sourcetype:OktaIM2:log", "index:main"]);
        assert_eq!(r.predicates.len(), 1);
        assert_eq!(
            (r.predicates[0].field.as_str(), r.predicates[0].value.as_deref()),
            ("eventType", Some("user.session.start"))
        );
    }
}
