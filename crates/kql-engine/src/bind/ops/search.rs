//! `search` (search-operator.md): a `union` of the tables in scope (the
//! piped input, `in (T1, T2, A*)`, or every table with a provider) with the
//! leg's name in `$table`, filtered by the search predicate. A string term
//! tests every column: `"x"` with `has`, `"x*"` `hasprefix`, `"*x"`
//! `hassuffix`, `"*x*"` `contains`, a `*` inside as `matches regex`;
//! `Col:"x"` tests one column; `kind=case_sensitive` makes them and the
//! string operators of the predicate case-sensitive.

use std::sync::Arc;

use datafusion::logical_expr::{Expr, Filter, LogicalPlan, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, BinaryOp, ExprKind, Ident, OptionArg};

use crate::bind::expr::{balanced, chain_terms};
use crate::bind::{BResult, Binder, Row, Tab, Typed};
use crate::error;
use crate::functions::string::matcher::MatchMode;
use crate::functions::string::{MatchSpec, string_match};
use crate::types::KqlType;

impl<'a> Binder<'a> {
    /// `[input |] search [kind=...] [in (Tables)] Predicate`.
    pub(crate) fn search(&mut self, input: Option<Tab>, s: &ast::Search, span: Span) -> BResult<Tab> {
        let mut case_sensitive = false;
        for o in &s.options {
            let value = match &o.value.kind {
                ExprKind::Name(n) => n.name.as_str(),
                _ => "",
            };
            match (o.name.name.as_str(), value) {
                ("kind", "case_sensitive") => case_sensitive = true,
                ("kind", "default" | "case_insensitive") => case_sensitive = false,
                ("kind", _) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.value.span,
                        "`kind` is default, case_insensitive or case_sensitive",
                    ));
                }
                _ => return Err(self.not_implemented(o.span, &format!("`search` with `{}=`", o.name.name))),
            }
        }
        let tables = match (&input, &s.tables) {
            (Some(_), Some(t)) => {
                let at = t.first().map_or(span, |e| e.span);
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    at,
                    "`search` takes either a piped input or `in (...)`, not both",
                ));
            }
            (Some(_), None) => Vec::new(),
            (None, Some(t)) => t.clone(),
            (None, None) => vec![ast::Expr { kind: ExprKind::Wildcard("*".into()), span }],
        };
        let with_source = OptionArg {
            name: Ident { name: "withsource".into(), span },
            value: ast::Expr { kind: ExprKind::Name(Ident { name: "$table".into(), span }), span },
            span,
        };
        let u = ast::Union { options: vec![with_source], tables };
        let tab = self.union(input, &u, span, false, &[])?;
        let pred = {
            let row = Row { schema: tab.plan.schema(), source: tab.source.as_deref() };
            self.search_predicate(&s.predicate, case_sensitive, row)?
        };
        let cols = Self::all_columns(&tab.plan);
        let filter = Filter::try_new(pred, Arc::new(tab.plan));
        let plan = self.df(span, filter.map(LogicalPlan::Filter))?;
        let plan = self.projection(span, plan, cols)?;
        Ok(Tab { plan, source: tab.source })
    }

    /// The predicate of `search` as a bool expression over `row`.
    pub(super) fn search_predicate(&mut self, e: &ast::Expr, cs: bool, row: Row<'_>) -> BResult<Expr> {
        self.check_deadline(e.span)?;
        match &e.kind {
            ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), .. } => {
                let join = if *op == BinaryOp::And {
                    datafusion::logical_expr::Operator::And
                } else {
                    datafusion::logical_expr::Operator::Or
                };
                let mut bound = Vec::new();
                for t in chain_terms(e, *op) {
                    bound.push(crate::bind::deep(|| self.search_predicate(t, cs, row))?);
                }
                Ok(balanced(bound, join).unwrap_or(lit(true)))
            }
            ExprKind::Call { func, args }
                if args.len() == 1 && matches!(&func.kind, ExprKind::Name(n) if n.name == "not") =>
            {
                let inner = &args[0].value;
                Ok(datafusion::logical_expr::not(crate::bind::deep(|| self.search_predicate(inner, cs, row))?))
            }
            ExprKind::Literal(ast::Literal::String(term)) => self.search_term(None, term, cs, e.span, row),
            ExprKind::Wildcard(w) if w == "*" => Ok(lit(true)),
            ExprKind::SearchTerm { column, value } => {
                let ExprKind::Literal(ast::Literal::String(term)) = &value.kind else {
                    return Err(self.not_implemented(value.span, "`Column:value` with a value that is not a string"));
                };
                let col = match &column.kind {
                    ExprKind::Wildcard(w) if w == "*" => None,
                    _ => Some(column.as_ref()),
                };
                self.search_term(col, term, cs, e.span, row)
            }
            ExprKind::Binary { op: BinaryOp::String(s), lhs, rhs } if cs && !s.case_sensitive => {
                let mut s = *s;
                s.case_sensitive = true;
                let sensitive = ast::Expr {
                    kind: ExprKind::Binary { op: BinaryOp::String(s), lhs: lhs.clone(), rhs: rhs.clone() },
                    span: e.span,
                };
                self.search_bool(&sensitive, row)
            }
            ExprKind::Binary { op: BinaryOp::EqCi | BinaryOp::NotEqCi, .. } | ExprKind::InList { .. } if cs => {
                Err(self.not_implemented(e.span, "this operator inside `search kind=case_sensitive`"))
            }
            _ => self.search_bool(e, row),
        }
    }

    fn search_bool(&mut self, e: &ast::Expr, row: Row<'_>) -> BResult<Expr> {
        let t = self.scalar(e, row)?;
        let t = self.coerce_dynamic(t, KqlType::Bool);
        if t.ty != KqlType::Bool {
            return Err(self.error(
                error::TYPE_MISMATCH,
                e.span,
                format!("a `search` predicate must be a bool, found a {}", t.ty),
            ));
        }
        Ok(t.expr)
    }

    /// A string term against `column`, or against every column.
    fn search_term(
        &mut self,
        column: Option<&ast::Expr>,
        term: &str,
        cs: bool,
        span: Span,
        row: Row<'_>,
    ) -> BResult<Expr> {
        let columns: Vec<Typed> = match column {
            Some(c) => vec![self.scalar(c, row)?],
            None => row
                .schema
                .fields()
                .iter()
                .map(|f| Typed { expr: Self::column(f.name()), ty: KqlType::of(f.data_type()) })
                .collect(),
        };
        let test = search_test(term, cs);
        let mut tests = Vec::with_capacity(columns.len());
        for c in columns {
            let hay = self.as_text(c).expr;
            tests.push(match &test {
                Test::All => lit(true),
                Test::Match(name, needle, mode) => {
                    let spec = MatchSpec { mode: *mode, case_sensitive: cs, all: false, negated: false };
                    string_match(name, vec![needle.clone()], spec).call(vec![hay])
                }
                Test::Regex(pattern) => {
                    if let Err(e) = crate::functions::rowwise::compile_regex(pattern) {
                        let e = crate::functions::rowwise::regex_error(&e);
                        return Err(self.error(error::BAD_ARGUMENTS, span, format!("invalid search term: {e}")));
                    }
                    datafusion::functions::regex::expr_fn::regexp_like(hay, lit(pattern.clone()), None)
                }
            });
        }
        Ok(balanced(tests, datafusion::logical_expr::Operator::Or).unwrap_or(lit(false)))
    }
}

