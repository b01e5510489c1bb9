//! Sigma correlation rules run over the rows their rules matched
//! (correlation rules specification v2.1).
//!
//! A correlation's events are the rows its rules matched in their table's
//! scan (with the values of its `group-by` fields, through `aliases`, and
//! of its `condition.field`), or the matches of the correlations it names
//! (chaining). Events are grouped by their `group-by` values; in each group,
//! in time order, the window is every event at most `timespan` before the
//! newest one (a sliding window, not fixed buckets). At each event the
//! window's measure is compared with the condition; when every bound holds
//! the correlation matches (from the window's first event to that one),
//! and the next window starts after it, so one burst is one match:
//!
//! - `event_count`: the events in the window;
//! - `value_count`: the distinct non-empty values of `field`;
//! - `temporal`: the distinct rules among the events (no condition: all);
//! - `temporal_ordered`: how many of the rules appear in the window in
//!   their order in `rules` (no condition: all);
//! - `value_sum`, `value_avg`: of the numeric values of `field`;
//! - `value_percentile`: the share, in percent, of the window's events
//!   whose `field` has the newest event's value (`lte: 1`: a value seen in
//!   at most 1% of the group's recent events).
//!
//! An event without a time is in no window. A field a row lacks counts as
//! the empty value.

use std::collections::{BTreeMap, HashMap, HashSet};

use kql_engine::render::datetime_text;
use serde_json::{Value, json};
use sigma::model::{Correlation, CorrelationType, CountOp, SigmaRule};

use crate::fold::{AlertCaps, AlertFolder};
use crate::pack::RulePack;
use crate::rows::Row;
use crate::rule::Rule;
use crate::run::RuleRun;
use crate::sigma_rules::{Tables, correlation_rule, rule_id};
use crate::sigma_scan::{Captured, TableScan};

pub mod stream;

/// How deep correlations may chain.
const MAX_CHAIN: usize = 16;

/// One event of a correlation.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its time (ns since the epoch).
    pub time: i64,
    /// Which of the correlation's `rules` it comes from.
    pub source: usize,
    /// Its values of the correlation's `group-by` fields.
    pub group: Vec<String>,
    /// Its value of `condition.field` ("" when there is none).
    pub value: String,
}

/// One match of a correlation.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The window's first event time.
    pub start: i64,
    /// The time of the event that completed it.
    pub end: i64,
    /// The group's `group-by` values.
    pub group: Vec<String>,
    /// How many events the window held.
    pub events: usize,
    /// The measure the condition held for.
    pub measure: f64,
}

/// Whether `measure` meets every bound of the condition; with none
/// (`temporal`), whether all `rules` were seen.
fn holds(c: &Correlation, measure: f64) -> bool {
    if c.condition.is_empty() {
        return measure >= c.rules.len() as f64;
    }
    c.condition.iter().all(|(op, v)| match op {
        CountOp::Gt => measure > *v,
        CountOp::Gte => measure >= *v,
        CountOp::Lt => measure < *v,
        CountOp::Lte => measure <= *v,
        CountOp::Eq => measure == *v,
        CountOp::Neq => measure != *v,
    })
}

/// The window's measure for the correlation's type.
fn measure(c: &Correlation, window: &[&Event]) -> Option<f64> {
    let numbers = || window.iter().filter_map(|e| e.value.trim().parse::<f64>().ok()).filter(|v| v.is_finite());
    Some(match c.kind {
        CorrelationType::EventCount => window.len() as f64,
        CorrelationType::ValueCount => {
            window.iter().filter(|e| !e.value.is_empty()).map(|e| e.value.as_str()).collect::<HashSet<_>>().len() as f64
        }
        CorrelationType::Temporal => window.iter().map(|e| e.source).collect::<HashSet<_>>().len() as f64,
        CorrelationType::TemporalOrdered => {
            let mut next = 0;
            for e in window {
                if e.source == next {
                    next += 1;
                }
            }
            next as f64
        }
        CorrelationType::ValueSum => numbers().sum(),
        CorrelationType::ValueAvg => {
            let (n, sum) = numbers().fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
            if n == 0 {
                return None;
            }
            sum / n as f64
        }
        CorrelationType::ValuePercentile => {
            let last = window.last()?;
            let same = window.iter().filter(|e| e.value == last.value).count();
            same as f64 * 100.0 / window.len() as f64
        }
    })
}

