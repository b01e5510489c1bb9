//! Arithmetic on longs that fails rather than wraps. A sum, difference,
//! product or negation outside the long range is an error, whether its
//! operands are constants or columns ("an overflow usually leads to a
//! partial query failure", concepts/overflow.md); `%` is Kusto's modulo,
//! never negative (`0 <= a % b < abs(b)`, numerical-operators.md), exact
//! for every pair of longs.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, Int64Array};
use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::arrow::error::ArrowError;
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

/// What a [`LongFunc`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LongOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `-a`.
    Neg,
    /// `a % b` in `0 .. abs(b)`.
    Mod,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct LongFunc {
    op: LongOp,
    signature: Signature,
}

fn overflow(e: ArrowError) -> DataFusionError {
    match e {
        ArrowError::ArithmeticOverflow(m) => DataFusionError::Execution(format!(
            "arithmetic overflow: a long result is outside -9223372036854775808..9223372036854775807 ({m})"
        )),
        other => DataFusionError::ArrowError(Box::new(other), None),
    }
}

/// Kusto's modulo; `None` for a zero divisor.
pub fn kusto_mod(a: i64, b: i64) -> Option<i64> {
    // `rem_euclid` is in 0..abs(b); it only overflows for MIN % -1, which is 0.
    (b != 0).then(|| a.checked_rem_euclid(b).unwrap_or(0))
}

fn modulo(a: &Int64Array, b: &Int64Array) -> Result<Int64Array> {
    let mut out = Vec::with_capacity(a.len());
    for (a, b) in a.iter().zip(b.iter()) {
        out.push(match (a, b) {
            (Some(a), Some(b)) => match kusto_mod(a, b) {
                Some(r) => Some(r),
                None => return exec_err!("division by zero: {a} % 0"),
            },
            _ => None,
        });
    }
    Ok(out.into_iter().collect())
}

impl ScalarUDFImpl for LongFunc {
    fn name(&self) -> &str {
        match self.op {
            LongOp::Add => "long_add",
            LongOp::Sub => "long_sub",
            LongOp::Mul => "long_mul",
            LongOp::Neg => "long_neg",
            LongOp::Mod => "long_mod",
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
        let arity = if op == LongOp::Neg { 1 } else { 2 };
        super::checked::over_arrays(
            self.name(),
            args,
            arity,
            |_| DataType::Int64,
            |a| {
                Ok(match op {
                    LongOp::Add => numeric::add(&a[0], &a[1]).map_err(overflow)?,
                    LongOp::Sub => numeric::sub(&a[0], &a[1]).map_err(overflow)?,
                    LongOp::Mul => numeric::mul(&a[0], &a[1]).map_err(overflow)?,
                    LongOp::Neg => numeric::neg(&a[0]).map_err(overflow)?,
                    LongOp::Mod => {
                        Arc::new(modulo(a[0].as_primitive::<Int64Type>(), a[1].as_primitive::<Int64Type>())?)
                    }
                })
            },
        )
    }
}

/// `op` over `args`, longs (or ints, cast where the function runs).
pub fn call(op: LongOp, args: Vec<Expr>) -> Expr {
    let arity = if op == LongOp::Neg { 1 } else { 2 };
    let udf =
        ScalarUDF::from(LongFunc { op, signature: Signature::new(TypeSignature::Any(arity), Volatility::Immutable) });
    udf.call(args)
}

#[cfg(test)]
mod tests {
    use super::kusto_mod;

    #[test]
    fn modulo_is_never_negative_and_exact_at_the_ends() {
        assert_eq!(kusto_mod(-14, 12), Some(10));
        assert_eq!(kusto_mod(14, -12), Some(2));
        assert_eq!(kusto_mod(-14, -12), Some(10));
        assert_eq!(kusto_mod(5, i64::MAX), Some(5));
        assert_eq!(kusto_mod(-5, i64::MAX), Some(i64::MAX - 5));
        assert_eq!(kusto_mod(i64::MIN, -1), Some(0));
        assert_eq!(kusto_mod(i64::MAX, i64::MIN), Some(i64::MAX));
        assert_eq!(kusto_mod(i64::MIN, i64::MIN), Some(0));
        assert_eq!(kusto_mod(1, 0), None);
    }
}
