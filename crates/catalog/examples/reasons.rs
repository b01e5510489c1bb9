//! Reads one vendor's rule folder and prints how much was analysed and the
//! most common reasons for what was not:
//! `cargo run -p catalog --example reasons -- elastic DIR`.

use std::collections::BTreeMap;
use std::path::Path;

use catalog::mapping::Mapping;
use catalog::model::Analysis;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(vendor), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: reasons VENDOR DIR");
        std::process::exit(2);
    };
    let mapping = Mapping::shipped();
    let rules = match catalog::readers::read_vendor(vendor, Path::new(dir), &mapping) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("reasons: {e}");
            std::process::exit(2);
        }
    };
    let mut counts: BTreeMap<Analysis, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for r in &rules {
        *counts.entry(r.analysis()).or_default() += 1;
        for u in &r.unanalysed {
            let key: String = if std::env::var("REASON_TEXT").is_ok() {
                format!("{} {}", u.reason, u.text)
            } else {
                u.reason.clone()
            }
            .chars()
            .take(90)
            .collect();
            let e = reasons.entry(key).or_insert((0, r.path.clone()));
            e.0 += 1;
        }
    }
    println!("{} rules: {counts:?}", rules.len());
    let mut top: Vec<_> = reasons.into_iter().collect();
    top.sort_by_key(|b| std::cmp::Reverse(b.1.0));
    for (reason, (n, example)) in top.iter().take(40) {
        println!("{n:5}  {reason}  [{example}]");
    }
}
