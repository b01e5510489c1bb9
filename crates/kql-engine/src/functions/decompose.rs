//! `series_decompose` (series-decompose-function.md),
//! `series_decompose_anomalies` (series-decompose-anomalies-function.md),
//! `series_decompose_forecast` (series-decompose-forecast-function.md) and
//! `series_outliers` (series-outliers-function.md).
//!
//! The decomposition, in the pages' order, learned from the series less its
//! last `test_points`: the seasonal component is the median of the learned
//! points of the same phase (0 without a period); the trend is learned from
//! the series less the seasonal component: its average (`avg`), its
//! least-squares line (`linefit`, extended over the test points) or 0
//! (`none`); `baseline = seasonal + trend`, `residual = x - baseline`.
//!
//! Seasonality `-1` detects the period as series_periods_detect does: the
//! candidate periods are 4 points up to half the learned points (and at
//! most [`MAX_PERIOD`]); each is scored by the series' autocorrelation at
//! that lag (between -1 and 1), and the best one is the period when its
//! score reaches the threshold (0.6 by default), else there is none. The
//! pages do not publish Kusto's scoring, so a period scored near the
//! threshold may be found here and not there.
//!
//! Anomalies score the residuals with Tukey's fence (series_outliers):
//! with the low and high percentiles `q1`, `q3` (10th and 90th for
//! `ctukey`, the default; 25th and 75th for `tukey`; linear between ranks),
//! a value above `q3` scores `(x - q3) / (q3 - q1)`, one below `q1` scores
//! `(x - q1) / (q3 - q1)`, others 0; with no spread (`q3 == q1`) every score
//! is 0. `ad_flag` is 1 where the score is above the threshold (1.5 by
//! default, the pages' k), -1 below its negative, else 0.
//!
//! A series with an element that is not a number, or arguments out of
//! their documented range, gives nulls.

use serde_json::Value as J;

use super::multi_value::{Line, numbers};
use super::rowwise::{Ctx, V};

/// The longest period autodetection tries.
pub const MAX_PERIOD: usize = 1000;

/// The components of a decomposition.
struct Parts {
    baseline: Vec<f64>,
    seasonal: Vec<f64>,
    trend: Vec<f64>,
    residual: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq)]
enum Trend {
    Avg,
    LineFit,
    None,
}

/// The period of `y` by autocorrelation, if one scores `threshold` or more.
fn detect_period(y: &[f64], threshold: f64) -> usize {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let energy: f64 = d.iter().map(|v| v * v).sum();
    if energy.is_nan() || energy <= 0.0 {
        return 0;
    }
    let mut best = (0usize, f64::NEG_INFINITY);
    for p in 4..=(n / 2).min(MAX_PERIOD) {
        let score = d.iter().zip(d.iter().skip(p)).map(|(a, b)| a * b).sum::<f64>() / energy;
        if score > best.1 {
            best = (p, score);
        }
    }
    if best.1 >= threshold { best.0 } else { 0 }
}

/// The median of `v` (not empty).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

fn decompose(y: &[f64], seasonality: i64, trend: Trend, test_points: usize, threshold: f64) -> Option<Parts> {
    let n = y.len();
    let learned = n.checked_sub(test_points).filter(|l| *l >= 1)?;
    let train = y.get(..learned)?;
    let period = match seasonality {
        -1 => detect_period(train, threshold),
        0 => 0,
        p if p > 0 => usize::try_from(p).ok().filter(|p| *p <= learned).unwrap_or(0),
        _ => return None,
    };
    let seasonal: Vec<f64> = if period > 0 {
        let phases: Vec<f64> = (0..period)
            .map(|phase| {
                let mut same: Vec<f64> = train.iter().skip(phase).step_by(period).copied().collect();
                if same.is_empty() { 0.0 } else { median(&mut same) }
            })
            .collect();
        (0..n).map(|i| phases.get(i % period).copied().unwrap_or(0.0)).collect()
    } else {
        vec![0.0; n]
    };
    let deseasoned: Vec<f64> = train.iter().zip(&seasonal).map(|(v, s)| v - s).collect();
    let trend: Vec<f64> = match trend {
        Trend::None => vec![0.0; n],
        Trend::Avg => vec![deseasoned.iter().sum::<f64>() / learned as f64; n],
        Trend::LineFit => match Line::fit(&deseasoned) {
            Some(l) => (1..=n).map(|x| l.interception + l.slope * x as f64).collect(),
            None => vec![deseasoned.first().copied().unwrap_or(0.0); n],
        },
    };
    let baseline: Vec<f64> = seasonal.iter().zip(&trend).map(|(s, t)| s + t).collect();
    let residual: Vec<f64> = y.iter().zip(&baseline).map(|(v, b)| v - b).collect();
    Some(Parts { baseline, seasonal, trend, residual })
}

/// The percentile `p` (0 to 100) of sorted `v`, linear between ranks.
fn percentile(v: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (v.get(lo).copied().unwrap_or(0.0), v.get(hi).copied().unwrap_or(0.0));
    a + (b - a) * (rank - lo as f64)
}

