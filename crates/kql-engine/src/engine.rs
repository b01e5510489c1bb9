//! The engine: parse, bind, plan and run a query over a catalog of tables.

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::decorrelate_predicate_subquery::DecorrelatePredicateSubquery;
use datafusion::optimizer::replace_distinct_aggregate::ReplaceDistinctWithAggregate;
use datafusion::optimizer::scalar_subquery_to_join::ScalarSubqueryToJoin;
use datafusion::optimizer::simplify_expressions::SimplifyExpressions;
use datafusion::optimizer::{Optimizer, OptimizerRule};
use datafusion::physical_optimizer::ensure_requirements::EnsureRequirements;
use datafusion::physical_optimizer::join_selection::JoinSelection;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_optimizer::sanity_checker::SanityCheckPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::catalog::Catalog;
use crate::error::EngineError;

/// DataFusion optimizer rules left out because they break plans the binder
/// makes: `push_down_leaf_projections` moves the field accesses of a `parse`
/// result below a filter over a table and makes a schema with both a
/// qualified and an unqualified column of one name (`T | where .. | parse ..`
/// failed to plan); `aggregate_statistics` answers an aggregation over the
/// result of another from statistics and mismatches the projection
/// (`.. | count | summarize make_list(Count)` failed).
const BROKEN_RULES: &[&str] = &["push_down_leaf_projections", "aggregate_statistics"];

/// Limits and tuning for running queries.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Memory a query may use, in bytes; `None` for no limit.
    pub memory_limit: Option<usize>,
    /// How long a query may run; `None` for no limit.
    pub timeout: Option<Duration>,
    /// Parallelism; `None` for one partition per core.
    pub target_partitions: Option<usize>,
    /// Rows per batch.
    pub batch_size: usize,
    /// Run DataFusion's plan optimizers. When off, only the rules a plan
    /// cannot run without are kept: expression simplification (aggregations
    /// are bound wrapped, as `coalesce(sum(x), 0)`, which only it makes
    /// plannable), `distinct` as an aggregation, subquery decorrelation,
    /// join mode selection and the
    /// distribution and sort requirements. The same plan, unoptimized, for
    /// differential tests.
    pub optimize: bool,
}

impl EngineConfig {
    /// No limits, default parallelism.
    pub fn unlimited() -> EngineConfig {
        EngineConfig { memory_limit: None, timeout: None, target_partitions: None, batch_size: 8192, optimize: true }
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

    /// Parses and binds `text`: one logical plan per tabular result.
    pub fn plan(&self, text: &str, options: QueryOptions) -> Result<Vec<LogicalPlan>, EngineError> {
        let parsed = kql_syntax::parse(text);
        if !parsed.is_ok() {
            return Err(EngineError::Syntax(parsed.diagnostics));
        }
        crate::bind::bind_query(&parsed.query, &self.catalog, options.now).map_err(EngineError::Bind)
    }

    fn context(&self) -> Result<SessionContext, EngineError> {
        let mut cfg = SessionConfig::new().with_batch_size(self.config.batch_size);
        if let Some(p) = self.config.target_partitions {
            cfg = cfg.with_target_partitions(p);
        }
        let mut rt = RuntimeEnvBuilder::new();
        if let Some(limit) = self.config.memory_limit {
            rt = rt.with_memory_limit(limit, 1.0);
        }
        let rt = rt.build_arc().map_err(|e| EngineError::Execution(e.to_string()))?;
        if self.config.optimize {
            let rules = Optimizer::new().rules.into_iter().filter(|r| !BROKEN_RULES.contains(&r.name()));
            let physical = PhysicalOptimizer::new().rules.into_iter().filter(|r| !BROKEN_RULES.contains(&r.name()));
            let state = SessionStateBuilder::new()
                .with_config(cfg)
                .with_runtime_env(rt)
                .with_default_features()
                .with_optimizer_rules(rules.collect())
                .with_physical_optimizer_rules(physical.collect())
                .build();
            return Ok(SessionContext::new_with_state(state));
        }
        let rules: Vec<Arc<dyn OptimizerRule + Send + Sync>> = vec![
            Arc::new(SimplifyExpressions::new()),
            Arc::new(ReplaceDistinctWithAggregate::new()),
            Arc::new(DecorrelatePredicateSubquery::new()),
            Arc::new(ScalarSubqueryToJoin::new()),
        ];
        let state = SessionStateBuilder::new()
            .with_config(cfg)
            .with_runtime_env(rt)
            .with_default_features()
            .with_optimizer_rules(rules)
            .with_physical_optimizer_rules(vec![
                Arc::new(JoinSelection::new()),
                Arc::new(EnsureRequirements::new()),
                Arc::new(SanityCheckPlan::new()),
            ])
            .build();
        Ok(SessionContext::new_with_state(state))
    }

    /// Runs `text`; returns one result per tabular expression statement.
    pub async fn run(&self, text: &str, options: QueryOptions) -> Result<Vec<QueryResult>, EngineError> {
        let plans = self.plan(text, options)?;
        let ctx = self.context()?;
        let work = async {
            let mut out = Vec::new();
            for plan in plans {
                let df = ctx.execute_logical_plan(plan).await.map_err(exec_error)?;
                let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
                let batches = df.collect().await.map_err(exec_error)?;
                out.push(QueryResult { schema, batches });
            }
            Ok(out)
        };
        match self.config.timeout {
            Some(t) => tokio::time::timeout(t, work).await.map_err(|_| EngineError::Timeout(t))?,
            None => work.await,
        }
    }
}

fn exec_error(e: DataFusionError) -> EngineError {
    match e.find_root() {
        DataFusionError::ResourcesExhausted(m) => EngineError::ResourcesExhausted(m.clone()),
        other => EngineError::Execution(other.strip_backtrace()),
    }
}
