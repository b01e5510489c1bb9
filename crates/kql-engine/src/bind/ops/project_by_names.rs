//! `project-by-names` (project-by-names-operator.md): the columns named by
//! strings, arrays of strings (`column_names_of(T)`, a parameter) or
//! wildcard patterns, in the order named; names that match no column are
//! ignored.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::ops::project::matches_pattern;
use crate::bind::{BResult, Binder, Tab, Value};
use crate::error;

impl Binder<'_> {
    pub(crate) fn project_by_names(&mut self, input: Tab, specs: &[ast::Expr]) -> BResult<Tab> {
        let span = specs.first().map(|c| c.span).unwrap_or_default();
        let names: Vec<String> = input.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
        let mut patterns: Vec<String> = Vec::new();
        for spec in specs {
            match &spec.kind {
                ExprKind::Wildcard(p) => patterns.push(p.clone()),
                // A name bound by `let` or a function parameter stands for its
                // value; any other is a column name.
                ExprKind::Name(n) if !matches!(self.lookup(&n.name), Some(Value::Scalar(_))) => {
                    patterns.push(n.name.clone())
                }
                _ => {
                    let value = self.constant(spec)?;
                    match &value.expr {
                        Expr::Literal(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)), _) => {
                            patterns.push(s.clone());
                        }
                        Expr::Literal(ScalarValue::LargeUtf8(Some(json)), _) => {
                            let Ok(serde_json::Value::Array(items)) = serde_json::from_str(json) else {
                                return Err(self.error(
                                    error::BAD_ARGUMENTS,
                                    spec.span,
                                    "`project-by-names` takes an array of column names",
                                ));
                            };
                            for item in items {
                                if let serde_json::Value::String(s) = item {
                                    patterns.push(s);
                                }
                            }
                        }
                        _ => {
                            return Err(self.error(
                                error::BAD_ARGUMENTS,
                                spec.span,
                                "`project-by-names` takes column names, arrays of names or wildcard patterns",
                            ));
                        }
                    }
                }
            }
        }
        let mut chosen: Vec<&String> = Vec::new();
        for p in &patterns {
            for n in &names {
                let hit = if p.contains('*') { matches_pattern(p, n) } else { p == n };
                if hit && !chosen.contains(&n) {
                    chosen.push(n);
                }
            }
        }
        let exprs: Vec<Expr> = chosen.into_iter().map(|n| Self::column(n)).collect();
        let plan = self.projection(span, input.plan, exprs)?;
        Ok(Tab { plan, source: input.source })
    }
}
