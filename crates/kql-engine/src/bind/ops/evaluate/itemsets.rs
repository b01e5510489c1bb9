//! What `basket` and `autocluster` share: the input's rows as value ids
//! per column, the row lists of each (column, value) item, the optional
//! arguments (`~` for a default), the wildcards, and the output table:
//! `SegmentId`, `Count`, `Percent`, then the input's columns, each a
//! pattern's value or the wildcard of its type (null by default, an empty
//! string for a string column, or the custom wildcard of that type).

use std::collections::HashMap;

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, Literal};

use super::rows::ast_name;
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// The input as value ids.
pub(super) struct Items {
    /// The input's columns (the weight column left out).
    pub cols: Vec<(String, KqlType)>,
    /// Per column, its distinct values by id.
    pub values: Vec<Vec<ScalarValue>>,
    /// Per row, per column, the value's id (`None` for null).
    pub rows: Vec<Vec<Option<u32>>>,
    /// Per row, its weight.
    pub weights: Vec<i64>,
    /// The sum of the weights.
    pub total: i64,
    /// Per row, the value of the column kept aside from the patterns.
    pub aside: Vec<ScalarValue>,
}

/// A pattern: per column a value id or a wildcard (`None`).
pub(super) type Pattern = Vec<Option<u32>>;

impl Items {
    /// The rows (ascending) of each (column, value), by column.
    pub fn item_rows(&self) -> Vec<HashMap<u32, Vec<u32>>> {
        let mut out: Vec<HashMap<u32, Vec<u32>>> = vec![HashMap::new(); self.cols.len()];
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r).unwrap_or(u32::MAX);
            for (c, v) in row.iter().enumerate() {
                if let (Some(v), Some(m)) = (v, out.get_mut(c)) {
                    m.entry(*v).or_default().push(r);
                }
            }
        }
        out
    }

    /// The weight of these rows.
    pub fn weight(&self, rows: &[u32]) -> i64 {
        rows.iter().fold(0i64, |s, r| s.saturating_add(self.weights.get(*r as usize).copied().unwrap_or(0)))
    }
}

/// Whether every value `a` sets, `b` sets too.
pub(super) fn within(a: &Pattern, b: &Pattern) -> bool {
    a.iter().zip(b).all(|(x, y)| x.is_none() || x == y)
}

/// Whether an argument is `~` (use the default).
pub(super) fn is_default(e: &ast::Expr) -> bool {
    matches!(&e.kind, ExprKind::Literal(Literal::String(s)) if s == "~")
}

/// The rows of the row lists common to `a` and `b` (both ascending).
pub(super) fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(*x);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

