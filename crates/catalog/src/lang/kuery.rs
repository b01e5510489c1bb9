//! Kibana's KQL (`kuery`) and Lucene query strings, as Elastic rules write
//! them: `field:value`, `field:(a or b)`, `field:*`, ranges, `and`/`or`/`not`
//! in any case, and Lucene's `/regex/`. In kuery an unquoted value runs over
//! spaces up to a keyword (`field:(*S3 Browser* or x)` is the value
//! `*S3 Browser*`), and `field:{ a:1 and b:2 }` tests the nested object's
//! fields (`field.a`, `field.b`).

use crate::cond::{Cond, MAX_DEPTH};
use crate::lex::{Cursor, LexSpec, Tok, lex};

const KUERY: LexSpec = LexSpec {
    puncts: &[":", "(", ")", "{", "}", "<=", ">=", "<", ">"],
    c_comments: false,
    raw_strings: false,
    single_quotes: false,
    backticks: false,
    python: false,
};

/// Lucene: `{` and `}` belong to regexes and ranges, not to nested queries.
const LUCENE: LexSpec = LexSpec { puncts: &[":", "(", ")", "<=", ">=", "<", ">"], ..KUERY };

/// Which of the two languages is read.
#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Kuery,
    Lucene,
}

/// Parses a kuery (Kibana KQL) query into conditions.
pub fn parse(text: &str) -> Result<Cond, String> {
    parse_as(text, Dialect::Kuery)
}

/// Parses a Lucene query string into conditions.
pub fn parse_lucene(text: &str) -> Result<Cond, String> {
    parse_as(text, Dialect::Lucene)
}

fn parse_as(text: &str, d: Dialect) -> Result<Cond, String> {
    let toks = lex(text, if d == Dialect::Kuery { &KUERY } else { &LUCENE })?;
    let mut c = Cursor::new(&toks);
    let cond = or(&mut c, d, 0)?;
    if !c.done() {
        return Err(c.error("unexpected token"));
    }
    Ok(cond)
}

