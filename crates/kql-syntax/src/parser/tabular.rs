//! The tabular operator dispatcher and the operators with simple shapes
//! (`where`, `take`, `summarize`, `sort`, `top`, `distinct`, `as`, ...).

use super::{PResult, Parser};
use crate::ast::{
    Evaluate, Expr, ExprKind, NullsOrder, Operator, OperatorKind, Render, RenderProperty, SortKey, SortOrder,
    Summarize, TopNestedLevel,
};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;

/// Every tabular operator name, for dispatch and for "did you mean".
pub(crate) const OPERATORS: &[&str] = &[
    "as",
    "consume",
    "count",
    "datatable",
    "distinct",
    "evaluate",
    "extend",
    "externaldata",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "invoke",
    "join",
    "limit",
    "lookup",
    "make-series",
    "mv-apply",
    "mv-expand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "print",
    "project",
    "project-away",
    "project-keep",
    "project-by-names",
    "project-rename",
    "project-reorder",
    "range",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
    "macro-expand",
    "make-graph",
    "graph-match",
    "graph-shortest-paths",
    "graph-to-table",
    "graph-mark-components",
    "inline_external_table",
];

/// Visualizations `render` knows; others are accepted (Kusto's list grows).
const RENDER_PROPERTIES: &[&str] = &[
    "accumulate",
    "anomalycolumns",
    "kind",
    "legend",
    "series",
    "title",
    "xaxis",
    "xcolumn",
    "xmax",
    "xmin",
    "xtitle",
    "yaxis",
    "ycolumns",
    "ymax",
    "ymin",
    "ysplit",
    "ytitle",
];

impl<'a> Parser<'a> {
    /// `| op | op ...`: every piped operator, recovering from broken ones.
    pub(super) fn pipe_ops(&mut self) -> PResult<Vec<Operator>> {
        let mut ops = Vec::new();
        while let Some(pipe) = self.eat(TokenKind::Pipe) {
            if self.at(TokenKind::Eof) {
                self.push(
                    Diagnostic::new(
                        codes::EXPECTED,
                        pipe.span,
                        "expected a tabular operator after `|`, found the end of the query",
                    )
                    .with_label("nothing follows this `|`")
                    .with_help("remove the trailing `|`, or add an operator such as `take 10`"),
                );
                break;
            }
            self.operators += 1;
            if self.operators > super::MAX_OPERATORS {
                self.push(
                    Diagnostic::new(
                        codes::TOO_DEEP,
                        pipe.span,
                        format!("the query has more than {} tabular operators", super::MAX_OPERATORS),
                    )
                    .with_label("one too many here")
                    .with_help(
                        "each operator is a step of the plan; combine steps, for example one `extend` of many columns",
                    ),
                );
                self.pos = self.tokens.len() - 1;
                return Err(super::Fail);
            }
            ops.push(self.operator_recovering());
        }
        Ok(ops)
    }

    /// One operator; on error, a [`OperatorKind::Error`] covering the skipped text.
    pub(super) fn operator_recovering(&mut self) -> Operator {
        let start = self.tok().span;
        let from = self.pos;
        match self.operator() {
            Ok(op) => {
                if !self.at_operator_end() {
                    let found = self.describe(self.tok());
                    let span = self.tok().span;
                    if self.at(TokenKind::Eq) {
                        self.push(
                            Diagnostic::new(
                                codes::EXPECTED,
                                span,
                                "expected `|` or the end of the operator, found `=`",
                            )
                            .with_label("`=` does not compare")
                            .with_help("to compare values use `==`; `=` only names a column, as in `extend x = ...`"),
                        );
                    } else if self.tok().kind != TokenKind::Error {
                        self.push(
                            Diagnostic::new(
                                codes::EXPECTED,
                                span,
                                format!("expected `|` or the end of the operator, found {found}"),
                            )
                            .with_label("unexpected here"),
                        );
                    }
                    self.recover(from);
                    return Operator { kind: OperatorKind::Error, span: self.span_from(start) };
                }
                op
            }
            Err(_) => {
                self.recover(from);
                Operator { kind: OperatorKind::Error, span: self.span_from(start) }
            }
        }
    }

