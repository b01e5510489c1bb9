//! Work that outgrows the memory pool spills into `EngineConfig::spill_dir`
//! and leaves nothing there once the query is over; aggregations that
//! collect values into lists run in the pool or stop.

use std::path::{Path, PathBuf};

use kql_engine::{Catalog, Engine, EngineConfig, EngineError, QueryOptions};

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_sort_past_the_pool_spills_into_the_spill_dir_and_cleans_up() {
    let dir = std::env::temp_dir().join(format!("kql-engine-spill-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = EngineConfig {
        memory_limit: Some(32 << 20),
        target_partitions: Some(1),
        spill_dir: Some(dir.clone()),
        ..EngineConfig::unlimited()
    };
    let engine = Engine::new(Catalog::new(), config);
    // 400k rows of about 110 bytes: more than the pool holds, sorted in an
    // order other than the one they come in.
    let pad = "x".repeat(100);
    let q = format!(
        "range x from 1 to 400000 step 1 | project s = strcat('k', (x * 7919) % 400009, '-{pad}') | order by s asc"
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (rows, first, spilled) = rt.block_on(async {
        let mut stream = engine.run_stream(&q, QueryOptions { now: 0 }).await.unwrap();
        let batch = stream.next().await.expect("a batch").expect("no error");
        // The sorted rows come from a merge of the runs it spilled, which
        // stay on disk until the merge is over.
        let spilled = files_under(&dir);
        let first = kql_engine::render::cell_text(batch.column(0), 0).unwrap();
        let (mut rows, mut last) = (0, String::new());
        let mut next = Some(batch);
        while let Some(b) = next {
            for i in 0..b.num_rows() {
                let s = kql_engine::render::cell_text(b.column(0), i).unwrap();
                assert!(s >= last, "{s} after {last}");
                last = s;
            }
            rows += b.num_rows();
            next = stream.next().await.map(|b| b.expect("no error"));
        }
        (rows, first, spilled)
    });
    assert_eq!(rows, 400_000);
    assert!(first.starts_with("k1") && first.ends_with("xxx"), "{first}");
    assert!(!spilled.is_empty(), "no spill file under {}", dir.display());
    assert!(spilled.iter().all(|f| f.starts_with(&dir)));
    let left = files_under(&dir);
    assert!(left.is_empty(), "left behind: {left:?}");
    let folders: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    assert!(folders.is_empty(), "left behind: {folders:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_collection_past_the_pool_stops_with_the_memory_error_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("kql-engine-collect-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pad = "x".repeat(100);
    // Three groups of 100k values of about 110 bytes: 33 MB of lists.
    let q = format!(
        "range x from 1 to 300000 step 1 | summarize l = make_list(strcat('v', x, '-{pad}')) by k = x % 3 \
         | project k, n = array_length(l)"
    );
    let run = |pool: usize| {
        let config = EngineConfig {
            memory_limit: Some(pool),
            target_partitions: Some(2),
            spill_dir: Some(dir.clone()),
            ..EngineConfig::unlimited()
        };
        let engine = Engine::new(Catalog::new(), config);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(engine.run(&q, QueryOptions { now: 0 }))
    };
    match run(16 << 20) {
        Err(EngineError::ResourcesExhausted(_)) => {}
        other => panic!("expected the memory error, got {other:?}"),
    }
    assert!(files_under(&dir).is_empty());
    let done = run(256 << 20).unwrap();
    assert_eq!(done[0].num_rows(), 3);
    let counts = done[0].batches.iter().flat_map(|b| {
        (0..b.num_rows()).map(|i| kql_engine::render::cell_text(b.column(1), i).unwrap()).collect::<Vec<_>>()
    });
    assert!(counts.into_iter().all(|n| n == "100000"));
    std::fs::remove_dir_all(&dir).unwrap();
}
