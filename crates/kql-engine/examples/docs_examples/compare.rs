//! A result against the table a docs page prints. Only presentation is
//! normalised: datetime and timespan spellings, JSON spacing and quotes,
//! how many digits a real is printed with, `true`/`True`/`1`, the case of
//! a guid, null shown as an empty cell, and spaces at a string's ends,
//! which a markdown cell cannot show. Rows are compared as a multiset
//! when the query does not order them. The geometry results of buffers
//! and simplifications are compared as shapes, within the tolerance the
//! call gives ([`crate::geometry`]).

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use kql_engine::QueryResult;

use crate::page::Table;

/// One result cell: its KQL text (`None` for null) and its Arrow type.
pub struct Cell<'a> {
    pub text: Option<String>,
    pub ty: &'a DataType,
}

/// The first difference between a result and a printed table, if any.
/// `shapes`: how far apart (meters) geometry cells may be, for a query
/// whose results are defined up to a tolerance.
pub fn compare(result: &QueryResult, table: &Table, ordered: bool, shapes: Option<f64>) -> Option<String> {
    let names: Vec<&str> = result.schema.fields().iter().map(|f| f.name().as_str()).collect();
    if names != table.header.iter().map(String::as_str).collect::<Vec<_>>() {
        return Some(format!("columns: got [{}], docs [{}]", names.join(", "), table.header.join(", ")));
    }
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for b in &result.batches {
        for i in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .zip(result.schema.fields())
                    .map(|(c, f)| Cell { text: kql_engine::render::cell_text(c, i), ty: f.data_type() })
                    .collect(),
            );
        }
    }
    if rows.len() != table.rows.len() {
        return Some(format!("rows: got {}, docs {}", rows.len(), table.rows.len()));
    }
    let row_diff = |got: &[Cell], want: &[String]| -> Option<(usize, String)> {
        if got.len() != want.len() {
            return Some((0, format!("{} cells, docs {}", got.len(), want.len())));
        }
        got.iter()
            .zip(want)
            .enumerate()
            .find(|(_, (g, w))| !same_shape(g, w, shapes))
            .map(|(i, (g, w))| (i, format!("got `{}`, docs `{w}`", g.text.as_deref().unwrap_or("null"))))
    };
    let first_diff = rows.iter().zip(&table.rows).enumerate().find_map(|(r, (g, w))| {
        row_diff(g, w).map(|(c, d)| format!("row {} `{}`: {d}", r + 1, names.get(c).copied().unwrap_or("?")))
    });
    let first_diff = first_diff?;
    if ordered || rows.len() > 5000 {
        return Some(first_diff);
    }
    // No order asked for: each printed row must match a distinct result row.
    let mut used = vec![false; rows.len()];
    for (r, want) in table.rows.iter().enumerate() {
        let found = rows.iter().enumerate().find(|(i, g)| !used[*i] && row_diff(g, want).is_none()).map(|(i, _)| i);
        match found {
            Some(i) => used[i] = true,
            None => return Some(format!("docs row {} not in the result (unordered); {first_diff}", r + 1)),
        }
    }
    None
}

/// Whether a query orders its rows, so that their order must match.
pub fn orders(query: &str) -> bool {
    let q = query.to_ascii_lowercase();
    ["order by", "sort by", "| top ", "|top ", "serialize", "row_number", "row_cumsum", "prev(", "next("]
        .iter()
        .any(|k| q.contains(k))
}

/// Whether a cell shows what the docs print, a geometry within `shapes`
/// meters of the printed one counting as the same.
fn same_shape(cell: &Cell, want: &str, shapes: Option<f64>) -> bool {
    if let (Some(allowed), Some(got), DataType::LargeUtf8) = (shapes, cell.text.as_deref(), cell.ty)
        && let Some(near) = crate::geometry::within(got, want.trim(), allowed)
    {
        return near;
    }
    same(cell, want)
}

/// Whether a cell shows what the docs print.
pub fn same(cell: &Cell, want: &str) -> bool {
    let want = want.trim();
    let Some(got) = cell.text.as_deref() else {
        return want.is_empty() || want.eq_ignore_ascii_case("null") || want == "(null)";
    };
    if got == want {
        return true;
    }
    match cell.ty {
        DataType::Float64 | DataType::Decimal128(..) => same_real(got, want),
        DataType::Int32 | DataType::Int64 => want.replace(',', "").parse::<i64>().ok() == got.parse::<i64>().ok(),
        // Some pages print bools as 1 and 0.
        DataType::Boolean => {
            got.eq_ignore_ascii_case(want) || (got, want) == ("true", "1") || (got, want) == ("false", "0")
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            datetime_ticks(got).is_some() && datetime_ticks(got) == datetime_ticks(want)
        }
        DataType::Duration(_) => timespan_ticks(got).is_some() && timespan_ticks(got) == timespan_ticks(want),
        DataType::FixedSizeBinary(16) => got.eq_ignore_ascii_case(want),
        DataType::LargeUtf8 => same_dynamic(got, want),
        DataType::Utf8 | DataType::Utf8View => got.trim() == want,
        _ => false,
    }
}

/// Reals: equal up to the last of 15 significant digits (Kusto prints
/// 15 to 17), or the docs print three or more decimals and the result
/// rounded to those decimals is the printed value. A value printed without
/// decimals must be equal.
fn same_real(got: &str, want: &str) -> bool {
    let w = want.replace(',', "");
    let (Ok(g), Ok(w_val)) = (got.parse::<f64>(), w.parse::<f64>()) else {
        return matches!(
            (got, want.to_ascii_lowercase().as_str()),
            ("NaN", "nan") | ("Infinity", "infinity" | "+infinity" | "∞") | ("-Infinity", "-infinity" | "-∞")
        );
    };
    if g == w_val || (g - w_val).abs() <= w_val.abs() * 1e-14 {
        return true;
    }
    if w.contains(['e', 'E']) {
        return false;
    }
    let decimals = w.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
    decimals >= 3 && format!("{g:.decimals$}").parse::<f64>().ok() == Some(w_val)
}

