//! Date and time functions: datetime_diff, datetime_add, startof/endof,
//! format_datetime, the calendar parts, and Unix time conversions. All
//! times are UTC.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use super::rowwise::{Ctx, V};

const NANOS_PER_DAY: i64 = 86_400_000_000_000;

fn civil(n: i64) -> Option<DateTime> {
    let ts = Timestamp::from_nanosecond(n as i128).ok()?;
    Some(ts.to_zoned(TimeZone::UTC).datetime())
}

fn nanos(dt: DateTime) -> Option<i64> {
    let ts = dt.to_zoned(TimeZone::UTC).ok()?.timestamp();
    i64::try_from(ts.as_nanosecond()).ok()
}

fn dt_arg(a: &[V], i: usize) -> Option<i64> {
    match a.get(i) {
        Some(V::Dt(n)) => Some(*n),
        _ => None,
    }
}

/// Days since the Sunday on or before 1970-01-01 (1969-12-28).
fn days_from_sunday(n: i64) -> i64 {
    n.div_euclid(NANOS_PER_DAY) + 4
}

/// The period `p` names (any case, singular or plural), as its singular.
pub fn period(p: &str) -> Option<&'static str> {
    Some(match p.to_ascii_lowercase().as_str() {
        "year" | "years" => "year",
        "quarter" | "quarters" => "quarter",
        "month" | "months" => "month",
        "week" | "weeks" => "week",
        "day" | "days" => "day",
        "hour" | "hours" => "hour",
        "minute" | "minutes" => "minute",
        "second" | "seconds" => "second",
        "millisecond" | "milliseconds" => "millisecond",
        "microsecond" | "microseconds" => "microsecond",
        "nanosecond" | "nanoseconds" => "nanosecond",
        _ => return None,
    })
}

/// `datetime_diff(period, dt1, dt2)`: period boundaries between them, dt1 - dt2.
pub fn datetime_diff(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(x), Some(y)) = (period(&a[0].text()), dt_arg(a, 1), dt_arg(a, 2)) else { return V::Null };
    let (Some(cx), Some(cy)) = (civil(x), civil(y)) else { return V::Null };
    let unit = |u: i64| x.div_euclid(u) - y.div_euclid(u);
    V::Long(match p {
        "year" => i64::from(cx.year()) - i64::from(cy.year()),
        "quarter" => {
            let q = |d: DateTime| i64::from(d.year()) * 4 + (i64::from(d.month()) - 1) / 3;
            q(cx) - q(cy)
        }
        "month" => {
            let m = |d: DateTime| i64::from(d.year()) * 12 + i64::from(d.month());
            m(cx) - m(cy)
        }
        "week" => days_from_sunday(x).div_euclid(7) - days_from_sunday(y).div_euclid(7),
        "day" => unit(NANOS_PER_DAY),
        "hour" => unit(3_600_000_000_000),
        "minute" => unit(60_000_000_000),
        "second" => unit(1_000_000_000),
        "millisecond" => unit(1_000_000),
        "microsecond" => unit(1_000),
        _ => return x.checked_sub(y).map(V::Long).unwrap_or(V::Null),
    })
}

/// `datetime_add(period, amount, dt)`: calendar arithmetic; month ends clamp.
pub fn datetime_add(a: &[V], _: &mut Ctx) -> V {
    let (Some(p), Some(n), Some(x)) = (period(&a[0].text()), a[1].long(), dt_arg(a, 2)) else { return V::Null };
    let fixed = |u: i64| n.checked_mul(u).and_then(|d| x.checked_add(d)).map(V::Dt).unwrap_or(V::Null);
    // Out of range (of jiff's spans or of datetimes) is null.
    let calendar = |span: Result<Span, jiff::Error>| {
        span.ok().and_then(|s| civil(x)?.checked_add(s).ok()).and_then(nanos).map(V::Dt).unwrap_or(V::Null)
    };
    match p {
        "year" => calendar(Span::new().try_years(n)),
        "quarter" => match n.checked_mul(3) {
            Some(m) => calendar(Span::new().try_months(m)),
            None => V::Null,
        },
        "month" => calendar(Span::new().try_months(n)),
        "week" => fixed(7 * NANOS_PER_DAY),
        "day" => fixed(NANOS_PER_DAY),
        "hour" => fixed(3_600_000_000_000),
        "minute" => fixed(60_000_000_000),
        "second" => fixed(1_000_000_000),
        "millisecond" => fixed(1_000_000),
        "microsecond" => fixed(1_000),
        _ => fixed(1),
    }
}

