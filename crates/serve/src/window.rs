//! A scheduled rule's view of the store: every table cut to the rule's
//! `queryPeriod`, the rows whose event time (the first of `detect`'s
//! `TIME_COLUMNS` a row has: `TimeGenerated`, else `Timestamp`, ...) falls
//! in `[now - period, now]`, as Sentinel shows a scheduled query only
//! its lookback. Rows without a time cannot be placed and are kept.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::TableProvider;
use datafusion::catalog::view::ViewTable;
use datafusion::common::ScalarValue;
use datafusion::common::TableReference;
use datafusion::datasource::provider_as_source;
use datafusion::functions::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, ident, lit};
use detect::rows::TIME_COLUMNS;
use kql_engine::Catalog;

/// `catalog` with each table holding only the rows of `[start, end]` (ns
/// since the epoch) and those without a time.
pub fn windowed(catalog: &Catalog, start: i64, end: i64) -> Result<Catalog, String> {
    let mut out = Catalog::new();
    for name in catalog.names() {
        let Some(table) = catalog.get(name) else { continue };
        out.register(name, window(name, table.clone(), start, end).map_err(|e| format!("{name}: {e}"))?);
    }
    Ok(out)
}

fn window(
    name: &str,
    table: Arc<dyn TableProvider>,
    start: i64,
    end: i64,
) -> datafusion::error::Result<Arc<dyn TableProvider>> {
    let schema = table.schema();
    let mut times: Vec<(Expr, Option<Arc<str>>)> = Vec::new();
    for c in TIME_COLUMNS {
        if let Ok(f) = schema.field_with_name(c)
            && let DataType::Timestamp(_, tz) = f.data_type()
        {
            times.push((ident(*c), tz.clone()));
        }
    }
    let Some((_, tz)) = times.first().cloned() else { return Ok(table) };
    let exprs: Vec<Expr> = times.into_iter().map(|(e, _)| e).collect();
    let time = if exprs.len() == 1 { exprs[0].clone() } else { coalesce(exprs) };
    let at = |t: i64| lit(ScalarValue::TimestampNanosecond(Some(t), tz.clone()));
    let keep = time.clone().is_null().or(time.clone().gt_eq(at(start)).and(time.lt_eq(at(end))));
    let plan =
        LogicalPlanBuilder::scan(TableReference::bare(name), provider_as_source(table), None)?.filter(keep)?.build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}
