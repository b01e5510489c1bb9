//! `dragnet catalog build` and `dragnet catalog show` through the binary,
//! over the catalog crate's fixture rules.

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

fn fixture(vendor: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../catalog/tests/fixtures").join(vendor).display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn sources() -> Vec<String> {
    ["sigma", "elastic", "splunk", "panther", "sentinel"].iter().flat_map(|v| [format!("--{v}"), fixture(v)]).collect()
}

#[test]
fn build_writes_pages_and_show_prints_them() {
    let out = scratch("catalog-build");
    let mut args = vec!["catalog".to_string(), "build".to_string()];
    args.extend(sources());
    args.extend(["--out".to_string(), out.display().to_string()]);
    let o = dragnet(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.lines().any(|l| l.split_whitespace().take(5).collect::<Vec<_>>() == ["Elastic", "5", "4", "1", "0"]),
        "{text}"
    );
    assert!(text.contains("5 technique pages; "), "{text}");
    assert!(out.join("index.html").is_file() && out.join("techniques/T1552.007.html").is_file());
    // Built again unchanged: every file from the cache, nothing rewritten.
    let o = dragnet(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let again = stdout(&o);
    assert!(
        again
            .lines()
            .any(|l| l.split_whitespace().take(7).collect::<Vec<_>>() == ["Elastic", "5", "4", "1", "0", "0", "5"]),
        "{again}"
    );
    assert!(again.contains("; 0 files written, 40 unchanged, 0 removed in "), "{again}");

    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["vendors"][0]["vendor"], "sigma");
    assert_eq!(summary["vendors"][2]["vendor"], "splunk");
    assert_eq!(summary["vendors"][2]["full"], 2);
    let page: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("techniques/T1552.007.json")).unwrap()).unwrap();
    assert_eq!(page["fields"][0]["field"], "k8s.verb");
    // The built-in pack's T1552.007 detections are on the page with their tests.
    let runnable = page["runnable"].as_array().unwrap();
    assert!(runnable.iter().any(|r| r["name"].as_str().unwrap().starts_with("Container API credential access")));
    assert!(runnable.iter().all(|r| !r["tests"].as_array().unwrap().is_empty()));

    let o = dragnet(&["catalog", "show", "t1552.007", "--catalog", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("# T1552.007 Unsecured Credentials: Container API\n\nTactic: Credential Access\n\nAdversaries may gather credentials via APIs within a containers environment."), "{md}");
    assert!(md.contains("| k8s.objectRef.resource | eq | secrets | 6 | 7 |"), "{md}");

    // No rule read carries T1609's name or says which of its tactics goes
    // with it: both come from ATT&CK's data.
    let o = dragnet(&["catalog", "show", "T1609", "--catalog", &out.display().to_string()]);
    assert!(
        stdout(&o)
            .starts_with("# T1609 Container Administration Command\n\nTactic: Execution\n\nAdversaries may abuse"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("\n1 rules: Sigma 1\n"), "{}", stdout(&o));

    let o = dragnet(&["catalog", "show", "T1499", "--catalog", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("T1499: no rule of the catalog"), "{}", stderr(&o));
}

#[test]
fn show_builds_on_the_fly_and_prints_json() {
    let mut args = vec![
        "catalog".to_string(),
        "show".to_string(),
        "T1552.007".to_string(),
        "--format".to_string(),
        "json".to_string(),
    ];
    args.extend(sources());
    let o = dragnet(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(page["rules"].as_array().unwrap().len(), 10);
    assert_eq!(page["exclusions"][0]["value"], "admin");
}

#[test]
fn wrong_input_is_a_usage_error() {
    let o = dragnet(&["catalog", "show", "not-a-technique", "--elastic", &fixture("elastic")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an ATT&CK technique id"), "{}", stderr(&o));
    let o = dragnet(&[
        "catalog",
        "build",
        "--elastic",
        "/nonexistent/rules",
        "--out",
        &scratch("catalog-bad").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/rules: not a folder"), "{}", stderr(&o));
    let o = dragnet(&["catalog", "build", "--out", &scratch("catalog-none").display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let o = dragnet(&["catalog", "show", "T1552.007", "--catalog", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a catalog"), "{}", stderr(&o));
}
