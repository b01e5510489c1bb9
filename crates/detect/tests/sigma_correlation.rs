//! Sigma correlation conformance: each correlation type, condition bound,
//! window, alias, chain and `generate`, run over events. Each test names
//! the section of sigma-correlation-rules-specification.md (Sigma
//! specification v2.1) it follows.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::datasource::MemTable;
use detect::fold::AlertCaps;
use detect::sigma_correlate::{Correlations, Event, Match, evaluate};
use detect::sigma_scan::{plan_pack, run_scan_capturing};
use kql_engine::{Catalog, Engine, EngineConfig};
use serde_json::{Value as J, json};
use sigma::model::{Correlation, Document};
use telemetry::batch::{TableBuilder, Value};

fn corr(body: &str) -> Correlation {
    let text = format!("title: c\nid: c1\ncorrelation:\n{body}");
    let (docs, diags) = sigma::load(&text, "c.yml", &Default::default());
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    match docs.into_iter().next() {
        Some(Document::Correlation(c)) => *c,
        other => panic!("{other:?}"),
    }
}

const S: i64 = 1_000_000_000;

/// An event of rule `source` at `secs`, in `group`, with `value`.
fn ev(secs: i64, source: usize, group: &str, value: &str) -> Event {
    Event { time: secs * S, source, group: vec![group.to_string()], value: value.to_string() }
}

/// The matches as (group, first second, last second, events).
fn spans(ms: &[Match]) -> Vec<(String, i64, i64, usize)> {
    ms.iter().map(|m| (m.group.join(","), m.start / S, m.end / S, m.events)).collect()
}

// "Event Count (event_count)": events counted per group-by group.
#[test]
fn event_count_counts_events_per_group() {
    let c = corr("  type: event_count\n  rules: [r]\n  group-by: [User]\n  timespan: 5m\n  condition:\n    gte: 3\n");
    let events = [ev(0, 0, "a", ""), ev(60, 0, "a", ""), ev(5, 0, "b", ""), ev(120, 0, "a", ""), ev(700, 0, "a", "")];
    assert_eq!(spans(&evaluate(&c, &events)), vec![("a".to_string(), 0, 120, 3)]);
}

// "Compatibility": a timespan is a sliding window, not bounded to fixed
// buckets (events either side of a minute boundary are in one window), and
// "Time Selection": events further apart than the timespan are not.
#[test]
fn the_timespan_is_a_sliding_window() {
    let c = corr("  type: event_count\n  rules: [r]\n  group-by: [User]\n  timespan: 1m\n  condition:\n    gte: 2\n");
    assert_eq!(spans(&evaluate(&c, &[ev(290, 0, "a", ""), ev(310, 0, "a", "")])), vec![("a".into(), 290, 310, 2)]);
    assert_eq!(spans(&evaluate(&c, &[ev(0, 0, "a", ""), ev(61, 0, "a", "")])), vec![]);
    // Exactly the timespan apart is within it.
    assert_eq!(spans(&evaluate(&c, &[ev(0, 0, "a", ""), ev(60, 0, "a", "")])), vec![("a".into(), 0, 60, 2)]);
    // After a match the next window starts after it: one burst, one match.
    let burst: Vec<Event> = (0..5).map(|i| ev(i, 0, "a", "")).collect();
    assert_eq!(spans(&evaluate(&c, &burst)), vec![("a".into(), 0, 1, 2), ("a".into(), 2, 3, 2)]);
}

// "Condition": gt, gte, lt, lte, eq, neq, and a range of two bounds.
#[test]
fn every_condition_bound() {
    let events: Vec<Event> = (0..4).map(|i| ev(i, 0, "a", "")).collect();
    let first = |cond: &str| {
        let c = corr(&format!(
            "  type: event_count\n  rules: [r]\n  group-by: [User]\n  timespan: 1h\n  condition:\n{cond}"
        ));
        evaluate(&c, &events).first().map(|m| m.events)
    };
    assert_eq!(first("    gt: 2\n"), Some(3));
    assert_eq!(first("    gte: 2\n"), Some(2));
    assert_eq!(first("    lt: 2\n"), Some(1));
    assert_eq!(first("    lte: 0\n"), None);
    assert_eq!(first("    eq: 4\n"), Some(4));
    assert_eq!(first("    neq: 1\n"), Some(2));
    assert_eq!(first("    gt: 2\n    lte: 3\n"), Some(3));
    assert_eq!(first("    gt: 4\n    lte: 9\n"), None);
}

