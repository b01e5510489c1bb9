//! `make-series` (make-series-operator.md).
//!
//! Three steps: the rows get the index of their bin on the axis
//! (`bin_at(Axis, step, start)`, or `bin(Axis, step)` without `from` and in
//! the `in range(...)` form); `summarize` computes the aggregations by the
//! group keys and the bin; a second aggregation per group collects the
//! bins and values, and row functions spread them into arrays with the
//! default where a bin has no rows, beside the array of axis values.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions::math::expr_fn::floor;
use datafusion::functions_aggregate::array_agg::array_agg_udaf;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, Operator, SortExpr, binary_expr, cast, lit,
};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, Ident};

use crate::bind::call::{datetime_bin_origin, floor_div};
use crate::bind::names::{NameTable, inferred};
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::functions::checked::{self, Op};
use crate::functions::rowwise::row_func;
use crate::functions::series::{self, MAX_POINTS};
use crate::types::KqlType;

/// Axis arithmetic: whole numbers (datetimes and timespans in nanoseconds,
/// longs) or reals.
#[derive(Clone, Copy, PartialEq)]
enum Num {
    Int(i64),
    Real(f64),
}

impl Num {
    fn real(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Real(r) => r,
        }
    }
    fn lit(self) -> Expr {
        match self {
            Num::Int(n) => lit(n),
            Num::Real(r) => lit(r),
        }
    }
}

/// Where the series starts and how many points it has, when the query
/// fixes them; otherwise they come from each group's bins.
struct Bounds {
    /// The value bin 0 starts at.
    base: Num,
    /// The first bin, if fixed.
    lo: Option<i64>,
    /// One past the last bin, if fixed.
    hi: Option<i64>,
}

const IDX: &str = "series_bin";

