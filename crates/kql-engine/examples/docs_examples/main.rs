//! Runs the examples of the Kusto docs' reference pages (functions,
//! aggregates, operators, plugins) and compares each result with the
//! output table the page prints after it.
//!
//! ```text
//! cargo run -p kql-engine --example docs_examples -- \
//!     DOCS/data-explorer/kusto/query --reviewed scripts/kql-docs/reviewed.tsv > docs-examples.tsv
//! ```
//!
//! `DOCS` is a checkout of MicrosoftDocs/dataexplorer-docs. Tables are the
//! documented ones, empty; an example that reads a table it does not define
//! (`StormEvents` and the help cluster's other sample tables) is skipped as
//! needing that data, as are management commands, examples with no output
//! table and those whose output depends on `now()` or chance. Each query
//! has 5 seconds (`--timeout SECS`). `--page NAME` runs one page (`--verbose`: each query,
//! outcome and printed table on standard error); an example whose
//! error is the engine's "not implemented" or an unknown function or plugin
//! is a gap, counted apart and summed up by what is missing at the end.
//! `--reviewed FILE` (`scripts/kql-docs/reviewed.tsv`) lists the other
//! differences and errors, each reviewed as a mistake of the docs, an output
//! the page itself says is not fixed, data the example needs, or a gap; one
//! listed that now matches is reported as stale.
//!
//! Output, as TSV: a line per example that does not match (`example`,
//! page, block, line, outcome, detail), a line per page (`page`, name,
//! examples, run, match, differ, error, then skips by reason), and totals.

mod compare;
mod geometry;
mod page;

#[path = "../shared/catalog.rs"]
mod catalog;

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use kql_engine::{Engine, EngineConfig, EngineError, QueryOptions, QueryResult};

const NOW: i64 = 1_795_176_000_000_000_000; // 2026-11-20T12:00:00Z

/// What happened to one example.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Outcome {
    Match,
    Differ,
    Error,
    DocsError,
    NotDetermined,
    Gap,
    Stale,
    SkipManagement,
    SkipData,
    SkipNoOutput,
    SkipRandom,
}

