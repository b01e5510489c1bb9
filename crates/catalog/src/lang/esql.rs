//! ES|QL as Elastic rules write it: `FROM indices`, then `| WHERE`
//! conditions (the predicates), with the other commands (`EVAL`, `STATS`,
//! `KEEP`...) read past. Keywords in any case.

use crate::cond::{Cond, MAX_DEPTH};
use crate::lang::boolean;
use crate::lex::{Cursor, LexSpec, Tok, lex};

const SPEC: LexSpec = LexSpec {
    puncts: &[
        "==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", "{", "}", ",", "|", "=", "+", "-", "*", "/", "%", "::",
        ":",
    ],
    c_comments: true,
    raw_strings: true,
    single_quotes: false,
    backticks: false,
    python: false,
};

/// Functions that test a field against literal values (`match` with options
/// such as fuzziness is not one of them: its arguments are not all values).
const FUNCTIONS: &[&str] = &["starts_with", "ends_with", "cidr_match", "contains", "mv_contains", "match"];

/// Functions that change a value's case or type to text only: the field
/// they are given is what the condition tests.
const CASE_FOLDS: &[&str] = &["to_lower", "to_upper", "to_string"];

/// Conversions to a type, null when the value does not convert: a
/// comparison with a value (`TO_DOUBLE(x) > 0.7`) is still the field's
/// test, a null test is not.
const CONVERSIONS: &[&str] = &["to_ip", "to_double", "to_integer", "to_long"];

/// Casts (`x::string`) to text, like [`CASE_FOLDS`].
const TEXT_CASTS: &[&str] = &["string", "keyword", "text"];

/// Casts (`x::long`) to a type, like [`CONVERSIONS`].
const CASTS: &[&str] = &["ip", "double", "integer", "long"];

/// A parsed ES|QL query.
#[derive(Debug, Clone, PartialEq)]
pub struct Esql {
    /// The index patterns after `FROM`.
    pub indices: Vec<String>,
    /// The `WHERE` conditions, and'ed.
    pub cond: Cond,
}

/// Parses an ES|QL query.
pub fn parse(text: &str) -> Result<Esql, String> {
    let text = strip_comments(text);
    let (source, rest) = match text.find('|') {
        Some(at) => (text.get(..at).unwrap_or_default(), text.get(at..).unwrap_or_default()),
        None => (text.as_str(), ""),
    };
    let mut words = source.split_whitespace();
    if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("from")) {
        return Err("expected FROM at the start".into());
    }
    let mut indices = Vec::new();
    for w in words {
        if w.eq_ignore_ascii_case("metadata") {
            break;
        }
        indices.extend(w.split(',').map(|i| i.trim_matches('"')).filter(|i| !i.is_empty()).map(str::to_string));
    }
    let toks = lex(rest, &SPEC)?;
    let mut c = Cursor::new(&toks);
    let mut out = Esql { indices, cond: Cond::And(Vec::new()) };
    skip_command(&mut c);
    while c.eat("|") {
        if c.eat_word("where") {
            let cond = expr(&mut c, 0)?;
            out.cond = std::mem::replace(&mut out.cond, Cond::And(Vec::new())).and(cond);
            if !c.done() && !matches!(c.peek(), Some(Tok::Punct("|"))) {
                return Err(c.error("unexpected token after a WHERE condition"));
            }
        } else {
            skip_command(&mut c);
        }
    }
    if !c.done() {
        return Err(c.error("unexpected token"));
    }
    Ok(out)
}

/// `text` without `//` comments (outside strings), so a `|` in a comment
/// does not end the FROM command.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut quoted = false;
            let mut prev = ' ';
            for (i, ch) in line.char_indices() {
                if ch == '"' {
                    quoted = !quoted;
                }
                if !quoted && ch == '/' && prev == '/' {
                    return line.get(..i.saturating_sub(1)).unwrap_or_default();
                }
                prev = ch;
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads past a command up to the next `|`.
fn skip_command(c: &mut Cursor) {
    while !c.done() && !matches!(c.peek(), Some(Tok::Punct("|"))) {
        c.bump();
    }
}

fn expr(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    boolean::or(c, depth, &boolean::WORDS, comparison)
}

enum Operand {
    Field(String),
    /// A field converted to a type (null when it does not convert).
    Converted(String),
    Literal(String),
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
    if c.eat("-") {
        return match operand(c, depth + 1)? {
            Operand::Literal(v) => Ok(Operand::Literal(format!("-{v}"))),
            _ => Ok(Operand::Other("negation".into())),
        };
    }
    let out = match c.bump() {
        Some(Tok::Str(s)) => Operand::Literal(s.clone()),
        Some(Tok::Word(w)) => {
            if c.eat("(") {
                call(c, w, depth)?
            } else if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") || w.parse::<f64>().is_ok() {
                Operand::Literal(w.clone())
            } else if w.eq_ignore_ascii_case("null") {
                Operand::Other("null".into())
            } else {
                Operand::Field(w.trim_matches('`').to_string())
            }
        }
        _ => return Err(c.error("expected a field, value or `(`")),
    };
    // A duration after a number (`9 days`) or a cast (`x::long`).
    if matches!(out, Operand::Literal(_))
        && let Some(Tok::Word(w)) = c.peek()
        && !["and", "or", "not", "in", "like", "rlike", "is"].contains(&w.to_ascii_lowercase().as_str())
    {
        c.bump();
        return Ok(Operand::Other("a duration".into()));
    }
    if c.eat("::") {
        return Ok(match (out, c.bump()) {
            (Operand::Field(f), Some(Tok::Word(t))) if TEXT_CASTS.contains(&t.to_ascii_lowercase().as_str()) => {
                Operand::Field(f)
            }
            (Operand::Field(f), Some(Tok::Word(t))) if CASTS.contains(&t.to_ascii_lowercase().as_str()) => {
                Operand::Converted(f)
            }
            _ => Operand::Other("a cast".into()),
        });
    }
    Ok(out)
}

