//! Rules on their schedule. NRT rules, and the Sigma rules in their scans
//! with the correlations over them ([`crate::sigma`]), run over each
//! acknowledged batch (its rows alone) once: the batch's number is recorded
//! as done in the same transaction that stores their alerts, and batches not
//! done when the process stopped are run at the next start, before their WAL
//! segment may be compacted away. A batch runs under the rule set it
//! started with, whatever a reload swaps in meanwhile. Scheduled rules run
//! every `queryFrequency` over the store cut to their `queryPeriod`
//! ([`windowed`]) with `now()` set back by the ingestion delay, so events
//! that arrive late still fall in a later run's window. Alerts are stored by
//! their stable ids, so a window seen twice never raises one twice.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use detect::Alert;
use detect::rule::{Kind, Rule};
use futures::FutureExt;
use kql_engine::{Catalog, Engine};
use tokio::sync::watch;

use crate::config::wall_now;
use crate::ruleset::RuleSet;
use crate::server::App;
use crate::sigma::Run;
use crate::wal::Record;
use crate::window::windowed;

/// How often the scheduler looks for rules that are due.
const TICK: Duration = Duration::from_secs(1);

/// A scheduled rule without `queryFrequency` runs this often.
const DEFAULT_FREQUENCY: Duration = Duration::from_secs(3600);

/// Runs `rule` over `catalog` at `now`; a panic inside it is its failure.
async fn run_one(app: &App, rule: &Rule, catalog: Catalog, now: i64) -> Result<Vec<Alert>, String> {
    let engine = Engine::new(catalog, app.config.engine.clone());
    let run = detect::run::run_rule_capped(&engine, rule, now, app.config.caps);
    Ok(caught(run).await?.alerts)
}

/// The outcome of `run`; a panic inside it is a failure.
pub(crate) async fn caught<T, E: std::fmt::Display>(run: impl Future<Output = Result<T, E>>) -> Result<T, String> {
    match AssertUnwindSafe(run).catch_unwind().await {
        Ok(Ok(run)) => Ok(run),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("internal error: {text}"))
        }
    }
}

/// The tables holding only `rec`'s rows (the others empty).
pub(crate) fn batch_catalog(rec: &Record) -> Result<Catalog, String> {
    let mut catalog = detect::run::default_catalog();
    let mut by_table: HashMap<&str, Vec<RecordBatch>> = HashMap::new();
    for (t, b) in &rec.tables {
        by_table.entry(t).or_default().push(b.clone());
    }
    for (t, batches) in by_table {
        let schema = batches[0].schema();
        let table = MemTable::try_new(schema, vec![batches]).map_err(|e| e.to_string())?;
        catalog.register(t, Arc::new(table));
    }
    Ok(catalog)
}

/// Runs every NRT rule, Sigma rule and correlation over one acknowledged
/// batch and stores the alerts, marking the batch done.
pub async fn nrt(app: &App, rec: &Record) -> Result<(), String> {
    let set = app.rules();
    let started = wall_now();
    let now = app.config.now();
    let mut alerts = Vec::new();
    let mut outcomes = Vec::new();
    for rule in set.kql(Kind::Nrt) {
        let t = Instant::now();
        let result = match batch_catalog(rec) {
            Ok(catalog) => run_one(app, rule, catalog, now).await,
            Err(e) => Err(e),
        };
        app.metrics.run(&rule.id, result.is_err(), t.elapsed().as_secs_f64());
        match result {
            Ok(a) => {
                outcomes.push((rule, None));
                alerts.extend(a);
            }
            Err(e) => {
                tracing::warn!(rule = %rule.id, batch = rec.seq, "NRT rule failed: {e}");
                outcomes.push((rule, Some(e)));
            }
        }
    }
    alerts.extend(sigma_batch(app, &set, rec, started, now).await?);
    let recorded = app.state.record_alerts(alerts, Some(rec.seq), started, &set.all)?;
    app.sigma.save(&set, rec.seq)?;
    app.nrt_done.fetch_max(rec.seq, Ordering::SeqCst);
    for (rule, error) in outcomes {
        let n = recorded.published.iter().filter(|(a, _)| a.rule_id == rule.id).count()
            + recorded.suppressed.iter().filter(|r| **r == rule.id).count();
        app.state.record_run(&rule.id, started, None, error.as_deref(), n)?;
    }
    app.publish(recorded);
    Ok(())
}

