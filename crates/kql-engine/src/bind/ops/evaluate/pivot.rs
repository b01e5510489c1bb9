//! `evaluate pivot(pivotColumn [, aggregationFunction] [, column1, ...])
//! [: OutputSchema]` (pivot-plugin.md): a row per group of the columns
//! given (by default every column but the pivoted one and those the
//! aggregation reads), and a column per distinct value of `pivotColumn`
//! holding the aggregation (`count()` by default) over the group's rows with
//! that value. The values are learned from the data, in the order they
//! first appear (the page's outputs: ARKANSAS before ARIZONA). With an
//! output schema the columns are the schema's, and a value the data has
//! that the schema lacks is an error, as the page says.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::{count, min};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, SortExpr, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, Assign, BinaryOp, ExprKind, Ident, Literal};

use super::{LearnKind, MAX_LEARNED_COLUMNS};
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

/// The aggregations pivot-plugin.md lists, with their `if` forms.
const AGGREGATIONS: &[(&str, &str)] = &[
    ("count", "countif"),
    ("min", "minif"),
    ("max", "maxif"),
    ("take_any", "take_anyif"),
    ("sum", "sumif"),
    ("dcount", "dcountif"),
    ("avg", "avgif"),
    ("stdev", "stdevif"),
    ("variance", "varianceif"),
    ("make_list", "make_list_if"),
    ("make_bag", "make_bag_if"),
    ("make_set", "make_set_if"),
];

/// The distinct strings of the one column of `batches`, in the order they
/// first appear.
pub(super) fn learn_values(batches: &[RecordBatch]) -> Result<Vec<(String, KqlType)>, String> {
    let mut seen = std::collections::HashSet::new();
    let mut values = Vec::new();
    for b in batches {
        let Some(col) = b.columns().first() else { continue };
        let mut add = |v: &str| -> Result<(), String> {
            if seen.contains(v) {
                return Ok(());
            }
            if values.len() >= MAX_LEARNED_COLUMNS {
                return Err(format!("pivot: the pivot column has more than {MAX_LEARNED_COLUMNS} distinct values"));
            }
            seen.insert(v.to_string());
            values.push(v.to_string());
            Ok(())
        };
        match col.data_type() {
            DataType::Utf8View => {
                let a = col.as_string_view();
                for i in (0..a.len()).filter(|&i| a.is_valid(i)) {
                    add(a.value(i))?;
                }
            }
            DataType::Utf8 => {
                let a = col.as_string::<i32>();
                for i in (0..a.len()).filter(|&i| a.is_valid(i)) {
                    add(a.value(i))?;
                }
            }
            DataType::LargeUtf8 => {
                let a = col.as_string::<i64>();
                for i in (0..a.len()).filter(|&i| a.is_valid(i)) {
                    add(a.value(i))?;
                }
            }
            other => return Err(format!("pivot: the pivot values are {other}, not text")),
        }
    }
    Ok(values.into_iter().map(|v| (v, KqlType::Dynamic)).collect())
}

