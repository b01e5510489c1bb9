//! Mathematical functions (scalar-functions.md, "Mathematical functions"
//! and "Rounding functions"): logarithms and exponentials, trigonometry,
//! gamma and the error function, rounding, the bitwise `binary_*`
//! functions, `max_of`/`min_of`, `rand` and `range`.
//!
//! A null argument gives null; a value outside a function's domain gives
//! null where the docs say so (`log` of a negative, `sqrt` of a negative,
//! `acos`/`asin` outside [-1, 1]) and the IEEE answer otherwise.

use std::cmp::Ordering;

use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// The value as a real, if it is a number.
pub fn num(v: &V) -> Option<f64> {
    match v {
        V::Long(n) => Some(*n as f64),
        V::Real(r) => Some(*r),
        V::Dyn(J::Number(n)) => n.as_f64(),
        _ => None,
    }
}

/// A real function of one real argument; `None` is null.
fn real1(a: &[V], f: impl Fn(f64) -> Option<f64>) -> V {
    match a.first().and_then(num).and_then(f) {
        Some(r) => V::Real(r),
        None => V::Null,
    }
}

/// A real function of two real arguments.
fn real2(a: &[V], f: impl Fn(f64, f64) -> f64) -> V {
    match (a.first().and_then(num), a.get(1).and_then(num)) {
        (Some(x), Some(y)) => V::Real(f(x, y)),
        _ => V::Null,
    }
}

/// Null for negative inputs (log-function.md and its base-2/10 pages).
fn nonneg(x: f64, f: fn(f64) -> f64) -> Option<f64> {
    if x < 0.0 { None } else { Some(f(x)) }
}

/// `log(x)`: the natural logarithm.
pub fn log(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| nonneg(x, f64::ln))
}

/// `log2(x)`.
pub fn log2(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| nonneg(x, f64::log2))
}

/// `log10(x)`.
pub fn log10(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| nonneg(x, f64::log10))
}

/// `exp(x)`: e to the power x.
pub fn exp(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.exp()))
}

/// `exp2(x)`: 2 to the power x.
pub fn exp2(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.exp2()))
}

/// `exp10(x)`: 10 to the power x.
pub fn exp10(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(10f64.powf(x)))
}

/// `pow(base, exponent)`.
pub fn pow(a: &[V], _: &mut Ctx) -> V {
    real2(a, f64::powf)
}

/// `sqrt(x)`: null for a negative x.
pub fn sqrt(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| nonneg(x, f64::sqrt))
}

/// `cos(x)`, x in radians.
pub fn cos(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.cos()))
}

/// `sin(x)`.
pub fn sin(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.sin()))
}

/// `tan(x)`.
pub fn tan(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.tan()))
}

/// `cot(x)`: 1 / tan(x).
pub fn cot(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(1.0 / x.tan()))
}

/// Null outside [-1, 1] (acos-function.md, asin-function.md).
fn unit(x: f64, f: fn(f64) -> f64) -> Option<f64> {
    if (-1.0..=1.0).contains(&x) { Some(f(x)) } else { None }
}

/// `acos(x)`.
pub fn acos(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| unit(x, f64::acos))
}

/// `asin(x)`.
pub fn asin(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| unit(x, f64::asin))
}

/// `atan(x)`.
pub fn atan(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.atan()))
}

/// `atan2(y, x)`: the angle of the point (x, y).
pub fn atan2(a: &[V], _: &mut Ctx) -> V {
    real2(a, f64::atan2)
}

/// `degrees(radians)`.
pub fn degrees(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.to_degrees()))
}

/// `radians(degrees)`.
pub fn radians(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(x.to_radians()))
}

/// `pi()`.
pub fn pi(_: &[V], _: &mut Ctx) -> V {
    V::Real(std::f64::consts::PI)
}

/// `gamma(x)`.
pub fn gamma(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(libm::tgamma(x)))
}

/// `loggamma(x)`: the natural logarithm of |gamma(x)|; through gamma
/// itself where that is a finite non-zero real (`loggamma(5)` is exactly
/// `log(24)`), else `lgamma`.
pub fn loggamma(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| {
        let g = libm::tgamma(x);
        Some(if g.is_finite() && g != 0.0 { g.abs().ln() } else { libm::lgamma(x) })
    })
}

/// `erf(x)`: the error function.
pub fn erf(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(libm::erf(x)))
}

/// `erfc(x)`: 1 - erf(x).
pub fn erfc(a: &[V], _: &mut Ctx) -> V {
    real1(a, |x| Some(libm::erfc(x)))
}

/// `isfinite(x)`: neither infinite nor NaN (a whole number always is).
pub fn isfinite(a: &[V], _: &mut Ctx) -> V {
    a.first().and_then(num).map_or(V::Null, |x| V::Bool(x.is_finite()))
}

/// `isinf(x)`.
pub fn isinf(a: &[V], _: &mut Ctx) -> V {
    a.first().and_then(num).map_or(V::Null, |x| V::Bool(x.is_infinite()))
}

