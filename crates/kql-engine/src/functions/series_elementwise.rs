//! The element-wise `series_*` functions over numeric arrays: math of one
//! array (`series_abs`, `series_log`, ...), arithmetic and comparison of two
//! (`series_add`, `series_greater`, ...), the sums and products that reduce
//! an array to a real, and filling missing values (`series_fill_const`,
//! `_forward`, `_backward`). Each follows its page: a non-numeric element,
//! or one missing where the arrays differ in length, gives a null element.

use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// A number of an array: whole numbers stay whole.
#[derive(Clone, Copy)]
enum Num {
    Long(i64),
    Real(f64),
}

impl Num {
    fn real(self) -> f64 {
        match self {
            Num::Long(n) => n as f64,
            Num::Real(r) => r,
        }
    }
}

fn num(j: &J) -> Option<Num> {
    match j {
        J::Number(n) => n.as_i64().map(Num::Long).or_else(|| n.as_f64().map(Num::Real)),
        _ => None,
    }
}

/// An argument as the elements it stands for: an array's, or one number
/// repeated (`None` for the length).
enum Series<'a> {
    Array(&'a [J]),
    Scalar(Option<Num>),
}

fn series(v: &V) -> Option<Series<'_>> {
    match v {
        V::Dyn(J::Array(a)) => Some(Series::Array(a)),
        V::Long(n) => Some(Series::Scalar(Some(Num::Long(*n)))),
        V::Real(r) => Some(Series::Scalar(Some(Num::Real(*r)))),
        V::Dyn(j @ J::Number(_)) => Some(Series::Scalar(num(j))),
        _ => None,
    }
}

impl Series<'_> {
    fn len(&self) -> Option<usize> {
        match self {
            Series::Array(a) => Some(a.len()),
            Series::Scalar(_) => None,
        }
    }

    fn get(&self, i: usize) -> Option<Num> {
        match self {
            Series::Array(a) => a.get(i).and_then(num),
            Series::Scalar(n) => *n,
        }
    }
}

fn real_json(r: f64) -> J {
    V::Real(r).json()
}

/// One array's elements through `f`; null where an element is no number.
fn unary(a: &[V], f: impl Fn(Num) -> J) -> V {
    match &a[0] {
        V::Dyn(J::Array(items)) => V::Dyn(J::Array(items.iter().map(|j| num(j).map_or(J::Null, &f)).collect())),
        _ => V::Null,
    }
}

fn real_unary(a: &[V], f: fn(f64) -> f64) -> V {
    unary(a, |n| real_json(f(n.real())))
}

macro_rules! real_unaries {
    ($( $name:ident => $f:expr; )*) => {
        $(
            #[doc = concat!("`", stringify!($name), "(series)`.")]
            pub fn $name(a: &[V], _: &mut Ctx) -> V {
                real_unary(a, $f)
            }
        )*
    };
}

real_unaries! {
    series_acos => f64::acos;
    series_asin => f64::asin;
    series_atan => f64::atan;
    series_cos => f64::cos;
    series_sin => f64::sin;
    series_tan => f64::tan;
    series_exp => f64::exp;
    series_log => f64::ln;
    series_ceiling => f64::ceil;
    series_floor => f64::floor;
}

/// `series_abs(series)`: whole numbers stay whole (null past the long range).
pub fn series_abs(a: &[V], _: &mut Ctx) -> V {
    unary(a, |n| match n {
        Num::Long(x) => x.checked_abs().map_or(J::Null, J::from),
        Num::Real(r) => real_json(r.abs()),
    })
}

/// `series_sign(series)`: -1, 0 or 1.
pub fn series_sign(a: &[V], _: &mut Ctx) -> V {
    unary(a, |n| {
        let r = n.real();
        if r.is_nan() {
            J::Null
        } else {
            J::from(if r > 0.0 {
                1
            } else if r < 0.0 {
                -1
            } else {
                0
            })
        }
    })
}

/// Two arguments element by element, as long as the longer array; null
/// where either element is missing or no number.
fn binary(a: &[V], f: impl Fn(Num, Num) -> J) -> V {
    let (Some(x), Some(y)) = (series(&a[0]), series(&a[1])) else { return V::Null };
    let n = match (x.len(), y.len()) {
        (Some(p), Some(q)) => p.max(q),
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => return V::Null,
    };
    let out = (0..n)
        .map(|i| match (x.get(i), y.get(i)) {
            (Some(p), Some(q)) => f(p, q),
            _ => J::Null,
        })
        .collect();
    V::Dyn(J::Array(out))
}

/// Whole numbers with a checked long operation, else reals.
fn arith(a: &[V], long: fn(i64, i64) -> Option<i64>, real: fn(f64, f64) -> f64) -> V {
    binary(a, |p, q| match (p, q) {
        (Num::Long(x), Num::Long(y)) => long(x, y).map_or(J::Null, J::from),
        _ => real_json(real(p.real(), q.real())),
    })
}

/// `series_add(series1, series2)`.
pub fn series_add(a: &[V], _: &mut Ctx) -> V {
    arith(a, i64::checked_add, |x, y| x + y)
}

