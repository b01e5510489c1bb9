//! Scalar expressions: names, literals, paths into dynamic values, and the
//! operators, with Kusto's semantics (string operators on terms, nulls that
//! compare as `false`/`true` rather than null, datetime arithmetic).

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, Operator, binary_expr, cast, lit, when};
use kql_syntax::Span;
use kql_syntax::ast::{self, BinaryOp, ExprKind, ListOp, StringOpKind, UnaryOp};

use super::literal::{self, literal};
use super::{BResult, Binder, Row, Typed, Value};
use crate::error::{self, Diagnostic};
use crate::functions::dynamic::{PathElem, constant_elements, dyn_get};
use crate::functions::string::matcher::MatchMode;
use crate::functions::string::{MatchSpec, string_match};
use crate::types::KqlType;

impl<'a> Binder<'a> {
    /// Binds a scalar expression over `row`.
    pub fn scalar(&mut self, e: &ast::Expr, row: Row<'_>) -> BResult<Typed> {
        self.check_deadline(e.span)?;
        super::deep(|| self.scalar_inner(e, row))
    }

    fn scalar_inner(&mut self, e: &ast::Expr, row: Row<'_>) -> BResult<Typed> {
        match &e.kind {
            ExprKind::Literal(l) => match literal::out_of_range(l) {
                Some(what) => Err(self.not_implemented(e.span, what)),
                None => Ok(literal(l)),
            },
            ExprKind::Name(id) => self.name(id, row),
            ExprKind::Member { target, member } if self.is_graph_var(target) => {
                self.graph_property(target, member, row)
            }
            ExprKind::Member { .. } | ExprKind::Index { .. } => self.path(e, row),
            ExprKind::Call { .. } if !self.graph_calls.is_empty() && self.is_graph_call(e.span) => {
                self.graph_call(e.span, row)
            }
            ExprKind::Call { func, args } if super::ops::is_node_function(func) => {
                self.node_function(func, args, e.span, row)
            }
            ExprKind::Call { func, args } => self.call(func, args, e.span, row),
            ExprKind::Unary { op, operand } => {
                let t = self.scalar(operand, row)?;
                if !t.ty.is_numeric() && t.ty != KqlType::Timespan {
                    return Err(self.error(error::TYPE_MISMATCH, e.span, format!("cannot negate a {}", t.ty)));
                }
                // A negated constant is folded, so `-1` is a literal wherever a
                // constant is required.
                if let (UnaryOp::Neg, Expr::Literal(v, _)) = (op, &t.expr) {
                    let folded = match v {
                        ScalarValue::Int64(Some(n)) => n.checked_neg().map(|n| ScalarValue::Int64(Some(n))),
                        ScalarValue::Int32(Some(n)) => n.checked_neg().map(|n| ScalarValue::Int32(Some(n))),
                        ScalarValue::Float64(Some(f)) => Some(ScalarValue::Float64(Some(-f))),
                        ScalarValue::DurationNanosecond(Some(n)) => {
                            n.checked_neg().map(|n| ScalarValue::DurationNanosecond(Some(n)))
                        }
                        _ => None,
                    };
                    if let Some(v) = folded {
                        return Ok(Typed { expr: datafusion::logical_expr::lit(v), ty: t.ty });
                    }
                }
                Ok(match op {
                    // A timespan negates as 0 - t, null when it has no opposite.
                    UnaryOp::Neg if t.ty == KqlType::Timespan => {
                        use crate::functions::checked::{Op, call};
                        Typed { expr: call(Op::Sub, vec![lit(0i64), t.expr], t.ty.arrow()), ty: t.ty }
                    }
                    UnaryOp::Neg if matches!(t.ty, KqlType::Long | KqlType::Int) => {
                        use crate::functions::long_ops::{LongOp, call};
                        let neg = call(LongOp::Neg, vec![t.expr]);
                        Typed { expr: if t.ty == KqlType::Int { cast(neg, t.ty.arrow()) } else { neg }, ty: t.ty }
                    }
                    UnaryOp::Neg => Typed { expr: Expr::Negative(Box::new(t.expr)), ty: t.ty },
                    UnaryOp::Plus => t,
                })
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, row),
            ExprKind::InList { op, lhs, items } => self.in_list(*op, lhs, items, e.span, row),
            ExprKind::Between { negated, lhs, low, high } => {
                let x = self.scalar(lhs, row)?;
                let lo = self.scalar(low, row)?;
                let mut hi = self.scalar(high, row)?;
                // `t between (start .. 1h)`: a timespan upper bound is relative to the lower.
                if x.ty == KqlType::Datetime && lo.ty == KqlType::Datetime && hi.ty == KqlType::Timespan {
                    use crate::functions::checked::{Op, call};
                    let end = call(Op::Add, vec![lo.expr.clone(), hi.expr], KqlType::Datetime.arrow());
                    hi = Typed { expr: end, ty: KqlType::Datetime };
                }
                let ge = self.compare(Operator::GtEq, x.clone(), lo, e.span)?;
                let le = self.compare(Operator::LtEq, x, hi, e.span)?;
                let inside = ge.and(le);
                Ok(Typed {
                    expr: if *negated { datafusion::logical_expr::not(inside) } else { inside },
                    ty: KqlType::Bool,
                })
            }
            ExprKind::SearchTerm { .. } => Err(self.not_implemented(e.span, "the `Column:\"term\"` search syntax")),
            ExprKind::Pipeline { .. } | ExprKind::Source(_) => Err(self.error_help(
                error::TYPE_MISMATCH,
                e.span,
                "a tabular expression where a scalar is expected",
                "use toscalar(...) to turn a one-row, one-column table into a value",
            )),
            ExprKind::Wildcard(_) => Err(self.error(error::BAD_ARGUMENTS, e.span, "`*` is not allowed here")),
            ExprKind::Lambda(_) => {
                Err(self.error(error::TYPE_MISMATCH, e.span, "a function definition is not a value"))
            }
            ExprKind::TypeOf(_) => Err(self.error(error::TYPE_MISMATCH, e.span, "`typeof(...)` is not a value here")),
            ExprKind::EntityGroup(_) => Err(self.not_implemented(e.span, "`entity_group`")),
            ExprKind::Error => Err(super::Fail),
        }
    }

