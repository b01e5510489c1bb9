//! `dragnet hunt` through the binary over `testdata/rules` (see its README):
//! exit statuses, the default `now`, --now, --min-severity and each format.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules")
}

fn hunt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).arg("hunt").arg("--quiet").args(args).output().expect("run dragnet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn alerts_exit_1_and_now_defaults_to_the_newest_event() {
    let o = hunt(&[fixture().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    // The newest event is 10:11, so the one-hour rules see every event:
    // one alert per row of each rule (see shipped_rules_fire.rs).
    assert!(out.ends_with("(26 alerts)\n"), "{out}");
    assert!(out.starts_with("TIME                  SEVERITY  TECHNIQUE  RULE "), "{out}");
    // Each rule's alerts are written when it has run, sorted by time.
    let lines: Vec<&str> = out.lines().skip(1).filter(|l| !l.starts_with('(')).collect();
    assert_eq!(lines.len(), 26);
    for pair in lines.windows(2) {
        let rule = |l: &str| l.chars().skip(43).take(48).collect::<String>();
        if rule(pair[0]) == rule(pair[1]) {
            assert!(pair[0][..20] <= pair[1][..20], "{out}");
        }
    }
    assert!(lines.iter().any(|l| l.starts_with("2026-11-20T10:00:00Z")), "{out}");
    assert!(!out.contains('\x1b'));
}

#[test]
fn now_moves_the_windows() {
    // At 12:00 the ago(1h) rules see nothing: 11 alerts fewer (nsenter 2,
    // host mount 2, miner 1, pool 1, pod exec 1, privileged pod 1,
    // CronJob 1, workload 1, port-forward 1).
    let o = hunt(&["--now", "2026-11-20T12:00:00Z", fixture().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("(15 alerts)\n"), "{}", stdout(&o));
    // Two days later nothing is in any window.
    let o = hunt(&["--now", "2026-11-22T12:00:00Z", fixture().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        words,
        ["TIME", "SEVERITY", "TECHNIQUE", "RULE", "HOST", "ACCOUNT", "SUMMARY", "(0", "alerts)"],
        "{out}"
    );
}

#[test]
fn min_severity_and_jsonl() {
    let o = hunt(&["--min-severity", "high", "--format", "jsonl", fixture().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let alerts: Vec<Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(alerts.len(), 12);
    assert!(alerts.iter().all(|a| a["severity"] == "High"));
}

#[test]
fn ocsf_and_csv() {
    let o = hunt(&["--format", "ocsf", fixture().to_str().unwrap()]);
    let findings: Vec<Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(findings.len(), 26);
    assert!(findings.iter().all(|f| f["class_uid"] == 2004 && f["finding_info"]["uid"].is_string()));
    let o = hunt(&["--format", "csv", fixture().to_str().unwrap()]);
    let out = stdout(&o);
    assert!(out.starts_with("time,severity,confidence,techniques,"));
    assert_eq!(out.lines().count(), 27);
}

#[test]
fn bad_rules_are_an_error() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hunt-bad-rules");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.yaml"), "id: x\nname: x\ndescription: x\nseverity: Huge\nquery: T\n").unwrap();
    let o = hunt(&["--rules", dir.to_str().unwrap(), fixture().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.yaml:4:11: severity: expected one of Informational, Low, Medium, High, got \"Huge\""),
        "{err}"
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_rule_that_fails_fails_alone() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hunt-failing-rule");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("fails.yaml"),
        "id: 0badbad0-0000-4000-8000-000000000001\nname: Fails at run time\ndescription: x\nseverity: High\n\
         query: |\n  range i from 1 to 10 step 0\n",
    )
    .unwrap();
    let o = hunt(&["--rules", dir.to_str().unwrap(), "--format", "jsonl", fixture().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a failed rule is exit 2");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("dragnet: rule 0badbad0-0000-4000-8000-000000000001 (Fails at run time) failed: "), "{err}");
    // Every other rule ran: the fixture's 26 alerts are all there.
    assert_eq!(stdout(&o).lines().count(), 26, "{}", stdout(&o));
}