    fn at_operator_end(&self) -> bool {
        matches!(
            self.kind(),
            TokenKind::Pipe
                | TokenKind::Semi
                | TokenKind::Eof
                | TokenKind::RParen
                | TokenKind::RBrace
                | TokenKind::Comma
        )
    }

    /// One tabular operator (without its leading `|`).
    pub(super) fn operator(&mut self) -> PResult<Operator> {
        let start = self.tok().span;
        let Some((mut word, mut n)) = self.compound_word() else {
            return Err(self.expected("a tabular operator (where, extend, project, summarize, ...)"));
        };
        if n > 1 && !OPERATORS.contains(&word.as_str()) && !matches!(word.as_str(), "mvexpand" | "mvapply") {
            let first = self.text().to_string();
            if OPERATORS.contains(&first.as_str()) {
                word = first;
                n = 1;
            }
        }
        let name_span = self.span_n(n);
        let known = OPERATORS.contains(&word.as_str()) || matches!(word.as_str(), "mvexpand" | "mvapply");
        if !known || matches!(word.as_str(), "range" | "print" | "datatable" | "externaldata" | "inline_external_table")
        {
            if known {
                let d = Diagnostic::new(
                    codes::UNKNOWN_OPERATOR,
                    name_span,
                    format!("`{word}` starts a query; it cannot follow `|`"),
                )
                .with_label("not a piped operator")
                .with_help(format!("use `union ({word} ...)` to add its rows, or start the query with it"));
                self.push(d);
                return Err(super::Fail);
            }
            return Err(self.unknown_word(codes::UNKNOWN_OPERATOR, name_span, &word, "tabular operator", OPERATORS));
        }
        for _ in 0..n {
            self.bump();
        }
        let kind = match word.as_str() {
            "where" | "filter" => OperatorKind::Where(self.expr()?),
            "extend" => OperatorKind::Extend(self.assigns()?),
            "project" => OperatorKind::Project(self.assigns()?),
            "project-away" => OperatorKind::ProjectAway(self.comma_list(|p| p.name_pattern())?),
            "project-keep" => OperatorKind::ProjectKeep(self.comma_list(|p| p.name_pattern())?),
            "project-rename" => OperatorKind::ProjectRename(self.project_rename()?),
            "project-by-names" => OperatorKind::ProjectByNames(self.comma_list(|p| p.name_pattern())?),
            "project-reorder" => OperatorKind::ProjectReorder(self.project_reorder()?),
            "summarize" => OperatorKind::Summarize(self.summarize()?),
            "sort" | "order" => self.sort(&word)?,
            "top" => self.top()?,
            "top-nested" => self.top_nested()?,
            "top-hitters" => {
                let count = self.expr()?;
                self.expect_word("of")?;
                let of = self.expr()?;
                let by = if self.eat_word("by").is_some() { Some(self.expr()?) } else { None };
                OperatorKind::TopHitters { count, of, by }
            }
            "take" | "limit" => OperatorKind::Take(self.expr()?),
            "distinct" => {
                let _hints = self.options(&["hint.*"])?;
                OperatorKind::Distinct(self.assigns()?)
            }
            "count" => OperatorKind::Count,
            "union" => OperatorKind::Union(self.union_body()?),
            "join" => OperatorKind::Join(self.join_body(&["kind", "hint.*"])?),
            "lookup" => OperatorKind::Lookup(self.join_body(&["kind"])?),
            "mv-expand" => OperatorKind::MvExpand(self.mv_expand(false)?),
            "mvexpand" => OperatorKind::MvExpand(self.mv_expand(true)?),
            "mv-apply" | "mvapply" => OperatorKind::MvApply(self.mv_apply()?),
            "parse" => OperatorKind::Parse(self.parse_op(false)?),
            "parse-where" => OperatorKind::Parse(self.parse_op(true)?),
            "parse-kv" => OperatorKind::ParseKv(self.parse_kv()?),
            "make-series" => OperatorKind::MakeSeries(self.make_series()?),
            "evaluate" => OperatorKind::Evaluate(self.evaluate()?),
            "render" => OperatorKind::Render(self.render()?),
            "as" => {
                let options = self.options(&["hint.*"])?;
                let name = self.ident("a name after `as`")?;
                OperatorKind::As { options, name }
            }
            "serialize" => OperatorKind::Serialize(if self.at_operator_end() { Vec::new() } else { self.assigns()? }),
            "sample" => OperatorKind::Sample(self.expr()?),
            "sample-distinct" => {
                let count = self.expr()?;
                self.expect_word("of")?;
                OperatorKind::SampleDistinct { count, of: self.expr()? }
            }
            "search" => OperatorKind::Search(self.search_body()?),
            "find" => OperatorKind::Find(self.find_body()?),
            "getschema" => {
                let _ = self.options(&["kind"])?;
                OperatorKind::Getschema
            }
            "invoke" => OperatorKind::Invoke(self.expr()?),
            "facet" => self.facet()?,
            "fork" => self.fork()?,
            "partition" => OperatorKind::Partition(self.partition()?),
            "scan" => OperatorKind::Scan(self.scan()?),
            "reduce" => {
                let options = self.options(&["kind"])?;
                self.expect_by("reduce")?;
                let by = self.expr()?;
                let with =
                    if self.eat_word("with").is_some() { self.comma_list(|p| p.free_option())? } else { Vec::new() };
                OperatorKind::Reduce { options, by, with }
            }
            "consume" => OperatorKind::Consume(self.options(&["decodeblocks"])?),
            "make-graph" => OperatorKind::MakeGraph(self.make_graph()?),
            "macro-expand" => self.macro_expand()?,
            "graph-match" => OperatorKind::GraphMatch(self.graph_match(false)?),
            "graph-shortest-paths" => OperatorKind::GraphMatch(self.graph_match(true)?),
            "graph-to-table" => OperatorKind::GraphToTable(self.graph_to_table()?),
            "graph-mark-components" => OperatorKind::GraphMarkComponents(self.options(&["kind", "with_component_id"])?),
            _ => unreachable!("every known operator is dispatched"),
        };
        Ok(Operator { kind, span: self.span_from(start) })
    }

