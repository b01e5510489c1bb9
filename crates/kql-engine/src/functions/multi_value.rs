//! Functions that return several values, assigned as
//! `extend (a, b, ...) = f(...)` (`series_fit_line`). Each is a row function
//! under an inner name no query can spell, returning its values as one
//! array; the binder takes the array apart into typed columns.

use serde_json::Value as J;

use super::rowwise::{Ctx, V};
use crate::types::KqlType;

/// A function of several values.
pub struct MultiDef {
    /// The KQL name.
    pub name: &'static str,
    /// The row function returning the values as an array.
    pub inner: &'static str,
    /// Each value's name (in the docs) and type, in order.
    pub outputs: &'static [(&'static str, KqlType)],
    /// Whether a call assigned to one name (`extend a = f(x)`) or used as a
    /// value takes the first value (`series_decompose_anomalies`' flags), as
    /// the published content relies on; else that is an error.
    pub first_alone: bool,
}

/// Every function of several values.
pub const MULTI_VALUED: &[MultiDef] = &[
    MultiDef {
        name: "series_fit_line",
        inner: "series_fit_line#values",
        outputs: &[
            ("rsquare", KqlType::Real),
            ("slope", KqlType::Real),
            ("variance", KqlType::Real),
            ("rvariance", KqlType::Real),
            ("interception", KqlType::Real),
            ("line_fit", KqlType::Dynamic),
        ],
        first_alone: false,
    },
    MultiDef {
        name: "series_fit_2lines",
        inner: "series_fit_2lines#values",
        outputs: &[
            ("rsquare", KqlType::Real),
            ("split_idx", KqlType::Long),
            ("variance", KqlType::Real),
            ("rvariance", KqlType::Real),
            ("line_fit", KqlType::Dynamic),
            ("right_rsquare", KqlType::Real),
            ("right_slope", KqlType::Real),
            ("right_interception", KqlType::Real),
            ("right_variance", KqlType::Real),
            ("right_rvariance", KqlType::Real),
            ("left_rsquare", KqlType::Real),
            ("left_slope", KqlType::Real),
            ("left_interception", KqlType::Real),
            ("left_variance", KqlType::Real),
            ("left_rvariance", KqlType::Real),
        ],
        first_alone: false,
    },
    MultiDef {
        name: "series_decompose",
        inner: "series_decompose#values",
        outputs: &[
            ("baseline", KqlType::Dynamic),
            ("seasonal", KqlType::Dynamic),
            ("trend", KqlType::Dynamic),
            ("residual", KqlType::Dynamic),
        ],
        first_alone: false,
    },
    MultiDef {
        name: "series_decompose_anomalies",
        inner: "series_decompose_anomalies#values",
        outputs: &[("ad_flag", KqlType::Dynamic), ("ad_score", KqlType::Dynamic), ("baseline", KqlType::Dynamic)],
        first_alone: true,
    },
    MultiDef {
        name: "series_stats",
        inner: "series_stats#values",
        outputs: &[
            ("min", KqlType::Real),
            ("min_idx", KqlType::Long),
            ("max", KqlType::Real),
            ("max_idx", KqlType::Long),
            ("avg", KqlType::Real),
            ("stdev", KqlType::Real),
            ("variance", KqlType::Real),
        ],
        first_alone: false,
    },
    MultiDef {
        name: "series_fit_poly",
        inner: "series_fit_poly#values",
        outputs: &[
            ("rsquare", KqlType::Real),
            ("coefficients", KqlType::Dynamic),
            ("variance", KqlType::Real),
            ("rvariance", KqlType::Real),
            ("poly_fit", KqlType::Dynamic),
        ],
        first_alone: false,
    },
    MultiDef {
        name: "series_fft",
        inner: "series_fft#values",
        outputs: &[("real", KqlType::Dynamic), ("imaginary", KqlType::Dynamic)],
        first_alone: false,
    },
    MultiDef {
        name: "series_ifft",
        inner: "series_ifft#values",
        outputs: &[("real", KqlType::Dynamic), ("imaginary", KqlType::Dynamic)],
        first_alone: false,
    },
];

/// The function of several values called `name`.
pub fn multi_valued(name: &str) -> Option<&'static MultiDef> {
    MULTI_VALUED.iter().find(|d| d.name == name)
}

