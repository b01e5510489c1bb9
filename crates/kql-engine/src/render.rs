//! KQL values as text: how datetimes, timespans, reals and dynamic values
//! print, in query results and in `tostring()`.

use kql_syntax::civil_from_days;

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

/// A datetime as ISO 8601 UTC with 7 fractional digits:
/// `2024-05-01T13:45:00.0000000Z`.
pub fn datetime_text(nanos: i64) -> String {
    datetime_ticks_text(nanos.div_euclid(100))
}

/// [`datetime_text`] of a count of 100-nanosecond ticks since 1970, which
/// reaches the whole of Kusto's range (years 1 to 9999).
pub fn datetime_ticks_text(ticks: i64) -> String {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let rem = ticks.rem_euclid(TICKS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / TICKS_PER_SECOND;
    let frac = rem % TICKS_PER_SECOND;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A timespan as Kusto prints it: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn timespan_text(nanos: i64) -> String {
    timespan_ticks_text(nanos / 100)
}

/// [`timespan_text`] of a count of 100-nanosecond ticks.
pub fn timespan_ticks_text(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let n = ticks.unsigned_abs();
    let days = n / TICKS_PER_DAY as u64;
    let rem = n % TICKS_PER_DAY as u64;
    let secs = rem / TICKS_PER_SECOND as u64;
    let frac = rem % TICKS_PER_SECOND as u64;
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60));
    if frac > 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

/// A real as Kusto prints it: shortest round-trip form, `NaN`,
/// `Infinity`, `-Infinity`.
pub fn real_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        let s = format!("{v}");
        s
    }
}

/// A guid's 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn guid_text(b: &[u8]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    if h.len() != 32 {
        return h;
    }
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// One cell of a result as text, the way KQL shows it; `None` for null.
/// Strings are shown as they are, dynamic values as compact JSON.
pub fn cell_text(col: &datafusion::arrow::array::ArrayRef, row: usize) -> Option<String> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{
        DataType, DurationNanosecondType, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampNanosecondType,
    };
    if col.is_null(row) {
        return None;
    }
    Some(match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(row).to_string(),
        DataType::Utf8View => col.as_string_view().value(row).to_string(),
        DataType::LargeUtf8 => {
            let s = col.as_string::<i64>().value(row);
            serde_json::from_str::<serde_json::Value>(s).map(|v| v.to_string()).unwrap_or_else(|_| s.to_string())
        }
        DataType::Boolean => col.as_boolean().value(row).to_string(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::Float64 => real_text(col.as_primitive::<Float64Type>().value(row)),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            datetime_text(col.as_primitive::<TimestampNanosecondType>().value(row))
        }
        DataType::Duration(TimeUnit::Nanosecond) => {
            timespan_text(col.as_primitive::<DurationNanosecondType>().value(row))
        }
        DataType::FixedSizeBinary(16) => guid_text(col.as_fixed_size_binary().value(row)),
        _ => datafusion::arrow::util::display::array_value_to_string(col, row).unwrap_or_default(),
    })
}

/// One cell of a result as a JSON value of its KQL type: numbers and bools
/// as themselves, dynamic values embedded, datetimes, timespans and guids as
/// their text, null as null. A real that JSON cannot hold (NaN, infinity)
/// is its text.
pub fn cell_json(col: &datafusion::arrow::array::ArrayRef, row: usize) -> serde_json::Value {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
    use serde_json::Value;
    if col.is_null(row) {
        return Value::Null;
    }
    match col.data_type() {
        DataType::Boolean => Value::Bool(col.as_boolean().value(row)),
        DataType::Int64 => Value::from(col.as_primitive::<Int64Type>().value(row)),
        DataType::Int32 => Value::from(col.as_primitive::<Int32Type>().value(row)),
        DataType::Float64 => {
            let v = col.as_primitive::<Float64Type>().value(row);
            serde_json::Number::from_f64(v).map(Value::Number).unwrap_or_else(|| Value::String(real_text(v)))
        }
        DataType::LargeUtf8 => {
            let s = col.as_string::<i64>().value(row);
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))
        }
        _ => Value::String(cell_text(col, row).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NANOS_PER_SECOND: i64 = 1_000_000_000;
    const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

    #[test]
    fn datetimes_print_iso_with_seven_digits() {
        assert_eq!(datetime_text(0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(datetime_text(1_714_571_100_123_456_700), "2024-05-01T13:45:00.1234567Z");
        assert_eq!(datetime_text(-NANOS_PER_DAY), "1969-12-31T00:00:00.0000000Z");
        assert_eq!(datetime_text(-1), "1969-12-31T23:59:59.9999999Z");
        assert_eq!(datetime_ticks_text(-621_355_968_000_000_000), "0001-01-01T00:00:00.0000000Z");
    }

    #[test]
    fn timespans_print_like_kusto() {
        assert_eq!(timespan_text(90 * 60 * NANOS_PER_SECOND), "01:30:00");
        assert_eq!(timespan_text(NANOS_PER_DAY + NANOS_PER_SECOND / 2), "1.00:00:00.5000000");
        assert_eq!(timespan_text(-NANOS_PER_SECOND), "-00:00:01");
        assert_eq!(timespan_ticks_text(-36_500 * 864_000_000_000), "-36500.00:00:00");
    }
}
