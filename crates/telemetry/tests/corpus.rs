//! The sample corpus: real files from the producers' own repositories
//! (listed, with their origins, in `testdata/corpus/ORIGINS.tsv`; the
//! files themselves are not in the repository). With
//! `DRAGNET_CORPUS=DIR` set, every listed file is read and the report
//! (per producer: files, records, rows, rejects; every reject with its
//! reason) must equal `testdata/corpus/report.expected`;
//! `UPDATE_EXPECT=1` writes it for review. Without the corpus the test
//! says loudly that nothing was checked.

#[path = "../examples/corpus/report.rs"]
mod report;

use std::io::Write;
use std::path::{Path, PathBuf};

#[test]
fn corpus_report_matches_when_dragnet_corpus_is_set() {
    let Some(dir) = std::env::var_os("DRAGNET_CORPUS").map(PathBuf::from) else {
        // Written past the test harness's capture, so it shows on a passing run.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** corpus NOT CHECKED: DRAGNET_CORPUS is not set (DRAGNET_CORPUS=DIR cargo test -p telemetry --test corpus) ***\n"
        );
        return;
    };
    let tsv = std::fs::read_to_string(report::origins_file()).unwrap();
    let origins = report::origins(&tsv).unwrap();
    let missing: Vec<&str> = origins.iter().filter(|o| !dir.join(&o.path).is_file()).map(|o| o.path.as_str()).collect();
    assert!(missing.is_empty(), "{} corpus files missing under {}: {missing:?}", missing.len(), dir.display());
    let results: Vec<_> = origins.iter().map(|o| report::read(&dir, o)).collect();
    let got = report::render(&results);
    let expected_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus/report.expected");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &got).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if got != expected {
        let diff: Vec<String> = diff_lines(&expected, &got);
        panic!(
            "corpus report differs from {} (UPDATE_EXPECT=1 to review):\n{}",
            expected_path.display(),
            diff.join("\n")
        );
    }
}

/// Lines only in one of the two texts, marked `-` (expected) and `+` (got).
fn diff_lines(expected: &str, got: &str) -> Vec<String> {
    let e: std::collections::BTreeSet<&str> = expected.lines().collect();
    let g: std::collections::BTreeSet<&str> = got.lines().collect();
    let mut out: Vec<String> = e.difference(&g).map(|l| format!("- {l}")).collect();
    out.extend(g.difference(&e).map(|l| format!("+ {l}")));
    out
}
