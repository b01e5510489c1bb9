//! `dragnet rules` and `dragnet coverage` through the binary: the built-in
//! pack, --rules folders (adding, replacing, failing), exit statuses and
//! both output formats.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).args(args).output().expect("run dragnet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh folder under the target directory for rule files.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SEED_ID: &str = "cb033e62-00ea-48ea-9331-ebba6f97a0f2"; // T1609-container-admin-command

#[test]
fn lists_the_builtin_pack() {
    let o = dragnet(&["rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("ID  "));
    assert!(
        out.contains(&format!("{SEED_ID}  T1609        High      10     Container administration command")),
        "{out}"
    );
    assert!(out.ends_with("(20 rules)\n"), "{out}");
}

#[test]
fn json_lists_every_rule_with_its_metadata() {
    let o = dragnet(&["rules", "--format", "json", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = doc["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 20);
    let seed = rules.iter().find(|r| r["id"] == SEED_ID).unwrap();
    assert_eq!(seed["techniques"], serde_json::json!(["T1609"]));
    assert_eq!(seed["severity"], "High");
    assert_eq!(seed["confidence"], "Medium");
    assert_eq!(seed["tests"], 10);
    assert_eq!(seed["origin"], "builtin:rules/T1609-container-admin-command/rule.yaml");
}

#[test]
fn a_rules_folder_adds_and_replaces_and_its_errors_name_file_line_and_key() {
    let dir = scratch("rules-folder");
    std::fs::write(
        dir.join("replacement.yaml"),
        format!("id: {SEED_ID}\nname: My own T1609 rule\ndescription: Replaces the shipped one.\nseverity: Low\nrelevantTechniques: [T1609]\nquery: |\n  DeviceProcessEvents\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("broken.yaml"),
        "id: 0d3c0000-0000-4000-8000-000000000000\nname: Broken\ndescription: Bad severity.\nseverity: Critcal\nquery: DeviceProcessEvents\n",
    )
    .unwrap();
    let o = dragnet(&["rules", "--rules", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "a file with errors fails the command");
    let err = stderr(&o);
    let broken = dir.join("broken.yaml");
    assert_eq!(
        err,
        format!(
            "dragnet: {}:4:11: severity: expected one of Informational, Low, Medium, High, got \"Critcal\"\n",
            broken.display()
        )
    );
    let out = stdout(&o);
    assert!(out.contains(&format!("{SEED_ID}  T1609        Low       0      My own T1609 rule")), "{out}");
    assert!(out.ends_with("(20 rules)\n"), "replaced, not added: {out}");

    let only = dragnet(&["rules", "--no-builtin", "--rules", dir.join("replacement.yaml").to_str().unwrap()]);
    assert_eq!(only.status.code(), Some(0));
    assert!(stdout(&only).ends_with("(1 rule)\n"));
}

#[test]
fn a_missing_rules_folder_is_a_usage_error() {
    let o = dragnet(&["rules", "--rules", "/nonexistent/rules"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("dragnet: cannot read rules from /nonexistent/rules"), "{}", stderr(&o));
}

#[test]
fn coverage_marks_techniques_with_rules_and_tests() {
    let o = dragnet(&["coverage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("ATT&CK v18.1 Containers matrix: 11 of 49 techniques covered by rules, 11 by tests\n"),
        "{out}"
    );
    assert!(out.contains("\nPrivilege Escalation (TA0004)\n"));
    assert!(out.contains("  R T  T1611      Escape to Host  [4 rules, 15 tests]\n"), "{out}");
    assert!(out.contains("  r    T1059      Command and Scripting Interpreter\n"), "{out}");
    assert!(out.contains("  ·    T1190      Exploit Public-Facing Application\n"), "{out}");

    let j = dragnet(&["coverage", "--format", "json", "--no-builtin"]);
    let doc: Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(doc["techniques"], 49);
    assert_eq!(doc["covered_by_rules"], 0);
    assert_eq!(doc["tactics"].as_array().unwrap().len(), 9);
}
