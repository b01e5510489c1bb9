//! `make-graph` (make-graph-operator.md): the edges and the node tables run
//! under the query's limits, read into a [`Graph`] held while binding.

use std::collections::HashMap;

use datafusion::arrow::array::RecordBatch;
use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// A graph: nodes and edges with their properties, in input order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Graph {
    /// The node properties' names and types.
    pub node_cols: Vec<(String, KqlType)>,
    /// Each node's properties, by `node_cols` (null where a node has none).
    pub nodes: Vec<Vec<ScalarValue>>,
    /// Each node's id, as the edges name it.
    pub node_ids: Vec<ScalarValue>,
    /// The edge properties' names and types (the edges table's columns).
    pub edge_cols: Vec<(String, KqlType)>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// For each node, the edges leaving it.
    pub out: Vec<Vec<usize>>,
    /// For each node, the edges entering it.
    pub into: Vec<Vec<usize>>,
}

/// One edge.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub from: usize,
    pub to: usize,
    pub values: Vec<ScalarValue>,
}

/// The key two ids are equal under: their text (a `long` 1 in the edges
/// names the node whose `int` id is 1). Null names no node.
fn key(v: &ScalarValue) -> Option<String> {
    if v.is_null() { None } else { Some(v.to_string()) }
}

fn cols_of(plan: &datafusion::logical_expr::LogicalPlan) -> Vec<(String, KqlType)> {
    plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect()
}

/// Every row of `batches` as values.
fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Vec<ScalarValue>>, String> {
    let mut rows = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            let row = b
                .columns()
                .iter()
                .map(|c| ScalarValue::try_from_array(c, r).map_err(|e| e.strip_backtrace()))
                .collect::<Result<Vec<_>, _>>()?;
            rows.push(row);
        }
    }
    Ok(rows)
}

