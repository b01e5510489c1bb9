//! `reduce` (reduce-operator.md): groups strings by similarity, after the
//! clustering the page names (Vaarandi's SLCT). The input runs under the
//! query's limits (as `scan` runs its input); each value is split into
//! terms at the separator characters (`characters=`, by default every
//! character that is not an ASCII letter or digit); a term at a position is
//! frequent when it occurs there in more than `threshold` (0.1 by default)
//! of the rows; rows with the same frequent terms form a cluster when there
//! are more of them than that too. A cluster's pattern is its first row with
//! each other term written `*` (a wildcard taking the separators next to it,
//! whitespace kept); rows in no cluster are counted as `others`.
//! `kind=source` adds each row's `Pattern` to the input instead.

use std::collections::HashMap;

use datafusion::common::{JoinType, NullEquality, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

/// The most rows `reduce` reads.
const MAX_ROWS: usize = 200_000;

/// The pattern of the rows in no cluster.
const OTHERS: &str = "others";

/// A value cut into terms: `seps[i]` is the text before `terms[i]`, the last
/// separator the text after the last term.
struct Split {
    terms: Vec<String>,
    seps: Vec<String>,
}

fn split(s: &str, is_sep: &dyn Fn(char) -> bool) -> Split {
    let (mut terms, mut seps) = (Vec::new(), Vec::new());
    let (mut term, mut sep) = (String::new(), String::new());
    for c in s.chars() {
        if is_sep(c) {
            if !term.is_empty() {
                terms.push(std::mem::take(&mut term));
            }
            sep.push(c);
        } else {
            if term.is_empty() {
                seps.push(std::mem::take(&mut sep));
            }
            term.push(c);
        }
    }
    if !term.is_empty() {
        terms.push(term);
    }
    seps.push(sep);
    Split { terms, seps }
}

/// `sep` beside a wildcard: its characters next to the wildcard that are
/// not whitespace go into it.
fn beside_wildcard(sep: &str, wildcard_before: bool, wildcard_after: bool) -> &str {
    let mut s = sep;
    if wildcard_before {
        s = s.trim_start_matches(|c: char| !c.is_whitespace());
    }
    if wildcard_after {
        s = s.trim_end_matches(|c: char| !c.is_whitespace());
    }
    s
}

/// The pattern of a split value whose terms at `frequent` positions stay.
fn pattern(v: &Split, frequent: &[bool]) -> String {
    let mut out = String::new();
    let n = v.terms.len();
    for (i, sep) in v.seps.iter().enumerate() {
        let before = i > 0 && !frequent.get(i - 1).copied().unwrap_or(true);
        let after = i < n && !frequent.get(i).copied().unwrap_or(true);
        out.push_str(beside_wildcard(sep, before, after));
        if let Some(t) = v.terms.get(i) {
            if frequent.get(i).copied().unwrap_or(true) {
                out.push_str(t);
            } else if !out.ends_with('*') {
                out.push('*');
            }
        }
    }
    out
}

/// Each value's pattern (`None`: in no cluster), in the input's order.
fn reduce_values(values: &[Option<String>], threshold: f64, chars: Option<&str>) -> Vec<Option<String>> {
    let is_sep = |c: char| match chars {
        Some(cs) => cs.contains(c),
        None => !c.is_ascii_alphanumeric(),
    };
    let splits: Vec<Option<Split>> = values.iter().map(|v| v.as_deref().map(|s| split(s, &is_sep))).collect();
    let support = threshold * values.len() as f64;
    let mut counts: HashMap<(usize, &str), usize> = HashMap::new();
    for s in splits.iter().flatten() {
        for (i, t) in s.terms.iter().enumerate() {
            let c = counts.entry((i, t.as_str())).or_insert(0);
            *c = c.saturating_add(1);
        }
    }
    let frequent = |s: &Split| -> Vec<bool> {
        s.terms
            .iter()
            .enumerate()
            .map(|(i, t)| counts.get(&(i, t.as_str())).is_some_and(|&c| c as f64 > support))
            .collect()
    };
    // Candidates: the frequent terms with their positions, and the count of terms.
    let keys: Vec<Option<(Vec<bool>, Vec<&str>)>> = splits
        .iter()
        .map(|s| {
            let s = s.as_ref()?;
            let f = frequent(s);
            if !f.iter().any(|&b| b) {
                return None;
            }
            let kept: Vec<&str> = s.terms.iter().zip(&f).filter(|(_, k)| **k).map(|(t, _)| t.as_str()).collect();
            Some((f, kept))
        })
        .collect();
    let mut sizes: HashMap<&(Vec<bool>, Vec<&str>), usize> = HashMap::new();
    for k in keys.iter().flatten() {
        let c = sizes.entry(k).or_insert(0);
        *c = c.saturating_add(1);
    }
    splits
        .iter()
        .zip(&keys)
        .map(|(s, k)| {
            let (s, k) = (s.as_ref()?, k.as_ref()?);
            (sizes.get(k).copied().unwrap_or(0) as f64 > support).then(|| pattern(s, &k.0))
        })
        .collect()
}

impl Binder<'_> {
    pub(crate) fn reduce(
        &mut self,
        input: Tab,
        options: &[ast::OptionArg],
        by: &ast::Expr,
        with: &[ast::OptionArg],
        span: Span,
    ) -> BResult<Tab> {
        let mut source = false;
        for o in options {
            match (o.name.name.as_str(), &o.value.kind) {
                ("kind", ExprKind::Name(k)) if k.name == "source" => source = true,
                _ => {
                    return Err(self.error(error::BAD_ARGUMENTS, o.span, "`reduce` takes one option, `kind=source`"));
                }
            }
        }
        let (mut threshold, mut chars) = (0.1f64, None);
        for o in with {
            match o.name.name.as_str() {
                "threshold" => {
                    let t = self.constant(&o.value)?;
                    let v = match t.expr {
                        Expr::Literal(ScalarValue::Float64(Some(f)), _) => Some(f),
                        Expr::Literal(ScalarValue::Int64(Some(n)), _) => Some(n as f64),
                        Expr::Literal(ScalarValue::Int32(Some(n)), _) => Some(f64::from(n)),
                        _ => None,
                    };
                    match v {
                        Some(f) if (0.0..=1.0).contains(&f) => threshold = f,
                        _ => {
                            return Err(self.error(
                                error::BAD_ARGUMENTS,
                                o.value.span,
                                "`threshold` is a real from 0 to 1",
                            ));
                        }
                    }
                }
                "characters" => chars = Some(self.constant_string(Some(&o.value), o.value.span)?),
                n => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.span,
                        format!("`{n}` is not an option of `reduce` (threshold, characters)"),
                    ));
                }
            }
        }
        let t = {
            let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
            self.scalar(by, row)?
        };
        if t.ty != KqlType::String {
            return Err(self.error(
                error::TYPE_MISMATCH,
                by.span,
                format!("`reduce by` takes a string, found a {}", t.ty),
            ));
        }
        const KEY: &str = " reduce key";
        let keyed = LogicalPlanBuilder::from(input.plan.clone()).project(vec![t.expr.clone().alias(KEY)]);
        let keyed = self.build(span, keyed.and_then(|b| b.limit(0, Some(MAX_ROWS.saturating_add(1)))))?;
        let batches = self.learned_rows_or_request(span, keyed)?;
        let mut values: Vec<Option<String>> = Vec::new();
        for b in &batches {
            let Some(c) = b.columns().first() else { continue };
            for r in 0..b.num_rows() {
                values.push(match ScalarValue::try_from_array(c, r) {
                    Ok(ScalarValue::Utf8(s) | ScalarValue::Utf8View(s) | ScalarValue::LargeUtf8(s)) => s,
                    _ => None,
                });
            }
        }
        if values.len() > MAX_ROWS {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("`reduce` reads at most {MAX_ROWS} rows; filter or summarize its input first"),
            ));
        }
        let patterns = reduce_values(&values, threshold, chars.as_deref());
        if source {
            return self.reduce_source(input, t.expr, &values, &patterns, span);
        }
        // Per pattern: its count and first value, the clusters by count, then `others`.
        let mut groups: Vec<(String, i64, String)> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        for (v, p) in values.iter().zip(&patterns) {
            let (name, repr) = match p {
                Some(p) => (p.clone(), v.clone().unwrap_or_default()),
                None => (OTHERS.to_string(), String::new()),
            };
            match at.get(&name) {
                Some(&i) => {
                    if let Some(g) = groups.get_mut(i) {
                        g.1 = g.1.saturating_add(1);
                    }
                }
                None => {
                    at.insert(name.clone(), groups.len());
                    groups.push((name, 1, repr));
                }
            }
        }
        groups.sort_by(|a, b| (a.0 == OTHERS).cmp(&(b.0 == OTHERS)).then(b.1.cmp(&a.1)));
        let cols = [
            ("Pattern".to_string(), KqlType::String),
            ("Count".to_string(), KqlType::Long),
            ("Representative".to_string(), KqlType::String),
        ];
        let rows = groups
            .into_iter()
            .map(|(p, n, r)| vec![ScalarValue::Utf8(Some(p)), ScalarValue::Int64(Some(n)), ScalarValue::Utf8(Some(r))])
            .collect();
        self.values_table(&cols, rows, span)
    }

    /// `reduce kind=source`: the input with each row's `Pattern` (`others`
    /// for a row in no cluster), joined to it by the reduced value.
    fn reduce_source(
        &mut self,
        input: Tab,
        key: Expr,
        values: &[Option<String>],
        patterns: &[Option<String>],
        span: Span,
    ) -> BResult<Tab> {
        const KEY: &str = " reduce value";
        const PAT: &str = " reduce pattern";
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::new();
        let mut null_pattern = None;
        for (v, p) in values.iter().zip(patterns) {
            let p = p.clone().unwrap_or_else(|| OTHERS.to_string());
            match v {
                Some(v) if seen.insert(v.clone()) => {
                    rows.push(vec![ScalarValue::Utf8(Some(v.clone())), ScalarValue::Utf8(Some(p))]);
                }
                None => null_pattern = Some(p),
                _ => {}
            }
        }
        let map_cols = [(KEY.to_string(), KqlType::String), (PAT.to_string(), KqlType::String)];
        let map = self.values_table(&map_cols, rows, span)?;
        let mut extended = Self::all_columns(&input.plan);
        extended.push(key.alias(KEY));
        let left = self.build(span, LogicalPlanBuilder::from(input.plan).project(extended))?;
        let l = self.build(span, LogicalPlanBuilder::from(left).alias(super::join::LEFT))?;
        let r = self.build(span, LogicalPlanBuilder::from(map.plan).alias(super::join::RIGHT))?;
        let joined = LogicalPlanBuilder::from(l).join_detailed(
            r,
            JoinType::Left,
            (
                vec![datafusion::common::Column::new(Some(super::join::LEFT), KEY)],
                vec![datafusion::common::Column::new(Some(super::join::RIGHT), KEY)],
            ),
            None,
            NullEquality::NullEqualsNothing,
        );
        let joined = self.build(span, joined)?;
        let mut out: Vec<Expr> = joined
            .schema()
            .iter()
            .filter(|(q, f)| q.is_some_and(|q| q.table() == super::join::LEFT) && f.name() != KEY)
            .map(|(q, f)| Expr::Column(datafusion::common::Column::new(q.cloned(), f.name())).alias(f.name()))
            .collect();
        let pat = Expr::Column(datafusion::common::Column::new(Some(super::join::RIGHT), PAT));
        let fallback =
            datafusion::logical_expr::lit(ScalarValue::Utf8(Some(null_pattern.unwrap_or_else(|| OTHERS.to_string()))));
        out.push(datafusion::functions::core::expr_fn::coalesce(vec![pat, fallback]).alias("Pattern"));
        let plan = self.build(span, LogicalPlanBuilder::from(joined).project(out))?;
        Ok(Tab { plan, source: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn a_wildcard_takes_the_separators_beside_it_but_not_whitespace() {
        let v = strs(&["San Bernard", "San Jose", "One -on- One", "Two -on- Three", "x"]);
        let p = reduce_values(&v, 0.3, None);
        assert_eq!(p[0].as_deref(), Some("San *"));
        assert_eq!(p[2].as_deref(), Some("* -on- *"));
        assert_eq!(p[4], None);
    }

    #[test]
    fn custom_separators_split_terms() {
        let v: Vec<Option<String>> = (1..=10).map(|i| Some(format!("fooZ{i}"))).collect();
        assert!(reduce_values(&v, 0.1, None).iter().all(Option::is_none));
        assert!(reduce_values(&v, 0.1, Some("Z")).iter().all(|p| p.as_deref() == Some("foo*")));
    }
}
