//! Sigma rules streaming: over each acknowledged batch, every Sigma rule
//! runs in its table's one scan (`detect::sigma_scan`, one pass per table
//! in the batch), and the rows the scans capture feed the correlations'
//! open windows (`detect::sigma_correlate::stream`), which raise an alert
//! once per matched window. Alerts go the NRT rules' way
//! ([`crate::rules::nrt`]): stored with the batch marked done.
//!
//! The windows are kept in `correlations.json` in the data folder, with
//! the number of the last batch they hold, written (synced, then renamed
//! into place) after each batch's alerts are stored and before the
//! compactor may drop that batch from the WAL. At start, batches the
//! windows lack that are still in the WAL are fed again
//! ([`crate::rules::refeed`]): a batch fed twice to the same windows gives
//! the same matches, and the same alert ids, so nothing is raised twice and
//! nothing is missed. The windows are bounded ([`LIMITS`]); what is dropped
//! at the bounds is counted in `dragnet_correlation_capped_total`.
//!
//! Sigma rules' and correlations' runs (last run, runs, failures, last
//! error) are counted in memory since the start, not per rule in the
//! database: a scan runs many rules at once, batch after batch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use detect::Alert;
use detect::alert::AlertCaps;
use detect::sigma_correlate::match_run;
use detect::sigma_correlate::stream::{Limits, Stream};
use detect::sigma_scan::{Captured, run_scan_capturing};
use kql_engine::Engine;
use serde_json::{Value, json};

use crate::metrics::Metrics;
use crate::ruleset::RuleSet;
use crate::wal::Record;

/// The bounds on the correlations' windows.
pub const LIMITS: Limits = Limits { max_events: 10_000, max_groups: 10_000 };

/// The file the correlations' windows are kept in.
pub const STATE_FILE: &str = "correlations.json";

/// Runs of one Sigma rule or correlation since the start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runs {
    /// When it last ran (wall clock, ns).
    pub last_run: Option<i64>,
    /// Runs.
    pub runs: u64,
    /// Failed runs.
    pub failures: u64,
    /// The last run's error.
    pub last_error: Option<String>,
}

/// The correlations' windows and the Sigma rules' runs.
pub struct Live {
    path: PathBuf,
    stream: Mutex<Stream>,
    /// The last batch the windows hold.
    seq: AtomicU64,
    runs: Mutex<HashMap<String, Runs>>,
}

/// What a batch's rules run with: `now()`, the caps on their alerts, and
/// the counters.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// `now()` for the rules.
    pub now: i64,
    /// The caps on alerts per rule and evidence per alert.
    pub caps: AlertCaps,
    /// Where runs and drops are counted.
    pub metrics: &'a Metrics,
}

/// What the Sigma rules made of one batch.
#[derive(Debug, Default)]
pub struct BatchRun {
    /// The alerts to store.
    pub alerts: Vec<Alert>,
    /// The rows the scans captured for correlations, by pack rule.
    pub captured: HashMap<usize, Vec<Captured>>,
}

