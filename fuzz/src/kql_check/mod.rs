//! The differential checks of the `kql_query` target: an engine with the
//! optimizers and one without, the runs under a time and memory budget,
//! and the four oracles.

pub mod known;
pub mod result;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use datafusion::datasource::MemTable;
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

use crate::kql_gen::tables;
use result::{Compare, Outcome, outcome_diff};

/// Each run's time budget (the engine's timeout).
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// A run taking longer than this escaped its budget.
pub const ESCAPE: Duration = Duration::from_secs(6);
/// Each run's memory budget.
pub const MEMORY: usize = 64 << 20;
/// `now()` of every run.
const NOW: i64 = 1_795_176_000_000_000_000;

/// The engines and the runtime they run on.
pub struct Runner {
    /// Optimizers on, two partitions, ordinary batches.
    pub on: Engine,
    /// Optimizers off, two partitions, batches of two rows.
    pub off: Engine,
    rt: tokio::runtime::Runtime,
}

/// The shared runner.
pub fn runner() -> &'static Runner {
    static R: OnceLock<Runner> = OnceLock::new();
    R.get_or_init(Runner::new)
}

impl Runner {
    fn new() -> Runner {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let boot = Engine::new(Catalog::new(), EngineConfig::unlimited());
        let mut catalog = Catalog::new();
        for (name, cols, rows) in [("T", tables::T_COLS, tables::T_ROWS), ("U", tables::U_COLS, tables::U_ROWS)] {
            let q = tables::datatable(cols, rows);
            let r = rt.block_on(boot.run(&q, QueryOptions { now: NOW })).expect("the fixed tables run");
            let r = &r[0];
            let batch = datafusion::arrow::compute::concat_batches(&r.schema, &r.batches).expect("one batch");
            // `T` keeps its datetimes in microseconds, as a Parquet table
            // may: the engine reads them as nanoseconds, and comparisons
            // with constants between two microseconds must stay exact.
            let batch = if name == "T" { in_microseconds(batch) } else { batch };
            let half = batch.num_rows() / 2;
            let parts = vec![vec![batch.slice(0, half)], vec![batch.slice(half, batch.num_rows() - half)]];
            catalog.register(name, Arc::new(MemTable::try_new(parts[0][0].schema(), parts).expect("table")));
        }
        let config = EngineConfig {
            memory_limit: Some(MEMORY),
            timeout: Some(TIMEOUT),
            target_partitions: Some(2),
            ..EngineConfig::unlimited()
        };
        let off = EngineConfig { optimize: false, batch_size: 2, ..config.clone() };
        Runner { on: Engine::new(catalog.clone(), config), off: Engine::new(catalog, off), rt }
    }

    /// Runs `text`, under the budget.
    pub fn run(&self, engine: &Engine, text: &str) -> Outcome {
        let start = Instant::now();
        let r = self.rt.block_on(engine.run(text, QueryOptions { now: NOW }));
        let took = start.elapsed();
        assert!(took < ESCAPE, "time budget escaped: {took:?} (budget {TIMEOUT:?})\n--- query ---\n{text}");
        Outcome::from_run(r)
    }
}

/// `batch` with its datetime columns in microseconds.
fn in_microseconds(batch: datafusion::arrow::array::RecordBatch) -> datafusion::arrow::array::RecordBatch {
    use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if let DataType::Timestamp(_, tz) = f.data_type() {
            let t = DataType::Timestamp(TimeUnit::Microsecond, tz.clone());
            columns.push(datafusion::arrow::compute::cast(c, &t).expect("nanoseconds to microseconds"));
            fields.push(Field::new(f.name(), t, f.is_nullable()));
        } else {
            columns.push(c.clone());
            fields.push(f.as_ref().clone());
        }
    }
    datafusion::arrow::array::RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("same rows")
}

/// Fails the input with both queries and both outcomes.
pub fn fail(oracle: &str, why: &str, qa: &str, a: &Outcome, qb: &str, b: &Outcome) -> ! {
    panic!(
        "oracle `{oracle}`: {why}\n--- query A ---\n{qa}\n--- result A ---\n{}\n--- query B ---\n{qb}\n--- result B ---\n{}",
        a.render(),
        b.render()
    );
}

/// Checks that `b` agrees with `a`, unless either is environmental or the
/// error of a found, unfixed defect.
pub fn agree(oracle: &str, qa: &str, a: &Outcome, qb: &str, b: &Outcome, how: Compare) {
    if a.is_environmental() || b.is_environmental() || known::found_in(a) || known::found_in(b) {
        return;
    }
    if let Some(why) = outcome_diff(a, b, how) {
        fail(oracle, &why, qa, a, qb, b);
    }
}