    fn name(&mut self, id: &ast::Ident, row: Row<'_>) -> BResult<Typed> {
        if let Ok(i) = row.schema.index_of_column_by_name(None, &id.name).ok_or(()) {
            let f = row.schema.field(i);
            return Ok(Typed { expr: Self::column(&id.name), ty: KqlType::of(f.data_type()) });
        }
        match self.lookup(&id.name).cloned() {
            Some(Value::Scalar(t)) => return Ok(t),
            Some(Value::Function(f)) if f.lambda.params.is_empty() => {
                return match self.call_function(&f, &[], id.span, Some(row))? {
                    super::CallResult::Scalar(t) => Ok(t),
                    super::CallResult::Table(_) => Err(self.error(
                        error::TYPE_MISMATCH,
                        id.span,
                        format!("`{}` is a table, not a scalar", id.name),
                    )),
                };
            }
            Some(Value::Table(_)) => {
                return Err(self.error_help(
                    error::TYPE_MISMATCH,
                    id.span,
                    format!("`{}` is a table, not a scalar", id.name),
                    "use toscalar(...) to read one value from it",
                ));
            }
            _ => {}
        }
        let columns: Vec<String> = row.schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut candidates: Vec<&str> = columns.iter().map(String::as_str).collect();
        let lets: Vec<String> =
            self.env.iter().filter(|(_, v)| matches!(v, Value::Scalar(_))).map(|(n, _)| n.clone()).collect();
        candidates.extend(lets.iter().map(String::as_str));
        // A column of the source table that an earlier operator left out.
        let dropped = row
            .source
            .filter(|t| self.catalog.get(t).is_some_and(|table| table.schema().field_with_name(&id.name).is_ok()));
        let message = match (row.source, dropped) {
            (_, Some(t)) => format!("column `{}` of {t} is no longer in the input here", id.name),
            (Some(t), None) => format!("column `{}` does not exist in {t}", id.name),
            (None, _) if columns.is_empty() => format!("unknown name `{}`", id.name),
            (None, _) => format!("column `{}` does not exist", id.name),
        };
        let mut d = Diagnostic::new(error::UNKNOWN_NAME, id.span, message).with_label("unknown column or name");
        if dropped.is_some() {
            d = d.with_help("an earlier `project`, `summarize` or similar operator left it out; keep it there");
        } else if let Some(s) = kql_syntax::nearest(&id.name, &candidates) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
        Err(super::Fail)
    }