// "Value Count (value_count)": distinct values of `field` per group.
#[test]
fn value_count_counts_distinct_values() {
    let c = corr(
        "  type: value_count\n  rules: [r]\n  group-by: [Host]\n  timespan: 1h\n  condition:\n    field: User\n    gte: 3\n",
    );
    let same = [ev(0, 0, "h", "u1"), ev(1, 0, "h", "u1"), ev(2, 0, "h", "u2"), ev(3, 0, "h", ""), ev(4, 0, "h", "u2")];
    assert_eq!(spans(&evaluate(&c, &same)), vec![]);
    let more = [ev(0, 0, "h", "u1"), ev(1, 0, "h", "u2"), ev(2, 0, "h", "u1"), ev(3, 0, "h", "u3")];
    assert_eq!(spans(&evaluate(&c, &more)), vec![("h".into(), 0, 3, 4)]);
}

// "Temporal Proximity (temporal)": every rule's events within the timespan,
// in any order.
#[test]
fn temporal_needs_every_rule_within_the_timespan() {
    let c = corr("  type: temporal\n  rules: [a, b, c]\n  group-by: [User]\n  timespan: 5m\n");
    let any_order = [ev(0, 2, "u", ""), ev(10, 0, "u", ""), ev(20, 0, "u", ""), ev(30, 1, "u", "")];
    assert_eq!(spans(&evaluate(&c, &any_order)), vec![("u".into(), 0, 30, 4)]);
    let too_far = [ev(0, 2, "u", ""), ev(10, 0, "u", ""), ev(400, 1, "u", "")];
    assert_eq!(spans(&evaluate(&c, &too_far)), vec![]);
    let other_groups = [ev(0, 2, "u", ""), ev(10, 0, "v", ""), ev(20, 1, "u", "")];
    assert_eq!(spans(&evaluate(&c, &other_groups)), vec![]);
}

// "Ordered Temporal Proximity (temporal_ordered)": as temporal, and in the
// order of `rules`.
#[test]
fn temporal_ordered_needs_the_rules_in_order() {
    let c = corr("  type: temporal_ordered\n  rules: [failed, success]\n  group-by: [User]\n  timespan: 10m\n");
    let in_order = [ev(0, 0, "u", ""), ev(5, 0, "u", ""), ev(60, 1, "u", "")];
    assert_eq!(spans(&evaluate(&c, &in_order)), vec![("u".into(), 0, 60, 3)]);
    let reversed = [ev(0, 1, "u", ""), ev(60, 0, "u", "")];
    assert_eq!(spans(&evaluate(&c, &reversed)), vec![]);
}

// "Value Sum (value_sum)" and "Value Average (value_avg)": of a numeric
// field; values that are not numbers are left out.
#[test]
fn value_sum_and_average() {
    let events = [ev(0, 0, "h", "60"), ev(1, 0, "h", "x"), ev(2, 0, "h", "50"), ev(3, 0, "h", "400")];
    let sum = corr(
        "  type: value_sum\n  rules: [r]\n  group-by: [Host]\n  timespan: 1h\n  condition:\n    field: Bytes\n    gt: 100\n    lte: 200\n",
    );
    let m = evaluate(&sum, &events);
    assert_eq!(spans(&m), vec![("h".into(), 0, 2, 3)]);
    assert_eq!(m[0].measure, 110.0);
    let avg = corr(
        "  type: value_avg\n  rules: [r]\n  group-by: [Host]\n  timespan: 1h\n  condition:\n    field: Bytes\n    gt: 100\n",
    );
    let m = evaluate(&avg, &events);
    assert_eq!(spans(&m), vec![("h".into(), 0, 3, 4)]);
    assert_eq!(m[0].measure, 170.0);
}

