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
