//! `extend (a, b, ...) = f(...)`, `extend f(x)` and `project f(x)`: the values
//! of a function of several values (`functions::multi_value`) as columns. The call is computed once into a
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

/// How the values of a call of several values are named when the query
/// names none.
#[derive(Clone, Copy)]
enum Naming {
    /// `<function>_<first argument>_<value>` (`series_stats_x_min`).
    Function,
    /// `<argument>_sorted`, one value per argument (`array_sort_asc`).
    Sorted,
}

/// A call of a function of several values: its name, the row function
/// returning the values as one array, each value's name and type, and the
/// call's arguments.
pub(crate) struct Multi<'e> {
    name: &'static str,
    inner: &'static str,
    outputs: Vec<(&'static str, KqlType)>,
    naming: Naming,
    args: &'e [Arg],
}

/// Whether `e` is the literal `true` or `false`.
fn is_bool_literal(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Literal(Literal::Bool(_)))
}

/// The function of several values `e` calls, with its arguments:
/// `array_sort_asc`/`array_sort_desc` of two or more arrays (a final
/// literal bool is `nulls_last`) give a value per array.
pub(crate) fn multi_call(e: &Expr) -> Option<Multi<'_>> {
    let ExprKind::Call { func, args } = &e.kind else { return None };
    let ExprKind::Name(id) = &func.kind else { return None };
    if let Some(d) = crate::functions::multi_value::multi_valued(&id.name) {
        return Some(Multi {
            name: d.name,
            inner: d.inner,
            outputs: d.outputs.to_vec(),
            naming: Naming::Function,
            args: args.as_slice(),
        });
    }
    let (name, inner) = match id.name.as_str() {
        "array_sort_asc" => ("array_sort_asc", "array_sort_asc#arrays"),
        "array_sort_desc" => ("array_sort_desc", "array_sort_desc#arrays"),
        _ => return None,
    };
    let arrays = match args.last() {
        Some(a) if is_bool_literal(&a.value) => args.len() - 1,
        _ => args.len(),
    };
    (arrays >= 2).then(|| Multi {
        name,
        inner,
        outputs: vec![("sorted", KqlType::Dynamic); arrays],
        naming: Naming::Sorted,
        args: args.as_slice(),
    })
}

/// Whether some item assigns several columns, or calls a function of
/// several values without naming them. (One name for a function of several
/// values is an error, reported where the call is bound.)
pub(crate) fn has_multi(items: &[ast::Assign]) -> bool {
    items.iter().any(|i| i.names.len() > 1 || (i.names.is_empty() && multi_call(&i.value).is_some()))
}

/// The function of several values item `i` assigns, with its arguments:
/// not for one name (see [`has_multi`]).
fn multi_item(i: &ast::Assign) -> Option<Multi<'_>> {
    if i.names.len() == 1 { None } else { multi_call(&i.value) }
}

impl<'a> Binder<'a> {
    /// The names of the values of `item`'s call `m`: the names given,
    /// then, for the values no name is given to, the function's own names
    /// (see [`Naming`]) when no name is given at all or `all` (as `project`
    /// does); else only the named ones (as `extend` does).
    fn multi_names(&mut self, item: &ast::Assign, m: &Multi<'_>, all: bool) -> BResult<Vec<Ident>> {
        if item.names.len() > m.outputs.len() {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                item.span,
                format!("{} names for the {} values of `{}`", item.names.len(), m.outputs.len(), m.name),
            ));
        }
        let mut names = item.names.clone();
        if names.is_empty() || all {
            let span = item.value.span;
            for (i, (value, _)) in m.outputs.iter().enumerate().skip(names.len()) {
                let arg = match m.naming {
                    Naming::Function => m.args.first(),
                    Naming::Sorted => m.args.get(i),
                };
                let column = match arg.map(|a| &a.value.kind) {
                    Some(ExprKind::Name(id)) => &id.name,
                    _ => {
                        return Err(self.error_help(
                            error::BAD_ARGUMENTS,
                            span,
                            format!("the values of `{}` over an expression need names", m.name),
                            format!(
                                "name them: `({}) = {}(...)`",
                                m.outputs
                                    .iter()
                                    .enumerate()
                                    .map(|(i, o)| match m.naming {
                                        Naming::Function => o.0.to_string(),
                                        Naming::Sorted => format!("out{}", i + 1),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                m.name
                            ),
                        ));
                    }
                };
                let name = match m.naming {
                    Naming::Function => format!("{}_{column}_{value}", m.name),
                    Naming::Sorted => format!("{column}_{value}"),
                };
                names.push(Ident { name, span });
            }
        }
        Ok(names)
    }

    /// `extend`/`project` items with every multiple assignment rewritten
    /// into single ones over a hidden column; the hidden columns' names.
    /// With `all`, a call names every value (see [`Binder::multi_names`]).
    pub(crate) fn multi_assign_items(
        &mut self,
        items: &[ast::Assign],
        all: bool,
    ) -> BResult<(Vec<ast::Assign>, Vec<String>)> {
        let mut out = Vec::new();
        let mut hidden = Vec::new();
        for item in items {
            let Some(m) = multi_item(item) else {
                if item.names.len() > 1 {
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        item.value.span,
                        "only a function that returns several values can be assigned to several columns",
                        "such as `extend (rsquare, slope) = series_fit_line(y)`",
                    ));
                }
                out.push(item.clone());
                continue;
            };
            let names = self.multi_names(item, &m, all)?;
            let span = item.value.span;
            let column = self.fresh("values");
            out.push(ast::Assign {
                names: vec![Ident { name: column.clone(), span }],
                value: call(m.inner, m.args.to_vec(), span),
                span: item.span,
            });
            for (i, (name, (_, ty))) in names.iter().zip(&m.outputs).enumerate() {
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

    /// `project` items with a function of several values: the values as
    /// columns of an `extend` of the input, then the items projecting them
    /// by name.
    pub(crate) fn project_multi(&mut self, input: Tab, items: &[ast::Assign], span: Span) -> BResult<Tab> {
        let mut extend = Vec::new();
        let mut projected = Vec::new();
        for item in items {
            match multi_item(item) {
                Some(m) => {
                    let names = self.multi_names(item, &m, true)?;
                    extend.push(ast::Assign { names: names.clone(), value: item.value.clone(), span: item.span });
                    for n in names {
                        projected.push(ast::Assign {
                            names: Vec::new(),
                            value: name_expr(&n.name, n.span),
                            span: item.span,
                        });
                    }
                }
                None if item.names.len() > 1 => {
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        item.value.span,
                        "only a function that returns several values can be assigned to several columns",
                        "such as `project (rsquare, slope) = series_fit_line(y)`",
                    ));
                }
                None => projected.push(item.clone()),
            }
        }
        let tab = self.extend(input, &extend)?;
        self.project(tab, &projected, span)
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
