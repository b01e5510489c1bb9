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
    rule_over(rows, grouping, "(i - 1) * 1m", "")
}

/// A rule whose query returns `rows` rows at `offset` after 08:00, in the
/// order `then` (more of the pipeline) leaves them.
fn rule_over(rows: u32, grouping: &str, offset: &str, then: &str) -> Rule {
    let text = format!(
        "id: 11111111-2222-4333-8444-555555555555\nname: Many rows\ndescription: d\nseverity: Low\n\
         eventGroupingSettings:\n  aggregationKind: {grouping}\n\
         entityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n        columnName: DeviceName\n\
         query: |\n  range i from 1 to {rows} step 1\n  | extend TimeGenerated = datetime(2026-11-20T08:00:00Z) + {offset}, DeviceName = strcat(\"node-\", i)\n  {then}\n"
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

/// What one alert is, as comparable data: its id, row count, times and evidence.
type Raised = (String, u64, Option<i64>, Option<i64>, Vec<detect::rows::Row>);

/// What a run raised.
fn raised(alerts: &[detect::alert::Alert]) -> Vec<Raised> {
    alerts.iter().map(|a| (a.id.clone(), a.rows, a.start_time, a.end_time, a.evidence.clone())).collect()
}

/// An engine reading the rows in batches of `batch` over `partitions`
/// partitions (more than one: in no fixed order).
fn engine_with(batch: usize, partitions: usize) -> Engine {
    Engine::new(
        default_catalog(),
        EngineConfig { batch_size: batch, target_partitions: Some(partitions), ..EngineConfig::unlimited() },
    )
}

#[test]
fn the_same_rows_in_any_order_raise_the_same_alerts_the_earliest_kept() {
    let orders = ["", "| order by i desc", "| order by (i * 7919) % 400 asc", "| order by DeviceName asc"];
    let engines = [engine_with(37, 1), engine_with(101, 2), engine_with(8, 3)];
    for grouping in ["AlertPerResult", "SingleAlert"] {
        let caps = AlertCaps { max_alerts: 150, max_evidence: 20 };
        let runs: Vec<_> = orders
            .iter()
            .zip(engines.iter().cycle())
            .map(|(order, engine)| {
                let r = rule_over(400, grouping, "(i - 1) * 1m", order);
                block_on(run_rule_capped(engine, &r, NOW, caps)).unwrap()
            })
            .collect();
        for run in &runs[1..] {
            assert_eq!(raised(&run.alerts), raised(&runs[0].alerts), "{grouping}");
        }
        let alerts = &runs[0].alerts;
        let i = |row: &detect::rows::Row| row["i"].as_i64().unwrap();
        if grouping == "AlertPerResult" {
            // The 149 earliest rows are an alert each, earliest first; the
            // last alert keeps the earliest of the rest.
            assert_eq!(alerts.len(), 150);
            assert_eq!(
                alerts[..149].iter().map(|a| i(&a.evidence[0])).collect::<Vec<_>>(),
                (1..=149).collect::<Vec<_>>()
            );
            let last = &alerts[149];
            assert_eq!(last.evidence.iter().map(i).collect::<Vec<_>>(), (150..170).collect::<Vec<_>>());
            assert_eq!(last.rows, 251);
        } else {
            assert_eq!(alerts.len(), 1);
            assert_eq!(alerts[0].evidence.iter().map(i).collect::<Vec<_>>(), (1..=20).collect::<Vec<_>>());
            assert_eq!(alerts[0].rows, 400);
        }
        // The pure function over the same rows, in two orders, agrees.
        let row = |i: i64| {
            let t = kql_engine::render::datetime_text(1_795_161_600_000_000_000 + (i - 1) * 60_000_000_000);
            serde_json::json!({"i": i, "TimeGenerated": t, "DeviceName": format!("node-{i}")})
                .as_object()
                .unwrap()
                .clone()
        };
        let r = rule_over(400, grouping, "(i - 1) * 1m", "");
        let forward = alerts_capped(&r, (1..=400).map(row).collect(), NOW, caps);
        let shuffled = alerts_capped(&r, (0..400).map(|k| (k * 7919) % 400 + 1).map(row).collect(), NOW, caps);
        assert_eq!(raised(&forward), raised(&shuffled), "{grouping}");
        assert_eq!(
            forward.iter().map(|a| a.evidence.iter().map(i).collect::<Vec<_>>()).collect::<Vec<_>>(),
            alerts.iter().map(|a| a.evidence.iter().map(i).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "{grouping}"
        );
    }
}

#[test]
fn rows_of_one_time_are_ranked_by_their_entities() {
    // Every row at the same time: the alerts go to the hosts that sort first.
    let caps = AlertCaps { max_alerts: 5, max_evidence: 3 };
    let runs: Vec<_> = ["", "| order by i desc", "| order by (i * 31) % 50 asc"]
        .iter()
        .zip([engine_with(7, 1), engine_with(16, 3), engine_with(3, 2)])
        .map(|(order, engine)| {
            let r = rule_over(50, "AlertPerResult", "0m", order);
            block_on(run_rule_capped(&engine, &r, NOW, caps)).unwrap()
        })
        .collect();
    for run in &runs[1..] {
        assert_eq!(raised(&run.alerts), raised(&runs[0].alerts));
    }
    let hosts: Vec<&str> = runs[0].alerts.iter().map(|a| a.host().unwrap()).collect();
    assert_eq!(hosts, ["node-1", "node-10", "node-11", "node-12", "node-13"]);
    let last = &runs[0].alerts[4];
    assert_eq!(last.rows, 46);
    let evidence: Vec<&str> = last.evidence.iter().map(|r| r["DeviceName"].as_str().unwrap()).collect();
    assert_eq!(evidence, ["node-13", "node-14", "node-15"]);
}
