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
