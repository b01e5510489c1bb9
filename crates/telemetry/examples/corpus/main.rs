//! Reads a local copy of the sample corpus (the files listed in
//! `testdata/corpus/ORIGINS.tsv`, fetched from their producers'
//! repositories; never committed) and prints, per producer format, files,
//! records, rows and rejects, then each file and each reject with its
//! reason.
//!
//! ```text
//! cargo run -p telemetry --example corpus -- DIR
//! ```

mod report;

use std::path::PathBuf;

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: corpus DIR   (DIR holds the files listed in testdata/corpus/ORIGINS.tsv)");
        std::process::exit(2);
    };
    let tsv = std::fs::read_to_string(report::origins_file()).unwrap_or_else(|e| {
        eprintln!("corpus: cannot read ORIGINS.tsv: {e}");
        std::process::exit(2);
    });
    let origins = report::origins(&tsv).unwrap_or_else(|e| {
        eprintln!("corpus: {e}");
        std::process::exit(2);
    });
    let results: Vec<_> = origins.iter().map(|o| report::read(&dir, o)).collect();
    print!("{}", report::render(&results));
}
