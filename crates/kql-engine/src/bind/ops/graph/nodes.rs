//! The node functions of `graph-match` (node-id.md, node-degree-in.md,
//! node-degree-out.md): `node_id(v)`, `node_degree_in(v)`,
//! `node_degree_out(v)` of a node variable, or with no argument of the
//! inner node inside `map`/`all`/`any` over `inner_nodes(e)`. Each node's
//! values are hidden columns beside its properties in the tables the clauses
//! read.

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use super::build::Graph;
use crate::bind::{BResult, Binder, Row, Typed};
use crate::error;
use crate::types::KqlType;

/// The functions, with the hidden property each reads.
const FUNCTIONS: &[(&str, &str, KqlType)] = &[
    ("node_id", " node id", KqlType::String),
    ("node_degree_in", " node degree in", KqlType::Long),
    ("node_degree_out", " node degree out", KqlType::Long),
];

/// The hidden properties every node has, with their types.
pub(super) fn hidden_cols() -> impl Iterator<Item = (String, KqlType)> {
    FUNCTIONS.iter().map(|(_, p, t)| (p.to_string(), *t))
}

/// Node `n`'s hidden property values, in `hidden_cols` order.
pub(super) fn hidden_values(g: &Graph, n: usize) -> [ScalarValue; 3] {
    let id = g.node_ids.get(n).filter(|v| !v.is_null()).map(|v| v.to_string());
    let degree = |edges: &Vec<Vec<usize>>| ScalarValue::Int64(edges.get(n).and_then(|e| i64::try_from(e.len()).ok()));
    [ScalarValue::Utf8(id), degree(&g.into), degree(&g.out)]
}

/// Whether `func` names one of the node functions.
pub(crate) fn is_node_function(func: &ast::Expr) -> bool {
    matches!(&func.kind, ExprKind::Name(f) if FUNCTIONS.iter().any(|(n, _, _)| *n == f.name))
}

impl Binder<'_> {
    /// A node function call (`is_node_function`), read from its hidden column.
    #[inline(never)]
    pub(crate) fn node_function(
        &mut self,
        func: &ast::Expr,
        args: &[ast::Arg],
        span: Span,
        row: Row<'_>,
    ) -> BResult<Typed> {
        let ExprKind::Name(f) = &func.kind else {
            return Err(self.error(error::INTERNAL, span, "expected a node function"));
        };
        let Some((name, prop, ty)) = FUNCTIONS.iter().find(|(n, _, _)| *n == f.name) else {
            return Err(self.error(error::INTERNAL, span, "expected a node function"));
        };
        let column = match args {
            [] => prop.to_string(),
            [a] => match &a.value.kind {
                ExprKind::Name(v) if self.is_graph_var(&a.value) => super::property_column(&v.name, prop),
                _ => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        a.value.span,
                        format!("`{name}` takes a node variable of the graph pattern"),
                    ));
                }
            },
            _ => {
                return Err(self.error(error::BAD_ARGUMENTS, span, format!("`{name}` takes at most one argument")));
            }
        };
        if row.schema.fields().iter().any(|f| *f.name() == column) {
            return Ok(Typed { expr: Self::column(&column), ty: *ty });
        }
        let help = if args.is_empty() {
            format!(
                "without an argument, `{name}()` reads the inner node inside `map`, `all` or `any` over `inner_nodes(e)`"
            )
        } else {
            format!("`{name}(v)` reads a node variable `v` of a `graph-match` pattern, in its `where` or `project`")
        };
        Err(self.error_help(error::BAD_ARGUMENTS, span, format!("`{name}` is a graph function here"), help))
    }
}
