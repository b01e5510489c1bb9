//! The statically visible predicate of a Panther Python rule: the body of
//! `def rule(event):` read as early returns (`if C: return False` is an
//! exclusion, `if C: return True` a branch, `return E` the condition), with
//! `event.get("f")`, `event.deep_get("a", "b")`, `deep_get(event, ...)`,
//! `event.udm("f")` as fields, module constants as value lists, and
//! `==`, `!=`, `in`, `not in`, `is None`, `.startswith()`, `.endswith()`,
//! `re.match()` as operators. Anything else is unknown, never guessed.

use std::collections::HashMap;

use crate::cond::{Cond, MAX_DEPTH};
use crate::lex::{Cursor, LexSpec, Tok, Token, lex};

const SPEC: LexSpec = LexSpec {
    puncts: &[
        "==", "!=", "<=", ">=", "**", "//", "->", ":=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", "=",
        "+", "-", "*", "/", "%", "@", ";",
    ],
    c_comments: false,
    raw_strings: false,
    single_quotes: true,
    backticks: false,
    python: true,
};

/// A logical line: its indentation and tokens.
struct Line<'a> {
    indent: usize,
    toks: &'a [Token],
}

/// What a rule file's `rule(event)` says.
#[derive(Debug, Clone, PartialEq)]
pub struct PyRule {
    /// The condition under which `rule` returns true.
    pub cond: Cond,
}

/// Analyses a Python rule file.
pub fn parse(source: &str) -> Result<PyRule, String> {
    parse_with(source, &Helpers::default())
}

/// Analyses a Python rule file, inlining calls of the `helpers` whose
/// result the analysis can follow.
pub fn parse_with(source: &str, helpers: &Helpers) -> Result<PyRule, String> {
    analyse_function(source, "rule", &[], helpers, 0)
}

/// The condition under which function `name` of `source` returns true,
/// with its parameters bound to `args`.
fn analyse_function(
    source: &str,
    name: &str,
    args: &[Value],
    helpers: &Helpers,
    inlined: usize,
) -> Result<PyRule, String> {
    let toks = lex(source, &SPEC)?;
    let chars: Vec<char> = source.chars().collect();
    let lines = logical_lines(&toks, &chars);
    let constants = module_constants(&lines);
    let Some(start) = lines.iter().position(|l| {
        l.indent == 0
            && matches!(l.toks.first(), Some(Token { tok: Tok::Word(w), .. }) if w == "def")
            && matches!(l.toks.get(1), Some(Token { tok: Tok::Word(w), .. }) if w == name)
    }) else {
        return Err(format!("no `def {name}(...)`"));
    };
    let params = params(&lines[start]);
    let body: Vec<&Line> = lines[start + 1..].iter().take_while(|l| l.indent > 0).collect();
    let mut env = Env { param: "event".to_string(), constants, aliases: HashMap::new(), helpers, inlined };
    if name == "rule" {
        if let Some(p) = params.first() {
            env.param = p.clone();
        }
    } else {
        // Helper parameters: the event, a field, or constant values.
        env.param = String::new();
        for (p, a) in params.iter().zip(args) {
            match a {
                Value::Field(f) => {
                    env.aliases.insert(p.clone(), f.clone());
                }
                Value::Strings(v) => {
                    env.constants.insert(p.clone(), v.clone());
                }
                Value::Event => env.param = p.clone(),
                _ => {}
            }
        }
    }
    let cond = block(&body, &mut env, 0)?;
    Ok(PyRule { cond })
}

/// The parameter names of a `def name(a, b: int = 1, *args)` line.
fn params(def: &Line) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut expect_name = false;
    for t in def.toks {
        match &t.tok {
            Tok::Punct("(" | "[" | "{") => {
                depth += 1;
                expect_name = depth == 1;
            }
            Tok::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
            Tok::Punct(",") if depth == 1 => expect_name = true,
            Tok::Word(w) if expect_name && depth == 1 => {
                out.push(w.clone());
                expect_name = false;
            }
            _ => expect_name = false,
        }
    }
    out
}

fn l_tok<'a>(l: &Line<'a>, i: usize) -> Option<&'a Tok> {
    l.toks.get(i).map(|t| &t.tok)
}