/// The Sigma rules' and correlations' alerts of one batch.
async fn sigma_batch(app: &App, set: &RuleSet, rec: &Record, at: i64, now: i64) -> Result<Vec<Alert>, String> {
    if set.scans.is_empty() {
        return Ok(Vec::new());
    }
    let engine = Engine::new(batch_catalog(rec)?, app.config.engine.clone());
    let run = Run { now, caps: app.config.caps, metrics: &app.metrics };
    let scanned = crate::sigma::scan_batch(set, &app.sigma, &engine, rec, at, run).await;
    let mut alerts = scanned.alerts;
    alerts.extend(app.sigma.correlate(set, &scanned.captured, rec.seq, at, run)?);
    Ok(alerts)
}

/// Feeds a batch NRT rules have run over, but the correlations' windows
/// lack (the process stopped between storing its alerts and keeping the
/// windows), to the correlations again; their alerts have the ids they had.
pub async fn refeed(app: &App, rec: &Record) -> Result<(), String> {
    let set = app.rules();
    if !set.correlates() || rec.seq <= app.sigma.seq() {
        return Ok(());
    }
    let started = wall_now();
    let now = app.config.now();
    let engine = Engine::new(batch_catalog(rec)?, app.config.engine.clone());
    let run = Run { now, caps: app.config.caps, metrics: &app.metrics };
    let scanned = crate::sigma::scan_batch(&set, &app.sigma, &engine, rec, started, run).await;
    let alerts = app.sigma.correlate(&set, &scanned.captured, rec.seq, started, run)?;
    let recorded = app.state.record_alerts(alerts, None, started, &set.all)?;
    app.sigma.save(&set, rec.seq)?;
    app.publish(recorded);
    Ok(())
}

/// Runs the scheduled rules when they are due until `stop` changes; the
/// rules are read from the current set at each tick, so after a reload a
/// rule that stays keeps its next run, a removed one stops and a new one
/// runs at once, then on its frequency.
pub async fn scheduler(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut next: HashMap<String, i64> = match app.state.rules() {
        Ok(s) => s.into_iter().filter_map(|(id, s)| s.next_run.map(|n| (id, n))).collect(),
        Err(e) => {
            tracing::error!("cannot read the rules' schedule: {e}");
            HashMap::new()
        }
    };
    loop {
        let set = app.rules();
        for rule in set.kql(Kind::Scheduled) {
            if *stop.borrow() {
                return;
            }
            if next.get(&rule.id).is_none_or(|n| *n <= wall_now()) {
                let n = run_scheduled(&app, &set, rule).await;
                next.insert(rule.id.clone(), n);
            }
        }
        let current: HashSet<&str> = set.kql(Kind::Scheduled).map(|r| r.id.as_str()).collect();
        next.retain(|id, _| current.contains(id.as_str()));
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = crate::server::stopped(&mut stop) => return,
        }
    }
}

/// One run of a scheduled rule; returns when it runs next.
async fn run_scheduled(app: &App, set: &RuleSet, rule: &Rule) -> i64 {
    let started = wall_now();
    let t = Instant::now();
    let frequency = rule.query_frequency.unwrap_or(DEFAULT_FREQUENCY);
    let next = started.saturating_add(i64::try_from(frequency.as_nanos()).unwrap_or(i64::MAX));
    let delay = i64::try_from(app.config.ingestion_delay.as_nanos()).unwrap_or(i64::MAX);
    let now = app.config.now().saturating_sub(delay);
    let period = i64::try_from(rule.query_period.unwrap_or(frequency).as_nanos()).unwrap_or(i64::MAX);
    let start = now.saturating_sub(period);
    let store = app.store.clone();
    let catalog = tokio::task::spawn_blocking(move || store.catalog().and_then(|c| windowed(&c, start, now)))
        .await
        .unwrap_or_else(|e| Err(format!("internal error: {e}")));
    let result = match catalog {
        Ok(c) => run_one(app, rule, c, now).await,
        Err(e) => Err(e),
    };
    app.metrics.run(&rule.id, result.is_err(), t.elapsed().as_secs_f64());
    let (alerts, error) = match result {
        Ok(a) => (a, None),
        Err(e) => {
            tracing::warn!(rule = %rule.id, "scheduled rule failed: {e}");
            (Vec::new(), Some(e))
        }
    };
    let stored = app.state.record_alerts(alerts, None, started, &set.all).and_then(|recorded| {
        app.state.record_run(&rule.id, started, Some(next), error.as_deref(), recorded.new_alerts())?;
        Ok(recorded)
    });
    match stored {
        Ok(new) => app.publish(new),
        Err(e) => tracing::error!(rule = %rule.id, "cannot store the run: {e}"),
    }
    next
}
