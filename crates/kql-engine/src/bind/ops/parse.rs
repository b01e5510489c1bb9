//! `parse` and `parse-where`: extract columns from text with a pattern of
//! string constants, `*` and typed column names.

use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind, ParsePart};

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::functions::parse_op::{ParseMode, capture_for, parse_udf, relaxed_capture_for};
use crate::types::KqlType;

impl<'a> Binder<'a> {
    pub(crate) fn parse_operator(&mut self, input: Tab, p: &ast::Parse, span: Span) -> BResult<Tab> {
        let mut kind = "simple".to_string();
        let mut flags = String::new();
        for o in &p.options {
            let v = match &o.value.kind {
                ExprKind::Name(n) => n.name.clone(),
                ExprKind::Literal(ast::Literal::String(s)) => s.clone(),
                _ => String::new(),
            };
            match o.name.name.as_str() {
                "kind" => kind = v,
                "flags" => flags = v,
                _ => {}
            }
        }
        if !matches!(kind.as_str(), "simple" | "regex" | "relaxed") {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!("unknown parse kind `{kind}`; use simple, regex or relaxed"),
            ));
        }
        let regex_mode = kind == "regex";
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        let source = self.scalar(&p.source, row)?;
        let source = self.as_text(source);
        // The pattern as one regular expression, anchored at the start.
        let mut re = String::from("^");
        if regex_mode && !flags.is_empty() {
            re = format!("(?{flags})^");
        }
        let mut cols: Vec<(String, KqlType)> = Vec::new();
        let last_col = p.pattern.iter().rposition(|x| matches!(x, ParsePart::Column { .. }));
        let ends_with_col = last_col == Some(p.pattern.len() - 1);
        for (i, part) in p.pattern.iter().enumerate() {
            match part {
                ParsePart::Text(t) => re.push_str(&if regex_mode { format!("(?:{t})") } else { regex::escape(t) }),
                ParsePart::Star => re.push_str(if regex_mode { ".*" } else { ".*?" }),
                ParsePart::Column { name, ty } => {
                    let t = ty.as_ref().map(|t| KqlType::from_syntax(t.ty)).unwrap_or(KqlType::String);
                    let last = ends_with_col && Some(i) == last_col;
                    // Relaxed mode captures text and converts what it can.
                    // In regex mode a column that is not a number captures
                    // greedily, as a string does (parse-operator.md, the
                    // `flags=s` example: `lockTime: datetime` before
                    // `"(.*?)releaseTime="`).
                    let number = matches!(t, KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal);
                    let cap = if regex_mode && !number {
                        "(.*)"
                    } else if kind == "relaxed" {
                        relaxed_capture_for(t, last)
                    } else {
                        capture_for(t, last)
                    };
                    // Named, so that groups of the pattern's own text
                    // (`kind=regex`) do not shift the columns' groups.
                    re.push_str(&format!("(?P<{}{}>", crate::functions::parse_op::GROUP_PREFIX, cols.len()));
                    re.push_str(cap.strip_prefix('(').unwrap_or(cap));
                    cols.push((name.name.clone(), t));
                }
            }
        }
        if ends_with_col {
            re.push('$');
        }
        if let Err(e) = crate::functions::rowwise::compile_regex(&re) {
            return Err(self.error(
                error::BAD_ARGUMENTS,
                span,
                format!(
                    "the parse pattern is not a valid regular expression: {}",
                    crate::functions::rowwise::regex_error(&e)
                ),
            ));
        }
        let mode = if kind == "relaxed" { ParseMode::Relaxed } else { ParseMode::Strict };
        let types: Vec<KqlType> = cols.iter().map(|(_, t)| *t).collect();
        let matched = self.fresh("parse");
        let mut pre = Self::all_columns(&input.plan);
        pre.push(parse_udf(re, types, mode).call(vec![source.expr]).alias(&matched));
        let mut plan = self.projection(span, input.plan.clone(), pre)?;
        if p.where_ {
            plan = self.build(span, LogicalPlanBuilder::from(plan).filter(Self::column(&matched).is_not_null()))?;
        }
        let names: Vec<String> = input.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
        let field = |i: usize| -> Expr { get_field(Self::column(&matched), format!("c{i}")) };
        let mut out: Vec<Expr> = Vec::new();
        for n in &names {
            match cols.iter().position(|(c, _)| c == n) {
                Some(i) => out.push(field(i).alias(n)),
                None => out.push(Self::column(n)),
            }
        }
        for (i, (c, t)) in cols.iter().enumerate() {
            if names.contains(c) {
                continue;
            }
            // A failed match leaves strings empty, not null.
            let e = if *t == KqlType::String {
                datafusion::functions::core::expr_fn::coalesce(vec![field(i), crate::bind::literal::string("")])
            } else {
                field(i)
            };
            out.push(e.alias(c));
        }
        let plan = self.projection(span, plan, out)?;
        Ok(Tab { plan, source: input.source })
    }
}
