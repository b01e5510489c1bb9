//! Conversions: `tostring()` of any type, and `tolong()`, `toint()`,
//! `toreal()`, `tobool()`, `todatetime()`, `totimespan()` of strings and
//! dynamic values. Text that does not convert gives null.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringViewBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampNanosecondType,
};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::args::for_each_str;
use super::dynamic::dynamic_to_string;
use crate::render;
use crate::types::{KqlType, NANOS_PER_TICK};

/// `tostring(x)` for every type.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ToStringFunc {
    signature: Signature,
}

/// The `tostring` UDF.
pub fn to_string() -> ScalarUDF {
    ScalarUDF::from(ToStringFunc { signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) })
}

fn strings_from(a: &ArrayRef) -> Result<ArrayRef> {
    let n = a.len();
    let mut b = StringViewBuilder::with_capacity(n);
    let mut push = |v: Option<String>| b.append_value(v.unwrap_or_default());
    match a.data_type() {
        DataType::Utf8 | DataType::Utf8View => {
            let mut s = StringViewBuilder::with_capacity(n);
            for_each_str(a, |v| s.append_value(v))?;
            return Ok(Arc::new(s.finish()));
        }
        DataType::LargeUtf8 => {
            let mut out = String::new();
            let nulls = a.logical_nulls();
            let mut i = 0;
            let mut s = StringViewBuilder::with_capacity(n);
            for_each_str(a, |v| {
                out.clear();
                if !nulls.as_ref().is_some_and(|x| x.is_null(i)) {
                    dynamic_to_string(v, &mut out);
                }
                i += 1;
                s.append_value(&out);
            })?;
            return Ok(Arc::new(s.finish()));
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            a.as_primitive::<TimestampNanosecondType>().iter().for_each(|v| push(v.map(render::datetime_text)))
        }
        DataType::Duration(TimeUnit::Nanosecond) => {
            a.as_primitive::<DurationNanosecondType>().iter().for_each(|v| push(v.map(render::timespan_text)))
        }
        DataType::Float64 => a.as_primitive::<Float64Type>().iter().for_each(|v| push(v.map(render::real_text))),
        DataType::Int64 => a.as_primitive::<Int64Type>().iter().for_each(|v| push(v.map(|x| x.to_string()))),
        DataType::Int32 => a.as_primitive::<Int32Type>().iter().for_each(|v| push(v.map(|x| x.to_string()))),
        DataType::Boolean => a.as_boolean().iter().for_each(|v| push(v.map(|x| x.to_string()))),
        DataType::FixedSizeBinary(16) => {
            let f = a.as_fixed_size_binary();
            (0..n).for_each(|i| push((!f.is_null(i)).then(|| render::guid_text(f.value(i)))))
        }
        DataType::Null => (0..n).for_each(|_| push(None)),
        _ => {
            let c = cast(a, &DataType::Utf8)?;
            for_each_str(&c, |v| b.append_value(v))?;
        }
    }
    Ok(Arc::new(b.finish()))
}

impl ScalarUDFImpl for ToStringFunc {
    fn name(&self) -> &str {
        "tostring"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8View)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match &args.args[0] {
            ColumnarValue::Array(a) => Ok(ColumnarValue::Array(strings_from(a)?)),
            ColumnarValue::Scalar(s) => {
                let a = strings_from(&s.to_array()?)?;
                Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&a, 0)?))
            }
        }
    }
}

/// `tolong()` and friends over strings and dynamic values.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseToFunc {
    name: &'static str,
    target: KqlType,
    signature: Signature,
}

/// A UDF converting text (or dynamic) to `target`.
pub fn parse_to(name: &'static str, target: KqlType) -> ScalarUDF {
    ScalarUDF::from(ParseToFunc {
        name,
        target,
        signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
    })
}

/// The text a dynamic value converts from: a JSON string's content, or the
/// JSON of a number or bool; null for everything else.
fn dynamic_text(json: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(json).ok()? {
        serde_json::Value::String(s) => Some(s),
        v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => Some(v.to_string()),
        _ => None,
    }
}

/// Parses a long: decimal or `0x` hex, or a real truncated toward zero.
pub fn text_to_long(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok();
    }
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite() && f.abs() < 9.2e18).map(|f| f.trunc() as i64))
}

/// Parses a decimal exactly, as a `decimal` column holds it: the value
/// times 10^18 (digits past the 18th decimal are rounded half away from
/// zero); `None` for text that is no number or past 38 digits.
pub fn text_to_decimal(s: &str) -> Option<i128> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (mantissa, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // value * 10^18 = digits * 10^shift.
    let shift = exp.checked_sub(i64::try_from(frac.len()).ok()?)?.checked_add(18)?;
    let (kept, round) = if shift >= 0 {
        (&digits[..], false)
    } else {
        let drop = usize::try_from(shift.unsigned_abs()).ok()?;
        let cut = digits.len().saturating_sub(drop);
        let first_dropped = if drop <= digits.len() { digits.get(cut) } else { None };
        (&digits[..cut], first_dropped.is_some_and(|d| *d >= b'5'))
    };
    let mut v: i128 = 0;
    for d in kept {
        v = v.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
    }
    if shift > 0 {
        v = v.checked_mul(10i128.checked_pow(u32::try_from(shift).ok()?)?)?;
    }
    if round {
        v = v.checked_add(1)?;
    }
    if v >= 10i128.pow(38) {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Parses a real (`nan`, `inf` and `-inf` included).
pub fn text_to_real(s: &str) -> Option<f64> {
    let s = s.trim();
    match s.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok(),
    }
}

/// Parses a bool: `true`/`false` in any case, or a number (non-zero is true).
pub fn text_to_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        text_to_long(s).map(|v| v != 0)
    }
}

