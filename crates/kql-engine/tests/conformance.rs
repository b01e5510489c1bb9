//! KQL conformance: runs every `testdata/kql/*.slt` file with sqllogictest.
//! Each record names, in a `#` line, the Kusto docs page or rule it pins.
//!
//! Values print as: null `NULL`, the empty string `(empty)`, datetimes ISO
//! 8601 with `Z`, timespans as Kusto prints them, dynamic as compact JSON.
//! `now()` is 2026-11-20T12:00:00Z. The Defender and Sentinel tables exist,
//! empty: those sources fill, and every other documented one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType, Runner};

const NOW: i64 = 1_795_176_000_000_000_000;

#[derive(Debug)]
struct KqlError(String);

impl std::fmt::Display for KqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KqlError {}

struct KqlDb {
    engine: Engine,
}

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    for (name, schema) in telemetry::tables::all() {
        c.register(name, Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).unwrap()));
    }
    for t in telemetry::tables::documented::tables() {
        c.register_documented(t.name, Arc::clone(&t.schema));
    }
    c
}

#[async_trait::async_trait]
impl AsyncDB for KqlDb {
    type Error = KqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, query: &str) -> Result<DBOutput<DefaultColumnType>, KqlError> {
        let results = self.engine.run(query, QueryOptions { now: NOW }).await.map_err(|e| {
            let mut msg = e.to_string();
            for d in e.diagnostics() {
                msg.push_str(" | ");
                msg.push_str(&d.message);
                if let Some(h) = &d.help {
                    msg.push_str(" | ");
                    msg.push_str(h);
                }
            }
            KqlError(msg)
        })?;
        let r = results.last().expect("a result");
        let mut rows = Vec::new();
        for b in &r.batches {
            for i in 0..b.num_rows() {
                rows.push(
                    b.columns()
                        .iter()
                        .map(|c| match kql_engine::render::cell_text(c, i) {
                            None => "NULL".to_string(),
                            Some(s) if s.is_empty() => "(empty)".to_string(),
                            Some(s) => s,
                        })
                        .collect(),
                );
            }
        }
        let types = vec![DefaultColumnType::Any; r.schema.fields().len()];
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/kql")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    files
}

fn main() {
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in slt_files() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let mut runner =
            Runner::new(|| async { Ok(KqlDb { engine: Engine::new(catalog(), EngineConfig::unlimited()) }) });
        match rt.block_on(runner.run_file_async(&file)) {
            Ok(()) => println!("ok   {name}"),
            Err(e) => {
                println!("FAIL {name}\n{}", e.display(true));
                failures.push(name);
            }
        }
    }
    assert!(ran > 0, "no .slt files ran");
    if !failures.is_empty() {
        eprintln!("{} of {ran} conformance files failed: {}", failures.len(), failures.join(", "));
        std::process::exit(1);
    }
    println!("{ran} conformance files passed");
}
