//! Bad rule files never panic the loader: every prefix of every shipped
//! rule, and each rule with lines swapped, dropped or mangled, parses to a
//! rule or to diagnostics with positions inside the file.

use detect::RulePack;
use detect::rule::parse;

fn check(text: &str, what: &str) {
    let (rule, diags) = parse(text, "x.yaml");
    let lines = text.split('\n').count();
    for d in &diags {
        assert!(d.line >= 1 && d.line <= lines + 1, "{what}: {d} is outside the file's {lines} lines");
        assert!(d.column >= 1, "{what}: {d}");
    }
    if rule.is_none() {
        assert!(diags.iter().any(|d| d.is_error()), "{what}: no rule and no error");
    }
}

#[test]
fn every_prefix_of_every_shipped_rule() {
    for (i, rule) in RulePack::builtin().rules.iter().enumerate() {
        let text =
            std::fs::read_to_string(rule.origin.replace("builtin:", concat!(env!("CARGO_MANIFEST_DIR"), "/../../")))
                .unwrap();
        // Every 11th byte keeps the run short; char boundaries only.
        for end in (0..text.len()).step_by(11).filter(|e| text.is_char_boundary(*e)) {
            check(&text[..end], &format!("rule {i} cut at {end}"));
        }
    }
}

#[test]
fn mangled_lines() {
    let manglings: [fn(&str) -> String; 6] = [
        |l| format!(" {l}"),
        |l| l.replacen(':', "", 1),
        |l| l.replace('-', "["),
        |l| format!("{l} {{"),
        |l| l.replace(' ', "\t"),
        |_| "&a *a".to_string(),
    ];
    for rule in RulePack::builtin().rules.iter().take(6) {
        let text =
            std::fs::read_to_string(rule.origin.replace("builtin:", concat!(env!("CARGO_MANIFEST_DIR"), "/../../")))
                .unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        for n in 0..lines.len() {
            for (k, m) in manglings.iter().enumerate() {
                let mut copy: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                copy[n] = m(lines[n]);
                check(&copy.join("\n"), &format!("{} line {n} mangling {k}", rule.origin));
            }
            let mut dropped = lines.clone();
            dropped.remove(n);
            check(&dropped.join("\n"), &format!("{} without line {n}", rule.origin));
        }
    }
}

/// YAML ends lines at `\n`, `\r\n` and a lone `\r`; a rule file with any of
/// them reads alike and its diagnostics point at the same lines.
#[test]
fn every_yaml_line_break_reads_alike() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/T1609-container-admin-command/rule.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let (unix, _) = parse(&text, "x.yaml");
    let unix = unix.expect("the shipped rule loads");
    // A bad value, and a KQL syntax error inside the `query: |` block (its
    // position is mapped back through the file's lines).
    let typo = text
        .replace("severity: High", "severity: Hgh")
        .replace("| where TimeGenerated > ago(1d)", "| where TimeGenerated > ago(1d) |");
    let (_, want) = parse(&typo, "x.yaml");
    for sep in ["\r\n", "\r"] {
        let (other, _) = parse(&text.replace('\n', sep), "x.yaml");
        let other = other.unwrap_or_else(|| panic!("{sep:?} line ends: the rule does not load"));
        assert_eq!((&other.query, &other.version, &other.name), (&unix.query, &unix.version, &unix.name), "{sep:?}");
        let (_, got) = parse(&typo.replace('\n', sep), "x.yaml");
        let at = |d: &[detect::RuleDiagnostic]| d.iter().map(|d| (d.line, d.column)).collect::<Vec<_>>();
        assert_eq!(at(&got), at(&want), "{sep:?}");
    }
}
