//! Running a rule's tests: each test's logs read through the log sources
//! (the format recognised from the content), the rule run over them at the
//! test's `now`, and the alerts compared with what the test expects.
//!
//! A test's logs are named relative to its rule file. For the built-in
//! pack they are the logs embedded with it ([`crate::pack::builtin_test_log`]).
//!
//! A test fails, never passes quietly, when its logs are missing, when any
//! record in them is rejected, or when they hold no events to set `now`.

use std::path::{Component, Path, PathBuf};

use kql_engine::{Engine, EngineConfig};

use crate::alert::Alert;
use crate::fold::AlertCaps;
use crate::pack::builtin_test_log;
use crate::rows::cell;
use crate::rule::{Rule, RuleTest, TestKind};
use crate::run::{default_catalog, newest_event, run_rule};
use crate::sigma_scan::{TableScan, run_scan};

/// The origin prefix of rules of the built-in pack.
const BUILTIN: &str = "builtin:";

/// What one test gave.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test's logs as found (a path, or `builtin:rules/...`).
    pub logs: Vec<String>,
    /// The time the rule ran at (ns since the epoch), when it ran.
    pub now: Option<i64>,
    /// The alerts the rule raised, when it ran.
    pub alerts: Vec<Alert>,
    /// Why the test failed; empty when it passed.
    pub failures: Vec<String>,
}

impl TestOutcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// What a test expects in words: `1 alert`, `at least 1 alert`, `no alert`.
pub fn expectation(test: &RuleTest) -> String {
    match (test.expect_alerts, test.kind) {
        (Some(0), _) | (None, TestKind::Benign | TestKind::KnownMiss) => "no alert".into(),
        (Some(n), _) => plural(n as usize, "alert"),
        (None, _) => "at least 1 alert".into(),
    }
}

/// `1 alert`, `2 alerts`.
pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Runs one test of `rule`. Failures to read or run are failures of the
/// test, reported in its outcome.
pub async fn run_test(rule: &Rule, test: &RuleTest, config: EngineConfig) -> TestOutcome {
    run_test_scanned(rule, test, config, None).await
}

/// [`run_test`], running a Sigma rule in `scan` (its scan alone, from
/// `sigma_scan::plan_one`) as `dragnet hunt` does.
pub async fn run_test_scanned(
    rule: &Rule,
    test: &RuleTest,
    config: EngineConfig,
    scan: Option<&TableScan>,
) -> TestOutcome {
    let mut outcome = TestOutcome { logs: Vec::new(), now: None, alerts: Vec::new(), failures: Vec::new() };
    if test.logs.is_empty() {
        outcome.failures.push("the test names no logs (`logs:`), so there is nothing to run".into());
        return outcome;
    }
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for log in &test.logs {
        match read_log(&rule.origin, log) {
            Ok((name, bytes)) => {
                outcome.logs.push(name.clone());
                inputs.push((PathBuf::from(name), bytes));
            }
            Err(e) => outcome.failures.push(e),
        }
    }
    if !outcome.failures.is_empty() {
        return outcome;
    }
    let borrowed: Vec<(PathBuf, &[u8])> = inputs.iter().map(|(n, b)| (n.clone(), b.as_slice())).collect();
    let loaded = match telemetry::load::load_bytes(&borrowed) {
        Ok(l) => l,
        Err(e) => {
            outcome.failures.push(e.to_string());
            return outcome;
        }
    };
    outcome.failures.extend(loaded.rejects().map(|r| r.to_string()));
    let mut catalog = default_catalog();
    for (name, table) in loaded.tables {
        catalog.register(&name, table);
    }
    let engine = Engine::new(catalog, config);
    let now = match &test.now {
        Some(t) => kql_syntax::parse_datetime_nanos(t),
        None => match newest_event(&engine).await {
            Ok(n) => n,
            Err(e) => {
                outcome.failures.push(format!("cannot find the newest event: {e}"));
                return outcome;
            }
        },
    };
    let Some(now) = now else {
        outcome.failures.push("the logs hold no events, so there is no time to run the rule at; set `now:`".into());
        return outcome;
    };
    outcome.now = Some(now);
    let run = match scan {
        Some(scan) => run_scan(&engine, scan, std::slice::from_ref(rule), now, AlertCaps::default())
            .await
            .map(|mut runs| runs.pop().map(|r| r.alerts).unwrap_or_default()),
        None => run_rule(&engine, rule, now).await.map(|r| r.alerts),
    };
    match run {
        Ok(alerts) => outcome.alerts = alerts,
        Err(e) => {
            outcome.failures.push(format!("the rule failed to run: {e}"));
            return outcome;
        }
    }
    outcome.failures.extend(check(test, &outcome.alerts));
    outcome
}

/// What is wrong with `alerts` as the outcome of `test`.
pub fn check(test: &RuleTest, alerts: &[Alert]) -> Vec<String> {
    let mut out = Vec::new();
    let n = alerts.len();
    let count_ok = match (test.expect_alerts, test.kind) {
        (Some(want), _) => n as u64 == want,
        (None, TestKind::Benign | TestKind::KnownMiss) => n == 0,
        (None, _) => n > 0,
    };
    if !count_ok {
        out.push(format!("expected {}, got {}", expectation(test), n));
    }
    if !test.expect_fields.is_empty() && n > 0 {
        let matches = |row: &crate::rows::Row| test.expect_fields.iter().all(|(c, v)| cell(row, c) == *v);
        if !alerts.iter().any(|a| a.evidence.iter().any(matches)) {
            let want: Vec<String> = test.expect_fields.iter().map(|(c, v)| format!("{c} = {v:?}")).collect();
            let first = alerts.iter().flat_map(|a| a.evidence.first()).next();
            let got: Vec<String> = match first {
                Some(row) => test.expect_fields.iter().map(|(c, _)| format!("{c} = {:?}", cell(row, c))).collect(),
                None => vec!["no evidence rows".into()],
            };
            out.push(format!(
                "no alert has an evidence row with {}; the first has {}",
                want.join(", "),
                got.join(", ")
            ));
        }
    }
    out
}

/// The bytes of `log`, named relative to the rule at `origin`, and the
/// name it is reported under.
fn read_log(origin: &str, log: &str) -> Result<(String, Vec<u8>), String> {
    if let Some(rule_path) = origin.strip_prefix(BUILTIN) {
        let name = normalize(&Path::new(rule_path).parent().unwrap_or(Path::new("")).join(log));
        return match builtin_test_log(&name) {
            Some(bytes) => Ok((format!("{BUILTIN}{name}"), bytes.to_vec())),
            None => Err(format!("log {log} is not among the built-in pack's test logs (looked for {name})")),
        };
    }
    let dir = Path::new(origin).parent().unwrap_or(Path::new(""));
    let path = dir.join(log);
    match std::fs::read(&path) {
        Ok(bytes) => Ok((path.display().to_string(), bytes)),
        Err(e) => Err(format!("cannot read log {}: {e}", path.display())),
    }
}

/// `a/b/../c/./d` as `a/c/d`, with `/` separators.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                parts.pop();
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_log_names_are_normalized() {
        assert_eq!(normalize(Path::new("rules/a/./tests/../tests/x.log")), "rules/a/tests/x.log");
    }

    #[test]
    fn a_missing_log_is_named() {
        let err = read_log("builtin:rules/none/rule.yaml", "tests/x.log").unwrap_err();
        assert!(err.contains("rules/none/tests/x.log"), "{err}");
        let err = read_log("/nonexistent/rule.yaml", "tests/x.log").unwrap_err();
        assert!(err.contains("/nonexistent/tests/x.log"), "{err}");
    }
}
