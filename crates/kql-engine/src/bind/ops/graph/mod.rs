//! The graph operators (graph-operators.md). `make-graph` must be followed
//! by a graph operator: binding runs the edges and node tables under the
//! query's limits (as `pivot` runs its input, see `ops/evaluate`), builds
//! the graph in memory ([`build`]), and the operator after it turns the
//! graph back into rows: `graph-match` and `graph-shortest-paths` through
//! a bounded pattern search ([`matcher`]) whose matches become a table of
//! one column per property of each pattern variable (`v.p`), which the
//! `where` and `project` clauses then read as `v.p`.

mod build;
mod elements;
mod matcher;
mod nodes;
mod tables;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, cast, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, GraphElement, Operator, OperatorKind};

use self::build::Graph;
use self::matcher::{Cycles, Dir, MAX_HOPS, Search, Seq, Slot, Step};
pub(crate) use self::nodes::is_node_function;
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

/// The hidden column of property `p` of pattern variable `v`.
pub(crate) fn property_column(v: &str, p: &str) -> String {
    format!("{v}.{p}")
}

/// A variable of a pattern.
struct Var {
    name: String,
    kind: VarKind,
}

#[derive(Clone, Copy, PartialEq)]
enum VarKind {
    Node,
    Edge,
    Path,
}

