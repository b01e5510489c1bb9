//! Alert volume bounded as Sentinel bounds it: at most 150 alerts per rule
//! per run, the last folding the rest, and evidence rows capped, over a
//! rule's query consumed as a stream.

use detect::alert::{AlertCaps, alerts_capped};
use detect::rule::{Rule, parse};
use detect::run::{default_catalog, run_rule, run_rule_capped};
use kql_engine::{Engine, EngineConfig};

const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

/// A rule whose query returns `rows` rows, one a minute from 08:00.
fn rule(rows: u32, grouping: &str) -> Rule {
    let text = format!(
        "id: 11111111-2222-4333-8444-555555555555\nname: Many rows\ndescription: d\nseverity: Low\n\
         eventGroupingSettings:\n  aggregationKind: {grouping}\n\
         entityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n        columnName: DeviceName\n\
         query: |\n  range i from 1 to {rows} step 1\n  | extend TimeGenerated = datetime(2026-11-20T08:00:00Z) + (i - 1) * 1m, DeviceName = strcat(\"node-\", i)\n"
    );
    let (rule, diags) = parse(&text, "many.yaml");
    assert!(diags.is_empty(), "{diags:#?}");
    rule.unwrap()
}

fn engine() -> Engine {
    // Small batches, so the rows come in many pieces; one partition, so
    // they come in order.
    Engine::new(
        default_catalog(),
        EngineConfig { batch_size: 37, target_partitions: Some(1), ..EngineConfig::unlimited() },
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap().block_on(f)
}

#[test]
fn four_hundred_rows_give_150_alerts_the_last_folding_251() {
    let r = rule(400, "AlertPerResult");
    let run = block_on(run_rule(&engine(), &r, NOW)).unwrap();
    assert_eq!(run.rows, 400, "the trigger sees every row");
    assert_eq!(run.alerts.len(), 150);
    assert!(run.alerts[..149].iter().all(|a| a.rows == 1 && a.evidence.len() == 1));
    assert_eq!(run.alerts[148].evidence[0]["i"], 149);
    let last = &run.alerts[149];
    assert_eq!(last.rows, 251);
    assert_eq!(last.evidence.len(), 100);
    assert_eq!(last.evidence_omitted(), 151);
    assert_eq!(last.evidence[0]["i"], 150);
    // Its times span every row it folds, kept as evidence or not.
    assert_eq!(kql_engine::render::datetime_text(last.start_time.unwrap()), "2026-11-20T10:29:00.0000000Z");
    assert_eq!(kql_engine::render::datetime_text(last.end_time.unwrap()), "2026-11-20T14:39:00.0000000Z");
    // Entities come from the evidence rows.
    assert_eq!(last.entities.len(), 100);
    assert_eq!(last.summary(), "Many rows (+250 more events)");
    let json = last.to_json();
    assert_eq!((json["rows"].as_u64(), json["evidence_omitted"].as_u64()), (Some(251), Some(151)));
    let ocsf = detect::output::to_ocsf(last);
    assert_eq!(ocsf["count"], 251);
    assert_eq!(ocsf["unmapped"]["evidence_omitted"], 151);
    assert_eq!(ocsf["evidences"].as_array().unwrap().len(), 100);
    let mut csv = Vec::new();
    detect::output::write_csv(&mut csv, std::slice::from_ref(last)).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let cells: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let at = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((at("events"), at("evidence_omitted")), ("251", "151"));
    // The same rows fold into the same alert id; the streamed run agrees
    // with the pure function over the same rows.
    let again = block_on(run_rule(&engine(), &r, NOW)).unwrap();
    assert_eq!(again.alerts[149].id, last.id);
}

#[test]
fn a_single_alert_keeps_capped_evidence_and_counts_every_row() {
    let r = rule(400, "SingleAlert");
    let caps = AlertCaps { max_alerts: 150, max_evidence: 10 };
    let run = block_on(run_rule_capped(&engine(), &r, NOW, caps)).unwrap();
    assert_eq!(run.alerts.len(), 1);
    let a = &run.alerts[0];
    assert_eq!((a.rows, a.evidence.len(), a.evidence_omitted()), (400, 10, 390));
    // Fewer rows than the caps: nothing folded, as before.
    let small = block_on(run_rule(&engine(), &rule(3, "AlertPerResult"), NOW)).unwrap();
    assert_eq!(small.alerts.len(), 3);
    assert!(small.alerts.iter().all(|a| a.rows == 1 && a.evidence_omitted() == 0));
}

#[test]
fn caps_of_one_fold_everything_into_one_alert() {
    let r = rule(5, "AlertPerResult");
    let caps = AlertCaps { max_alerts: 1, max_evidence: 1 };
    let rows: Vec<detect::rows::Row> = (1..=5)
        .map(|i| serde_json::json!({"i": i, "TimeGenerated": format!("2026-11-20T08:0{i}:00Z")}))
        .map(|v| v.as_object().unwrap().clone())
        .collect();
    let a = alerts_capped(&r, rows, NOW, caps);
    assert_eq!(a.len(), 1);
    assert_eq!((a[0].rows, a[0].evidence.len()), (5, 1));
    assert_eq!(kql_engine::render::datetime_text(a[0].end_time.unwrap()), "2026-11-20T08:05:00.0000000Z");
}
