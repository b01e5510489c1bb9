//! `dragnet check` through the binary: exit statuses, text and JSON output,
//! every input form, and the shipped rules.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dragnet(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dragnet");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for dragnet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn valid_query_exits_zero_and_prints_nothing() {
    let o = dragnet(&["check", r#"DeviceProcessEvents | where FileName =~ "kubectl""#], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn invalid_query_exits_one_with_located_diagnostic() {
    let o = dragnet(&["check", "DeviceProcessEvents\n| summarise count()"], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[KQL104]: unknown tabular operator `summarise`"), "{out}");
    assert!(out.contains(" --> <query>:2:3"), "{out}");
    assert!(out.contains("|   ^^^^^^^^^ not a known tabular operator"), "{out}");
    assert!(out.contains("= help: did you mean `summarize`?"), "{out}");
    assert!(out.ends_with("1 error in <query>\n"), "{out}");
}

#[test]
fn json_reports_ok() {
    let o = dragnet(&["check", "--format", "json", "T | take 1"], None);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "{\"ok\":true}\n");
}

#[test]
fn json_reports_errors_with_line_and_column() {
    let o = dragnet(&["check", "--format", "json", "T\n| where x == "], None);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    assert_eq!(v["ok"], false);
    let e = &v["errors"][0];
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(2), Some(13)));
    assert_eq!(e["code"], "KQL101");
    assert_eq!(e["message"], "expected an expression after `==`, found the end of the query");
}

#[test]
fn reads_the_query_from_stdin() {
    let o = dragnet(&["check", "-"], Some("T | take 1 | take 2"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = dragnet(&["check", "-"], Some("T | tak 1"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("--> <stdin>:1:5"), "{}", stdout(&o));
}

#[test]
fn ast_prints_the_tree_with_spans() {
    let o = dragnet(&["check", "--ast", "T | take 5"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("Query\n"), "{out}");
    assert!(out.contains("Pipeline @0..10"), "{out}");
    assert!(out.contains("Take @4..10"), "{out}");
}

#[test]
fn missing_file_is_a_usage_error() {
    let o = dragnet(&["check", "--file", "/nonexistent/q.kql"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("dragnet: cannot read query file '/nonexistent/q.kql'"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn no_query_is_a_usage_error() {
    let o = dragnet(&["check"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("QUERY"), "{}", stderr(&o));
}

#[test]
fn shipped_rule_queries_are_valid() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut checked = 0;
    for entry in std::fs::read_dir(&rules).expect("rules dir") {
        let query = entry.expect("entry").path().join("query.kql");
        if !query.exists() {
            continue;
        }
        let o = dragnet(&["check", "--file", query.to_str().expect("utf-8 path")], None);
        assert_eq!(o.status.code(), Some(0), "{}: {}", query.display(), stdout(&o));
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} rule queries found");
}
