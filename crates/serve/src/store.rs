//! The event store (one process per data folder, held by a lock on
//! `lock`): acknowledged batches in the WAL (and in memory), compacted
//! into the Parquet dataset layout `dragnet ingest` writes
//! (`dataset/<Table>/<YYYY-MM-DD>/wal-<segment>.parquet`), with retention by
//! age. Queries read both parts as one table each.
//!
//! Compaction of a sealed segment writes its Parquet files into `staging/`,
//! syncs them, moves them into the dataset and drops the segment's rows from
//! memory in one step under the write lock (so no query sees them twice),
//! then records the segment in `checkpoint` and removes it. A crash before
//! the checkpoint leaves the segment in the WAL: on start it is compacted
//! again before anything is served, into files of the same names, which
//! replace those moved before the crash. Nothing is lost and nothing is
//! counted twice.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use datafusion::arrow::array::Array;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use kql_engine::Catalog;
use telemetry::parquet_out::ParquetDataset;
use telemetry::sink::Output;

use crate::union::UnionTable;
use crate::wal::{Record, Wal, encode, sync_dir};

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// Where and when the store compacts and forgets.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The data folder (`wal/`, `dataset/`, `staging/`, `checkpoint`).
    pub dir: PathBuf,
    /// A WAL segment is sealed and compacted once it holds this many bytes.
    pub segment_bytes: u64,
    /// ... or once its first record is this old.
    pub compact_age: Duration,
    /// Past this many bytes in the WAL, ingest is refused until compaction
    /// catches up.
    pub max_wal_bytes: u64,
    /// Parquet days older than this many days are removed.
    pub retention_days: Option<u32>,
}

/// Why an append was not acknowledged.
#[derive(Debug)]
pub enum AppendError {
    /// The WAL is past its bound: try again later.
    Busy,
    /// Writing failed; nothing was stored.
    Failed(String),
}

struct Log {
    wal: Wal,
    next_seq: u64,
    current_since: Option<Instant>,
}

/// Where an append's outcome is left by the caller that commits it.
type Slot = Arc<Mutex<Option<Result<Arc<Record>, AppendError>>>>;

/// What an append calls with its batch once it is synced, in order.
type Notify = Box<dyn FnOnce(&Arc<Record>) + Send>;

/// A batch queued for the next group commit.
struct Queued {
    source: String,
    tables: Vec<(&'static str, RecordBatch)>,
    notify: Notify,
    slot: Slot,
}

fn fill(slot: &Slot, outcome: Result<Arc<Record>, AppendError>) {
    if let Ok(mut s) = slot.lock() {
        *s = Some(outcome);
    }
}

fn take(slot: &Slot) -> Option<Result<Arc<Record>, AppendError>> {
    slot.lock().ok().and_then(|mut s| s.take())
}

/// The store.
pub struct Store {
    config: StoreConfig,
    dataset: PathBuf,
    staging: PathBuf,
    checkpoint: PathBuf,
    log: Mutex<Log>,
    /// Batches waiting to be committed (see [`Store::append`]).
    queue: Mutex<Vec<Queued>>,
    tail: RwLock<BTreeMap<u64, Vec<Arc<Record>>>>,
    wal_bytes: AtomicU64,
    compacting: Mutex<()>,
    /// Held while the store is open: one process per data folder.
    _lock: File,
}

/// A checkpoint: every segment up to `segment` is in Parquet, and no
/// batch numbered above `seq` was appended before it was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Checkpoint {
    segment: u64,
    seq: u64,
}

