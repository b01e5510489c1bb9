//! Chains of projections merged as DataFusion's `optimize_projections`
//! merges them, in time linear in their size, with merged expressions kept
//! short.
//!
//! Every `extend` is a projection. DataFusion merges a projection into the
//! one below it by putting the lower expressions in place of the columns the
//! upper one reads, a pair at a time, deriving the merged schema afresh each
//! time (a scan of the input schema per column, every expression formatted):
//! for a pipeline of n `extend`s that each add a column, time cubic in n.
//! And a column replaced n times (`extend r = r + 1`, n times) becomes one
//! expression n levels tall, whose field DataFusion derives in time
//! quadratic in its height (each level formats its whole subtree for its
//! name): cubic again, and paid again by every later rule and pass.
//!
//! So every chain is merged here first, top down, on DataFusion's own
//! condition (a computed column the upper projection reads twice stays
//! computed once, below it), keeping the upper projection's schema. A merge
//! that would make an expression taller than [`MAX_HEIGHT`], and than every
//! expression of the two projections, is not made: a `SubqueryAlias` goes
//! between them, which DataFusion neither merges through nor runs (it only
//! renames). Where that would rename a column something above reads by its
//! qualified name, the merge is made as DataFusion would make it.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, Result, TableReference, internal_datafusion_err};
use datafusion::logical_expr::expr::Alias;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan, Projection, SubqueryAlias};

/// The tallest expression a merge may make (unless one it merges is taller
/// already). Plenty for any pipeline written by hand; a longer chain of
/// replacements runs as one projection per this many levels.
pub(crate) const MAX_HEIGHT: usize = 32;

/// Merges every chain of projections in `plan` (in subqueries too).
pub(crate) fn merge_chains(plan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    plan.transform_down_with_subqueries(|node| match node {
        LogicalPlan::Projection(p) if matches!(p.input.as_ref(), LogicalPlan::Projection(_)) => {
            merge_chain(p).map(|t| t.update_data(LogicalPlan::Projection))
        }
        other => Ok(Transformed::no(other)),
    })
}

/// `upper` merged with the projections below it, as far as they merge.
fn merge_chain(mut upper: Projection) -> Result<Transformed<Projection>> {
    let mut changed = false;
    let hints = RefCell::new(HashMap::new());
    let mut reads = upper.expr.iter().enumerate().map(|(k, e)| Reads::of(e, k)).collect::<Result<Vec<_>>>()?;
    loop {
        let input = Arc::clone(&upper.input);
        let LogicalPlan::Projection(lower) = input.as_ref() else { break };
        let lower = Lower { p: lower, by_name: OnceCell::new(), hints: &hints };
        match merge_pair(upper, &mut reads, &lower)? {
            Step::Merged(p) => upper = p,
            Step::Kept(p) => {
                upper = p;
                break;
            }
            Step::Apart(p) => {
                upper = apart(p)?;
                changed = true;
                break;
            }
        }
        changed = true;
    }
    Ok(if changed { Transformed::yes(upper) } else { Transformed::no(upper) })
}

enum Step {
    /// The two as one projection over the lower one's input.
    Merged(Projection),
    /// The upper one, not merged: DataFusion would not merge it either.
    Kept(Projection),
    /// The upper one, not merged, to be kept apart.
    Apart(Projection),
}

/// The lower projection of a pair, whose columns are found by name.
struct Lower<'a> {
    p: &'a Projection,
    /// Every field name to its index, made when first needed.
    by_name: OnceCell<HashMap<&'a str, Option<usize>>>,
    /// Where a name was last found down the chain.
    hints: &'a RefCell<HashMap<String, usize>>,
}

impl Lower<'_> {
    /// The index of column `c`, looked for first at `at`: a column keeps
    /// its place down a pipeline of `extend`s.
    fn index(&self, c: &Column, at: usize) -> Option<usize> {
        if c.relation.is_none() {
            if self.unqualified_at(at, &c.name) {
                return Some(at);
            }
            let hint = self.hints.borrow().get(&c.name).copied();
            if let Some(i) = hint.filter(|&i| self.unqualified_at(i, &c.name)) {
                return Some(i);
            }
            let by_name = self.by_name.get_or_init(|| crate::projection::unique_names(&self.p.schema));
            if let Some(Some(i)) = by_name.get(c.name.as_str()) {
                self.hints.borrow_mut().insert(c.name.clone(), *i);
                return Some(*i);
            }
        }
        self.p.schema.index_of_column(c).ok()
    }

    fn unqualified_at(&self, i: usize, name: &str) -> bool {
        crate::projection::unqualified_at(&self.p.schema, i, name)
    }

    /// The expression computing column `i`, without its names.
    fn value(&self, i: usize) -> Result<Expr> {
        let e = self.p.expr.get(i).ok_or_else(|| internal_datafusion_err!("projection has no expression {i}"))?;
        Ok(e.clone().unalias_nested().data)
    }

    /// Whether column `i` is the input column of the same name, unchanged.
    fn passes_through(&self, i: usize) -> bool {
        matches!(self.p.expr.get(i), Some(Expr::Column(c)) if c.relation.is_none() && self.unqualified_at(i, &c.name))
    }
}

