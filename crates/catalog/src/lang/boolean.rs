//! `or` over `and` over `not` over a language's own leaf condition: the
//! precedence every condition language here shares, with each language's
//! spellings of the three (`or` and `||` in SPL's eval). Depth-bounded.

use crate::cond::{Cond, MAX_DEPTH};
use crate::lex::Cursor;

/// How a language spells `or`, `and` and `not`: words (matched in any case)
/// or punctuation (any spelling that is not all letters).
pub struct Spelling {
    /// `or`, `||`...
    pub or: &'static [&'static str],
    /// `and`, `&&`...
    pub and: &'static [&'static str],
    /// `not`...
    pub not: &'static [&'static str],
}

/// `or`, `and`, `not` as words.
pub const WORDS: Spelling = Spelling { or: &["or"], and: &["and"], not: &["not"] };

/// A language's leaf condition (a comparison, a call...), parsed at `depth`.
pub type Leaf = fn(&mut Cursor, usize) -> Result<Cond, String>;

/// A whole condition: `a or b`, each side [`and`]. A single item is itself.
pub fn or(c: &mut Cursor, depth: usize, s: &Spelling, leaf: Leaf) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let mut items = vec![and(c, depth, s, leaf)?];
    while eat_any(c, s.or) {
        items.push(and(c, depth, s, leaf)?);
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
}

fn and(c: &mut Cursor, depth: usize, s: &Spelling, leaf: Leaf) -> Result<Cond, String> {
    let mut items = vec![not(c, depth, s, leaf)?];
    while eat_any(c, s.and) {
        items.push(not(c, depth, s, leaf)?);
    }
    Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
}

fn not(c: &mut Cursor, depth: usize, s: &Spelling, leaf: Leaf) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    if eat_any(c, s.not) {
        return Ok(Cond::Not(Box::new(not(c, depth + 1, s, leaf)?)));
    }
    leaf(c, depth)
}

/// Takes the next token if it is one of `spellings`.
fn eat_any(c: &mut Cursor, spellings: &[&str]) -> bool {
    spellings.iter().any(|w| if w.chars().all(char::is_alphabetic) { c.eat_word(w) } else { c.eat(w) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::{LexSpec, Tok, lex};

    const SPEC: LexSpec = LexSpec {
        puncts: &["&&", "||", "!"],
        c_comments: false,
        raw_strings: false,
        single_quotes: false,
        backticks: false,
        python: false,
    };

    /// A word is a predicate `word == 1`.
    fn word(c: &mut Cursor, _depth: usize) -> Result<Cond, String> {
        match c.bump() {
            Some(Tok::Word(w)) => Ok(Cond::pred(w, "==", vec!["1".into()])),
            _ => Err(c.error("expected a word")),
        }
    }

    fn parse(text: &str, s: &Spelling) -> Result<Cond, String> {
        let toks = lex(text, &SPEC)?;
        let mut c = Cursor::new(&toks);
        let cond = or(&mut c, 0, s, word)?;
        if !c.done() {
            return Err(c.error("unexpected token"));
        }
        Ok(cond)
    }

    fn w(name: &str) -> Cond {
        Cond::pred(name, "==", vec!["1".into()])
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tightest() {
        let c = parse("a OR not b and c or NOT NOT d", &WORDS).unwrap();
        assert_eq!(
            c,
            Cond::Or(vec![
                w("a"),
                Cond::And(vec![Cond::Not(Box::new(w("b"))), w("c")]),
                Cond::Not(Box::new(Cond::Not(Box::new(w("d"))))),
            ])
        );
        assert_eq!(parse("a", &WORDS).unwrap(), w("a"));
    }

    #[test]
    fn punctuation_spellings_are_tokens_not_words() {
        let s = Spelling { or: &["or", "||"], and: &["and", "&&"], not: &["!"] };
        assert_eq!(
            parse("a || b && !c", &s).unwrap(),
            Cond::Or(vec![w("a"), Cond::And(vec![w("b"), Cond::Not(Box::new(w("c")))])])
        );
        // With words only, `||` is not `or`.
        assert!(parse("a || b", &WORDS).is_err());
        assert!(parse(&"not ".repeat(1000), &WORDS).unwrap_err().contains("nested deeper"));
    }
}
