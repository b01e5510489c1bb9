//! `row_rank_min(Term [, Restart])` and `row_rank_dense(Term [, Restart])`
//! (row-rank-min-function.md, row-rank-dense-function.md): ranks over the
//! serialized rows, which the caller has sorted by `Term`. Equal
//! neighbouring terms share a rank: for `row_rank_min` the row number (from
//! 1, or from the last restart) of the first of them, for `row_rank_dense`
//! one more than the previous distinct term's. `Restart` true starts the
//! count again at that row.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Builder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl};

/// Which rank.
#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
pub enum Rank {
    /// `row_rank_min`
    Min,
    /// `row_rank_dense`
    Dense,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct RowRank {
    rank: Rank,
    signature: Signature,
}

/// The window function: the term (any type) and optionally the restart
/// flag (`Boolean`).
pub fn row_rank(rank: Rank) -> WindowUDF {
    WindowUDF::from(RowRank { rank, signature: Signature::variadic_any(Volatility::Immutable) })
}

impl WindowUDFImpl for RowRank {
    fn name(&self) -> &str {
        match self.rank {
            Rank::Min => "row_rank_min",
            Rank::Dense => "row_rank_dense",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Ranks(self.rank)))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(field_args.name(), DataType::Int64, true)))
    }
}

#[derive(Debug)]
struct Ranks(Rank);

impl PartitionEvaluator for Ranks {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let Some(term) = values.first() else {
            return exec_err!("row_rank takes a term");
        };
        let restart = match values.get(1) {
            Some(r) if r.data_type() == &DataType::Boolean => Some(r.as_boolean()),
            Some(_) => return exec_err!("row_rank's restart must be a bool"),
            None => None,
        };
        let mut out = Int64Builder::with_capacity(num_rows);
        // The previous term, the row number since the restart and the rank.
        let mut prev: Option<ScalarValue> = None;
        let (mut number, mut rank) = (0i64, 0i64);
        for i in 0..num_rows.min(term.len()) {
            let v = ScalarValue::try_from_array(term, i)?;
            if restart.is_some_and(|r| r.is_valid(i) && r.value(i)) {
                prev = None;
                number = 0;
                rank = 0;
            }
            number = number.saturating_add(1);
            if prev.as_ref() != Some(&v) {
                rank = match self.0 {
                    Rank::Min => number,
                    Rank::Dense => rank.saturating_add(1),
                };
                prev = Some(v);
            }
            out.append_value(rank);
        }
        Ok(Arc::new(out.finish()))
    }
}
