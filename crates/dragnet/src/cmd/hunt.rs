//! `dragnet hunt`: every rule over the logs, alerts out.

use std::io::Write;

use anyhow::{Context, Result, bail};
use detect::alert::Alert;
use detect::output::{self, Format};
use detect::rule::Severity;
use detect::run::{newest_event, run_rule};
use kql_engine::{Engine, EngineConfig, QueryOptions};

use crate::cli::{AlertFormat, HuntArgs, MinSeverity};
use crate::cmd::query::{build_catalog, parse_duration, parse_now, parse_size};
use crate::cmd::rule_set;

/// Runs `hunt`: 0 no alert, 1 alerts, 2 a rule failed to run.
pub fn run(args: &HuntArgs, out: &mut dyn Write) -> Result<i32> {
    let (pack, failed) = rule_set::load(&args.sources)?;
    if failed {
        bail!("some rule files have errors (above); fix them or leave their folder out");
    }
    let timeout = parse_duration(&args.timeout).with_context(|| format!("invalid --timeout '{}'", args.timeout))?;
    let memory =
        parse_size(&args.memory_limit).with_context(|| format!("invalid --memory-limit '{}'", args.memory_limit))?;
    let given_now = args.now.as_deref().map(parse_now).transpose()?;
    let catalog = build_catalog(&args.logs, args.quiet)?;
    let config = EngineConfig { memory_limit: Some(memory), timeout: Some(timeout), ..EngineConfig::unlimited() };
    let engine = Engine::new(catalog, config);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    let now = match given_now {
        Some(n) => n,
        None => match rt.block_on(newest_event(&engine)).context("cannot find the newest event")? {
            Some(n) => n,
            None => QueryOptions::at_current_time().now,
        },
    };
    let min = match args.min_severity {
        MinSeverity::Informational => Severity::Informational,
        MinSeverity::Low => Severity::Low,
        MinSeverity::Medium => Severity::Medium,
        MinSeverity::High => Severity::High,
    };
    let mut alerts: Vec<Alert> = Vec::new();
    let mut errors = 0;
    for rule in &pack.rules {
        match rt.block_on(run_rule(&engine, rule, now)) {
            Ok(run) => alerts.extend(run.alerts.into_iter().filter(|a| a.severity >= min)),
            Err(e) => {
                errors += 1;
                eprintln!("dragnet: rule {} ({}) failed: {e}", rule.name, rule.origin);
            }
        }
    }
    alerts.sort_by(|a, b| {
        (a.start_time.unwrap_or(a.created), &a.rule_name).cmp(&(b.start_time.unwrap_or(b.created), &b.rule_name))
    });
    let format = match args.format {
        AlertFormat::Table => Format::Table,
        AlertFormat::Jsonl => Format::Jsonl,
        AlertFormat::Csv => Format::Csv,
        AlertFormat::Ocsf => Format::Ocsf,
    };
    output::write(out, &alerts, format, args.color)?;
    Ok(if errors > 0 {
        2
    } else if alerts.is_empty() {
        0
    } else {
        1
    })
}
