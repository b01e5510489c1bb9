//! `mv-expand` support: zips the elements of several dynamic values into a
//! list of rows (index and one element per column) that DataFusion's unnest
//! turns into rows; and the cast-only `to typeof(T)` of expanded elements.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayBuilder, ArrayRef, Int64Builder, LargeStringBuilder, ListBuilder, StructBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use serde_json::Value as J;

use super::rowwise::{Ctx, V, read};

/// Zips dynamic arguments into `List<Struct{i, c0, c1, ...}>`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MvExpandFunc {
    columns: usize,
    /// Bags expand to `[key, value]` arrays (`kind=array`) rather than
    /// single-entry bags.
    bag_as_array: bool,
    limit: Option<u64>,
    signature: Signature,
}

/// The zipping UDF over `columns` dynamic arguments.
pub fn mv_expand(columns: usize, bag_as_array: bool, limit: Option<u64>) -> ScalarUDF {
    ScalarUDF::from(MvExpandFunc {
        columns,
        bag_as_array,
        limit,
        signature: Signature::new(TypeSignature::VariadicAny, Volatility::Immutable),
    })
}

fn struct_fields(columns: usize) -> Fields {
    let mut f = vec![Field::new("i", DataType::Int64, false)];
    f.extend((0..columns).map(|c| Field::new(format!("c{c}"), DataType::LargeUtf8, true)));
    Fields::from(f)
}

/// The elements one value expands to: array items, bag entries, or the
/// value itself; none for an empty array or bag; one null for null.
fn elements(v: &V, bag_as_array: bool) -> Vec<Option<String>> {
    match v {
        V::Null | V::Dyn(J::Null) => vec![None],
        V::Dyn(J::Array(a)) => a.iter().map(|j| (!j.is_null()).then(|| j.to_string())).collect(),
        V::Dyn(J::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let j = if bag_as_array {
                    J::Array(vec![J::String(k.clone()), v.clone()])
                } else {
                    let mut one = serde_json::Map::new();
                    one.insert(k.clone(), v.clone());
                    J::Object(one)
                };
                Some(j.to_string())
            })
            .collect(),
        other => vec![Some(other.json().to_string())],
    }
}

impl ScalarUDFImpl for MvExpandFunc {
    fn name(&self) -> &str {
        "mv_expand"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new("item", DataType::Struct(struct_fields(self.columns)), true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| match a {
                ColumnarValue::Array(a) => Ok(a.clone()),
                ColumnarValue::Scalar(s) => s.to_array_of_size(n),
            })
            .collect::<Result<_>>()?;
        let fields = struct_fields(self.columns);
        let builders: Vec<Box<dyn ArrayBuilder>> =
            std::iter::once(Box::new(Int64Builder::new()) as Box<dyn ArrayBuilder>)
                .chain((0..self.columns).map(|_| Box::new(LargeStringBuilder::new()) as Box<dyn ArrayBuilder>))
                .collect();
        let mut list = ListBuilder::new(StructBuilder::new(fields, builders));
        for row in 0..n {
            let cols: Vec<Vec<Option<String>>> =
                arrays.iter().map(|a| elements(&read(a, row), self.bag_as_array)).collect();
            let mut len = cols.iter().map(Vec::len).max().unwrap_or(0);
            if let Some(l) = self.limit {
                len = len.min(l as usize);
            }
            let s = list.values();
            for i in 0..len {
                s.field_builder::<Int64Builder>(0).expect("index").append_value(i as i64);
                for (c, col) in cols.iter().enumerate() {
                    let b = s.field_builder::<LargeStringBuilder>(c + 1).expect("element");
                    match col.get(i).cloned().flatten() {
                        Some(v) => b.append_value(v),
                        None => b.append_null(),
                    }
                }
                s.append(true);
            }
            list.append(true);
        }
        let arr: ArrayRef = Arc::new(list.finish());
        if arr.len() == 1 && args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&arr, 0)?));
        }
        Ok(ColumnarValue::Array(arr))
    }
}