const COLUMNS: [(Outcome, &str); 11] = [
    (Outcome::Match, "match"),
    (Outcome::Differ, "differ"),
    (Outcome::Error, "error"),
    (Outcome::DocsError, "docs_error"),
    (Outcome::NotDetermined, "not_determined"),
    (Outcome::Gap, "gap"),
    (Outcome::Stale, "stale_listing"),
    (Outcome::SkipManagement, "skip_management"),
    (Outcome::SkipData, "skip_needs_data"),
    (Outcome::SkipNoOutput, "skip_no_output"),
    (Outcome::SkipRandom, "skip_random_or_now"),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let Some(dir) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!(
            "usage: docs_examples DOCS/data-explorer/kusto/query [--page NAME] [--reviewed FILE] [--timeout SECS] [--verbose]"
        );
        std::process::exit(2);
    };
    let only = flag("--page");
    let verbose = args.iter().any(|a| a == "--verbose");
    let reviewed = flag("--reviewed").map(|f| load_list(&f)).unwrap_or_default();

    let mut config = EngineConfig::unlimited();
    let secs = flag("--timeout").and_then(|s| s.parse().ok()).unwrap_or(5);
    config.timeout = Some(Duration::from_secs(secs));
    config.memory_limit = Some(1 << 30);
    let engine = Engine::new(catalog::empty_tables(), config);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    std::panic::set_hook(Box::new(|_| {}));

    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let mut pages: BTreeMap<String, BTreeMap<Outcome, usize>> = BTreeMap::new();
    let mut examples_per_page: BTreeMap<String, usize> = BTreeMap::new();
    // What is not built, by diagnostic, and how many examples need it.
    let mut gaps: BTreeMap<String, usize> = BTreeMap::new();
    println!("kind\tpage\tblock\tline\toutcome\tdetail");
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if only.as_ref().is_some_and(|o| *o != name && format!("{o}.md") != name) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if !page::is_reference(&name, &text) {
            continue;
        }
        let examples = page::examples(&text);
        if examples.is_empty() {
            continue;
        }
        examples_per_page.insert(name.clone(), examples.len());
        let tally = pages.entry(name.clone()).or_default();
        for ex in &examples {
            let (mut outcome, detail) = run_one(&engine, &rt, ex);
            if verbose {
                eprintln!("--- {name} block {} (line {}): {outcome:?}\n{}\n{detail}", ex.block, ex.line, ex.query);
                for t in &ex.tables {
                    eprintln!("docs: {:?}", t);
                }
            }
            let mut text = detail.clone();
            if let Some((as_listed, why)) = reviewed.get(&(name.clone(), ex.block)) {
                match outcome {
                    Outcome::Differ | Outcome::Error | Outcome::Gap => {
                        if *as_listed == Outcome::Gap {
                            *gaps.entry(why.clone()).or_default() += 1;
                        }
                        outcome = *as_listed;
                        text = format!("{why} [{detail}]");
                    }
                    Outcome::Match => outcome = Outcome::Stale,
                    _ => {}
                }
            } else if outcome == Outcome::Gap {
                *gaps.entry(gap_name(&detail)).or_default() += 1;
            }
            *tally.entry(outcome).or_default() += 1;
            if outcome != Outcome::Match {
                println!("example\t{name}\t{}\t{}\t{}\t{}", ex.block, ex.line, label(outcome), one_line(&text));
            }
        }
    }
    let header: Vec<&str> = COLUMNS.iter().map(|(_, l)| *l).collect();
    println!("\nkind\tpage\texamples\trun\t{}", header.join("\t"));
    let mut totals: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut total_examples = 0;
    for (name, tally) in &pages {
        let n = examples_per_page.get(name).copied().unwrap_or(0);
        total_examples += n;
        for (o, c) in tally {
            *totals.entry(*o).or_default() += c;
        }
        println!("page\t{name}\t{n}\t{}\t{}", ran(tally), counts(tally));
    }
    println!("\ntotal\t{} pages\t{total_examples}\t{}\t{}", pages.len(), ran(&totals), counts(&totals));
    let mut gaps: Vec<_> = gaps.into_iter().collect();
    gaps.sort_by_key(|(what, n)| (std::cmp::Reverse(*n), what.clone()));
    println!("\nkind\texamples\tnot built");
    for (what, n) in gaps {
        println!("gap\t{n}\t{what}");
    }
}

fn label(o: Outcome) -> &'static str {
    COLUMNS.iter().find(|(c, _)| *c == o).map(|(_, l)| *l).unwrap_or("?")
}

fn counts(t: &BTreeMap<Outcome, usize>) -> String {
    COLUMNS.iter().map(|(o, _)| t.get(o).copied().unwrap_or(0).to_string()).collect::<Vec<_>>().join("\t")
}

/// The examples run: those that matched, differed, failed, are not built
/// or are listed.
fn ran(t: &BTreeMap<Outcome, usize>) -> usize {
    t.iter().filter(|(o, _)| **o <= Outcome::Stale).map(|(_, c)| c).sum()
}

fn one_line(s: &str) -> String {
    let s = s.replace(['\n', '\t', '\r'], " ");
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", s.get(..i).unwrap_or("")),
        None => s,
    }
}

