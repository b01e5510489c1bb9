//! `top-nested` (top-nested-operator.md): hierarchical aggregation. Level
//! `i` groups the rows by the values of levels 1 to `i`, aggregates, and
//! keeps, within each group of the levels above, the `N` groups with the
//! largest aggregate (the smallest with `asc`; all without `N`). The
//! result has two columns per level, in level order: the value (named as
//! `summarize ... by` names it, or `Name=`) and the aggregate (named
//! `aggregated_` and the value's name, or `Name=`). `with others` is
//! refused as not implemented.
//!
//! Each level is a `summarize` of the input by that level's values and
//! those above, ranked within the groups above by a window, joined to the
//! rows of the level above on their values (null equal to null).

use datafusion::common::{Column, JoinType, NullEquality};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlanBuilder, SortExpr, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, Ident, SortOrder, TopNestedLevel};

use crate::bind::{BResult, Binder, Tab};

/// The levels so far, as a plan to build.
type Built = datafusion::common::Result<LogicalPlanBuilder>;

impl Binder<'_> {
    pub(crate) fn top_nested(&mut self, input: Tab, levels: &[TopNestedLevel], span: Span) -> BResult<Tab> {
        // The values' names, and (value, aggregate) output names per level.
        let mut keys: Vec<ast::Assign> = Vec::new();
        let mut value_names: Vec<String> = Vec::new();
        let mut out: Option<(Built, Vec<(String, String)>)> = None;
        for level in levels {
            self.check_deadline(span)?;
            if let Some(o) = &level.others {
                return Err(self.not_implemented(o.span, "`with others` in `top-nested`"));
            }
            let limit = match &level.count {
                Some(c) => Some(self.row_count(c)?),
                None => None,
            };
            let agg = self.fresh("top_nested_agg");
            keys.push(level.of.clone());
            let s = ast::Summarize {
                options: Vec::new(),
                aggregates: vec![ast::Assign {
                    names: vec![Ident { name: agg.clone(), span: level.by.span }],
                    value: level.by.value.clone(),
                    span: level.by.span,
                }],
                by: keys.clone(),
            };
            let grouped = self.summarize(input.clone(), &s, span)?;
            let fields: Vec<String> = grouped.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
            let Some(value_name) = fields.get(keys.len() - 1).cloned() else {
                return Err(self.error(crate::error::INTERNAL, span, "top-nested: a level's value is missing"));
            };
            value_names.push(value_name.clone());
            let agg_name = match level.by.names.first() {
                Some(n) => n.name.clone(),
                None => format!("aggregated_{value_name}"),
            };
            // Ranked within the groups of the levels above.
            let above: Vec<Expr> = value_names.iter().take(value_names.len() - 1).map(|n| Self::column(n)).collect();
            let asc = level.order == Some(SortOrder::Asc);
            let order = vec![SortExpr::new(Self::column(&agg), asc, false)];
            let rank = self.fresh("top_nested_rank");
            let w = self.df(span, row_number().partition_by(above).order_by(order).build())?;
            let mut b = LogicalPlanBuilder::from(grouped.plan).window(vec![w.alias(&rank)]);
            if let Some(n) = limit {
                let n = u64::try_from(n).unwrap_or(u64::MAX);
                b = b.and_then(|b| b.filter(Self::column(&rank).lt_eq(lit(n))));
            }
            let level_plan = self.build(span, b)?;
            out = Some(match out {
                None => {
                    let cols = vec![Self::column(&value_name), Self::column(&agg).alias(&agg_name)];
                    let b = LogicalPlanBuilder::from(level_plan).project(cols);
                    (b, vec![(value_name, agg_name)])
                }
                Some((prev, mut names)) => {
                    let prev = self.build(span, prev.and_then(|b| b.alias("__top_nested_above")))?;
                    let this = self.build(span, LogicalPlanBuilder::from(level_plan).alias("__top_nested_level"))?;
                    let lk: Vec<Column> =
                        names.iter().map(|(v, _)| Column::new(Some("__top_nested_above"), v)).collect();
                    let rk: Vec<Column> =
                        names.iter().map(|(v, _)| Column::new(Some("__top_nested_level"), v)).collect();
                    let joined = LogicalPlanBuilder::from(prev).join_detailed(
                        this,
                        JoinType::Inner,
                        (lk, rk),
                        None,
                        NullEquality::NullEqualsNull,
                    );
                    let joined = self.build(span, joined)?;
                    let mut cols: Vec<Expr> = Vec::new();
                    for (v, a) in &names {
                        cols.push(Expr::Column(Column::new(Some("__top_nested_above"), v)).alias(v));
                        cols.push(Expr::Column(Column::new(Some("__top_nested_above"), a)).alias(a));
                    }
                    cols.push(Expr::Column(Column::new(Some("__top_nested_level"), &value_name)).alias(&value_name));
                    cols.push(Expr::Column(Column::new(Some("__top_nested_level"), &agg)).alias(&agg_name));
                    names.push((value_name, agg_name));
                    (LogicalPlanBuilder::from(joined).project(cols), names)
                }
            });
        }
        let Some((b, _)) = out else {
            return Err(self.error(crate::error::BAD_ARGUMENTS, span, "top-nested needs a level"));
        };
        let plan = self.build(span, b)?;
        Ok(Tab { plan, source: None })
    }
}
