//! Reading UDF arguments: string arrays of any Arrow string layout, and
//! constants.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Int64Builder, StringViewBuilder,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, Expr};

/// Calls `f` on each string of `arr` (any string layout); null is the empty
/// string, as KQL strings are never null.
pub fn for_each_str(arr: &ArrayRef, mut f: impl FnMut(&str)) -> Result<()> {
    macro_rules! each {
        ($a:expr) => {{
            let a = $a;
            for i in 0..a.len() {
                f(if a.is_null(i) { "" } else { a.value(i) });
            }
        }};
    }
    match arr.data_type() {
        DataType::Utf8 => each!(arr.as_string::<i32>()),
        DataType::LargeUtf8 => each!(arr.as_string::<i64>()),
        DataType::Utf8View => each!(arr.as_string_view()),
        DataType::Null => (0..arr.len()).for_each(|_| f("")),
        other => return exec_err!("expected a string argument, got {other}"),
    }
    Ok(())
}

/// The string under a wrapper that reads null as the empty string:
/// `coalesce(x, "")`, or the `case when x is not null then x else "" end`
/// DataFusion rewrites it into (every nullable string column of a table is
/// read through one). A function that reads null as "" itself (see
/// [`map_str_to_bool`]) can take `x` directly.
pub fn under_empty_default(e: &Expr) -> Option<&Expr> {
    let empty = |e: &Expr| matches!(e, Expr::Literal(v, _) if v.try_as_str() == Some(Some("")));
    match e {
        Expr::ScalarFunction(f) if f.func.name() == "coalesce" => match f.args.as_slice() {
            [x, last] if empty(last) => Some(x),
            _ => None,
        },
        Expr::Case(c) if c.expr.is_none() && c.else_expr.as_deref().is_some_and(empty) => {
            match c.when_then_expr.as_slice() {
                [(when, then)] if matches!(when.as_ref(), Expr::IsNotNull(x) if x == then) => Some(then),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The string value of a constant (null and non-strings as empty).
pub fn scalar_str(v: &ScalarValue) -> &str {
    match v {
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => s,
        _ => "",
    }
}

/// Maps a string argument to booleans.
pub fn map_str_to_bool(arg: &ColumnarValue, f: impl Fn(&str) -> bool) -> Result<ColumnarValue> {
    use datafusion::arrow::buffer::BooleanBuffer;
    macro_rules! collect {
        ($a:expr) => {{
            let a = $a;
            match a.nulls() {
                None => BooleanBuffer::collect_bool(a.len(), |i| f(a.value(i))),
                Some(n) => BooleanBuffer::collect_bool(a.len(), |i| f(if n.is_null(i) { "" } else { a.value(i) })),
            }
        }};
    }
    match arg {
        ColumnarValue::Scalar(s) => Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(f(scalar_str(s)))))),
        ColumnarValue::Array(a) => {
            let bits = match a.data_type() {
                DataType::Utf8View => collect!(a.as_string_view()),
                DataType::Utf8 => collect!(a.as_string::<i32>()),
                DataType::LargeUtf8 => collect!(a.as_string::<i64>()),
                _ => {
                    let mut b = BooleanBuilder::with_capacity(a.len());
                    for_each_str(a, |s| b.append_value(f(s)))?;
                    return Ok(ColumnarValue::Array(Arc::new(b.finish())));
                }
            };
            Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(bits, None))))
        }
    }
}

/// Maps a string argument to longs (None is null).
pub fn map_str_to_long(arg: &ColumnarValue, f: impl Fn(&str) -> Option<i64>) -> Result<ColumnarValue> {
    match arg {
        ColumnarValue::Scalar(s) => Ok(ColumnarValue::Scalar(ScalarValue::Int64(f(scalar_str(s))))),
        ColumnarValue::Array(a) => {
            let mut b = Int64Builder::with_capacity(a.len());
            for_each_str(a, |s| b.append_option(f(s)))?;
            Ok(ColumnarValue::Array(Arc::new(b.finish())))
        }
    }
}

/// Maps a string argument to strings.
pub fn map_str_to_str(arg: &ColumnarValue, f: impl Fn(&str, &mut String)) -> Result<ColumnarValue> {
    let mut buf = String::new();
    match arg {
        ColumnarValue::Scalar(s) => {
            f(scalar_str(s), &mut buf);
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8View(Some(buf))))
        }
        ColumnarValue::Array(a) => {
            let mut b = StringViewBuilder::with_capacity(a.len());
            for_each_str(a, |s| {
                buf.clear();
                f(s, &mut buf);
                b.append_value(&buf);
            })?;
            Ok(ColumnarValue::Array(Arc::new(b.finish())))
        }
    }
}

/// Whether an Arrow type carries strings.
pub fn is_string_type(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null)
}
