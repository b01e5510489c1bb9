//! Graph operators: `make-graph`, `graph-match`, `graph-shortest-paths`,
//! `graph-to-table`. Edge arrows (`-->`, `<-[e*1..3]-`) are read from the
//! adjacent `-`, `<`, `>` and bracket tokens.

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, GraphElement, GraphMatch, GraphTablePart, MakeGraph};
use crate::lexer::TokenKind;

impl<'a> Parser<'a> {
    /// `a.b.c`: a column path, without operators (an arrow may follow).
    fn column_path(&mut self) -> PResult<Expr> {
        let id = self.ident("a column name")?;
        let mut e = Expr { span: id.span, kind: ExprKind::Name(id) };
        while self.at(TokenKind::Dot) && matches!(self.nth_kind(1), TokenKind::Ident | TokenKind::QuotedIdent) {
            self.bump();
            let member = self.ident("a member name")?;
            let span = e.span.to(member.span);
            e = Expr { kind: ExprKind::Member { target: Box::new(e), member }, span };
        }
        Ok(e)
    }

    pub(super) fn make_graph(&mut self) -> PResult<MakeGraph> {
        let mut options = self.options(&["with_node_id", "hint.*"])?;
        let source = self.column_path()?;
        self.expect(TokenKind::Minus, "`-->` or `--` between the node columns")?;
        self.expect(TokenKind::Minus, "`-->` or `--` between the node columns")?;
        let directed = self.eat(TokenKind::Gt).is_some();
        let target = self.column_path()?;
        let mut nodes = Vec::new();
        if self.eat_word("with").is_some() {
            loop {
                let table = self.expr()?;
                self.expect_word("on")?;
                let key = self.column_path()?;
                nodes.push((table, key));
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        options.extend(self.options(&["with_node_id"])?);
        let partitioned_by = match self.compound_word() {
            Some((w, n)) if w == "partitioned-by" => {
                for _ in 0..n {
                    self.bump();
                }
                let col = self.column_path()?;
                Some((col, self.paren_subquery()?))
            }
            _ => None,
        };
        Ok(MakeGraph { options, source, directed, target, nodes, partitioned_by })
    }

    pub(super) fn graph_match(&mut self, shortest: bool) -> PResult<GraphMatch> {
        let options = self.options(&["cycles", "output"])?;
        let patterns = self.comma_list(|p| p.graph_path())?;
        let predicate = if self.eat_word("where").is_some() { Some(self.expr()?) } else { None };
        let project = if self.eat_word("project").is_some() { self.assigns()? } else { Vec::new() };
        Ok(GraphMatch { shortest, options, patterns, predicate, project })
    }

    /// `(a)-[e]->(b)<--(c)...`.
    fn graph_path(&mut self) -> PResult<Vec<GraphElement>> {
        let mut out = vec![self.graph_node()?];
        while matches!(self.kind(), TokenKind::Minus | TokenKind::Lt) {
            out.push(self.graph_edge()?);
            out.push(self.graph_node()?);
        }
        Ok(out)
    }

    fn graph_node(&mut self) -> PResult<GraphElement> {
        self.expect(TokenKind::LParen, "`(` to open a graph node")?;
        let name = if self.at_name() { Some(self.ident("a node name")?) } else { None };
        self.expect(TokenKind::RParen, "`)` to close the graph node")?;
        Ok(GraphElement::Node(name))
    }

    fn graph_edge(&mut self) -> PResult<GraphElement> {
        let left = self.eat(TokenKind::Lt).is_some();
        self.expect(TokenKind::Minus, "`-` of an edge")?;
        let (mut name, mut range) = (None, None);
        if self.eat(TokenKind::LBracket).is_some() {
            if self.at_name() {
                name = Some(self.ident("an edge name")?);
            }
            if self.eat(TokenKind::Star).is_some() {
                let low = self.unary_expr()?;
                self.expect(TokenKind::DotDot, "`..` in the hop range")?;
                let high = self.unary_expr()?;
                range = Some((low, high));
            }
            self.expect(TokenKind::RBracket, "`]` to close the edge")?;
        }
        self.expect(TokenKind::Minus, "`-` of an edge")?;
        let right = self.eat(TokenKind::Gt).is_some();
        Ok(GraphElement::Edge { name, left, right, range })
    }

    pub(super) fn graph_to_table(&mut self) -> PResult<Vec<GraphTablePart>> {
        self.comma_list(|p| {
            let kind = p.ident("`nodes` or `edges`")?;
            let alias = if p.eat_word("as").is_some() { Some(p.ident("a table name")?) } else { None };
            let options = p.options(&["with_node_id", "with_source_id", "with_target_id"])?;
            Ok(GraphTablePart { kind, alias, options })
        })
    }
}
