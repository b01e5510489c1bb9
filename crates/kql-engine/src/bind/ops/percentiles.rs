//! `percentiles(x, p1, p2, ...)` in `summarize`: one column per percentile,
//! named `percentile_x_p1`, ... (percentiles-aggregation-function.md), or
//! by the names of `(a, b) = percentiles(x, p1, p2)`.

use datafusion::logical_expr::Expr;
use kql_syntax::ast::{self, Arg};

use super::summarize::percentile_suffix;
use crate::bind::names::{NameTable, inferred};
use crate::bind::{BResult, Binder, Row};
use crate::error;

impl<'a> Binder<'a> {
    /// The output columns of one `percentiles` item; its aggregations go to
    /// the collector, as each `percentile` does.
    pub(crate) fn percentiles(
        &mut self,
        args: &[Arg],
        item: &ast::Assign,
        row: Row<'_>,
        names: &mut NameTable,
    ) -> BResult<Vec<Expr>> {
        let Some((x, ps)) = args.split_first().filter(|(_, ps)| !ps.is_empty()) else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                item.span,
                "`percentiles` takes a value and at least one percentile",
            ));
        };
        if !item.names.is_empty() && item.names.len() != ps.len() {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                item.span,
                format!("{} names for {} percentiles", item.names.len(), ps.len()),
            ));
        }
        // `percentiles(Name = expr, ...)` names the columns after Name.
        let base = x.name.as_ref().map(|n| n.name.clone()).or_else(|| inferred(&x.value)).unwrap_or_default();
        let mut cols = Vec::with_capacity(ps.len());
        for (i, p) in ps.iter().enumerate() {
            let t = self.aggregate_call("percentile", &[x.clone(), p.clone()], item.span, row)?;
            let name = match item.names.get(i) {
                Some(n) => n.name.clone(),
                None => format!("percentile_{base}_{}", percentile_suffix(&p.value)),
            };
            cols.push(t.expr.alias(names.unique(&name)));
        }
        Ok(cols)
    }
}
