//! The graph functions over the elements of a variable-length edge
//! (map-graph-function.md, all-graph-function.md, any-graph-function.md,
//! inner-nodes-graph-function.md): `map(e, expr)`, `all(e, cond)`,
//! `any(e, cond)`, each also over `inner_nodes(e)`. The expression reads the
//! element's properties by their bare names; it is bound over a table of
//! the graph's edges (or nodes), run under the query's limits, and its
//! value for each element is then combined per match.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use super::build::Graph;
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::types::KqlType;

/// What a graph function makes of its elements' values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Combine {
    Map,
    All,
    Any,
}

/// One call of a graph function in a `graph-match`'s clauses.
#[derive(Debug, Clone)]
pub(super) struct ElemCall {
    pub span: Span,
    /// The variable-length edge's name.
    pub var: String,
    /// Over `inner_nodes(var)` rather than the edges.
    pub inner: bool,
    pub combine: Combine,
    pub expr: ast::Expr,
    /// The expression's value for each edge (or node), by index.
    pub values: Vec<ScalarValue>,
    /// The expression reads the element's properties as `var.p` (a `where`
    /// condition on the edge) rather than by bare names.
    pub prefixed: bool,
}

impl ElemCall {
    /// A `where` condition on the variable-length edge `var` alone, which
    /// each of its edges must meet.
    pub fn each(var: &str, cond: &ast::Expr) -> ElemCall {
        ElemCall {
            span: cond.span,
            var: var.to_string(),
            inner: false,
            combine: Combine::All,
            expr: cond.clone(),
            values: Vec::new(),
            prefixed: true,
        }
    }

    /// The hidden column holding this call's value per match.
    pub fn column(&self) -> String {
        format!("graph call {}:{}", self.span.start, self.span.end)
    }

    pub fn ty(&self) -> KqlType {
        if self.combine == Combine::Map { KqlType::Dynamic } else { KqlType::Bool }
    }

    /// The call's value over these elements (edge or node indexes).
    pub fn apply(&self, elements: &[usize]) -> ScalarValue {
        let vals = elements.iter().map(|i| self.values.get(*i).cloned().unwrap_or(ScalarValue::Null));
        match self.combine {
            Combine::Map => {
                let items: Vec<serde_json::Value> = vals.map(|v| crate::functions::dynamic::scalar_json(&v)).collect();
                ScalarValue::LargeUtf8(Some(serde_json::Value::Array(items).to_string()))
            }
            Combine::All => ScalarValue::Boolean(Some(vals.into_iter().all(|v| v == ScalarValue::Boolean(Some(true))))),
            Combine::Any => ScalarValue::Boolean(Some(vals.into_iter().any(|v| v == ScalarValue::Boolean(Some(true))))),
        }
    }
}

/// The graph function calls in `e` over the variable-length edges `paths`,
/// looked at most 64 levels deep.
pub(super) fn collect(e: &ast::Expr, paths: &[String], out: &mut Vec<ElemCall>, depth: usize) {
    if depth > 64 {
        return;
    }
    let d = depth.saturating_add(1);
    match &e.kind {
        ExprKind::Call { func, args } => {
            if let (ExprKind::Name(f), [over, expr]) = (&func.kind, args.as_slice()) {
                let combine = match f.name.as_str() {
                    "map" => Some(Combine::Map),
                    "all" => Some(Combine::All),
                    "any" => Some(Combine::Any),
                    _ => None,
                };
                let target = match &over.value.kind {
                    ExprKind::Name(v) => Some((v.name.clone(), false)),
                    ExprKind::Call { func, args } => match (&func.kind, args.as_slice()) {
                        (ExprKind::Name(f), [a]) if f.name == "inner_nodes" => match &a.value.kind {
                            ExprKind::Name(v) => Some((v.name.clone(), true)),
                            _ => None,
                        },
                        _ => None,
                    },
                    _ => None,
                };
                if let (Some(combine), Some((var, inner))) = (combine, target)
                    && paths.contains(&var)
                {
                    out.push(ElemCall {
                        span: e.span,
                        var,
                        inner,
                        combine,
                        expr: expr.value.clone(),
                        values: Vec::new(),
                        prefixed: false,
                    });
                    return;
                }
            }
            for a in args {
                collect(&a.value, paths, out, d);
            }
        }
        ExprKind::Unary { operand, .. } => collect(operand, paths, out, d),
        ExprKind::Binary { lhs, rhs, .. } => {
            collect(lhs, paths, out, d);
            collect(rhs, paths, out, d);
        }
        ExprKind::Member { target, .. } => collect(target, paths, out, d),
        ExprKind::Index { target, index } => {
            collect(target, paths, out, d);
            collect(index, paths, out, d);
        }
        _ => {}
    }
}

impl Binder<'_> {
    /// Fills `call.values`: its expression over every edge (or node).
    pub(super) fn element_values(&mut self, g: &Graph, call: &mut ElemCall) -> BResult<()> {
        const INDEX: &str = " element index";
        let (props, rows): (&[(String, KqlType)], Vec<&Vec<ScalarValue>>) = if call.inner {
            (&g.node_cols, g.nodes.iter().collect())
        } else {
            (&g.edge_cols, g.edges.iter().map(|e| &e.values).collect())
        };
        let mut cols = vec![(INDEX.to_string(), KqlType::Long)];
        if call.prefixed {
            cols.extend(props.iter().map(|(p, t)| (super::property_column(&call.var, p), *t)));
        } else {
            cols.extend(props.iter().cloned());
        }
        if call.inner {
            cols.extend(super::nodes::hidden_cols());
        }
        let rows: Vec<Vec<ScalarValue>> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let mut row = vec![ScalarValue::Int64(i64::try_from(i).ok())];
                row.extend(r.iter().cloned());
                if call.inner {
                    row.extend(super::nodes::hidden_values(g, i));
                }
                row
            })
            .collect();
        let n = rows.len();
        let tab: Tab = self.values_table(&cols, rows, call.span)?;
        let scope = call.prefixed.then(|| std::iter::once(call.var.clone()).collect());
        let outer = std::mem::replace(&mut self.graph_vars, scope);
        let t = {
            let row = Row { schema: tab.plan.schema(), source: None };
            self.scalar(&call.expr, row)
        };
        self.graph_vars = outer;
        let mut t = t?;
        if call.combine != Combine::Map {
            t = self.coerce_dynamic(t, KqlType::Bool);
            if t.ty != KqlType::Bool {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    call.expr.span,
                    format!("`all` and `any` need a bool condition, found a {}", t.ty),
                ));
            }
        }
        let exprs: Vec<Expr> = vec![Self::column(INDEX), t.expr.alias(" element value")];
        let plan = self.build(call.span, LogicalPlanBuilder::from(tab.plan).project(exprs))?;
        let batches = self.learned_rows_or_request(call.span, plan)?;
        let mut values = vec![ScalarValue::Null; n];
        for b in &batches {
            let (Some(idx), Some(val)) = (b.columns().first(), b.columns().get(1)) else { continue };
            for r in 0..b.num_rows() {
                let i = ScalarValue::try_from_array(idx, r).ok();
                let v = ScalarValue::try_from_array(val, r).unwrap_or(ScalarValue::Null);
                if let Some(ScalarValue::Int64(Some(i))) = i
                    && let Some(slot) = usize::try_from(i).ok().and_then(|i| values.get_mut(i))
                {
                    *slot = v;
                }
            }
        }
        call.values = values;
        Ok(())
    }
}
