//! `make-series`, `scan`, and the operators that start a query (`range`,
//! `print`, `datatable`, `externaldata`, `inline_external_table`, and `union`, `find`, `search`,
//! `evaluate` without input).

use super::{PResult, Parser};
use crate::ast::{MakeSeries, Operator, OperatorKind, Scan, ScanStep, SeriesAggregate};
use crate::lexer::TokenKind;
use crate::words::is_operator_word;

impl<'a> Parser<'a> {
    pub(super) fn make_series(&mut self) -> PResult<MakeSeries> {
        let options = self.options(&["kind", "hint.*"])?;
        let aggregates = self.comma_list(|p| {
            let value = p.assign()?;
            let default = if p.at_word("default") && p.nth_kind(1) == TokenKind::Eq {
                p.bump();
                p.bump();
                Some(p.expr()?)
            } else {
                None
            };
            Ok(SeriesAggregate { value, default })
        })?;
        self.expect_word("on")?;
        let on = self.expr()?;
        let (from, to, step, in_range) = if self.at_word("in") && self.nth_is_word(1, "range") {
            self.bump();
            self.bump();
            let args = self.call_args()?;
            if args.len() != 3 || args.iter().any(|a| a.name.is_some()) {
                let span = self.span_from(on.span);
                self.push(crate::diagnostic::Diagnostic::new(
                    crate::codes::EXPECTED,
                    span,
                    "`in range(...)` takes three arguments: start, stop, step",
                ));
                return Err(super::Fail);
            }
            let mut it = args.into_iter().map(|a| a.value);
            let (a, b, c) = (it.next(), it.next(), it.next());
            (a, b, c.ok_or(super::Fail)?, true)
        } else {
            let from = if self.eat_word("from").is_some() { Some(self.expr()?) } else { None };
            let to = if self.eat_word("to").is_some() { Some(self.expr()?) } else { None };
            self.expect_word("step")?;
            (from, to, self.expr()?, false)
        };
        let by = if self.eat_word("by").is_some() { self.assigns()? } else { Vec::new() };
        Ok(MakeSeries { options, aggregates, on, from, to, step, in_range, by })
    }

    pub(super) fn scan(&mut self) -> PResult<Scan> {
        let options = self.options(&["with_match_id", "kind"])?;
        let declare = if self.eat_word("declare").is_some() {
            self.expect(TokenKind::LParen, "`(` after `declare`")?;
            let params = self.comma_list(|p| p.param())?;
            self.expect(TokenKind::RParen, "`)`")?;
            params
        } else {
            Vec::new()
        };
        self.expect_word("with")?;
        self.expect(TokenKind::LParen, "`(` to open the steps")?;
        let mut steps = Vec::new();
        while self.at_word("step") {
            let start = self.bump().span;
            let name = self.ident("a step name")?;
            let _optional = self.eat_word("optional");
            let options = self.options(&["output"])?;
            self.expect(TokenKind::Colon, "`:` before the step condition")?;
            let condition = self.expr()?;
            let assigns = if self.eat(TokenKind::FatArrow).is_some() { self.assigns()? } else { Vec::new() };
            self.expect(TokenKind::Semi, "`;` to end the step")?;
            steps.push(ScanStep { name, options, condition, assigns, span: self.span_from(start) });
        }
        if steps.is_empty() {
            return Err(self.expected("`step Name: Condition;`"));
        }
        self.expect(TokenKind::RParen, "`)` or another `step`")?;
        Ok(Scan { options, declare, steps })
    }

