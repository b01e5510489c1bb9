//! Queries far past ordinary sizes: long chains and lists, long pipelines,
//! wide operators and runaway expansion. Each either gives the right answer
//! or a clean error, on a thread with the default 2 MiB stack (what a main
//! thread or a test thread has), where a stack overflow would abort the
//! whole test binary. The time budget holds in binding and planning too.

use std::time::Duration;

use kql_engine::{Catalog, Engine, EngineConfig, EngineError, QueryOptions};

const STACK: usize = 2 * 1024 * 1024;

/// Runs `q` on a fresh 2 MiB thread; the first column of each row as text.
fn run(q: String) -> Result<Vec<String>, EngineError> {
    run_with(q, EngineConfig::unlimited())
}

fn run_with(q: String, config: EngineConfig) -> Result<Vec<String>, EngineError> {
    let work = move || {
        let engine = Engine::new(Catalog::new(), config);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let res = rt.block_on(engine.run(&q, QueryOptions { now: 0 }))?;
        let r = &res[0];
        let mut rows = Vec::new();
        for b in &r.batches {
            for i in 0..b.num_rows() {
                rows.push(kql_engine::render::cell_text(b.column(0), i).unwrap_or_else(|| "NULL".into()));
            }
        }
        Ok(rows)
    };
    std::thread::Builder::new().stack_size(STACK).spawn(work).unwrap().join().expect("no panic")
}

fn codes(e: &EngineError) -> Vec<&'static str> {
    e.diagnostics().iter().map(|d| d.code).collect()
}

fn joined(n: usize, sep: &str, item: impl Fn(usize) -> String) -> String {
    (0..n).map(item).collect::<Vec<_>>().join(sep)
}

#[test]
fn long_and_or_chains_give_the_answer() {
    let and = format!("print {}", joined(4000, " and ", |_| "true".into()));
    assert_eq!(run(and).unwrap(), ["true"]);
    let or = format!("print x = 3999 | where {}", joined(4000, " or ", |i| format!("x == {i}")));
    assert_eq!(run(or).unwrap(), ["3999"]);
    let has = format!("print s = 'a b c' | where {}", joined(4000, " or ", |i| format!("s has 'w{i}'")));
    assert_eq!(run(has).unwrap(), Vec::<String>::new());
}

#[test]
fn chains_past_the_budget_are_syntax_errors() {
    let add = format!("print {}", joined(5000, " + ", |_| "1".into()));
    assert_eq!(codes(&run(add).unwrap_err()), ["KQL106"]);
    let and = format!("print {}", joined(20_000, " and ", |_| "true".into()));
    assert_eq!(codes(&run(and).unwrap_err()), ["KQL106"]);
    let or = format!("print {}", joined(40_000, " or ", |_| "false".into()));
    assert_eq!(codes(&run(or).unwrap_err()), ["KQL106"]);
    // The longest chain the parser takes, on a 2 MiB stack.
    let add = format!("print {}", joined(127, " + ", |_| "1".into()));
    assert_eq!(run(add).unwrap(), ["127"]);
    let add = format!("print x = 1 | extend y = {}", joined(127, " + ", |_| "x".into()));
    assert_eq!(run(add).unwrap(), ["1"]);
}

#[test]
fn indicator_lists_of_twenty_thousand_items() {
    let ints = joined(20_000, ", ", |i| i.to_string());
    assert_eq!(run(format!("print x = 19999 | where x in ({ints})")).unwrap(), ["19999"]);
    assert_eq!(run(format!("print x = 20000 | where x in ({ints})")).unwrap(), Vec::<String>::new());
    assert_eq!(run(format!("print x = 20000 | where x !in ({ints})")).unwrap(), ["20000"]);
    let strings = joined(20_000, ", ", |i| format!("'A{i}'"));
    assert_eq!(run(format!("print x = 'a77' | where x in~ ({strings})")).unwrap(), ["a77"]);
    assert_eq!(run(format!("print x = 'go a77 now' | where x has_any ({strings})")).unwrap(), ["go a77 now"]);
}