/// Splits tokens into logical lines: a new line starts at a token on a
/// later physical line when no bracket is open.
fn logical_lines<'a>(toks: &'a [Token], chars: &[char]) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut prev_line = usize::MAX;
    // Character offset → (line, column), computed in one pass.
    let mut line_of = Vec::with_capacity(chars.len() + 1);
    let (mut line, mut col) = (0usize, 0usize);
    for &ch in chars {
        line_of.push((line, col));
        if ch == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
    }
    line_of.push((line, col));
    let mut indent = 0;
    for (i, t) in toks.iter().enumerate() {
        let (l, c) = line_of.get(t.at).copied().unwrap_or((line, 0));
        let continued = i > 0 && matches!(toks[i - 1].tok, Tok::Word(ref w) if w == "\\");
        if l != prev_line && depth == 0 && !continued {
            if i > start {
                lines.push(Line { indent, toks: &toks[start..i] });
            }
            start = i;
            indent = c;
        }
        prev_line = l;
        match t.tok {
            Tok::Punct("(" | "[" | "{") => depth += 1,
            Tok::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if toks.len() > start {
        lines.push(Line { indent, toks: &toks[start..] });
    }
    lines
}

/// Module-level `NAME = "x"` / `NAME = {"a", "b"}` (lists, tuples, sets,
/// frozensets of strings).
fn module_constants(lines: &[Line]) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for l in lines.iter().filter(|l| l.indent == 0) {
        let (Some(Tok::Word(name)), Some(Tok::Punct("="))) = (l_tok(l, 0), l_tok(l, 1)) else { continue };
        let mut c = Cursor::new(&l.toks[2..]);
        if let Some(values) = literal_values(&mut c)
            && c.done()
        {
            out.insert(name.clone(), values);
        }
    }
    out
}

