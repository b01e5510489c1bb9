//! `mv-apply` (mv-apply-operator.md): each input row is expanded into a
//! subtable (as `mv-expand` does), the subquery runs on each subtable, and
//! the results come back with the row's other columns.
//!
//! Everything happens in one pass over the input, without joins: the input
//! rows are numbered, and every subtable row carries hidden columns: the
//! row's number, its position in the subtable, copies of the row's other
//! columns, and a flag for the one row that stands for an empty subtable
//! (a subtable that is empty still gets its subquery run: `summarize
//! count()` of it gives 0). Operators that go row by row (`extend`,
//! `parse`, `project`, ...) bind as they are, the hidden columns kept; the
//! others are made per subtable: `where` flags rather than drops a
//! subtable's last row, `summarize` groups by the row number too and skips
//! flagged rows, `top`, `take` and `sort` rank within the row number,
//! `distinct` keeps it. Other operators are refused.

use datafusion::common::ScalarValue;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::first_last::first_value_udaf;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, SortExpr, lit, not, when};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, Ident, Operator, OperatorKind};

use super::expand::{Empty, item_name};
use super::operator_name;
use super::summarize::SummarizeParts;
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

/// The hidden columns of the subtables.
pub(super) struct Hidden {
    /// The input row's number (the subtable's key).
    pub(super) row: String,
    /// The position in the subtable.
    pub(super) ord: String,
    /// True on the one row that stands for an empty subtable.
    pub(super) empty: String,
    /// The input columns that come back beside the subquery's, and their
    /// hidden copies.
    pub(super) carried: Vec<(String, String)>,
    /// The operator whose subquery this is, for messages.
    pub(super) within: &'static str,
}

impl Hidden {
    fn names(&self) -> Vec<&str> {
        let mut n = vec![self.row.as_str(), self.ord.as_str(), self.empty.as_str()];
        n.extend(self.carried.iter().map(|(_, h)| h.as_str()));
        n
    }

    fn is_hidden(&self, name: &str) -> bool {
        self.names().contains(&name)
    }
}

impl<'a> Binder<'a> {
    pub(crate) fn mv_apply(&mut self, input: Tab, m: &ast::MvApply, span: Span) -> BResult<Tab> {
        let (tab, h) = self.mv_apply_subtables(input, m, span)?;
        self.apply_result(tab, &h, span)
    }

    /// An `mv-apply` inside the subquery of another (whose hidden columns
    /// are `outer`): each inner result row becomes a row of the outer
    /// subtable, in the inner order; an outer subtable whose inner results
    /// are all empty keeps one flagged row, as `where` leaves it.
    fn mv_apply_nested(&mut self, tab: Tab, m: &ast::MvApply, outer: &Hidden, span: Span) -> BResult<Tab> {
        let (tab, h) = self.mv_apply_subtables(tab, m, span)?;
        let result: Vec<String> =
            tab.plan.schema().fields().iter().map(|f| f.name().clone()).filter(|n| !h.is_hidden(n)).collect();
        // The outer positions again, in the inner order.
        let mut order = vec![SortExpr::new(Self::column(&outer.ord), true, false)];
        order.extend(sorted_by(&h));
        let w = self.df(span, row_number().partition_by(vec![Self::column(&outer.row)]).order_by(order).build())?;
        let ord = self.fresh("mv_apply_ord");
        let mut cols: Vec<Expr> = h
            .carried
            .iter()
            .filter(|(c, _)| !result.contains(c) && *c != outer.ord)
            .map(|(c, hc)| Self::column(hc).alias(c))
            .collect();
        cols.extend(result.iter().filter(|c| **c != outer.ord).map(|c| Self::column(c)));
        cols.push(Self::column(&ord).alias(&outer.ord));
        cols.push(Self::column(&h.empty));
        let b = LogicalPlanBuilder::from(tab.plan).window(vec![w.alias(&ord)]).and_then(|b| b.project(cols));
        let plan = self.build(span, b)?;
        let plan = self.flag_rows(plan, Self::column(&h.empty), outer, span)?;
        let cols: Vec<Expr> =
            plan.schema().fields().iter().filter(|f| f.name() != &h.empty).map(|f| Self::column(f.name())).collect();
        let plan = self.build(span, LogicalPlanBuilder::from(plan).project(cols))?;
        Ok(Tab { plan, source: None })
    }