/// `isnan(x)`.
pub fn isnan(a: &[V], _: &mut Ctx) -> V {
    a.first().and_then(num).map_or(V::Null, |x| V::Bool(x.is_nan()))
}

/// `sign(x)`: -1, 0 or 1, of the type of x (NaN stays NaN).
pub fn sign(a: &[V], _: &mut Ctx) -> V {
    match a.first() {
        Some(V::Long(n)) => V::Long(n.signum()),
        Some(v) => match num(v) {
            Some(x) if x.is_nan() => V::Real(x),
            Some(0.0) => V::Real(0.0),
            Some(x) => V::Real(x.signum()),
            None => V::Null,
        },
        None => V::Null,
    }
}

/// `ceiling(x)`: the smallest whole number not below x, of the type of x.
pub fn ceiling(a: &[V], _: &mut Ctx) -> V {
    match a.first() {
        Some(V::Long(n)) => V::Long(*n),
        Some(v) => real1(std::slice::from_ref(v), |x| Some(x.ceil())),
        None => V::Null,
    }
}

/// `round(x [, precision])`: to `precision` decimal digits (negative: to
/// tens, hundreds...), halves away from zero; of the type of x.
pub fn round(a: &[V], _: &mut Ctx) -> V {
    let p = match a.get(1) {
        None => 0,
        Some(v) => match v.long() {
            Some(p) => p.clamp(-400, 400) as i32,
            None => return V::Null,
        },
    };
    match a.first() {
        Some(V::Long(n)) => round_long(*n, p).map_or(V::Null, V::Long),
        Some(v) => match num(v) {
            Some(x) => V::Real(round_real(x, p)),
            None => V::Null,
        },
        None => V::Null,
    }
}

fn round_long(n: i64, p: i32) -> Option<i64> {
    if p >= 0 {
        return Some(n);
    }
    // 10^19 is past the long range: every long rounds to 0 at that scale.
    let Some(step) = 10i64.checked_pow(p.unsigned_abs()) else { return Some(0) };
    let half = step / 2;
    let q = n / step;
    let r = n % step;
    let q = if r >= half && r > 0 {
        q.checked_add(1)?
    } else if r <= -half && r < 0 {
        q.checked_sub(1)?
    } else {
        q
    };
    q.checked_mul(step)
}

fn round_real(x: f64, p: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if p >= 0 {
        let f = 10f64.powi(p);
        let y = x * f;
        if !y.is_finite() || y.abs() >= 1e17 {
            return x;
        }
        y.round() / f
    } else {
        let f = 10f64.powi(-p);
        if !f.is_finite() {
            return 0.0 * x.signum();
        }
        (x / f).round() * f
    }
}

/// Both arguments as longs.
fn longs2(a: &[V]) -> Option<(i64, i64)> {
    Some((a.first()?.long()?, a.get(1)?.long()?))
}

/// `binary_and(a, b)`.
pub fn binary_and(a: &[V], _: &mut Ctx) -> V {
    longs2(a).map_or(V::Null, |(x, y)| V::Long(x & y))
}

/// `binary_or(a, b)`.
pub fn binary_or(a: &[V], _: &mut Ctx) -> V {
    longs2(a).map_or(V::Null, |(x, y)| V::Long(x | y))
}

/// `binary_xor(a, b)`.
pub fn binary_xor(a: &[V], _: &mut Ctx) -> V {
    longs2(a).map_or(V::Null, |(x, y)| V::Long(x ^ y))
}

/// `binary_not(a)`.
pub fn binary_not(a: &[V], _: &mut Ctx) -> V {
    a.first().and_then(V::long).map_or(V::Null, |x| V::Long(!x))
}

/// The shift of `binary_shift_*`: modulo 64, null when negative
/// (binary-shift-left-function.md).
fn shift(n: i64) -> Option<u32> {
    if n < 0 { None } else { u32::try_from(n % 64).ok() }
}

/// `binary_shift_left(value, shift)`: value << (shift % 64).
pub fn binary_shift_left(a: &[V], _: &mut Ctx) -> V {
    match longs2(a).and_then(|(x, n)| Some((x, shift(n)?))) {
        Some((x, n)) => V::Long(x.wrapping_shl(n)),
        None => V::Null,
    }
}

/// `binary_shift_right(value, shift)`: value >> (shift % 64), arithmetic.
pub fn binary_shift_right(a: &[V], _: &mut Ctx) -> V {
    match longs2(a).and_then(|(x, n)| Some((x, shift(n)?))) {
        Some((x, n)) => V::Long(x.wrapping_shr(n)),
        None => V::Null,
    }
}

/// `bitset_count_ones(value)`: the set bits of the long.
pub fn bitset_count_ones(a: &[V], _: &mut Ctx) -> V {
    a.first().and_then(V::long).map_or(V::Null, |x| V::Long(i64::from(x.count_ones())))
}

/// The order of two values of one type (numbers compare as numbers).
fn order(x: &V, y: &V) -> Option<Ordering> {
    match (x, y) {
        (V::Long(a), V::Long(b)) | (V::Dt(a), V::Dt(b)) | (V::Ts(a), V::Ts(b)) => Some(a.cmp(b)),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(b)),
        (V::Guid(a), V::Guid(b)) => Some(a.cmp(b)),
        _ => num(x)?.partial_cmp(&num(y)?),
    }
}

