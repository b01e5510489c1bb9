//! Loads every Sentinel analytics-rule YAML file under the given folders,
//! binds each query against dragnet's default tables, and prints how many
//! load, how many bind, and the commonest reasons for the rest.
//!
//! ```sh
//! cargo run -p detect --example sentinel_sample -- /path/to/Azure-Sentinel/Detections
//! ```
//!
//! Most Sentinel rules read tables dragnet does not fill (SigninLogs,
//! SecurityEvent, ...); those count apart, as "needs other tables", from
//! rules over dragnet's own tables that fail to bind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use detect::RulePack;
use kql_engine::{Engine, EngineConfig};

fn main() {
    let dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: sentinel_sample DIR...");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for d in &dirs {
        collect(d, &mut files);
    }
    files.sort();
    let engine = Engine::new(detect::run::default_catalog(), EngineConfig::unlimited());
    let own_tables: Vec<&str> = telemetry::tables::TABLES.iter().map(|t| t.name).collect();
    let (mut loaded, mut bound, mut own, mut own_bound) = (0, 0, 0, 0);
    let mut load_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut warn_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut bind_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut other_tables: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        let mut pack = RulePack::default();
        pack.add_file(f);
        for d in &pack.diagnostics {
            let reason = reason_of(&d.key, &d.message);
            if d.is_error() {
                *load_reasons.entry(reason).or_default() += 1;
            } else {
                *warn_reasons.entry(reason).or_default() += 1;
            }
        }
        let Some(rule) = pack.rules.first() else { continue };
        loaded += 1;
        let problems = detect::run::check_binding(&engine, rule);
        // A rule is over dragnet's tables when every table its data
        // connectors name is one of them and its query names no other.
        let mut missing: Vec<String> = problems.iter().filter_map(|d| unknown_table(&d.message)).collect();
        for c in &rule.required_data_connectors {
            for t in &c.data_types {
                if !own_tables.contains(&t.as_str()) && !missing.contains(t) {
                    missing.push(t.clone());
                }
            }
        }
        let uses_only_ours = missing.is_empty();
        if uses_only_ours {
            own += 1;
        }
        if problems.is_empty() {
            bound += 1;
            if uses_only_ours {
                own_bound += 1;
            }
            continue;
        }
        if !uses_only_ours {
            for t in missing {
                *other_tables.entry(t).or_default() += 1;
            }
            continue;
        }
        // Count each reason once per rule.
        let mut seen: Vec<String> = problems.iter().map(|d| reason_of(&d.key, &d.message)).collect();
        seen.sort();
        seen.dedup();
        for r in seen {
            *bind_reasons.entry(r).or_default() += 1;
        }
        if std::env::var_os("SHOW").is_some() {
            for d in &problems {
                eprintln!("{d}");
            }
        }
    }
    println!("files: {}", files.len());
    println!("load: {loaded} ({} fail)", files.len() - loaded);
    top("reasons a file does not load", &load_reasons);
    top("warnings", &warn_reasons);
    println!("bind against the default tables: {bound} of {loaded} loaded");
    println!("  need tables dragnet does not have: {}", loaded - own);
    top("tables they need (rules naming each)", &other_tables);
    println!("  over dragnet's tables ({}): {own_bound} of {own} bind", own_tables.join(", "));
    top("reasons a rule over dragnet's tables does not bind", &bind_reasons);
}

fn top(title: &str, counts: &BTreeMap<String, usize>) {
    if counts.is_empty() {
        return;
    }
    println!("  {title}:");
    let mut v: Vec<_> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (r, n) in v.into_iter().take(12) {
        println!("    {n:5}  {r}");
    }
}

/// A reason without the parts that differ from file to file: the key path
/// without list indexes, the message without quoted values.
fn reason_of(key: &str, message: &str) -> String {
    let key: String = key.split('[').next().unwrap_or(key).to_string();
    let mut msg = String::new();
    let mut quoted = None;
    for c in message.chars() {
        match (quoted, c) {
            (None, '"' | '`') => {
                quoted = Some(c);
                msg.push(c);
                msg.push('…');
            }
            (Some(q), c) if c == q => {
                quoted = None;
                msg.push(c);
            }
            (Some(_), _) => {}
            (None, c) => msg.push(c),
        }
    }
    let msg = msg.split(" (").next().unwrap_or(&msg).to_string();
    format!("{key}: {msg}")
}

/// The table of an "unknown table" binding error; a fuzzy union whose
/// tables all are unknown counts as needing "other tables".
fn unknown_table(message: &str) -> Option<String> {
    if message.contains("KQL203 `union` found no tables") {
        return Some("(tables of a fuzzy union)".into());
    }
    let rest = message.split("KQL201 ").nth(1)?;
    if !rest.contains("table") {
        return None;
    }
    let start = rest.find('`')? + 1;
    let end = rest[start..].find('`')? + start;
    Some(rest[start..end].to_string())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}