    /// The expanded subtables of `mv-apply` with the subquery applied to
    /// each, and their hidden columns.
    fn mv_apply_subtables(&mut self, input: Tab, m: &ast::MvApply, span: Span) -> BResult<(Tab, Hidden)> {
        let mut user_index: Option<String> = None;
        for o in &m.options {
            match (o.name.name.as_str(), &o.value.kind) {
                ("with_itemindex", ExprKind::Name(n)) => user_index = Some(n.name.clone()),
                (other, _) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.name.span,
                        format!("`mv-apply` takes `with_itemindex=Name`, not `{other}`"),
                    ));
                }
            }
        }
        // The columns that come back beside the subquery's: those not
        // replaced by an expansion.
        let expanded: Vec<String> = m.items.iter().map(item_name).collect();
        let mut carried = Vec::new();
        for f in input.plan.schema().fields() {
            if !expanded.contains(f.name()) {
                carried.push((f.name().clone(), self.fresh("mv_apply_carried")));
            }
        }
        let h = Hidden {
            row: self.fresh("mv_apply_row"),
            ord: self.fresh("mv_apply_ord"),
            empty: self.fresh("mv_apply_empty"),
            carried,
            within: "mv-apply",
        };

        // Number the input rows; copy the carried columns.
        let w = row_number();
        let mut cols = Self::all_columns(&input.plan);
        cols.push(Self::column(&h.row));
        cols.extend(h.carried.iter().map(|(c, hc)| Self::column(c).alias(hc)));
        let numbered = LogicalPlanBuilder::from(input.plan).window(vec![w.alias(&h.row)]).and_then(|b| b.project(cols));
        let numbered = Tab { plan: self.build(span, numbered)?, source: input.source };

        // Expand, with the position of each element.
        let mut options = m.options.clone();
        if user_index.is_none() {
            options.push(ast::OptionArg {
                name: Ident { name: "with_itemindex".into(), span },
                value: name_expr(&h.ord, span),
                span,
            });
        }
        let mvx = ast::MvExpand { options, items: m.items.clone(), limit: m.limit.clone(), legacy: false };
        let mut tab = self.expand_rows(numbered, &mvx, Empty::Flag, Some(&h.empty), span)?;
        if let Some(ix) = &user_index {
            let mut cols = Self::all_columns(&tab.plan);
            cols.push(Self::column(ix).alias(&h.ord));
            tab = Tab { plan: self.build(span, LogicalPlanBuilder::from(tab.plan).project(cols))?, source: tab.source };
        }

        for op in &m.on {
            tab = self.per_subtable(tab, op, &h)?;
        }
        Ok((tab, h))
    }

    /// Binds one operator of the subquery so that it works on each subtable.
    pub(super) fn per_subtable(&mut self, tab: Tab, op: &Operator, h: &Hidden) -> BResult<Tab> {
        let span = op.span;
        let before = windows(&tab.plan);
        let out = match &op.kind {
            OperatorKind::Extend(_)
            | OperatorKind::ProjectAway(_)
            | OperatorKind::ProjectRename(_)
            | OperatorKind::ProjectReorder(_)
            | OperatorKind::Serialize(_)
            | OperatorKind::Render(_) => self.operator(tab, op)?,
            OperatorKind::Parse(p) if !p.where_ => self.operator(tab, op)?,
            OperatorKind::Project(items) => {
                let mut items = items.clone();
                for c in h.names() {
                    items.push(ast::Assign { names: Vec::new(), value: name_expr(c, span), span });
                }
                self.project(tab, &items, span)?
            }
            OperatorKind::ProjectKeep(cols) => {
                let mut cols = cols.clone();
                cols.extend(h.names().into_iter().map(|c| name_expr(c, span)));
                self.project_away(tab, &cols, true)?
            }
            OperatorKind::Where(p) => self.where_per_subtable(tab, p, h, span)?,
            OperatorKind::Summarize(s) => self.summarize_per_subtable(tab, s, h, span)?,
            OperatorKind::Count => {
                let count = ast::Expr {
                    kind: ExprKind::Call { func: Box::new(name_expr("count", span)), args: Vec::new() },
                    span,
                };
                let s = ast::Summarize {
                    options: Vec::new(),
                    aggregates: vec![ast::Assign {
                        names: vec![Ident { name: "Count".into(), span }],
                        value: count,
                        span,
                    }],
                    by: Vec::new(),
                };
                self.summarize_per_subtable(tab, &s, h, span)?
            }
            OperatorKind::Sort(keys) => self.rank_per_subtable(tab, keys, None, h, span)?,
            OperatorKind::Top { count, by } => {
                let n = self.row_count(count)?;
                self.rank_per_subtable(tab, std::slice::from_ref(by), Some(n), h, span)?
            }
            OperatorKind::Take(count) | OperatorKind::Sample(count) => {
                let n = self.row_count(count)?;
                self.rank_per_subtable(tab, &[], Some(n), h, span)?
            }
            OperatorKind::Distinct(items) => self.distinct_per_subtable(tab, items, h, span)?,
            OperatorKind::MvApply(m) => self.mv_apply_nested(tab, m, h, span)?,
            OperatorKind::Scan(s) => self.scan_per_subtable(tab, s, h, span)?,
            OperatorKind::MvExpand(m) => {
                let flag = self.fresh("mv_expand_empty");
                let expanded = self.expand_rows(tab, m, Empty::Flag, Some(&flag), span)?;
                let plan = self.flag_rows(expanded.plan, Self::column(&flag), h, span)?;
                let cols: Vec<Expr> = plan
                    .schema()
                    .fields()
                    .iter()
                    .filter(|f| f.name() != &flag)
                    .map(|f| Self::column(f.name()))
                    .collect();
                let plan = self.build(span, LogicalPlanBuilder::from(plan).project(cols))?;
                Tab { plan, source: expanded.source }
            }
            other => {
                let name = match other {
                    OperatorKind::Parse(_) => "parse-where",
                    other => operator_name(other),
                };
                return Err(self.not_implemented(span, &format!("`{name}` inside `{}`", h.within)));
            }
        };
        if windows(&out.plan) > before && !is_own_ranking(&op.kind) {
            return Err(self.not_implemented(span, &format!("`row_number`, `prev` and `next` inside `{}`", h.within)));
        }
        for c in h.names() {
            if out.plan.schema().index_of_column_by_name(None, c).is_none() {
                return Err(
                    self.not_implemented(span, &format!("removing every column this way inside `{}`", h.within))
                );
            }
        }
        Ok(out)
    }

    /// `where` in each subtable: rows that fail are dropped, but a subtable
    /// keeps one row, flagged, when none pass.
    fn where_per_subtable(&mut self, tab: Tab, p: &ast::Expr, h: &Hidden, span: Span) -> BResult<Tab> {
        let (t, wins) = {
            let row = Row { schema: tab.plan.schema(), source: tab.source.as_deref() };
            self.with_windows(|b| b.scalar(p, row))?
        };
        if !wins.is_empty() {
            return Err(self.not_implemented(span, &format!("`row_number`, `prev` and `next` inside `{}`", h.within)));
        }
        let t = self.coerce_dynamic(t, KqlType::Bool);
        if t.ty != KqlType::Bool {
            return Err(self.error(
                error::TYPE_MISMATCH,
                p.span,
                format!("`where` needs a bool predicate, found a {}", t.ty),
            ));
        }
        let fails = not(coalesce(vec![t.expr, lit(false)]));
        let plan = self.flag_rows(tab.plan, fails, h, span)?;
        Ok(Tab { plan, source: tab.source })
    }

    /// Flags the rows where `flag` holds as standing for nothing, then keeps
    /// one row per subtable that has nothing else.
    fn flag_rows(&mut self, plan: LogicalPlan, flag: Expr, h: &Hidden, span: Span) -> BResult<LogicalPlan> {
        let cols: Vec<Expr> = plan
            .schema()
            .fields()
            .iter()
            .map(|f| {
                let c = Self::column(f.name());
                if f.name() == &h.empty { c.or(flag.clone()).alias(&h.empty) } else { c }
            })
            .collect();
        let (plan, cols) = self.lift_in_subqueries(plan, cols, span)?;
        let flagged = self.build(span, LogicalPlanBuilder::from(plan).project(cols))?;
        // Rows that stand for something first; the first row stays.
        let rank = self.fresh("rank");
        let order = vec![SortExpr::new(Self::column(&h.empty), true, false)];
        let w = self.df(span, row_number().partition_by(vec![Self::column(&h.row)]).order_by(order).build())?;
        let keep = not(Self::column(&h.empty)).or(Self::column(&rank).eq(lit(1u64)));
        let cols = Self::all_columns(&flagged);
        let b = LogicalPlanBuilder::from(flagged)
            .window(vec![w.alias(&rank)])
            .and_then(|b| b.filter(keep))
            .and_then(|b| b.project(cols));
        self.build(span, b)
    }

    /// `sort`, `top` and `take` in each subtable: the rows ranked within
    /// their subtable by `keys`, then by their position; the rank becomes
    /// the position. The result is sorted, so `make_list` keeps the order.
    fn rank_per_subtable(
        &mut self,
        tab: Tab,
        keys: &[ast::SortKey],
        limit: Option<usize>,
        h: &Hidden,
        span: Span,
    ) -> BResult<Tab> {
        let mut order = self.sort_keys(&tab, keys)?;
        order.push(SortExpr::new(Self::column(&h.ord), true, false));
        let rank = self.fresh("rank");
        let w = row_number().partition_by(vec![Self::column(&h.row)]).order_by(order).build();
        let w = self.df(span, w)?;
        let rank_col = Self::column(&rank);
        let beyond = match limit {
            Some(n) => rank_col.clone().gt(lit(n as u64)),
            None => lit(false),
        };
        let cols: Vec<Expr> = tab
            .plan
            .schema()
            .fields()
            .iter()
            .map(|f| {
                if f.name() == &h.ord {
                    rank_col.clone().alias(&h.ord)
                } else if f.name() == &h.empty {
                    Self::column(&h.empty).or(beyond.clone()).alias(&h.empty)
                } else {
                    Self::column(f.name())
                }
            })
            .collect();
        let mut b = LogicalPlanBuilder::from(tab.plan).window(vec![w.alias(&rank)]);
        if let Some(n) = limit {
            // `take 0` leaves the first row, flagged.
            b = b.and_then(|b| b.filter(rank_col.lt_eq(lit(n.max(1) as u64))));
        }
        let b = b.and_then(|b| b.project(cols)).and_then(|b| b.sort(sorted_by(h)));
        Ok(Tab { plan: self.build(span, b)?, source: tab.source })
    }

    /// `summarize` in each subtable: grouped by the row number too, flagged
    /// rows left out of the aggregations. Without group keys every subtable
    /// gives a row, as `summarize` of nothing does (summarize-operator.md).
    fn summarize_per_subtable(&mut self, tab: Tab, s: &ast::Summarize, h: &Hidden, span: Span) -> BResult<Tab> {
        // Sorted by position, so `make_list` follows the subtable's order.
        let sorted = self.build(span, LogicalPlanBuilder::from(tab.plan).sort(sorted_by(h)))?;
        let input = Tab { plan: sorted, source: tab.source };
        let SummarizeParts { group, aggs, post, input: parts_input } = self.summarize_parts(&input, s, span)?;
        let real = not(Self::column(&h.empty));
        let mut keys = vec![Self::column(&h.row)];
        if !s.by.is_empty() {
            // A flagged row makes a group of its own, with null keys.
            keys.push(Self::column(&h.empty));
            for g in group {
                let Expr::Alias(a) = g else { unreachable!("group keys are aliased") };
                let masked = when(Self::column(&h.empty), lit(ScalarValue::Null)).otherwise(*a.expr);
                keys.push(self.df(span, masked)?.alias(a.name));
            }
        }
        let mut all_aggs: Vec<Expr> = aggs.into_iter().map(|a| only_rows(a, &real)).collect();
        for (_, hc) in &h.carried {
            all_aggs.push(first_value_udaf().call(vec![Self::column(hc)]).alias(hc));
        }
        let mut out = vec![Self::column(&h.row)];
        out.push(if s.by.is_empty() { lit(false).alias(&h.empty) } else { Self::column(&h.empty) });
        out.extend(h.carried.iter().map(|(_, hc)| Self::column(hc)));
        // `arg_max(x, *)` reads every column; the hidden ones are kept above.
        out.extend(post.into_iter().filter(|e| !matches!(e, Expr::Alias(a) if h.is_hidden(&a.name))));
        let b = LogicalPlanBuilder::from(parts_input).aggregate(keys, all_aggs).and_then(|b| b.project(out));
        let plan = self.build(span, b)?;
        self.renumber(plan, h, span)
    }

    /// `distinct` in each subtable.
    fn distinct_per_subtable(&mut self, tab: Tab, items: &[ast::Assign], h: &Hidden, span: Span) -> BResult<Tab> {
        let all = items.len() == 1 && matches!(items[0].value.kind, ExprKind::Wildcard(_));
        let plan = if all {
            let cols: Vec<Expr> = tab
                .plan
                .schema()
                .fields()
                .iter()
                .filter(|f| f.name() != &h.ord)
                .map(|f| Self::column(f.name()))
                .collect();
            self.build(span, LogicalPlanBuilder::from(tab.plan).project(cols).and_then(|b| b.distinct()))?
        } else {
            let mut items = items.to_vec();
            for c in h.names().into_iter().filter(|c| *c != h.ord) {
                items.push(ast::Assign { names: Vec::new(), value: name_expr(c, span), span });
            }
            let projected = self.project(tab, &items, span)?;
            self.build(span, LogicalPlanBuilder::from(projected.plan).distinct())?
        };
        self.renumber(plan, h, span)
    }

    /// New positions in each subtable, after an operator that loses them.
    fn renumber(&mut self, plan: LogicalPlan, h: &Hidden, span: Span) -> BResult<Tab> {
        let w = self.df(span, row_number().partition_by(vec![Self::column(&h.row)]).build())?;
        let cols: Vec<Expr> = plan
            .schema()
            .fields()
            .iter()
            .filter(|f| f.name() != &h.ord)
            .map(|f| Self::column(f.name()))
            .chain([Self::column(&h.ord)])
            .collect();
        let b = LogicalPlanBuilder::from(plan).window(vec![w.alias(&h.ord)]).and_then(|b| b.project(cols));
        Ok(Tab { plan: self.build(span, b)?, source: None })
    }

    /// The union of the subquery results: rows that stand for nothing
    /// dropped, the input row's other columns first (those the result does
    /// not have), in input order.
    pub(super) fn apply_result(&mut self, tab: Tab, h: &Hidden, span: Span) -> BResult<Tab> {
        let result: Vec<String> =
            tab.plan.schema().fields().iter().map(|f| f.name().clone()).filter(|n| !h.is_hidden(n)).collect();
        let mut cols: Vec<Expr> =
            h.carried.iter().filter(|(c, _)| !result.contains(c)).map(|(c, hc)| Self::column(hc).alias(c)).collect();
        cols.extend(result.iter().map(|c| Self::column(c)));
        let b = LogicalPlanBuilder::from(tab.plan)
            .filter(not(Self::column(&h.empty)))
            .and_then(|b| b.sort(sorted_by(h)))
            .and_then(|b| b.project(cols));
        Ok(Tab { plan: self.build(span, b)?, source: None })
    }
}

