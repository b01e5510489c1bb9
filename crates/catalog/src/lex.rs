//! One small tokenizer, configured per query language: words, quoted
//! strings, the language's punctuation, comments. Never panics: it walks
//! characters, not bytes.

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// An unquoted run of characters (backslash escapes kept as written).
    Word(String),
    /// A quoted string, unescaped.
    Str(String),
    /// One of the language's punctuation marks.
    Punct(&'static str),
}

/// A token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Offset in characters.
    pub at: usize,
}

/// What a language's tokens look like.
pub struct LexSpec {
    /// Punctuation, longest first.
    pub puncts: &'static [&'static str],
    /// `//` line comments and `/* */` block comments.
    pub c_comments: bool,
    /// `"""raw"""` strings (EQL, ES|QL) and `?"raw"` (EQL).
    pub raw_strings: bool,
    /// `'...'` is a string too.
    pub single_quotes: bool,
    /// `` `macro(args)` `` is one word (SPL).
    pub backticks: bool,
    /// Python: `#` comments, `'''`/`"""` strings, `r"..."`-style prefixes.
    pub python: bool,
}

/// The tokens of `text`, or where it cannot be tokenised.
pub fn lex(text: &str, spec: &LexSpec) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let starts = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| chars.get(i + k) == Some(&c));
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if spec.c_comments && starts(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if spec.c_comments && starts(i, "/*") {
            i += 2;
            while i < chars.len() && !starts(i, "*/") {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            continue;
        }
        if spec.python && c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if spec.python {
            // String prefixes: r"..", b"..", f"..", rb"..".
            let mut k = i;
            while k < chars.len() && k - i < 2 && "rRbBuUfF".contains(chars[k]) {
                k += 1;
            }
            if k > i && matches!(chars.get(k), Some('"' | '\'')) {
                i = k;
            }
        }
        let at = i;
        if spec.python && (starts(i, "\'\'\'") || starts(i, "\"\"\"")) {
            let q = chars[i];
            i += 3;
            let start = i;
            while i < chars.len() && !(chars[i] == q && chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q)) {
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!("unterminated triple-quoted string at character {at}"));
            }
            out.push(Token { tok: Tok::Str(chars[start..i].iter().collect()), at });
            i += 3;
            continue;
        }
        if spec.raw_strings && starts(i, "\"\"\"") {
            i += 3;
            let start = i;
            while i < chars.len() && !starts(i, "\"\"\"") {
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!("unterminated \"\"\" string at character {at}"));
            }
            out.push(Token { tok: Tok::Str(chars[start..i].iter().collect()), at });
            i += 3;
            continue;
        }
        if spec.raw_strings && c == '?' && chars.get(i + 1) == Some(&'"') {
            i += 2;
            let start = i;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!("unterminated ?\" string at character {at}"));
            }
            out.push(Token { tok: Tok::Str(chars[start..i].iter().collect()), at });
            i += 1;
            continue;
        }
        if c == '"' || (spec.single_quotes && c == '\'') {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated string at character {at}")),
                    Some(&q) if q == c => break,
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some(&e) if e == c || e == '\\' => s.push(e),
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(&e) => {
                                s.push('\\');
                                s.push(e);
                            }
                            None => return Err(format!("unterminated string at character {at}")),
                        }
                        i += 2;
                        continue;
                    }
                    Some(&other) => s.push(other),
                }
                i += 1;
            }
            i += 1;
            out.push(Token { tok: Tok::Str(s), at });
            continue;
        }
        if spec.backticks && c == '`' {
            i += 1;
            while i < chars.len() && chars[i] != '`' {
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!("unterminated ` macro at character {at}"));
            }
            i += 1;
            out.push(Token { tok: Tok::Word(chars[at..i].iter().collect()), at });
            continue;
        }
        if let Some(p) = spec.puncts.iter().find(|p| starts(i, p)) {
            out.push(Token { tok: Tok::Punct(p), at });
            i += p.chars().count();
            continue;
        }
        let mut w = String::new();
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                w.push(c);
                if let Some(&e) = chars.get(i + 1) {
                    w.push(e);
                }
                i += 2;
                continue;
            }
            if c.is_whitespace()
                || c == '"'
                || (spec.python && c == '#')
                || (spec.single_quotes && c == '\'')
                || (spec.backticks && c == '`')
                || spec.puncts.iter().any(|p| starts(i, p))
                || (spec.c_comments && (starts(i, "//") || starts(i, "/*")))
            {
                break;
            }
            w.push(c);
            i += 1;
        }
        out.push(Token { tok: Tok::Word(w), at });
    }
    Ok(out)
}

/// A cursor over tokens for the recursive-descent parsers.
#[derive(Clone)]
pub struct Cursor<'a> {
    toks: &'a [Token],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the first token.
    pub fn new(toks: &'a [Token]) -> Cursor<'a> {
        Cursor { toks, pos: 0 }
    }

    /// The next token.
    pub fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    /// The token after the next.
    pub fn peek2(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos + 1).map(|t| &t.tok)
    }

    /// Takes the next token.
    pub fn bump(&mut self) -> Option<&'a Tok> {
        let t = self.toks.get(self.pos).map(|t| &t.tok);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Where the next token starts (characters), or the end.
    pub fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(usize::MAX, |t| t.at)
    }

    /// Whether every token was taken.
    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// Takes the punctuation `p` if it is next.
    pub fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            return true;
        }
        false
    }

    /// Takes the word `w` (any case) if it is next.
    pub fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w)) {
            self.pos += 1;
            return true;
        }
        false
    }

    /// Whether the next token is the word `w` (any case).
    pub fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    /// The items of a list whose `(` was taken, separated by `,`, up to and
    /// including its `)`; `()` is an empty list when `empty` allows it.
    /// `what` names the list in an error (`a call`).
    pub fn comma_list<T>(
        &mut self,
        empty: bool,
        what: &str,
        mut item: impl FnMut(&mut Cursor<'a>) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let mut items = Vec::new();
        if empty && self.eat(")") {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if self.eat(")") {
                return Ok(items);
            }
            if !self.eat(",") {
                return Err(self.error(&format!("expected `,` or `)` in {what}")));
            }
        }
    }

    /// An error message at the next token.
    pub fn error(&self, what: &str) -> String {
        match self.toks.get(self.pos) {
            Some(t) => format!("{what} at character {} (found {})", t.at, describe(&t.tok)),
            None => format!("{what} at the end"),
        }
    }
}

/// A token as an error message shows it.
pub fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Punct(p) => format!("`{p}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: LexSpec = LexSpec {
        puncts: &["(", ")", ","],
        c_comments: false,
        raw_strings: false,
        single_quotes: false,
        backticks: false,
        python: false,
    };

    fn list(text: &str, empty: bool) -> Result<Vec<String>, String> {
        let toks = lex(text, &SPEC)?;
        let mut c = Cursor::new(&toks);
        assert!(c.eat("("));
        c.comma_list(empty, "a list", |c| match c.bump() {
            Some(Tok::Word(w)) => Ok(w.clone()),
            _ => Err(c.error("expected a word")),
        })
    }

    #[test]
    fn comma_lists() {
        assert_eq!(list("(a, b,c)", false).unwrap(), ["a", "b", "c"]);
        assert!(list("()", true).unwrap().is_empty());
        assert!(list("()", false).unwrap_err().starts_with("expected a word"));
        assert_eq!(list("(a b)", true).unwrap_err(), "expected `,` or `)` in a list at character 3 (found `b`)");
        assert_eq!(list("(a,", true).unwrap_err(), "expected a word at the end");
    }
}
