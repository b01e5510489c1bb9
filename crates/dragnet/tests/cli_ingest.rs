//! `dragnet ingest` and `query --data` over logs, through the binary: the
//! dataset written reads back as the same rows as the logs it came from,
//! rejects are reported with file and line, and the exit status says
//! whether anything was rejected.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).args(args).output().expect("run dragnet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn testdata(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(p).display().to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dragnet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const COUNTS: &str = "union withsource=T DeviceProcessEvents, DeviceFileEvents, DeviceNetworkEvents \
    | summarize n = count() by T | order by T asc";

#[test]
fn ingested_dataset_reads_back_as_the_logs_do() {
    let (a, b) =
        (testdata("logs/defender/one-record-per-line.jsonl"), testdata("logs/defender/streaming-api-records.json"));
    let out = temp_dir("ingest");
    let o = dragnet(&["ingest", &a, &b, "--out", out.to_str().unwrap(), "--stats", "-q"]);
    assert_eq!(o.status.code(), Some(1), "the fixtures hold rejected records: {}", text(&o.stderr));
    let stats = text(&o.stdout);
    assert!(stats.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["DeviceProcessEvents", "3"]), "{stats}");
    assert!(
        text(&o.stderr).contains("records rejected in") && text(&o.stderr).contains("first at line 4: ProcessId:"),
        "{}",
        text(&o.stderr)
    );
    let day = out.join("DeviceProcessEvents/2026-11-20");
    assert!(std::fs::read_dir(&day).unwrap().count() == 1, "one file per table and day");

    let from_logs = dragnet(&["query", "-q", "--data", &a, "--data", &b, "--format", "csv", COUNTS]);
    let from_dataset = dragnet(&["query", "--data", out.to_str().unwrap(), "--format", "csv", COUNTS]);
    assert_eq!(from_dataset.status.code(), Some(0), "{}", text(&from_dataset.stderr));
    assert_eq!(text(&from_logs.stdout), text(&from_dataset.stdout));
    assert_eq!(text(&from_dataset.stdout), "T,n\nDeviceFileEvents,1\nDeviceNetworkEvents,1\nDeviceProcessEvents,3\n");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn rejects_file_lists_every_rejected_record() {
    let out = temp_dir("rejects");
    let rejects = out.with_extension("txt");
    let o =
        dragnet(&["ingest", &testdata("logs"), "--out", out.to_str().unwrap(), "--rejects", rejects.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let listed = std::fs::read_to_string(&rejects).unwrap();
    let heads: Vec<&str> = listed.lines().filter(|l| !l.starts_with('\t')).collect();
    assert!(heads.iter().any(|l| l.contains("plain-text.txt:1: not a log format dragnet reads")), "{listed}");
    assert!(heads.iter().any(|l| l.contains("streaming-api-records.json:5: no \"properties\" object")), "{listed}");
    let warned = text(&o.stderr).lines().filter(|l| l.starts_with("dragnet: warning:")).count();
    assert!(warned >= 3, "one warning per file with rejects: {}", text(&o.stderr));
    std::fs::remove_dir_all(out).unwrap();
    std::fs::remove_file(rejects).unwrap();
}

#[test]
fn a_clean_ingest_exits_zero_and_a_missing_input_two() {
    let out = temp_dir("clean");
    let dir = temp_dir("clean-logs");
    std::fs::create_dir_all(&dir).unwrap();
    let line = r#"{"time":"2026-11-20T11:00:01Z","category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2026-11-20T11:00:01Z","FileName":"ls"}}"#;
    std::fs::write(dir.join("export.json"), format!("{line}\n")).unwrap();
    let o = dragnet(&["ingest", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    let o = dragnet(&["ingest", dir.join("nope.log").to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("dragnet: ") && text(&o.stderr).contains("nope.log"), "{}", text(&o.stderr));
    std::fs::remove_dir_all(out).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stats_name_each_files_formats_and_format_forces_one() {
    let mixed = testdata("logs/mixed/falco-alert-then-audit-records.log");
    let audit = testdata("logs/auditd/comment-header.log");
    let out = temp_dir("formats");
    let o = dragnet(&["ingest", &mixed, &audit, "--out", out.to_str().unwrap(), "--stats", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stats = text(&o.stdout);
    assert!(stats.lines().any(|l| l.starts_with("falco+auditd ") && l.ends_with(&mixed)), "{stats}");
    assert!(stats.lines().any(|l| l.starts_with("auditd ") && l.ends_with(&audit)), "{stats}");

    // Forced, the Falco line is a reject of the auditd reader.
    let o = dragnet(&["ingest", &mixed, "--format", "auditd", "--out", out.to_str().unwrap(), "--stats", "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("1 record rejected in") && text(&o.stderr).contains("first at line 1:"),
        "{}",
        text(&o.stderr)
    );

    let o = dragnet(&["ingest", &mixed, "--format", "syslogd", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--format syslogd: no such format (the formats are: defender, k8s-audit,"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn year_places_syslog_timestamps_that_carry_none() {
    let out = temp_dir("year");
    let o = dragnet(&[
        "ingest",
        "-q",
        "--year",
        "2019",
        &testdata("logs/syslog/auth-rfc3164.log"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let q = "Syslog | summarize first = min(TimeGenerated), last = max(TimeGenerated)";
    let o = dragnet(&["query", "-q", "--format", "csv", "--data", out.to_str().unwrap(), q]);
    assert_eq!(
        text(&o.stdout),
        "first,last\n2019-01-05T01:02:03.0000000Z,2019-01-05T01:05:00.0000000Z\n",
        "{}",
        text(&o.stderr)
    );
    std::fs::remove_dir_all(out).unwrap();
}
