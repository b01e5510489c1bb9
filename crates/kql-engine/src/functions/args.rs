//! Reading UDF arguments: string arrays of any Arrow string layout, and
//! constants.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Int64Builder, StringViewArray, StringViewBuilder,
};
use datafusion::arrow::buffer::BooleanBuffer;
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

/// Maps a string argument to booleans. `f` must answer the same for the same
/// string: over a string view array it is called once per distinct view among
/// recent ones ([`views_to_bool`]).
pub fn map_str_to_bool(arg: &ColumnarValue, f: impl Fn(&str) -> bool) -> Result<ColumnarValue> {
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
                DataType::Utf8View => views_to_bool(a.as_string_view(), &f),
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

/// Slots of the cache of [`views_to_bool`].
const VIEW_SLOTS: usize = 1024;

/// Slots a view may sit in, from the one its hash picks.
const VIEW_PROBES: usize = 4;

/// `f` of each string of a string view array (null read as ""), called once
/// per distinct view among recent ones, `f` answering the same for the same
/// string. Equal views hold equal strings: a string of up to 12 bytes is
/// inside its view, a longer one is named by its length, buffer and offset.
/// A column decoded from a Parquet dictionary repeats its dictionary's views,
/// so a test over it costs one call per dictionary entry rather than per
/// row; over distinct strings the cache only misses. It holds
/// [`VIEW_SLOTS`] views, each in one of [`VIEW_PROBES`] slots from where its
/// hash points (a new view takes a free one, or the first), so it takes no
/// memory that grows with the data.
pub fn views_to_bool(a: &StringViewArray, f: impl Fn(&str) -> bool) -> BooleanBuffer {
    let views = a.views();
    let nulls = a.nulls();
    let mut keys = vec![0u128; VIEW_SLOTS];
    let mut answers = vec![None::<bool>; VIEW_SLOTS];
    let mut empty = None;
    BooleanBuffer::collect_bool(a.len(), |i| {
        if nulls.is_some_and(|n| n.is_null(i)) {
            return *empty.get_or_insert_with(|| f(""));
        }
        let view = views[i];
        let mixed = (view as u64) ^ ((view >> 64) as u64).rotate_left(29);
        // The top 10 bits of the product pick one of the 1024 slots.
        let home = (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        let mut free = home % VIEW_SLOTS;
        for k in 0..VIEW_PROBES {
            let slot = (home + k) % VIEW_SLOTS;
            match answers[slot] {
                Some(hit) if keys[slot] == view => return hit,
                Some(_) => {}
                None => {
                    free = slot;
                    break;
                }
            }
        }
        let hit = f(a.value(i));
        keys[free] = view;
        answers[free] = Some(hit);
        hit
    })
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use datafusion::arrow::array::StringViewBuilder;

    use super::*;

    /// Views of repeated strings, as a Parquet dictionary decodes them: each
    /// long value appended once to a buffer and its view repeated.
    fn repeated(values: &[Option<&str>], rows: usize) -> StringViewArray {
        let mut b = StringViewBuilder::new().with_deduplicate_strings();
        for i in 0..rows {
            b.append_option(values[i % values.len()]);
        }
        b.finish()
    }

    #[test]
    fn each_distinct_view_is_tested_once_and_answers_as_each_row_would() {
        let values = [
            Some("kubectl get secrets -A"),
            Some("ls"),
            None,
            Some("docker run --privileged alpine"),
            Some(""),
            Some("kubectl get secrets -B"),
        ];
        let a = repeated(&values, 10_000);
        let calls = Cell::new(0);
        let test = |s: &str| {
            calls.set(calls.get() + 1);
            s.contains("secrets -A") || s.is_empty()
        };
        let bits = views_to_bool(&a, test);
        for i in 0..a.len() {
            let s = if a.is_null(i) { "" } else { a.value(i) };
            assert_eq!(bits.value(i), s.contains("secrets -A") || s.is_empty(), "row {i}: {s:?}");
        }
        // Five distinct views, and the null tested once as "".
        assert_eq!(calls.get(), 6);
    }

    #[test]
    fn more_distinct_strings_than_slots_still_answer_each_row() {
        // Long strings that share their first four bytes and length, and
        // short ones held inside the view.
        let owned: Vec<String> = (0..4 * VIEW_SLOTS)
            .map(|i| if i % 2 == 0 { format!("same-prefix {i:08}") } else { format!("s{i}") })
            .collect();
        let values: Vec<Option<&str>> = owned.iter().map(|s| Some(s.as_str())).collect();
        let a = repeated(&values, 20 * VIEW_SLOTS);
        let bits = views_to_bool(&a, |s| s.ends_with('7'));
        for i in 0..a.len() {
            assert_eq!(bits.value(i), a.value(i).ends_with('7'), "row {i}: {:?}", a.value(i));
        }
    }
}