// "Value Percentile (value_percentile)": a value seen in at most the given
// percentage of the group's events in the window.
#[test]
fn value_percentile_finds_rare_values() {
    let c = corr(
        "  type: value_percentile\n  rules: [r]\n  group-by: [Host]\n  timespan: 1d\n  condition:\n    field: Image\n    lte: 10\n",
    );
    let mut events: Vec<Event> = (0..10).map(|i| ev(i, 0, "h", "/bin/sh")).collect();
    events.push(ev(20, 0, "h", "/tmp/x"));
    let m = evaluate(&c, &events);
    // The first /bin/sh is 100% of its window; /tmp/x is 1 of 11 (9.1%).
    assert_eq!(spans(&m), vec![("h".into(), 0, 20, 11)]);
    assert!((m[0].measure - 100.0 / 11.0).abs() < 1e-9);
}

fn process_table(rows: &[J]) -> Arc<MemTable> {
    let schema = telemetry::tables::get("DeviceProcessEvents").unwrap();
    let mut b = TableBuilder::new(schema.clone());
    for r in rows {
        let mut row = b.row();
        for (k, v) in r.as_object().unwrap() {
            let col = b.col(k);
            row.set(col, Value::from_json(schema.field(col).data_type(), v).unwrap());
        }
        b.push(&row);
    }
    Arc::new(MemTable::try_new(schema, vec![vec![b.finish()]]).unwrap())
}

/// Runs the pack's Sigma rules in their scans and its correlations:
/// (correlation id, rows) for each, and the ids of the rules hidden.
/// Each correlation's id and its match count (or why it failed).
type Runs = Vec<(String, Result<usize, String>)>;

fn run_pack(text: &str, rows: &[J]) -> (Runs, Vec<String>) {
    let mut catalog = Catalog::new();
    catalog.register("DeviceProcessEvents", process_table(rows));
    let engine = Engine::new(catalog, EngineConfig::unlimited());
    let mut pack = detect::RulePack::default();
    pack.add_text(text, "p.yml");
    assert!(pack.errors().next().is_none(), "{:#?}", pack.diagnostics);
    let mut cors = Correlations::prepare(&pack);
    let mut scans = plan_pack(&pack);
    cors.add_captures(&pack, &mut scans);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let caps = AlertCaps::default();
    let mut captured = HashMap::new();
    for scan in &scans {
        let r = rt.block_on(run_scan_capturing(&engine, scan, &pack.rules, 0, caps)).unwrap();
        captured.extend(scan.rules.iter().copied().zip(r.captured));
    }
    let runs = cors.run(&pack, &captured, 0, caps);
    let out = cors.rules.iter().zip(runs).map(|(r, run)| (r.id.clone(), run.map(|x| x.rows))).collect();
    let mut hidden: Vec<String> = cors.hidden_rules(&pack).into_iter().map(|i| pack.rules[i].id.clone()).collect();
    hidden.sort();
    (out, hidden)
}

fn proc_event(t: &str, user: &str, host: &str, cmd: &str, parent: &str) -> J {
    json!({"Timestamp": t, "AccountName": user, "DeviceName": host, "ProcessCommandLine": cmd,
           "InitiatingProcessAccountName": parent})
}

const RULES: &str = "title: failed\nid: r-failed\nname: failed_login\n\
    logsource: {product: linux, category: process_creation}\n\
    detection:\n  s:\n    CommandLine|contains: 'auth failure'\n  condition: s\n---\n\
    title: success\nid: r-success\nname: successful_login\n\
    logsource: {product: linux, category: process_creation}\n\
    detection:\n  s:\n    CommandLine|contains: 'auth ok'\n  condition: s\n---\n";

