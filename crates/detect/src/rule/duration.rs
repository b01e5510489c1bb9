//! Rule durations: `queryFrequency: 5h`, `queryPeriod: 14d`, or ISO 8601
//! (`PT1H`, `P1D`, `P1DT12H`), as Sentinel rule files and ARM templates
//! write them.

use std::time::Duration;

/// Parses `1d`, `5h`, `30m`, `45s` (one number, one unit) or an ISO 8601
/// duration without years or months (`P2D`, `PT1H30M`, `PT90S`, `P1W`).
/// `None` when the text is neither or the duration is zero.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let secs = if t.starts_with(['P', 'p']) { iso8601(&t[1..])? } else { short(t)? };
    (secs > 0).then(|| Duration::from_secs(secs))
}

fn unit_seconds(unit: &str) -> Option<u64> {
    Some(match unit {
        "s" | "sec" | "second" | "seconds" => 1,
        "m" | "min" | "minute" | "minutes" => 60,
        "h" | "hr" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    })
}

fn short(t: &str) -> Option<u64> {
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    n.checked_mul(unit_seconds(&unit.trim().to_ascii_lowercase())?)
}

fn iso8601(t: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for c in t.chars() {
        match c.to_ascii_uppercase() {
            'T' if num.is_empty() && !in_time => in_time = true,
            d if d.is_ascii_digit() => num.push(d),
            u => {
                let n: u64 = num.parse().ok()?;
                num.clear();
                let mult = match (in_time, u) {
                    (false, 'W') => 7 * 86_400,
                    (false, 'D') => 86_400,
                    (true, 'H') => 3600,
                    (true, 'M') => 60,
                    (true, 'S') => 1,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(mult)?)?;
                any = true;
            }
        }
    }
    (num.is_empty() && any).then_some(total)
}

/// A duration the way Sentinel files write it: `14d`, `5h`, `30m`, `45s`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(t: &str) -> Option<u64> {
        parse_duration(t).map(|d| d.as_secs())
    }

    #[test]
    fn short_forms() {
        assert_eq!(secs("1d"), Some(86_400));
        assert_eq!(secs("5h"), Some(18_000));
        assert_eq!(secs("30m"), Some(1800));
        assert_eq!(secs("45s"), Some(45));
        assert_eq!(secs("14d"), Some(14 * 86_400));
        assert_eq!(secs("2H"), Some(7200));
    }

    #[test]
    fn iso_forms() {
        assert_eq!(secs("PT1H"), Some(3600));
        assert_eq!(secs("P1D"), Some(86_400));
        assert_eq!(secs("PT5M"), Some(300));
        assert_eq!(secs("P1DT12H"), Some(129_600));
        assert_eq!(secs("PT1H30M15S"), Some(5415));
        assert_eq!(secs("P1W"), Some(604_800));
    }

    #[test]
    fn rejects() {
        for bad in ["", "d", "1", "1y", "P1M", "PT", "P", "PT1", "0d", "PT0S", "-1d", "1.5h", "P1H", "PT1D"] {
            assert_eq!(secs(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_as_sentinel_writes() {
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
        assert_eq!(format_duration(Duration::from_secs(18_000)), "5h");
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_secs(61)), "61s");
    }
}
