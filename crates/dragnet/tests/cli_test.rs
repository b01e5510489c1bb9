//! `dragnet test` through the binary: the fixtures in `testdata/rule-tests`
//! (a passing rule, a rule whose tests each fail for one reason, a rule
//! without tests) and the built-in pack, whose tests must all pass and
//! must include every seed detection's Atomic Red Team tests.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rule-tests").join(name).display().to_string()
}

fn test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).arg("test").args(args).output().expect("run dragnet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn jsonl(o: &Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect()
}

#[test]
fn passing_tests_exit_0() {
    let o = test(&[&fixture("passing.yaml")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert_eq!(out.lines().filter(|l| l.starts_with("PASS  passing ")).count(), 3, "{out}");
    assert!(out.contains("kubectl exec atomic-exec-test -- /bin/sh, twice [attack T1609#2]: 2 alerts"), "{out}");
    assert!(out.contains("kubectl get secrets is not exec [benign]: 0 alerts"), "{out}");
    assert!(out.ends_with("\n3 tests in 1 rule: 3 passed, 0 failed; 0 rules without tests\n"), "{out}");
}

#[test]
fn each_failure_is_explained_at_its_test() {
    let o = test(&[&fixture("failing.yaml")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let file = fixture("failing.yaml");
    for (line, message) in [
        (14, "expected 3 alerts, got 2"),
        (17, "no alert has an evidence row with AccountName = \"mallory\"; the first has AccountName = \"alice\""),
        (21, "expected no alert, got 2"),
        (24, "cannot read log "),
        (26, "10 records rejected in "),
        (29, "the test names no logs"),
    ] {
        let want = format!("      {file}:{line}:5: {message}");
        assert!(out.lines().any(|l| l.starts_with(&want)), "missing {want:?} in\n{out}");
    }
    assert!(out.contains("missing log [attack]: not run"), "{out}");
    assert!(out.ends_with("6 tests in 1 rule: 0 passed, 6 failed; 0 rules without tests\n"), "{out}");
}

#[test]
fn strict_fails_rules_without_tests() {
    let o = test(&[&fixture("untested.yaml")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("NONE  untested "), "{}", stdout(&o));
    let o = test(&["--strict", &fixture("untested.yaml")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("FAIL  untested "), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("1 rule without tests (a failure with --strict)\n"), "{}", stdout(&o));
}

#[test]
fn jsonl_has_one_object_per_test() {
    let o = test(&["--format", "jsonl", &fixture("passing.yaml"), &fixture("untested.yaml")]);
    assert_eq!(o.status.code(), Some(0));
    let rows = jsonl(&o);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["test"], "kubectl exec atomic-exec-test -- /bin/sh, twice");
    assert_eq!(rows[0]["alerts"], 2);
    assert_eq!(rows[0]["expected"], "2 alerts");
    assert_eq!(rows[0]["passed"], true);
    // The newest event of the log: audit(1795170326.906:...).
    assert_eq!(rows[0]["now"], "2026-11-20T10:25:26.9060000Z");
    assert_eq!(rows[1]["kind"], "benign");
    assert_eq!(rows[1]["expected"], "no alert");
    assert_eq!(rows[3]["test"], Value::Null);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let o = test(&["/no/such/rules"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/rules: no such file or folder"));
}

/// The seed detections and how many Atomic Red Team tests each seed names.
const SEEDS: &[(&str, &str, usize)] = &[
    ("T1552.007-container-api", "T1552.007", 4),
    ("T1059.013-container-cli", "T1059.013", 3),
    ("T1613-container-discovery", "T1613", 3),
    ("T1609-container-admin-command", "T1609", 3),
];

#[test]
fn the_builtin_pack_passes_strict_and_covers_every_seed_atomic() {
    let o = test(&["--strict", "--format", "jsonl"]);
    let rows = jsonl(&o);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["passed"] != true).collect();
    assert!(failed.is_empty(), "failing tests: {failed:#?}");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let firing = |rule: Option<&str>, atomic: &str| {
        rows.iter().any(|r| {
            r["kind"] == "attack"
                && r["atomic"] == atomic
                && r["alerts"].as_u64() > Some(0)
                && rule.is_none_or(|rule| r["rule"] == rule)
        })
    };
    let mut misses = Vec::new();
    for (rule, technique, count) in SEEDS {
        for n in 1..=*count {
            let id = format!("{technique}#{n}");
            let tested: Vec<&Value> =
                rows.iter().filter(|r| r["rule"] == *rule && r["atomic"] == id.as_str()).collect();
            assert!(!tested.is_empty(), "{rule} has no test of atomic {id}");
            if tested.iter().all(|r| r["kind"] == "known-miss") {
                misses.push(id);
            } else {
                assert!(firing(Some(rule), &id), "{rule} has no firing test of atomic {id}");
            }
        }
    }
    // The seed queries' documented gaps (see each test's signal), each
    // caught by another shipped rule.
    assert_eq!(misses, ["T1552.007#3", "T1552.007#4", "T1609#3"]);
    assert!(firing(Some("T1552.001-container-credential-files"), "T1552.007#3"));
    assert!(firing(Some("T1552.007-docker-api-tcp"), "T1552.007#4"));
    assert!(firing(Some("T1609-kubelet-api-direct"), "T1609#3"));
    // Every rule has a test of ordinary activity that must not fire.
    let rules: BTreeSet<&str> = rows.iter().filter_map(|r| r["rule"].as_str()).collect();
    for rule in rules {
        assert!(rows.iter().any(|r| r["rule"] == rule && r["kind"] == "benign"), "{rule} has no benign test");
    }
}