impl Binder<'_> {
    /// The index of column `e` (a name) in `cols`.
    fn graph_column(&mut self, e: &ast::Expr, cols: &[(String, KqlType)], what: &str) -> BResult<usize> {
        let ExprKind::Name(id) = &e.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, e.span, format!("the {what} must be a column name")));
        };
        match cols.iter().position(|(n, _)| *n == id.name) {
            Some(i) => Ok(i),
            None => Err(self.error(error::UNKNOWN_NAME, id.span, format!("no column `{}` for the {what}", id.name))),
        }
    }

    fn graph_rows(
        &mut self,
        span: Span,
        plan: datafusion::logical_expr::LogicalPlan,
    ) -> BResult<Vec<Vec<ScalarValue>>> {
        let batches = self.learned_rows_or_request(span, plan)?;
        rows_of(&batches)
            .map_err(|m| self.error(error::INTERNAL, span, format!("could not read the graph's rows: {m}")))
    }

    /// Builds the graph of `make-graph` over `input`, its edges.
    pub(crate) fn make_graph(&mut self, input: Tab, m: &ast::MakeGraph, span: Span) -> BResult<Graph> {
        let mut with_node_id = None;
        for o in &m.options {
            match (o.name.name.as_str(), &o.value.kind) {
                ("with_node_id", ExprKind::Name(id)) => with_node_id = Some(id.name.clone()),
                ("with_node_id", ExprKind::Literal(ast::Literal::String(s))) => with_node_id = Some(s.clone()),
                (n, _) if n.starts_with("hint.") => {}
                (n, _) => {
                    return Err(self.error(error::BAD_ARGUMENTS, o.span, format!("`make-graph` has no option `{n}`")));
                }
            }
        }
        let edge_cols = cols_of(&input.plan);
        let src = self.graph_column(&m.source, &edge_cols, "source node id")?;
        let dst = self.graph_column(&m.target, &edge_cols, "target node id")?;
        // `partitioned-by`: a node is a partition's value and an id, so no
        // edge joins two partitions and every match stays within one.
        let part_what = "partition column (the edges and every node table must hold it)";
        let edge_part = match &m.partitioned_by {
            Some((col, _)) => Some(self.graph_column(col, &edge_cols, part_what)?),
            None => None,
        };
        let mut g = Graph { edge_cols, ..Graph::default() };
        let mut index: HashMap<(Option<String>, String), usize> = HashMap::new();
        if let Some(name) = &with_node_id {
            let ty = g.edge_cols.get(src).map(|c| c.1).unwrap_or(KqlType::String);
            g.node_cols.push((name.clone(), ty));
        }
        // The node tables first, in order; a node in both has their properties merged.
        let mut tables = Vec::new();
        // The node tables' id columns: a node only the edges name has its id there.
        let mut id_slots: Vec<usize> = Vec::new();
        for (expr, id) in &m.nodes {
            let tab = self.table(expr)?;
            let cols = cols_of(&tab.plan);
            let idc = self.graph_column(id, &cols, "node id")?;
            let part = match &m.partitioned_by {
                Some((col, _)) => Some(self.graph_column(col, &cols, part_what)?),
                None => None,
            };
            let mut slots = Vec::new();
            for (n, ty) in &cols {
                let slot = match g.node_cols.iter().position(|(m, _)| m == n) {
                    Some(i) if g.node_cols.get(i).map(|c| c.1) == Some(*ty) => i,
                    Some(_) => {
                        return Err(self.error(
                            error::TYPE_MISMATCH,
                            expr.span,
                            format!("the node property `{n}` has two types in the node tables"),
                        ));
                    }
                    None => {
                        g.node_cols.push((n.clone(), *ty));
                        g.node_cols.len() - 1
                    }
                };
                slots.push(slot);
            }
            if let Some(&slot) = slots.get(idc) {
                id_slots.push(slot);
            }
            let rows = self.graph_rows(expr.span, tab.plan)?;
            tables.push((idc, part, slots, rows));
        }
        let width = g.node_cols.len();
        let id_types: Vec<(usize, datafusion::arrow::datatypes::DataType)> =
            id_slots.iter().filter_map(|s| g.node_cols.get(*s).map(|c| (*s, c.1.arrow()))).collect();
        let mut node_of = |g: &mut Graph, part: Option<&ScalarValue>, id: &ScalarValue| -> Option<usize> {
            let k = (part.and_then(key), key(id)?);
            Some(*index.entry(k).or_insert_with(|| {
                let mut props = vec![ScalarValue::Null; width];
                if let (Some(_), Some(p)) = (&with_node_id, props.first_mut()) {
                    *p = id.clone();
                }
                for (s, ty) in &id_types {
                    if let (Some(p), Ok(v)) = (props.get_mut(*s), id.cast_to(ty)) {
                        *p = v;
                    }
                }
                g.nodes.push(props);
                g.node_ids.push(id.clone());
                g.nodes.len() - 1
            }))
        };
        for (idc, part, slots, rows) in tables {
            for row in rows {
                let Some(id) = row.get(idc) else { continue };
                let Some(n) = node_of(&mut g, part.and_then(|p| row.get(p)), id) else { continue };
                for (v, slot) in row.into_iter().zip(&slots) {
                    if let Some(p) = g.nodes.get_mut(n).and_then(|p| p.get_mut(*slot))
                        && (p.is_null() || !v.is_null())
                    {
                        *p = v;
                    }
                }
            }
        }
        let rows = self.graph_rows(span, input.plan)?;
        for row in rows {
            let (Some(s), Some(t)) = (row.get(src), row.get(dst)) else { continue };
            let p = edge_part.and_then(|p| row.get(p));
            let (Some(from), Some(to)) = (node_of(&mut g, p, s), node_of(&mut g, p, t)) else { continue };
            g.edges.push(Edge { from, to, values: row });
        }
        g.out = vec![Vec::new(); g.nodes.len()];
        g.into = vec![Vec::new(); g.nodes.len()];
        for (i, e) in g.edges.iter().enumerate() {
            if let Some(v) = g.out.get_mut(e.from) {
                v.push(i);
            }
            if let Some(v) = g.into.get_mut(e.to) {
                v.push(i);
            }
        }
        Ok(g)
    }
}
