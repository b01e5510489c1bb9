//! `hunt`'s Sigma scans fed as the logs are read: each batch a reader
//! produces of a scanned table goes to that table's scan, so rows no other
//! rule reads are never collected, spilled or read back, and memory stays
//! bounded by a chunk of rows plus the alerts kept under the caps. A table
//! other rules also read is still kept as a table; its batches go to both.
//!
//! A scan streams when the logs are all log files (a dataset folder or a
//! `--table` is a table already, scanned as before), its query binds over
//! the empty table, and it does not read `now()` (Sigma's never does; the
//! run's `now` may only be known once every event is read). Alerts are
//! dated at the end with the run's `now`; they do not depend on the order
//! rows come in (`detect::fold`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use detect::alert::AlertCaps;
use detect::pack::RulePack;
use detect::run::{default_catalog, newest_in_batch, tables_read};
use detect::sigma_scan::{ScanResult, ScanRun, TableScan};
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};
use telemetry::sink::{Output, OutputError};

use crate::cmd::isolate::isolated;

/// Rows of a table scanned at once: planning the scan's query is paid once
/// per chunk, and a chunk is what the scan holds of the table.
pub const CHUNK_ROWS: usize = 64 * 1024;

/// Which scans stream, and whether their tables are also kept for the
/// rules that are not in a scan.
pub struct Routes {
    /// Per scan (by index), `Some(keep)` when it streams.
    pub streams: Vec<Option<bool>>,
}

impl Routes {
    /// Decides for each of `scans`: `data_are_logs` when every input is
    /// read from log files; `now_given` when `--now` fixes `now()`.
    pub fn plan(pack: &RulePack, scans: &[TableScan], data_are_logs: bool, now_given: bool) -> Routes {
        if !data_are_logs {
            return Routes { streams: vec![None; scans.len()] };
        }
        let engine = Engine::new(default_catalog(), EngineConfig::unlimited());
        let in_scan: BTreeSet<usize> = scans.iter().flat_map(|s| s.rules.iter().copied()).collect();
        // The tables the other rules read; `None`: one of them cannot say
        // (it fails to bind, and will fail to run), so every table is kept.
        let mut read: Option<BTreeSet<String>> = Some(BTreeSet::new());
        for (i, rule) in pack.rules.iter().enumerate() {
            if in_scan.contains(&i) {
                continue;
            }
            match (tables_read(&engine, &rule.query), read.as_mut()) {
                (Ok(tables), Some(all)) => all.extend(tables),
                (Err(_), _) => read = None,
                (Ok(_), None) => {}
            }
        }
        let streams = scans
            .iter()
            .map(|scan| {
                let query = scan.plan.query();
                let reads_now = query.contains("now(") || query.contains("ago(");
                let binds = engine.plan(&query, QueryOptions { now: 0 }).is_ok();
                (binds && (now_given || !reads_now))
                    .then(|| read.as_ref().is_none_or(|r| r.contains(&scan.plan.table.to_lowercase())))
            })
            .collect();
        Routes { streams }
    }

}

/// One streamed table: its scan, the rows waiting for the next chunk, and
/// the first failure (after which its batches are dropped).
struct Streaming<'a> {
    index: usize,
    keep: bool,
    run: ScanRun<'a>,
    waiting: Vec<RecordBatch>,
    rows: usize,
    failed: Option<String>,
}

/// The streamed scans, fed by the readers as a `telemetry` [`Output`].
pub struct Streamed<'a> {
    tables: HashMap<String, Streaming<'a>>,
    rt: &'a tokio::runtime::Runtime,
    config: EngineConfig,
    now: i64,
    newest: Option<i64>,
}

impl<'a> Streamed<'a> {
    /// The streamed scans of `routes`; their queries run under `config` at
    /// `now` (`--now`, or 0: they do not read it).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scans: &'a [TableScan],
        routes: &Routes,
        pack: &'a RulePack,
        caps: AlertCaps,
        rt: &'a tokio::runtime::Runtime,
        config: EngineConfig,
        now: i64,
    ) -> Streamed<'a> {
        let mut tables = HashMap::new();
        for (index, (scan, route)) in scans.iter().zip(&routes.streams).enumerate() {
            // A scan that cannot start runs over its table as before.
            let (Some(keep), Ok(run)) = (*route, ScanRun::new(scan, &pack.rules, caps)) else { continue };
            let t = Streaming { index, keep, run, waiting: Vec::new(), rows: 0, failed: None };
            tables.insert(scan.plan.table.clone(), t);
        }
        Streamed { tables, rt, config, now, newest: None }
    }

    /// The streamed tables, each with whether its rows are also kept as a
    /// table (`telemetry::load::Tap::tables`).
    pub fn tapped(&self) -> BTreeMap<String, bool> {
        self.tables.iter().map(|(name, t)| (name.clone(), t.keep)).collect()
    }

    /// The newest event time of the streamed rows, as
    /// `detect::run::newest_event` counts it.
    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    /// Scans what is waiting and gives each streamed scan's result (by scan
    /// index), its alerts dated `now`.
    pub fn finish(mut self, now: i64) -> Vec<(usize, Result<ScanResult, String>)> {
        let names: Vec<String> = self.tables.keys().cloned().collect();
        for name in &names {
            self.flush(name);
        }
        let mut out: Vec<(usize, Result<ScanResult, String>)> = self
            .tables
            .into_values()
            .map(|t| {
                let result = match t.failed {
                    Some(e) => Err(e),
                    None => Ok(t.run.finish(now)),
                };
                (t.index, result)
            })
            .collect();
        out.sort_by_key(|(i, _)| *i);
        out
    }

    /// Runs the scan of table `name` over the rows waiting.
    fn flush(&mut self, name: &str) {
        let Some(t) = self.tables.get_mut(name) else { return };
        let batches = std::mem::take(&mut t.waiting);
        t.rows = 0;
        if batches.is_empty() || t.failed.is_some() {
            return;
        }
        let schema = batches[0].schema();
        let table = match MemTable::try_new(schema, vec![batches]) {
            Ok(table) => table,
            Err(e) => {
                t.failed = Some(e.to_string());
                return;
            }
        };
        let mut catalog = Catalog::new();
        catalog.register(name, Arc::new(table));
        let engine = Engine::new(catalog, self.config.clone());
        let (rt, now) = (self.rt, self.now);
        let run = &mut t.run;
        let result = isolated(|| rt.block_on(run.feed(&engine, now)));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => t.failed = Some(e.to_string()),
            Err(panic) => t.failed = Some(format!("internal error: {panic}")),
        }
    }
}

impl Output for Streamed<'_> {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        if let Some(n) = newest_in_batch(table, &batch) {
            self.newest = Some(self.newest.map_or(n, |m| m.max(n)));
        }
        let Some(t) = self.tables.get_mut(table) else { return Ok(()) };
        if t.failed.is_some() {
            return Ok(());
        }
        t.rows = t.rows.saturating_add(batch.num_rows());
        t.waiting.push(batch);
        if t.rows >= CHUNK_ROWS {
            self.flush(table);
        }
        Ok(())
    }
}
