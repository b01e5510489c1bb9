//! `dragnet hunt`: every rule over the logs, alerts out as each rule
//! finishes; the Sigma rules first, in one scan per table (fed as the logs
//! are read, `hunt_stream`).

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, Result, bail};
use detect::alert::{Alert, AlertCaps};
use detect::output::{AlertWriter, Format};
use detect::rule::{Rule, Severity};
use detect::run::{RuleRun, newest_event, run_rule_capped};
use detect::sigma_correlate::Correlations;
use detect::sigma_scan::{Captured, plan_pack, run_scan_capturing};
use kql_engine::{Engine, EngineError, QueryOptions};
use telemetry::load::is_dataset;

use crate::cli::{AlertFormat, HuntArgs, MinSeverity};
use crate::cmd::hunt_stream::{self, Routes, Setup};
use crate::cmd::isolate::isolated;
use crate::cmd::query::{Limits, build_catalog_tapped, parse_now};
use crate::cmd::rule_set;

/// Runs `hunt`: 0 no alert, 1 alerts, 2 a rule failed to run.
pub fn run(args: &HuntArgs, out: &mut dyn Write) -> Result<i32> {
    let (pack, failed) = rule_set::load(&args.sources)?;
    if failed {
        bail!("some rule files have errors (above); fix them or leave their folder out");
    }
    let limits = Limits::parse(&args.timeout, &args.memory_limit, args.spill_dir.as_deref())?;
    let cap = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let caps = AlertCaps { max_alerts: cap(args.max_alerts_per_rule), max_evidence: cap(args.max_evidence_rows) };
    let given_now = args.now.as_deref().map(parse_now).transpose()?;
    let engine_spill = limits.engine_spill()?;
    // The logs give rows of the tables the rules read (and the newest
    // event is looked for in).
    let reads: Vec<&str> = pack.rules.iter().map(|r| r.query.as_str()).chain([detect::run::NEWEST_EVENT]).collect();
    let rt = crate::cmd::query::runtime()?;
    // Sigma rules run in one scan per table, fed as the logs are read
    // where they can be (`hunt_stream`); a rule of a scan that fails runs
    // on its own below, where its failure is reported. The scans keep
    // what correlations read of the rows their rules match.
    let mut correlations = Correlations::prepare(&pack);
    let mut scans = plan_pack(&pack);
    correlations.add_captures(&pack, &mut scans);
    let data_are_logs = args.tables.is_empty() && !args.logs.iter().any(|p| p.is_dir() && is_dataset(p));
    let routes = Routes::plan(&pack, &scans, data_are_logs, given_now.is_some());
    let setup = Setup { pack: &pack, caps, rt: &rt, config: limits.engine(&engine_spill), now: given_now.unwrap_or(0) };
    let (loaded, streamed) = hunt_stream::read(&scans, &routes, setup, |tap| {
        build_catalog_tapped(&args.logs, &args.tables, args.quiet, &limits, &reads, tap)
    })?;
    let tapped = streamed.tapped.clone();
    let engine = Engine::new(loaded.catalog, limits.engine(&engine_spill));
    let now = match given_now {
        Some(n) => n,
        None => {
            match rt.block_on(newest_event(&engine)).context("cannot find the newest event")?.max(streamed.newest) {
                Some(n) => n,
                None => QueryOptions::at_current_time().now,
            }
        }
    };
    let min = match args.min_severity {
        MinSeverity::Informational => Severity::Informational,
        MinSeverity::Low => Severity::Low,
        MinSeverity::Medium => Severity::Medium,
        MinSeverity::High => Severity::High,
    };
    let format = match args.format {
        AlertFormat::Table => Format::Table,
        AlertFormat::Jsonl => Format::Jsonl,
        AlertFormat::Csv => Format::Csv,
        AlertFormat::Ocsf => Format::Ocsf,
    };
    let mut sigma_runs: HashMap<usize, RuleRun> = HashMap::new();
    let mut captured: HashMap<usize, Vec<Captured>> = HashMap::new();
    // The rules of a streamed scan that failed over a table that is not
    // kept cannot run again: the scan's failure is theirs.
    let mut failed: HashMap<usize, String> = HashMap::new();
    for (k, result) in streamed.finish(now) {
        let scan = &scans[k];
        match result {
            Ok(result) => {
                sigma_runs.extend(scan.rules.iter().copied().zip(result.runs));
                captured.extend(scan.rules.iter().copied().zip(result.captured));
            }
            Err(e) if tapped.get(&scan.plan.table) == Some(&false) => {
                failed.extend(scan.rules.iter().map(|&i| (i, e.clone())));
            }
            Err(_) => {}
        }
    }
    for (scan, route) in scans.iter().zip(&routes.streams) {
        if route.is_some() && tapped.contains_key(&scan.plan.table) {
            continue;
        }
        let result = isolated(|| rt.block_on(run_scan_capturing(&engine, scan, &pack.rules, now, caps)));
        if let Ok(Ok(result)) = result {
            sigma_runs.extend(scan.rules.iter().copied().zip(result.runs));
            captured.extend(scan.rules.iter().copied().zip(result.captured));
        }
    }
    // The rules a correlation names without `generate: true` give no
    // alerts of their own.
    let hidden = correlations.hidden_rules(&pack);
    let hidden_correlations = correlations.hidden_correlations(&pack);
    let mut all_rules = pack.rules.clone();
    all_rules.extend(correlations.rules.iter().cloned());
    let mut writer = AlertWriter::start(out, format, args.color, &all_rules)?;
    let mut errors = 0;
    let emit = |writer: &mut AlertWriter, run: RuleRun| -> Result<()> {
        let mut alerts: Vec<Alert> = run.alerts.into_iter().filter(|a| a.severity >= min).collect();
        alerts.sort_by_key(|a| a.start_time.unwrap_or(a.created));
        writer.write(&alerts)?;
        Ok(())
    };
    for (i, rule) in pack.rules.iter().enumerate() {
        if hidden.contains(&i) {
            continue;
        }
        let run = match (sigma_runs.remove(&i), failed.remove(&i)) {
            (Some(run), _) => Ok(run),
            (None, Some(e)) => Err(e),
            (None, None) => run_one(&rt, &engine, rule, now, caps).map_err(|e| limits.describe(&e)),
        };
        match run {
            Ok(run) => emit(&mut writer, run)?,
            Err(e) => {
                errors += 1;
                eprintln!("dragnet: rule {} ({}) failed: {e}", rule.id, rule.name);
            }
        }
    }
    let runs = correlations.run(&pack, &captured, now, caps);
    for (k, (run, rule)) in runs.into_iter().zip(&correlations.rules).enumerate() {
        if hidden_correlations.contains(&k) {
            continue;
        }
        match run {
            Ok(run) => emit(&mut writer, run)?,
            Err(e) => {
                errors += 1;
                eprintln!("dragnet: correlation {} ({}) failed: {e}", rule.id, rule.name);
            }
        }
    }
    let written = writer.written();
    writer.finish()?;
    // Work a rule gave up at its time budget may still run on a blocking
    // thread: do not wait for it.
    rt.shutdown_background();
    drop(loaded.spill);
    drop(engine_spill);
    Ok(if errors > 0 {
        2
    } else if written == 0 {
        0
    } else {
        1
    })
}

/// One rule's run; a panic inside it (in binding, or in a function on this
/// thread) is that rule's failure, not the hunt's.
fn run_one(
    rt: &tokio::runtime::Runtime,
    engine: &Engine,
    rule: &Rule,
    now: i64,
    caps: AlertCaps,
) -> Result<RuleRun, EngineError> {
    isolated(|| rt.block_on(run_rule_capped(engine, rule, now, caps)))
        .unwrap_or_else(|panic| Err(EngineError::Execution(format!("internal error: {panic}"))))
}