/// The numbers of a series; `None` unless every element is a number.
pub(crate) fn numbers(v: &V) -> Option<Vec<f64>> {
    let V::Dyn(J::Array(items)) = v else { return None };
    items.iter().map(J::as_f64).collect()
}

/// `series_fit_line(series)` (series-fit-line-function.md): the least-squares
/// line through the points `(1, y1) ... (n, yn)`, as `[rsquare, slope,
/// variance, rvariance, interception, line_fit]`. `variance` is the sample
/// variance of the series and `rvariance` that of the residuals (the page's
/// example: 98.628 and 1.686 for its twelve points). Fewer than two points,
/// or an element that is not a number, gives nulls.
pub fn series_fit_line(a: &[V], _: &mut Ctx) -> V {
    let nulls = || V::Dyn(J::Array(vec![J::Null; 6]));
    let Some(y) = numbers(&a[0]) else { return nulls() };
    let Some(l) = Line::fit(&y) else { return nulls() };
    let values = [l.rsquare(), l.slope, l.variance(), l.rvariance(), l.interception];
    let mut out: Vec<J> = values.iter().map(|v| V::Real(*v).json()).collect();
    out.push(J::Array(l.fit.iter().map(|v| V::Real(*v).json()).collect()));
    V::Dyn(J::Array(out))
}

/// The least-squares line through `(1, y1) ... (n, yn)`.
pub(crate) struct Line {
    pub slope: f64,
    pub interception: f64,
    /// The line's value at each point.
    pub fit: Vec<f64>,
    /// The points' values less the line's.
    pub residuals: Vec<f64>,
    /// The sum of squares of the values about their mean.
    pub ss_tot: f64,
}

impl Line {
    /// The line through `y`; `None` for fewer than two points.
    pub(crate) fn fit(y: &[f64]) -> Option<Line> {
        if y.len() < 2 {
            return None;
        }
        let n = y.len() as f64;
        let mean_x = (n + 1.0) / 2.0;
        let mean_y = y.iter().sum::<f64>() / n;
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (i, v) in y.iter().enumerate() {
            let dx = (i + 1) as f64 - mean_x;
            let dy = v - mean_y;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        let slope = sxy / sxx;
        let interception = mean_y - slope * mean_x;
        let fit: Vec<f64> = (1..=y.len()).map(|x| interception + slope * x as f64).collect();
        let residuals: Vec<f64> = y.iter().zip(&fit).map(|(v, f)| v - f).collect();
        Some(Line { slope, interception, fit, residuals, ss_tot: syy })
    }

    /// The sum of the squared residuals.
    pub(crate) fn ss_res(&self) -> f64 {
        self.residuals.iter().map(|r| r * r).sum()
    }

    pub(crate) fn rsquare(&self) -> f64 {
        1.0 - self.ss_res() / self.ss_tot
    }

    /// The sample variance of the values.
    pub(crate) fn variance(&self) -> f64 {
        self.ss_tot / (self.residuals.len() as f64 - 1.0)
    }

    /// The sample variance of the residuals.
    pub(crate) fn rvariance(&self) -> f64 {
        sample_variance(&self.residuals)
    }
}

/// The sample variance of `v` (at least two values).
pub(crate) fn sample_variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)
}

/// `series_fit_line_dynamic(series)` (series-fit-line-dynamic-function.md):
/// the values of [`series_fit_line`] as a property bag.
pub fn series_fit_line_dynamic(a: &[V], ctx: &mut Ctx) -> V {
    let V::Dyn(J::Array(values)) = series_fit_line(a, ctx) else { return V::Null };
    let keys = ["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"];
    V::Dyn(J::Object(keys.iter().map(|k| k.to_string()).zip(values).collect()))
}

/// The statistics of a series (series-stats-function.md).
struct Stats {
    min: f64,
    min_idx: usize,
    max: f64,
    max_idx: usize,
    sum: f64,
    len: usize,
    avg: f64,
    variance: f64,
}