    /// A tabular operator that starts a query, when one is here.
    pub(super) fn source_operator(&mut self) -> PResult<Option<Operator>> {
        if let Some((w, 3)) = self.compound_word()
            && w == "macro-expand"
        {
            let start = self.tok().span;
            for _ in 0..3 {
                self.bump();
            }
            let kind = self.macro_expand()?;
            return Ok(Some(Operator { kind, span: self.span_from(start) }));
        }
        let word = self.text();
        let next = self.nth(1);
        let next_word = if next.kind == TokenKind::Ident { self.text_of(next) } else { "" };
        let next_is_operand_start = matches!(
            next.kind,
            TokenKind::Ident
                | TokenKind::QuotedIdent
                | TokenKind::String
                | TokenKind::Int
                | TokenKind::Real
                | TokenKind::Timespan
                | TokenKind::TypedLiteral
                | TokenKind::LParen
                | TokenKind::Minus
                | TokenKind::Plus
                | TokenKind::Star
        ) && (!is_operator_word(next_word)
            // `union or*`: an operator word glued to `*` is a table pattern.
            || (self.nth_kind(2) == TokenKind::Star && !self.nth(2).spaced));
        let is_source = match word {
            "print" => next_is_operand_start,
            "range" => matches!(next.kind, TokenKind::Ident | TokenKind::QuotedIdent) && self.nth_is_word(2, "from"),
            "datatable" | "externaldata" | "external_data" => {
                next.kind == TokenKind::LParen || (next.kind == TokenKind::Ident && self.nth_kind(2) == TokenKind::Eq)
            }
            "inline_external_table" => next.kind == TokenKind::LParen || next_word == "kind",
            "union" => next_is_operand_start && !matches!(next.kind, TokenKind::Minus | TokenKind::Plus),
            "search" | "find" => {
                next_is_operand_start || matches!(next_word, "in" | "kind" | "withsource" | "with_source" | "datascope")
            }
            "evaluate" => {
                matches!(next.kind, TokenKind::Ident | TokenKind::QuotedIdent)
                    && matches!(self.nth_kind(2), TokenKind::LParen | TokenKind::Dot)
            }
            _ => false,
        };
        if !is_source {
            return Ok(None);
        }
        let start = self.bump().span;
        let kind = match word {
            "print" => OperatorKind::Print(self.assigns()?),
            "range" => {
                let column = self.ident("a column name")?;
                self.expect_word("from")?;
                let from = self.expr()?;
                self.expect_word("to")?;
                let to = self.expr()?;
                self.expect_word("step")?;
                OperatorKind::Range { column, from, to, step: self.expr()? }
            }
            "datatable" => {
                let _ = self.options(&["hint.*"])?;
                let schema = self.column_decls()?;
                if let Some(one) = self.bracketed_single_string() {
                    return Ok(Some(Operator {
                        kind: OperatorKind::Datatable { schema, values: vec![one] },
                        span: self.span_from(start),
                    }));
                }
                self.expect(TokenKind::LBracket, "`[` and the values")?;
                let mut values = Vec::new();
                self.eat(TokenKind::Comma);
                while !self.at(TokenKind::RBracket) {
                    values.push(self.expr()?);
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
                self.expect(TokenKind::RBracket, "`,` or `]` after the value")?;
                OperatorKind::Datatable { schema, values }
            }
            "externaldata" | "external_data" => {
                let _ = self.options(&["kind"])?;
                let schema = self.column_decls()?;
                let mut uris = Vec::new();
                if let Some(one) = self.bracketed_single_string() {
                    uris.push(one);
                } else if self.eat(TokenKind::LBracket).is_some() {
                    uris = self.comma_list(|p| p.expr())?;
                    self.expect(TokenKind::RBracket, "`]` after the storage URIs")?;
                }
                let properties = if self.eat_word("with").is_some() {
                    self.expect(TokenKind::LParen, "`(` after `with`")?;
                    let props =
                        if self.at(TokenKind::RParen) { Vec::new() } else { self.comma_list(|p| p.free_option())? };
                    self.expect(TokenKind::RParen, "`)`")?;
                    props
                } else {
                    Vec::new()
                };
                OperatorKind::Externaldata { schema, uris, properties }
            }
            "inline_external_table" => OperatorKind::InlineExternalTable(Box::new(self.inline_external_table(start)?)),
            "union" => OperatorKind::Union(self.union_body()?),
            "search" => OperatorKind::Search(self.search_body()?),
            "find" => OperatorKind::Find(self.find_body()?),
            _ => OperatorKind::Evaluate(self.evaluate()?),
        };
        Ok(Some(Operator { kind, span: self.span_from(start) }))
    }

    /// `["x"]` lexed as a bracketed name where a one-string list is meant.
    fn bracketed_single_string(&mut self) -> Option<crate::ast::Expr> {
        if !self.at(TokenKind::QuotedIdent) {
            return None;
        }
        let t = self.bump();
        let s = self.quoted_ident_text(t);
        Some(crate::ast::Expr { kind: crate::ast::ExprKind::Literal(crate::ast::Literal::String(s)), span: t.span })
    }
}