fn or(c: &mut Cursor, d: Dialect, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let mut items = vec![and(c, d, depth)?];
    while c.eat_word("or") {
        items.push(and(c, d, depth)?);
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
}

fn and(c: &mut Cursor, d: Dialect, depth: usize) -> Result<Cond, String> {
    let mut items = vec![not(c, d, depth)?];
    loop {
        if c.eat_word("and") {
            items.push(not(c, d, depth)?);
        } else if c.is_word("not") {
            // Lucene: `a NOT b` is `a AND NOT b`.
            items.push(not(c, d, depth)?);
        } else {
            break;
        }
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
}

fn not(c: &mut Cursor, d: Dialect, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat_word("not") {
        return Ok(Cond::Not(Box::new(not(c, d, depth + 1)?)));
    }
    primary(c, d, depth)
}

fn primary(c: &mut Cursor, d: Dialect, depth: usize) -> Result<Cond, String> {
    if c.eat("(") {
        let inner = or(c, d, depth + 1)?;
        if !c.eat(")") {
            return Err(c.error("expected `)`"));
        }
        return Ok(inner);
    }
    let field = match c.bump() {
        Some(Tok::Word(w)) => w.clone(),
        Some(Tok::Str(s)) => return Ok(Cond::unknown(s, "free-text term without a field")),
        _ => return Err(c.error("expected a field")),
    };
    for op in ["<=", ">=", "<", ">"] {
        if c.eat(op) {
            let v = value(c, d)?;
            return Ok(Cond::pred(&field, op, vec![v.1]));
        }
    }
    if !c.eat(":") {
        return Ok(Cond::unknown(&field, "free-text term without a field"));
    }
    if d == Dialect::Kuery && c.eat("{") {
        let inner = or(c, d, depth + 1)?;
        if !c.eat("}") {
            return Err(c.error("expected `}` after a nested query"));
        }
        return Ok(nested(&field, inner, depth));
    }
    values(c, d, &field, depth)
}

/// The right of `field:`: one value or a parenthesised boolean of values.
fn values(c: &mut Cursor, d: Dialect, field: &str, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat("(") {
        let mut ors = vec![value_and(c, d, field, depth)?];
        while c.eat_word("or") {
            ors.push(value_and(c, d, field, depth)?);
        }
        if !c.eat(")") {
            return Err(c.error("expected `)`"));
        }
        return Ok(if ors.len() == 1 { ors.remove(0) } else { Cond::Or(ors) });
    }
    let (quoted, v) = value(c, d)?;
    Ok(leaf(field, quoted, v))
}

fn value_and(c: &mut Cursor, d: Dialect, field: &str, depth: usize) -> Result<Cond, String> {
    let mut items = vec![value_not(c, d, field, depth)?];
    while c.eat_word("and") || c.is_word("not") {
        items.push(value_not(c, d, field, depth)?);
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
}

fn value_not(c: &mut Cursor, d: Dialect, field: &str, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat_word("not") {
        return Ok(Cond::Not(Box::new(value_not(c, d, field, depth + 1)?)));
    }
    if matches!(c.peek(), Some(Tok::Punct("("))) {
        return values(c, d, field, depth + 1);
    }
    let (quoted, v) = value(c, d)?;
    Ok(leaf(field, quoted, v))
}

fn leaf(field: &str, quoted: bool, v: String) -> Cond {
    if !quoted && v == "*" {
        return Cond::pred(field, "exists", vec![]);
    }
    if !quoted && v.len() > 1 && v.starts_with('/') && v.ends_with('/') {
        let inner = v.get(1..v.len() - 1).unwrap_or_default();
        return Cond::pred(field, "regex", vec![inner.to_string()]);
    }
    if quoted {
        return Cond::pred(field, "phrase", vec![v]);
    }
    Cond::pred(field, ":", vec![v])
}

/// The conditions of `outer:{ inner }`: inner's fields are fields of `outer`.
fn nested(outer: &str, cond: Cond, depth: usize) -> Cond {
    if depth > MAX_DEPTH {
        return Cond::unknown(outer, format!("nested deeper than {MAX_DEPTH}"));
    }
    let all = |v: Vec<Cond>| v.into_iter().map(|c| nested(outer, c, depth + 1)).collect();
    match cond {
        Cond::And(v) => Cond::And(all(v)),
        Cond::Or(v) => Cond::Or(all(v)),
        Cond::Not(c) => Cond::Not(Box::new(nested(outer, *c, depth + 1))),
        Cond::Pred { field, op, values } => Cond::Pred { field: format!("{outer}.{field}"), op, values },
        u @ Cond::Unknown { .. } => u,
    }
}

/// One value: (quoted, text). A kuery unquoted value takes the words after
/// it up to a keyword, a punctuation mark or the next `field:` (joined by
/// one space).
fn value(c: &mut Cursor, d: Dialect) -> Result<(bool, String), String> {
    match c.bump() {
        Some(Tok::Word(w)) => {
            let mut v = w.clone();
            while d == Dialect::Kuery
                && let Some(Tok::Word(next)) = c.peek()
                && !["and", "or", "not"].iter().any(|k| next.eq_ignore_ascii_case(k))
                && !matches!(c.peek2(), Some(Tok::Punct(":" | "<" | "<=" | ">" | ">=")))
            {
                v.push(' ');
                v.push_str(next);
                c.bump();
            }
            Ok((false, v))
        }
        Some(Tok::Str(s)) => Ok((true, s.clone())),
        _ => Err(c.error("expected a value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: &str, op: &str, v: &str) -> Cond {
        Cond::pred(field, op, if v.is_empty() { vec![] } else { vec![v.to_string()] })
    }

    #[test]
    fn fields_values_and_exclusions() {
        let c = parse(r#"data_stream.dataset:"kubernetes.audit_logs" and verb:("get" or list) and user_agent.original:(* and not (*kubernetes/$Format))"#).unwrap();
        assert_eq!(
            c,
            Cond::And(vec![
                p("data_stream.dataset", "phrase", "kubernetes.audit_logs"),
                Cond::Or(vec![p("verb", "phrase", "get"), p("verb", ":", "list")]),
                Cond::And(vec![
                    p("user_agent.original", "exists", ""),
                    Cond::Not(Box::new(p("user_agent.original", ":", "*kubernetes/$Format")))
                ]),
            ])
        );
    }

    #[test]
    fn lucene_regex_and_upper_case_words() {
        let c = parse_lucene("process.args:(g+s OR /2[0-9]{3}/) AND NOT user.name:root").unwrap();
        assert_eq!(
            c,
            Cond::And(vec![
                Cond::Or(vec![p("process.args", ":", "g+s"), p("process.args", "regex", "2[0-9]{3}")]),
                Cond::Not(Box::new(p("user.name", ":", "root"))),
            ])
        );
    }

    #[test]
    fn kuery_unquoted_values_run_over_spaces() {
        let c = parse("a:(*S3 Browser* or * curl*) and b:x y and not c:z").unwrap();
        assert_eq!(
            c,
            Cond::And(vec![
                Cond::Or(vec![p("a", ":", "*S3 Browser*"), p("a", ":", "* curl*")]),
                p("b", ":", "x y"),
                Cond::Not(Box::new(p("c", ":", "z"))),
            ])
        );
        // Two fields without `and` between them are not one value.
        assert!(parse("a:x b:y").unwrap_err().contains("unexpected token"));
        // Lucene: a space separates terms.
        assert!(parse_lucene("a:(x y)").is_err());
    }

    #[test]
    fn kuery_nested_queries_name_the_inner_fields() {
        let c = parse(r#"ds:"gcp" and deltas:{ action:"ADD" and role:("r1" or r2) }"#).unwrap();
        assert_eq!(
            c,
            Cond::And(vec![
                p("ds", "phrase", "gcp"),
                Cond::And(vec![
                    p("deltas.action", "phrase", "ADD"),
                    Cond::Or(vec![p("deltas.role", "phrase", "r1"), p("deltas.role", ":", "r2")]),
                ]),
            ])
        );
        assert!(parse("a:{ b:1").unwrap_err().contains("expected `}`"));
        let deep = format!("{}x:1{}", "a:{ ".repeat(200), " }".repeat(200));
        assert!(parse(&deep).unwrap_err().contains("nested deeper"));
    }

    #[test]
    fn errors_and_depth() {
        assert!(parse("a:(b").unwrap_err().contains("expected `)`"));
        let deep = format!("{}a:b{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).unwrap_err().contains("nested deeper"));
        assert!(parse(&"not ".repeat(10_000)).is_err());
    }
}
