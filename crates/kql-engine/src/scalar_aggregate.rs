//! Keeps filters above a scalar aggregation.
//!
//! An aggregation without group keys gives exactly one row, even over no
//! input. DataFusion's `push_down_filter` moves a predicate below an
//! aggregation when every column it reads is a group key, which a constant
//! predicate trivially satisfies; below a scalar aggregation that turns
//! "no row" into "one row over nothing" (`summarize x = max(l) | extend t =
//! datetime(null) | make-series .. on t` made a series out of no data). A
//! `take 1` over each scalar aggregation, which changes nothing since it
//! gives one row, is a node the filter rule does not cross.

use datafusion::common::Result;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// Puts a `Limit 1` above every aggregation without group keys that is not
/// under one already. Runs before `push_down_filter` on every pass.
#[derive(Debug, Default)]
pub(crate) struct ScalarAggregateBarrier;

impl OptimizerRule for ScalarAggregateBarrier {
    fn name(&self) -> &str {
        "scalar_aggregate_barrier"
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(&self, plan: LogicalPlan, _config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        plan.transform_up_with_subqueries(|node| {
            if matches!(node, LogicalPlan::Limit(_)) {
                return Ok(Transformed::no(node));
            }
            node.map_children(|child| {
                if is_scalar_aggregate(&child) {
                    Ok(Transformed::yes(LogicalPlanBuilder::from(child).limit(0, Some(1))?.build()?))
                } else {
                    Ok(Transformed::no(child))
                }
            })
        })
    }
}

fn is_scalar_aggregate(plan: &LogicalPlan) -> bool {
    matches!(plan, LogicalPlan::Aggregate(a) if a.group_expr.is_empty())
}
