//! The engine: parse, bind, plan and run a query over a catalog of tables.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DataFusionError;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::execution::TaskContext;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use crate::bind::{Bound, Learned, learn};
use crate::catalog::Catalog;
use crate::deadline::Deadline;
use crate::error::{self, Diagnostic, EngineError};
use crate::stream::QueryStream;

/// Limits and tuning for running queries.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Memory a query may use, in bytes; `None` for no limit.
    pub memory_limit: Option<usize>,
    /// How long a query may run; `None` for no limit.
    pub timeout: Option<Duration>,
    /// Parallelism; `None` for one partition per core.
    pub target_partitions: Option<usize>,
    /// Rows per batch. The default is 16,384: over the seed queries' 10M
    /// Parquet rows it took 5–15% less time than 8,192 (the string tests
    /// run once per distinct value of a batch's dictionary, and each batch
    /// pays a fixed cost in every operator), and 32,768 gained no more.
    pub batch_size: usize,
    /// Run DataFusion's plan optimizers. When off, only the rules a plan
    /// cannot run without are kept: expression simplification (aggregations
    /// are bound wrapped, as `coalesce(sum(x), 0)`, which only it makes
    /// plannable), `distinct` as an aggregation, subquery decorrelation,
    /// join mode selection and the
    /// distribution and sort requirements. The same plan, unoptimized, for
    /// differential tests.
    pub optimize: bool,
    /// Where sorts, aggregations and joins that outgrow `memory_limit`
    /// write their spill files: each query makes a temporary folder
    /// (`datafusion-*`) inside it, removed when the query ends (made if
    /// missing; its parent must exist). `None` for the system's temporary
    /// folder.
    pub spill_dir: Option<PathBuf>,
}

impl EngineConfig {
    /// No limits, default parallelism.
    pub fn unlimited() -> EngineConfig {
        EngineConfig {
            memory_limit: None,
            timeout: None,
            target_partitions: None,
            batch_size: 16_384,
            optimize: true,
            spill_dir: None,
        }
    }
}

/// Per-query settings.
#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    /// `now()` for the query, in nanoseconds since the Unix epoch. `set
    /// query_now = ...` in the query overrides it.
    pub now: i64,
}

impl QueryOptions {
    /// `now()` is the wall clock when the query starts.
    pub fn at_current_time() -> QueryOptions {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        QueryOptions { now: nanos }
    }
}

/// One tabular result.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Column names and Arrow types (see [`KqlType`](crate::types::KqlType)).
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Runs KQL over a catalog.
pub struct Engine {
    catalog: Catalog,
    config: EngineConfig,
}

impl Engine {
    /// An engine over `catalog`.
    pub fn new(catalog: Catalog, config: EngineConfig) -> Engine {
        Engine { catalog, config }
    }

    /// The tables.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Parses and binds `text`: one logical plan per tabular result. The
    /// time budget ([`EngineConfig::timeout`]) holds here too.
    pub fn plan(&self, text: &str, options: QueryOptions) -> Result<Vec<LogicalPlan>, EngineError> {
        self.plan_until(text, options, Deadline::start(self.config.timeout))
    }

    /// Binds `text` without running anything: a plugin whose output
    /// columns depend on the data (`bag_unpack` without an output schema)
    /// is an error here.
    fn plan_until(
        &self,
        text: &str,
        options: QueryOptions,
        deadline: Deadline,
    ) -> Result<Vec<LogicalPlan>, EngineError> {
        match self.bind(text, options, deadline, &[])? {
            Bound::Plans(plans) => Ok(plans),
            Bound::NeedsData(p) => Err(EngineError::Bind(vec![
                Diagnostic::new(
                    error::NOT_IMPLEMENTED,
                    p.span,
                    "this plugin's output columns depend on the data, so it is planned only when the query runs",
                )
                .with_help("give the plugin an output schema, `: (Name:type, ...)`"),
            ])),
        }
    }

