//! `parse-kv` (parse-kv-operator.md): the input extended with one column per
//! listed key, its value in the text converted to the key's type.

use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::Expr;
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::functions::parse_kv::{KvMode, KvSpec, parse_kv_udf};
use crate::types::KqlType;

impl Binder<'_> {
    fn kv_text(&mut self, o: &ast::OptionArg) -> BResult<String> {
        match &o.value.kind {
            ExprKind::Literal(ast::Literal::String(s)) => Ok(s.clone()),
            _ => Err(self.error(error::BAD_ARGUMENTS, o.value.span, format!("`{}` takes a string", o.name.name))),
        }
    }

    pub(crate) fn parse_kv(&mut self, input: Tab, p: &ast::ParseKv, span: Span) -> BResult<Tab> {
        let (mut pair, mut kv, mut greedy, mut regex) = (None, None, false, None);
        let mut quotes = Vec::new();
        let mut escapes = Vec::new();
        for o in &p.options {
            match o.name.name.as_str() {
                "pair_delimiter" => pair = Some(self.kv_text(o)?),
                "kv_delimiter" => kv = Some(self.kv_text(o)?),
                "regex" => regex = Some(self.kv_text(o)?),
                "quote" => {
                    let q = self.kv_text(o)?;
                    let mut cs = q.chars();
                    match (cs.next(), cs.next(), cs.next()) {
                        (Some(a), None, _) => quotes.push((a, a)),
                        (Some(a), Some(b), None) => quotes.push((a, b)),
                        _ => {
                            return Err(self.error(
                                error::BAD_ARGUMENTS,
                                o.value.span,
                                "`quote` takes one character, or an opening and a closing one",
                            ));
                        }
                    }
                }
                "escape" => {
                    let e = self.kv_text(o)?;
                    let mut cs = e.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) => escapes.push(c),
                        _ => {
                            return Err(self.error(error::BAD_ARGUMENTS, o.value.span, "`escape` takes one character"));
                        }
                    }
                }
                "greedy" => {
                    greedy = match &o.value.kind {
                        ExprKind::Literal(ast::Literal::Bool(b)) => *b,
                        _ => {
                            return Err(self.error(error::BAD_ARGUMENTS, o.value.span, "`greedy` takes true or false"));
                        }
                    }
                }
                other => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        o.name.span,
                        format!(
                            "`parse-kv` has no option `{other}` (pair_delimiter, kv_delimiter, quote, escape, greedy, regex)"
                        ),
                    ));
                }
            }
        }
        let mode = match (pair, kv, regex) {
            (None, None, Some(r)) => {
                match crate::functions::rowwise::compile_regex(&r) {
                    Ok(re) if re.captures_len() == 3 => {}
                    Ok(_) => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            span,
                            "the `regex` of `parse-kv` needs exactly two capturing groups: the key and the value",
                        ));
                    }
                    Err(e) => {
                        return Err(self.error(
                            error::BAD_ARGUMENTS,
                            span,
                            format!(
                                "`regex` is not a valid regular expression: {}",
                                crate::functions::rowwise::regex_error(&e)
                            ),
                        ));
                    }
                }
                KvMode::Regex(r)
            }
            (Some(pair), Some(kv), None) if !pair.is_empty() && !kv.is_empty() => {
                KvMode::Delimited { pair, kv, greedy }
            }
            (None, None, None) if !greedy => KvMode::Words,
            _ => {
                return Err(self.error(
                    error::BAD_ARGUMENTS,
                    span,
                    "`parse-kv` takes both `pair_delimiter` and `kv_delimiter` (non-empty), or `regex`, or neither",
                ));
            }
        };
        let keys: Vec<(String, KqlType)> =
            p.keys.iter().map(|c| (c.name.name.clone(), KqlType::from_syntax(c.ty.ty))).collect();
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        let source = self.scalar(&p.source, row)?;
        let source = self.as_text(source);
        let matched = self.fresh("parse_kv");
        let mut pre = Self::all_columns(&input.plan);
        pre.push(parse_kv_udf(KvSpec { mode, quotes, escapes }, keys.clone()).call(vec![source.expr]).alias(&matched));
        let plan = self.projection(span, input.plan.clone(), pre)?;
        let field = |i: usize| -> Expr { get_field(Self::column(&matched), format!("c{i}")) };
        // A key named like an input column replaces it in place.
        let names: Vec<String> = input.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
        let mut out: Vec<Expr> = Vec::new();
        for n in &names {
            match keys.iter().position(|(c, _)| c == n) {
                Some(i) => out.push(field(i).alias(n)),
                None => out.push(Self::column(n)),
            }
        }
        for (i, (c, _)) in keys.iter().enumerate() {
            if !names.contains(c) {
                out.push(field(i).alias(c));
            }
        }
        let plan = self.projection(span, plan, out)?;
        Ok(Tab { plan, source: input.source })
    }
}
