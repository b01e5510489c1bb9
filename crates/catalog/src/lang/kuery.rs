//! Kibana's KQL (`kuery`) and Lucene query strings, as Elastic rules write
//! them: `field:value`, `field:(a or b)`, `field:*`, ranges, `and`/`or`/`not`
//! in any case, and Lucene's `/regex/`.

use crate::cond::{Cond, MAX_DEPTH};
use crate::lex::{Cursor, LexSpec, Tok, lex};

const SPEC: LexSpec = LexSpec {
    puncts: &[":", "(", ")", "<=", ">=", "<", ">"],
    c_comments: false,
    raw_strings: false,
    single_quotes: false,
    backticks: false,
    python: false,
};

/// Parses a kuery or Lucene query into conditions.
pub fn parse(text: &str) -> Result<Cond, String> {
    let toks = lex(text, &SPEC)?;
    let mut c = Cursor::new(&toks);
    let cond = or(&mut c, 0)?;
    if !c.done() {
        return Err(c.error("unexpected token"));
    }
    Ok(cond)
}

fn or(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let mut items = vec![and(c, depth)?];
    while c.eat_word("or") {
        items.push(and(c, depth)?);
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
}

fn and(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    let mut items = vec![not(c, depth)?];
    loop {
        if c.eat_word("and") {
            items.push(not(c, depth)?);
        } else if c.is_word("not") {
            // Lucene: `a NOT b` is `a AND NOT b`.
            items.push(not(c, depth)?);
        } else {
            break;
        }
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
}

fn not(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat_word("not") {
        return Ok(Cond::Not(Box::new(not(c, depth + 1)?)));
    }
    primary(c, depth)
}

fn primary(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    if c.eat("(") {
        let inner = or(c, depth + 1)?;
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
            let v = value(c)?;
            return Ok(Cond::pred(&field, op, vec![v.1]));
        }
    }
    if !c.eat(":") {
        return Ok(Cond::unknown(&field, "free-text term without a field"));
    }
    values(c, &field, depth)
}

/// The right of `field:`: one value or a parenthesised boolean of values.
fn values(c: &mut Cursor, field: &str, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat("(") {
        let mut ors = vec![value_and(c, field, depth)?];
        while c.eat_word("or") {
            ors.push(value_and(c, field, depth)?);
        }
        if !c.eat(")") {
            return Err(c.error("expected `)`"));
        }
        return Ok(if ors.len() == 1 { ors.remove(0) } else { Cond::Or(ors) });
    }
    let (quoted, v) = value(c)?;
    Ok(leaf(field, quoted, v))
}

fn value_and(c: &mut Cursor, field: &str, depth: usize) -> Result<Cond, String> {
    let mut items = vec![value_not(c, field, depth)?];
    while c.eat_word("and") || c.is_word("not") {
        items.push(value_not(c, field, depth)?);
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
}

fn value_not(c: &mut Cursor, field: &str, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat_word("not") {
        return Ok(Cond::Not(Box::new(value_not(c, field, depth + 1)?)));
    }
    if matches!(c.peek(), Some(Tok::Punct("("))) {
        return values(c, field, depth + 1);
    }
    let (quoted, v) = value(c)?;
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

/// One value: (quoted, text).
fn value(c: &mut Cursor) -> Result<(bool, String), String> {
    match c.bump() {
        Some(Tok::Word(w)) => Ok((false, w.clone())),
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
        let c = parse("process.args:(g+s OR /2[0-9]{3}/) AND NOT user.name:root").unwrap();
        assert_eq!(
            c,
            Cond::And(vec![
                Cond::Or(vec![p("process.args", ":", "g+s"), p("process.args", "regex", "2[0-9]{3}")]),
                Cond::Not(Box::new(p("user.name", ":", "root"))),
            ])
        );
    }

    #[test]
    fn errors_and_depth() {
        assert!(parse("a:(b").unwrap_err().contains("expected `)`"));
        let deep = format!("{}a:b{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).unwrap_err().contains("nested deeper"));
        assert!(parse(&"not ".repeat(10_000)).is_err());
    }
}
