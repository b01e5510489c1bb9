//! Every scalar and aggregate function the engine knows, called with 0 to
//! 4 arguments drawn from boundary values of every type (extreme longs and
//! reals, NaN and infinities, the ends of the datetime and timespan
//! ranges, empty, multi-byte, combining and very long strings, invalid
//! regular expressions, empty and null dynamic values, nulls of each
//! type). A bind error or a runtime error is an answer; a panic is a
//! failure, and every call that panics is reported, not just the first.
//!
//! Through queries, each function and arity gets a bounded sample of the
//! argument lists plus the extreme longs at every position, so the sweep
//! stays within seconds; the row functions' bodies are also called
//! directly with every boundary value at every position, which is cheap.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use kql_engine::functions::rowwise::{Ctx, V};
use kql_engine::functions::{BUILTIN_SCALARS, ROWWISE, WINDOW_FUNCTIONS, aggregate::AGGREGATES};
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

const NOW: i64 = 1_795_176_000_000_000_000;

/// The rows scalar calls run over: two, serialized, so that the window
/// functions bind too.
const ROWS: &str = "range r from 1 to 2 step 1 | serialize";

/// Boundary values, as KQL literals.
fn boundaries() -> Vec<String> {
    let mut v: Vec<String> = [
        // long and int
        "9223372036854775807",
        "long(-9223372036854775808)",
        "0",
        "-1",
        "long(null)",
        "int(2147483647)",
        "int(-2147483648)",
        "int(null)",
        // real
        "real(nan)",
        "real(+inf)",
        "real(-inf)",
        "-0.0",
        "1e308",
        "-1e308",
        "real(null)",
        // datetime: the ends of Kusto's range, and of the nanosecond range
        "datetime(0001-01-01)",
        "datetime(9999-12-31)",
        "datetime(1677-09-21 00:12:44)",
        "datetime(2262-04-11 23:47:16)",
        "datetime(2024-02-29 12:34:56.789)",
        "datetime(null)",
        // timespan
        "timespan(106751.23:47:16)",
        "timespan(-106751.23:47:16)",
        "-1d",
        "0s",
        "timespan(null)",
        // string
        "\"\"",
        "\"abc\"",
        "\"é\"",
        "\"日本語\"",
        "\"e\\u0301\"",
        "\"\\U0001F600\"",
        "\"\\u212A\"",
        "\"İı\"",
        "\"(\"",
        "\"[a-\"",
        "\"year\"",
        "\"regex\"",
        "\"1.2.3.4/40\"",
        // bool
        "true",
        "bool(null)",
        // dynamic
        "dynamic([])",
        "dynamic({})",
        "dynamic(null)",
        "dynamic([1, \"a\", null, [2]])",
        "dynamic({\"a\": {\"b\": [1, 2]}})",
        // guid
        "guid(00000000-0000-0000-0000-000000000000)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("\"{}\"", "ab\u{e9}".repeat(4000)));
    v
}

/// Ordinary values that fill the other argument positions.
const FILLERS: &[&str] = &["\"abc\"", "2", "datetime(2024-01-01)", "1h", "dynamic([\"a\", 1])", "1.5"];

/// Argument lists of `arity` values: each boundary value at each position,
/// the other positions filled in rotation, and every position the same
/// boundary value.
fn argument_lists(arity: usize, lits: &[String]) -> Vec<Vec<String>> {
    if arity == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for (i, v) in lits.iter().enumerate() {
        for p in 0..arity {
            let args = (0..arity)
                .map(|q| if q == p { v.clone() } else { FILLERS[(i + q + p) % FILLERS.len()].to_string() })
                .collect();
            out.push(args);
        }
        if arity > 1 {
            out.push(vec![v.clone(); arity]);
        }
    }
    out
}

/// The extreme longs at each position, the others a string first and then
/// small numbers (the shape of most functions with counts or offsets):
/// tried for every function on top of the spread sample.
fn extremes(arity: usize) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for v in ["9223372036854775807", "long(-9223372036854775808)"] {
        for p in 0..arity {
            out.push(
                (0..arity)
                    .map(|q| match q {
                        _ if q == p => v.to_string(),
                        0 => "\"abc\"".to_string(),
                        _ => "2".to_string(),
                    })
                    .collect(),
            );
        }
    }
    out
}

/// The argument lists tried through queries for one function and arity.
fn query_lists(arity: usize, lits: &[String]) -> Vec<Vec<String>> {
    let mut out = spread(argument_lists(arity, lits), PER_ARITY);
    out.extend(extremes(arity));
    out
}

/// At most `n` of `all`, spread evenly (the first and then every k-th), so
/// each function costs a bounded number of queries.
fn spread<T: Clone>(all: Vec<T>, n: usize) -> Vec<T> {
    if all.len() <= n {
        return all;
    }
    let step = all.len().div_ceil(n);
    all.into_iter().step_by(step).collect()
}

