//! Operators with sub-queries that have an implicit source: `fork`,
//! `facet ... with`, `partition`, and `mv-apply ... on` (which shares
//! [`paren_subquery`](Parser::paren_subquery)).

use super::{PResult, Parser};
use crate::ast::{ExprKind, ForkBranch, Operator, OperatorKind, Partition, PartitionBody};
use crate::lexer::TokenKind;

impl<'a> Parser<'a> {
    /// `op | op ...` with no source, up to (not including) the closing token.
    fn subquery_ops(&mut self) -> PResult<Vec<Operator>> {
        self.enter()?;
        let mut ops = vec![self.operator_recovering()];
        while self.eat(TokenKind::Pipe).is_some() {
            ops.push(self.operator_recovering());
        }
        self.leave();
        Ok(ops)
    }

    /// `( op | op ... )`.
    pub(super) fn paren_subquery(&mut self) -> PResult<Vec<Operator>> {
        self.expect(TokenKind::LParen, "`(` to open the sub-query")?;
        let ops = self.subquery_ops()?;
        self.expect(TokenKind::RParen, "`)` to close the sub-query")?;
        Ok(ops)
    }

    pub(super) fn facet(&mut self) -> PResult<OperatorKind> {
        self.expect_by("facet")?;
        let columns = self.comma_list(|p| p.expr())?;
        let with = if self.eat_word("with").is_some() {
            if self.at(TokenKind::LParen) { Some(self.paren_subquery()?) } else { Some(vec![self.operator()?]) }
        } else {
            None
        };
        Ok(OperatorKind::Facet { columns, with })
    }

    pub(super) fn fork(&mut self) -> PResult<OperatorKind> {
        let mut branches = Vec::new();
        loop {
            let name = if self.at_name() && self.nth_kind(1) == TokenKind::Eq {
                let n = self.ident("a branch name")?;
                self.bump();
                Some(n)
            } else {
                None
            };
            if !self.at(TokenKind::LParen) {
                if name.is_some() || branches.is_empty() {
                    return Err(self.expected("`(` and a sub-query"));
                }
                break;
            }
            let ops = self.paren_subquery()?;
            branches.push(ForkBranch { name, ops });
        }
        Ok(OperatorKind::Fork(branches))
    }

    pub(super) fn partition(&mut self) -> PResult<Partition> {
        let options = self.options(&["hint.*"])?;
        self.expect_by("partition")?;
        let by = self.ident("the partition column")?;
        let by = crate::ast::Expr { span: by.span, kind: ExprKind::Name(by) };
        let body = if self.at(TokenKind::LBrace) {
            self.bump();
            let q = self.pipe_expr()?;
            self.expect(TokenKind::RBrace, "`}` to close the sub-query")?;
            PartitionBody::Query(Box::new(q))
        } else {
            PartitionBody::Operators(self.paren_subquery()?)
        };
        Ok(Partition { options, by, body })
    }
}