/// The argument furthest in `want`'s direction, nulls skipped.
fn extreme(a: &[V], want: Ordering) -> V {
    let mut best: Option<&V> = None;
    for v in a {
        if matches!(v, V::Null | V::Dyn(J::Null)) || matches!(v, V::Real(r) if r.is_nan()) {
            continue;
        }
        best = match best {
            None => Some(v),
            Some(b) if order(v, b) == Some(want) => Some(v),
            keep => keep,
        };
    }
    best.cloned().unwrap_or(V::Null)
}

/// `max_of(a, b, ...)`: the largest non-null argument (max-of-function.md).
pub fn max_of(a: &[V], _: &mut Ctx) -> V {
    extreme(a, Ordering::Greater)
}

/// `min_of(a, b, ...)`: the smallest non-null argument.
pub fn min_of(a: &[V], _: &mut Ctx) -> V {
    extreme(a, Ordering::Less)
}

/// `rand()`: a real in [0, 1); `rand(n)`: a whole real in [0, n).
pub fn rand(a: &[V], ctx: &mut Ctx) -> V {
    let r = ctx.rng().f64();
    match a.first() {
        None => V::Real(r),
        Some(v) => match num(v) {
            Some(n) if n >= 1.0 => V::Real((r * n.floor()).floor()),
            _ => V::Null,
        },
    }
}

/// The most elements `range()` makes (range-function.md: the array is
/// truncated at the limit of results).
pub const RANGE_MAX: usize = 1_048_576;

/// `range(start, stop [, step])`: numbers, datetimes or timespans from
/// `start` up to `stop` by `step` (1, or 1h for datetimes and timespans).
pub fn range(a: &[V], _: &mut Ctx) -> V {
    const HOUR: i64 = 3_600_000_000_000;
    let (Some(start), Some(stop)) = (a.first(), a.get(1)) else { return V::Null };
    let step = a.get(2);
    let mut out = Vec::new();
    match (start, stop) {
        (V::Long(s), V::Long(e)) if matches!(step, None | Some(V::Long(_))) => {
            let st = step.and_then(V::long).unwrap_or(1);
            whole(*s, *e, st, &mut out, J::from);
        }
        (V::Dt(s), V::Dt(e)) | (V::Ts(s), V::Ts(e)) => {
            let st = match step {
                None => HOUR,
                Some(V::Ts(n)) => *n,
                Some(_) => return V::Null,
            };
            let make = |n: i64| if matches!(start, V::Dt(_)) { V::Dt(n).json() } else { V::Ts(n).json() };
            whole(*s, *e, st, &mut out, make);
        }
        _ => {
            let (Some(s), Some(e)) = (num(start), num(stop)) else { return V::Null };
            let st = match step {
                None => 1.0,
                Some(v) => match num(v) {
                    Some(x) => x,
                    None => return V::Null,
                },
            };
            if !(s.is_finite() && e.is_finite() && st.is_finite()) || st == 0.0 {
                return V::Null;
            }
            let mut i = 0u32;
            while out.len() < RANGE_MAX {
                let x = s + f64::from(i) * st;
                if (st > 0.0 && x > e) || (st < 0.0 && x < e) {
                    break;
                }
                out.push(V::Real(x).json());
                i += 1;
            }
        }
    }
    V::Dyn(J::Array(out))
}

/// Whole-number steps from `s` to `e` by `st`, at most [`RANGE_MAX`]; a
/// zero step or one away from `e` gives `[s]` or nothing as Kusto does.
fn whole(s: i64, e: i64, st: i64, out: &mut Vec<J>, make: impl Fn(i64) -> J) {
    if st == 0 {
        return;
    }
    let mut x = s;
    while out.len() < RANGE_MAX && ((st > 0 && x <= e) || (st < 0 && x >= e)) {
        out.push(make(x));
        match x.checked_add(st) {
            Some(n) => x = n,
            None => break,
        }
    }
}

/// `around(value, center, delta)` (around-function.md): whether `value` is
/// within `[center - delta, center + delta]`; null if any is null. Whole
/// values (longs, datetimes, timespans) compare exactly.
pub fn around(a: &[V], _: &mut Ctx) -> V {
    let whole = |v: &V| match v {
        V::Long(n) | V::Dt(n) | V::Ts(n) => Some(i128::from(*n)),
        _ => None,
    };
    if let (Some(v), Some(c), Some(d)) = (whole(&a[0]), whole(&a[1]), whole(&a[2])) {
        return V::Bool(c - d <= v && v <= c + d);
    }
    let real = |v: &V| match v {
        V::Long(n) | V::Dt(n) | V::Ts(n) => Some(*n as f64),
        V::Real(r) => Some(*r),
        _ => None,
    };
    match (real(&a[0]), real(&a[1]), real(&a[2])) {
        (Some(v), Some(c), Some(d)) => V::Bool(c - d <= v && v <= c + d),
        _ => V::Null,
    }
}
