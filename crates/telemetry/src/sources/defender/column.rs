//! One property of a record read straight into a cell of its column's
//! type, without building a `serde_json::Value` first.
//!
//! What each type accepts (the streaming API writes numbers as numbers or
//! as text, and `dynamic` columns as JSON or as JSON text in a string):
//!
//! | column type | accepts |
//! |---|---|
//! | `string` | a string, borrowed when it has no escapes; any other value as its JSON text |
//! | `long`, `int` | a whole number, or a string holding one |
//! | `real` | a number, or a string holding one |
//! | `bool` | `true`/`false`, a string `"true"`/`"false"` (any case), a number (non-zero is true) |
//! | `datetime` | an ISO 8601 string |
//! | `timespan` | a whole number of nanoseconds |
//! | `guid` | a string of 32 hex digits (dashes and braces allowed) |
//! | `dynamic` | any JSON, compacted; a string holding a JSON object or array is that object or array |
//!
//! `null` is null in every column. A value a column cannot hold is not a
//! parse error: the seed gives `Err(why)`, the record is rejected, and the
//! rest of the document is still parsed.

use std::borrow::Cow;
use std::fmt;

use arrow_schema::DataType;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::batch::{Value, parse_datetime, parse_guid};
use crate::sources::dynamic;

/// How a column's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `string` (and any type read as text).
    Str,
    /// `long` or `int`.
    Long,
    /// `real`.
    Real,
    /// `bool`.
    Bool,
    /// `datetime`.
    Time,
    /// `timespan`.
    Span,
    /// `guid`.
    Guid,
    /// `dynamic`.
    Dyn,
}

impl Kind {
    /// The kind of a column of Arrow type `t`.
    pub fn of(t: &DataType) -> Kind {
        match t {
            DataType::Int64 | DataType::Int32 => Kind::Long,
            DataType::Float64 => Kind::Real,
            DataType::Boolean => Kind::Bool,
            DataType::Timestamp(..) => Kind::Time,
            DataType::Duration(_) => Kind::Span,
            DataType::FixedSizeBinary(16) => Kind::Guid,
            DataType::LargeUtf8 => Kind::Dyn,
            _ => Kind::Str,
        }
    }
}

/// Reads one value as a cell of `Kind`; `Err` says why it cannot be one.
#[derive(Clone, Copy)]
pub struct Cell(pub Kind);

/// A cell, or why the value cannot be one.
pub type Read<'de> = Result<Value<'de>, String>;

impl<'de> DeserializeSeed<'de> for Cell {
    type Value = Read<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read<'de>, D::Error> {
        match self.0 {
            Kind::Dyn => {
                let raw: Option<&'de RawValue> = Deserialize::deserialize(d)?;
                Ok(Ok(raw.map_or(Value::Null, dynamic::cell_unwrapping_strings)))
            }
            kind => d.deserialize_any(CellVisitor(kind)),
        }
    }
}

struct CellVisitor(Kind);

