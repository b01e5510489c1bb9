//! `evaluate rolling_percentile(ValueColumn, Percentile, IndexColumn,
//! BinSize, BinsPerWindow [, dim1, ...])` (rolling-percentile-plugin.md): a
//! row per bin of the index (`bin(IndexColumn, BinSize)`) that has rows,
//! per combination of the dimensions, holding the nearest-rank percentile
//! of the values in the window of `BinsPerWindow` bins ending at that bin
//! (inclusive). Columns: the index, the dimensions, then
//! `rolling_<BinsPerWindow>_percentile_<ValueColumn>_<Percentile>`, of the
//! value's type. Null values are left out; rows with a null index too.

use std::collections::{BTreeMap, HashMap};

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind};

use super::rows::{Bin, as_f64, as_i64, is_timeline, timeline_value};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::functions::aggregate::rank_index;
use crate::types::KqlType;

/// At most this many values are looked at over all windows.
const MAX_WORK: usize = 50_000_000;

/// A value of the percentile's column.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Num {
    Whole(i64),
    Real(f64),
}

impl Binder<'_> {
    pub(super) fn rolling_percentile(&mut self, input: Tab, args: &[Arg], call_span: Span, span: Span) -> BResult<Tab> {
        let args = self.positional(args, "rolling_percentile")?;
        let (Some(value), Some(pct), Some(index), Some(bin), Some(bins)) =
            (args.first(), args.get(1), args.get(2), args.get(3), args.get(4))
        else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call_span,
                "`rolling_percentile` takes a value column, a percentile, an index column, a bin size, the bins per window and optionally dimensions",
            ));
        };
        let ExprKind::Name(value_name) = &value.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, value.span, "the value is a column name"));
        };
        let ExprKind::Name(index_name) = &index.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, index.span, "the index is a column name"));
        };
        let p = self.plugin_real(pct, "the percentile")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(self.error(error::BAD_ARGUMENTS, pct.span, "the percentile is from 0 to 100"));
        }
        let window = self.plugin_long(bins, "the bins per window")?;
        let window = match usize::try_from(window) {
            Ok(w) if w >= 1 => w,
            _ => return Err(self.error(error::BAD_ARGUMENTS, bins.span, "the bins per window is 1 or more")),
        };
        let dims: Vec<_> = args.get(5..).unwrap_or_default().to_vec();
        for d in &dims {
            if !matches!(d.kind, ExprKind::Name(_)) {
                return Err(self.error(error::BAD_ARGUMENTS, d.span, "a dimension is a column name"));
            }
        }
        let mut exprs = vec![*value, *index];
        exprs.extend(dims.iter().copied());
        let rows = self.plugin_rows(input, &exprs, span)?;
        let (Some(&vty), Some(&ity)) = (rows.types.first(), rows.types.get(1)) else {
            return Err(self.error(error::INTERNAL, call_span, "the plugin's columns are missing"));
        };
        if !vty.is_numeric() && !matches!(vty, KqlType::Datetime | KqlType::Timespan) {
            return Err(self.error(error::TYPE_MISMATCH, value.span, format!("the value is a number, found a {vty}")));
        }
        if !is_timeline(ity) {
            return Err(self.error(
                error::TYPE_MISMATCH,
                index.span,
                format!("the index is a datetime, a timespan or a whole number, found a {ity}"),
            ));
        }
        let Bin::Step(step) = self.plugin_bin(bin, ity)? else {
            return Err(self.error(error::BAD_ARGUMENTS, bin.span, "the bin size is a step"));
        };
        let whole = matches!(vty, KqlType::Int | KqlType::Long | KqlType::Datetime | KqlType::Timespan);
        // Per dimensions, per bin, the values.
        let mut groups: HashMap<Vec<ScalarValue>, BTreeMap<i64, Vec<Num>>> = HashMap::new();
        let mut order: Vec<Vec<ScalarValue>> = Vec::new();
        for r in rows.rows {
            let Some(t) = r.get(1).and_then(as_i64) else { continue };
            let Some(b) = Bin::Step(step).of(t, 0) else { continue };
            let v = r.first().and_then(|v| if whole { as_i64(v).map(Num::Whole) } else { as_f64(v).map(Num::Real) });
            let key: Vec<ScalarValue> = r.get(2..).unwrap_or_default().to_vec();
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            let bins = groups.entry(key).or_default().entry(b).or_default();
            if let Some(v) = v {
                bins.push(v);
            }
        }
        let mut work = 0usize;
        let mut out = Vec::new();
        for key in &order {
            let Some(bins) = groups.get(key) else { continue };
            for &b in bins.keys() {
                self.check_deadline(call_span)?;
                let lowest = (step as i128) * (window as i128 - 1);
                let from = i64::try_from(i128::from(b) - lowest).unwrap_or(i64::MIN);
                let mut vals: Vec<Num> = bins.range(from..=b).flat_map(|(_, v)| v.iter().copied()).collect();
                work = work.saturating_add(vals.len());
                if work > MAX_WORK {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        call_span,
                        format!("`rolling_percentile` would look at more than {MAX_WORK} values over its windows"),
                    ));
                }
                let pv = if vals.is_empty() {
                    crate::bind::literal::scalar_of(vty, None)
                } else {
                    vals.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                    match vals.get(rank_index(p, vals.len())) {
                        Some(Num::Whole(n)) => timeline_value(if vty == KqlType::Int { KqlType::Int } else { vty }, *n),
                        Some(Num::Real(x)) => ScalarValue::Float64(Some(*x)),
                        None => crate::bind::literal::scalar_of(vty, None),
                    }
                };
                let mut row = vec![timeline_value(ity, b)];
                row.extend(key.iter().cloned());
                row.push(pv);
                out.push(row);
            }
        }
        let out_ty = if whole { vty } else { KqlType::Real };
        let mut cols = vec![(index_name.name.clone(), ity)];
        for (d, t) in dims.iter().zip(rows.types.iter().skip(2)) {
            if let ExprKind::Name(n) = &d.kind {
                cols.push((n.name.clone(), *t));
            }
        }
        let suffix = super::super::summarize::percentile_suffix(pct);
        cols.push((format!("rolling_{window}_percentile_{}_{suffix}", value_name.name), out_ty));
        self.values_table(&cols, out, span)
    }
}
