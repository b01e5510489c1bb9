//! The store across crashes: a compaction cut off after its Parquet files
//! were moved into the dataset but before its checkpoint, or before they
//! were moved, loses nothing and counts nothing twice; retention removes
//! old days. Concurrent appends, committed in groups, are each
//! acknowledged once, numbered without gaps and notified in order.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::temp_dir;
use kql_engine::{Engine, EngineConfig, QueryOptions};
use serve::StoreConfig;
use serve::parse::parse;
use serve::store::Store;

fn store_config(dir: &Path) -> StoreConfig {
    StoreConfig {
        dir: dir.to_path_buf(),
        segment_bytes: 1 << 30,
        compact_age: Duration::from_secs(3600),
        max_wal_bytes: 1 << 30,
        retention_days: Some(30),
    }
}

fn count(store: &Store, table: &str) -> i64 {
    let engine = Engine::new(store.catalog().unwrap(), EngineConfig::unlimited());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(engine.run(&format!("{table} | count"), QueryOptions { now: 0 })).unwrap();
    let batch = &r[0].batches[0];
    batch.column(0).as_any().downcast_ref::<datafusion::arrow::array::Int64Array>().unwrap().value(0)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in files(from) {
        std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
    }
}

/// Two batches: the atomic auditd log and a Kubernetes audit event list.
fn fill(store: &Store) -> (i64, i64) {
    let auditd = parse(&common::auditd_log(), None).unwrap();
    let k8s = parse(&common::k8s_batches(100)[0], None).unwrap();
    store.append("ingest", auditd.tables, |_| {}).unwrap();
    store.append("k8s-audit", k8s.tables, |_| {}).unwrap();
    (count(store, "DeviceProcessEvents"), count(store, "AKSAudit"))
}

