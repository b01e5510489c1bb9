//! The counting plugins over an id and a timeline, cut into bins from the
//! analysis start (a step, or `week`/`month`/`year`), per combination of
//! the dimensions given after the fixed arguments. A row per bin from
//! `Start` up to `End` that counts something, per combination:
//!
//! - `sliding_window_counts(IdColumn, TimelineColumn, Start, End,
//!   LookbackWindow, Bin [, dim...])` (sliding-window-counts-plugin.md):
//!   `Count` rows and `dcount` distinct ids in the bins of the lookback
//!   window ending at the bin (the window rounded down to whole bins).
//! - `activity_counts_metrics(IdColumn, TimelineColumn, Start, End, Step
//!   [, dim...])` (activity-counts-metrics-plugin.md): `count`, `dcount`,
//!   `new_dcount` (ids not seen in an earlier bin) and `aggregated_dcount`
//!   (distinct ids from the first bin to this one).
//! - `active_users_count(IdColumn, TimelineColumn, Start, End,
//!   LookbackWindow, Period, ActivePeriodsCount, Bin [, dim...])`
//!   (active-users-count-plugin.md): `dcount` of the ids active at an
//!   appearance in the bin: seen in at least `ActivePeriodsCount` distinct
//!   periods (`bin(t, Period)`) among their appearances after `t -
//!   LookbackWindow` up to `t`. The page's example counts user B's
//!   appearance on 07-08 inactive with an 8-day lookback and appearances
//!   on 06-30 and 07-04: the window's start is excluded.
//!
//! Rows with a null timeline are left out; a null id counts as a row but
//! not as an id.

use std::collections::{BTreeMap, HashMap, HashSet};

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, ExprKind};

use super::rows::{Bin, InputRows, as_i64, is_timeline, timeline_value};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// At most this many bins from `Start` to `End`.
const MAX_BINS: usize = 100_000;
/// At most this many rows looked at over all bins and windows.
const MAX_WORK: usize = 50_000_000;

#[derive(Clone, Copy, PartialEq)]
enum Plugin {
    Sliding,
    Metrics,
    ActiveUsers,
}

impl Plugin {
    fn name(self) -> &'static str {
        match self {
            Plugin::Sliding => "sliding_window_counts",
            Plugin::Metrics => "activity_counts_metrics",
            Plugin::ActiveUsers => "active_users_count",
        }
    }

    /// The number of arguments before the dimensions.
    fn fixed(self) -> usize {
        match self {
            Plugin::Sliding => 6,
            Plugin::Metrics => 5,
            Plugin::ActiveUsers => 8,
        }
    }
}

/// The rows of one combination of dimensions: (time, id) in time order.
type Group = Vec<(i64, Option<ScalarValue>)>;

struct Parsed<'a> {
    timeline: String,
    ty: KqlType,
    start: i64,
    end: i64,
    dims: Vec<&'a ast::Expr>,
}

