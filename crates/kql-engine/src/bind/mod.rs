//! The binder: a KQL syntax tree to DataFusion logical plans.
//!
//! Names resolve in this order: a column of the row being computed, then a
//! `let` binding (innermost first), then a table of the catalog. Tabular
//! `let`s and functions are bound where they are used, in the environment
//! they were defined in, so a function body sees its own parameters and the
//! `let`s above its definition and nothing of the caller.
//!
//! Every plan the binder builds has unqualified, unique column names, so a
//! KQL name is always one DataFusion column; joins re-project to keep it so.
//! KQL strings are never null: string columns are read through
//! `coalesce(col, '')` and outer operators fill missing strings with `''`.

mod call;
mod expr;
mod in_table;
mod literal;
mod names;
mod ops;
mod order;
mod pattern;

use std::rc::Rc;
use std::sync::Arc;

use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, Ident, Lambda, Statement};

use crate::catalog::Catalog;
use crate::deadline::Deadline;
use crate::error::{self, Diagnostic, EngineError};
use crate::types::KqlType;

/// A diagnostic was recorded; unwind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fail;

pub(crate) type BResult<T> = Result<T, Fail>;

/// A bound scalar expression and its KQL type.
#[derive(Debug, Clone)]
pub(crate) struct Typed {
    pub expr: Expr,
    pub ty: KqlType,
}

/// A bound tabular expression: its plan, and the table it reads when it
/// reads just one (for messages such as "no column X in DeviceProcessEvents").
#[derive(Debug, Clone)]
pub(crate) struct Tab {
    pub plan: LogicalPlan,
    pub source: Option<String>,
}

/// What a `let` name stands for.
#[derive(Clone)]
pub(crate) enum Value {
    /// A constant scalar.
    Scalar(Typed),
    /// A tabular expression.
    Table(Tab),
    /// A function, with the environment of its definition.
    Function(Rc<Function>),
}

pub(crate) struct Function {
    pub lambda: Lambda,
    pub env: Vec<(String, Value)>,
}

/// The row an expression is computed over, if any.
#[derive(Clone, Copy)]
pub(crate) struct Row<'s> {
    pub schema: &'s DFSchema,
    pub source: Option<&'s str>,
}

pub(crate) struct Binder<'a> {
    pub catalog: &'a Catalog,
    /// `now()` for the whole query, in nanoseconds since the epoch.
    pub now: i64,
    pub env: Vec<(String, Value)>,
    pub diags: Vec<Diagnostic>,
    next_id: usize,
    /// Set while binding a `summarize` item: aggregation calls land here.
    pub aggs: Option<ops::AggCollector>,
    pub agg_serial: usize,
    /// Set while binding a row expression: window functions (`row_number`,
    /// `prev`, `next`) land here, to be computed before the projection.
    pub windows: Option<Vec<Expr>>,
    /// Whether the rows of the operator being bound have a defined order
    /// (window functions need one).
    pub row_serialized: bool,
    /// While binding `summarize`: the sort order of its input, if sorted.
    pub sorted_input: Option<Vec<datafusion::logical_expr::SortExpr>>,
    /// `set query_bin_auto_size` and `set query_bin_auto_at`: what
    /// `bin_auto()` bins by.
    pub bin_auto: [Option<Typed>; 2],
    /// When binding must stop; checked at every expression and operator.
    deadline: Deadline,
    /// Set when the deadline stopped binding (the unwinding `Fail` carries
    /// no diagnostic).
    timed_out: bool,
    /// The columns data-dependent plugins learned from their input, in the
    /// order binding reaches them (see `ops/evaluate`).
    learned: Vec<ops::Learned>,
    /// How many data-dependent plugins binding has reached.
    evaluate_seen: usize,
    /// Set when a data-dependent plugin needs its input run (the unwinding
    /// `Fail` carries no diagnostic).
    pending: Option<ops::Pending>,
    /// While binding a `graph-match` clause: its pattern's variables, whose
    /// `v.p` reads a property column (see `ops/graph`).
    pub graph_vars: Option<std::collections::HashSet<String>>,
    /// While binding a `graph-match` clause: its graph function calls
    /// (`map(e, ...)`, ...), by span, and the column holding their value.
    pub graph_calls: Vec<(kql_syntax::Span, String)>,
    /// While binding an `extend`: the columns of its input, the row
    /// `pack_all()` packs (not the columns earlier items add).
    pub extend_input: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    /// Results an operator gives besides its output (`funnel_sequence`'s
    /// second and third tables), with the operator's span; only the last
    /// operator of a tabular statement may give them.
    pub extra_results: Vec<(Span, Vec<LogicalPlan>)>,
    /// The patterns `declare pattern` declared, in order.
    patterns: Vec<Rc<pattern::Pattern>>,
    /// Set when the statement being bound gives no result of its own
    /// (`graph-to-table nodes as N, edges as E`).
    pub no_result: bool,
}

