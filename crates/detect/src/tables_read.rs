//! Which tables queries read: the table scans of their bound plans. `hunt`
//! and `query` read logs into those tables alone ([`Wanted`]), so a reader
//! need not build rows of a table no query reads.

use std::collections::BTreeSet;

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use kql_engine::{Engine, QueryOptions};
use telemetry::sink::Wanted;

/// The tables `query` reads, bound over `engine`'s catalog (subqueries,
/// joined and unioned tables and wildcards included), or `None` when it
/// does not bind: then which tables it reads is unknown.
///
/// A plan names its tables in lower case; each is given as the source
/// tables of that name in any case (every one, should two differ only in
/// case), else as the plan names it.
pub fn tables_read(engine: &Engine, query: &str) -> Option<BTreeSet<String>> {
    let plans = engine.plan(query, QueryOptions { now: 0 }).ok()?;
    let mut names = BTreeSet::new();
    for plan in &plans {
        plan.apply_with_subqueries(|p| {
            if let LogicalPlan::TableScan(scan) = p {
                let scanned = scan.table_name.table();
                let mut found = false;
                for t in telemetry::tables::TABLES.iter().filter(|t| t.name.eq_ignore_ascii_case(scanned)) {
                    names.insert(t.name.to_string());
                    found = true;
                }
                if !found {
                    names.insert(scanned.to_string());
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .ok()?;
    }
    Some(names)
}

/// The tables to build for `queries`: every table one of them reads, or
/// all of them when one does not bind (it fails later, where its error is
/// reported, or binds over tables only the logs bring).
pub fn wanted<'q>(engine: &Engine, queries: impl IntoIterator<Item = &'q str>) -> Wanted {
    let mut names = BTreeSet::new();
    for q in queries {
        match tables_read(engine, q) {
            Some(read) => names.extend(read),
            None => return Wanted::All,
        }
    }
    Wanted::Only(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kql_engine::EngineConfig;

    fn engine() -> Engine {
        Engine::new(crate::run::default_catalog(), EngineConfig::unlimited())
    }

    fn read(q: &str) -> Option<Vec<String>> {
        tables_read(&engine(), q).map(|s| s.into_iter().collect())
    }

    #[test]
    fn the_tables_of_joins_unions_and_subqueries_are_read() {
        assert_eq!(read("DeviceProcessEvents | where FileName == 'a'"), Some(vec!["DeviceProcessEvents".into()]));
        let q = "let pids = toscalar(DeviceFileEvents | summarize make_set(InitiatingProcessId));
                 union DeviceNetworkEvents, (LinuxAuditLog | project Timestamp = TimeGenerated)
                 | join kind=leftouter (DeviceProcessEvents | where ProcessId in (pids)) on Timestamp";
        assert_eq!(
            read(q),
            Some(vec![
                "DeviceFileEvents".into(),
                "DeviceNetworkEvents".into(),
                "DeviceProcessEvents".into(),
                "LinuxAuditLog".into()
            ])
        );
        assert!(read("union * | count").is_some_and(|t| t.iter().any(|n| n == "LinuxAuditLog")));
        assert_eq!(read("print x = 1"), Some(vec![]));
    }

    #[test]
    fn a_query_that_does_not_bind_wants_every_table() {
        assert_eq!(read("NoSuchTable | count"), None);
        assert_eq!(wanted(&engine(), ["DeviceProcessEvents", "NoSuchTable"]), Wanted::All);
        let only = wanted(&engine(), ["DeviceProcessEvents", "DeviceFileEvents | take 1"]);
        assert_eq!(only, Wanted::Only(["DeviceFileEvents".into(), "DeviceProcessEvents".into()].into()));
    }
}
