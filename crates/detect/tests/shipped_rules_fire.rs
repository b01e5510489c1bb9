//! The whole shipped pack over `testdata/rules` (see its README for what
//! each event is): which rules fire, with how many alerts, and what the
//! alerts of the Kubernetes audit rules carry.

use std::collections::BTreeMap;
use std::path::Path;

use detect::RulePack;
use detect::alert::Alert;
use detect::run::{default_catalog, run_rule};
use kql_engine::{Engine, EngineConfig};

/// 2026-11-20T10:30:00Z: the fixture's events are 20 to 30 minutes old.
const NOW: i64 = 1_795_170_600_000_000_000;

fn run_pack() -> BTreeMap<String, Vec<Alert>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut catalog = default_catalog();
    let ds = telemetry::dataset::open_dir(&root.join("testdata/rules")).unwrap();
    assert!(ds.rejects.is_empty(), "{:?}", ds.rejects);
    for (name, table) in ds.tables {
        catalog.register(&name, table);
    }
    let engine = Engine::new(catalog, EngineConfig::unlimited());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut out = BTreeMap::new();
    for rule in RulePack::builtin().rules {
        let folder = rule.origin.trim_start_matches("builtin:rules/").trim_end_matches("/rule.yaml").to_string();
        let run = rt.block_on(run_rule(&engine, &rule, NOW)).unwrap_or_else(|e| panic!("{folder}: {e}"));
        out.insert(folder, run.alerts);
    }
    out
}

#[test]
fn each_rule_fires_on_its_events_and_only_those() {
    let got: BTreeMap<String, usize> = run_pack().into_iter().map(|(k, v)| (k, v.len())).collect();
    let want: BTreeMap<String, usize> = [
        ("T1053.007-aks-cronjob-or-job-created", 1),
        // docker run (socket), docker run (host root), docker build.
        ("T1059.013-container-cli", 3),
        ("T1496.001-cryptominer-process", 1),
        ("T1496.001-mining-pool-connection", 1),
        ("T1525-image-push", 1),
        ("T1552.001-container-credential-files", 2),
        // Only the workload's list; the controller manager's get is left out.
        ("T1552.007-aks-secrets-unusual-identity", 1),
        // docker run -v /var/run/docker.sock (Pattern 2).
        ("T1552.007-container-api", 1),
        // testdata/rules reaches no Docker API over TCP (its rule tests do).
        ("T1552.007-docker-api-tcp", 0),
        ("T1572-aks-pod-port-forward", 1),
        ("T1609-aks-pod-exec", 1),
        // docker run -it ... sh: interactive 30 + shell 25.
        ("T1609-container-admin-command", 1),
        // curl's command line and curl's connection; not kube-apiserver's.
        ("T1609-kubelet-api-direct", 2),
        ("T1610-aks-workload-created-by-user", 1),
        ("T1611-aks-privileged-or-hostpath-pod", 1),
        ("T1611-container-runtime-socket-mount", 2),
        // mount /dev/sda1 and sh writing release_agent; not containerd.
        ("T1611-host-mount-or-release-agent", 2),
        ("T1611-nsenter-chroot-host", 2),
        ("T1612-build-image-on-host", 1),
        // curl to :10250 under python3: a suspicious parent, 80.
        ("T1613-container-discovery", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn kubernetes_audit_alerts_name_the_user_the_pod_and_the_command() {
    let all = run_pack();
    let exec = &all["T1609-aks-pod-exec"][0];
    assert_eq!(exec.title, "alice@example.com ran a command in pod prod/web-1");
    assert_eq!(exec.account(), Some("alice@example.com"));
    let pod = exec.entity("KubernetesPod").unwrap();
    assert_eq!((pod.get("Namespace"), pod.get("Name")), (Some("prod"), Some("web-1")));
    assert_eq!(exec.entity("IP").unwrap().get("Address"), Some("10.0.0.5"));
    // The command arguments of the request URI, decoded.
    assert_eq!(exec.entity("Process").unwrap().get("CommandLine"), Some(r#"["sh","-c","id"]"#));

    let pod = &all["T1611-aks-privileged-or-hostpath-pod"][0];
    assert_eq!(pod.title, "mallory created a privileged or host-access pods default/pwn");
    let details: BTreeMap<_, _> = pod.custom_details.iter().cloned().collect();
    assert_eq!(details["HostPaths"], vec![serde_json::json!(["/"])]);
    assert_eq!(details["HostPID"], vec![serde_json::json!(true)]);

    let secrets = &all["T1552.007-aks-secrets-unusual-identity"][0];
    assert_eq!(secrets.account(), Some("system:serviceaccount:default:app"));
    let details: BTreeMap<_, _> = secrets.custom_details.iter().cloned().collect();
    assert_eq!(details["AllNamespaces"], vec![serde_json::json!(true)]);
}

#[test]
fn one_hour_rules_see_nothing_an_hour_and_a_half_later() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut catalog = default_catalog();
    for (name, table) in telemetry::dataset::open_dir(&root.join("testdata/rules")).unwrap().tables {
        catalog.register(&name, table);
    }
    let engine = Engine::new(catalog, EngineConfig::unlimited());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let pack = RulePack::builtin();
    let nsenter = pack.rules.iter().find(|r| r.origin.contains("T1611-nsenter-chroot-host")).unwrap();
    let later = NOW + 3_600_000_000_000; // 11:30: the 10:00 and 10:01 events are out of `ago(1h)`.
    assert!(rt.block_on(run_rule(&engine, nsenter, later)).unwrap().alerts.is_empty());
}
