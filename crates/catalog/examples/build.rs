//! Builds a catalog folder with the catalog crate alone (no rule pack, so
//! no DataFusion in the build): what `dragnet catalog build` does (the read
//! cache, the JSON, Markdown and site) but the pack's detections, for
//! timing a release build quickly:
//! `cargo run --release -p catalog --example build -- OUT sigma=DIR elastic=DIR ...`.

use std::path::PathBuf;

use catalog::mapping::Mapping;
use catalog::model::Vendor;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, dirs)) = args.split_first() else {
        eprintln!("usage: build OUT VENDOR=DIR...");
        std::process::exit(2);
    };
    let mut given = Vec::new();
    for d in dirs {
        let Some((v, dir)) = d.split_once('=') else {
            eprintln!("build: `{d}` is not VENDOR=DIR");
            std::process::exit(2);
        };
        let Some(vendor) = Vendor::ALL.into_iter().find(|x| x.key() == v) else {
            eprintln!("build: unknown vendor `{v}`");
            std::process::exit(2);
        };
        given.push((vendor, PathBuf::from(dir)));
    }
    let cache = PathBuf::from(out).join(".cache");
    let (cat, summaries, stats) = match catalog::output::read_all_cached(&given, &Mapping::shipped(), &cache) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("build: {e}");
            std::process::exit(2);
        }
    };
    for (s, st) in summaries.iter().zip(&stats) {
        println!("{}: {} rules, {} files parsed, {} from the cache", s.vendor.name(), s.rules, st.parsed, st.reused);
    }
    let attack = catalog::mitre::Attack::shipped();
    match catalog::output::write(&PathBuf::from(out), &cat, &summaries, &attack, &|_| {}) {
        Ok((pages, o)) => println!(
            "{} rules, {pages} technique pages; files written {}, unchanged {}, removed {}",
            cat.rules.len(),
            o.written,
            o.unchanged,
            o.removed
        ),
        Err(e) => {
            eprintln!("build: {e}");
            std::process::exit(2);
        }
    }
}
