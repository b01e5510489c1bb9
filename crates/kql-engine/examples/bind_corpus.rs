//! Binds and runs every query of a corpus against the default Defender and
//! Sentinel schemas (the tables sources fill and every other documented
//! table, all empty) and reports, per collection, how many bind and run, why
//! the others don't, and any panic.
//!
//! ```text
//! find target/kql-corpus -name '*.kql' | grep -v dataexplorer-docs | sort | \
//!     target/debug/examples/bind_corpus --not-counted scripts/kql-corpus/not-counted.tsv
//! ```
//!
//! `BIND_ONLY=1` stops after planning. A query's collection is the folder
//! under `kql-corpus/` it was extracted to.
//!
//! Reads file paths, one per line, on standard input (the corpus is made by
//! `scripts/kql-corpus/extract.py`). Queries that don't parse are counted
//! and skipped; that is the parser's report. A query whose error is a table
//! dragnet doesn't have (`ThreatIntelFeed`, a custom `_CL` table, ...) is
//! counted apart: such tables are defined outside the query. So are the
//! queries on the reviewed `--not-counted` list (Kusto rejects them too, or
//! they call a function defined outside the query), each printed with its
//! reason; one of them that binds and runs is reported as stale.
//! `--failures FILE` writes each failing query's path and first diagnostic.
//!
//! Outside data is as empty as the tables: `externaldata` over a remote URL
//! is a source with the declared columns and no rows
//! ([`RemoteData::EmptyForBinding`]), where dragnet itself refuses the URL.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::panic::AssertUnwindSafe;

#[path = "shared/catalog.rs"]
mod catalog;
#[path = "../../kql-syntax/examples/listed/mod.rs"]
mod listed;

use kql_engine::{Engine, EngineConfig, EngineError, QueryOptions, RemoteData};

const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