    /// The span of the next `n` tokens.
    fn span_n(&self, n: usize) -> crate::span::Span {
        self.tok().span.to(self.nth(n.saturating_sub(1)).span)
    }

    /// `by`, with a hint naming the operator when it is missing.
    pub(super) fn expect_by(&mut self, op: &str) -> PResult<()> {
        if self.eat_word("by").is_some() {
            return Ok(());
        }
        let t = self.tok();
        let found = self.describe(t);
        self.push(
            Diagnostic::new(codes::EXPECTED, t.span, format!("expected `by` after `{op}`, found {found}"))
                .with_label("expected `by`")
                .with_help(format!("write `{op} by Column`")),
        );
        Err(super::Fail)
    }

    /// `name = value` with any name (property lists of `with (...)`).
    pub(super) fn free_option(&mut self) -> PResult<crate::ast::OptionArg> {
        let name = self.ident("a property name")?;
        self.expect(TokenKind::Eq, "`=` after the property name")?;
        let value = self.option_value()?;
        Ok(crate::ast::OptionArg { span: self.span_from(name.span), name, value })
    }

    fn summarize(&mut self) -> PResult<Summarize> {
        let options = self.options(&["hint.*"])?;
        let aggregates = if self.at_word("by") || self.at_operator_end() { Vec::new() } else { self.assigns()? };
        let by = if self.eat_word("by").is_some() { self.assigns()? } else { Vec::new() };
        Ok(Summarize { options, aggregates, by })
    }

    fn sort(&mut self, op: &str) -> PResult<OperatorKind> {
        let _hints = self.options(&["hint.*"])?;
        self.expect_by(op)?;
        Ok(OperatorKind::Sort(self.comma_list(|p| p.sort_key())?))
    }

