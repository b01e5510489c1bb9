//! `project-rename` and `project-reorder`, whose items are not plain
//! expressions.

use super::{PResult, Parser};
use crate::ast::{Assign, ExprKind, ReorderItem};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;

impl<'a> Parser<'a> {
    /// `New = Old, ...`.
    pub(super) fn project_rename(&mut self) -> PResult<Vec<Assign>> {
        self.comma_list(|p| {
            let start = p.tok().span;
            let new = p.ident("the new column name")?;
            if !p.at(TokenKind::Eq) {
                let t = p.tok();
                let found = p.describe(t);
                p.push(
                    Diagnostic::new(codes::EXPECTED, t.span, format!("expected `=` after the new name, found {found}"))
                        .with_label("expected `=`")
                        .with_help("write `project-rename NewName = OldName`"),
                );
                return Err(super::Fail);
            }
            p.bump();
            let old = p.ident("the existing column name")?;
            let value = crate::ast::Expr { span: old.span, kind: ExprKind::Name(old) };
            Ok(Assign { names: vec![new], value, span: p.span_from(start) })
        })
    }

    /// `Col|Pattern [asc|desc|granny-asc|granny-desc], ...`.
    pub(super) fn project_reorder(&mut self) -> PResult<Vec<ReorderItem>> {
        self.comma_list(|p| {
            let column = p.name_pattern()?;
            let order = match p.compound_word() {
                Some((w, n)) if matches!(w.as_str(), "asc" | "desc" | "granny-asc" | "granny-desc") => {
                    let start = p.tok().span;
                    for _ in 0..n {
                        p.bump();
                    }
                    Some(crate::ast::Ident { name: w, span: p.span_from(start) })
                }
                _ => None,
            };
            Ok(ReorderItem { column, order })
        })
    }
}
