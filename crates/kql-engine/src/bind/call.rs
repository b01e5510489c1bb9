//! Function calls: user functions (`let f = (...) { ... }`) and the built-in
//! scalar functions.

mod arg_checks;
mod assert;
mod data_size;
mod pack;
mod typing;

use std::rc::Rc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, Operator, binary_expr, cast, lit, scalar_subquery, when};
use kql_syntax::Span;
use kql_syntax::ast::{self, Arg, ExprKind, ParamType, Statement};

use super::literal::{self, typed};
use super::{BResult, Binder, CallResult, Fail, Function, Row, Typed, Value};
use crate::error;
use crate::functions::convert::to_string;
use crate::functions::dynamic::parse_json;
use crate::types::KqlType;

impl<'a> Binder<'a> {
    /// Binds `func(args)` in scalar position.
    pub fn call(&mut self, func: &ast::Expr, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        let ExprKind::Name(name) = &func.kind else {
            return Err(self.not_implemented(func.span, "calling this kind of expression"));
        };
        if let Some(Value::Function(f)) = self.lookup(&name.name).cloned() {
            return match self.call_function(&f, args, span, Some(row))? {
                CallResult::Scalar(t) => Ok(t),
                CallResult::Table(_) => Err(self.error_help(
                    error::TYPE_MISMATCH,
                    span,
                    format!("`{}` returns a table, not a scalar", name.name),
                    "use toscalar(...) to read one value from it",
                )),
            };
        }
        let fname = crate::bind::names::canonical_function(&name.name);
        if crate::functions::WINDOW_FUNCTIONS.contains(&fname) {
            return self.window_call(fname, args, span, row);
        }
        // hll-merge-function.md: `hll_merge` of two or more hlls is a
        // scalar function; of one, the aggregation.
        if fname == "hll_merge" && args.len() >= 2 {
            return self.builtin(fname, name.span, args, span, row);
        }
        if crate::bind::names::is_aggregate(fname) {
            if crate::bind::names::is_legacy_collect(&name.name) && args.len() == 1 {
                let size = ast::Expr {
                    kind: ExprKind::Literal(ast::Literal::Long(crate::bind::names::LEGACY_MAX_SIZE)),
                    span,
                };
                let args = [args[0].clone(), Arg { name: None, value: size }];
                return self.aggregate_call(fname, &args, span, row);
            }
            return self.aggregate_call(fname, args, span, row);
        }
        if name.name == "replace" && args.len() == 3 {
            // The deprecated `replace(regex, rewrite, text)` takes the text
            // last, as published queries call it; `replace_regex` takes it first.
            let args = [args[2].clone(), args[0].clone(), args[1].clone()];
            return self.builtin(fname, name.span, &args, span, row);
        }
        self.builtin(fname, name.span, args, span, row)
    }

