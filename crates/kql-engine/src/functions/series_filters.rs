//! `series_iir` (series-iir-function.md: the recursive filter
//! `Y[i] = (b0 X[i] + b1 X[i-1] + ... - a1 Y[i-1] - ...) / a0`),
//! `series_fill_linear` (series-fill-linear-function.md: missing elements
//! interpolated along the line between the present ones around them) and
//! `series_seasonal` with a given period (series-seasonal-function.md: the
//! median of the values at each position of the period).

use serde_json::Value as J;

use super::rowwise::{Ctx, V};
use super::series_elementwise::missing;

/// Every element of an array argument as a real; `None` if it is not an
/// array of numbers.
pub(crate) fn reals(v: Option<&V>) -> Option<Vec<f64>> {
    match v? {
        V::Dyn(J::Array(items)) => items.iter().map(J::as_f64).collect(),
        _ => None,
    }
}

/// A real as JSON: null where it is not finite.
pub(crate) fn json_real(r: f64) -> J {
    serde_json::Number::from_f64(r).map_or(J::Null, J::Number)
}

/// The most multiply-adds one `series_iir` call makes (series length times
/// coefficients); past it the result is null, as `strrep` past its length.
const MAX_IIR_STEPS: usize = 100_000_000;

/// `series_iir(series, numerators, denominators)`: null when an argument
/// is not an array of numbers, the denominators are empty or their first
/// is zero, or the filter would take more than [`MAX_IIR_STEPS`].
pub fn series_iir(a: &[V], _: &mut Ctx) -> V {
    let (Some(x), Some(b), Some(den)) = (reals(a.first()), reals(a.get(1)), reals(a.get(2))) else {
        return V::Null;
    };
    let Some(&a0) = den.first() else { return V::Null };
    if a0 == 0.0 || x.len().saturating_mul(b.len().saturating_add(den.len())) > MAX_IIR_STEPS {
        return V::Null;
    }
    let mut y: Vec<f64> = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let fwd: f64 = b.iter().zip(x.iter().take(i + 1).rev()).map(|(c, v)| c * v).sum();
        let back: f64 = den.iter().skip(1).zip(y.iter().rev()).map(|(c, v)| c * v).sum();
        y.push((fwd - back) / a0);
    }
    V::Dyn(J::Array(y.into_iter().map(json_real).collect()))
}

/// `series_fill_linear(series [, placeholder [, fill_edges [, constant]]])`.
/// An array of whole numbers gets whole numbers (the interpolated value
/// truncated, as the page's output shows); an array with nothing present is
/// filled with the constant (0 unless given; a null constant keeps it).
pub fn series_fill_linear(a: &[V], _: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(items))) = a.first() else { return V::Null };
    let placeholder = a.get(1);
    let fill_edges = !matches!(a.get(2), Some(V::Bool(false)));
    let present: Vec<(usize, f64)> = items
        .iter()
        .enumerate()
        .filter(|(_, j)| !missing(j, placeholder))
        .filter_map(|(i, j)| Some((i, j.as_f64()?)))
        .collect();
    if present.is_empty() {
        let fill = match a.get(3) {
            None => J::from(0.0),
            Some(v) => v.json(),
        };
        return V::Dyn(J::Array(vec![fill; items.len()]));
    }
    let whole = present.iter().all(|&(i, _)| items.get(i).is_some_and(|j| j.is_i64() || j.is_u64()));
    let out_num = |r: f64| {
        if whole && r.is_finite() { J::from(r.trunc() as i64) } else { json_real(r) }
    };
    let mut out = items.clone();
    let (Some(&first), Some(&last)) = (present.first(), present.last()) else { return V::Null };
    for (k, slot) in out.iter_mut().enumerate() {
        if !missing(slot, placeholder) {
            continue;
        }
        if k < first.0 || k > last.0 {
            if fill_edges {
                *slot = out_num(if k < first.0 { first.1 } else { last.1 });
            }
            continue;
        }
        let after = present.partition_point(|&(i, _)| i < k);
        let (Some(&(i0, v0)), Some(&(i1, v1))) =
            (after.checked_sub(1).and_then(|p| present.get(p)), present.get(after))
        else {
            continue;
        };
        let t = (k - i0) as f64 / (i1 - i0) as f64;
        *slot = out_num(v0 + (v1 - v0) * t);
    }
    V::Dyn(J::Array(out))
}

/// `series_seasonal(series, period)`: for a positive period, each element is
/// the median of the numbers at its position in every period (null where
/// there are none); a period of 0 or below other than -1 gives zeros, as
/// the page says. The automatic period (-1, the default) is refused by the
/// binder; a -1 reaching here from a column gives null.
pub fn series_seasonal(a: &[V], _: &mut Ctx) -> V {
    let Some(V::Dyn(J::Array(items))) = a.first() else { return V::Null };
    let period = match a.get(1) {
        Some(V::Long(p)) if *p != -1 => *p,
        _ => return V::Null,
    };
    let Some(period) = usize::try_from(period).ok().filter(|p| *p > 0) else {
        return V::Dyn(J::Array(vec![json_real(0.0); items.len()]));
    };
    let medians: Vec<J> = (0..period.min(items.len()))
        .map(|phase| {
            let mut xs: Vec<f64> = items.iter().skip(phase).step_by(period).filter_map(J::as_f64).collect();
            xs.sort_by(f64::total_cmp);
            let mid = xs.len() / 2;
            match (xs.get(mid), mid.checked_sub(1).and_then(|m| xs.get(m))) {
                (Some(hi), Some(lo)) if xs.len().is_multiple_of(2) => json_real((lo + hi) / 2.0),
                (Some(m), _) => json_real(*m),
                _ => J::Null,
            }
        })
        .collect();
    V::Dyn(J::Array((0..items.len()).map(|i| medians.get(i % period).cloned().unwrap_or(J::Null)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(n: usize, v: f64) -> V {
        V::Dyn(J::Array((0..n).map(|_| json_real(v)).collect()))
    }

    #[test]
    fn iir_work_is_bounded_by_the_size_of_its_arguments() {
        let mut ctx = Ctx::default();
        // 10,000 points and 20,000 coefficients: 3e8 steps, past the cap.
        let big = series_iir(&[array(10_000, 1.0), array(20_000, 0.5), array(1, 1.0)], &mut ctx);
        assert!(matches!(big, V::Null));
        // A running sum of three ones, under the cap.
        let small = series_iir(&[array(3, 1.0), array(1, 1.0), array(2, 1.0)], &mut ctx);
        let V::Dyn(J::Array(y)) = small else { panic!("expected an array") };
        let y: Vec<f64> = y.iter().filter_map(J::as_f64).collect();
        assert_eq!(y, vec![1.0, 0.0, 1.0]);
    }
}
