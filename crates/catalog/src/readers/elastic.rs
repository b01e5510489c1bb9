//! elastic/detection-rules: TOML files with `[rule]` and its query in
//! `kuery`, `lucene`, `eql` or `esql`; `threshold` and `new_terms` rules are
//! kuery queries plus their grouping fields. A `machine_learning` rule has no
//! query: it reads its jobs' anomaly records (`job_id` one of the rule's
//! `machine_learning_job_id`, `record_score` at or above its
//! `anomaly_threshold`), and that is what its predicates say.

use std::path::Path;

use crate::attack::{add_technique, technique_id};
use crate::cond::{Cond, add_to_rule};
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
        ("machine_learning", _) => machine_learning(&mut out, rule, mapping),
        (_, "kuery" | "lucene") => {
            match if language == "kuery" { kuery::parse(&query) } else { kuery::parse_lucene(&query) } {
                Ok(cond) => add_to_rule(&mut out, &cond, &language, mapping),
                Err(e) => out.unanalysed(&query, format!("{language}: {e}")),
            }
        }
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

/// A machine-learning rule: alerts on the anomaly records of its jobs whose
/// `record_score` is at least `anomaly_threshold`. What each job models is
/// not in the rule, so nothing more is claimed; a rule missing either
/// setting is not analysed.
fn machine_learning(out: &mut CatalogRule, rule: &toml::Table, mapping: &Mapping) {
    let jobs: Vec<String> = match rule.get("machine_learning_job_id") {
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let threshold = rule.get("anomaly_threshold").and_then(|t| t.as_integer());
    let (false, Some(threshold)) = (jobs.is_empty(), threshold) else {
        out.unanalysed("", "a machine-learning rule without `machine_learning_job_id` or `anomaly_threshold`");
        return;
    };
    out.data_sources.extend(jobs.iter().map(|j| format!("ml_job:{j}")));
    let cond = Cond::And(vec![
        Cond::pred("job_id", "in", jobs),
        Cond::pred("record_score", ">=", vec![threshold.to_string()]),
    ]);
    add_to_rule(out, &cond, "machine_learning", mapping);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Analysis, Op};

    fn rule(body: &str) -> CatalogRule {
        let text = format!("[rule]\nname = \"n\"\nrule_id = \"r\"\n{body}");
        read("r.toml", &text, &Mapping::shipped()).unwrap()
    }

    #[test]
    fn a_machine_learning_rule_is_its_job_and_threshold() {
        let r = rule("type = \"machine_learning\"\nanomaly_threshold = 50\nmachine_learning_job_id = \"rare_process\"");
        assert_eq!(r.analysis(), Analysis::Full);
        let got: Vec<(&str, Op, Option<&str>, bool)> =
            r.predicates.iter().map(|p| (p.field.as_str(), p.op, p.value.as_deref(), p.negated)).collect();
        assert_eq!(got, [("job_id", Op::In, Some("rare_process"), false), ("record_score", Op::Ge, Some("50"), false)]);
        assert_eq!(r.data_sources, ["ml_job:rare_process"]);
    }

    #[test]
    fn a_machine_learning_rule_missing_a_setting_is_not_analysed() {
        for body in [
            "anomaly_threshold = 50",
            "machine_learning_job_id = \"j\"",
            "machine_learning_job_id = []\nanomaly_threshold = 1",
        ] {
            let r = rule(&format!("type = \"machine_learning\"\n{body}"));
            assert_eq!(r.analysis(), Analysis::None, "{body}");
            assert!(r.predicates.is_empty());
            assert!(r.unanalysed[0].reason.contains("anomaly_threshold"), "{body}");
        }
    }
}
