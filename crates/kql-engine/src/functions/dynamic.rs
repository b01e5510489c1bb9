//! `dynamic` values: JSON text in `LargeUtf8` columns. Access by path
//! (`d.a.b`, `d["k"]`, `d[0]`), `parse_json`, and the conversions between
//! dynamic and the other types.

use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, LargeStringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use serde_json::Value as J;

use super::args::{for_each_str, scalar_str};

/// One step of a path into a dynamic value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElem {
    /// A property of a bag.
    Key(String),
    /// An element of an array; negative counts from the end.
    Index(i64),
}

/// Follows `path` into `v`.
pub fn walk<'v>(mut v: &'v J, path: &[PathElem]) -> Option<&'v J> {
    for p in path {
        v = match (p, v) {
            (PathElem::Key(k), J::Object(m)) => m.get(k)?,
            (PathElem::Index(i), J::Array(a)) => {
                let i = if *i < 0 { a.len() as i64 + i } else { *i };
                a.get(usize::try_from(i).ok()?)?
            }
            // `d["0"]` on an array and `d[0]` on a bag are both misses.
            _ => return None,
        };
    }
    Some(v)
}

/// Maps each dynamic value (JSON text, or a plain string read as JSON)
/// to an optional new JSON text.
fn map_json(arg: &ColumnarValue, f: impl Fn(&str) -> Option<String>) -> Result<ColumnarValue> {
    match arg {
        ColumnarValue::Scalar(s) => {
            let out = if s.is_null() { None } else { f(scalar_str(s)) };
            Ok(ColumnarValue::Scalar(ScalarValue::LargeUtf8(out)))
        }
        ColumnarValue::Array(a) => {
            let mut b = LargeStringBuilder::with_capacity(a.len(), a.len() * 8);
            let nulls = a.logical_nulls();
            let mut i = 0;
            for_each_str(a, |s| {
                let null = nulls.as_ref().is_some_and(|n| n.is_null(i));
                i += 1;
                match if null { None } else { f(s) } {
                    Some(v) => b.append_value(v),
                    None => b.append_null(),
                }
            })?;
            Ok(ColumnarValue::Array(Arc::new(b.finish()) as ArrayRef))
        }
    }
}

/// `d.a[0]["b"]`: the value at a constant path, or null.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DynGetFunc {
    path: Vec<PathElem>,
    signature: Signature,
}

/// A UDF reading `path` out of one dynamic argument.
pub fn dyn_get(path: Vec<PathElem>) -> ScalarUDF {
    ScalarUDF::from(DynGetFunc { path, signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) })
}

impl ScalarUDFImpl for DynGetFunc {
    fn name(&self) -> &str {
        "dynamic_get"
    }
    /// The path is part of the name, so `d.a` and `d.b` are distinct
    /// columns (two aggregates over them in one `summarize` must not clash).
    fn schema_name(&self, args: &[datafusion::logical_expr::Expr]) -> Result<String> {
        let mut name =
            format!("dynamic_get({}", args.iter().map(|a| a.schema_name().to_string()).collect::<Vec<_>>().join(","));
        for p in &self.path {
            match p {
                PathElem::Key(k) => name.push_str(&format!(".{k}")),
                PathElem::Index(i) => name.push_str(&format!("[{i}]")),
            }
        }
        name.push(')');
        Ok(name)
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::LargeUtf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let path = &self.path;
        map_json(&args.args[0], |text| super::dyn_path::get_path(text, path).map(|v| v.into_owned()))
    }
}

/// `parse_json(s)` / `todynamic(s)`: JSON text to dynamic; text that is
/// not JSON becomes a dynamic string.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseJsonFunc {
    signature: Signature,
}

/// The `parse_json` UDF.
pub fn parse_json() -> ScalarUDF {
    ScalarUDF::from(ParseJsonFunc { signature: Signature::new(TypeSignature::Any(1), Volatility::Immutable) })
}

