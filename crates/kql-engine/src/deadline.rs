//! A query's time budget, counted from its start and checked by every phase:
//! the binder as it goes, planning and execution around them.

use std::time::{Duration, Instant};

use crate::error::EngineError;

/// When a query must stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    budget: Option<(Instant, Duration)>,
}

impl Deadline {
    /// A deadline `budget` from now; `None` never passes.
    pub fn start(budget: Option<Duration>) -> Deadline {
        Deadline { budget: budget.map(|b| (Instant::now(), b)) }
    }

    /// Whether the budget is spent.
    pub fn passed(&self) -> bool {
        self.remaining().is_some_and(|r| r.is_zero())
    }

    /// The time left, `None` without a budget.
    pub fn remaining(&self) -> Option<Duration> {
        self.budget.map(|(start, b)| b.saturating_sub(start.elapsed()))
    }

    /// The error of a query stopped by this deadline.
    pub fn error(&self) -> EngineError {
        EngineError::Timeout(self.budget.map(|(_, b)| b).unwrap_or_default())
    }
}

/// An optimizer "rule" that changes nothing and fails once the deadline has
/// passed. The engine puts one before each of DataFusion's rules, so
/// optimizing a query abandoned at its deadline stops at the next rule
/// rather than running to the end unobserved.
#[derive(Debug)]
pub(crate) struct DeadlineCheck(pub Deadline);

impl datafusion::optimizer::OptimizerRule for DeadlineCheck {
    fn name(&self) -> &str {
        "kql_deadline_check"
    }

    fn rewrite(
        &self,
        plan: datafusion::logical_expr::LogicalPlan,
        _config: &dyn datafusion::optimizer::OptimizerConfig,
    ) -> datafusion::common::Result<datafusion::common::tree_node::Transformed<datafusion::logical_expr::LogicalPlan>>
    {
        if self.0.passed() {
            return Err(datafusion::common::DataFusionError::Execution(self.0.error().to_string()));
        }
        Ok(datafusion::common::tree_node::Transformed::no(plan))
    }
}
