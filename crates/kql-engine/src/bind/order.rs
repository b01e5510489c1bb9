//! The order of serialized rows, made explicit for what depends on it.
//!
//! After `order by`, `row_number()`, `prev()`, `next()` and `make_list`
//! follow the sorted order. DataFusion keeps an order only where an
//! operator asks for it: a window function without `ORDER BY` does not,
//! so the optimizer was free to drop or parallelise the sort beneath it
//! (`order by k | extend p = prev(x) | count` numbered unsorted rows). So
//! the sort keys of the nearest sort below are carried up to the operator
//! that needs them and given to it as its ordering. A key that a later
//! `project` or `extend` drops or replaces is carried in a hidden column
//! added to each projection between the sort and that operator; the caller
//! removes the hidden columns after it.

use std::sync::Arc;

use datafusion::common::Column;
use datafusion::logical_expr::expr::Alias;
use datafusion::logical_expr::{Expr, LogicalPlan, Projection, SortExpr};

use super::{BResult, Binder};

/// A plan whose rows are ordered by `keys` (expressions over its schema),
/// `hidden` naming the columns added to carry them.
pub(crate) struct Ordered {
    pub plan: LogicalPlan,
    pub keys: Vec<SortExpr>,
    pub hidden: Vec<String>,
}

/// Whether an operator keeps the order of its input rows (and every input
/// column) so the sort below it still orders its output.
fn order_keeping(plan: &LogicalPlan) -> Option<&LogicalPlan> {
    use LogicalPlan as P;
    match plan {
        P::Projection(p) => Some(&p.input),
        P::Filter(f) => Some(&f.input),
        P::Limit(l) => Some(&l.input),
        P::Window(w) => Some(&w.input),
        P::SubqueryAlias(a) => Some(&a.input),
        P::Unnest(u) => Some(&u.input),
        _ => None,
    }
}

impl Binder<'_> {
    /// `plan` with the keys of the nearest sort below it, carried up to its
    /// output; `None` when no sort orders it.
    pub(crate) fn ordered(&mut self, plan: LogicalPlan, span: kql_syntax::Span) -> BResult<Option<Ordered>> {
        // The operators down to the sort, top first. A loop: a pipeline is
        // as long as the query.
        let mut chain: Vec<LogicalPlan> = Vec::new();
        let mut at = plan;
        let sort_keys = loop {
            if let LogicalPlan::Sort(s) = &at {
                break s.expr.clone();
            }
            let Some(input) = order_keeping(&at) else { return Ok(None) };
            let input = input.clone();
            chain.push(at);
            at = input;
        };
        // Rebuild upwards: `current` computes each key over the output of
        // the node built so far.
        let mut current: Vec<Expr> = sort_keys.iter().map(|k| k.expr.clone()).collect();
        let mut hidden = Vec::new();
        let mut built = at;
        while let Some(node) = chain.pop() {
            let input = Arc::new(built);
            built = match node {
                LogicalPlan::Projection(p) => {
                    let mut exprs = p.expr;
                    for key in current.iter_mut() {
                        if let Some(name) = passed_through(&exprs, key) {
                            *key = Expr::Column(Column::from_name(name));
                        } else {
                            let name = self.fresh("order");
                            exprs.push(key.clone().alias(&name));
                            hidden.push(name.clone());
                            *key = Expr::Column(Column::from_name(name));
                        }
                    }
                    let p = Projection::try_new(exprs, input);
                    LogicalPlan::Projection(self.df(span, p)?)
                }
                other => {
                    let exprs = other.expressions();
                    let rebuilt = other.with_new_exprs(exprs, vec![Arc::unwrap_or_clone(input)]);
                    self.df(span, rebuilt)?
                }
            };
        }
        let keys = sort_keys
            .into_iter()
            .zip(current)
            .map(|(k, expr)| SortExpr { expr, asc: k.asc, nulls_first: k.nulls_first })
            .collect();
        Ok(Some(Ordered { plan: built, keys, hidden }))
    }
}

/// The output name under which a projection passes `key` (a column of its
/// input) through unchanged.
fn passed_through(exprs: &[Expr], key: &Expr) -> Option<String> {
    let Expr::Column(k) = key else { return None };
    exprs.iter().find_map(|e| match e {
        Expr::Column(c) if c.name == k.name => Some(c.name.clone()),
        Expr::Alias(a) => match a.expr.as_ref() {
            Expr::Column(c) if c.name == k.name => Some(a.name.clone()),
            _ => None,
        },
        _ => None,
    })
}

impl Binder<'_> {
    /// `plan` with the window functions `wins` computed over it, in the
    /// order of the sort below it if there is one: the columns of `plan`
    /// then one per window function, nothing hidden.
    pub(crate) fn windowed(
        &mut self,
        plan: LogicalPlan,
        wins: Vec<Expr>,
        span: kql_syntax::Span,
    ) -> BResult<LogicalPlan> {
        let Some(ordered) = self.ordered(plan.clone(), span)? else {
            return self.window_stages(plan, wins, span);
        };
        let wins: Vec<Expr> = wins.into_iter().map(|w| ordered_by(w, &ordered.keys)).collect();
        let names: Vec<String> = wins.iter().map(|w| w.schema_name().to_string()).collect();
        let windowed = self.window_stages(ordered.plan, wins, span)?;
        if ordered.hidden.is_empty() {
            return Ok(windowed);
        }
        let mut keep: Vec<Expr> =
            plan.schema().iter().map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name()))).collect();
        keep.extend(names.iter().map(|n| Expr::Column(Column::from_name(n))));
        let p = Projection::try_new(keep, Arc::new(windowed));
        Ok(LogicalPlan::Projection(self.df(span, p)?))
    }
}

impl Binder<'_> {
    /// `wins` over `plan`, in as many window steps as they need: a window
    /// whose arguments read another's result (`row_window_session(...,
    /// prev(x) != x)`) comes in a step after it.
    fn window_stages(
        &mut self,
        mut plan: LogicalPlan,
        mut wins: Vec<Expr>,
        span: kql_syntax::Span,
    ) -> BResult<LogicalPlan> {
        use datafusion::logical_expr::LogicalPlanBuilder;
        while !wins.is_empty() {
            let schema = plan.schema().clone();
            let (ready, rest): (Vec<Expr>, Vec<Expr>) = wins
                .into_iter()
                .partition(|w| w.column_refs().iter().all(|c| schema.has_column_with_unqualified_name(&c.name)));
            if ready.is_empty() {
                return Err(self.error(crate::error::INTERNAL, span, "window functions that read each other"));
            }
            plan = self.build(span, LogicalPlanBuilder::from(plan).window(ready))?;
            wins = rest;
            if !wins.is_empty() {
                // A projection between two window steps: the optimizer's
                // common-subexpression pass takes consecutive windows as one
                // and would compute a term of a later window's argument
                // (`prev(h) != h` reads the earlier window's `prev`) below
                // both, where the earlier window's column does not exist yet.
                let cols = Self::all_columns(&plan);
                plan = self.build(span, LogicalPlanBuilder::from(plan).project(cols))?;
            }
        }
        Ok(plan)
    }
}

/// A window function (or an alias of one) ordered by `keys`.
fn ordered_by(w: Expr, keys: &[SortExpr]) -> Expr {
    match w {
        Expr::WindowFunction(mut f) => {
            f.params.order_by = keys.to_vec();
            Expr::WindowFunction(f)
        }
        Expr::Alias(Alias { expr, relation, name, metadata }) => {
            Expr::Alias(Alias { expr: Box::new(ordered_by(*expr, keys)), relation, name, metadata })
        }
        other => other,
    }
}
