//! `graph-to-table` (graph-to-table-operator.md) and `graph-mark-components`
//! (graph-mark-components-operator.md).

use datafusion::common::ScalarValue;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use super::build::Graph;
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// An option's value written as a name or a string.
fn word(o: &ast::OptionArg) -> Option<String> {
    match &o.value.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Literal(ast::Literal::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// A component's number.
fn id(i: usize) -> ScalarValue {
    ScalarValue::Int64(i64::try_from(i).ok())
}

/// The node hash id `with_node_id=` and the like export: XXH64 (seed 0) of
/// the node id, as `hash()` gives it for a string id (graph-to-table-operator.md
/// prints those); other ids are hashed by their text.
fn node_hash(g: &Graph, n: usize) -> ScalarValue {
    let text = match g.node_ids.get(n) {
        Some(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) | ScalarValue::LargeUtf8(Some(s))) => {
            s.clone()
        }
        Some(v) if !v.is_null() => v.to_string(),
        _ => return ScalarValue::Int64(None),
    };
    ScalarValue::Int64(Some(twox_hash::XxHash64::oneshot(0, text.as_bytes()) as i64))
}

impl Binder<'_> {
    /// `graph-mark-components`: each node's weakly connected component,
    /// numbered from 0 in the order of the component's first node.
    pub(super) fn mark_components(&mut self, mut g: Graph, options: &[ast::OptionArg], span: Span) -> BResult<Graph> {
        let mut name = "ComponentId".to_string();
        for o in options {
            match (o.name.name.as_str(), word(o)) {
                ("kind", Some(k)) if k == "weak" => {}
                ("kind", Some(k)) if k == "strong" => {
                    return Err(self.not_implemented(o.span, "`graph-mark-components kind=strong`"));
                }
                ("with_component_id", Some(n)) => name = n,
                (n, _) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.span,
                        format!("`{n}` is not an option of `graph-mark-components` (kind=weak|strong, with_component_id=Name)"),
                    ));
                }
            }
        }
        // Union-find with path halving: no recursion.
        let mut parent: Vec<usize> = (0..g.nodes.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while let Some(&p) = parent.get(x) {
                if p == x {
                    break;
                }
                let gp = parent.get(p).copied().unwrap_or(p);
                if let Some(slot) = parent.get_mut(x) {
                    *slot = gp;
                }
                x = gp;
            }
            x
        }
        for e in &g.edges {
            let (a, b) = (root(&mut parent, e.from), root(&mut parent, e.to));
            if a != b
                && let Some(slot) = parent.get_mut(a.max(b))
            {
                *slot = a.min(b);
            }
        }
        let mut number = vec![None; g.nodes.len()];
        let mut next = 0usize;
        let slot = match g.node_cols.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                g.node_cols.push((name, KqlType::Long));
                for n in &mut g.nodes {
                    n.push(ScalarValue::Null);
                }
                g.node_cols.len() - 1
            }
        };
        if let Some(c) = g.node_cols.get_mut(slot) {
            c.1 = KqlType::Long;
        }
        for i in 0..g.nodes.len() {
            let r = root(&mut parent, i);
            let c = match number.get(r).copied().flatten() {
                Some(c) => c,
                None => {
                    let c = next;
                    next = next.saturating_add(1);
                    if let Some(s) = number.get_mut(r) {
                        *s = Some(c);
                    }
                    c
                }
            };
            if let Some(v) = g.nodes.get_mut(i).and_then(|n| n.get_mut(slot)) {
                *v = id(c);
            }
        }
        let _ = span;
        Ok(g)
    }

    /// `graph-to-table nodes` or `graph-to-table edges`, a part named with
    /// `as` also bound to its name; or `graph-to-table nodes as N, edges as E`,
    /// whose statement gives no result of its own: the two tables are read by
    /// their names in the statements after it.
    pub(super) fn graph_to_table(&mut self, g: &Graph, parts: &[ast::GraphTablePart], span: Span) -> BResult<Tab> {
        if let [part] = parts {
            let tab = self.graph_table_part(g, part, span)?;
            return Ok(self.name_graph_table(part, tab));
        }
        if parts.len() != 2 || parts.iter().map(|p| p.kind.name.as_str()).collect::<Vec<_>>() != ["nodes", "edges"] {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                "`graph-to-table` exports `nodes`, `edges`, or `nodes as N, edges as E`",
            ));
        }
        let mut last = None;
        for part in parts {
            if part.alias.is_none() {
                return Err(self.error_help(
                    error::BAD_ARGUMENTS,
                    part.kind.span,
                    format!("exported together, the {} need a name", part.kind.name),
                    "`graph-to-table nodes as N, edges as E; N; E`",
                ));
            }
            let tab = self.graph_table_part(g, part, span)?;
            last = Some(self.name_graph_table(part, tab));
        }
        self.no_result = true;
        last.ok_or_else(|| self.error(error::INTERNAL, span, "no table exported"))
    }

    /// `tab`, bound to the part's `as` name if it has one.
    fn name_graph_table(&mut self, part: &ast::GraphTablePart, tab: Tab) -> Tab {
        match &part.alias {
            Some(a) => {
                let named = Tab { plan: tab.plan, source: Some(a.name.clone()) };
                self.env.push((a.name.clone(), crate::bind::Value::Table(named.clone())));
                named
            }
            None => tab,
        }
    }

    /// One exported table.
    fn graph_table_part(&mut self, g: &Graph, part: &ast::GraphTablePart, span: Span) -> BResult<Tab> {
        let mut extra: Vec<(String, usize)> = Vec::new();
        let nodes = match part.kind.name.as_str() {
            "nodes" => true,
            "edges" => false,
            other => {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    part.kind.span,
                    format!("`graph-to-table` exports `nodes` or `edges`, not `{other}`"),
                ));
            }
        };
        for o in &part.options {
            let which = match (o.name.name.as_str(), nodes) {
                ("with_node_id", true) => 0,
                ("with_source_id", false) => 1,
                ("with_target_id", false) => 2,
                (n, _) => {
                    return Err(self.error(error::BAD_ARGUMENTS, o.span, format!("`{n}` is not an option here")));
                }
            };
            match word(o) {
                Some(n) => extra.push((n, which)),
                None => return Err(self.error(error::BAD_ARGUMENTS, o.value.span, "expected a column name")),
            }
        }
        let props = if nodes { &g.node_cols } else { &g.edge_cols };
        let mut cols: Vec<(String, KqlType)> = extra.iter().map(|(n, _)| (n.clone(), KqlType::Long)).collect();
        cols.extend(props.iter().cloned());
        let mut rows = Vec::new();
        if nodes {
            for (i, n) in g.nodes.iter().enumerate() {
                let mut row: Vec<ScalarValue> = extra.iter().map(|_| node_hash(g, i)).collect();
                row.extend(n.iter().cloned());
                rows.push(row);
            }
        } else {
            for e in &g.edges {
                let mut row: Vec<ScalarValue> =
                    extra.iter().map(|(_, w)| node_hash(g, if *w == 1 { e.from } else { e.to })).collect();
                row.extend(e.values.iter().cloned());
                rows.push(row);
            }
        }
        self.values_table(&cols, rows, span)
    }
}
