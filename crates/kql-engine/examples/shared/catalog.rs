//! The catalog the engine's corpus harnesses run over: the tables sources
//! fill and every other documented Defender and Sentinel table, all empty.
//! Shared by the `bind_corpus` and `docs_examples` examples.

use std::sync::Arc;

use kql_engine::Catalog;

/// Every table dragnet knows, with no rows.
pub fn empty_tables() -> Catalog {
    let mut catalog = Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        let table =
            datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).expect("an empty table of a schema");
        catalog.register(name, Arc::new(table));
    }
    for t in telemetry::tables::documented::tables() {
        catalog.register_documented(t.name, Arc::clone(&t.schema));
    }
    catalog
}
