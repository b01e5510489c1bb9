//! Times binding, planning and running a `union` over many tables: a catalog
//! of N generated tables, each with columns shared by all, columns shared by
//! some (with differing types, so they split into `name_type` columns) and
//! columns of its own, and `union T*` over all of them, for N doubling.
//!
//! ```text
//! cargo run --release -p kql-engine --example wide_union -- 100 200 400 800
//! ```

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};

/// Table `i`: 10 columns every table has, 10 that every seventh table
/// shares (typed by the group), and 10 of its own.
fn schema(i: usize) -> Arc<Schema> {
    let mut fields = Vec::new();
    for c in 0..10 {
        fields.push(Field::new(format!("Common{c}"), DataType::Utf8, true));
    }
    for c in 0..10 {
        let ty = if (i % 7).is_multiple_of(2) { DataType::Int64 } else { DataType::Utf8 };
        fields.push(Field::new(format!("Group{}_{c}", i / 7), ty, true));
    }
    for c in 0..10 {
        fields.push(Field::new(format!("Own{i}_{c}"), DataType::Float64, true));
    }
    Arc::new(Schema::new(fields))
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100, 200, 400] } else { sizes };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let query = "union T* | where Common0 == 'x' | count";
    println!("{query}");
    for n in sizes {
        let mut catalog = Catalog::new();
        for i in 0..n {
            let t = MemTable::try_new(schema(i), vec![vec![]]).expect("a table");
            catalog.register(&format!("T{i}"), Arc::new(t));
        }
        let engine = Engine::new(catalog, EngineConfig::unlimited());
        let start = Instant::now();
        let plans = engine.plan("union T*", QueryOptions { now: 0 }).expect("binds");
        let bound = start.elapsed();
        let union_width = plans[0].schema().fields().len();
        let start = Instant::now();
        let ran = rt.block_on(engine.run(query, QueryOptions { now: 0 }));
        let run = start.elapsed();
        println!(
            "{n:5} tables, {union_width:6} columns: bind `union T*` {:8.1} ms, bind+plan+run the query {:8.1} ms ({})",
            bound.as_secs_f64() * 1e3,
            run.as_secs_f64() * 1e3,
            if ran.is_ok() { "ok" } else { "failed" }
        );
        if let Err(e) = ran {
            println!("  {e}");
        }
    }
}
