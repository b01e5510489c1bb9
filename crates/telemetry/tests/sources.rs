//! Golden tests of every source: each file under `testdata/logs/` is read
//! on its own, and what it gave (format, counts, rejects, and every row
//! with its non-null cells) is compared with
//! `testdata/logs.expected/<same path>.rows`.
//!
//! `UPDATE_EXPECT=1 cargo test -p telemetry --test sources` writes the
//! expectation files; review the diff before committing it.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use datafusion::arrow::array::Array;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use telemetry::sink::{Collect, Sink};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// What reading `path` gives, as text.
fn render(path: &Path) -> String {
    let mut out = Collect::default();
    let mut rejects = Vec::new();
    let mut text = String::new();
    {
        // Syslog timestamps without a year are placed in 2024, whatever today is.
        let mut host = telemetry::host::HostInfo::default();
        host.year = Some(2024);
        let mut sink = Sink::new(&mut out).with_rejects(Box::new(&mut rejects)).with_host(host);
        telemetry::sources::read_file(path, &mut sink, &AtomicU64::new(0)).expect("the output never fails");
        sink.finish().unwrap();
        // A file holding two formats is read in parts: one entry each.
        let formats: Vec<&str> = sink.files.iter().map(|f| f.format.unwrap_or("none")).collect();
        text.push_str(&format!(
            "format: {}\nrecords: {}\nskipped: {}\nrejected: {}\n",
            formats.join("+"),
            sink.files.iter().map(|f| f.records).sum::<u64>(),
            sink.files.iter().map(|f| f.skipped).sum::<u64>(),
            sink.files.iter().map(|f| f.rejects.as_ref().map_or(0, |r| r.count)).sum::<u64>()
        ));
    }
    let rejects = String::from_utf8_lossy(&rejects).replace(&path.display().to_string(), "FILE");
    for line in rejects.lines() {
        text.push_str(&format!("reject: {line}\n"));
    }
    let opts = FormatOptions::default().with_display_error(true);
    for (table, batches) in &out.tables {
        let mut n = 0;
        for batch in batches {
            let formatters: Vec<ArrayFormatter> =
                batch.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap()).collect();
            for row in 0..batch.num_rows() {
                n += 1;
                text.push_str(&format!("\n{table} #{n}\n"));
                for (i, f) in batch.schema().fields().iter().enumerate() {
                    if batch.column(i).is_valid(row) {
                        text.push_str(&format!("  {}: {}\n", f.name(), formatters[i].value(row)));
                    }
                }
            }
        }
    }
    text
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn every_log_fixture_gives_its_expected_rows() {
    let logs = root().join("logs");
    let expected = root().join("logs.expected");
    let mut inputs = Vec::new();
    files(&logs, &mut inputs);
    assert!(!inputs.is_empty(), "no fixtures under {}", logs.display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for input in &inputs {
        let rel = input.strip_prefix(&logs).unwrap();
        let want_path = expected.join(format!("{}.rows", rel.display()));
        let got = render(input);
        if update {
            std::fs::create_dir_all(want_path.parent().unwrap()).unwrap();
            std::fs::write(&want_path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&want_path) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{} differs (UPDATE_EXPECT=1 rewrites it)\n--- expected\n{want}\n--- actual\n{got}",
                want_path.display()
            )),
            Err(_) => failures.push(format!("{} is missing (UPDATE_EXPECT=1 writes it)", want_path.display())),
        }
    }
    // Every expectation has its fixture: a renamed fixture leaves no stale file behind.
    let mut stale = Vec::new();
    files(&expected, &mut stale);
    for e in stale {
        let rel = e.strip_prefix(&expected).unwrap().display().to_string();
        let Some(fixture) = rel.strip_suffix(".rows") else { continue };
        if !logs.join(fixture).exists() {
            failures.push(format!("{} has no fixture {fixture}", e.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
