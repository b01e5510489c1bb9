//! `partition by Column ( operators )` (partition-operator.md): the
//! operators run on each subtable of the rows with one value of the
//! column, and the results are unioned. It is bound as `mv-apply` binds its
//! subquery (`mv_apply.rs`): the rows keep their subtable's key and their
//! position in hidden columns, and each operator is made per subtable.
//! The hints are accepted and change nothing here; the `{ query }` form,
//! whose subquery names its own source through `toscalar`, is refused.

use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{LogicalPlanBuilder, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, PartitionBody};

use super::mv_apply::Hidden;
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;

impl Binder<'_> {
    pub(crate) fn partition(&mut self, input: Tab, p: &ast::Partition, span: Span) -> BResult<Tab> {
        let PartitionBody::Operators(ops) = &p.body else {
            return Err(self.not_implemented(span, "`partition` with a `{ query }` subquery"));
        };
        if !matches!(p.by.kind, ExprKind::Name(_)) {
            return Err(self.error(error::BAD_ARGUMENTS, p.by.span, "`partition by` takes a column name"));
        }
        let key = {
            let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
            self.scalar(&p.by, row)?
        };
        let h = Hidden {
            row: self.fresh("partition_key"),
            ord: self.fresh("partition_ord"),
            empty: self.fresh("partition_empty"),
            carried: Vec::new(),
            within: "partition",
        };
        let mut cols = Self::all_columns(&input.plan);
        cols.push(key.expr.alias(&h.row));
        cols.push(Self::column(&h.ord));
        cols.push(lit(false).alias(&h.empty));
        let b =
            LogicalPlanBuilder::from(input.plan).window(vec![row_number().alias(&h.ord)]).and_then(|b| b.project(cols));
        let mut tab = Tab { plan: self.build(span, b)?, source: input.source };
        for op in ops {
            tab = self.per_subtable(tab, op, &h)?;
        }
        self.apply_result(tab, &h, span)
    }
}
