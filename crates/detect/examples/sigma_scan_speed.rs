//! Times the Sigma rules of a folder over logs two ways in one process:
//! each rule's own KQL query (one scan of its table per rule), then the
//! one-scan executor (one scan per table for all rules), and checks that
//! both give every rule the same row count and alerts.
//!
//! ```sh
//! cargo run --release -p detect --example sigma_scan_speed -- RULES_DIR LOG...
//! ```

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use detect::RulePack;
use detect::fold::AlertCaps;
use detect::run::{default_catalog, run_rule_capped};
use detect::sigma_scan::{plan_pack, run_scan};
use kql_engine::{Engine, EngineConfig};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let Some((rules_dir, logs)) = args.split_first().filter(|(_, l)| !l.is_empty()) else {
        eprintln!("usage: sigma_scan_speed RULES_DIR LOG...");
        std::process::exit(2);
    };
    let pack = RulePack::load_dir(rules_dir).unwrap_or_else(|e| fail(&format!("{}: {e}", rules_dir.display())));
    let loaded = telemetry::load::load(logs, &AtomicU64::new(0), &Default::default(), &Default::default())
        .unwrap_or_else(|e| fail(&format!("reading the logs: {e}")));
    let mut catalog = default_catalog();
    for (name, table) in loaded.tables {
        catalog.register(&name, table);
    }
    let engine = Engine::new(catalog, EngineConfig::unlimited());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|e| fail(&e.to_string()));
    let now = 1_800_000_000_000_000_000;
    let caps = AlertCaps::default();
    let scans = plan_pack(&pack);
    let sigma: Vec<usize> = scans.iter().flat_map(|s| s.rules.iter().copied()).collect();
    println!("{} Sigma rules over {} tables", sigma.len(), scans.len());

    let start = Instant::now();
    let mut by_kql = Vec::new();
    for &i in &sigma {
        by_kql.push(rt.block_on(run_rule_capped(&engine, &pack.rules[i], now, caps)).map_err(|e| e.to_string()));
    }
    let kql_time = start.elapsed();

    let start = Instant::now();
    let mut by_scan = Vec::new();
    for scan in &scans {
        match rt.block_on(run_scan(&engine, scan, &pack.rules, now, caps)) {
            Ok(runs) => by_scan.extend(runs.into_iter().map(Ok)),
            Err(e) => by_scan.extend(scan.rules.iter().map(|_| Err(e.to_string()))),
        }
    }
    let scan_time = start.elapsed();

    let mut differ = 0;
    let mut rows = 0;
    for ((&i, a), b) in sigma.iter().zip(&by_kql).zip(&by_scan) {
        let same = match (a, b) {
            (Ok(a), Ok(b)) => a.rows == b.rows && a.alerts == b.alerts,
            _ => false,
        };
        if let Ok(a) = a {
            rows += a.rows;
        }
        if !same {
            differ += 1;
            println!("differs: {} ({})", pack.rules[i].id, pack.rules[i].name);
        }
    }
    println!("matched rows: {rows}; rules whose results differ: {differ}");
    println!("per-rule KQL: {:.2} s", kql_time.as_secs_f64());
    println!("one scan:     {:.2} s", scan_time.as_secs_f64());
}

fn fail(msg: &str) -> ! {
    eprintln!("sigma_scan_speed: {msg}");
    std::process::exit(2);
}