/// The correlation's timespan in ns (saturating).
fn span_ns(c: &Correlation) -> i64 {
    i64::try_from(c.timespan_secs).ok().and_then(|s| s.checked_mul(1_000_000_000)).unwrap_or(i64::MAX)
}

/// The matches of `c` over `events` (any order), by group then time.
pub fn evaluate(c: &Correlation, events: &[Event]) -> Vec<Match> {
    let span = span_ns(c);
    let mut groups: BTreeMap<&[String], Vec<&Event>> = BTreeMap::new();
    for e in events {
        groups.entry(e.group.as_slice()).or_default().push(e);
    }
    let mut out = Vec::new();
    for (group, mut evs) in groups {
        evs.sort_by_key(|e| (e.time, e.source));
        let mut start = 0;
        for j in 0..evs.len() {
            while start < j && evs[j].time.saturating_sub(evs[start].time) > span {
                start += 1;
            }
            let window = &evs[start..=j];
            if let Some(m) = measure(c, window)
                && holds(c, m)
            {
                out.push(Match {
                    start: window[0].time,
                    end: evs[j].time,
                    group: group.to_vec(),
                    events: window.len(),
                    measure: m,
                });
                start = j + 1;
            }
        }
    }
    out
}

/// What a correlation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    /// A Sigma rule: its index in the pack's rules and in `sigma.rules`.
    Rule(usize, usize),
    /// Another correlation, by index.
    Correlation(usize),
}

/// The pack's correlations, resolved against its rules.
#[derive(Debug)]
pub struct Correlations {
    /// Per correlation: what it names, or why it cannot run.
    refs: Vec<Result<Vec<Ref>, String>>,
    /// Per pack rule that correlations read: the Sigma fields captured.
    fields: BTreeMap<usize, Vec<String>>,
    /// The correlations as rules (title, level, tags) for their alerts.
    pub rules: Vec<Rule>,
}

/// How a correlation calls one of its rules (its name, else its id).
fn names_of(r: &SigmaRule) -> Vec<&str> {
    [r.meta.name.as_deref(), r.meta.id.as_deref()].into_iter().flatten().collect()
}

/// The field of `source` that `field` of correlation `c` means there
/// (through `aliases`).
fn aliased<'a>(c: &'a Correlation, field: &'a str, source: &[&str]) -> &'a str {
    c.aliases
        .iter()
        .find(|(alias, _)| alias == field)
        .and_then(|(_, per)| per.iter().find(|(rule, _)| source.contains(&rule.as_str())).map(|(_, f)| f.as_str()))
        .unwrap_or(field)
}

/// The fields `c` reads of the events of `source`: its group-by, then its
/// condition field.
fn wanted<'a>(c: &'a Correlation, source: &[&str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = c.group_by.iter().map(|g| aliased(c, g, source)).collect();
    if let Some(f) = &c.field {
        out.push(aliased(c, f, source));
    }
    out
}

impl Correlations {
    /// Resolves the pack's correlations (rules named by id or name).
    pub fn prepare(pack: &RulePack) -> Correlations {
        let cors = &pack.sigma.correlations;
        let mut refs = Vec::new();
        let mut fields: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for c in cors {
            let mut list = Vec::new();
            let mut error = None;
            for name in &c.rules {
                let rule = pack.sigma.rules.iter().position(|r| names_of(r).contains(&name.as_str()));
                let cor =
                    cors.iter().position(|x| x.meta.name.as_ref() == Some(name) || x.meta.id.as_ref() == Some(name));
                match (rule, cor) {
                    (Some(s), _) => match pack.rules.iter().position(|r| r.id == rule_id(&pack.sigma.rules[s])) {
                        Some(p) => {
                            let entry = fields.entry(p).or_default();
                            for f in wanted(c, &names_of(&pack.sigma.rules[s])) {
                                if !entry.iter().any(|x| x == f) {
                                    entry.push(f.to_string());
                                }
                            }
                            list.push(Ref::Rule(p, s));
                        }
                        None => error = Some(format!("rule `{name}` did not load")),
                    },
                    (None, Some(k)) => {
                        if c.field.is_some() {
                            error = Some(format!(
                                "`condition.field` over correlation `{name}`: a correlation's matches carry only their group-by values"
                            ));
                        }
                        list.push(Ref::Correlation(k));
                    }
                    (None, None) => error = Some(format!("no rule or correlation is called `{name}`")),
                }
            }
            refs.push(match error {
                Some(e) => Err(e),
                None => Ok(list),
            });
        }
        let rules = cors.iter().map(correlation_rule).collect();
        Correlations { refs, fields, rules }
    }

