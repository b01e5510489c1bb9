//! A fast path for the one datetime shape logs write most:
//! `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, UTC, with up to nine fraction
//! digits (Kubernetes' `MicroTime`, Defender's seven-digit ticks). Any
//! other text (another zone, a leap second, a lower-case `t`) is left to
//! the general parser; this one only says `None`.

/// Nanoseconds since the Unix epoch of `s`, if it has exactly the shape above.
pub(crate) fn parse_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])? as i64;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut nanos = 0u32;
    let rest = match b[19] {
        b'.' => {
            let frac = &b[20..];
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            nanos = digits(&frac[..n])? * 10u32.pow(9 - n as u32);
            &frac[n..]
        }
        _ => &b[19..],
    };
    if rest != b"Z" {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    secs.checked_mul(1_000_000_000)?.checked_add(i64::from(nanos))
}

/// The number that ASCII digits `d` spell (at most nine of them).
fn digits(d: &[u8]) -> Option<u32> {
    d.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jiff_ns(s: &str) -> Option<i64> {
        s.parse::<jiff::Timestamp>().ok().and_then(|t| i64::try_from(t.as_nanosecond()).ok())
    }

    #[test]
    fn agrees_with_jiff_on_its_shape() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let year = 1900 + x % 300;
            let month = 1 + (x >> 9) % 12;
            let day = 1 + (x >> 13) % 31;
            let (h, m, s) = ((x >> 18) % 24, (x >> 23) % 60, (x >> 29) % 60);
            let digits = ((x >> 35) % 10) as usize;
            let frac = format!("{:09}", (x >> 40) % 1_000_000_000);
            let frac = if digits == 0 { String::new() } else { format!(".{}", &frac[..digits]) };
            let text = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{frac}Z");
            assert_eq!(parse_utc(&text), jiff_ns(&text), "{text}");
        }
    }

    #[test]
    fn other_shapes_are_left_to_the_general_parser() {
        for text in [
            "2026-11-20T10:00:00+01:00",
            "2026-11-20 10:00:00Z",
            "2026-11-20T10:00:60Z",
            "2026-02-29T10:00:00Z",
            "2026-11-20T10:00:00.Z",
            "2026-11-20T10:00:00.1234567890Z",
            "2026-11-20T10:00:00",
            "2026-11-2xT10:00:00Z",
        ] {
            assert_eq!(parse_utc(text), None, "{text}");
        }
        assert_eq!(parse_utc("1970-01-01T00:00:01.5Z"), Some(1_500_000_000));
        assert_eq!(parse_utc("1969-12-31T23:59:59Z"), Some(-1_000_000_000));
    }
}
