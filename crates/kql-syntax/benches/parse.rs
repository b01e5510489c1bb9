//! Parser throughput in MB/s of KQL text: the shipped detection rules, and
//! the real-world query corpus when it has been extracted
//! (`scripts/kql-corpus/extract.py`, into `target/kql-corpus` or `$KQL_CORPUS`).

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_main};

fn kql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            kql_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "kql") {
            out.push(p);
        }
    }
}

fn load(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    kql_files(dir, &mut files);
    files.sort();
    files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

fn bench_set(c: &mut Criterion, name: &str, texts: &[String]) {
    if texts.is_empty() {
        eprintln!("{name}: no queries found, skipped");
        return;
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            for t in texts {
                std::hint::black_box(kql_syntax::parse(t));
            }
        })
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    bench_set(c, "rules", &load(&root.join("rules")));
    let corpus = std::env::var_os("KQL_CORPUS").map(PathBuf::from).unwrap_or_else(|| root.join("target/kql-corpus"));
    bench_set(c, "corpus", &load(&corpus));
}

mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::parse);
}
criterion_main!(group::benches);
