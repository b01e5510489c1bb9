//! `--table NAME=PATH`: a user's own export (CSV, JSON lines, Parquet)
//! queried under the name given, with KQL types inferred.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).args(args).output().expect("run dragnet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_csv_export_is_queried_with_inferred_types() {
    let csv = root().join("testdata/user-tables/signins.csv");
    let spec = format!("MySignins={}", csv.display());
    // A null ResultType is != 0, as in Kusto: bob's row is in.
    let o = dragnet(&[
        "query",
        "-q",
        "--format",
        "csv",
        "--table",
        &spec,
        "MySignins | where ResultType != 0 and RiskScore > 0.1 | extend T = TimeGenerated + 1h \
         | project T, UserPrincipalName, ResultType, IsInteractive, Kind = gettype(ResultType)",
    ]);
    assert_eq!(
        text(&o.stdout),
        "T,UserPrincipalName,ResultType,IsInteractive,Kind\n2024-01-05T02:00:00.0000000Z,alice@example.com,50126,true,long\n\
         2024-01-05T02:02:00.0000000Z,bob@example.com,,true,long\n",
        "{}",
        text(&o.stderr)
    );
    assert!(
        text(&o.stderr).contains("signins.csv; first at line 5: 2 cells where the header has 6"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn json_lines_and_parquet_exports_too() {
    let jsonl = root().join("testdata/user-tables/cloudtrail.jsonl");
    let spec = format!("Trail={}", jsonl.display());
    let o = dragnet(&[
        "query",
        "-q",
        "--format",
        "csv",
        "--table",
        &spec,
        "Trail | where eventName == 'GetSecretValue' | project Arn = tostring(userIdentity.arn), count, eventTime",
    ]);
    assert_eq!(
        text(&o.stdout),
        "Arn,count,eventTime\narn:aws:iam::1:role/web,3,2024-01-05T01:00:00.0000000Z\n",
        "{}",
        text(&o.stderr)
    );

    // A Parquet file: the one `ingest` writes for a table.
    let out = std::env::temp_dir().join(format!("dragnet-table-flag-{}", std::process::id()));
    let logs = root().join("testdata/logs/syslog/rsyslog-high-precision.log");
    let o = dragnet(&["ingest", "-q", logs.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut files = Vec::new();
    let mut dirs = vec![out.join("Syslog")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() { dirs.push(e.path()) } else { files.push(e.path()) }
        }
    }
    assert_eq!(files.len(), 1, "{files:?}");
    let spec = format!("OldSyslog={}", files[0].display());
    let o = dragnet(&[
        "query",
        "-q",
        "--format",
        "csv",
        "--table",
        &spec,
        "OldSyslog | summarize n = count(), pids = make_set(ProcessID) by Computer",
    ]);
    assert_eq!(text(&o.stdout), "Computer,n,pids\nweb-2,3,\"[1812,1,2001]\"\n", "{}", text(&o.stderr));
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn bad_table_flags_are_usage_errors() {
    let o = dragnet(&["query", "--table", "no-equals-sign", "print 1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("expected NAME=PATH"), "{}", text(&o.stderr));
    let o = dragnet(&["query", "--table", "9x=/dev/null", "print 1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not a table name"), "{}", text(&o.stderr));
}

#[test]
fn ingest_writes_a_users_table_into_the_dataset() {
    let out = std::env::temp_dir().join(format!("dragnet-table-ingest-{}", std::process::id()));
    let logs = root().join("testdata/logs/syslog/rsyslog-high-precision.log");
    let spec = format!("Trail={}", root().join("testdata/user-tables/cloudtrail.jsonl").display());
    let o = dragnet(&["ingest", "-q", logs.to_str().unwrap(), "--out", out.to_str().unwrap(), "--table", &spec]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // No TimeGenerated or Timestamp column: one folder of undated rows.
    assert!(out.join("Trail/undated").is_dir());
    let o = dragnet(&[
        "query",
        "--format",
        "csv",
        "--data",
        out.to_str().unwrap(),
        "Trail | summarize n = sum(['count']) by eventName | order by eventName asc",
    ]);
    assert_eq!(text(&o.stdout), "eventName,n\nGetSecretValue,3\nListBuckets,1\n", "{}", text(&o.stderr));
    std::fs::remove_dir_all(out).unwrap();
}