/// What a search term tests.
enum Test {
    /// Only stars: every row.
    All,
    /// One needle with a string operator (its name, the needle, the mode).
    Match(&'static str, String, MatchMode),
    /// A star inside the term: a regular expression.
    Regex(String),
}

/// The test of `term` (search-operator.md, "Search predicate syntax").
fn search_test(term: &str, cs: bool) -> Test {
    let leading = term.starts_with('*');
    let trailing = term.ends_with('*');
    let inner = term.trim_matches('*');
    if inner.is_empty() {
        return Test::All;
    }
    if inner.contains('*') {
        // `Lab*PC` is `matches regex @"\bLab.*PC\b"`.
        let parts: Vec<String> = inner.split('*').map(regex::escape).collect();
        let mut p = String::new();
        if !cs {
            p.push_str("(?i)");
        }
        if !leading {
            p.push_str(r"\b");
        }
        p.push_str(&parts.join(".*"));
        if !trailing {
            p.push_str(r"\b");
        }
        return Test::Regex(p);
    }
    let (name, mode) = match (leading, trailing) {
        (false, false) => ("has", MatchMode::Term),
        (true, false) => ("hassuffix", MatchMode::TermSuffix),
        (false, true) => ("hasprefix", MatchMode::TermPrefix),
        (true, true) => ("contains", MatchMode::Anywhere),
    };
    Test::Match(name, inner.to_string(), mode)
}
