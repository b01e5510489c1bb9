//! Every function, plugin and operator the Kusto documentation names is
//! either bound by the engine or refused with its reason ("not implemented
//! by dragnet yet", from `functions::NOT_YET`, the plugin list of
//! `evaluate`, or the operator binder): none is an "unknown" name.
//!
//! The names are our own lists under `scripts/kql-docs/`, made from the
//! pages' headings by `scripts/kql-docs/names.sh`. A name is called with no
//! arguments (`print x=f()`): a wrong arity or a type error still shows it
//! is bound. Names that only work inside another construct are called in
//! that form.

use std::sync::Arc;

use kql_engine::functions::not_yet_names;
use kql_engine::{Catalog, Engine, EngineConfig, EngineError, QueryOptions};

fn list(file: &str) -> Vec<String> {
    let path = format!("{}/../../scripts/kql-docs/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let names: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    assert!(names.len() > 30, "{path} lists only {} names", names.len());
    names
}

fn engine() -> Engine {
    let mut c = Catalog::new();
    let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![datafusion::arrow::datatypes::Field::new(
        "x",
        datafusion::arrow::datatypes::DataType::Int64,
        true,
    )]));
    c.register("T", Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).unwrap()));
    Engine::new(c, EngineConfig { target_partitions: Some(1), ..EngineConfig::unlimited() })
}

/// The bind errors of `query`, as "CODE message" lines (none: it binds).
fn errors(engine: &Engine, query: &str) -> Vec<String> {
    match engine.plan(query, QueryOptions { now: 0 }) {
        Ok(_) => vec![],
        Err(EngineError::Syntax(d) | EngineError::Bind(d)) => {
            d.iter().map(|d| format!("{} {}", d.code, d.message)).collect()
        }
        Err(e) => vec![format!("{e:?}")],
    }
}

/// A graph to call the graph-match functions over.
const GRAPH: &str = "datatable(s:string, t:string, ok:bool) ['a', 'b', true] | make-graph s --> t with_node_id=id \
                     | graph-match (x)-[p*1..2]->(y)";

/// The form a documented function is used in, when not `print x=f()`.
fn function_form(name: &str) -> String {
    match name {
        "table" => "table('T')".into(),
        "materialize" => "let m = materialize(print x=1); m".into(),
        "database" => "database('db').T".into(),
        "materialized_view" | "external_table" | "stored_query_result" | "graph" => format!("{name}('v')"),
        "all" | "any" => format!("{GRAPH} where {name}(p, ok) project y.id"),
        "map" => format!("{GRAPH} project v = map(p, ok)"),
        "inner_nodes" => format!("{GRAPH} project v = map(inner_nodes(p), id)"),
        "labels" => format!("{GRAPH} project v = labels(x)"),
        _ => format!("print x={name}()"),
    }
}

/// Unknown names, and refusals the engine's list does not account for.
fn check(kind: &str, name: &str, query: &str, errs: &[String], listed: bool, bad: &mut Vec<String>) {
    let unknown = errs.iter().any(|e| {
        e.contains(&format!("unknown function `{name}`"))
            || e.contains(&format!("unknown plugin `{name}`"))
            || e.contains("unknown tabular operator")
    });
    let refused = errs.iter().any(|e| e.starts_with("KQL205") && e.contains(&format!("`{name}`")));
    if unknown {
        bad.push(format!("{kind} `{name}` is unknown: {query}\n    {}", errs.join("\n    ")));
    } else if refused && !listed {
        bad.push(format!("{kind} `{name}` is refused but not listed with a reason: {query}"));
    }
}

#[test]
fn every_documented_function_is_bound_or_refused_with_a_reason() {
    let engine = engine();
    let refused: Vec<&str> = not_yet_names().collect();
    let mut bad = vec![];
    for name in list("functions.txt") {
        let q = function_form(&name);
        let errs = errors(&engine, &q);
        check("function", &name, &q, &errs, refused.contains(&name.as_str()), &mut bad);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_documented_plugin_is_bound_or_refused() {
    let engine = engine();
    let mut bad = vec![];
    for name in list("plugins.txt") {
        let q = format!("print x=1 | evaluate {name}()");
        let errs = errors(&engine, &q);
        check("plugin", &name, &q, &errs, true, &mut bad);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The form a documented operator is used in.
fn operator_form(name: &str) -> String {
    let rhs = match name.trim_start_matches('!') {
        "in" | "in~" | "has_any" | "has_all" => "('a')",
        "between" => "('a' .. 'b')",
        "==" | "!=" | "=~" | "!~" => "'a'",
        _ => "'a'",
    };
    let predicate = |op: &str| format!("print x='a' | where x {op} {rhs}");
    match name {
        "==" | "!=" | "=~" | "!~" | "matches regex" => predicate(name),
        n if n.starts_with('!') => predicate(name),
        "between" | "in" | "in~" | "contains" | "contains_cs" | "endswith" | "endswith_cs" | "has" | "has_all"
        | "has_any" | "has_cs" | "hasprefix" | "hasprefix_cs" | "hassuffix" | "hassuffix_cs" | "startswith"
        | "startswith_cs" => predicate(name),
        "datatable" => "datatable(x:long)[1]".into(),
        "externaldata" => "externaldata(x:string)['f.csv']".into(),
        "inline_external_table" => "inline_external_table(x:string) kind=storage dataformat=csv ('f.csv')".into(),
        "print" => "print 1".into(),
        "range" => "range x from 1 to 2 step 1".into(),
        "union" => "union (print x=1)".into(),
        "find" => "find 'a'".into(),
        "search" => "search 'a'".into(),
        "evaluate" => "print x=dynamic({}) | evaluate bag_unpack(x)".into(),
        _ => format!("print x=1 | {name}"),
    }
}

#[test]
fn every_documented_operator_is_bound_or_refused() {
    let engine = engine();
    let mut bad = vec![];
    for name in list("operators.txt") {
        let q = operator_form(&name);
        let errs = errors(&engine, &q);
        let predicate = q.starts_with("print x='a' | where");
        if predicate && !errs.is_empty() {
            bad.push(format!("operator `{name}` does not bind: {q}\n    {}", errs.join("\n    ")));
        } else {
            check("operator", &name, &q, &errs, true, &mut bad);
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