/// The statistics of the numbers of `series`. An element that is not a
/// finite number (null, a string, an array...) makes them `None` unless
/// `ignore_nonfinite`, which leaves it out; positions stay those of the
/// whole array. `None` too when no number is left. The variance is the
/// sample variance, 0 for a single number (as the `variance()` aggregate
/// gives).
fn stats(series: &V, ignore_nonfinite: bool) -> Option<Stats> {
    let V::Dyn(J::Array(items)) = series else { return None };
    let mut nums = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_f64().filter(|f| f.is_finite()) {
            Some(f) => nums.push((i, f)),
            None if ignore_nonfinite => {}
            None => return None,
        }
    }
    let &(first_idx, first) = nums.first()?;
    let (mut min, mut min_idx, mut max, mut max_idx, mut sum) = (first, first_idx, first, first_idx, 0.0);
    for &(i, f) in &nums {
        if f < min {
            (min, min_idx) = (f, i);
        }
        if f > max {
            (max, max_idx) = (f, i);
        }
        sum += f;
    }
    let len = nums.len();
    let avg = sum / len as f64;
    let variance =
        if len < 2 { 0.0 } else { nums.iter().map(|(_, f)| (f - avg) * (f - avg)).sum::<f64>() / (len - 1) as f64 };
    Some(Stats { min, min_idx, max, max_idx, sum, len, avg, variance })
}

/// Whether the optional `ignore_nonfinite` argument at `i` is true.
fn ignore_nonfinite(a: &[V], i: usize) -> bool {
    matches!(a.get(i), Some(V::Bool(true)))
}

/// `series_stats(series [, ignore_nonfinite])` (series-stats-function.md):
/// `[min, min_idx, max, max_idx, avg, stdev, variance]`, nulls when
/// [`stats`] gives none.
pub fn series_stats(a: &[V], _: &mut Ctx) -> V {
    let Some(s) = stats(&a[0], ignore_nonfinite(a, 1)) else { return V::Dyn(J::Array(vec![J::Null; 7])) };
    V::Dyn(J::Array(vec![
        V::Real(s.min).json(),
        J::from(s.min_idx),
        V::Real(s.max).json(),
        J::from(s.max_idx),
        V::Real(s.avg).json(),
        V::Real(s.variance.sqrt()).json(),
        V::Real(s.variance).json(),
    ]))
}

