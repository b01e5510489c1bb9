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

/// The deadline passed inside DataFusion (an optimizer rule): carried out
/// as an external error, which [`exec_error`](crate::engine::exec_error)
/// turns back into [`EngineError::Timeout`].
#[derive(Debug)]
pub(crate) struct Passed(pub Duration);

impl std::fmt::Display for Passed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", EngineError::Timeout(self.0))
    }
}

impl std::error::Error for Passed {}

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
            let budget = self.0.budget.map(|(_, b)| b).unwrap_or_default();
            return Err(datafusion::common::DataFusionError::External(Box::new(Passed(budget))));
        }
        Ok(datafusion::common::tree_node::Transformed::no(plan))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::LogicalPlanBuilder;
    use datafusion::optimizer::{OptimizerContext, OptimizerRule};

    use super::*;

    #[test]
    fn a_deadline_passed_in_an_optimizer_rule_is_a_timeout() {
        let plan = LogicalPlanBuilder::empty(false).build().unwrap();
        let check = DeadlineCheck(Deadline::start(Some(Duration::from_millis(0))));
        let e = check.rewrite(plan, &OptimizerContext::new()).unwrap_err().context("kql_deadline_check");
        let e = crate::engine::exec_error(e);
        assert!(matches!(e, EngineError::Timeout(b) if b.is_zero()), "{e}");
    }
}