#[test]
fn long_pipelines() {
    let projects = " | project x".repeat(999);
    assert_eq!(run(format!("print x = 1{projects}")).unwrap(), ["1"]);
    // As many operators as a query may have, each replacing a column or
    // adding one.
    let extends = " | extend x = x + 1".repeat(999);
    assert_eq!(run(format!("print x = 1{extends}")).unwrap(), ["1000"]);
    let extends = " | extend x = x + 3 | extend x = x - 1".repeat(499);
    assert_eq!(run(format!("print x = 1{extends} | project x")).unwrap(), ["999"]);
    let columns = joined(998, "", |i| format!(" | extend c{i} = x + {i}"));
    assert_eq!(run(format!("print x = 1{columns} | project c997")).unwrap(), ["998"]);
    let too_many = " | project x".repeat(6200 * 2);
    assert_eq!(codes(&run(format!("print x = 1{too_many}")).unwrap_err()), ["KQL106"]);
}

#[test]
fn wide_operators() {
    let cols = joined(500, ", ", |i| format!("c{i} = x + {i}"));
    let q = format!("print x = 1 | extend {cols} | project c499");
    assert_eq!(run(q).unwrap(), ["500"]);
    let args = joined(5000, ", ", |_| "long(null)".into());
    assert_eq!(run(format!("print coalesce({args}, 7)")).unwrap(), ["7"]);
    let branches = joined(5000, ", ", |i| format!("x == {i}, {i}"));
    assert_eq!(run(format!("print x = 4999 | project case({branches}, -1)")).unwrap(), ["4999"]);
    let strings = joined(5000, ", ", |_| "s".into());
    assert_eq!(run(format!("print s = '' | project coalesce({strings}, 'last')")).unwrap(), ["last"]);
}

#[test]
fn parse_with_many_columns() {
    let text = joined(200, " ", |i| format!("v{i}"));
    let pattern = joined(200, " ' ' ", |i| format!("c{i}"));
    let q = format!("print s = '{text}' | parse s with {pattern} | project c199");
    assert_eq!(run(q).unwrap(), ["v199"]);
}

#[test]
fn nested_calls_that_double_their_argument_are_refused() {
    let q = format!("let f = (x:long) {{ x + x }}; print {}1{}", "f(".repeat(26), ")".repeat(26));
    let e = run(q).unwrap_err();
    assert_eq!(codes(&e), ["KQL203"]);
    assert!(e.diagnostics()[0].message.contains("expands to more than"), "{e}");
    let q = format!("let f = (x:long) {{ x + x }}; print {}1{}", "f(".repeat(10), ")".repeat(10));
    assert_eq!(run(q).unwrap(), ["1024"]);
}

#[test]
fn the_time_budget_holds_while_binding() {
    let config = EngineConfig { timeout: Some(Duration::ZERO), ..EngineConfig::unlimited() };
    let e = run_with("print 1".into(), config.clone()).unwrap_err();
    assert!(matches!(e, EngineError::Timeout(_)), "{e}");
    let engine = Engine::new(Catalog::new(), config);
    let e = engine.plan("print 1", QueryOptions { now: 0 }).unwrap_err();
    assert!(matches!(e, EngineError::Timeout(_)), "{e}");
}

