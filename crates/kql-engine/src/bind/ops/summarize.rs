//! `summarize` and the aggregation functions.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::{coalesce, get_field, named_struct};
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlanBuilder, SortExpr, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, ExprKind};

use crate::bind::names::{AGGREGATES, NameTable, inferred};
use crate::bind::{BResult, Binder, Row, Tab, Typed};
use crate::error;
use crate::functions::aggregate;
use crate::functions::collect::{Collect, MAX_ELEMENTS, collect_to_dynamic};
use crate::functions::collect_agg::collect_aggregate;
use crate::functions::rowwise::row_func;
use crate::types::KqlType;

/// Aggregations collected while binding one `summarize` item.
#[derive(Default)]
pub(crate) struct AggCollector {
    pub aggs: Vec<Expr>,
}

/// A bound `summarize`: the group keys, the aggregations, and the output
/// columns computed from them.
pub(crate) struct SummarizeParts {
    /// The group keys, aliased to their output names.
    pub group: Vec<Expr>,
    /// The aggregations, aliased to internal names.
    pub aggs: Vec<Expr>,
    /// The output columns, over the keys and the aggregations.
    pub post: Vec<Expr>,
    /// What to aggregate: the input, with the keys of a sort below it
    /// carried up (hidden columns) when `make_list` follows its order.
    pub input: datafusion::logical_expr::LogicalPlan,
}

impl<'a> Binder<'a> {
    pub(crate) fn summarize(&mut self, input: Tab, s: &ast::Summarize, span: Span) -> BResult<Tab> {
        let SummarizeParts { group, aggs, post, input } = self.summarize_parts(&input, s, span)?;
        let b = LogicalPlanBuilder::from(input).aggregate(group, aggs).and_then(|b| b.project(post));
        let plan = self.build(span, b)?;
        Ok(Tab { plan, source: None })
    }

    /// Binds the keys and aggregations of `s` over `input`.
    pub(crate) fn summarize_parts(&mut self, input: &Tab, s: &ast::Summarize, span: Span) -> BResult<SummarizeParts> {
        let renamed = with_multi_column_aliases(s);
        let s = renamed.as_ref().unwrap_or(s);
        // Bound over the input's own columns; aggregated over `plan`, which
        // has those and the hidden sort keys.
        let (plan, sorted) = match self.ordered(input.plan.clone(), span)? {
            Some(o) => (o.plan, Some(o.keys)),
            None => (input.plan.clone(), None),
        };
        self.sorted_input = sorted;
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        let mut names = NameTable::default();
        let mut group = Vec::new();
        let mut out_cols: Vec<String> = Vec::new();
        for key in &s.by {
            let t = self.scalar(&key.value, row)?;
            if t.ty == KqlType::Dynamic {
                return Err(self.error_help(
                    error::TYPE_MISMATCH,
                    key.value.span,
                    "cannot group by a dynamic value",
                    "convert it first, for example `by tostring(Props.x)`",
                ));
            }
            let name = match key.names.first().map(|n| n.name.clone()).or_else(|| inferred(&key.value)) {
                Some(n) => names.unique(&n),
                None => names.column(),
            };
            group.push(t.expr.alias(&name));
            out_cols.push(name);
        }
        let by_names = out_cols.clone();
        let mut aggs: Vec<Expr> = Vec::new();
        let mut post: Vec<Expr> = by_names.iter().map(|n| Self::column(n)).collect();
        for item in &s.aggregates {
            // Aggregations that produce several columns: arg_max, arg_min, take_any(*).
            if let ExprKind::Call { func, args } = &item.value.kind
                && let ExprKind::Name(f) = &func.kind
                && (matches!(f.name.as_str(), "arg_max" | "arg_min")
                    || (f.name == "take_any" && (args.len() > 1 || args.iter().any(is_star))))
            {
                let cols = self.multi_column_aggregate(&f.name, args, item, row, &by_names, &mut names, &mut aggs)?;
                post.extend(cols);
                continue;
            }
            if let ExprKind::Call { func, args } = &item.value.kind
                && let ExprKind::Name(f) = &func.kind
                && matches!(f.name.as_str(), "percentiles" | "percentilesw")
            {
                let (cols, found) = self.with_aggregates(|b| b.percentiles(&f.name, args, item, row, &mut names))?;
                aggs.extend(found.aggs);
                post.extend(cols);
                continue;
            }
            let collected = self.with_aggregates(|b| b.scalar(&item.value, row))?;
            let (t, found) = collected;
            if found.aggs.is_empty() {
                return Err(self.error_help(
                    error::BAD_ARGUMENTS,
                    item.value.span,
                    "expected an aggregation such as count(), sum(x) or dcount(x)",
                    "group keys go after `by`",
                ));
            }
            aggs.extend(found.aggs);
            let name = match item.names.first().map(|n| n.name.clone()).or_else(|| default_agg_name(&item.value)) {
                Some(n) => names.unique(&n),
                None => names.column(),
            };
            post.push(t.expr.alias(&name));
        }
        Ok(SummarizeParts { group, aggs, post, input: plan })
    }

