//! The four seed detections over a synthetic Defender dataset, dragnet
//! against DuckDB running equivalent SQL on the same Parquet files.
//!
//! ```text
//! scripts/bench/run-seed-queries.sh          # installs DuckDB, makes the data, runs this
//! cargo bench -p dragnet --bench seed_queries  # with the data already in target/bench
//! ```
//!
//! The machine may be shared, so the two engines take turns: in each of
//! `BENCH_ROUNDS` rounds (default 2), each query runs `BENCH_RUNS` times
//! (default 3) in DuckDB, then as often in dragnet, both after one untimed
//! run in the first round to warm the file cache. Each round prints, per
//! query, both medians and their ratio dragnet/DuckDB, with the number of
//! rows, which must match DuckDB's; the end gives each query's range of
//! ratios over the rounds and the range of their geometric mean. Both
//! engines use `BENCH_THREADS` threads (default 2); `BENCH_BATCH` sets dragnet's
//! batch size (default the engine's). `BENCH_RULES=T1609,T1613`
//! runs only the queries whose names start so. That DuckDB's SQL returns the
//! same rows as the rules is checked by `scripts/bench/compare_seed_rows.py`.

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

/// DuckDB's times for `rule`, and its number of rows.
fn duckdb(root: &Path, data: &Path, rule: &str, runs: usize, threads: usize, warm: bool) -> (Vec<f64>, u64) {
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("scripts/bench/duckdb_seeds.py")).arg("--data").arg(data);
    cmd.args(["--runs", &runs.to_string(), "--threads", &threads.to_string(), "--rule", rule]);
    if !warm {
        cmd.arg("--no-warm");
    }
    let out = cmd.output().expect("run python3");
    assert!(out.status.success(), "DuckDB run failed: {}", String::from_utf8_lossy(&out.stderr));
    let duck: serde_json::Value = serde_json::from_slice(&out.stdout).expect("DuckDB timings as JSON");
    let times = duck[rule]["times"].as_array().map(|t| t.iter().filter_map(|v| v.as_f64()).collect());
    (times.unwrap_or_default(), duck[rule]["rows"].as_u64().unwrap_or(0))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data: PathBuf = std::env::var_os("BENCH_DATA").map(PathBuf::from).unwrap_or_else(|| root.join("target/bench"));
    if !data.join("DeviceProcessEvents").exists() {
        eprintln!("no benchmark data in {}: run scripts/bench/run-seed-queries.sh", data.display());
        return;
    }
    let var = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (runs, rounds, threads) = (var("BENCH_RUNS", 3).max(1), var("BENCH_ROUNDS", 2).max(1), var("BENCH_THREADS", 2));
    let only = std::env::var("BENCH_RULES").unwrap_or_default();
    let rules: Vec<&str> =
        RULES.iter().copied().filter(|r| only.is_empty() || only.split(',').any(|p| r.starts_with(p.trim()))).collect();

    let mut catalog = Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        catalog.register(name, Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).unwrap()));
    }
    for (name, table) in telemetry::dataset::open_dir(&data).expect("open the dataset").tables {
        catalog.register(&name, table);
    }
    let mut config = EngineConfig { target_partitions: Some(threads), ..EngineConfig::unlimited() };
    config.batch_size = var("BENCH_BATCH", config.batch_size).max(1);
    let engine = Engine::new(catalog, config);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build().unwrap();

    // Per rule, the ratio of each round.
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); rules.len()];
    for round in 0..rounds {
        println!("round {}", round + 1);
        println!("{:<32} {:>9} {:>9} {:>10} {:>10} {:>7}", "query", "rows", "duckdb", "dragnet s", "duckdb s", "ratio");
        for (k, rule) in rules.iter().enumerate() {
            let (theirs, their_rows) = duckdb(&root, &data, rule, runs, threads, round == 0);
            let text = std::fs::read_to_string(root.join("rules").join(rule).join("query.kql")).unwrap();
            let run = || rt.block_on(engine.run(&text, QueryOptions { now: NOW })).expect("query runs");
            let mut rows = 0;
            if round == 0 {
                rows = run()[0].num_rows();
            }
            let times: Vec<f64> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    let r = run();
                    rows = r[0].num_rows();
                    std::hint::black_box(&r);
                    t.elapsed().as_secs_f64()
                })
                .collect();
            let (ours, theirs) = (median(times), median(theirs));
            let ratio = ours / theirs;
            ratios[k].push(ratio);
            let flag = if their_rows as usize == rows { "" } else { "  (row counts differ!)" };
            println!("{rule:<32} {rows:>9} {their_rows:>9} {ours:>10.3} {theirs:>10.3} {ratio:>6.2}x{flag}");
        }
    }
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("{lo:.2}–{hi:.2}x")
    };
    println!("ratio dragnet/DuckDB over {rounds} rounds (below 1 means dragnet is faster):");
    for (rule, r) in rules.iter().zip(&ratios) {
        println!("  {rule:<32} {}", range(r));
    }
    let geo: Vec<f64> =
        (0..rounds).map(|i| (ratios.iter().map(|r| r[i].ln()).sum::<f64>() / ratios.len() as f64).exp()).collect();
    println!("  {:<32} {}", "geometric mean", range(&geo));
}
