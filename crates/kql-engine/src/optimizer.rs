//! The DataFusion optimizer as the engine runs it: the default rules, with
//! projection merging made safe for KQL's column replacement and filters
//! kept above aggregations without keys ([`ScalarAggregateBarrier`]).
//!
//! DataFusion's `optimize_projections` drops a projection whose expression
//! list equals that of the projection below it, as if projecting twice were
//! projecting once. That holds for plain columns, not for a replaced
//! column: `extend r = r * 2 | extend r = r * 2` is twice `r * 2 AS r`, and
//! dropping one computes `r * 2` once. So before that rule runs (on every
//! optimizer pass, as other rules move nodes) each projection that computes
//! a value over a column it replaces is split in two: one computing each value under a fresh name,
//! one renaming it back. A fresh name occurs in exactly one pair, so no
//! projection (nor a merge of the ones above it) can equal the one below
//! it; the pairs are then merged back together as usual.
//!
//! The merging itself is the engine's ([`merge`]): DataFusion's takes time
//! cubic in the length of a pipeline of `extend`s. It runs first of all, as
//! an analyzer rule, so no later rule walks a pipeline's projections one by
//! one, and again on every pass before `optimize_projections`, which then
//! finds nothing left to merge.

mod merge;
mod time_casts;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::logical_expr::expr::Alias;
use datafusion::logical_expr::{Expr, LogicalPlan, Projection};
use datafusion::optimizer::analyzer::{Analyzer, AnalyzerRule};
use datafusion::optimizer::decorrelate_predicate_subquery::DecorrelatePredicateSubquery;
use datafusion::optimizer::optimize_projections::OptimizeProjections;
use datafusion::optimizer::replace_distinct_aggregate::ReplaceDistinctWithAggregate;
use datafusion::optimizer::scalar_subquery_to_join::ScalarSubqueryToJoin;
use datafusion::optimizer::simplify_expressions::SimplifyExpressions;
use datafusion::optimizer::{Optimizer, OptimizerConfig, OptimizerRule};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::ensure_requirements::EnsureRequirements;
use datafusion::physical_optimizer::join_selection::JoinSelection;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_optimizer::output_requirements::OutputRequirements;
use datafusion::physical_optimizer::sanity_checker::SanityCheckPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

use self::time_casts::ExactTimeCasts;
use crate::deadline::{Deadline, DeadlineCheck};
use crate::filter_growth::FilterGrowthBarrier;
use crate::scalar_aggregate::ScalarAggregateBarrier;

/// DataFusion's rules that the engine leaves out. `extract_leaf_expressions`
/// and `push_down_leaf_projections` move struct field reads (`parse`
/// results) towards the scan, at a cost that grows with the cube of the
/// field count (a `parse` of 1000 columns took minutes), and the second
/// makes a schema with both a qualified and an unqualified column of one
/// name (`T | where .. | parse ..` failed to plan); the physical
/// `aggregate_statistics` answers an aggregation over the result of another
/// from statistics and mismatches the projection (`.. | count | summarize
/// make_list(Count)` failed).
const LEFT_OUT: [&str; 3] = ["extract_leaf_expressions", "push_down_leaf_projections", "aggregate_statistics"];

/// A session with the default features and DataFusion's optimizer rules as
/// the engine runs them: the guarded projection rule in place of
/// `optimize_projections`, the [`LEFT_OUT`] rules removed, and a check of
/// `deadline` before each rule, so optimizing a query abandoned at its time
/// budget stops at the next rule. Without `optimize`, only the rules a plan
/// cannot run without (see [`EngineConfig::optimize`](crate::EngineConfig::optimize)).
pub(crate) fn session(
    mut config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    deadline: Deadline,
    optimize: bool,
) -> SessionContext {
    if !optimize {
        // Spreading batches over partitions for parallelism is an
        // optimization, and without the rule that restores sort orders after
        // it (`EnforceSorting`), a `take` over a sorted `where` took rows
        // that were no longer in order.
        config.options_mut().optimizer.enable_round_robin_repartition = false;
    }
    let (analyzer, logical, physical) = if optimize {
        let projections = OptimizeProjections::new().name().to_string();
        let logical: Vec<_> = Optimizer::new()
            .rules
            .into_iter()
            .filter(|r| !LEFT_OUT.contains(&r.name()))
            .flat_map(|r| -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
                if r.name() == projections {
                    vec![Arc::new(SafeProjections::default())]
                } else if r.name() == "push_down_filter" {
                    // A filter moved below the cast of a datetime column is
                    // made exact before common subexpressions take the cast
                    // apart from its comparison.
                    vec![Arc::new(ScalarAggregateBarrier), Arc::new(FilterGrowthBarrier), r, Arc::new(ExactTimeCasts)]
                } else if r.name() == "simplify_expressions" {
                    vec![Arc::new(ExactTimeCasts), r]
                } else if r.name() == "eliminate_outer_join" {
                    // It inlines a filter's predicate through projections as
                    // `push_down_filter` does, on a copy.
                    vec![Arc::new(FilterGrowthBarrier), r]
                } else {
                    vec![r]
                }
            })
            .collect();
        let physical = PhysicalOptimizer::new().rules.into_iter().filter(|r| !LEFT_OUT.contains(&r.name())).collect();
        let merge: Arc<dyn AnalyzerRule + Send + Sync> = Arc::new(MergeProjections);
        (std::iter::once(merge).chain(Analyzer::new().rules).collect(), logical, physical)
    } else {
        let logical: Vec<Arc<dyn OptimizerRule + Send + Sync>> = vec![
            Arc::new(ExactTimeCasts),
            Arc::new(SimplifyExpressions::new()),
            Arc::new(ReplaceDistinctWithAggregate::new()),
            Arc::new(DecorrelatePredicateSubquery::new()),
            Arc::new(ScalarSubqueryToJoin::new()),
        ];
        let physical: Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> = vec![
            // The query's own output order (a final sort) is a requirement
            // too: without it EnsureRequirements drops a sort nothing above
            // it asks for.
            Arc::new(OutputRequirements::new_add_mode()),
            Arc::new(JoinSelection::new()),
            Arc::new(EnsureRequirements::new()),
            Arc::new(OutputRequirements::new_remove_mode()),
            Arc::new(SanityCheckPlan::new()),
        ];
        (Analyzer::new().rules, logical, physical)
    };
    let check: Arc<dyn OptimizerRule + Send + Sync> = Arc::new(DeadlineCheck(deadline));
    let logical = logical.into_iter().flat_map(|r| [Arc::clone(&check), r]).collect();
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_analyzer_rules(analyzer)
        .with_optimizer_rules(logical)
        .with_physical_optimizer_rules(physical)
        .build();
    SessionContext::new_with_state(state)
}

