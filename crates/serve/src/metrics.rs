//! Counters for `GET /metrics`, in Prometheus's text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the server has done since it started.
#[derive(Default)]
pub struct Metrics {
    events: Mutex<BTreeMap<String, u64>>,
    rejects: Mutex<BTreeMap<String, u64>>,
    busy: AtomicU64,
    runs: Mutex<BTreeMap<String, (u64, u64, f64)>>,
    alerts: AtomicU64,
    suppressed: Mutex<BTreeMap<String, u64>>,
    /// Per sink: delivered, retried, failed (given up), dropped (queue full).
    sinks: Mutex<BTreeMap<String, [u64; 4]>>,
    /// Per correlation: events or groups dropped at its window's bounds.
    capped: Mutex<BTreeMap<String, u64>>,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

fn add(map: &Mutex<BTreeMap<String, u64>>, key: &str, n: u64) {
    if let Ok(mut m) = map.lock() {
        let v = m.entry(key.to_string()).or_default();
        *v = v.saturating_add(n);
    }
}

impl Metrics {
    /// Records acknowledged from `source`.
    pub fn events(&self, source: &str, n: u64) {
        add(&self.events, source, n);
    }

    /// A body from `source` refused as bad.
    pub fn reject(&self, source: &str) {
        add(&self.rejects, source, 1);
    }

    /// A body refused because the WAL was behind.
    pub fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    /// One run of `rule`, failed or not, taking `seconds`.
    pub fn run(&self, rule: &str, failed: bool, seconds: f64) {
        if let Ok(mut m) = self.runs.lock() {
            let v = m.entry(rule.to_string()).or_default();
            v.0 = v.0.saturating_add(1);
            v.1 = v.1.saturating_add(u64::from(failed));
            v.2 += seconds;
        }
    }

    /// New alerts published.
    pub fn alerts(&self, n: u64) {
        self.alerts.fetch_add(n, Ordering::Relaxed);
    }

    /// A new alert of `rule` stored as suppressed.
    pub fn suppressed(&self, rule: &str) {
        add(&self.suppressed, rule, 1);
    }

    /// `n` events or groups of `correlation` dropped at its bounds.
    pub fn capped(&self, correlation: &str, n: u64) {
        add(&self.capped, correlation, n);
    }

