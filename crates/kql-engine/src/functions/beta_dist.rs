//! The beta distribution: `beta_cdf`, `beta_inv` and `beta_pdf`
//! (beta-cdf-function.md, beta-inv-function.md, beta-pdf-function.md).
//!
//! The cumulative function is the regularized incomplete beta function,
//! evaluated by its continued fraction (modified Lentz, a bounded number of
//! terms) on the side of the mean where it converges fast; the inverse
//! bisects it. Domain rules follow the pages' printed outputs: a non-number
//! gives null; `x` outside [0, 1] or a shape outside (0, 10000] gives NaN
//! for `beta_cdf`; `beta_pdf` gives NaN outside 0 < x < 1 or for a shape
//! ≤ 0; `beta_inv` gives null for a probability outside (0, 1] and NaN for a
//! shape ≤ 0 (the page's example prints both so, though its note words
//! them the other way round).

use super::math::num;
use super::rowwise::{Ctx, V};

/// The most continued-fraction terms evaluated.
const MAX_TERMS: u32 = 500;
/// Bisection steps of `beta_inv` (far more than a double's 53 bits need).
const BISECT_STEPS: u32 = 200;

fn three(a: &[V]) -> Option<(f64, f64, f64)> {
    Some((num(a.first()?)?, num(a.get(1)?)?, num(a.get(2)?)?))
}

/// ln B(a, b), through gamma itself where it is finite (more exact).
fn ln_beta(a: f64, b: f64) -> f64 {
    let (ga, gb, gab) = (libm::tgamma(a), libm::tgamma(b), libm::tgamma(a + b));
    if ga.is_finite() && gb.is_finite() && gab.is_finite() && gab > 0.0 && ga > 0.0 && gb > 0.0 {
        (ga * gb / gab).ln()
    } else {
        libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
    }
}

/// The continued fraction of the incomplete beta function.
fn cont_frac(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let fix = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / fix(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_TERMS {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1 and
/// positive shapes (also behind Student's t distribution, `welch`).
pub(crate) fn reg_inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * cont_frac(a, b, x) / a
    } else {
        1.0 - front * cont_frac(b, a, 1.0 - x) / b
    }
}

fn shape_ok(s: f64) -> bool {
    s > 0.0 && s <= 10000.0
}

/// `beta_cdf(x, alpha, beta)`.
pub fn beta_cdf(a: &[V], _: &mut Ctx) -> V {
    let Some((x, al, be)) = three(a) else { return V::Null };
    if !(0.0..=1.0).contains(&x) || !shape_ok(al) || !shape_ok(be) {
        return V::Real(f64::NAN);
    }
    V::Real(reg_inc_beta(x, al, be))
}

/// `beta_pdf(x, alpha, beta)`.
pub fn beta_pdf(a: &[V], _: &mut Ctx) -> V {
    let Some((x, al, be)) = three(a) else { return V::Null };
    if !(x > 0.0 && x < 1.0 && shape_ok(al) && shape_ok(be)) {
        return V::Real(f64::NAN);
    }
    V::Real(((al - 1.0) * x.ln() + (be - 1.0) * (1.0 - x).ln() - ln_beta(al, be)).exp())
}

/// `beta_inv(probability, alpha, beta)`: the x whose `beta_cdf` is the
/// probability.
pub fn beta_inv(a: &[V], _: &mut Ctx) -> V {
    let Some((p, al, be)) = three(a) else { return V::Null };
    if !shape_ok(al) || !shape_ok(be) {
        return V::Real(f64::NAN);
    }
    if !(p > 0.0 && p <= 1.0) {
        return V::Null;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..BISECT_STEPS {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        if reg_inc_beta(mid, al, be) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    V::Real(lo + (hi - lo) / 2.0)
}