impl ScalarUDFImpl for ParseToFunc {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.target.arrow())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arr, scalar) = match &args.args[0] {
            ColumnarValue::Array(a) => (a.clone(), false),
            ColumnarValue::Scalar(s) => (s.to_array()?, true),
        };
        let dynamic = arr.data_type() == &DataType::LargeUtf8;
        let nulls = arr.logical_nulls();
        let mut texts: Vec<Option<String>> = Vec::with_capacity(arr.len());
        let mut i = 0;
        for_each_str(&arr, |s| {
            let null = nulls.as_ref().is_some_and(|n| n.is_null(i));
            i += 1;
            texts.push(if null {
                None
            } else if dynamic {
                dynamic_text(s)
            } else {
                Some(s.to_string())
            });
        })?;
        let out: ArrayRef = match self.target {
            KqlType::Long => {
                let mut b = Int64Builder::with_capacity(texts.len());
                texts.iter().for_each(|t| b.append_option(t.as_deref().and_then(text_to_long)));
                Arc::new(b.finish())
            }
            KqlType::Int => {
                let mut b = Int32Builder::with_capacity(texts.len());
                texts.iter().for_each(|t| {
                    b.append_option(t.as_deref().and_then(text_to_long).and_then(|v| i32::try_from(v).ok()))
                });
                Arc::new(b.finish())
            }
            KqlType::Real => {
                let mut b = Float64Builder::with_capacity(texts.len());
                texts.iter().for_each(|t| b.append_option(t.as_deref().and_then(text_to_real)));
                Arc::new(b.finish())
            }
            KqlType::Bool => {
                let mut b = BooleanBuilder::with_capacity(texts.len());
                texts.iter().for_each(|t| b.append_option(t.as_deref().and_then(text_to_bool)));
                Arc::new(b.finish())
            }
            KqlType::Datetime => {
                let v: Vec<Option<i64>> = texts
                    .iter()
                    .map(|t| {
                        t.as_deref().and_then(kql_syntax::parse_datetime).and_then(|x| x.checked_mul(NANOS_PER_TICK))
                    })
                    .collect();
                Arc::new(datafusion::arrow::array::TimestampNanosecondArray::from(v).with_timezone("UTC"))
            }
            KqlType::Timespan => {
                let v: Vec<Option<i64>> = texts
                    .iter()
                    .map(|t| {
                        t.as_deref().and_then(kql_syntax::parse_timespan).and_then(|x| x.checked_mul(NANOS_PER_TICK))
                    })
                    .collect();
                Arc::new(datafusion::arrow::array::DurationNanosecondArray::from(v))
            }
            KqlType::Decimal => {
                let v: Vec<Option<i128>> = texts.iter().map(|t| t.as_deref().and_then(text_to_decimal)).collect();
                Arc::new(datafusion::arrow::array::Decimal128Array::from(v).with_precision_and_scale(38, 18)?)
            }
            other => return datafusion::common::exec_err!("cannot convert text to {other}"),
        };
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_parse_exactly() {
        use super::text_to_decimal as d;
        let e18 = 10i128.pow(18);
        assert_eq!(d("123.45678"), Some(123_456_780_000_000_000_000));
        assert_eq!(d("-1.5"), Some(-15 * e18 / 10));
        assert_eq!(d("1e-18"), Some(1));
        assert_eq!(d("5e-19"), Some(1));
        assert_eq!(d("4e-19"), Some(0));
        assert_eq!(d("2E3"), Some(2000 * e18));
        assert_eq!(d("1e30"), None);
        assert_eq!(d("abc"), None);
        assert_eq!(d("."), None);
        assert_eq!(d("1e-99999999999"), Some(0));
    }

    use super::*;

    #[test]
    fn text_conversions() {
        assert_eq!(text_to_long(" 42 "), Some(42));
        assert_eq!(text_to_long("0x1F"), Some(31));
        assert_eq!(text_to_long("1.9"), Some(1));
        assert_eq!(text_to_long("abc"), None);
        assert_eq!(text_to_bool("TRUE"), Some(true));
        assert_eq!(text_to_bool("0"), Some(false));
        assert_eq!(text_to_real("1e3"), Some(1000.0));
        assert_eq!(dynamic_text(r#""12""#).as_deref(), Some("12"));
        assert_eq!(dynamic_text("12.5").as_deref(), Some("12.5"));
        assert_eq!(dynamic_text("[1]"), None);
    }
}
