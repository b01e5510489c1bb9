//! `dragnet test`: every rule's tests, pass or fail.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use detect::rule::Rule;
use detect::rule_tests::{TestOutcome, expectation, plural, run_test_scanned};
use detect::sigma_scan::plan_one;
use kql_engine::EngineConfig;
use serde_json::json;

use crate::cli::{RuleSources, TestArgs, TestFormat};
use crate::cmd::rule_set;

/// Limits for one test's query: test logs are small.
fn config(spill: &Path) -> EngineConfig {
    EngineConfig {
        memory_limit: Some(1 << 30),
        timeout: Some(Duration::from_secs(60)),
        target_partitions: Some(1),
        spill_dir: Some(spill.to_path_buf()),
        ..EngineConfig::unlimited()
    }
}

/// Runs `test`: 0 all passed, 1 something failed.
pub fn run(args: &TestArgs, out: &mut dyn Write) -> Result<i32> {
    for p in &args.rules {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    let sources = RuleSources { rules: args.rules.clone(), no_builtin: !args.rules.is_empty(), sigma_mapping: None };
    let (pack, load_failed) = rule_set::load(&sources)?;
    let spill = crate::cmd::query::engine_spill(&std::env::temp_dir())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    let (mut passed, mut failed, mut untested) = (0, 0, 0);
    for (i, rule) in pack.rules.iter().enumerate() {
        if rule.tests.is_empty() {
            untested += 1;
            write_untested(out, args, rule)?;
            continue;
        }
        // A Sigma rule runs in its scan, as in `dragnet hunt`.
        let scan = plan_one(&pack, i);
        for test in &rule.tests {
            let outcome = rt.block_on(run_test_scanned(rule, test, config(spill.path()), scan.as_ref()));
            if outcome.passed() {
                passed += 1;
            } else {
                failed += 1;
            }
            write_outcome(out, args.format, rule, test, &outcome)?;
        }
    }
    if args.format == TestFormat::Table {
        writeln!(
            out,
            "\n{} in {}: {passed} passed, {failed} failed; {} without tests{}",
            plural(passed + failed, "test"),
            plural(pack.rules.len(), "rule"),
            plural(untested, "rule"),
            if args.strict && untested > 0 { " (a failure with --strict)" } else { "" }
        )?;
    }
    if load_failed {
        eprintln!("dragnet: some rule files have errors (above), so their tests did not run");
    }
    let untested_fails = args.strict && untested > 0;
    Ok(if failed > 0 || untested_fails || load_failed { 1 } else { 0 })
}

/// What people call a rule in one line: its folder for `<rule>/rule.yaml`,
/// else its file name.
fn short_name(rule: &Rule) -> String {
    let origin = rule.origin.strip_prefix("builtin:").unwrap_or(&rule.origin);
    let path = Path::new(origin);
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match path.parent().and_then(Path::file_name) {
        Some(dir) if stem == "rule" => dir.to_string_lossy().into_owned(),
        _ => stem,
    }
}

fn write_outcome(
    out: &mut dyn Write,
    format: TestFormat,
    rule: &Rule,
    test: &detect::rule::RuleTest,
    outcome: &TestOutcome,
) -> Result<()> {
    match format {
        TestFormat::Table => {
            let verdict = if outcome.passed() { "PASS" } else { "FAIL" };
            let mut what = test.kind.as_str().to_string();
            if let Some(a) = &test.atomic {
                what.push(' ');
                what.push_str(a);
            }
            let result = match outcome.now {
                Some(_) => plural(outcome.alerts.len(), "alert"),
                None => "not run".into(),
            };
            writeln!(out, "{verdict}  {:<44} {} [{what}]: {result}", short_name(rule), test.name)?;
            for f in &outcome.failures {
                writeln!(out, "      {}:{}:{}: {f}", rule.origin, test.at.0, test.at.1)?;
            }
        }
        TestFormat::Jsonl => {
            let v = json!({
                "rule_id": rule.id,
                "rule": short_name(rule),
                "origin": rule.origin,
                "line": test.at.0,
                "test": test.name,
                "kind": test.kind.as_str(),
                "atomic": test.atomic,
                "logs": outcome.logs,
                "now": outcome.now.map(kql_engine::render::datetime_text),
                "expected": expectation(test),
                "alerts": outcome.alerts.len(),
                "passed": outcome.passed(),
                "failures": outcome.failures,
            });
            writeln!(out, "{v}")?;
        }
    }
    Ok(())
}

fn write_untested(out: &mut dyn Write, args: &TestArgs, rule: &Rule) -> Result<()> {
    let verdict = if args.strict { "FAIL" } else { "NONE" };
    match args.format {
        TestFormat::Table => writeln!(out, "{verdict}  {:<44} has no tests", short_name(rule))?,
        TestFormat::Jsonl => {
            let v = json!({
                "rule_id": rule.id,
                "rule": short_name(rule),
                "origin": rule.origin,
                "test": null,
                "passed": !args.strict,
                "failures": if args.strict { vec!["the rule has no tests"] } else { vec![] },
            });
            writeln!(out, "{v}")?;
        }
    }
    Ok(())
}
