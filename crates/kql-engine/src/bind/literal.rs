//! Literals to DataFusion constants.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, lit};
use kql_syntax::ast::{DynValue, Literal};

use super::Typed;
use crate::types::{KqlType, NANOS_PER_TICK};

/// A constant of KQL type `ty` (null when `v` is `None`).
pub(crate) fn scalar_of(ty: KqlType, v: Option<ScalarValue>) -> ScalarValue {
    v.unwrap_or_else(|| ScalarValue::try_from(&ty.arrow()).unwrap_or(ScalarValue::Null))
}

pub(crate) fn datetime(nanos: Option<i64>) -> ScalarValue {
    ScalarValue::TimestampNanosecond(nanos, Some("UTC".into()))
}

pub(crate) fn timespan(nanos: Option<i64>) -> ScalarValue {
    ScalarValue::DurationNanosecond(nanos)
}

pub(crate) fn dynamic(json: Option<String>) -> ScalarValue {
    ScalarValue::LargeUtf8(json)
}

pub(crate) fn typed(v: ScalarValue, ty: KqlType) -> Typed {
    Typed { expr: lit(v), ty }
}

/// What a datetime or timespan literal holds that dragnet cannot: Kusto's
/// 100-nanosecond ticks reach years 1 to 9999, dragnet's nanoseconds since
/// 1970 only 1677-09-21 to 2262-04-11 (and timespans of about 292 years).
pub(crate) fn out_of_range(l: &Literal) -> Option<&'static str> {
    match l {
        Literal::Datetime(t) if t.checked_mul(NANOS_PER_TICK).is_none() => {
            Some("a datetime before 1677-09-21 or after 2262-04-11")
        }
        Literal::Timespan(t) if t.checked_mul(NANOS_PER_TICK).is_none() => Some("a timespan longer than 292 years"),
        _ => None,
    }
}

/// Binds a literal.
pub(crate) fn literal(l: &Literal) -> Typed {
    match l {
        Literal::Bool(b) => typed(ScalarValue::Boolean(Some(*b)), KqlType::Bool),
        Literal::Int(v) => typed(ScalarValue::Int32(Some(*v)), KqlType::Int),
        Literal::Long(v) => typed(ScalarValue::Int64(Some(*v)), KqlType::Long),
        Literal::Real(v) => typed(ScalarValue::Float64(Some(*v)), KqlType::Real),
        Literal::Decimal(d) => {
            let v = crate::functions::convert::text_to_decimal(d);
            typed(ScalarValue::Decimal128(v, 38, 18), KqlType::Decimal)
        }
        Literal::String(s) => typed(ScalarValue::Utf8View(Some(s.clone())), KqlType::String),
        Literal::Datetime(t) => typed(datetime(t.checked_mul(NANOS_PER_TICK)), KqlType::Datetime),
        Literal::Timespan(t) => typed(timespan(t.checked_mul(NANOS_PER_TICK)), KqlType::Timespan),
        Literal::Guid(g) => {
            let hex: String = g.chars().filter(|c| *c != '-').collect();
            let bytes: Vec<u8> = (0..16)
                .filter_map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2).unwrap_or("00"), 16).ok())
                .collect();
            typed(ScalarValue::FixedSizeBinary(16, Some(bytes)), KqlType::Guid)
        }
        Literal::Null(t) => {
            let ty = KqlType::from_syntax(*t);
            typed(scalar_of(ty, None), ty)
        }
        Literal::Dynamic(v) => {
            let json = match v {
                DynValue::Null => None,
                other => Some(dyn_json(other).to_string()),
            };
            typed(dynamic(json), KqlType::Dynamic)
        }
    }
}

/// A `dynamic(...)` literal as JSON. Datetimes and timespans become the
/// strings Kusto prints for them; guids their text.
pub(crate) fn dyn_json(v: &DynValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        DynValue::Null => J::Null,
        DynValue::Bool(b) => J::Bool(*b),
        DynValue::Long(n) => J::from(*n),
        DynValue::Real(r) => serde_json::Number::from_f64(*r).map(J::Number).unwrap_or(J::Null),
        DynValue::String(s) => J::String(s.clone()),
        DynValue::Datetime(t) => J::String(crate::render::datetime_ticks_text(*t)),
        DynValue::Timespan(t) => J::String(crate::render::timespan_ticks_text(*t)),
        DynValue::Guid(g) => J::String(g.clone()),
        DynValue::Array(items) => J::Array(items.iter().map(dyn_json).collect()),
        DynValue::Object(members) => J::Object(members.iter().map(|(k, v)| (k.clone(), dyn_json(v))).collect()),
    }
}

/// A string constant expression.
pub(crate) fn string(s: &str) -> Expr {
    lit(ScalarValue::Utf8View(Some(s.to_string())))
}
