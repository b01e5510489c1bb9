//! Golden tests: every `test_data/ok/*.kql` parses without diagnostics to the
//! tree in its `.ast` file and prints back to text that parses to the same
//! tree; every `test_data/err/*.kql` renders exactly the diagnostics in its
//! `.diag` file (message, location, caret and help). Run with
//! `UPDATE_EXPECT=1` to write the expectation files, then review the diff.

use std::path::{Path, PathBuf};

fn cases(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("read {}: {e}", root.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "kql"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", root.display());
    files
}

/// Compares `actual` with the expectation file, or writes it under `UPDATE_EXPECT`.
fn expect_file(path: &Path, actual: &str, failures: &mut Vec<String>) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        _ if update => std::fs::write(path, actual).expect("write expectation"),
        Ok(expected) => failures.push(format!(
            "{} differs (UPDATE_EXPECT=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )),
        Err(_) => failures.push(format!("{} is missing (UPDATE_EXPECT=1 writes it)", path.display())),
    }
}

#[test]
fn valid_queries_parse_to_their_trees_and_round_trip() {
    let mut failures = Vec::new();
    for case in cases("ok") {
        let text = std::fs::read_to_string(&case).expect("read case");
        let parsed = kql_syntax::parse(&text);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !parsed.is_ok() {
            let rendered: Vec<String> = parsed.diagnostics.iter().map(|d| d.render(&text, &name)).collect();
            failures.push(format!("{name} has diagnostics:\n{}", rendered.join("\n")));
            continue;
        }
        expect_file(&case.with_extension("ast"), &kql_syntax::dump(&parsed.query, true), &mut failures);
        let printed = kql_syntax::print_query(&parsed.query);
        let again = kql_syntax::parse(&printed);
        if !again.is_ok() || kql_syntax::dump(&again.query, false) != kql_syntax::dump(&parsed.query, false) {
            failures.push(format!("{name} does not round-trip through the printer:\n{printed}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_queries_report_their_diagnostics() {
    let mut failures = Vec::new();
    for case in cases("err") {
        let text = std::fs::read_to_string(&case).expect("read case");
        let parsed = kql_syntax::parse(&text);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if parsed.is_ok() {
            failures.push(format!("{name} parsed without diagnostics"));
            continue;
        }
        let rendered: String = parsed.diagnostics.iter().map(|d| d.render(&text, &name) + "\n").collect();
        expect_file(&case.with_extension("diag"), &rendered, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
