//! Sigma rules streaming in the server: a Sigma rule's alert over the API
//! from the NRT path, a correlation over events of two batches with a
//! restart between them, and rule reloads (a file change, SIGHUP, a broken
//! file kept out) that keep the schedule.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{Server, config, root, temp_dir};
use detect::RulePack;
use serde_json::{Value, json};
use serve::reload::RuleSource;

const POD_EXEC: &str = "6a0c2f51-3c1e-4d7b-9a6e-2f0d1b7c8e01";
const CONTAINER_CLI: &str = "1f3b9d8e-7c2a-4e5f-8b1d-0a9c6e4d2b73";
const EXECS_BY_USER: &str = "execs-by-user";
const CORRELATION: &str = "title: Two commands run in pods by one user within ten minutes
id: execs-by-user
correlation:
  type: event_count
  rules:
    - k8s_pod_exec
  group-by:
    - user.username
  timespan: 10m
  condition:
    gte: 2
  generate: true
level: high
";

/// A fresh folder with a data folder and a rule folder holding the
/// pod-exec Sigma rule and the correlation over it: (data, rules).
fn sigma_dir(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let base = temp_dir(name);
    let dir = base.join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join("testdata/sigma/k8s_pod_exec.yml"), dir.join("k8s_pod_exec.yml")).unwrap();
    std::fs::write(dir.join("execs_by_user.yml"), CORRELATION).unwrap();
    (base.join("data"), dir)
}

fn load(dir: &Path) -> RulePack {
    let pack = RulePack::load_dir(dir).unwrap();
    assert!(pack.errors().next().is_none(), "{:?}", pack.diagnostics);
    pack
}

fn sigma_config(data: &Path, rules: &Path) -> serve::Config {
    let pack = load(rules);
    let mut c = config(data);
    c.rules = pack.rules;
    c.sigma = pack.sigma;
    c
}

/// The pods/exec audit event of the atomic tests, made a distinct event at
/// `time`, as a webhook batch.
fn exec_batch(n: u32, time: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(root().join("testdata/logs/atomic/container-attacks.k8s-audit.jsonl")).unwrap();
    let line = text.lines().find(|l| l.contains("\"subresource\":\"exec\"")).expect("a pods/exec event");
    let mut e: Value = serde_json::from_str(line).unwrap();
    e["auditID"] = json!(format!("5e5e0000-0000-4000-8000-{n:012}"));
    e["requestReceivedTimestamp"] = json!(time);
    e["stageTimestamp"] = json!(time);
    json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": [e]}).to_string().into_bytes()
}

fn count(alerts: &[Value], rule: &str) -> usize {
    alerts.iter().filter(|a| a["rule"]["id"] == rule).count()
}