impl<'a> Binder<'a> {
    pub(crate) fn make_series(&mut self, input: Tab, m: &ast::MakeSeries, span: Span) -> BResult<Tab> {
        let mut nonempty = false;
        for o in &m.options {
            let value = match &o.value.kind {
                ExprKind::Name(n) => n.name.as_str(),
                _ => "",
            };
            match o.name.name.as_str() {
                "kind" if value == "nonempty" => nonempty = true,
                "kind" => {
                    return Err(self.error(error::BAD_ARGUMENTS, o.value.span, "the only `kind` is `nonempty`"));
                }
                n if n.starts_with("hint.") => {}
                n => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.name.span,
                        format!("unknown make-series option `{n}`"),
                    ));
                }
            }
        }
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        let axis = self.scalar(&m.on, row)?;
        let kind = match axis.ty {
            KqlType::Datetime => "datetime",
            KqlType::Timespan => "timespan",
            KqlType::Int | KqlType::Long => "long",
            KqlType::Real | KqlType::Decimal => "real",
            other => {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    m.on.span,
                    format!("the axis of make-series is a datetime, timespan or number, not a {other}"),
                ));
            }
        };
        let step = self.axis_constant(&m.step, axis.ty, true)?;
        let from = m.from.as_ref().map(|e| self.axis_constant(e, axis.ty, false)).transpose()?;
        let to = m.to.as_ref().map(|e| self.axis_constant(e, axis.ty, false)).transpose()?;
        let real =
            matches!(step, Num::Real(_)) || matches!(from, Some(Num::Real(_))) || matches!(to, Some(Num::Real(_)));
        let (step, from, to) = if real {
            (Num::Real(step.real()), from.map(|v| Num::Real(v.real())), to.map(|v| Num::Real(v.real())))
        } else {
            (step, from, to)
        };
        if step.real().is_nan() || step.real() <= 0.0 {
            return Err(self.error(error::BAD_ARGUMENTS, m.step.span, "the step must be positive"));
        }
        // Without `from`, bins are those of bin(): datetimes align to 0001-01-01.
        let origin = match step {
            Num::Int(s) if axis.ty == KqlType::Datetime => Num::Int(datetime_bin_origin(s)),
            Num::Int(_) => Num::Int(0),
            Num::Real(_) => Num::Real(0.0),
        };
        let Some(bounds) = bounds(m.in_range, from, to, step, origin) else {
            return Err(self.error(error::BAD_ARGUMENTS, span, "the series' bins fall outside the range of the axis"));
        };
        if let (Some(lo), Some(hi)) = (bounds.lo, bounds.hi)
            && i128::from(hi) - i128::from(lo) > i128::from(MAX_POINTS)
        {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!(
                    "the series would have {} points; make-series makes at most {MAX_POINTS}",
                    i128::from(hi) - i128::from(lo)
                ),
            ));
        }

        // 1. The bin of each row, rows outside the range dropped.
        let units = if real {
            cast(axis.expr.clone(), datafusion::arrow::datatypes::DataType::Float64)
        } else {
            cast(axis.expr.clone(), datafusion::arrow::datatypes::DataType::Int64)
        };
        // Checked: an axis value whose offset overflows has no bin.
        let offset = match bounds.base {
            Num::Int(_) => checked::call(Op::Sub, vec![units.clone(), bounds.base.lit()], DataType::Int64),
            Num::Real(_) => binary_expr(units.clone(), Operator::Minus, bounds.base.lit()),
        };
        let idx = match step {
            Num::Real(s) => cast(floor(binary_expr(offset, Operator::Divide, lit(s))), KqlType::Long.arrow()),
            Num::Int(s) => floor_div(offset, lit(s)),
        };
        let mut keep = units.clone().is_not_null();
        match (m.in_range, from, to) {
            (true, Some(f), Some(t)) => {
                keep = keep.and(units.clone().gt_eq(f.lit())).and(units.lt_eq(t.lit()));
            }
            (_, f, t) => {
                if let Some(f) = f {
                    keep = keep.and(units.clone().gt_eq(f.lit()));
                }
                if let Some(t) = t {
                    keep = keep.and(units.lt(t.lit()));
                }
            }
        }
        let mut cols = Self::all_columns(&input.plan);
        let idx_name = self.fresh(IDX);
        cols.push(idx.alias(&idx_name));
        let b = LogicalPlanBuilder::from(input.plan).project(cols).and_then(|b| b.filter(keep));
        let binned = Tab { plan: self.build(span, b)?, source: input.source.clone() };

        // 2. The aggregations by the group keys and the bin.
        let mut by = m.by.clone();
        by.push(ast::Assign {
            names: Vec::new(),
            value: ast::Expr { kind: ExprKind::Name(Ident { name: idx_name.clone(), span }), span },
            span,
        });
        let summarize = ast::Summarize {
            options: Vec::new(),
            aggregates: m.aggregates.iter().map(|a| constant_as_aggregate(&a.value)).collect(),
            by,
        };
        let per_bin = self.summarize(binned, &summarize, span)?;
        let fields: Vec<(String, KqlType)> =
            per_bin.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect();
        let keys: Vec<String> = fields[..m.by.len()].iter().map(|(n, _)| n.clone()).collect();
        let values: Vec<(String, KqlType)> = fields[m.by.len() + 1..].to_vec();
        if values.len() != m.aggregates.len() {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                "make-series takes aggregations that give one value each, such as count(), sum(x) or avg(x)",
            ));
        }
        let mut defaults = Vec::new();
        for (a, (_, ty)) in m.aggregates.iter().zip(&values) {
            if !(ty.is_numeric() || matches!(ty, KqlType::Datetime | KqlType::Timespan)) {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    a.value.span,
                    format!("make-series aggregations give numbers, not a {ty}"),
                ));
            }
            defaults.push(self.series_default(a, *ty)?);
        }

        // 3. Per group: the bins and values, spread into arrays.
        let bin_order = vec![SortExpr::new(Self::column(&idx_name), true, false)];
        let list = |b: &mut Self, c: &str| -> BResult<Expr> {
            let call = array_agg_udaf().call(vec![Self::column(c)]).order_by(bin_order.clone());
            b.df(span, call.build())
        };
        let (bins, lo_col, hi_col, rows) = (self.fresh("bins"), self.fresh("lo"), self.fresh("hi"), self.fresh("rows"));
        let mut aggs = vec![
            list(self, &idx_name)?.alias(&bins),
            agg::min(Self::column(&idx_name)).alias(&lo_col),
            agg::max(Self::column(&idx_name)).alias(&hi_col),
            agg::count(lit(1i64)).alias(&rows),
        ];
        let mut value_lists = Vec::new();
        for (name, _) in &values {
            let id = self.fresh("values");
            aggs.push(list(self, name)?.alias(&id));
            value_lists.push(id);
        }
        let lo = match bounds.lo {
            Some(lo) => lit(lo),
            None => Self::column(&lo_col),
        };
        let hi = match bounds.hi {
            Some(hi) => lit(hi),
            None => checked::call(Op::Add, vec![Self::column(&hi_col), lit(1i64)], DataType::Int64),
        };
        let n = checked::call(Op::Sub, vec![hi, lo.clone()], DataType::Int64);
        let mut names = NameTable::default();
        let mut out: Vec<Expr> = Vec::new();
        for k in &keys {
            names.take(k);
            out.push(Self::column(k));
        }
        let fill = row_func("series_fill", KqlType::Dynamic, series::fill);
        for (((name, _), list), default) in values.iter().zip(&value_lists).zip(defaults) {
            names.take(name);
            let args = vec![Self::column(&bins), Self::column(list), lo.clone(), n.clone(), default];
            out.push(fill.call(args).alias(name));
        }
        let axis_name = names.unique(&inferred(&m.on).unwrap_or_else(|| "Column1".into()));
        let step_arg = step.lit();
        let axis_fn = row_func("series_axis", KqlType::Dynamic, series::axis);
        out.push(axis_fn.call(vec![lo, n, bounds.base.lit(), step_arg, lit(kind)]).alias(&axis_name));

        let group: Vec<Expr> = keys.iter().map(|k| Self::column(k)).collect();
        let grouped = LogicalPlanBuilder::from(per_bin.plan.clone()).aggregate(group, aggs.clone());
        let grouped = self.build(span, grouped)?;
        let some_rows = Self::column(&rows).gt(lit(0i64));
        let mut plan = if keys.is_empty() && !nonempty {
            // Without keys the aggregation gives a row even for no input;
            // Kusto gives none.
            self.build(span, LogicalPlanBuilder::from(grouped).filter(some_rows).and_then(|b| b.project(out.clone())))?
        } else {
            self.build(span, LogicalPlanBuilder::from(grouped).project(out.clone()))?
        };
        if nonempty && !keys.is_empty() {
            // No input: one row of defaults, the keys empty.
            plan = self.nonempty_row(plan, per_bin.plan, aggs, &rows, &keys, out, span)?;
        }
        Ok(Tab { plan, source: None })
    }

    /// The series with keys, and when there is no input, one row of default
    /// values with null (or empty) keys.
    #[allow(clippy::too_many_arguments)]
    fn nonempty_row(
        &mut self,
        plan: LogicalPlan,
        per_bin: LogicalPlan,
        aggs: Vec<Expr>,
        rows: &str,
        keys: &[String],
        out: Vec<Expr>,
        span: Span,
    ) -> BResult<LogicalPlan> {
        let key_types: Vec<KqlType> = keys
            .iter()
            .map(|k| {
                let f = per_bin.schema().field_with_unqualified_name(k).expect("a key column");
                KqlType::of(f.data_type())
            })
            .collect();
        let global = LogicalPlanBuilder::from(per_bin).aggregate(Vec::<Expr>::new(), aggs);
        let global = self.build(span, global)?;
        let mut exprs = Vec::new();
        for (k, ty) in keys.iter().zip(key_types) {
            let v = if ty == KqlType::String { lit("") } else { lit(crate::bind::literal::scalar_of(ty, None)) };
            exprs.push(cast(v, ty.arrow()).alias(k));
        }
        exprs.extend(out.into_iter().skip(keys.len()));
        let empty = LogicalPlanBuilder::from(global)
            .filter(Self::column(rows).eq(lit(0i64)))
            .and_then(|b| b.project(exprs))
            .and_then(|b| b.build());
        let empty = self.df(span, empty)?;
        self.build(span, LogicalPlanBuilder::from(plan).union(empty))
    }

    /// A constant of the axis: `from`, `to` (the axis type) or `step` (a
    /// timespan for datetime and timespan axes, else a number).
    fn axis_constant(&mut self, e: &ast::Expr, axis: KqlType, is_step: bool) -> BResult<Num> {
        let t = self.constant(e)?;
        let want = match axis {
            KqlType::Datetime if !is_step => "a datetime",
            KqlType::Datetime | KqlType::Timespan => "a timespan",
            _ => "a number",
        };
        let v = match &t.expr {
            Expr::Literal(v, _) => match (axis, is_step, v) {
                (KqlType::Datetime, false, ScalarValue::TimestampNanosecond(Some(n), _)) => Some(Num::Int(*n)),
                (KqlType::Datetime, true, ScalarValue::DurationNanosecond(Some(n))) => Some(Num::Int(*n)),
                (KqlType::Timespan, _, ScalarValue::DurationNanosecond(Some(n))) => Some(Num::Int(*n)),
                (KqlType::Datetime | KqlType::Timespan, _, _) => None,
                (_, _, ScalarValue::Int64(Some(n))) => Some(Num::Int(*n)),
                (_, _, ScalarValue::Int32(Some(n))) => Some(Num::Int((*n).into())),
                (_, _, ScalarValue::Float64(Some(r))) => Some(Num::Real(*r)),
                _ => None,
            },
            _ => return Err(self.error(error::NOT_CONSTANT, e.span, "make-series bounds and step are constants")),
        };
        v.ok_or_else(|| self.error(error::TYPE_MISMATCH, e.span, format!("expected {want} here")))
    }

    /// The value of a bin without rows: `default = v` converted to the
    /// aggregation's type, else 0 (null for datetimes).
    fn series_default(&mut self, a: &ast::SeriesAggregate, ty: KqlType) -> BResult<Expr> {
        let Some(d) = &a.default else {
            let zero = match ty {
                KqlType::Real => ScalarValue::Float64(Some(0.0)),
                KqlType::Int => ScalarValue::Int32(Some(0)),
                KqlType::Timespan => ScalarValue::DurationNanosecond(Some(0)),
                KqlType::Datetime => crate::bind::literal::scalar_of(ty, None),
                _ => ScalarValue::Int64(Some(0)),
            };
            return Ok(lit(zero));
        };
        let t = self.constant(d)?;
        let is_null = matches!(&t.expr, Expr::Literal(v, _) if v.is_null());
        if t.ty == ty || is_null || (t.ty.is_numeric() && ty.is_numeric()) {
            return Ok(cast(t.expr, ty.arrow()));
        }
        Err(self.error(error::TYPE_MISMATCH, d.span, format!("the default of a {ty} series cannot be a {}", t.ty)))
    }
}

