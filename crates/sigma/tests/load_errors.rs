//! What the Sigma loader says about broken rules: each problem once, with
//! the file, line, column and key it is about, and no document from a file
//! with an error.

use sigma::load;
use sigma::value::Placeholders;

const HEAD: &str = "title: t\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n";

/// (line, column, key, message) of each error of `HEAD` + `detection`.
fn errors(detection: &str) -> Vec<(usize, usize, String, String)> {
    let (docs, diags) = load(&format!("{HEAD}{detection}"), "r.yml", &Placeholders::default());
    let errors: Vec<_> =
        diags.iter().filter(|d| d.is_error()).map(|d| (d.line, d.column, d.key.clone(), d.message.clone())).collect();
    assert!(docs.is_empty() || errors.is_empty());
    for d in &diags {
        assert_eq!(d.file, "r.yml");
        assert!(d.to_string().starts_with(&format!("r.yml:{}:{}: {}: ", d.line, d.column, d.key)));
    }
    errors
}

fn one(detection: &str) -> (usize, usize, String, String) {
    let e = errors(detection);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.into_iter().next().unwrap()
}

#[test]
fn a_bad_modifier_is_reported_at_its_key_once() {
    let (line, column, key, msg) = one("  sel:\n    Image|endswitch: /x\n  condition: sel\n");
    assert_eq!((line, column, key.as_str()), (7, 5, "detection.sel.Image|endswitch"));
    assert!(msg.contains("unknown modifier `endswitch`"), "{msg}");
}

#[test]
fn value_errors_name_what_is_wrong() {
    for (det, want) in [
        ("    Image|all: /x\n", "`all` needs a list"),
        ("    Image|exists: maybe\n", "`exists` takes true or false"),
        ("    Image:\n      - /x\n      - null\n", "null cannot be part of a list"),
        ("    Image|i: x\n", "only follow `re`"),
        ("    Image|contains|startswith: x\n", "only one of"),
        ("    Image|re: '(?<=a)b'\n", "regular expression not supported"),
        ("    Image|cidr: 10.0.0.0/33\n", "bad prefix length"),
        ("    Image|gt: ten\n", "not a number"),
        ("    Image|wide: x\n", "must be followed by `base64`"),
        ("    Image|base64: 'a*'\n", "wildcards"),
        ("    Image|expand: '%none%'\n", "has no values"),
        ("    Image: {a: b}\n", "not a mapping"),
    ] {
        let (line, _, key, msg) = one(&format!("  sel:\n{det}  condition: sel\n"));
        assert_eq!(line, 7, "{det}");
        assert!(key.starts_with("detection.sel.Image"), "{key}");
        assert!(msg.contains(want), "{det}: {msg}");
    }
}

#[test]
fn condition_errors_point_at_the_condition() {
    let (line, column, key, msg) = one("  sel:\n    Image: x\n  condition: sel and (other\n");
    assert_eq!((line, column, key.as_str()), (8, 14, "detection.condition"));
    assert!(msg.contains("not a search identifier") || msg.contains("not closed"), "{msg}");
    let (_, _, key, msg) = one("  sel:\n    Image: x\n");
    assert_eq!(key, "detection.condition");
    assert!(msg.contains("needs a `condition`"));
}

#[test]
fn missing_parts_of_a_rule_are_named() {
    let (docs, diags) = load("detection:\n  s: [x]\n  condition: s\n", "r.yml", &Placeholders::default());
    assert!(docs.is_empty());
    let keys: Vec<&str> = diags.iter().map(|d| d.key.as_str()).collect();
    assert!(keys.contains(&"title") && keys.contains(&"logsource"), "{keys:?}");
    let (_, diags) = load("title: t\nlogsource: {product: linux}\n", "r.yml", &Placeholders::default());
    assert_eq!(diags[0].key, "detection");
    let (_, diags) = load("title: t\nlogsource: {product: linux}\ndetection: [\n", "r.yml", &Placeholders::default());
    assert_eq!(diags[0].key, "yaml");
    let (_, diags) = load("action: nonsense\n", "r.yml", &Placeholders::default());
    assert_eq!((diags[0].line, diags[0].key.as_str()), (1, "action"));
    let (_, diags) = load(
        "title: t\nlevel: severe\nlogsource: {product: linux}\ndetection:\n  s: [x]\n  condition: s\n",
        "r.yml",
        &Placeholders::default(),
    );
    assert_eq!((diags[0].line, diags[0].key.as_str()), (2, "level"));
}

#[test]
fn a_broken_search_named_by_the_condition_is_one_error() {
    let e = errors("  sel:\n    Image|nope: x\n  condition: sel\n");
    assert_eq!(e.len(), 1, "{e:#?}");
}
