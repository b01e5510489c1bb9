//! `sample` and `sample-distinct`: rows (or values) picked at random, not
//! the first ones.

use datafusion::functions::math::expr_fn::random;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast;

use crate::bind::names::inferred;
use crate::bind::{BResult, Binder, Row, Tab};

impl Binder<'_> {
    /// `sample N`: N rows chosen uniformly at random (all of them when the
    /// input has fewer).
    pub(crate) fn sample(&mut self, input: Tab, count: &ast::Expr, span: Span) -> BResult<Tab> {
        let n = self.row_count(count)?;
        let plan = self.random_rows(input.plan, n, span)?;
        Ok(Tab { plan, source: input.source })
    }

    /// `sample-distinct N of Col`: N distinct values of `Col` chosen at
    /// random, in one column.
    pub(crate) fn sample_distinct(
        &mut self,
        input: Tab,
        count: &ast::Expr,
        of: &ast::Expr,
        span: Span,
    ) -> BResult<Tab> {
        let n = self.row_count(count)?;
        let t = {
            let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
            self.scalar(of, row)?
        };
        let name = inferred(of).unwrap_or_else(|| "Column1".to_string());
        let b = LogicalPlanBuilder::from(input.plan).aggregate(vec![t.expr.alias(&name)], Vec::<Expr>::new());
        let distinct = self.build(span, b)?;
        let plan = self.random_rows(distinct, n, span)?;
        Ok(Tab { plan, source: None })
    }

    /// `n` rows of `plan` in a random order: sorted by a random key held in
    /// a column (a sort by an expression that no column holds fails when
    /// no column of the result is used, as under `count`).
    fn random_rows(&mut self, plan: LogicalPlan, n: usize, span: Span) -> BResult<LogicalPlan> {
        if n == 0 {
            return Ok(super::no_rows(&plan));
        }
        let key = self.fresh("sample");
        let names: Vec<Expr> = plan.schema().columns().into_iter().map(Expr::Column).collect();
        let mut with_key = names.clone();
        with_key.push(random().alias(&key));
        let b = LogicalPlanBuilder::from(plan)
            .project(with_key)
            .and_then(|b| b.sort_with_limit(vec![Self::column(&key).sort(true, false)], Some(n)))
            .and_then(|b| b.project(names));
        self.build(span, b)
    }
}
