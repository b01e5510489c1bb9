//! `extend`, `project` and the `project-*` operators.

use datafusion::logical_expr::Expr;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, ReorderItem};

use crate::bind::names::{NameTable, inferred};
use crate::bind::{BResult, Binder, Row, Tab, Typed};
use crate::error;

/// Whether `name` matches a `project-away` style pattern with `*`.
pub(crate) fn matches_pattern(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// `schema` with the columns `pending` defines: a name that exists takes
/// its new type, a new name is appended.
fn with_pending(
    schema: &datafusion::common::DFSchema,
    pending: &[(String, Typed)],
) -> datafusion::common::Result<datafusion::common::DFSchema> {
    use std::collections::HashMap;
    use std::sync::Arc;

    use datafusion::arrow::datatypes::Field;
    let field = |n: &str, t: &Typed| Arc::new(Field::new(n, t.ty.arrow(), true));
    let by_name: HashMap<&str, &Typed> = pending.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut fields: Vec<_> = schema
        .iter()
        .map(|(q, f)| match by_name.get(f.name().as_str()) {
            Some(t) => (q.cloned(), field(f.name(), t)),
            None => (q.cloned(), Arc::clone(f)),
        })
        .collect();
    let existing = crate::projection::unique_names(schema);
    for (n, t) in pending {
        if !existing.contains_key(n.as_str()) {
            fields.push((None, field(n, t)));
        }
    }
    datafusion::common::DFSchema::new_with_metadata(fields, schema.metadata().clone())
}

impl<'a> Binder<'a> {
    fn current_names(tab: &Tab) -> Vec<String> {
        tab.plan.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    /// `extend`: each item in turn, so later items see earlier ones. A name
    /// that exists is replaced in place.
    pub(crate) fn extend(&mut self, input: Tab, items: &[ast::Assign]) -> BResult<Tab> {
        if super::multi_assign::has_multi(items) {
            let (items, hidden) = self.multi_assign_items(items, false)?;
            let span = items.last().map(|i| i.span).unwrap_or_default();
            let tab = self.extend(input, &items)?;
            return self.drop_hidden(tab, &hidden, span);
        }
        let input_names = std::sync::Arc::new(Self::current_names(&input).into_iter().collect());
        let mut tab = input;
        // Items bound but not yet projected. Items that read none of one
        // another's results share one projection: one projection per item
        // made an extend of n columns n projections of up to n columns.
        let mut pending: Vec<(String, Typed)> = Vec::new();
        for item in items {
            let (t, wins) = {
                // The row as the earlier items leave it.
                let pending_schema;
                let schema = if pending.is_empty() {
                    tab.plan.schema().as_ref()
                } else {
                    pending_schema = self.df(item.span, with_pending(tab.plan.schema(), &pending))?;
                    &pending_schema
                };
                let row = Row { schema, source: tab.source.as_deref() };
                let outer = self.extend_input.replace(std::sync::Arc::clone(&input_names));
                let bound = self.with_windows(|b| b.scalar(&item.value, row));
                self.extend_input = outer;
                bound?
            };
            let name = match item.names.first() {
                Some(n) => n.name.clone(),
                None => match inferred(&item.value) {
                    Some(n) => n,
                    None => {
                        // The next `ColumnN` free in the row and among the pending items.
                        let taken = Self::current_names(&tab).into_iter().chain(pending.iter().map(|(n, _)| n.clone()));
                        NameTable::with(taken).column()
                    }
                },
            };
            let refs = t.expr.column_refs();
            let reads_pending =
                pending.iter().any(|(n, _)| *n == name || refs.iter().any(|c| c.name == *n) || !wins.is_empty());
            if reads_pending {
                let before = Self::current_names(&tab);
                tab = self.extend_step(tab, &before, std::mem::take(&mut pending), item.span)?;
            }
            if !wins.is_empty() {
                // The window columns are computed for this item and not kept.
                let before = Self::current_names(&tab);
                let plan = self.windowed(tab.plan, wins, item.span)?;
                tab = Tab { plan, source: tab.source };
                tab = self.extend_step(tab, &before, vec![(name, t)], item.span)?;
            } else {
                pending.push((name, t));
            }
        }
        let span = items.last().map(|i| i.span).unwrap_or_default();
        let before = Self::current_names(&tab);
        self.extend_step(tab, &before, pending, span)
    }

    /// One projection of `extend`: the columns `before` with `items`
    /// computed over `tab`, a name that exists replaced in place, new names
    /// appended in order.
    fn extend_step(&mut self, tab: Tab, before: &[String], items: Vec<(String, Typed)>, span: Span) -> BResult<Tab> {
        if items.is_empty() {
            return Ok(tab);
        }
        let mut exprs: Vec<Expr> = Vec::with_capacity(before.len() + items.len());
        // Each name to its item; an item names one column.
        let at: std::collections::HashMap<String, usize> =
            items.iter().enumerate().map(|(i, (n, _))| (n.clone(), i)).collect();
        let mut items: Vec<Option<(String, Typed)>> = items.into_iter().map(Some).collect();
        for f in before {
            match at.get(f).and_then(|&i| items[i].take()) {
                Some((n, t)) => exprs.push(t.expr.alias(n)),
                None => exprs.push(Self::column(f)),
            }
        }
        for (n, t) in items.into_iter().flatten() {
            exprs.push(t.expr.alias(n));
        }
        let (plan, exprs) = self.lift_in_subqueries(tab.plan, exprs, span)?;
        let plan = self.projection(span, plan, exprs)?;
        Ok(Tab { plan, source: tab.source })
    }

    /// `project`: exactly the listed columns, computed over the input.
    pub(crate) fn project(&mut self, input: Tab, items: &[ast::Assign], span: Span) -> BResult<Tab> {
        let mut names = NameTable::default();
        let mut seen: Vec<String> = Vec::new();
        let mut exprs = Vec::new();
        let mut windows = Vec::new();
        if super::multi_assign::has_multi(items) {
            return self.project_multi(input, items, span);
        }
        for item in items {
            let (t, wins) = {
                let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
                self.with_windows(|b| b.scalar(&item.value, row))?
            };
            windows.extend(wins);
            let name = match item.names.first() {
                Some(n) => n.name.clone(),
                None => match inferred(&item.value) {
                    Some(n) => n,
                    None => names.column(),
                },
            };
            if seen.contains(&name) {
                return Err(self.error_help(
                    error::AMBIGUOUS,
                    item.span,
                    format!("column `{name}` is projected twice"),
                    "give one of them another name: `project NewName = ...`",
                ));
            }
            names.take(&name);
            seen.push(name.clone());
            exprs.push(t.expr.alias(&name));
        }
        let windowed = if windows.is_empty() { input.plan } else { self.windowed(input.plan, windows, span)? };
        let (lifted, exprs) = self.lift_in_subqueries(windowed, exprs, span)?;
        let plan = self.projection(span, lifted, exprs)?;
        Ok(Tab { plan, source: input.source })
    }

    /// Column names matched by `project-away`/`project-keep` items.
    fn matched_columns(&mut self, tab: &Tab, cols: &[ast::Expr]) -> BResult<Vec<String>> {
        let names = Self::current_names(tab);
        let mut out = Vec::new();
        for c in cols {
            let (pattern, exact) = match &c.kind {
                ExprKind::Name(id) => (id.name.clone(), true),
                ExprKind::Wildcard(p) => (p.clone(), false),
                _ => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        c.span,
                        "expected a column name or a pattern such as `Initiating*`",
                    ));
                }
            };
            let hits: Vec<&String> = names.iter().filter(|n| matches_pattern(&pattern, n)).collect();
            if exact && hits.is_empty() {
                let all: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut d =
                    error::Diagnostic::new(error::UNKNOWN_NAME, c.span, format!("column `{pattern}` does not exist"));
                if let Some(s) = kql_syntax::nearest(&pattern, &all) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
                return Err(crate::bind::Fail);
            }
            for h in hits {
                if !out.contains(h) {
                    out.push(h.clone());
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn project_away(&mut self, input: Tab, cols: &[ast::Expr], keep: bool) -> BResult<Tab> {
        let span = cols.first().map(|c| c.span).unwrap_or_default();
        let matched = self.matched_columns(&input, cols)?;
        let exprs: Vec<Expr> = Self::current_names(&input)
            .iter()
            .filter(|n| matched.contains(n) == keep)
            .map(|n| Self::column(n))
            .collect();
        let plan = self.projection(span, input.plan, exprs)?;
        Ok(Tab { plan, source: input.source })
    }

    pub(crate) fn project_rename(&mut self, input: Tab, items: &[ast::Assign]) -> BResult<Tab> {
        let mut renames: Vec<(String, String)> = Vec::new();
        let names = Self::current_names(&input);
        for item in items {
            let (Some(new), ExprKind::Name(old)) = (item.names.first(), &item.value.kind) else {
                return Err(self.error(error::BAD_ARGUMENTS, item.span, "expected `NewName = ExistingName`"));
            };
            if !names.contains(&old.name) {
                return Err(self.error(error::UNKNOWN_NAME, old.span, format!("column `{}` does not exist", old.name)));
            }
            renames.push((old.name.clone(), new.name.clone()));
        }
        let exprs: Vec<Expr> = names
            .iter()
            .map(|n| match renames.iter().find(|(o, _)| o == n) {
                Some((_, new)) => Self::column(n).alias(new),
                None => Self::column(n),
            })
            .collect();
        let span = items.first().map(|i| i.span).unwrap_or_default();
        let plan = self.projection(span, input.plan, exprs)?;
        Ok(Tab { plan, source: input.source })
    }

    pub(crate) fn project_reorder(&mut self, input: Tab, items: &[ReorderItem]) -> BResult<Tab> {
        let names = Self::current_names(&input);
        let mut first: Vec<String> = Vec::new();
        for item in items {
            let mut hits = self.matched_columns(&input, std::slice::from_ref(&item.column))?;
            match item.order.as_ref().map(|o| o.name.as_str()) {
                Some("asc") | Some("granny-asc") => hits.sort(),
                Some("desc") | Some("granny-desc") => hits.sort_by(|a, b| b.cmp(a)),
                _ => {}
            }
            for h in hits {
                if !first.contains(&h) {
                    first.push(h);
                }
            }
        }
        let exprs: Vec<Expr> =
            first.iter().chain(names.iter().filter(|n| !first.contains(n))).map(|n| Self::column(n)).collect();
        let span = items.first().map(|i| i.column.span).unwrap_or_default();
        let plan = self.projection(span, input.plan, exprs)?;
        Ok(Tab { plan, source: input.source })
    }
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn patterns_match_like_kusto_wildcards() {
        assert!(matches_pattern("Initiating*", "InitiatingProcessId"));
        assert!(matches_pattern("*Id", "ProcessId"));
        assert!(matches_pattern("*Process*", "InitiatingProcessId"));
        assert!(!matches_pattern("Init*", "ProcessId"));
        assert!(matches_pattern("A", "A"));
    }
}
