//! Bounding what one run of a rule raises, as Sentinel bounds it: at most
//! [`AlertCaps::max_alerts`] alerts per rule per run, and at most
//! [`AlertCaps::max_evidence`] evidence rows per alert.
//!
//! With `AlertPerResult`, the first `max_alerts - 1` rows are one alert
//! each and the last alert folds every row after them; with `SingleAlert`
//! the one alert folds every row. An alert that folds more rows than it
//! keeps as evidence says how many it stands for ([`Alert::rows`]); its
//! entities and custom details come from its evidence rows, its start and
//! end times from all of its rows.
//!
//! An [`AlertFolder`] takes the rows one at a time, so a run never holds
//! more than the caps allow, and a row that would not be kept need not be
//! turned into JSON at all ([`AlertFolder::wants_row`]); the trigger sees
//! the full row count at [`AlertFolder::finish`].

use crate::alert::{Alert, build};
use crate::rows::Row;
use crate::rule::{Grouping, Rule};

/// Alerts per rule per run in Sentinel, and the default of `--max-alerts-per-rule`.
pub const MAX_ALERTS: usize = 150;
/// Evidence rows kept per alert by default (`--max-evidence-rows`).
pub const MAX_EVIDENCE: usize = 100;

/// The caps of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertCaps {
    /// Alerts per rule per run (at least 1).
    pub max_alerts: usize,
    /// Evidence rows per alert (at least 1).
    pub max_evidence: usize,
}

impl Default for AlertCaps {
    fn default() -> AlertCaps {
        AlertCaps { max_alerts: MAX_ALERTS, max_evidence: MAX_EVIDENCE }
    }
}

/// The alert that folds rows: its evidence, how many rows it stands for,
/// and the time span of all of them.
#[derive(Default)]
struct Open {
    evidence: Vec<Row>,
    rows: u64,
    first: Option<i64>,
    last: Option<i64>,
}

impl Open {
    fn time(&mut self, t: Option<i64>) {
        if let Some(t) = t {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// Alerts of one run of a rule, built as its rows come.
pub struct AlertFolder<'r> {
    rule: &'r Rule,
    now: i64,
    caps: AlertCaps,
    total: u64,
    single: Vec<Alert>,
    open: Open,
}

impl<'r> AlertFolder<'r> {
    /// An empty run of `rule` at `now` (ns since the epoch).
    pub fn new(rule: &'r Rule, now: i64, caps: AlertCaps) -> AlertFolder<'r> {
        let caps = AlertCaps { max_alerts: caps.max_alerts.max(1), max_evidence: caps.max_evidence.max(1) };
        AlertFolder { rule, now, caps, total: 0, single: Vec::new(), open: Open::default() }
    }

    fn folding(&self) -> bool {
        self.rule.grouping == Grouping::SingleAlert || self.single.len() + 1 >= self.caps.max_alerts
    }

    /// Whether the next row is kept (as an alert or as evidence), so must
    /// be given whole to [`push`](Self::push); otherwise only its event
    /// time matters ([`count`](Self::count)).
    pub fn wants_row(&self) -> bool {
        !self.folding() || self.open.evidence.len() < self.caps.max_evidence
    }

    /// Adds one row.
    pub fn push(&mut self, row: Row) {
        self.total += 1;
        if !self.folding() {
            self.single.push(build(self.rule, vec![row], self.now));
            return;
        }
        self.open.rows += 1;
        self.open.time(crate::rows::event_time(&row));
        if self.open.evidence.len() < self.caps.max_evidence {
            self.open.evidence.push(row);
        }
    }

    /// Adds one row that is not kept, by its event time alone.
    pub fn count(&mut self, time: Option<i64>) {
        self.total += 1;
        self.open.rows += 1;
        self.open.time(time);
    }

    /// The rows seen so far.
    pub fn rows(&self) -> u64 {
        self.total
    }

    /// The alerts: none unless the row count passes the trigger.
    pub fn finish(self) -> Vec<Alert> {
        if !self.rule.trigger_operator.fires(self.total, self.rule.trigger_threshold) {
            return Vec::new();
        }
        let mut out = self.single;
        // A single alert fires on zero rows too (`lt`, `eq 0`).
        if self.open.rows > 0 || self.rule.grouping == Grouping::SingleAlert {
            let mut a = build(self.rule, self.open.evidence, self.now);
            if a.rows < self.open.rows {
                a.fold(self.open.rows, self.open.first, self.open.last);
            }
            out.push(a);
        }
        out
    }
}