/// What binding a query gives.
pub(crate) enum Bound {
    /// One plan per tabular result.
    Plans(Vec<LogicalPlan>),
    /// A plugin's output columns depend on its input: run it, learn them,
    /// and bind again with them added to `learned`.
    NeedsData(ops::Pending),
}

pub(crate) use ops::{LearnKind, Learned, learn};

/// Runs `f`, a step of a recursive walk of the tree, on a fresh stack
/// segment when little stack is left. The syntax tree is at most
/// [`kql_syntax::MAX_TREE_DEPTH`] deep, but one level of binding takes far
/// more stack than one level of parsing.
pub(crate) fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f)
}

/// Binds every statement of `query`; returns one plan per tabular result.
pub(crate) fn bind_query(
    query: &ast::Query,
    catalog: &Catalog,
    now: i64,
    deadline: Deadline,
    learned: &[Learned],
) -> Result<Bound, EngineError> {
    let mut b = Binder {
        catalog,
        now,
        env: Vec::new(),
        diags: Vec::new(),
        next_id: 0,
        aggs: None,
        agg_serial: 0,
        windows: None,
        sorted_input: None,
        row_serialized: false,
        bin_auto: [None, None],
        deadline,
        timed_out: false,
        learned: learned.to_vec(),
        evaluate_seen: 0,
        pending: None,
        graph_vars: None,
        graph_calls: Vec::new(),
        extend_input: None,
        extra_results: Vec::new(),
        patterns: Vec::new(),
        no_result: false,
    };
    let mut results = Vec::new();
    for stmt in &query.statements {
        if b.timed_out {
            break;
        }
        match b.statement(stmt) {
            Ok(Some(plan)) if in_table::unlifted_subquery(&plan) => {
                let span = match stmt {
                    Statement::Expr(e) => e.span,
                    _ => query.span,
                };
                b.not_implemented(span, "`in` with a tabular expression outside `where`, `extend` and `project`");
            }
            Ok(Some(plan)) => results.push(plan),
            Ok(None) => {}
            Err(Fail) => {}
        }
        for (span, plans) in std::mem::take(&mut b.extra_results) {
            let last = match stmt {
                Statement::Expr(ast::Expr { kind: ExprKind::Pipeline { ops, .. }, .. }) => ops.last().map(|o| o.span),
                _ => None,
            };
            if last == Some(span) {
                results.extend(plans);
            } else {
                b.error(
                    error::BAD_ARGUMENTS,
                    span,
                    "this plugin gives several tables, so it ends its statement: no operator after it, and not inside `let` or a subquery",
                );
            }
        }
        if let Some(p) = b.pending.take() {
            return Ok(Bound::NeedsData(p));
        }
    }
    if b.timed_out {
        return Err(deadline.error());
    }
    if !b.diags.is_empty() {
        return Err(EngineError::Bind(b.diags));
    }
    if results.is_empty() {
        let end = query.span.end as usize;
        return Err(EngineError::Bind(vec![
            Diagnostic::new(error::NO_RESULT, Span::new(end, end), "the query has no tabular expression to run")
                .with_help("a query ends with a tabular expression, for example `DeviceProcessEvents | take 10`"),
        ]));
    }
    Ok(Bound::Plans(results))
}

