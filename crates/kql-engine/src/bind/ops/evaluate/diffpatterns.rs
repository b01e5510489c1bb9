//! `evaluate diffpatterns(SplitColumn, SplitValueA, SplitValueB
//! [, WeightColumn, Threshold, MaxDimensions, CustomWildcard, ...])`
//! (diffpatterns-plugin.md): patterns of the other columns (a value for
//! some, a wildcard for the others) whose share of set A (rows whose split
//! column, as text, is `SplitValueA`) and of set B differ by at least
//! `Threshold` (0.015 to 1, default 0.05). The page gives what a pattern
//! must show, not how the few are chosen; this choice is exact and
//! deterministic: the patterns of at most `MaxDimensions` columns (by
//! default all) taking at least `Threshold` of A or of B, found as
//! `basket` finds its patterns, given only when no pattern with one more
//! column set matches the same rows; by difference, larger first, each
//! left out when one given before sets a subset or a superset of its
//! values. Columns: `SegmentId`, `CountA`, `CountB`, `PercentA`,
//! `PercentB`, `PercentDiffAB`, then the input's columns but the split
//! and weight columns, with the wildcard of their type.

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind};

use super::basket::{closed, frequent};
use super::itemsets::{Items, Pattern, is_default, within};
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

fn text(v: &ScalarValue) -> Option<String> {
    match v {
        _ if v.is_null() => None,
        ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)) => {
            Some(s.clone())
        }
        other => Some(other.to_string()),
    }
}

impl Binder<'_> {
    pub(super) fn diffpatterns(&mut self, input: Tab, args: &[Arg], call: Span, span: Span) -> BResult<Tab> {
        let args = self.positional(args, "diffpatterns")?;
        let (Some(split), Some(a), Some(b)) = (args.first(), args.get(1), args.get(2)) else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                "`diffpatterns` takes a split column and the two values that split it",
            ));
        };
        let ExprKind::Name(split_name) = &split.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, split.span, "the split column is a column name"));
        };
        let (va, _) = self.plugin_const(a, "the first split value")?;
        let (vb, _) = self.plugin_const(b, "the second split value")?;
        let (Some(va), Some(vb)) = (text(&va), text(&vb)) else {
            return Err(self.error(error::BAD_ARGUMENTS, call, "the split values are not null"));
        };
        let threshold = match args.get(4) {
            Some(e) if !is_default(e) => self.plugin_real(e, "the threshold")?,
            _ => 0.05,
        };
        if !(0.015..=1.0).contains(&threshold) {
            let at = args.get(4).map(|e| e.span).unwrap_or(call);
            return Err(self.error(error::BAD_ARGUMENTS, at, "the threshold of `diffpatterns` is from 0.015 to 1"));
        }
        let max_dims = match args.get(5) {
            Some(e) if !is_default(e) => {
                let m = self.plugin_long(e, "the maximal number of dimensions")?;
                match usize::try_from(m) {
                    Ok(m) if m >= 1 => Some(m),
                    _ => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            e.span,
                            "the maximal number of dimensions is 1 or more",
                        ));
                    }
                }
            }
            _ => None,
        };
        let wildcards = self.wildcards(args.get(6..).unwrap_or_default())?;
        let all = self.items("diffpatterns", input, args.get(3).copied(), Some(&split_name.name), span)?;
        // The rows of A and B only, and which set each is in.
        let mut items = Items {
            cols: all.cols.clone(),
            values: all.values.clone(),
            rows: Vec::new(),
            weights: Vec::new(),
            total: 0,
            aside: Vec::new(),
        };
        let mut in_b = Vec::new();
        let (mut total_a, mut total_b) = (0i64, 0i64);
        for ((row, w), s) in all.rows.into_iter().zip(all.weights).zip(&all.aside) {
            let side = match text(s) {
                Some(t) if t == va => false,
                Some(t) if t == vb => true,
                _ => continue,
            };
            if side {
                total_b = total_b.saturating_add(w);
            } else {
                total_a = total_a.saturating_add(w);
            }
            items.rows.push(row);
            items.weights.push(w);
            items.total = items.total.saturating_add(w);
            in_b.push(side);
        }
        if total_a <= 0 || total_b <= 0 {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                call,
                format!(
                    "`diffpatterns`: the split column `{}` has no rows of `{va}` or none of `{vb}`",
                    split_name.name
                ),
            ));
        }
        let split_weights = |rows: &[u32]| -> (i64, i64) {
            rows.iter().fold((0i64, 0i64), |(x, y), r| {
                let w = items.weights.get(*r as usize).copied().unwrap_or(0);
                if in_b.get(*r as usize).copied().unwrap_or(false) {
                    (x, y.saturating_add(w))
                } else {
                    (x.saturating_add(w), y)
                }
            })
        };
        let share = |w: i64, total: i64| w as f64 / total as f64;
        let keep = |rows: &[u32]| {
            let (x, y) = split_weights(rows);
            share(x, total_a) >= threshold || share(y, total_b) >= threshold
        };
        let max_dims = max_dims.unwrap_or(items.cols.len()).max(1);
        let found = match frequent(&items, max_dims, &keep, "diffpatterns") {
            Ok(f) => f,
            Err(m) => return Err(self.error(error::BAD_ARGUMENTS, call, m)),
        };
        self.check_deadline(call)?;
        let mut work = 0usize;
        let mut scored: Vec<(Pattern, i64, i64, f64)> = Vec::new();
        for f in &found {
            let (x, y) = split_weights(&f.rows);
            let diff = (share(x, total_a) - share(y, total_b)).abs();
            if diff < threshold {
                continue;
            }
            let is_closed = match closed(&items, f, &mut work) {
                Ok(c) => c,
                Err(m) => return Err(self.error(error::BAD_ARGUMENTS, call, m)),
            };
            if f.items.len() < max_dims && !is_closed {
                continue;
            }
            let p = f.pattern(items.cols.len());
            scored.push((p, x, y, diff));
        }
        scored.sort_by(|p, q| q.3.total_cmp(&p.3).then_with(|| p.0.cmp(&q.0)));
        let mut chosen: Vec<(Pattern, Vec<ScalarValue>)> = Vec::new();
        for (p, x, y, _) in scored {
            if chosen.iter().any(|(q, _)| within(q, &p) || within(&p, q)) {
                continue;
            }
            let pa = 100.0 * share(x, total_a);
            let pb = 100.0 * share(y, total_b);
            let metrics = vec![
                ScalarValue::Int64(Some(x)),
                ScalarValue::Int64(Some(y)),
                ScalarValue::Float64(Some(pa)),
                ScalarValue::Float64(Some(pb)),
                ScalarValue::Float64(Some((pa - pb).abs())),
            ];
            chosen.push((p, metrics));
        }
        let head = [
            ("CountA", KqlType::Long),
            ("CountB", KqlType::Long),
            ("PercentA", KqlType::Real),
            ("PercentB", KqlType::Real),
            ("PercentDiffAB", KqlType::Real),
        ];
        self.patterns_table_with(&items, &head, chosen, &wildcards, span)
    }
}
