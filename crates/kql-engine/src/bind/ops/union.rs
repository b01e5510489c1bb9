//! `union`: Kusto's outer union by column name. A name that appears with
//! different types splits into `name_type` columns; missing cells are null
//! (empty for strings); `withsource=` adds the leg's table name first.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::names::NameTable;
use crate::bind::ops::project::matches_pattern;
use crate::bind::{BResult, Binder, Tab, Value};
use crate::error;
use crate::types::KqlType;

struct Leg {
    tab: Tab,
    name: String,
}

impl<'a> Binder<'a> {
    pub(crate) fn union(&mut self, first: Option<Tab>, u: &ast::Union, span: Span) -> BResult<Tab> {
        let mut inner = false;
        let mut fuzzy = false;
        let mut source_col: Option<String> = None;
        for o in &u.options {
            let value = match &o.value.kind {
                ExprKind::Name(n) => n.name.clone(),
                ExprKind::Literal(ast::Literal::Bool(b)) => b.to_string(),
                _ => String::new(),
            };
            match o.name.name.as_str() {
                "kind" => match value.as_str() {
                    "inner" => inner = true,
                    "outer" => inner = false,
                    other => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            o.value.span,
                            format!("unknown union kind `{other}`; use inner or outer"),
                        ));
                    }
                },
                "withsource" | "with_source" => source_col = Some(value),
                "isfuzzy" => fuzzy = value == "true",
                _ => {}
            }
        }
        let mut legs = Vec::new();
        if let Some(t) = first {
            let name = t.source.clone().unwrap_or_else(|| "union_arg0".into());
            legs.push(Leg { tab: t, name });
        }
        for (i, e) in u.tables.iter().enumerate() {
            match &e.kind {
                ExprKind::Wildcard(p) => {
                    let mut names: Vec<String> =
                        self.catalog.wildcard_names().filter(|n| matches_pattern(p, n)).map(String::from).collect();
                    names.extend(
                        self.env
                            .iter()
                            .filter(|(n, v)| matches!(v, Value::Table(_)) && matches_pattern(p, n))
                            .map(|(n, _)| n.clone()),
                    );
                    names.sort();
                    names.dedup();
                    for n in names {
                        let tab = self.table(&ast::Expr {
                            kind: ExprKind::Name(ast::Ident { name: n.clone(), span: e.span }),
                            span: e.span,
                        })?;
                        legs.push(Leg { tab, name: n });
                    }
                }
                _ => {
                    // With isfuzzy=true a leg that does not resolve is left out.
                    let before = self.diags.len();
                    let tab = match self.table(e) {
                        Ok(t) => t,
                        Err(_) if fuzzy && self.diags[before..].iter().all(|d| d.code == error::UNKNOWN_NAME) => {
                            self.diags.truncate(before);
                            continue;
                        }
                        Err(f) => return Err(f),
                    };
                    let name = match &e.kind {
                        ExprKind::Name(n) => n.name.clone(),
                        _ => tab.source.clone().unwrap_or_else(|| format!("union_arg{}", i + 1)),
                    };
                    legs.push(Leg { tab, name });
                }
            }
        }
        if legs.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, "`union` found no tables"));
        }
        if legs.len() == 1 && source_col.is_none() {
            return Ok(legs.pop().expect("one leg").tab);
        }
        // Every (name, type) in order of first appearance.
        let mut columns: Vec<(String, Vec<KqlType>)> = Vec::new();
        for leg in &legs {
            for f in leg.tab.plan.schema().fields() {
                let ty = KqlType::of(f.data_type());
                match columns.iter_mut().find(|(n, _)| n == f.name()) {
                    Some((_, types)) => {
                        if !types.contains(&ty) {
                            types.push(ty);
                        }
                    }
                    None => columns.push((f.name().clone(), vec![ty])),
                }
            }
        }
        if inner {
            columns.retain(|(n, types)| {
                types.len() == 1 && legs.iter().all(|l| l.tab.plan.schema().fields().iter().any(|f| f.name() == n))
            });
        }
        // Output columns: (output name, source name, type).
        let mut names = NameTable::default();
        if let Some(s) = &source_col {
            names.take(s);
        }
        // Names that need no type suffix keep them; a suffixed name that
        // clashes with one of them gets a number (`x_long1`).
        for (n, types) in &columns {
            if types.len() == 1 {
                names.take(n);
            }
        }
        let mut outputs: Vec<(String, String, KqlType)> = Vec::new();
        for (n, types) in &columns {
            if types.len() == 1 {
                outputs.push((n.clone(), n.clone(), types[0]));
            } else {
                for t in types {
                    outputs.push((names.unique(&format!("{n}_{}", t.name())), n.clone(), *t));
                }
            }
        }
        let mut plans = Vec::new();
        for leg in legs {
            let mut exprs: Vec<Expr> = Vec::new();
            if let Some(s) = &source_col {
                exprs.push(lit(ScalarValue::Utf8View(Some(leg.name.clone()))).alias(s));
            }
            for (out, src, ty) in &outputs {
                let has =
                    leg.tab.plan.schema().fields().iter().any(|f| f.name() == src && KqlType::of(f.data_type()) == *ty);
                let e = if has {
                    cast(Self::column(src), ty.arrow())
                } else if *ty == KqlType::String {
                    lit(ScalarValue::Utf8View(Some(String::new())))
                } else {
                    lit(crate::bind::literal::scalar_of(*ty, None))
                };
                exprs.push(e.alias(out));
            }
            plans.push(self.build(span, LogicalPlanBuilder::from(leg.tab.plan).project(exprs))?);
        }
        let mut it = plans.into_iter();
        let mut b = LogicalPlanBuilder::from(it.next().expect("a leg"));
        for p in it {
            b = self.df(span, b.union(p))?;
        }
        let plan = self.build(span, Ok(b))?;
        Ok(Tab { plan, source: None })
    }
}
