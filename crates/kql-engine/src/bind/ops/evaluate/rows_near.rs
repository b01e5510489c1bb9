//! `evaluate rows_near(Condition, NumRows [, RowsAfter])` (rows-near-plugin.md):
//! the input rows within `NumRows` rows before, or `RowsAfter` (by default
//! `NumRows`) rows after, a row where `Condition` is true, in the input's
//! order (the order of the sort below, if any). One window over the rows:
//! the largest of the condition's 0/1 from `RowsAfter` rows back to
//! `NumRows` rows ahead, and the rows' positions, which order the output.

use datafusion::common::ScalarValue;
use datafusion::functions_aggregate::min_max::max_udaf;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, Filter, LogicalPlanBuilder, SortExpr, WindowFrame, WindowFrameBound, WindowFrameUnits,
    WindowFunctionDefinition, lit, when,
};
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

impl Binder<'_> {
    pub(super) fn rows_near(&mut self, input: Tab, args: &[Arg], call_span: Span) -> BResult<Tab> {
        let args = self.positional(args, "rows_near")?;
        let (Some(cond), Some(before), after, None) = (args.first(), args.get(1), args.get(2), args.get(3)) else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call_span,
                "`rows_near` takes a condition, a number of rows and optionally a number of rows after",
            ));
        };
        let before_n = self.plugin_long(before, "the number of rows")?;
        let after_n = match after {
            Some(a) => self.plugin_long(a, "the number of rows after")?,
            None => before_n,
        };
        // More rows than any input has reach as far as the input's ends.
        let reach = |n: i64| u64::try_from(n).map(|n| n.min(u64::from(u32::MAX)));
        let (Ok(before_n), Ok(after_n)) = (reach(before_n), reach(after_n)) else {
            return Err(self.error(error::BAD_ARGUMENTS, call_span, "`rows_near` counts rows from 0 up"));
        };
        let c = {
            let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
            self.scalar(cond, row)?
        };
        let c = self.coerce_dynamic(c, KqlType::Bool);
        if c.ty != KqlType::Bool {
            return Err(self.error(
                error::TYPE_MISMATCH,
                cond.span,
                format!("the condition is a bool, found a {}", c.ty),
            ));
        }
        let hit = when(c.expr, lit(1i64)).otherwise(lit(0i64));
        let hit = self.df(cond.span, hit)?;
        // A row is near a hit `after` rows before it or `before` rows after it.
        let frame = WindowFrame::new_bounds(
            WindowFrameUnits::Rows,
            WindowFrameBound::Preceding(ScalarValue::UInt64(Some(after_n))),
            WindowFrameBound::Following(ScalarValue::UInt64(Some(before_n))),
        );
        let near = self.fresh("rows_near");
        let win = Expr::WindowFunction(Box::new(WindowFunction::new(
            WindowFunctionDefinition::AggregateUDF(max_udaf()),
            vec![hit],
        )))
        .window_frame(frame)
        .build();
        let win = self.df(call_span, win)?.alias(&near);
        // The rows' positions, to give the kept rows back in their order.
        let pos = self.fresh("rows_near_pos");
        let keep = Self::all_columns(&input.plan);
        let windowed = self.windowed(input.plan, vec![win, row_number().alias(&pos)], call_span)?;
        let filter = Filter::try_new(Self::column(&near).eq(lit(1i64)), std::sync::Arc::new(windowed));
        let filtered = datafusion::logical_expr::LogicalPlan::Filter(self.df(call_span, filter)?);
        let sorted = LogicalPlanBuilder::from(filtered).sort(vec![SortExpr::new(Self::column(&pos), true, false)]);
        let sorted = self.build(call_span, sorted)?;
        let plan = self.projection(call_span, sorted, keep)?;
        Ok(Tab { plan, source: input.source })
    }
}