    /// `d.a.b`, `d["k"]`, `d[0]` on a dynamic value.
    fn path(&mut self, e: &ast::Expr, row: Row<'_>) -> BResult<Typed> {
        /// One step: a constant key or index, or an index computed per row.
        enum Step {
            Const(PathElem),
            Computed(Typed),
        }
        let mut steps = Vec::new();
        let mut base = e;
        loop {
            match &base.kind {
                // `v.p` of a graph pattern is a column: the path starts there.
                ExprKind::Member { target, .. } if self.is_graph_var(target) => break,
                ExprKind::Member { target, member } => {
                    steps.push(Step::Const(PathElem::Key(member.name.clone())));
                    base = target;
                }
                ExprKind::Index { target, index } => {
                    let k = self.scalar(index, row)?;
                    let step = match &k.expr {
                        Expr::Literal(ScalarValue::Int64(Some(i)), _) => Step::Const(PathElem::Index(*i)),
                        Expr::Literal(ScalarValue::Int32(Some(i)), _) => Step::Const(PathElem::Index((*i).into())),
                        Expr::Literal(ScalarValue::Utf8View(Some(s)) | ScalarValue::Utf8(Some(s)), _) => {
                            Step::Const(PathElem::Key(s.clone()))
                        }
                        _ => Step::Computed(k),
                    };
                    steps.push(step);
                    base = target;
                }
                _ => break,
            }
        }
        steps.reverse();
        let t = self.scalar(base, row)?;
        if t.ty != KqlType::Dynamic {
            return Err(self.error_help(
                error::TYPE_MISMATCH,
                e.span,
                format!("`.` and `[...]` read into dynamic values, but this is a {}", t.ty),
                "convert text to dynamic first with parse_json(...)",
            ));
        }
        let mut expr = t.expr;
        let mut pending: Vec<PathElem> = Vec::new();
        for step in steps {
            match step {
                Step::Const(p) => pending.push(p),
                Step::Computed(k) => {
                    if !pending.is_empty() {
                        expr = dyn_get(std::mem::take(&mut pending)).call(vec![expr]);
                    }
                    let f = crate::functions::rowwise::row_func(
                        "dynamic_index",
                        KqlType::Dynamic,
                        crate::functions::collections::dynamic_index,
                    );
                    expr = f.call(vec![expr, k.expr]);
                }
            }
        }
        if !pending.is_empty() {
            expr = dyn_get(pending).call(vec![expr]);
        }
        Ok(Typed { expr, ty: KqlType::Dynamic })
    }

    /// A dynamic operand compared with a value of type `to` reads as that type.
    pub fn coerce_dynamic(&mut self, t: Typed, to: KqlType) -> Typed {
        if t.ty != KqlType::Dynamic || to == KqlType::Dynamic {
            return t;
        }
        self.convert(t, to)
    }