    fn arity(&mut self, name: &str, args: &[Arg], min: usize, max: usize, span: Span) -> BResult<()> {
        if args.len() < min || args.len() > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("`{name}` takes {want} argument{}, got {}", if max == 1 { "" } else { "s" }, args.len()),
            ));
        }
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            return Err(self.error(error::BAD_ARGUMENTS, a.value.span, format!("`{name}` takes no named arguments")));
        }
        Ok(())
    }

    fn args(&mut self, args: &[Arg], row: Row<'_>) -> BResult<Vec<Typed>> {
        args.iter().map(|a| self.scalar(&a.value, row)).collect()
    }

    fn builtin(&mut self, name: &str, name_span: Span, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        match name {
            "now" => {
                self.arity(name, args, 0, 1, span)?;
                let mut t = typed(literal::datetime(Some(self.now)), KqlType::Datetime);
                if let Some(a) = args.first() {
                    let offset = self.scalar(&a.value, row)?;
                    t = self.shift_datetime(t, offset, Operator::Plus, a.value.span)?;
                }
                Ok(t)
            }
            "ingestion_time" => {
                // dragnet keeps no ingestion clock: as for a table ingested
                // without the IngestionTime policy, the value is null
                // (ingestion-time-function).
                self.arity(name, args, 0, 0, span)?;
                Ok(typed(literal::datetime(None), KqlType::Datetime))
            }
            "ago" => {
                self.arity(name, args, 1, 1, span)?;
                let d = self.scalar(&args[0].value, row)?;
                let now = typed(literal::datetime(Some(self.now)), KqlType::Datetime);
                self.shift_datetime(now, d, Operator::Minus, args[0].value.span)
            }
            "iif" | "iff" => {
                self.arity(name, args, 3, 3, span)?;
                let a = self.args(args, row)?;
                let cond = self.coerce_dynamic(a[0].clone(), KqlType::Bool);
                if cond.ty != KqlType::Bool {
                    return Err(self.error(error::TYPE_MISMATCH, args[0].value.span, "the condition must be a bool"));
                }
                let (v, ty) = self.unify(vec![a[1].clone(), a[2].clone()], span)?;
                // A null condition takes the else branch.
                let e = when(cond.expr, v[0].expr.clone()).otherwise(v[1].expr.clone());
                Ok(Typed { expr: self.df(span, e)?, ty })
            }
            "case" => {
                if args.len() < 3 || args.len().is_multiple_of(2) {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        span,
                        "`case` takes pairs of predicate and value, then an else value",
                    ));
                }
                let a = self.args(args, row)?;
                let values: Vec<Typed> = a.iter().skip(1).step_by(2).cloned().chain(a.last().cloned()).collect();
                let (values, ty) = self.unify(values, span)?;
                // The `case` is built whole: DataFusion's builder copies every
                // branch so far at each added branch.
                let mut branches = Vec::with_capacity(a.len() / 2);
                for (i, pred) in a.iter().step_by(2).take(a.len() / 2).enumerate() {
                    let pred = self.coerce_dynamic(pred.clone(), KqlType::Bool);
                    if pred.ty != KqlType::Bool {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            args[2 * i].value.span,
                            "each `case` predicate must be a bool",
                        ));
                    }
                    branches.push((Box::new(pred.expr), Box::new(values[i].expr.clone())));
                }
                let else_v = values[values.len() - 1].expr.clone();
                let case = datafusion::logical_expr::expr::Case::new(None, branches, Some(Box::new(else_v)));
                Ok(Typed { expr: Expr::Case(case), ty })
            }
            "coalesce" => {
                if args.is_empty() {
                    return Err(self.error(error::BAD_ARGUMENTS, span, "`coalesce` takes at least one argument"));
                }
                let a = self.args(args, row)?;
                let ty = a[0].ty;
                let exprs: Vec<Expr> = if ty == KqlType::String {
                    // Strings are never null: the first non-empty one wins.
                    // One `case` with a branch per argument, not a `case` per
                    // argument nested in the next (as deep as the list is long).
                    let mut a: Vec<Expr> = a.into_iter().map(|t| self.convert(t, ty).expr).collect();
                    let last = a.pop().unwrap_or_else(|| lit(""));
                    if a.is_empty() {
                        return Ok(Typed { expr: last, ty });
                    }
                    let branches = a
                        .into_iter()
                        .map(|v| (Box::new(binary_expr(v.clone(), Operator::NotEq, lit(""))), Box::new(v)))
                        .collect();
                    let case = datafusion::logical_expr::expr::Case::new(None, branches, Some(Box::new(last)));
                    return Ok(Typed { expr: Expr::Case(case), ty });
                } else {
                    a.into_iter().map(|t| self.convert(t, ty).expr).collect()
                };
                Ok(Typed { expr: coalesce(exprs), ty })
            }
            "isempty" | "isnotempty" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                let empty = match t.ty {
                    KqlType::String => binary_expr(t.expr, Operator::Eq, lit("")),
                    KqlType::Dynamic => {
                        let s = to_string().call(vec![t.expr.clone()]);
                        t.expr.is_null().or(binary_expr(s, Operator::Eq, lit("")))
                    }
                    _ => t.expr.is_null(),
                };
                Ok(Typed {
                    expr: if name == "isempty" { empty } else { datafusion::logical_expr::not(empty) },
                    ty: KqlType::Bool,
                })
            }
            "isnull" | "isnotnull" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                let null = if t.ty == KqlType::String { lit(false) } else { t.expr.is_null() };
                Ok(Typed {
                    expr: if name == "isnull" { null } else { datafusion::logical_expr::not(null) },
                    ty: KqlType::Bool,
                })
            }
            "not" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                let t = self.coerce_dynamic(t, KqlType::Bool);
                if t.ty != KqlType::Bool {
                    return Err(self.error(error::TYPE_MISMATCH, args[0].value.span, "`not` takes a bool"));
                }
                Ok(Typed { expr: datafusion::logical_expr::not(t.expr), ty: KqlType::Bool })
            }
            "strlen" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                let t = self.as_text(t);
                let e = datafusion::functions::unicode::expr_fn::character_length(t.expr);
                Ok(Typed { expr: cast(e, DataType::Int64), ty: KqlType::Long })
            }
            "tolower" | "toupper" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                let t = self.as_text(t);
                let e = if name == "tolower" {
                    datafusion::functions::string::expr_fn::lower(t.expr)
                } else {
                    datafusion::functions::string::expr_fn::upper(t.expr)
                };
                Ok(Typed { expr: e, ty: KqlType::String })
            }
            "strcat" => {
                if args.is_empty() || args.len() > 64 {
                    return Err(self.error(error::BAD_ARGUMENTS, span, "`strcat` takes 1 to 64 arguments"));
                }
                let a = self.args(args, row)?;
                let parts: Vec<Expr> = a.into_iter().map(|t| self.as_text(t).expr).collect();
                Ok(Typed { expr: datafusion::functions::string::expr_fn::concat(parts), ty: KqlType::String })
            }
            "tostring" => self.conversion(name, args, span, row, KqlType::String),
            "toint" => self.conversion(name, args, span, row, KqlType::Int),
            "tolong" => self.conversion(name, args, span, row, KqlType::Long),
            "toreal" | "todouble" => self.conversion(name, args, span, row, KqlType::Real),
            "tobool" | "toboolean" => self.conversion(name, args, span, row, KqlType::Bool),
            "todatetime" => self.conversion(name, args, span, row, KqlType::Datetime),
            "totimespan" => self.conversion(name, args, span, row, KqlType::Timespan),
            "todynamic" | "parse_json" | "parsejson" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                if t.ty == KqlType::Dynamic {
                    return Ok(t);
                }
                let t = self.as_text(t);
                Ok(Typed { expr: parse_json().call(vec![t.expr]), ty: KqlType::Dynamic })
            }
            "column_ifexists" => {
                // column-ifexists-function.md: the column when the row has
                // it, else the default.
                self.arity(name, args, 2, 2, span)?;
                let n = self.scalar(&args[0].value, row)?;
                let Some(column) = self.constant_text(&n) else {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        args[0].value.span,
                        "`column_ifexists` needs the column name as a constant string",
                    ));
                };
                if let Some(i) = row.schema.index_of_column_by_name(None, &column) {
                    let f = row.schema.field(i);
                    return Ok(Typed { expr: Self::column(f.name()), ty: KqlType::of(f.data_type()) });
                }
                self.scalar(&args[1].value, row)
            }
            "toscalar" => {
                self.arity(name, args, 1, 1, span)?;
                if !self.is_tabular(&args[0].value) {
                    return self.scalar(&args[0].value, row);
                }
                let sub = self.table(&args[0].value)?;
                let Some(f) = sub.plan.schema().fields().first().cloned() else {
                    return Err(self.error(error::BAD_ARGUMENTS, span, "`toscalar` needs a table with a column"));
                };
                let first = Self::column(f.name());
                let one = self.build(
                    span,
                    datafusion::logical_expr::LogicalPlanBuilder::from(sub.plan)
                        .project(vec![first])
                        .and_then(|b| b.limit(0, Some(1))),
                )?;
                Ok(Typed { expr: scalar_subquery(Self::arc(one)), ty: KqlType::of(f.data_type()) })
            }
            "bin" | "floor" => {
                self.arity(name, args, 2, 2, span)?;
                let v = self.scalar(&args[0].value, row)?;
                let size = self.scalar(&args[1].value, row)?;
                self.bin(v, size, span)
            }
            "bin_auto" => {
                self.arity(name, args, 1, 1, span)?;
                let v = self.scalar(&args[0].value, row)?;
                let Some(size) = self.bin_auto[0].clone() else {
                    return Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        span,
                        "`bin_auto` needs a bin size",
                        "set it before the query: `set query_bin_auto_size=1h;`",
                    ));
                };
                let Some(at) = self.bin_auto[1].clone() else { return self.bin(v, size, span) };
                let spans = [args[0].value.span, span, span];
                let bound = vec![v, size, at];
                self.check_bin_at(&bound, &spans)?;
                let ty = match bound[0].ty {
                    KqlType::Decimal | KqlType::Dynamic => KqlType::Real,
                    t => t,
                };
                let exprs = bound.into_iter().map(|t| t.expr).collect();
                let udf = crate::functions::rowwise::row_func("bin_at", ty, crate::functions::timespan::bin_at);
                Ok(Typed { expr: udf.call(exprs), ty })
            }
            "todecimal" => self.conversion(name, args, span, row, KqlType::Decimal),
            "parse_version" => {
                self.arity(name, args, 1, 1, span)?;
                let v = self.scalar(&args[0].value, row)?;
                let v = self.as_text(v);
                Ok(Typed { expr: crate::functions::version::call(v.expr), ty: KqlType::Decimal })
            }
            "pack_all" | "bag_pack_columns" => self.pack_columns(name, args, span, row),
            "estimate_data_size" => self.estimate_data_size(args, span, row),
            "assert" => self.assert(args, span, row),
            "column_names_of" => {
                // column-names-of-function.md: the names of a tabular
                // expression's columns, as a constant array.
                self.arity(name, args, 1, 1, span)?;
                let tab = self.table(&args[0].value)?;
                let names: Vec<serde_json::Value> =
                    tab.plan.schema().fields().iter().map(|f| serde_json::Value::String(f.name().clone())).collect();
                let json = serde_json::Value::Array(names).to_string();
                Ok(crate::bind::literal::typed(ScalarValue::LargeUtf8(Some(json)), KqlType::Dynamic))
            }
            "abs" => {
                self.arity(name, args, 1, 1, span)?;
                let t = self.scalar(&args[0].value, row)?;
                let abs = datafusion::functions::math::expr_fn::abs;
                match t.ty {
                    KqlType::Timespan => {
                        Ok(Typed { expr: cast(abs(cast(t.expr, DataType::Int64)), t.ty.arrow()), ty: t.ty })
                    }
                    ty if ty.is_numeric() => Ok(Typed { expr: abs(t.expr), ty }),
                    other => Err(self.error(
                        error::TYPE_MISMATCH,
                        args[0].value.span,
                        format!("`abs` takes a number or a timespan, not a {other}"),
                    )),
                }
            }
            _ if let Some(m) = crate::functions::multi_value::multi_valued(name)
                && m.first_alone =>
            {
                let call = ast::Expr {
                    kind: ExprKind::Call {
                        func: Box::new(ast::Expr {
                            kind: ExprKind::Name(ast::Ident { name: m.inner.to_string(), span: name_span }),
                            span: name_span,
                        }),
                        args: args.to_vec(),
                    },
                    span,
                };
                let first = ast::Expr {
                    kind: ExprKind::Index {
                        target: Box::new(call),
                        index: Box::new(ast::Expr { kind: ExprKind::Literal(ast::Literal::Long(0)), span }),
                    },
                    span,
                };
                self.scalar(&first, row)
            }
            _ if let Some(m) = crate::functions::multi_value::multi_valued(name) => Err(self.error_help(
                error::BAD_ARGUMENTS,
                name_span,
                format!("`{name}` returns {} values", m.outputs.len()),
                format!(
                    "assign them as columns: `extend ({}) = {name}(...)`",
                    m.outputs.iter().map(|o| o.0).collect::<Vec<_>>().join(", ")
                ),
            )),
            _ if let Some(why) = crate::functions::not_yet(name) => {
                Err(self.not_implemented(name_span, &format!("`{name}` ({why})")))
            }
            _ if crate::functions::rowwise(name).is_some() => self.rowwise_call(name, args, span, row),
            _ => {
                let mut d = crate::error::Diagnostic::new(
                    error::UNKNOWN_FUNCTION,
                    name_span,
                    format!("unknown function `{name}`"),
                )
                .with_label("not a function");
                let mut names: Vec<&str> = crate::functions::BUILTIN_SCALARS.to_vec();
                names.extend(crate::functions::ROWWISE.iter().map(|d| d.name));
                let lets: Vec<String> =
                    self.env.iter().filter(|(_, v)| matches!(v, Value::Function(_))).map(|(n, _)| n.clone()).collect();
                names.extend(lets.iter().map(String::as_str));
                if let Some(s) = kql_syntax::nearest(name, &names) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                } else if crate::bind::names::is_aggregate(name) {
                    d = d.with_help(format!("`{name}` is an aggregation: use it in `summarize`"));
                }
                self.diags.push(d);
                Err(Fail)
            }
        }
    }

    /// A window function's restart condition: a bool (a dynamic one taken
    /// as a bool).
    fn restart_flag(&mut self, a: &Arg, row: Row<'_>) -> BResult<Expr> {
        let t = self.scalar(&a.value, row)?;
        let t = self.coerce_dynamic(t, KqlType::Bool);
        if t.ty != KqlType::Bool {
            return Err(self.error(error::TYPE_MISMATCH, a.value.span, "the restart condition must be a bool"));
        }
        Ok(t.expr)
    }

    /// `row_number()`, `prev(x)`, `next(x)`: window functions over the
    /// serialized input, collected for the operator to compute first.
    fn window_call(&mut self, name: &str, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        use datafusion::functions_window::expr_fn::{lag, lead, row_number};
        if self.windows.is_none() {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("`{name}` is allowed only in extend, project, serialize and where"),
            ));
        }
        if !self.row_serialized {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                span,
                format!("`{name}` needs a serialized input, and this one has no defined order"),
                "sort it first, or add `| serialize`",
            ));
        }
        let (expr, ty) = match name {
            "row_window_session" => return self.row_window_session(args, span, row),
            "row_rank_min" | "row_rank_dense" => {
                self.arity(name, args, 1, 2, span)?;
                let term = self.scalar(&args[0].value, row)?;
                let mut bound = vec![term.expr];
                if let Some(a) = args.get(1) {
                    bound.push(self.restart_flag(a, row)?);
                }
                use crate::functions::row_rank::{Rank, row_rank};
                let rank = if name == "row_rank_min" { Rank::Min } else { Rank::Dense };
                (row_rank(rank).call(bound), KqlType::Long)
            }
            "row_cumsum" => {
                self.arity(name, args, 1, 2, span)?;
                let term = self.scalar(&args[0].value, row)?;
                use crate::functions::row_running::{Running, row_running};
                let (running, ty) = match term.ty {
                    KqlType::Int | KqlType::Long => (Running::SumLong, KqlType::Long),
                    KqlType::Real => (Running::SumReal, KqlType::Real),
                    other => {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            args[0].value.span,
                            format!("`row_cumsum` sums an int, long or real, not {other}"),
                        ));
                    }
                };
                let mut bound = vec![term.expr];
                if let Some(a) = args.get(1) {
                    bound.push(self.restart_flag(a, row)?);
                }
                (row_running(running).call(bound), ty)
            }
            "row_number" => {
                self.arity(name, args, 0, 2, span)?;
                let start = match args.first() {
                    Some(a) => match self.constant(&a.value)?.expr {
                        Expr::Literal(ScalarValue::Int64(Some(n)), _) => n,
                        _ => return Err(self.error(error::NOT_CONSTANT, a.value.span, "the start must be a constant")),
                    },
                    None => 1,
                };
                if let Some(a) = args.get(1) {
                    use crate::functions::row_running::{Running, row_running};
                    let restart = self.restart_flag(a, row)?;
                    let id = self.fresh("win");
                    let w = row_running(Running::Number(start)).call(vec![restart]);
                    self.windows.as_mut().expect("checked above").push(w.alias(&id));
                    return Ok(Typed { expr: Self::column(&id), ty: KqlType::Long });
                }
                // The window computes the bare row number; the offset is applied on top.
                let id = self.fresh("win");
                self.windows.as_mut().expect("checked above").push(row_number().alias(&id));
                // (row number - 1) + start: a number past the largest long is null, not wrapped.
                let rn = binary_expr(cast(Self::column(&id), DataType::Int64), Operator::Minus, lit(1i64));
                let e = crate::functions::checked::call(
                    crate::functions::checked::Op::Add,
                    vec![rn, lit(start)],
                    DataType::Int64,
                );
                return Ok(Typed { expr: e, ty: KqlType::Long });
            }
            _ => {
                self.arity(name, args, 1, 3, span)?;
                let x = self.scalar(&args[0].value, row)?;
                let offset = match args.get(1) {
                    Some(a) => match self.constant(&a.value)?.expr {
                        Expr::Literal(ScalarValue::Int64(Some(n)), _) => n,
                        _ => {
                            return Err(self.error(error::NOT_CONSTANT, a.value.span, "the offset must be a constant"));
                        }
                    },
                    None => 1,
                };
                let default = match args.get(2) {
                    Some(a) => match self.constant(&a.value)?.expr {
                        Expr::Literal(v, _) => Some(v),
                        _ => None,
                    },
                    None if x.ty == KqlType::String => Some(ScalarValue::Utf8View(Some(String::new()))),
                    None => None,
                };
                let e = if name == "prev" {
                    lag(x.expr, Some(offset), default)
                } else {
                    lead(x.expr, Some(offset), default)
                };
                (e, x.ty)
            }
        };
        let id = self.fresh("win");
        self.windows.as_mut().expect("checked above").push(expr.alias(&id));
        Ok(Typed { expr: Self::column(&id), ty })
    }

    /// `row_window_session(Expr, MaxDistanceFromFirst, MaxDistanceBetweenNeighbors
    /// [, Restart])`: the window over the value and distances in nanoseconds.
    fn row_window_session(&mut self, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        self.arity("row_window_session", args, 3, 4, span)?;
        let want = [KqlType::Datetime, KqlType::Timespan, KqlType::Timespan, KqlType::Bool];
        let mut bound = Vec::new();
        for (a, ty) in args.iter().zip(want) {
            let t = self.scalar(&a.value, row)?;
            let t = self.coerce_dynamic(t, ty);
            if t.ty != ty {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    a.value.span,
                    format!("row_window_session expects a {ty} here, found a {}", t.ty),
                ));
            }
            bound.push(if ty == KqlType::Bool { t.expr } else { cast(t.expr, DataType::Int64) });
        }
        let w = crate::functions::session::row_window_session().call(bound);
        let id = self.fresh("win");
        self.windows.as_mut().expect("checked by the caller").push(w.alias(&id));
        Ok(Typed { expr: cast(Self::column(&id), KqlType::Datetime.arrow()), ty: KqlType::Datetime })
    }

    /// Runs `f` with window functions allowed; returns what they collected.
    pub(crate) fn with_windows<T>(&mut self, f: impl FnOnce(&mut Self) -> BResult<T>) -> BResult<(T, Vec<Expr>)> {
        let saved = self.windows.replace(Vec::new());
        let r = f(self);
        let collected = std::mem::replace(&mut self.windows, saved).unwrap_or_default();
        Ok((r?, collected))
    }

    /// A function of the row-at-a-time library.
    fn rowwise_call(&mut self, name: &str, args: &[Arg], span: Span, row: Row<'_>) -> BResult<Typed> {
        let def = crate::functions::rowwise(name).expect("checked by the caller");
        // `extract(re, n, text, typeof(T))` converts its result to T.
        let (args, to) = match (name, args.len(), args.last().map(|a| &a.value.kind)) {
            ("extract", 4, Some(ExprKind::TypeOf(ParamType::Scalar(t)))) => {
                (&args[..3], Some(KqlType::from_syntax(t.ty)))
            }
            // `extract_json(path, json, typeof(T))` too.
            ("extract_json", 3, Some(ExprKind::TypeOf(ParamType::Scalar(t)))) => {
                (&args[..2], Some(KqlType::from_syntax(t.ty)))
            }
            // `percentile_tdigest(d, p, typeof(T))` too.
            ("percentile_tdigest", 3, Some(ExprKind::TypeOf(ParamType::Scalar(t)))) => {
                (&args[..2], Some(KqlType::from_syntax(t.ty)))
            }
            _ => (args, None),
        };
        self.arity(name, args, def.min, def.max, span)?;
        let bound = self.args(args, row)?;
        let spans: Vec<Span> = args.iter().map(|a| a.value.span).collect();
        self.check_rowwise_args(name, &bound, &spans, span)?;
        let bound = self.array_sort_args(name, bound, &spans)?;
        let (bound, ret) = self.rowwise_typing(def, bound, &spans)?;
        let exprs = bound.into_iter().map(|t| t.expr).collect();
        let udf = if def.typing == crate::functions::Typing::Random {
            crate::functions::rowwise::volatile_row_func(def.name, ret, def.f)
        } else {
            crate::functions::rowwise::row_func(def.name, ret, def.f)
        };
        let t = Typed { expr: udf.call(exprs), ty: ret };
        Ok(match to {
            Some(ty) if ty != KqlType::String => self.convert(t, ty),
            _ => t,
        })
    }

    fn conversion(&mut self, name: &str, args: &[Arg], span: Span, row: Row<'_>, to: KqlType) -> BResult<Typed> {
        self.arity(name, args, 1, 1, span)?;
        let t = self.scalar(&args[0].value, row)?;
        Ok(self.convert(t, to))
    }

    /// datetime ± timespan.
    fn shift_datetime(&mut self, dt: Typed, by: Typed, op: Operator, span: Span) -> BResult<Typed> {
        if by.ty != KqlType::Timespan {
            return Err(self.error(error::TYPE_MISMATCH, span, format!("expected a timespan, found a {}", by.ty)));
        }
        use crate::functions::checked::{self, Op};
        let op = if op == Operator::Plus { Op::Add } else { Op::Sub };
        Ok(Typed { expr: checked::call(op, vec![dt.expr, by.expr], KqlType::Datetime.arrow()), ty: KqlType::Datetime })
    }

    /// The common type of branch values (`iff`, `case`), converting as
    /// Kusto does: numbers widen, a null literal takes the others' type.
    fn unify(&mut self, values: Vec<Typed>, span: Span) -> BResult<(Vec<Typed>, KqlType)> {
        let is_null = |t: &Typed| matches!(&t.expr, Expr::Literal(v, _) if v.is_null());
        let mut ty: Option<KqlType> = None;
        for v in values.iter().filter(|v| !is_null(v)) {
            ty = Some(match ty {
                None => v.ty,
                Some(t) if t == v.ty => t,
                Some(t) if t.is_numeric() && v.ty.is_numeric() => {
                    if t == KqlType::Real || v.ty == KqlType::Real {
                        KqlType::Real
                    } else {
                        KqlType::Long
                    }
                }
                Some(t) if t == KqlType::Dynamic || v.ty == KqlType::Dynamic => KqlType::Dynamic,
                Some(t) => {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        span,
                        format!("the branches have different types: {t} and {}", v.ty),
                    ));
                }
            });
        }
        let ty = ty.unwrap_or(values[0].ty);
        let values = values.into_iter().map(|v| self.cast_to(v, ty)).collect();
        Ok((values, ty))
    }

    fn cast_to(&mut self, t: Typed, ty: KqlType) -> Typed {
        if t.ty == ty {
            return t;
        }
        if ty == KqlType::Dynamic {
            return Typed { expr: cast(t.expr, DataType::LargeUtf8), ty };
        }
        if matches!(&t.expr, Expr::Literal(v, _) if v.is_null()) {
            return typed(literal::scalar_of(ty, None), ty);
        }
        Typed { expr: cast(t.expr, ty.arrow()), ty }
    }

    /// `bin(value, size)`: rounds down to a multiple of `size`; a negative
    /// or zero size gives null.
    fn bin(&mut self, v: Typed, size: Typed, span: Span) -> BResult<Typed> {
        let t = self.bin_unchecked(v, size.clone(), span)?;
        let positive = match size.ty {
            KqlType::Timespan => cast(size.expr, DataType::Int64).gt(lit(0i64)),
            _ => cast(size.expr, DataType::Float64).gt(lit(0.0f64)),
        };
        let null = literal::scalar_of(t.ty, None);
        let e = self.df(span, when(positive, t.expr).otherwise(lit(null)))?;
        Ok(Typed { expr: e, ty: t.ty })
    }

    fn bin_unchecked(&mut self, v: Typed, size: Typed, span: Span) -> BResult<Typed> {
        use crate::functions::checked::{self, Op};
        match (v.ty, size.ty) {
            (KqlType::Datetime, KqlType::Timespan) | (KqlType::Timespan, KqlType::Timespan) => {
                // Datetime bins align to 0001-01-01, as Kusto's do: any origin
                // congruent to it modulo the bin size will do.
                let origin: i64 = match (&v.ty, &size.expr) {
                    (KqlType::Datetime, Expr::Literal(ScalarValue::DurationNanosecond(Some(s)), _)) if *s > 0 => {
                        datetime_bin_origin(*s)
                    }
                    _ => 0,
                };
                let e = checked::call(Op::Bin, vec![v.expr, size.expr, lit(origin)], v.ty.arrow());
                Ok(Typed { expr: e, ty: v.ty })
            }
            (a, b) if a.is_numeric() && b.is_numeric() => {
                if a == KqlType::Real || b == KqlType::Real {
                    let f = |e: Expr| cast(e, DataType::Float64);
                    let s = f(size.expr);
                    let q = datafusion::functions::math::expr_fn::floor(binary_expr(
                        f(v.expr),
                        Operator::Divide,
                        s.clone(),
                    ));
                    Ok(Typed { expr: binary_expr(q, Operator::Multiply, s), ty: KqlType::Real })
                } else {
                    let e = checked::call(Op::Bin, vec![v.expr, size.expr, lit(0i64)], DataType::Int64);
                    Ok(Typed { expr: e, ty: KqlType::Long })
                }
            }
            (a, b) => Err(self.error(error::TYPE_MISMATCH, span, format!("`bin` cannot round a {a} by a {b}"))),
        }
    }

    /// Calls a user function with `args`, in the environment it was defined
    /// in plus its parameters.
    pub fn call_function(
        &mut self,
        f: &Rc<Function>,
        args: &[Arg],
        span: Span,
        row: Option<Row<'_>>,
    ) -> BResult<CallResult> {
        let params = &f.lambda.params;
        let mut bound: Vec<Option<Value>> = vec![None; params.len()];
        // A positional argument is the parameter at its position, named ones
        // before it or not (user-defined-functions.md: named arguments may
        // come in any order; assert-function.md calls `checkLength(len=3, input)`).
        for (at, a) in args.iter().enumerate() {
            let i = match &a.name {
                Some(n) => match params.iter().position(|p| p.name.name == n.name) {
                    Some(i) => i,
                    None => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            n.span,
                            format!("the function has no parameter `{}`", n.name),
                        ));
                    }
                },
                None => at,
            };
            if bound.get(i).is_some_and(Option::is_some) {
                let name = params.get(i).map(|p| p.name.name.as_str()).unwrap_or("");
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    a.value.span,
                    format!("the argument `{name}` is given twice"),
                ));
            }
            let Some(p) = params.get(i) else {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    a.value.span,
                    format!("the function takes {} argument{}", params.len(), if params.len() == 1 { "" } else { "s" }),
                ));
            };
            let v = match &p.ty {
                ParamType::Tabular(_) => Value::Table(self.table(&a.value)?),
                ParamType::Scalar(t) => {
                    let v = match row {
                        Some(r) => self.scalar(&a.value, r)?,
                        None => self.constant(&a.value)?,
                    };
                    Value::Scalar(self.cast_to(v, KqlType::from_syntax(t.ty)))
                }
            };
            bound[i] = Some(v);
        }
        let mut env = f.env.clone();
        for (p, v) in params.iter().zip(bound) {
            let v = match v {
                Some(v) => v,
                None => match &p.default {
                    Some(d) => Value::Scalar(self.constant(d)?),
                    None => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            span,
                            format!("missing argument `{}`", p.name.name),
                        ));
                    }
                },
            };
            env.push((p.name.name.clone(), v));
        }
        let saved = std::mem::replace(&mut self.env, env);
        let result = self.function_body(&f.lambda.body, span, row);
        self.env = saved;
        result
    }

    pub(crate) fn function_body(
        &mut self,
        body: &[Statement],
        span: Span,
        row: Option<Row<'_>>,
    ) -> BResult<CallResult> {
        let mut last = None;
        for stmt in body {
            match stmt {
                Statement::Let(l) => {
                    let value = self.let_value(&l.value)?;
                    self.env.push((l.name.name.clone(), value));
                }
                Statement::Expr(e) => last = Some(e),
                _ => {}
            }
        }
        let Some(e) = last else {
            return Err(self.error(error::NO_RESULT, span, "the function body has no result expression"));
        };
        if self.is_tabular(e) {
            return Ok(CallResult::Table(self.table(e)?));
        }
        let t = match row {
            Some(r) => self.scalar(e, r)?,
            None => self.constant(e)?,
        };
        // A body is bound afresh at each call with its arguments' expressions
        // in place of its parameters, so a parameter used twice doubles the
        // plan at each nested call: `f(f(f(...)))` grows exponentially.
        if exceeds_nodes(&t.expr, MAX_CALL_NODES) {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                span,
                format!("this call expands to more than {MAX_CALL_NODES} expression nodes"),
                "a function that uses a parameter more than once copies its argument each time; \
                 compute nested calls step by step with `extend`",
            ));
        }
        Ok(CallResult::Scalar(t))
    }
}