impl Binder<'_> {
    /// Whether `e` names a variable of the `graph-match` being bound.
    /// (Kept out of line, as the next two: the expression binder recurses,
    /// and its frame must stay small.)
    #[inline(never)]
    pub(crate) fn is_graph_var(&self, e: &ast::Expr) -> bool {
        matches!((&e.kind, &self.graph_vars), (ExprKind::Name(id), Some(vars)) if vars.contains(&id.name))
    }

    /// `v.p` inside `graph-match`: the column of property `p` of variable `v`.
    #[inline(never)]
    pub(crate) fn graph_property(
        &mut self,
        target: &ast::Expr,
        member: &ast::Ident,
        row: crate::bind::Row<'_>,
    ) -> BResult<crate::bind::Typed> {
        let ExprKind::Name(v) = &target.kind else {
            return Err(self.error(error::INTERNAL, target.span, "expected a pattern variable"));
        };
        let name = property_column(&v.name, &member.name);
        match row.schema.fields().iter().find(|f| *f.name() == name) {
            Some(f) => Ok(crate::bind::Typed { expr: Self::column(&name), ty: KqlType::of(f.data_type()) }),
            None => Err(self.error(
                error::UNKNOWN_NAME,
                member.span,
                format!("`{}` has no property `{}`", v.name, member.name),
            )),
        }
    }

    /// `make-graph ... | graph-op`: `ops[at]` is the `make-graph`; returns the
    /// table and the index of the next operator.
    #[inline(never)]
    pub(crate) fn graph_pipeline(&mut self, input: Tab, ops: &[Operator], at: usize) -> BResult<(Tab, usize)> {
        let Some(Operator { kind: OperatorKind::MakeGraph(m), span }) = ops.get(at) else {
            return Err(self.error(error::INTERNAL, Span::default(), "expected `make-graph`"));
        };
        let mut graph = self.make_graph(input, m, *span)?;
        // The graph operators: in `partitioned-by`'s parentheses (run over
        // the one graph whose partitions no edge joins), or next in the pipeline.
        let (ops, mut i, inner) = match &m.partitioned_by {
            Some((_, body)) => (body.as_slice(), 0, true),
            None => (ops, at.saturating_add(1), false),
        };
        let next = |b: &mut Self, i: usize| -> BResult<usize> {
            match ops.get(i) {
                Some(op) if inner => {
                    Err(b.not_implemented(op.span, "an operator after the graph operator inside `partitioned-by`"))
                }
                _ if inner => Ok(at.saturating_add(1)),
                _ => Ok(i),
            }
        };
        loop {
            let Some(op) = ops.get(i) else {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    *span,
                    "`make-graph` must be followed by a graph operator (`graph-match`, `graph-to-table`, ...)",
                ));
            };
            i = i.saturating_add(1);
            match &op.kind {
                OperatorKind::GraphMatch(g) => {
                    let tab = self.graph_match(&graph, g, op.span)?;
                    return Ok((tab, next(self, i)?));
                }
                OperatorKind::GraphMarkComponents(o) => graph = self.mark_components(graph, o, op.span)?,
                OperatorKind::GraphToTable(parts) => {
                    let tab = self.graph_to_table(&graph, parts, op.span)?;
                    return Ok((tab, next(self, i)?));
                }
                _ => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        op.span,
                        "a graph from `make-graph` must be followed by a graph operator (`graph-match`, `graph-to-table`, ...)",
                    ));
                }
            }
        }
    }

    fn hop_bound(&mut self, e: &ast::Expr) -> BResult<usize> {
        let t = self.constant(e)?;
        let n = match &t.expr {
            Expr::Literal(ScalarValue::Int64(Some(n)), _) => usize::try_from(*n).ok(),
            Expr::Literal(ScalarValue::Int32(Some(n)), _) => usize::try_from(*n).ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= MAX_HOPS => Ok(n),
            _ => Err(self.error(
                error::BAD_ARGUMENTS,
                e.span,
                format!("a variable-length edge takes whole numbers of hops from 0 to {MAX_HOPS}"),
            )),
        }
    }

    /// The pattern's sequences and variables.
    fn graph_pattern(&mut self, g: &ast::GraphMatch, span: Span) -> BResult<(Vec<Seq>, Vec<Var>)> {
        let mut vars: Vec<Var> = Vec::new();
        let mut var = |b: &mut Self, id: &Option<ast::Ident>, kind: VarKind| -> BResult<Option<usize>> {
            let Some(id) = id else { return Ok(None) };
            match vars.iter().position(|v| v.name == id.name) {
                Some(i) if kind == VarKind::Node && vars.get(i).is_some_and(|v| v.kind == VarKind::Node) => Ok(Some(i)),
                Some(_) => Err(b.error(
                    error::BAD_ARGUMENTS,
                    id.span,
                    format!("the pattern variable `{}` is named twice; only a node can be", id.name),
                )),
                None => {
                    vars.push(Var { name: id.name.clone(), kind });
                    Ok(Some(vars.len() - 1))
                }
            }
        };
        let mut seqs = Vec::new();
        for pattern in &g.patterns {
            let mut it = pattern.iter();
            let Some(GraphElement::Node(first)) = it.next() else {
                return Err(self.error(error::BAD_ARGUMENTS, span, "a graph pattern starts with a node, `(n)`"));
            };
            let first = var(self, first, VarKind::Node)?;
            let mut steps = Vec::new();
            while let Some(el) = it.next() {
                let GraphElement::Edge { name, left, right, range } = el else {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        span,
                        "two nodes of a graph pattern need an edge between them",
                    ));
                };
                let Some(GraphElement::Node(node)) = it.next() else {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        span,
                        "a graph pattern's edge leads to a node, `(n)`",
                    ));
                };
                let (min, max) = match range {
                    Some((a, b)) => (self.hop_bound(a)?, self.hop_bound(b)?),
                    None => (1, 1),
                };
                if min > max {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        span,
                        "a variable-length edge's minimum is above its maximum",
                    ));
                }
                let kind = if range.is_some() { VarKind::Path } else { VarKind::Edge };
                let edge = var(self, name, kind)?;
                let node = var(self, node, VarKind::Node)?;
                let dir = match (left, right) {
                    (true, false) => Dir::In,
                    (false, true) => Dir::Out,
                    _ => Dir::Both,
                };
                steps.push(Step { edge, dir, min, max, node });
            }
            seqs.push(Seq { first, steps });
        }
        Ok((seqs, vars))
    }

    fn graph_match(&mut self, graph: &Graph, g: &ast::GraphMatch, span: Span) -> BResult<Tab> {
        let mut cycles = Cycles::UniqueEdges;
        let mut shortest_all = false;
        for o in &g.options {
            let value = match &o.value.kind {
                ExprKind::Name(id) => id.name.clone(),
                ExprKind::Literal(ast::Literal::String(s)) => s.clone(),
                _ => String::new(),
            };
            match (o.name.name.as_str(), value.as_str()) {
                ("cycles", "unique_edges") if !g.shortest => cycles = Cycles::UniqueEdges,
                ("cycles", "all") if !g.shortest => cycles = Cycles::All,
                ("cycles", "none") if !g.shortest => cycles = Cycles::None,
                ("output", "any") if g.shortest => {}
                ("output", "all") if g.shortest => shortest_all = true,
                (n, v) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.span,
                        format!("`{n}={v}` is not an option of this operator"),
                    ));
                }
            }
        }
        if g.project.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, "a graph pattern needs a `project` clause"));
        }
        let (seqs, vars) = self.graph_pattern(g, span)?;
        let mut search = Search::new(graph, &seqs, vars.len(), cycles);
        if let Err(m) = search.run() {
            return Err(self.error(error::BAD_ARGUMENTS, span, m));
        }
        let mut matches = std::mem::take(&mut search.out);
        let paths: Vec<String> = vars.iter().filter(|v| v.kind == VarKind::Path).map(|v| v.name.clone()).collect();
        let mut calls = Vec::new();
        // A `where` condition on one variable-length edge alone holds for
        // each of its edges (graph-match-operator.md, "Variable length
        // edge"): it is `all()` over them, reading `e.p` of each.
        let mut kept: Vec<ast::Expr> = Vec::new();
        if let Some(p) = &g.predicate {
            for term in crate::bind::expr::chain_terms(p, ast::BinaryOp::And) {
                let named: Vec<&Var> = vars.iter().filter(|v| mentions(term, &v.name, 0, &[])).collect();
                let mut functions = Vec::new();
                elements::collect(term, &paths, &mut functions, 0);
                match named.as_slice() {
                    [v] if v.kind == VarKind::Path && functions.is_empty() => {
                        calls.push(elements::ElemCall::each(&v.name, term));
                    }
                    _ => kept.push(term.clone()),
                }
            }
        }
        let predicate = kept.into_iter().reduce(|lhs, rhs| {
            let span = Span { start: lhs.span.start.min(rhs.span.start), end: lhs.span.end.max(rhs.span.end) };
            ast::Expr {
                kind: ExprKind::Binary { op: ast::BinaryOp::And, lhs: Box::new(lhs), rhs: Box::new(rhs) },
                span,
            }
        });
        let each = calls.len();
        for e in predicate.iter().chain(g.project.iter().map(|a| &a.value)) {
            elements::collect(e, &paths, &mut calls, 0);
        }
        for c in &mut calls {
            self.element_values(graph, c)?;
        }
        // The conditions on each edge filter the matches before `where`.
        if each > 0 {
            matches.retain(|m| {
                calls.iter().take(each).all(|c| {
                    let slot = vars.iter().position(|v| v.name == c.var).and_then(|i| m.get(i)).cloned().flatten();
                    match slot {
                        Some(Slot::Path(es, _)) => c.apply(&es) == ScalarValue::Boolean(Some(true)),
                        _ => false,
                    }
                })
            });
        }
        let calls: Vec<elements::ElemCall> = calls.into_iter().skip(each).collect();
        if let Some(p) = &predicate
            && let Some(path) = vars.iter().find(|v| v.kind == VarKind::Path && mentions(p, &v.name, 0, &calls))
        {
            let name = path.name.clone();
            return Err(self.not_implemented(
                p.span,
                &format!("a `where` condition on the variable-length edge `{name}` outside `all()`/`any()`"),
            ));
        }
        let names: std::collections::HashSet<String> = vars.iter().map(|v| v.name.clone()).collect();
        let outer = (self.graph_vars.replace(names), std::mem::take(&mut self.graph_calls));
        self.graph_calls = calls.iter().map(|c| (c.span, c.column())).collect();
        let r = (|| {
            let mut tab = self.match_table(graph, &vars, &matches, &calls, span)?;
            if let Some(p) = &predicate {
                let op = Operator { kind: OperatorKind::Where(p.clone()), span: p.span };
                tab = self.operator(tab, &op)?;
                if g.shortest {
                    matches = self.shortest(tab, &vars, matches, shortest_all, span)?;
                    tab = self.match_table(graph, &vars, &matches, &calls, span)?;
                }
            } else if g.shortest {
                let tab2 = tab;
                matches = self.shortest(tab2, &vars, matches, shortest_all, span)?;
                tab = self.match_table(graph, &vars, &matches, &calls, span)?;
            }
            self.project(tab, &g.project, span)
        })();
        (self.graph_vars, self.graph_calls) = outer;
        r
    }

    /// Whether the call at `span` is a graph function of the `graph-match`
    /// being bound.
    #[inline(never)]
    pub(crate) fn is_graph_call(&self, span: Span) -> bool {
        self.graph_calls.iter().any(|(s, _)| *s == span)
    }

    /// A graph function inside `graph-match`, read from its column.
    #[inline(never)]
    pub(crate) fn graph_call(&mut self, span: Span, row: crate::bind::Row<'_>) -> BResult<crate::bind::Typed> {
        let name = self.graph_calls.iter().find(|(s, _)| *s == span).map(|(_, n)| n.clone()).unwrap_or_default();
        match row.schema.fields().iter().find(|f| *f.name() == name) {
            Some(f) => Ok(crate::bind::Typed { expr: Self::column(&name), ty: KqlType::of(f.data_type()) }),
            None => Err(self.error(error::INTERNAL, span, "this graph function has no value here")),
        }
    }

    /// The matches `tab` (the match table after `where`) kept: per the
    /// pattern's named nodes, the shortest (fewest edges); the first of them,
    /// or all with `output=all`.
    fn shortest(
        &mut self,
        tab: Tab,
        vars: &[Var],
        matches: Vec<Vec<Option<Slot>>>,
        all: bool,
        span: Span,
    ) -> BResult<Vec<Vec<Option<Slot>>>> {
        let plan = self.build(span, LogicalPlanBuilder::from(tab.plan).project(vec![Self::column(MATCH)]))?;
        let batches = self.learned_rows_or_request(span, plan)?;
        let mut kept: Vec<usize> = Vec::new();
        for b in &batches {
            let Some(c) = b.columns().first() else { continue };
            for r in 0..b.num_rows() {
                if let Ok(ScalarValue::Int64(Some(i))) = ScalarValue::try_from_array(c, r)
                    && let Ok(i) = usize::try_from(i)
                {
                    kept.push(i);
                }
            }
        }
        kept.sort_unstable();
        let length = |m: &Vec<Option<Slot>>| -> usize {
            m.iter()
                .map(|s| match s {
                    Some(Slot::Edge(_)) => 1,
                    Some(Slot::Path(e, _)) => e.len(),
                    _ => 0,
                })
                .fold(0usize, usize::saturating_add)
        };
        let key = |m: &Vec<Option<Slot>>| -> Vec<usize> {
            vars.iter()
                .zip(m)
                .filter_map(|(v, s)| match (v.kind, s) {
                    (VarKind::Node, Some(Slot::Node(n))) => Some(*n),
                    _ => None,
                })
                .collect()
        };
        let mut best: std::collections::HashMap<Vec<usize>, usize> = std::collections::HashMap::new();
        for &i in &kept {
            let Some(m) = matches.get(i) else { continue };
            let (k, l) = (key(m), length(m));
            let b = best.entry(k).or_insert(l);
            *b = (*b).min(l);
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for &i in &kept {
            let Some(m) = matches.get(i) else { continue };
            let k = key(m);
            if best.get(&k) == Some(&length(m)) && (all || seen.insert(k)) {
                out.push(m.clone());
            }
        }
        Ok(out)
    }

    /// One row per match, one column per property of each named variable,
    /// one per graph function call, and the match's number.
    fn match_table(
        &mut self,
        graph: &Graph,
        vars: &[Var],
        matches: &[Vec<Option<Slot>>],
        calls: &[elements::ElemCall],
        span: Span,
    ) -> BResult<Tab> {
        let mut cols: Vec<(String, KqlType)> = vec![(MATCH.to_string(), KqlType::Long)];
        for v in vars {
            let props = if v.kind == VarKind::Node { &graph.node_cols } else { &graph.edge_cols };
            for (p, ty) in props {
                let ty = if v.kind == VarKind::Path { KqlType::Dynamic } else { *ty };
                cols.push((property_column(&v.name, p), ty));
            }
            if v.kind == VarKind::Node {
                cols.extend(nodes::hidden_cols().map(|(p, ty)| (property_column(&v.name, &p), ty)));
            }
        }
        for c in calls {
            cols.push((c.column(), c.ty()));
        }
        let mut rows = Vec::with_capacity(matches.len());
        for (i, m) in matches.iter().enumerate() {
            let mut row = Vec::with_capacity(cols.len());
            row.push(ScalarValue::Int64(i64::try_from(i).ok()));
            for (v, slot) in vars.iter().zip(m) {
                let width = if v.kind == VarKind::Node { graph.node_cols.len() } else { graph.edge_cols.len() };
                for p in 0..width {
                    let value = match slot {
                        Some(Slot::Node(n)) => graph.nodes.get(*n).and_then(|r| r.get(p)).cloned(),
                        Some(Slot::Edge(e)) => graph.edges.get(*e).and_then(|r| r.values.get(p)).cloned(),
                        Some(Slot::Path(es, _)) => {
                            let items: Vec<serde_json::Value> = es
                                .iter()
                                .map(|e| {
                                    graph
                                        .edges
                                        .get(*e)
                                        .and_then(|r| r.values.get(p))
                                        .map(crate::functions::dynamic::scalar_json)
                                        .unwrap_or(serde_json::Value::Null)
                                })
                                .collect();
                            Some(ScalarValue::LargeUtf8(Some(serde_json::Value::Array(items).to_string())))
                        }
                        None => None,
                    };
                    row.push(value.unwrap_or(ScalarValue::Null));
                }
                if v.kind == VarKind::Node {
                    match slot {
                        Some(Slot::Node(n)) => row.extend(nodes::hidden_values(graph, *n)),
                        _ => row.extend(nodes::hidden_cols().map(|_| ScalarValue::Null)),
                    }
                }
            }
            for c in calls {
                let slot = vars.iter().position(|v| v.name == c.var).and_then(|i| m.get(i)).cloned().flatten();
                let value = match slot {
                    Some(Slot::Path(es, inner)) => c.apply(if c.inner { &inner } else { &es }),
                    _ => ScalarValue::Null,
                };
                row.push(value);
            }
            rows.push(row);
        }
        self.values_table(&cols, rows, span)
    }

    /// A table of these columns and rows of values.
    pub(crate) fn values_table(
        &mut self,
        cols: &[(String, KqlType)],
        rows: Vec<Vec<ScalarValue>>,
        span: Span,
    ) -> BResult<Tab> {
        let mut seen = std::collections::HashSet::new();
        if let Some((dup, _)) = cols.iter().find(|(n, _)| !seen.insert(n.as_str())) {
            return Err(self.error(error::AMBIGUOUS, span, format!("the column `{dup}` would appear twice")));
        }
        if rows.is_empty() || cols.is_empty() {
            let plan = super::source::empty_plan(cols);
            return Ok(Tab { plan, source: None });
        }
        let rows: Vec<Vec<Expr>> = rows
            .into_iter()
            .map(|r| r.into_iter().zip(cols).map(|(v, (_, ty))| cast(lit(v), ty.arrow())).collect())
            .collect();
        let values_plan = self.build(span, LogicalPlanBuilder::values(rows))?;
        let exprs: Vec<Expr> = values_plan
            .schema()
            .fields()
            .iter()
            .zip(cols)
            .map(|(f, (n, ty))| cast(Self::column(f.name()), ty.arrow()).alias(n))
            .collect();
        let plan = self.build(span, LogicalPlanBuilder::from(values_plan).project(exprs))?;
        Ok(Tab { plan, source: None })
    }
}

/// The hidden column numbering the matches.
const MATCH: &str = " match";

/// Whether `e` names `var` (as `var.p`) outside the graph function `calls`,
/// looked at most 64 levels deep (deeper conditions count as naming it).
fn mentions(e: &ast::Expr, var: &str, depth: usize, calls: &[elements::ElemCall]) -> bool {
    if depth > 64 {
        return true;
    }
    if calls.iter().any(|c| c.span == e.span) {
        return false;
    }
    let d = depth.saturating_add(1);
    let mentions = |e: &ast::Expr, var: &str, d: usize| mentions(e, var, d, calls);
    match &e.kind {
        ExprKind::Name(id) => id.name == var,
        ExprKind::Member { target, .. } => mentions(target, var, d),
        ExprKind::Index { target, index } => mentions(target, var, d) || mentions(index, var, d),
        ExprKind::Call { func, args } => mentions(func, var, d) || args.iter().any(|a| mentions(&a.value, var, d)),
        ExprKind::Unary { operand, .. } => mentions(operand, var, d),
        ExprKind::Binary { lhs, rhs, .. } => mentions(lhs, var, d) || mentions(rhs, var, d),
        ExprKind::Literal(_) => false,
        _ => true,
    }
}
