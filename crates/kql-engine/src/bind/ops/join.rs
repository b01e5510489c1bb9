//! `join` (every kind, `innerunique` by default) and `lookup`.
//!
//! Output columns follow Kusto: the left columns, then the right ones, a
//! right name that clashes getting a `1` suffix (`DeviceId1`). Semi and anti
//! joins keep one side; `lookup` drops the right key columns.

use datafusion::common::{Column, JoinType, NullEquality, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, lit};
use kql_syntax::Span;
use kql_syntax::ast::{self, BinaryOp, ExprKind};

use crate::bind::names::NameTable;
use crate::bind::{BResult, Binder, Tab};
use crate::error;
use crate::types::KqlType;

pub(crate) const LEFT: &str = "__left";
pub(crate) const RIGHT: &str = "__right";

impl<'a> Binder<'a> {
    pub(crate) fn join(
        &mut self,
        left: Tab,
        j: &ast::Join,
        span: Span,
        lookup: bool,
        after: &[ast::Operator],
    ) -> BResult<Tab> {
        let mut kind = if lookup { "leftouter".to_string() } else { "innerunique".to_string() };
        for o in &j.options {
            if o.name.name == "kind"
                && let ExprKind::Name(n) = &o.value.kind
            {
                kind = n.name.clone();
            }
        }
        let kinds: &[&str] = if lookup {
            &["leftouter", "inner"]
        } else {
            &[
                "innerunique",
                "inner",
                "leftouter",
                "rightouter",
                "fullouter",
                "leftanti",
                "anti",
                "leftantisemi",
                "rightanti",
                "rightantisemi",
                "leftsemi",
                "rightsemi",
            ]
        };
        if !kinds.contains(&kind.as_str()) {
            let at = j.options.iter().find(|o| o.name.name == "kind").map(|o| o.value.span).unwrap_or(span);
            let mut d = error::Diagnostic::new(error::BAD_ARGUMENTS, at, format!("unknown join kind `{kind}`"));
            if let Some(s) = kql_syntax::nearest(&kind, kinds) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                d = d.with_help(format!("the kinds are {}", kinds.join(", ")));
            }
            self.diags.push(d);
            return Err(crate::bind::Fail);
        }
        let right = self.table(&j.right)?;
        let mut keys: Vec<(String, String)> = Vec::new();
        for cond in &j.on {
            // `a and b` is two conditions (an `and` chain is walked in a loop).
            for c in crate::bind::expr::chain_terms(cond, BinaryOp::And) {
                self.join_keys(c, &left, &right, &mut keys)?;
            }
        }
        if keys.is_empty() {
            return Err(self.error(error::BAD_ARGUMENTS, span, "the join needs at least one key after `on`"));
        }
        let left_plan = if kind == "innerunique" {
            let left = self.left_filters(left, after)?;
            // One row per key on the left, as Kusto's default join has it:
            // any one row of each key, every column taken from that same row
            // (`first_value` of each column over the same rows in the same
            // order). An aggregation rather than a `row_number` window, whose
            // input-order check rejects the sort DataFusion plans when a
            // filter has made one of the keys constant.
            let mut key_names: Vec<&str> = Vec::new();
            for (l, _) in &keys {
                if !key_names.contains(&l.as_str()) {
                    key_names.push(l);
                }
            }
            let group: Vec<Expr> = key_names.iter().map(|k| Self::column(k)).collect();
            let first = datafusion::functions_aggregate::first_last::first_value_udaf();
            let aggs: Vec<Expr> = left
                .plan
                .schema()
                .fields()
                .iter()
                .filter(|f| !key_names.contains(&f.name().as_str()))
                .map(|f| first.call(vec![Self::column(f.name())]).alias(f.name()))
                .collect();
            let cols = Self::all_columns(&left.plan);
            let b = LogicalPlanBuilder::from(left.plan).aggregate(group, aggs).and_then(|b| b.project(cols));
            self.build(span, b)?
        } else {
            left.plan
        };
        let join_type = match kind.as_str() {
            "innerunique" | "inner" => JoinType::Inner,
            "leftouter" => JoinType::Left,
            "rightouter" => JoinType::Right,
            "fullouter" => JoinType::Full,
            "leftanti" | "anti" | "leftantisemi" => JoinType::LeftAnti,
            "rightanti" | "rightantisemi" => JoinType::RightAnti,
            "leftsemi" => JoinType::LeftSemi,
            _ => JoinType::RightSemi,
        };
        let left_fields: Vec<(String, KqlType)> =
            left_plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect();
        let right_fields: Vec<(String, KqlType)> =
            right.plan.schema().fields().iter().map(|f| (f.name().clone(), KqlType::of(f.data_type()))).collect();
        let l = self.build(span, LogicalPlanBuilder::from(left_plan).alias(LEFT))?;
        let r = self.build(span, LogicalPlanBuilder::from(right.plan).alias(RIGHT))?;
        let lk: Vec<Column> = keys.iter().map(|(a, _)| Column::new(Some(LEFT), a)).collect();
        let rk: Vec<Column> = keys.iter().map(|(_, b)| Column::new(Some(RIGHT), b)).collect();
        let joined =
            LogicalPlanBuilder::from(l).join_detailed(r, join_type, (lk, rk), None, NullEquality::NullEqualsNothing);
        let joined = self.build(span, joined)?;