/// Tukey's fence scores of `x` with the percentiles `low` and `high`.
fn outlier_scores(x: &[f64], low: f64, high: f64) -> Vec<f64> {
    if x.is_empty() {
        return Vec::new();
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (q1, q3) = (percentile(&sorted, low), percentile(&sorted, high));
    let spread = q3 - q1;
    x.iter()
        .map(|v| {
            if spread.is_nan() || spread <= 0.0 {
                0.0
            } else if *v > q3 {
                (v - q3) / spread
            } else if *v < q1 {
                (v - q1) / spread
            } else {
                0.0
            }
        })
        .collect()
}

fn array(v: &[f64]) -> J {
    J::Array(v.iter().map(|x| V::Real(*x).json()).collect())
}

fn nulls(k: usize) -> V {
    V::Dyn(J::Array(vec![J::Null; k]))
}

/// Argument `i`: absent or null gives `default`.
fn arg(a: &[V], i: usize) -> Option<&V> {
    a.get(i).filter(|v| !matches!(v, V::Null))
}

fn real_arg(a: &[V], i: usize, default: f64) -> Option<f64> {
    match arg(a, i) {
        None => Some(default),
        Some(V::Real(r)) => Some(*r).filter(|r| r.is_finite()),
        Some(v) => v.long().map(|n| n as f64),
    }
}

fn long_arg(a: &[V], i: usize, default: i64) -> Option<i64> {
    match arg(a, i) {
        None => Some(default),
        Some(v) => v.long(),
    }
}

fn trend_arg(a: &[V], i: usize) -> Option<Trend> {
    match arg(a, i).map(V::text).as_deref() {
        None | Some("avg") => Some(Trend::Avg),
        Some("linefit") => Some(Trend::LineFit),
        Some("none") => Some(Trend::None),
        Some(_) => None,
    }
}

/// `series_decompose(series [, seasonality, trend, test_points,
/// seasonality_threshold])`: `[baseline, seasonal, trend, residual]`.
pub fn series_decompose(a: &[V], _: &mut Ctx) -> V {
    let parts = (|| {
        let y = numbers(&a[0])?;
        let test_points = usize::try_from(long_arg(a, 3, 0)?).ok()?;
        decompose(&y, long_arg(a, 1, -1)?, trend_arg(a, 2)?, test_points, real_arg(a, 4, 0.6)?)
    })();
    match parts {
        Some(p) => V::Dyn(J::Array(vec![array(&p.baseline), array(&p.seasonal), array(&p.trend), array(&p.residual)])),
        None => nulls(4),
    }
}

/// `series_decompose_anomalies(series [, threshold, seasonality, trend,
/// test_points, ad_method, seasonality_threshold])`: `[ad_flag, ad_score,
/// baseline]`.
pub fn series_decompose_anomalies(a: &[V], _: &mut Ctx) -> V {
    let out = (|| {
        let y = numbers(&a[0])?;
        let k = real_arg(a, 1, 1.5)?;
        let test_points = usize::try_from(long_arg(a, 4, 0)?).ok()?;
        let (low, high) = match arg(a, 5).map(V::text).as_deref() {
            None | Some("ctukey") => (10.0, 90.0),
            Some("tukey") => (25.0, 75.0),
            Some(_) => return None,
        };
        let p = decompose(&y, long_arg(a, 2, -1)?, trend_arg(a, 3)?, test_points, real_arg(a, 6, 0.6)?)?;
        let scores = outlier_scores(&p.residual, low, high);
        let flags: Vec<J> = scores
            .iter()
            .map(|s| {
                J::from(if *s > k {
                    1
                } else if *s < -k {
                    -1
                } else {
                    0
                })
            })
            .collect();
        Some(V::Dyn(J::Array(vec![J::Array(flags), array(&scores), array(&p.baseline)])))
    })();
    out.unwrap_or_else(|| nulls(3))
}

/// `series_decompose_forecast(series, points [, seasonality, trend,
/// seasonality_threshold])`: the baseline learned without the last
/// `points`, over the whole series.
pub fn series_decompose_forecast(a: &[V], _: &mut Ctx) -> V {
    let out = (|| {
        let y = numbers(&a[0])?;
        let points = usize::try_from(arg(a, 1)?.long()?).ok()?;
        let p = decompose(&y, long_arg(a, 2, -1)?, trend_arg(a, 3)?, points, real_arg(a, 4, 0.6)?)?;
        Some(V::Dyn(array(&p.baseline)))
    })();
    out.unwrap_or(V::Null)
}

/// `series_outliers(series [, kind, ignore_val, min_percentile,
/// max_percentile])`: the Tukey's fence score of each element; null
/// elements and those equal to `ignore_val` score 0 and are left out of the
/// percentiles.
pub fn series_outliers(a: &[V], _: &mut Ctx) -> V {
    let out = (|| {
        let V::Dyn(J::Array(items)) = &a[0] else { return None };
        let ignore = match arg(a, 2) {
            None => None,
            Some(V::Real(r)) => Some(*r),
            Some(v) => Some(v.long()? as f64),
        };
        let (low, high) = match arg(a, 1).map(V::text).as_deref() {
            None | Some("ctukey") => (real_arg(a, 3, 10.0)?, real_arg(a, 4, 90.0)?),
            Some("tukey") => (25.0, 75.0),
            Some(_) => return None,
        };
        if !(2.0..=98.0).contains(&low) || !(2.0..=98.0).contains(&high) || low > high {
            return None;
        }
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            match item {
                J::Null => values.push(None),
                j => {
                    let f = j.as_f64()?;
                    values.push(Some(f).filter(|f| ignore != Some(*f)));
                }
            }
        }
        let kept: Vec<f64> = values.iter().flatten().copied().collect();
        let scores = outlier_scores(&kept, low, high);
        let mut scores = scores.into_iter();
        let out: Vec<J> = values
            .iter()
            .map(|v| match v {
                Some(_) => V::Real(scores.next().unwrap_or(0.0)).json(),
                None => V::Real(0.0).json(),
            })
            .collect();
        Some(V::Dyn(J::Array(out)))
    })();
    out.unwrap_or(V::Null)
}
