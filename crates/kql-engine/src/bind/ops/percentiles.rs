//! `percentiles(x, p1, p2, ...)` in `summarize`: one column per percentile,
//! named `percentile_x_p1`, ... (percentiles-aggregation-function.md), or
//! by the names of `(a, b) = percentiles(x, p1, p2)`; the weighted
//! `percentilesw(x, weight, p1, ...)`, `percentilew` and
//! `percentilesw_array` (percentilesw-aggregation-function.md).

use datafusion::common::ScalarValue;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg};

use super::summarize::percentile_suffix;
use crate::bind::names::{NameTable, inferred};
use crate::bind::{BResult, Binder, Row};
use crate::error;
use crate::functions::aggregate;
use crate::functions::rowwise::row_func;
use crate::types::KqlType;

impl<'a> Binder<'a> {
    /// The output columns of one `percentiles` item; its aggregations go to
    /// the collector, as each `percentile` does.
    pub(crate) fn percentiles(
        &mut self,
        fname: &str,
        args: &[Arg],
        item: &ast::Assign,
        row: Row<'_>,
        names: &mut NameTable,
    ) -> BResult<Vec<Expr>> {
        let weighted = fname == "percentilesw";
        let lead = if weighted { 2 } else { 1 };
        let (Some(x), Some(ps)) = (args.first(), args.get(lead..).filter(|ps| !ps.is_empty())) else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                item.span,
                format!(
                    "`{fname}` takes a value{} and at least one percentile",
                    if weighted { ", a weight" } else { "" }
                ),
            ));
        };
        if !item.names.is_empty() && item.names.len() != ps.len() {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                item.span,
                format!("{} names for {} percentiles", item.names.len(), ps.len()),
            ));
        }
        // `percentiles(Name = expr, ...)` names the columns after Name.
        let base = x.name.as_ref().map(|n| n.name.clone()).or_else(|| inferred(&x.value)).unwrap_or_default();
        let mut cols = Vec::with_capacity(ps.len());
        for (i, p) in ps.iter().enumerate() {
            let t = match args.get(1).filter(|_| weighted) {
                Some(w) => self.aggregate_call("percentilew", &[x.clone(), w.clone(), p.clone()], item.span, row)?,
                None => self.aggregate_call("percentile", &[x.clone(), p.clone()], item.span, row)?,
            };
            let name = match item.names.get(i) {
                Some(n) => n.name.clone(),
                None => format!("percentile_{base}_{}", percentile_suffix(&p.value)),
            };
            cols.push(t.expr.alias(names.unique(&name)));
        }
        Ok(cols)
    }

    /// `percentilew(x, weight, p)` and `percentilesw_array(x, weight, p...)`
    /// (the percentiles also as one dynamic array): the group's values and
    /// weights collected in step, the weighted nearest rank taken of them.
    pub(crate) fn weighted_percentile(
        &mut self,
        name: &str,
        args: &[Arg],
        span: Span,
        row: Row<'_>,
    ) -> BResult<(Expr, KqlType)> {
        let (Some(xa), Some(wa)) = (args.first(), args.get(1)) else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("`{name}` takes a value, a weight and percentiles"),
            ));
        };
        let x = self.scalar(&xa.value, row)?;
        let w = self.scalar(&wa.value, row)?;
        if !matches!(w.ty, KqlType::Int | KqlType::Long) {
            return Err(self.error(
                error::TYPE_MISMATCH,
                wa.value.span,
                format!("`{name}` takes a whole-number weight, not a {}", w.ty),
            ));
        }
        let (values, ret) = match x.ty {
            KqlType::Real | KqlType::Decimal => {
                (cast(x.expr, datafusion::arrow::datatypes::DataType::Float64), KqlType::Real)
            }
            KqlType::Int | KqlType::Long => (x.expr, KqlType::Long),
            other => {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    xa.value.span,
                    format!("`{name}` takes numbers, not a {other}"),
                ));
            }
        };
        let mut ps: Vec<f64> = Vec::new();
        for a in args.iter().skip(2) {
            let t = self.constant(&a.value)?;
            let found = match &t.expr {
                Expr::Literal(ScalarValue::Int64(Some(n)), _) => Some(vec![*n as f64]),
                Expr::Literal(ScalarValue::Float64(Some(f)), _) => Some(vec![*f]),
                Expr::Literal(ScalarValue::LargeUtf8(Some(json)), _) if name == "percentilesw_array" => {
                    match serde_json::from_str::<serde_json::Value>(json) {
                        Ok(serde_json::Value::Array(items)) => items.iter().map(serde_json::Value::as_f64).collect(),
                        _ => None,
                    }
                }
                _ => None,
            };
            let Some(found) = found.filter(|f| f.iter().all(|p| (0.0..=100.0).contains(p))) else {
                return Err(self.error(
                    error::NOT_CONSTANT,
                    a.value.span,
                    "expected constant percentiles between 0 and 100",
                ));
            };
            ps.extend(found);
        }
        if ps.is_empty() || (name == "percentilew" && ps.len() != 1) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!(
                    "`{name}` takes a value, a weight and {}",
                    if name == "percentilew" { "one percentile" } else { "percentiles" }
                ),
            ));
        }
        let collected =
            vec![agg::array_agg(values), agg::array_agg(cast(w.expr, datafusion::arrow::datatypes::DataType::Int64))];
        let call_args = collected.into_iter().chain(ps.into_iter().map(lit)).collect();
        if name == "percentilew" {
            let f = row_func("percentile_weighted", ret, aggregate::weighted_percentile);
            Ok((f.call(call_args), ret))
        } else {
            let f = row_func("percentiles_weighted_array", KqlType::Dynamic, aggregate::weighted_percentiles_array);
            Ok((f.call(call_args), KqlType::Dynamic))
        }
    }
}