impl Live {
    /// The windows kept in `dir` (none when the file is not there).
    pub fn open(dir: &Path) -> Result<Live, String> {
        let path = dir.join(STATE_FILE);
        let (stream, seq) = match std::fs::read(&path) {
            Ok(bytes) => {
                let v: Value = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                let seq = v.get("seq").and_then(Value::as_u64).ok_or_else(|| format!("{}: no seq", path.display()))?;
                let stream = Stream::from_json(v.get("windows").unwrap_or(&Value::Null))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                (stream, seq)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Stream::default(), 0),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(Live { path, stream: Mutex::new(stream), seq: AtomicU64::new(seq), runs: Mutex::new(HashMap::new()) })
    }

    /// The last batch the windows hold (0: none, or no file).
    pub fn seq(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// The events the windows hold.
    pub fn events(&self) -> usize {
        self.stream.lock().map(|s| s.events()).unwrap_or(0)
    }

    /// The runs since the start, by rule id.
    pub fn runs(&self) -> HashMap<String, Runs> {
        self.runs.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn ran(&self, id: &str, at: i64, error: Option<&str>) {
        if let Ok(mut m) = self.runs.lock() {
            let r = m.entry(id.to_string()).or_default();
            r.last_run = Some(at);
            r.runs = r.runs.saturating_add(1);
            r.failures = r.failures.saturating_add(u64::from(error.is_some()));
            r.last_error = error.map(str::to_string);
        }
    }

    /// Feeds one batch's captured rows to the correlations of `set`
    /// (unless the windows already hold batch `seq`) at wall time `at`;
    /// returns their alerts.
    pub fn correlate(
        &self,
        set: &RuleSet,
        captured: &HashMap<usize, Vec<Captured>>,
        seq: u64,
        at: i64,
        run: Run<'_>,
    ) -> Result<Vec<Alert>, String> {
        if !set.correlates() || seq <= self.seq() {
            return Ok(Vec::new());
        }
        let Run { now, caps, metrics } = run;
        let fed = {
            let mut stream = self.stream.lock().map_err(|_| "the correlation state lock is poisoned")?;
            stream.feed(&set.correlations, &set.pack, captured, LIMITS)
        };
        for (id, n) in &fed.capped {
            tracing::warn!(correlation = %id, "{n} events or groups dropped at the correlation's bounds");
            metrics.capped(id, *n);
        }
        let mut alerts = Vec::new();
        let cors = &set.pack.sigma.correlations;
        for (k, (result, rule)) in fed.matches.into_iter().zip(&set.correlations.rules).enumerate() {
            match result {
                Ok(ms) => {
                    self.ran(&rule.id, at, None);
                    if !ms.is_empty()
                        && !set.hidden_correlations.contains(&k)
                        && let Some(c) = cors.get(k)
                    {
                        alerts.extend(match_run(c, rule, &ms, now, caps).alerts);
                    }
                }
                Err(e) => {
                    tracing::warn!(correlation = %rule.id, batch = seq, "correlation failed: {e}");
                    self.ran(&rule.id, at, Some(&e));
                }
            }
        }
        Ok(alerts)
    }

    /// Records that the windows hold batch `seq`: written to a temporary
    /// file, synced, renamed over the kept one.
    pub fn save(&self, set: &RuleSet, seq: u64) -> Result<(), String> {
        if !set.correlates() || seq <= self.seq() {
            return Ok(());
        }
        let windows = self.stream.lock().map_err(|_| "the correlation state lock is poisoned")?.to_json();
        let text = json!({"seq": seq, "windows": windows}).to_string();
        let tmp = self.path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            if let Some(dir) = self.path.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.seq.store(seq, Ordering::SeqCst);
        Ok(())
    }
}

/// Runs the scans of the tables in `rec` over its rows: the alerts of the
/// Sigma rules (those a correlation hides left out) and what the scans
/// captured. A scan that fails is each of its rules' failure.
pub async fn scan_batch(set: &RuleSet, live: &Live, engine: &Engine, rec: &Record, at: i64, run: Run<'_>) -> BatchRun {
    let Run { now, caps, metrics } = run;
    let mut out = BatchRun::default();
    for scan in &set.scans {
        if !rec.tables.iter().any(|(t, _)| *t == scan.plan.table) {
            continue;
        }
        let t = std::time::Instant::now();
        let result = crate::rules::caught(run_scan_capturing(engine, scan, &set.pack.rules, now, caps)).await;
        metrics.run(&format!("sigma:{}", scan.plan.table), result.is_err(), t.elapsed().as_secs_f64());
        match result {
            Ok(result) => {
                for ((&p, run), captured) in scan.rules.iter().zip(result.runs).zip(result.captured) {
                    if let Some(rule) = set.pack.rules.get(p) {
                        live.ran(&rule.id, at, None);
                    }
                    if !set.hidden.contains(&p) {
                        out.alerts.extend(run.alerts);
                    }
                    if !captured.is_empty() {
                        out.captured.insert(p, captured);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(table = %scan.plan.table, batch = rec.seq, "Sigma scan failed: {e}");
                for &p in &scan.rules {
                    if let Some(rule) = set.pack.rules.get(p) {
                        live.ran(&rule.id, at, Some(&e));
                    }
                }
            }
        }
    }
    out
}
