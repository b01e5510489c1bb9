//! `evaluate narrow()` (narrow-plugin.md): a wide table turned into three
//! columns, `Row` (the input row's number, from 0), `Column` (a column's
//! name) and `Value` (its value as text), a row per input row and column,
//! in the input's row order and then its column order.

use datafusion::common::ScalarValue;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{LogicalPlanBuilder, SortExpr, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::Arg;

use crate::bind::{BResult, Binder, Tab, Typed};
use crate::error;
use crate::types::KqlType;

impl Binder<'_> {
    pub(super) fn narrow(&mut self, input: Tab, args: &[Arg], call_span: Span) -> BResult<Tab> {
        if let Some(a) = args.first() {
            return Err(self.error(error::BAD_ARGUMENTS, a.value.span, "narrow takes no arguments"));
        }
        let fields: Vec<(String, KqlType)> =
            input.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect();
        let row = self.fresh("narrow_row");
        let ord = self.fresh("narrow_ord");
        let mut cols = Self::all_columns(&input.plan);
        cols.push(Self::column(&row));
        let numbered =
            LogicalPlanBuilder::from(input.plan).window(vec![row_number().alias(&row)]).and_then(|b| b.project(cols));
        let numbered = self.build(call_span, numbered)?;
        let mut legs = Vec::new();
        for (i, (name, ty)) in fields.iter().enumerate() {
            self.check_deadline(call_span)?;
            let value = self.convert(Typed { expr: Self::column(name), ty: *ty }, KqlType::String);
            let exprs = vec![
                (cast(Self::column(&row), KqlType::Long.arrow()) - lit(1i64)).alias("Row"),
                lit(ScalarValue::Utf8View(Some(name.clone()))).alias("Column"),
                value.expr.alias("Value"),
                lit(i64::try_from(i).unwrap_or(i64::MAX)).alias(&ord),
            ];
            legs.push(self.build(call_span, LogicalPlanBuilder::from(numbered.clone()).project(exprs))?);
        }
        let mut legs = legs.into_iter();
        let Some(first) = legs.next() else {
            return Err(self.error(error::BAD_ARGUMENTS, call_span, "narrow needs an input with columns"));
        };
        let mut b = LogicalPlanBuilder::from(first);
        for leg in legs {
            b = self.build(call_span, b.union(leg))?.into();
        }
        let sorted = b.sort(vec![
            SortExpr::new(Self::column("Row"), true, false),
            SortExpr::new(Self::column(&ord), true, false),
        ]);
        let sorted = self.build(call_span, sorted)?;
        let out = LogicalPlanBuilder::from(sorted).project(vec![
            Self::column("Row"),
            Self::column("Column"),
            Self::column("Value"),
        ]);
        Ok(Tab { plan: self.build(call_span, out)?, source: None })
    }
}
