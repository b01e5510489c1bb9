//! The recursive-descent parser: tokens to [`ast::Query`](crate::ast::Query).
//!
//! Parsing never fails. Each problem becomes a [`Diagnostic`]; the parser
//! then skips to the next `|`, `;` or closing bracket and goes on, so one run
//! reports every independent mistake and still returns an outline of the
//! query. The submodules follow the grammar: `stmt` (statements and
//! functions), `expr` (scalar expressions, Pratt-style), `literal` (literal
//! values), `tabular` (the operator dispatcher) and one module per family of
//! operators.

mod expr;
mod external;
mod graph;
mod join;
mod literal;
mod pattern;
mod project;
mod series;
mod stmt;
mod subquery;
mod tabular;
mod text;

use crate::ast::{Ident, OptionArg, Query, ScalarType, TypeName};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::{Token, TokenKind};
use crate::span::Span;
use crate::suggest::nearest;

pub(crate) use literal::{parse_datetime, parse_timespan_text};

/// A diagnostic was recorded; unwind to the nearest recovery point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fail;

pub(crate) type PResult<T> = Result<T, Fail>;

/// Where the first operand of a possible chain starts (see `Parser::mark`).
struct Mark {
    saved_peak: u32,
    start: u32,
}

/// Deeper nesting than this is reported instead of overflowing the stack.
pub(crate) const MAX_DEPTH: u32 = 128;

/// The deepest syntax tree the parser builds: nesting plus the links of the
/// left-deep chains (`a or b or c`, `a + b + c`, `a.b.c`) open at a point.
/// Every derived walk of the tree (dropping, cloning, comparing,
/// serialising) recurses this deep.
pub(crate) const MAX_TREE_DEPTH: u32 = 4096;

/// The most tabular operators (`| op`) a query may have, in all its
/// pipelines together: each is a step of the plan, which is planned and run
/// by recursion as deep as its longest pipeline.
pub(crate) const MAX_OPERATORS: u32 = 1000;

pub(crate) struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    /// For each token, how many brackets are open before it.
    depth_at: Vec<u32>,
    /// For each closing bracket, the index of its opener, if it has one.
    opener_of: Vec<Option<u32>>,
    pos: usize,
    diags: Vec<Diagnostic>,
    depth: u32,
    /// Links of the chains open around the point being parsed (see
    /// [`MAX_TREE_DEPTH`]).
    links: u32,
    /// The greatest height reached since the last [`Mark`].
    peak: u32,
    /// Tabular operators so far (see [`MAX_OPERATORS`]).
    operators: u32,
    /// Inside `search`/`find` predicates, where `Col:"value"` is allowed.
    search_terms: bool,
}

/// Parses `src` into a query and its diagnostics.
pub(crate) fn parse(src: &str) -> (Query, Vec<Diagnostic>) {
    let (tokens, diags) = crate::lexer::lex(src);
    let brackets = match_brackets(&tokens);
    let mut p = Parser {
        src,
        tokens,
        depth_at: brackets.depth_at,
        opener_of: brackets.opener_of,
        pos: 0,
        diags,
        depth: 0,
        links: 0,
        peak: 0,
        operators: 0,
        search_terms: false,
    };
    let query = p.query();
    let mut diags = p.diags;
    // An unclosed bracket explains every "expected ..." that follows it, so
    // report the bracket and drop those.
    if let Some(&first) = brackets.unclosed.first() {
        let at = p.tokens[first].span.start;
        diags.retain(|d| !(d.code == codes::EXPECTED && d.span.start > at));
        for &i in &brackets.unclosed {
            let t = p.tokens[i];
            let (open, close) = match t.kind {
                TokenKind::LParen => ("(", ")"),
                TokenKind::LBracket => ("[", "]"),
                _ => ("{", "}"),
            };
            diags.push(
                Diagnostic::new(codes::UNCLOSED, t.span, format!("`{open}` is not closed"))
                    .with_label(format!("this `{open}` has no matching `{close}`")),
            );
        }
    }
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup_by(|a, b| a.span.start == b.span.start);
    (query, diags)
}

struct Brackets {
    depth_at: Vec<u32>,
    opener_of: Vec<Option<u32>>,
    unclosed: Vec<usize>,
}

