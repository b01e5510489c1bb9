//! Keeps a filter above projections it would grow through.
//!
//! DataFusion's `push_down_filter` moves a predicate below a projection by
//! putting the projection's expressions in place of the columns it reads.
//! A column computed from one it replaces, read twice (`extend arr =
//! iff(c, array_concat(arr, x), arr)`, n times), doubles the predicate at
//! each level: after 14 such `extend`s a `where array_length(arr) > 0`
//! became an expression of 2^14 nodes, which every later rule and the
//! physical planner walked (a published Sentinel query ran past its time
//! budget). The engine's projection merging keeps such a column computed
//! once (`optimizer/merge.rs`); this rule does the same for filters: when
//! pushing a filter through the projections below it would make it larger
//! than [`MAX_NODES`], a limit without a count (a node the filter rule does
//! not cross, and which changes no row) goes between them. Runs before
//! `eliminate_outer_join` (which inlines a predicate through projections
//! the same way, to study it) and `push_down_filter` on every pass.

use std::collections::HashMap;

use datafusion::common::Result;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// The largest predicate a filter may grow to by moving below projections.
const MAX_NODES: u64 = 4096;

#[derive(Debug, Default)]
pub(crate) struct FilterGrowthBarrier;

impl OptimizerRule for FilterGrowthBarrier {
    fn name(&self) -> &str {
        "filter_growth_barrier"
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(&self, plan: LogicalPlan, _config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        plan.transform_up_with_subqueries(|node| match node {
            LogicalPlan::Filter(mut f) if grows_past(&f.predicate, &f.input) => {
                let input = std::sync::Arc::unwrap_or_clone(f.input);
                f.input = std::sync::Arc::new(LogicalPlanBuilder::from(input).limit(0, None)?.build()?);
                Ok(Transformed::yes(LogicalPlan::Filter(f)))
            }
            other => Ok(Transformed::no(other)),
        })
    }
}

/// The nodes of `e`, and how many times it reads each column (by name).
fn reads(e: &Expr) -> (u64, HashMap<String, u64>) {
    let mut nodes = 0u64;
    let mut cols: HashMap<String, u64> = HashMap::new();
    let _ = e.apply(|x| {
        nodes = nodes.saturating_add(1);
        if let Expr::Column(c) = x {
            let n = cols.entry(c.name.clone()).or_insert(0);
            *n = n.saturating_add(1);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    (nodes, cols)
}

/// Whether `predicate`, moved through the projections at the top of
/// `input`, would have more than [`MAX_NODES`] nodes.
fn grows_past(predicate: &Expr, input: &LogicalPlan) -> bool {
    let (mut size, mut counts) = reads(predicate);
    let mut plan = input;
    loop {
        match plan {
            LogicalPlan::Projection(p) => {
                let mut next: HashMap<String, u64> = HashMap::new();
                for (i, e) in p.expr.iter().enumerate() {
                    let name = p.schema.field(i).name();
                    let Some(&n) = counts.get(name) else { continue };
                    let (nodes, cols) = reads(e);
                    size = size.saturating_add(n.saturating_mul(nodes.saturating_sub(1)));
                    for (c, m) in cols {
                        let slot = next.entry(c).or_insert(0);
                        *slot = slot.saturating_add(n.saturating_mul(m));
                    }
                }
                if size > MAX_NODES {
                    return true;
                }
                counts = next;
                plan = p.input.as_ref();
            }
            LogicalPlan::SubqueryAlias(a) => plan = a.input.as_ref(),
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::{col, lit, when};

    use super::*;

    #[test]
    fn a_column_read_twice_at_each_level_stops_the_filter() {
        let mut plan = LogicalPlanBuilder::empty(true).project(vec![lit(1i64).alias("a")]).unwrap().build().unwrap();
        for _ in 0..14 {
            let e = when(col("a").gt(lit(0i64)), col("a") + lit(1i64)).otherwise(col("a")).unwrap();
            plan = LogicalPlanBuilder::from(plan).project(vec![e.alias("a")]).unwrap().build().unwrap();
        }
        assert!(grows_past(&col("a").gt(lit(5i64)), &plan));
        let one = LogicalPlanBuilder::empty(true).project(vec![lit(1i64).alias("a")]).unwrap().build().unwrap();
        let one =
            LogicalPlanBuilder::from(one).project(vec![(col("a") + col("a")).alias("a")]).unwrap().build().unwrap();
        assert!(!grows_past(&col("a").gt(lit(5i64)), &one));
    }
}
