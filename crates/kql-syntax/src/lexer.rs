//! The lexer: query text to tokens.
//!
//! Kusto has no reserved words, so keywords are lexed as identifiers and the
//! parser decides by context. The lexer joins only what can never be split:
//! `!has` (and every `!word`), `in~`, and the raw text of typed literals such
//! as `datetime(2024-01-01 10:00)` and `guid(...)`, whose insides are not
//! tokens. Comments and whitespace are dropped; problems become
//! [`TokenKind::Error`] tokens plus a diagnostic, so lexing never fails.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// What kind of token a [`Token`] is. Its text is `&source[token.span]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A name or keyword: `where`, `FileName`, `has_any`, `in~`, `$left`.
    Ident,
    /// `!` glued to a word: `!has`, `!contains_cs`, `!in~`, `!between`.
    BangIdent,
    /// A bracketed name: `['File Name']` or `["x"]`.
    QuotedIdent,
    /// An integer: `42`, `0x1F`.
    Int,
    /// A real: `1.5`, `1e3`, `2.5e-3`.
    Real,
    /// A timespan: `1d`, `30m`, `1.5h`, `100ms`, `10microseconds`, `1tick`.
    Timespan,
    /// Any string literal: `'a'`, `"a"`, `@"a"`, `h'a'`, ```` ```a``` ````.
    String,
    /// A typed literal with raw insides: `datetime(...)`, `time(...)`,
    /// `timespan(...)`, `guid(...)`, and `int(...)`, `long(...)`, `real(...)`,
    /// `double(...)`, `decimal(...)`, `bool(...)`, `boolean(...)`.
    TypedLiteral,
    /// `|`
    Pipe,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `;`
    Semi,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `=`
    Eq,
    /// `==`
    EqEq,
    /// `!=` or `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    EqTilde,
    /// `!~`
    BangTilde,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `=>`
    FatArrow,
    /// Text that is no token; a diagnostic says why.
    Error,
    /// The end of the text.
    Eof,
}

/// One token: its kind and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// The kind.
    pub kind: TokenKind,
    /// The bytes it covers.
    pub span: Span,
    /// Whether whitespace or a comment came right before it. The parser uses
    /// this to join `project` `-` `away` only when they touch.
    pub spaced: bool,
}

/// Names whose parenthesised argument is raw literal text, not tokens, when
/// `(` follows at once: `datetime(2024-01-01 10:00)`.
const TYPED_LITERALS: &[&str] = &[
    "datetime", "date", "time", "timespan", "guid", "uuid", "uniqueid", "int", "int32", "long", "int64", "real",
    "double", "decimal", "bool", "boolean",
];

/// Timespan unit suffixes (case-sensitive) with their length in ticks.
pub(crate) const TIMESPAN_UNITS: &[(&str, f64)] = &[
    ("d", 864_000_000_000.0),
    ("day", 864_000_000_000.0),
    ("days", 864_000_000_000.0),
    ("h", 36_000_000_000.0),
    ("hr", 36_000_000_000.0),
    ("hrs", 36_000_000_000.0),
    ("hour", 36_000_000_000.0),
    ("hours", 36_000_000_000.0),
    ("m", 600_000_000.0),
    ("min", 600_000_000.0),
    ("minute", 600_000_000.0),
    ("minutes", 600_000_000.0),
    ("s", 10_000_000.0),
    ("sec", 10_000_000.0),
    ("second", 10_000_000.0),
    ("seconds", 10_000_000.0),
    ("ms", 10_000.0),
    ("milli", 10_000.0),
    ("millis", 10_000.0),
    ("millisec", 10_000.0),
    ("millisecond", 10_000.0),
    ("milliseconds", 10_000.0),
    ("micro", 10.0),
    ("micros", 10.0),
    ("microsec", 10.0),
    ("microsecond", 10.0),
    ("microseconds", 10.0),
    ("nano", 0.01),
    ("nanos", 0.01),
    ("nanosec", 0.01),
    ("nanosecond", 0.01),
    ("nanoseconds", 0.01),
    ("tick", 1.0),
    ("ticks", 1.0),
];