    fn bind(
        &self,
        text: &str,
        options: QueryOptions,
        deadline: Deadline,
        learned: &[Learned],
    ) -> Result<Bound, EngineError> {
        let parsed = kql_syntax::parse(text);
        if !parsed.is_ok() {
            return Err(EngineError::Syntax(parsed.diagnostics));
        }
        crate::bind::bind_query(&parsed.query, &self.catalog, options.now, deadline, learned)
    }

    /// Binds `text`, running the input of each data-dependent plugin under
    /// the query's memory limit and time budget to learn its output columns,
    /// then binding again, until every plan is known. Callers box this
    /// future: held inline, its state would sit on the caller's stack, which
    /// parsing and binding need whole on a 2 MiB thread.
    async fn plan_learning(
        &self,
        text: &str,
        options: QueryOptions,
        deadline: Deadline,
    ) -> Result<Vec<LogicalPlan>, EngineError> {
        let mut learned: Vec<Learned> = Vec::new();
        loop {
            let pending = match self.bind(text, options, deadline, &learned)? {
                Bound::Plans(plans) => return Ok(plans),
                Bound::NeedsData(p) => p,
            };
            if learned.len() >= MAX_LEARNED {
                return Err(EngineError::Bind(vec![Diagnostic::new(
                    error::NOT_IMPLEMENTED,
                    pending.span,
                    format!("more than {MAX_LEARNED} plugins whose output columns depend on the data"),
                )]));
            }
            let (kind, span) = (pending.kind, pending.span);
            let ctx = self.context(deadline, std::slice::from_ref(&pending.plan))?;
            let physical = within(deadline, plan_physical(&ctx, pending.plan)).await??;
            let (batches, reservation) = run_physical(deadline, physical, &ctx).await?;
            let columns = learn(kind, &batches).map_err(EngineError::Execution)?;
            drop(reservation);
            let rows = match kind {
                crate::bind::LearnKind::Rows => batches,
                _ => Vec::new(),
            };
            learned.push(Learned { span, columns, rows });
        }
    }

    /// The session for `plans`: their memory pool, and where they spill.
    ///
    /// Plans that collect values into lists (`make_list`, `make_set`,
    /// `make_bag`, `percentile`) aggregate in one phase and do not spill:
    /// the state of such a group is one large value, which the two-phase
    /// aggregation passes between its phases (and a spill merge reads back,
    /// one per spill file) outside the pool. Their rows go to the final
    /// phase as they are, so what grows is counted, and the query runs in
    /// the pool or stops.
    fn context(&self, deadline: Deadline, plans: &[LogicalPlan]) -> Result<SessionContext, EngineError> {
        let collecting = plans.iter().any(collects_values);
        let mut cfg = SessionConfig::new().with_batch_size(self.config.batch_size);
        // Parquet tables skip row groups by their statistics, decode the
        // columns a query reads batch by batch, and the filters run over the
        // decoded batches. Applying the filters while decoding (late
        // materialisation) decodes fewer values but turns each filter's
        // result into a row selection for the next column, which cost more
        // than it saved: with string tests run once per distinct value of a
        // dictionary-encoded column, the seed queries over 10M rows took a
        // fifth more CPU time with it.
        let parquet = &mut cfg.options_mut().execution.parquet;
        parquet.pushdown_filters = false;
        if collecting {
            let exec = &mut cfg.options_mut().execution;
            exec.skip_partial_aggregation_probe_ratio_threshold = 0.0;
            exec.skip_partial_aggregation_probe_rows_threshold = 0;
        }
        if let Some(p) = self.config.target_partitions {
            cfg = cfg.with_target_partitions(p);
        }
        let mut rt = RuntimeEnvBuilder::new();
        if let Some(limit) = self.config.memory_limit {
            rt = rt.with_memory_limit(limit, 1.0);
        }
        let mode = match &self.config.spill_dir {
            _ if collecting => Some(DiskManagerMode::Disabled),
            Some(dir) => Some(DiskManagerMode::Directories(vec![dir.clone()])),
            None => None,
        };
        if let Some(mode) = mode {
            rt = rt.with_disk_manager_builder(DiskManagerBuilder::default().with_mode(mode));
        }
        let rt = rt.build_arc().map_err(|e| EngineError::Execution(e.to_string()))?;
        Ok(crate::optimizer::session(cfg, rt, deadline, self.config.optimize))
    }

