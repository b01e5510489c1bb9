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
}

/// Every function of several values.
pub const MULTI_VALUED: &[MultiDef] = &[MultiDef {
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
}];

/// The function of several values called `name`.
pub fn multi_valued(name: &str) -> Option<&'static MultiDef> {
    MULTI_VALUED.iter().find(|d| d.name == name)
}

/// The numbers of a series; `None` unless every element is a number.
fn numbers(v: &V) -> Option<Vec<f64>> {
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
    if y.len() < 2 {
        return nulls();
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
    let ss_res: f64 = residuals.iter().map(|r| r * r).sum();
    let mean_r = residuals.iter().sum::<f64>() / n;
    let rvariance = residuals.iter().map(|r| (r - mean_r) * (r - mean_r)).sum::<f64>() / (n - 1.0);
    let rsquare = 1.0 - ss_res / syy;
    let values = [rsquare, slope, syy / (n - 1.0), rvariance, interception];
    let mut out: Vec<J> = values.iter().map(|v| V::Real(*v).json()).collect();
    out.push(J::Array(fit.iter().map(|v| V::Real(*v).json()).collect()));
    V::Dyn(J::Array(out))
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
}
