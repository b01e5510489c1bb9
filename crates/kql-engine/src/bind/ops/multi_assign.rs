//! `extend (a, b, ...) = f(...)`: the values of a function of several values
//! (`functions::multi_value`) as columns. The call is computed once into a
//! hidden column holding its values as an array; each name takes its value
//! with the function's type for it; the hidden column is dropped.

use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, Expr, ExprKind, Ident, Literal};

use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

fn name_expr(name: &str, span: Span) -> Expr {
    Expr { kind: ExprKind::Name(Ident { name: name.to_string(), span }), span }
}

fn call(func: &str, args: Vec<Arg>, span: Span) -> Expr {
    Expr { kind: ExprKind::Call { func: Box::new(name_expr(func, span)), args }, span }
}

impl<'a> Binder<'a> {
    /// `extend` items with every multiple assignment rewritten into single
    /// ones over a hidden column; the hidden columns' names.
    pub(crate) fn multi_assign_items(&mut self, items: &[ast::Assign]) -> BResult<(Vec<ast::Assign>, Vec<String>)> {
        let mut out = Vec::new();
        let mut hidden = Vec::new();
        for item in items {
            if item.names.len() < 2 {
                out.push(item.clone());
                continue;
            }
            let def = match &item.value.kind {
                ExprKind::Call { func, .. } => match &func.kind {
                    ExprKind::Name(id) => crate::functions::multi_value::multi_valued(&id.name),
                    _ => None,
                },
                _ => None,
            };
            let (Some(def), ExprKind::Call { args, .. }) = (def, &item.value.kind) else {
                return Err(self.error_help(
                    error::BAD_ARGUMENTS,
                    item.value.span,
                    "only a function that returns several values can be assigned to several columns",
                    "such as `extend (rsquare, slope) = series_fit_line(y)`",
                ));
            };
            if item.names.len() > def.outputs.len() {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    item.span,
                    format!("{} names for the {} values of `{}`", item.names.len(), def.outputs.len(), def.name),
                ));
            }
            let span = item.value.span;
            let column = self.fresh("values");
            out.push(ast::Assign {
                names: vec![Ident { name: column.clone(), span }],
                value: call(def.inner, args.clone(), span),
                span: item.span,
            });
            for (i, (name, (_, ty))) in item.names.iter().zip(def.outputs).enumerate() {
                let index = Expr { kind: ExprKind::Literal(Literal::Long(i as i64)), span };
                let value = Expr {
                    kind: ExprKind::Index { target: Box::new(name_expr(&column, span)), index: Box::new(index) },
                    span,
                };
                let value = match ty {
                    KqlType::Real => call("toreal", vec![Arg { name: None, value }], span),
                    KqlType::Long => call("tolong", vec![Arg { name: None, value }], span),
                    _ => value,
                };
                out.push(ast::Assign { names: vec![name.clone()], value, span: item.span });
            }
            hidden.push(column);
        }
        Ok((out, hidden))
    }

    /// `tab` without the columns `hidden`.
    pub(crate) fn drop_hidden(&mut self, tab: Tab, hidden: &[String], span: Span) -> BResult<Tab> {
        let exprs: Vec<_> = tab
            .plan
            .schema()
            .fields()
            .iter()
            .filter(|f| !hidden.contains(f.name()))
            .map(|f| Self::column(f.name()))
            .collect();
        let plan = self.projection(span, tab.plan, exprs)?;
        Ok(Tab { plan, source: tab.source })
    }
}