/// Dynamic values: equal as JSON (numbers by value), a string shown without
/// its quotes, a JSON null shown as an empty cell.
fn same_dynamic(got: &str, want: &str) -> bool {
    let Ok(g) = serde_json::from_str::<serde_json::Value>(got) else {
        return got.trim() == want;
    };
    if want.is_empty() {
        return g.is_null();
    }
    if let serde_json::Value::String(s) = &g
        && s == want
    {
        return true;
    }
    // Some pages quote with `'` or leave backslashes in strings unescaped
    // (`"C:\temp"` for the path C:\temp).
    [want.to_string(), want.replace('\'', "\""), want.replace('\\', "\\\\")]
        .iter()
        .filter_map(|w| serde_json::from_str::<serde_json::Value>(w).ok())
        .any(|w| same_json(&g, &w))
}

fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => same_real(&crate::compare::real(x), &crate::compare::real(y)),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        // A datetime inside a bag prints as text in either spelling.
        (Value::String(x), Value::String(y)) => {
            x == y || (datetime_ticks(x).is_some() && datetime_ticks(x) == datetime_ticks(y))
        }
        _ => a == b,
    }
}

fn real(v: f64) -> String {
    format!("{v}")
}

/// A datetime's 100-ns ticks from `2020-01-01T00:00:00Z`,
/// `2020-01-01 00:00:00.0000000`, `2020-01-01T00:00:00.000Z` or
/// `2020-01-01`.
pub fn datetime_ticks(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('Z');
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, t)) => (d, t.trim()),
        None => (t, "00:00:00"),
    };
    let mut d = date.split('-');
    let (y, m, day) = (d.next()?.parse::<i64>().ok()?, d.next()?.parse::<u32>().ok()?, d.next()?.parse::<u32>().ok()?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    let tod = time_of_day_ticks(time)?;
    days.checked_mul(864_000_000_000)?.checked_add(tod)
}

/// `hh:mm[:ss[.fffffff]]` as ticks.
fn time_of_day_ticks(time: &str) -> Option<i64> {
    let (hms, frac) = match time.split_once('.') {
        Some((a, b)) => (a, b),
        None => (time, ""),
    };
    let mut p = hms.split(':');
    let h = p.next()?.parse::<i64>().ok()?;
    let m = p.next()?.parse::<i64>().ok()?;
    let s = match p.next() {
        Some(s) => s.parse::<i64>().ok()?,
        None => 0,
    };
    if p.next().is_some() || h > 23 || m > 59 || s > 59 || frac.len() > 7 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac_ticks = if frac.is_empty() { 0 } else { format!("{frac:0<7}").parse::<i64>().ok()? };
    Some(((h * 60 + m) * 60 + s) * 10_000_000 + frac_ticks)
}

/// `[-][d.]hh:mm:ss[.fffffff]` as ticks.
pub fn timespan_ticks(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (days, rest) = match t.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (d, _) = head.split_once('.')?;
            (d.parse::<i64>().ok()?, t.get(d.len() + 1..)?)
        }
        _ => (0, t),
    };
    let ticks = days.checked_mul(864_000_000_000)?.checked_add(time_of_day_ticks(rest)?)?;
    Some(if neg { -ticks } else { ticks })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_spellings_are_one_value() {
        let a = datetime_ticks("2020-01-01T00:00:00.0000000Z");
        assert!(a.is_some());
        assert_eq!(a, datetime_ticks("2020-01-01 00:00:00.0000000"));
        assert_eq!(a, datetime_ticks("2020-01-01T00:00:00Z"));
        assert_eq!(a, datetime_ticks("2020-01-01"));
        assert_ne!(a, datetime_ticks("2020-01-01T00:00:01Z"));
        assert_eq!(datetime_ticks("1970-01-02T00:00:00Z"), Some(864_000_000_000));
    }

    #[test]
    fn reals_compare_to_the_digits_printed() {
        assert!(same_real("1", "1.0"));
        assert!(same_real("0.3333333333333333", "0.333333333333333"));
        assert!(same_real("0.3333333333333333", "0.333"));
        assert!(!same_real("0.3343333333333333", "0.333"));
        assert!(!same_real("2", "1"));
        assert!(!same_real("1.4", "1"));
        assert!(!same_real("0.34", "0.3"));
    }

    #[test]
    fn timespans_parse_with_days() {
        assert_eq!(timespan_ticks("1.00:00:00"), Some(864_000_000_000));
        assert_eq!(timespan_ticks("-00:00:01.5"), Some(-15_000_000));
        assert_eq!(timespan_ticks("1.00:00:00"), timespan_ticks("1.00:00:00.0000000"));
    }

    #[test]
    fn dynamic_spacing_and_quotes() {
        assert!(same_dynamic(r#"{"a":1,"b":[1,2]}"#, r#"{ "a": 1.0, "b": [1, 2] }"#));
        assert!(same_dynamic(r#""abc""#, "abc"));
        assert!(same_dynamic(r#"["a"]"#, "['a']"));
        assert!(!same_dynamic(r#"{"a":1}"#, r#"{"a":2}"#));
        assert!(same_dynamic(r#"{"p":"C:\\temp"}"#, r#"{"p":"C:\temp"}"#));
    }
}
