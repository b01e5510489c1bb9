//! Sigma rules run in one scan per table: all the Sigma rules of a pack
//! over one table evaluated in one pass over its rows, giving each rule
//! exactly the rows its own KQL query (`sigma::compile`) returns, and the
//! same alerts.
//!
//! The `sigma` crate gives each rule's condition as a tree of tests
//! (`sigma::expr`); [`plan`] shares equal tests across rules and gathers
//! their literal needles, [`eval`] runs the plan over the batches of one
//! engine query (`Table | extend` the values and the tests the engine
//! computes), and here the matching rows go into each rule's alerts.

mod chunk;
pub mod eval;
pub mod plan;

use datafusion::arrow::array::Array;
use datafusion::arrow::record_batch::RecordBatch;
use kql_engine::render::cell_json;
use kql_engine::{Engine, EngineError, QueryOptions};
use sigma::model::{SigmaFilter, SigmaRule};

use crate::fold::{AlertCaps, AlertFolder};
use crate::pack::RulePack;
use crate::rows::{BatchTimes, Row, text};
use crate::rule::Rule;
use crate::run::RuleRun;
use crate::sigma_rules::{Tables, names, rule_id};

use self::eval::{Scanner, is_table_text};
use self::plan::ScanPlan;

/// The Sigma rules of a pack over one table.
#[derive(Debug)]
pub struct TableScan {
    /// The plan; its rule `i` is `rules[i]`.
    pub plan: ScanPlan,
    /// Indexes into the pack's [`RulePack::rules`].
    pub rules: Vec<usize>,
}

/// The pack's Sigma rules grouped by table, in the order the tables are
/// first used. A Sigma rule whose compiled query is not the one in the
/// pack's rule of its id (replaced by a rule of another kind) is left out,
/// to run as KQL.
pub fn plan_pack(pack: &RulePack) -> Vec<TableScan> {
    let mut scans: Vec<TableScan> = Vec::new();
    for sr in &pack.sigma.rules {
        let Some((index, compiled)) = compiled(pack, sr) else { continue };
        let scan = match scans.iter().position(|s| s.plan.table == compiled.table) {
            Some(i) => &mut scans[i],
            None => {
                scans.push(TableScan { plan: ScanPlan::new(&compiled.table), rules: Vec::new() });
                let last = scans.len() - 1;
                &mut scans[last]
            }
        };
        scan.plan.add_rule(&compiled.condition, &compiled.extends);
        scan.rules.push(index);
    }
    scans
}

/// The scan of the pack's rule `index` alone, when it is a Sigma rule that
/// runs in a scan; its [`TableScan::rules`] is `[0]`, for running it with
/// `std::slice::from_ref(rule)`.
pub fn plan_one(pack: &RulePack, index: usize) -> Option<TableScan> {
    let rule = pack.rules.get(index)?;
    let sr = pack.sigma.rules.iter().find(|sr| rule_id(sr) == rule.id)?;
    let (i, compiled) = compiled(pack, sr)?;
    if i != index {
        return None;
    }
    let mut plan = ScanPlan::new(&compiled.table);
    plan.add_rule(&compiled.condition, &compiled.extends);
    Some(TableScan { plan, rules: vec![0] })
}

/// A Sigma rule compiled as the pack compiled it, with the index of its
/// rule in the pack; `None` when the pack's rule of its id has another
/// query.
fn compiled(pack: &RulePack, sr: &SigmaRule) -> Option<(usize, sigma::Compiled)> {
    let id = rule_id(sr);
    let index = pack.rules.iter().position(|r| r.id == id)?;
    let filters: Vec<&SigmaFilter> = pack.sigma.filters.iter().filter(|f| names(f, sr)).collect();
    let compiled = sigma::compile(sr, &filters, pack.sigma_mapping(), &Tables).ok()?;
    (compiled.kql == pack.rules[index].query).then_some((index, compiled))
}

/// A row a rule matched, as a correlation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// Its event time (ns since the epoch).
    pub time: Option<i64>,
    /// The captured values as text (null as ""), in the order of
    /// [`plan::RulePlan::captures`].
    pub values: Vec<String>,
}

/// What one scan gave, per rule in the order of [`TableScan::rules`].
#[derive(Debug)]
pub struct ScanResult {
    /// The rules' runs.
    pub runs: Vec<RuleRun>,
    /// The rows each rule matched, for the rules that capture values.
    pub captured: Vec<Vec<Captured>>,
}

/// Runs one table's scan: the runs of its rules, in the order of
/// [`TableScan::rules`]. `rules` is the pack's rule list.
pub async fn run_scan(
    engine: &Engine,
    scan: &TableScan,
    rules: &[Rule],
    now: i64,
    caps: AlertCaps,
) -> Result<Vec<RuleRun>, EngineError> {
    Ok(run_scan_capturing(engine, scan, rules, now, caps).await?.runs)
}

/// [`run_scan`], also keeping the captured values of every row a rule
/// that captures matches.
pub async fn run_scan_capturing(
    engine: &Engine,
    scan: &TableScan,
    rules: &[Rule],
    now: i64,
    caps: AlertCaps,
) -> Result<ScanResult, EngineError> {
    let mut run = ScanRun::new(scan, rules, caps)?;
    run.feed(engine, now).await?;
    Ok(run.finish(now))
}

