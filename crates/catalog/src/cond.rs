//! The boolean tree every query parser produces, and its flattening into
//! predicates: negation parity, top-level exclusions, vendor spellings of
//! fields and operators normalised through the [`Mapping`].

use crate::mapping::Mapping;
use crate::model::{CatalogRule, Op, Predicate};

/// How deep any parser here may nest before giving up on a query.
pub const MAX_DEPTH: usize = 64;

/// A condition as a query language writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// All of these.
    And(Vec<Cond>),
    /// Any of these.
    Or(Vec<Cond>),
    /// Not this.
    Not(Box<Cond>),
    /// `field <op> values`, `op` in the language's own spelling (looked up in
    /// the mapping's operator table of `lang`).
    Pred {
        /// The field as written.
        field: String,
        /// The operator as the language spells it.
        op: String,
        /// The values (none for unary operators, several for lists).
        values: Vec<String>,
    },
    /// A part the parser could not understand.
    Unknown {
        /// Its text.
        text: String,
        /// Why.
        reason: String,
    },
}

impl Cond {
    /// A predicate.
    pub fn pred(field: &str, op: &str, values: Vec<String>) -> Cond {
        Cond::Pred { field: field.to_string(), op: op.to_string(), values }
    }

    /// An unknown part.
    pub fn unknown(text: &str, reason: impl Into<String>) -> Cond {
        Cond::Unknown { text: text.to_string(), reason: reason.into() }
    }

    /// `self and other`, flattening nested `and`s.
    pub fn and(self, other: Cond) -> Cond {
        match self {
            Cond::And(mut v) => {
                v.push(other);
                Cond::And(v)
            }
            c => Cond::And(vec![c, other]),
        }
    }
}

/// Adds the predicates of `cond` to `rule`: the conjuncts of the root that
/// are a `not` are exclusions (unless what they negate is a single negating
/// comparison, `not (x != 1)`); every leaf under an odd number of `not`s is
/// negated; operators are normalised through `lang`'s table of `mapping`,
/// fields through `rule.vendor`'s.
pub fn add_to_rule(rule: &mut CatalogRule, cond: &Cond, lang: &str, mapping: &Mapping) {
    let mut conjuncts = Vec::new();
    top_conjuncts(cond, false, &mut conjuncts, 0);
    for (c, under_not) in conjuncts {
        // `not (field != x)` requires `field == x`: not an exclusion.
        let exclusion = under_not
            && match c {
                Cond::Pred { op, .. } => !mapping.operator(lang, op).is_some_and(|s| s.negates),
                _ => true,
            };
        walk(rule, c, lang, mapping, under_not, exclusion, 0);
    }
}

/// The conjuncts of the root, each with whether a `not` stands over it:
/// `a and not (b or c)` is `a`, `not b`, `not c`.
fn top_conjuncts<'a>(cond: &'a Cond, negated: bool, out: &mut Vec<(&'a Cond, bool)>, depth: usize) {
    if depth >= MAX_DEPTH {
        out.push((cond, negated));
        return;
    }
    match (cond, negated) {
        (Cond::And(v), false) | (Cond::Or(v), true) => v.iter().for_each(|c| top_conjuncts(c, negated, out, depth + 1)),
        (Cond::Not(c), _) => top_conjuncts(c, !negated, out, depth + 1),
        (c, n) => out.push((c, n)),
    }
}

fn walk(
    rule: &mut CatalogRule,
    cond: &Cond,
    lang: &str,
    mapping: &Mapping,
    negated: bool,
    exclusion: bool,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        rule.unanalysed("", format!("conditions nested deeper than {MAX_DEPTH}"));
        return;
    }
    match cond {
        Cond::And(v) | Cond::Or(v) => {
            v.iter().for_each(|c| walk(rule, c, lang, mapping, negated, exclusion, depth + 1));
        }
        Cond::Not(c) => walk(rule, c, lang, mapping, !negated, exclusion, depth + 1),
        Cond::Unknown { text, reason } => rule.unanalysed(text, reason.clone()),
        Cond::Pred { field, op, values } => {
            let Some(spec) = mapping.operator(lang, op) else {
                rule.unanalysed(
                    &format!("{field} {op} {}", values.join(", ")),
                    format!("operator `{op}` of {lang} has no entry in the mapping"),
                );
                return;
            };
            let canonical = mapping.canonical_field(rule.vendor, field);
            let negated = negated ^ spec.negates;
            if spec.op.unary() {
                push(rule, Predicate { field: field.clone(), canonical, op: spec.op, value: None, negated, exclusion });
                return;
            }
            if values.is_empty() {
                rule.unanalysed(field, format!("`{op}` without a value"));
                return;
            }
            for v in values {
                let op = if spec.glob && has_glob(v) { Op::Wildcard } else { spec.op };
                let (op, v) = if op == Op::Wildcard { simplify_glob(v) } else { (op, v.clone()) };
                push(
                    rule,
                    Predicate {
                        field: field.clone(),
                        canonical: canonical.clone(),
                        op,
                        value: Some(v),
                        negated,
                        exclusion,
                    },
                );
            }
        }
    }
}

