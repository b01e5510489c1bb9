//! `evaluate ipv4_lookup(LookupTable, SourceKey, LookupKey [, ExtraKey...]
//! [, return_unmatched])` (ipv4-lookup-plugin.md) and `ipv6_lookup`
//! (ipv6-lookup-plugin.md): a join of the input with the lookup table on
//! addresses. A row matches a lookup row when the two addresses are equal
//! under the shorter of their prefixes (either side may be a CIDR block or
//! a single address) and the extra key columns, which both sides have, are
//! equal. The columns are the input's, then the lookup table's but for the
//! extra keys. Only matching rows come out, every row with
//! `return_unmatched = true` (the lookup columns empty where none matched).

use datafusion::common::{Column, JoinType, NullEquality};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast::{Arg, ExprKind, Literal};

use crate::bind::ops::join::{LEFT, RIGHT};
use crate::bind::{BResult, Binder, Tab, Typed};
use crate::error;
use crate::functions::rowwise::{RowFn, row_func};
use crate::types::KqlType;

/// The address family of a lookup plugin.
#[derive(Clone, Copy)]
pub(super) enum Family {
    V4,
    V6,
}

impl Family {
    fn plugin(self) -> &'static str {
        match self {
            Family::V4 => "ipv4_lookup",
            Family::V6 => "ipv6_lookup",
        }
    }

    /// The match test: equal under the shorter prefix.
    fn matcher(self) -> (&'static str, RowFn) {
        match self {
            Family::V4 => ("ipv4_is_match", crate::functions::ipv4_more::ipv4_is_match),
            Family::V6 => ("ipv6_is_match", crate::functions::ipv6::ipv6_is_match),
        }
    }
}

impl Binder<'_> {
    pub(super) fn ip_lookup(&mut self, input: Tab, args: &[Arg], family: Family, call_span: Span) -> BResult<Tab> {
        let plugin = family.plugin();
        let mut return_unmatched = false;
        let mut positional: Vec<&kql_syntax::ast::Expr> = Vec::new();
        for a in args {
            match &a.name {
                Some(n) if n.name == "return_unmatched" => return_unmatched = self.bool_flag(&a.value)?,
                Some(n) => {
                    return Err(self.error(
                        error::BAD_ARGUMENTS,
                        n.span,
                        format!("{plugin} has no argument `{}`; the named one is `return_unmatched`", n.name),
                    ));
                }
                None => positional.push(&a.value),
            }
        }
        // A last positional `true`/`false` is `return_unmatched`.
        if positional.len() > 3
            && let Some(last) = positional.last()
            && matches!(last.kind, ExprKind::Literal(Literal::Bool(_)))
        {
            return_unmatched = self.bool_flag(last)?;
            positional.pop();
        }
        let [table, source_key, lookup_key, extra @ ..] = positional.as_slice() else {
            return Err(self.error_help(
                error::BAD_ARGUMENTS,
                call_span,
                format!("{plugin} needs a lookup table, the input's address column and the table's"),
                format!("{plugin}(LookupTable, SourceKey, LookupKey [, ExtraKey...] [, return_unmatched])"),
            ));
        };
        let lookup = self.table(table)?;
        let source_name = self.column_arg(source_key, &input, "input", plugin)?;
        let lookup_name = self.column_arg(lookup_key, &lookup, "lookup table", plugin)?;
        let mut keys = Vec::new();
        for e in extra {
            let l = self.column_arg(e, &input, "input", plugin)?;
            let r = self.column_arg(e, &lookup, "lookup table", plugin)?;
            keys.push((l, r));
        }
        let fields = |t: &Tab| -> Vec<(String, KqlType)> {
            t.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect()
        };
        let (left_fields, right_fields) = (fields(&input), fields(&lookup));
        let text = |b: &mut Self, side: &str, name: &str, fields: &[(String, KqlType)]| {
            let ty = fields.iter().find(|(n, _)| n == name).map(|(_, t)| *t).unwrap_or(KqlType::String);
            b.as_text(Typed { expr: Expr::Column(Column::new(Some(side), name)), ty }).expr
        };
        let source = text(self, LEFT, &source_name, &left_fields);
        let target = text(self, RIGHT, &lookup_name, &right_fields);
        let (name, f) = family.matcher();
        let test = row_func(name, KqlType::Bool, f).call(vec![source, target]);
        let l = self.build(call_span, LogicalPlanBuilder::from(input.plan).alias(LEFT))?;
        let r = self.build(call_span, LogicalPlanBuilder::from(lookup.plan).alias(RIGHT))?;
        let lk: Vec<Column> = keys.iter().map(|(a, _)| Column::new(Some(LEFT), a)).collect();
        let rk: Vec<Column> = keys.iter().map(|(_, b)| Column::new(Some(RIGHT), b)).collect();
        let join_type = if return_unmatched { JoinType::Left } else { JoinType::Inner };
        let joined = LogicalPlanBuilder::from(l).join_detailed(
            r,
            join_type,
            (lk, rk),
            Some(test),
            NullEquality::NullEqualsNothing,
        );
        let joined = self.build(call_span, joined)?;
        let drop: Vec<String> = keys.into_iter().map(|(_, r)| r).collect();
        let plan = self.join_output(joined, join_type, &left_fields, &right_fields, &drop, call_span)?;
        Ok(Tab { plan, source: None })
    }

    /// A `true`/`false` literal.
    pub(super) fn bool_flag(&mut self, e: &kql_syntax::ast::Expr) -> BResult<bool> {
        match e.kind {
            ExprKind::Literal(Literal::Bool(b)) => Ok(b),
            _ => Err(self.error(error::BAD_ARGUMENTS, e.span, "expected `true` or `false`")),
        }
    }

    /// The name of a column of `t` that `e` names.
    pub(super) fn column_arg(
        &mut self,
        e: &kql_syntax::ast::Expr,
        t: &Tab,
        side: &str,
        plugin: &str,
    ) -> BResult<String> {
        let ExprKind::Name(n) = &e.kind else {
            return Err(self.error(error::BAD_ARGUMENTS, e.span, format!("{plugin} takes column names here")));
        };
        if t.plan.schema().fields().iter().any(|f| f.name() == &n.name) {
            Ok(n.name.clone())
        } else {
            Err(self.error(error::UNKNOWN_NAME, n.span, format!("`{}` is not a column of the {side}", n.name)))
        }
    }
}