/// The most expression nodes one call of a user function may expand to.
const MAX_CALL_NODES: usize = 100_000;

/// Whether `e` has more than `max` nodes (counting stops there).
fn exceeds_nodes(e: &Expr, max: usize) -> bool {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    let mut n = 0usize;
    let _ = e.apply(|_| {
        n += 1;
        Ok(if n > max { TreeNodeRecursion::Stop } else { TreeNodeRecursion::Continue })
    });
    n > max
}

/// Floor division of longs (Kusto's bin rounds toward negative infinity).
/// Where datetime bins of `step` nanoseconds start, near the epoch: bins
/// align to 0001-01-01, as Kusto's do, and any origin congruent to it
/// modulo the step will do.
pub(crate) fn datetime_bin_origin(step: i64) -> i64 {
    let year_one: i128 = -719_162 * 86_400 * 1_000_000_000;
    year_one.rem_euclid(step as i128) as i64
}

/// `floor(x / s)` for whole numbers and a positive `s`.
pub(crate) fn floor_div(x: Expr, s: Expr) -> Expr {
    let q = binary_expr(x.clone(), Operator::Divide, s.clone());
    let adjust = when(binary_expr(x, Operator::Modulo, s).lt(lit(0i64)), lit(1i64))
        .otherwise(lit(0i64))
        .unwrap_or_else(|_| lit(ScalarValue::Int64(Some(0))));
    binary_expr(q, Operator::Minus, adjust)
}