fn not_whole(n: impl fmt::Display) -> String {
    format!("{n} is not a whole number")
}

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Read<'de>, E> {
        Ok(Ok(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Read<'de>, E> {
        Ok(Ok(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Read<'de>, E> {
        Ok(of_bool(self.0, b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Read<'de>, E> {
        Ok(of_i64(self.0, n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Read<'de>, E> {
        match i64::try_from(n) {
            Ok(n) => self.visit_i64(n),
            Err(_) => Ok(match self.0 {
                Kind::Real => Ok(Value::Real(n as f64)),
                Kind::Bool => Ok(Value::Bool(true)),
                Kind::Str => Ok(Value::Str(Cow::Owned(n.to_string()))),
                _ => Err(not_whole(n)),
            }),
        }
    }

    fn visit_f64<E>(self, n: f64) -> Result<Read<'de>, E> {
        Ok(match self.0 {
            Kind::Real => Ok(Value::Real(n)),
            Kind::Bool => Ok(Value::Bool(n != 0.0)),
            Kind::Str => Ok(Value::Str(Cow::Owned(json_number(n)))),
            Kind::Long | Kind::Span => Err(not_whole(json_number(n))),
            _ => Err(format!("{} cannot be read as this column's type", json_number(n))),
        })
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Read<'de>, E> {
        Ok(of_str(self.0, Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Read<'de>, E> {
        Ok(match self.0 {
            Kind::Str => Ok(Value::Str(Cow::Owned(s.to_string()))),
            kind => text(kind, s),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read<'de>, A::Error> {
        let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(as_text(self.0, &v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Read<'de>, A::Error> {
        let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(as_text(self.0, &v))
    }
}

/// `true` or `false` as a cell of `kind`.
pub fn of_bool(kind: Kind, b: bool) -> Read<'static> {
    match kind {
        Kind::Bool => Ok(Value::Bool(b)),
        Kind::Str => Ok(Value::Str(Cow::Borrowed(if b { "true" } else { "false" }))),
        _ => Err(format!("{b} cannot be read as this column's type")),
    }
}

/// A whole number that fits an `i64` as a cell of `kind`.
pub fn of_i64(kind: Kind, n: i64) -> Read<'static> {
    match kind {
        Kind::Long => Ok(Value::Long(n)),
        Kind::Span => Ok(Value::Span(n)),
        Kind::Real => Ok(Value::Real(n as f64)),
        Kind::Bool => Ok(Value::Bool(n != 0)),
        Kind::Str => Ok(Value::Str(Cow::Owned(n.to_string()))),
        _ => Err(format!("{n} cannot be read as this column's type")),
    }
}

/// A string (decoded) as a cell of `kind`: kept as it is in a `string`
/// column.
pub fn of_str(kind: Kind, s: Cow<'_, str>) -> Read<'_> {
    match kind {
        Kind::Str => Ok(Value::Str(s)),
        kind => text(kind, &s),
    }
}

/// A float as JSON writes it (`6443.0`, not `6443`).
fn json_number(n: f64) -> String {
    serde_json::Number::from_f64(n).map_or_else(|| n.to_string(), |j| j.to_string())
}

/// An object or array in a column that is not `dynamic`.
fn as_text<'de>(kind: Kind, v: &serde_json::Value) -> Read<'de> {
    match kind {
        Kind::Str => Ok(Value::Str(Cow::Owned(v.to_string()))),
        _ => Err(format!("{} cannot be read as this column's type", crate::batch::short(v))),
    }
}

/// A string in a column that is not `string`.
fn text(kind: Kind, s: &str) -> Read<'static> {
    let t = s.trim();
    match kind {
        Kind::Long => t.parse().map(Value::Long).map_err(|_| format!("\"{s}\" is not a whole number")),
        Kind::Real => t.parse().map(Value::Real).map_err(|_| format!("\"{s}\" is not a number")),
        Kind::Bool if t.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Kind::Bool if t.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        Kind::Bool => Err(format!("\"{s}\" is not true or false")),
        Kind::Time => parse_datetime(s).map(Value::Time).ok_or_else(|| format!("\"{s}\" is not a datetime")),
        Kind::Guid => parse_guid(s).map(Value::Guid).ok_or_else(|| format!("\"{s}\" is not a guid")),
        Kind::Str | Kind::Dyn => Ok(Value::Str(Cow::Owned(s.to_string()))),
        Kind::Span => Err(format!("\"{s}\" is not a whole number of nanoseconds")),
    }
}

/// Skips a value of a property that is no column.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: Kind, json: &str) -> Read<'_> {
        let mut de = serde_json::Deserializer::from_str(json);
        Cell(kind).deserialize(&mut de).unwrap()
    }

    #[test]
    fn values_convert_as_the_streaming_api_writes_them() {
        assert_eq!(read(Kind::Long, "4242"), Ok(Value::Long(4242)));
        assert_eq!(read(Kind::Long, "\" 4242\""), Ok(Value::Long(4242)));
        assert_eq!(read(Kind::Long, "1.5"), Err("1.5 is not a whole number".into()));
        assert_eq!(read(Kind::Long, "6443.0"), Err("6443.0 is not a whole number".into()));
        assert_eq!(read(Kind::Long, "\"x\""), Err("\"x\" is not a whole number".into()));
        assert_eq!(read(Kind::Str, "\"a\\\"b\""), Ok(Value::str("a\"b")));
        assert!(matches!(read(Kind::Str, "\"plain\""), Ok(Value::Str(Cow::Borrowed("plain")))));
        assert_eq!(read(Kind::Str, "5"), Ok(Value::str("5")));
        assert_eq!(read(Kind::Str, "{\"a\": 1}"), Ok(Value::str("{\"a\":1}")));
        assert_eq!(read(Kind::Bool, "\"TRUE\""), Ok(Value::Bool(true)));
        assert_eq!(read(Kind::Bool, "0"), Ok(Value::Bool(false)));
        assert_eq!(
            read(Kind::Time, "\"2026-11-20T10:00:00Z\""),
            Ok(Value::Time(parse_datetime("2026-11-20T10:00:00Z").unwrap()))
        );
        assert_eq!(read(Kind::Time, "7"), Err("7 cannot be read as this column's type".into()));
        assert_eq!(read(Kind::Dyn, "\"{\\\"a\\\": 1}\""), Ok(Value::Json("{\"a\":1}".into())));
        assert_eq!(read(Kind::Dyn, "[1, 2]"), Ok(Value::Json("[1,2]".into())));
        assert_eq!(read(Kind::Dyn, "null"), Ok(Value::Null));
        assert_eq!(read(Kind::Guid, "null"), Ok(Value::Null));
        assert_eq!(read(Kind::Span, "1000"), Ok(Value::Span(1000)));
        assert_eq!(read(Kind::Real, "\"2.5\""), Ok(Value::Real(2.5)));
    }
}
