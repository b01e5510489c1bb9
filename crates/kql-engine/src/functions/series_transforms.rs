//! `series_fft` and `series_ifft` (series-fft-function.md,
//! series-ifft-function.md: the discrete Fourier transform of a complex
//! series and its inverse, which divides by the length so that
//! `series_ifft(series_fft(x))` is `x`), and `series_fir`
//! (series-fir-function.md: the finite impulse response filter
//! `Y[i] = f0 X[i] + f1 X[i-1] + ...`, elements before the first taken as 0).

use std::f64::consts::PI;

use serde_json::Value as J;

use super::rowwise::{Ctx, V};
use super::series_filters::{json_real, reals};

fn json_reals(v: Vec<f64>) -> J {
    J::Array(v.into_iter().map(json_real).collect())
}

/// The longest series of a length that is not a power of two transformed
/// by the direct sum (which costs the length squared); longer ones go
/// through Bluestein's chirp transform over powers of two. Powers of two go
/// through the fast transform at any length.
const MAX_DIRECT_LEN: usize = 8_192;

/// The transform of `(re, im)`, forward (`sign` -1) or inverse (`sign` 1,
/// then divided by the length); `None` when the padded length overflows.
fn transform(mut re: Vec<f64>, mut im: Vec<f64>, sign: f64) -> Option<(Vec<f64>, Vec<f64>)> {
    let n = re.len();
    if n.is_power_of_two() {
        radix2(&mut re, &mut im, sign);
    } else if n <= MAX_DIRECT_LEN {
        let (mut out_re, mut out_im) = (vec![0.0; n], vec![0.0; n]);
        for (k, (o_re, o_im)) in out_re.iter_mut().zip(out_im.iter_mut()).enumerate() {
            for (t, (x_re, x_im)) in re.iter().zip(&im).enumerate() {
                // k * t < n^2 fits: n is at most MAX_DIRECT_LEN.
                let angle = sign * 2.0 * PI * ((k * t) % n) as f64 / n as f64;
                let (s, c) = angle.sin_cos();
                *o_re += x_re * c - x_im * s;
                *o_im += x_re * s + x_im * c;
            }
        }
        (re, im) = (out_re, out_im);
    } else {
        (re, im) = bluestein(&re, &im, sign)?;
    }
    if sign > 0.0 && n > 0 {
        let len = n as f64;
        re.iter_mut().chain(im.iter_mut()).for_each(|v| *v /= len);
    }
    Some((re, im))
}

/// The transform of a series of any length `n` as a convolution with the
/// chirp `c_j = e^(sign·iπj²/n)` (`kt = (k² + t² - (k-t)²)/2`), done by
/// power-of-two transforms of length `m >= 2n - 1`. `None` when `m`
/// overflows.
fn bluestein(re: &[f64], im: &[f64], sign: f64) -> Option<(Vec<f64>, Vec<f64>)> {
    let n = re.len();
    let m = n.checked_mul(2)?.checked_next_power_of_two()?;
    // j² mod 2n keeps the angle small and exact.
    let two_n = 2 * n as u128;
    let chirp: Vec<(f64, f64)> = (0..n)
        .map(|j| {
            let jj = (j as u128 * j as u128) % two_n;
            (sign * PI * jj as f64 / n as f64).sin_cos()
        })
        .collect();
    let (mut a_re, mut a_im) = (vec![0.0; m], vec![0.0; m]);
    for (t, &(s, c)) in chirp.iter().enumerate() {
        a_re[t] = re[t] * c - im[t] * s;
        a_im[t] = re[t] * s + im[t] * c;
    }
    // The conjugate chirp at offsets -(n-1)..=(n-1), wrapped into 0..m.
    let (mut b_re, mut b_im) = (vec![0.0; m], vec![0.0; m]);
    for (j, &(s, c)) in chirp.iter().enumerate() {
        b_re[j] = c;
        b_im[j] = -s;
        if j > 0 {
            b_re[m - j] = c;
            b_im[m - j] = -s;
        }
    }
    radix2(&mut a_re, &mut a_im, -1.0);
    radix2(&mut b_re, &mut b_im, -1.0);
    for i in 0..m {
        let (x, y) = (a_re[i] * b_re[i] - a_im[i] * b_im[i], a_re[i] * b_im[i] + a_im[i] * b_re[i]);
        a_re[i] = x;
        a_im[i] = y;
    }
    radix2(&mut a_re, &mut a_im, 1.0);
    let scale = m as f64;
    let mut out_re = Vec::with_capacity(n);
    let mut out_im = Vec::with_capacity(n);
    for (k, &(s, c)) in chirp.iter().enumerate() {
        let (x, y) = (a_re[k] / scale, a_im[k] / scale);
        out_re.push(x * c - y * s);
        out_im.push(x * s + y * c);
    }
    Some((out_re, out_im))
}

/// The iterative Cooley-Tukey transform in place; `re.len()` is a power of
/// two and `im` as long.
fn radix2(re: &mut [f64], im: &mut [f64], sign: f64) {
    let n = re.len();
    if n < 2 {
        return;
    }
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let step = sign * 2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (step * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let t_re = re[b] * c - im[b] * s;
                let t_im = re[b] * s + im[b] * c;
                re[b] = re[a] - t_re;
                im[b] = im[a] - t_im;
                re[a] += t_re;
                im[a] += t_im;
            }
        }
        len *= 2;
    }
}

