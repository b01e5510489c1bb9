//! The aggregations that keep an intermediate result (using-hll-tdigest.md):
//! `tdigest`, `tdigest_merge`, `hll`, `hll_if` and `hll_merge` in
//! `summarize`, each the group's values collected with `array_agg` and
//! turned into the result by a row function of `functions::sketch`.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions_aggregate::array_agg::array_agg_udaf;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, ExprFunctionExt, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use crate::bind::{BResult, Binder, Row, Typed};
use crate::error;
use crate::functions::rowwise::row_func;
use crate::functions::sketch;
use crate::types::KqlType;

impl Binder<'_> {
    fn sketch_arg(&mut self, name: &str, args: &[Arg], i: usize, span: Span, row: Row<'_>) -> BResult<Typed> {
        match args.get(i) {
            Some(a) => self.scalar(&a.value, row),
            None => Err(self.error(error::BAD_ARGUMENTS, span, format!("`{name}` needs more arguments"))),
        }
    }

    /// `hll`'s accuracy argument (0 to 4, default 1) as its precision.
    fn hll_bits(&mut self, a: Option<&Arg>) -> BResult<i64> {
        let Some(a) = a else { return Ok(sketch::HLL_BITS[1]) };
        let t = self.constant(&a.value)?;
        let level = match t.expr {
            Expr::Literal(ScalarValue::Int64(Some(n)), _) => usize::try_from(n).ok(),
            Expr::Literal(ScalarValue::Int32(Some(n)), _) => usize::try_from(n).ok(),
            _ => None,
        };
        match level.and_then(|l| sketch::HLL_BITS.get(l)) {
            Some(bits) => Ok(*bits),
            None => Err(self.error(error::BAD_ARGUMENTS, a.value.span, "the accuracy must be a constant from 0 to 4")),
        }
    }

    /// One of the aggregations of this module: its expression over the
    /// group and its type (`dynamic`).
    pub(crate) fn sketch_aggregate(
        &mut self,
        name: &str,
        args: &[Arg],
        span: Span,
        row: Row<'_>,
    ) -> BResult<(Expr, KqlType)> {
        let max = match name {
            "tdigest" => 2,
            "hll" => 2,
            "hll_if" => 3,
            _ => 1,
        };
        if args.is_empty() || args.len() > max {
            return Err(self.error(error::BAD_ARGUMENTS, span, format!("`{name}` takes 1 to {max} arguments")));
        }
        let x = self.sketch_arg(name, args, 0, span, row)?;
        match name {
            "tdigest" => {
                let (values, ty) = match x.ty {
                    KqlType::Real | KqlType::Decimal => (cast(x.expr.clone(), DataType::Float64), "real"),
                    // As `percentile` collects them, so that both in one
                    // `summarize` share the collected list.
                    KqlType::Int | KqlType::Long => (x.expr.clone(), "long"),
                    KqlType::Datetime => (cast(x.expr.clone(), DataType::Int64), "datetime"),
                    KqlType::Timespan => (cast(x.expr.clone(), DataType::Int64), "timespan"),
                    other => {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            args[0].value.span,
                            format!("`tdigest` takes numbers, datetimes or timespans, not a {other}"),
                        ));
                    }
                };
                let weight = match args.get(1) {
                    Some(a) => {
                        let w = self.scalar(&a.value, row)?;
                        if !matches!(w.ty, KqlType::Int | KqlType::Long) {
                            return Err(self.error(
                                error::TYPE_MISMATCH,
                                a.value.span,
                                format!("`tdigest` takes a whole-number weight, not a {}", w.ty),
                            ));
                        }
                        cast(w.expr, DataType::Int64)
                    }
                    None => lit(1i64),
                };
                let f = row_func("tdigest", KqlType::Dynamic, sketch::tdigest_build);
                Ok((f.call(vec![agg::array_agg(values), agg::array_agg(weight), lit(ty)]), KqlType::Dynamic))
            }
            "tdigest_merge" | "hll_merge" => {
                if x.ty != KqlType::Dynamic {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        args[0].value.span,
                        format!("`{name}` takes the dynamic results of another aggregation, not a {}", x.ty),
                    ));
                }
                let f = if name == "tdigest_merge" {
                    row_func("tdigest_merge", KqlType::Dynamic, sketch::tdigest_merge_list)
                } else {
                    row_func("hll_merge_of_group", KqlType::Dynamic, sketch::hll_merge_list)
                };
                Ok((f.call(vec![agg::array_agg(x.expr)]), KqlType::Dynamic))
            }
            _ => {
                let (pred, acc) = if name == "hll_if" {
                    let p = self.sketch_arg(name, args, 1, span, row)?;
                    let p = self.coerce_dynamic(p, KqlType::Bool);
                    if p.ty != KqlType::Bool {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            args[1].value.span,
                            "the predicate must be a bool",
                        ));
                    }
                    (Some(p.expr), args.get(2))
                } else {
                    (None, args.get(1))
                };
                let bits = self.hll_bits(acc)?;
                // Values that hash by their content: whole numbers (and
                // datetimes, timespans) as longs, others as text.
                let values = match x.ty {
                    KqlType::Int | KqlType::Long | KqlType::Datetime | KqlType::Timespan | KqlType::Bool => {
                        cast(x.expr.clone(), DataType::Int64)
                    }
                    KqlType::Real => x.expr.clone(),
                    _ => self.convert(x.clone(), KqlType::String).expr,
                };
                let keep = match pred {
                    Some(p) => p.and(x.expr.is_not_null()),
                    None => x.expr.is_not_null(),
                };
                let distinct = self.df(span, array_agg_udaf().call(vec![values]).distinct().filter(keep).build())?;
                let f = row_func("hll", KqlType::Dynamic, sketch::hll_build);
                Ok((f.call(vec![distinct, lit(bits)]), KqlType::Dynamic))
            }
        }
    }
}
