//! Runs KQL files over a dataset folder and prints each result's physical
//! plan with the rows and time of every operator, to see where a query
//! spends its time.
//!
//! ```text
//! cargo run --release -p kql-engine --example explain_dataset -- target/bench rules/T1609-*/query.kql
//! ```
//!
//! `now()` is 2026-11-20T12:00:00Z, the benchmark data's; `THREADS` sets the
//! parallelism (default 2), `RUNS` how often each query runs before the one
//! explained (default 1), each run's wall time printed.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args.next().ok_or("usage: explain_dataset DATA_DIR QUERY.kql...")?;
    let threads: usize = std::env::var("THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let runs: usize = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut catalog = Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        catalog.register(name, Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![vec![]])?));
    }
    for (name, table) in telemetry::dataset::open_dir(Path::new(&data))?.tables {
        catalog.register(&name, table);
    }
    let config = EngineConfig { target_partitions: Some(threads), ..EngineConfig::unlimited() };
    let engine = Engine::new(catalog, config);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?;
    for file in args {
        let text = std::fs::read_to_string(&file)?;
        println!("== {file}");
        for _ in 0..runs {
            let t = Instant::now();
            let rows: usize =
                rt.block_on(engine.run(&text, QueryOptions { now: NOW }))?.iter().map(|r| r.num_rows()).sum();
            println!("{rows} rows in {:.3} s", t.elapsed().as_secs_f64());
        }
        for plan in rt.block_on(engine.explain_analyze(&text, QueryOptions { now: NOW }))? {
            println!("{plan}");
        }
    }
    Ok(())
}