fn call(c: &mut Cursor, name: &str, depth: usize) -> Result<Operand, String> {
    let args = c.comma_list(true, "a call", |c| {
        if c.eat("*") {
            Ok(Operand::Other("*".into()))
        } else if c.eat("{") {
            skip_options(c)?;
            Ok(Operand::Other("options".into()))
        } else {
            arith(c, depth + 1)
        }
    })?;
    let lower = name.to_ascii_lowercase();
    if CASE_FOLDS.contains(&lower.as_str())
        && let [Operand::Field(f)] = args.as_slice()
    {
        return Ok(Operand::Field(f.clone()));
    }
    if CONVERSIONS.contains(&lower.as_str())
        && let [Operand::Field(f)] = args.as_slice()
    {
        return Ok(Operand::Converted(f.clone()));
    }
    // `KQL("kuery text")`: the kuery inside is the condition.
    if lower == "kql"
        && let [Operand::Literal(q)] = args.as_slice()
    {
        return Ok(Operand::Cond(
            crate::lang::kuery::parse(q).unwrap_or_else(|e| Cond::unknown(q, format!("kuery in KQL(): {e}"))),
        ));
    }
    if FUNCTIONS.contains(&lower.as_str())
        && let Some((Operand::Field(f) | Operand::Converted(f), rest)) = args.split_first()
        && !rest.is_empty()
        && rest.iter().all(|a| matches!(a, Operand::Literal(_)))
    {
        let values =
            rest.iter().filter_map(|a| if let Operand::Literal(v) = a { Some(v.clone()) } else { None }).collect();
        return Ok(Operand::Cond(Cond::pred(f, &lower, values)));
    }
    Ok(Operand::Other(format!("{name}(...)")))
}

/// Reads past a function's options map (`{ "fuzziness": 1 }`) after its `{`.
fn skip_options(c: &mut Cursor) -> Result<(), String> {
    loop {
        match c.bump() {
            Some(Tok::Punct("}")) => return Ok(()),
            Some(Tok::Punct("{")) => return Err(c.error("nested options are not read")),
            Some(_) => {}
            None => return Err(c.error("expected `}` after function options")),
        }
    }
}

fn arith(c: &mut Cursor, depth: usize) -> Result<Operand, String> {
    let mut out = operand(c, depth)?;
    while matches!(c.peek(), Some(Tok::Punct("+" | "-" | "*" | "/" | "%"))) {
        c.bump();
        let _ = operand(c, depth + 1)?;
        out = Operand::Other("arithmetic".into());
    }
    Ok(out)
}

