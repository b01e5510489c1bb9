//! One CSV cell as a value of its column's type.
//!
//! - `datetime`: ISO 8601 / RFC 3339 text (`2026-11-20T10:00:00.1234567Z`;
//!   without a zone, UTC), as advanced hunting writes times, or the way
//!   the portal shows them, `Nov 20, 2026 10:00:00 AM` (optionally with a
//!   fraction of a second), read as UTC, the zone advanced hunting keeps
//!   all times in;
//! - `long`, `int`: a whole number; `real`: a number;
//! - `bool`: `true` or `false`, any case;
//! - `guid`: its 32 hex digits, dashes and braces allowed;
//! - `dynamic`: JSON text, stored compact; a cell that is not JSON is
//!   stored as a JSON string of its text;
//! - `string` (and anything else): the text as it is.
//!
//! The caller makes an empty cell null before asking.

use std::borrow::Cow;

use arrow_schema::DataType;
use serde_json::value::RawValue;

use crate::batch::{Value, parse_datetime, parse_guid};
use crate::sources::dynamic;

/// `text` (not empty) as a cell of type `t`, or why it cannot be one.
pub fn cell<'a>(t: &DataType, text: &'a str) -> Result<Value<'a>, String> {
    Ok(match t {
        DataType::Int64 | DataType::Int32 => {
            Value::Long(text.trim().parse().map_err(|_| format!("\"{text}\" is not a whole number"))?)
        }
        DataType::Float64 => Value::Real(text.trim().parse().map_err(|_| format!("\"{text}\" is not a number"))?),
        DataType::Boolean => match text.trim() {
            b if b.eq_ignore_ascii_case("true") => Value::Bool(true),
            b if b.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(format!("\"{text}\" is not true or false")),
        },
        DataType::Timestamp(..) => Value::Time(datetime(text).ok_or_else(|| format!("\"{text}\" is not a datetime"))?),
        DataType::FixedSizeBinary(16) => {
            Value::Guid(parse_guid(text).ok_or_else(|| format!("\"{text}\" is not a guid"))?)
        }
        DataType::LargeUtf8 => match serde_json::from_str::<&RawValue>(text) {
            Ok(json) => dynamic::cell(json),
            Err(_) => Value::Json(Cow::Owned(serde_json::Value::from(text).to_string())),
        },
        _ => Value::Str(Cow::Borrowed(text)),
    })
}

/// Nanoseconds since the epoch of a time as advanced hunting writes or
/// shows it (see the module docs).
pub fn datetime(text: &str) -> Option<i64> {
    parse_datetime(text).or_else(|| portal_datetime(text))
}

/// A datetime cell of a Log Analytics CSV export's `[UTC]` column:
/// `10/25/2023, 9:43:21.990 AM` (month, day, year; 12-hour clock), or
/// ISO 8601 text; UTC.
pub fn log_analytics_datetime(text: &str) -> Option<i64> {
    if let Some(t) = parse_datetime(text) {
        return Some(t);
    }
    let (date, time) = text.trim().split_once(", ")?;
    let mut d = date.split('/');
    let (month, day, year) = (d.next()?, d.next()?, d.next()?);
    if d.next().is_some() {
        return None;
    }
    let month: usize = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    portal_datetime(&format!("{} {day}, {year} {time}", MONTHS[month - 1]))
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Nov 20, 2026 10:00:00 AM` or `Nov 20, 2026 1:02:03.456 PM`, UTC.
fn portal_datetime(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let (month, day, year, time, half) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as i8 + 1;
    let day: i8 = day.strip_suffix(',')?.parse().ok()?;
    let year: i16 = year.parse().ok()?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut hms = hms.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hour: i8 = h.parse().ok().filter(|h| (1..=12).contains(h))?;
    let hour = match half {
        h if h.eq_ignore_ascii_case("AM") => hour % 12,
        h if h.eq_ignore_ascii_case("PM") => hour % 12 + 12,
        _ => return None,
    };
    let nanos: i32 = if fraction.is_empty() { 0 } else { format!("{fraction:0<9}").parse().ok()? };
    let dt = jiff::civil::DateTime::new(year, month, day, hour, m.parse().ok()?, s.parse().ok()?, nanos).ok()?;
    let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    i64::try_from(ts.as_nanosecond()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(iso: &str) -> i64 {
        parse_datetime(iso).unwrap()
    }

    #[test]
    fn times_as_written_and_as_shown() {
        assert_eq!(datetime("2026-11-20T10:00:00.123Z"), Some(ns("2026-11-20T10:00:00.123Z")));
        assert_eq!(datetime("2026-11-20T10:00:00.1234567Z"), Some(ns("2026-11-20T10:00:00.1234567Z")));
        assert_eq!(datetime("Nov 20, 2026 10:00:00 AM"), Some(ns("2026-11-20T10:00:00Z")));
        assert_eq!(datetime("Nov 20, 2026 12:00:05 AM"), Some(ns("2026-11-20T00:00:05Z")));
        assert_eq!(datetime("Nov 20, 2026 12:00:05 PM"), Some(ns("2026-11-20T12:00:05Z")));
        assert_eq!(datetime("Nov 20, 2026 1:02:03.456 PM"), Some(ns("2026-11-20T13:02:03.456Z")));
        assert_eq!(datetime("Nov 31, 2026 1:02:03 PM"), None);
        assert_eq!(datetime("Nov 20, 2026 13:02:03 PM"), None);
        assert_eq!(datetime("11/20/2026 10:00:00 AM"), None, "day and month order is ambiguous");
        assert_eq!(log_analytics_datetime("10/25/2023, 9:43:21.990 AM"), Some(ns("2023-10-25T09:43:21.990Z")));
        assert_eq!(log_analytics_datetime("1/5/2023, 12:00:00 PM"), Some(ns("2023-01-05T12:00:00Z")));
        assert_eq!(log_analytics_datetime("13/5/2023, 12:00:00 PM"), None);
        assert_eq!(log_analytics_datetime("2023-10-25T09:43:21Z"), Some(ns("2023-10-25T09:43:21Z")));
    }

    #[test]
    fn cells_convert_by_column_type() {
        assert_eq!(cell(&DataType::Int64, "4242"), Ok(Value::Long(4242)));
        assert_eq!(cell(&DataType::Int64, "4,242").unwrap_err(), "\"4,242\" is not a whole number");
        assert_eq!(cell(&DataType::Boolean, "True"), Ok(Value::Bool(true)));
        assert_eq!(cell(&DataType::LargeUtf8, "{\"a\": [1, 2]}"), Ok(Value::Json("{\"a\":[1,2]}".into())));
        assert_eq!(cell(&DataType::LargeUtf8, "not \"json\""), Ok(Value::Json("\"not \\\"json\\\"\"".into())));
        assert_eq!(cell(&DataType::Utf8View, " x "), Ok(Value::str(" x ")));
    }
}