/// `series_subtract(series1, series2)`.
pub fn series_subtract(a: &[V], _: &mut Ctx) -> V {
    arith(a, i64::checked_sub, |x, y| x - y)
}

/// `series_multiply(series1, series2)`.
pub fn series_multiply(a: &[V], _: &mut Ctx) -> V {
    arith(a, i64::checked_mul, |x, y| x * y)
}

/// `series_divide(series1, series2)`: always reals; by zero as doubles
/// divide (an infinity, which JSON holds as null).
pub fn series_divide(a: &[V], _: &mut Ctx) -> V {
    binary(a, |p, q| real_json(p.real() / q.real()))
}

/// `series_pow(series1, series2)`.
pub fn series_pow(a: &[V], _: &mut Ctx) -> V {
    binary(a, |p, q| real_json(p.real().powf(q.real())))
}

fn compare(a: &[V], test: fn(std::cmp::Ordering) -> bool) -> V {
    binary(a, |p, q| {
        let ord = match (p, q) {
            (Num::Long(x), Num::Long(y)) => Some(x.cmp(&y)),
            _ => p.real().partial_cmp(&q.real()),
        };
        ord.map_or(J::Null, |o| J::Bool(test(o)))
    })
}

/// `series_equals(series1, series2)`.
pub fn series_equals(a: &[V], _: &mut Ctx) -> V {
    compare(a, |o| o.is_eq())
}

/// `series_not_equals(series1, series2)`.
pub fn series_not_equals(a: &[V], _: &mut Ctx) -> V {
    compare(a, |o| o.is_ne())
}

/// `series_greater(series1, series2)`.
pub fn series_greater(a: &[V], _: &mut Ctx) -> V {
    compare(a, |o| o.is_gt())
}

/// `series_greater_equals(series1, series2)`.
pub fn series_greater_equals(a: &[V], _: &mut Ctx) -> V {
    compare(a, |o| o.is_ge())
}

/// `series_less(series1, series2)`.
pub fn series_less(a: &[V], _: &mut Ctx) -> V {
    compare(a, |o| o.is_lt())
}

/// `series_less_equals(series1, series2)`.
pub fn series_less_equals(a: &[V], _: &mut Ctx) -> V {
    compare(a, |o| o.is_le())
}

/// The numbers of an array, non-numeric elements left out.
fn numbers(v: &V) -> Option<Vec<f64>> {
    match v {
        V::Dyn(J::Array(items)) => Some(items.iter().filter_map(num).map(Num::real).collect()),
        _ => None,
    }
}

/// `series_sum(series)`: non-numeric elements left out.
pub fn series_sum(a: &[V], _: &mut Ctx) -> V {
    numbers(&a[0]).map_or(V::Null, |xs| V::Real(xs.iter().sum()))
}

/// `series_product(series)`: non-numeric elements left out.
pub fn series_product(a: &[V], _: &mut Ctx) -> V {
    numbers(&a[0]).map_or(V::Null, |xs| V::Real(xs.iter().product()))
}

/// `series_magnitude(series)`: the square root of the sum of squares.
pub fn series_magnitude(a: &[V], _: &mut Ctx) -> V {
    numbers(&a[0]).map_or(V::Null, |xs| V::Real(xs.iter().map(|x| x * x).sum::<f64>().sqrt()))
}

/// The pairs of two arguments over the shorter length (a number pairs with
/// every element); pairs with a non-numeric element left out.
fn pairs(x: &V, y: &V) -> Option<Vec<(f64, f64)>> {
    let (x, y) = (series(x)?, series(y)?);
    let n = match (x.len(), y.len()) {
        (Some(p), Some(q)) => p.min(q),
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => 1,
    };
    Some((0..n).filter_map(|i| Some((x.get(i)?.real(), y.get(i)?.real()))).collect())
}

/// `series_dot_product(series1, series2)`.
pub fn series_dot_product(a: &[V], _: &mut Ctx) -> V {
    pairs(&a[0], &a[1]).map_or(V::Null, |ps| V::Real(ps.iter().map(|(x, y)| x * y).sum()))
}

/// `series_cosine_similarity(series1, series2 [, magnitude1 [, magnitude2]])`.
pub fn series_cosine_similarity(a: &[V], _: &mut Ctx) -> V {
    let Some(ps) = pairs(&a[0], &a[1]) else { return V::Null };
    let dot: f64 = ps.iter().map(|(x, y)| x * y).sum();
    let given = |i: usize| match a.get(i) {
        Some(V::Real(r)) => Some(*r),
        Some(V::Long(n)) => Some(*n as f64),
        _ => None,
    };
    let m1 = given(2).unwrap_or_else(|| ps.iter().map(|(x, _)| x * x).sum::<f64>().sqrt());
    let m2 = given(3).unwrap_or_else(|| ps.iter().map(|(_, y)| y * y).sum::<f64>().sqrt());
    V::Real(dot / (m1 * m2))
}