impl Store {
    /// Opens the store in `config.dir`, replaying the WAL; returns the store
    /// and the replayed records, oldest first. Call [`Store::compact`] with
    /// `force` before serving queries (see the module docs).
    pub fn open(config: StoreConfig) -> Result<(Store, Vec<Arc<Record>>), String> {
        let dir = &config.dir;
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let lock_path = dir.join("lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!("{} is in use by another dragnet serve", dir.display()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(format!("cannot lock {}: {e}", lock_path.display())),
        }
        let dataset = dir.join("dataset");
        let staging = dir.join("staging");
        std::fs::create_dir_all(&dataset).map_err(|e| format!("cannot create {}: {e}", dataset.display()))?;
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| format!("cannot remove {}: {e}", staging.display()))?;
        }
        let checkpoint = dir.join("checkpoint");
        let cp = read_checkpoint(&checkpoint)?;
        let (wal, replayed) = Wal::open(&dir.join("wal"), cp.segment)?;
        let mut tail = BTreeMap::new();
        let mut records = Vec::new();
        let mut last = cp.seq;
        for (segment, recs) in replayed {
            last = recs.iter().map(|r| r.seq).fold(last, u64::max);
            records.extend(recs.iter().cloned());
            tail.insert(segment, recs);
        }
        let next_seq = last.checked_add(1).ok_or("batch numbers exhausted")?;
        let wal_bytes = AtomicU64::new(wal.bytes());
        let store = Store {
            config: config.clone(),
            dataset,
            staging,
            checkpoint,
            log: Mutex::new(Log { wal, next_seq, current_since: None }),
            queue: Mutex::new(Vec::new()),
            tail: RwLock::new(tail),
            wal_bytes,
            compacting: Mutex::new(()),
            _lock: lock,
        };
        Ok((store, records))
    }

    /// Numbers the next batches after `seq` at least: batch numbers are
    /// never reused, even when the WAL and checkpoint are gone but the
    /// alert state that recorded them is not.
    pub fn number_after(&self, seq: u64) -> Result<(), String> {
        let mut log = self.log.lock().map_err(|_| "the WAL lock is poisoned")?;
        log.next_seq = log.next_seq.max(seq.checked_add(1).ok_or("batch numbers exhausted")?);
        Ok(())
    }

    /// The number of the last batch acknowledged (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.log.lock().map(|l| l.next_seq.saturating_sub(1)).unwrap_or(0)
    }

    /// Bytes in the WAL not yet compacted.
    pub fn wal_bytes(&self) -> u64 {
        self.wal_bytes.load(Ordering::Relaxed)
    }

    /// The Parquet dataset's folder.
    pub fn dataset_dir(&self) -> &Path {
        &self.dataset
    }

    /// Appends a batch and syncs it: once this returns, the batch is
    /// durable and every query sees it. `notify` is called with it before
    /// the next batch is appended (so batches reach it in order).
    ///
    /// Concurrent appends are committed in groups: the batches queued while
    /// one group is being synced are written together by whichever of their
    /// callers takes the WAL lock next, with one sync for all of them, then
    /// made visible and notified in order. Each caller returns only once its
    /// own batch is synced (or has failed with its whole group).
    pub fn append(
        &self,
        source: &str,
        tables: Vec<(&'static str, RecordBatch)>,
        notify: impl FnOnce(&Arc<Record>) + Send + 'static,
    ) -> Result<Arc<Record>, AppendError> {
        if self.wal_bytes() >= self.config.max_wal_bytes {
            return Err(AppendError::Busy);
        }
        let tables = tables
            .into_iter()
            .map(|(t, b)| shrink(b).map(|b| (t, b)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppendError::Failed(format!("internal error: {e}")))?;
        let slot: Slot = Arc::new(Mutex::new(None));
        let queued = Queued { source: source.to_string(), tables, notify: Box::new(notify), slot: slot.clone() };
        self.queue.lock().map_err(|_| AppendError::Failed("the WAL queue lock is poisoned".into()))?.push(queued);
        let mut log = self.log.lock().map_err(|_| AppendError::Failed("the WAL lock is poisoned".into()))?;
        if let Some(done) = take(&slot) {
            return done;
        }
        let group = std::mem::take(
            &mut *self.queue.lock().map_err(|_| AppendError::Failed("the WAL queue lock is poisoned".into()))?,
        );
        self.commit(&mut log, group);
        drop(log);
        take(&slot).unwrap_or_else(|| Err(AppendError::Failed("internal error: the batch was not committed".into())))
    }

    /// Writes `group` to the WAL with one sync, then adds its batches to
    /// the in-memory tail and notifies them, in order; fills every slot.
    fn commit(&self, log: &mut Log, group: Vec<Queued>) {
        let first = log.next_seq;
        let mut encoded = Vec::new();
        let mut ready = Vec::new();
        for q in group {
            let rec = Arc::new(Record { seq: log.next_seq, source: q.source, tables: q.tables });
            let next = log.next_seq.checked_add(1);
            match (encode(&rec), next) {
                (Ok(bytes), Some(next)) => {
                    log.next_seq = next;
                    encoded.push(bytes);
                    ready.push((rec, q.notify, q.slot));
                }
                (Err(e), _) => fill(&q.slot, Err(AppendError::Failed(format!("cannot encode the batch: {e}")))),
                (_, None) => fill(&q.slot, Err(AppendError::Failed("batch numbers exhausted".into()))),
            }
        }
        if ready.is_empty() {
            return;
        }
        let parts: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        let segment = match log.wal.append_all(&parts) {
            Ok(segment) => segment,
            Err(e) => {
                // Nothing of the group was kept: its numbers are free again.
                log.next_seq = first;
                for (_, _, slot) in ready {
                    fill(&slot, Err(AppendError::Failed(e.clone())));
                }
                return;
            }
        };
        log.current_since.get_or_insert_with(Instant::now);
        self.wal_bytes.store(log.wal.bytes(), Ordering::Relaxed);
        match self.tail.write() {
            Ok(mut tail) => tail.entry(segment).or_default().extend(ready.iter().map(|(rec, _, _)| rec.clone())),
            Err(_) => {
                for (_, _, slot) in ready {
                    fill(&slot, Err(AppendError::Failed("the store lock is poisoned".into())));
                }
                return;
            }
        }
        for (rec, notify, slot) in ready {
            notify(&rec);
            fill(&slot, Ok(rec));
        }
    }

    /// The tables as a query sees them: every Parquet file and every
    /// acknowledged batch not yet compacted, each table one table.
    pub fn catalog(&self) -> Result<Catalog, String> {
        let tail = self.tail.read().map_err(|_| "the store lock is poisoned")?;
        let ds = telemetry::dataset::open_dir(&self.dataset).map_err(|e| e.to_string())?;
        let mut memory: BTreeMap<&str, Vec<RecordBatch>> = BTreeMap::new();
        for r in tail.values().flatten() {
            for (t, b) in &r.tables {
                memory.entry(t).or_default().push(b.clone());
            }
        }
        drop(tail);
        let mut parquet: BTreeMap<String, Arc<dyn TableProvider>> = ds.tables.into_iter().collect();
        let mut catalog = Catalog::new();
        for (name, schema) in telemetry::tables::all() {
            let mut parts: Vec<Arc<dyn TableProvider>> = Vec::new();
            if let Some(p) = parquet.remove(name) {
                parts.push(p);
            }
            if let Some(batches) = memory.remove(name) {
                parts.push(Arc::new(MemTable::try_new(schema.clone(), vec![batches]).map_err(|e| e.to_string())?));
            }
            let table: Arc<dyn TableProvider> = match parts.len() {
                0 => Arc::new(MemTable::try_new(schema, vec![vec![]]).map_err(|e| e.to_string())?),
                1 => parts.remove(0),
                _ => Arc::new(UnionTable::new(schema, parts)),
            };
            catalog.register(name, table);
        }
        Ok(catalog)
    }

    /// Seals the current segment when it is due (`force`: whenever it holds
    /// anything) and compacts every sealed segment whose batches are all
    /// numbered `done` or below (rules have seen them). Returns the
    /// segments compacted.
    pub fn compact(&self, done: u64, force: bool) -> Result<Vec<u64>, String> {
        let _one = self.compacting.lock().map_err(|_| "the compaction lock is poisoned")?;
        let (sealed, seq) = {
            let mut log = self.log.lock().map_err(|_| "the WAL lock is poisoned")?;
            let due = force
                || log.wal.current_bytes() >= self.config.segment_bytes
                || log.current_since.is_some_and(|t| t.elapsed() >= self.config.compact_age);
            if due && log.wal.seal()?.is_some() {
                log.current_since = None;
            }
            (log.wal.sealed(), log.next_seq.saturating_sub(1))
        };
        let mut out = Vec::new();
        for segment in sealed {
            let records = self.tail.read().map_err(|_| "the store lock is poisoned")?.get(&segment).cloned();
            if let Some(records) = records {
                if records.iter().any(|r| r.seq > done) {
                    break;
                }
                self.move_to_parquet(segment, &records)?;
            }
            write_checkpoint(&self.checkpoint, Checkpoint { segment, seq })?;
            let mut log = self.log.lock().map_err(|_| "the WAL lock is poisoned")?;
            log.wal.remove(segment)?;
            self.wal_bytes.store(log.wal.bytes(), Ordering::Relaxed);
            drop(log);
            out.push(segment);
        }
        Ok(out)
    }

    fn move_to_parquet(&self, segment: u64, records: &[Arc<Record>]) -> Result<(), String> {
        let stage = self.staging.join(segment.to_string());
        if stage.exists() {
            std::fs::remove_dir_all(&stage).map_err(|e| format!("cannot remove {}: {e}", stage.display()))?;
        }
        let mut ds = ParquetDataset::create_named(&stage, &format!("wal-{segment:020}")).map_err(|e| e.0)?;
        for r in records {
            for (t, b) in &r.tables {
                ds.write(t, b.clone()).map_err(|e| e.0)?;
            }
        }
        let files = ds.finish().map_err(|e| e.0)?;
        for f in &files {
            File::open(f).and_then(|f| f.sync_all()).map_err(|e| format!("cannot sync {}: {e}", f.display()))?;
        }
        let mut tail = self.tail.write().map_err(|_| "the store lock is poisoned")?;
        let mut moved = Vec::new();
        for f in &files {
            let dest = f.strip_prefix(&stage).map(|rel| self.dataset.join(rel)).map_err(|e| e.to_string())?;
            let placed = dest
                .parent()
                .ok_or_else(|| format!("{} has no folder", dest.display()))
                .and_then(|p| std::fs::create_dir_all(p).map_err(|e| format!("cannot create {}: {e}", p.display())))
                .and_then(|()| std::fs::rename(f, &dest).map_err(|e| format!("cannot move {}: {e}", f.display())));
            if let Err(e) = placed {
                // Take back what was moved: the rows stay in the WAL only.
                for m in &moved {
                    let _ = std::fs::remove_file(m);
                }
                return Err(e);
            }
            moved.push(dest);
        }
        for m in &moved {
            if let Some(p) = m.parent() {
                sync_dir(p)?;
            }
        }
        tail.remove(&segment);
        drop(tail);
        let _ = std::fs::remove_dir_all(&stage);
        Ok(())
    }

    /// Removes the Parquet day folders older than the retention at `now`
    /// (ns since the epoch); returns them.
    pub fn retain(&self, now: i64) -> Result<Vec<PathBuf>, String> {
        let Some(days) = self.config.retention_days else { return Ok(Vec::new()) };
        let cutoff = now.saturating_sub(i64::from(days).saturating_mul(NS_PER_DAY)).div_euclid(NS_PER_DAY);
        let Ok(cutoff) = jiff::Timestamp::from_second(cutoff.saturating_mul(86_400)) else { return Ok(Vec::new()) };
        let cutoff = cutoff.strftime("%Y-%m-%d").to_string();
        let _queries = self.tail.write().map_err(|_| "the store lock is poisoned")?;
        let mut removed = Vec::new();
        for table in read_dirs(&self.dataset) {
            for day in read_dirs(&table) {
                let name = day.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let dated = name.len() == 10
                    && name
                        .bytes()
                        .enumerate()
                        .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
                if dated && name < cutoff {
                    std::fs::remove_dir_all(&day).map_err(|e| format!("cannot remove {}: {e}", day.display()))?;
                    removed.push(day);
                }
            }
        }
        Ok(removed)
    }
}

/// `batch` with its buffers cut to what its rows use. A builder sizes them
/// for growth (a string column's first block is 8 KiB), which for the small
/// batches held in memory until compaction is most of their size.
fn shrink(batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
    let (schema, columns, rows) = batch.into_parts();
    let columns = columns
        .into_iter()
        .map(|mut c| {
            c.shrink_to_fit();
            c
        })
        .collect();
    RecordBatch::try_new_with_options(schema, columns, &RecordBatchOptions::new().with_row_count(Some(rows)))
}

fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    out.sort();
    out
}

