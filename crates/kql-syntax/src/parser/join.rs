//! Operators that combine or reshape tables: `union`, `join`, `lookup`,
//! `mv-expand` and `mv-apply`.

use super::{PResult, Parser};
use crate::ast::{ExpandItem, Join, MvApply, MvExpand, TypeName, Union};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;

const UNION_OPTIONS: &[&str] = &["kind", "withsource", "with_source", "isfuzzy", "best_effort", "hint.*"];

impl<'a> Parser<'a> {
    /// `[options] Table, ...` after `union`.
    pub(super) fn union_body(&mut self) -> PResult<Union> {
        let options = self.options(UNION_OPTIONS)?;
        let tables = self.comma_list(|p| p.name_pattern())?;
        Ok(Union { options, tables })
    }

    /// `[options] Right on Cond, ...` after `join` or `lookup`.
    pub(super) fn join_body(&mut self, allowed: &[&str]) -> PResult<Join> {
        let options = self.options(allowed)?;
        let right = self.expr()?;
        if !self.at_word("on") {
            let t = self.tok();
            let found = self.describe(t);
            self.push(
                Diagnostic::new(codes::EXPECTED, t.span, format!("expected `on` and the join keys, found {found}"))
                    .with_label("expected `on`")
                    .with_help("write `join (Right) on Key` or `on $left.A == $right.B`"),
            );
            return Err(super::Fail);
        }
        self.bump();
        let on = self.comma_list(|p| p.expr())?;
        Ok(Join { options, right, on })
    }

    /// `[Name =] Expr [to typeof(Type)]`.
    fn expand_item(&mut self) -> PResult<ExpandItem> {
        let value = self.assign()?;
        let to = if self.at_word("to") && self.nth_is_word(1, "typeof") {
            self.bump();
            self.bump();
            self.expect(TokenKind::LParen, "`(` after `typeof`")?;
            let ty: TypeName = self.type_name()?;
            self.expect(TokenKind::RParen, "`)`")?;
            Some(ty)
        } else {
            None
        };
        Ok(ExpandItem { value, to })
    }

    pub(super) fn mv_expand(&mut self, legacy: bool) -> PResult<MvExpand> {
        let options = self.options(&["bagexpansion", "with_itemindex", "kind"])?;
        let items = self.comma_list(|p| p.expand_item())?;
        let limit = if self.eat_word("limit").is_some() { Some(self.expr()?) } else { None };
        Ok(MvExpand { options, items, limit, legacy })
    }

    pub(super) fn mv_apply(&mut self) -> PResult<MvApply> {
        let options = self.options(&["with_itemindex"])?;
        let items = self.comma_list(|p| p.expand_item())?;
        let limit = if self.eat_word("limit").is_some() { Some(self.expr()?) } else { None };
        if self.eat_word("on").is_none() {
            let t = self.tok();
            let found = self.describe(t);
            self.push(
                Diagnostic::new(codes::EXPECTED, t.span, format!("expected `on (sub-query)`, found {found}"))
                    .with_label("expected `on`")
                    .with_help("write `mv-apply Col on (summarize ...)`"),
            );
            return Err(super::Fail);
        }
        let on = self.paren_subquery()?;
        Ok(MvApply { options, items, limit, on })
    }
}
