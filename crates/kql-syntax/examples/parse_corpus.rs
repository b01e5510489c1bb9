//! Parses every `.kql` file under a folder (the real-world query corpus made
//! by `scripts/kql-corpus/extract.py`) and reports the parse rate.
//!
//! ```text
//! cargo run --release -p kql-syntax --example parse_corpus -- target/kql-corpus \
//!     [--invalid scripts/kql-corpus/invalid.tsv] [--failures FILE] [--roundtrip]
//! ```
//!
//! `--invalid FILE` names the reviewed list of corpus queries that real
//! Kusto rejects too (matched through the corpus's `manifest.tsv`); they are
//! left out of the parse rate, and any of them that parses is reported.
//! `--failures FILE` writes each failing query's path and first diagnostic;
//! `--roundtrip` also checks that printing each parsed query and parsing it
//! again gives the same tree.

use std::path::{Path, PathBuf};
use std::time::Instant;

mod listed;

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

/// Kusto's editors (Kusto Explorer, Log Analytics, the Defender portal)
/// treat a blank line as the end of a query, so files of published queries
/// often hold several queries separated by blank lines and no `;`. Splits
/// `text` that way, dropping blocks that are only comments.
fn editor_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            blocks.push(std::mem::take(&mut cur));
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    blocks.push(cur);
    blocks
        .into_iter()
        .filter(|b| b.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//")))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: corpus DIR [--failures FILE] [--roundtrip]");
        std::process::exit(2);
    };
    let failures_path = args.iter().position(|a| a == "--failures").and_then(|i| args.get(i + 1));
    let roundtrip = args.iter().any(|a| a == "--roundtrip");
    let invalid_list = args.iter().position(|a| a == "--invalid").and_then(|i| args.get(i + 1));
    let invalid = listed::load(Path::new(root), invalid_list.map(String::as_str));

    let mut files = Vec::new();
    walk(Path::new(root), &mut files);
    files.sort();
    let texts: Vec<(PathBuf, String)> =
        files.into_iter().filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t))).collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();

    let start = Instant::now();
    let results: Vec<kql_syntax::Parsed> = texts.iter().map(|(_, t)| kql_syntax::parse(t)).collect();
    let secs = start.elapsed().as_secs_f64();

    let mut report = String::new();
    let mut ok = 0;
    let mut per_source: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut roundtrip_failures = 0;
    let mut as_blocks = 0;
    let mut excluded = 0;
    let mut stale = Vec::new();
    for ((path, text), parsed) in texts.iter().zip(&results) {
        let source =
            path.parent().and_then(|p| p.file_name()).map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let entry = per_source.entry(source).or_default();
        entry.0 += 1;
        let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned();
        let listed_invalid = invalid.contains_key(&rel);
        if parsed.is_ok() && listed_invalid {
            stale.push(rel.clone());
        }
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
        } else if editor_blocks(text).len() > 1 && editor_blocks(text).iter().all(|b| kql_syntax::parse(b).is_ok()) {
            as_blocks += 1;
            entry.1 += 1;
        } else if listed_invalid {
            excluded += 1;
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
    let failed = n - ok - as_blocks - excluded;
    println!(
        "of the others, {as_blocks} parse when split at blank lines as Kusto's editors do, \
         {excluded} are on the reviewed list of queries Kusto rejects too, {failed} fail"
    );
    println!(
        "parse rate over the queries Kusto accepts: {}/{} = {:.2}%",
        ok + as_blocks,
        n - excluded,
        100.0 * (ok + as_blocks) as f64 / (n - excluded).max(1) as f64
    );
    for s in &stale {
        println!("listed as invalid but parses: {s}");
    }
    if roundtrip {
        println!("round-trip mismatches: {roundtrip_failures}");
    }
    if let Some(path) = failures_path {
        std::fs::write(path, report).expect("write failures");
    }
}
