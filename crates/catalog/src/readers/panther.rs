//! panther-labs/panther-analysis: rule YAML files (`AnalysisType: rule`,
//! `scheduled_rule`, `correlation_rule`) with either a simple `Detection`
//! or a Python file (`Filename`) whose `rule(event)` is read statically.
//! Calls of the repository's `global_helpers` (found beside DIR or inside
//! it) are inlined where the helper's result can be followed.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::attack::{add_technique, technique_id};
use crate::cond::{Cond, MAX_DEPTH, add_to_rule};
use crate::lang::python::{self, Helpers};
use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};
use crate::readers::{relative, unreadable, yaml_to_json};

/// The folder of `global_helpers` for `dir`: inside it or beside it.
pub fn helpers_folder(dir: &Path) -> Option<PathBuf> {
    [dir.join("global_helpers"), dir.join("..").join("global_helpers")].into_iter().find(|d| d.is_dir())
}

/// The rule in one YAML file, if it is a rule; `python` reads a file
/// beside it by name.
pub fn read_file(
    dir: &Path,
    path: &Path,
    text: &str,
    python: &dyn Fn(&str) -> Option<String>,
    helpers: &Helpers,
    mapping: &Mapping,
) -> Vec<CatalogRule> {
    match read(&relative(dir, path), text, python, helpers, mapping) {
        Ok(Some(rule)) => vec![rule],
        Ok(None) => Vec::new(),
        Err(e) => vec![unreadable(Vendor::Panther, dir, path, e)],
    }
}

/// One YAML file's text; `python` reads a file beside it. `None` when the
/// file is not a rule (a policy, a data model, a saved query).
pub fn read(
    path: &str,
    text: &str,
    python: &dyn Fn(&str) -> Option<String>,
    helpers: &Helpers,
    mapping: &Mapping,
) -> Result<Option<CatalogRule>, String> {
    let doc = yaml_to_json(text)?;
    let s = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let kind = s("AnalysisType");
    if !matches!(kind.as_str(), "rule" | "scheduled_rule" | "correlation_rule") {
        return Ok(None);
    }
    let file = s("Filename");
    let language = if doc.get("Detection").is_some() {
        "yaml"
    } else if !file.is_empty() {
        "python"
    } else {
        kind.as_str()
    };
    let mut rule = CatalogRule::new(Vendor::Panther, s("RuleID"), s("DisplayName"), path.to_string(), language);
    if rule.title.is_empty() {
        rule.title = rule.id.clone();
    }
    if let Some(reports) = doc.get("Reports").and_then(Value::as_object) {
        for (framework, tags) in reports {
            if !framework.to_ascii_uppercase().contains("MITRE") {
                continue;
            }
            for t in tags.as_array().map(Vec::as_slice).unwrap_or_default() {
                if let Some(id) = t.as_str().and_then(technique_id) {
                    add_technique(&mut rule.techniques, id);
                }
            }
        }
    }
    for key in ["LogTypes", "ScheduledQueries"] {
        for t in doc.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(t) = t.as_str() {
                rule.data_sources.push(t.to_string());
            }
        }
    }
    if kind == "correlation_rule" {
        rule.unanalysed("", "a correlation of other rules' alerts");
        return Ok(Some(rule));
    }
    if let Some(det) = doc.get("Detection") {
        let cond = detection(det, 0);
        add_to_rule(&mut rule, &cond, "panther", mapping);
        return Ok(Some(rule));
    }
    if file.is_empty() {
        rule.unanalysed("", "neither a Detection nor a Python file");
        return Ok(Some(rule));
    }
    match python(&file) {
        None => rule.unanalysed(&file, "the Python file is missing"),
        Some(src) => match python::parse_with(&src, helpers) {
            Ok(r) => add_to_rule(&mut rule, &r.cond, "python", mapping),
            Err(e) => rule.unanalysed(&file, format!("python: {e}")),
        },
    }
    Ok(Some(rule))
}

/// A simple detection: a list (all of), `All`, `Any`, `OnlyOne`, `None`,
/// and `Key`/`KeyPath` with `Condition` and `Value`/`Values`.
fn detection(v: &Value, depth: usize) -> Cond {
    if depth > MAX_DEPTH {
        return Cond::unknown("", format!("a Detection nested deeper than {MAX_DEPTH}"));
    }
    match v {
        Value::Array(items) => Cond::And(items.iter().map(|i| detection(i, depth + 1)).collect()),
        Value::Object(m) => {
            if let Some(all) = m.get("All") {
                return detection(all, depth + 1);
            }
            if let Some(Value::Array(any)) = m.get("Any") {
                return Cond::Or(any.iter().map(|i| detection(i, depth + 1)).collect());
            }
            if let Some(none) = m.get("None") {
                return Cond::Not(Box::new(match none {
                    Value::Array(items) => Cond::Or(items.iter().map(|i| detection(i, depth + 1)).collect()),
                    other => detection(other, depth + 1),
                }));
            }
            let key = m.get("Key").or_else(|| m.get("KeyPath")).and_then(Value::as_str);
            let condition = m.get("Condition").and_then(Value::as_str);
            match (key, condition) {
                (Some(k), Some(c)) => {
                    let mut values: Vec<String> = Vec::new();
                    if let Some(v) = m.get("Value") {
                        values.push(scalar(v));
                    }
                    if let Some(Value::Array(vs)) = m.get("Values") {
                        values.extend(vs.iter().map(scalar));
                    }
                    Cond::pred(k.trim_start_matches("$."), c, values)
                }
                _ => Cond::unknown(&Value::Object(m.clone()).to_string(), "a Detection item not analysed"),
            }
        }
        other => Cond::unknown(&other.to_string(), "a Detection item not analysed"),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
