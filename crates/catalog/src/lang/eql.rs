//! Elastic's Event Query Language as detection rules write it: `category
//! where condition`, sequences and samples of bracketed steps with `by`,
//! `with maxspan`/`runs` and `until`, missing-event steps `![...]`, and
//! `| head`/`tail`/`unique` pipes.

use crate::cond::{Cond, MAX_DEPTH};
use crate::lang::boolean;
use crate::lex::{Cursor, LexSpec, Tok, lex};

const SPEC: LexSpec = LexSpec {
    puncts: &["==", "!=", "<=", ">=", "<", ">", ":", "(", ")", "[", "]", ",", "|", "=", "+", "*", "/", "%"],
    c_comments: true,
    raw_strings: true,
    single_quotes: false,
    backticks: true,
    python: false,
};

/// Functions that test a field against literal values: the first argument
/// is the field, the others the values.
/// Names are matched ignoring case, as EQL does.
const FUNCTIONS: &[&str] = &[
    "startswith",
    "startswith~",
    "endswith",
    "endswith~",
    "stringcontains",
    "stringcontains~",
    "cidrmatch",
    "wildcard",
];

/// A parsed EQL query: the event categories it reads and its conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Eql {
    /// `process`, `file`, `network`... (`any` left out).
    pub categories: Vec<String>,
    /// The conditions of every step, and'ed.
    pub cond: Cond,
}

/// Parses an EQL query.
pub fn parse(text: &str) -> Result<Eql, String> {
    let toks = lex(text, &SPEC)?;
    let mut c = Cursor::new(&toks);
    let mut eql = Eql { categories: Vec::new(), cond: Cond::And(Vec::new()) };
    if c.eat_word("sequence") || c.eat_word("sample") {
        skip_join_options(&mut c)?;
        loop {
            // `![...]`: a match needs no such event; the step selects none.
            let missing = matches!(c.peek(), Some(Tok::Word(w)) if w == "!");
            if missing {
                c.bump();
            }
            if !c.eat("[") {
                if missing {
                    return Err(c.error("expected `[` after `!`"));
                }
                break;
            }
            let mut cats = Vec::new();
            let step = event_query(&mut c, if missing { &mut cats } else { &mut eql.categories })?;
            if !c.eat("]") {
                return Err(c.error("expected `]` after a sequence step"));
            }
            let step = if missing {
                Cond::unknown(
                    "![...]",
                    "a sequence's missing-event step `![...]` requires that no such event occurs; it does not select events",
                )
            } else {
                step
            };
            eql.cond = std::mem::replace(&mut eql.cond, Cond::And(Vec::new())).and(step);
            skip_join_options(&mut c)?;
        }
        if c.eat_word("until") {
            if !c.eat("[") {
                return Err(c.error("expected `[` after until"));
            }
            let mut cats = Vec::new();
            let _ = event_query(&mut c, &mut cats)?;
            if !c.eat("]") {
                return Err(c.error("expected `]`"));
            }
            eql.cond = std::mem::replace(&mut eql.cond, Cond::And(Vec::new()))
                .and(Cond::unknown("until [...]", "a sequence's `until` step ends a match; it does not select events"));
        }
    } else {
        eql.cond = event_query(&mut c, &mut eql.categories)?;
    }
    while c.eat("|") {
        match c.bump() {
            Some(Tok::Word(w)) if ["head", "tail", "unique", "unique_count", "count"].contains(&w.as_str()) => {
                while !c.done() && !matches!(c.peek(), Some(Tok::Punct("|"))) {
                    c.bump();
                }
            }
            Some(Tok::Word(w)) if w == "filter" => {
                let f = expr(&mut c, 0)?;
                eql.cond = std::mem::replace(&mut eql.cond, Cond::And(Vec::new())).and(f);
            }
            _ => return Err(c.error("unknown pipe")),
        }
    }
    if !c.done() {
        return Err(c.error("unexpected token"));
    }
    Ok(eql)
}

/// `by f1, f2`, `with maxspan=5m`, `with runs=3` (after `sequence` or a step).
fn skip_join_options(c: &mut Cursor) -> Result<(), String> {
    loop {
        if c.eat_word("by") {
            loop {
                match c.bump() {
                    Some(Tok::Word(_)) => {}
                    _ => return Err(c.error("expected a field after by")),
                }
                // `by process.entity_id` or a function call `by lower(x)`.
                if c.eat("(") {
                    skip_parens(c)?;
                }
                if !c.eat(",") {
                    break;
                }
            }
        } else if c.eat_word("with") {
            match c.bump() {
                Some(Tok::Word(_)) => {}
                _ => return Err(c.error("expected an option after with")),
            }
            if !c.eat("=") {
                return Err(c.error("expected `=`"));
            }
            c.bump();
        } else {
            return Ok(());
        }
    }
}

