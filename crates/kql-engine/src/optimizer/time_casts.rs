//! Comparisons of a datetime column kept in a coarser unit than
//! nanoseconds, made exact before DataFusion's expression simplifier sees
//! them.
//!
//! A table may keep a datetime column in its files' unit (Parquet's
//! microseconds); the binder reads it as `CAST(c AS Timestamp(ns))`. When a
//! filter moves below that cast, `CAST(c) >= L` is DataFusion's to unwrap
//! into `c >= L'`, with `L'` the constant in `c`'s unit, which DataFusion
//! gets by truncating: for a constant between two microseconds (`now()` and
//! `ago()` have nanoseconds) `>=`, `<` and `==` then answer wrongly for the
//! rows of the microsecond it truncates to. So each such comparison is
//! rewritten here, exactly: in `c`'s unit when the constant is a whole
//! number of `c`'s units, and otherwise by the unit below it (`c * k >= L`
//! is `c > floor(L / k)` when no `c * k` equals `L`), and an equality that
//! no value can meet as null for a null `c` and false (or true, for `!=`)
//! otherwise. The rewritten comparison has no cast left to unwrap.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{BinaryExpr, Cast, Expr, ExprSchemable, LogicalPlan, Operator, lit, when};
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// The rule; it goes before each run of DataFusion's simplifier.
#[derive(Debug)]
pub(crate) struct ExactTimeCasts;

impl OptimizerRule for ExactTimeCasts {
    fn name(&self) -> &str {
        "kql_exact_time_casts"
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(&self, plan: LogicalPlan, _config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        plan.transform_up_with_subqueries(|node| {
            let mut schema = DFSchema::empty();
            for input in node.inputs() {
                schema.merge(input.schema());
            }
            let names = NamePreserver::new(&node);
            node.map_expressions(|e| {
                let saved = names.save(&e);
                let out = e.transform_up(|x| exact(x, &schema))?;
                Ok(out.update_data(|x| saved.restore(x)))
            })
        })
    }
}

/// How many of `to` make one of `from`, when `to` is the finer unit.
fn scale(from: TimeUnit, to: TimeUnit) -> Option<i64> {
    let per_second = |u| match u {
        TimeUnit::Second => 1i64,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let (f, t) = (per_second(from), per_second(to));
    (t > f).then(|| t / f)
}

/// A cast of a timestamp to a finer unit: the expression cast, its type,
/// and the factor between the units.
fn widened<'a>(e: &'a Expr, schema: &DFSchema) -> Option<(&'a Expr, DataType, i64)> {
    let Expr::Cast(Cast { expr, field }) = e else { return None };
    let DataType::Timestamp(to, _) = field.data_type() else { return None };
    let inner = expr.get_type(schema).ok()?;
    let DataType::Timestamp(from, _) = inner else { return None };
    Some((expr, inner.clone(), scale(from, *to)?))
}

/// The value of a timestamp constant of `cast`'s target type: `Some(None)`
/// for a null.
fn constant(e: &Expr, cast: &Expr) -> Option<Option<i64>> {
    let (Expr::Literal(v, _), Expr::Cast(Cast { field, .. })) = (e, cast) else { return None };
    let DataType::Timestamp(unit, _) = field.data_type() else { return None };
    match (v, unit) {
        (ScalarValue::TimestampSecond(x, _), TimeUnit::Second)
        | (ScalarValue::TimestampMillisecond(x, _), TimeUnit::Millisecond)
        | (ScalarValue::TimestampMicrosecond(x, _), TimeUnit::Microsecond)
        | (ScalarValue::TimestampNanosecond(x, _), TimeUnit::Nanosecond) => Some(*x),
        _ => None,
    }
}

/// A constant of timestamp type `ty` (a column's).
fn in_unit(ty: &DataType, v: Option<i64>) -> Expr {
    let DataType::Timestamp(unit, tz) = ty else { return lit(ScalarValue::Null) };
    let tz = tz.clone();
    lit(match unit {
        TimeUnit::Second => ScalarValue::TimestampSecond(v, tz),
        TimeUnit::Millisecond => ScalarValue::TimestampMillisecond(v, tz),
        TimeUnit::Microsecond => ScalarValue::TimestampMicrosecond(v, tz),
        TimeUnit::Nanosecond => ScalarValue::TimestampNanosecond(v, tz),
    })
}

/// Null where `c` is null, else `value`: a comparison whose answer does not
/// depend on `c`'s value.
fn constant_unless_null(c: &Expr, value: bool) -> Expr {
    when(c.clone().is_null(), lit(ScalarValue::Boolean(None))).otherwise(lit(value)).unwrap_or_else(|_| lit(value))
}

fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

fn exact(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    match &e {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if is_comparison(*op) => {
            let (cast, other, op) = if widened(left, schema).is_some() {
                (left.as_ref(), right.as_ref(), *op)
            } else {
                match op.swap() {
                    Some(swapped) => (right.as_ref(), left.as_ref(), swapped),
                    None => return Ok(Transformed::no(e)),
                }
            };
            let (Some((c, ty, k)), Some(Some(v))) = (widened(cast, schema), constant(other, cast)) else {
                return Ok(Transformed::no(e));
            };
            let c = c.clone();
            if v % k == 0 {
                let out = Expr::BinaryExpr(BinaryExpr::new(Box::new(c), op, Box::new(in_unit(&ty, Some(v / k)))));
                return Ok(Transformed::yes(out));
            }
            // No value of `c` meets `v`: compare with the unit below it.
            let below = in_unit(&ty, Some(v.div_euclid(k)));
            let out = match op {
                Operator::Gt | Operator::GtEq => c.gt(below),
                Operator::Lt | Operator::LtEq => c.lt_eq(below),
                Operator::Eq => constant_unless_null(&c, false),
                Operator::NotEq => constant_unless_null(&c, true),
                Operator::IsDistinctFrom => lit(true),
                Operator::IsNotDistinctFrom => lit(false),
                _ => return Ok(Transformed::no(e)),
            };
            Ok(Transformed::yes(out))
        }
        Expr::InList(InList { expr, list, negated }) => {
            let Some((c, ty, k)) = widened(expr, schema) else { return Ok(Transformed::no(e)) };
            let Some(values) = list.iter().map(|x| constant(x, expr)).collect::<Option<Vec<_>>>() else {
                return Ok(Transformed::no(e));
            };
            // A value between two of `c`'s units equals no value of `c`.
            let kept: Vec<Expr> = values
                .into_iter()
                .filter(|v| v.is_none_or(|v| v % k == 0))
                .map(|v| in_unit(&ty, v.map(|v| v / k)))
                .collect();
            let out = if kept.is_empty() {
                constant_unless_null(c, *negated)
            } else {
                Expr::InList(InList::new(Box::new(c.clone()), kept, *negated))
            };
            Ok(Transformed::yes(out))
        }
        _ => Ok(Transformed::no(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_the_factor_to_a_finer_unit() {
        assert_eq!(scale(TimeUnit::Microsecond, TimeUnit::Nanosecond), Some(1000));
        assert_eq!(scale(TimeUnit::Second, TimeUnit::Nanosecond), Some(1_000_000_000));
        assert_eq!(scale(TimeUnit::Nanosecond, TimeUnit::Microsecond), None);
        assert_eq!(scale(TimeUnit::Nanosecond, TimeUnit::Nanosecond), None);
    }
}