impl Binder<'_> {
    pub(super) fn pivot(
        &mut self,
        input: Tab,
        args: &[Arg],
        schema: Option<&ast::TableSchema>,
        call_span: Span,
        span: Span,
    ) -> BResult<Tab> {
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            return Err(self.error(error::BAD_ARGUMENTS, a.value.span, "pivot takes its arguments by position"));
        }
        let Some(pivot) = args.first().map(|a| &a.value) else {
            return Err(self.error(error::BAD_ARGUMENTS, call_span, "pivot needs the column to rotate"));
        };
        let ExprKind::Name(pivot_name) = &pivot.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, pivot.span, "the pivot column is a column name"));
        };
        // The aggregation: the second argument when it is a call.
        let (aggregation, rest) = match args.get(1).map(|a| &a.value) {
            Some(e @ ast::Expr { kind: ExprKind::Call { .. }, .. }) => (Some(e), args.get(2..).unwrap_or_default()),
            _ => (None, args.get(1..).unwrap_or_default()),
        };
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        self.scalar(pivot, row)?;
        let mut reads = Vec::new();
        if let Some(a) = aggregation {
            names_in(a, &mut reads);
        }
        let groups: Vec<Ident> = if rest.is_empty() {
            input
                .plan
                .schema()
                .fields()
                .iter()
                .map(|f| f.name())
                .filter(|n| **n != pivot_name.name && !reads.contains(n))
                .map(|n| Ident { name: n.clone(), span: call_span })
                .collect()
        } else {
            let mut g = Vec::new();
            for a in rest {
                let ExprKind::Name(n) = &a.value.kind else {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        a.value.span,
                        "a pivot group column is a column name",
                    ));
                };
                g.push(n.clone());
            }
            g
        };
        // The values, from the data.
        let as_text = self.pivot_text(pivot, row)?;
        // Each distinct value with the position of its first row, in that order.
        let values_plan = {
            let first = self.fresh("pivot_first");
            let position = self.fresh("pivot_position");
            let b = LogicalPlanBuilder::from(input.plan.clone())
                .window(vec![row_number().alias(&position)])
                .and_then(|b| {
                    b.aggregate(vec![as_text.alias("value")], vec![min(Self::column(&position)).alias(&first)])
                })
                .and_then(|b| b.sort(vec![SortExpr::new(Self::column(&first), true, false)]))
                .and_then(|b| b.project(vec![Self::column("value")]));
            self.build(span, b)?
        };
        let learned = self.learned_or_request(span, values_plan, LearnKind::Values)?;
        let mut values: Vec<String> = learned.into_iter().map(|(v, _)| v).collect();
        let group_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        if let Some(s) = schema {
            let declared: Vec<String> =
                s.columns.iter().map(|c| c.name.name.clone()).filter(|n| !group_names.contains(&n.as_str())).collect();
            if let Some(v) = values.iter().find(|v| !declared.contains(v)) {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    s.span,
                    format!("the data has the pivot value `{v}`, which the output schema does not declare"),
                ));
            }
            values = declared;
        }
        for v in &values {
            if v.is_empty() || group_names.contains(&v.as_str()) {
                return Err(self.not_implemented(
                    call_span,
                    &format!("a pivot value that is empty or names a group column (`{v}`)"),
                ));
            }
        }
        let summarize = ast::Summarize {
            options: Vec::new(),
            aggregates: values
                .iter()
                .map(|v| self.pivot_cell(pivot, aggregation, v, call_span))
                .collect::<BResult<Vec<_>>>()?,
            by: groups
                .iter()
                .map(|g| Assign {
                    names: Vec::new(),
                    value: ast::Expr { kind: ExprKind::Name(g.clone()), span: g.span },
                    span: g.span,
                })
                .collect(),
        };
        let out = if summarize.aggregates.is_empty() {
            // No value: the groups alone.
            let keys: Vec<Expr> = group_names.iter().map(|g| Self::column(g)).collect();
            let b = LogicalPlanBuilder::from(input.plan).aggregate(keys, vec![count(lit(1i64)).alias("__n")]);
            let plan = self.build(span, b)?;
            let cols = group_names.iter().map(|g| Self::column(g)).collect();
            let plan = self.projection(span, plan, cols)?;
            Tab { plan, source: None }
        } else {
            self.summarize(input, &summarize, span)?
        };
        let Some(s) = schema else { return Ok(out) };
        // The schema's order and types.
        let mut exprs = Vec::new();
        for c in &s.columns {
            let Ok(f) = out.plan.schema().field_with_unqualified_name(&c.name.name) else {
                return Err(self.error(
                    error::UNKNOWN_NAME,
                    c.name.span,
                    format!("the output schema declares `{}`, which pivot does not produce", c.name.name),
                ));
            };
            let (have, want) = (KqlType::of(f.data_type()), KqlType::from_syntax(c.ty.ty));
            if have != want {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    c.ty.span,
                    format!("`{}` is a {}, not a {}", c.name.name, have.name(), want.name()),
                ));
            }
            exprs.push(Self::column(&c.name.name));
        }
        let plan = self.projection(span, out.plan, exprs)?;
        Ok(Tab { plan, source: None })
    }

    /// `tostring(pivotColumn)`, bound over `row`.
    fn pivot_text(&mut self, pivot: &ast::Expr, row: Row<'_>) -> BResult<Expr> {
        Ok(self.scalar(&to_string(pivot), row)?.expr)
    }

    /// `v = aggif(args..., tostring(pivotColumn) == "v")`.
    fn pivot_cell(&mut self, pivot: &ast::Expr, aggregation: Option<&ast::Expr>, v: &str, at: Span) -> BResult<Assign> {
        let mk = |kind| ast::Expr { kind, span: at };
        let cond = mk(ExprKind::Binary {
            op: BinaryOp::Eq,
            lhs: Box::new(to_string(pivot)),
            rhs: Box::new(mk(ExprKind::Literal(Literal::String(v.to_string())))),
        });
        let (name, mut args) = match aggregation {
            None => ("count".to_string(), Vec::new()),
            Some(ast::Expr { kind: ExprKind::Call { func, args }, .. }) => match &func.kind {
                ExprKind::Name(n) => (n.name.clone(), args.clone()),
                _ => return Err(self.error(error::BAD_ARGUMENTS, func.span, "expected an aggregation function")),
            },
            Some(e) => return Err(self.error(error::BAD_ARGUMENTS, e.span, "expected an aggregation function")),
        };
        let Some((_, iff)) = AGGREGATIONS.iter().find(|(a, _)| *a == name) else {
            let span = aggregation.map_or(at, |a| a.span);
            let list: Vec<String> = AGGREGATIONS.iter().map(|(a, _)| format!("{a}()")).collect();
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("pivot aggregates with one of {}, not {name}()", list.join(", ")),
            ));
        };
        let at_cond = usize::from(!args.is_empty());
        args.insert(at_cond, Arg { name: None, value: cond });
        let call = mk(ExprKind::Call {
            func: Box::new(mk(ExprKind::Name(Ident { name: (*iff).to_string(), span: at }))),
            args,
        });
        Ok(Assign { names: vec![Ident { name: v.to_string(), span: at }], value: call, span: at })
    }
}

/// `tostring(e)`.
fn to_string(e: &ast::Expr) -> ast::Expr {
    let mk = |kind| ast::Expr { kind, span: e.span };
    mk(ExprKind::Call {
        func: Box::new(mk(ExprKind::Name(Ident { name: "tostring".into(), span: e.span }))),
        args: vec![Arg { name: None, value: e.clone() }],
    })
}

/// The column names `e` reads.
fn names_in(e: &ast::Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n.name.clone()),
        ExprKind::Call { args, .. } => {
            for a in args {
                names_in(&a.value, out);
            }
        }
        ExprKind::Member { target, .. } => names_in(target, out),
        ExprKind::Index { target, index } => {
            names_in(target, out);
            names_in(index, out);
        }
        ExprKind::Unary { operand, .. } => names_in(operand, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            names_in(lhs, out);
            names_in(rhs, out);
        }
        _ => {}
    }
}
