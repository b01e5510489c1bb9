//! Every parser over every prefix of realistic queries, and over the same
//! queries with each character position dropped: an error is fine, a
//! panic is not. (The fuzz target `catalog_langs` explores further.)

use std::collections::HashMap;

use catalog::lang::{eql, esql, kql, kuery, python, spl};

const SAMPLES: &[&str] = &[
    r#"data_stream.dataset:"kubernetes.audit_logs" and kubernetes.audit.verb:("get" or list) and not user.name:(system\:node\:* or "admin") and x >= 3"#,
    r#"sequence by host.id with maxspan=1m [process where startsWith~(process.name, "cu") and process.args : ("*a*", "b") and not ?x in ("y")] [network where destination.port == 6443] until [process where true] | head 5"#,
    r#"FROM logs-* METADATA _id | WHERE a == "b" AND c IN ("d", "e") AND NOT f LIKE "*g*" AND KQL("h:i") | STATS n = COUNT(*) BY k | WHERE n >= 3 AND to_lower(k) rlike ".*x""#,
    r#"`kube_audit` objectRef.resource=secrets verb IN (get, "list") NOT user="admin" | where like(user, "sys%") AND isnotnull(src) OR match(x, "^a") | tstats count from datamodel=Endpoint.Processes where Processes.process_name="curl" by x"#,
    "SECRET = {\"a\", 'b'}\n\ndef rule(event):\n    \"\"\"doc\"\"\"\n    if event.get('a') not in SECRET:\n        return False\n    x = event.deep_get(\"b\", \"c\", default=\"\")\n    return all([x.startswith((\"d\", 'e')), re.match(r\"f\", x)])\n",
    "let L = dynamic([\"a\", \"b\"]);\nT | where Timestamp > ago(1d) | where A in~ (L) and B has_any (\"c\") and not(C startswith \"d\") | union (U | where isnotempty(E))",
];

fn run_all(text: &str) {
    let _ = kuery::parse(text);
    let _ = kuery::parse_lucene(text);
    let _ = eql::parse(text);
    let _ = esql::parse(text);
    let macros: HashMap<String, String> = [("kube_audit".to_string(), text.to_string())].into();
    let _ = spl::parse(&spl::expand_macros(text, &macros));
    let _ = python::parse(text);
    let _ = kql::parse(text);
}

#[test]
fn prefixes_and_deletions_never_panic() {
    for s in SAMPLES {
        let chars: Vec<char> = s.chars().collect();
        for end in 0..=chars.len() {
            run_all(&chars[..end].iter().collect::<String>());
        }
        for drop in 0..chars.len() {
            let text: String = chars.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, c)| *c).collect();
            run_all(&text);
        }
    }
}

#[test]
fn deep_and_wide_inputs_are_errors_not_crashes() {
    for open in ["(", "not ", "[", "f(", "-"] {
        let deep = open.repeat(20_000);
        run_all(&deep);
        run_all(&format!("process where {deep}"));
        run_all(&format!("from x | where {deep}"));
        run_all(&format!("def rule(event):\n    return {deep}\n"));
    }
    run_all(&"a:b or ".repeat(5_000));
    run_all(&"é\u{0}\"'`|".repeat(1_000));
}
