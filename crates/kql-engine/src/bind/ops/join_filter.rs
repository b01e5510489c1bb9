//! The `where` after an `innerunique` join that Kusto applies to the left
//! side before the join keeps one left row per key (join-innerunique.md:
//! a filter on the left side's columns is propagated there, so a row it
//! keeps is the one deduplicated). Only the terms of an `and` chain that
//! read nothing but left columns, with functions whose value depends on the
//! row alone, move; the `where` itself still runs after the join.

use kql_syntax::ast::{self, BinaryOp, ExprKind};

use crate::bind::{BResult, Binder, Tab};

/// Deepest expression looked into; a deeper term stays after the join.
const MAX_DEPTH: usize = 64;

/// Functions whose value is not one of the row's alone (window functions,
/// random values): a term that calls one does not move.
const ROW_DEPENDENT: &[&str] = &[
    "rand",
    "new_guid",
    "row_number",
    "row_cumsum",
    "row_rank_dense",
    "row_rank_min",
    "row_window_session",
    "prev",
    "next",
];

impl Binder<'_> {
    /// `left` filtered by the terms of the `where` operators at the start of
    /// `after` that read only its columns.
    pub(crate) fn left_filters(&mut self, mut left: Tab, after: &[ast::Operator]) -> BResult<Tab> {
        for op in after {
            let ast::OperatorKind::Where(p) = &op.kind else { break };
            for term in crate::bind::expr::chain_terms(p, BinaryOp::And) {
                let cols: Vec<String> = left.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
                if self.left_only(term, &cols) {
                    let filter = ast::Operator { kind: ast::OperatorKind::Where(term.clone()), span: op.span };
                    left = self.operator(left, &filter)?;
                }
            }
        }
        Ok(left)
    }

    /// Whether `e` reads only columns in `cols` through functions of the row.
    fn left_only(&self, e: &ast::Expr, cols: &[String]) -> bool {
        let mut todo = vec![(e, 0usize)];
        while let Some((e, depth)) = todo.pop() {
            if depth > MAX_DEPTH {
                return false;
            }
            let d = depth.saturating_add(1);
            match &e.kind {
                ExprKind::Literal(_) => {}
                ExprKind::Name(id) => {
                    if !cols.contains(&id.name) {
                        return false;
                    }
                }
                ExprKind::Member { target, .. } => todo.push((target, d)),
                ExprKind::Index { target, index } => {
                    todo.push((target, d));
                    todo.push((index, d));
                }
                ExprKind::Call { func, args } => {
                    let ExprKind::Name(f) = &func.kind else { return false };
                    if ROW_DEPENDENT.contains(&f.name.as_str()) || self.lookup(&f.name).is_some() {
                        return false;
                    }
                    todo.extend(args.iter().map(|a| (&a.value, d)));
                }
                ExprKind::Unary { operand, .. } => todo.push((operand, d)),
                ExprKind::Binary { lhs, rhs, .. } => {
                    todo.push((lhs, d));
                    todo.push((rhs, d));
                }
                ExprKind::InList { lhs, items, .. } => {
                    todo.push((lhs, d));
                    todo.extend(items.iter().map(|i| (i, d)));
                }
                ExprKind::Between { lhs, low, high, .. } => {
                    todo.push((lhs, d));
                    todo.push((low, d));
                    todo.push((high, d));
                }
                _ => return false,
            }
        }
        true
    }
}