fn read_checkpoint(path: &Path) -> Result<Checkpoint, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Checkpoint::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut parts = text.split_whitespace().map(str::parse::<u64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(segment)), Some(Ok(seq))) => Ok(Checkpoint { segment, seq }),
        _ => Err(format!("{} is not a checkpoint (expected two numbers)", path.display())),
    }
}

fn write_checkpoint(path: &Path, cp: Checkpoint) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        std::io::Write::write_all(&mut f, format!("{} {}\n", cp.segment, cp.seq).as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    match path.parent() {
        Some(p) => sync_dir(p),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry::batch::{TableBuilder, Value};

    fn one_row() -> RecordBatch {
        let mut b = TableBuilder::new(telemetry::tables::get("DeviceProcessEvents").unwrap());
        let cols: Vec<_> = ["FileName", "FolderPath", "ProcessCommandLine", "AccountName"].map(|c| b.col(c)).into();
        let mut r = b.row();
        for c in &cols {
            r.set(*c, Value::str("a value longer than twelve bytes".to_string()));
        }
        b.push(&r);
        b.finish()
    }

    #[test]
    fn a_small_batch_keeps_only_the_memory_its_rows_use() {
        let before = one_row().get_array_memory_size();
        let small = shrink(one_row()).unwrap();
        let after = small.get_array_memory_size();
        assert_eq!(small, one_row());
        assert!(after * 4 < before, "{before} bytes before, {after} after");
    }
}
