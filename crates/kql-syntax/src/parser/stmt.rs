//! Statements (`let`, `set`, `declare`, `alias`, `restrict`, expression
//! statements) and function definitions.

use super::{PResult, Parser};
use crate::ast::{
    AliasStmt, ColumnDecl, DeclareStmt, Expr, ExprKind, Lambda, LetStmt, Param, ParamType, Query, RestrictStmt,
    SetStmt, Statement, TableSchema,
};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::span::Span;

impl<'a> Parser<'a> {
    pub(super) fn query(&mut self) -> Query {
        let statements = self.statements(TokenKind::Eof);
        Query { statements, span: Span::new(0, self.src.len()) }
    }

    /// Statements separated by `;` up to `end` (not consumed).
    pub(super) fn statements(&mut self, end: TokenKind) -> Vec<Statement> {
        let mut out = Vec::new();
        loop {
            while self.eat(TokenKind::Semi).is_some() {}
            if self.at(end) || self.at(TokenKind::Eof) {
                break;
            }
            let before = self.pos;
            let was_let = self.at_word("let");
            match self.statement() {
                Ok(s) => out.push(s),
                Err(_) => self.recover(before),
            }
            if self.at(TokenKind::Semi) || self.at(end) || self.at(TokenKind::Eof) {
                continue;
            }
            // Something is left over: say so once, then skip to the next statement.
            let found = self.describe(self.tok());
            let after = if self.at(TokenKind::Pipe) { "" } else { "; a new statement needs `;` before it" };
            let span = self.tok().span;
            if self.at(TokenKind::RParen) || self.at(TokenKind::RBracket) || self.at(TokenKind::RBrace) {
                self.push(
                    Diagnostic::new(codes::EXPECTED, span, format!("unmatched {found}"))
                        .with_label("nothing opened this"),
                );
                self.bump();
            } else if !matches!(self.kind(), TokenKind::Error) {
                let mut d = Diagnostic::new(
                    codes::EXPECTED,
                    span,
                    format!("expected `|`, `;` or the end of the query, found {found}"),
                )
                .with_label(format!("unexpected here{after}"));
                if was_let {
                    d = d.with_help("end the `let` statement with `;`");
                }
                self.push(d);
            }
            self.recover(before);
            if self.pos == before {
                self.bump();
            }
            // A stray `|` starts nothing: skip it with the broken statement.
            if self.at(TokenKind::Pipe) {
                while !matches!(self.kind(), TokenKind::Semi | TokenKind::Eof) && !self.at(end) {
                    self.bump();
                    self.recover(before);
                }
            }
        }
        out
    }

    fn statement(&mut self) -> PResult<Statement> {
        if self.at_word("let") && self.at_name_n(1) {
            return self.let_stmt().map(Statement::Let);
        }
        if self.at_word("set") && self.nth_kind(1) == TokenKind::Ident && !self.nth_is_word(1, "by") {
            return self.set_stmt().map(Statement::Set);
        }
        if self.at_word("declare") && self.nth_is_word(1, "query_parameters") {
            return self.declare_stmt().map(Statement::DeclareQueryParameters);
        }
        if self.at_word("declare") && self.nth_is_word(1, "pattern") {
            return self.pattern_stmt().map(Statement::Pattern);
        }
        if self.at_word("alias") && self.nth_is_word(1, "database") {
            let start = self.bump().span;
            self.bump();
            let name = self.ident("an alias name")?;
            self.expect(TokenKind::Eq, "`=`")?;
            let value = self.pipe_expr()?;
            return Ok(Statement::Alias(AliasStmt { name, value, span: self.span_from(start) }));
        }
        if self.at_word("restrict") && self.nth_is_word(1, "access") {
            let start = self.bump().span;
            self.bump();
            self.expect_word("to")?;
            self.expect(TokenKind::LParen, "`(`")?;
            let entities = self.comma_list(|p| p.name_pattern())?;
            self.expect(TokenKind::RParen, "`)`")?;
            return Ok(Statement::Restrict(RestrictStmt { entities, span: self.span_from(start) }));
        }
        if self.at(TokenKind::Pipe) {
            let span = self.tok().span;
            self.push(
                Diagnostic::new(codes::EXPECTED, span, "expected a table or expression before `|`")
                    .with_label("nothing to pipe from")
                    .with_help("start the query with a table name, for example `DeviceProcessEvents | ...`"),
            );
            // Read the operators anyway, to report their own mistakes.
            let _ = self.pipe_ops();
            return Err(super::Fail);
        }
        self.pipe_expr().map(Statement::Expr)
    }

    fn at_name_n(&self, n: usize) -> bool {
        matches!(self.nth_kind(n), TokenKind::Ident | TokenKind::QuotedIdent)
    }

