//! `pack_all()` and `bag_pack_columns()`: property bags of the row's
//! columns, bound over the row's schema.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, lit};
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind};

use crate::bind::{BResult, Binder, Row, Typed};
use crate::error;
use crate::types::KqlType;

impl Binder<'_> {
    /// `pack_all([ignore_null_empty])`: a bag of every column of the row;
    /// `bag_pack_columns(c1, c2, ...)`: of the columns named
    /// (pack-all-function.md, bag-pack-columns-function.md).
    pub(super) fn pack_columns(&mut self, name: &str, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        use crate::functions::{array_ops, collections, rowwise::row_func};
        let mut exprs = Vec::new();
        let mut skip_empty = false;
        if name == "pack_all" {
            self.arity(name, args, 0, 1, span)?;
            if let Some(a) = args.first() {
                match self.constant(&a.value)?.expr {
                    Expr::Literal(ScalarValue::Boolean(Some(b)), _) => skip_empty = b,
                    _ => {
                        return Err(self.error(error::NOT_CONSTANT, a.value.span, "`pack_all` takes a constant bool"));
                    }
                }
            }
            // Hidden columns (`__...`) carry sort keys, not data; in an
            // `extend`, the columns its earlier items add are not yet in the
            // row pack_all packs.
            let input = self.extend_input.clone();
            for f in row
                .schema
                .fields()
                .iter()
                .filter(|f| !f.name().starts_with("__") && input.as_ref().is_none_or(|i| i.contains(f.name())))
            {
                exprs.push(lit(f.name().as_str()));
                exprs.push(Self::column(f.name()));
            }
        } else {
            if args.is_empty() {
                return Err(self.error(error::BAD_ARGUMENTS, span, "`bag_pack_columns` takes at least one column"));
            }
            for a in args {
                let ExprKind::Name(n) = &a.value.kind else {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        a.value.span,
                        "`bag_pack_columns` takes column names",
                    ));
                };
                let t = self.scalar(&a.value, row)?;
                exprs.push(lit(n.name.as_str()));
                exprs.push(t.expr);
            }
        }
        let udf = if skip_empty {
            row_func("pack_all", KqlType::Dynamic, array_ops::bag_pack_nonempty)
        } else {
            row_func("bag_pack", KqlType::Dynamic, collections::bag_pack)
        };
        Ok(Typed { expr: udf.call(exprs), ty: KqlType::Dynamic })
    }
}
