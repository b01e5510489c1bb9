//! Splunk's SPL as security_content detections write it: the search
//! language (the first command, `search`, the `where` clause of `tstats`)
//! and the eval language of `where`. Other commands are read past. Macros
//! are expanded before parsing ([`expand_macros`]).

use std::collections::HashMap;

use crate::cond::{Cond, MAX_DEPTH};
use crate::lang::boolean;
use crate::lex::{Cursor, LexSpec, Tok, Token, lex};

const SPEC: LexSpec = LexSpec {
    puncts: &["==", "!=", "<=", ">=", "=", "<", ">", "(", ")", ",", "|", "[", "]", "&&", "||"],
    c_comments: false,
    raw_strings: false,
    single_quotes: false,
    backticks: true,
    python: false,
};

/// How many macros deep an expansion goes.
const MAX_MACRO_DEPTH: usize = 8;
/// The longest a search may grow by expansion.
const MAX_EXPANDED: usize = 1 << 20;

/// A parsed search.
#[derive(Debug, Clone, PartialEq)]
pub struct Spl {
    /// `datamodel=Endpoint.Processes` of `tstats`, and macros left unexpanded.
    pub sources: Vec<String>,
    /// The conditions of every filtering command, and'ed.
    pub cond: Cond,
}

/// `search` with every argument-less macro whose definition is known
/// replaced by it (recursively). `*_filter` macros, the placeholders each
/// detection ends with for local tuning, are dropped.
pub fn expand_macros(search: &str, macros: &HashMap<String, String>) -> String {
    let mut text = search.to_string();
    for _ in 0..MAX_MACRO_DEPTH {
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        let mut rest = text.as_str();
        while let Some(start) = rest.find('`') {
            let after = rest.get(start + 1..).unwrap_or_default();
            let Some(len) = after.find('`') else { break };
            let name = after.get(..len).unwrap_or_default();
            out.push_str(rest.get(..start).unwrap_or_default());
            if name.ends_with("_filter") {
                changed = true;
            } else if let Some(def) = macros.get(name) {
                changed = true;
                if def.contains('|') {
                    out.push_str(def);
                } else {
                    out.push('(');
                    out.push_str(def);
                    out.push(')');
                }
            } else {
                out.push('`');
                out.push_str(name);
                out.push('`');
            }
            rest = after.get(len + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        if out.len() > MAX_EXPANDED {
            return text;
        }
        text = out;
        if !changed {
            break;
        }
    }
    text
}

/// Parses an SPL search.
pub fn parse(text: &str) -> Result<Spl, String> {
    let toks = lex(text, &SPEC)?;
    let mut out = Spl { sources: Vec::new(), cond: Cond::And(Vec::new()) };
    // Split into commands at top-level `|`.
    let mut commands: Vec<&[Token]> = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.tok {
            Tok::Punct("[") => depth += 1,
            Tok::Punct("]") => depth = depth.saturating_sub(1),
            Tok::Punct("|") if depth == 0 => {
                commands.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    commands.push(&toks[start..]);
    for (n, cmd) in commands.into_iter().enumerate() {
        let mut c = Cursor::new(cmd);
        if c.done() {
            continue;
        }
        let first_is_search = n == 0 && !matches!(c.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("search"));
        let cond = if first_is_search || c.eat_word("search") {
            search_expr(&mut c, &[], &mut out.sources)?
        } else if c.eat_word("where") {
            eval_expr(&mut c, 0)?
        } else if c.eat_word("tstats") {
            tstats(&mut c, &mut out.sources)?
        } else {
            continue;
        };
        if !c.done() {
            return Err(c.error("unexpected token"));
        }
        if let Some(cond) = cond {
            out.cond = std::mem::replace(&mut out.cond, Cond::And(Vec::new())).and(cond);
        }
    }
    Ok(out)
}

/// `tstats <options and aggregations> from datamodel=X where <search> by ...`.
fn tstats(c: &mut Cursor, sources: &mut Vec<String>) -> Result<Option<Cond>, String> {
    let mut cond = None;
    while !c.done() {
        if c.eat_word("from") {
            if c.eat_word("datamodel")
                && c.eat("=")
                && let Some(Tok::Word(dm)) = c.bump()
            {
                sources.push(format!("datamodel:{dm}"));
            }
        } else if c.eat_word("where") {
            cond = search_expr(c, &["by"], sources)?;
        } else if c.eat_word("by") {
            while c.bump().is_some() {}
        } else {
            c.bump();
        }
    }
    Ok(cond)
}

/// The search language: implicit `AND`, `field=value` with wildcards, `IN`,
/// bare terms (matched against the raw event), stopping at the words in `stop`.
fn search_expr(c: &mut Cursor, stop: &[&str], sources: &mut Vec<String>) -> Result<Option<Cond>, String> {
    search_or(c, stop, sources, 0)
}

fn search_or(c: &mut Cursor, stop: &[&str], sources: &mut Vec<String>, depth: usize) -> Result<Option<Cond>, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let mut items = Vec::new();
    loop {
        match search_and(c, stop, sources, depth)? {
            Some(p) => items.push(p),
            // A branch of an OR that is always true (an unexpanded data-source
            // macro) makes the OR say nothing we can record.
            None => items.push(Cond::unknown("", "an OR with a branch that is not analysed")),
        }
        if !c.eat_word("or") {
            break;
        }
    }
    if items.len() == 1 {
        let only = items.remove(0);
        return Ok(match only {
            Cond::Unknown { ref text, .. } if text.is_empty() => None,
            c => Some(c),
        });
    }
    Ok(Some(Cond::Or(items)))
}

fn search_and(c: &mut Cursor, stop: &[&str], sources: &mut Vec<String>, depth: usize) -> Result<Option<Cond>, String> {
    let mut items = Vec::new();
    loop {
        match c.peek() {
            None | Some(Tok::Punct(")")) => break,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("or") || stop.iter().any(|s| w.eq_ignore_ascii_case(s)) => {
                break;
            }
            _ => {}
        }
        c.eat_word("and");
        if let Some(t) = search_not(c, stop, sources, depth)? {
            items.push(t);
        }
    }
    Ok(match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Cond::And(items)),
    })
}

fn search_not(c: &mut Cursor, stop: &[&str], sources: &mut Vec<String>, depth: usize) -> Result<Option<Cond>, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat_word("not") {
        return Ok(search_not(c, stop, sources, depth + 1)?.map(|t| Cond::Not(Box::new(t))));
    }
    if c.eat("(") {
        let inner = search_or(c, stop, sources, depth + 1)?;
        if !c.eat(")") {
            return Err(c.error("expected `)`"));
        }
        return Ok(inner);
    }
    if c.eat("[") {
        let mut open = 1usize;
        while open > 0 {
            match c.bump() {
                Some(Tok::Punct("[")) => open += 1,
                Some(Tok::Punct("]")) => open -= 1,
                Some(_) => {}
                None => return Err(c.error("expected `]`")),
            }
        }
        return Ok(Some(Cond::unknown("[...]", "a subsearch")));
    }
    let word = match c.bump() {
        Some(Tok::Word(w)) => w.clone(),
        // `"field"="value"`: a quoted field name.
        Some(Tok::Str(s))
            if matches!(c.peek(), Some(Tok::Punct("=" | "!=" | "<" | ">" | "<=" | ">="))) || c.is_word("in") =>
        {
            s.clone()
        }
        Some(Tok::Str(s)) => return Ok(Some(Cond::pred("_raw", "term", vec![s.clone()]))),
        _ => return Err(c.error("expected a search term")),
    };
    if word.starts_with('`') {
        sources.push(format!("macro:{}", word.trim_matches('`')));
        return Ok(None);
    }
    for op in ["=", "!=", "<=", ">=", "<", ">", "=="] {
        if c.eat(op) {
            let value = match c.bump() {
                Some(Tok::Word(w)) => w.clone(),
                Some(Tok::Str(s)) => s.clone(),
                _ => return Err(c.error("expected a value")),
            };
            return Ok(Some(Cond::pred(&word, op, vec![value])));
        }
    }
    if c.eat_word("in") {
        return Ok(Some(Cond::pred(&word, "in", list(c)?)));
    }
    Ok(Some(Cond::pred("_raw", "term", vec![word])))
}