/// Queries per function and arity: every function is tried with every
/// arity, a sample of the argument lists; the row functions' own bodies
/// get every list in `row_functions_do_not_panic_on_boundary_values`.
const PER_ARITY: usize = 6;

thread_local! {
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics of the calls under test are caught and reported together, so the
/// default report of each is silenced; other panics (a failing assertion)
/// are reported as usual.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(|c| c.get()) {
                default(info)
            }
        }))
    });
}

/// Runs `f`, catching a panic.
fn caught<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    CATCHING.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(false));
    r
}

enum Outcome {
    Ok,
    Error,
    Panic(String),
}

fn engine() -> Engine {
    let mut c = Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        c.register(name, Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).unwrap()));
    }
    Engine::new(c, EngineConfig { target_partitions: Some(1), ..EngineConfig::unlimited() })
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

fn binds(engine: &Engine, query: &str) -> Outcome {
    match caught(|| engine.plan(query, QueryOptions { now: NOW })) {
        Ok(Ok(_)) => Outcome::Ok,
        Ok(Err(_)) => Outcome::Error,
        Err(p) => Outcome::Panic(panic_text(p)),
    }
}

fn runs(engine: &Engine, rt: &tokio::runtime::Runtime, query: &str) -> Outcome {
    match caught(|| rt.block_on(engine.run(query, QueryOptions { now: NOW }))) {
        Ok(Ok(_)) => Outcome::Ok,
        Ok(Err(_)) => Outcome::Error,
        Err(p) => Outcome::Panic(panic_text(p)),
    }
}

/// Runs `calls` in one query made by `query`; when that fails, halves
/// until each panicking call stands alone.
fn run_batch<T>(
    engine: &Engine,
    rt: &tokio::runtime::Runtime,
    calls: &[T],
    query: &dyn Fn(&[T]) -> String,
    panics: &mut Vec<String>,
) {
    if calls.is_empty() {
        return;
    }
    let q = query(calls);
    match runs(engine, rt, &q) {
        Outcome::Ok => {}
        Outcome::Error if calls.len() == 1 => {}
        Outcome::Panic(msg) if calls.len() == 1 => panics.push(format!("{q}\n    panicked: {msg}")),
        _ => {
            let (a, b) = calls.split_at(calls.len() / 2);
            run_batch(engine, rt, a, query, panics);
            run_batch(engine, rt, b, query, panics);
        }
    }
}

#[test]
fn no_function_panics_on_boundary_values() {
    quiet_panics();
    let engine = engine();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let lits = boundaries();
    let mut panics = Vec::new();

    // Scalars: bind each call alone, then run those that bind in batches.
    let mut scalars: Vec<(&str, usize, usize)> = BUILTIN_SCALARS.iter().map(|n| (*n, 0, 4)).collect();
    scalars.extend(WINDOW_FUNCTIONS.iter().map(|n| (*n, 0, 4)));
    // Row functions: every arity they take up to 4, and one on each side.
    scalars.extend(ROWWISE.iter().map(|d| (d.name, d.min.saturating_sub(1), d.max.saturating_add(1).min(4))));
    let mut bound = Vec::new();
    let mut calls = 0;
    for (name, lo, hi) in scalars {
        for arity in lo..=hi {
            for args in query_lists(arity, &lits) {
                let call = format!("{name}({})", args.join(", "));
                calls += 1;
                let q = format!("{ROWS} | project {call}");
                match binds(&engine, &q) {
                    Outcome::Ok => bound.push(call),
                    Outcome::Error => {}
                    Outcome::Panic(msg) => panics.push(format!("{q}\n    panicked binding: {msg}")),
                }
            }
        }
    }
    let print = |calls: &[String]| {
        let cols: Vec<String> = calls.iter().enumerate().map(|(i, c)| format!("e{i} = {c}")).collect();
        format!("{ROWS} | project {}", cols.join(", "))
    };
    for chunk in bound.chunks(64) {
        run_batch(&engine, &rt, chunk, &print, &mut panics);
    }

    // Aggregates: the first argument a column of one row, the others
    // constants; several aggregates in one `summarize`.
    let mut aggs: Vec<(String, String)> = Vec::new();
    let summarize = |calls: &[(String, String)], named: bool| {
        let cols: Vec<String> = calls.iter().enumerate().map(|(i, (v, _))| format!("x{i} = {v}")).collect();
        let aggs: Vec<String> = calls
            .iter()
            .enumerate()
            .map(|(i, (_, c))| {
                let c = c.replace("{x}", &format!("x{i}"));
                if named { format!("a{i} = {c}") } else { c }
            })
            .collect();
        format!("print {} | summarize {}", cols.join(", "), aggs.join(", "))
    };
    for (name, _) in AGGREGATES {
        for arity in 0..=4 {
            for args in query_lists(arity, &lits) {
                let mut args = args.into_iter();
                let call = match args.next() {
                    Some(first) => {
                        let rest: Vec<String> = std::iter::once("{x}".to_string()).chain(args).collect();
                        (first, format!("{name}({})", rest.join(", ")))
                    }
                    None => ("1".to_string(), format!("{name}()")),
                };
                calls += 1;
                let one = std::slice::from_ref(&call);
                let named = summarize(one, true);
                match binds(&engine, &named) {
                    Outcome::Ok => aggs.push(call),
                    Outcome::Panic(msg) => panics.push(format!("{named}\n    panicked binding: {msg}")),
                    // Aggregates with several results take no single name.
                    Outcome::Error => {
                        let q = summarize(one, false);
                        if let Outcome::Panic(msg) = runs(&engine, &rt, &q) {
                            panics.push(format!("{q}\n    panicked: {msg}"));
                        }
                    }
                }
            }
        }
    }
    let batch = |calls: &[(String, String)]| summarize(calls, true);
    for chunk in aggs.chunks(64) {
        run_batch(&engine, &rt, chunk, &batch, &mut panics);
    }

    assert!(calls > 2_000, "only {calls} calls were tried");
    assert!(panics.is_empty(), "{} of {calls} calls panicked:\n{}", panics.len(), panics.join("\n"));
}

