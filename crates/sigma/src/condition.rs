//! The condition grammar (rules specification, "Condition"): `and`, `or`,
//! `not`, parentheses, `1 of x*`, `all of x*`, `1 of them`, `all of
//! them` (search identifiers starting with `_` are not part of `them`).
//! Precedence, least binding first: `or`, `and`, `not`, `x of`,
//! parentheses. Nesting is bounded by [`MAX_NESTING`].

use crate::model::Condition;

/// How deeply a condition may nest (parentheses and `not`).
pub const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Word(String),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            out.push(Tok::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        match c {
            '(' | ')' => {
                flush(&mut word, &mut out);
                out.push(if c == '(' { Tok::Open } else { Tok::Close });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c if c.is_alphanumeric() || matches!(c, '_' | '*' | '-' | '.' | '?') => word.push(c),
            c => return Err(format!("unexpected character `{c}`")),
        }
    }
    flush(&mut word, &mut out);
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    searches: &'a [String],
}

fn is_kw(w: &str, kw: &str) -> bool {
    w.eq_ignore_ascii_case(kw)
}

impl Parser<'_> {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.at) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn or(&mut self, depth: usize) -> Result<Condition, String> {
        let mut items = vec![self.and(depth)?];
        while self.peek_word().is_some_and(|w| is_kw(w, "or")) {
            self.at += 1;
            items.push(self.and(depth)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Condition::Or(items) })
    }

    fn and(&mut self, depth: usize) -> Result<Condition, String> {
        let mut items = vec![self.not(depth)?];
        while self.peek_word().is_some_and(|w| is_kw(w, "and")) {
            self.at += 1;
            items.push(self.not(depth)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Condition::And(items) })
    }

    fn not(&mut self, depth: usize) -> Result<Condition, String> {
        if depth > MAX_NESTING {
            return Err(format!("nested deeper than {MAX_NESTING} levels"));
        }
        if self.peek_word().is_some_and(|w| is_kw(w, "not")) {
            self.at += 1;
            return Ok(Condition::Not(Box::new(self.not(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Condition, String> {
        match self.toks.get(self.at).cloned() {
            None => Err("the condition ends where a search identifier was expected".into()),
            Some(Tok::Close) => Err("unexpected `)`".into()),
            Some(Tok::Open) => {
                self.at += 1;
                let inner = self.or(depth + 1)?;
                match self.toks.get(self.at) {
                    Some(Tok::Close) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err("a `(` is not closed".into()),
                }
            }
            Some(Tok::Word(w)) => {
                self.at += 1;
                for kw in ["and", "or", "not", "of", "them"] {
                    if is_kw(&w, kw) {
                        return Err(format!("`{w}` where a search identifier was expected"));
                    }
                }
                let next_is_of = self.peek_word().is_some_and(|n| is_kw(n, "of"));
                if next_is_of {
                    let all = if is_kw(&w, "all") {
                        true
                    } else if w == "1" || is_kw(&w, "any") {
                        false
                    } else {
                        return Err(format!("`{w} of` is not a quantifier; write `1 of` or `all of`"));
                    };
                    self.at += 1;
                    let Some(pattern) = self.peek_word().map(str::to_string) else {
                        return Err(format!("`{w} of` must be followed by `them` or a search identifier pattern"));
                    };
                    self.at += 1;
                    let searches = self.resolve(&pattern)?;
                    return Ok(Condition::Of { all, pattern, searches });
                }
                if !self.searches.contains(&w) {
                    return Err(format!("`{w}` is not a search identifier of this rule"));
                }
                Ok(Condition::Search(w))
            }
        }
    }

    fn resolve(&self, pattern: &str) -> Result<Vec<String>, String> {
        let found: Vec<String> = if is_kw(pattern, "them") {
            self.searches.iter().filter(|s| !s.starts_with('_')).cloned().collect()
        } else {
            self.searches.iter().filter(|s| glob(pattern, s)).cloned().collect()
        };
        if found.is_empty() {
            return Err(format!("`{pattern}` matches no search identifier"));
        }
        Ok(found)
    }
}

/// Whether `name` matches `pattern`, where `*` is any run of characters.
/// Iterative, so any pattern is safe.
pub fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Parses a condition over the rule's search identifiers.
pub fn parse(text: &str, searches: &[String]) -> Result<Condition, String> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err("the condition is empty".into());
    }
    let mut p = Parser { toks, at: 0, searches };
    let c = p.or(0)?;
    if let Some(t) = p.toks.get(p.at) {
        let what = match t {
            Tok::Open => "(".to_string(),
            Tok::Close => ")".to_string(),
            Tok::Word(w) => w.clone(),
        };
        return Err(format!("unexpected `{what}` after a complete condition"));
    }
    Ok(c)
}

/// The search identifiers a condition uses.
pub fn used(c: &Condition, out: &mut Vec<String>) {
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match c {
            Condition::Search(s) => out.push(s.clone()),
            Condition::Of { searches, .. } => out.extend(searches.iter().cloned()),
            Condition::Not(x) => stack.push(x),
            Condition::And(xs) | Condition::Or(xs) => stack.extend(xs.iter()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn precedence_is_or_and_not() {
        let s = names(&["a", "b", "c"]);
        let c = parse("a or b and not c", &s).unwrap();
        let want = Condition::Or(vec![
            Condition::Search("a".into()),
            Condition::And(vec![
                Condition::Search("b".into()),
                Condition::Not(Box::new(Condition::Search("c".into()))),
            ]),
        ]);
        assert_eq!(c, want);
    }

    #[test]
    fn them_leaves_out_underscored_identifiers() {
        let s = names(&["sel1", "sel2", "_hidden"]);
        match parse("1 of them", &s).unwrap() {
            Condition::Of { searches, all: false, .. } => assert_eq!(searches, names(&["sel1", "sel2"])),
            other => panic!("{other:?}"),
        }
        match parse("all of _h*", &s).unwrap() {
            Condition::Of { searches, all: true, .. } => assert_eq!(searches, names(&["_hidden"])),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let s = names(&["a"]);
        assert!(parse("a and", &s).unwrap_err().contains("ends"));
        assert!(parse("(a", &s).unwrap_err().contains("not closed"));
        assert!(parse("b", &s).unwrap_err().contains("not a search identifier"));
        assert!(parse("1 of x*", &s).unwrap_err().contains("matches no"));
        assert!(parse("2 of a", &s).unwrap_err().contains("quantifier"));
        assert!(parse("a a", &s).unwrap_err().contains("after a complete"));
        assert!(parse(&"(".repeat(100_000), &s).unwrap_err().contains("nested"));
        assert!(parse(&"not ".repeat(100_000), &s).unwrap_err().contains("nested"));
    }

    #[test]
    fn glob_matches_stars_anywhere() {
        assert!(glob("sel*", "selection"));
        assert!(glob("*tion", "selection"));
        assert!(glob("s*l*n", "selection"));
        assert!(!glob("sel*x", "selection"));
        assert!(glob("*", ""));
    }
}