/// `(a, "b", c)`: literal values.
fn list(c: &mut Cursor) -> Result<Vec<String>, String> {
    if !c.eat("(") {
        return Err(c.error("expected `(`"));
    }
    let mut values = Vec::new();
    while !c.eat(")") {
        match c.bump() {
            Some(Tok::Word(w)) => values.push(w.clone()),
            Some(Tok::Str(s)) => values.push(s.clone()),
            Some(Tok::Punct(",")) => {}
            _ => return Err(c.error("expected a value or `)`")),
        }
    }
    Ok(values)
}

/// The eval language of `where`.
fn eval_expr(c: &mut Cursor, depth: usize) -> Result<Option<Cond>, String> {
    Ok(Some(eval_or(c, depth)?))
}

/// The eval language spells `or` and `and` as words or as `||` and `&&`.
const EVAL_BOOLEAN: boolean::Spelling = boolean::Spelling { or: &["or", "||"], and: &["and", "&&"], not: &["not"] };

fn eval_or(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    boolean::or(c, depth, &EVAL_BOOLEAN, eval_cmp)
}

enum Operand {
    Field(String),
    Literal(String),
    Cond(Cond),
    Other(String),
}

fn eval_operand(c: &mut Cursor, depth: usize) -> Result<Operand, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat("(") {
        let inner = eval_or(c, depth + 1)?;
        if !c.eat(")") {
            return Err(c.error("expected `)`"));
        }
        return Ok(Operand::Cond(inner));
    }
    match c.bump() {
        Some(Tok::Str(s)) => Ok(Operand::Literal(s.clone())),
        Some(Tok::Word(w)) => {
            if c.eat("(") {
                return eval_call(c, w, depth);
            }
            if w.parse::<f64>().is_ok() || w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") {
                return Ok(Operand::Literal(w.clone()));
            }
            Ok(Operand::Field(w.trim_matches('\'').to_string()))
        }
        _ => Err(c.error("expected a field, value or `(`")),
    }
}

