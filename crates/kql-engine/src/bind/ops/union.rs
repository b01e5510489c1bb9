//! `union`: Kusto's outer union by column name. A name that appears with
//! different types splits into `name_type` columns; missing cells are null
//! (empty for strings); `withsource=` adds the leg's table name first.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, LogicalPlan, Union, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::names::NameTable;
use crate::bind::ops::project::matches_pattern;
use crate::bind::{BResult, Binder, Tab, Value};
use crate::error;
use crate::types::KqlType;

struct Leg {
    /// `None` for a documented table a wildcard names: its columns, no rows.
    tab: Option<Tab>,
    /// Its columns' names and types.
    fields: Vec<(String, DataType)>,
    name: String,
}

impl Leg {
    fn of(tab: Tab, name: String) -> Leg {
        let fields = tab.plan.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
        Leg { tab: Some(tab), fields, name }
    }
}

impl<'a> Binder<'a> {
    /// `documented`: whether a wildcard also reads the documented tables'
    /// columns (`union` does; `search` reads the tables with data alone).
    /// `after`: the operators that follow, which may leave columns of the
    /// documented tables out (`union_needed`).
    pub(crate) fn union(
        &mut self,
        first: Option<Tab>,
        u: &ast::Union,
        span: Span,
        documented: bool,
        after: &[ast::Operator],
    ) -> BResult<Tab> {
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
            legs.push(Leg::of(t, name));
        }
        for (i, e) in u.tables.iter().enumerate() {
            match &e.kind {
                ExprKind::Wildcard(p) => {
                    let mut found: Vec<Leg> =
                        self.wildcard_tables(p, e.span)?.into_iter().map(|(name, tab)| Leg::of(tab, name)).collect();
                    if documented {
                        let words = super::union_needed::needed_words(after);
                        for (name, schema) in self.catalog.documented_schemas() {
                            if matches_pattern(p, name) && self.lookup(name).is_none() {
                                let fields = schema
                                    .fields()
                                    .iter()
                                    .filter(|f| super::union_needed::carried(f.name(), words.as_ref()))
                                    .map(|f| (f.name().clone(), f.data_type().clone()))
                                    .collect();
                                found.push(Leg { tab: None, fields, name: name.to_string() });
                            }
                        }
                        found.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                    legs.extend(found);
                }
                _ => {
                    // With isfuzzy=true a leg that does not resolve is left out.
                    let before = self.diags.len();
                    let tab = match self.table(e) {
                        Ok(t) => t,
                        Err(_)
                            if fuzzy
                                && self.pending.is_none()
                                && self.diags[before..].iter().all(|d| d.code == error::UNKNOWN_NAME) =>
                        {
                            self.diags.truncate(before);
                            continue;
                        }
                        Err(f) => return Err(f),
                    };
                    let name = match &e.kind {
                        ExprKind::Name(n) => n.name.clone(),
                        _ => tab.source.clone().unwrap_or_else(|| format!("union_arg{}", i + 1)),
                    };
                    legs.push(Leg::of(tab, name));
                }
            }
        }
        if legs.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, "`union` found no tables"));
        }
        if legs.len() == 1
            && source_col.is_none()
            && legs.first().is_some_and(|l| l.tab.is_some())
            && let Some(Leg { tab: Some(tab), .. }) = legs.pop()
        {
            return Ok(tab);
        }
        // Every (name, type) in order of first appearance, with the number of
        // legs that hold the name; found through an index by name, so the
        // work is linear in the legs' total width.
        let mut columns: Vec<(String, Vec<KqlType>, usize)> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for leg in &legs {
            self.check_deadline(span)?;
            for (name, dt) in &leg.fields {
                let ty = KqlType::of(dt);
                match by_name.get(name) {
                    Some(&at) => {
                        let (_, types, legs_with) = &mut columns[at];
                        if !types.contains(&ty) {
                            types.push(ty);
                        }
                        *legs_with += 1;
                    }
                    None => {
                        by_name.insert(name.clone(), columns.len());
                        columns.push((name.clone(), vec![ty], 1));
                    }
                }
            }
        }
        if inner {
            // A leg's schema holds a name once, so a name every leg holds
            // was counted once per leg.
            columns.retain(|(_, types, legs_with)| types.len() == 1 && *legs_with == legs.len());
        }
        // Output columns: (output name, source name, type).
        let mut names = NameTable::default();
        if let Some(s) = &source_col {
            names.take(s);
        }
        // Names that need no type suffix keep them; a suffixed name that
        // clashes with one of them gets a number (`x_long1`).
        for (n, types, _) in &columns {
            if types.len() == 1 {
                names.take(n);
            }
        }
        let mut outputs: Vec<(String, String, KqlType)> = Vec::new();
        for (n, types, _) in &columns {
            self.check_deadline(span)?;
            if types.len() == 1 && source_col.as_ref() == Some(n) {
                // A column named as the `withsource=` column gets a number.
                outputs.push((names.unique(n), n.clone(), types[0]));
            } else if types.len() == 1 {
                outputs.push((n.clone(), n.clone(), types[0]));
            } else {
                for t in types {
                    outputs.push((names.unique(&format!("{n}_{}", t.name())), n.clone(), *t));
                }
            }
        }
        // The outputs a leg with rows holds; the others, only documented
        // tables have, are added once after the union.
        let held_by_rows: std::collections::HashSet<(&str, KqlType)> = legs
            .iter()
            .filter(|l| l.tab.is_some())
            .flat_map(|l| l.fields.iter().map(|(n, dt)| (n.as_str(), KqlType::of(dt))))
            .collect();
        let in_legs: Vec<&(String, String, KqlType)> =
            outputs.iter().filter(|(_, src, ty)| held_by_rows.contains(&(src.as_str(), *ty))).collect();
        let documented_only = in_legs.len() < outputs.len();
        let mut plans = Vec::with_capacity(legs.len());
        for leg in &legs {
            self.check_deadline(span)?;
            let Some(tab) = &leg.tab else { continue };
            // The leg's columns by name, with their types.
            let held: HashMap<&str, &DataType> = leg.fields.iter().map(|(n, dt)| (n.as_str(), dt)).collect();
            let mut exprs: Vec<Expr> = Vec::with_capacity(in_legs.len() + 1);
            if let Some(s) = &source_col {
                exprs.push(lit(ScalarValue::Utf8View(Some(leg.name.clone()))).alias(s));
            }
            for (out, src, ty) in in_legs.iter().copied() {
                let e = match held.get(src.as_str()) {
                    // Already of the column's Arrow type: the column itself.
                    Some(&dt) if *dt == ty.arrow() && out == src => {
                        exprs.push(Self::column(src));
                        continue;
                    }
                    Some(&dt) if KqlType::of(dt) == *ty => cast(Self::column(src), ty.arrow()),
                    _ => Self::absent(*ty),
                };
                exprs.push(e.alias(out));
            }
            drop(held);
            plans.push(Arc::new(self.projection(span, tab.plan.clone(), exprs)?));
        }
        self.check_deadline(span)?;
        if plans.is_empty() {
            // Only documented tables: their columns, no rows.
            let mut cols: Vec<(String, KqlType)> = Vec::with_capacity(outputs.len() + 1);
            if let Some(s) = &source_col {
                cols.push((s.clone(), KqlType::String));
            }
            cols.extend(outputs.iter().map(|(out, _, ty)| (out.clone(), *ty)));
            return Ok(Tab { plan: super::source::empty_plan(&cols), source: None });
        }
        // One union of every leg: each has the same columns, so its schema
        // is derived once, column by column.
        let plan = if plans.len() == 1 {
            // One leg with `withsource=`: its projection is the result.
            plans
                .pop()
                .map(Arc::unwrap_or_clone)
                .ok_or_else(|| self.error(error::INTERNAL, span, "a union of no legs"))?
        } else {
            self.df(span, Union::try_new_with_loose_types(plans).map(LogicalPlan::Union))?
        };
        if !documented_only {
            return Ok(Tab { plan, source: None });
        }
        // The documented tables' own columns, in the union's column order.
        let mut exprs: Vec<Expr> = Vec::with_capacity(outputs.len() + 1);
        if let Some(s) = &source_col {
            exprs.push(Self::column(s));
        }
        for (out, src, ty) in &outputs {
            if held_by_rows.contains(&(src.as_str(), *ty)) {
                exprs.push(Self::column(out));
            } else {
                exprs.push(Self::absent(*ty).alias(out));
            }
        }
        let plan = self.projection(span, plan, exprs)?;
        Ok(Tab { plan, source: None })
    }

    /// The cell of a column a leg does not have: empty for a string, else null.
    fn absent(ty: KqlType) -> Expr {
        if ty == KqlType::String {
            lit(ScalarValue::Utf8View(Some(String::new())))
        } else {
            lit(crate::bind::literal::scalar_of(ty, None))
        }
    }
}

impl Binder<'_> {
    /// The tables and parameterless views whose names match the wildcard
    /// `pattern`, sorted by name: the legs of `union T*` and the scope of
    /// `find in (T*)`.
    pub(super) fn wildcard_tables(&mut self, pattern: &str, span: Span) -> BResult<Vec<(String, Tab)>> {
        let mut names: Vec<String> =
            self.catalog.wildcard_names().filter(|n| matches_pattern(pattern, n)).map(String::from).collect();
        names.extend(
            self.env
                .iter()
                .filter(|(n, v)| {
                    // A view without parameters behaves as a table in a
                    // wildcard (user-defined-functions.md, "view").
                    let table = match v {
                        Value::Table(_) => true,
                        Value::Function(f) => f.lambda.view && f.lambda.params.is_empty(),
                        Value::Scalar(_) => false,
                    };
                    table && matches_pattern(pattern, n)
                })
                .map(|(n, _)| n.clone()),
        );
        names.sort();
        names.dedup();
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let tab = self.table(&ast::Expr { kind: ExprKind::Name(ast::Ident { name: n.clone(), span }), span })?;
            out.push((n, tab));
        }
        Ok(out)
    }
}