/// A string, or a list/tuple/set (or `frozenset(...)`/`set(...)` of one) of strings and numbers.
fn literal_values(c: &mut Cursor) -> Option<Vec<String>> {
    match c.peek()? {
        Tok::Str(s) => {
            let s = s.clone();
            c.bump();
            Some(vec![s])
        }
        Tok::Word(w)
            if (w == "frozenset" || w == "set" || w == "tuple" || w == "list")
                && matches!(c.peek2(), Some(Tok::Punct("("))) =>
        {
            c.bump();
            c.bump();
            let v = if c.eat(")") { Some(Vec::new()) } else { literal_values(c) };
            if !c.eat(")") {
                return None;
            }
            v
        }
        Tok::Punct(open @ ("[" | "(" | "{")) => {
            let close = match *open {
                "[" => "]",
                "(" => ")",
                _ => "}",
            };
            c.bump();
            let mut out = Vec::new();
            while !c.eat(close) {
                match c.bump()? {
                    Tok::Str(s) => out.push(s.clone()),
                    Tok::Word(w) if w.parse::<f64>().is_ok() => out.push(w.clone()),
                    Tok::Punct(",") => {}
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

struct Env<'h> {
    param: String,
    constants: HashMap<String, Vec<String>>,
    /// Local names bound to a field: `verb = event.get("verb")`.
    aliases: HashMap<String, String>,
    /// Helper functions that may be inlined.
    helpers: &'h Helpers,
    /// How many helper calls deep this body is.
    inlined: usize,
}

/// How many helper calls deep inlining goes.
const MAX_INLINE: usize = 3;

/// Helper functions of shared modules (Panther's `global_helpers`):
/// function name → the source of its module.
#[derive(Debug, Clone, Default)]
pub struct Helpers {
    functions: HashMap<String, std::rc::Rc<str>>,
}

impl Helpers {
    /// Adds every top-level function of a module's source.
    pub fn add_module(&mut self, source: &str) {
        let shared: std::rc::Rc<str> = source.into();
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("def ")
                && let Some((name, _)) = rest.split_once('(')
            {
                self.functions.entry(name.trim().to_string()).or_insert_with(|| shared.clone());
            }
        }
    }

    /// How many functions are known.
    pub fn len(&self) -> usize {
        self.functions.len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }
}

/// What a block of statements returns, as a condition.
fn block(lines: &[&Line], env: &mut Env<'_>, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let Some(first) = lines.first() else {
        return Ok(Cond::unknown("", "the rule function falls off its end"));
    };
    let indent = first.indent;
    let mut i = 0;
    let mut parts: Vec<(Cond, bool)> = Vec::new(); // (condition, returns true)
    while i < lines.len() {
        let l = lines[i];
        // The lines of a compound statement's body.
        let body_end = i + 1 + lines[i + 1..].iter().take_while(|b| b.indent > indent).count();
        let mut c = Cursor::new(l.toks);
        if c.eat_word("return") {
            let e = expr(&mut c, env, depth + 1);
            let tail = match e {
                Ok(Value::Bool(true)) => Cond::And(Vec::new()),
                Ok(Value::Bool(false)) => Cond::Or(Vec::new()),
                Ok(v) if c.done() => v.into_cond(),
                Ok(_) | Err(_) => Cond::unknown(&text(l.toks), "a return value not analysed"),
            };
            return Ok(fold(parts, tail));
        }
        if c.eat_word("if") {
            let cond = match expr(&mut c, env, depth + 1) {
                Ok(v) if c.eat(":") => v.into_cond(),
                _ => Cond::unknown(&text(l.toks), "an `if` condition not analysed"),
            };
            // `if C: return X` on one line, or a body of one `return X`.
            let ret = if !c.done() {
                let mut rc = c;
                returns_bool(&mut rc)
            } else if body_end == i + 2 {
                let mut rc = Cursor::new(lines[i + 1].toks);
                returns_bool(&mut rc)
            } else {
                None
            };
            let has_else = lines.get(body_end).is_some_and(|n| {
                n.indent == indent
                    && matches!(n.toks.first(), Some(Token { tok: Tok::Word(w), .. }) if w == "elif" || w == "else")
            });
            match ret {
                Some(r) if !has_else => parts.push((cond, r)),
                _ => {
                    parts.push((
                        Cond::unknown(&text(l.toks), "an `if` whose body is more than a boolean return"),
                        false,
                    ));
                    // Skip elif/else chains too.
                    let mut j = body_end;
                    while let Some(n) = lines.get(j)
                        && n.indent == indent
                        && matches!(n.toks.first(), Some(Token { tok: Tok::Word(w), .. }) if w == "elif" || w == "else")
                    {
                        j += 1 + lines[j + 1..].iter().take_while(|b| b.indent > indent).count();
                    }
                    i = j;
                    continue;
                }
            }
            i = body_end;
            continue;
        }
        // `name = <field>`: an alias.
        if let (Some(Tok::Word(name)), Some(Tok::Punct("="))) = (l_tok(l, 0), l_tok(l, 1)) {
            let mut c = Cursor::new(&l.toks[2..]);
            match expr(&mut c, env, depth + 1) {
                Ok(Value::Field(f)) if c.done() => {
                    env.aliases.insert(name.clone(), f);
                }
                _ => {
                    env.aliases.remove(name);
                }
            }
            i = body_end;
            continue;
        }
        // Docstrings, `pass`, and other simple statements without control flow.
        if matches!(l_tok(l, 0), Some(Tok::Str(_))) || c.is_word("pass") {
            i = body_end;
            continue;
        }
        parts.push((Cond::unknown(&text(l.toks), "a statement not analysed"), false));
        i = body_end;
    }
    Ok(fold(parts, Cond::unknown("", "the rule function falls off its end")))
}

/// `if C1: return False` ... then `tail` → not C1 and (... tail).
fn fold(parts: Vec<(Cond, bool)>, tail: Cond) -> Cond {
    let mut out = tail;
    for (cond, returns_true) in parts.into_iter().rev() {
        out = match (cond, returns_true) {
            (u @ Cond::Unknown { .. }, _) => Cond::And(vec![u, out]),
            (c, false) => Cond::And(vec![Cond::Not(Box::new(c)), out]),
            (c, true) => Cond::Or(vec![c, out]),
        };
    }
    simplify(out)
}

/// Drops the empty `And`/`Or` that stand for `True`/`False` where they do
/// not change the meaning (`x and True`, `x or False`) and flattens nesting.
fn simplify(c: Cond) -> Cond {
    match c {
        Cond::And(v) => {
            let mut out = Vec::new();
            for x in v.into_iter().map(simplify) {
                match x {
                    Cond::And(inner) => out.extend(inner),
                    other => out.push(other),
                }
            }
            Cond::And(out)
        }
        Cond::Or(v) => {
            let v: Vec<Cond> =
                v.into_iter().map(simplify).filter(|x| !matches!(x, Cond::Or(i) if i.is_empty())).collect();
            if v.len() == 1 { v.into_iter().next().unwrap_or(Cond::Or(Vec::new())) } else { Cond::Or(v) }
        }
        other => other,
    }
}

fn returns_bool(c: &mut Cursor) -> Option<bool> {
    if !c.eat_word("return") {
        return None;
    }
    let r = match c.bump()? {
        Tok::Word(w) if w == "True" => true,
        Tok::Word(w) if w == "False" => false,
        _ => return None,
    };
    c.done().then_some(r)
}

fn text(toks: &[Token]) -> String {
    toks.iter()
        .map(|t| match &t.tok {
            Tok::Word(w) => w.clone(),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Punct(p) => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Python value as far as the analysis follows it.
enum Value {
    Field(String),
    Strings(Vec<String>),
    Bool(bool),
    None,
    Cond(Cond),
    /// A list or tuple of expressions.
    List(Vec<Value>),
    /// The rule's event, passed to a helper.
    Event,
    Other(String),
}

impl Value {
    fn clone_cond(&self) -> Cond {
        match self {
            Value::Cond(c) => c.clone(),
            Value::Field(f) => Cond::pred(f, "is not None", vec![]),
            Value::Bool(true) => Cond::And(Vec::new()),
            Value::Bool(false) => Cond::Or(Vec::new()),
            Value::Other(t) => Cond::unknown(t, "an expression not analysed"),
            _ => Cond::unknown("", "a constant as a condition"),
        }
    }

    fn into_cond(self) -> Cond {
        match self {
            Value::Cond(c) => c,
            Value::Field(f) => Cond::pred(&f, "is not None", vec![]),
            Value::Bool(true) => Cond::And(Vec::new()),
            Value::Bool(false) => Cond::Or(Vec::new()),
            Value::Strings(_) | Value::None | Value::List(_) | Value::Event => {
                Cond::unknown("", "a constant as a condition")
            }
            Value::Other(t) => Cond::unknown(&t, "an expression not analysed"),
        }
    }
}

fn expr(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let mut items = vec![and(c, env, depth)?];
    while c.eat_word("or") {
        items.push(and(c, env, depth)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Value::Cond(Cond::Or(items.into_iter().map(Value::into_cond).collect()))
    })
}

fn and(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Value, String> {
    let mut items = vec![not(c, env, depth)?];
    while c.eat_word("and") {
        items.push(not(c, env, depth)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Value::Cond(Cond::And(items.into_iter().map(Value::into_cond).collect()))
    })
}

fn not(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if c.eat_word("not") {
        return Ok(match not(c, env, depth + 1)? {
            Value::Field(f) => Value::Cond(Cond::pred(&f, "is None", vec![])),
            v => Value::Cond(Cond::Not(Box::new(v.into_cond()))),
        });
    }
    comparison(c, env, depth)
}

fn comparison(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Value, String> {
    let left = postfix(c, env, depth)?;
    let op = match c.peek() {
        Some(Tok::Punct(p @ ("==" | "!=" | "<" | ">" | "<=" | ">="))) => {
            c.bump();
            p.to_string()
        }
        Some(Tok::Word(w)) if w == "in" => {
            c.bump();
            "in".to_string()
        }
        Some(Tok::Word(w)) if w == "not" && matches!(c.peek2(), Some(Tok::Word(x)) if x == "in") => {
            c.bump();
            c.bump();
            "not in".to_string()
        }
        Some(Tok::Word(w)) if w == "is" => {
            c.bump();
            let neg = c.eat_word("not");
            let right = postfix(c, env, depth)?;
            return Ok(match (left, right) {
                (Value::Field(f), Value::None) => {
                    Value::Cond(Cond::pred(&f, if neg { "is not None" } else { "is None" }, vec![]))
                }
                (Value::Field(f), Value::Bool(b)) => {
                    Value::Cond(Cond::pred(&f, if neg { "!=" } else { "==" }, vec![b.to_string()]))
                }
                _ => Value::Other("an `is` test".into()),
            });
        }
        _ => return Ok(left),
    };
    let right = postfix(c, env, depth)?;
    Ok(match (left, op.as_str(), right) {
        (Value::Field(f), _, Value::Strings(v)) => Value::Cond(Cond::pred(&f, &op, v)),
        (Value::Field(f), "==", Value::None) => Value::Cond(Cond::pred(&f, "is None", vec![])),
        (Value::Field(f), "!=", Value::None) => Value::Cond(Cond::pred(&f, "is not None", vec![])),
        (Value::Field(f), "==" | "!=", Value::Bool(b)) => Value::Cond(Cond::pred(&f, &op, vec![b.to_string()])),
        (Value::Strings(v), "in", Value::Field(f)) if v.len() == 1 => Value::Cond(Cond::pred(&f, "contains", v)),
        (Value::Strings(v), "not in", Value::Field(f)) if v.len() == 1 => {
            Value::Cond(Cond::Not(Box::new(Cond::pred(&f, "contains", v))))
        }
        (Value::Strings(v), "==" | "!=", Value::Field(f)) => Value::Cond(Cond::pred(&f, &op, v)),
        _ => Value::Other(format!("a comparison with `{op}`")),
    })
}

/// An atom with its calls, attribute accesses and subscripts.
fn postfix(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Value, String> {
    let mut v = atom(c, env, depth)?;
    loop {
        if c.eat(".") {
            let Some(Tok::Word(name)) = c.bump() else { return Err(c.error("expected a name after `.`")) };
            let name = name.clone();
            if c.eat("(") {
                let args = call_args(c, env, depth)?;
                v = method(v, &name, args, env);
            } else {
                v = Value::Other(format!(".{name}"));
            }
        } else if c.eat("(") {
            let args = call_args(c, env, depth)?;
            v = match v {
                Value::Other(name) => function(&name, args, env),
                _ => Value::Other("a call".into()),
            };
        } else if c.eat("[") {
            let idx = expr(c, env, depth + 1)?;
            if !c.eat("]") {
                return Err(c.error("expected `]`"));
            }
            v = match (v, idx) {
                (Value::Other(n), Value::Strings(k)) if n == env.param && k.len() == 1 => Value::Field(k[0].clone()),
                (Value::Field(f), Value::Strings(k)) if k.len() == 1 => Value::Field(format!("{f}.{}", k[0])),
                _ => Value::Other("a subscript".into()),
            };
        } else {
            return Ok(v);
        }
    }
}

fn call_args(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Vec<(Option<String>, Value)>, String> {
    let mut args = Vec::new();
    while !c.eat(")") {
        let kw = match (c.peek(), c.peek2()) {
            (Some(Tok::Word(k)), Some(Tok::Punct("="))) => {
                let k = k.clone();
                c.bump();
                c.bump();
                Some(k)
            }
            _ => None,
        };
        let v = expr(c, env, depth + 1)?;
        // A generator expression: `any(x for x in y)`.
        if c.is_word("for") {
            let mut open = 1usize;
            while open > 0 {
                match c.bump() {
                    Some(Tok::Punct("(" | "[" | "{")) => open += 1,
                    Some(Tok::Punct(")" | "]" | "}")) => open -= 1,
                    Some(_) => {}
                    None => return Err(c.error("expected `)`")),
                }
            }
            return Ok(vec![(None, Value::Other("a generator".into()))]);
        }
        args.push((kw, v));
        if !c.eat(",") {
            if !c.eat(")") {
                return Err(c.error("expected `,` or `)`"));
            }
            break;
        }
    }
    Ok(args)
}

fn strings_of(args: &[(Option<String>, Value)]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for (kw, v) in args {
        if kw.is_some() {
            continue;
        }
        match v {
            Value::Strings(s) => out.extend(s.iter().cloned()),
            _ => return None,
        }
    }
    Some(out)
}

fn method(target: Value, name: &str, args: Vec<(Option<String>, Value)>, env: &Env<'_>) -> Value {
    match (target, name) {
        (Value::Other(p), "get" | "udm") if p == env.param => match args.first() {
            Some((None, Value::Strings(k))) if k.len() == 1 => Value::Field(k[0].clone()),
            _ => Value::Other(format!("{p}.{name}(...)")),
        },
        (Value::Other(p), "deep_get" | "deep_walk") if p == env.param => match strings_of(&args) {
            Some(path) if !path.is_empty() => Value::Field(path.join(".")),
            _ => Value::Other(format!("{p}.{name}(...)")),
        },
        (Value::Field(f), "get") => match args.first() {
            Some((None, Value::Strings(k))) if k.len() == 1 => Value::Field(format!("{f}.{}", k[0])),
            _ => Value::Other(format!("{f}.get(...)")),
        },
        (Value::Field(f), "lower" | "upper" | "strip" | "casefold") if args.is_empty() => Value::Field(f),
        (Value::Field(f), m @ ("startswith" | "endswith")) => match strings_of(&args) {
            Some(v) if !v.is_empty() => Value::Cond(Cond::pred(&f, m, v)),
            _ => Value::Other(format!("{f}.{m}(...)")),
        },
        (Value::Other(p), m @ ("match" | "search" | "fullmatch")) if p == "re" => match args.as_slice() {
            [(None, Value::Strings(pat)), (None, Value::Field(f)), ..] if pat.len() == 1 => {
                Value::Cond(Cond::pred(f, "re.match", pat.clone()))
            }
            _ => Value::Other(format!("re.{m}(...)")),
        },
        (_, m) => Value::Other(format!("a call of `{m}`")),
    }
}

fn function(name: &str, args: Vec<(Option<String>, Value)>, env: &Env<'_>) -> Value {
    match name {
        "deep_get" | "deep_walk" => match args.split_first() {
            Some(((None, Value::Other(p)), rest)) if *p == env.param => match strings_of(rest) {
                Some(path) if !path.is_empty() => Value::Field(path.join(".")),
                _ => Value::Other(format!("{name}(...)")),
            },
            _ => Value::Other(format!("{name}(...)")),
        },
        "all" | "any" => match args.as_slice() {
            [(None, Value::List(items))] => {
                let conds: Vec<Cond> = items.iter().map(|v| v.clone_cond()).collect();
                Value::Cond(if name == "all" { Cond::And(conds) } else { Cond::Or(conds) })
            }
            _ => Value::Other(format!("{name}(...)")),
        },
        "tuple" | "list" | "set" | "frozenset" | "sorted" => match args.as_slice() {
            [(None, Value::Strings(v))] => Value::Strings(v.clone()),
            _ => Value::Other(format!("{name}(...)")),
        },
        "str" | "bool" => match args.as_slice() {
            [(None, Value::Field(f))] => Value::Field(f.clone()),
            _ => Value::Other(format!("{name}(...)")),
        },
        _ => inline(name, args, env),
    }
}

/// A call of a known helper: its condition with the arguments bound.
fn inline(name: &str, args: Vec<(Option<String>, Value)>, env: &Env<'_>) -> Value {
    let Some(source) = env.helpers.functions.get(name) else { return Value::Other(format!("a call of `{name}`")) };
    if env.inlined >= MAX_INLINE || args.iter().any(|(k, _)| k.is_some()) {
        return Value::Other(format!("a call of `{name}`"));
    }
    let args: Vec<Value> = args
        .into_iter()
        .map(|(_, v)| match v {
            // The rule's event passed on.
            Value::Other(p) if p == env.param => Value::Event,
            v => v,
        })
        .collect();
    match analyse_function(source, name, &args, env.helpers, env.inlined + 1) {
        Ok(r) => Value::Cond(r.cond),
        Err(_) => Value::Other(format!("a call of `{name}`")),
    }
}

fn atom(c: &mut Cursor, env: &Env<'_>, depth: usize) -> Result<Value, String> {
    match c.peek() {
        Some(Tok::Str(_)) => {
            // Adjacent literals concatenate.
            let mut s = String::new();
            while let Some(Tok::Str(x)) = c.peek() {
                s.push_str(x);
                c.bump();
            }
            Ok(Value::Strings(vec![s]))
        }
        Some(Tok::Punct(open @ ("(" | "[" | "{"))) => {
            let mut lit = c.clone();
            if let Some(v) = literal_values(&mut lit) {
                *c = lit;
                return Ok(Value::Strings(v));
            }
            let close = match *open {
                "(" => ")",
                "[" => "]",
                _ => "}",
            };
            c.bump();
            // `(expr)`, or `[c1, c2]` as given to all()/any().
            let mut items = Vec::new();
            while !c.eat(close) {
                items.push(expr(c, env, depth + 1)?);
                if c.is_word("for") {
                    return Err(c.error("a comprehension"));
                }
                if !c.eat(",") {
                    if !c.eat(close) {
                        return Err(c.error("expected a closing bracket"));
                    }
                    break;
                }
            }
            match (*open, items.len()) {
                ("(", 1) => Ok(items.remove(0)),
                _ => Ok(Value::List(items)),
            }
        }
        Some(Tok::Word(w)) => {
            let w = w.clone();
            c.bump();
            Ok(match w.as_str() {
                "True" => Value::Bool(true),
                "False" => Value::Bool(false),
                "None" => Value::None,
                _ if w.parse::<f64>().is_ok() => Value::Strings(vec![w]),
                _ if env.aliases.contains_key(&w) => Value::Field(env.aliases[&w].clone()),
                _ if env.constants.contains_key(&w) => Value::Strings(env.constants[&w].clone()),
                _ => Value::Other(w),
            })
        }
        _ => {
            let _ = depth;
            Err(c.error("expected an expression"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: &str, op: &str, v: &[&str]) -> Cond {
        Cond::pred(field, op, v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn early_returns_become_exclusions_and_conditions() {
        let src = r#"
from helpers import is_system_principal

SECRET_VERBS = {"list", "get", "watch"}


def rule(event):
    """Secrets read."""
    if event.udm("verb") not in SECRET_VERBS:
        return False
    if event.deep_get("objectRef", "resource") != "secrets":
        return False
    user = event.get("user", {}).get("username", "")
    if user.startswith(("system:", 'eks:')):
        return False
    return "serviceaccount" in user.lower()
"#;
        let r = parse(src).unwrap();
        assert_eq!(
            r.cond,
            Cond::And(vec![
                Cond::Not(Box::new(p("verb", "not in", &["list", "get", "watch"]))),
                Cond::Not(Box::new(p("objectRef.resource", "!=", &["secrets"]))),
                Cond::Not(Box::new(p("user.username", "startswith", &["system:", "eks:"]))),
                p("user.username", "contains", &["serviceaccount"]),
            ])
        );
    }

    #[test]
    fn helpers_and_complex_bodies_are_unknown() {
        let src = "def rule(event):\n    if is_system_principal(event.get('u')):\n        return False\n    for x in y:\n        pass\n    return event.get('a') == 'b'\n";
        let r = parse(src).unwrap();
        let Cond::And(parts) = r.cond else { panic!("{:?}", r.cond) };
        assert!(matches!(&parts[0], Cond::Unknown { .. }), "{parts:?}");
        assert!(matches!(&parts[1], Cond::Unknown { .. }), "{parts:?}");
        assert_eq!(parts[2], p("a", "==", &["b"]));
    }

    #[test]
    fn helpers_are_inlined_with_their_arguments() {
        let mut helpers = Helpers::default();
        helpers.add_module(
            "PREFIXES = [\"eks:\", \"gke-\"]\n\ndef is_system(username):\n    if not username:\n        return False\n    if username.startswith(tuple(PREFIXES)):\n        return True\n    return username in (\"masterclient\", \"aksService\")\n",
        );
        let src = "def rule(event):\n    if is_system(event.udm(\"username\")):\n        return False\n    return event.get(\"verb\") == \"get\"\n";
        let r = parse_with(src, &helpers).unwrap();
        let Cond::And(parts) = &r.cond else { panic!("{:?}", r.cond) };
        let Cond::Not(inner) = &parts[0] else { panic!("{parts:?}") };
        assert_eq!(
            **inner,
            Cond::And(vec![
                Cond::Not(Box::new(p("username", "is None", &[]))),
                Cond::Or(vec![
                    p("username", "startswith", &["eks:", "gke-"]),
                    p("username", "in", &["masterclient", "aksService"])
                ]),
            ])
        );
        assert_eq!(parts[1], p("verb", "==", &["get"]));
        // Without the helpers the call stays unknown.
        let r = parse(src).unwrap();
        let Cond::And(parts) = &r.cond else { panic!() };
        assert!(matches!(parts[0], Cond::Unknown { .. }));
    }

    #[test]
    fn no_rule_function_is_an_error() {
        assert!(parse("def title(event):\n    return 'x'\n").is_err());
        let deep = format!("def rule(event):\n    return {}1\n", "not ".repeat(1000));
        assert!(parse(&deep).is_ok());
    }
}
