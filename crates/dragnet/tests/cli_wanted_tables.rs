//! `hunt` and `query` read logs into the tables their rules and queries
//! read: over a raw audit log, the alerts and rows are those of the same
//! log ingested whole (every table built).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dragnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).current_dir(root()).args(args).output().expect("run dragnet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const LOG: &str = "testdata/logs/atomic/container-attacks.audit.log";

/// `LOG` ingested into a dataset under a fresh folder (every table).
fn ingested(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dragnet-wanted-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = dragnet(&["ingest", "--out", dir.to_str().unwrap(), LOG]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("LinuxAuditLog").is_dir());
    dir
}

#[test]
fn a_hunt_whose_rules_do_not_read_the_raw_records_gives_the_same_alerts() {
    // The shipped KQL rules under rules/ read the Defender tables only.
    let rules = root().join("rules");
    for entry in std::fs::read_dir(&rules).unwrap() {
        let query = entry.unwrap().path().join("query.kql");
        if let Ok(text) = std::fs::read_to_string(&query) {
            assert!(!text.contains("LinuxAuditLog"), "{}", query.display());
        }
    }
    let dir = ingested("hunt");
    let hunt = |data: &Path| {
        let args = ["hunt", "--quiet", "--no-builtin", "--rules", "rules", "--format", "jsonl", data.to_str().unwrap()];
        let o = dragnet(&args);
        assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
        stdout(&o)
    };
    let from_log = hunt(Path::new(LOG));
    let from_dataset = hunt(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(from_log.lines().count() > 10, "{from_log}");
    assert_eq!(from_log, from_dataset);
}

#[test]
fn a_query_of_the_raw_records_gets_every_row() {
    let dir = ingested("query");
    let q = "LinuxAuditLog | summarize n = count(), types = dcount(RecordType), f = countif(isnotempty(Fields))";
    let query = |data: &Path| {
        let o = dragnet(&["query", "--quiet", "--format", "csv", "--data", data.to_str().unwrap(), q]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        stdout(&o)
    };
    let from_log = query(Path::new(LOG));
    let from_dataset = query(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let counts: Vec<&str> = from_log.lines().nth(1).unwrap_or_default().split(',').collect();
    assert!(counts.first().and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n > 100), "{from_log}");
    assert_eq!(from_log, from_dataset);
}
