//! Cross-database constructs: `declare pattern` statements, `macro-expand`
//! and `entity_group [...]`.

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, OperatorKind, PatternRule, PatternStmt};
use crate::lexer::TokenKind;

impl<'a> Parser<'a> {
    /// `declare pattern Name [= (params)[Path:type] { rules }]`.
    pub(super) fn pattern_stmt(&mut self) -> PResult<PatternStmt> {
        let start = self.bump().span; // declare
        self.bump(); // pattern
        let name = self.ident("a pattern name")?;
        let (mut params, mut path, mut rules) = (Vec::new(), None, Vec::new());
        if self.eat(TokenKind::Eq).is_some() {
            self.expect(TokenKind::LParen, "`(` and the pattern's arguments")?;
            params = self.comma_list(|p| p.param())?;
            self.expect(TokenKind::RParen, "`)`")?;
            if self.eat(TokenKind::LBracket).is_some() {
                path = Some(self.column_decl()?);
                self.expect(TokenKind::RBracket, "`]` after the path declaration")?;
            }
            self.expect(TokenKind::LBrace, "`{` and the pattern's rules")?;
            while self.at(TokenKind::LParen) {
                rules.push(self.pattern_rule()?);
                self.expect(TokenKind::Semi, "`;` after the rule")?;
            }
            self.expect(TokenKind::RBrace, "`}` or another `(values) = { ... };` rule")?;
        }
        Ok(PatternStmt { name, params, path, rules, span: self.span_from(start) })
    }

    fn pattern_rule(&mut self) -> PResult<PatternRule> {
        self.bump(); // (
        let args = self.comma_list(|p| p.expr())?;
        self.expect(TokenKind::RParen, "`)` after the rule's values")?;
        let path = if self.eat(TokenKind::Dot).is_some() {
            if self.at(TokenKind::QuotedIdent) {
                let t = self.bump();
                let s = self.quoted_ident_text(t);
                Some(Expr { kind: ExprKind::Literal(crate::ast::Literal::String(s)), span: t.span })
            } else {
                self.expect(TokenKind::LBracket, "`[` and the path value")?;
                let e = self.expr()?;
                self.expect(TokenKind::RBracket, "`]`")?;
                Some(e)
            }
        } else {
            None
        };
        self.expect(TokenKind::Eq, "`=` and the rule's body")?;
        self.expect(TokenKind::LBrace, "`{` to open the rule's body")?;
        self.enter()?;
        let body = self.statements(TokenKind::RBrace);
        self.leave();
        self.expect(TokenKind::RBrace, "`}` to close the rule's body")?;
        Ok(PatternRule { args, path, body })
    }

    /// `entity_group [Entity, ...]`.
    pub(super) fn entity_group(&mut self) -> PResult<Expr> {
        let start = self.bump().span;
        // `entity_group ["x"]` lexes as a bracketed name: one string entity.
        if self.at(TokenKind::QuotedIdent) {
            let t = self.bump();
            let s = self.quoted_ident_text(t);
            let item = Expr { kind: ExprKind::Literal(crate::ast::Literal::String(s)), span: t.span };
            return Ok(Expr { kind: ExprKind::EntityGroup(vec![item]), span: self.span_from(start) });
        }
        self.expect(TokenKind::LBracket, "`[` and the entities")?;
        let items = self.comma_list(|p| p.expr())?;
        self.expect(TokenKind::RBracket, "`]` after the entities")?;
        Ok(Expr { kind: ExprKind::EntityGroup(items), span: self.span_from(start) })
    }

    /// `[options] Group as Name ( statements )` after `macro-expand`.
    pub(super) fn macro_expand(&mut self) -> PResult<OperatorKind> {
        let options = self.options(&["kind", "isfuzzy", "hint.*"])?;
        let group = if self.at_word("entity_group") && self.nth_kind(1) == TokenKind::LBracket {
            self.entity_group()?
        } else {
            self.unary_expr()?
        };
        self.expect_word("as")?;
        let alias = self.ident("a name for each entity")?;
        self.expect(TokenKind::LParen, "`(` to open the body")?;
        self.enter()?;
        let body = self.statements(TokenKind::RParen);
        self.leave();
        self.expect(TokenKind::RParen, "`)` to close the body")?;
        Ok(OperatorKind::MacroExpand { options, group, alias, body })
    }
}
