//! Tabular operators, one module per family. Each takes the bound input and
//! returns the bound output.

mod evaluate;
mod expand;
mod external;
mod find;
mod graph;
mod join;
mod join_filter;
mod make_series;
mod multi_assign;
mod mv_apply;
mod parse;
mod parse_kv;
mod partition;
mod percentiles;
mod project;
mod project_by_names;
mod reduce;
mod sample;
mod scan;
mod search;
mod sketches;
mod source;
mod summarize;
mod top_nested;
mod union;
mod union_needed;

pub(crate) use evaluate::{LearnKind, Learned, Pending, learn};
pub(crate) use graph::is_node_function;
pub(crate) use summarize::AggCollector;

use datafusion::logical_expr::{LogicalPlanBuilder, SortExpr};
use kql_syntax::ast::{self, NullsOrder, Operator, OperatorKind, SortOrder};

use super::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

impl<'a> Binder<'a> {
    pub(crate) fn operator(&mut self, input: Tab, op: &Operator) -> BResult<Tab> {
        let span = op.span;
        self.check_deadline(span)?;
        self.row_serialized = matches!(op.kind, OperatorKind::Serialize(_)) || is_serialized(&input.plan);
        match &op.kind {
            OperatorKind::Where(p) => {
                let (t, wins) = {
                    let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
                    self.with_windows(|b| b.scalar(p, row))?
                };
                let cols = Self::all_columns(&input.plan);
                let t = self.coerce_dynamic(t, KqlType::Bool);
                if t.ty != KqlType::Bool {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        p.span,
                        format!("`where` needs a bool predicate, found a {}", t.ty),
                    ));
                }
                let mut plan = input.plan;
                if !wins.is_empty() {
                    plan = self.windowed(plan, wins, span)?;
                }
                let filter = datafusion::logical_expr::Filter::try_new(t.expr, std::sync::Arc::new(plan));
                let plan = self.df(span, filter.map(datafusion::logical_expr::LogicalPlan::Filter))?;
                let plan = self.projection(span, plan, cols)?;
                Ok(Tab { plan, source: input.source })
            }
            OperatorKind::Extend(items) => self.extend(input, items),
            OperatorKind::Project(items) => self.project(input, items, span),
            OperatorKind::ProjectAway(cols) => self.project_away(input, cols, false),
            OperatorKind::ProjectKeep(cols) => self.project_away(input, cols, true),
            OperatorKind::ProjectByNames(specs) => self.project_by_names(input, specs),
            OperatorKind::ProjectRename(items) => self.project_rename(input, items),
            OperatorKind::ProjectReorder(items) => self.project_reorder(input, items),
            OperatorKind::Summarize(s) => self.summarize(input, s, span),
            OperatorKind::Sort(keys) => {
                let sorts = self.sort_keys(&input, keys)?;
                let plan = self.build(span, LogicalPlanBuilder::from(input.plan).sort(sorts))?;
                Ok(Tab { plan, source: input.source })
            }
            OperatorKind::Top { count, by } => {
                let n = self.row_count(count)?;
                let sorts = self.sort_keys(&input, std::slice::from_ref(by))?;
                let plan = match n {
                    0 => no_rows(&input.plan),
                    _ => self.build(span, LogicalPlanBuilder::from(input.plan).sort_with_limit(sorts, Some(n)))?,
                };
                Ok(Tab { plan, source: input.source })
            }
            OperatorKind::Sample(count) => self.sample(input, count, span),
            OperatorKind::SampleDistinct { count, of } => self.sample_distinct(input, count, of, span),
            OperatorKind::Take(count) => {
                let plan = match self.row_count(count)? {
                    0 => no_rows(&input.plan),
                    n => self.build(span, LogicalPlanBuilder::from(input.plan).limit(0, Some(n)))?,
                };
                Ok(Tab { plan, source: input.source })
            }
            OperatorKind::Distinct(items) => self.distinct(input, items, span),
            OperatorKind::Count => {
                let count =
                    datafusion::functions_aggregate::expr_fn::count(datafusion::logical_expr::lit(1i64)).alias("Count");
                let plan = self.build(
                    span,
                    LogicalPlanBuilder::from(input.plan)
                        .aggregate(Vec::<datafusion::logical_expr::Expr>::new(), vec![count]),
                )?;
                Ok(Tab { plan, source: None })
            }
            OperatorKind::Union(u) => self.union(Some(input), u, span, true, &[]),
            OperatorKind::Search(s) => self.search(Some(input), s, span),
            OperatorKind::Join(j) => self.join(input, j, span, false, &[]),
            OperatorKind::Lookup(j) => self.join(input, j, span, true, &[]),
            OperatorKind::As { name, .. } => {
                let named = Tab { plan: input.plan, source: Some(name.name.clone()) };
                self.env.push((name.name.clone(), super::Value::Table(named.clone())));
                Ok(named)
            }
            OperatorKind::Serialize(items) => {
                // Mark the rows as ordered, for the window functions after it.
                let cols = Self::all_columns(&input.plan);
                let b = LogicalPlanBuilder::from(input.plan).alias(SERIALIZED).and_then(|b| b.project(cols));
                let plan = self.build(span, b)?;
                self.extend(Tab { plan, source: input.source }, items)
            }
            OperatorKind::Render(_) => Ok(input),
            OperatorKind::MvExpand(m) => self.mv_expand(input, m, span),
            OperatorKind::MakeSeries(m) => self.make_series(input, m, span),
            OperatorKind::MvApply(m) => self.mv_apply(input, m, span),
            OperatorKind::Parse(p) => self.parse_operator(input, p, span),
            OperatorKind::ParseKv(p) => self.parse_kv(input, p, span),
            OperatorKind::Scan(s) => self.scan(input, s, span),
            OperatorKind::Getschema => self.getschema(input, span),
            OperatorKind::Invoke(call) => self.invoke(input, call, span),
            OperatorKind::Evaluate(e) => self.evaluate(input, e, span),
            OperatorKind::Partition(p) => self.partition(input, p, span),
            OperatorKind::TopNested(levels) => self.top_nested(input, levels, span),
            OperatorKind::Reduce { options, by, with } => self.reduce(input, options, by, with, span),
            OperatorKind::GraphMatch(_) | OperatorKind::GraphToTable(_) | OperatorKind::GraphMarkComponents(_) => {
                Err(self.error(
                    error::BAD_ARGUMENTS,
                    span,
                    "a graph operator reads the graph `make-graph` builds just before it",
                ))
            }
            other => {
                let name = operator_name(other);
                Err(self.not_implemented(span, &format!("the `{name}` operator")))
            }
        }
    }

    /// `operator`, told the operators after it: a `join` moves the filters
    /// on its left side's columns that follow it before its deduplication;
    /// a `union` leaves out the documented tables' columns they drop unread.
    pub(crate) fn operator_before(&mut self, input: Tab, op: &Operator, after: &[Operator]) -> BResult<Tab> {
        match &op.kind {
            OperatorKind::Join(j) => {
                self.check_deadline(op.span)?;
                self.row_serialized = is_serialized(&input.plan);
                self.join(input, j, op.span, false, after)
            }
            OperatorKind::Union(u) => {
                self.check_deadline(op.span)?;
                self.row_serialized = is_serialized(&input.plan);
                self.union(Some(input), u, op.span, true, after)
            }
            _ => self.operator(input, op),
        }
    }

    /// `T | invoke f(a, b)`: `f(T, a, b)`, `f` a `let`-bound function
    /// whose first parameter is tabular (invoke-operator.md).
    fn invoke(&mut self, input: Tab, call: &ast::Expr, span: kql_syntax::Span) -> BResult<Tab> {
        let ast::ExprKind::Call { func, args } = &call.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, call.span, "`invoke` takes a function call, such as f(x)"));
        };
        let ast::ExprKind::Name(name) = &func.kind else {
            return Err(self.not_implemented(func.span, "`invoke` of this kind of expression"));
        };
        let Some(super::Value::Function(f)) = self.lookup(&name.name).cloned() else {
            return Err(self.error(
                error::UNKNOWN_NAME,
                name.span,
                format!("`{}` is not a function defined with `let`", name.name),
            ));
        };
        if !matches!(f.lambda.params.first().map(|p| &p.ty), Some(ast::ParamType::Tabular(_))) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                name.span,
                format!("`invoke` needs a function whose first parameter is a table; `{}`'s is not", name.name),
            ));
        }
        // The input, under a name no query can write, as the first argument.
        const INPUT: &str = " invoke input";
        let first = ast::Arg {
            name: None,
            value: ast::Expr {
                kind: ast::ExprKind::Name(ast::Ident { name: INPUT.to_string(), span: call.span }),
                span: call.span,
            },
        };
        let all: Vec<ast::Arg> = std::iter::once(first).chain(args.iter().cloned()).collect();
        self.env.push((INPUT.to_string(), super::Value::Table(input)));
        let result = self.call_function(&f, &all, span, None);
        self.env.pop();
        match result? {
            super::CallResult::Table(t) => Ok(t),
            super::CallResult::Scalar(_) => Err(self.error(
                error::TYPE_MISMATCH,
                span,
                format!("`{}` returns a scalar; `invoke` needs a function that returns a table", name.name),
            )),
        }
    }

    /// A constant row count (`take 10`).
    fn row_count(&mut self, e: &ast::Expr) -> BResult<usize> {
        let t = self.constant(e)?;
        match t.expr {
            datafusion::logical_expr::Expr::Literal(v, _) => match v {
                datafusion::common::ScalarValue::Int64(Some(n)) if n >= 0 => Ok(n as usize),
                datafusion::common::ScalarValue::Int32(Some(n)) if n >= 0 => Ok(n as usize),
                _ => Err(self.error(error::BAD_ARGUMENTS, e.span, "expected a non-negative whole number of rows")),
            },
            _ => Err(self.error(error::NOT_CONSTANT, e.span, "the number of rows must be a constant")),
        }
    }

    /// Sort keys with Kusto's defaults: descending; nulls first when
    /// ascending, last when descending.
    fn sort_keys(&mut self, input: &Tab, keys: &[ast::SortKey]) -> BResult<Vec<SortExpr>> {
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        let mut out = Vec::new();
        for k in keys {
            let t = self.scalar(&k.expr, row)?;
            if t.ty == KqlType::Dynamic {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    k.expr.span,
                    "cannot sort by a dynamic value; convert it first",
                ));
            }
            let asc = k.order == Some(SortOrder::Asc);
            let nulls_first = match k.nulls {
                Some(NullsOrder::First) => true,
                Some(NullsOrder::Last) => false,
                None => asc,
            };
            if t.ty == KqlType::Real {
                // Kusto keeps NaN next to null: null, NaN, values (nulls first)
                // or values, NaN, null (nulls last).
                use datafusion::logical_expr::{lit, when};
                let nan = datafusion::functions::math::expr_fn::isnan(t.expr.clone());
                let class = when(t.expr.clone().is_null(), lit(0i32)).when(nan, lit(1i32)).otherwise(lit(2i32));
                let class = self.df(k.expr.span, class)?;
                out.push(SortExpr::new(class, nulls_first, false));
            }
            out.push(SortExpr::new(t.expr, asc, nulls_first));
        }
        Ok(out)
    }

    fn distinct(&mut self, input: Tab, items: &[ast::Assign], span: kql_syntax::Span) -> BResult<Tab> {
        if items.len() == 1 && matches!(items[0].value.kind, ast::ExprKind::Wildcard(_)) {
            let plan = self.build(span, LogicalPlanBuilder::from(input.plan).distinct())?;
            return Ok(Tab { plan, source: input.source });
        }
        let projected = self.project(input, items, span)?;
        let plan = self.build(span, LogicalPlanBuilder::from(projected.plan).distinct())?;
        Ok(Tab { plan, source: projected.source })
    }

    fn getschema(&mut self, input: Tab, span: kql_syntax::Span) -> BResult<Tab> {
        use datafusion::logical_expr::lit;
        let rows: Vec<Vec<datafusion::logical_expr::Expr>> = input
            .plan
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let ty = KqlType::of(f.data_type());
                vec![lit(f.name().as_str()), lit(i as i32), lit(clr_type(ty)), lit(ty.name())]
            })
            .collect();
        if rows.is_empty() {
            return Err(self.error(error::NO_RESULT, span, "the input has no columns"));
        }
        let values = self.build(span, LogicalPlanBuilder::values(rows))?;
        let names = ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"];
        let exprs: Vec<_> = values
            .schema()
            .fields()
            .iter()
            .zip(names)
            .map(|(f, n)| {
                let c = Self::column(f.name());
                let c =
                    if n == "ColumnOrdinal" { c } else { datafusion::logical_expr::cast(c, KqlType::String.arrow()) };
                c.alias(n)
            })
            .collect();
        let plan = self.build(span, LogicalPlanBuilder::from(values).project(exprs))?;
        Ok(Tab { plan, source: None })
    }
}