/// The start of the `unit` (`day`, `week`, `month`, `year`) of `x`, moved by
/// `offset` units; `None` out of range.
pub(crate) fn start_of(x: i64, unit: &str, offset: i64) -> Option<i64> {
    let c = civil(x)?;
    // Whole days, in i128 so no offset overflows; out of range is None.
    let days = |d: i128| i64::try_from(d.checked_mul(i128::from(NANOS_PER_DAY))?).ok();
    match unit {
        "day" => days(i128::from(x.div_euclid(NANOS_PER_DAY)) + i128::from(offset)),
        "week" => {
            let sunday = x.div_euclid(NANOS_PER_DAY) - days_from_sunday(x).rem_euclid(7);
            days(i128::from(sunday) + i128::from(offset) * 7)
        }
        "month" => {
            let first = DateTime::new(c.year(), c.month(), 1, 0, 0, 0, 0).ok()?;
            nanos(first.checked_add(Span::new().try_months(offset).ok()?).ok()?)
        }
        _ => {
            let first = DateTime::new(c.year(), 1, 1, 0, 0, 0, 0).ok()?;
            nanos(first.checked_add(Span::new().try_years(offset).ok()?).ok()?)
        }
    }
}

fn start_end(a: &[V], unit: &str, end: bool) -> V {
    let Some(x) = dt_arg(a, 0) else { return V::Null };
    let offset = a.get(1).and_then(V::long).unwrap_or(0);
    let r = if end {
        // The last tick of the period.
        offset.checked_add(1).and_then(|o| start_of(x, unit, o)).and_then(|n| n.checked_sub(100))
    } else {
        start_of(x, unit, offset)
    };
    r.map(V::Dt).unwrap_or(V::Null)
}

/// `startofday(dt [, offset])`.
pub fn startofday(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "day", false)
}
/// `startofweek(dt [, offset])`: weeks start on Sunday.
pub fn startofweek(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "week", false)
}
/// `startofmonth(dt [, offset])`.
pub fn startofmonth(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "month", false)
}
/// `startofyear(dt [, offset])`.
pub fn startofyear(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "year", false)
}
/// `endofday(dt [, offset])`: the day's last tick.
pub fn endofday(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "day", true)
}
/// `endofweek(dt [, offset])`.
pub fn endofweek(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "week", true)
}
/// `endofmonth(dt [, offset])`.
pub fn endofmonth(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "month", true)
}
/// `endofyear(dt [, offset])`.
pub fn endofyear(a: &[V], _: &mut Ctx) -> V {
    start_end(a, "year", true)
}

/// `dayofweek(dt)`: days since the preceding Sunday, as a timespan.
pub fn dayofweek(a: &[V], _: &mut Ctx) -> V {
    dt_arg(a, 0).map(|x| V::Ts(days_from_sunday(x).rem_euclid(7) * NANOS_PER_DAY)).unwrap_or(V::Null)
}

fn part(a: &[V], f: fn(DateTime, i64) -> i64) -> V {
    dt_arg(a, 0).and_then(|x| civil(x).map(|c| V::Long(f(c, x)))).unwrap_or(V::Null)
}

/// `hourofday(dt)`.
pub fn hourofday(a: &[V], _: &mut Ctx) -> V {
    part(a, |c, _| c.hour().into())
}
/// `dayofmonth(dt)`.
pub fn dayofmonth(a: &[V], _: &mut Ctx) -> V {
    part(a, |c, _| c.day().into())
}
/// `dayofyear(dt)`.
pub fn dayofyear(a: &[V], _: &mut Ctx) -> V {
    part(a, |c, _| c.day_of_year().into())
}
/// `monthofyear(dt)` / `getmonth(dt)`.
pub fn monthofyear(a: &[V], _: &mut Ctx) -> V {
    part(a, |c, _| c.month().into())
}
/// `getyear(dt)`.
pub fn getyear(a: &[V], _: &mut Ctx) -> V {
    part(a, |c, _| c.year().into())
}