/// The two outputs of a transform: null when the real part is not an array
/// of numbers or the imaginary part (if given and not null) is not one of
/// the same length.
fn fft_call(a: &[V], sign: f64) -> V {
    let Some(re) = reals(a.first()) else { return V::Dyn(J::Array(vec![J::Null, J::Null])) };
    let im = match a.get(1) {
        None | Some(V::Null) => Some(vec![0.0; re.len()]),
        Some(v) => reals(Some(v)).filter(|im| im.len() == re.len()),
    };
    match im.and_then(|im| transform(re, im, sign)) {
        Some((re, im)) => V::Dyn(J::Array(vec![json_reals(re), json_reals(im)])),
        None => V::Dyn(J::Array(vec![J::Null, J::Null])),
    }
}

/// `series_fft(real [, imaginary])`: the real and imaginary parts of the
/// transform.
pub fn series_fft(a: &[V], _: &mut Ctx) -> V {
    fft_call(a, -1.0)
}

/// `series_ifft(real [, imaginary])`: the real and imaginary parts of the
/// inverse transform.
pub fn series_ifft(a: &[V], _: &mut Ctx) -> V {
    fft_call(a, 1.0)
}

/// The most multiply-adds one `series_fir` call makes (series length times
/// coefficients); past it the result is null.
const MAX_FIR_STEPS: usize = 100_000_000;

/// `series_fir(series, filter [, normalize [, center]])`. `normalize`
/// divides the filter by its sum; by default it is on unless a coefficient
/// is negative, and asked for with a negative coefficient (or a zero sum)
/// the result is null. `center` moves the output back by half the filter
/// (rounded down), so a symmetric filter keeps peaks in place; elements
/// past the last are then taken as 0 too.
pub fn series_fir(a: &[V], _: &mut Ctx) -> V {
    let (Some(x), Some(mut f)) = (reals(a.first()), reals(a.get(1))) else { return V::Null };
    let negative = f.iter().any(|c| *c < 0.0);
    let normalize = match a.get(2) {
        None | Some(V::Null) => !negative,
        Some(V::Bool(b)) => *b,
        Some(_) => return V::Null,
    };
    let center = match a.get(3) {
        None | Some(V::Null) => false,
        Some(V::Bool(b)) => *b,
        Some(_) => return V::Null,
    };
    if f.is_empty() || x.len().saturating_mul(f.len()) > MAX_FIR_STEPS {
        return V::Null;
    }
    if normalize {
        let sum: f64 = f.iter().sum();
        if negative || sum == 0.0 || !sum.is_finite() {
            return V::Null;
        }
        f.iter_mut().for_each(|c| *c /= sum);
    }
    let shift = if center { (f.len() - 1) / 2 } else { 0 };
    let y: Vec<f64> = (0..x.len())
        .map(|i| {
            let at = i.saturating_add(shift);
            f.iter().enumerate().filter_map(|(j, c)| at.checked_sub(j).and_then(|k| x.get(k)).map(|v| c * v)).sum()
        })
        .collect();
    V::Dyn(json_reals(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn inverse_undoes_the_transform_at_any_length() {
        for n in [0usize, 1, 2, 3, 5, 8, 12, 16] {
            let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + i as f64).collect();
            let im: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            let (fr, fi) = transform(re.clone(), im.clone(), -1.0).unwrap();
            let (br, bi) = transform(fr, fi, 1.0).unwrap();
            assert!(close(&br, &re) && close(&bi, &im), "length {n}");
        }
    }

    #[test]
    fn fast_and_direct_transforms_agree() {
        // A length of 8 goes through radix2: each coefficient against the
        // sum of the definition.
        let re: Vec<f64> = vec![1.0, 2.0, 0.0, -1.0, 3.0, 0.5, 0.0, 2.0];
        let (fr, fi) = transform(re.clone(), vec![0.0; 8], -1.0).unwrap();
        for k in 0..8 {
            let (mut r, mut i) = (0.0, 0.0);
            for (t, x) in re.iter().enumerate() {
                let a = -2.0 * PI * (k * t) as f64 / 8.0;
                r += x * a.cos();
                i += x * a.sin();
            }
            assert!((fr[k] - r).abs() < 1e-9 && (fi[k] - i).abs() < 1e-9, "coefficient {k}");
        }
    }

    #[test]
    fn the_chirp_transform_agrees_with_the_direct_sum() {
        // Lengths that are not powers of two, both ways, against the direct sum.
        for n in [3usize, 7, 12, 1000] {
            let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 3.0 + 1.0).collect();
            let im: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
            for sign in [-1.0, 1.0] {
                let direct = transform(re.clone(), im.clone(), sign).unwrap();
                let (mut cr, mut ci) = bluestein(&re, &im, sign).unwrap();
                if sign > 0.0 {
                    cr.iter_mut().chain(ci.iter_mut()).for_each(|v| *v /= n as f64);
                }
                let tol = 1e-9 * n as f64;
                let near = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < tol);
                assert!(near(&cr, &direct.0) && near(&ci, &direct.1), "length {n}, sign {sign}");
            }
        }
        // Past the direct sum's length, the inverse still undoes the transform.
        let n = 10_000;
        let re: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let (fr, fi) = transform(re.clone(), vec![0.0; n], -1.0).unwrap();
        let (br, bi) = transform(fr, fi, 1.0).unwrap();
        assert!(br.iter().zip(&re).all(|(x, y)| (x - y).abs() < 1e-6), "round trip of {n}");
        assert!(bi.iter().all(|x| x.abs() < 1e-6));
    }
}