/// One table's scan fed a part of the table at a time: the rules' alerts
/// and captured rows grow with every part, bounded by the caps (and the
/// rows captured), and [`ScanRun::finish`] gives what one scan of all the
/// parts would. Alerts do not depend on the order rows come in (see
/// [`crate::fold`]); captured rows come in the order they are fed.
pub struct ScanRun<'a> {
    scan: &'a TableScan,
    scanner: Scanner<'a>,
    folders: Vec<AlertFolder<'a>>,
    captured: Vec<Vec<Captured>>,
}

impl<'a> ScanRun<'a> {
    /// An empty run of `scan`; `rules` is the pack's rule list.
    pub fn new(scan: &'a TableScan, rules: &'a [Rule], caps: AlertCaps) -> Result<ScanRun<'a>, EngineError> {
        let mut folders = Vec::with_capacity(scan.rules.len());
        for &i in &scan.rules {
            let rule = rules.get(i).ok_or_else(|| EngineError::Execution(format!("Sigma scan: no rule {i}")))?;
            // `now` only dates the alerts, which `finish` builds.
            folders.push(AlertFolder::new(rule, 0, caps));
        }
        let captured = vec![Vec::new(); scan.rules.len()];
        Ok(ScanRun { scan, scanner: Scanner::new(&scan.plan)?, folders, captured })
    }

    /// The scan.
    pub fn scan(&self) -> &'a TableScan {
        self.scan
    }

    /// Runs the scan's query over `engine`'s table at `now` and feeds
    /// every batch of its result.
    pub async fn feed(&mut self, engine: &Engine, now: i64) -> Result<(), EngineError> {
        let mut stream = engine.run_stream(&self.scan.plan.query(), QueryOptions { now }).await?;
        while let Some(batch) = stream.next().await {
            self.feed_result(&batch?)?;
        }
        Ok(())
    }

    /// Feeds one batch of the scan query's result (the table's columns,
    /// then the scan's added ones).
    pub fn feed_result(&mut self, batch: &RecordBatch) -> Result<(), EngineError> {
        let Some(base_len) = batch.num_columns().checked_sub(self.scan.plan.added_columns()) else {
            return Err(EngineError::Execution("the Sigma scan's result lacks its added columns".into()));
        };
        self.feed_rows(batch, base_len, batch)
    }

    /// Feeds the rows of `base`, whose first `base_len` columns are the
    /// table's, with `added` the scan's computed columns for the same rows
    /// (the operands read directly from `base` left out).
    fn feed_rows(&mut self, base: &RecordBatch, base_len: usize, added: &RecordBatch) -> Result<(), EngineError> {
        let plan = &self.scan.plan;
        // Column indexes are looked up once per batch, not per row.
        let schema = added.schema();
        let times = BatchTimes::of(base);
        let find = |c: &String| schema.index_of(c).ok();
        let captures: Vec<Vec<Option<usize>>> =
            plan.rules.iter().map(|p| p.captures.iter().map(find).collect()).collect();
        let extends: Vec<Vec<(&String, Option<usize>)>> =
            plan.rules.iter().map(|p| p.extends.iter().map(|(name, c)| (name, find(c))).collect()).collect();
        let folders = &mut self.folders;
        let captured = &mut self.captured;
        let mut wanting = Vec::new();
        self.scanner.scan(base, added, |matched, i| {
            let time = times.event_time(base, i);
            wanting.clear();
            for &r in matched {
                let Some(folder) = folders.get_mut(r) else { continue };
                if let Some(columns) = captures.get(r)
                    && !columns.is_empty()
                {
                    let values = columns
                        .iter()
                        .map(|j| j.map(|j| text(&cell_json(added.column(j), i))).unwrap_or_default())
                        .collect();
                    captured[r].push(Captured { time, values });
                }
                if folder.wants(time) {
                    wanting.push(r);
                } else {
                    folder.count(time);
                }
            }
            // The row as JSON is built once: copied for every rule that
            // keeps it but the last, which takes it.
            let mut json: Option<Row> = None;
            for (k, &r) in wanting.iter().enumerate() {
                let mut row = if k + 1 == wanting.len() {
                    json.take().unwrap_or_else(|| table_row(base, base_len, i))
                } else {
                    json.get_or_insert_with(|| table_row(base, base_len, i)).clone()
                };
                for (name, j) in extends.get(r).into_iter().flatten() {
                    if let Some(j) = j {
                        row.insert((*name).clone(), cell_json(added.column(*j), i));
                    }
                }
                if let Some(folder) = folders.get_mut(r) {
                    folder.push(row);
                }
            }
        })
    }

    /// The rules' runs, their alerts dated `now`, and what they captured.
    pub fn finish(self, now: i64) -> ScanResult {
        let runs = self
            .folders
            .into_iter()
            .map(|f| RuleRun { rows: usize::try_from(f.rows()).unwrap_or(usize::MAX), alerts: f.at(now).finish() })
            .collect();
        ScanResult { runs, captured: self.captured }
    }
}

/// Row `i` of the table's own columns (the first `base`), a null text
/// value as "" as the engine reads it.
fn table_row(batch: &RecordBatch, base: usize, i: usize) -> Row {
    let schema = batch.schema();
    schema
        .fields()
        .iter()
        .zip(batch.columns())
        .take(base)
        .map(|(f, c)| {
            let v = if c.is_null(i) && is_table_text(f.data_type()) {
                serde_json::Value::String(String::new())
            } else {
                cell_json(c, i)
            };
            (f.name().clone(), v)
        })
        .collect()
}