/// The reviewed list: `page<TAB>block<TAB>kind<TAB>why` lines, `#`
/// comments; kind is `docs-error` (the page's output or query is wrong),
/// `not-determined` (the page says the output is not fixed, and another
/// valid output differs), `needs-data` (the example reads data it does not
/// define, in a way the harness cannot see) or `gap` (not built).
fn load_list(path: &str) -> HashMap<(String, usize), (Outcome, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut out = HashMap::new();
    for (n, l) in text.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = l.splitn(4, '\t').collect();
        let kind = match f.get(2).copied() {
            Some("docs-error") => Outcome::DocsError,
            Some("not-determined") => Outcome::NotDetermined,
            Some("needs-data") => Outcome::SkipData,
            Some("gap") => Outcome::Gap,
            other => panic!("{path}:{}: unknown kind {other:?}", n + 1),
        };
        let Some(block) = f.get(1).and_then(|b| b.trim().parse::<usize>().ok()) else {
            panic!("{path}:{}: no block number", n + 1)
        };
        let page = f.first().copied().unwrap_or("").to_string();
        out.insert((page, block), (kind, f.get(3).copied().unwrap_or("").to_string()));
    }
    out
}

/// What a "not built" diagnostic says is missing: its first quoted name,
/// or the message.
fn gap_name(detail: &str) -> String {
    let mut parts = detail.split('`');
    match (parts.next(), parts.next()) {
        (Some(_), Some(name)) if !name.is_empty() => format!("`{name}`"),
        _ => detail.to_string(),
    }
}

/// Why an example is not run, if it is not.
fn skip_reason(ex: &page::Example) -> Option<Outcome> {
    let code: String = ex
        .query
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase();
    if code.trim_start().starts_with('.') {
        return Some(Outcome::SkipManagement);
    }
    if ex.tables.is_empty() {
        return Some(Outcome::SkipNoOutput);
    }
    let chance =
        ["rand(", "new_guid(", "now(", "ago(", "sample ", "sample-distinct", "current_principal", "cursor_current("];
    if chance.iter().any(|w| code.contains(w)) {
        return Some(Outcome::SkipRandom);
    }
    None
}

fn run_one(engine: &Engine, rt: &tokio::runtime::Runtime, ex: &page::Example) -> (Outcome, String) {
    if let Some(skip) = skip_reason(ex) {
        return (skip, String::new());
    }
    let run =
        std::panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(engine.run(&ex.query, QueryOptions { now: NOW }))));
    let results = match run {
        Err(_) => return (Outcome::Error, "panic".into()),
        Ok(Err(e)) => return failure(&e),
        Ok(Ok(r)) => r,
    };
    let ordered = compare::orders(&ex.query);
    let shapes = geometry::allowance(&ex.query);
    let pairs: Vec<(&QueryResult, &page::Table)> = if results.len() > 1 && ex.tables.len() > 1 {
        results.iter().zip(&ex.tables).collect()
    } else {
        match (results.last(), ex.tables.first()) {
            (Some(r), Some(t)) => vec![(r, t)],
            _ => return (Outcome::Error, "no result".into()),
        }
    };
    for (i, (r, t)) in pairs.iter().enumerate() {
        if let Some(diff) = compare::compare(r, t, ordered, shapes) {
            let which = if pairs.len() > 1 { format!("table {}: ", i + 1) } else { String::new() };
            return (Outcome::Differ, format!("{which}{diff}"));
        }
    }
    (Outcome::Match, String::new())
}

/// An error, or a skip when the example reads data it does not define.
fn failure(e: &EngineError) -> (Outcome, String) {
    let diags = e.diagnostics();
    let outside = diags.iter().any(|d| {
        d.message.starts_with("unknown table")
            || d.message.starts_with("remote data is not read")
            || d.message.starts_with("unknown database")
            || d.message.starts_with("unknown cluster")
    });
    let text = match diags.first() {
        Some(d) => format!("{} {}", d.code, d.message),
        None => e.to_string(),
    };
    // What the engine reports as not built, or a function or plugin it
    // does not know (the examples call only documented ones).
    let not_built = diags.iter().any(|d| {
        d.code == "KQL205" || d.message.starts_with("unknown function") || d.message.starts_with("unknown plugin")
    });
    if outside {
        (Outcome::SkipData, text)
    } else if not_built {
        (Outcome::Gap, text)
    } else {
        (Outcome::Error, text)
    }
}
