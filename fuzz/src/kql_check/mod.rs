//! The differential checks of the `kql_query` target: an engine with the
//! optimizers and one without, the runs under a time and memory budget,
//! panics of known classes tolerated, and the four oracles.

pub mod known;
pub mod result;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use datafusion::datasource::MemTable;
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

use crate::kql_gen::tables;
use result::{Compare, ErrKind, Outcome, outcome_diff};

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

thread_local! {
    /// The known classes the running query reaches; a panic in their code is tolerated.
    static TOLERATE: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) };
}

/// Installs the panic hook (call once, from the target's `init`): a panic
/// of a known class the running query reaches unwinds to the run, which
/// records it; any other panic goes on to libFuzzer's hook, which aborts.
pub fn install_panic_hook() {
    let fuzzer_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let file = info.location().map(|l| l.file().to_string()).unwrap_or_default();
        let tolerated = TOLERATE.with(|t| known::panic_is_known(&t.borrow(), &file));
        if tolerated {
            eprintln!("tolerated panic of a known class at {file}: {}", known::payload(info.payload()));
            return;
        }
        fuzzer_hook(info);
    }));
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
            let half = batch.num_rows() / 2;
            let parts = vec![vec![batch.slice(0, half)], vec![batch.slice(half, batch.num_rows() - half)]];
            catalog.register(name, Arc::new(MemTable::try_new(r.schema.clone(), parts).expect("table")));
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

    /// Runs `text`, under the budget; panics of the `known` classes become outcomes.
    pub fn run(&self, engine: &Engine, text: &str, known: &BTreeSet<&'static str>) -> Outcome {
        TOLERATE.with(|t| *t.borrow_mut() = known.clone());
        let start = Instant::now();
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.rt.block_on(engine.run(text, QueryOptions { now: NOW }))
        }));
        let took = start.elapsed();
        TOLERATE.with(|t| t.borrow_mut().clear());
        assert!(took < ESCAPE, "time budget escaped: {took:?} (budget {TIMEOUT:?})\n--- query ---\n{text}");
        match r {
            Ok(r) => Outcome::from_run(r),
            Err(p) => Outcome::Err(ErrKind::KnownPanic, known::payload(p.as_ref())),
        }
    }
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
/// query reaches a known class.
pub fn agree(oracle: &str, qa: &str, a: &Outcome, qb: &str, b: &Outcome, how: Compare, known: &BTreeSet<&'static str>) {
    if a.is_environmental() || b.is_environmental() || known::found_in(a) || known::found_in(b) {
        return;
    }
    if let Some(why) = outcome_diff(a, b, how) {
        if !known.is_empty() {
            known::tolerated(oracle, known);
            return;
        }
        fail(oracle, &why, qa, a, qb, b);
    }
}