/// `week_of_year(dt)`: the ISO 8601 week (week-of-year-function.md).
pub fn week_of_year(a: &[V], _: &mut Ctx) -> V {
    part(a, |c, _| c.iso_week_date().week().into())
}

/// `datetime_part(part, dt)`.
pub fn datetime_part(a: &[V], _: &mut Ctx) -> V {
    let p = a[0].text().to_ascii_lowercase();
    let Some(x) = dt_arg(a, 1) else { return V::Null };
    let Some(c) = civil(x) else { return V::Null };
    let frac = x.rem_euclid(1_000_000_000);
    V::Long(match p.as_str() {
        "year" => c.year().into(),
        "quarter" => ((i64::from(c.month()) - 1) / 3) + 1,
        "month" => c.month().into(),
        "weekofyear" | "week_of_year" => i64::from(c.iso_week_date().week()),
        "day" => c.day().into(),
        "dayofyear" => c.day_of_year().into(),
        "hour" => c.hour().into(),
        "minute" => c.minute().into(),
        "second" => c.second().into(),
        "millisecond" => frac / 1_000_000,
        "microsecond" => frac / 1_000,
        "nanosecond" => frac,
        _ => return V::Null,
    })
}

/// `unixtime_seconds_todatetime(n)` and friends: `unit` nanoseconds per
/// step. Whole numbers convert exactly; out of range is null.
fn unix(a: &[V], unit: i64) -> V {
    match &a[0] {
        V::Long(n) => n.checked_mul(unit).map(V::Dt).unwrap_or(V::Null),
        V::Real(r) => {
            let n = r * unit as f64;
            if n.is_finite() && n.abs() < 9.2e18 { V::Dt(n.round() as i64) } else { V::Null }
        }
        _ => V::Null,
    }
}
/// `unixtime_seconds_todatetime(s)`.
pub fn unix_seconds(a: &[V], _: &mut Ctx) -> V {
    unix(a, 1_000_000_000)
}
/// `unixtime_milliseconds_todatetime(ms)`.
pub fn unix_millis(a: &[V], _: &mut Ctx) -> V {
    unix(a, 1_000_000)
}
/// `unixtime_microseconds_todatetime(us)`.
pub fn unix_micros(a: &[V], _: &mut Ctx) -> V {
    unix(a, 1_000)
}
/// `unixtime_nanoseconds_todatetime(ns)`.
pub fn unix_nanos(a: &[V], _: &mut Ctx) -> V {
    unix(a, 1)
}

/// `make_datetime(year, month, day [, hour, minute, second])`.
pub fn make_datetime(a: &[V], _: &mut Ctx) -> V {
    // A part out of its range (year 67556, month 13) is null, never
    // truncated to a smaller integer.
    let get = |i: usize| a.get(i).map_or(Some(0), V::long);
    let secs = match a.get(5) {
        Some(V::Real(r)) => *r,
        Some(v) => v.long().unwrap_or(0) as f64,
        None => 0.0,
    };
    if !(0.0..60.0).contains(&secs) {
        return V::Null;
    }
    let whole = secs.trunc() as i8;
    let frac = (((secs - secs.trunc()) * 1e9).round() as i32).min(999_999_999);
    let part = |i: usize| get(i).and_then(|n| i8::try_from(n).ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi)) =
        (get(0).and_then(|n| i16::try_from(n).ok()), part(1), part(2), part(3), part(4))
    else {
        return V::Null;
    };
    DateTime::new(y, mo, d, h, mi, whole, frac).ok().and_then(nanos).map(V::Dt).unwrap_or(V::Null)
}