/// The alias `serialize` wraps its input in.
const SERIALIZED: &str = "__serialized";

/// Whether a plan's rows have a defined order (Kusto's "serialized"): after
/// a sort or top, and from print, datatable and range; kept by operators
/// that go row by row.
fn is_serialized(plan: &datafusion::logical_expr::LogicalPlan) -> bool {
    use datafusion::logical_expr::LogicalPlan as P;
    // A loop, not recursion: a pipeline is as long as the query.
    let mut plan = plan;
    loop {
        plan = match plan {
            P::Sort(_) | P::Values(_) | P::EmptyRelation(_) => return true,
            P::Projection(p) => &p.input,
            P::Filter(f) => &f.input,
            P::Limit(l) => &l.input,
            P::Window(w) => &w.input,
            P::SubqueryAlias(a) if a.alias.table() == SERIALIZED => return true,
            P::SubqueryAlias(a) => &a.input,
            P::Unnest(u) => &u.input,
            _ => return false,
        };
    }
}

/// The .NET type name `getschema` reports for a KQL type.
pub(crate) fn clr_type(t: KqlType) -> &'static str {
    match t {
        KqlType::Bool => "System.SByte",
        KqlType::Int => "System.Int32",
        KqlType::Long => "System.Int64",
        KqlType::Real => "System.Double",
        KqlType::Decimal => "System.Data.SqlTypes.SqlDecimal",
        KqlType::String => "System.String",
        KqlType::Datetime => "System.DateTime",
        KqlType::Timespan => "System.TimeSpan",
        KqlType::Guid => "System.Guid",
        KqlType::Dynamic => "System.Object",
    }
}

