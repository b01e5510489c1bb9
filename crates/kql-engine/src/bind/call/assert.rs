//! `assert(condition, message)`: checked while binding (assert-function.md:
//! both arguments are constants, evaluated before any row is read).

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, lit};
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use crate::bind::{BResult, Binder, Row, Typed};
use crate::error;
use crate::types::KqlType;

impl Binder<'_> {
    /// `true`, or the query fails with `message` where the condition is
    /// false (or null).
    pub(super) fn assert(&mut self, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        self.arity("assert", args, 2, 2, span)?;
        // Bound over the row first, so that a column gets the clear error.
        let over_row = self.scalar(&args[0].value, row)?;
        if !over_row.expr.column_refs().is_empty() {
            return Err(self.error(error::NOT_CONSTANT, args[0].value.span, "`assert` takes a constant condition"));
        }
        let condition = self.constant(&args[0].value)?;
        let Expr::Literal(value, _) = &condition.expr else {
            return Err(self.error(error::NOT_CONSTANT, args[0].value.span, "`assert` takes a constant condition"));
        };
        let holds = match value {
            ScalarValue::Boolean(b) => b.unwrap_or(false),
            _ => {
                return Err(self.error(error::TYPE_MISMATCH, args[0].value.span, "`assert` takes a bool condition"));
            }
        };
        let message = self.constant_string(Some(&args[1].value), span)?;
        if !holds {
            return Err(self.error(error::BAD_ARGUMENTS, span, format!("assertion failed: {message}")));
        }
        Ok(Typed { expr: lit(true), ty: KqlType::Bool })
    }
}