impl ScalarUDFImpl for ParseJsonFunc {
    fn name(&self) -> &str {
        "parse_json"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::LargeUtf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_json(&args.args[0], |text| match serde_json::from_str::<J>(text) {
            _ if text.trim().is_empty() => None,
            Ok(J::Null) => None,
            Ok(v) => Some(v.to_string()),
            Err(_) => Some(J::String(text.to_string()).to_string()),
        })
    }
}

/// The string Kusto's `tostring()` gives for a dynamic value: a JSON string
/// unquoted, null as empty, anything else as compact JSON.
pub fn dynamic_to_string(text: &str, out: &mut String) {
    if text.starts_with('"')
        && let Ok(J::String(s)) = serde_json::from_str::<J>(text)
    {
        out.push_str(&s);
        return;
    }
    if text != "null" {
        out.push_str(text);
    }
}

/// The elements of a constant dynamic array (or the value itself when it
/// is not an array), as strings the way `has_any`/`in` compare them.
pub fn constant_elements(json: &str) -> Vec<String> {
    let as_text = |v: &J| match v {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    };
    fn flat(items: &[J], out: &mut Vec<J>) {
        for j in items {
            match j {
                J::Array(inner) => flat(inner, out),
                other => out.push(other.clone()),
            }
        }
    }
    match serde_json::from_str::<J>(json) {
        Ok(J::Array(items)) => {
            let mut all = Vec::new();
            flat(&items, &mut all);
            all.iter().map(as_text).collect()
        }
        Ok(v) => vec![as_text(&v)],
        Err(_) => vec![json.to_string()],
    }
}

/// The JSON of one Arrow value, as a dynamic value holds it: strings quoted,
/// dynamic values embedded, datetimes and timespans as their text.
pub fn scalar_json(v: &ScalarValue) -> J {
    use crate::render;
    match v {
        _ if v.is_null() => J::Null,
        ScalarValue::Boolean(Some(b)) => J::Bool(*b),
        ScalarValue::Int8(Some(n)) => J::from(*n),
        ScalarValue::Int16(Some(n)) => J::from(*n),
        ScalarValue::Int32(Some(n)) => J::from(*n),
        ScalarValue::Int64(Some(n)) => J::from(*n),
        ScalarValue::UInt64(Some(n)) => J::from(*n),
        ScalarValue::Float64(Some(f)) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
        ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => J::String(s.clone()),
        ScalarValue::LargeUtf8(Some(s)) => serde_json::from_str(s).unwrap_or_else(|_| J::String(s.clone())),
        ScalarValue::TimestampNanosecond(Some(n), _) => J::String(render::datetime_text(*n)),
        ScalarValue::DurationNanosecond(Some(n)) => J::String(render::timespan_text(*n)),
        ScalarValue::FixedSizeBinary(16, Some(b)) => J::String(render::guid_text(b)),
        ScalarValue::List(l) => {
            let arr = l.value(0);
            J::Array(
                (0..arr.len())
                    .filter_map(|i| ScalarValue::try_from_array(&arr, i).ok())
                    .map(|s| scalar_json(&s))
                    .collect(),
            )
        }
        other => J::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_follows_keys_and_indexes() {
        let v: J = serde_json::from_str(r#"{"a":{"b":[1,2,{"c":"x"}]}}"#).unwrap();
        let p = [PathElem::Key("a".into()), PathElem::Key("b".into()), PathElem::Index(-1), PathElem::Key("c".into())];
        assert_eq!(walk(&v, &p), Some(&J::String("x".into())));
        assert_eq!(walk(&v, &[PathElem::Key("z".into())]), None);
        assert_eq!(walk(&v, &[PathElem::Index(0)]), None);
    }

    #[test]
    fn tostring_of_dynamic_unquotes_strings() {
        let mut s = String::new();
        dynamic_to_string(r#""a\"b""#, &mut s);
        assert_eq!(s, "a\"b");
        s.clear();
        dynamic_to_string("[1,2]", &mut s);
        assert_eq!(s, "[1,2]");
        assert_eq!(constant_elements(r#"["a", 1, null]"#), vec!["a", "1", ""]);
    }
}