#[test]
fn a_compaction_cut_off_before_its_checkpoint_is_redone_once() {
    let dir = temp_dir("cut-after-move");
    let (store, replayed) = Store::open(store_config(&dir)).unwrap();
    assert!(replayed.is_empty());
    let before = fill(&store);
    assert_eq!(before.1, 14);
    // Seal the segment without compacting it (its batches are not done),
    // keep a copy of the WAL, then compact for real.
    assert!(store.compact(0, true).unwrap().is_empty());
    let saved = temp_dir("cut-after-move-wal");
    copy_dir(&dir.join("wal"), &saved);
    assert_eq!(store.compact(u64::MAX, true).unwrap(), [1]);
    assert_eq!((count(&store, "DeviceProcessEvents"), count(&store, "AKSAudit")), before);
    drop(store);
    let moved = files(&dir.join("dataset"));
    assert!(!moved.is_empty());

    // The WAL as it was and no checkpoint: a crash after the move.
    std::fs::remove_file(dir.join("checkpoint")).unwrap();
    for f in files(&saved) {
        std::fs::copy(&f, dir.join("wal").join(f.file_name().unwrap())).unwrap();
    }
    let (store, replayed) = Store::open(store_config(&dir)).unwrap();
    assert_eq!(replayed.len(), 2, "both batches are back from the WAL");
    assert_eq!(store.compact(u64::MAX, true).unwrap(), [1]);
    assert_eq!((count(&store, "DeviceProcessEvents"), count(&store, "AKSAudit")), before);
    assert_eq!(files(&dir.join("dataset")), moved, "the same files, replaced");
    drop(store);
    let (store, replayed) = Store::open(store_config(&dir)).unwrap();
    assert!(replayed.is_empty());
    assert_eq!((count(&store, "DeviceProcessEvents"), count(&store, "AKSAudit")), before);
    for d in [dir, saved] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn a_compaction_cut_off_before_the_move_leaves_the_rows_in_the_wal() {
    let dir = temp_dir("cut-before-move");
    let (store, _) = Store::open(store_config(&dir)).unwrap();
    let before = fill(&store);
    drop(store);
    // Files a compaction had staged when it died.
    let staged = dir.join("staging/1/AKSAudit/2026-11-20");
    std::fs::create_dir_all(&staged).unwrap();
    std::fs::write(staged.join("wal-00000000000000000001.parquet"), b"half a file").unwrap();
    let (store, replayed) = Store::open(store_config(&dir)).unwrap();
    assert_eq!(replayed.len(), 2);
    assert!(!dir.join("staging").exists());
    assert_eq!((count(&store, "DeviceProcessEvents"), count(&store, "AKSAudit")), before);
    store.compact(u64::MAX, true).unwrap();
    assert_eq!((count(&store, "DeviceProcessEvents"), count(&store, "AKSAudit")), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn retention_removes_days_past_it() {
    let dir = temp_dir("retention");
    let (store, _) = Store::open(store_config(&dir)).unwrap();
    let (_, k8s) = fill(&store);
    store.compact(u64::MAX, true).unwrap();
    let now = kql_syntax::parse_datetime_nanos("2026-12-10T00:00:00Z").unwrap();
    assert!(store.retain(now).unwrap().is_empty(), "20 days is inside 30");
    assert_eq!(count(&store, "AKSAudit"), k8s);
    let later = kql_syntax::parse_datetime_nanos("2026-12-21T00:00:00Z").unwrap();
    let removed = store.retain(later).unwrap();
    assert!(removed.iter().any(|d| d.ends_with("AKSAudit/2026-11-20")), "{removed:?}");
    assert_eq!(count(&store, "AKSAudit"), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_window_keeps_the_rows_of_its_period() {
    let dir = temp_dir("window");
    let (store, _) = Store::open(store_config(&dir)).unwrap();
    let (all, _) = fill(&store);
    let at = |t: &str| kql_syntax::parse_datetime_nanos(t).unwrap();
    let catalog =
        serve::window::windowed(&store.catalog().unwrap(), at("2026-11-20T10:22:00Z"), at("2026-11-20T10:23:00Z"))
            .unwrap();
    let engine = Engine::new(catalog, EngineConfig::unlimited());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = |engine: &Engine, q: &str| {
        let r = rt.block_on(engine.run(q, QueryOptions { now: 0 })).unwrap();
        r[0].batches[0].column(0).as_any().downcast_ref::<datafusion::arrow::array::Int64Array>().unwrap().value(0)
    };
    let inside = n(&engine, "DeviceProcessEvents | count");
    let full = Engine::new(store.catalog().unwrap(), EngineConfig::unlimited());
    let expected = n(
        &full,
        "DeviceProcessEvents | where isnull(coalesce(TimeGenerated, Timestamp)) \
         or coalesce(TimeGenerated, Timestamp) between (datetime(2026-11-20T10:22:00Z) .. datetime(2026-11-20T10:23:00Z)) | count",
    );
    assert_eq!(inside, expected);
    assert!(inside > 0 && inside < all, "{inside} of {all}");
    assert_eq!(n(&engine, "AKSAudit | count"), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_store_per_folder() {
    let dir = temp_dir("lock");
    let (store, _) = Store::open(store_config(&dir)).unwrap();
    let err = Store::open(store_config(&dir)).err().unwrap();
    assert_eq!(err, format!("{} is in use by another dragnet serve", dir.display()));
    drop(store);
    assert!(Store::open(store_config(&dir)).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn concurrent_appends_are_each_stored_once_and_notified_in_order() {
    const THREADS: usize = 8;
    const EACH: usize = 25;
    let dir = temp_dir("group");
    let (store, _) = Store::open(store_config(&dir)).unwrap();
    let store = std::sync::Arc::new(store);
    let k8s = parse(&common::k8s_batches(3)[0], None).unwrap();
    let rows_per_batch = k8s.tables.iter().map(|(_, b)| b.num_rows()).sum::<usize>();
    let notified = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (store, notified, tables) = (store.clone(), notified.clone(), k8s.tables.clone());
            std::thread::spawn(move || {
                (0..EACH)
                    .map(|_| {
                        let notified = notified.clone();
                        let rec = store
                            .append("k8s-audit", tables.clone(), move |r| notified.lock().unwrap().push(r.seq))
                            .unwrap();
                        rec.seq
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut acked: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    acked.sort_unstable();
    let all: Vec<u64> = (1..=(THREADS * EACH) as u64).collect();
    assert_eq!(acked, all, "every append acknowledged once, numbered without gaps");
    assert_eq!(*notified.lock().unwrap(), all, "notified once each, in order");
    assert_eq!(count(&store, "AKSAudit"), (THREADS * EACH * rows_per_batch) as i64);
    drop(store);
    let (store, replayed) = Store::open(store_config(&dir)).unwrap();
    let seqs: Vec<u64> = replayed.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, all, "the WAL holds each batch once, in order");
    assert_eq!(count(&store, "AKSAudit"), (THREADS * EACH * rows_per_batch) as i64);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
