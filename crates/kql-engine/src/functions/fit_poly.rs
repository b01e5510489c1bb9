//! `series_fit_poly(y [, x, degree])` (series-fit-poly-function.md): the
//! least-squares polynomial of a degree (1 by default) through the points
//! `(x1, y1) ... (xn, yn)`, `x` being `1 ... n` when not given (or null). Its
//! values are `[rsquare, coefficients, variance, rvariance, poly_fit]`, the
//! coefficients from the highest power down; the variances are sample
//! variances, as `series_fit_line`'s. Solved by Householder QR of the
//! Vandermonde matrix.

use serde_json::Value as J;

use super::multi_value::sample_variance;
use super::rowwise::{Ctx, V};
use super::series_filters::{json_real, reals};

/// The highest degree fitted; past it the result is null.
pub const MAX_DEGREE: i64 = 16;

/// The most points times squared coefficients one fit works through.
const MAX_WORK: usize = 200_000_000;

/// The coefficients of the least-squares polynomial of `degree`, lowest
/// power first; `None` when the points do not determine it (fewer distinct
/// `x` than coefficients) or a value is not finite.
fn fit(x: &[f64], y: &[f64], degree: usize) -> Option<Vec<f64>> {
    let m = degree.checked_add(1)?;
    let n = y.len();
    if n < m {
        return None;
    }
    // Column j holds x^j.
    let mut cols: Vec<Vec<f64>> = (0..m).map(|j| x.iter().map(|v| v.powi(j as i32)).collect()).collect();
    let mut b = y.to_vec();
    let scale = cols.iter().flatten().fold(0.0_f64, |a, v| a.max(v.abs()));
    if !scale.is_finite() || y.iter().any(|v| !v.is_finite()) {
        return None;
    }
    for k in 0..m {
        let norm = cols[k][k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        let alpha = if cols[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = cols[k][k..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|e| e * e).sum();
        if vv > 0.0 {
            for col in cols.iter_mut().skip(k) {
                let dot: f64 = v.iter().zip(&col[k..]).map(|(a, c)| a * c).sum();
                let f = 2.0 * dot / vv;
                col[k..].iter_mut().zip(&v).for_each(|(c, a)| *c -= f * a);
            }
            let dot: f64 = v.iter().zip(&b[k..]).map(|(a, c)| a * c).sum();
            let f = 2.0 * dot / vv;
            b[k..].iter_mut().zip(&v).for_each(|(c, a)| *c -= f * a);
        }
    }
    // Back substitution through R (cols[j][k], k <= j).
    let tiny = scale * 1e-12 * n as f64;
    let mut coef = vec![0.0; m];
    for k in (0..m).rev() {
        let r = cols[k][k];
        if r.abs() <= tiny {
            return None;
        }
        let rest: f64 = (k + 1..m).map(|j| cols[j][k] * coef[j]).sum();
        coef[k] = (b[k] - rest) / r;
    }
    coef.iter().all(|c| c.is_finite()).then_some(coef)
}

/// The polynomial with `coef` (lowest power first) at `x`, by Horner.
fn eval(coef: &[f64], x: f64) -> f64 {
    coef.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

/// `series_fit_poly` as its five values (nulls when the series is not an
/// array of numbers, `x` is not one of the same length, the degree is not
/// 1 to [`MAX_DEGREE`], there are too few distinct points, or the work
/// passes a bound).
pub fn series_fit_poly(a: &[V], _: &mut Ctx) -> V {
    let nulls = || V::Dyn(J::Array(vec![J::Null; 5]));
    let Some(y) = reals(a.first()) else { return nulls() };
    let x = match a.get(1) {
        None | Some(V::Null) => (1..=y.len()).map(|i| i as f64).collect(),
        Some(v) => match reals(Some(v)) {
            Some(x) if x.len() == y.len() => x,
            _ => return nulls(),
        },
    };
    let degree = match a.get(2) {
        None | Some(V::Null) => 1,
        Some(V::Long(d)) if (1..=MAX_DEGREE).contains(d) => *d as usize,
        Some(V::Real(d)) if d.fract() == 0.0 && *d >= 1.0 && *d <= MAX_DEGREE as f64 => *d as usize,
        _ => return nulls(),
    };
    if y.len() < 2 || y.len().saturating_mul((degree + 1) * (degree + 1)) > MAX_WORK {
        return nulls();
    }
    let Some(coef) = fit(&x, &y, degree) else { return nulls() };
    let poly: Vec<f64> = x.iter().map(|v| eval(&coef, *v)).collect();
    let residuals: Vec<f64> = y.iter().zip(&poly).map(|(v, p)| v - p).collect();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_tot: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let ss_res: f64 = residuals.iter().map(|r| r * r).sum();
    V::Dyn(J::Array(vec![
        json_real(1.0 - ss_res / ss_tot),
        J::Array(coef.iter().rev().map(|c| json_real(*c)).collect()),
        json_real(sample_variance(&y)),
        json_real(sample_variance(&residuals)),
        J::Array(poly.into_iter().map(json_real).collect()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_polynomial_gives_its_coefficients() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 * 0.25 - 2.0).collect();
        let y: Vec<f64> = x.iter().map(|v| v.powi(5) - 8.0 * v.powi(3) + 10.0 * v + 6.0).collect();
        let c = fit(&x, &y, 5).unwrap();
        let want = [6.0, 10.0, 0.0, -8.0, 0.0, 1.0];
        assert!(c.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-8), "{c:?}");
    }

    #[test]
    fn too_few_distinct_points_give_none() {
        assert!(fit(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0], 1).is_none());
        assert!(fit(&[1.0, 2.0], &[1.0, 2.0], 2).is_none());
    }
}
