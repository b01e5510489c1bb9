//! Long chains and deep nesting never overflow the stack: each case runs on
//! a thread with the default 2 MiB stack (what a main thread or a test
//! thread has) and either parses, prints and dumps, or reports KQL106.

use kql_syntax::{dump, parse, print_query};

const STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a fresh thread with a 2 MiB stack; a stack overflow aborts
/// the whole test binary, so reaching the end is the assertion.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new().stack_size(STACK).spawn(f).expect("spawn").join().expect("no panic")
}

fn chain(term: &str, op: &str, n: usize) -> String {
    let mut s = String::from("print ");
    for i in 0..n {
        if i > 0 {
            s.push_str(op);
        }
        s.push_str(term);
    }
    s
}

/// Parses, prints, reparses and dumps `text`; returns the diagnostic codes.
fn round_trip(text: String) -> Vec<&'static str> {
    on_small_stack(move || {
        let parsed = parse(&text);
        if !parsed.is_ok() {
            return parsed.diagnostics.iter().map(|d| d.code).collect();
        }
        let printed = print_query(&parsed.query);
        let again = parse(&printed);
        assert!(again.is_ok(), "the printed query parses");
        assert_eq!(dump(&again.query, false), dump(&parsed.query, false));
        Vec::new()
    })
}

#[test]
fn long_and_or_chains_parse_print_and_dump() {
    assert!(round_trip(chain("true", " and ", 4_000)).is_empty());
    assert!(round_trip(chain("false", " or ", 4_000)).is_empty());
    assert!(round_trip(chain("x has \"a\" and y > 1", " or ", 2_000)).is_empty());
}

#[test]
fn too_long_and_or_chains_are_too_deep() {
    assert_eq!(round_trip(chain("true", " and ", 40_000)), ["KQL106"]);
    assert_eq!(round_trip(chain("false", " or ", 40_000)), ["KQL106"]);
    // A chain stands on its first operand: a long chain in brackets there
    // makes the tree as deep as both chains together.
    let inner = chain("a", " or ", 3_000).replacen("print ", "", 1);
    let outer = chain("b", " or ", 3_000).replacen("print ", "", 1);
    assert_eq!(round_trip(format!("print ({inner}) or {outer}")), ["KQL106"]);
    assert_eq!(round_trip(format!("print (({inner}) + 1) * 2 or {outer}")), ["KQL106"]);
    assert!(round_trip(format!("print ({inner}) or b")).is_empty());
}

#[test]
fn long_arithmetic_chains_are_too_deep() {
    for op in ["+", " - ", "*", " / ", " % "] {
        let codes = round_trip(chain("1", op, 5_000));
        assert_eq!(codes, ["KQL106"], "{op}");
    }
    assert!(round_trip(chain("1", "+", 100)).is_empty());
}

#[test]
fn long_member_and_index_chains_are_too_deep() {
    let members = format!("print d{}", ".a".repeat(5_000));
    assert_eq!(round_trip(members), ["KQL106"]);
    let indexes = format!("print d{}", "[0]".repeat(5_000));
    assert_eq!(round_trip(indexes), ["KQL106"]);
    assert!(round_trip(format!("print d{}", ".a".repeat(50))).is_empty());
}

#[test]
fn too_deep_points_at_the_operator_past_the_budget() {
    let text = chain("1", "+", 200);
    let parsed = parse(&text);
    assert_eq!(parsed.diagnostics.len(), 1);
    let d = &parsed.diagnostics[0];
    assert_eq!(d.code, "KQL106");
    assert_eq!(&text[d.span.range()], "+");
    assert!(d.span.start > 200, "past the first hundred operators");
}

#[test]
fn long_lists_and_pipelines_parse() {
    let ints: Vec<String> = (0..40_000).map(|i| i.to_string()).collect();
    assert!(round_trip(format!("print x = 1 | where x in ({})", ints.join(", "))).is_empty());
    assert!(round_trip(format!("print x = 1{}", " | project x".repeat(1000))).is_empty());
    assert!(round_trip(format!("print x = 1{}", " | extend x = x + 1".repeat(1000))).is_empty());
}

#[test]
fn too_many_operators() {
    assert_eq!(round_trip(format!("print x = 1{}", " | project x".repeat(20_000))), ["KQL106"]);
    // Operators of nested pipelines count too.
    let inner = format!("(print x = 1{})", " | project x".repeat(600));
    assert_eq!(round_trip(format!("print x = 1 | union {inner}, {inner}")), ["KQL106"]);
    let text = format!("print x = 1{}", " | take 1".repeat(1001));
    let parsed = parse(&text);
    let d = &parsed.diagnostics[0];
    assert_eq!((d.code, &text[d.span.range()]), ("KQL106", "|"));
    assert_eq!(d.span.start as usize, text.rfind('|').expect("a pipe"));
}
