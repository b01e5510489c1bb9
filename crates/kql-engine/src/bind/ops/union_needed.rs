//! Which columns of the documented tables (no rows) a `union` wildcard
//! must carry. Kusto's union carries every column of every table it reads;
//! over all the documented tables that is thousands of columns, which only
//! the output shows when nothing after the union narrows it. When the
//! operators after the union reach one that keeps only the columns it names
//! (`summarize`, `project`, `distinct`, `count`) through operators that read
//! columns by name alone, a documented table's column that none of them
//! names would be dropped there: it is left out from the start, and the
//! result is the same.

use std::collections::HashSet;

use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, Operator, OperatorKind};

/// The words the operators of `after` up to the first that narrows the
/// columns mention (names, and the words inside strings, as
/// `column_ifexists("Name", ...)` writes them); `None` when every column
/// must be carried: no such operator, or one before it that may read
/// columns not by name (`*`, `pack_all`, `project-away`, ...).
pub(super) fn needed_words(after: &[Operator]) -> Option<HashSet<String>> {
    let mut upto = None;
    for (i, op) in after.iter().enumerate() {
        match &op.kind {
            OperatorKind::Summarize(_) | OperatorKind::Project(_) | OperatorKind::Count => {
                upto = Some(i);
                break;
            }
            OperatorKind::Distinct(items) if !items.is_empty() => {
                upto = Some(i);
                break;
            }
            OperatorKind::Where(_)
            | OperatorKind::Extend(_)
            | OperatorKind::Sort(_)
            | OperatorKind::Take(_)
            | OperatorKind::Top { .. }
            | OperatorKind::ProjectRename(_)
            | OperatorKind::Serialize(_) => {}
            _ => return None,
        }
    }
    let upto = upto?;
    let ops = after.get(..=upto)?.to_vec();
    let text = kql_syntax::print_expr(&ast::Expr {
        kind: ExprKind::Pipeline {
            source: Box::new(ast::Expr {
                kind: ExprKind::Name(ast::Ident { name: "T".into(), span: Span::default() }),
                span: Span::default(),
            }),
            ops,
        },
        span: Span::default(),
    });
    if text.contains('*') {
        return None;
    }
    let words: HashSet<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.contains("pack_all") || words.contains("bag_pack_columns") {
        return None;
    }
    Some(words)
}

/// Whether a documented table's column `name` must be carried, given the
/// words the operators after the union mention.
pub(super) fn carried(name: &str, words: Option<&HashSet<String>>) -> bool {
    match words {
        None => true,
        // A name that is not one word could be split in the text: carried.
        // `X_long` names the `long` one of columns `X` of differing types.
        Some(w) => {
            w.contains(name)
                || w.iter().any(|w| w.strip_prefix(name).is_some_and(|rest| rest.starts_with('_')))
                || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
        }
    }
}
