//! `evaluate`: the plugins (evaluate-operator.md). `hint.*` options before
//! the plugin name are accepted and ignored (they steer distribution over a
//! cluster, which a single engine does not have). A plugin not implemented
//! yet is a "not implemented" diagnostic naming it.
//!
//! Some plugins' output columns depend on the data (`bag_unpack` without an
//! output schema): binding such a plugin for the first time records a
//! [`Pending`] request, the engine runs its input under the query's limits,
//! learns the columns ([`Learned`]) and binds the query again.

mod activity;
mod autocluster;
mod bag_unpack;
mod basket;
mod dcount_intersect;
mod diffpatterns;
mod funnel_completion;
mod funnel_sequence;
mod geo_line_lookup;
mod geo_lookup;
mod ip_lookup;
mod itemsets;
mod narrow;
mod pivot;
mod rolling_percentile;
mod rows;
mod rows_near;
mod schema_merge;
mod sequence_detect;

use datafusion::arrow::array::RecordBatch;

use datafusion::logical_expr::LogicalPlan;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// The output columns a data-dependent plugin learned from its input, in
/// the order the binder reaches such plugins.
#[derive(Debug, Clone)]
pub(crate) struct Learned {
    /// The `evaluate` operator they belong to.
    pub span: Span,
    /// Column names (before any prefix) and types.
    pub columns: Vec<(String, KqlType)>,
    /// The input's rows themselves, for operators that compute their output
    /// while binding ([`LearnKind::Rows`]); empty for the others.
    pub rows: Vec<RecordBatch>,
}

/// A data-dependent plugin whose input must run before binding can go on.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// The `evaluate` operator.
    pub span: Span,
    /// Its input, reduced to the one column to learn from.
    pub plan: LogicalPlan,
    /// What to learn from that column.
    pub kind: LearnKind,
}

/// What a data-dependent plugin learns from its input's one column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LearnKind {
    /// The slots of property bags, with their types (`bag_unpack`).
    BagSlots,
    /// The distinct strings, in the order they first appear (`pivot`).
    Values,
    /// The rows themselves, at most [`MAX_LEARNED_ROWS`] (the graph operators, `scan`).
    Rows,
}

/// At most this many rows are kept for an operator that reads them while
/// binding (the nodes and edges of a graph, the input of `scan`): they are
/// held as values outside the memory pool.
pub(crate) const MAX_LEARNED_ROWS: usize = 200_000;

/// At most this many columns come out of one data-dependent plugin.
pub(crate) const MAX_LEARNED_COLUMNS: usize = 10_000;

/// What `batches` (one column) teach a plugin of `kind`.
pub(crate) fn learn(kind: LearnKind, batches: &[RecordBatch]) -> Result<Vec<(String, KqlType)>, String> {
    match kind {
        LearnKind::BagSlots => bag_unpack::learn_slots(batches),
        LearnKind::Values => pivot::learn_values(batches),
        LearnKind::Rows => {
            let n = batches.iter().try_fold(0usize, |n, b| n.checked_add(b.num_rows()));
            match n {
                Some(n) if n <= MAX_LEARNED_ROWS => Ok(Vec::new()),
                _ => Err(format!(
                    "this operator reads its input while planning (a graph's nodes and edges, `scan`'s rows, the rows of an `evaluate` plugin such as `basket`), at most {MAX_LEARNED_ROWS} rows"
                )),
            }
        }
    }
}

/// The plugins of evaluate-operator.md, for the "not implemented" message.
const KNOWN: &[&str] = &[
    "active_users_count",
    "ai_chat_completion",
    "ai_chat_completion_prompt",
    "ai_embeddings",
    "activity_counts_metrics",
    "activity_engagement",
    "activity_metrics",
    "ai_chat_completion",
    "ai_chat_completion_prompt",
    "ai_embeddings",
    "autocluster",
    "azure_digital_twins_query_request",
    "basket",
    "cosmosdb_sql_request",
    "dcount_intersect",
    "diffpatterns",
    "diffpatterns_text",
    "funnel_sequence",
    "funnel_sequence_completion",
    "geo_line_lookup",
    "geo_polygon_lookup",
    "http_request",
    "http_request_post",
    "identity_ipv4_lookup",
    "infer_storage_schema",
    "infer_storage_schema_with_suggestions",
    "ipv4_lookup",
    "ipv6_lookup",
    "mysql_request",
    "narrow",
    "new_activity_metrics",
    "pivot",
    "postgresql_request",
    "preview",
    "python",
    "r",
    "rolling_percentile",
    "rows_near",
    "schema_merge",
    "sequence_detect",
    "session_count",
    "sliding_window_counts",
    "sql_request",
];

/// The plugins that call a service outside the query: a database, a web
/// endpoint, a language runtime, a storage account, a model.
const OUTSIDE: &[&str] = &[
    "ai_chat_completion",
    "ai_chat_completion_prompt",
    "ai_embeddings",
    "azure_digital_twins_query_request",
    "cosmosdb_sql_request",
    "http_request",
    "http_request_post",
    "infer_storage_schema",
    "infer_storage_schema_with_suggestions",
    "mysql_request",
    "postgresql_request",
    "python",
    "r",
    "sql_request",
];

