//! Operators that start a query: `print`, `range`, `datatable`, and the
//! unpiped `union`.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{
    EmptyRelation, Expr, LogicalPlan, LogicalPlanBuilder, Operator, binary_expr, cast, lit,
};
use kql_syntax::Span;
use kql_syntax::ast::{self, OperatorKind};

use crate::bind::names::NameTable;
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// More rows than this in one `range` is surely a mistake.
const MAX_RANGE_ROWS: i64 = 10_000_000;

impl<'a> Binder<'a> {
    pub(crate) fn source_operator(&mut self, op: &ast::Operator) -> BResult<Tab> {
        let span = op.span;
        match &op.kind {
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
            OperatorKind::Union(u) => self.union(None, u, span),
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
        let as_i64 = |e: &Expr| match e {
            Expr::Literal(v, _) => match v {
                ScalarValue::Int64(Some(n))
                | ScalarValue::TimestampNanosecond(Some(n), _)
                | ScalarValue::DurationNanosecond(Some(n)) => Some(*n),
                ScalarValue::Int32(Some(n)) => Some(*n as i64),
                _ => None,
            },
            _ => None,
        };
        let (Some(a), Some(b), Some(st)) = (as_i64(&f.expr), as_i64(&t.expr), as_i64(&s.expr)) else {
            return Err(self.error(
                error::NOT_CONSTANT,
                span,
                "`range` needs constant whole-number, datetime or timespan bounds",
            ));
        };
        if st == 0 {
            return Err(self.error(error::BAD_ARGUMENTS, step.span, "the `range` step cannot be zero"));
        }
        let rows = if (st > 0 && b < a) || (st < 0 && b > a) { 0 } else { (b - a) / st + 1 };
        if rows > MAX_RANGE_ROWS {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("`range` would make {rows} rows; the limit is {MAX_RANGE_ROWS}"),
            ));
        }
        let ty = f.ty;
        let plan = if rows == 0 {
            empty_plan(&[(column.name.clone(), ty)])
        } else {
            // The row numbers 0..rows, in memory batches.
            let schema =
                Arc::new(Schema::new(vec![Field::new("i", datafusion::arrow::datatypes::DataType::Int64, false)]));
            let mut batches = Vec::new();
            let mut start = 0i64;
            while start < rows {
                let end = (start + 8192).min(rows);
                let arr = datafusion::arrow::array::Int64Array::from_iter_values(start..end);
                let batch = datafusion::arrow::record_batch::RecordBatch::try_new(schema.clone(), vec![Arc::new(arr)]);
                batches.push(self.df(span, batch.map_err(Into::into))?);
                start = end;
            }
            let table = self.df(span, datafusion::datasource::MemTable::try_new(schema, vec![batches]))?;
            let scan = LogicalPlanBuilder::scan(
                "range",
                datafusion::catalog::default_table_source::provider_as_source(Arc::new(table)),
                None,
            );
            let scan = self.build(span, scan)?;
            let value = Self::column("i");
            let x = binary_expr(lit(a), Operator::Plus, binary_expr(value, Operator::Multiply, lit(st)));
            let x = if ty == KqlType::Long { x } else { cast(x, ty.arrow()) };
            self.build(span, LogicalPlanBuilder::from(scan).project(vec![x.alias(&column.name)]))?
        };
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
