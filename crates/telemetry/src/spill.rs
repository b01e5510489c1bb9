//! Where rows read from logs wait for a query, in bounded memory: batches
//! stay in memory up to a budget; past it, every table's batches go to a
//! temporary Parquet dataset (the layout [`parquet_out`](crate::parquet_out)
//! writes), which DataFusion then scans in bounded memory.
//!
//! A run that stays under the budget keeps its tables as `MemTable`s, as
//! fast as before; one that passes it is read back from the spilled files
//! alone (what was in memory at that moment is written out too). The
//! temporary folder, `dragnet-spill-<pid>-<random>` under the folder given or
//! the system's temporary folder, is removed when its [`SpillDir`] is
//! dropped (see [`spill_dir`](crate::spill_dir) for what happens when the
//! run is stopped).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;

use crate::dataset::DatasetError;
use crate::parquet_out::ParquetDataset;
use crate::sink::{Output, OutputError};

/// Rows per row group of spilled files: small, so that the open files of
/// a spill (one per table and day) buffer little.
pub const SPILL_ROW_GROUP: usize = 16 * 1024;

/// How much read rows may hold in memory, and where the rest goes.
#[derive(Debug, Clone, Default)]
pub struct SpillOptions {
    /// Bytes of Arrow batches kept in memory before spilling; `None` for
    /// no limit.
    pub budget: Option<usize>,
    /// The folder the temporary dataset is made in; `None` for the
    /// system's temporary folder (`TMPDIR`).
    pub dir: Option<PathBuf>,
}

/// Table names and tables.
pub type Tables = Vec<(String, Arc<dyn TableProvider>)>;

pub use crate::spill_dir::SpillDir;

/// An [`Output`] that holds batches up to a budget, then spills.
pub struct SpillStore {
    options: SpillOptions,
    held: usize,
    tables: BTreeMap<&'static str, Vec<RecordBatch>>,
    spill: Option<(SpillDir, ParquetDataset)>,
}

impl SpillStore {
    /// An empty store.
    pub fn new(options: SpillOptions) -> SpillStore {
        SpillStore { options, held: 0, tables: BTreeMap::new(), spill: None }
    }

    /// Whether the store has spilled to disk.
    pub fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    fn start_spill(&mut self) -> Result<(), OutputError> {
        let parent = self.options.dir.clone().unwrap_or_else(std::env::temp_dir);
        let dir = SpillDir::create(&parent).map_err(|e| OutputError(e.to_string()))?;
        let mut ds = ParquetDataset::create(dir.path())?.with_row_group(SPILL_ROW_GROUP);
        for (table, batches) in std::mem::take(&mut self.tables) {
            for b in batches {
                ds.write(table, b)?;
            }
        }
        self.held = 0;
        self.spill = Some((dir, ds));
        Ok(())
    }

    /// The tables, and the folder holding them when the store spilled
    /// (keep it alive as long as the tables are queried).
    pub fn finish(self) -> Result<(Tables, Option<SpillDir>), DatasetError> {
        match self.spill {
            None => {
                let mut out: Vec<(String, Arc<dyn TableProvider>)> = Vec::new();
                for (name, batches) in self.tables {
                    let schema = crate::tables::get(name).expect("sources write known tables");
                    let table = MemTable::try_new(schema, vec![batches])
                        .map_err(|e| DatasetError { path: PathBuf::from(name), message: e.to_string() })?;
                    out.push((name.to_string(), Arc::new(table)));
                }
                Ok((out, None))
            }
            Some((dir, ds)) => {
                ds.finish().map_err(|e| DatasetError { path: dir.path().to_path_buf(), message: e.0 })?;
                let opened = crate::dataset::open_dir(dir.path())?;
                Ok((opened.tables, Some(dir)))
            }
        }
    }
}

impl Output for SpillStore {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        if let Some((_, ds)) = &mut self.spill {
            return ds.write(table, batch);
        }
        self.held = self.held.saturating_add(batch.get_array_memory_size());
        self.tables.entry(table).or_default().push(batch);
        if self.options.budget.is_some_and(|b| self.held > b) {
            self.start_spill()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{TableBuilder, Value};
    use datafusion::arrow::compute::concat_batches;
    use datafusion::prelude::{SessionContext, ident};

    /// Five batches of 100 DeviceProcessEvents rows over two days.
    fn batches() -> Vec<RecordBatch> {
        let schema = crate::tables::get("DeviceProcessEvents").unwrap();
        let mut b = TableBuilder::new(schema);
        let (tg, pid, name) = (b.col("TimeGenerated"), b.col("ProcessId"), b.col("FileName"));
        let mut out = Vec::new();
        for i in 0..500i64 {
            let mut r = b.row();
            r.set(tg, Value::Time(1_795_000_000_000_000_000 + i * 600_000_000_000));
            r.set(pid, Value::Long(i));
            r.set(name, Value::str(format!("proc-{}", i % 7)));
            b.push(&r);
            if b.len() == 100 {
                out.push(b.finish());
            }
        }
        out
    }

    async fn all_rows(tables: Vec<(String, Arc<dyn TableProvider>)>) -> RecordBatch {
        let ctx = SessionContext::new();
        for (name, t) in tables {
            ctx.register_table(name.as_str(), t).unwrap();
        }
        let df = ctx.table("DeviceProcessEvents").await.unwrap();
        let df = df.sort(vec![ident("ProcessId").sort(true, false)]).unwrap();
        let schema = Arc::new(df.schema().as_arrow().clone());
        concat_batches(&schema, &df.collect().await.unwrap()).unwrap()
    }

    #[test]
    fn past_its_budget_the_store_spills_and_gives_the_same_rows() {
        let parent = std::env::temp_dir().join(format!("dragnet-spill-test-{}", std::process::id()));
        let run = |budget: Option<usize>| {
            let mut store = SpillStore::new(SpillOptions { budget, dir: Some(parent.clone()) });
            for b in batches() {
                store.write("DeviceProcessEvents", b).unwrap();
            }
            let spilled = store.spilled();
            let (tables, dir) = store.finish().unwrap();
            (spilled, tables, dir)
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (spilled, tables, dir) = run(None);
        assert!(!spilled && dir.is_none());
        let in_memory = rt.block_on(all_rows(tables));
        // One batch is more than a byte: the second write spills.
        let (spilled, tables, dir) = run(Some(1));
        assert!(spilled);
        let dir = dir.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("DeviceProcessEvents")).unwrap().collect();
        assert_eq!(files.len(), 4, "a folder per day of the rows (3.5 days)");
        let from_disk = rt.block_on(all_rows(tables));
        assert_eq!(in_memory.num_rows(), 500);
        assert_eq!(in_memory, from_disk);
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists(), "the spill folder goes with its guard");
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