fn comparison(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    let left = arith(c, depth)?;
    let mut negate = false;
    let op = match c.peek() {
        Some(Tok::Punct(p @ ("==" | "!=" | "<=" | ">=" | "<" | ">"))) => {
            c.bump();
            p.to_string()
        }
        // `field : "text"`, the match operator: MATCH(field, "text").
        Some(Tok::Punct(":")) => {
            c.bump();
            "match".to_string()
        }
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("is") => {
            c.bump();
            let not = c.eat_word("not");
            if !c.eat_word("null") {
                return Err(c.error("expected null"));
            }
            let op = if not { "is not null" } else { "is null" };
            return Ok(match left {
                Operand::Field(f) => Cond::pred(&f, op, vec![]),
                _ => Cond::unknown(op, "a null test on a computed or converted value"),
            });
        }
        Some(Tok::Word(w)) if ["in", "like", "rlike", "not"].contains(&w.to_ascii_lowercase().as_str()) => {
            c.bump();
            let mut w = w.to_ascii_lowercase();
            if w == "not" {
                negate = true;
                w = match c.bump() {
                    Some(Tok::Word(x)) if ["in", "like", "rlike"].contains(&x.to_ascii_lowercase().as_str()) => {
                        x.to_ascii_lowercase()
                    }
                    _ => return Err(c.error("expected IN, LIKE or RLIKE after NOT")),
                };
            }
            w
        }
        _ => {
            return Ok(match left {
                Operand::Cond(cond) => cond,
                Operand::Field(f) | Operand::Converted(f) => Cond::unknown(&f, "a bare field as a condition"),
                Operand::Literal(v) => Cond::unknown(&v, "a bare value as a condition"),
                Operand::Other(t) => Cond::unknown(&t, "a function not analysed"),
            });
        }
    };
    let rights = if matches!(c.peek(), Some(Tok::Punct("("))) && ["in", "like", "rlike"].contains(&op.as_str()) {
        c.bump();
        c.comma_list(false, "a list", |c| arith(c, depth + 1))?
    } else {
        vec![arith(c, depth)?]
    };
    let field = match left {
        Operand::Field(f) | Operand::Converted(f) => f,
        Operand::Other(t) => return Ok(Cond::unknown(&t, "a comparison on a computed value")),
        _ => return Ok(Cond::unknown(&op, "a comparison whose left side is not a field")),
    };
    let mut values = Vec::new();
    for r in rights {
        match r {
            Operand::Literal(v) => values.push(v),
            Operand::Field(f) | Operand::Converted(f) => {
                return Ok(Cond::unknown(&format!("{field} {op} {f}"), "compares two fields"));
            }
            _ => return Ok(Cond::unknown(&format!("{field} {op} ..."), "compares with a computed value")),
        }
    }
    let p = Cond::pred(&field, &op, values);
    Ok(if negate { Cond::Not(Box::new(p)) } else { p })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: &str, op: &str, v: &[&str]) -> Cond {
        Cond::pred(field, op, v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn where_commands_are_the_predicates() {
        let q = r#"FROM logs-endpoint.events.process-*, logs-aws* METADATA _id
            | WHERE event.action == "exec" AND process.name IN ("curl", "wget") // comment
            | EVAL x = to_lower(process.name)
            | STATS Esql.count = COUNT(*) BY host.id
            | where Esql.count >= 3 and not process.command_line like "*kube*" and starts_with(file.path, "/tmp")"#;
        let e = parse(q).unwrap();
        assert_eq!(e.indices, ["logs-endpoint.events.process-*", "logs-aws*"]);
        assert_eq!(
            e.cond,
            Cond::And(vec![
                Cond::And(vec![p("event.action", "==", &["exec"]), p("process.name", "in", &["curl", "wget"])]),
                Cond::And(vec![
                    p("Esql.count", ">=", &["3"]),
                    Cond::Not(Box::new(p("process.command_line", "like", &["*kube*"]))),
                    p("file.path", "starts_with", &["/tmp"]),
                ]),
            ])
        );
    }

    #[test]
    fn match_conversions_and_casts() {
        let q = r#"from x | where a : "char" and match(b::string, "refusing") and cidr_match(to_ip(c), "10.0.0.0/8")
            and to_double(d) > 0.7 and e::long > 3 and match(f, "svchost.exe", { "fuzziness": 1 }) and g::date > 1
            and to_ip(h) is not null"#;
        let e = parse(q).unwrap();
        let Cond::And(parts) = e.cond else { panic!() };
        let Cond::And(parts) = &parts[0] else { panic!() };
        assert_eq!(
            parts[..5],
            [
                p("a", "match", &["char"]),
                p("b", "match", &["refusing"]),
                p("c", "cidr_match", &["10.0.0.0/8"]),
                p("d", ">", &["0.7"]),
                p("e", ">", &["3"]),
            ]
        );
        // A fuzzy match is not a match of the value; a cast to a date is not read.
        assert!(matches!(&parts[5], Cond::Unknown { reason, .. } if reason == "a function not analysed"));
        assert!(matches!(&parts[6], Cond::Unknown { reason, .. } if reason == "a comparison on a computed value"));
        // TO_IP(h) is null when h is not an address: not the same as h being null.
        assert!(matches!(&parts[7], Cond::Unknown { reason, .. } if reason.starts_with("a null test")));
        assert!(parse("from x | where match(f, \"a\", { \"k\": 1 ").is_err());
    }

    #[test]
    fn computed_values_are_unknown() {
        let e = parse("from x | where @timestamp > now() - 9 days and length(a) == 3").unwrap();
        let Cond::And(parts) = e.cond else { panic!() };
        let Cond::And(inner) = &parts[0] else { panic!() };
        assert!(inner.iter().all(|p| matches!(p, Cond::Unknown { .. })), "{inner:?}");
        assert!(parse(&format!("from x | where {}", "(".repeat(1000))).is_err());
    }
}
