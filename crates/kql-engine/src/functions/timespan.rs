//! Timespan functions and fixed-point bins: `make_timespan`,
//! `format_timespan`, `bin_at` (and `bin_auto`, which the binder turns into
//! `bin_at` with the query's `query_bin_auto_*` settings).

use super::checked::{bin_nanos, real_to_nanos};
use super::math::num;
use super::rowwise::{Ctx, V};

const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// `make_timespan(hour, minute)`, `(hour, minute, second)` or `(day,
/// hour, minute, second)`: null when a part is missing or out of range
/// (hours 0-23, minutes 0-59, seconds below 60).
pub fn make_timespan(a: &[V], _: &mut Ctx) -> V {
    let (day, rest) = match a.len() {
        4 => match a[0].long() {
            Some(d) => (d, &a[1..]),
            None => return V::Null,
        },
        2 | 3 => (0, a),
        _ => return V::Null,
    };
    let (Some(h), Some(m)) = (rest[0].long(), rest[1].long()) else { return V::Null };
    let s = match rest.get(2) {
        None => 0.0,
        Some(v) => match num(v) {
            Some(s) => s,
            None => return V::Null,
        },
    };
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0.0..60.0).contains(&s) {
        return V::Null;
    }
    // Seconds to the tick, as timespans hold them.
    let Some(s_nanos) = real_to_nanos((s * 1e7).round() * 100.0) else { return V::Null };
    let whole = i128::from(day) * 86_400 + i128::from(h) * 3600 + i128::from(m) * 60;
    let total = whole * i128::from(NANOS_PER_SECOND) + i128::from(s_nanos);
    i64::try_from(total).map_or(V::Null, V::Ts)
}

/// `format_timespan(ts, format)`: the elements of
/// format-timespan-function.md (d to dddddddd, f to fffffff, F to FFFFFFF,
/// H, HH, h, hh, m, mm, s, ss) between delimiters; a negative timespan is
/// written with a leading `-`.
pub fn format_timespan(a: &[V], _: &mut Ctx) -> V {
    let V::Ts(n) = a[0] else { return V::Null };
    let f = a.get(1).map(V::text).unwrap_or_default();
    let ticks = (i128::from(n) / 100).unsigned_abs();
    let frac = (ticks % 10_000_000) as u64;
    let secs = ticks / 10_000_000;
    let (days, h, m, s) = (secs / 86_400, (secs / 3600 % 24) as u64, (secs / 60 % 60) as u64, (secs % 60) as u64);
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    let chars: Vec<char> = f.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let run = chars.iter().skip(i).take_while(|x| **x == c).count();
        i += run;
        match c {
            'd' => out.push_str(&format!("{days:0run$}")),
            'H' | 'h' => out.push_str(&format!("{h:0w$}", w = run.min(2))),
            'm' => out.push_str(&format!("{m:0w$}", w = run.min(2))),
            's' => out.push_str(&format!("{s:0w$}", w = run.min(2))),
            'f' | 'F' => {
                let digits = run.min(7);
                let part = frac / 10u64.pow((7 - digits) as u32);
                let text = format!("{part:0digits$}");
                if c == 'f' {
                    out.push_str(&text);
                } else if part != 0 {
                    out.push_str(text.trim_end_matches('0'));
                }
            }
            other => (0..run).for_each(|_| out.push(other)),
        }
    }
    V::Str(out)
}

/// `bin_at(value, size, fixed_point)`: `value` rounded down to a multiple
/// of `size` counted from `fixed_point` (numbers, timespans, or datetimes
/// with a timespan size); null for a size that is not positive.
pub fn bin_at(a: &[V], _: &mut Ctx) -> V {
    let (Some(v), Some(size), Some(at)) = (a.first(), a.get(1), a.get(2)) else { return V::Null };
    match (v, size, at) {
        (V::Dt(x), V::Ts(s), V::Dt(o)) => bin_nanos(*x, *s, *o).map_or(V::Null, V::Dt),
        (V::Ts(x), V::Ts(s), V::Ts(o)) => bin_nanos(*x, *s, *o).map_or(V::Null, V::Ts),
        (V::Long(x), V::Long(s), V::Long(o)) => bin_nanos(*x, *s, *o).map_or(V::Null, V::Long),
        _ => {
            let (Some(x), Some(s), Some(o)) = (num(v), num(size), num(at)) else { return V::Null };
            if s.is_nan() || s <= 0.0 {
                return V::Null;
            }
            V::Real(((x - o) / s).floor() * s + o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_timespan_of_the_docs() {
        let t = V::Ts(((29 * 86_400 + 9 * 3600 + 5) * NANOS_PER_SECOND) + 123_450_000);
        let f = |s: &str| format_timespan(&[t.clone(), V::Str(s.into())], &mut Ctx::default());
        assert_eq!(f("dd.hh:mm:ss:FF"), V::Str("29.09:00:05:12".into()));
        assert_eq!(f("ddd.h:mm:ss [fffffff]"), V::Str("029.9:00:05 [1234500]".into()));
    }
}