        let drop_right: Vec<String> = if lookup { keys.iter().map(|(_, r)| r.clone()).collect() } else { Vec::new() };
        let plan = self.join_output(joined, join_type, &left_fields, &right_fields, &drop_right, span)?;
        Ok(Tab { plan, source: None })
    }

    /// The columns of a join of `__left` and `__right` as Kusto names them:
    /// the kept sides' columns, left first, a clashing right name suffixed,
    /// the right columns in `drop_right` left out; a string of the side
    /// without a match is empty, not null.
    pub(crate) fn join_output(
        &mut self,
        joined: datafusion::logical_expr::LogicalPlan,
        join_type: JoinType,
        left_fields: &[(String, KqlType)],
        right_fields: &[(String, KqlType)],
        drop_right: &[String],
        span: Span,
    ) -> BResult<datafusion::logical_expr::LogicalPlan> {
        let keep_left = !matches!(join_type, JoinType::RightSemi | JoinType::RightAnti);
        let keep_right = !matches!(join_type, JoinType::LeftSemi | JoinType::LeftAnti);
        let outer_left = matches!(join_type, JoinType::Right | JoinType::Full);
        let outer_right = matches!(join_type, JoinType::Left | JoinType::Full);
        let mut names = NameTable::default();
        let mut exprs = Vec::new();
        let side = |q: &str, n: &str, ty: KqlType, nullable: bool| {
            let c = Expr::Column(Column::new(Some(q), n));
            // Strings stay non-null when the other side had no match.
            if nullable && ty == KqlType::String {
                coalesce(vec![c, lit(ScalarValue::Utf8View(Some(String::new())))])
            } else {
                c
            }
        };
        if keep_left {
            for (n, ty) in left_fields {
                exprs.push(side(LEFT, n, *ty, outer_left).alias(names.unique(n)));
            }
        }
        if keep_right {
            for (n, ty) in right_fields {
                if drop_right.contains(n) {
                    continue;
                }
                exprs.push(side(RIGHT, n, *ty, outer_right).alias(names.unique(n)));
            }
        }
        self.build(span, LogicalPlanBuilder::from(joined).project(exprs))
    }

    /// Reads one `on` condition into (left column, right column) pairs.
    fn join_keys(
        &mut self,
        cond: &ast::Expr,
        left: &Tab,
        right: &Tab,
        keys: &mut Vec<(String, String)>,
    ) -> BResult<()> {
        let has = |t: &Tab, n: &str| t.plan.schema().fields().iter().any(|f| f.name() == n);
        match &cond.kind {
            ExprKind::Name(id) => {
                for (t, side) in [(left, "left"), (right, "right")] {
                    if !has(t, &id.name) {
                        return Err(self.error(
                            error::UNKNOWN_NAME,
                            id.span,
                            format!("join key `{}` is not a column of the {side} side", id.name),
                        ));
                    }
                }
                keys.push((id.name.clone(), id.name.clone()));
                Ok(())
            }
            ExprKind::Binary { op: BinaryOp::Eq, lhs, rhs } => {
                let side_of = |e: &ast::Expr| match &e.kind {
                    ExprKind::Member { target, member } => match &target.kind {
                        ExprKind::Name(t) if t.name == "$left" => Some((true, member.name.clone(), member.span)),
                        ExprKind::Name(t) if t.name == "$right" => Some((false, member.name.clone(), member.span)),
                        _ => None,
                    },
                    _ => None,
                };
                match (side_of(lhs), side_of(rhs)) {
                    (Some((true, l, ls)), Some((false, r, rs))) | (Some((false, r, rs)), Some((true, l, ls))) => {
                        if !has(left, &l) {
                            return Err(self.error(
                                error::UNKNOWN_NAME,
                                ls,
                                format!("`{l}` is not a column of the left side"),
                            ));
                        }
                        if !has(right, &r) {
                            return Err(self.error(
                                error::UNKNOWN_NAME,
                                rs,
                                format!("`{r}` is not a column of the right side"),
                            ));
                        }
                        keys.push((l, r));
                        Ok(())
                    }
                    _ => Err(self.error_help(
                        error::BAD_ARGUMENTS,
                        cond.span,
                        "a join condition compares `$left.Column == $right.Column`",
                        "or name a column both sides have: `on DeviceId`",
                    )),
                }
            }
            _ => Err(self.error_help(
                error::BAD_ARGUMENTS,
                cond.span,
                "expected a join key: `Column` or `$left.A == $right.B`",
                "conditions other than equality are not join keys; filter with `where` after the join",
            )),
        }
    }
}