/// `series_pearson_correlation(series1, series2)`: null when the arrays
/// differ in length or hold a non-numeric element.
pub fn series_pearson_correlation(a: &[V], _: &mut Ctx) -> V {
    let (V::Dyn(J::Array(x)), V::Dyn(J::Array(y))) = (&a[0], &a[1]) else { return V::Null };
    if x.len() != y.len() || x.is_empty() {
        return V::Null;
    }
    let (Some(xs), Some(ys)) = (
        x.iter().map(|j| num(j).map(Num::real)).collect::<Option<Vec<f64>>>(),
        y.iter().map(|j| num(j).map(Num::real)).collect::<Option<Vec<f64>>>(),
    ) else {
        return V::Null;
    };
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let vy: f64 = ys.iter().map(|y| (y - my) * (y - my)).sum();
    V::Real(cov / (vx * vy).sqrt())
}

/// Whether an element is the missing-value placeholder (`None`: null).
pub(crate) fn missing(j: &J, placeholder: Option<&V>) -> bool {
    match placeholder {
        None | Some(V::Null) => j.is_null(),
        Some(p) => match (num(j), p) {
            (Some(n), V::Long(x)) => n.real() == *x as f64,
            (Some(n), V::Real(x)) => n.real() == *x,
            _ => *j == p.json(),
        },
    }
}

/// `series_fill_const(series, constant [, placeholder])`.
pub fn series_fill_const(a: &[V], _: &mut Ctx) -> V {
    let V::Dyn(J::Array(items)) = &a[0] else { return V::Null };
    let fill = a[1].json();
    V::Dyn(J::Array(items.iter().map(|j| if missing(j, a.get(2)) { fill.clone() } else { j.clone() }).collect()))
}

/// `series_fill_forward(series [, placeholder])`: each missing element takes
/// the last present one before it; leading ones stay.
pub fn series_fill_forward(a: &[V], _: &mut Ctx) -> V {
    let V::Dyn(J::Array(items)) = &a[0] else { return V::Null };
    let mut last: Option<J> = None;
    let out = items
        .iter()
        .map(|j| {
            if missing(j, a.get(1)) {
                last.clone().unwrap_or_else(|| j.clone())
            } else {
                last = Some(j.clone());
                j.clone()
            }
        })
        .collect();
    V::Dyn(J::Array(out))
}

/// `series_fill_backward(series [, placeholder])`: each missing element
/// takes the next present one after it; trailing ones stay.
pub fn series_fill_backward(a: &[V], _: &mut Ctx) -> V {
    let V::Dyn(J::Array(items)) = &a[0] else { return V::Null };
    let mut next: Option<J> = None;
    let mut out: Vec<J> = items
        .iter()
        .rev()
        .map(|j| {
            if missing(j, a.get(1)) {
                next.clone().unwrap_or_else(|| j.clone())
            } else {
                next = Some(j.clone());
                j.clone()
            }
        })
        .collect();
    out.reverse();
    V::Dyn(J::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> V {
        V::Dyn(serde_json::from_str(s).expect("json"))
    }

    #[test]
    fn arithmetic_keeps_whole_numbers_and_nulls_what_is_missing() {
        let mut c = Ctx::default();
        assert_eq!(series_add(&[json("[1,2,4]"), json("[4,2]")], &mut c), json("[5,4,null]"));
        assert_eq!(series_add(&[json("[1,\"x\"]"), V::Long(1)], &mut c), json("[2,null]"));
        assert_eq!(series_multiply(&[json("[9223372036854775807]"), V::Long(2)], &mut c), json("[null]"));
        assert_eq!(series_divide(&[json("[1,2]"), json("[4,0]")], &mut c), json("[0.25,null]"));
        assert_eq!(series_abs(&[json("[-6.5,0,-9223372036854775808]")], &mut c), json("[6.5,0,null]"));
    }

    #[test]
    fn comparisons_and_reductions() {
        let mut c = Ctx::default();
        assert_eq!(series_greater(&[json("[1,2,4]"), json("[4,2,1]")], &mut c), json("[false,false,true]"));
        assert_eq!(series_sum(&[json("[1,2,\"a\",4]")], &mut c), V::Real(7.0));
        assert_eq!(series_dot_product(&[json("[1,2,3]"), json("[1,1]")], &mut c), V::Real(3.0));
        assert_eq!(series_pearson_correlation(&[json("[1,2,3]"), json("[2,4,6]")], &mut c), V::Real(1.0));
        assert_eq!(series_pearson_correlation(&[json("[1,2]"), json("[2,4,6]")], &mut c), V::Null);
    }

    #[test]
    fn fills() {
        let mut c = Ctx::default();
        assert_eq!(series_fill_forward(&[json("[null,1,null,3,null]")], &mut c), json("[null,1,1,3,3]"));
        assert_eq!(series_fill_backward(&[json("[null,1,null,3,null]")], &mut c), json("[1,1,3,3,null]"));
        assert_eq!(series_fill_const(&[json("[null,1,-1]"), V::Long(0), V::Long(-1)], &mut c), json("[null,1,0]"));
    }
}