impl Binder<'_> {
    pub(super) fn sliding_window_counts(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        self.activity(Plugin::Sliding, input, args, call, span)
    }

    pub(super) fn activity_counts_metrics(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        self.activity(Plugin::Metrics, input, args, call, span)
    }

    pub(super) fn active_users_count(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        self.activity(Plugin::ActiveUsers, input, args, call, span)
    }

    fn activity(&mut self, plugin: Plugin, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        let name = plugin.name();
        let args = self.positional(args, name)?;
        if args.len() < plugin.fixed() {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                format!("`{name}` takes {} arguments before the dimensions", plugin.fixed()),
            ));
        }
        let (Some(id), Some(time)) = (args.first(), args.get(1)) else {
            return Err(self.error(error::BAD_ARGUMENTS, call, "missing arguments"));
        };
        let ExprKind::Name(timeline) = &time.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, time.span, "the timeline is a column name"));
        };
        let dims: Vec<&ast::Expr> = args.get(plugin.fixed()..).unwrap_or_default().to_vec();
        for d in &dims {
            if !matches!(d.kind, ExprKind::Name(_)) {
                return Err(self.error(error::BAD_ARGUMENTS, d.span, "a dimension is a column name"));
            }
        }
        // The timeline's type, from binding it over the input.
        let ty = {
            let row = crate::bind::Row { schema: input.plan.schema(), source: input.source.as_deref() };
            self.scalar(time, row)?.ty
        };
        if !is_timeline(ty) {
            return Err(self.error(
                error::TYPE_MISMATCH,
                time.span,
                format!("the timeline is a datetime, a timespan or a whole number, found a {ty}"),
            ));
        }
        let fixed = |i: usize| args.get(i).copied();
        let (Some(s), Some(e)) = (fixed(2), fixed(3)) else {
            return Err(self.error(error::BAD_ARGUMENTS, call, "missing the start and end"));
        };
        let start = self.plugin_point(s, ty, "the start")?;
        let end = self.plugin_point(e, ty, "the end")?;
        let parsed = Parsed { timeline: timeline.name.clone(), ty, start, end, dims };
        let mut exprs = vec![*id, *time];
        exprs.extend(parsed.dims.iter().copied());
        match plugin {
            Plugin::Sliding => {
                let (Some(lb), Some(b)) = (fixed(4), fixed(5)) else { return Err(crate::bind::Fail) };
                let lookback = self.plugin_span(lb, ty, "the lookback window")?;
                let bin = self.plugin_bin(b, ty)?;
                let rows = self.plugin_rows(input, &exprs, span)?;
                self.sliding(&parsed, rows, lookback, bin, call, span)
            }
            Plugin::Metrics => {
                let Some(b) = fixed(4) else { return Err(crate::bind::Fail) };
                let bin = self.plugin_bin(b, ty)?;
                let rows = self.plugin_rows(input, &exprs, span)?;
                self.metrics(&parsed, rows, bin, call, span)
            }
            Plugin::ActiveUsers => {
                let (Some(lb), Some(p), Some(n), Some(b)) = (fixed(4), fixed(5), fixed(6), fixed(7)) else {
                    return Err(crate::bind::Fail);
                };
                let lookback = self.plugin_span(lb, ty, "the lookback window")?;
                let period = self.plugin_span(p, ty, "the period")?;
                let active = self.plugin_real(n, "the active periods count")?;
                let bin = self.plugin_bin(b, ty)?;
                let rows = self.plugin_rows(input, &exprs, span)?;
                self.active_users(&parsed, rows, (lookback, period, active), bin, call, span)
            }
        }
    }

    /// The rows by combination of dimensions (in the order they first
    /// appear), each sorted by time.
    fn activity_groups(rows: InputRows) -> (Vec<Vec<ScalarValue>>, HashMap<Vec<ScalarValue>, Group>) {
        let mut order = Vec::new();
        let mut groups: HashMap<Vec<ScalarValue>, Group> = HashMap::new();
        for r in rows.rows {
            let Some(t) = r.get(1).and_then(as_i64) else { continue };
            let id = r.first().filter(|v| !v.is_null()).cloned();
            let key: Vec<ScalarValue> = r.get(2..).unwrap_or_default().to_vec();
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push((t, id));
        }
        for g in groups.values_mut() {
            g.sort_by_key(|(t, _)| *t);
        }
        (order, groups)
    }

    /// The starts of the bins from `start` up to `end`.
    fn activity_bins(&mut self, p: &Parsed, bin: Bin, call: Span) -> BResult<Vec<i64>> {
        let mut bins = Vec::new();
        let mut b = bin.of(p.start, p.start);
        while let Some(x) = b.filter(|x| *x <= p.end) {
            if bins.len() >= MAX_BINS {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    call,
                    format!("more than {MAX_BINS} bins from the start to the end"),
                ));
            }
            // A calendar bin starts at or before the start; count from there.
            bins.push(x);
            b = bin.next(x);
        }
        Ok(bins)
    }

    fn activity_columns(&self, p: &Parsed, types: &[KqlType], counts: &[&str]) -> Vec<(String, KqlType)> {
        let mut cols = vec![(p.timeline.clone(), p.ty)];
        for (d, t) in p.dims.iter().zip(types.iter().skip(2)) {
            if let ExprKind::Name(n) = &d.kind {
                cols.push((n.name.clone(), *t));
            }
        }
        cols.extend(counts.iter().map(|c| (c.to_string(), KqlType::Long)));
        cols
    }

    fn sliding(
        &mut self,
        p: &Parsed,
        rows: InputRows,
        lookback: i64,
        bin: Bin,
        call: Span,
        span: Span,
    ) -> BResult<Tab> {
        let cols = self.activity_columns(p, &rows.types, &["Count", "dcount"]);
        let bins = self.activity_bins(p, bin, call)?;
        // The window's length, rounded down to whole steps.
        let window = match bin {
            Bin::Step(s) => lookback.checked_div(s).and_then(|k| k.checked_mul(s)).unwrap_or(0),
            Bin::Calendar(_) => lookback,
        };
        if window <= 0 {
            return Err(self.error(error::BAD_ARGUMENTS, call, "the lookback window is shorter than a bin"));
        }
        let (order, groups) = Self::activity_groups(rows);
        let mut work = 0usize;
        let mut out = Vec::new();
        for key in &order {
            let Some(g) = groups.get(key) else { continue };
            // The rows by bin.
            let mut by_bin: BTreeMap<i64, Vec<&Option<ScalarValue>>> = BTreeMap::new();
            for (t, id) in g {
                if let Some(b) = bin.of(*t, p.start) {
                    by_bin.entry(b).or_default().push(id);
                }
            }
            for &b in &bins {
                self.check_deadline(call)?;
                let from = b.saturating_sub(window);
                let mut count = 0i64;
                let mut ids = HashSet::new();
                for (_, rs) in by_bin.range((std::ops::Bound::Excluded(from), std::ops::Bound::Included(b))) {
                    work = work.saturating_add(rs.len());
                    count = count.saturating_add(i64::try_from(rs.len()).unwrap_or(i64::MAX));
                    ids.extend(rs.iter().filter_map(|i| i.as_ref()));
                }
                if work > MAX_WORK {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        call,
                        format!("`sliding_window_counts` would look at more than {MAX_WORK} rows over its windows"),
                    ));
                }
                if count > 0 {
                    out.push(self.activity_row(p, b, key, &[count, len(&ids)]));
                }
            }
        }
        self.values_table(&cols, out, span)
    }

    fn metrics(&mut self, p: &Parsed, rows: InputRows, bin: Bin, call: Span, span: Span) -> BResult<Tab> {
        let cols = self.activity_columns(p, &rows.types, &["count", "dcount", "new_dcount", "aggregated_dcount"]);
        let bins = self.activity_bins(p, bin, call)?;
        let (order, groups) = Self::activity_groups(rows);
        let mut out = Vec::new();
        for key in &order {
            let Some(g) = groups.get(key) else { continue };
            let mut by_bin: BTreeMap<i64, Vec<&Option<ScalarValue>>> = BTreeMap::new();
            for (t, id) in g {
                if *t < p.start || *t > p.end {
                    continue;
                }
                if let Some(b) = bin.of(*t, p.start) {
                    by_bin.entry(b).or_default().push(id);
                }
            }
            let mut seen: HashSet<&ScalarValue> = HashSet::new();
            for &b in &bins {
                self.check_deadline(call)?;
                let Some(rs) = by_bin.get(&b) else { continue };
                let ids: HashSet<&ScalarValue> = rs.iter().filter_map(|i| i.as_ref()).collect();
                let new = ids.iter().filter(|i| !seen.contains(*i)).count();
                seen.extend(ids.iter().copied());
                let count = i64::try_from(rs.len()).unwrap_or(i64::MAX);
                let new = i64::try_from(new).unwrap_or(i64::MAX);
                out.push(self.activity_row(p, b, key, &[count, len(&ids), new, len(&seen)]));
            }
        }
        self.values_table(&cols, out, span)
    }

    fn active_users(
        &mut self,
        p: &Parsed,
        rows: InputRows,
        (lookback, period, active): (i64, i64, f64),
        bin: Bin,
        call: Span,
        span: Span,
    ) -> BResult<Tab> {
        let cols = self.activity_columns(p, &rows.types, &["dcount"]);
        let (order, groups) = Self::activity_groups(rows);
        let mut work = 0usize;
        let mut out = Vec::new();
        for key in &order {
            let Some(g) = groups.get(key) else { continue };
            // Each id's appearances, in time order.
            let mut by_id: HashMap<&ScalarValue, Vec<i64>> = HashMap::new();
            for (t, id) in g {
                if let Some(id) = id {
                    by_id.entry(id).or_default().push(*t);
                }
            }
            let mut active_in: BTreeMap<i64, HashSet<&ScalarValue>> = BTreeMap::new();
            for (id, times) in &by_id {
                self.check_deadline(call)?;
                for (i, &t) in times.iter().enumerate() {
                    if t < p.start || t > p.end {
                        continue;
                    }
                    let from = t.saturating_sub(lookback);
                    let mut periods = HashSet::new();
                    for &u in times.get(..=i).unwrap_or_default().iter().rev().take_while(|&&u| u > from) {
                        periods.insert(u.div_euclid(period));
                    }
                    work = work.saturating_add(periods.len().max(1));
                    if work > MAX_WORK {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            call,
                            format!("`active_users_count` would look at more than {MAX_WORK} appearances"),
                        ));
                    }
                    if periods.len() as f64 >= active
                        && let Some(b) = bin.of(t, p.start)
                    {
                        active_in.entry(b).or_default().insert(*id);
                    }
                }
            }
            for (b, ids) in active_in {
                out.push(self.activity_row(p, b, key, &[len(&ids)]));
            }
        }
        self.values_table(&cols, out, span)
    }

    fn activity_row(&self, p: &Parsed, b: i64, key: &[ScalarValue], counts: &[i64]) -> Vec<ScalarValue> {
        let mut row = vec![timeline_value(p.ty, b)];
        row.extend(key.iter().cloned());
        row.extend(counts.iter().map(|c| ScalarValue::Int64(Some(*c))));
        row
    }
}

fn len<T>(s: &HashSet<T>) -> i64 {
    i64::try_from(s.len()).unwrap_or(i64::MAX)
}