    /// Runs `f` with aggregation calls allowed; returns what they collected.
    pub(crate) fn with_aggregates<T>(&mut self, f: impl FnOnce(&mut Self) -> BResult<T>) -> BResult<(T, AggCollector)> {
        let saved = self.aggs.replace(AggCollector::default());
        let r = f(self);
        let collected = std::mem::replace(&mut self.aggs, saved).unwrap_or_default();
        Ok((r?, collected))
    }

    /// Binds an aggregation call inside `summarize`: the aggregate goes to
    /// the collector, and the expression becomes a reference to its result.
    pub(crate) fn aggregate_call(&mut self, name: &str, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        if self.aggs.is_none() {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                span,
                format!("`{name}` is an aggregation, allowed only in `summarize`"),
                "summarize it first: `| summarize x = count() by Key`",
            ));
        }
        let arg = |b: &mut Self, i: usize| -> BResult<Typed> {
            match args.get(i) {
                Some(a) => b.scalar(&a.value, row),
                None => Err(b.error(error::BAD_ARGUMENTS, span, format!("`{name}` needs more arguments"))),
            }
        };
        let pred = |b: &mut Self, i: usize| -> BResult<Expr> {
            let t = arg(b, i)?;
            let t = b.coerce_dynamic(t, KqlType::Bool);
            if t.ty != KqlType::Bool {
                return Err(b.error(error::TYPE_MISMATCH, args[i].value.span, "the predicate must be a bool"));
            }
            Ok(t.expr)
        };
        let filtered = |b: &mut Self, e: Expr, p: Option<Expr>| -> BResult<Expr> {
            match p {
                None => Ok(e),
                Some(p) => b.df(span, e.filter(p).build()),
            }
        };
        let max_args = match name {
            "count" | "make_list_with_nulls" | "buildschema" => 1,
            "countif" | "dcount" | "sum" | "avg" | "min" | "max" | "make_set" | "make_list" | "stdev" | "variance"
            | "stdevp" | "variancep" | "take_any" | "count_distinct" | "make_bag" | "count_distinctif" => 2,
            "percentilesw_array" => 66,
            _ => 3,
        };
        if args.len() > max_args {
            return Err(self.error(error::BAD_ARGUMENTS, span, format!("too many arguments for `{name}`")));
        }
        let (expr, ty) = match name {
            "count" => (agg::count(lit(1i64)), KqlType::Long),
            "countif" => {
                let p = pred(self, 0)?;
                (coalesce(vec![filtered(self, agg::count(lit(1i64)), Some(p))?, lit(0i64)]), KqlType::Long)
            }
            "dcount" | "count_distinct" | "dcountif" | "count_distinctif" => {
                let x = arg(self, 0)?;
                let p = if name == "dcountif" || name == "count_distinctif" { Some(pred(self, 1)?) } else { None };
                // DISTINCT and FILTER in one builder: rebuilding drops the other.
                let mut b = datafusion::functions_aggregate::count::count_udaf().call(vec![x.expr]).distinct();
                if let Some(p) = p {
                    b = b.filter(p);
                }
                (coalesce(vec![self.df(span, b.build())?, lit(0i64)]), KqlType::Long)
            }
            "sum" | "sumif" => {
                let x = arg(self, 0)?;
                let p = if name == "sumif" { Some(pred(self, 1)?) } else { None };
                let ty = if x.ty == KqlType::Int { KqlType::Long } else { x.ty };
                if !x.ty.is_numeric() && x.ty != KqlType::Timespan {
                    return Err(self.error(error::TYPE_MISMATCH, args[0].value.span, format!("cannot sum a {}", x.ty)));
                }
                let zero = crate::bind::literal::scalar_of(ty, None);
                let zero = match ty {
                    KqlType::Real => ScalarValue::Float64(Some(0.0)),
                    KqlType::Long => ScalarValue::Int64(Some(0)),
                    _ => zero,
                };
                if ty == KqlType::Timespan {
                    // Summed exactly; a total no timespan holds is null, not wrapped.
                    let sum = filtered(self, agg::sum(cast(cast(x.expr, DataType::Int64), EXACT)), p)?;
                    (timespan_of_exact(sum), ty)
                } else if ty == KqlType::Long {
                    // Summed exactly; a total no long holds is an overflow
                    // error (concepts/overflow.md), not a wrapped value.
                    let sum = filtered(self, agg::sum(cast(x.expr, EXACT)), p)?;
                    (coalesce(vec![cast(sum, DataType::Int64), lit(zero)]), ty)
                } else {
                    (coalesce(vec![cast(filtered(self, agg::sum(x.expr), p)?, ty.arrow()), lit(zero)]), ty)
                }
            }
            "avg" | "avgif" => {
                let x = arg(self, 0)?;
                let p = if name == "avgif" { Some(pred(self, 1)?) } else { None };
                if x.ty == KqlType::Timespan {
                    // The average of timespans is a timespan.
                    let avg = filtered(self, agg::avg(cast(cast(x.expr, DataType::Int64), EXACT)), p)?;
                    (timespan_of_exact(avg), KqlType::Timespan)
                } else if matches!(x.ty, KqlType::Long | KqlType::Int) {
                    // Summed exactly and divided once: the same answer
                    // whatever order the rows are summed in (a sum of
                    // longs in doubles keeps only 53 bits, so large values
                    // of both signs leave an error that order decides).
                    let sum = filtered(self, agg::sum(cast(x.expr.clone(), EXACT)), p.clone())?;
                    let n = filtered(self, agg::count(x.expr), p)?;
                    let e = cast(sum, DataType::Float64) / cast(n, DataType::Float64);
                    (coalesce(vec![e, lit(f64::NAN)]), KqlType::Real)
                } else {
                    let e = filtered(self, agg::avg(cast(x.expr, DataType::Float64)), p)?;
                    (coalesce(vec![e, lit(f64::NAN)]), KqlType::Real)
                }
            }
            "min" | "max" | "minif" | "maxif" => {
                let x = arg(self, 0)?;
                let p = if name.ends_with("if") { Some(pred(self, 1)?) } else { None };
                let e = if name.starts_with("min") { agg::min(x.expr) } else { agg::max(x.expr) };
                (filtered(self, e, p)?, x.ty)
            }
            "make_set" | "make_set_if" | "make_list" | "make_list_if" => {
                let x = arg(self, 0)?;
                let p = if name.ends_with("_if") { Some(pred(self, 1)?) } else { None };
                let not_null = x.expr.clone().is_not_null();
                let keep = match p {
                    Some(p) => p.and(not_null),
                    None => not_null,
                };
                let max = self.max_size(args.get(if name.ends_with("_if") { 2 } else { 1 }))?;
                let kind = if name.starts_with("make_set") { Collect::Set } else { Collect::List };
                // make_list keeps the order of sorted input.
                let order = match kind {
                    Collect::List => self.sorted_input.clone().unwrap_or_default(),
                    _ => Vec::new(),
                };
                if order.is_empty() {
                    let call = collect_aggregate(kind, max).call(vec![x.expr]);
                    (self.df(span, call.filter(keep).build())?, KqlType::Dynamic)
                } else {
                    let call = datafusion::functions_aggregate::array_agg::array_agg_udaf().call(vec![x.expr]);
                    let list = self.df(span, call.order_by(order).filter(keep).build())?;
                    (collect_to_dynamic(kind).call(vec![list, lit(max)]), KqlType::Dynamic)
                }
            }
            "make_list_with_nulls" => {
                // Nulls kept, in the order of sorted input; no maxSize.
                let x = arg(self, 0)?;
                let order = self.sorted_input.clone().unwrap_or_default();
                let call = datafusion::functions_aggregate::array_agg::array_agg_udaf().call(vec![x.expr]);
                let list = self.df(span, call.order_by(order).build())?;
                (collect_to_dynamic(Collect::ListWithNulls).call(vec![list, lit(i64::MAX)]), KqlType::Dynamic)
            }
            "make_bag" | "make_bag_if" => {
                let x = arg(self, 0)?;
                if x.ty != KqlType::Dynamic {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        args[0].value.span,
                        format!("`{name}` takes dynamic property bags, not a {}", x.ty),
                    ));
                }
                let (p, size_at) = if name == "make_bag_if" { (Some(pred(self, 1)?), 2) } else { (None, 1) };
                let max_size = self.max_size(args.get(size_at))?;
                let not_null = x.expr.clone().is_not_null();
                let keep = match p {
                    Some(p) => p.and(not_null),
                    None => not_null,
                };
                let call = collect_aggregate(Collect::Bag, max_size).call(vec![x.expr]);
                (self.df(span, call.filter(keep).build())?, KqlType::Dynamic)
            }
            "take_any" | "any" | "take_anyif" => {
                // One column: a non-null, non-empty value when there is one
                // (of the rows where the predicate holds, for take_anyif).
                let x = arg(self, 0)?;
                let present = if x.ty == KqlType::String {
                    datafusion::logical_expr::binary_expr(
                        x.expr.clone(),
                        datafusion::logical_expr::Operator::NotEq,
                        lit(""),
                    )
                } else {
                    x.expr.clone().is_not_null()
                };
                let present = if name == "take_anyif" { present.and(pred(self, 1)?) } else { present };
                let first = datafusion::functions_aggregate::first_last::first_value_udaf().call(vec![x.expr]);
                let e = self.df(span, first.filter(present).build())?;
                let e = if x.ty == KqlType::String { coalesce(vec![e, lit("")]) } else { e };
                (e, x.ty)
            }
            "covariance" | "covariancep" | "covarianceif" | "covariancepif" => {
                let (x, y) = (arg(self, 0)?, arg(self, 1)?);
                for (t, a) in [(&x, &args[0]), (&y, &args[1])] {
                    if !t.ty.is_numeric() {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            a.value.span,
                            format!("`{name}` takes numbers, not a {}", t.ty),
                        ));
                    }
                }
                let p = if name.ends_with("if") { Some(pred(self, 2)?) } else { None };
                let (fx, fy) = (cast(x.expr, DataType::Float64), cast(y.expr, DataType::Float64));
                let e = if name.starts_with("covariancep") {
                    datafusion::functions_aggregate::covariance::covar_pop(fx, fy)
                } else {
                    datafusion::functions_aggregate::covariance::covar_samp(fx, fy)
                };
                (filtered(self, e, p)?, KqlType::Real)
            }
            "binary_all_and" | "binary_all_or" | "binary_all_xor" => {
                let x = arg(self, 0)?;
                if !matches!(x.ty, KqlType::Int | KqlType::Long) {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        args[0].value.span,
                        format!("`{name}` takes a long, not a {}", x.ty),
                    ));
                }
                let v = cast(x.expr, DataType::Int64);
                let e = match name {
                    "binary_all_and" => datafusion::functions_aggregate::bit_and_or_xor::bit_and(v),
                    "binary_all_or" => datafusion::functions_aggregate::bit_and_or_xor::bit_or(v),
                    _ => datafusion::functions_aggregate::bit_and_or_xor::bit_xor(v),
                };
                (e, KqlType::Long)
            }
            "stdev" | "stdevp" | "variance" | "variancep" | "stdevif" | "varianceif" | "stdevpif" | "variancepif" => {
                let x = arg(self, 0)?;
                let p = if name.ends_with("if") { Some(pred(self, 1)?) } else { None };
                let f = cast(x.expr, DataType::Float64);
                let e = match name {
                    "stdev" | "stdevif" => agg::stddev(f),
                    "stdevp" | "stdevpif" => agg::stddev_pop(f),
                    "variance" | "varianceif" => agg::var_sample(f),
                    _ => agg::var_pop(f),
                };
                // Empty input gives 0, as Kusto documents.
                (coalesce(vec![filtered(self, e, p)?, lit(0.0f64)]), KqlType::Real)
            }
            "percentile" => {
                // Nearest rank: the smallest value with at least p% of the values at or below it.
                let x = arg(self, 0)?;
                let p = self.constant_f64(args.get(1), span)?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(self.error(error::BAD_ARGUMENTS, span, "the percentile must be between 0 and 100"));
                }
                // Whole numbers stay whole: datetimes and timespans as their nanoseconds.
                let (values, ret) = match x.ty {
                    KqlType::Real | KqlType::Decimal => (cast(x.expr, DataType::Float64), KqlType::Real),
                    KqlType::Int | KqlType::Long => (x.expr, KqlType::Long),
                    KqlType::Datetime | KqlType::Timespan => (cast(x.expr, DataType::Int64), KqlType::Long),
                    other => {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            args[0].value.span,
                            format!("`{name}` takes numbers, datetimes or timespans, not a {other}"),
                        ));
                    }
                };
                let f = row_func("percentile_nearest_rank", ret, aggregate::nearest_rank);
                let e = f.call(vec![agg::array_agg(values), lit(p)]);
                let ty = if x.ty == KqlType::Decimal { KqlType::Real } else { x.ty };
                (if ty == ret { e } else { cast(e, ty.arrow()) }, ty)
            }
            "percentilew" | "percentilesw_array" => self.weighted_percentile(name, args, span, row)?,
            "tdigest" | "tdigest_merge" | "hll" | "hll_if" | "hll_merge" => {
                self.sketch_aggregate(name, args, span, row)?
            }
            "buildschema" => {
                let x = arg(self, 0)?;
                if x.ty != KqlType::Dynamic {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        args[0].value.span,
                        format!("`buildschema` takes dynamic values, not a {}", x.ty),
                    ));
                }
                let f = row_func("buildschema_of_values", KqlType::Dynamic, crate::functions::buildschema::buildschema);
                (f.call(vec![agg::array_agg(x.expr)]), KqlType::Dynamic)
            }
            _ => return Err(self.not_implemented(span, &format!("the aggregation `{name}`"))),
        };
        let id = format!("__agg_{}", self.agg_serial);
        self.agg_serial += 1;
        let collector = self.aggs.as_mut().expect("checked above");
        collector.aggs.push(expr.alias(&id));
        Ok(Typed { expr: Self::column(&id), ty })
    }

    /// `maxSize` of `make_list`, `make_set` and `make_bag`: a constant
    /// whole number from 1 to [`MAX_ELEMENTS`], which is also the default
    /// (make-list-aggregation-function.md).
    fn max_size(&mut self, a: Option<&Arg>) -> BResult<i64> {
        let Some(a) = a else { return Ok(MAX_ELEMENTS) };
        let n = self.constant_f64(Some(a), a.value.span)?;
        if n.fract() != 0.0 || !(1.0..=MAX_ELEMENTS as f64).contains(&n) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                a.value.span,
                format!("maxSize must be a whole number from 1 to {MAX_ELEMENTS}"),
            ));
        }
        Ok(n as i64)
    }

    pub(crate) fn constant_f64(&mut self, e: Option<&Arg>, span: Span) -> BResult<f64> {
        let Some(a) = e else {
            return Err(self.error(error::BAD_ARGUMENTS, span, "expected a constant number"));
        };
        let t = self.constant(&a.value)?;
        match t.expr {
            Expr::Literal(ScalarValue::Int64(Some(n)), _) => Ok(n as f64),
            Expr::Literal(ScalarValue::Float64(Some(f)), _) => Ok(f),
            _ => Err(self.error(error::NOT_CONSTANT, a.value.span, "expected a constant number")),
        }
    }

    /// `arg_max(x, cols...)`, `arg_min`, `take_any(*)`: one struct-valued
    /// aggregate (so every column comes from the same row), unpacked.
    #[allow(clippy::too_many_arguments)]
    fn multi_column_aggregate(
        &mut self,
        name: &str,
        args: &[Arg],
        item: &ast::Assign,
        row: Row<'_>,
        by: &[String],
        names: &mut NameTable,
        aggs: &mut Vec<Expr>,
    ) -> BResult<Vec<Expr>> {
        let span = item.span;
        let (key, rest) = if name == "take_any" {
            (None, args)
        } else {
            let Some((k, rest)) = args.split_first() else {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    span,
                    format!("`{name}` needs an expression to maximize"),
                ));
            };
            (Some(k), rest)
        };
        // The output columns: (name, expr).
        let mut cols: Vec<(String, Expr)> = Vec::new();
        let key_t = match key {
            Some(k) => {
                let t = self.scalar(&k.value, row)?;
                let n = match item.names.first() {
                    Some(n) => n.name.clone(),
                    None => inferred(&k.value)
                        .unwrap_or_else(|| if name == "arg_max" { "max_".into() } else { "min_".into() }),
                };
                cols.push((names.unique(&n), t.expr.clone()));
                Some(t)
            }
            None => None,
        };
        // A key that is a column is not repeated by `*`, also when the
        // key's column is named otherwise (`arg_max_x = arg_max(x, *)` gives
        // one column: summarize-operator.md).
        let key_column = key.and_then(|k| match &k.value.kind {
            ExprKind::Name(id) => Some(id.name.as_str()),
            _ => None,
        });
        for a in rest {
            if is_star(a) {
                for f in row.schema.fields() {
                    let n = f.name();
                    if by.contains(n) || cols.iter().any(|(c, _)| c == n) || key_column == Some(n.as_str()) {
                        continue;
                    }
                    cols.push((names.unique(n), Self::column(n)));
                }
            } else {
                let t = self.scalar(&a.value, row)?;
                let n = match &a.name {
                    Some(n) => n.name.clone(),
                    None => inferred(&a.value).unwrap_or_else(|| names.column()),
                };
                cols.push((names.unique(&n), t.expr));
            }
        }
        let struct_args: Vec<Expr> =
            cols.iter().enumerate().flat_map(|(i, (_, e))| [lit(format!("f{i}")), e.clone()]).collect();
        let packed = named_struct(struct_args);
        // Rows whose key is null come last, so they are picked only when
        // every key is null, as Kusto does.
        let order = match &key_t {
            Some(k) => vec![SortExpr::new(k.expr.clone(), name == "arg_min", false)],
            None => vec![],
        };
        let first = datafusion::functions_aggregate::first_last::first_value_udaf().call(vec![packed]);
        let e = if order.is_empty() { first } else { self.df(span, first.order_by(order).build())? };
        let id = format!("__agg_{}", self.agg_serial);
        self.agg_serial += 1;
        aggs.push(e.alias(&id));
        Ok(cols.iter().enumerate().map(|(i, (n, _))| get_field(Self::column(&id), format!("f{i}")).alias(n)).collect())
    }
}

