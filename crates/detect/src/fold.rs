//! Bounding what one run of a rule raises, as Sentinel bounds it: at most
//! [`AlertCaps::max_alerts`] alerts per rule per run, and at most
//! [`AlertCaps::max_evidence`] evidence rows per alert.
//!
//! Which rows are kept is a function of the rows alone, not of the order
//! they come in (which changes with partitions and spilling): rows are
//! ranked earliest first by event time ([`event_time`], rows without one
//! last), ties broken by the entities the rule maps from them, then by a
//! hash of the whole row. With `AlertPerResult`, the `max_alerts - 1`
//! earliest rows are one alert each and the last alert folds every other
//! row, keeping the earliest of them as evidence; with `SingleAlert` the one
//! alert folds every row and keeps the earliest. An alert that folds more
//! rows than it keeps as evidence says how many it stands for
//! ([`Alert::rows`]); its entities and custom details come from its
//! evidence rows, its start and end times from all of its rows. Alerts and
//! evidence come out in that rank order, so alert ids are stable too.
//!
//! An [`AlertFolder`] takes the rows one at a time and holds only the
//! earliest ones a full run could keep (a bounded heap), and a row whose
//! time alone rules it out need not be turned into JSON at all
//! ([`AlertFolder::wants`]); the trigger sees the full row count at
//! [`AlertFolder::finish`].

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use sha2::{Digest, Sha256};

use crate::alert::{Alert, build};
use crate::entity::extract;
use crate::rows::{Row, event_time, hash_row};
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

/// An event time as it ranks: earlier first, none after every time.
fn when(t: Option<i64>) -> (bool, i64) {
    match t {
        Some(t) => (false, t),
        None => (true, 0),
    }
}

/// The entities a rule maps from a row: type, then identifier and value pairs.
type Entities = Vec<(String, Vec<(String, String)>)>;

/// A row with its rank.
struct Ranked {
    /// The row's event time.
    event_time: Option<i64>,
    /// The same as it ranks.
    time: (bool, i64),
    /// The entities the rule maps from the row.
    entities: Entities,
    /// SHA-256 of the row as JSON text, computed when first compared: only
    /// rows of the same time and entities need it.
    hash: OnceCell<[u8; 32]>,
    row: Row,
}

impl Ranked {
    fn new(rule: &Rule, row: Row) -> Ranked {
        let entities = extract(&rule.entity_mappings, &row).into_iter().map(|e| (e.entity_type, e.fields)).collect();
        let t = event_time(&row);
        Ranked { event_time: t, time: when(t), entities, hash: OnceCell::new(), row }
    }

    fn hash(&self) -> &[u8; 32] {
        self.hash.get_or_init(|| {
            let mut h = Sha256::new();
            hash_row(&mut h, &self.row);
            h.finalize().into()
        })
    }
}

impl PartialEq for Ranked {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.time, &self.entities).cmp(&(o.time, &o.entities)).then_with(|| self.hash().cmp(o.hash()))
    }
}

/// Alerts of one run of a rule, built as its rows come.
pub struct AlertFolder<'r> {
    rule: &'r Rule,
    now: i64,
    caps: AlertCaps,
    total: u64,
    /// The earliest rows so far, at most [`keep`](Self::keep); the latest on top.
    kept: BinaryHeap<Ranked>,
    /// The earliest and latest event time of every row.
    first: Option<i64>,
    last: Option<i64>,
}

impl<'r> AlertFolder<'r> {
    /// An empty run of `rule` at `now` (ns since the epoch).
    pub fn new(rule: &'r Rule, now: i64, caps: AlertCaps) -> AlertFolder<'r> {
        let caps = AlertCaps { max_alerts: caps.max_alerts.max(1), max_evidence: caps.max_evidence.max(1) };
        AlertFolder { rule, now, caps, total: 0, kept: BinaryHeap::new(), first: None, last: None }
    }

    /// The same run with its alerts dated `now` instead: `now` is read
    /// only when [`finish`](Self::finish) builds them.
    pub fn at(mut self, now: i64) -> AlertFolder<'r> {
        self.now = now;
        self
    }

    /// How many of the earliest rows a run can keep: the alerts of one row
    /// each, and the evidence of the alert that folds the rest.
    fn keep(&self) -> usize {
        match self.rule.grouping {
            Grouping::SingleAlert => self.caps.max_evidence,
            Grouping::AlertPerResult => self.caps.max_alerts.saturating_sub(1).saturating_add(self.caps.max_evidence),
        }
    }

    /// Whether a row of event time `time` may be kept, so must be given
    /// whole to [`push`](Self::push); otherwise only its time matters
    /// ([`count`](Self::count)).
    pub fn wants(&self, time: Option<i64>) -> bool {
        match self.kept.peek() {
            Some(latest) if self.kept.len() >= self.keep() => when(time) <= latest.time,
            _ => true,
        }
    }

    /// Adds one row.
    pub fn push(&mut self, row: Row) {
        let ranked = Ranked::new(self.rule, row);
        self.count(ranked.event_time);
        if self.kept.len() < self.keep() {
            self.kept.push(ranked);
        } else if let Some(mut latest) = self.kept.peek_mut()
            && ranked < *latest
        {
            *latest = ranked;
        }
    }

    /// Adds one row that is not kept, by its event time alone.
    pub fn count(&mut self, time: Option<i64>) {
        self.total += 1;
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
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
        let rows: Vec<Row> = self.kept.into_sorted_vec().into_iter().map(|r| r.row).collect();
        let single_alerts = match self.rule.grouping {
            // A single alert fires on zero rows too (`lt`, `eq 0`).
            Grouping::SingleAlert => 0,
            Grouping::AlertPerResult if self.total <= self.caps.max_alerts as u64 => rows.len(),
            Grouping::AlertPerResult => self.caps.max_alerts - 1,
        };
        let mut rows = rows.into_iter();
        let mut out: Vec<Alert> =
            rows.by_ref().take(single_alerts).map(|r| build(self.rule, vec![r], self.now, 1)).collect();
        let folded = self.total.saturating_sub(out.len() as u64);
        if folded > 0 || self.rule.grouping == Grouping::SingleAlert {
            let evidence: Vec<Row> = rows.collect();
            let folds = (evidence.len() as u64) < folded;
            let mut a = build(self.rule, evidence, self.now, folded);
            if folds {
                // The folded rows are all but the earliest: they span from
                // the earliest of them (rows without a time rank last) to
                // the latest of all.
                let (first, last) = match (self.rule.grouping, a.start_time) {
                    (Grouping::SingleAlert, _) => (self.first, self.last),
                    (Grouping::AlertPerResult, Some(t)) => (Some(t), self.last),
                    (Grouping::AlertPerResult, None) => (None, None),
                };
                a.fold(first, last);
            }
            out.push(a);
        }
        out
    }
}
