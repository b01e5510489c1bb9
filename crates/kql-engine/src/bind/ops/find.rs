//! `find` (find-operator.md): the rows of the tables in scope (`in (...)`, or
//! every table with a provider) where the predicate holds, with the table's
//! name in `source_` (or the `withsource=` name). A table lacking a column
//! the predicate names is left out. `project` lists the output columns
//! (null, or empty for a string, where a table lacks one; cast to the given
//! type) and `pack_all()` packs the table's other columns into `pack_`;
//! `project-smart` (the default) keeps the predicate's columns and those
//! every table has, packing the rest.

use std::sync::Arc;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, Filter, LogicalPlan, LogicalPlanBuilder, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, FindProject};

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

/// One table of `find`, filtered.
struct Leg {
    name: String,
    tab: Tab,
    cols: Vec<(String, KqlType)>,
}

/// The names `e` mentions, at most 64 levels deep.
fn names_in(e: &ast::Expr, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    let d = depth.saturating_add(1);
    match &e.kind {
        ExprKind::Name(id) => out.push(id.name.clone()),
        ExprKind::Member { target, .. } => names_in(target, out, d),
        ExprKind::Index { target, index } => {
            names_in(target, out, d);
            names_in(index, out, d);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| names_in(&a.value, out, d)),
        ExprKind::Unary { operand, .. } => names_in(operand, out, d),
        ExprKind::Binary { lhs, rhs, .. } => {
            names_in(lhs, out, d);
            names_in(rhs, out, d);
        }
        ExprKind::SearchTerm { column, .. } => names_in(column, out, d),
        _ => {}
    }
}