    fn let_stmt(&mut self) -> PResult<LetStmt> {
        let start = self.bump().span;
        let name = self.ident("a name after `let`")?;
        if !self.at(TokenKind::Eq) {
            return Err(self.expected("`=` after the name in `let`"));
        }
        self.bump();
        let value = if self.at_lambda() { self.lambda()? } else { self.pipe_expr()? };
        Ok(LetStmt { name, value, span: self.span_from(start) })
    }

    /// Whether a function definition starts here: `(params) {` or `view (`.
    fn at_lambda(&self) -> bool {
        if self.at_word("view") && self.nth_kind(1) == TokenKind::LParen {
            return true;
        }
        if !self.at(TokenKind::LParen) {
            return false;
        }
        let mut depth = 0;
        let mut i = self.pos;
        while i < self.tokens.len() {
            match self.tokens[i].kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return self.tokens.get(i + 1).is_some_and(|t| t.kind == TokenKind::LBrace);
                    }
                }
                TokenKind::Eof => return false,
                TokenKind::Semi | TokenKind::Pipe if depth == 1 => return false,
                _ => {}
            }
            i += 1;
        }
        false
    }

    pub(super) fn lambda(&mut self) -> PResult<Expr> {
        let start = self.tok().span;
        let view = self.eat_word("view").is_some();
        self.expect(TokenKind::LParen, "`(` to open the parameter list")?;
        let params = if self.at(TokenKind::RParen) { Vec::new() } else { self.comma_list(|p| p.param())? };
        self.expect(TokenKind::RParen, "`)` to close the parameter list")?;
        self.expect(TokenKind::LBrace, "`{` to open the function body")?;
        self.enter()?;
        let body = self.statements(TokenKind::RBrace);
        self.leave();
        self.expect(TokenKind::RBrace, "`}` to close the function body")?;
        let span = self.span_from(start);
        Ok(Expr { kind: ExprKind::Lambda(Lambda { view, params, body }), span })
    }

    /// `Name:Type [= Default]` or `Name:(schema)`.
    pub(super) fn param(&mut self) -> PResult<Param> {
        let name = self.ident("a parameter name")?;
        self.expect(TokenKind::Colon, "`:` and a type after the parameter name")?;
        let ty = if self.at(TokenKind::LParen) {
            ParamType::Tabular(self.table_schema()?)
        } else {
            ParamType::Scalar(self.type_name()?)
        };
        let default = if self.eat(TokenKind::Eq).is_some() { Some(self.expr()?) } else { None };
        Ok(Param { span: self.span_from(name.span), name, ty, default })
    }

    /// `(*)`, `(a:string, b:long)` or `(a:string, *)`.
    pub(super) fn table_schema(&mut self) -> PResult<TableSchema> {
        let start = self.expect(TokenKind::LParen, "`(` to open a schema")?.span;
        let mut columns = Vec::new();
        let mut open = false;
        if !self.at(TokenKind::RParen) {
            loop {
                if self.eat(TokenKind::Star).is_some() {
                    open = true;
                } else {
                    columns.push(self.column_decl()?);
                }
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(TokenKind::RParen, "`)` to close the schema")?;
        Ok(TableSchema { columns, open, span: self.span_from(start) })
    }

    /// `Name:Type`.
    pub(super) fn column_decl(&mut self) -> PResult<ColumnDecl> {
        let name = self.ident("a column name")?;
        self.expect(TokenKind::Colon, "`:` and a type after the column name")?;
        let ty = self.type_name()?;
        Ok(ColumnDecl { span: self.span_from(name.span), name, ty })
    }

    /// `(Name:Type, ...)` with no `*`; a trailing comma is allowed, as in Kusto.
    pub(super) fn column_decls(&mut self) -> PResult<Vec<ColumnDecl>> {
        self.expect(TokenKind::LParen, "`(` to open the column list")?;
        let mut cols = Vec::new();
        while !self.at(TokenKind::RParen) {
            cols.push(self.column_decl()?);
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        self.expect(TokenKind::RParen, "`,` or `)` after the column")?;
        Ok(cols)
    }

    fn set_stmt(&mut self) -> PResult<SetStmt> {
        let start = self.bump().span;
        let first = self.ident("an option name")?;
        let mut name = first.name;
        while self.at(TokenKind::Dot) && self.nth_kind(1) == TokenKind::Ident {
            self.bump();
            name.push('.');
            name.push_str(self.text());
            self.bump();
        }
        let name = crate::ast::Ident { name, span: self.span_from(first.span) };
        let value = if self.eat(TokenKind::Eq).is_some() { Some(self.expr()?) } else { None };
        Ok(SetStmt { name, value, span: self.span_from(start) })
    }

    fn declare_stmt(&mut self) -> PResult<DeclareStmt> {
        let start = self.bump().span;
        self.bump();
        self.expect(TokenKind::LParen, "`(`")?;
        let params = if self.at(TokenKind::RParen) { Vec::new() } else { self.comma_list(|p| p.param())? };
        self.expect(TokenKind::RParen, "`)`")?;
        Ok(DeclareStmt { params, span: self.span_from(start) })
    }
}