/// Waits (bounded) until `rule` has `want` alerts; returns every alert.
fn wait_alerts(server: &Server, rule: &str, want: usize) -> Vec<Value> {
    for _ in 0..200 {
        let alerts = server.alerts();
        if count(&alerts, rule) >= want {
            return alerts;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{rule} did not raise {want} alerts: {:#?}", server.alerts());
}

/// Waits (bounded) until NRT rules have run over every acknowledged batch.
fn wait_nrt(server: &Server) {
    for _ in 0..200 {
        if server.request("GET", "/metrics", b"").text().contains("dragnet_nrt_pending_batches 0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("NRT rules did not catch up");
}

fn rules(server: &Server) -> Value {
    let r = server.request("GET", "/api/rules", b"");
    assert_eq!(r.status, 200, "{}", r.text());
    r.value()
}

fn rule<'a>(rules: &'a Value, id: &str) -> Option<&'a Value> {
    rules["rules"].as_array().unwrap().iter().find(|r| r["id"] == id)
}

/// A correlation window open across a restart: the first event before, the
/// second after; `lose_state` removes the kept windows before the restart
/// (as a stop between storing a batch's alerts and keeping the windows
/// leaves them), so they are rebuilt from the WAL.
fn correlation_across_a_restart(name: &str, lose_state: bool) {
    let (data, rules_dir) = sigma_dir(name);
    let server = Server::start(sigma_config(&data, &rules_dir));
    let listed = rules(&server);
    assert_eq!(rule(&listed, POD_EXEC).unwrap()["kind"], "sigma", "{listed}");
    assert_eq!(rule(&listed, EXECS_BY_USER).unwrap()["kind"], "sigma-correlation", "{listed}");
    assert_eq!(listed["rules"].as_array().unwrap().len(), 2, "{listed}");

    // The console reads each listed rule in full, correlations too.
    let full = server.request("GET", &format!("/api/rules/{EXECS_BY_USER}"), b"");
    assert_eq!(full.status, 200, "{}", full.text());

    // The Sigma rule's alert comes from the NRT path, over the API and the
    // live stream; one event is no correlation yet.
    let mut sse = common::Sse::open(server.addr);
    let first = exec_batch(1, "2026-11-20T14:00:30Z");
    assert_eq!(server.request("POST", "/k8s-audit", &first).status, 200);
    let alerts = wait_alerts(&server, POD_EXEC, 1);
    let streamed = sse.alerts(1, 20);
    assert_eq!(count(&streamed, POD_EXEC), 1, "{streamed:#?}");
    wait_nrt(&server);
    assert_eq!(count(&alerts, POD_EXEC), 1);
    assert_eq!(count(&server.alerts(), EXECS_BY_USER), 0);
    let listed = rules(&server);
    let state = rule(&listed, POD_EXEC).unwrap();
    assert_eq!((state["runs"].as_u64(), state["alerts"].as_u64()), (Some(1), Some(1)), "{state}");
    assert!(state["last_run"].is_string(), "{state}");
    assert_eq!(rule(&listed, EXECS_BY_USER).unwrap()["runs"], 1, "{listed}");
    server.stop();

    if lose_state {
        std::fs::remove_file(data.join(serve::sigma::STATE_FILE)).unwrap();
    }
    let server = Server::start(sigma_config(&data, &rules_dir));
    let second = exec_batch(2, "2026-11-20T14:01:30Z");
    assert_eq!(server.request("POST", "/k8s-audit", &second).status, 200);
    let alerts = wait_alerts(&server, EXECS_BY_USER, 1);
    wait_nrt(&server);
    let alerts_now = server.alerts();
    assert_eq!(count(&alerts_now, POD_EXEC), 2);
    assert_eq!(count(&alerts_now, EXECS_BY_USER), 1, "{alerts:#?}");
    let c = alerts_now.iter().find(|a| a["rule"]["id"] == EXECS_BY_USER).unwrap();
    let row = &c["evidence"][0];
    assert_eq!(row["EventCount"], 2, "{c}");
    assert_eq!(row["user.username"], "kubernetes-admin", "{c}");
    server.stop();

    // Once more: the match is not raised again, and a third event starts a
    // new window rather than completing one with the two already matched.
    let server = Server::start(sigma_config(&data, &rules_dir));
    let third = exec_batch(3, "2026-11-20T14:02:30Z");
    assert_eq!(server.request("POST", "/k8s-audit", &third).status, 200);
    wait_alerts(&server, POD_EXEC, 3);
    wait_nrt(&server);
    assert_eq!(count(&server.alerts(), EXECS_BY_USER), 1);
    server.stop();
}

#[test]
fn a_correlation_window_survives_a_restart() {
    correlation_across_a_restart("sigma-restart", false);
}

#[test]
fn lost_correlation_windows_are_rebuilt_from_the_wal() {
    correlation_across_a_restart("sigma-rebuild", true);
}

/// The Sigma rule's alerts in the server are the alerts `dragnet hunt`'s
/// scan gives over the same rows: the same ids.
#[test]
fn streamed_sigma_alerts_have_the_offline_ids() {
    let (data, rules_dir) = sigma_dir("sigma-ids");
    let server = Server::start(sigma_config(&data, &rules_dir));
    let batch = exec_batch(7, "2026-11-20T14:00:30Z");
    assert_eq!(server.request("POST", "/k8s-audit", &batch).status, 200);
    let alerts = wait_alerts(&server, POD_EXEC, 1);
    let served = alerts.iter().find(|a| a["rule"]["id"] == POD_EXEC).unwrap()["id"].clone();
    let rec = server.running.as_ref().unwrap().app.store.catalog().unwrap();
    let pack = load(&rules_dir);
    let engine = kql_engine::Engine::new(rec, config(&data).engine);
    let scans = detect::sigma_scan::plan_pack(&pack);
    let now = config(&data).now.unwrap();
    let offline = server
        .rt
        .block_on(detect::sigma_scan::run_scan(&engine, &scans[0], &pack.rules, now, Default::default()))
        .unwrap();
    let ids: Vec<&str> = offline.iter().flat_map(|r| r.alerts.iter().map(|a| a.id.as_str())).collect();
    assert_eq!(ids, vec![served.as_str().unwrap()]);
    server.stop();
}

/// A server whose rules are the folder `dir`, reloaded on a change under
/// it (`watch`) or else on SIGHUP (one test at a time sends it).
fn reloading(data: &Path, dir: &Path, watch: bool) -> Server {
    let mut c = sigma_config(data, dir);
    let from = dir.to_path_buf();
    c.reload = Some(RuleSource {
        watch: if watch { vec![dir.to_path_buf()] } else { Vec::new() },
        load: Arc::new(move || {
            let pack = RulePack::load_dir(&from).map_err(|e| e.to_string())?;
            let errors: Vec<String> = pack.errors().map(|d| d.to_string()).collect();
            if errors.is_empty() { Ok((pack.rules, pack.sigma)) } else { Err(errors.join("\n")) }
        }),
        debounce: Duration::from_millis(200),
        sighup: !watch,
    });
    Server::start(c)
}

/// Waits (bounded) until `/api/rules` satisfies `ok`.
fn wait_rules(server: &Server, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let v = rules(server);
        if ok(&v) {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what}: {}", rules(server));
}

#[test]
fn rules_reload_on_a_file_change_and_a_broken_file_is_kept_out() {
    let (data, dir) = sigma_dir("reload-watch");
    // A scheduled KQL rule too: its schedule must survive the reloads.
    let scheduled = root().join("rules/T1609-aks-pod-exec/rule.yaml");
    std::fs::copy(&scheduled, dir.join("scheduled.yaml")).unwrap();
    let server = reloading(&data, &dir, true);
    let sched_id = load(&dir).rules.iter().find(|r| r.query_frequency.is_some()).unwrap().id.clone();
    let before = wait_rules(&server, "the scheduled rule ran", |v| rule(v, &sched_id).is_some_and(|r| r["runs"] == 1));
    let next_run = rule(&before, &sched_id).unwrap()["next_run"].clone();
    assert!(next_run.is_string(), "{before}");
    assert!(rule(&before, CONTAINER_CLI).is_none());

    // A new Sigma rule file: loaded, and its rule runs over the next batch.
    std::fs::copy(root().join("testdata/sigma/proc_container_cli.yml"), dir.join("proc_container_cli.yml")).unwrap();
    let after = wait_rules(&server, "the new rule loaded", |v| rule(v, CONTAINER_CLI).is_some());
    assert_eq!(rule(&after, CONTAINER_CLI).unwrap()["kind"], "sigma");
    assert_eq!(after["reload"]["ok"], true, "{after}");
    assert_eq!(after["reload"]["cause"], "file change", "{after}");
    let kept = rule(&after, &sched_id).unwrap();
    assert_eq!((&kept["next_run"], &kept["runs"]), (&next_run, &json!(1)), "{after}");

    // A broken file: refused, the running rules stay, the error shown.
    std::fs::write(dir.join("broken.yml"), "title: broken\ndetection: [unclosed\n").unwrap();
    let refused = wait_rules(&server, "the broken file refused", |v| v["reload"]["ok"] == false);
    let error = refused["reload"]["error"].as_str().unwrap();
    assert!(error.contains("broken.yml"), "{error}");
    assert!(rule(&refused, CONTAINER_CLI).is_some() && rule(&refused, POD_EXEC).is_some(), "{refused}");
    let metrics = server.request("GET", "/metrics", b"").text();
    assert!(metrics.contains("dragnet_rule_reload_failures_total 1"), "{metrics}");

    // Fixed: taken; a removed rule is gone.
    std::fs::remove_file(dir.join("broken.yml")).unwrap();
    std::fs::remove_file(dir.join("proc_container_cli.yml")).unwrap();
    let fixed = wait_rules(&server, "the fix taken", |v| v["reload"]["ok"] == true && rule(v, CONTAINER_CLI).is_none());
    assert!(rule(&fixed, POD_EXEC).is_some(), "{fixed}");
    server.stop();
}

#[test]
fn rules_reload_on_sighup() {
    let (data, dir) = sigma_dir("reload-hup");
    let server = reloading(&data, &dir, false);
    std::fs::copy(root().join("testdata/sigma/proc_container_cli.yml"), dir.join("proc_container_cli.yml")).unwrap();
    // Not watched: nothing changes until the signal.
    assert!(rule(&rules(&server), CONTAINER_CLI).is_none());
    let status =
        std::process::Command::new("kill").args(["-HUP", &std::process::id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let after = wait_rules(&server, "reloaded on SIGHUP", |v| rule(v, CONTAINER_CLI).is_some());
    assert_eq!(after["reload"]["cause"], "SIGHUP", "{after}");
    server.stop();
}