#[test]
fn the_time_budget_holds_while_one_batch_computes() {
    // A `parse` of 1000 columns takes minutes over these rows, all of it in
    // one synchronous batch; the budget is one second.
    let text = joined(1000, " ", |i| format!("v{i}"));
    let pattern = joined(1000, " ' ' ", |i| format!("c{i}"));
    let q = format!("range r from 1 to 50 step 1 | extend s = '{text}' | parse s with {pattern} | summarize max(c999)");
    let engine = Engine::new(
        Catalog::new(),
        EngineConfig { timeout: Some(Duration::from_secs(1)), ..EngineConfig::unlimited() },
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let e = rt.block_on(engine.run(&q, QueryOptions { now: 0 })).unwrap_err();
    assert!(matches!(e, EngineError::Timeout(_)), "{e}");
    rt.shutdown_background();
}

/// `n` tables `T0`.. with two columns every table has (`Shared` a string,
/// `Split` a long in even tables and a string in odd ones) and `own` of their
/// own (`Own3_0`..).
fn many_tables(n: usize, own: usize) -> Catalog {
    use std::sync::Arc;

    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::MemTable;

    let mut catalog = Catalog::new();
    for i in 0..n {
        let split = if i.is_multiple_of(2) { DataType::Int64 } else { DataType::Utf8 };
        let mut fields = vec![Field::new("Shared", DataType::Utf8, true), Field::new("Split", split, true)];
        fields.extend((0..own).map(|c| Field::new(format!("Own{i}_{c}"), DataType::Float64, true)));
        let table = MemTable::try_new(Arc::new(Schema::new(fields)), vec![vec![]]).unwrap();
        catalog.register(&format!("T{i}"), Arc::new(table));
    }
    catalog
}

#[test]
fn a_union_of_hundreds_of_tables_has_every_column_once() {
    let engine = Engine::new(many_tables(400, 1), EngineConfig::unlimited());
    let plans = engine.plan("union withsource=Source T*", QueryOptions { now: 0 }).unwrap();
    let names: Vec<&String> = plans[0].schema().fields().iter().map(|f| f.name()).collect();
    assert_eq!(names.len(), 1 + 1 + 2 + 400, "{:?}", &names[..8]);
    assert_eq!(names[..4], ["Source", "Shared", "Split_long", "Split_string"]);
    // Then each table's own column, tables in the order of their names.
    let mut own: Vec<&str> = names[4..].iter().map(|n| n.as_str()).collect();
    assert_eq!(own[..3], ["Own0_0", "Own1_0", "Own10_0"]);
    own.sort();
    own.dedup();
    let mut expected: Vec<String> = (0..400).map(|i| format!("Own{i}_0")).collect();
    expected.sort();
    assert_eq!(own, expected);
    let plans = engine.plan("union kind=inner T*", QueryOptions { now: 0 }).unwrap();
    let names: Vec<&String> = plans[0].schema().fields().iter().map(|f| f.name()).collect();
    assert_eq!(names, ["Shared"]);
}

#[test]
fn the_time_budget_holds_while_binding_a_wide_union() {
    // 600 tables of 2 + 100 columns: the union is 60,000 columns wide, 36
    // million cells of plan to build; the budget is a tenth of a second.
    let config = EngineConfig { timeout: Some(Duration::from_millis(100)), ..EngineConfig::unlimited() };
    let engine = Engine::new(many_tables(600, 100), config);
    let e = engine.plan("union T* | count", QueryOptions { now: 0 }).unwrap_err();
    assert!(matches!(e, EngineError::Timeout(_)), "{e}");
}

#[test]
fn bag_unpack_learns_at_most_ten_thousand_slots() {
    // Each row a bag with a slot of its own: past 10,000 the query stops.
    let e =
        run("range x from 1 to 10001 step 1 | extend d = bag_pack(strcat('k', x), x) | evaluate bag_unpack(d)".into())
            .unwrap_err();
    assert!(e.to_string().contains("more than 10000 distinct slots"), "{e}");
    let ok =
        run("range x from 1 to 300 step 1 | extend d = bag_pack(strcat('k', x), x) | evaluate bag_unpack(d) | count"
            .into())
        .unwrap();
    assert_eq!(ok, ["300"]);
}

#[test]
fn the_memory_limit_holds_while_bag_unpack_learns_its_slots() {
    // The input is run to learn the slots, under the query's memory limit:
    // two million bags do not fit in 4 MiB.
    let q = "range x from 1 to 2000000 step 1 | extend d = bag_pack('a', x, 'b', strcat('text', x)) \
             | evaluate bag_unpack(d) | count";
    let config = EngineConfig { memory_limit: Some(4 << 20), ..EngineConfig::unlimited() };
    let e = run_with(q.into(), config).unwrap_err();
    assert!(e.to_string().contains("needs more memory than its budget"), "{e}");
    assert!(e.to_string().contains("query result"), "the learning pass's rows are what overflowed: {e}");
}