/// Where bin 0 starts and the fixed first and last bins; `origin` is where
/// bin() counts from. `None` when a bin number does not fit a long.
fn bounds(in_range: bool, from: Option<Num>, to: Option<Num>, step: Num, origin: Num) -> Option<Bounds> {
    // (a - b) / step, floored or ceiled, in the axis arithmetic: exactly
    // (in i128) for whole numbers.
    let div = |a: Num, b: Num, ceil: bool| -> Option<i64> {
        match (a, b, step) {
            (Num::Int(a), Num::Int(b), Num::Int(s)) => {
                let (v, s) = (i128::from(a) - i128::from(b), i128::from(s));
                let q = v.div_euclid(s);
                i64::try_from(if ceil && v.rem_euclid(s) != 0 { q + 1 } else { q }).ok()
            }
            _ => {
                let q = (a.real() - b.real()) / step.real();
                let q = if ceil { q.ceil() } else { q.floor() };
                crate::functions::checked::real_to_nanos(q)
            }
        }
    };
    let fixed = |v: Option<Option<i64>>| match v {
        Some(None) => Err(()),
        Some(Some(n)) => Ok(Some(n)),
        None => Ok(None),
    };
    let b = if in_range {
        // bin(): bins counted from the origin; `to` is inclusive.
        let hi = to.map(|t| div(t, origin, false).and_then(|q| q.checked_add(1)));
        Bounds { base: origin, lo: fixed(from.map(|f| div(f, origin, false))).ok()?, hi: fixed(hi).ok()? }
    } else {
        match from {
            // bin_at(Axis, step, from): bins counted from `from`; `to` is exclusive.
            Some(f) => {
                let hi = to.map(|t| div(t, f, true).map(|q| q.max(0)));
                Bounds { base: f, lo: Some(0), hi: fixed(hi).ok()? }
            }
            None => Bounds { base: origin, lo: None, hi: fixed(to.map(|t| div(t, origin, true))).ok()? },
        }
    };
    Some(b)
}

/// make-series-operator.md's `other=-1 default=-2`: a constant in place of
/// an aggregation is that constant in every bin with rows (and the default
/// elsewhere), which `take_any(constant)` gives.
fn constant_as_aggregate(a: &ast::Assign) -> ast::Assign {
    fn literal(e: &ast::Expr) -> bool {
        match &e.kind {
            ExprKind::Literal(_) => true,
            ExprKind::Unary { operand, .. } => literal(operand),
            _ => false,
        }
    }
    if !literal(&a.value) {
        return a.clone();
    }
    let span = a.value.span;
    let func = ast::Expr { kind: ExprKind::Name(Ident { name: "take_any".to_string(), span }), span };
    let args = vec![ast::Arg { name: None, value: a.value.clone() }];
    ast::Assign {
        names: a.names.clone(),
        value: ast::Expr { kind: ExprKind::Call { func: Box::new(func), args }, span },
        span: a.span,
    }
}