impl Binder<'_> {
    /// The tables `find` looks in: names and tabular expressions.
    fn find_scope(&mut self, f: &ast::Find, span: Span) -> BResult<Vec<(String, Tab)>> {
        let exprs = match &f.tables {
            Some(t) => t.clone(),
            None => vec![ast::Expr { kind: ExprKind::Wildcard("*".into()), span }],
        };
        let mut out = Vec::new();
        for (i, e) in exprs.iter().enumerate() {
            match &e.kind {
                ExprKind::Wildcard(p) => out.extend(self.wildcard_tables(p, e.span)?),
                ExprKind::Name(n) => {
                    let tab = self.table(e)?;
                    out.push((n.name.clone(), tab));
                }
                _ => {
                    let tab = self.table(e)?;
                    let name = tab.source.clone().unwrap_or_else(|| format!("find_arg{i}"));
                    out.push((name, tab));
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn find(&mut self, f: &ast::Find, span: Span) -> BResult<Tab> {
        let mut source = "source_".to_string();
        for o in &f.options {
            match (o.name.name.as_str(), &o.value.kind) {
                ("withsource" | "with_source", ExprKind::Name(n)) => source = n.name.clone(),
                ("datascope", _) | ("hint.strategy", _) => {}
                (n, _) => return Err(self.error(error::BAD_ARGUMENTS, o.span, format!("`find` has no option `{n}`"))),
            }
        }
        let mut legs = Vec::new();
        for (name, tab) in self.find_scope(f, span)? {
            let before = self.diags.len();
            let pred = {
                let row = Row { schema: tab.plan.schema(), source: tab.source.as_deref() };
                self.search_predicate(&f.predicate, false, row)
            };
            let pred = match pred {
                Ok(p) => p,
                Err(_)
                    if self.pending.is_none()
                        && self.diags.len() > before
                        && self.diags.iter().skip(before).all(|d| d.code == error::UNKNOWN_NAME) =>
                {
                    self.diags.truncate(before);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let cols: Vec<(String, KqlType)> =
                tab.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect();
            let all = Self::all_columns(&tab.plan);
            let filter = Filter::try_new(pred, Arc::new(tab.plan));
            let plan = self.df(span, filter.map(LogicalPlan::Filter))?;
            let plan = self.projection(span, plan, all)?;
            legs.push(Leg { name, tab: Tab { plan, source: tab.source }, cols });
        }
        // The output columns, and whether the other columns are packed.
        let (outputs, pack): (Vec<(String, KqlType)>, bool) = match &f.project {
            Some(FindProject::Columns(items)) => {
                let mut outs = Vec::new();
                let mut pack = false;
                for c in items {
                    match (&c.expr.kind, &c.ty) {
                        (ExprKind::Call { func, args }, None)
                            if args.is_empty() && matches!(&func.kind, ExprKind::Name(n) if n.name == "pack_all") =>
                        {
                            pack = true;
                        }
                        (ExprKind::Name(n), ty) => {
                            let ty = match ty {
                                Some(t) => KqlType::from_syntax(t.ty),
                                None => legs
                                    .iter()
                                    .find_map(|l| l.cols.iter().find(|(m, _)| *m == n.name).map(|c| c.1))
                                    .unwrap_or(KqlType::String),
                            };
                            outs.push((n.name.clone(), ty));
                        }
                        _ => {
                            return Err(self.error(
                                error::BAD_ARGUMENTS,
                                c.expr.span,
                                "`find ... project` takes column names, with an optional type, and `pack_all()`",
                            ));
                        }
                    }
                }
                (outs, pack)
            }
            Some(FindProject::Smart) | None => {
                let mut named = Vec::new();
                names_in(&f.predicate, &mut named, 0);
                let mut outs: Vec<(String, KqlType)> = Vec::new();
                for leg in &legs {
                    for (n, t) in &leg.cols {
                        let common = legs.iter().all(|l| l.cols.iter().any(|(m, u)| m == n && u == t));
                        if (named.contains(n) || common) && !outs.iter().any(|(m, _)| m == n) {
                            outs.push((n.clone(), *t));
                        }
                    }
                }
                (outs, true)
            }
        };
        // Kusto gives a column whose type differs between the tables a
        // column per type; that is not built, so such a column is refused
        // rather than cast to one table's type.
        let typed: Vec<&str> = match &f.project {
            Some(FindProject::Columns(items)) => items
                .iter()
                .filter(|c| c.ty.is_some())
                .filter_map(|c| match &c.expr.kind {
                    ExprKind::Name(n) => Some(n.name.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for (n, ty) in &outputs {
            let other = legs.iter().find_map(|l| l.cols.iter().find(|(m, t)| m == n && t != ty).map(|c| (l, c.1)));
            if let Some((leg, t)) = other.filter(|_| !typed.contains(&n.as_str())) {
                return Err(self.error(
                    error::NOT_IMPLEMENTED,
                    span,
                    format!(
                        "the column `{n}` is {} in one table `find` reads and {} in `{}`: a column per type is not built by dragnet yet; name its type (`project {n}:{}`)",
                        ty.name(),
                        t.name(),
                        leg.name,
                        ty.name()
                    ),
                ));
            }
        }
        if let Some((dup, _)) = outputs.iter().find(|(n, _)| *n == source || (pack && n == "pack_")) {
            return Err(self.error(
                error::AMBIGUOUS,
                span,
                format!("the column `{dup}` would appear twice in `find`'s output"),
            ));
        }
        let mut plans = Vec::new();
        for leg in legs {
            let mut exprs: Vec<Expr> = vec![lit(ScalarValue::Utf8View(Some(leg.name.clone()))).alias(&source)];
            for (n, ty) in &outputs {
                let e = match leg.cols.iter().find(|(m, _)| m == n) {
                    Some((_, t)) if t == ty => Self::column(n),
                    Some(_) => cast(Self::column(n), ty.arrow()),
                    None if *ty == KqlType::String => lit(ScalarValue::Utf8View(Some(String::new()))),
                    None => lit(crate::bind::literal::scalar_of(*ty, None)),
                };
                exprs.push(e.alias(n));
            }
            if pack {
                let mut args = Vec::new();
                for (n, _) in leg.cols.iter().filter(|(n, _)| !outputs.iter().any(|(m, _)| m == n)) {
                    let lit_name = ast::Expr { kind: ExprKind::Literal(ast::Literal::String(n.clone())), span };
                    let col = ast::Expr { kind: ExprKind::Name(ast::Ident { name: n.clone(), span }), span };
                    args.push(ast::Arg { name: None, value: lit_name });
                    args.push(ast::Arg { name: None, value: col });
                }
                let func = ast::Expr { kind: ExprKind::Name(ast::Ident { name: "bag_pack".into(), span }), span };
                let call = ast::Expr { kind: ExprKind::Call { func: Box::new(func), args }, span };
                let row = Row { schema: leg.tab.plan.schema(), source: leg.tab.source.as_deref() };
                let t = self.scalar(&call, row)?;
                exprs.push(t.expr.alias("pack_"));
            }
            plans.push(self.projection(span, leg.tab.plan, exprs)?);
        }
        let mut plans = plans.into_iter();
        let Some(first) = plans.next() else {
            let mut cols = vec![(source, KqlType::String)];
            cols.extend(outputs);
            if pack {
                cols.push(("pack_".into(), KqlType::Dynamic));
            }
            return Ok(Tab { plan: super::source::empty_plan(&cols), source: None });
        };
        let mut b = LogicalPlanBuilder::from(first);
        for p in plans {
            b = self.df(span, b.union(p))?;
        }
        let plan = self.build(span, Ok(b))?;
        Ok(Tab { plan, source: None })
    }
}