/// The columns an upper expression reads, found once (the expression is
/// walked again only when a merge rewrites it), each with where it was
/// found last.
struct Reads {
    columns: Vec<(Column, usize)>,
    /// It reads a column by a qualified name.
    qualified: bool,
    /// It holds a subquery.
    subquery: bool,
}

impl Reads {
    /// What `e`, the `k`th expression of its projection, reads.
    fn of(e: &Expr, k: usize) -> Result<Reads> {
        let mut r = Reads { columns: Vec::new(), qualified: false, subquery: false };
        match e {
            Expr::Column(c) => r.columns.push((c.clone(), k)),
            _ => {
                e.apply(|x| {
                    match x {
                        Expr::Column(c) => r.columns.push((c.clone(), usize::MAX)),
                        Expr::ScalarSubquery(_) | Expr::Exists(_) | Expr::InSubquery(_) | Expr::SetComparison(_) => {
                            r.subquery = true
                        }
                        _ => {}
                    }
                    Ok(TreeNodeRecursion::Continue)
                })?;
            }
        }
        r.qualified = r.columns.iter().any(|(c, _)| c.relation.is_some());
        Ok(r)
    }
}

/// Merges `upper` into `lower`, or says why not; `reads` are `upper`'s,
/// and become those of the merged projection.
fn merge_pair(upper: Projection, reads: &mut [Reads], lower: &Lower<'_>) -> Result<Step> {
    let width = lower.p.expr.len();
    let mut uses = vec![0usize; width];
    let mut computed = vec![false; upper.expr.len()];
    for (k, r) in reads.iter_mut().enumerate() {
        for (c, at) in &mut r.columns {
            match lower.index(c, *at) {
                Some(i) if i < width => {
                    *at = i;
                    uses[i] += 1;
                    computed[k] |= !lower.passes_through(i);
                }
                _ => return Ok(Step::Kept(upper)),
            }
        }
    }
    // DataFusion's condition: a computed value read twice is computed once.
    let read_twice =
        uses.iter().enumerate().any(|(i, n)| *n > 1 && !lower.p.expr[i].placement().should_push_to_leaves());
    if read_twice {
        return Ok(Step::Kept(upper));
    }
    let mut rewritten = Vec::with_capacity(upper.expr.len());
    let mut tallest = 0;
    for (e, c) in upper.expr.iter().zip(&computed) {
        let m = if *c { Some(rewrite(e, lower)?) } else { None };
        tallest = tallest.max(m.as_ref().map_or(0, height));
        rewritten.push(m);
    }
    if tallest > MAX_HEIGHT
        && tallest > max_height(&upper.expr).max(max_height(&lower.p.expr))
        && can_keep_apart(lower, reads)
    {
        return Ok(Step::Apart(upper));
    }
    let mut merged = Vec::with_capacity(upper.expr.len());
    for (k, (e, m)) in upper.expr.into_iter().zip(rewritten).enumerate() {
        match m {
            Some(m) => {
                if let Some(r) = reads.get_mut(k) {
                    *r = Reads::of(&m, k)?;
                }
                merged.push(m);
            }
            None => merged.push(e),
        }
    }
    Projection::try_new_with_schema(merged, Arc::clone(&lower.p.input), upper.schema).map(Step::Merged)
}

/// `e` over the lower projection's input, as DataFusion rewrites it: the
/// lower values in place of its columns, inner aliases dropped, its name kept.
fn rewrite(e: &Expr, lower: &Lower<'_>) -> Result<Expr> {
    let name = NamePreserver::new_for_projection().save(e);
    let out = match e.clone() {
        Expr::Alias(Alias { expr, relation, name, metadata }) => {
            Expr::Alias(Alias { expr: Box::new(substitute(*expr, lower)?), relation, name, metadata })
        }
        other => substitute(other, lower)?,
    };
    Ok(name.restore(out))
}

fn substitute(e: Expr, lower: &Lower<'_>) -> Result<Expr> {
    let t = e.transform_up(|x| match x {
        Expr::Alias(a) if a.metadata.as_ref().is_none_or(|m| m.is_empty()) => Ok(Transformed::yes(*a.expr)),
        Expr::Column(c) => {
            let i = lower
                .index(&c, usize::MAX)
                .ok_or_else(|| internal_datafusion_err!("no column {c} below the projection"))?;
            Ok(Transformed::yes(lower.value(i)?))
        }
        other => Ok(Transformed::no(other)),
    })?;
    Ok(t.data)
}

/// Whether a `SubqueryAlias` can go under the upper projection: the lower
/// columns keep their unqualified names, which the upper one reads, and no
/// subquery of the upper one refers to them.
fn can_keep_apart(lower: &Lower<'_>, reads: &[Reads]) -> bool {
    lower.p.schema.iter().all(|(q, _)| q.is_none()) && reads.iter().all(|r| !r.qualified && !r.subquery)
}

