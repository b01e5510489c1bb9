//! Sigma rules through the binary, over `testdata/sigma` (see its README)
//! and the logs of `testdata/logs/atomic`: `sigma convert` prints KQL that
//! `check` accepts and `query` runs to the rows `hunt` raises alerts for;
//! alerts carry the Sigma rule's metadata; a rule with an unmapped field is
//! an error with its file, line and key.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).current_dir(root()).args(args).output().expect("run dragnet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The KQL blocks `sigma convert` prints, by rule id.
fn converted() -> Vec<(String, String)> {
    let o = dragnet(&["sigma", "convert", "testdata/sigma"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
        .split("\n\n")
        .map(|block| {
            let (head, kql) = block.split_once('\n').unwrap();
            let id = head.trim_start_matches("// ").split(' ').next().unwrap().to_string();
            (id, kql.trim().to_string())
        })
        .collect()
}

#[test]
fn convert_prints_kql_that_check_accepts_and_query_runs_to_the_alerted_rows() {
    let blocks = converted();
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    let hunt = dragnet(&[
        "hunt",
        "--quiet",
        "--no-builtin",
        "--rules",
        "testdata/sigma",
        "--format",
        "jsonl",
        "testdata/logs/atomic",
    ]);
    assert_eq!(hunt.status.code(), Some(1), "{}", text(&hunt.stderr));
    let alerts: Vec<Value> = text(&hunt.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (id, kql) in &blocks {
        let check = dragnet(&["check", kql]);
        assert_eq!(check.status.code(), Some(0), "{kql}\n{}", text(&check.stdout));
        let q = dragnet(&["query", "--quiet", "--data", "testdata/logs/atomic", "--format", "json", kql]);
        assert_eq!(q.status.code(), Some(0), "{}", text(&q.stderr));
        let rows: Value = serde_json::from_str(&text(&q.stdout)).unwrap();
        let n = rows["rows"].as_array().map(Vec::len).unwrap_or_else(|| panic!("{rows}"));
        let alerted: u64 =
            alerts.iter().filter(|a| a["rule"]["id"] == id.as_str()).map(|a| a["rows"].as_u64().unwrap()).sum();
        assert!(n > 0, "{id}: the fixture must match");
        assert_eq!(alerted, n as u64, "{id}: one alert per matching event");
    }
}

#[test]
fn a_filter_removes_what_it_names() {
    let blocks = converted();
    let (_, kql) = blocks.iter().find(|(id, _)| id.starts_with("1f3b9d8e")).unwrap();
    assert!(kql.ends_with("and not(ProcessCommandLine contains \" get \")"), "{kql}");
    let without = kql.split(" and not(").next().unwrap();
    let count = |q: &str| {
        let o = dragnet(&[
            "query",
            "--quiet",
            "--data",
            "testdata/logs/atomic",
            "--format",
            "json",
            &format!("{q} | count"),
        ]);
        let v: Value = serde_json::from_str(&text(&o.stdout)).unwrap();
        v["rows"][0][0].as_u64().unwrap_or_else(|| panic!("{v}"))
    };
    assert!(count(without) > count(kql), "the fixture has a `kubectl get` the filter removes");
}

#[test]
fn alerts_carry_the_sigma_metadata_in_every_format() {
    let run = |format: &str| {
        let o = dragnet(&[
            "hunt",
            "--quiet",
            "--no-builtin",
            "--rules",
            "testdata/sigma",
            "--format",
            format,
            "testdata/logs/atomic",
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let jsonl = run("jsonl");
    let exec: Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|a| a["rule"]["id"] == "6a0c2f51-3c1e-4d7b-9a6e-2f0d1b7c8e01")
        .unwrap();
    assert_eq!(exec["title"], "Command run in a pod");
    assert_eq!(exec["severity"], "High");
    assert_eq!(exec["tactics"], serde_json::json!(["Execution"]));
    assert_eq!(exec["techniques"], serde_json::json!(["T1609"]));
    assert_eq!(exec["false_positives"], serde_json::json!(["Administrators debugging a workload"]));
    assert_eq!(exec["custom_details"]["verb"], serde_json::json!(["create"]));
    // Fields inside dynamic columns are added to the result for the alert.
    assert_eq!(exec["custom_details"]["user.username"], serde_json::json!(["kubernetes-admin"]));
    assert_eq!(exec["custom_details"]["objectRef.namespace"], serde_json::json!(["default"]));
    assert_eq!(exec["evidence"][0]["ObjectRef"]["subresource"], "exec");
    // The correlation over it runs (correlation rules specification, "Event Count").
    let many: Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|a| a["rule"]["id"] == "3c5e7a9b-2d4f-4b6a-8c0e-1f3a5b7d9e2c")
        .unwrap_or_else(|| panic!("no correlation alert: {jsonl}"));
    assert_eq!(many["severity"], "High");
    assert_eq!(many["tactics"], serde_json::json!(["Execution"]));
    assert_eq!(many["evidence"][0]["user.username"], "kubernetes-admin");
    assert_eq!(many["evidence"][0]["EventCount"], 1);
    let csv = run("csv");
    assert!(csv.lines().next().unwrap().ends_with(",false_positives"));
    assert!(csv.contains("Command run in a pod") && csv.contains("Administrators debugging a workload"), "{csv}");
    let ocsf = run("ocsf");
    assert!(ocsf.contains("\"false_positives\":[\"Administrators debugging a workload\"]"), "{ocsf}");
    let table = run("table");
    assert!(table.contains("High      T1609      Command run in a pod"), "{table}");
}

#[test]
fn rules_lists_sigma_rules() {
    let o = dragnet(&["rules", "--no-builtin", "--rules", "testdata/sigma", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("Container CLI started") && out.contains("Command run in a pod"), "{out}");
    let err = text(&o.stderr);
    assert!(!err.contains("correlation_many_execs.yml"), "{err}");
    assert!(
        err.contains(
            "warning: testdata/sigma/proc_container_cli.yml:1:1: fields: `Hashes` has no column in the Sigma mapping"
        ),
        "{err}"
    );
}

#[test]
fn an_unmapped_field_is_an_error_at_its_line() {
    let o = dragnet(&["rules", "--no-builtin", "--rules", "testdata/sigma-bad"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("testdata/sigma-bad/unmapped_field.yml:9:5: detection.selection.NoSuchField: ")
            && err.contains("field `NoSuchField` has no column in the Sigma mapping for logsource (product: linux, category: process_creation)"),
        "{err}"
    );
    let h = dragnet(&["hunt", "--quiet", "--no-builtin", "--rules", "testdata/sigma-bad", "testdata/logs/atomic"]);
    assert_eq!(h.status.code(), Some(2), "{}", text(&h.stderr));
}

#[test]
fn a_mapping_file_replaces_the_shipped_one() {
    let dir = std::env::temp_dir().join(format!("dragnet-sigma-mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.yaml");
    std::fs::write(&file, "logsources:\n  - product: linux\n    category: process_creation\n    table: DeviceProcessEvents\n    fields:\n      Image: FileName\n      CommandLine: ProcessCommandLine\n").unwrap();
    let o = dragnet(&[
        "sigma",
        "convert",
        "--sigma-mapping",
        file.to_str().unwrap(),
        "testdata/sigma/proc_container_cli.yml",
        "testdata/sigma/filter_kubectl_get.yml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("FileName endswith \"/kubectl\""), "{}", text(&o.stdout));
    std::fs::write(&file, "logsources:\n  - product: linux\n    fields: {}\n").unwrap();
    let bad = dragnet(&["sigma", "convert", "--sigma-mapping", file.to_str().unwrap(), "testdata/sigma"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("logsources[0].table"), "{}", text(&bad.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `sigma mapping` prints the shipped mapping; given back as a file it
/// converts every rule exactly as the built-in one does.
#[test]
fn the_printed_mapping_given_back_converts_as_the_shipped_one() {
    let printed = dragnet(&["sigma", "mapping"]);
    assert_eq!(printed.status.code(), Some(0), "{}", text(&printed.stderr));
    assert!(text(&printed.stdout).contains("logsources:"), "{}", text(&printed.stdout));
    let dir = std::env::temp_dir().join(format!("dragnet-sigma-printed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.yaml");
    std::fs::write(&file, &printed.stdout).unwrap();
    let again = dragnet(&["sigma", "convert", "--sigma-mapping", file.to_str().unwrap(), "testdata/sigma"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let shipped = dragnet(&["sigma", "convert", "testdata/sigma"]);
    assert!(!shipped.stdout.is_empty());
    assert_eq!(text(&again.stdout), text(&shipped.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sidecar_tests_run_with_dragnet_test() {
    let o = dragnet(&["test", "testdata/sigma"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("PASS  k8s_pod_exec") && out.contains("kubectl exec into a pod [attack T1609]: 1 alert"),
        "{out}"
    );
    assert!(out.contains("2 tests in 2 rules: 2 passed, 0 failed; 1 rule without tests"), "{out}");
    // The sidecar file is not read as a rule.
    let r = dragnet(&["rules", "--no-builtin", "--rules", "testdata/sigma"]);
    assert!(text(&r.stdout).contains("(2 rules)"), "{}", text(&r.stdout));
}

#[test]
fn a_filter_naming_no_loaded_rule_is_a_warning() {
    let o = dragnet(&["sigma", "convert", "testdata/sigma/filter_kubectl_get.yml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains(
            "warning: testdata/sigma/filter_kubectl_get.yml:1:1: filter.rules: no Sigma rule loaded has the id or name `1f3b9d8e-7c2a-4e5f-8b1d-0a9c6e4d2b73`"
        ),
        "{}",
        text(&o.stderr)
    );
    // With the rule it names, nothing is missing.
    let all = dragnet(&["sigma", "convert", "testdata/sigma"]);
    assert!(!text(&all.stderr).contains("no Sigma rule loaded"), "{}", text(&all.stderr));
}

#[test]
fn streamed_scans_give_the_alerts_of_scans_over_whole_tables() {
    // A `--table` turns streaming off (the scans then read whole tables),
    // and adds a table no rule reads: the alerts must not change. With the
    // built-in pack, KQL rules read the Sigma rules' tables too, which
    // are then both scanned as read and kept.
    let dir = std::env::temp_dir().join(format!("dragnet-sigma-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let extra = dir.join("extra.csv");
    std::fs::write(&extra, "a,b\n1,2\n").unwrap();
    let table = format!("Extra={}", extra.display());
    for builtin in [false, true] {
        let run = |more: &[&str]| {
            let mut args = vec!["hunt", "--quiet", "--rules", "testdata/sigma", "--format", "jsonl"];
            if !builtin {
                args.push("--no-builtin");
            }
            args.extend_from_slice(more);
            args.push("testdata/logs/atomic");
            let o = dragnet(&args);
            assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
            text(&o.stdout)
        };
        let streamed = run(&[]);
        let whole = run(&["--table", &table]);
        assert!(streamed.contains("3c5e7a9b-2d4f-4b6a-8c0e-1f3a5b7d9e2c"), "the correlation fires: {streamed}");
        assert!(streamed.contains("6a0c2f51-3c1e-4d7b-9a6e-2f0d1b7c8e01"), "{streamed}");
        assert_eq!(streamed, whole, "built-in rules: {builtin}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
