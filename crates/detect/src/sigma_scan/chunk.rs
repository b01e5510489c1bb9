//! A scan fed a chunk of its table's rows as the readers built them: the
//! operands that are text columns of the table are read from the chunk
//! itself, and the engine computes only the rest (values of dynamic
//! paths, the tests it evaluates, the columns rules add), keyed by row
//! number; with nothing left to compute the engine is not run at all.
//! The table's columns are never copied through the engine's
//! `coalesce(col, "")`: the scan reads a null text value as "" itself.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::{concat_batches, sort_to_indices, take_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::datasource::MemTable;
use kql_engine::{Catalog, Engine, EngineConfig, EngineError, QueryOptions};

use super::ScanRun;
use super::eval::is_table_text;
use super::plan::ROW_COLUMN;

fn failed(e: impl std::fmt::Display) -> EngineError {
    EngineError::Execution(format!("Sigma scan of a chunk: {e}"))
}

impl ScanRun<'_> {
    /// Feeds a chunk of the table's rows (batches of one schema, the
    /// table's), running the part of the scan's query the scan does not
    /// read directly under `config` at `now`.
    pub async fn feed_chunk(
        &mut self,
        batches: &[RecordBatch],
        config: EngineConfig,
        now: i64,
    ) -> Result<(), EngineError> {
        let Some(first) = batches.first() else { return Ok(()) };
        let schema = first.schema();
        let plan = &self.scan.plan;
        let direct: Vec<bool> = plan
            .operands
            .iter()
            .map(|o| schema.index_of(o).ok().is_some_and(|j| is_table_text(schema.field(j).data_type())))
            .collect();
        let Some(query) = plan.chunk_query(&direct) else {
            for b in batches {
                self.feed_rows(b, b.num_columns(), b)?;
            }
            return Ok(());
        };
        let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
        fields.push(Arc::new(Field::new(ROW_COLUMN, DataType::Int64, false)));
        let numbered_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
        let mut numbered = Vec::with_capacity(batches.len());
        let mut start: i64 = 0;
        for b in batches {
            let n = i64::try_from(b.num_rows()).map_err(failed)?;
            let end = start.checked_add(n).ok_or_else(|| failed("too many rows"))?;
            let mut columns = b.columns().to_vec();
            columns.push(Arc::new(Int64Array::from_iter_values(start..end)));
            numbered.push(RecordBatch::try_new(numbered_schema.clone(), columns).map_err(failed)?);
            start = end;
        }
        let table = MemTable::try_new(numbered_schema, vec![numbered]).map_err(failed)?;
        let mut catalog = Catalog::new();
        catalog.register(&plan.table, Arc::new(table));
        let engine = Engine::new(catalog, config);
        let mut stream = engine.run_stream(&query, QueryOptions { now }).await?;
        let out_schema = stream.schema().clone();
        let mut outs = Vec::new();
        while let Some(b) = stream.next().await {
            outs.push(b?);
        }
        let added = in_row_order(&out_schema, outs, start)?;
        let mut offset = 0;
        for b in batches {
            let part = added.slice(offset, b.num_rows());
            self.feed_rows(b, b.num_columns(), &part)?;
            offset += b.num_rows();
        }
        Ok(())
    }
}

/// The engine's result as one batch in row-number order, checked to have
/// each of the `rows` rows exactly once.
fn in_row_order(schema: &Arc<Schema>, outs: Vec<RecordBatch>, rows: i64) -> Result<RecordBatch, EngineError> {
    let all = match outs.len() {
        1 => outs.into_iter().next().ok_or_else(|| failed("no result"))?,
        _ => concat_batches(schema, &outs).map_err(failed)?,
    };
    let numbers = all
        .column_by_name(ROW_COLUMN)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| failed("the result lacks its row numbers"))?;
    let in_order = |a: &Int64Array| {
        a.null_count() == 0 && i64::try_from(a.len()).ok() == Some(rows) && a.values().iter().copied().eq(0..rows)
    };
    if in_order(numbers) {
        return Ok(all);
    }
    let indices = sort_to_indices(numbers, None, None).map_err(failed)?;
    let sorted = take_record_batch(&all, &indices).map_err(failed)?;
    let numbers = sorted
        .column_by_name(ROW_COLUMN)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| failed("the result lacks its row numbers"))?;
    if !in_order(numbers) {
        return Err(failed("the result does not have every row once"));
    }
    Ok(sorted)
}