fn eval_call(c: &mut Cursor, name: &str, depth: usize) -> Result<Operand, String> {
    let args = c.comma_list(true, "a call", |c| eval_arith(c, depth + 1))?;
    let lower = name.to_ascii_lowercase();
    let pred = match (lower.as_str(), args.as_slice()) {
        ("lower" | "upper", [Operand::Field(f)]) => return Ok(Operand::Field(f.clone())),
        ("like", [Operand::Field(f), Operand::Literal(v)]) => Cond::pred(f, "like", vec![like_to_glob(v)]),
        ("match", [Operand::Field(f), Operand::Literal(v)]) => Cond::pred(f, "match", vec![v.clone()]),
        ("isnull", [Operand::Field(f)]) => Cond::pred(f, "isnull", vec![]),
        ("isnotnull", [Operand::Field(f)]) => Cond::pred(f, "isnotnull", vec![]),
        ("cidrmatch", [Operand::Literal(v), Operand::Field(f)]) => Cond::pred(f, "cidrmatch", vec![v.clone()]),
        ("in", [Operand::Field(f), rest @ ..])
            if !rest.is_empty() && rest.iter().all(|a| matches!(a, Operand::Literal(_))) =>
        {
            let values =
                rest.iter().filter_map(|a| if let Operand::Literal(v) = a { Some(v.clone()) } else { None }).collect();
            Cond::pred(f, "==", values)
        }
        _ => return Ok(Operand::Other(format!("{name}(...)"))),
    };
    Ok(Operand::Cond(pred))
}

/// SQL `LIKE` (`%`, `_`) as a glob (`*`, `?`).
fn like_to_glob(v: &str) -> String {
    v.chars()
        .map(|ch| match ch {
            '%' => '*',
            '_' => '?',
            other => other,
        })
        .collect()
}

fn eval_arith(c: &mut Cursor, depth: usize) -> Result<Operand, String> {
    let mut out = eval_operand(c, depth)?;
    while matches!(c.peek(), Some(Tok::Word(w)) if w == "+" || w == "-" || w == "*" || w == "/" || w == ".") {
        c.bump();
        let _ = eval_operand(c, depth + 1)?;
        out = Operand::Other("arithmetic".into());
    }
    Ok(out)
}