fn login_rows() -> Vec<J> {
    vec![
        proc_event("2026-11-20T10:00:00Z", "mallory", "h1", "auth failure", "svc"),
        proc_event("2026-11-20T10:00:10Z", "mallory", "h1", "auth failure", "svc"),
        proc_event("2026-11-20T10:00:20Z", "mallory", "h2", "auth failure", "svc"),
        proc_event("2026-11-20T10:01:00Z", "mallory", "h1", "auth ok", "svc"),
        proc_event("2026-11-20T10:00:00Z", "bob", "h1", "auth failure", "svc"),
        proc_event("2026-11-20T10:02:00Z", "bob", "h1", "auth ok", "svc"),
    ]
}

// "Related rules" (by id and by name), "Generate", and the example
// "Failed Logins Followed by Successful Login": a correlation chained on a
// correlation, by name.
#[test]
fn chained_correlations_by_name_and_generate() {
    let text = format!(
        "{RULES}title: many failed\nid: c-many\nname: many_failed\ncorrelation:\n  type: event_count\n  \
         rules: [failed_login]\n  group-by: [User]\n  timespan: 10m\n  condition:\n    gte: 3\n---\n\
         title: brute force\nid: c-brute\ncorrelation:\n  type: temporal_ordered\n  \
         rules: [many_failed, r-success]\n  group-by: [User]\n  timespan: 10m\n"
    );
    let (runs, hidden) = run_pack(&text, &login_rows());
    assert_eq!(runs, vec![("c-many".to_string(), Ok(1)), ("c-brute".to_string(), Ok(1))]);
    // Without `generate`, the rules a correlation names give no alerts of their own.
    assert_eq!(hidden, vec!["r-failed", "r-success"]);
    // `generate: true` on the outer correlation keeps the rule it names.
    let (_, hidden) = run_pack(&format!("{text}  generate: true\n"), &login_rows());
    assert_eq!(hidden, vec!["r-failed"]);
}

// "Grouping": several group-by fields are AND-ed.
#[test]
fn several_group_by_fields() {
    let text = format!(
        "{RULES}title: c\nid: c-host\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  \
         group-by: [User, Computer]\n  timespan: 10m\n  condition:\n    gte: 2\n"
    );
    // mallory has 2 failures on h1 and 1 on h2; bob 1.
    assert_eq!(run_pack(&text, &login_rows()).0, vec![("c-host".to_string(), Ok(1))]);
}

// "Field Name Aliases": one group-by name read from different fields of
// each rule's events.
#[test]
fn aliases_group_different_fields() {
    let text = format!(
        "{RULES}title: c\nid: c-alias\ncorrelation:\n  type: temporal\n  rules: [failed_login, successful_login]\n  \
         group-by: [account]\n  timespan: 10m\n  aliases:\n    account:\n      failed_login: User\n      \
         successful_login: ParentUser\n"
    );
    let rows = vec![
        proc_event("2026-11-20T10:00:00Z", "eve", "h1", "auth failure", "x"),
        proc_event("2026-11-20T10:00:30Z", "svc", "h1", "auth ok", "eve"),
    ];
    assert_eq!(run_pack(&text, &rows).0, vec![("c-alias".to_string(), Ok(1))]);
    // Without the aliases the same events are in different groups.
    let plain = text.replace("group-by: [account]", "group-by: [User]");
    let plain = &plain[..plain.find("  aliases:").unwrap()];
    assert_eq!(run_pack(plain, &rows).0, vec![("c-alias".to_string(), Ok(0))]);
}

// "Related rules": a name that is no rule is an error of the correlation,
// never a silent miss.
#[test]
fn an_unknown_rule_fails_the_correlation() {
    let text = format!(
        "{RULES}title: c\nid: c-x\ncorrelation:\n  type: event_count\n  rules: [nope]\n  group-by: [User]\n  \
         timespan: 1m\n  condition:\n    gte: 1\n"
    );
    let (runs, _) = run_pack(&text, &login_rows());
    assert!(matches!(&runs[0].1, Err(e) if e.contains("`nope`")), "{runs:?}");
}
