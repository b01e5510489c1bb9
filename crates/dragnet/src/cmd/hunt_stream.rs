//! `hunt`'s Sigma scans fed as the logs are read: each batch a reader
//! produces of a scanned table goes to that table's scan, so rows no other
//! rule reads are never collected, spilled or read back, and memory stays
//! bounded by a chunk of rows plus the alerts kept under the caps. A table
//! other rules also read is still kept as a table; its batches go to both.
//!
//! The scans run on a thread of their own, a chunk at a time, while the
//! readers fill the next chunk: reading and scanning share the cores.
//!
//! A scan streams when the logs are all log files (a dataset folder or a
//! `--table` is a table already, scanned as before), its query binds over
//! the empty table, and it does not read `now()` (Sigma's never does; the
//! run's `now` may only be known once every event is read). Alerts are
//! dated at the end with the run's `now`; they do not depend on the order
//! rows come in (`detect::fold`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::{Result, anyhow};

use datafusion::arrow::record_batch::RecordBatch;
use detect::alert::AlertCaps;
use detect::pack::RulePack;
use detect::run::newest_in_batch;
use detect::sigma_scan::{ScanResult, ScanRun, TableScan};
use detect::tables_read::tables_read;
use kql_engine::{Engine, EngineConfig, QueryOptions};
use telemetry::load::Tap;
use telemetry::sink::{Output, OutputError};

use crate::cmd::isolate::isolated;

/// Rows of a table scanned at once: planning the scan's query is paid once
/// per chunk, and a chunk is what the scan holds of the table (16K rows
/// measured less CPU time and memory than 64K over the benchmark's
/// million events, docs/sigma-parity.md).
pub const CHUNK_ROWS: usize = 16 * 1024;

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
        let engine = Engine::new(crate::cmd::query::local_catalog(), EngineConfig::unlimited());
        let in_scan: BTreeSet<usize> = scans.iter().flat_map(|s| s.rules.iter().copied()).collect();
        // The tables the other rules read; `None`: one of them cannot say
        // (it fails to bind, and will fail to run), so every table is kept.
        let mut read: Option<BTreeSet<String>> = Some(BTreeSet::new());
        for (i, rule) in pack.rules.iter().enumerate() {
            if in_scan.contains(&i) {
                continue;
            }
            match (tables_read(&engine, &rule.query), read.as_mut()) {
                (Some(tables), Some(all)) => all.extend(tables),
                (None, _) => read = None,
                (Some(_), None) => {}
            }
        }
        let streams = scans
            .iter()
            .map(|scan| {
                let query = scan.plan.query();
                let reads_now = query.contains("now(") || query.contains("ago(");
                let binds = engine.plan(&query, QueryOptions { now: 0 }).is_ok();
                (binds && (now_given || !reads_now))
                    .then(|| read.as_ref().is_none_or(|r| r.iter().any(|t| t.eq_ignore_ascii_case(&scan.plan.table))))
            })
            .collect();
        Routes { streams }
    }
}

/// What the streamed scans run with.
pub struct Setup<'a> {
    /// The rules.
    pub pack: &'a RulePack,
    /// The caps on their alerts.
    pub caps: AlertCaps,
    /// The runtime the scans' queries run on.
    pub rt: &'a tokio::runtime::Runtime,
    /// The engine's limits for each chunk's query.
    pub config: EngineConfig,
    /// `now()` of the queries (`--now`, or 0: they do not read it).
    pub now: i64,
}

/// What reading with streamed scans gave besides the tables.
pub struct Streamed<'a> {
    /// The streamed tables, each with whether its rows were also kept.
    pub tapped: BTreeMap<String, bool>,
    /// The newest event time of the rows streamed, as
    /// `detect::run::newest_event` counts it.
    pub newest: Option<i64>,
    runs: Vec<(usize, Result<ScanRun<'a>, String>)>,
}

impl Streamed<'_> {
    /// Each streamed scan's result (by scan index, in order), its alerts
    /// dated `now`; a scan that failed gives its first error.
    pub fn finish(self, now: i64) -> Vec<(usize, Result<ScanResult, String>)> {
        self.runs.into_iter().map(|(i, run)| (i, run.map(|r| r.finish(now)))).collect()
    }
}

