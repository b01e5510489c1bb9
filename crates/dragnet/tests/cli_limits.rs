//! Extreme queries through the binary: each ends with an answer or a clean
//! error and exit status, never a crash, and `--timeout` bounds the run.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dragnet(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dragnet");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait for dragnet")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn joined(n: usize, sep: &str, item: impl Fn(usize) -> String) -> String {
    (0..n).map(item).collect::<Vec<_>>().join(sep)
}

#[test]
fn timeout_stops_a_query_inside_one_long_batch() {
    // A `parse` of 1000 columns over these rows takes far longer than 1s.
    let words = joined(1000, " ", |i| format!("v{i}"));
    let pattern = joined(1000, " ' ' ", |i| format!("c{i}"));
    let q = format!("range r from 1 to 50 step 1 | extend s = '{words}' | parse s with {pattern} | project c999");
    let o = dragnet(&["query", "--timeout", "1s", "-"], &q);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("time budget of 1s"), "{}", text(&o.stderr));
}

#[test]
fn long_chains_answer_or_are_refused() {
    let or = format!("print x = 3999 | where {}", joined(4000, " or ", |i| format!("x == {i}")));
    let o = dragnet(&["query", "-"], &or);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("3999"), "{}", text(&o.stdout));

    let add = format!("print {}", joined(6000, "+", |_| "1".into()));
    let o = dragnet(&["query", "-"], &add);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("KQL106"), "{}", text(&o.stderr));
}

#[test]
fn check_dumps_the_deepest_tree() {
    let q = format!("print {}", joined(4000, " and ", |_| "true".into()));
    let o = dragnet(&["check", "--ast", "-"], &q);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = dragnet(&["check", "--format", "json", "--ast", "-"], &q);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Deeper than serde_json reads back by default: check the text.
    assert!(text(&o.stdout).starts_with(r#"{"ok":true,"ast":"#), "{}", text(&o.stdout).get(..200).unwrap_or(""));
}

#[test]
fn a_held_result_counts_against_the_memory_limit() {
    // About 40 MB of rows: more than the pool of a 16 MB limit.
    let q = "range x from 1 to 1000000 step 1 | extend s = strcat('row number ', x, ' of a result held whole')";
    let o = dragnet(&["query", "--memory-limit", "16MB", "-"], q);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("needs more memory than its budget"), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--memory-limit is 16 MiB"), "{}", text(&o.stderr));
    // Written as the rows come, the same result is not held.
    let o = dragnet(&["query", "--memory-limit", "16MB", "--format", "jsonl", "-"], q);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 1_000_000);
}
