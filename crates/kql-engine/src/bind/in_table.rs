//! `x in (T)`, `!in`, `in~`, `!in~` with a tabular expression: the first
//! column of `T` is the set (in-operator.md, in-cs-operator.md).
//!
//! The test binds to a DataFusion `IN (subquery)`, which DataFusion turns
//! into a semi or anti join inside `where`. `extend` and `project` lift the
//! subquery into a mark join themselves ([`Binder::lift_in_subqueries`]);
//! anywhere else it is refused ([`unlifted_subquery`]).
//!
//! `has_any (T)` and `has_all (T)` gather the first column into one list
//! (a scalar subquery) tested row by row as a list of constants is.
//!
//! Kusto's null rules: null is never in the set (null values of `T` are
//! dropped), so `null in (T)` is false and `null !in (T)` is true.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, JoinType};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, cast, in_subquery, lit, not, not_in_subquery,
    scalar_subquery,
};
use kql_syntax::Span;
use kql_syntax::ast::{self, ListOp};

use super::{BResult, Binder, Typed};
use crate::error;
use crate::types::KqlType;

impl<'a> Binder<'a> {
    /// `l op (T)`, `T` a tabular expression.
    pub(crate) fn in_table(&mut self, op: ListOp, l: Typed, item: &ast::Expr, span: Span) -> BResult<Typed> {
        let (negated, case_insensitive) = match op {
            ListOp::In => (false, false),
            ListOp::NotIn => (true, false),
            ListOp::InCi => (false, true),
            ListOp::NotInCi => (true, true),
            ListOp::HasAny | ListOp::HasAll => return self.has_terms_table(op == ListOp::HasAll, l, item),
        };
        let sub = self.table(item)?;
        let Some(first) = sub.plan.schema().fields().first().cloned() else {
            return Err(self.error(error::BAD_ARGUMENTS, item.span, "the tabular expression has no columns"));
        };
        let value = Typed { expr: Self::column(first.name()), ty: KqlType::of(first.data_type()) };
        // KQL strings are never null, nor is the text an `in~` compares.
        let nullable = !case_insensitive && l.ty != KqlType::String;
        let (key, value) = if case_insensitive {
            let (l, v) = (self.as_text(l), self.as_text(value));
            let fold = |e: Expr| crate::functions::string::fold::fold_case().call(vec![e]);
            (fold(l.expr), fold(v.expr))
        } else {
            let (lt, vt) = (l.ty, value.ty);
            let (l, v) = (self.coerce_dynamic(l, vt), self.coerce_dynamic(value, lt));
            match (l.ty, v.ty) {
                (a, b) if a == b => (l.expr, v.expr),
                (a, b) if a.is_numeric() && b.is_numeric() => {
                    let common = if a == KqlType::Real || b == KqlType::Real { KqlType::Real } else { KqlType::Long };
                    (cast(l.expr, common.arrow()), cast(v.expr, common.arrow()))
                }
                (a, b) => {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        span,
                        format!("cannot look for a {a} among the {b} values of the first column"),
                    ));
                }
            }
        };
        // A name of its own, so it cannot clash with the outer row's columns.
        let inner = self.fresh("in");
        let b = LogicalPlanBuilder::from(sub.plan)
            .project(vec![value.alias(&inner)])
            .and_then(|b| b.filter(Self::column(&inner).is_not_null()));
        let set = Self::arc(self.build(item.span, b)?);
        let expr = if negated {
            let test = not_in_subquery(key.clone(), set);
            // A null never matches, so it is not in the set.
            if nullable { key.is_null().or(test) } else { test }
        } else {
            in_subquery(key, set)
        };
        Ok(Typed { expr, ty: KqlType::Bool })
    }

    /// `l has_any (T)`, `l has_all (T)`: the values of `T`'s first column
    /// (has-any-operator.md, has-all-operator.md), their distinct values
    /// gathered into one list (every one of them, where Kusto considers
    /// "up to 10,000 distinct values")
    /// and tested as a list of constants is.
    fn has_terms_table(&mut self, all: bool, l: Typed, item: &ast::Expr) -> BResult<Typed> {
        use crate::functions::collect::{Collect, MAX_ELEMENTS};
        let sub = self.table(item)?;
        let Some(first) = sub.plan.schema().fields().first().cloned() else {
            return Err(self.error(error::BAD_ARGUMENTS, item.span, "the tabular expression has no columns"));
        };
        let value = Typed { expr: Self::column(first.name()), ty: KqlType::of(first.data_type()) };
        let not_null = value.expr.clone().is_not_null();
        let value = self.as_text(value);
        let inner = self.fresh("terms");
        let list = crate::functions::collect_agg::collect_aggregate(Collect::Set, MAX_ELEMENTS)
            .call(vec![value.expr])
            .filter(not_null)
            .build();
        let list = self.df(item.span, list)?;
        let b = LogicalPlanBuilder::from(sub.plan).aggregate(Vec::<Expr>::new(), vec![list.alias(&inner)]);
        let terms = Self::arc(self.build(item.span, b)?);
        let hay = self.as_text(l);
        let f = crate::functions::string::per_row::terms_match_per_row(all);
        Ok(Typed { expr: f.call(vec![hay.expr, scalar_subquery(terms)]), ty: KqlType::Bool })
    }

    /// Replaces each `IN (subquery)` of `exprs` with the mark of a left mark
    /// join of `plan` with the subquery, for operators that compute columns.
    pub(crate) fn lift_in_subqueries(
        &mut self,
        plan: LogicalPlan,
        exprs: Vec<Expr>,
        span: Span,
    ) -> BResult<(LogicalPlan, Vec<Expr>)> {
        if !exprs.iter().any(has_in_subquery) {
            return Ok((plan, exprs));
        }
        let base = self.fresh("sq");
        let mut found: Vec<(String, Expr, LogicalPlan)> = Vec::new();
        let mut out = Vec::with_capacity(exprs.len());
        for e in exprs {
            let r = e.transform_up(|x| match x {
                Expr::InSubquery(s) => {
                    let alias = format!("{base}_{}", found.len());
                    let mark = coalesce(vec![Expr::Column(Column::new(Some(alias.as_str()), "mark")), lit(false)]);
                    found.push((alias, *s.expr, s.subquery.subquery.as_ref().clone()));
                    Ok(Transformed::yes(if s.negated { not(mark) } else { mark }))
                }
                other => Ok(Transformed::no(other)),
            });
            out.push(self.df(span, r)?.data);
        }
        let mut plan = plan;
        for (alias, key, sub) in found {
            let sub = self.build(span, LogicalPlanBuilder::from(sub).alias(alias.as_str()))?;
            let value = Expr::Column(Column::new(Some(alias.as_str()), sub.schema().field(0).name()));
            plan =
                self.build(span, LogicalPlanBuilder::from(plan).join_on(sub, JoinType::LeftMark, vec![key.eq(value)]))?;
        }
        Ok((plan, out))
    }
}

fn has_in_subquery(e: &Expr) -> bool {
    e.exists(|x| Ok(matches!(x, Expr::InSubquery(_)))).unwrap_or(false)
}

/// Whether `plan` tests `in (T)` where it is not lifted: outside a filter
/// (DataFusion's joins) and not lifted by `extend`/`project`.
pub(crate) fn unlifted_subquery(plan: &LogicalPlan) -> bool {
    let mut found = false;
    let _ = plan.apply_with_subqueries(|node| {
        if matches!(node, LogicalPlan::Filter(_)) {
            return Ok(TreeNodeRecursion::Continue);
        }
        node.apply_expressions(|e| {
            found = has_in_subquery(e);
            Ok(if found { TreeNodeRecursion::Stop } else { TreeNodeRecursion::Continue })
        })
    });
    found
}