fn skip_parens(c: &mut Cursor) -> Result<(), String> {
    let mut open = 1usize;
    while open > 0 {
        match c.bump() {
            Some(Tok::Punct("(")) => open += 1,
            Some(Tok::Punct(")")) => open -= 1,
            Some(_) => {}
            None => return Err(c.error("expected `)`")),
        }
    }
    Ok(())
}

fn event_query(c: &mut Cursor, categories: &mut Vec<String>) -> Result<Cond, String> {
    let category = match c.bump() {
        Some(Tok::Word(w)) => w.clone(),
        Some(Tok::Str(s)) => s.clone(),
        _ => return Err(c.error("expected an event category")),
    };
    if !c.eat_word("where") {
        return Err(c.error("expected `where`"));
    }
    if category != "any" && !categories.contains(&category) {
        categories.push(category);
    }
    expr(c, 0)
}

fn expr(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    boolean::or(c, depth, &boolean::WORDS, comparison)
}

/// One side of a comparison.
enum Operand {
    Field(String),
    Literal(String),
    Null,
    Cond(Cond),
    Other(String),
}

fn operand(c: &mut Cursor, depth: usize) -> Result<Operand, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat("(") {
        let inner = expr(c, depth + 1)?;
        if !c.eat(")") {
            return Err(c.error("expected `)`"));
        }
        return Ok(Operand::Cond(inner));
    }
    match c.bump() {
        Some(Tok::Str(s)) => Ok(Operand::Literal(s.clone())),
        Some(Tok::Word(w)) => {
            if c.eat("(") {
                return call(c, w, depth);
            }
            if w == "null" {
                return Ok(Operand::Null);
            }
            if w == "true" || w == "false" || w.parse::<f64>().is_ok() {
                return Ok(Operand::Literal(w.clone()));
            }
            Ok(Operand::Field(field_name(c, w)))
        }
        _ => Err(c.error("expected a field, value or `(`")),
    }
}

/// A field name from its first word: `?` (optional field) dropped, and
/// backtick-quoted segments joined (`` a.`0`.b `` is `a.0.b`).
fn field_name(c: &mut Cursor, first: &str) -> String {
    let mut name = first.trim_start_matches('?').trim_matches('`').to_string();
    while name.ends_with('.')
        && let Some(Tok::Word(seg)) = c.peek()
        && seg.len() > 2
        && seg.starts_with('`')
        && seg.ends_with('`')
    {
        name.push_str(seg.trim_matches('`'));
        c.bump();
        if let Some(Tok::Word(rest)) = c.peek()
            && rest.starts_with('.')
        {
            name.push_str(rest);
            c.bump();
        }
    }
    name
}

fn call(c: &mut Cursor, name: &str, depth: usize) -> Result<Operand, String> {
    let args = c.comma_list(true, "a call", |c| arith(c, depth + 1))?;
    let lower = name.to_ascii_lowercase();
    // `string(field)` converts the field's value to text: the test is still on the field.
    if lower == "string"
        && let [Operand::Field(f)] = args.as_slice()
    {
        return Ok(Operand::Field(f.clone()));
    }
    if FUNCTIONS.contains(&lower.as_str())
        && let Some((Operand::Field(f), rest)) = args.split_first()
        && !rest.is_empty()
    {
        let mut values = Vec::new();
        for a in rest {
            match a {
                Operand::Literal(v) => values.push(v.clone()),
                _ => return Ok(Operand::Other(format!("{name}(...)"))),
            }
        }
        return Ok(Operand::Cond(Cond::pred(f, &lower, values)));
    }
    Ok(Operand::Other(format!("{name}(...)")))
}

/// An operand possibly followed by arithmetic (`a + 1`, `a - 1`), which is
/// not analysed. (A `-` is a word of its own when spaces surround it; `-1`
/// is a number.)
fn arith(c: &mut Cursor, depth: usize) -> Result<Operand, String> {
    let first = operand(c, depth)?;
    let mut out = first;
    while matches!(c.peek(), Some(Tok::Punct("+" | "*" | "/" | "%")))
        || matches!(c.peek(), Some(Tok::Word(w)) if w == "-")
    {
        c.bump();
        let _ = operand(c, depth)?;
        out = Operand::Other("arithmetic".into());
    }
    Ok(out)
}

