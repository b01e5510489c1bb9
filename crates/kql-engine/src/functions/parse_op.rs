//! The `parse` operator's matcher: one regular expression built from the
//! pattern, its captures converted to the declared column types.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StructArray, new_null_array};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use super::args::for_each_str;
use super::convert::{text_to_bool, text_to_long, text_to_real};
use super::rowwise::{Ctx, V};
use crate::types::KqlType;

/// How captures that do not convert are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseMode {
    /// The row fails: every column null (strings empty).
    Strict,
    /// Only that column is null (`kind=relaxed`).
    Relaxed,
}

/// Matches text against a pattern and returns a struct of the captures, or
/// null when the text does not match.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseFunc {
    pattern: String,
    types: Vec<KqlType>,
    mode: ParseMode,
    signature: Signature,
}

/// The `parse` UDF for a compiled `pattern` whose groups have `types`.
pub fn parse_udf(pattern: String, types: Vec<KqlType>, mode: ParseMode) -> ScalarUDF {
    ScalarUDF::from(ParseFunc {
        pattern,
        types,
        mode,
        signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable),
    })
}

/// The name of the group that captures column `i` is this prefix and `i`:
/// the pattern's own groups (`kind=regex`) may come before it.
pub const GROUP_PREFIX: &str = "kqlparsecol";

/// The capture pattern of a column of type `t`.
pub fn capture_for(t: KqlType, last: bool) -> &'static str {
    match t {
        KqlType::Int | KqlType::Long => r"(-?\d+)",
        KqlType::Real | KqlType::Decimal => r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)",
        KqlType::Bool => r"([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|0|1)",
        _ if last => "(.*)",
        _ => "(.*?)",
    }
}

/// The capture pattern of a column in `kind=relaxed`: the typed text when
/// it is there, else any text up to the next delimiter (which then fails to
/// convert and leaves only this column null).
pub fn relaxed_capture_for(t: KqlType, last: bool) -> &'static str {
    match t {
        KqlType::Int | KqlType::Long => r"(-?\d+|.*?)",
        KqlType::Real | KqlType::Decimal => r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|.*?)",
        _ => capture_for(t, last),
    }
}

pub(crate) fn fields(types: &[KqlType]) -> Fields {
    Fields::from(
        types.iter().enumerate().map(|(i, t)| Field::new(format!("c{i}"), t.arrow(), true)).collect::<Vec<_>>(),
    )
}

pub(crate) fn convert(text: &str, t: KqlType) -> Option<V> {
    Some(match t {
        KqlType::String => V::Str(text.to_string()),
        KqlType::Int | KqlType::Long => V::Long(text_to_long(text)?),
        KqlType::Real | KqlType::Decimal => V::Real(text_to_real(text)?),
        KqlType::Bool => V::Bool(text_to_bool(text)?),
        KqlType::Datetime => V::Dt(kql_syntax::parse_datetime(text)?.checked_mul(100)?),
        KqlType::Timespan => V::Ts(kql_syntax::parse_timespan(text)?.checked_mul(100)?),
        KqlType::Dynamic => {
            V::Dyn(serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string())))
        }
        KqlType::Guid => return None,
    })
}

impl ScalarUDFImpl for ParseFunc {
    fn name(&self) -> &str {
        "parse"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(fields(&self.types)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let input = match &args.args[0] {
            ColumnarValue::Array(a) => a.clone(),
            ColumnarValue::Scalar(s) => s.to_array_of_size(args.number_rows)?,
        };
        let mut ctx = Ctx::default();
        let re = ctx.regex(&self.pattern).cloned();
        let n = self.types.len();
        let mut cols: Vec<Vec<V>> = vec![Vec::with_capacity(input.len()); n];
        let mut valid = Vec::with_capacity(input.len());
        let names: Vec<String> = (0..n).map(|i| format!("{GROUP_PREFIX}{i}")).collect();
        for_each_str(&input, |s| {
            let caps = re.as_ref().and_then(|r| r.captures(s));
            let mut row: Vec<V> = Vec::with_capacity(n);
            let mut ok = caps.is_some();
            if let Some(c) = &caps {
                for (i, t) in self.types.iter().enumerate() {
                    let text = names.get(i).and_then(|g| c.name(g)).map(|m| m.as_str()).unwrap_or("");
                    match convert(text, *t) {
                        Some(v) => row.push(v),
                        None => {
                            row.push(V::Null);
                            if self.mode == ParseMode::Strict {
                                ok = false;
                            }
                        }
                    }
                }
            }
            if !ok {
                row = vec![V::Null; n];
            }
            for (i, v) in row.into_iter().enumerate() {
                cols[i].push(v);
            }
            valid.push(ok);
        })?;
        let arrays: Vec<ArrayRef> =
            cols.into_iter().zip(&self.types).map(|(vals, t)| values_to_array(vals, *t)).collect::<Result<_>>()?;
        let arrays = if n == 0 { vec![] } else { arrays };
        let s = if n == 0 {
            StructArray::new_empty_fields(input.len(), Some(NullBuffer::from(valid)))
        } else {
            StructArray::try_new(fields(&self.types), arrays, Some(NullBuffer::from(valid)))?
        };
        Ok(ColumnarValue::Array(Arc::new(s)))
    }
}

pub(crate) fn values_to_array(vals: Vec<V>, t: KqlType) -> Result<ArrayRef> {
    if vals.is_empty() {
        return Ok(new_null_array(&t.arrow(), 0));
    }
    let scalars: Vec<ScalarValue> = vals
        .into_iter()
        .map(|v| match (v, t) {
            (V::Null, KqlType::String) => ScalarValue::Utf8View(Some(String::new())),
            (V::Null, t) => ScalarValue::try_from(&t.arrow()).unwrap_or(ScalarValue::Null),
            (V::Str(s), _) => ScalarValue::Utf8View(Some(s)),
            (V::Long(n), KqlType::Int) => ScalarValue::Int32(i32::try_from(n).ok()),
            (V::Long(n), _) => ScalarValue::Int64(Some(n)),
            (V::Real(r), _) => ScalarValue::Float64(Some(r)),
            (V::Bool(b), _) => ScalarValue::Boolean(Some(b)),
            (V::Dt(n), _) => ScalarValue::TimestampNanosecond(Some(n), Some("UTC".into())),
            (V::Ts(n), _) => ScalarValue::DurationNanosecond(Some(n)),
            (V::Dyn(j), _) => ScalarValue::LargeUtf8(Some(j.to_string())),
            (V::Guid(b), _) => ScalarValue::FixedSizeBinary(16, Some(b)),
        })
        .collect();
    ScalarValue::iter_to_array(scalars)
}