impl Binder<'_> {
    /// `evaluate [hints] plugin(args)` with no input: the form of the
    /// plugins that fetch their rows from a service outside the query.
    pub(crate) fn evaluate_source(&mut self, e: &ast::Evaluate) -> BResult<Tab> {
        let name = match &e.plugin.kind {
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Name(n) => n,
                _ => return Err(self.error(error::BAD_ARGUMENTS, func.span, "expected a plugin name")),
            },
            _ => return Err(self.error(error::BAD_ARGUMENTS, e.plugin.span, "expected a plugin call")),
        };
        let n = name.name.as_str();
        if OUTSIDE.contains(&n) {
            return Err(self.outside_service(n, name.span));
        }
        if KNOWN.contains(&n) {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                name.span,
                format!("the `{n}` plugin reads an input table"),
                format!("give it one: `T | evaluate {n}(...)`"),
            ));
        }
        Err(self.error(
            error::UNKNOWN_FUNCTION,
            name.span,
            format!("unknown plugin `{n}`: `evaluate` takes a plugin of evaluate-operator.md"),
        ))
    }

    /// The refusal of a plugin that would call an outside service.
    fn outside_service(&mut self, plugin: &str, span: Span) -> crate::bind::Fail {
        self.error_help(
            error::NOT_IMPLEMENTED,
            span,
            format!(
                "the `{plugin}` plugin calls a service outside the query (a database, a web endpoint, a language runtime or a model), which dragnet does not do"
            ),
            "dragnet runs a query over the tables it is given and reaches nothing outside them; load the data as a table instead",
        )
    }

    /// `T | evaluate [hints] plugin(args) [: schema]`.
    pub(crate) fn evaluate(&mut self, input: Tab, e: &ast::Evaluate, span: Span) -> BResult<Tab> {
        // `hint.distribution`, `hint.pass_filters`, ...: accepted, no effect here.
        let ExprKind::Call { func, args } = &e.plugin.kind else {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                e.plugin.span,
                "expected a plugin call, such as `bag_unpack(Column)`",
            ));
        };
        let ExprKind::Name(name) = &func.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, func.span, "expected a plugin name"));
        };
        match name.name.as_str() {
            "bag_unpack" => self.bag_unpack(input, args, e.schema.as_ref(), e.plugin.span, span),
            "geo_line_lookup" => self.geo_line_lookup(input, args, e.plugin.span),
            "geo_polygon_lookup" => self.geo_polygon_lookup(input, args, e.plugin.span),
            "ipv4_lookup" => self.ip_lookup(input, args, ip_lookup::Family::V4, e.plugin.span),
            "ipv6_lookup" => self.ip_lookup(input, args, ip_lookup::Family::V6, e.plugin.span),
            "narrow" => self.narrow(input, args, e.plugin.span),
            "dcount_intersect" => self.dcount_intersect(input, args, e.plugin.span),
            "pivot" => self.pivot(input, args, e.schema.as_ref(), e.plugin.span, span),
            "basket" => self.basket(input, args, e.plugin.span, span),
            "autocluster" => self.autocluster(input, args, e.plugin.span, span),
            "funnel_sequence" => self.funnel_sequence(input, args, e.plugin.span, span),
            "funnel_sequence_completion" => self.funnel_sequence_completion(input, args, e.plugin.span, span),
            "diffpatterns" => self.diffpatterns(input, args, e.plugin.span, span),
            "sequence_detect" => self.sequence_detect(input, args, e.plugin.span, span),
            "schema_merge" => self.schema_merge(input, args, e.plugin.span, span),
            "rows_near" => self.rows_near(input, args, e.plugin.span),
            "rolling_percentile" => self.rolling_percentile(input, args, e.plugin.span, span),
            "sliding_window_counts" => self.sliding_window_counts(input, args, e.plugin.span, span),
            "activity_counts_metrics" => self.activity_counts_metrics(input, args, e.plugin.span, span),
            "active_users_count" => self.active_users_count(input, args, e.plugin.span, span),
            other if OUTSIDE.contains(&other) => Err(self.outside_service(other, name.span)),
            other if KNOWN.contains(&other) => {
                Err(self.not_implemented(name.span, &format!("the `{other}` plugin of `evaluate`")))
            }
            other => Err(self.error(
                error::UNKNOWN_FUNCTION,
                name.span,
                format!("unknown plugin `{other}`: `evaluate` takes a plugin of evaluate-operator.md"),
            )),
        }
    }

    /// The learned columns of the next data-dependent plugin, or `None`
    /// after recording `plan` as the input to learn them from.
    pub(crate) fn learned_or_request(
        &mut self,
        span: Span,
        plan: LogicalPlan,
        kind: LearnKind,
    ) -> BResult<Vec<(String, KqlType)>> {
        self.learned_or_request_all(span, plan, kind).map(|l| l.columns)
    }

    /// The rows of `plan`, run under the query's limits, or a request to run it.
    pub(crate) fn learned_rows_or_request(&mut self, span: Span, plan: LogicalPlan) -> BResult<Vec<RecordBatch>> {
        self.learned_or_request_all(span, plan, LearnKind::Rows).map(|l| l.rows)
    }

    fn learned_or_request_all(&mut self, span: Span, plan: LogicalPlan, kind: LearnKind) -> BResult<Learned> {
        let i = self.evaluate_seen;
        self.evaluate_seen += 1;
        match self.learned.get(i) {
            Some(l) if l.span == span => Ok(l.clone()),
            Some(_) => Err(self.error(
                error::INTERNAL,
                span,
                "the data-dependent plugins were bound in another order than their input was run",
            )),
            None => {
                self.pending = Some(Pending { span, plan, kind });
                Err(crate::bind::Fail)
            }
        }
    }
}
