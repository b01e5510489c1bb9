//! Fuzzes the Sigma mapping file (`sigma::Mapping::parse`), which a user
//! may give in place of the shipped one: no text may panic it, every
//! diagnostic's line and column lie in the file, an entry with a problem is
//! left out, and rules compiled through whatever it keeps give KQL that
//! parses, or errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Rules over every kind of logsource the shipped mapping has, using plain,
/// path and computed fields, lists and keywords.
const RULES: &[&str] = &[
    "title: a\nlogsource: {product: linux, category: process_creation}\ndetection:\n  s:\n    Image|endswith: /sh\n    CommandLine|contains|all: [a, b]\n  k: [evil]\n  condition: s or k\n",
    "title: b\nlogsource: {product: linux, category: network_connection}\ndetection:\n  s:\n    Initiated: 'true'\n    DestinationIp|cidr: 10.0.0.0/8\n  condition: s\n",
    "title: c\nlogsource: {product: kubernetes, category: application, service: audit}\ndetection:\n  s:\n    verb: create\n    hostPath|startswith: /etc\n    capabilities: '*'\n  condition: s\n",
    "title: d\nlogsource: {product: linux, service: auditd}\ndetection:\n  s:\n    type: EXECVE\n    a0: x\n  k: ['--to-ports 42']\n  condition: s and k\n",
    "title: e\nlogsource: {product: p}\ndetection:\n  s:\n    F: v\n    G|re: '^x'\n  condition: s\n",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (mapping, diags) = sigma::Mapping::parse(text, "fuzz.yaml");
    // YAML ends lines at \n, \r\n and a lone \r.
    let lines = text.replace("\r\n", "\n").replace('\r', "\n").split('\n').count() + 1;
    for d in &diags {
        assert!(d.line >= 1 && d.line <= lines && d.column >= 1, "{d:?} in {lines} lines");
        let _ = d.to_string();
    }
    for s in &mapping.sources {
        assert!(!s.table.is_empty(), "{s:?}");
        for (_, t) in &s.fields {
            if let sigma::Target::Kql { expr, .. } = t {
                assert!(!expr.trim().is_empty(), "{t:?}");
            }
        }
    }
    for rule in RULES {
        let (docs, _) = sigma::load(rule, "r.yml", &mapping.placeholders);
        for doc in &docs {
            if let sigma::Document::Rule(r) = doc
                && let Ok(c) = sigma::compile(r, &[], &mapping, &detect::sigma_rules::Tables)
            {
                let parsed = kql_syntax::parse(&c.kql);
                assert!(parsed.diagnostics.is_empty(), "{}\n{:?}", c.kql, parsed.diagnostics);
            }
        }
    }
});