    /// A rule reload, taken or (with errors) refused.
    pub fn reload(&self, ok: bool) {
        let c = if ok { &self.reloads } else { &self.reload_failures };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// A sink, listed in the metrics from the start.
    pub fn sink(&self, name: &str) {
        self.sink_add(name, None);
    }

    /// An alert a sink delivered.
    pub fn sink_delivered(&self, name: &str) {
        self.sink_add(name, Some(0));
    }

    /// A delivery a sink will try again.
    pub fn sink_retried(&self, name: &str) {
        self.sink_add(name, Some(1));
    }

    /// An alert a sink gave up on.
    pub fn sink_failed(&self, name: &str) {
        self.sink_add(name, Some(2));
    }

    /// An alert dropped because a sink's queue was full.
    pub fn sink_dropped(&self, name: &str) {
        self.sink_add(name, Some(3));
    }

    fn sink_add(&self, name: &str, which: Option<usize>) {
        if let Ok(mut m) = self.sinks.lock() {
            let v = m.entry(name.to_string()).or_default();
            if let Some(slot) = which.and_then(|i| v.get_mut(i)) {
                *slot = slot.saturating_add(1);
            }
        }
    }

    /// Everything, with the WAL's size and the batches NRT rules have yet
    /// to run over, as Prometheus text.
    pub fn render(&self, wal_bytes: u64, nrt_pending: u64) -> String {
        let mut s = String::new();
        let family = |s: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(&mut s, "dragnet_events_total", "counter", "Records acknowledged, by source.");
        for (k, v) in self.events.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(s, "dragnet_events_total{{source=\"{}\"}} {v}", label(&k));
        }
        family(&mut s, "dragnet_rejected_bodies_total", "counter", "Bodies refused as bad (400), by source.");
        for (k, v) in self.rejects.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(s, "dragnet_rejected_bodies_total{{source=\"{}\"}} {v}", label(&k));
        }
        family(&mut s, "dragnet_busy_total", "counter", "Bodies refused because the WAL was behind (503).");
        let _ = writeln!(s, "dragnet_busy_total {}", self.busy.load(Ordering::Relaxed));
        family(&mut s, "dragnet_wal_bytes", "gauge", "Bytes in the write-ahead log not yet compacted into Parquet.");
        let _ = writeln!(s, "dragnet_wal_bytes {wal_bytes}");
        family(&mut s, "dragnet_nrt_pending_batches", "gauge", "Acknowledged batches NRT rules have not run over yet.");
        let _ = writeln!(s, "dragnet_nrt_pending_batches {nrt_pending}");
        let runs = self.runs.lock().map(|m| m.clone()).unwrap_or_default();
        family(&mut s, "dragnet_rule_runs_total", "counter", "Rule runs, by rule id.");
        for (k, (n, _, _)) in &runs {
            let _ = writeln!(s, "dragnet_rule_runs_total{{rule=\"{}\"}} {n}", label(k));
        }
        family(&mut s, "dragnet_rule_failures_total", "counter", "Rule runs that failed, by rule id.");
        for (k, (_, f, _)) in &runs {
            let _ = writeln!(s, "dragnet_rule_failures_total{{rule=\"{}\"}} {f}", label(k));
        }
        family(&mut s, "dragnet_rule_run_seconds_total", "counter", "Time spent running each rule.");
        for (k, (_, _, t)) in &runs {
            let _ = writeln!(s, "dragnet_rule_run_seconds_total{{rule=\"{}\"}} {t:.6}", label(k));
        }
        family(&mut s, "dragnet_alerts_total", "counter", "New alerts published (stored and not suppressed).");
        let _ = writeln!(s, "dragnet_alerts_total {}", self.alerts.load(Ordering::Relaxed));
        family(&mut s, "dragnet_alerts_suppressed_total", "counter", "New alerts stored as suppressed, by rule id.");
        for (k, v) in self.suppressed.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(s, "dragnet_alerts_suppressed_total{{rule=\"{}\"}} {v}", label(&k));
        }
        family(
            &mut s,
            "dragnet_correlation_capped_total",
            "counter",
            "Events or groups a Sigma correlation's windows dropped at their bounds, by correlation id.",
        );
        for (k, v) in self.capped.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(s, "dragnet_correlation_capped_total{{correlation=\"{}\"}} {v}", label(&k));
        }
        family(&mut s, "dragnet_rule_reloads_total", "counter", "Rule reloads taken.");
        let _ = writeln!(s, "dragnet_rule_reloads_total {}", self.reloads.load(Ordering::Relaxed));
        family(&mut s, "dragnet_rule_reload_failures_total", "counter", "Rule reloads refused (the files had errors).");
        let _ = writeln!(s, "dragnet_rule_reload_failures_total {}", self.reload_failures.load(Ordering::Relaxed));
        let sinks = self.sinks.lock().map(|m| m.clone()).unwrap_or_default();
        let counters = [
            ("dragnet_sink_delivered_total", "Alerts a sink delivered, by sink."),
            ("dragnet_sink_retries_total", "Deliveries a sink tried again after a failure, by sink."),
            ("dragnet_sink_failures_total", "Alerts a sink gave up on after its tries, by sink."),
            ("dragnet_sink_dropped_total", "Alerts not queued for a sink because its queue was full, by sink."),
        ];
        for (i, (name, help)) in counters.iter().enumerate() {
            family(&mut s, name, "counter", help);
            for (k, v) in &sinks {
                let n = v.get(i).copied().unwrap_or_default();
                let _ = writeln!(s, "{name}{{sink=\"{}\"}} {n}", label(k));
            }
        }
        s
    }
}

/// A label value escaped as Prometheus requires.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
