//! `dragnet query` through the binary: a single result in JSON lines or CSV
//! is written a batch at a time, with one header, and a failure exits 1.

use std::process::{Command, Output};

fn query(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dragnet")).arg("query").arg("--quiet").args(args).output().expect("run dragnet")
}

#[test]
fn a_result_of_many_batches_is_written_whole_with_one_header() {
    let o = query(&["--format", "csv", "range i from 1 to 20000 step 1 | extend j = i * 2"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 20001);
    assert_eq!(lines.iter().filter(|l| **l == "i,j").count(), 1);
    assert_eq!(lines[0], "i,j");
    let sum: i64 = lines[1..].iter().map(|l| l.split(',').next().unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(sum, 20000 * 20001 / 2);
    let o = query(&["--format", "jsonl", "range i from 1 to 20000 step 1"]);
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 20000);
}

#[test]
fn a_query_that_fails_while_running_exits_1() {
    let o = query(&["--format", "jsonl", "range i from 1 to 10 step 0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the step cannot be zero"));
}
