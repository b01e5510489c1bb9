//! Golden tests of rule validation: each `bad_rules/NAME.yaml` beside
//! `NAME.expected`, the diagnostics one per line as dragnet prints them
//! (`file:line:column: key: message`). `UPDATE_EXPECT=1` rewrites the
//! expected files, which are then read and checked by hand.

use std::path::Path;

use detect::rule::parse;

#[test]
fn bad_rules_report_file_line_column_and_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_rules");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 9);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let shown = format!("bad_rules/{}", path.file_name().unwrap().to_string_lossy());
        let (rule, diags) = parse(&text, &shown);
        assert!(rule.is_none(), "{shown} loaded although it is wrong");
        let got: String = diags.iter().map(|d| format!("{d}\n")).collect();
        let expected_path = path.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!("{shown}:\n--- expected\n{want}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
