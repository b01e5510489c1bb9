//! `estimate_data_size(columns)` (estimate-data-size-function.md): the
//! bytes of the named columns of the row, or of every column for `*`.

use datafusion::logical_expr::lit;
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind};

use crate::bind::{BResult, Binder, Row, Typed};
use crate::error;
use crate::types::KqlType;

/// The bytes a value of a fixed-width type takes; `None` for a string
/// (its UTF-8 length) and for `dynamic`, whose size the page does not give.
fn fixed_size(ty: KqlType) -> Option<i64> {
    match ty {
        KqlType::Bool => Some(1),
        KqlType::Int => Some(4),
        KqlType::Long | KqlType::Real | KqlType::Datetime | KqlType::Timespan => Some(8),
        KqlType::Decimal | KqlType::Guid => Some(16),
        _ => None,
    }
}

impl Binder<'_> {
    /// `estimate_data_size(c1, c2, ...)` or `estimate_data_size(*)`: a
    /// long per row, the fixed widths of the columns' types (a long 8
    /// bytes) plus the UTF-8 length of each string. A `dynamic` column is
    /// refused: its internal size is not documented.
    pub(super) fn estimate_data_size(&mut self, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        if args.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, "`estimate_data_size` takes columns or `*`"));
        }
        let mut columns: Vec<(Typed, Span)> = Vec::new();
        for a in args {
            if let Some(n) = &a.name {
                return Err(self.error(error::BAD_ARGUMENTS, n.span, "`estimate_data_size` takes no named arguments"));
            }
            match &a.value.kind {
                ExprKind::Wildcard(w) if w == "*" => {
                    let input = self.extend_input.clone();
                    let fields: Vec<(String, KqlType)> = row
                        .schema
                        .fields()
                        .iter()
                        .filter(|f| !f.name().starts_with("__") && input.as_ref().is_none_or(|i| i.contains(f.name())))
                        .map(|f| (f.name().clone(), KqlType::of(f.data_type())))
                        .collect();
                    for (n, ty) in fields {
                        columns.push((Typed { expr: Self::column(&n), ty }, a.value.span));
                    }
                }
                ExprKind::Name(_) => {
                    let t = self.scalar(&a.value, row)?;
                    columns.push((t, a.value.span));
                }
                _ => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        a.value.span,
                        "`estimate_data_size` takes column names or `*`",
                    ));
                }
            }
        }
        let mut fixed: i64 = 0;
        let mut exprs = vec![];
        for (t, at) in columns {
            match (fixed_size(t.ty), t.ty) {
                (Some(n), _) => fixed = fixed.saturating_add(n),
                (None, KqlType::String) => exprs.push(t.expr),
                (None, other) => {
                    return Err(self.not_implemented(
                        at,
                        &format!("`estimate_data_size` of a {other} column (its size is not documented)"),
                    ));
                }
            }
        }
        exprs.insert(0, lit(fixed));
        let udf = crate::functions::rowwise::row_func(
            "estimate_data_size",
            KqlType::Long,
            crate::functions::text_edit::data_size,
        );
        Ok(Typed { expr: udf.call(exprs), ty: KqlType::Long })
    }
}
