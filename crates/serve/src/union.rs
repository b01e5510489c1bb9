//! One table read from several parts of the same schema: the compacted
//! Parquet files and the acknowledged rows still only in the WAL.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::union::UnionExec;

/// The rows of every part, as one table.
#[derive(Debug)]
pub struct UnionTable {
    schema: SchemaRef,
    parts: Vec<Arc<dyn TableProvider>>,
}

impl UnionTable {
    /// A table of `parts`, each of `schema` (at least one part).
    pub fn new(schema: SchemaRef, parts: Vec<Arc<dyn TableProvider>>) -> UnionTable {
        UnionTable { schema, parts }
    }
}

#[async_trait::async_trait]
impl TableProvider for UnionTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let mut plans = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            plans.push(p.scan(state, projection, filters, limit).await?);
        }
        UnionExec::try_new(plans)
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        // Parts may prune with a filter; it is always applied again above.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
}
