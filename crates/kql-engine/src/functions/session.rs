//! `row_window_session(Expr, MaxDistanceFromFirst, MaxDistanceBetweenNeighbors
//! [, Restart])` (row-window-session-function.md): the start of each row's
//! session over the serialized rows, as a window function over the rows in
//! order. A row starts a session when there is no session (the first row,
//! or the one after a null value), when its value is at or past the
//! session's start plus the first distance, at or past the previous value
//! plus the second distance, or when `Restart` is true. A null value gives
//! null and ends the session. The values come in as nanoseconds (`Int64`);
//! a sum past the long range counts as never reached.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Builder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, TypeSignature, Volatility, WindowUDF, WindowUDFImpl};

#[derive(Debug, PartialEq, Eq, Hash)]
struct RowWindowSession {
    signature: Signature,
}

/// The window function; its arguments are the value, the two distances
/// (all `Int64` nanoseconds) and optionally the restart flag (`Boolean`).
pub fn row_window_session() -> WindowUDF {
    WindowUDF::from(RowWindowSession {
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Int64, DataType::Int64, DataType::Int64]),
                TypeSignature::Exact(vec![DataType::Int64, DataType::Int64, DataType::Int64, DataType::Boolean]),
            ],
            Volatility::Immutable,
        ),
    })
}

impl WindowUDFImpl for RowWindowSession {
    fn name(&self) -> &str {
        "row_window_session"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Sessions))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(field_args.name(), DataType::Int64, true)))
    }
}

#[derive(Debug)]
struct Sessions;

impl PartitionEvaluator for Sessions {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let (Some(x), Some(first), Some(neighbour)) = (values.first(), values.get(1), values.get(2)) else {
            return exec_err!("row_window_session takes a value and two distances");
        };
        let (x, first, neighbour) =
            (x.as_primitive::<Int64Type>(), first.as_primitive::<Int64Type>(), neighbour.as_primitive::<Int64Type>());
        let restart = values.get(3).map(|r| r.as_boolean());
        let mut out = Int64Builder::with_capacity(num_rows);
        // The session's start and the previous value.
        let mut session: Option<(i64, i64)> = None;
        for i in 0..num_rows.min(x.len()) {
            if x.is_null(i) {
                session = None;
                out.append_null();
                continue;
            }
            let v = x.value(i);
            let reached = |base: i64, arr: &datafusion::arrow::array::Int64Array| {
                arr.is_valid(i) && base.checked_add(arr.value(i)).is_some_and(|limit| v >= limit)
            };
            let restarts = restart.is_some_and(|r| r.is_valid(i) && r.value(i));
            let start = match session {
                Some((start, prev)) if !restarts && !reached(start, first) && !reached(prev, neighbour) => start,
                _ => v,
            };
            session = Some((start, v));
            out.append_value(start);
        }
        Ok(Arc::new(out.finish()))
    }
}
