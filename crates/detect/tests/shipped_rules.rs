//! The shipped rule pack: every file loads without a single diagnostic,
//! binds against the default tables, names only columns its query returns,
//! and the seed detections keep their published KQL byte for byte.

use std::path::Path;

use detect::RulePack;
use detect::attack::{is_technique_id, technique_name};
use kql_engine::{Engine, EngineConfig};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn every_shipped_rule_loads_cleanly() {
    let pack = RulePack::load_dir(&root().join("rules")).unwrap();
    assert!(pack.diagnostics.is_empty(), "{:#?}", pack.diagnostics);
    assert_eq!(pack.rules.len(), 20);
    for r in &pack.rules {
        assert!(!r.techniques.is_empty() && r.techniques.iter().all(|t| is_technique_id(t)), "{}", r.origin);
        assert!(!r.tactics.is_empty(), "{} has no tactic", r.origin);
        assert!(r.confidence.is_some(), "{} has no confidence", r.origin);
        assert!(!r.false_positives.is_empty() && !r.tuning.is_empty(), "{} lacks false positives or tuning", r.origin);
        assert!(!r.tests.is_empty(), "{} has no test", r.origin);
        assert!(!r.entity_mappings.is_empty(), "{} maps no entity", r.origin);
        // The first reference is the ATT&CK page of the first technique.
        let t = &r.techniques[0];
        assert_eq!(
            r.references[0],
            format!("https://attack.mitre.org/techniques/{}/", t.replace('.', "/")),
            "{}",
            r.origin
        );
        // The folder is named for the first technique.
        assert!(r.origin.contains(&format!("/rules/{t}-")), "{} is not in a folder named for {t}", r.origin);
    }
}

#[test]
fn the_builtin_pack_is_the_rules_folder() {
    let builtin = RulePack::builtin();
    let folder = RulePack::load_dir(&root().join("rules")).unwrap();
    assert!(builtin.diagnostics.is_empty());
    let ids = |p: &RulePack| p.rules.iter().map(|r| (r.id.clone(), r.query.clone())).collect::<Vec<_>>();
    assert_eq!(ids(&builtin), ids(&folder));
    assert!(builtin.rules.iter().all(|r| r.origin.starts_with("builtin:rules/")));
}

#[test]
fn every_shipped_rule_binds_and_names_existing_columns() {
    let engine = Engine::new(detect::run::default_catalog(), EngineConfig::unlimited());
    for rule in &RulePack::builtin().rules {
        let problems = detect::run::check_binding(&engine, rule);
        assert!(problems.is_empty(), "{}: {problems:#?}", rule.origin);
    }
}

#[test]
fn seed_queries_are_verbatim() {
    for seed in [
        "T1059.013-container-cli",
        "T1552.007-container-api",
        "T1609-container-admin-command",
        "T1613-container-discovery",
    ] {
        let dir = root().join("rules").join(seed);
        let pack = RulePack::load_dir(&dir.join("rule.yaml")).unwrap();
        let kql = std::fs::read_to_string(dir.join("query.kql")).unwrap();
        assert_eq!(pack.rules[0].query, kql, "{seed}: rule.yaml and query.kql differ");
        // And both are the published query, where the seed files are at hand.
        let published = root().join("../shared/seed-queries").join(format!("{seed}.kql"));
        if let Ok(text) = std::fs::read_to_string(published) {
            assert_eq!(kql, text, "{seed}: query.kql differs from the published query");
        }
    }
}

#[test]
fn shipped_techniques_are_in_the_containers_matrix_or_said_not_to_be() {
    // T1572 (Protocol Tunneling, for port-forward) is an Enterprise
    // technique outside the Containers matrix; every other one is in it.
    for rule in &RulePack::builtin().rules {
        for t in &rule.techniques {
            assert!(technique_name(t).is_some() || t == "T1572", "{}: {t}", rule.origin);
        }
    }
}

#[test]
fn query_windows_match_query_period() {
    // Sentinel runs a rule over its queryPeriod; a shipped query's own
    // ago() windows say the same thing, so dragnet's results agree.
    for rule in &RulePack::builtin().rules {
        let period = rule.query_period.expect("every shipped rule has a queryPeriod");
        let mut rest = rule.query.as_str();
        let mut windows = 0;
        while let Some(i) = rest.find("ago(") {
            let after = &rest[i + 4..];
            let end = after.find(')').unwrap();
            let ticks = kql_syntax::parse_timespan(after[..end].trim()).expect("an ago() of a literal timespan");
            assert_eq!(
                ticks as u128 * 100,
                period.as_nanos(),
                "{}: ago({}) against queryPeriod",
                rule.origin,
                &after[..end]
            );
            windows += 1;
            rest = &after[end..];
        }
        assert!(windows > 0, "{} has no time window", rule.origin);
    }
}