/// Nanoseconds summed or averaged exactly, as decimals.
const EXACT: DataType = DataType::Decimal128(38, 0);

/// An exact sum or average of nanoseconds as a timespan: null when no
/// timespan holds it (a try-cast gives null on overflow).
fn timespan_of_exact(e: Expr) -> Expr {
    let nanos = Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(e), DataType::Int64));
    cast(nanos, KqlType::Timespan.arrow())
}

fn is_star(a: &Arg) -> bool {
    matches!(a.value.kind, ExprKind::Wildcard(_))
}

/// The default name of an aggregation item: `count_`, `sum_x`,
/// `s` with the deprecated spellings of the aggregations that give several
/// columns or have their own binding (`argmax`, `argmin`, `anyif`: the
/// "Deprecated aliases" of their pages) written as their documented names;
/// `None` when it has none.
fn with_multi_column_aliases(s: &ast::Summarize) -> Option<ast::Summarize> {
    let alias = |e: &ast::Expr| match &e.kind {
        ExprKind::Call { func, .. } => match &func.kind {
            ExprKind::Name(f) if matches!(f.name.as_str(), "argmax" | "argmin" | "anyif") => {
                Some(crate::bind::names::canonical_function(&f.name).to_string())
            }
            _ => None,
        },
        _ => None,
    };
    if !s.aggregates.iter().any(|item| alias(&item.value).is_some()) {
        return None;
    }
    let mut out = s.clone();
    for item in &mut out.aggregates {
        let Some(name) = alias(&item.value) else { continue };
        if let ExprKind::Call { func, .. } = &mut item.value.kind
            && let ExprKind::Name(f) = &mut func.kind
        {
            f.name = name;
        }
    }
    Some(out)
}

