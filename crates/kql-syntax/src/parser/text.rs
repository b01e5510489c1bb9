//! Operators that read text: `parse`, `parse-where`, `parse-kv`, `search`
//! and `find`.

use super::{PResult, Parser};
use crate::ast::{Expr, Find, FindColumn, FindProject, Parse, ParseKv, ParsePart, Search};
use crate::lexer::TokenKind;

impl<'a> Parser<'a> {
    /// `[kind=.. [flags=..]] Expr with Pattern` after `parse`/`parse-where`.
    pub(super) fn parse_op(&mut self, where_: bool) -> PResult<Parse> {
        let options = self.options(&["kind", "flags"])?;
        let source = self.expr()?;
        if self.eat_word("with").is_none() {
            return Err(self.expected("`with` and the pattern"));
        }
        let mut pattern = Vec::new();
        loop {
            match self.kind() {
                TokenKind::Star => {
                    self.bump();
                    pattern.push(ParsePart::Star);
                }
                TokenKind::String => pattern.push(ParsePart::Text(self.string_literal()?)),
                TokenKind::Ident | TokenKind::QuotedIdent => {
                    let name = self.ident("a column name")?;
                    let ty = if self.eat(TokenKind::Colon).is_some() { Some(self.type_name()?) } else { None };
                    pattern.push(ParsePart::Column { name, ty });
                }
                // The docs write commas between items; Kusto does not need them.
                TokenKind::Comma => {
                    self.bump();
                }
                _ => break,
            }
        }
        if pattern.is_empty() {
            return Err(self.expected("a pattern after `with` (strings, column names and `*`)"));
        }
        Ok(Parse { where_, options, source, pattern })
    }

    /// `Expr as (Keys) [with (props)]` after `parse-kv`.
    pub(super) fn parse_kv(&mut self) -> PResult<ParseKv> {
        let source = self.expr()?;
        self.expect_word("as")?;
        let keys = self.column_decls()?;
        let options = if self.eat_word("with").is_some() {
            self.expect(TokenKind::LParen, "`(` after `with`")?;
            let opts = if self.at(TokenKind::RParen) { Vec::new() } else { self.comma_list(|p| p.free_option())? };
            self.expect(TokenKind::RParen, "`)`")?;
            opts
        } else {
            Vec::new()
        };
        Ok(ParseKv { source, keys, options })
    }

    /// `in (Table, ...)` of `search` and `find`.
    fn in_tables(&mut self) -> PResult<Option<Vec<Expr>>> {
        if !(self.at_word("in") && self.nth_kind(1) == TokenKind::LParen) {
            return Ok(None);
        }
        self.bump();
        self.bump();
        let tables = self.comma_list(|p| p.name_pattern())?;
        self.expect(TokenKind::RParen, "`)` after the tables")?;
        Ok(Some(tables))
    }

    /// A predicate where `Col:"term"` is allowed.
    fn search_predicate(&mut self) -> PResult<Expr> {
        let saved = self.search_terms;
        self.search_terms = true;
        let r = self.expr();
        self.search_terms = saved;
        r
    }

    /// `[kind=..] [in (Tables)] Predicate` after `search`.
    pub(super) fn search_body(&mut self) -> PResult<Search> {
        let options = self.options(&["kind", "datascope"])?;
        let tables = self.in_tables()?;
        let predicate = self.search_predicate()?;
        Ok(Search { options, tables, predicate })
    }

    /// `[options] [in (Tables)] [where] Predicate [project-smart | project ...]`.
    pub(super) fn find_body(&mut self) -> PResult<Find> {
        let options = self.options(&["withsource", "with_source", "datascope", "kind", "hint.*"])?;
        let tables = self.in_tables()?;
        self.eat_word("where");
        let predicate = self.search_predicate()?;
        let project = match self.compound_word() {
            Some((w, 3)) if w == "project-smart" => {
                for _ in 0..3 {
                    self.bump();
                }
                Some(FindProject::Smart)
            }
            Some((w, 1)) if w == "project" => {
                self.bump();
                let cols = self.comma_list(|p| {
                    let expr = p.expr()?;
                    let ty = if p.eat(TokenKind::Colon).is_some() { Some(p.type_name()?) } else { None };
                    Ok(FindColumn { expr, ty })
                })?;
                Some(FindProject::Columns(cols))
            }
            _ => None,
        };
        Ok(Find { options, tables, predicate, project })
    }
}