/// Pairs brackets up front, so recovery knows which `)` closes what, and an
/// unclosed `(` is reported where it is rather than where parsing gave up.
fn match_brackets(tokens: &[Token]) -> Brackets {
    let mut depth_at = Vec::with_capacity(tokens.len());
    let mut opener_of = vec![None; tokens.len()];
    let mut unclosed = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        depth_at.push(stack.len() as u32);
        let opens = match t.kind {
            TokenKind::RParen => TokenKind::LParen,
            TokenKind::RBracket => TokenKind::LBracket,
            TokenKind::RBrace => TokenKind::LBrace,
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                stack.push(i);
                continue;
            }
            _ => continue,
        };
        if let Some(at) = stack.iter().rposition(|&o| tokens[o].kind == opens) {
            unclosed.extend(stack.drain(at + 1..));
            opener_of[i] = stack.pop().map(|o| o as u32);
        }
    }
    unclosed.extend(stack);
    unclosed.sort_unstable();
    Brackets { depth_at, opener_of, unclosed }
}

impl<'a> Parser<'a> {
    // ---- token access -------------------------------------------------

    fn tok(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn nth(&self, n: usize) -> Token {
        self.tokens[(self.pos + n).min(self.tokens.len() - 1)]
    }

    fn kind(&self) -> TokenKind {
        self.tok().kind
    }

    fn nth_kind(&self, n: usize) -> TokenKind {
        self.nth(n).kind
    }

    fn text_of(&self, t: Token) -> &'a str {
        &self.src[t.span.range()]
    }