fn eval_cmp(c: &mut Cursor, depth: usize) -> Result<Cond, String> {
    let left = eval_arith(c, depth)?;
    let op = match c.peek() {
        Some(Tok::Punct(p @ ("=" | "==" | "!=" | "<=" | ">=" | "<" | ">"))) => {
            c.bump();
            if *p == "=" { "==".to_string() } else { p.to_string() }
        }
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => {
            c.bump();
            "like".to_string()
        }
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => {
            c.bump();
            let values = list(c)?;
            return Ok(match left {
                Operand::Field(f) => Cond::pred(&f, "==", values),
                _ => Cond::unknown("in (...)", "a list test on a computed value"),
            });
        }
        _ => {
            return Ok(match left {
                Operand::Cond(cond) => cond,
                Operand::Field(f) => Cond::unknown(&f, "a bare field as a condition"),
                Operand::Literal(v) => Cond::unknown(&v, "a bare value as a condition"),
                Operand::Other(t) => Cond::unknown(&t, "a function not analysed"),
            });
        }
    };
    let right = eval_arith(c, depth)?;
    let field = match left {
        Operand::Field(f) => f,
        Operand::Other(t) => return Ok(Cond::unknown(&t, "a comparison on a computed value")),
        _ => return Ok(Cond::unknown(&op, "a comparison whose left side is not a field")),
    };
    match right {
        Operand::Literal(v) if op == "like" => Ok(Cond::pred(&field, "like", vec![like_to_glob(&v)])),
        Operand::Literal(v) => Ok(Cond::pred(&field, &op, vec![v])),
        Operand::Field(f) => Ok(Cond::unknown(&format!("{field} {op} {f}"), "compares two fields")),
        _ => Ok(Cond::unknown(&format!("{field} {op} ..."), "compares with a computed value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: &str, op: &str, v: &[&str]) -> Cond {
        Cond::pred(field, op, v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn search_where_and_macros() {
        let macros: HashMap<String, String> = [
            ("kube_audit".to_string(), "source=\"kubernetes\"".to_string()),
            ("kube_allowed_user_names".to_string(), "user.username=admin".to_string()),
        ]
        .into();
        let q = "`kube_audit` objectRef.resource=secrets verb=get | search NOT `kube_allowed_user_names` | stats count by user | where count > 5 AND like(user, \"system:%\") | `x_filter`";
        let s = parse(&expand_macros(q, &macros)).unwrap();
        assert_eq!(
            s.cond,
            Cond::And(vec![
                Cond::And(vec![
                    p("source", "=", &["kubernetes"]),
                    p("objectRef.resource", "=", &["secrets"]),
                    p("verb", "=", &["get"])
                ]),
                Cond::Not(Box::new(p("user.username", "=", &["admin"]))),
                Cond::And(vec![p("count", ">", &["5"]), p("user", "like", &["system:*"])]),
            ])
        );
    }

    #[test]
    fn tstats_where_clause() {
        let q = "| tstats `security_content_summariesonly` count from datamodel=Endpoint.Processes where Processes.process_name IN (\"curl\", \"wget\") NOT Processes.user=root by Processes.dest | `drop_dm_object_name(Processes)`";
        let s = parse(q).unwrap();
        assert_eq!(s.sources, ["datamodel:Endpoint.Processes"]);
        assert_eq!(
            s.cond,
            Cond::And(vec![Cond::And(vec![
                p("Processes.process_name", "in", &["curl", "wget"]),
                Cond::Not(Box::new(p("Processes.user", "=", &["root"]))),
            ])])
        );
    }

    #[test]
    fn quoted_field_names() {
        let s = parse(r#"`pingid` "result.status" IN ("SUCCESS*", "FAIL*") "a b"="c" "free text""#).unwrap();
        assert_eq!(
            s.cond,
            Cond::And(vec![Cond::And(vec![
                p("result.status", "in", &["SUCCESS*", "FAIL*"]),
                p("a b", "=", &["c"]),
                p("_raw", "term", &["free text"]),
            ])])
        );
    }

    #[test]
    fn bounded() {
        assert!(parse(&format!("search {}a=1", "(".repeat(1000))).is_err());
        assert!(parse(&format!("x | where {}", "not ".repeat(1000))).is_err());
        let m: HashMap<String, String> = [("a".to_string(), "`a` `a`".to_string())].into();
        assert!(expand_macros("`a`", &m).len() < 10_000);
    }
}