static BARRIER: AtomicU64 = AtomicU64::new(0);

/// `upper` over its input under a fresh alias.
fn apart(upper: Projection) -> Result<Projection> {
    let alias = TableReference::bare(format!("__kql_apart_{}", BARRIER.fetch_add(1, Ordering::Relaxed)));
    let input = SubqueryAlias::try_new(upper.input, alias)?;
    Projection::try_new_with_schema(upper.expr, Arc::new(LogicalPlan::SubqueryAlias(input)), upper.schema)
}

/// The number of levels of `e` (a column is 1), without recursion.
fn height(e: &Expr) -> usize {
    let mut tallest = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((x, level)) = stack.pop() {
        tallest = tallest.max(level);
        let _ = x.apply_children(|c| {
            stack.push((c, level + 1));
            Ok(TreeNodeRecursion::Continue)
        });
    }
    tallest
}

fn max_height(exprs: &[Expr]) -> usize {
    exprs.iter().map(height).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::{LogicalPlanBuilder, col, lit};

    use super::*;

    fn base() -> LogicalPlan {
        LogicalPlanBuilder::empty(true).project(vec![lit(1i64).alias("r")]).unwrap().build().unwrap()
    }

    fn over(plan: LogicalPlan, exprs: Vec<Expr>) -> LogicalPlan {
        LogicalPlan::Projection(Projection::try_new(exprs, Arc::new(plan)).unwrap())
    }

    /// The projections and aliases of `plan`, top down, with the height of
    /// each projection's tallest expression.
    fn shape(plan: &LogicalPlan) -> Vec<(&'static str, usize)> {
        let mut out = Vec::new();
        plan.apply(|n| {
            match n {
                LogicalPlan::Projection(p) => out.push(("projection", max_height(&p.expr))),
                LogicalPlan::SubqueryAlias(_) => out.push(("alias", 0)),
                _ => {}
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        out
    }

    #[test]
    fn a_long_chain_of_replacements_merges_into_short_pieces() {
        let mut plan = base();
        for _ in 0..100 {
            plan = over(plan, vec![(col("r") + lit(1i64)).alias("r")]);
        }
        let merged = merge_chains(plan).unwrap().data;
        let shape = shape(&merged);
        let projections = shape.iter().filter(|(k, _)| *k == "projection").count();
        assert!((4..=8).contains(&projections), "{shape:?}");
        assert!(shape.iter().all(|(_, h)| *h <= MAX_HEIGHT + 1), "{shape:?}");
        // Every piece but the last sits on an alias, which keeps it apart.
        assert_eq!(shape.iter().filter(|(k, _)| *k == "alias").count(), projections - 1, "{shape:?}");
        assert_eq!(merged.schema().field(0).name(), "r");
    }

    #[test]
    fn columns_added_one_by_one_merge_into_one_projection() {
        let mut plan = base();
        let mut names = vec!["r".to_string()];
        for i in 0..200 {
            let mut exprs: Vec<Expr> = names.iter().map(|n| col(n.as_str())).collect();
            exprs.push((col("r") + lit(i as i64)).alias(format!("c{i}")));
            names.push(format!("c{i}"));
            plan = over(plan, exprs);
        }
        let schema = Arc::clone(plan.schema());
        let merged = merge_chains(plan).unwrap().data;
        assert_eq!(shape(&merged), [("projection", 3), ("projection", 2)]);
        assert_eq!(merged.schema(), &schema);
    }

    #[test]
    fn a_value_read_twice_stays_computed_once() {
        let lower = over(base(), vec![(col("r") + lit(1i64)).alias("r")]);
        let upper = over(lower, vec![(col("r") * col("r")).alias("r")]);
        let merged = merge_chains(upper).unwrap().data;
        // The lower one merges into the base, the upper one stays apart.
        assert_eq!(shape(&merged), [("projection", 3), ("projection", 3)]);
        let LogicalPlan::Projection(p) = &merged else { panic!("{merged}") };
        assert_eq!(p.expr, [(col("r") * col("r")).alias("r")]);
    }

    #[test]
    fn merged_expressions_keep_their_names() {
        let lower = over(base(), vec![col("r"), (col("r") * lit(2i64)).alias("d")]);
        let upper = over(lower, vec![col("d"), col("r").alias("e")]);
        let schema = Arc::clone(upper.schema());
        let merged = merge_chains(upper).unwrap().data;
        assert_eq!(merged.schema(), &schema);
        let LogicalPlan::Projection(p) = &merged else { panic!("{merged}") };
        assert_eq!(p.expr, [(col("r") * lit(2i64)).alias("d"), col("r").alias("e")]);
        // The base's `r` is read twice now, and stays computed once.
        assert_eq!(shape(&merged).len(), 2);
    }
}
