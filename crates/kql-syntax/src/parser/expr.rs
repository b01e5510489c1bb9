//! Expressions, by precedence from loosest to tightest (as Kusto's own
//! parser has them): `or`; `and`; equality and list operators (`==`, `!=`,
//! `in`, `has_any`, `between`, ...); relational (`<`, `>=`, ...); `+ -`;
//! `* / %`; string operators (`has`, `contains`, `=~`, `matches regex`, ...);
//! unary sign; postfix (`.member`, `[index]`, `call(...)`). Equality,
//! relational and string operators do not chain.

use super::{Mark, PResult, Parser};
use crate::ast::{Arg, Assign, BinaryOp, Expr, ExprKind, ListOp, StringOp, UnaryOp};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::words::{LIST_OPS, STRING_OPS};

fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span }
}

impl<'a> Parser<'a> {
    /// An expression optionally followed by `| operator ...`.
    pub(super) fn pipe_expr(&mut self) -> PResult<Expr> {
        let source = self.expr()?;
        if !self.at(TokenKind::Pipe) {
            return Ok(source);
        }
        let ops = self.pipe_ops()?;
        let span = self.span_from(source.span);
        Ok(Expr { kind: ExprKind::Pipeline { source: Box::new(source), ops }, span })
    }

    /// A scalar (or tabular) expression without pipes.
    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.or_expr();
        self.leave();
        r
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        let m = self.mark();
        let lhs = self.and_expr()?;
        self.logical_chain(m, lhs, "or", BinaryOp::Or, Self::and_expr)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let m = self.mark();
        let lhs = self.eq_expr()?;
        self.logical_chain(m, lhs, "and", BinaryOp::And, Self::eq_expr)
    }

    /// `lhs or b or c ...` (or `and`): a left-deep tree as deep as the chain
    /// is long, counted against [`MAX_TREE_DEPTH`](super::MAX_TREE_DEPTH);
    /// the stages after the parser walk such a chain in a loop.
    fn logical_chain(
        &mut self,
        m: Mark,
        mut lhs: Expr,
        word: &str,
        op: BinaryOp,
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let mut added = 0;
        let r = loop {
            let Some(at) = self.eat_word(word) else { break Ok(lhs) };
            if added == 0 {
                added = self.open_chain(&m);
            }
            added += 1;
            if let Err(e) = self.link(at) {
                break Err(e);
            }
            match operand(self) {
                Ok(rhs) => lhs = binary(op, lhs, rhs),
                Err(e) => break Err(e),
            }
        };
        self.close_chain(m, added);
        r
    }

    fn eq_expr(&mut self) -> PResult<Expr> {
        let lhs = self.rel_expr()?;
        let t = self.tok();
        let op = match t.kind {
            TokenKind::EqEq => Some(BinaryOp::Eq),
            TokenKind::NotEq => Some(BinaryOp::NotEq),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let rhs = self.rel_expr()?;
            return Ok(binary(op, lhs, rhs));
        }
        if matches!(t.kind, TokenKind::Ident | TokenKind::BangIdent) {
            let word = self.text_of(t);
            if let Some(&(_, op)) = LIST_OPS.iter().find(|(w, _)| *w == word) {
                // `on x in range(...)` in make-series is not the `in` operator.
                if word == "in" && self.nth_is_word(1, "range") {
                    return Ok(lhs);
                }
                self.bump();
                return self.in_list(op, lhs);
            }
            if word == "between" || word == "!between" {
                self.bump();
                return self.between(word == "!between", lhs);
            }
        }
        Ok(lhs)
    }

    fn in_list(&mut self, op: ListOp, lhs: Expr) -> PResult<Expr> {
        if !self.at(TokenKind::LParen) {
            let name = LIST_OPS.iter().find(|(_, o)| *o == op).map(|(w, _)| *w).unwrap_or("in");
            let t = self.tok();
            let found = self.describe(t);
            self.push(
                Diagnostic::new(codes::EXPECTED, t.span, format!("expected `(` after `{name}`, found {found}"))
                    .with_label("expected `(`")
                    .with_help(format!("`{name}` takes a parenthesised list: `x {name} (\"a\", \"b\")`")),
            );
            return Err(super::Fail);
        }
        self.bump();
        let saved = std::mem::replace(&mut self.search_terms, false);
        let items = if self.at(TokenKind::RParen) { Ok(Vec::new()) } else { self.comma_list(|p| p.pipe_expr()) };
        self.search_terms = saved;
        let items = items?;
        self.expect(TokenKind::RParen, "`,` or `)` in the list")?;
        let span = self.span_from(lhs.span);
        Ok(Expr { kind: ExprKind::InList { op, lhs: Box::new(lhs), items }, span })
    }

    fn between(&mut self, negated: bool, lhs: Expr) -> PResult<Expr> {
        let word = if negated { "!between" } else { "between" };
        if !self.at(TokenKind::LParen) {
            let t = self.tok();
            let found = self.describe(t);
            self.push(
                Diagnostic::new(codes::EXPECTED, t.span, format!("expected `(` after `{word}`, found {found}"))
                    .with_label("expected `(`")
                    .with_help(format!("write the range as `x {word} (low .. high)`")),
            );
            return Err(super::Fail);
        }
        self.bump();
        let low = self.expr()?;
        if !self.at(TokenKind::DotDot) {
            let t = self.tok();
            let found = self.describe(t);
            self.push(
                Diagnostic::new(
                    codes::EXPECTED,
                    self.here(),
                    format!("expected `..` between the bounds, found {found}"),
                )
                .with_label("expected `..`")
                .with_help(format!("write the range as `x {word} (low .. high)`")),
            );
            return Err(super::Fail);
        }
        self.bump();
        let high = self.expr()?;
        self.expect(TokenKind::RParen, "`)` to close the range")?;
        let span = self.span_from(lhs.span);
        Ok(Expr {
            kind: ExprKind::Between { negated, lhs: Box::new(lhs), low: Box::new(low), high: Box::new(high) },
            span,
        })
    }

    fn rel_expr(&mut self) -> PResult<Expr> {
        let lhs = self.add_expr()?;
        let op = match self.kind() {
            TokenKind::Lt => BinaryOp::Lt,
            TokenKind::Le => BinaryOp::Le,
            TokenKind::Gt => BinaryOp::Gt,
            TokenKind::Ge => BinaryOp::Ge,
            _ => return Ok(lhs),
        };
        self.bump();
        let rhs = self.add_expr()?;
        Ok(binary(op, lhs, rhs))
    }

    fn add_expr(&mut self) -> PResult<Expr> {
        let m = self.mark();
        let lhs = self.mul_expr()?;
        let op_at = |p: &Self| match p.kind() {
            TokenKind::Plus => Some(BinaryOp::Add),
            TokenKind::Minus => Some(BinaryOp::Sub),
            _ => None,
        };
        self.chain(m, lhs, op_at, Self::mul_expr)
    }

    fn mul_expr(&mut self) -> PResult<Expr> {
        let m = self.mark();
        let lhs = self.str_expr()?;
        let op_at = |p: &Self| match p.kind() {
            TokenKind::Star => Some(BinaryOp::Mul),
            TokenKind::Slash => Some(BinaryOp::Div),
            TokenKind::Percent => Some(BinaryOp::Mod),
            _ => None,
        };
        self.chain(m, lhs, op_at, Self::str_expr)
    }

    /// A left-associative chain of arithmetic after its first operand. Each
    /// operator nests the tree one level deeper (`a + b + c` is `(a + b) +
    /// c`), and the plan and its evaluation recurse that deep, so each also
    /// counts against the nesting budget ([`MAX_DEPTH`](super::MAX_DEPTH)).
    fn chain(
        &mut self,
        m: Mark,
        mut lhs: Expr,
        op_at: impl Fn(&Self) -> Option<BinaryOp>,
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let depth = self.depth;
        let mut added = 0;
        let r = loop {
            let Some(op) = op_at(self) else { break Ok(lhs) };
            if added == 0 {
                added = self.open_chain(&m);
            }
            added += 1;
            let at = self.tok().span;
            if let Err(e) = self.link(at).and_then(|()| self.enter()) {
                break Err(e);
            }
            self.bump();
            match operand(self) {
                Ok(rhs) => lhs = binary(op, lhs, rhs),
                Err(e) => break Err(e),
            }
        };
        self.depth = depth;
        self.close_chain(m, added);
        r
    }

    /// The string operator at the current token, with its token count.
    pub(super) fn string_op_at(&self) -> Option<(BinaryOp, usize)> {
        let t = self.tok();
        match t.kind {
            TokenKind::EqTilde => Some((BinaryOp::EqCi, 1)),
            TokenKind::BangTilde => Some((BinaryOp::NotEqCi, 1)),
            TokenKind::Ident | TokenKind::BangIdent => {
                let word = self.text_of(t);
                if word == "matches" && self.nth_is_word(1, "regex") {
                    return Some((BinaryOp::MatchesRegex, 2));
                }
                STRING_OPS.iter().find(|(w, ..)| *w == word).map(|&(_, kind, case_sensitive, negated)| {
                    (BinaryOp::String(StringOp { kind, case_sensitive, negated }), 1)
                })
            }
            _ => None,
        }
    }

    fn str_expr(&mut self) -> PResult<Expr> {
        let lhs = self.unary_expr()?;
        if self.search_terms && self.at(TokenKind::Colon) {
            self.bump();
            let value = self.unary_expr()?;
            let span = lhs.span.to(value.span);
            return Ok(Expr { kind: ExprKind::SearchTerm { column: Box::new(lhs), value: Box::new(value) }, span });
        }
        let Some((op, n)) = self.string_op_at() else { return Ok(lhs) };
        for _ in 0..n {
            self.bump();
        }
        let rhs = self.unary_expr()?;
        Ok(binary(op, lhs, rhs))
    }

    pub(super) fn unary_expr(&mut self) -> PResult<Expr> {
        let op = match self.kind() {
            TokenKind::Minus => UnaryOp::Neg,
            TokenKind::Plus => UnaryOp::Plus,
            _ => return self.postfix_expr(),
        };
        let start = self.bump().span;
        self.enter()?;
        let operand = self.unary_expr();
        self.leave();
        let operand = operand?;
        let span = start.to(operand.span);
        Ok(Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, span })
    }

    fn postfix_expr(&mut self) -> PResult<Expr> {
        let m = self.mark();
        let e = self.primary()?;
        // Like arithmetic, each `.member` or `[index]` nests the tree one
        // level deeper.
        let depth = self.depth;
        let mut added = 0;
        let r = self.postfix_chain(&m, &mut added, e);
        self.depth = depth;
        self.close_chain(m, added);
        r
    }

    /// One more step of a postfix chain (see [`chain`](Self::chain)).
    fn postfix_link(&mut self, m: &Mark, added: &mut u32) -> PResult<()> {
        if *added == 0 {
            *added = self.open_chain(m);
        }
        *added += 1;
        let at = self.tok().span;
        self.link(at)?;
        self.enter()
    }

    fn postfix_chain(&mut self, m: &Mark, added: &mut u32, mut e: Expr) -> PResult<Expr> {
        loop {
            match self.kind() {
                TokenKind::Dot if matches!(self.nth_kind(1), TokenKind::Ident | TokenKind::QuotedIdent) => {
                    self.postfix_link(m, added)?;
                    self.bump();
                    let member = self.ident("a member name")?;
                    let span = e.span.to(member.span);
                    e = Expr { kind: ExprKind::Member { target: Box::new(e), member }, span };
                }
                TokenKind::Dot if self.nth_kind(1) == TokenKind::LBracket => {
                    // `a.[expr]`, the legacy spelling of `a[expr]`.
                    self.postfix_link(m, added)?;
                    self.bump();
                    e = self.index_suffix(e)?;
                }
                TokenKind::LBracket => {
                    self.postfix_link(m, added)?;
                    e = self.index_suffix(e)?;
                }
                // `d["key"]` lexes as a bracketed name; after a value it is an index.
                TokenKind::QuotedIdent => {
                    self.postfix_link(m, added)?;
                    let t = self.bump();
                    let key = self.quoted_ident_text(t);
                    let index = Expr { kind: ExprKind::Literal(crate::ast::Literal::String(key)), span: t.span };
                    let span = e.span.to(t.span);
                    e = Expr { kind: ExprKind::Index { target: Box::new(e), index: Box::new(index) }, span };
                }
                // A call follows a name or a member, so calls alone do not chain.
                TokenKind::LParen if matches!(e.kind, ExprKind::Name(_) | ExprKind::Member { .. }) => {
                    let args = self.call_args()?;
                    let span = self.span_from(e.span);
                    e = Expr { kind: ExprKind::Call { func: Box::new(e), args }, span };
                }
                _ => return Ok(e),
            }
        }
    }

    fn index_suffix(&mut self, target: Expr) -> PResult<Expr> {
        self.bump(); // [
        let index = self.expr()?;
        self.expect(TokenKind::RBracket, "`]` to close the index")?;
        let span = self.span_from(target.span);
        Ok(Expr { kind: ExprKind::Index { target: Box::new(target), index: Box::new(index) }, span })
    }

    /// `( [arg, ...] )` where an argument is `*`, `name = value` or an expression.
    pub(super) fn call_args(&mut self) -> PResult<Vec<Arg>> {
        let saved = std::mem::replace(&mut self.search_terms, false);
        let r = self.call_args_inner();
        self.search_terms = saved;
        r
    }

    fn call_args_inner(&mut self) -> PResult<Vec<Arg>> {
        self.expect(TokenKind::LParen, "`(`")?;
        let mut args = Vec::new();
        if self.eat(TokenKind::RParen).is_some() {
            return Ok(args);
        }
        loop {
            let arg = if self.at_name() && self.nth_kind(1) == TokenKind::Eq {
                let name = self.ident("an argument name")?;
                self.bump();
                Arg { name: Some(name), value: self.pipe_expr()? }
            } else {
                Arg { name: None, value: self.pipe_expr()? }
            };
            args.push(arg);
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        self.expect(TokenKind::RParen, "`,` or `)` after the argument")?;
        Ok(args)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.tok();
        match t.kind {
            TokenKind::Int | TokenKind::Real | TokenKind::Timespan | TokenKind::String | TokenKind::TypedLiteral => {
                self.literal_expr()
            }
            TokenKind::Ident => {
                let word = self.text_of(t);
                match word {
                    "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => self.literal_expr(),
                    "dynamic" if self.nth_kind(1) == TokenKind::LParen => self.literal_expr(),
                    "typeof" if self.nth_kind(1) == TokenKind::LParen => self.type_of(),
                    "entity_group" if matches!(self.nth_kind(1), TokenKind::LBracket | TokenKind::QuotedIdent) => {
                        self.entity_group()
                    }
                    _ => {
                        let saved = std::mem::replace(&mut self.search_terms, false);
                        let source = self.source_operator();
                        self.search_terms = saved;
                        if let Some(op) = source? {
                            let span = op.span;
                            return Ok(Expr { kind: ExprKind::Source(Box::new(op)), span });
                        }
                        let id = self.ident("a name")?;
                        Ok(Expr { span: id.span, kind: ExprKind::Name(id) })
                    }
                }
            }
            TokenKind::QuotedIdent => {
                let id = self.ident("a name")?;
                Ok(Expr { span: id.span, kind: ExprKind::Name(id) })
            }
            TokenKind::Star => {
                self.bump();
                Ok(Expr { kind: ExprKind::Wildcard("*".to_string()), span: t.span })
            }
            TokenKind::LParen => {
                self.bump();
                // `Col:"x"` search terms belong to the search predicate itself.
                let saved = std::mem::replace(&mut self.search_terms, false);
                let inner = self.pipe_expr();
                self.search_terms = saved;
                let inner = inner?;
                if self.at(TokenKind::Comma) {
                    let span = self.tok().span;
                    self.push(
                        Diagnostic::new(codes::EXPECTED, span, "expected `)`, found `,`")
                            .with_label("a parenthesised expression holds one value")
                            .with_help("a list belongs after `in`, `has_any` or in a function call"),
                    );
                    return Err(super::Fail);
                }
                self.expect(TokenKind::RParen, "`)`")?;
                Ok(inner)
            }
            TokenKind::BangIdent => {
                let word = self.text_of(t);
                self.push(
                    Diagnostic::new(codes::EXPECTED, t.span, format!("expected an expression, found `{word}`"))
                        .with_label("an operator needs a value on its left")
                        .with_help("Kusto has no unary `!`: use `not(expr)`"),
                );
                Err(super::Fail)
            }
            _ => {
                // Name the operator that is missing its operand.
                let prev = if self.pos > 0 { Some(self.tokens[self.pos - 1]) } else { None };
                let after = prev.map(|p| self.text_of(p)).filter(|w| {
                    crate::words::is_operator_word(w)
                        || matches!(
                            *w,
                            "==" | "!="
                                | "<>"
                                | "<"
                                | "<="
                                | ">"
                                | ">="
                                | "=~"
                                | "!~"
                                | "+"
                                | "-"
                                | "*"
                                | "/"
                                | "%"
                                | "="
                                | "!has"
                                | "!contains"
                                | "regex"
                        )
                        || w.starts_with('!')
                });
                match after {
                    Some(op) => Err(self.expected(&format!("an expression after `{op}`"))),
                    None => Err(self.expected("an expression")),
                }
            }
        }
    }

    /// A column or table name that may hold `*` wildcards (`Device*`,
    /// `*_x`, `*`, `database("db*").T*`), as in `union`, `project-away`,
    /// `restrict` and `search in (...)`. A wildcard after a dot becomes a
    /// member whose name holds the `*`.
    pub(super) fn name_pattern(&mut self) -> PResult<Expr> {
        let starts_pattern = self.at(TokenKind::Star)
            || (self.kind() == TokenKind::Ident && self.nth_kind(1) == TokenKind::Star && !self.nth(1).spaced);
        if starts_pattern {
            let (pattern, span) = self.pattern_text();
            return Ok(Expr { kind: ExprKind::Wildcard(pattern), span });
        }
        let mut e = self.unary_expr()?;
        let dotted_pattern = self.at(TokenKind::Dot)
            && (self.nth_kind(1) == TokenKind::Star
                || (self.nth_kind(1) == TokenKind::Ident
                    && self.nth_kind(2) == TokenKind::Star
                    && !self.nth(2).spaced));
        if dotted_pattern {
            self.bump();
        }
        let glued_star = self.at(TokenKind::Star) && !self.tok().spaced;
        if dotted_pattern || (glued_star && matches!(e.kind, ExprKind::Member { .. })) {
            let mut prefix = String::new();
            if !dotted_pattern {
                // `database("x").C*`: the member parsed so far is the pattern's start.
                if let ExprKind::Member { target, member } = e.kind {
                    prefix = member.name;
                    e = *target;
                }
            }
            let (rest, span) = self.pattern_text();
            let member = crate::ast::Ident { name: prefix + &rest, span };
            let span = e.span.to(span);
            e = Expr { kind: ExprKind::Member { target: Box::new(e), member }, span };
        }
        Ok(e)
    }

    /// Glued identifier, number and `*` tokens, as one pattern text.
    fn pattern_text(&mut self) -> (String, crate::span::Span) {
        let mut pattern = String::new();
        let mut span = self.tok().span;
        loop {
            pattern.push_str(self.text());
            span = span.to(self.bump().span);
            if self.tok().spaced || !matches!(self.kind(), TokenKind::Ident | TokenKind::Star | TokenKind::Int) {
                break;
            }
        }
        (pattern, span)
    }

    /// `typeof(type)` or `typeof(schema)`.
    fn type_of(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        let is_schema = self.nth_kind(1) == TokenKind::Star
            || self.nth_kind(2) == TokenKind::Colon
            || self.nth_kind(1) == TokenKind::RParen;
        let ty = if is_schema {
            crate::ast::ParamType::Tabular(self.table_schema()?)
        } else {
            self.expect(TokenKind::LParen, "`(`")?;
            let t = self.type_name()?;
            self.expect(TokenKind::RParen, "`)` after the type")?;
            crate::ast::ParamType::Scalar(t)
        };
        Ok(Expr { kind: ExprKind::TypeOf(ty), span: self.span_from(start) })
    }

    /// `Name = Expr`, `(A, B) = Expr` or `Expr`.
    pub(super) fn assign(&mut self) -> PResult<Assign> {
        let start = self.tok().span;
        if self.at(TokenKind::Eq) {
            self.push(
                Diagnostic::new(codes::EXPECTED, start, "expected a column name before `=`")
                    .with_label("no name to assign to")
                    .with_help("write `Name = expression`, or leave out `=` to name the column after the expression"),
            );
            return Err(super::Fail);
        }
        if self.at_name() && self.nth_kind(1) == TokenKind::Eq {
            let name = self.ident("a column name")?;
            self.bump();
            let value = self.expr()?;
            return Ok(Assign { names: vec![name], value, span: self.span_from(start) });
        }
        if self.at(TokenKind::LParen) && self.at_name_tuple() {
            self.bump();
            let names = self.comma_list(|p| p.ident("a column name"))?;
            self.expect(TokenKind::RParen, "`)`")?;
            self.expect(TokenKind::Eq, "`=`")?;
            let value = self.expr()?;
            return Ok(Assign { names, value, span: self.span_from(start) });
        }
        let value = self.expr()?;
        Ok(Assign { names: Vec::new(), value, span: self.span_from(start) })
    }

    /// Whether `(a, b, ...) =` starts here.
    fn at_name_tuple(&self) -> bool {
        let mut n = 1;
        loop {
            if !matches!(self.nth_kind(n), TokenKind::Ident | TokenKind::QuotedIdent) {
                return false;
            }
            match self.nth_kind(n + 1) {
                TokenKind::Comma => n += 2,
                TokenKind::RParen => return self.nth_kind(n + 2) == TokenKind::Eq,
                _ => return false,
            }
        }
    }

    /// A comma list of [`assign`](Self::assign) items.
    pub(super) fn assigns(&mut self) -> PResult<Vec<Assign>> {
        self.comma_list(|p| p.assign())
    }
}
