//! The catalog built from the small fixture rules in `tests/fixtures/`
//! (written for these tests, one folder per vendor): what each reader
//! understood, and the T1552.007 page's numbers.

use std::path::PathBuf;

use catalog::mapping::Mapping;
use catalog::model::{Analysis, Op, Vendor};
use catalog::output::read_all;

fn fixtures() -> Vec<(Vendor, PathBuf)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    vec![
        (Vendor::Sigma, root.join("sigma")),
        (Vendor::Elastic, root.join("elastic")),
        (Vendor::Splunk, root.join("splunk")),
        (Vendor::Panther, root.join("panther")),
        (Vendor::Sentinel, root.join("sentinel")),
    ]
}

#[test]
fn every_vendor_is_read_and_counted() {
    let (cat, summaries) = read_all(&fixtures(), &Mapping::shipped()).unwrap();
    let counts: Vec<(Vendor, usize, usize, usize, usize)> =
        summaries.iter().map(|s| (s.vendor, s.rules, s.full, s.partial, s.none)).collect();
    assert_eq!(
        counts,
        [
            (Vendor::Sigma, 2, 2, 0, 0),
            // The ES|QL rule's length() is not analysed.
            (Vendor::Elastic, 5, 4, 1, 0),
            (Vendor::Splunk, 2, 2, 0, 0),
            // is_system_principal() is a helper: partial.
            (Vendor::Panther, 2, 1, 1, 0),
            // notes.md has no query: not a rule.
            (Vendor::Sentinel, 1, 1, 0, 0),
        ]
    );
    let ml = cat.rules.iter().find(|r| r.id.ends_with("0004")).unwrap();
    // A machine-learning rule: its jobs' anomaly records at or above its threshold.
    assert_eq!(ml.analysis(), Analysis::Full);
    let got: Vec<(&str, Op, Option<&str>)> =
        ml.predicates.iter().map(|p| (p.canonical.as_str(), p.op, p.value.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("ml.anomaly.job_id", Op::In, Some("x")),
            ("ml.anomaly.job_id", Op::In, Some("x_ea")),
            ("ml.anomaly.record_score", Op::Ge, Some("70")),
        ]
    );
    assert_eq!(ml.data_sources, ["ml_job:x", "ml_job:x_ea"]);
}

#[test]
fn fields_collapse_across_vendors() {
    let (cat, _) = read_all(&fixtures(), &Mapping::shipped()).unwrap();
    let page = cat.page("t1552.007");
    assert_eq!(page.id, "T1552.007");
    assert_eq!(page.name.as_deref(), Some("Container API"));
    assert_eq!(page.tactics, ["Credential Access"]);
    assert_eq!(
        page.rules_per_vendor,
        [(Vendor::Sigma, 2), (Vendor::Elastic, 3), (Vendor::Splunk, 2), (Vendor::Panther, 2), (Vendor::Sentinel, 1)]
    );
    let resource = page.fields.iter().find(|f| f.field == "k8s.objectRef.resource").unwrap();
    // Sigma, Elastic kuery and ES|QL, Splunk, Panther Python and Sentinel
    // KQL: one field in four spellings, each rule counted once.
    assert_eq!(resource.rules, 6);
    assert_eq!(resource.how, [("eq".to_string(), 6)]);
    assert_eq!(
        resource.spellings,
        ["objectRef.resource", "kubernetes.audit.objectRef.resource", "resource", "ObjectRef.resource"]
    );
    let verb = page.fields.iter().find(|f| f.field == "k8s.verb").unwrap();
    assert_eq!(verb.rules, 7);
    assert_eq!(verb.how, [("eq".to_string(), 4), ("in".to_string(), 3)]);
    // Sigma's Image|endswith and CommandLine|contains|all, and a glob.
    let cmd = page.fields.iter().find(|f| f.field == "process.command_line").unwrap();
    // `*/api/v1/*` (Splunk) is a contains like Sigma's; globs with inner stars stay wildcards.
    assert_eq!(cmd.how, [("contains".to_string(), 2), ("wildcard".to_string(), 2)]);
    let sigma = cat.rules.iter().find(|r| r.id.ends_with("0022")).unwrap();
    let got: Vec<(&str, Op, Option<&str>)> =
        sigma.predicates.iter().map(|p| (p.field.as_str(), p.op, p.value.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("Image", Op::EndsWith, Some("/curl")),
            ("CommandLine", Op::Contains, Some("/api/v1/")),
            ("CommandLine", Op::Contains, Some("secrets")),
            ("CommandLine", Op::Wildcard, Some("*http*//*/api/v1/secrets*")),
        ]
    );
}

#[test]
fn indicators_have_corpus_reach_and_exclusions_name_what_is_excluded() {
    let (cat, _) = read_all(&fixtures(), &Mapping::shipped()).unwrap();
    let page = cat.page("T1552.007");
    let top = &page.indicators[0];
    assert_eq!(
        (top.indicator.field.as_str(), top.indicator.kind.as_str(), top.indicator.value.as_str()),
        ("k8s.objectRef.resource", "eq", "secrets")
    );
    assert_eq!(top.rules, 6);
    // other.toml (tagged T1613) checks the same value: reach 7.
    assert_eq!(top.corpus_reach, 7);
    let excluded: Vec<(String, String, String, usize)> = page
        .exclusions
        .iter()
        .map(|r| (r.indicator.field.clone(), r.indicator.kind.clone(), r.indicator.value.clone(), r.rules))
        .collect();
    assert_eq!(
        excluded,
        [
            ("k8s.user.username".to_string(), "in".to_string(), "admin".to_string(), 2),
            ("k8s.user.username".to_string(), "in".to_string(), "aksService".to_string(), 2),
            ("k8s.user.username".to_string(), "starts_with".to_string(), "system:".to_string(), 2),
            ("destination.ip".to_string(), "eq".to_string(), "127.0.0.1".to_string(), 1),
            ("k8s.user.username".to_string(), "eq".to_string(), "admin".to_string(), 1),
            ("k8s.user.username".to_string(), "eq".to_string(), "aksService".to_string(), 1),
            ("user.name".to_string(), "eq".to_string(), "admin".to_string(), 1),
            ("user.name".to_string(), "starts_with".to_string(), "system\\:node\\:".to_string(), 1),
        ]
    );
    // `if verb not in SECRET_VERBS: return False` requires the verb: not an exclusion.
    let panther = cat.rules.iter().find(|r| r.id == "Kubernetes.BulkSecretAccess").unwrap();
    let verb: Vec<_> = panther.predicates.iter().filter(|p| p.field == "verb").collect();
    assert_eq!(verb.len(), 3);
    assert!(verb.iter().all(|p| p.op == Op::In && !p.negated && !p.exclusion));
}

#[test]
fn a_technique_without_rules_has_an_empty_page() {
    let (cat, _) = read_all(&fixtures(), &Mapping::shipped()).unwrap();
    let page = cat.page("T1611");
    assert!(page.rules.is_empty() && page.fields.is_empty() && page.indicators.is_empty());
    let md = catalog::render::markdown(&page);
    assert!(md.contains("0 rules: none"), "{md}");
}

#[test]
fn a_missing_folder_is_an_error_that_names_it() {
    let e = read_all(&[(Vendor::Elastic, PathBuf::from("/nonexistent/rules"))], &Mapping::shipped()).err().unwrap();
    assert!(e.contains("/nonexistent/rules") && e.contains("Elastic"), "{e}");
}