    /// Makes the scans keep the fields correlations read. A field without
    /// a column fails the correlations that read it.
    pub fn add_captures(&mut self, pack: &RulePack, scans: &mut [TableScan]) {
        let mut failed: HashMap<usize, String> = HashMap::new();
        for scan in scans.iter_mut() {
            for (k, &p) in scan.rules.iter().enumerate() {
                let Some(fields) = self.fields.get(&p) else { continue };
                let Some(sr) = pack.sigma.rules.iter().find(|r| rule_id(r) == pack.rules[p].id) else { continue };
                let mut exprs = Vec::new();
                for f in fields {
                    match sigma::kql::field_expr(sr, f, pack.sigma_mapping(), &Tables) {
                        Ok(e) => exprs.push(e),
                        Err(e) => {
                            failed.insert(p, e);
                            break;
                        }
                    }
                }
                if !failed.contains_key(&p) {
                    scan.plan.capture(k, &exprs);
                }
            }
        }
        let scanned: HashSet<usize> = scans.iter().flat_map(|s| s.rules.iter().copied()).collect();
        for r in self.refs.iter_mut() {
            let Ok(list) = r else { continue };
            for x in list.iter() {
                if let Ref::Rule(p, _) = x {
                    if let Some(e) = failed.get(p) {
                        *r = Err(e.clone());
                        break;
                    }
                    if !scanned.contains(p) {
                        *r = Err(format!("rule {} does not run in its table's Sigma scan", pack.rules[*p].id));
                        break;
                    }
                }
            }
        }
    }

    /// The pack rules whose own alerts are not emitted: those a
    /// correlation names without `generate: true` (and no other names with
    /// it). [`Correlations::hidden_correlations`] is the same for
    /// correlations named by others.
    pub fn hidden_rules(&self, pack: &RulePack) -> HashSet<usize> {
        self.hidden(pack, |x| match x {
            Ref::Rule(p, _) => Some(p),
            Ref::Correlation(_) => None,
        })
    }

    /// The correlations (by index) whose own alerts are not emitted.
    pub fn hidden_correlations(&self, pack: &RulePack) -> HashSet<usize> {
        self.hidden(pack, |x| match x {
            Ref::Correlation(k) => Some(k),
            Ref::Rule(..) => None,
        })
    }

    fn hidden(&self, pack: &RulePack, pick: impl Fn(Ref) -> Option<usize>) -> HashSet<usize> {
        let (mut named, mut shown) = (HashSet::new(), HashSet::new());
        for (c, r) in pack.sigma.correlations.iter().zip(&self.refs) {
            for x in r.iter().flatten().filter_map(|x| pick(*x)) {
                named.insert(x);
                if c.generate {
                    shown.insert(x);
                }
            }
        }
        named.difference(&shown).copied().collect()
    }

    /// The events of correlation `c` from the rows its rule `source` (pack
    /// rule `p`, Sigma rule `s`) matched; rows without a time are in no
    /// window.
    fn rule_events(
        &self,
        pack: &RulePack,
        c: &Correlation,
        source: usize,
        p: usize,
        s: usize,
        rows: &[Captured],
    ) -> Vec<Event> {
        let have = self.fields.get(&p).map(Vec::as_slice).unwrap_or(&[]);
        let want = wanted(c, &names_of(&pack.sigma.rules[s]));
        let at: Vec<Option<usize>> = want.iter().map(|w| have.iter().position(|h| h == w)).collect();
        let mut events = Vec::new();
        for row in rows {
            let Some(time) = row.time else { continue };
            let mut vals: Vec<String> =
                at.iter().map(|i| i.and_then(|i| row.values.get(i).cloned()).unwrap_or_default()).collect();
            let value = if c.field.is_some() { vals.pop().unwrap_or_default() } else { String::new() };
            events.push(Event { time, source, group: vals, value });
        }
        events
    }