fn comparison(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    let left = arith(c, depth)?;
    let op = match c.peek() {
        Some(Tok::Punct(p @ ("==" | "!=" | "<=" | ">=" | "<" | ">" | ":"))) => {
            c.bump();
            p.to_string()
        }
        Some(Tok::Word(w)) if ["in", "in~", "like", "like~", "regex", "regex~"].contains(&w.as_str()) => {
            c.bump();
            w.clone()
        }
        Some(Tok::Word(w)) if w == "not" && matches!(c.peek2(), Some(Tok::Word(x)) if x == "in" || x == "in~") => {
            c.bump();
            let Some(Tok::Word(x)) = c.bump() else { return Err(c.error("expected in")) };
            format!("not {x}")
        }
        _ => {
            return Ok(match left {
                Operand::Cond(cond) => cond,
                Operand::Field(f) => Cond::unknown(&f, "a bare field as a condition"),
                Operand::Literal(v) => Cond::unknown(&v, "a bare value as a condition"),
                Operand::Null => Cond::unknown("null", "a bare value as a condition"),
                Operand::Other(t) => Cond::unknown(&t, "a function not analysed"),
            });
        }
    };
    // The right side: one operand, or a parenthesised list.
    let list = matches!(c.peek(), Some(Tok::Punct("("))) && op != "==" && op != "!=";
    let rights = if list {
        c.bump();
        c.comma_list(false, "a list", |c| arith(c, depth + 1))?
    } else {
        vec![arith(c, depth)?]
    };
    let field = match left {
        Operand::Field(f) => f,
        Operand::Other(t) => return Ok(Cond::unknown(&t, "a comparison on a computed value")),
        Operand::Cond(_) | Operand::Literal(_) | Operand::Null => {
            return Ok(Cond::unknown(&op, "a comparison whose left side is not a field"));
        }
    };
    if rights.len() == 1 && matches!(rights[0], Operand::Null) {
        return match op.as_str() {
            "==" | ":" => Ok(Cond::pred(&field, "== null", vec![])),
            "!=" => Ok(Cond::pred(&field, "!= null", vec![])),
            _ => Ok(Cond::unknown(&field, format!("`{op} null`"))),
        };
    }
    let mut values = Vec::new();
    for r in rights {
        match r {
            Operand::Literal(v) => values.push(v),
            Operand::Field(f) => return Ok(Cond::unknown(&format!("{field} {op} {f}"), "compares two fields")),
            _ => return Ok(Cond::unknown(&format!("{field} {op} ..."), "compares with a computed value")),
        }
    }
    let op = if op == ":" && list { ":list".to_string() } else { op };
    Ok(Cond::pred(&field, &op, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: &str, op: &str, v: &[&str]) -> Cond {
        Cond::pred(field, op, v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn event_query_with_functions_and_lists() {
        let q = r#"process where host.os.type == "linux" and process.name : ("curl", "wget") and
            startsWith~(process.executable, "/tmp/") and not ?process.parent.name in ("sh") // note
            and process.args_count >= 3"#;
        let e = parse(q).unwrap();
        assert_eq!(e.categories, ["process"]);
        assert_eq!(
            e.cond,
            Cond::And(vec![
                p("host.os.type", "==", &["linux"]),
                p("process.name", ":list", &["curl", "wget"]),
                p("process.executable", "startswith~", &["/tmp/"]),
                Cond::Not(Box::new(p("process.parent.name", "in", &["sh"]))),
                p("process.args_count", ">=", &["3"]),
            ])
        );
    }

    #[test]
    fn sequences_join_their_steps() {
        let q = r#"sequence by host.id with maxspan=1m
            [process where event.type == "start"] by process.entity_id
            [network where destination.port == 2375]
            until [process where event.type == "end"]"#;
        let e = parse(q).unwrap();
        assert_eq!(e.categories, ["process", "network"]);
        let Cond::And(parts) = e.cond else { panic!() };
        assert_eq!(parts.len(), 3);
        assert!(matches!(&parts[2], Cond::Unknown { .. }));
    }

    #[test]
    fn missing_event_steps_select_nothing() {
        let q = r#"sequence by host.id with maxspan=5m
            [any where event.kind == "alert"]
            ![process where process.name == "x"]"#;
        let e = parse(q).unwrap();
        assert!(e.categories.is_empty());
        let Cond::And(parts) = e.cond else { panic!() };
        assert_eq!(parts[0], p("event.kind", "==", &["alert"]));
        assert!(matches!(&parts[1], Cond::Unknown { reason, .. } if reason.contains("missing-event")));
        assert_eq!(parts.len(), 2);
        assert!(parse("sequence [any where a == 1] ! b").unwrap_err().contains("expected `[` after `!`"));
    }

    #[test]
    fn backtick_segments_and_spaced_minus() {
        let e = parse("any where a.`0`.name like \"D-*\" and startswith~(h, substring(u, 0, length(u) - 1))").unwrap();
        let Cond::And(parts) = e.cond else { panic!() };
        assert_eq!(parts[0], p("a.0.name", "like", &["D-*"]));
        assert!(matches!(&parts[1], Cond::Unknown { reason, .. } if reason == "a function not analysed"));
    }

    #[test]
    fn what_is_not_understood_is_unknown_not_guessed() {
        let e = parse("process where length(process.args) > 5 and process.name == process.parent.name").unwrap();
        let Cond::And(parts) = e.cond else { panic!() };
        assert!(parts.iter().all(|p| matches!(p, Cond::Unknown { .. })));
        assert!(parse("process where (((").is_err());
        assert!(parse(&format!("process where {}a == 1", "not ".repeat(5000))).is_err());
    }
}