impl Binder<'_> {
    /// The input's rows as items, the weight column (a column name, or `~`)
    /// left out of the columns.
    pub(super) fn items(
        &mut self,
        plugin: &str,
        input: Tab,
        weight: Option<&ast::Expr>,
        aside: Option<&str>,
        span: Span,
    ) -> BResult<Items> {
        let weight_name = match weight {
            None => None,
            Some(e) if is_default(e) => None,
            Some(e) => match &e.kind {
                ExprKind::Name(n) => Some(n.name.clone()),
                ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                _ => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        e.span,
                        format!("`{plugin}`: the weight column is a column name or `~`"),
                    ));
                }
            },
        };
        let names: Vec<String> = input.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
        if let Some(w) = &weight_name
            && !names.contains(w)
        {
            let at = weight.map(|e| e.span).unwrap_or(span);
            return Err(self.error(error::UNKNOWN_NAME, at, format!("`{plugin}`: no weight column `{w}`")));
        }
        if let Some(a) = aside
            && !names.iter().any(|n| n == a)
        {
            return Err(self.error(error::UNKNOWN_NAME, span, format!("`{plugin}`: no column `{a}`")));
        }
        let mut exprs: Vec<ast::Expr> = names
            .iter()
            .filter(|n| Some(*n) != weight_name.as_ref() && Some(n.as_str()) != aside)
            .map(|n| ast_name(n, span))
            .collect();
        let width = exprs.len();
        if width == 0 {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("`{plugin}` needs a column to find patterns in"),
            ));
        }
        if let Some(a) = aside {
            exprs.push(ast_name(a, span));
        }
        if let Some(w) = &weight_name {
            exprs.push(ast_name(w, span));
        }
        let weight_at = width.saturating_add(usize::from(aside.is_some()));
        let refs: Vec<&ast::Expr> = exprs.iter().collect();
        let data = self.plugin_rows(input, &refs, span)?;
        if let (Some(w), Some(t)) = (&weight_name, data.types.get(weight_at))
            && !matches!(t, KqlType::Int | KqlType::Long)
        {
            let at = weight.map(|e| e.span).unwrap_or(span);
            return Err(self.error(
                error::TYPE_MISMATCH,
                at,
                format!("`{plugin}`: the weight column `{w}` is a whole number, found a {t}"),
            ));
        }
        let cols: Vec<(String, KqlType)> = exprs
            .iter()
            .take(width)
            .zip(&data.types)
            .filter_map(|(e, t)| match &e.kind {
                ExprKind::Name(n) => Some((n.name.clone(), *t)),
                _ => None,
            })
            .collect();
        let mut ids: Vec<HashMap<ScalarValue, u32>> = vec![HashMap::new(); width];
        let mut values: Vec<Vec<ScalarValue>> = vec![Vec::new(); width];
        let mut rows = Vec::with_capacity(data.rows.len());
        let mut weights = Vec::with_capacity(data.rows.len());
        let mut total = 0i64;
        let mut aside_values = Vec::new();
        for r in data.rows {
            let w = match weight_name {
                Some(_) => r.get(weight_at).and_then(super::rows::as_i64).unwrap_or(0).max(0),
                None => 1,
            };
            if aside.is_some() {
                aside_values.push(r.get(width).cloned().unwrap_or(ScalarValue::Null));
            }
            let mut row = Vec::with_capacity(width);
            for (c, v) in r.into_iter().take(width).enumerate() {
                if v.is_null() {
                    row.push(None);
                    continue;
                }
                let (Some(m), Some(vals)) = (ids.get_mut(c), values.get_mut(c)) else { continue };
                let next = u32::try_from(vals.len()).unwrap_or(u32::MAX);
                let id = *m.entry(v.clone()).or_insert_with(|| {
                    vals.push(v);
                    next
                });
                row.push(Some(id));
            }
            total = total.saturating_add(w);
            weights.push(w);
            rows.push(row);
        }
        Ok(Items { cols, values, rows, weights, total, aside: aside_values })
    }

    /// The custom wildcards (`~` for the default), keyed by type.
    pub(super) fn wildcards(&mut self, args: &[&ast::Expr]) -> BResult<HashMap<KqlType, ScalarValue>> {
        let mut out = HashMap::new();
        for a in args {
            if is_default(a) {
                continue;
            }
            let (v, ty) = self.plugin_const(a, "a wildcard")?;
            out.insert(ty, v);
        }
        Ok(out)
    }

    /// The output table of `patterns` with their counts, in that order.
    pub(super) fn patterns_table(
        &mut self,
        items: &Items,
        patterns: Vec<(Pattern, i64)>,
        wildcards: &HashMap<KqlType, ScalarValue>,
        span: Span,
    ) -> BResult<Tab> {
        let head = [("Count", KqlType::Long), ("Percent", KqlType::Real)];
        let rows = patterns
            .into_iter()
            .map(|(p, count)| {
                let pct = if items.total > 0 { 100.0 * count as f64 / items.total as f64 } else { 0.0 };
                (p, vec![ScalarValue::Int64(Some(count)), ScalarValue::Float64(Some(pct))])
            })
            .collect();
        self.patterns_table_with(items, &head, rows, wildcards, span)
    }

    /// The output table: `SegmentId`, the `head` columns with each
    /// pattern's values of them, then the pattern's columns.
    pub(super) fn patterns_table_with(
        &mut self,
        items: &Items,
        head: &[(&str, KqlType)],
        patterns: Vec<(Pattern, Vec<ScalarValue>)>,
        wildcards: &HashMap<KqlType, ScalarValue>,
        span: Span,
    ) -> BResult<Tab> {
        let mut cols = vec![("SegmentId".to_string(), KqlType::Int)];
        cols.extend(head.iter().map(|(n, t)| (n.to_string(), *t)));
        cols.extend(items.cols.iter().cloned());
        let wild: Vec<ScalarValue> = items
            .cols
            .iter()
            .map(|(_, t)| match wildcards.get(t) {
                Some(v) => v.clone(),
                None if *t == KqlType::String => ScalarValue::Utf8View(Some(String::new())),
                None => crate::bind::literal::scalar_of(*t, None),
            })
            .collect();
        let mut rows = Vec::new();
        for (i, (p, metrics)) in patterns.into_iter().enumerate() {
            let mut row = vec![ScalarValue::Int32(Some(i32::try_from(i).unwrap_or(i32::MAX)))];
            row.extend(metrics);
            for (c, v) in p.iter().enumerate() {
                let value = match v {
                    Some(id) => items.values.get(c).and_then(|vs| vs.get(*id as usize)).cloned(),
                    None => None,
                };
                row.push(value.unwrap_or_else(|| wild.get(c).cloned().unwrap_or(ScalarValue::Null)));
            }
            rows.push(row);
        }
        self.values_table(&cols, rows, span)
    }
}