/// The shape of a diagnostic: its code and message with quoted names blanked,
/// so `column `A` does not exist` and `column `B` does not exist` count as one.
fn shape(d: &kql_engine::error::Diagnostic) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in d.message.chars() {
        if c == '`' {
            if !quoted {
                out.push_str("`_");
            }
            quoted = !quoted;
        }
        if !quoted {
            out.push(c);
        }
    }
    format!("{} {out}", d.code)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let not_counted_list = flag("--not-counted");
    let failures_path = flag("--failures");
    let mut catalog = catalog::empty_tables();
    // Outside data (`externaldata` over a URL) is as empty as the tables.
    catalog.set_remote_data(RemoteData::EmptyForBinding);
    let mut config = EngineConfig::unlimited();
    config.timeout = Some(std::time::Duration::from_secs(20));
    let engine = Engine::new(catalog, config);
    let bind_only = std::env::var_os("BIND_ONLY").is_some();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    // Per collection: queries counted, bound and ran.
    let mut per_source: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    // Panics are caught and counted; keep the default hook from printing each.
    std::panic::set_hook(Box::new(|_| {}));

    let (mut total, mut syntax, mut bound, mut no_table) = (0usize, 0usize, 0usize, 0usize);
    let mut panics: Vec<String> = Vec::new();
    let mut reasons: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut unknown_tables: BTreeMap<String, usize> = BTreeMap::new();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_counted: Option<std::collections::HashMap<String, listed::Listed>> = None;
    // (reason, path, note) of each query on the list that fails as listed.
    let mut excluded: Vec<(String, String, String)> = Vec::new();
    let mut stale: Vec<String> = Vec::new();
    let mut failures = String::new();
    for line in std::io::stdin().lock().lines() {
        let path = line.expect("read a path");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("cannot read {path}");
            continue;
        };
        let Some((root, rel)) = path.split_once("kql-corpus/") else {
            eprintln!("{path} is not under a kql-corpus folder");
            continue;
        };
        let listed = not_counted
            .get_or_insert_with(|| {
                listed::load(std::path::Path::new(&format!("{root}kql-corpus")), not_counted_list.as_deref())
            })
            .get(rel)
            .cloned();
        total += 1;
        let source = rel.split('/').next().unwrap_or("-").to_string();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if bind_only {
                engine.plan(&text, QueryOptions { now: NOW }).map(|_| ())
            } else {
                rt.block_on(engine.run(&text, QueryOptions { now: NOW })).map(|_| ())
            }
        }));
        let failure = match &result {
            Ok(Err(EngineError::Syntax(_))) => {
                syntax += 1;
                continue;
            }
            Ok(Err(e)) if e.diagnostics().iter().any(|d| d.message.starts_with("unknown table")) => {
                no_table += 1;
                for d in e.diagnostics().iter().filter(|d| d.message.starts_with("unknown table")) {
                    *unknown_tables.entry(d.message.clone()).or_default() += 1;
                }
                continue;
            }
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.diagnostics().first().map(|d| d.message.clone()).unwrap_or_else(|| e.to_string())),
            Err(_) => Some("panic".to_string()),
        };
        if let Some(what) = listed {
            match failure {
                Some(_) => excluded.push((what.reason, path.clone(), what.note)),
                None => stale.push(path.clone()),
            }
            continue;
        }
        let tally = per_source.entry(source).or_default();
        tally.0 += 1;
        if let Some(first) = &failure {
            failures.push_str(&format!("{path}\t{}\n", first.replace(['\n', '\t'], " ")));
        }
        match result {
            Err(_) => panics.push(path),
            Ok(Ok(())) => {
                bound += 1;
                tally.1 += 1;
            }
            Ok(Err(e)) => {
                let diags = e.diagnostics();
                for d in diags.iter().filter(|d| matches!(d.code, "KQL202" | "KQL205")) {
                    *missing.entry(d.message.clone()).or_default() += 1;
                }
                let key = diags.first().map(shape).unwrap_or_else(|| e.to_string());
                let entry = reasons.entry(key).or_insert((0, path.clone()));
                entry.0 += 1;
            }
        }
    }
    let parsed = total - syntax;
    let in_scope = parsed - no_table - excluded.len() - stale.len();
    let verb = if bind_only { "bind" } else { "bind and run" };
    println!("{total} queries: {syntax} don't parse, {parsed} parse");
    println!("{no_table} of those read a table defined outside the query (not a documented table)");
    println!("{} are on the reviewed list of queries not counted", excluded.len() + stale.len());
    println!(
        "{bound} of the other {in_scope} {verb} ({:.1}%); {} panics",
        100.0 * bound as f64 / in_scope.max(1) as f64,
        panics.len()
    );
    println!("\nper collection (the queries counted, {verb}):");
    for (source, (n, ok)) in &per_source {
        println!("{n:6} {ok:6} {:5.1}%  {source}", 100.0 * *ok as f64 / (*n).max(1) as f64);
    }
    for p in &panics {
        println!("panic: {p}");
    }
    excluded.sort();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for (reason, _, _) in &excluded {
        *by_reason.entry(reason).or_default() += 1;
    }
    println!("\nnot counted, by reason:");
    for (reason, n) in &by_reason {
        println!("{n:6}  {reason}");
    }
    println!("\nnot counted (reason, query, note):");
    for (reason, path, note) in &excluded {
        println!("  {reason:<12} {path}  {note}");
    }
    for p in &stale {
        println!("listed as not counted but binds and runs: {p}");
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by_key(|b| std::cmp::Reverse(b.1.0));
    println!("\nwhy the rest don't {verb} (first diagnostic, count, an example):");
    for (shape, (n, example)) in reasons.iter().take(60) {
        println!("{n:6}  {shape}  [{example}]");
    }
    top("most read missing tables", unknown_tables, 15);
    top("most used missing functions and operators", missing, 40);
    if let Some(p) = failures_path {
        std::fs::write(&p, failures).expect("write the failures");
    }
}

fn top(title: &str, counts: BTreeMap<String, usize>, n: usize) {
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by_key(|b| std::cmp::Reverse(b.1));
    println!("\n{title}:");
    for (what, count) in counts.iter().take(n) {
        println!("{count:6}  {what}");
    }
}
