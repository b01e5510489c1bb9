//! The arrays `make-series` builds: one value per bin of the axis, and the
//! axis itself (make-series-operator.md).

use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// The most points a series has; longer series are cut
/// (make-series-operator.md: "limited to 1048576 values (2^20)").
pub const MAX_POINTS: i64 = 1 << 20;

/// The number of points, `None` when unknown (no rows to start from).
fn points(n: &V) -> Option<usize> {
    n.long().map(|n| n.clamp(0, MAX_POINTS) as usize)
}

/// `series_fill(bins, values, lo, n, default)`: an array of `n` values, the
/// value of bin `lo + i` at `i` (from the parallel arrays `bins` and
/// `values`) and `default` where a bin has no value.
pub fn fill(a: &[V], _: &mut Ctx) -> V {
    let (Some(n), Some(lo)) = (points(&a[3]), a[2].long()) else {
        return V::Dyn(J::Array(Vec::new()));
    };
    let mut out = vec![a[4].json(); n];
    if let (V::Dyn(J::Array(bins)), V::Dyn(J::Array(values))) = (&a[0], &a[1]) {
        for (bin, value) in bins.iter().zip(values) {
            let Some(i) = bin.as_i64().and_then(|b| b.checked_sub(lo)) else { continue };
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                *slot = value.clone();
            }
        }
    }
    V::Dyn(J::Array(out))
}

/// `series_axis(lo, n, base, step, kind)`: `base + (lo + i) * step` for `i`
/// in `0..n`, as datetimes, timespans, longs or reals (`kind`).
pub fn axis(a: &[V], _: &mut Ctx) -> V {
    let (Some(n), Some(lo)) = (points(&a[1]), a[0].long()) else {
        return V::Dyn(J::Array(Vec::new()));
    };
    let kind = a[4].str();
    let out: Vec<J> = (0..n as i64)
        .map(|i| {
            // A point out of range is null, never a wrapped or clamped value.
            let Some(k) = lo.checked_add(i) else { return J::Null };
            match (kind, &a[2], &a[3]) {
                ("real", base, step) => {
                    let (b, s) = (real(base), real(step));
                    V::Real(b + k as f64 * s).json()
                }
                (_, base, step) => {
                    let v =
                        k.checked_mul(step.long().unwrap_or(0)).and_then(|d| base.long().unwrap_or(0).checked_add(d));
                    match (kind, v) {
                        (_, None) => V::Null,
                        ("datetime", Some(v)) => V::Dt(v),
                        ("timespan", Some(v)) => V::Ts(v),
                        (_, Some(v)) => V::Long(v),
                    }
                    .json()
                }
            }
        })
        .collect();
    V::Dyn(J::Array(out))
}

fn real(v: &V) -> f64 {
    match v {
        V::Real(r) => *r,
        V::Long(n) => *n as f64,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> V {
        V::Dyn(serde_json::from_str(s).unwrap())
    }

    #[test]
    fn bins_without_values_take_the_default() {
        let got = fill(&[json("[1,3]"), json("[10,30]"), V::Long(1), V::Long(4), V::Long(0)], &mut Ctx::default());
        assert_eq!(got, json("[10,0,30,0]"));
    }

    #[test]
    fn the_axis_counts_from_the_base() {
        let got = axis(&[V::Long(2), V::Long(3), V::Long(0), V::Long(5), V::Str("long".into())], &mut Ctx::default());
        assert_eq!(got, json("[10,15,20]"));
        let got = axis(&[V::Null, V::Null, V::Long(0), V::Long(5), V::Str("long".into())], &mut Ctx::default());
        assert_eq!(got, json("[]"));
    }

    #[test]
    fn axis_points_out_of_range_are_null() {
        let at = |lo: i64, base: i64, step: i64| {
            axis(
                &[V::Long(lo), V::Long(2), V::Long(base), V::Long(step), V::Str("datetime".into())],
                &mut Ctx::default(),
            )
        };
        assert_eq!(at(i64::MAX, 0, 1), json(r#"["2262-04-11T23:47:16.8547758Z",null]"#));
        assert_eq!(at(0, i64::MAX, 1), json(r#"["2262-04-11T23:47:16.8547758Z",null]"#));
        assert_eq!(at(1, 0, i64::MAX), json(r#"["2262-04-11T23:47:16.8547758Z",null]"#));
    }
}
