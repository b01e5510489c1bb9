//! SigmaHQ/sigma: rule YAML read through dragnet's Sigma loader (crate
//! `sigma`), whose model has every modifier already applied; the searches
//! of each condition become predicates. Filters and correlations are not
//! detections of their own: a correlation is counted, not analysed.

use std::collections::HashMap;
use std::path::Path;

use sigma::model::{CompareOp, Condition, Detection, Document, FieldTest, Pattern, Piece, SearchBody, ValueTest};
use sigma::value::Placeholders;

use crate::attack::{add_technique, technique_id};
use crate::cond::{Cond, MAX_DEPTH, add_to_rule};
use crate::mapping::Mapping;
use crate::model::{CatalogRule, Vendor};
use crate::readers::{relative, unreadable};

/// The rules in one file (filters left out).
pub fn read_file(dir: &Path, path: &Path, text: &str, mapping: &Mapping) -> Vec<CatalogRule> {
    let rel = relative(dir, path);
    let (docs, diags) = sigma::load(text, &rel, &Placeholders::default());
    if docs.is_empty() {
        let reason = diags.first().map_or_else(|| "no Sigma document".to_string(), |d| format!("sigma: {d}"));
        return vec![unreadable(Vendor::Sigma, dir, path, reason)];
    }
    docs.iter().filter_map(|doc| read(&rel, doc, mapping)).collect()
}