/// `series_stats_dynamic(series [, ignore_nonfinite])`
/// (series-stats-dynamic-function.md): the statistics as a property bag,
/// with `sum` and `len` (the count of numbers they are computed over).
/// When [`stats`] gives none, every statistic is null and `len` is 0.
pub fn series_stats_dynamic(a: &[V], _: &mut Ctx) -> V {
    let s = stats(&a[0], ignore_nonfinite(a, 1));
    let real = |f: fn(&Stats) -> f64| s.as_ref().map_or(J::Null, |s| V::Real(f(s)).json());
    let index = |f: fn(&Stats) -> usize| s.as_ref().map_or(J::Null, |s| J::from(f(s)));
    let entries = [
        ("min", real(|s| s.min)),
        ("min_idx", index(|s| s.min_idx)),
        ("max", real(|s| s.max)),
        ("max_idx", index(|s| s.max_idx)),
        ("avg", real(|s| s.avg)),
        ("stdev", real(|s| s.variance.sqrt())),
        ("variance", real(|s| s.variance)),
        ("sum", real(|s| s.sum)),
        ("len", J::from(s.as_ref().map_or(0, |s| s.len))),
    ];
    V::Dyn(J::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_example() {
        let y = serde_json::from_str("[2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]").unwrap();
        let V::Dyn(J::Array(out)) = series_fit_line(&[V::Dyn(y)], &mut Ctx::default()) else { panic!() };
        let r = |i: usize| (out[i].as_f64().unwrap() * 1000.0).round() / 1000.0;
        assert_eq!([r(0), r(1), r(2), r(3), r(4)], [0.983, 2.731, 98.629, 1.686, -1.667]);
        let fit = out[5].as_array().unwrap();
        assert_eq!(fit.len(), 12);
        assert!((fit[0].as_f64().unwrap() - 1.0641).abs() < 1e-3);
    }

    #[test]
    fn too_short_or_not_numbers_is_null() {
        for s in ["[]", "[1]", "[1, \"a\"]", "{}"] {
            let got = series_fit_line(&[V::Dyn(serde_json::from_str(s).unwrap())], &mut Ctx::default());
            assert_eq!(got, V::Dyn(J::Array(vec![J::Null; 6])), "{s}");
        }
        assert_eq!(series_fit_line(&[V::Null], &mut Ctx::default()), V::Dyn(J::Array(vec![J::Null; 6])));
    }

    fn series(text: &str) -> V {
        V::Dyn(serde_json::from_str(text).unwrap())
    }

    #[test]
    fn series_stats_the_pages_example() {
        // series-stats-function.md and series-stats-dynamic-function.md.
        let x = series("[23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]");
        let V::Dyn(J::Array(v)) = series_stats(std::slice::from_ref(&x), &mut Ctx::default()) else { panic!() };
        assert_eq!(v[0], J::from(2.0));
        assert_eq!(v[1], J::from(8));
        assert_eq!(v[2], J::from(87.0));
        assert_eq!(v[3], J::from(3));
        assert!((v[4].as_f64().unwrap() - 32.8).abs() < 1e-12);
        assert!((v[5].as_f64().unwrap() - 28.5036338535483).abs() < 1e-9);
        assert!((v[6].as_f64().unwrap() - 812.457142857143).abs() < 1e-9);
        let V::Dyn(bag) = series_stats_dynamic(&[x], &mut Ctx::default()) else { panic!() };
        assert_eq!(bag["sum"], J::from(492.0));
        assert_eq!(bag["len"], J::from(15));
        assert_eq!(bag["min_idx"], J::from(8));
        let keys: Vec<&String> = bag.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance", "sum", "len"]);
    }

    #[test]
    fn series_stats_non_finite_values() {
        let x = series(r#"[5, null, 1, "a", 9]"#);
        let nulls = V::Dyn(J::Array(vec![J::Null; 7]));
        assert_eq!(series_stats(std::slice::from_ref(&x), &mut Ctx::default()), nulls);
        let V::Dyn(J::Array(v)) = series_stats(&[x.clone(), V::Bool(true)], &mut Ctx::default()) else { panic!() };
        // Positions are those of the whole array.
        assert_eq!(
            (v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone()),
            (J::from(1.0), J::from(2), J::from(9.0), J::from(4))
        );
        assert_eq!(v[4], J::from(5.0));
        let V::Dyn(bag) = series_stats_dynamic(&[x], &mut Ctx::default()) else { panic!() };
        assert_eq!((bag["min"].clone(), bag["len"].clone()), (J::Null, J::from(0)));
        assert_eq!(series_stats(&[series("[]")], &mut Ctx::default()), nulls);
        assert_eq!(series_stats(&[V::Null], &mut Ctx::default()), nulls);
        let V::Dyn(J::Array(one)) = series_stats(&[series("[4]")], &mut Ctx::default()) else { panic!() };
        assert_eq!((one[5].clone(), one[6].clone()), (J::from(0.0), J::from(0.0)));
    }

    #[test]
    fn series_fit_line_dynamic_is_the_bag_of_the_values() {
        let y = series("[2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]");
        let V::Dyn(bag) = series_fit_line_dynamic(std::slice::from_ref(&y), &mut Ctx::default()) else { panic!() };
        let V::Dyn(J::Array(values)) = series_fit_line(&[y], &mut Ctx::default()) else { panic!() };
        let keys = ["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"];
        for (k, v) in keys.iter().zip(&values) {
            assert_eq!(&bag[k], v, "{k}");
        }
        assert_eq!(bag.as_object().unwrap().len(), 6);
    }

    #[test]
    fn series_stats_of_hostile_series() {
        // Near i64::MAX neighbours are one real: the first position of the
        // smallest real is the minimum's.
        let big: Vec<J> = (0..10_000).map(|i| J::from(i64::MAX - i * 1000)).collect();
        let reals: Vec<f64> = big.iter().map(|b| b.as_f64().unwrap()).collect();
        let lowest = reals.iter().copied().fold(f64::INFINITY, f64::min);
        let first = reals.iter().position(|r| *r == lowest).unwrap();
        let V::Dyn(J::Array(v)) = series_stats(&[V::Dyn(J::Array(big))], &mut Ctx::default()) else { panic!() };
        assert_eq!((v[1].clone(), v[3].clone()), (J::from(first), J::from(0)));
        let huge = series("[1e308, 1e308, -1e308]");
        let V::Dyn(J::Array(v)) = series_stats(&[huge], &mut Ctx::default()) else { panic!() };
        // An overflowing sum gives no average rather than a wrong one.
        assert!(v[4].is_null() || v[4].as_f64().is_some_and(f64::is_finite), "{v:?}");
        let nested = series(r#"[[1], {"a": 1}, "ü", true]"#);
        assert_eq!(series_stats(&[nested], &mut Ctx::default()), V::Dyn(J::Array(vec![J::Null; 7])));
    }
}
