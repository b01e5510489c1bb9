//! A sink told which tables are read ([`Wanted`]): the auditd reader
//! leaves `LinuxAuditLog` out when it is not wanted, and everything else
//! (the other tables' rows, records, skipped, rejects) stays as when every
//! table is built.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::record_batch::RecordBatch;
use telemetry::sink::{Collect, FileStats, Sink, Wanted};

const LINUX_AUDIT_LOG: &str = "LinuxAuditLog";

/// What reading `input` (named `name`) gives under `wanted`: per-file
/// stats and each table's rows in one batch.
fn read(name: &str, input: &[u8], wanted: Wanted) -> (Vec<FileStats>, BTreeMap<&'static str, RecordBatch>) {
    let mut out = Collect::default();
    let files = {
        let mut sink = Sink::new(&mut out).with_wanted(wanted);
        let mut bytes = input;
        telemetry::sources::read_stream(Path::new(name), &mut bytes, &mut sink).expect("the output never fails");
        sink.finish().unwrap();
        std::mem::take(&mut sink.files)
    };
    let tables = out
        .tables
        .into_iter()
        .map(|(t, batches)| (t, concat_batches(&batches[0].schema(), &batches).unwrap()))
        .collect();
    (files, tables)
}

/// Every table but `LinuxAuditLog`.
fn all_but_raw() -> Wanted {
    Wanted::Only(
        telemetry::tables::all().into_iter().map(|(n, _)| n.to_string()).filter(|n| n != LINUX_AUDIT_LOG).collect(),
    )
}

fn auditd_logs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/logs");
    let mut files = Vec::new();
    for dir in ["auditd", "atomic"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "log") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "the auditd test logs are found");
    files
}

#[test]
fn leaving_linux_audit_log_out_changes_no_other_table_and_no_count() {
    for path in auditd_logs() {
        let input = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        let (all_stats, mut all) = read(&name, &input, Wanted::All);
        let (some_stats, some) = read(&name, &input, all_but_raw());
        assert!(all.remove(LINUX_AUDIT_LOG).is_some_and(|b| b.num_rows() > 0), "{name}: rows when built");
        assert!(!some.contains_key(LINUX_AUDIT_LOG), "{name}: no rows when not built");
        assert_eq!(all, some, "{name}: the other tables");
        assert_eq!(all_stats.len(), some_stats.len(), "{name}");
        for (a, s) in all_stats.iter().zip(&some_stats) {
            assert_eq!((a.records, a.skipped, &a.rejects), (s.records, s.skipped, &s.rejects), "{name}");
            assert!(a.not_built.is_empty(), "{name}");
            if a.format == Some("auditd") {
                assert_eq!(s.not_built, BTreeSet::from([LINUX_AUDIT_LOG]), "{name}: says what it left out");
                assert!(!s.rows.contains_key(LINUX_AUDIT_LOG), "{name}: no count of 0 rows");
            }
            let mut rows = a.rows.clone();
            rows.remove(LINUX_AUDIT_LOG);
            assert_eq!(rows, s.rows, "{name}: row counts");
        }
    }
}

#[test]
fn a_record_that_cannot_be_split_into_fields_is_rejected_whether_or_not_the_raw_rows_are_built() {
    let log = b"type=USER_CMD msg=audit(1700000000.000:5): pid=1 uid=0 msg='cwd=\"/\" cmd=\"ls'\n\
                type=SYSCALL msg=audit(1700000001.000:6): arch=c000003e syscall=39 success=yes exit=1 pid=2 ppid=1 uid=0 comm=\"a\" exe=\"/bin/a\" key=\"k\n\
                type=SYSCALL msg=audit(1700000002.000:7): arch=c000003e syscall=39 success=yes exit=1 pid=3 ppid=1 uid=0 comm=\"b\" exe=\"/bin/b\"\n";
    for wanted in [Wanted::All, all_but_raw()] {
        let (stats, tables) = read("cut.log", log, wanted.clone());
        let f = &stats[0];
        assert_eq!((f.records, f.skipped), (3, 1), "{wanted:?}");
        let rejects = f.rejects.as_ref().expect("two rejects");
        assert_eq!((rejects.count, rejects.first.0), (2, 1), "{wanted:?}");
        assert!(rejects.first.1.contains("unterminated quote in msg="), "{}", rejects.first.1);
        let raw_rows = tables.get(LINUX_AUDIT_LOG).map_or(0, |b| b.num_rows());
        assert_eq!(raw_rows, if wanted == Wanted::All { 1 } else { 0 });
    }
}