    /// Converts `t` to `to` as the `to<type>()` functions do.
    pub fn convert(&mut self, t: Typed, to: KqlType) -> Typed {
        use crate::functions::convert::{parse_to, to_string};
        if t.ty == to {
            return t;
        }
        let expr = match (t.ty, to) {
            (_, KqlType::String) => to_string().call(vec![t.expr]),
            (KqlType::String | KqlType::Dynamic, _) => {
                let name = match to {
                    KqlType::Long => "tolong",
                    KqlType::Int => "toint",
                    KqlType::Real => "toreal",
                    KqlType::Bool => "tobool",
                    KqlType::Datetime => "todatetime",
                    KqlType::Timespan => "totimespan",
                    _ => "convert",
                };
                parse_to(name, to).call(vec![t.expr])
            }
            (KqlType::Bool, _) if to.is_numeric() => cast(t.expr, to.arrow()),
            (KqlType::Datetime, KqlType::Long) | (KqlType::Timespan, KqlType::Long) => {
                // Kusto counts datetimes and timespans in 100 ns ticks.
                binary_expr(cast(t.expr, datafusion::arrow::datatypes::DataType::Int64), Operator::Divide, lit(100i64))
            }
            (from, KqlType::Timespan) if from.is_numeric() => {
                // ... and back: a number of ticks is a timespan; null when it does not fit.
                use crate::functions::checked::{Op, call};
                let ticks = Expr::TryCast(datafusion::logical_expr::TryCast::new(
                    Box::new(t.expr),
                    datafusion::arrow::datatypes::DataType::Int64,
                ));
                call(Op::Ticks, vec![ticks], to.arrow())
            }
            _ => Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(t.expr), to.arrow())),
        };
        Typed { expr, ty: to }
    }

    /// `* has "x"` (where-operator.md, search-operator.md: `search "err"` is
    /// `where * has "err"`): the test on any column of the row, as text.
    fn any_column_match(&mut self, s: ast::StringOp, rhs: &ast::Expr, span: Span, row: Row<'_>) -> BResult<Typed> {
        let spec = match_spec(s);
        if spec.negated {
            return Err(self.not_implemented(span, "a negated string operator over `*`"));
        }
        let needle = self.scalar(rhs, row)?;
        let Some(n) = self.constant_text(&needle) else {
            return Err(self.error(error::BAD_ARGUMENTS, rhs.span, "the term tested against `*` must be a constant"));
        };
        let name = kql_syntax::binary_op_text(BinaryOp::String(s));
        let mut tests = Vec::new();
        for f in row.schema.fields() {
            let hay = self.as_text(Typed { expr: Self::column(f.name()), ty: KqlType::of(f.data_type()) });
            tests.push(string_match(&name, vec![n.clone()], spec).call(vec![hay.expr]));
        }
        Ok(Typed { expr: balanced(tests, Operator::Or).unwrap_or(lit(false)), ty: KqlType::Bool })
    }

    fn binary(&mut self, op: BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr, span: Span, row: Row<'_>) -> BResult<Typed> {
        match op {
            BinaryOp::Or => self.or_chain(lhs, rhs, row),
            BinaryOp::And => {
                let mut terms = chain_terms(lhs, BinaryOp::And);
                terms.extend(chain_terms(rhs, BinaryOp::And));
                let mut bound = Vec::with_capacity(terms.len());
                for t in terms {
                    let b = self.scalar(t, row)?;
                    bound.push(self.expect_bool(b, t.span)?);
                }
                Ok(Typed { expr: balanced(bound, Operator::And).unwrap_or(lit(true)), ty: KqlType::Bool })
            }
            BinaryOp::String(s) if matches!(&lhs.kind, ExprKind::Wildcard(w) if w == "*") => {
                self.any_column_match(s, rhs, span, row)
            }
            BinaryOp::String(s) => {
                let needle = self.scalar(rhs, row)?;
                let hay = self.scalar(lhs, row)?;
                let spec = match_spec(s);
                let name = kql_syntax::binary_op_text(op);
                let hay = self.as_text(hay);
                let Some(n) = self.constant_text(&needle) else {
                    let needle = self.as_text(needle);
                    let f = crate::functions::string::per_row::string_match_per_row(&name, spec);
                    return Ok(Typed { expr: f.call(vec![hay.expr, needle.expr]), ty: KqlType::Bool });
                };
                Ok(Typed { expr: string_match(&name, vec![n], spec).call(vec![hay.expr]), ty: KqlType::Bool })
            }
            BinaryOp::EqCi | BinaryOp::NotEqCi => {
                let l = self.scalar(lhs, row)?;
                let r = self.scalar(rhs, row)?;
                let negated = op == BinaryOp::NotEqCi;
                let (l, r) = (self.as_text(l), self.as_text(r));
                let expr = match self.constant_text(&r) {
                    Some(n) => string_set(vec![n], false, negated).call(vec![l.expr]),
                    None => {
                        let fold = |e: Expr| crate::functions::string::fold::fold_case().call(vec![e]);
                        let eq = binary_expr(fold(l.expr), Operator::Eq, fold(r.expr));
                        if negated { datafusion::logical_expr::not(eq) } else { eq }
                    }
                };
                Ok(Typed { expr, ty: KqlType::Bool })
            }
            BinaryOp::MatchesRegex => {
                let l = self.scalar(lhs, row)?;
                let r = self.scalar(rhs, row)?;
                let Some(pattern) = self.constant_text(&r) else {
                    let (l, r) = (self.as_text(l), self.as_text(r));
                    let f = crate::functions::string::per_row::regex_match_per_row();
                    return Ok(Typed { expr: f.call(vec![l.expr, r.expr]), ty: KqlType::Bool });
                };
                if let Err(e) = crate::functions::rowwise::compile_regex(&pattern) {
                    let e = crate::functions::rowwise::regex_error(&e);
                    return Err(self.error(error::BAD_ARGUMENTS, rhs.span, format!("invalid regular expression: {e}")));
                }
                let l = self.as_text(l);
                let expr = datafusion::functions::regex::expr_fn::regexp_like(l.expr, literal::string(&pattern), None);
                Ok(Typed { expr, ty: KqlType::Bool })
            }
            BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let l = self.scalar(lhs, row)?;
                let r = self.scalar(rhs, row)?;
                let dop = match op {
                    BinaryOp::Eq => Operator::Eq,
                    BinaryOp::NotEq => Operator::NotEq,
                    BinaryOp::Lt => Operator::Lt,
                    BinaryOp::Le => Operator::LtEq,
                    BinaryOp::Gt => Operator::Gt,
                    _ => Operator::GtEq,
                };
                let expr = self.compare(dop, l, r, span)?;
                Ok(Typed { expr, ty: KqlType::Bool })
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let l = self.scalar(lhs, row)?;
                let r = self.scalar(rhs, row)?;
                self.arithmetic(op, l, r, span)
            }
        }
    }

    /// `a or b or ...`. String tests of one column against constants
    /// (`x has "a" or x has "b"`) become one matcher over all needles, one
    /// pass over the column instead of one per test; the result is the same.
    fn or_chain(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, row: Row<'_>) -> BResult<Typed> {
        let mut terms = chain_terms(lhs, BinaryOp::Or);
        terms.extend(chain_terms(rhs, BinaryOp::Or));
        // Positive string tests against a literal, grouped by (column text,
        // operator) in first-seen order; everything else stays as written.
        type Group<'e> = (String, kql_syntax::ast::StringOp, Vec<&'e ast::Expr>);
        let mut groups: Vec<Group<'_>> = Vec::new();
        let mut rest: Vec<&ast::Expr> = Vec::new();
        for t in &terms {
            match &t.kind {
                ExprKind::Binary { op: BinaryOp::String(sop), lhs, rhs }
                    if !sop.negated && matches!(rhs.kind, ExprKind::Literal(ast::Literal::String(_))) =>
                {
                    let key = kql_syntax::print_expr(lhs);
                    match groups.iter_mut().find(|(k, o, _)| *k == key && o == sop) {
                        Some(g) => g.2.push(t),
                        None => groups.push((key, *sop, vec![t])),
                    }
                }
                _ => rest.push(t),
            }
        }
        let mut acc: Vec<Expr> = Vec::new();
        let mut push = |e: Expr| acc.push(e);
        for (_, sop, members) in groups {
            if members.len() == 1 {
                rest.push(members[0]);
                continue;
            }
            let mut needles = Vec::with_capacity(members.len());
            let mut col = None;
            for m in &members {
                if let ExprKind::Binary { lhs, rhs, .. } = &m.kind
                    && let ExprKind::Literal(ast::Literal::String(n)) = &rhs.kind
                {
                    needles.push(n.clone());
                    col = Some(lhs);
                }
            }
            let col = col.expect("a group holds string tests");
            let hay = self.scalar(col, row)?;
            let hay = self.as_text(hay);
            let name = kql_syntax::binary_op_text(BinaryOp::String(sop));
            push(string_match(&name, needles, match_spec(sop)).call(vec![hay.expr]));
        }
        for t in rest {
            let b = self.scalar(t, row)?;
            let b = self.expect_bool(b, t.span)?;
            push(b);
        }
        Ok(Typed { expr: balanced(acc, Operator::Or).expect("an `or` has two sides"), ty: KqlType::Bool })
    }

    fn expect_bool(&mut self, t: Typed, span: Span) -> BResult<Expr> {
        match t.ty {
            KqlType::Bool => Ok(t.expr),
            KqlType::Dynamic => Ok(self.convert(t, KqlType::Bool).expr),
            other => Err(self.error(error::TYPE_MISMATCH, span, format!("expected a bool here, found a {other}"))),
        }
    }

    /// A string-typed view of `t` (dynamic and other types via `tostring`).
    pub fn as_text(&mut self, t: Typed) -> Typed {
        if t.ty == KqlType::String { t } else { self.convert(t, KqlType::String) }
    }

    /// The text of a constant, if `t` is one (dynamic constants give their
    /// `tostring()`).
    pub fn constant_text(&self, t: &Typed) -> Option<String> {
        match &t.expr {
            Expr::Literal(v, _) => match v {
                ScalarValue::Utf8(s) | ScalarValue::Utf8View(s) => Some(s.clone().unwrap_or_default()),
                ScalarValue::LargeUtf8(Some(json)) => {
                    let mut out = String::new();
                    crate::functions::dynamic::dynamic_to_string(json, &mut out);
                    Some(out)
                }
                ScalarValue::Int64(Some(n)) => Some(n.to_string()),
                ScalarValue::Int32(Some(n)) => Some(n.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    /// A comparison with Kusto's null rules: `==` with one null side is
    /// false, `!=` with one null side is true, both null gives null.
    pub fn compare(&mut self, op: Operator, l: Typed, r: Typed, span: Span) -> BResult<Expr> {
        let (lt0, rt0) = (l.ty, r.ty);
        let (l, r) = (self.coerce_dynamic(l, rt0), self.coerce_dynamic(r, lt0));
        // bool.md: a bool is `true` (1) or `false` (0), so against a number
        // it compares as that number. Against a string it stays an error,
        // as Kusto's "Cannot compare values of types" does for any string
        // and non-string pair.
        let (l, r) = match (l.ty, r.ty) {
            (KqlType::Bool, n) if n.is_numeric() => (self.bool_as_long(l), r),
            (n, KqlType::Bool) if n.is_numeric() => (l, self.bool_as_long(r)),
            _ => (l, r),
        };
        let (lt, rt) = (l.ty, r.ty);
        let comparable = lt == rt
            || (lt.is_numeric() && rt.is_numeric())
            || matches!((lt, rt), (KqlType::Datetime, KqlType::Datetime) | (KqlType::Timespan, KqlType::Timespan));
        if !comparable {
            return Err(self.error(error::TYPE_MISMATCH, span, format!("cannot compare a {lt} with a {rt}")));
        }
        // Two decimals may have different scales (`parse_version`'s 0, up to
        // 10^32, against the 18 of the engine's decimal): both compare exactly
        // in a 256-bit decimal that holds either, never through a cast to one
        // of them that could overflow.
        let (l, r) = match (lt, rt) {
            (KqlType::Decimal, KqlType::Decimal) => {
                let wide = datafusion::arrow::datatypes::DataType::Decimal256(76, 18);
                (Typed { expr: cast(l.expr, wide.clone()), ty: lt }, Typed { expr: cast(r.expr, wide), ty: rt })
            }
            _ => (l, r),
        };
        let plain = binary_expr(l.expr.clone(), op, r.expr.clone());
        if !matches!(op, Operator::Eq | Operator::NotEq) || (lt == KqlType::String && rt == KqlType::String) {
            return Ok(plain);
        }
        let one_null = if op == Operator::Eq { lit(false) } else { lit(true) };
        let both_null = l.expr.clone().is_null().and(r.expr.clone().is_null());
        let either_null = l.expr.is_null().or(r.expr.is_null());
        let e = when(both_null, lit(ScalarValue::Boolean(None))).when(either_null, one_null).otherwise(plain);
        self.df(span, e)
    }

    /// A bool as the long Kusto stores it: 1 or 0, null stays null.
    fn bool_as_long(&mut self, t: Typed) -> Typed {
        Typed { expr: cast(t.expr, KqlType::Long.arrow()), ty: KqlType::Long }
    }

    fn arithmetic(&mut self, op: BinaryOp, l: Typed, r: Typed, span: Span) -> BResult<Typed> {
        use KqlType::*;
        let dop = match op {
            BinaryOp::Add => Operator::Plus,
            BinaryOp::Sub => Operator::Minus,
            BinaryOp::Mul => Operator::Multiply,
            BinaryOp::Div => Operator::Divide,
            _ => Operator::Modulo,
        };
        let (l, r) = (self.coerce_dynamic(l, Real), self.coerce_dynamic(r, Real));
        let nanos = |e: Expr| cast(e, datafusion::arrow::datatypes::DataType::Int64);
        use crate::functions::checked::{self, Op};
        // Two integers make a long; a real anywhere makes a real.
        let numeric_result = |a: KqlType, b: KqlType| match (a, b) {
            (Real, _) | (_, Real) => Real,
            (Decimal, _) | (_, Decimal) => Decimal,
            _ => Long,
        };
        let (expr, ty) = match (l.ty, r.ty, op) {
            (a, b, _) if a.is_numeric() && b.is_numeric() => {
                let ty = numeric_result(a, b);
                let as_long = |t: Typed| if t.ty == Long { t.expr } else { cast(t.expr, Long.arrow()) };
                let (le, re) = if ty == Long { (as_long(l), as_long(r)) } else { (l.expr, r.expr) };
                use crate::functions::long_ops::{LongOp, call as long};
                match (ty, op) {
                    // Never wrapped: out of range is an error; `%` is never negative.
                    (Long, BinaryOp::Add) => (long(LongOp::Add, vec![le, re]), ty),
                    (Long, BinaryOp::Sub) => (long(LongOp::Sub, vec![le, re]), ty),
                    (Long, BinaryOp::Mul) => (long(LongOp::Mul, vec![le, re]), ty),
                    (Long, BinaryOp::Mod) => (long(LongOp::Mod, vec![le, re]), ty),
                    (Decimal, BinaryOp::Mod) => {
                        // Kusto's `%` is never negative: 0 <= a % b < abs(b).
                        let b = datafusion::functions::math::expr_fn::abs(re.clone());
                        let m = binary_expr(le, Operator::Modulo, re);
                        (binary_expr(binary_expr(m, Operator::Plus, b.clone()), Operator::Modulo, b), ty)
                    }
                    _ => (binary_expr(le, dop, re), ty),
                }
            }
            // Out of range is null, never a wrapped value.
            (Datetime, Datetime, BinaryOp::Sub) => {
                (checked::call(Op::Sub, vec![l.expr, r.expr], Timespan.arrow()), Timespan)
            }
            (Datetime, Timespan, BinaryOp::Add | BinaryOp::Sub) | (Timespan, Datetime, BinaryOp::Add) => {
                let o = if op == BinaryOp::Add { Op::Add } else { Op::Sub };
                (checked::call(o, vec![l.expr, r.expr], Datetime.arrow()), Datetime)
            }
            (Timespan, Timespan, BinaryOp::Add | BinaryOp::Sub) => {
                let o = if op == BinaryOp::Add { Op::Add } else { Op::Sub };
                (checked::call(o, vec![l.expr, r.expr], Timespan.arrow()), Timespan)
            }
            (Timespan, Timespan, BinaryOp::Div) => {
                let f = |e: Expr| cast(nanos(e), datafusion::arrow::datatypes::DataType::Float64);
                (binary_expr(f(l.expr), dop, f(r.expr)), Real)
            }
            (Timespan, n, BinaryOp::Mul | BinaryOp::Div) if n.is_numeric() => {
                let o = if op == BinaryOp::Mul { Op::Scale } else { Op::Divide };
                (checked::call(o, vec![l.expr, r.expr], Timespan.arrow()), Timespan)
            }
            (n, Timespan, BinaryOp::Mul) if n.is_numeric() => {
                (checked::call(Op::Scale, vec![r.expr, l.expr], Timespan.arrow()), Timespan)
            }
            // Kusto's parser types these (a real, a timespan, a datetime),
            // but datetime-timespan-arithmetic.md does not give their values.
            (Datetime, Datetime | Timespan, BinaryOp::Div | BinaryOp::Mod)
            | (Datetime, Int | Long | Real | Decimal, BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod)
            | (Int | Long | Real | Decimal, Datetime, BinaryOp::Mul)
            | (Timespan, Timespan, BinaryOp::Mul | BinaryOp::Mod) => {
                let sym = kql_syntax::binary_op_text(op);
                return Err(self.not_implemented(
                    span,
                    &format!(
                        "`{sym}` of a {l_ty} and a {r_ty} (datetime-timespan-arithmetic.md does not give its value)",
                        l_ty = l.ty,
                        r_ty = r.ty
                    ),
                ));
            }
            (a, b, _) => {
                let sym = kql_syntax::binary_op_text(op);
                return Err(self.error(error::TYPE_MISMATCH, span, format!("cannot apply `{sym}` to a {a} and a {b}")));
            }
        };
        Ok(Typed { expr, ty })
    }

    fn in_list(
        &mut self,
        op: ListOp,
        lhs: &ast::Expr,
        items: &[ast::Expr],
        span: Span,
        row: Row<'_>,
    ) -> BResult<Typed> {
        let l = self.scalar(lhs, row)?;
        // One tabular item: a sub-query (`x in (T | project y)`).
        if items.len() == 1 && self.is_tabular(&items[0]) {
            return self.in_table(op, l, &items[0], span);
        }
        let mut values = Vec::new();
        for item in items {
            let t = self.scalar(item, row)?;
            values.push(t);
        }
        let all_constant = values.iter().all(|v| matches!(v.expr, Expr::Literal(..)));
        let text_lhs =
            l.ty == KqlType::String || matches!(op, ListOp::InCi | ListOp::NotInCi | ListOp::HasAny | ListOp::HasAll);
        if all_constant && text_lhs {
            // Constant strings (and dynamic arrays, flattened): one compiled matcher.
            let mut needles = Vec::new();
            for v in &values {
                match &v.expr {
                    Expr::Literal(ScalarValue::LargeUtf8(Some(json)), _) => needles.extend(constant_elements(json)),
                    _ => needles.push(self.constant_text(v).unwrap_or_default()),
                }
            }
            let hay = self.as_text(l);
            let expr = match op {
                ListOp::HasAny | ListOp::HasAll => {
                    let spec = MatchSpec {
                        mode: MatchMode::Term,
                        case_sensitive: false,
                        all: op == ListOp::HasAll,
                        negated: false,
                    };
                    let name = if op == ListOp::HasAny { "has_any" } else { "has_all" };
                    string_match(name, needles, spec).call(vec![hay.expr])
                }
                ListOp::In | ListOp::NotIn => string_set(needles, true, op == ListOp::NotIn).call(vec![hay.expr]),
                ListOp::InCi | ListOp::NotInCi => {
                    string_set(needles, false, op == ListOp::NotInCi).call(vec![hay.expr])
                }
            };
            return Ok(Typed { expr, ty: KqlType::Bool });
        }
        match op {
            ListOp::In | ListOp::NotIn => {
                let mut items = Vec::with_capacity(values.len());
                for v in values {
                    items.extend(self.flatten_constant_array(v));
                }
                let negated = op == ListOp::NotIn;
                // Constants of the left side's own type: one hashed set test.
                // A null left side is in no list (and so `!in` every list).
                let same_type = |t: &Typed| {
                    t.ty == l.ty && matches!(&t.expr, Expr::Literal(v, _) if !v.is_null()) && l.ty != KqlType::Dynamic
                };
                if !items.is_empty() && items.iter().all(same_type) {
                    let list = items.into_iter().map(|t| t.expr).collect();
                    let test = datafusion::logical_expr::in_list(l.expr, list, negated);
                    let expr = datafusion::functions::core::expr_fn::coalesce(vec![test, lit(negated)]);
                    return Ok(Typed { expr, ty: KqlType::Bool });
                }
                // `in` is an `or` of `==`; `!in` an `and` of `!=` (so null !in (...) is true).
                let cmp = if negated { Operator::NotEq } else { Operator::Eq };
                let mut tests = Vec::with_capacity(items.len());
                for item in items {
                    tests.push(self.compare(cmp, l.clone(), item, span)?);
                }
                let join = if negated { Operator::And } else { Operator::Or };
                Ok(Typed { expr: balanced(tests, join).unwrap_or(lit(negated)), ty: KqlType::Bool })
            }
            ListOp::HasAny | ListOp::HasAll if values.len() == 1 && values[0].ty == KqlType::Dynamic => {
                // One dynamic array that is not a constant (a column, a
                // `toscalar(... make_set(...))`): its elements, row by row.
                let hay = self.as_text(l);
                let terms = values.swap_remove(0);
                let f = crate::functions::string::per_row::terms_match_per_row(op == ListOp::HasAll);
                Ok(Typed { expr: f.call(vec![hay.expr, terms.expr]), ty: KqlType::Bool })
            }
            _ => Err(self.not_implemented(span, "this list operator with values that are not constants")),
        }
    }

    /// A constant dynamic array becomes its elements, typed like `x`'s
    /// comparisons need; anything else stays one item.
    fn flatten_constant_array(&mut self, v: Typed) -> Vec<Typed> {
        if let Expr::Literal(ScalarValue::LargeUtf8(Some(json)), _) = &v.expr
            && let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
        {
            // Nested arrays flatten: `x in (dynamic([1, [2, 3]]))` is `x in (1, 2, 3)`.
            fn flat(items: Vec<serde_json::Value>, out: &mut Vec<serde_json::Value>) {
                for j in items {
                    match j {
                        serde_json::Value::Array(inner) => flat(inner, out),
                        other => out.push(other),
                    }
                }
            }
            let mut all = Vec::new();
            flat(items, &mut all);
            return all
                .into_iter()
                .map(|j| match j {
                    serde_json::Value::Number(n) if n.is_i64() => {
                        literal::typed(ScalarValue::Int64(n.as_i64()), KqlType::Long)
                    }
                    serde_json::Value::Number(n) => literal::typed(ScalarValue::Float64(n.as_f64()), KqlType::Real),
                    serde_json::Value::Bool(b) => literal::typed(ScalarValue::Boolean(Some(b)), KqlType::Bool),
                    serde_json::Value::String(s) => literal::typed(ScalarValue::Utf8View(Some(s)), KqlType::String),
                    other => literal::typed(ScalarValue::LargeUtf8(Some(other.to_string())), KqlType::Dynamic),
                })
                .collect();
        }
        vec![v]
    }
}

/// The operands of a chain of `op` (`a or b or c`), left to right. A chain
/// is as long as the query, so it is walked with a stack of its own rather
/// than by recursion.
pub(crate) fn chain_terms(e: &ast::Expr, op: BinaryOp) -> Vec<&ast::Expr> {
    let mut out = Vec::new();
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match &e.kind {
            ExprKind::Binary { op: o, lhs, rhs } if *o == op => {
                todo.push(rhs);
                todo.push(lhs);
            }
            _ => out.push(e),
        }
    }
    out
}

/// `terms` joined by `op` (`and`/`or`, which are associative) as a balanced
/// tree, so the plan is as deep as the logarithm of a chain's length, not
/// its length; `None` for no terms.
pub(crate) fn balanced(mut terms: Vec<Expr>, op: Operator) -> Option<Expr> {
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        let mut it = terms.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => binary_expr(a, op, b),
                None => a,
            });
        }
        terms = next;
    }
    terms.pop()
}

/// `in`, `in~`, `=~` against a constant set of strings.
pub(crate) fn string_set(
    needles: Vec<String>,
    case_sensitive: bool,
    negated: bool,
) -> datafusion::logical_expr::ScalarUDF {
    crate::functions::string::string_set(needles, case_sensitive, negated)
}

/// How a KQL string operator (`has`, `contains~`, `!startswith`, ...) matches.
fn match_spec(s: kql_syntax::ast::StringOp) -> MatchSpec {
    let mode = match s.kind {
        StringOpKind::Has => MatchMode::Term,
        StringOpKind::HasPrefix => MatchMode::TermPrefix,
        StringOpKind::HasSuffix => MatchMode::TermSuffix,
        StringOpKind::Contains => MatchMode::Anywhere,
        StringOpKind::StartsWith => MatchMode::Start,
        StringOpKind::EndsWith => MatchMode::End,
    };
    MatchSpec { mode, case_sensitive: s.case_sensitive, all: false, negated: s.negated }
}
