//! Parses every `.kql` file under a folder (the real-world query corpus made
//! by `scripts/kql-corpus/extract.py`) and reports the parse rate.
//!
//! ```text
//! cargo run --release -p kql-syntax --example corpus -- target/kql-corpus [--failures FILE] [--roundtrip]
//! ```
//!
//! `--failures FILE` writes each failing query's path and first diagnostic;
//! `--roundtrip` also checks that printing each parsed query and parsing it
//! again gives the same tree.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "kql") {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: corpus DIR [--failures FILE] [--roundtrip]");
        std::process::exit(2);
    };
    let failures_path = args.iter().position(|a| a == "--failures").and_then(|i| args.get(i + 1));
    let roundtrip = args.iter().any(|a| a == "--roundtrip");

    let mut files = Vec::new();
    walk(Path::new(root), &mut files);
    files.sort();
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();

    let start = Instant::now();
    let results: Vec<kql_syntax::Parsed> = texts.iter().map(|(_, t)| kql_syntax::parse(t)).collect();
    let secs = start.elapsed().as_secs_f64();

    let mut report = String::new();
    let mut ok = 0;
    let mut per_source: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut roundtrip_failures = 0;
    for ((path, text), parsed) in texts.iter().zip(&results) {
        let source = path.parent().and_then(|p| p.file_name()).map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let entry = per_source.entry(source).or_default();
        entry.0 += 1;
        if parsed.is_ok() {
            ok += 1;
            entry.1 += 1;
            if roundtrip {
                let printed = kql_syntax::print_query(&parsed.query);
                let again = kql_syntax::parse(&printed);
                if !again.is_ok() || kql_syntax::dump(&again.query, false) != kql_syntax::dump(&parsed.query, false) {
                    roundtrip_failures += 1;
                    report.push_str(&format!("ROUNDTRIP {}\n{}\n\n", path.display(), printed));
                }
            }
        } else {
            let d = &parsed.diagnostics[0];
            let rendered = d.render(text, &path.display().to_string());
            report.push_str(&rendered);
            report.push('\n');
        }
    }
    for (source, (n, good)) in &per_source {
        println!("{source:<55} {good:>5}/{n:<5} {:>6.2}%", 100.0 * *good as f64 / *n as f64);
    }
    let n = texts.len();
    println!(
        "parsed {ok}/{n} queries ({:.2}%), {:.1} MB in {:.3}s = {:.1} MB/s",
        100.0 * ok as f64 / n.max(1) as f64,
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
    if roundtrip {
        println!("round-trip mismatches: {roundtrip_failures}");
    }
    if let Some(path) = failures_path {
        std::fs::write(path, report).expect("write failures");
    }
}
