//! `series_fit_2lines(series)` (series-fit-2lines-function.md) and
//! `series_fit_2lines_dynamic(series)` (series-fit-2lines-dynamic-function.md):
//! two-segment linear regression. Every split of the series into a left
//! and a right part of at least two points each is tried; each part gets
//! its own line as `series_fit_line` fits it (x from 1 within the part),
//! and the split whose total r-square, `1 - (residuals' squares of both
//! parts) / (squares of the whole series about its mean)`, is largest wins
//! (the first such split on a tie). `split_idx` is the zero-based index of
//! the right part's first point. `variance` is the sample variance of the
//! series, `rvariance` that of the residuals of both lines together.
//! Fewer than four points, or an element that is not a number, gives nulls.

use serde_json::Value as J;

use super::multi_value::{Line, numbers, sample_variance};
use super::rowwise::{Ctx, V};

/// The names of the values, in the order of the page's table.
pub(crate) const NAMES: [&str; 15] = [
    "rsquare",
    "split_idx",
    "variance",
    "rvariance",
    "line_fit",
    "right_rsquare",
    "right_slope",
    "right_interception",
    "right_variance",
    "right_rvariance",
    "left_rsquare",
    "left_slope",
    "left_interception",
    "left_variance",
    "left_rvariance",
];

/// The values, in the order of [`NAMES`]; `None` when no split exists.
fn fit_2lines(y: &[f64]) -> Option<Vec<J>> {
    if y.len() < 4 {
        return None;
    }
    let whole = Line::fit(y)?;
    let mut best: Option<(f64, usize, Line, Line)> = None;
    for split in 2..=y.len() - 2 {
        let (l, r) = y.split_at(split);
        let (Some(left), Some(right)) = (Line::fit(l), Line::fit(r)) else { continue };
        let rsquare = 1.0 - (left.ss_res() + right.ss_res()) / whole.ss_tot;
        // NaN (a constant series) never beats a number; the first split stays.
        if best.as_ref().is_none_or(|(b, ..)| rsquare > *b || (b.is_nan() && !rsquare.is_nan())) {
            best = Some((rsquare, split, left, right));
        }
    }
    let (rsquare, split, left, right) = best?;
    let num = |v: f64| V::Real(v).json();
    let residuals: Vec<f64> = left.residuals.iter().chain(&right.residuals).copied().collect();
    let line_fit: Vec<J> = left.fit.iter().chain(&right.fit).map(|v| num(*v)).collect();
    let side = |l: &Line| [num(l.rsquare()), num(l.slope), num(l.interception), num(l.variance()), num(l.rvariance())];
    let mut out =
        vec![num(rsquare), J::from(split), num(whole.variance()), num(sample_variance(&residuals)), J::Array(line_fit)];
    out.extend(side(&right));
    out.extend(side(&left));
    Some(out)
}

/// `series_fit_2lines(series)`: the values as one array.
pub fn series_fit_2lines(a: &[V], _: &mut Ctx) -> V {
    let values = numbers(&a[0]).and_then(|y| fit_2lines(&y)).unwrap_or_else(|| vec![J::Null; NAMES.len()]);
    V::Dyn(J::Array(values))
}

/// `series_fit_2lines_dynamic(series)`: the values as a property bag, the
/// sides' under `right` and `left`.
pub fn series_fit_2lines_dynamic(a: &[V], _: &mut Ctx) -> V {
    let values = numbers(&a[0]).and_then(|y| fit_2lines(&y)).unwrap_or_else(|| vec![J::Null; NAMES.len()]);
    let mut bag = serde_json::Map::new();
    let mut right = serde_json::Map::new();
    let mut left = serde_json::Map::new();
    for (name, v) in NAMES.iter().zip(values) {
        if let Some(k) = name.strip_prefix("right_") {
            right.insert(k.to_string(), v);
        } else if let Some(k) = name.strip_prefix("left_") {
            left.insert(k.to_string(), v);
        } else {
            bag.insert(name.to_string(), v);
        }
    }
    bag.insert("right".to_string(), J::Object(right));
    bag.insert("left".to_string(), J::Object(left));
    V::Dyn(J::Object(bag))
}
