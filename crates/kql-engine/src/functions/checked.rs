//! Datetime and timespan arithmetic that never wraps. Datetimes and
//! timespans are nanoseconds in an i64; a sum, difference, product, bin or
//! count of ticks that leaves that range is null, as Kusto gives null for a
//! result out of its datetime range, rather than a value wrapped to the
//! other end.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility, cast,
};

/// What a [`CheckedFunc`] computes, on i64 nanoseconds (and a real factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * f`, `f` a real, rounded toward zero.
    Scale,
    /// `a / f`, `f` a real, rounded toward zero.
    Divide,
    /// `floor((a - origin) / size) * size + origin`; null unless `size > 0`.
    Bin,
    /// `a * 100`: 100-nanosecond ticks as nanoseconds.
    Ticks,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CheckedFunc {
    op: Op,
    signature: Signature,
}

/// A real result as i64 nanoseconds, if it is a number in range.
pub fn real_to_nanos(r: f64) -> Option<i64> {
    // i64::MAX as f64 rounds up to 2^63, which does not fit; NaN and the
    // infinities are outside every range.
    (-9.223_372_036_854_775e18..9.223_372_036_854_775e18).contains(&r).then(|| r.trunc() as i64)
}

/// `floor((x - origin) / size) * size + origin`, checked.
pub fn bin_nanos(x: i64, size: i64, origin: i64) -> Option<i64> {
    if size <= 0 {
        return None;
    }
    let q = i128::from(x).checked_sub(i128::from(origin))?.div_euclid(i128::from(size));
    i64::try_from(q * i128::from(size) + i128::from(origin)).ok()
}

fn apply(op: Op, a: &[ArrayRef]) -> Result<Int64Array> {
    let x = a[0].as_primitive::<Int64Type>();
    Ok(match op {
        Op::Ticks => x.iter().map(|x| x?.checked_mul(100)).collect(),
        Op::Add | Op::Sub => {
            let y = a[1].as_primitive::<Int64Type>();
            x.iter()
                .zip(y.iter())
                .map(|(x, y)| {
                    let (x, y) = (x?, y?);
                    if op == Op::Add { x.checked_add(y) } else { x.checked_sub(y) }
                })
                .collect()
        }
        Op::Scale | Op::Divide => {
            let f = a[1].as_primitive::<Float64Type>();
            x.iter()
                .zip(f.iter())
                .map(|(x, f)| {
                    let (x, f) = (x? as f64, f?);
                    real_to_nanos(if op == Op::Scale { x * f } else { x / f })
                })
                .collect()
        }
        Op::Bin => {
            let (s, o) = (a[1].as_primitive::<Int64Type>(), a[2].as_primitive::<Int64Type>());
            x.iter().zip(s.iter()).zip(o.iter()).map(|((x, s), o)| bin_nanos(x?, s?, o?)).collect()
        }
    })
}

impl ScalarUDFImpl for CheckedFunc {
    fn name(&self) -> &str {
        match self.op {
            Op::Add => "checked_add",
            Op::Sub => "checked_sub",
            Op::Scale => "checked_scale",
            Op::Divide => "checked_divide",
            Op::Bin => "checked_bin",
            Op::Ticks => "checked_ticks",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let op = self.op;
        let want = |i: usize| {
            if i == 1 && matches!(op, Op::Scale | Op::Divide) { DataType::Float64 } else { DataType::Int64 }
        };
        over_arrays(self.name(), args, arity(op), want, |a| Ok(Arc::new(apply(op, a)?)))
    }
}

/// Runs `f` over a UDF's `expected` arguments as arrays of the types
/// `want` gives by position; a call on scalars only gives a scalar.
pub(crate) fn over_arrays(
    name: &str,
    args: ScalarFunctionArgs,
    expected: usize,
    want: impl Fn(usize) -> DataType,
    f: impl FnOnce(&[ArrayRef]) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    if args.args.len() != expected {
        return exec_err!("{name} takes {expected} arguments");
    }
    let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let n = if all_scalar { 1 } else { args.number_rows };
    let mut arrays = Vec::with_capacity(args.args.len());
    for (i, a) in args.args.iter().enumerate() {
        let arr = match a {
            ColumnarValue::Array(a) => a.clone(),
            ColumnarValue::Scalar(s) => s.to_array_of_size(n)?,
        };
        let arr = if arr.data_type() == &want(i) { arr } else { datafusion::arrow::compute::cast(&arr, &want(i))? };
        arrays.push(arr);
    }
    let out = f(&arrays)?;
    if all_scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
    } else {
        Ok(ColumnarValue::Array(out))
    }
}

fn arity(op: Op) -> usize {
    match op {
        Op::Ticks => 1,
        Op::Bin => 3,
        _ => 2,
    }
}

/// The UDF computing `op`.
pub fn checked(op: Op) -> ScalarUDF {
    ScalarUDF::from(CheckedFunc { op, signature: Signature::new(TypeSignature::Any(arity(op)), Volatility::Immutable) })
}

/// `op` over `args` as i64 nanoseconds (the second a real for
/// [`Op::Scale`] and [`Op::Divide`]), the result cast to `to`.
pub fn call(op: Op, args: Vec<Expr>, to: DataType) -> Expr {
    let args = args
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let t = if i == 1 && matches!(op, Op::Scale | Op::Divide) { DataType::Float64 } else { DataType::Int64 };
            cast(e, t)
        })
        .collect();
    let e = checked(op).call(args);
    if to == DataType::Int64 { e } else { cast(e, to) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_floor_and_stay_in_range() {
        assert_eq!(bin_nanos(7, 5, 0), Some(5));
        assert_eq!(bin_nanos(-7, 5, 0), Some(-10));
        assert_eq!(bin_nanos(7, 5, 3), Some(3));
        assert_eq!(bin_nanos(i64::MIN + 3, 10, 0), None);
        assert_eq!(bin_nanos(i64::MAX, 10, 0), Some(i64::MAX - 7));
        assert_eq!(bin_nanos(5, 0, 0), None);
        assert_eq!(bin_nanos(5, -1, 0), None);
    }

    #[test]
    fn reals_out_of_range_are_none() {
        assert_eq!(real_to_nanos(f64::NAN), None);
        assert_eq!(real_to_nanos(f64::INFINITY), None);
        assert_eq!(real_to_nanos(9.3e18), None);
        assert_eq!(real_to_nanos(i64::MAX as f64), None);
        assert_eq!(real_to_nanos(-1.5), Some(-1));
    }
}