/// Boundary values as the row functions receive them.
fn boundary_values() -> Vec<V> {
    use serde_json::json;
    let mut v = vec![
        V::Null,
        V::Long(i64::MAX),
        V::Long(i64::MIN),
        V::Long(0),
        V::Long(-1),
        V::Long(1),
        V::Long(i64::from(i32::MAX)),
        V::Long(i64::from(i32::MIN)),
        V::Real(f64::NAN),
        V::Real(f64::INFINITY),
        V::Real(f64::NEG_INFINITY),
        V::Real(-0.0),
        V::Real(1e308),
        V::Real(-1e308),
        V::Real(0.5),
        V::Real(9.3e18),
        V::Dt(i64::MAX),
        V::Dt(i64::MIN),
        V::Dt(0),
        V::Dt(-1),
        V::Ts(i64::MAX),
        V::Ts(i64::MIN),
        V::Ts(0),
        V::Ts(-1),
        V::Bool(true),
        V::Str(String::new()),
        V::Str("abc".into()),
        V::Str("é".into()),
        V::Str("日本語".into()),
        V::Str("e\u{301}".into()),
        V::Str("\u{1F600}".into()),
        V::Str("\u{212A}İı".into()),
        V::Str("(".into()),
        V::Str("[a-".into()),
        V::Str("year".into()),
        V::Str("windows".into()),
        V::Str("regex".into()),
        V::Str("1.2.3.4/40".into()),
        V::Str("a:b".into()),
        V::Str("@".into()),
        V::Str("\\".into()),
        V::Dyn(json!([])),
        V::Dyn(json!({})),
        V::Dyn(serde_json::Value::Null),
        V::Dyn(json!([1, "a", null, [2]])),
        V::Dyn(json!({"a": {"b": [1, 2]}})),
        V::Dyn(json!(i64::MIN)),
        V::Dyn(json!(-1)),
        V::Dyn(json!("é")),
        V::Guid(vec![0; 16]),
        V::Guid(vec![1; 3]),
    ];
    v.push(V::Str("ab\u{e9}".repeat(3000)));
    v
}

fn fillers() -> Vec<V> {
    vec![
        V::Str("abc".into()),
        V::Long(2),
        V::Dt(1_704_067_200_000_000_000),
        V::Ts(3_600_000_000_000),
        V::Dyn(serde_json::json!(["a", 1])),
        V::Real(1.5),
    ]
}

#[test]
fn row_functions_do_not_panic_on_boundary_values() {
    quiet_panics();
    let (lits, fill) = (boundary_values(), fillers());
    let mut panics = Vec::new();
    let mut calls = 0usize;
    for def in ROWWISE {
        let hi = def.max.min(4);
        for arity in def.min..=hi {
            // Each boundary value at each position, the others filled in
            // every rotation of the fillers; and each filler alone.
            let mut lists: Vec<Vec<V>> = Vec::new();
            for v in lits.iter().chain(fill.iter()) {
                for p in 0..arity {
                    for r in 0..fill.len() {
                        lists.push(
                            (0..arity)
                                .map(|q| if q == p { v.clone() } else { fill[(q + r) % fill.len()].clone() })
                                .collect(),
                        );
                    }
                }
            }
            if arity == 0 {
                lists.push(Vec::new());
            }
            // One context per function, as one per batch of rows.
            let mut ctx = Ctx::default();
            for args in lists {
                calls += 1;
                let r = caught(|| (def.f)(&args, &mut ctx));
                if let Err(p) = r {
                    panics.push(format!("{}({args:?})\n    panicked: {}", def.name, panic_text(p)));
                }
            }
        }
    }
    assert!(calls > 50_000, "only {calls} calls were tried");
    assert!(panics.is_empty(), "{} of {calls} calls panicked:\n{}", panics.len(), panics.join("\n"));
}
