//! Operators that start a query: `print`, `range`, `datatable`, and the
//! unpiped `union`, `search`, `find` and `evaluate` (the storage readers are
//! in `external`).

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{EmptyRelation, Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, OperatorKind};

use crate::bind::names::NameTable;
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::functions::expand::range_list;
use crate::types::KqlType;

impl<'a> Binder<'a> {
    pub(crate) fn source_operator(&mut self, op: &ast::Operator) -> BResult<Tab> {
        let span = op.span;
        match &op.kind {
            OperatorKind::Print(items) if super::multi_assign::has_multi(items) => {
                // A function of several values gives a column per value,
                // projected over the one row `print` makes.
                let items: Vec<ast::Assign> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        match item.names.is_empty() && super::multi_assign::multi_call(&item.value).is_none() {
                            true => ast::Assign {
                                names: vec![ast::Ident { name: format!("print_{i}"), span: item.span }],
                                ..item.clone()
                            },
                            false => item.clone(),
                        }
                    })
                    .collect();
                let plan = self.build(span, Ok(LogicalPlanBuilder::empty(true)))?;
                self.project(Tab { plan, source: None }, &items, span)
            }
            OperatorKind::Print(items) => {
                let mut names = NameTable::default();
                let mut exprs = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let t = self.constant(&item.value)?;
                    let name = match item.names.first() {
                        Some(n) => n.name.clone(),
                        None => format!("print_{i}"),
                    };
                    exprs.push(t.expr.alias(names.unique(&name)));
                }
                let plan = self.build(span, LogicalPlanBuilder::empty(true).project(exprs))?;
                Ok(Tab { plan, source: None })
            }
            OperatorKind::Range { column, from, to, step } => self.range(column, from, to, step, span),
            OperatorKind::Datatable { schema, values } => self.datatable(schema, values, span),
            OperatorKind::Externaldata { schema, uris, properties } => {
                self.externaldata(schema, uris, properties, span)
            }
            OperatorKind::InlineExternalTable(t) => self.inline_external_table(t, span),
            OperatorKind::Union(u) => self.union(None, u, span, true, &[]),
            OperatorKind::Search(s) => self.search(None, s, span),
            OperatorKind::Find(f) => self.find(f, span),
            OperatorKind::Evaluate(e) => self.evaluate_source(e),
            other => {
                let name = super::operator_name(other);
                Err(self.not_implemented(span, &format!("the `{name}` operator")))
            }
        }
    }

    fn range(
        &mut self,
        column: &ast::Ident,
        from: &ast::Expr,
        to: &ast::Expr,
        step: &ast::Expr,
        span: Span,
    ) -> BResult<Tab> {
        let f = self.constant(from)?;
        let t = self.constant(to)?;
        let s = self.constant(step)?;
        let ty =
            match (f.ty, t.ty, s.ty) {
                (KqlType::Datetime, KqlType::Datetime, KqlType::Timespan) => KqlType::Datetime,
                (KqlType::Timespan, KqlType::Timespan, KqlType::Timespan) => KqlType::Timespan,
                (a, b, c) if a.is_numeric() && b.is_numeric() && c.is_numeric() => {
                    if [a, b, c].contains(&KqlType::Real) { KqlType::Real } else { KqlType::Long }
                }
                (a, b, c) => {
                    return Err(self.error(
                    error::TYPE_MISMATCH,
                    span,
                    format!(
                        "`range` needs numbers, or datetimes or timespans with a timespan step; found {a}, {b} and {c}"
                    ),
                ));
                }
            };
        let real = ty == KqlType::Real;
        let as_num = |e: Expr| {
            if real { cast(e, DataType::Float64) } else { cast(e, DataType::Int64) }
        };
        let values = range_list(real).call(vec![as_num(f.expr), as_num(t.expr), as_num(s.expr)]);
        let list = self.fresh("range");
        let b = LogicalPlanBuilder::empty(true)
            .project(vec![values.alias(&list)])
            .and_then(|b| b.unnest_column(datafusion::common::Column::from_name(&list)));
        let unnested = self.build(span, b)?;
        let x = Self::column(&list);
        let x = if real || ty == KqlType::Long { x } else { cast(x, ty.arrow()) };
        let plan = self.build(span, LogicalPlanBuilder::from(unnested).project(vec![x.alias(&column.name)]))?;
        Ok(Tab { plan, source: None })
    }

    fn datatable(&mut self, schema: &[ast::ColumnDecl], values: &[ast::Expr], span: Span) -> BResult<Tab> {
        let cols: Vec<(String, KqlType)> =
            schema.iter().map(|c| (c.name.name.clone(), KqlType::from_syntax(c.ty.ty))).collect();
        if cols.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, "`datatable` needs at least one column"));
        }
        if !values.len().is_multiple_of(cols.len()) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!(
                    "`datatable` has {} columns but {} values, which is not a whole number of rows",
                    cols.len(),
                    values.len()
                ),
            ));
        }
        if values.is_empty() {
            return Ok(Tab { plan: empty_plan(&cols), source: None });
        }
        let mut rows = Vec::new();
        for chunk in values.chunks(cols.len()) {
            let mut row = Vec::new();
            for (v, (_, ty)) in chunk.iter().zip(&cols) {
                let t = self.constant(v)?;
                let is_null = matches!(&t.expr, Expr::Literal(s, _) if s.is_null());
                if t.ty != *ty && !is_null && !(t.ty.is_numeric() && ty.is_numeric()) && *ty != KqlType::Dynamic {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        v.span,
                        format!("expected a {ty} value, found a {}", t.ty),
                    ));
                }
                let e = if *ty == KqlType::Dynamic && t.ty != KqlType::Dynamic {
                    let json = match &t.expr {
                        Expr::Literal(s, _) => crate::functions::dynamic::scalar_json(s).to_string(),
                        _ => "null".into(),
                    };
                    lit(ScalarValue::LargeUtf8(Some(json)))
                } else {
                    cast(t.expr, ty.arrow())
                };
                row.push(e);
            }
            rows.push(row);
        }
        let values_plan = self.build(span, LogicalPlanBuilder::values(rows))?;
        let exprs: Vec<Expr> = values_plan
            .schema()
            .fields()
            .iter()
            .zip(&cols)
            .map(|(f, (n, ty))| cast(Self::column(f.name()), ty.arrow()).alias(n))
            .collect();
        let plan = self.build(span, LogicalPlanBuilder::from(values_plan).project(exprs))?;
        Ok(Tab { plan, source: None })
    }
}

/// A plan with these columns and no rows.
pub(crate) fn empty_plan(cols: &[(String, KqlType)]) -> LogicalPlan {
    let fields: Vec<Field> = cols.iter().map(|(n, t)| Field::new(n, t.arrow(), true)).collect();
    let schema = DFSchema::try_from(Schema::new(fields)).expect("valid schema");
    LogicalPlan::EmptyRelation(EmptyRelation { produce_one_row: false, schema: Arc::new(schema) })
}
