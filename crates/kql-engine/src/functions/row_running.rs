//! Running window functions with a restart flag, over the serialized rows:
//! `row_cumsum(Term [, Restart])` (row-cumsum-function.md: the sum of
//! `Term` from the first row, or from the last row whose `Restart` is true)
//! and `row_number(Start, Restart)` (row-number-function.md: the row index
//! from `Start`, back to `Start` where `Restart` is true). A null term adds
//! nothing; a sum past the range of a long is null from there to the next
//! restart, never wrapped.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Builder, Int64Builder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int32Type, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl};

/// Which running value.
#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
pub enum Running {
    /// `row_cumsum` of a whole-number term (`int` or `long`): a long.
    SumLong,
    /// `row_cumsum` of a real term: a real.
    SumReal,
    /// `row_number(start, restart)`.
    Number(i64),
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct RowRunning {
    running: Running,
    signature: Signature,
}

/// The window function. `row_cumsum` takes the term and optionally the
/// restart flag (`Boolean`); `row_number` takes the restart flag.
pub fn row_running(running: Running) -> WindowUDF {
    WindowUDF::from(RowRunning { running, signature: Signature::variadic_any(Volatility::Immutable) })
}

impl WindowUDFImpl for RowRunning {
    fn name(&self) -> &str {
        match self.running {
            Running::SumLong | Running::SumReal => "row_cumsum",
            Running::Number(_) => "row_number",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Evaluator(self.running)))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let ty = match self.running {
            Running::SumReal => DataType::Float64,
            Running::SumLong | Running::Number(_) => DataType::Int64,
        };
        Ok(Arc::new(Field::new(field_args.name(), ty, true)))
    }
}

#[derive(Debug)]
struct Evaluator(Running);

/// The restart flag at `i`: true only where it is set and true.
fn restarts(flag: Option<&BooleanArray>, i: usize) -> bool {
    flag.is_some_and(|r| i < r.len() && r.is_valid(i) && r.value(i))
}

fn flag(v: Option<&ArrayRef>) -> Result<Option<&BooleanArray>> {
    match v {
        Some(r) if r.data_type() == &DataType::Boolean => Ok(Some(r.as_boolean())),
        Some(_) => exec_err!("the restart flag must be a bool"),
        None => Ok(None),
    }
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        match self.0 {
            Running::Number(start) => {
                let restart = flag(values.first())?;
                let mut out = Int64Builder::with_capacity(num_rows);
                let mut n = Some(start);
                for i in 0..num_rows {
                    if i > 0 {
                        n = if restarts(restart, i) { Some(start) } else { n.and_then(|n| n.checked_add(1)) };
                    }
                    out.append_option(n);
                }
                Ok(Arc::new(out.finish()))
            }
            Running::SumReal => {
                let Some(term) = values.first() else { return exec_err!("row_cumsum takes a term") };
                let restart = flag(values.get(1))?;
                let term = match term.data_type() {
                    DataType::Float64 => term.as_primitive::<Float64Type>(),
                    t => return exec_err!("row_cumsum over {t}"),
                };
                let mut out = Float64Builder::with_capacity(num_rows);
                let mut sum = 0.0;
                for i in 0..num_rows.min(term.len()) {
                    if restarts(restart, i) {
                        sum = 0.0;
                    }
                    if term.is_valid(i) {
                        sum += term.value(i);
                    }
                    out.append_value(sum);
                }
                Ok(Arc::new(out.finish()))
            }
            Running::SumLong => {
                let Some(term) = values.first() else { return exec_err!("row_cumsum takes a term") };
                let restart = flag(values.get(1))?;
                let at = |i: usize| -> Option<i64> {
                    match term.data_type() {
                        DataType::Int64 => {
                            let a = term.as_primitive::<Int64Type>();
                            a.is_valid(i).then(|| a.value(i))
                        }
                        DataType::Int32 => {
                            let a = term.as_primitive::<Int32Type>();
                            a.is_valid(i).then(|| i64::from(a.value(i)))
                        }
                        _ => None,
                    }
                };
                if !matches!(term.data_type(), DataType::Int64 | DataType::Int32) {
                    return exec_err!("row_cumsum over {}", term.data_type());
                }
                let mut out = Int64Builder::with_capacity(num_rows);
                let mut sum = Some(0i64);
                for i in 0..num_rows.min(term.len()) {
                    if restarts(restart, i) {
                        sum = Some(0);
                    }
                    if let Some(v) = at(i) {
                        sum = sum.and_then(|s| s.checked_add(v));
                    }
                    out.append_option(sum);
                }
                Ok(Arc::new(out.finish()))
            }
        }
    }
}