    fn text(&self) -> &'a str {
        self.text_of(self.tok())
    }

    fn bump(&mut self) -> Token {
        let t = self.tok();
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        t
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.kind() == kind
    }

    fn eat(&mut self, kind: TokenKind) -> Option<Token> {
        if self.at(kind) { Some(self.bump()) } else { None }
    }

    /// Whether the current token is the identifier `word`.
    fn at_word(&self, word: &str) -> bool {
        self.kind() == TokenKind::Ident && self.text() == word
    }

    fn nth_is_word(&self, n: usize, word: &str) -> bool {
        let t = self.nth(n);
        t.kind == TokenKind::Ident && self.text_of(t) == word
    }

    fn eat_word(&mut self, word: &str) -> Option<Span> {
        if self.at_word(word) { Some(self.bump().span) } else { None }
    }

    /// The end of the previous token: where a node that just ended ends.
    fn prev_end(&self) -> usize {
        if self.pos == 0 { 0 } else { self.tokens[self.pos - 1].span.end as usize }
    }

    fn span_from(&self, start: Span) -> Span {
        Span::new(start.start as usize, self.prev_end().max(start.end as usize))
    }

    /// A hyphenated word such as `project-away` or `mv-expand` at the current
    /// position (its parts touching), as (text, token count).
    fn compound_word(&self) -> Option<(String, usize)> {
        if self.kind() != TokenKind::Ident {
            return None;
        }
        let mut word = self.text().to_string();
        let mut n = 1;
        while self.nth_kind(n) == TokenKind::Minus
            && !self.nth(n).spaced
            && self.nth_kind(n + 1) == TokenKind::Ident
            && !self.nth(n + 1).spaced
        {
            word.push('-');
            word.push_str(self.text_of(self.nth(n + 1)));
            n += 2;
        }
        Some((word, n))
    }

    // ---- diagnostics --------------------------------------------------

    fn describe(&self, t: Token) -> String {
        match t.kind {
            TokenKind::Eof => "the end of the query".to_string(),
            TokenKind::String => "a string".to_string(),
            TokenKind::Error => "invalid text".to_string(),
            _ => {
                let text = self.text_of(t);
                let shown: String = text.chars().take(40).collect();
                format!("`{shown}`")
            }
        }
    }

    /// Where to point at the current token: the token, or just after the
    /// last one at the end of the query.
    fn here(&self) -> Span {
        let t = self.tok();
        if t.kind == TokenKind::Eof { Span::at(self.prev_end()) } else { t.span }
    }

    /// Records "expected X, found Y" at the current token.
    fn expected(&mut self, what: &str) -> Fail {
        let t = self.tok();
        if t.kind == TokenKind::Error {
            // The lexer already explained this token.
            return Fail;
        }
        let found = self.describe(t);
        let d = Diagnostic::new(codes::EXPECTED, self.here(), format!("expected {what}, found {found}"))
            .with_label(format!("expected {what}"));
        self.diags.push(d);
        Fail
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> PResult<Token> {
        match self.eat(kind) {
            Some(t) => Ok(t),
            None => Err(self.expected(what)),
        }
    }

    fn expect_word(&mut self, word: &str) -> PResult<Span> {
        match self.eat_word(word) {
            Some(s) => Ok(s),
            None => Err(self.expected(&format!("`{word}`"))),
        }
    }

    /// Enters one level of nesting; fails past [`MAX_DEPTH`].
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        self.peak = self.peak.max(self.height());
        if self.depth > MAX_DEPTH {
            let span = self.tok().span;
            self.push(
                Diagnostic::new(codes::TOO_DEEP, span, format!("the query nests deeper than {MAX_DEPTH} levels"))
                    .with_label("too deep here")
                    .with_help(
                        "brackets, calls, `.member`/`[index]` steps and each operator of an arithmetic \
                         chain (`a + b + c`) nest one level; split the expression with `let` or `extend`",
                    ),
            );
            // Skip everything: recovering inside such nesting only repeats this error.
            self.pos = self.tokens.len() - 1;
            return Err(Fail);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The height of the tree at the point being parsed: nesting plus the
    /// links of the chains open around it.
    fn height(&self) -> u32 {
        self.depth + self.links
    }

    /// Marks the start of what may become the first operand of a chain.
    fn mark(&mut self) -> Mark {
        let start = self.height();
        Mark { saved_peak: std::mem::replace(&mut self.peak, start), start }
    }

    /// Opens a chain once its first operator is seen: the chain's spine
    /// stands on its first operand, so that operand's height counts toward
    /// every link (and, conservatively, toward the later operands). Returns
    /// the links added, for [`close_chain`](Self::close_chain).
    fn open_chain(&mut self, m: &Mark) -> u32 {
        let extra = self.peak.saturating_sub(m.start);
        self.links += extra;
        extra
    }

    /// One more link of an open chain, at the operator at `span`; fails
    /// past [`MAX_TREE_DEPTH`].
    fn link(&mut self, span: Span) -> PResult<()> {
        self.links += 1;
        self.peak = self.peak.max(self.height());
        if self.height() <= MAX_TREE_DEPTH {
            return Ok(());
        }
        self.push(
            Diagnostic::new(codes::TOO_DEEP, span, format!("the expression nests deeper than {MAX_TREE_DEPTH} levels"))
                .with_label("too deep here")
                .with_help(
                    "each operator of an `and`/`or` chain nests one level; test a column against many values \
                     with `in (...)`, `in~ (...)` or `has_any (...)`",
                ),
        );
        self.pos = self.tokens.len() - 1;
        Err(Fail)
    }

    /// Closes a chain opened at `m` that added `added` links.
    fn close_chain(&mut self, m: Mark, added: u32) {
        self.links -= added;
        self.peak = self.peak.max(m.saved_peak);
    }

    /// Skips to a token that can resume parsing after an error in the
    /// construct that started at token `from`: a `|` or `;` at that
    /// construct's nesting level, or a closing bracket opened before it.
    fn recover(&mut self, from: usize) {
        let level = self.depth_at.get(from).copied().unwrap_or(0);
        loop {
            let i = self.pos;
            match self.kind() {
                TokenKind::Eof => return,
                TokenKind::Pipe | TokenKind::Semi if self.depth_at[i] <= level => return,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => match self.opener_of[i] {
                    Some(o) if o as usize >= from => {}
                    _ => return,
                },
                _ => {}
            }
            self.bump();
        }
    }

    // ---- shared pieces ------------------------------------------------

    /// A name: an identifier or `['bracketed name']`.
    fn ident(&mut self, what: &str) -> PResult<Ident> {
        let t = self.tok();
        match t.kind {
            TokenKind::Ident => {
                self.bump();
                Ok(Ident { name: self.text_of(t).to_string(), span: t.span })
            }
            TokenKind::QuotedIdent => {
                self.bump();
                let name = self.quoted_ident_text(t);
                Ok(Ident { name, span: t.span })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// The string inside a `['...']` token.
    pub(super) fn quoted_ident_text(&mut self, t: Token) -> String {
        let raw = self.text_of(t);
        let inner = raw[1..raw.len() - 1].trim();
        // The inside is one or more adjacent string literals: lex them again.
        let (parts, _) = crate::lexer::lex(inner);
        let base = t.span.start as usize + 1 + (raw[1..].len() - raw[1..].trim_start().len());
        let mut out = String::new();
        for part in parts.iter().filter(|p| p.kind == TokenKind::String) {
            let span = Span::new(base + part.span.start as usize, base + part.span.end as usize);
            out.push_str(&self.string_value(&inner[part.span.range()], span));
        }
        out
    }

    fn at_name(&self) -> bool {
        matches!(self.kind(), TokenKind::Ident | TokenKind::QuotedIdent)
    }

    /// A scalar type name, with a suggestion when misspelled.
    fn type_name(&mut self) -> PResult<TypeName> {
        let t = self.tok();
        if t.kind != TokenKind::Ident {
            return Err(self.expected("a type name (string, long, real, datetime, ...)"));
        }
        self.bump();
        let text = self.text_of(t);
        match ScalarType::from_name(text) {
            Some(ty) => Ok(TypeName { ty, span: t.span }),
            None => {
                let names: Vec<&str> = ScalarType::NAMES.iter().map(|(n, _)| *n).collect();
                let mut d = Diagnostic::new(codes::UNKNOWN_TYPE, t.span, format!("unknown type `{text}`"))
                    .with_label("not a scalar type");
                // Type names users bring from other languages.
                let alias = match text.to_ascii_lowercase().as_str() {
                    "integer" | "int32" | "smallint" => Some("int"),
                    "int64" | "bigint" => Some("long"),
                    "float" | "number" | "numeric" => Some("real"),
                    "str" | "text" | "varchar" | "char" => Some("string"),
                    "object" | "array" | "json" | "map" => Some("dynamic"),
                    "timestamp" => Some("datetime"),
                    "duration" | "interval" => Some("timespan"),
                    "uuid" => Some("guid"),
                    _ => None,
                };
                d = match alias.or_else(|| nearest(text, &names)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("the scalar types are bool, int, long, real, decimal, string, datetime, timespan, guid and dynamic"),
                };
                self.push(d);
                Ok(TypeName { ty: ScalarType::Dynamic, span: t.span })
            }
        }
    }

    /// A dotted option name such as `hint.strategy` when it is followed by
    /// `=` and accepted by `allowed`; returns the name's token count.
    fn option_name_at(&self, allowed: &[&str]) -> Option<(String, usize)> {
        if self.kind() != TokenKind::Ident {
            return None;
        }
        let mut name = self.text().to_string();
        let mut n = 1;
        while self.nth_kind(n) == TokenKind::Dot && self.nth_kind(n + 1) == TokenKind::Ident {
            name.push('.');
            name.push_str(self.text_of(self.nth(n + 1)));
            n += 2;
        }
        if self.nth_kind(n) != TokenKind::Eq {
            return None;
        }
        let ok = allowed.contains(&name.as_str()) || (name.starts_with("hint.") && allowed.contains(&"hint.*"));
        ok.then_some((name, n))
    }

    /// Options `name=value` accepted by `allowed` (`hint.*` admits any hint),
    /// in any order, until the next token is not one of them.
    fn options(&mut self, allowed: &[&str]) -> PResult<Vec<OptionArg>> {
        let mut out = Vec::new();
        while let Some((name, n)) = self.option_name_at(allowed) {
            let start = self.tok().span;
            for _ in 0..n {
                self.bump();
            }
            let name = Ident { name, span: self.span_from(start) };
            self.expect(TokenKind::Eq, "`=`")?;
            let value = self.option_value()?;
            out.push(OptionArg { span: self.span_from(start), name, value });
        }
        Ok(out)
    }

    /// An option's value: a name (`inner`), a literal, or `-1`.
    fn option_value(&mut self) -> PResult<crate::ast::Expr> {
        use crate::ast::{Expr, ExprKind, Literal};
        if self.at_word("dynamic") && self.nth_kind(1) == TokenKind::LParen {
            return self.literal_expr();
        }
        if self.at_name() && !(self.at_word("true") || self.at_word("false")) {
            let id = self.ident("a value")?;
            return Ok(Expr { span: id.span, kind: ExprKind::Name(id) });
        }
        // One string token: the next string is no part of the option.
        if self.at(TokenKind::String) {
            let t = self.bump();
            let value = self.string_value(self.text_of(t), t.span);
            return Ok(Expr { kind: ExprKind::Literal(Literal::String(value)), span: t.span });
        }
        // A literal, or a signed number; never a postfix expression, so a
        // bracketed name after the option stays a name.
        if matches!(self.kind(), TokenKind::Minus | TokenKind::Plus) {
            // A sign and a literal, without postfix: `kind=-1 ['T']` keeps `['T']` apart.
            let sign = self.bump();
            let operand = self.literal_expr()?;
            let op = if sign.kind == TokenKind::Minus { crate::ast::UnaryOp::Neg } else { crate::ast::UnaryOp::Plus };
            let span = sign.span.to(operand.span);
            return Ok(Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, span });
        }
        if matches!(self.kind(), TokenKind::Int | TokenKind::Real | TokenKind::Timespan | TokenKind::TypedLiteral)
            || self.at_word("true")
            || self.at_word("false")
        {
            return self.literal_expr();
        }
        self.unary_expr()
    }

    /// A comma-separated list of `item`, at least one.
    fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut out = vec![item(self)?];
        while self.eat(TokenKind::Comma).is_some() {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// Reports a misspelled keyword: `found` at `span` is not one of `known`.
    fn unknown_word(&mut self, code: &'static str, span: Span, found: &str, what: &str, known: &[&str]) -> Fail {
        let mut d =
            Diagnostic::new(code, span, format!("unknown {what} `{found}`")).with_label(format!("not a known {what}"));
        if let Some(s) = nearest(found, known) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.push(d);
        Fail
    }
}
