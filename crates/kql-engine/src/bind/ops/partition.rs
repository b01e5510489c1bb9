//! `partition by Column ( operators )` (partition-operator.md): the
//! operators run on each subtable of the rows with one value of the
//! column, and the results are unioned. It is bound as `mv-apply` binds its
//! subquery (`mv_apply.rs`): the rows keep their subtable's key and their
//! position in hidden columns, and each operator is made per subtable.
//! The hints are accepted and change nothing here. The `{ query }` form
//! (the legacy strategy) runs the input's distinct values of the column
//! (as `pivot` runs its input) and binds the query once per value, the
//! column's name standing for that value, at most 64 of them.

use datafusion::common::ScalarValue;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, PartitionBody};

use super::mv_apply::Hidden;
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;

impl Binder<'_> {
    pub(crate) fn partition(&mut self, input: Tab, p: &ast::Partition, span: Span) -> BResult<Tab> {
        let ops = match &p.body {
            PartitionBody::Operators(ops) => ops,
            PartitionBody::Query(q) => return self.partition_query(input, p, q, span),
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

    /// `partition by Col { Query }`: the union of `Query` bound once per
    /// distinct value of `Col`, in which `Col` names that value.
    fn partition_query(&mut self, input: Tab, p: &ast::Partition, q: &ast::Expr, span: Span) -> BResult<Tab> {
        const MAX_PARTITIONS: usize = 64;
        let ExprKind::Name(col) = &p.by.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, p.by.span, "`partition by` takes a column name"));
        };
        let key = {
            let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
            self.scalar(&p.by, row)?
        };
        let b = LogicalPlanBuilder::from(input.plan).aggregate(vec![key.expr.alias("value")], Vec::<Expr>::new());
        let values_plan = self.build(span, b)?;
        let batches = self.learned_rows_or_request(span, values_plan)?;
        let mut values = Vec::new();
        for b in &batches {
            let Some(c) = b.columns().first() else { continue };
            for r in 0..b.num_rows() {
                match ScalarValue::try_from_array(c, r) {
                    Ok(v) => values.push(v),
                    Err(e) => return Err(self.error(error::INTERNAL, span, e.strip_backtrace())),
                }
            }
        }
        if values.len() > MAX_PARTITIONS {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                p.by.span,
                format!("`partition ... {{ query }}` takes at most {MAX_PARTITIONS} distinct values of its column"),
            ));
        }
        // With no rows, the query bound once over a null gives the columns.
        let empty = values.is_empty();
        if empty {
            values.push(ScalarValue::try_from(&key.ty.arrow()).unwrap_or(ScalarValue::Null));
        }
        let mut plans = Vec::new();
        for v in values {
            let value = crate::bind::Typed { expr: datafusion::logical_expr::lit(v), ty: key.ty };
            self.env.push((col.name.clone(), crate::bind::Value::Scalar(value)));
            let tab = self.table(q);
            self.env.pop();
            plans.push(tab?.plan);
        }
        let mut plans = plans.into_iter();
        let Some(first) = plans.next() else {
            return Err(self.error(error::INTERNAL, span, "a partition without a plan"));
        };
        if empty {
            let cols: Vec<(String, crate::types::KqlType)> = first
                .schema()
                .fields()
                .iter()
                .map(|f| (f.name().clone(), crate::types::KqlType::of(f.data_type())))
                .collect();
            let mut seen = std::collections::HashSet::new();
            if let Some((dup, _)) = cols.iter().find(|(n, _)| !seen.insert(n.as_str())) {
                return Err(self.error(error::AMBIGUOUS, q.span, format!("the column `{dup}` appears twice")));
            }
            return Ok(Tab { plan: super::source::empty_plan(&cols), source: None });
        }
        let schema = first.schema().clone();
        let mut b = LogicalPlanBuilder::from(first);
        for plan in plans {
            let same = plan.schema().fields().len() == schema.fields().len()
                && plan
                    .schema()
                    .fields()
                    .iter()
                    .zip(schema.fields())
                    .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
            if !same {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    q.span,
                    "the subquery of `partition` gives different columns for different values",
                ));
            }
            b = self.df(span, b.union(plan))?;
        }
        let plan = self.build(span, Ok(b))?;
        Ok(Tab { plan, source: None })
    }
}