/// The length in ticks of timespan unit `unit`.
pub(crate) fn timespan_unit(unit: &str) -> Option<f64> {
    TIMESPAN_UNITS.iter().find(|(u, _)| *u == unit).map(|(_, t)| *t)
}

/// Splits `source` into tokens (ending with [`TokenKind::Eof`]) and the
/// diagnostics for any text that is not a token.
pub fn lex(source: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lx = Lexer { src: source.as_bytes(), text: source, pos: 0, tokens: Vec::new(), diags: Vec::new() };
    lx.run();
    (lx.tokens, lx.diags)
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    diags: Vec<Diagnostic>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.text.get(pos..).and_then(|s| s.chars().next())
    }

    fn run(&mut self) {
        let mut spaced = true;
        loop {
            let before = self.pos;
            self.skip_trivia();
            spaced |= self.pos != before;
            if self.pos >= self.src.len() {
                self.push_at(TokenKind::Eof, self.src.len(), spaced);
                return;
            }
            let start = self.pos;
            let kind = self.token();
            self.tokens.push(Token { kind, span: Span::new(start, self.pos), spaced });
            spaced = false;
        }
    }

    fn push_at(&mut self, kind: TokenKind, at: usize, spaced: bool) {
        self.tokens.push(Token { kind, span: Span::at(at), spaced });
    }

    fn skip_trivia(&mut self) {
        loop {
            match self.peek(0) {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                c if c >= 0x80 => match self.char_at(self.pos) {
                    // Kusto's whitespace: no-break, zero-width and other Unicode spaces,
                    // common in queries pasted from web pages.
                    Some(
                        ch @ ('\u{a0}'
                        | '\u{1680}'
                        | '\u{180e}'
                        | '\u{2000}'..='\u{200b}'
                        | '\u{202f}'
                        | '\u{205f}'
                        | '\u{3000}'
                        | '\u{feff}'
                        | '\u{2028}'
                        | '\u{2029}'),
                    ) => self.pos += ch.len_utf8(),
                    _ => return,
                },
                _ => return,
            }
        }
    }

    fn error(&mut self, start: usize, message: impl Into<String>) -> TokenKind {
        self.diags.push(Diagnostic::new(crate::codes::INVALID_TOKEN, Span::new(start, self.pos), message));
        TokenKind::Error
    }

    fn error_help(&mut self, start: usize, message: impl Into<String>, help: &str) -> TokenKind {
        let d = Diagnostic::new(crate::codes::INVALID_TOKEN, Span::new(start, self.pos), message).with_help(help);
        self.diags.push(d);
        TokenKind::Error
    }

    /// `“text”` or `‘text’`: typographic quotes, usually from a word
    /// processor. The whole quoted text becomes one error token, so the rest
    /// of the line still parses.
    fn curly_string(&mut self, start: usize, open: char) -> TokenKind {
        let close = if open == '\u{201c}' { '\u{201d}' } else { '\u{2019}' };
        self.pos += open.len_utf8();
        while let Some(c) = self.char_at(self.pos) {
            if c == '\n' {
                break;
            }
            self.pos += c.len_utf8();
            if c == close || c == '"' || c == '\'' {
                break;
            }
        }
        self.error_help(
            start,
            format!("typographic quote `{open}` does not start a string"),
            "write strings with straight quotes: \"text\" or 'text'",
        )
    }

    fn token(&mut self) -> TokenKind {
        let start = self.pos;
        let c = self.peek(0);
        let two = |lx: &mut Lexer<'_>, k| {
            lx.pos += 2;
            k
        };
        let one = |lx: &mut Lexer<'_>, k| {
            lx.pos += 1;
            k
        };
        match c {
            b'|' if self.peek(1) == b'|' => {
                self.pos += 2;
                self.error_help(start, "`||` is not a KQL operator", "use `or`")
            }
            b'&' if self.peek(1) == b'&' => {
                self.pos += 2;
                self.error_help(start, "`&&` is not a KQL operator", "use `and`")
            }
            b'|' => one(self, TokenKind::Pipe),
            b'(' => one(self, TokenKind::LParen),
            b')' => one(self, TokenKind::RParen),
            b'[' => {
                if matches!(self.peek(1), b'\'' | b'"')
                    || (self.peek(1) == b'@' && matches!(self.peek(2), b'\'' | b'"'))
                {
                    return self.quoted_ident();
                }
                one(self, TokenKind::LBracket)
            }
            b']' => one(self, TokenKind::RBracket),
            b'{' => one(self, TokenKind::LBrace),
            b'}' => one(self, TokenKind::RBrace),
            b',' => one(self, TokenKind::Comma),
            b';' => one(self, TokenKind::Semi),
            b':' => one(self, TokenKind::Colon),
            b'.' if self.peek(1) == b'.' => two(self, TokenKind::DotDot),
            b'.' => one(self, TokenKind::Dot),
            b'=' if self.peek(1) == b'=' => two(self, TokenKind::EqEq),
            b'=' if self.peek(1) == b'~' => two(self, TokenKind::EqTilde),
            b'=' if self.peek(1) == b'>' => two(self, TokenKind::FatArrow),
            b'=' => one(self, TokenKind::Eq),
            b'!' if self.peek(1) == b'=' => two(self, TokenKind::NotEq),
            b'!' if self.peek(1) == b'~' => two(self, TokenKind::BangTilde),
            b'!' if self.char_at(start + 1).is_some_and(is_ident_start) => {
                self.pos += 1;
                self.ident_tail();
                TokenKind::BangIdent
            }
            b'<' if self.peek(1) == b'=' => two(self, TokenKind::Le),
            b'<' if self.peek(1) == b'>' => two(self, TokenKind::NotEq),
            b'<' => one(self, TokenKind::Lt),
            b'>' if self.peek(1) == b'=' => two(self, TokenKind::Ge),
            b'>' => one(self, TokenKind::Gt),
            b'+' => one(self, TokenKind::Plus),
            b'-' => one(self, TokenKind::Minus),
            b'*' => one(self, TokenKind::Star),
            b'/' => one(self, TokenKind::Slash),
            b'%' => one(self, TokenKind::Percent),
            b'\'' | b'"' => self.string(),
            b'@' if matches!(self.peek(1), b'\'' | b'"') => self.string(),
            b'`' if self.peek(1) == b'`' && self.peek(2) == b'`' => self.string(),
            b'~' if self.peek(1) == b'~' && self.peek(2) == b'~' => self.string(),
            b'h' | b'H'
                if matches!(self.peek(1), b'\'' | b'"')
                    || (self.peek(1) == b'@' && matches!(self.peek(2), b'\'' | b'"')) =>
            {
                self.string()
            }
            b'0'..=b'9' => self.number(),
            b'$' if self.char_at(start + 1).is_some_and(is_ident_start) => {
                self.pos += 1;
                self.ident_tail();
                TokenKind::Ident
            }
            _ => {
                let ch = self.char_at(start).unwrap_or('\u{fffd}');
                if matches!(ch, '\u{201c}' | '\u{2018}') {
                    return self.curly_string(start, ch);
                }
                if is_ident_start(ch) {
                    self.ident_tail();
                    return self.after_ident(start);
                }
                self.pos += ch.len_utf8();
                let shown = if ch.is_control() { format!("{:?}", ch) } else { format!("`{ch}`") };
                self.error(start, format!("unexpected character {shown}"))
            }
        }
    }

    fn ident_tail(&mut self) {
        let word_start = self.pos;
        while let Some(c) = self.char_at(self.pos) {
            if !is_ident_continue(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        // `in~` and `!in~` are single operators.
        if self.peek(0) == b'~' && &self.text[word_start..self.pos] == "in" {
            self.pos += 1;
        }
    }

    /// After an identifier: a typed literal swallows its raw `( ... )`.
    fn after_ident(&mut self, start: usize) -> TokenKind {
        let word = &self.text[start..self.pos];
        if !TYPED_LITERALS.contains(&word) {
            return TokenKind::Ident;
        }
        if self.peek(0) != b'(' {
            return TokenKind::Ident;
        }
        let p = self.pos;
        // The raw text runs to the matching `)`, skipping quoted strings.
        let mut depth = 0usize;
        let mut i = p;
        while i < self.src.len() {
            match self.src[i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return TokenKind::TypedLiteral;
                    }
                }
                q @ (b'\'' | b'"') => {
                    i += 1;
                    while i < self.src.len() && self.src[i] != q && self.src[i] != b'\n' {
                        i += 1;
                    }
                }
                b'\n' | b'|' | b';' => break,
                _ => {}
            }
            i += 1;
        }
        self.pos = i.min(self.src.len());
        self.error(start, format!("`{word}(` literal is not closed: expected `)`"))
    }

    /// `['name']`: a string in brackets. When no `]` follows the string
    /// this is an ordinary `[` (as in `dynamic(["a", "b"])`).
    fn quoted_ident(&mut self) -> TokenKind {
        let start = self.pos;
        let diags = self.diags.len();
        self.pos += 1; // [
        let mut kind = self.string();
        loop {
            while matches!(self.peek(0), b' ' | b'\t') {
                self.pos += 1;
            }
            // Adjacent strings concatenate: `['O''Brien']`.
            if kind != TokenKind::Error && matches!(self.peek(0), b'\'' | b'"') {
                kind = self.string();
                continue;
            }
            break;
        }
        if kind == TokenKind::Error || self.peek(0) != b']' {
            self.diags.truncate(diags);
            self.pos = start + 1;
            return TokenKind::LBracket;
        }
        self.pos += 1;
        TokenKind::QuotedIdent
    }

    fn string(&mut self) -> TokenKind {
        let start = self.pos;
        if matches!(self.peek(0), b'h' | b'H') {
            self.pos += 1;
        }
        let fence = self.peek(0);
        if (fence == b'`' || fence == b'~') && self.peek(1) == fence && self.peek(2) == fence {
            self.pos += 3;
            while self.pos < self.src.len() {
                if self.peek(0) == fence && self.peek(1) == fence && self.peek(2) == fence {
                    self.pos += 3;
                    return TokenKind::String;
                }
                self.pos += 1;
            }
            let f = fence as char;
            return self.error(start, format!("multi-line string is not closed: expected `{f}{f}{f}`"));
        }
        let verbatim = fence == b'@';
        if verbatim {
            self.pos += 1;
        }
        let quote = self.peek(0);
        self.pos += 1;
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if c == b'\n' {
                break;
            }
            if c == b'\\' && !verbatim {
                self.pos += 2;
                continue;
            }
            if c == quote {
                if verbatim && self.peek(1) == quote {
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                return TokenKind::String;
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.src.len());
        let q = quote as char;
        let help = if verbatim {
            "strings end on the line they start; for text over several lines use ```...```"
        } else {
            "strings end on the line they start; write a quote inside the string as \\\" or \\'; for text over several lines use ```...```"
        };
        self.error_help(start, format!("string is not closed: expected `{q}` before the end of the line"), help)
    }

    fn number(&mut self) -> TokenKind {
        let start = self.pos;
        if self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X') && self.peek(2).is_ascii_hexdigit() {
            self.pos += 2;
            while self.peek(0).is_ascii_hexdigit() {
                self.pos += 1;
            }
            return self.number_end(start, TokenKind::Int);
        }
        let mut kind = TokenKind::Int;
        while self.peek(0).is_ascii_digit() {
            self.pos += 1;
        }
        // `1.5` and `1.` are reals; `1..2` is `1` `..` `2`.
        if self.peek(0) == b'.' && self.peek(1) != b'.' && !self.char_at(self.pos + 1).is_some_and(is_ident_start) {
            kind = TokenKind::Real;
            self.pos += 1;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
        }
        if matches!(self.peek(0), b'e' | b'E') {
            let digits_at = if matches!(self.peek(1), b'+' | b'-') { 2 } else { 1 };
            if self.peek(digits_at).is_ascii_digit() {
                kind = TokenKind::Real;
                self.pos += digits_at;
                while self.peek(0).is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        // A unit suffix makes a timespan: `1d`, `1.5h`, `100ms`.
        let rest = &self.text[self.pos..];
        let word_len = rest.find(|c: char| !is_ident_continue(c)).unwrap_or(rest.len());
        if word_len > 0 && timespan_unit(&rest[..word_len]).is_some() {
            self.pos += word_len;
            return TokenKind::Timespan;
        }
        self.number_end(start, kind)
    }

    /// A number glued to letters that are no unit (`1week`, `2x`) is a
    /// digit-leading identifier, as in Kusto.
    fn number_end(&mut self, start: usize, kind: TokenKind) -> TokenKind {
        let rest = &self.text[self.pos..];
        if rest.starts_with(is_ident_continue) {
            if self.text[start..self.pos].contains('.') {
                let len = rest.find(|c: char| !is_ident_continue(c)).unwrap_or(rest.len());
                self.pos += len;
                let text = &self.text[start..self.pos];
                return self.error(
                    start,
                    format!(
                        "`{text}` is not a number or timespan; timespan units are d, h, m, s, ms, microsecond, tick"
                    ),
                );
            }
            self.ident_tail();
            return TokenKind::Ident;
        }
        kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        let (toks, diags) = lex(src);
        assert!(diags.is_empty(), "{diags:?}");
        toks.iter().filter(|t| t.kind != TokenKind::Eof).map(|t| (t.kind, &src[t.span.range()])).collect()
    }

    #[test]
    fn bang_words_and_in_tilde_are_single_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("a !has b and c !in~ (d) and e in~ (f) and g !~ h"),
            vec![
                (Ident, "a"),
                (BangIdent, "!has"),
                (Ident, "b"),
                (Ident, "and"),
                (Ident, "c"),
                (BangIdent, "!in~"),
                (LParen, "("),
                (Ident, "d"),
                (RParen, ")"),
                (Ident, "and"),
                (Ident, "e"),
                (Ident, "in~"),
                (LParen, "("),
                (Ident, "f"),
                (RParen, ")"),
                (Ident, "and"),
                (Ident, "g"),
                (BangTilde, "!~"),
                (Ident, "h"),
            ]
        );
    }

    #[test]
    fn typed_literals_keep_their_raw_text() {
        use TokenKind::*;
        assert_eq!(
            kinds("datetime(2024-01-01 10:00) + time(1.02:03:04) guid(null)"),
            vec![
                (TypedLiteral, "datetime(2024-01-01 10:00)"),
                (Plus, "+"),
                (TypedLiteral, "time(1.02:03:04)"),
                (TypedLiteral, "guid(null)")
            ]
        );
        // A type name without `(` right after it is just a name, as in `x:datetime`.
        assert_eq!(kinds("x:datetime"), vec![(Ident, "x"), (Colon, ":"), (Ident, "datetime")]);
        assert_eq!(kinds("int (1)"), vec![(Ident, "int"), (LParen, "("), (Int, "1"), (RParen, ")")]);
    }

    #[test]
    fn numbers_and_timespans() {
        use TokenKind::*;
        assert_eq!(
            kinds("1 0x1F 1.5 1e3 2.5e-3 1d 1.5h 100ms 10microsecond 1tick 1week 1..10"),
            vec![
                (Int, "1"),
                (Int, "0x1F"),
                (Real, "1.5"),
                (Real, "1e3"),
                (Real, "2.5e-3"),
                (Timespan, "1d"),
                (Timespan, "1.5h"),
                (Timespan, "100ms"),
                (Timespan, "10microsecond"),
                (Timespan, "1tick"),
                (Ident, "1week"),
                (Int, "1"),
                (DotDot, ".."),
                (Int, "10"),
            ]
        );
    }

    #[test]
    fn strings_of_every_form() {
        use TokenKind::*;
        assert_eq!(
            kinds(
                r#"'a\'b' "c\"d" @"e""f" h'secret' ```multi
line``` ['File Name']"#
            ),
            vec![
                (String, r"'a\'b'"),
                (String, r#""c\"d""#),
                (String, r#"@"e""f""#),
                (String, "h'secret'"),
                (String, "```multi\nline```"),
                (QuotedIdent, "['File Name']")
            ]
        );
    }

    #[test]
    fn comments_are_trivia_and_spacing_is_recorded() {
        let (toks, _) = lex("project-away // gone\n x");
        let spaced: Vec<bool> = toks.iter().map(|t| t.spaced).collect();
        assert_eq!(spaced, vec![true, false, false, true, false]);
    }

    #[test]
    fn unterminated_string_is_reported_and_lexing_continues() {
        let (toks, diags) = lex("where x == \"abc\n| take 1");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("not closed"), "{}", diags[0].message);
        assert!(toks.iter().any(|t| t.kind == TokenKind::Pipe));
    }
}