/// `format_datetime(dt, format)` with .NET-style specifiers.
pub fn format_datetime(a: &[V], _: &mut Ctx) -> V {
    let (Some(x), fmt) = (dt_arg(a, 0), a[1].text()) else { return V::Str(String::new()) };
    let Some(c) = civil(x) else { return V::Str(String::new()) };
    let frac = format!("{:09}", x.rem_euclid(1_000_000_000));
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == ch {
            n += 1;
        }
        let hour12 = match c.hour() % 12 {
            0 => 12,
            h => h,
        };
        let piece = match (ch, n) {
            ('d', 1) => c.day().to_string(),
            ('d', _) => format!("{:02}", c.day()),
            ('f', k) if k <= 7 => frac[..k].to_string(),
            ('F', k) if k <= 7 => frac[..k].trim_end_matches('0').to_string(),
            ('h', 1) => hour12.to_string(),
            ('h', _) => format!("{hour12:02}"),
            ('H', 1) => c.hour().to_string(),
            ('H', _) => format!("{:02}", c.hour()),
            ('m', 1) => c.minute().to_string(),
            ('m', _) => format!("{:02}", c.minute()),
            ('M', 1) => c.month().to_string(),
            ('M', _) => format!("{:02}", c.month()),
            ('s', 1) => c.second().to_string(),
            ('s', _) => format!("{:02}", c.second()),
            ('y', 1) => (c.year() % 100).to_string(),
            ('y', 2) => format!("{:02}", c.year() % 100),
            ('y', _) => format!("{:04}", c.year()),
            ('t', _) => if c.hour() < 12 { "AM" } else { "PM" }.to_string(),
            (other, k) => std::iter::repeat_n(other, k).collect(),
        };
        out.push_str(&piece);
        i += n;
    }
    V::Str(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> V {
        V::Dt(kql_syntax::parse_datetime(s).unwrap() * 100)
    }

    fn run(f: fn(&[V], &mut Ctx) -> V, a: &[V]) -> V {
        f(a, &mut Ctx::default())
    }

    #[test]
    fn datetime_diff_from_the_docs() {
        let d = |p: &str, x: &str, y: &str| run(datetime_diff, &[V::Str(p.into()), dt(x), dt(y)]);
        assert_eq!(d("year", "2017-01-01", "2000-12-31"), V::Long(17));
        assert_eq!(d("quarter", "2017-07-01", "2017-03-30"), V::Long(2));
        assert_eq!(d("month", "2017-01-01", "2015-12-30"), V::Long(13));
        assert_eq!(d("week", "2017-10-29 00:00", "2017-09-30 23:59"), V::Long(5));
        assert_eq!(d("day", "2017-10-29 00:00", "2017-09-30 23:59"), V::Long(29));
        assert_eq!(d("hour", "2017-10-31 01:00", "2017-10-30 23:59"), V::Long(2));
        assert_eq!(d("second", "2017-10-30 23:00:10.100", "2017-10-30 23:00:00.900"), V::Long(10));
        assert_eq!(d("nanosecond", "2017-10-30 23:00:00.0000000", "2017-10-30 23:00:00.0000007"), V::Long(-700));
    }

    #[test]
    fn datetime_add_and_boundaries() {
        let add = |p: &str, n: i64| run(datetime_add, &[V::Str(p.into()), V::Long(n), dt("2017-01-01")]);
        assert_eq!(add("year", -5), dt("2012-01-01"));
        assert_eq!(add("quarter", 12), dt("2020-01-01"));
        assert_eq!(add("month", -15), dt("2015-10-01"));
        assert_eq!(add("week", 100), dt("2018-12-02"));
        assert_eq!(run(startofweek, &[dt("2017-01-01 10:10:17"), V::Long(-1)]), dt("2016-12-25"));
        assert_eq!(run(endofday, &[dt("2016-12-31 10:00")]), dt("2016-12-31 23:59:59.9999999"));
        assert_eq!(run(dayofweek, &[dt("1947-11-30 10:00:05")]), V::Ts(0));
        assert_eq!(run(dayofweek, &[dt("1970-05-11")]), V::Ts(NANOS_PER_DAY));
    }

    #[test]
    fn format_datetime_from_the_docs() {
        let f = |fmt: &str| run(format_datetime, &[dt("2017-01-29 09:00:05"), V::Str(fmt.into())]);
        assert_eq!(f("yy-MM-dd [HH:mm:ss]"), V::Str("17-01-29 [09:00:05]".into()));
        assert_eq!(f("yyyy-M-dd [H:mm:ss]"), V::Str("2017-1-29 [9:00:05]".into()));
        assert_eq!(f("yy-MM-dd [hh:mm:ss tt]"), V::Str("17-01-29 [09:00:05 AM]".into()));
    }
}