/// The KQL name of an operator, for messages.
pub(crate) fn operator_name(k: &OperatorKind) -> &'static str {
    match k {
        OperatorKind::Where(_) => "where",
        OperatorKind::Extend(_) => "extend",
        OperatorKind::Project(_) => "project",
        OperatorKind::ProjectAway(_) => "project-away",
        OperatorKind::ProjectKeep(_) => "project-keep",
        OperatorKind::ProjectRename(_) => "project-rename",
        OperatorKind::ProjectReorder(_) => "project-reorder",
        OperatorKind::ProjectByNames(_) => "project-by-names",
        OperatorKind::Summarize(_) => "summarize",
        OperatorKind::Sort(_) => "sort",
        OperatorKind::Top { .. } => "top",
        OperatorKind::TopNested(_) => "top-nested",
        OperatorKind::TopHitters { .. } => "top-hitters",
        OperatorKind::Take(_) => "take",
        OperatorKind::Distinct(_) => "distinct",
        OperatorKind::Count => "count",
        OperatorKind::Union(_) => "union",
        OperatorKind::Join(_) => "join",
        OperatorKind::Lookup(_) => "lookup",
        OperatorKind::MvExpand(_) => "mv-expand",
        OperatorKind::MvApply(_) => "mv-apply",
        OperatorKind::Parse(p) => {
            if p.where_ {
                "parse-where"
            } else {
                "parse"
            }
        }
        OperatorKind::ParseKv(_) => "parse-kv",
        OperatorKind::MakeSeries(_) => "make-series",
        OperatorKind::Evaluate(_) => "evaluate",
        OperatorKind::Render(_) => "render",
        OperatorKind::As { .. } => "as",
        OperatorKind::Serialize(_) => "serialize",
        OperatorKind::Sample(_) => "sample",
        OperatorKind::SampleDistinct { .. } => "sample-distinct",
        OperatorKind::Search(_) => "search",
        OperatorKind::Find(_) => "find",
        OperatorKind::Getschema => "getschema",
        OperatorKind::Invoke(_) => "invoke",
        OperatorKind::Facet { .. } => "facet",
        OperatorKind::Fork(_) => "fork",
        OperatorKind::Partition(_) => "partition",
        OperatorKind::Scan(_) => "scan",
        OperatorKind::Range { .. } => "range",
        OperatorKind::Print(_) => "print",
        OperatorKind::Datatable { .. } => "datatable",
        OperatorKind::Externaldata { .. } => "externaldata",
        OperatorKind::InlineExternalTable(_) => "inline_external_table",
        OperatorKind::Reduce { .. } => "reduce",
        OperatorKind::Consume(_) => "consume",
        OperatorKind::ProjectSmart => "project-smart",
        OperatorKind::MacroExpand { .. } => "macro-expand",
        OperatorKind::MakeGraph(_) => "make-graph",
        OperatorKind::GraphMatch(g) => {
            if g.shortest {
                "graph-shortest-paths"
            } else {
                "graph-match"
            }
        }
        OperatorKind::GraphToTable(_) => "graph-to-table",
        OperatorKind::GraphMarkComponents(_) => "graph-mark-components",
        OperatorKind::Error => "?",
    }
}

/// No rows, with the columns of `plan`: what `take 0`, `top 0` and
/// `sample 0` give. A limit of 0 is not planned: pushed into a sort, it
/// would ask DataFusion's top-k for no rows, which it does not take.
pub(crate) fn no_rows(plan: &datafusion::logical_expr::LogicalPlan) -> datafusion::logical_expr::LogicalPlan {
    datafusion::logical_expr::LogicalPlan::EmptyRelation(datafusion::logical_expr::EmptyRelation {
        produce_one_row: false,
        schema: std::sync::Arc::clone(plan.schema()),
    })
}