    /// Runs `text`; returns one result per tabular expression statement.
    ///
    /// The time budget covers binding, DataFusion's optimizer and physical
    /// planning, and execution: past it the query stops with
    /// [`EngineError::Timeout`] wherever it is.
    pub async fn run(&self, text: &str, options: QueryOptions) -> Result<Vec<QueryResult>, EngineError> {
        let deadline = Deadline::start(self.config.timeout);
        let plans = Box::pin(self.plan_learning(text, options, deadline)).await?;
        let ctx = self.context(deadline, &plans)?;
        let mut out = Vec::new();
        // Every result stays counted in the memory pool until the last
        // statement has run.
        let mut held = Vec::new();
        for plan in plans {
            let schema: SchemaRef = Arc::new(plan.schema().as_arrow().clone());
            let physical = within(deadline, plan_physical(&ctx, plan)).await??;
            let (batches, reservation) = run_physical(deadline, physical, &ctx).await?;
            held.push(reservation);
            out.push(QueryResult { schema, batches });
        }
        Ok(out)
    }

    /// Runs `text` and describes how each tabular result was computed: the
    /// physical plan of each, with the rows, time and other metrics of every
    /// operator (DataFusion's `EXPLAIN ANALYZE`), for finding where a query
    /// spends its time. The same limits hold as for [`Engine::run`].
    pub async fn explain_analyze(&self, text: &str, options: QueryOptions) -> Result<Vec<String>, EngineError> {
        let deadline = Deadline::start(self.config.timeout);
        let plans = Box::pin(self.plan_learning(text, options, deadline)).await?;
        let ctx = self.context(deadline, &plans)?;
        let mut out = Vec::new();
        for plan in plans {
            let physical = within(deadline, plan_physical(&ctx, plan)).await??;
            let (_, reservation) = run_physical(deadline, Arc::clone(&physical), &ctx).await?;
            drop(reservation);
            let shown = datafusion::physical_plan::display::DisplayableExecutionPlan::with_metrics(physical.as_ref());
            out.push(shown.indent(true).to_string());
        }
        Ok(out)
    }

    /// Runs `text` and returns its first tabular result as a stream of
    /// batches, under the same memory limit and time budget as
    /// [`Engine::run`] (the budget counts until the last batch is pulled).
    /// Later tabular statements are not run.
    pub async fn run_stream(&self, text: &str, options: QueryOptions) -> Result<QueryStream, EngineError> {
        let deadline = Deadline::start(self.config.timeout);
        let mut plans = Box::pin(self.plan_learning(text, options, deadline)).await?;
        if plans.is_empty() {
            return Err(EngineError::Execution("the query has no tabular result".into()));
        }
        let plan = plans.swap_remove(0);
        let ctx = self.context(deadline, std::slice::from_ref(&plan))?;
        let schema: SchemaRef = Arc::new(plan.schema().as_arrow().clone());
        let physical = within(deadline, plan_physical(&ctx, plan)).await??;
        let stream = execute_stream(physical, ctx.task_ctx()).map_err(exec_error)?;
        Ok(QueryStream::new(schema, stream, deadline))
    }
}

/// Whether `plan` aggregates values into lists (see [`Engine::context`]).
fn collects_values(plan: &LogicalPlan) -> bool {
    const COLLECTING: &[&str] = &["make_list", "make_set", "make_bag", "array_agg"];
    let collecting = |e: &Expr| {
        e.exists(|e| Ok(matches!(e, Expr::AggregateFunction(f) if COLLECTING.contains(&f.func.name())))).unwrap_or(true)
    };
    let mut found = false;
    let walked = plan.apply_with_subqueries(|node| {
        found = matches!(node, LogicalPlan::Aggregate(a) if a.aggr_expr.iter().any(collecting));
        Ok(if found { TreeNodeRecursion::Stop } else { TreeNodeRecursion::Continue })
    });
    found || walked.is_err()
}