impl<'a> Binder<'a> {
    // ---- diagnostics ------------------------------------------------------

    pub fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) -> Fail {
        self.diags.push(Diagnostic::new(code, span, message));
        Fail
    }

    pub fn error_help(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Fail {
        self.diags.push(Diagnostic::new(code, span, message).with_help(help));
        Fail
    }

    /// Turns a DataFusion planning error into a diagnostic at `span`.
    pub fn df<T>(&mut self, span: Span, r: datafusion::common::Result<T>) -> BResult<T> {
        r.map_err(|e| {
            let msg = e.strip_backtrace();
            self.error(error::INTERNAL, span, format!("could not plan this: {msg}"))
        })
    }

    /// Fails, without a diagnostic, once the query's time budget is spent.
    pub fn check_deadline(&mut self, _span: Span) -> BResult<()> {
        if self.timed_out || self.deadline.passed() {
            self.timed_out = true;
            return Err(Fail);
        }
        Ok(())
    }

    /// Whether the time budget stopped binding.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    pub fn not_implemented(&mut self, span: Span, what: &str) -> Fail {
        self.error_help(
            error::NOT_IMPLEMENTED,
            span,
            format!("{what} is not implemented by dragnet yet"),
            "the query is valid KQL; dragnet refuses rather than approximate it",
        )
    }

    /// A name no user column can have.
    pub fn fresh(&mut self, hint: &str) -> String {
        self.next_id += 1;
        format!("__{hint}_{}", self.next_id)
    }

    // ---- environment -------------------------------------------------------

    pub fn lookup(&self, name: &str) -> Option<&Value> {
        self.env.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn statement(&mut self, stmt: &Statement) -> BResult<Option<LogicalPlan>> {
        match stmt {
            Statement::Let(l) => {
                let value = self.let_value(&l.value)?;
                self.env.push((l.name.name.clone(), value));
                Ok(None)
            }
            Statement::Set(s) => {
                if s.name.name == "query_now"
                    && let Some(v) = &s.value
                {
                    let t = self.constant(v)?;
                    match t.expr {
                        Expr::Literal(ScalarValue::TimestampNanosecond(Some(n), _), _) => self.now = n,
                        _ => {
                            return Err(self.error(error::TYPE_MISMATCH, v.span, "`query_now` takes a datetime"));
                        }
                    }
                }
                // bin-auto-function.md: the size and fixed point of `bin_auto()`.
                let slot = match s.name.name.as_str() {
                    "query_bin_auto_size" => Some(0),
                    "query_bin_auto_at" => Some(1),
                    _ => None,
                };
                if let (Some(i), Some(v)) = (slot, &s.value) {
                    self.bin_auto[i] = Some(self.constant(v)?);
                }
                Ok(None)
            }
            Statement::DeclareQueryParameters(d) => {
                for p in &d.params {
                    let Some(default) = &p.default else {
                        return Err(self.error_help(
                            error::NOT_CONSTANT,
                            p.span,
                            format!("query parameter `{}` has no value", p.name.name),
                            "give it a default: `declare query_parameters(name:type = value);`",
                        ));
                    };
                    let v = self.constant(default)?;
                    self.env.push((p.name.name.clone(), Value::Scalar(v)));
                }
                Ok(None)
            }
            Statement::Alias(_) | Statement::Restrict(_) => Ok(None),
            Statement::Pattern(p) => self.declare_pattern(p).map(|()| None),
            Statement::Expr(e) => {
                if self.is_tabular(e) {
                    self.no_result = false;
                    let plan = self.table(e)?.plan;
                    Ok((!std::mem::take(&mut self.no_result)).then_some(plan))
                } else {
                    // A scalar statement returns one row, as `print` does.
                    let t = self.constant(e)?;
                    let plan = LogicalPlanBuilder::empty(true).project(vec![t.expr.alias("print_0")]);
                    Ok(Some(self.df(e.span, plan.and_then(|b| b.build()))?))
                }
            }
        }
    }

    pub(crate) fn let_value(&mut self, e: &ast::Expr) -> BResult<Value> {
        if let ExprKind::Lambda(l) = &e.kind {
            return Ok(Value::Function(Rc::new(Function { lambda: l.clone(), env: self.env.clone() })));
        }
        if self.is_tabular(e) {
            return Ok(Value::Table(self.table(e)?));
        }
        Ok(Value::Scalar(self.constant(e)?))
    }

    /// Whether `e` denotes a table (rather than a scalar), by syntax and by
    /// what its names are bound to.
    pub fn is_tabular(&self, e: &ast::Expr) -> bool {
        if self.is_pattern_call(e) {
            return true;
        }
        match &e.kind {
            ExprKind::Pipeline { .. } | ExprKind::Source(_) => true,
            ExprKind::Name(id) => match self.lookup(&id.name) {
                Some(Value::Table(_)) => true,
                Some(Value::Scalar(_)) => false,
                Some(Value::Function(f)) => f.lambda.params.is_empty() && self.body_is_tabular(f),
                None => self.catalog.get(&id.name).is_some(),
            },
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Name(id) => match id.name.as_str() {
                    "materialize" | "table" | "view" => true,
                    "stored_query_result" | "external_table" | "graph"
                        if !matches!(self.lookup(&id.name), Some(Value::Function(_))) =>
                    {
                        true
                    }
                    _ => matches!(self.lookup(&id.name), Some(Value::Function(f)) if self.body_is_tabular(f)),
                },
                _ => false,
            },
            ExprKind::Member { target, .. } => {
                matches!(&target.kind, ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Name(n) if n.name == "database" || n.name == "cluster"))
            }
            _ => false,
        }
    }

    fn body_is_tabular(&self, f: &Function) -> bool {
        match f.lambda.body.last() {
            Some(Statement::Expr(e)) => match &e.kind {
                ExprKind::Pipeline { .. } | ExprKind::Source(_) => true,
                ExprKind::Name(id) => {
                    f.lambda.params.iter().any(|p| p.name.name == id.name && matches!(p.ty, ast::ParamType::Tabular(_)))
                        || matches!(f.env.iter().rev().find(|(n, _)| n == &id.name), Some((_, Value::Table(_))))
                        || self.catalog.get(&id.name).is_some()
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Binds a constant scalar expression (no row), folded to a literal
    /// where it can be (`10 + 10`, a function of constants).
    pub fn constant(&mut self, e: &ast::Expr) -> BResult<Typed> {
        let empty = DFSchema::empty();
        let t = self.scalar(e, Row { schema: &empty, source: None })?;
        if matches!(t.expr, Expr::Literal(..)) {
            return Ok(t);
        }
        let simplifier = datafusion::optimizer::simplify_expressions::ExprSimplifier::new(
            datafusion::logical_expr::simplify::SimplifyContext::default(),
        );
        // DataFusion's rewrites recurse several frames per level of the
        // expression (over 1 MiB for the deepest the parser builds): run
        // them with 2 MiB left.
        let folded = stacker::maybe_grow(2 * 1024 * 1024, 8 * 1024 * 1024, || {
            simplifier.coerce(t.expr.clone(), &empty).and_then(|e| simplifier.simplify(e))
        });
        match folded {
            Ok(folded @ Expr::Literal(..)) => Ok(Typed { expr: folded, ty: t.ty }),
            _ => Ok(t),
        }
    }

    // ---- tabular expressions ----------------------------------------------

    pub fn table(&mut self, e: &ast::Expr) -> BResult<Tab> {
        self.check_deadline(e.span)?;
        // A tabular expression inside an `extend` item has rows of its own.
        let outer = self.extend_input.take();
        let tab = deep(|| self.table_inner(e));
        self.extend_input = outer;
        tab
    }

    fn table_inner(&mut self, e: &ast::Expr) -> BResult<Tab> {
        if self.is_pattern_call(e) {
            return self.pattern_call(e);
        }
        match &e.kind {
            ExprKind::Name(id) => self.table_name(id),
            ExprKind::Pipeline { source, ops } => {
                let mut tab = match &source.kind {
                    ExprKind::Source(op) if let ast::OperatorKind::Union(u) = &op.kind => {
                        self.check_deadline(op.span)?;
                        self.union(None, u, op.span, true, ops)?
                    }
                    _ => self.table(source)?,
                };
                let mut i = 0;
                while let Some(op) = ops.get(i) {
                    if matches!(op.kind, ast::OperatorKind::MakeGraph(_)) {
                        (tab, i) = self.graph_pipeline(tab, ops, i)?;
                    } else {
                        tab = self.operator_before(tab, op, ops.get(i.saturating_add(1)..).unwrap_or_default())?;
                        i += 1;
                    }
                }
                Ok(tab)
            }
            ExprKind::Source(op) => self.source_operator(op),
            ExprKind::Call { func, args } => {
                let ExprKind::Name(f) = &func.kind else {
                    return Err(self.error(error::UNKNOWN_NAME, e.span, "expected a table"));
                };
                match f.name.as_str() {
                    "materialize" | "view" if args.len() == 1 => self.table(&args[0].value),
                    "table" => {
                        let name = self.constant_string(args.first().map(|a| &a.value), e.span)?;
                        self.table_name(&Ident { name, span: e.span })
                    }
                    // Objects that management commands create in a Kusto
                    // database, which a dragnet catalog has no way to hold.
                    "stored_query_result" | "external_table" | "graph"
                        if !matches!(self.lookup(&f.name), Some(Value::Function(_))) =>
                    {
                        let name = self.constant_string(args.first().map(|a| &a.value), e.span)?;
                        let (what, help) = match f.name.as_str() {
                            "stored_query_result" => (
                                "a stored query result",
                                "stored query results are made by the `.set stored_query_result` management command, which dragnet does not have; run the query that makes it, or keep its rows as a dataset",
                            ),
                            "external_table" => (
                                "an external table",
                                "external tables are defined by the `.create external table` management command, which dragnet does not have; read the files with `externaldata` or load them as a dataset",
                            ),
                            _ => (
                                "a persistent graph model",
                                "graph models and their snapshots are made by the `.create-or-alter graph_model` and `.make graph_snapshot` management commands, which dragnet does not have; build the graph with `make-graph`",
                            ),
                        };
                        Err(self.error_help(
                            error::UNKNOWN_NAME,
                            e.span,
                            format!("`{}(\"{name}\")` reads {what}, which this catalog does not have", f.name),
                            help,
                        ))
                    }
                    _ => match self.lookup(&f.name).cloned() {
                        Some(Value::Function(func)) => {
                            self.call_function(&func, args, e.span, None)?.into_table(self, e.span)
                        }
                        _ => Err(self.error(
                            error::UNKNOWN_NAME,
                            f.span,
                            format!("`{}` is not a tabular function", f.name),
                        )),
                    },
                }
            }
            ExprKind::Member { target, member } if self.is_tabular(e) => {
                let _ = target;
                self.table_name(member)
            }
            _ => Err(self.error_help(
                error::TYPE_MISMATCH,
                e.span,
                "expected a tabular expression here",
                "a query starts with a table, a `let` bound to one, or an operator such as `print` or `datatable`",
            )),
        }
    }

    fn table_name(&mut self, id: &Ident) -> BResult<Tab> {
        match self.lookup(&id.name).cloned() {
            Some(Value::Table(t)) => return Ok(t),
            Some(Value::Function(f)) if f.lambda.params.is_empty() => {
                return self.call_function(&f, &[], id.span, None)?.into_table(self, id.span);
            }
            Some(Value::Scalar(_)) => {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    id.span,
                    format!("`{}` is a scalar, not a table", id.name),
                ));
            }
            _ => {}
        }
        let Some(provider) = self.catalog.get(&id.name).cloned() else {
            let mut names: Vec<&str> = self.catalog.names().collect();
            let lets: Vec<String> =
                self.env.iter().filter(|(_, v)| matches!(v, Value::Table(_))).map(|(n, _)| n.clone()).collect();
            names.extend(lets.iter().map(String::as_str));
            let mut d = Diagnostic::new(error::UNKNOWN_NAME, id.span, format!("unknown table `{}`", id.name))
                .with_label("not a table or tabular `let`");
            if let Some(s) = kql_syntax::nearest(&id.name, &names) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.diags.push(d);
            return Err(Fail);
        };
        // Read every column unqualified, strings never null, datetimes in
        // nanoseconds. A table may keep a datetime column in its files' own
        // unit (Parquet's microseconds): the cast here is then the only
        // one, and a comparison with a constant that the optimizer moves
        // below it compares in the file's unit, so only the rows that pass
        // a filter are converted.
        let scan = LogicalPlanBuilder::scan(id.name.as_str(), provider_as_source(provider), None);
        let scan = self.df(id.span, scan.and_then(|b| b.build()))?;
        let exprs: Vec<Expr> = scan
            .schema()
            .iter()
            .map(|(q, f)| {
                let c = Expr::Column(Column::new(q.cloned(), f.name()));
                let kind = KqlType::of(f.data_type());
                let c = if kind == KqlType::String && f.is_nullable() {
                    coalesce(vec![c, lit("")])
                } else if kind == KqlType::Datetime && *f.data_type() != kind.arrow() {
                    Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(c), kind.arrow()))
                } else {
                    c
                };
                c.alias(f.name())
            })
            .collect();
        let plan = self.df(id.span, LogicalPlanBuilder::from(scan).project(exprs).and_then(|b| b.build()))?;
        Ok(Tab { plan, source: Some(id.name.clone()) })
    }

    /// A constant string argument.
    pub fn constant_string(&mut self, e: Option<&ast::Expr>, span: Span) -> BResult<String> {
        let Some(e) = e else {
            return Err(self.error(error::BAD_ARGUMENTS, span, "expected a string argument"));
        };
        let t = self.constant(e)?;
        match t.expr {
            Expr::Literal(
                ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s)),
                _,
            ) => Ok(s),
            _ => Err(self.error(error::NOT_CONSTANT, e.span, "expected a constant string")),
        }
    }

    /// A column reference by exact name.
    pub fn column(name: &str) -> Expr {
        Expr::Column(Column::new_unqualified(name))
    }

    /// Wraps a built plan.
    pub fn build(&mut self, span: Span, b: datafusion::common::Result<LogicalPlanBuilder>) -> BResult<LogicalPlan> {
        self.df(span, b.and_then(|b| b.build()))
    }

    /// `exprs` over `plan`. Unlike `LogicalPlanBuilder::project` this does
    /// not normalise column names, which walks the whole input plan once per
    /// expression (quadratic in a pipeline's length, cubic for an `extend`
    /// of many columns); the binder's columns are unqualified already. The
    /// schema is derived in time linear in the width ([`crate::projection`]).
    pub fn projection(&mut self, span: Span, plan: LogicalPlan, exprs: Vec<Expr>) -> BResult<LogicalPlan> {
        self.df(span, crate::projection::projection(exprs, Arc::new(plan)).map(LogicalPlan::Projection))
    }

    /// Every column of `plan` as a list of expressions.
    pub fn all_columns(plan: &LogicalPlan) -> Vec<Expr> {
        plan.schema().fields().iter().map(|f| Self::column(f.name())).collect()
    }

    /// Wraps a built plan in an `Arc`, for joins.
    pub fn arc(plan: LogicalPlan) -> Arc<LogicalPlan> {
        Arc::new(plan)
    }
}

/// The result of calling a user function: a table or a scalar.
pub(crate) enum CallResult {
    Table(Tab),
    Scalar(Typed),
}

impl CallResult {
    fn into_table(self, b: &mut Binder<'_>, span: Span) -> BResult<Tab> {
        match self {
            CallResult::Table(t) => Ok(t),
            CallResult::Scalar(_) => {
                Err(b.error(error::TYPE_MISMATCH, span, "this function returns a scalar, not a table"))
            }
        }
    }
}