/// Whether the operator's own windows are the ranking this module adds.
fn is_own_ranking(k: &OperatorKind) -> bool {
    !matches!(
        k,
        OperatorKind::Extend(_)
            | OperatorKind::Project(_)
            | OperatorKind::ProjectKeep(_)
            | OperatorKind::ProjectAway(_)
            | OperatorKind::ProjectRename(_)
            | OperatorKind::ProjectReorder(_)
            | OperatorKind::Serialize(_)
            | OperatorKind::Render(_)
            | OperatorKind::Parse(_)
    )
}

/// Every aggregation in `e` restricted to the rows where `keep` holds.
fn only_rows(e: Expr, keep: &Expr) -> Expr {
    e.transform_up(|x| match x {
        Expr::AggregateFunction(mut f) => {
            let filter = match f.params.filter.take() {
                Some(p) => p.and(keep.clone()),
                None => keep.clone(),
            };
            f.params.filter = Some(Box::new(filter));
            Ok(Transformed::yes(Expr::AggregateFunction(f)))
        }
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
    .expect("the rewrite does not fail")
}

/// A name as an expression.
fn name_expr(name: &str, span: Span) -> ast::Expr {
    ast::Expr { kind: ExprKind::Name(Ident { name: name.to_string(), span }), span }
}

/// The order of the subtables' rows: by input row, then position.
fn sorted_by(h: &Hidden) -> Vec<SortExpr> {
    vec![SortExpr::new(Binder::column(&h.row), true, false), SortExpr::new(Binder::column(&h.ord), true, false)]
}

/// How many window computations `plan` has.
fn windows(plan: &LogicalPlan) -> usize {
    let mut n = 0;
    let _ = plan.apply(|p| {
        if matches!(p, LogicalPlan::Window(_)) {
            n += 1;
        }
        Ok(TreeNodeRecursion::Continue)
    });
    n
}
