//! `mv-expand`: one row per element of dynamic arrays (or bag entries),
//! several columns zipped in parallel.

use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use kql_syntax::Span;
use kql_syntax::ast::{self, ExprKind};

use crate::bind::names::inferred;
use crate::bind::{BResult, Binder, Row, Tab};
use crate::error;
use crate::functions::expand::{self, mv_expand};
use crate::functions::rowwise::row_func;
use crate::types::KqlType;

/// How `mv-expand` treats a row whose arrays are all empty.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Empty {
    /// No row (mv-expand-operator.md).
    Drop,
    /// One row whose expanded values and index are null, flagged true in
    /// the column named here (for `mv-apply`, whose empty subtables still
    /// count).
    Flag,
}

impl<'a> Binder<'a> {
    pub(crate) fn mv_expand(&mut self, input: Tab, m: &ast::MvExpand, span: Span) -> BResult<Tab> {
        self.expand_rows(input, m, Empty::Drop, None, span)
    }

    /// `mv-expand`; with [`Empty::Flag`], rows with nothing to expand stay,
    /// and the column `flag` tells them apart.
    pub(crate) fn expand_rows(
        &mut self,
        input: Tab,
        m: &ast::MvExpand,
        empty: Empty,
        flag: Option<&str>,
        span: Span,
    ) -> BResult<Tab> {
        let mut bag_as_array = false;
        let mut index_col: Option<String> = None;
        for o in &m.options {
            let value = match &o.value.kind {
                ExprKind::Name(n) => n.name.clone(),
                _ => String::new(),
            };
            match o.name.name.as_str() {
                "bagexpansion" | "kind" => bag_as_array = value == "array",
                "with_itemindex" => index_col = Some(value),
                _ => {}
            }
        }
        let limit = match &m.limit {
            Some(e) => Some(self.constant_row_limit(e)?),
            // mv-expand-operator.md: the legacy `mvexpand` has a default row
            // limit of 128.
            None if m.legacy => Some(128),
            None => None,
        };
        let row = Row { schema: input.plan.schema(), source: input.source.as_deref() };
        // (output name, element type) of each expanded item, and its value.
        let mut targets: Vec<(String, KqlType)> = Vec::new();
        let mut values: Vec<Expr> = Vec::new();
        for item in &m.items {
            let t = self.scalar(&item.value.value, row)?;
            if t.ty != KqlType::Dynamic {
                return Err(self.error_help(
                    error::TYPE_MISMATCH,
                    item.value.value.span,
                    format!("`mv-expand` expands dynamic values, not a {}", t.ty),
                    "convert text first, for example `mv-expand x = parse_json(Text)`",
                ));
            }
            let name = item_name(item);
            let ty = item.to.as_ref().map(|t| KqlType::from_syntax(t.ty)).unwrap_or(KqlType::Dynamic);
            targets.push((name, ty));
            values.push(t.expr);
        }
        let zipped = self.fresh("mv");
        let mut pre: Vec<Expr> = Self::all_columns(&input.plan);
        pre.push(mv_expand(values.len(), bag_as_array, limit).call(values).alias(&zipped));
        let names: Vec<String> = input.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
        let mut b = LogicalPlanBuilder::from(input.plan).project(pre);
        if empty == Empty::Flag {
            b = b.and_then(|b| keep_empty(b, &zipped));
        }
        let b = b.and_then(|b| b.unnest_column(datafusion::common::Column::from_name(&zipped)));
        let unnested = self.build(span, b)?;
        let z = Self::column(&zipped);
        let element = |i: usize, ty: KqlType| -> Expr {
            let e = get_field(z.clone(), format!("c{i}"));
            if ty == KqlType::Dynamic {
                return e;
            }
            let f = match ty {
                KqlType::Long => expand::cast_long,
                KqlType::Int => expand::cast_int,
                KqlType::Real => expand::cast_real,
                KqlType::Bool => expand::cast_bool,
                KqlType::Datetime => expand::cast_datetime,
                KqlType::Timespan => expand::cast_timespan,
                _ => expand::cast_string,
            };
            row_func("mv_expand_cast", ty, f).call(vec![e])
        };
        let mut out: Vec<Expr> = Vec::new();
        for n in &names {
            match targets.iter().position(|(t, _)| t == n) {
                Some(i) => out.push(element(i, targets[i].1).alias(n)),
                None => out.push(Self::column(n)),
            }
        }
        for (i, (t, ty)) in targets.iter().enumerate() {
            if !names.contains(t) {
                out.push(element(i, *ty).alias(t));
            }
        }
        if let Some(ix) = index_col {
            out.push(get_field(z.clone(), "i").alias(ix));
        }
        if let Some(flag) = flag {
            out.push(z.clone().is_null().alias(flag));
        }
        let plan = self.build(span, LogicalPlanBuilder::from(unnested).project(out))?;
        Ok(Tab { plan, source: input.source })
    }

    fn constant_row_limit(&mut self, e: &ast::Expr) -> BResult<u64> {
        let t = self.constant(e)?;
        match t.expr {
            Expr::Literal(datafusion::common::ScalarValue::Int64(Some(n)), _) if n >= 0 => Ok(n as u64),
            _ => Err(self.error(error::NOT_CONSTANT, e.span, "`limit` takes a constant non-negative number")),
        }
    }
}

/// Replaces an empty list of expanded elements with a list of one null
/// element, so the row survives the unnest.
fn keep_empty(b: LogicalPlanBuilder, zipped: &str) -> datafusion::common::Result<LogicalPlanBuilder> {
    let cols: Vec<Expr> = b
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let c = Binder::column(f.name());
            if f.name() == zipped { crate::functions::keep_empty::keep_empty().call(vec![c]).alias(zipped) } else { c }
        })
        .collect();
    b.project(cols)
}

/// The column an expanded item lands in: its name, the column it reads, or
/// `Column1`.
pub(crate) fn item_name(item: &ast::ExpandItem) -> String {
    match item.value.names.first() {
        Some(n) => n.name.clone(),
        None => inferred(&item.value.value).unwrap_or_else(|| "Column1".into()),
    }
}
