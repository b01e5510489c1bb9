//! The four seed detections over a synthetic Defender dataset, dragnet
//! against DuckDB running equivalent SQL on the same Parquet files.
//!
//! ```text
//! scripts/bench/run-seed-queries.sh          # installs DuckDB, makes the data, runs this
//! cargo bench -p dragnet --bench seed_queries  # with the data already in target/bench
//! ```
//!
//! Each query runs once to warm the file cache, then `BENCH_RUNS` times
//! (default 3); the median wall time is reported, with the number of rows,
//! which must match DuckDB's. Both engines use `BENCH_THREADS` threads
//! (default 2). Prints one line per query and the ratio dragnet/DuckDB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

const RULES: &[&str] = &[
    "T1059.013-container-cli",
    "T1552.007-container-api",
    "T1609-container-admin-command",
    "T1613-container-discovery",
];
const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data: PathBuf = std::env::var_os("BENCH_DATA").map(PathBuf::from).unwrap_or_else(|| root.join("target/bench"));
    if !data.join("DeviceProcessEvents").exists() {
        eprintln!("no benchmark data in {}: run scripts/bench/run-seed-queries.sh", data.display());
        return;
    }
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let threads: usize = std::env::var("BENCH_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);

    // DuckDB first, so both engines find the files in the page cache.
    let out = Command::new("python3")
        .arg(root.join("scripts/bench/duckdb_seeds.py"))
        .args(["--data"])
        .arg(&data)
        .args(["--runs", &runs.to_string(), "--threads", &threads.to_string()])
        .output()
        .expect("run python3");
    assert!(out.status.success(), "DuckDB run failed: {}", String::from_utf8_lossy(&out.stderr));
    let duck: serde_json::Value = serde_json::from_slice(&out.stdout).expect("DuckDB timings as JSON");

    let mut catalog = Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        catalog.register(name, Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).unwrap()));
    }
    for (name, table) in telemetry::dataset::open_dir(&data).expect("open the dataset").tables {
        catalog.register(&name, table);
    }
    let config = EngineConfig { target_partitions: Some(threads), ..EngineConfig::unlimited() };
    let engine = Engine::new(catalog, config);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build().unwrap();

    println!("{:<32} {:>9} {:>9} {:>10} {:>10} {:>7}", "query", "rows", "duckdb", "dragnet s", "duckdb s", "ratio");
    let mut ratios = Vec::new();
    for rule in RULES {
        let text = std::fs::read_to_string(root.join("rules").join(rule).join("query.kql")).unwrap();
        let run = || rt.block_on(engine.run(&text, QueryOptions { now: NOW })).expect("query runs");
        let rows = run()[0].num_rows();
        let times: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let r = run();
                std::hint::black_box(&r);
                t.elapsed().as_secs_f64()
            })
            .collect();
        let ours = median(times);
        let theirs = duck[rule]["seconds"].as_f64().unwrap_or(f64::NAN);
        let their_rows = duck[rule]["rows"].as_u64().unwrap_or(0);
        let ratio = ours / theirs;
        ratios.push(ratio);
        let flag = if their_rows as usize == rows { "" } else { "  (row counts differ!)" };
        println!("{rule:<32} {rows:>9} {their_rows:>9} {ours:>10.3} {theirs:>10.3} {ratio:>6.2}x{flag}");
    }
    let geo = ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64;
    println!("geometric mean ratio dragnet/DuckDB: {:.2}x (below 1 means dragnet is faster)", geo.exp());
}