    /// `Expr [asc|desc] [nulls first|last]`.
    pub(super) fn sort_key(&mut self) -> PResult<SortKey> {
        let expr = self.expr()?;
        let order = if self.eat_word("asc").is_some() {
            Some(SortOrder::Asc)
        } else if self.eat_word("desc").is_some() {
            Some(SortOrder::Desc)
        } else {
            None
        };
        let nulls = if self.eat_word("nulls").is_some() {
            if self.eat_word("first").is_some() {
                Some(NullsOrder::First)
            } else if self.eat_word("last").is_some() {
                Some(NullsOrder::Last)
            } else {
                return Err(self.expected("`first` or `last` after `nulls`"));
            }
        } else {
            None
        };
        Ok(SortKey { span: self.span_from(expr.span), expr, order, nulls })
    }

    fn top(&mut self) -> PResult<OperatorKind> {
        let _hints = self.options(&["hint.*"])?;
        let count = self.expr()?;
        self.expect_by("top N")?;
        Ok(OperatorKind::Top { count, by: self.sort_key()? })
    }

    fn top_nested(&mut self) -> PResult<OperatorKind> {
        let mut levels = Vec::new();
        loop {
            let count = if self.at_word("of") { None } else { Some(self.expr()?) };
            self.expect_word("of")?;
            let of = self.assign()?;
            let others = if self.at_word("with") && self.nth_is_word(1, "others") {
                self.bump();
                self.bump();
                self.expect(TokenKind::Eq, "`=` after `with others`")?;
                Some(self.expr()?)
            } else {
                None
            };
            self.expect_by("top-nested")?;
            let by = self.assign()?;
            let order = if self.eat_word("asc").is_some() {
                Some(SortOrder::Asc)
            } else if self.eat_word("desc").is_some() {
                Some(SortOrder::Desc)
            } else {
                None
            };
            levels.push(TopNestedLevel { count, of, others, by, order });
            let next_level = self.at(TokenKind::Comma)
                && self.nth_is_word(1, "top")
                && self.nth_kind(2) == TokenKind::Minus
                && self.nth_is_word(3, "nested");
            if !next_level {
                break;
            }
            for _ in 0..4 {
                self.bump();
            }
        }
        Ok(OperatorKind::TopNested(levels))
    }

    pub(super) fn evaluate(&mut self) -> PResult<Evaluate> {
        let options = self.options(&["hint.*"])?;
        let name = self.ident("a plugin name after `evaluate`")?;
        let func = Expr { span: name.span, kind: ExprKind::Name(name) };
        if !self.at(TokenKind::LParen) {
            return Err(self.expected("`(` and the plugin's arguments"));
        }
        let args = self.call_args()?;
        let plugin = Expr { span: self.span_from(func.span), kind: ExprKind::Call { func: Box::new(func), args } };
        let schema = if self.eat(TokenKind::Colon).is_some() { Some(self.table_schema()?) } else { None };
        Ok(Evaluate { options, plugin, schema })
    }

    fn render(&mut self) -> PResult<Render> {
        let visualization = self.ident("a visualization (table, timechart, barchart, ...)")?;
        let mut properties = Vec::new();
        if self.at_word("with") && self.nth_kind(1) == TokenKind::LParen {
            self.bump();
            self.bump();
            while !self.at(TokenKind::RParen) {
                properties.push(self.render_property()?);
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RParen, "`,` or `)` in the render properties")?;
        } else {
            // Legacy: properties straight after the visualization.
            while self.option_name_at(RENDER_PROPERTIES).is_some() {
                properties.push(self.render_property()?);
            }
        }
        Ok(Render { visualization, properties })
    }

    /// `name = value` or `name = a, b, c` for list properties; a list ends
    /// at the next `name =`.
    fn render_property(&mut self) -> PResult<RenderProperty> {
        let name = self.ident("a render property")?;
        self.expect(TokenKind::Eq, "`=` after the property name")?;
        let mut values = vec![self.option_value()?];
        let list = matches!(name.name.as_str(), "ycolumns" | "series" | "anomalycolumns");
        while list
            && self.at(TokenKind::Comma)
            && !(self.nth_kind(2) == TokenKind::Eq
                && matches!(self.nth_kind(1), TokenKind::Ident | TokenKind::QuotedIdent))
        {
            self.bump();
            values.push(self.option_value()?);
        }
        Ok(RenderProperty { span: self.span_from(name.span), name, values })
    }
}