    /// Runs every correlation over the rows its rules matched (`captured`:
    /// per pack rule, its captured rows in the order of its fields).
    pub fn run(
        &self,
        pack: &RulePack,
        captured: &HashMap<usize, Vec<Captured>>,
        now: i64,
        caps: AlertCaps,
    ) -> Vec<Result<RuleRun, String>> {
        let cors = &pack.sigma.correlations;
        let mut matches: Vec<Option<Result<Vec<Match>, String>>> = vec![None; cors.len()];
        // Chains resolve in at most MAX_CHAIN rounds; what is left then is
        // a cycle or too deep.
        for _ in 0..=MAX_CHAIN {
            let mut progress = false;
            for (k, c) in cors.iter().enumerate() {
                if matches[k].is_some() {
                    continue;
                }
                let list = match &self.refs[k] {
                    Ok(l) => l,
                    Err(e) => {
                        matches[k] = Some(Err(e.clone()));
                        progress = true;
                        continue;
                    }
                };
                let mut events = Vec::new();
                let mut ready = true;
                for (source, x) in list.iter().enumerate() {
                    match *x {
                        Ref::Rule(p, s) => {
                            let Some(rows) = captured.get(&p) else {
                                let id = &pack.rules[p].id;
                                matches[k] = Some(Err(format!("the scan of rule {id} failed")));
                                progress = true;
                                ready = false;
                                break;
                            };
                            events.extend(self.rule_events(pack, c, source, p, s, rows));
                        }
                        Ref::Correlation(i) => match &matches[i] {
                            None => ready = false,
                            Some(Err(e)) => {
                                matches[k] = Some(Err(format!("{}: {e}", cors[i].meta.title)));
                                progress = true;
                                ready = false;
                                break;
                            }
                            Some(Ok(inner)) => events.extend(chained_events(c, &cors[i], source, inner)),
                        },
                    }
                }
                if ready && matches[k].is_none() {
                    matches[k] = Some(Ok(evaluate(c, &events)));
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        cors.iter()
            .zip(matches)
            .zip(&self.rules)
            .map(|((c, m), rule)| match m {
                None => Err(format!("the correlations it names form a cycle or chain more than {MAX_CHAIN} deep")),
                Some(Err(e)) => Err(e),
                Some(Ok(ms)) => Ok(match_run(c, rule, &ms, now, caps)),
            })
            .collect()
    }
}

/// The events of correlation `c` from the matches of the correlation
/// `inner` it names as its rule `source`: each at the match's end, grouped
/// by the values of `c`'s group-by fields among `inner`'s.
fn chained_events(c: &Correlation, inner: &Correlation, source: usize, matches: &[Match]) -> Vec<Event> {
    let names: Vec<&str> = [inner.meta.name.as_deref(), inner.meta.id.as_deref()].into_iter().flatten().collect();
    let at: Vec<Option<usize>> =
        c.group_by.iter().map(|g| inner.group_by.iter().position(|h| h == aliased(c, g, &names))).collect();
    matches
        .iter()
        .map(|m| {
            let group = at.iter().map(|i| i.and_then(|i| m.group.get(i).cloned()).unwrap_or_default()).collect();
            Event { time: m.end, source, group, value: String::new() }
        })
        .collect()
}

/// The alerts of correlation `c` (as `rule`) for its matches `ms`.
pub fn match_run(c: &Correlation, rule: &Rule, ms: &[Match], now: i64, caps: AlertCaps) -> RuleRun {
    let mut folder = AlertFolder::new(rule, now, caps);
    for m in ms {
        folder.push(match_row(c, m));
    }
    RuleRun { rows: ms.len(), alerts: folder.finish() }
}

/// A match as an alert's row: its time span, group-by values, event count
/// and measure.
fn match_row(c: &Correlation, m: &Match) -> Row {
    let mut row = Row::new();
    row.insert("TimeGenerated".into(), Value::String(datetime_text(m.end)));
    row.insert("StartTime".into(), Value::String(datetime_text(m.start)));
    for (g, v) in c.group_by.iter().zip(&m.group) {
        row.insert(g.clone(), Value::String(v.clone()));
    }
    row.insert("EventCount".into(), json!(m.events));
    row.insert("Measure".into(), json!(m.measure));
    row
}