/// One loaded document; `None` for filters.
pub fn read(path: &str, doc: &Document, mapping: &Mapping) -> Option<CatalogRule> {
    let (meta, logsource, detection) = match doc {
        Document::Rule(r) => (&r.meta, Some(&r.logsource), Some(&r.detection)),
        Document::Correlation(c) => (&c.meta, None, None),
        Document::Filter(_) => return None,
    };
    let id = meta.id.clone().unwrap_or_else(|| path.to_string());
    let mut rule = CatalogRule::new(Vendor::Sigma, id, meta.title.clone(), path.to_string(), "sigma");
    for tag in &meta.tags {
        if let Some(id) = technique_id(tag) {
            add_technique(&mut rule.techniques, id);
        }
    }
    // `attack.credential-access` → Credential Access. Sigma does not say
    // which technique goes with which tactic: with one tactic it goes with
    // every technique, with several none is paired.
    let tactics: Vec<String> = meta
        .tags
        .iter()
        .filter_map(|tag| tag.strip_prefix("attack."))
        .filter(|t| technique_id(t).is_none() && (t.contains('-') || TACTICS_ONE_WORD.contains(t)))
        .map(|t| {
            t.split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    if let [tactic] = tactics.as_slice() {
        for id in rule.techniques.clone() {
            rule.tactics.push((id, tactic.clone()));
        }
    }
    let (Some(logsource), Some(detection)) = (logsource, detection) else {
        rule.language = "sigma-correlation".into();
        rule.unanalysed("", "a correlation of other rules' matches");
        return Some(rule);
    };
    rule.data_sources.push(format!("logsource:{logsource}"));
    let cond = condition(detection);
    add_to_rule(&mut rule, &cond, "sigma", mapping);
    Some(rule)
}

/// Tactics whose Sigma tag is one word.
const TACTICS_ONE_WORD: &[&str] =
    &["reconnaissance", "execution", "persistence", "discovery", "collection", "exfiltration", "impact"];

/// The rule's condition (a list of conditions is or'ed) with its searches expanded.
fn condition(d: &Detection) -> Cond {
    let searches: HashMap<&str, &SearchBody> = d.searches.iter().map(|s| (s.name.as_str(), &s.body)).collect();
    let mut items: Vec<Cond> = d.condition.iter().map(|c| expand(c, &searches, 0)).collect();
    if items.len() == 1 { items.remove(0) } else { Cond::Or(items) }
}

fn expand(c: &Condition, searches: &HashMap<&str, &SearchBody>, depth: usize) -> Cond {
    if depth > MAX_DEPTH {
        return Cond::unknown("", format!("a condition nested deeper than {MAX_DEPTH}"));
    }
    match c {
        Condition::Search(name) => match searches.get(name.as_str()) {
            Some(body) => search(body),
            None => Cond::unknown(name, "a search the rule does not define"),
        },
        Condition::Not(inner) => Cond::Not(Box::new(expand(inner, searches, depth + 1))),
        Condition::And(v) => Cond::And(v.iter().map(|c| expand(c, searches, depth + 1)).collect()),
        Condition::Or(v) => Cond::Or(v.iter().map(|c| expand(c, searches, depth + 1)).collect()),
        Condition::Of { all, searches: names, .. } => {
            let items = names.iter().map(|n| expand(&Condition::Search(n.clone()), searches, depth + 1)).collect();
            if *all { Cond::And(items) } else { Cond::Or(items) }
        }
    }
}

fn search(body: &SearchBody) -> Cond {
    match body {
        SearchBody::Keywords(vt) => values("_raw", vt, true),
        SearchBody::Maps(maps) => {
            let mut ors: Vec<Cond> = maps
                .iter()
                .map(|m| {
                    Cond::And(
                        m.iter()
                            .map(|fm| match &fm.test {
                                FieldTest::Exists(true) => Cond::pred(&fm.field, "exists", vec![]),
                                FieldTest::Exists(false) => {
                                    Cond::Not(Box::new(Cond::pred(&fm.field, "exists", vec![])))
                                }
                                FieldTest::Null => Cond::pred(&fm.field, "null", vec![]),
                                FieldTest::Values(vt) => values(&fm.field, vt, false),
                            })
                            .collect(),
                    )
                })
                .collect();
            if ors.len() == 1 { ors.remove(0) } else { Cond::Or(ors) }
        }
    }
}

/// A field's value test: one predicate per pattern.
fn values(field: &str, vt: &ValueTest, keyword: bool) -> Cond {
    let items: Vec<Cond> = vt.patterns.iter().map(|p| pattern(field, p, keyword)).collect();
    let c = if vt.all { Cond::And(items) } else { Cond::Or(items) };
    if vt.negate { Cond::Not(Box::new(c)) } else { c }
}

fn pattern(field: &str, p: &Pattern, keyword: bool) -> Cond {
    match p {
        Pattern::Text { pieces, .. } => {
            let (op, value) = text_op(pieces);
            // A keyword is searched anywhere in the event.
            let op = if keyword && op == "eq" { "contains" } else { op };
            Cond::pred(field, op, vec![value])
        }
        Pattern::Number(n) => Cond::pred(field, "eq", vec![n.to_string()]),
        Pattern::Regex { pattern, .. } => Cond::pred(field, "re", vec![pattern.clone()]),
        Pattern::Compare { part: None, op, value } => {
            let op = match op {
                CompareOp::Eq => "eq",
                CompareOp::Lt => "lt",
                CompareOp::Le => "lte",
                CompareOp::Gt => "gt",
                CompareOp::Ge => "gte",
            };
            Cond::pred(field, op, vec![value.to_string()])
        }
        Pattern::Compare { part: Some(_), .. } => Cond::unknown(field, "a comparison on a part of a date"),
        Pattern::Cidr { network, prefix, .. } => Cond::pred(field, "cidr", vec![format!("{network}/{prefix}")]),
        Pattern::FieldRef { field: other, .. } => {
            Cond::unknown(&format!("{field} = {other}"), "compares two fields (|fieldref)")
        }
    }
}

/// The Sigma operator spelling and value of a wildcard string:
/// `*x*` contains, `x*` startswith, `*x` endswith, `x` equals (values as
/// written), anything else a glob (`*` and `?` in the value; literal `*`,
/// `?` and `\` escaped).
fn text_op(pieces: &[Piece]) -> (&'static str, String) {
    let lit = |p: &Piece| match p {
        Piece::Lit(s) => Some(s.clone()),
        _ => None,
    };
    match pieces {
        [] => ("eq", String::new()),
        [Piece::Lit(s)] => ("eq", s.clone()),
        [Piece::Many, m, Piece::Many] if lit(m).is_some() => ("contains", lit(m).unwrap_or_default()),
        [m, Piece::Many] if lit(m).is_some() => ("startswith", lit(m).unwrap_or_default()),
        [Piece::Many, m] if lit(m).is_some() => ("endswith", lit(m).unwrap_or_default()),
        _ => (
            "",
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Lit(s) => escape(s),
                    Piece::Many => "*".to_string(),
                    Piece::One => "?".to_string(),
                })
                .collect(),
        ),
    }
}

/// Literal `*`, `?` and `\` escaped, so only real wildcards read as globs.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