/// The projections of a plan split where they replace what they read, and
/// merged ([`merge::merge_chains`]).
fn split_and_merge(plan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    split_projections(plan)?.transform_data(merge::merge_chains)
}

/// The engine's projection merging, first of the analyzer's rules: those
/// derive the schema of every node afresh, and over a pipeline's unmerged
/// projections that is the cubic cost [`merge`] is there to avoid.
#[derive(Debug)]
struct MergeProjections;

impl AnalyzerRule for MergeProjections {
    fn name(&self) -> &str {
        "kql_merge_projections"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        Ok(merge::merge_chains(plan)?.data)
    }
}

/// `optimize_projections` over a plan whose computing projections are split
/// and whose chains are merged.
#[derive(Debug, Default)]
pub(crate) struct SafeProjections {
    inner: OptimizeProjections,
}

impl OptimizerRule for SafeProjections {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn rewrite(&self, plan: LogicalPlan, config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        split_and_merge(plan)?.transform_data(|p| self.inner.rewrite(p, config))
    }
}

static FRESH: AtomicU64 = AtomicU64::new(0);

fn fresh() -> String {
    format!("__kql_value_{}", FRESH.fetch_add(1, Ordering::Relaxed))
}

/// Splits every projection (in subqueries too) that computes a value over
/// a column it also replaces.
pub(crate) fn split_projections(plan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Projection(p) if replaces_what_it_reads(&p) => split(p),
        other => Ok(Transformed::no(other)),
    })
}

/// Whether a value `p` computes is named like a column one of its
/// expressions reads. Only such a projection can be wrongly dropped: when
/// the projection above repeats `p`'s expressions and `p` replaces none of
/// the columns they read, the repeat computes the same values from the same
/// inputs, and dropping it is right. Splitting only these keeps long
/// pipelines that add columns as cheap to optimize as before.
fn replaces_what_it_reads(p: &Projection) -> bool {
    let computed: std::collections::HashSet<&str> = p
        .expr
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Expr::Column(_)))
        .map(|(i, _)| p.schema.field(i).name().as_str())
        .collect();
    !computed.is_empty() && p.expr.iter().any(|e| e.column_refs().iter().any(|c| computed.contains(c.name.as_str())))
}

fn split(p: Projection) -> Result<Transformed<LogicalPlan>> {
    let mut compute = Vec::with_capacity(p.expr.len());
    let mut rename = Vec::with_capacity(p.expr.len());
    for (i, e) in p.expr.into_iter().enumerate() {
        if let Expr::Column(c) = e {
            compute.push(Expr::Column(c.clone()));
            rename.push(Expr::Column(c));
            continue;
        }
        let (qualifier, field) = p.schema.qualified_field(i);
        let name = fresh();
        let (value, relation, metadata) = match e {
            Expr::Alias(Alias { expr, relation, metadata, .. }) => (*expr, relation, metadata),
            other => (other, qualifier.cloned(), None),
        };
        compute.push(value.alias(&name));
        rename.push(Expr::Alias(Alias {
            expr: Box::new(Expr::Column(Column::from_name(name))),
            relation,
            name: field.name().clone(),
            metadata,
        }));
    }
    let computed = LogicalPlan::Projection(crate::projection::projection(compute, p.input)?);
    let renamed = Projection::try_new_with_schema(rename, Arc::new(computed), p.schema)?;
    Ok(Transformed::yes(LogicalPlan::Projection(renamed)))
}