/// `to typeof(T)` for an expanded element: a cast, not a conversion. An
/// element that is not already a T becomes null.
pub fn cast_element(a: &[V], to: &str) -> V {
    let j = match &a[0] {
        V::Dyn(j) => j.clone(),
        V::Null => return V::Null,
        other => other.json(),
    };
    match (to, &j) {
        ("long" | "int", J::Number(n)) => n.as_i64().map(V::Long).unwrap_or(V::Null),
        ("real", J::Number(n)) => n.as_f64().map(V::Real).unwrap_or(V::Null),
        ("bool", J::Bool(b)) => V::Bool(*b),
        ("string", J::String(s)) => V::Str(s.clone()),
        ("datetime", J::String(s)) => {
            kql_syntax::parse_datetime(s).and_then(|t| t.checked_mul(100)).map(V::Dt).unwrap_or(V::Null)
        }
        ("timespan", J::String(s)) => {
            kql_syntax::parse_timespan(s).and_then(|t| t.checked_mul(100)).map(V::Ts).unwrap_or(V::Null)
        }
        ("dynamic", _) => V::Dyn(j),
        _ => V::Null,
    }
}

/// Row functions for `to typeof(T)` per target type.
pub fn cast_long(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "long")
}
/// `to typeof(int)`.
pub fn cast_int(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "int")
}
/// `to typeof(real)`.
pub fn cast_real(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "real")
}
/// `to typeof(bool)`.
pub fn cast_bool(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "bool")
}
/// `to typeof(string)`.
pub fn cast_string(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "string")
}
/// `to typeof(datetime)`.
pub fn cast_datetime(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "datetime")
}
/// `to typeof(timespan)`.
pub fn cast_timespan(a: &[V], _: &mut Ctx) -> V {
    cast_element(a, "timespan")
}

/// More rows than this in one `range` is surely a mistake.
pub const MAX_RANGE_ROWS: u64 = 10_000_000;

/// `range`'s values as one list, for unnest: `from`, `from + step`, ...
/// up to `to` inclusive. Integers (datetimes and timespans as nanoseconds)
/// or reals.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RangeListFunc {
    real: bool,
    signature: Signature,
}

/// The `range` list UDF over longs or reals.
pub fn range_list(real: bool) -> ScalarUDF {
    ScalarUDF::from(RangeListFunc { real, signature: Signature::new(TypeSignature::Any(3), Volatility::Immutable) })
}

impl ScalarUDFImpl for RangeListFunc {
    fn name(&self) -> &str {
        "range_values"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        let item = if self.real { DataType::Float64 } else { DataType::Int64 };
        Ok(DataType::List(Arc::new(Field::new("item", item, true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let vals: Vec<V> = args
            .args
            .iter()
            .map(|a| match a {
                ColumnarValue::Scalar(s) => read(&s.to_array_of_size(1).expect("scalar"), 0),
                ColumnarValue::Array(a) => read(a, 0),
            })
            .collect();
        let num = |v: &V| match v {
            V::Long(n) | V::Dt(n) | V::Ts(n) => Some(*n as f64),
            V::Real(r) => Some(*r),
            _ => None,
        };
        let (Some(a), Some(b), Some(st)) = (num(&vals[0]), num(&vals[1]), num(&vals[2])) else {
            return datafusion::common::exec_err!("range: the bounds and the step must not be null");
        };
        if st == 0.0 || !st.is_finite() {
            return datafusion::common::exec_err!("range: the step cannot be zero");
        }
        let rows = if (st > 0.0 && b < a) || (st < 0.0 && b > a) { 0.0 } else { ((b - a) / st + 1e-9).floor() + 1.0 };
        if rows > MAX_RANGE_ROWS as f64 {
            return datafusion::common::exec_err!("range would make {rows} rows; the limit is {MAX_RANGE_ROWS}");
        }
        let rows = rows as i64;
        let arr: ArrayRef = if self.real {
            let mut b = ListBuilder::new(datafusion::arrow::array::Float64Builder::new());
            for i in 0..rows {
                b.values().append_value(a + i as f64 * st);
            }
            b.append(true);
            Arc::new(b.finish())
        } else {
            let (ai, si) = (a as i64, st as i64);
            let ai = match &vals[0] {
                V::Long(n) | V::Dt(n) | V::Ts(n) => *n,
                _ => ai,
            };
            let si = match &vals[2] {
                V::Long(n) | V::Ts(n) => *n,
                _ => si,
            };
            let bi = match &vals[1] {
                V::Long(n) | V::Dt(n) | V::Ts(n) => *n,
                _ => b as i64,
            };
            // Step by step, checked: `ai + i * si` overflows where the value itself fits,
            // and the row count from reals may be one off for values near the long range.
            let mut b = ListBuilder::new(Int64Builder::new());
            let mut v = Some(ai);
            for _ in 0..rows {
                let Some(x) = v.filter(|&x| if si > 0 { x <= bi } else { x >= bi }) else { break };
                b.values().append_value(x);
                v = x.checked_add(si);
            }
            b.append(true);
            Arc::new(b.finish())
        };
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&arr, 0)?))
    }
}