/// At most this many data-dependent plugins in one query.
const MAX_LEARNED: usize = 64;

/// Stack for planning and running one query: reserved, and used only as
/// deep as the plan and its expressions need.
const BIG_STACK: usize = 256 * 1024 * 1024;

/// Optimizes `plan` and plans its execution. That work is synchronous and
/// can be long, so it runs on a blocking thread, where [`within`] can give up
/// on it (it then finishes unobserved).
async fn plan_physical(ctx: &SessionContext, plan: LogicalPlan) -> Result<Arc<dyn ExecutionPlan>, EngineError> {
    let state = ctx.state();
    let runtime = tokio::runtime::Handle::current();
    // Not every optimizer rule guards its recursion: give the plan, as deep
    // as the longest pipeline, a generous stack.
    let task = tokio::task::spawn_blocking(move || {
        stacker::grow(BIG_STACK, move || {
            let physical = runtime.block_on(state.create_physical_plan(&plan));
            drop(plan);
            physical
        })
    });
    match task.await {
        Ok(r) => r.map_err(exec_error),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(EngineError::Execution(e.to_string())),
    }
}

/// Runs `physical` to its batches, on a blocking thread with the large
/// stack (DataFusion evaluates an expression by recursion as deep as the
/// expression, and merges a chain of `extend`s into one). The deadline holds
/// even while one batch computes without yielding: the caller stops waiting,
/// and the thread stops at its next check. The batches held count in the
/// memory pool (the reservation returned), so that a result larger than
/// the budget stops the query rather than outgrow the limit.
async fn run_physical(
    deadline: Deadline,
    physical: Arc<dyn ExecutionPlan>,
    ctx: &SessionContext,
) -> Result<(Vec<RecordBatch>, MemoryReservation), EngineError> {
    let task_ctx = ctx.task_ctx();
    let runtime = tokio::runtime::Handle::current();
    let mut task = tokio::task::spawn_blocking(move || {
        stacker::grow(BIG_STACK, move || runtime.block_on(within(deadline, collect_counted(physical, task_ctx))))
    });
    match within(deadline, &mut task).await? {
        Ok(r) => r?.map_err(exec_error),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(EngineError::Execution(e.to_string())),
    }
}

/// Every batch of `physical`, each counted in the memory pool as it comes.
async fn collect_counted(
    physical: Arc<dyn ExecutionPlan>,
    task_ctx: Arc<TaskContext>,
) -> Result<(Vec<RecordBatch>, MemoryReservation), DataFusionError> {
    let reservation = MemoryConsumer::new("query result").register(task_ctx.memory_pool());
    let mut stream = execute_stream(physical, task_ctx)?;
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        reservation.try_grow(batch.get_array_memory_size())?;
        batches.push(batch);
    }
    Ok((batches, reservation))
}

/// Awaits `work` until `deadline`.
async fn within<T>(deadline: Deadline, work: impl Future<Output = T>) -> Result<T, EngineError> {
    match deadline.remaining() {
        Some(left) => tokio::time::timeout(left, work).await.map_err(|_| deadline.error()),
        None => Ok(work.await),
    }
}

pub(crate) fn exec_error(e: DataFusionError) -> EngineError {
    let root = e.find_root();
    if let DataFusionError::External(x) = root
        && let Some(passed) = x.downcast_ref::<crate::deadline::Passed>()
    {
        return EngineError::Timeout(passed.0);
    }
    match root {
        DataFusionError::ResourcesExhausted(m) => EngineError::ResourcesExhausted(m.clone()),
        other => EngineError::Execution(other.strip_backtrace()),
    }
}