/// Runs `load` (which reads the logs) with the batches of the streamed
/// scans' tables tapped and scanned on a thread of their own.
pub fn read<'a, T>(
    scans: &'a [TableScan],
    routes: &Routes,
    setup: Setup<'a>,
    load: impl FnOnce(Option<&mut Tap<'_>>) -> Result<T>,
) -> Result<(T, Streamed<'a>)> {
    let (send, recv) = sync_channel(1);
    let mut feed = Feed { tables: HashMap::new(), send: Some(send), newest: None };
    let mut worker = Worker { runs: Vec::new(), recv, setup };
    for (index, (scan, route)) in scans.iter().zip(&routes.streams).enumerate() {
        // A scan that cannot start runs over its table as before.
        let (Some(keep), Ok(run)) = (*route, ScanRun::new(scan, &worker.setup.pack.rules, worker.setup.caps)) else {
            continue;
        };
        let slot = worker.runs.len();
        worker.runs.push((index, Ok(run)));
        feed.tables.insert(scan.plan.table.clone(), Waiting { slot, keep, batches: Vec::new(), rows: 0 });
    }
    let tapped: BTreeMap<String, bool> = feed.tables.iter().map(|(name, t)| (name.clone(), t.keep)).collect();
    if tapped.is_empty() {
        return Ok((load(None)?, Streamed { tapped, newest: None, runs: Vec::new() }));
    }
    std::thread::scope(|s| {
        let scanning = s.spawn(move || worker.run());
        let mut tap = Tap { tables: tapped.clone(), output: &mut feed };
        let loaded = load(Some(&mut tap));
        // The worker ends when the last chunk is sent and the channel
        // closed, whether the reading succeeded or not.
        let newest = feed.finish();
        let runs = scanning.join().map_err(|_| anyhow!("the Sigma scans' thread panicked"))?;
        Ok((loaded?, Streamed { tapped, newest, runs }))
    })
}

/// A chunk of a streamed table's rows: the scan's slot and the batches.
type Chunk = (usize, Vec<RecordBatch>);

/// The rows of one streamed table waiting for the next chunk.
struct Waiting {
    slot: usize,
    keep: bool,
    batches: Vec<RecordBatch>,
    rows: usize,
}

/// The readers' side: the tapped batches gathered into chunks, sent to
/// the scans' thread.
struct Feed {
    tables: HashMap<String, Waiting>,
    send: Option<SyncSender<Chunk>>,
    newest: Option<i64>,
}

impl Feed {
    fn send(&mut self, table: &str) {
        let (Some(t), Some(send)) = (self.tables.get_mut(table), &self.send) else { return };
        let batches = std::mem::take(&mut t.batches);
        t.rows = 0;
        // The worker only stops receiving when its thread ends.
        if !batches.is_empty() && send.send((t.slot, batches)).is_err() {
            self.send = None;
        }
    }

    /// Sends what is waiting, closes the channel, gives the newest event.
    fn finish(mut self) -> Option<i64> {
        let names: Vec<String> = self.tables.keys().cloned().collect();
        for name in &names {
            self.send(name);
        }
        self.newest
    }
}

impl Output for Feed {
    fn write(&mut self, table: &'static str, batch: RecordBatch) -> Result<(), OutputError> {
        if let Some(n) = newest_in_batch(table, &batch) {
            self.newest = Some(self.newest.map_or(n, |m| m.max(n)));
        }
        let Some(t) = self.tables.get_mut(table) else { return Ok(()) };
        t.rows = t.rows.saturating_add(batch.num_rows());
        t.batches.push(batch);
        if t.rows >= CHUNK_ROWS {
            self.send(table);
        }
        Ok(())
    }
}

/// The scans' side: each chunk scanned as it comes; a scan that fails
/// keeps its first error and skips the rest.
struct Worker<'a> {
    runs: Vec<(usize, Result<ScanRun<'a>, String>)>,
    recv: Receiver<Chunk>,
    setup: Setup<'a>,
}

impl<'a> Worker<'a> {
    fn run(mut self) -> Vec<(usize, Result<ScanRun<'a>, String>)> {
        while let Ok((slot, batches)) = self.recv.recv() {
            let Some((_, run)) = self.runs.get_mut(slot) else { continue };
            let Ok(scan) = run else { continue };
            if let Err(e) = scan_chunk(scan, batches, &self.setup) {
                *run = Err(e);
            }
        }
        self.runs
    }
}

/// Runs `run`'s scan over one chunk of its table.
fn scan_chunk(run: &mut ScanRun<'_>, batches: Vec<RecordBatch>, setup: &Setup<'_>) -> Result<(), String> {
    let (rt, now) = (setup.rt, setup.now);
    match isolated(|| rt.block_on(run.feed_chunk(&batches, setup.config.clone(), now))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("internal error: {panic}")),
    }
}