fn push(rule: &mut CatalogRule, p: Predicate) {
    if !rule.predicates.contains(&p) {
        rule.predicates.push(p);
    }
}

/// A glob whose only wildcards are a leading and/or a trailing `*`, as the
/// operator it is: `*x*` contains, `x*` starts_with, `*x` ends_with (the
/// value keeps its escapes). Any other glob stays a wildcard.
pub fn simplify_glob(value: &str) -> (Op, String) {
    let lead = value.starts_with('*');
    let body = if lead { value.get(1..).unwrap_or_default() } else { value };
    // A trailing `*` counts when the backslashes before it are even in number.
    let trail =
        body.strip_suffix('*').is_some_and(|rest| rest.chars().rev().take_while(|c| *c == '\\').count() % 2 == 0);
    let inner = if trail { body.get(..body.len() - 1).unwrap_or_default() } else { body };
    if inner.is_empty() || has_glob(inner) {
        return (Op::Wildcard, value.to_string());
    }
    let op = match (lead, trail) {
        (true, true) => Op::Contains,
        (false, true) => Op::StartsWith,
        (true, false) => Op::EndsWith,
        (false, false) => return (Op::Wildcard, value.to_string()),
    };
    (op, inner.to_string())
}

/// Whether a value has an unescaped `*` or `?`.
pub fn has_glob(value: &str) -> bool {
    let mut escaped = false;
    for c in value.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '*' | '?' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CatalogRule, Vendor};

    fn rule_of(cond: &Cond) -> CatalogRule {
        let mut r = CatalogRule::new(Vendor::Panther, "x".into(), "x".into(), "x".into(), "python");
        add_to_rule(&mut r, cond, "python", &Mapping::shipped());
        r
    }

    #[test]
    fn not_over_or_is_one_exclusion_per_branch() {
        // `if verb != "get" or user.startswith("system:"): return False`, then `return True`.
        let c = Cond::And(vec![Cond::Not(Box::new(Cond::Or(vec![
            Cond::pred("verb", "!=", vec!["get".into()]),
            Cond::pred("user", "startswith", vec!["system:".into()]),
        ])))]);
        let r = rule_of(&c);
        let got: Vec<(&str, Op, bool, bool)> =
            r.predicates.iter().map(|p| (p.field.as_str(), p.op, p.negated, p.exclusion)).collect();
        assert_eq!(got, [("verb", Op::Eq, false, false), ("user", Op::StartsWith, true, true)]);
    }

    #[test]
    fn globs_at_the_ends_are_contains_starts_and_ends() {
        assert_eq!(simplify_glob("*command=*"), (Op::Contains, "command=".to_string()));
        assert_eq!(simplify_glob(r"system\:node\:*"), (Op::StartsWith, r"system\:node\:".to_string()));
        assert_eq!(simplify_glob("*/curl"), (Op::EndsWith, "/curl".to_string()));
        assert_eq!(simplify_glob("*a*b*"), (Op::Wildcard, "*a*b*".to_string()));
        assert_eq!(simplify_glob("a?"), (Op::Wildcard, "a?".to_string()));
        assert_eq!(simplify_glob("*"), (Op::Wildcard, "*".to_string()));
        assert_eq!(simplify_glob("**"), (Op::Wildcard, "**".to_string()));
        // An escaped `*` at the end is a literal star (ends with `a*`); an escaped
        // backslash escapes nothing.
        assert_eq!(simplify_glob(r"*a\*"), (Op::EndsWith, r"a\*".to_string()));
        assert_eq!(simplify_glob(r"*a\\*"), (Op::Contains, r"a\\".to_string()));
    }

    #[test]
    fn not_over_and_stays_one_exclusion() {
        let c = Cond::Not(Box::new(Cond::And(vec![
            Cond::pred("a", "==", vec!["1".into()]),
            Cond::pred("b", "==", vec!["2".into()]),
        ])));
        let r = rule_of(&c);
        assert!(r.predicates.iter().all(|p| p.negated && p.exclusion));
        assert_eq!(r.predicates.len(), 2);
    }
}