/// `percentile_x_95`, `set_x` ... A conversion around an aggregation
/// (`tostring(make_set(x))`) is named after its argument, `set_x`.
fn default_agg_name(e: &ast::Expr) -> Option<String> {
    let mut e = e;
    let (f, args) = loop {
        let ExprKind::Call { func, args } = &e.kind else { return None };
        let ExprKind::Name(f) = &func.kind else { return None };
        match args.first() {
            Some(a) if crate::bind::names::named_after_first_argument(&f.name) => e = &a.value,
            _ => break (f, args),
        }
    };
    let fname = crate::bind::names::canonical_function(&f.name);
    let (_, prefix) = AGGREGATES.iter().find(|(n, _)| *n == fname)?;
    let first = args.first().and_then(|a| inferred(&a.value));
    if prefix.is_empty() {
        return first;
    }
    let mut name = format!("{prefix}_{}", first.unwrap_or_default());
    // covariance-aggregation-function.md: named after both its columns.
    if fname.starts_with("covariance")
        && let Some(second) = args.get(1).and_then(|a| inferred(&a.value))
    {
        name.push('_');
        name.push_str(&second);
    }
    if let Some(p) = match f.name.as_str() {
        "percentile" => args.get(1),
        "percentilew" => args.get(2),
        _ => None,
    } {
        name.push('_');
        name.push_str(&percentile_suffix(&p.value));
    }
    Some(name)
}

/// A percentile as it appears in a column name: `95`, `99_9`.
pub(crate) fn percentile_suffix(p: &ast::Expr) -> String {
    let text = kql_syntax::print_expr(p);
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}
