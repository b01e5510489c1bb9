//! `evaluate dcount_intersect(hll_1, hll_2, ...)` (dcount-intersect-plugin.md):
//! for each input row, `s0` the distinct count of the first hll's set, `s1`
//! of the first two sets' intersection, and so on to all N (2 to 16), as
//! columns added after the input's.

use datafusion::logical_expr::LogicalPlanBuilder;
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::functions::rowwise::row_func;
use crate::functions::sketch::hll_intersect_count;
use crate::types::KqlType;

/// The fewest and most hlls the plugin takes.
const SETS: std::ops::RangeInclusive<usize> = 2..=16;

impl Binder<'_> {
    pub(super) fn dcount_intersect(&mut self, input: Tab, args: &[Arg], call_span: Span) -> BResult<Tab> {
        let args = self.positional(args, "dcount_intersect")?;
        if !SETS.contains(&args.len()) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call_span,
                format!("`dcount_intersect` takes 2 to 16 hll values, found {}", args.len()),
            ));
        }
        let mut hlls = Vec::with_capacity(args.len());
        for a in &args {
            let t = {
                let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
                self.scalar(a, row)?
            };
            if t.ty != KqlType::Dynamic {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    a.span,
                    format!("`dcount_intersect` reads hll values (dynamic, from `hll()`), found a {}", t.ty),
                ));
            }
            hlls.push(t.expr);
        }
        let udf = row_func("dcount_intersect", KqlType::Long, hll_intersect_count);
        let mut cols = Self::all_columns(&input.plan);
        for i in 0..hlls.len() {
            let sets = hlls.iter().take(i + 1).cloned().collect();
            cols.push(udf.call(sets).alias(format!("s{i}")));
        }
        let plan = self.build(call_span, LogicalPlanBuilder::from(input.plan).project(cols))?;
        Ok(Tab { plan, source: None })
    }
}
